/*
 * buf_test.c — the growable byte buffer (util/buf.h): appends of every
 * flavour, printf formatting (short and long), consume, reserve, cstr, and
 * growth over many appends with the contents checked byte for byte.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "util/buf.h"

/* Assert b holds exactly the n bytes at want. */
static void expect_bytes(const struct buf *b, const void *want, size_t n)
{
    cr_assert_eq(b->len, n, "len %zu, want %zu", b->len, n);
    if (n)
        cr_assert(memcmp(b->data, want, n) == 0, "contents differ");
    cr_assert(b->cap > b->len, "cap %zu must leave room for a NUL after len %zu", b->cap, b->len);
}

static void expect_str(const struct buf *b, const char *want)
{
    expect_bytes(b, want, strlen(want));
}

static int via_vprintf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int via_vprintf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

Test(buf, init_is_empty)
{
    struct buf b = BUF_INIT;
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    buf_free(&b); /* freeing an untouched buffer is fine */
    cr_assert_null(b.data);
}

Test(buf, append_putc_puts)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_append(&b, "ab", 2), 0);
    cr_assert_eq(buf_putc(&b, 'c'), 0);
    cr_assert_eq(buf_puts(&b, "def"), 0);
    cr_assert_eq(buf_puts(&b, ""), 0);
    cr_assert_eq(buf_append(&b, "zzz", 0), 0);
    expect_str(&b, "abcdef");
    buf_free(&b);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
}

Test(buf, append_zero_bytes_to_empty)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_append(&b, NULL, 0), 0);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(buf_cstr(&b), 0);
    cr_assert_str_eq(b.data, "");
    buf_free(&b);
}

Test(buf, binary_with_nul)
{
    struct buf b = BUF_INIT;
    const char bytes[] = {'a', '\0', 'b', '\0', '\xff'};
    cr_assert_eq(buf_append(&b, bytes, sizeof(bytes)), 0);
    cr_assert_eq(buf_putc(&b, '\0'), 0);
    const char want[] = {'a', '\0', 'b', '\0', '\xff', '\0'};
    expect_bytes(&b, want, sizeof(want));
    buf_free(&b);
}

Test(buf, printf_formats)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_printf(&b, "%d-%s-%05.1f", 42, "x", 3.25), 0);
    cr_assert_eq(buf_printf(&b, "|%llu", 18446744073709551615ull), 0);
    cr_assert_eq(buf_printf(&b, "%s", ""), 0);
    expect_str(&b, "42-x-003.2|18446744073709551615");
    buf_free(&b);
}

Test(buf, printf_longer_than_initial_capacity)
{
    struct buf b = BUF_INIT;
    char big[1000];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    cr_assert_eq(buf_puts(&b, "<"), 0);
    cr_assert_eq(buf_printf(&b, "%s>%d", big, 7), 0);
    cr_assert_eq(b.len, 1 + 999 + 2);
    cr_assert_eq(b.data[0], '<');
    for (size_t i = 1; i <= 999; i++)
        cr_assert_eq(b.data[i], 'q', "byte %zu", i);
    cr_assert_eq(b.data[1000], '>');
    cr_assert_eq(b.data[1001], '7');
    buf_free(&b);
}

Test(buf, vprintf_appends)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_puts(&b, "x="), 0);
    cr_assert_eq(via_vprintf(&b, "%d,%s", -5, "yz"), 0);
    expect_str(&b, "x=-5,yz");
    buf_free(&b);
}

Test(buf, consume_front)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_puts(&b, "hello world"), 0);
    buf_consume(&b, 0);
    expect_str(&b, "hello world");
    buf_consume(&b, 6);
    expect_str(&b, "world");
    buf_consume(&b, 5);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(buf_puts(&b, "abc"), 0);
    buf_consume(&b, 100); /* more than len empties it */
    cr_assert_eq(b.len, 0);
    cr_assert_eq(buf_puts(&b, "again"), 0);
    expect_str(&b, "again");
    buf_free(&b);
}

Test(buf, reset_keeps_capacity)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_puts(&b, "some text"), 0);
    size_t cap = b.cap;
    char *data = b.data;
    buf_reset(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, cap);
    cr_assert_eq(b.data, data);
    cr_assert_eq(buf_puts(&b, "new"), 0);
    expect_str(&b, "new");
    buf_free(&b);
}

Test(buf, cstr_terminates_without_counting)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_puts(&b, "abc"), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    cr_assert_eq(b.len, 3);
    cr_assert_str_eq(b.data, "abc");
    cr_assert_eq(buf_putc(&b, 'd'), 0); /* the NUL is overwritten by the next append */
    cr_assert_eq(buf_cstr(&b), 0);
    cr_assert_str_eq(b.data, "abcd");
    buf_free(&b);
}

Test(buf, reserve_gives_room)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_reserve(&b, 0), 0);
    cr_assert(b.cap >= 1);
    cr_assert_eq(buf_reserve(&b, 10000), 0);
    cr_assert(b.cap - b.len >= 10000, "cap %zu", b.cap);
    char *data = b.data;
    /* appends within the reserved room do not move the storage */
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(buf_putc(&b, (char)('a' + i % 26)), 0);
    cr_assert_eq(b.data, data);
    cr_assert_eq(b.len, 10000);
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(b.data[i], (char)('a' + i % 26));
    cr_assert_eq(buf_reserve(&b, 5), 0);
    cr_assert(b.cap - b.len >= 5);
    buf_free(&b);
}

Test(buf, growth_over_many_appends)
{
    struct buf b = BUF_INIT;
    /* a deterministic mix of sizes, checked against a shadow copy */
    static char shadow[1 << 20];
    size_t n = 0;
    unsigned seed = 12345;
    while (n < sizeof(shadow) - 5000) {
        seed = seed * 1103515245u + 12345u;
        size_t k = (seed >> 16) % 3000;
        char chunk[3000];
        for (size_t i = 0; i < k; i++)
            chunk[i] = (char)((n + i) * 31 + 7);
        cr_assert_eq(buf_append(&b, chunk, k), 0);
        memcpy(shadow + n, chunk, k);
        n += k;
    }
    expect_bytes(&b, shadow, n);
    buf_free(&b);
}
