/*
 * crc32c_test.c — CRC-32C (util/crc32c.h): published vectors, LevelDB's
 * mask/unmask, extend over split buffers equal to one shot, and every
 * alignment and tail length (the 8-byte fast path, hardware or table,
 * against a bit-at-a-time reference).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "util/crc32c.h"

/* Bit-at-a-time CRC-32C: slow, obviously right. */
static uint32_t ref_crc(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
    }
    return ~c;
}

/* Deterministic pseudo-random bytes. */
static void fill(unsigned char *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (unsigned char)(seed >> 24);
    }
}

Test(crc32c, check_value)
{
    cr_assert_eq(crc32c("123456789", 9), 0xe3069283u);
}

Test(crc32c, empty_and_single_byte)
{
    cr_assert_eq(crc32c("", 0), 0u);
    cr_assert_eq(crc32c_extend(0x12345678u, "", 0), 0x12345678u, "extend by nothing changes nothing");
    cr_assert_eq(crc32c("a", 1), 0xc1d04330u);
}

Test(crc32c, rfc3720_vectors)
{
    unsigned char buf[32];
    memset(buf, 0, sizeof(buf));
    cr_assert_eq(crc32c(buf, sizeof(buf)), 0x8a9136aau);
    memset(buf, 0xff, sizeof(buf));
    cr_assert_eq(crc32c(buf, sizeof(buf)), 0x62a8ab43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char)i;
    cr_assert_eq(crc32c(buf, sizeof(buf)), 0x46dd794eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char)(31 - i);
    cr_assert_eq(crc32c(buf, sizeof(buf)), 0x113fdb5cu);
}

Test(crc32c, iscsi_read_pdu)
{
    static const unsigned char pdu[48] = {
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    cr_assert_eq(crc32c(pdu, sizeof(pdu)), 0xd9963a56u);
}

Test(crc32c, reference_agrees_on_vectors)
{
    /* guards the reference used by the alignment test below */
    cr_assert_eq(ref_crc((const unsigned char *)"123456789", 9), 0xe3069283u);
}

Test(crc32c, values_differ)
{
    cr_assert_neq(crc32c("a", 1), crc32c("foo", 3));
    cr_assert_neq(crc32c("ab", 2), crc32c("ba", 2));
}

Test(crc32c, mask_round_trip)
{
    uint32_t crcs[] = {0, 1, 0xffffffffu, 0xe3069283u, 0xa282ead8u, 0x80000000u,
                       crc32c("foo", 3)};
    for (size_t i = 0; i < sizeof(crcs) / sizeof(crcs[0]); i++) {
        uint32_t c = crcs[i];
        uint32_t m = crc32c_mask(c);
        cr_assert_neq(m, c, "mask(%08x) must differ from it", c);
        cr_assert_neq(crc32c_mask(m), m);
        cr_assert_eq(crc32c_unmask(m), c, "unmask(mask(%08x))", c);
        cr_assert_eq(crc32c_unmask(crc32c_unmask(crc32c_mask(m))), c);
    }
    /* the exact masking LevelDB uses: rotate right 15, add the delta */
    cr_assert_eq(crc32c_mask(0u), 0xa282ead8u);
    cr_assert_eq(crc32c_mask(1u), 0x00020000u + 0xa282ead8u);
    for (uint32_t x = 0; x < 100000; x += 7)
        cr_assert_eq(crc32c_unmask(crc32c_mask(x * 2654435761u)), x * 2654435761u);
}

Test(crc32c, extend_equals_one_shot)
{
    static unsigned char data[1000];
    fill(data, sizeof(data), 99);
    uint32_t whole = crc32c(data, sizeof(data));
    cr_assert_eq(whole, ref_crc(data, sizeof(data)));
    /* every split point into two pieces */
    for (size_t cut = 0; cut <= sizeof(data); cut++) {
        uint32_t c = crc32c_extend(crc32c(data, cut), data + cut, sizeof(data) - cut);
        cr_assert_eq(c, whole, "split at %zu", cut);
    }
    /* many small pieces of varying size */
    uint32_t c = 0;
    size_t off = 0, step = 1;
    while (off < sizeof(data)) {
        size_t k = step < sizeof(data) - off ? step : sizeof(data) - off;
        c = crc32c_extend(c, data + off, k);
        off += k;
        step = step % 13 + 1;
    }
    cr_assert_eq(c, whole);
    /* the classic example: "hello " then "world" */
    cr_assert_eq(crc32c_extend(crc32c("hello ", 6), "world", 5), crc32c("hello world", 11));
}

Test(crc32c, every_alignment_and_tail)
{
    static unsigned char base[256 + 16];
    fill(base, sizeof(base), 7);
    for (size_t align = 0; align < 16; align++)
        for (size_t n = 0; n <= 256; n++) {
            const unsigned char *p = base + align;
            cr_assert_eq(crc32c(p, n), ref_crc(p, n), "align %zu len %zu", align, n);
        }
}

Test(crc32c, large_buffer)
{
    static unsigned char big[1 << 20];
    fill(big, sizeof(big), 3);
    cr_assert_eq(crc32c(big, sizeof(big)), ref_crc(big, sizeof(big)));
    cr_assert_eq(crc32c(big + 3, sizeof(big) - 5), ref_crc(big + 3, sizeof(big) - 5));
}
