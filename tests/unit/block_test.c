/*
 * block_test.c — column blocks (types/block.h): pushing every kind, NULLs,
 * strings (empty, embedded NUL, built in pieces), the hot-path puts (the
 * same bytes as the pushes), seal, truncate as the rollback of a
 * half-added row, clear, append_rows, reference counts, and
 * serialization: the documented byte layout, round trips for every kind
 * (0 rows, 1 row, large blocks), and corruption — every truncated prefix,
 * trailing bytes, bad type bytes, bad string offsets, absurd counts and
 * seeded random byte flips must fail cleanly (ERR_CORRUPT), never crash.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/block.h"
#include "util/err.h"

/* Every kind, in enum order, and the same kinds nullable. */
#define NK (TY_KIND_END - 1)

static struct ty kind_ty(int k, int nullable)
{
    uint8_t prec = k == TY_DATETIME64 ? 6 : k == TY_INTERVAL ? TY_UNIT_YEAR : k == TY_DECIMAL ? 12 : 0;
    if (k == TY_ARRAY) /* arrays are never nullable: their strings are */
        return ty_array_of((struct ty){TY_STRING, (uint8_t)nullable, 0});
    return (struct ty){(uint8_t)k, (uint8_t)nullable, prec, k == TY_DECIMAL ? 4 : 0};
}

static struct blk *make(const struct ty *types, uint32_t ncols)
{
    struct blk *b = NULL;
    cr_assert_eq(blk_create(types, ncols, &b), 0);
    cr_assert_not_null(b);
    cr_assert_eq(b->ncols, ncols);
    cr_assert_eq(b->nrows, 0);
    return b;
}

/* A block of every kind (nullable or not), one column each. */
static struct blk *make_all_kinds(int nullable)
{
    struct ty t[NK];
    for (int k = 1; k <= NK; k++)
        t[k - 1] = kind_ty(k, nullable);
    return make(t, NK);
}

/* Push a deterministic value derived from seed into c (any kind). */
static void push_value(struct col *c, uint64_t seed)
{
    unsigned char v[8];
    switch (c->ty.kind) {
    case TY_ARRAY: /* 0..4 elements, NULL among them when nullable */
        cr_assert_eq(col_reserve(c, c->n + 1), 0);
        for (uint64_t e = 0; e < seed % 5; e++) {
            if (c->child->ty.nullable && (seed + e) % 3 == 0)
                cr_assert_eq(col_push_null(c->child), 0);
            else
                push_value(c->child, seed * 5 + e);
        }
        cr_assert_eq(col_arr_end(c), 0);
        return;
    case TY_STRING: {
        char s[64];
        size_t n = seed % 40;
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(seed * 7 + i * 13); /* any byte, NUL included */
        cr_assert_eq(col_push_str(c, s, n), 0);
        return;
    }
    case TY_FLOAT32: {
        float f = (float)seed * 0.5f - 3.25f;
        memcpy(v, &f, 4);
        break;
    }
    case TY_FLOAT64: {
        double d = (double)seed * 0.25 - 1e9;
        memcpy(v, &d, 8);
        break;
    }
    case TY_BOOL:
        v[0] = (unsigned char)(seed & 1);
        break;
    default: {
        uint64_t x = seed * 0x9e3779b97f4a7c15ull;
        memcpy(v, &x, 8);
    }
    }
    cr_assert_eq(col_push_fixed(c, v), 0);
}

/* Fill rows [0, n) of every column: NULL every third row when nullable. */
static void fill(struct blk *b, uint32_t n, uint64_t salt)
{
    for (uint32_t i = 0; i < b->ncols; i++)
        for (uint32_t r = 0; r < n; r++) {
            struct col *c = &b->cols[i];
            if (c->ty.nullable && (r + i) % 3 == 0)
                cr_assert_eq(col_push_null(c), 0);
            else
                push_value(c, salt + r * 31 + i);
        }
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, n);
}

/* Row ra of column x equals row rb of y (arrays element by element). */
static void expect_val_eq(const struct col *x, uint32_t ra, const struct col *y, uint32_t rb,
                          uint32_t i)
{
    cr_assert(ty_equal(x->ty, y->ty), "col %u type", i);
    cr_assert_eq(col_is_null(x, ra), col_is_null(y, rb), "col %u rows %u/%u null", i, ra, rb);
    if (x->ty.kind == TY_ARRAY) {
        uint32_t xl, xh, yl, yh;
        col_arr(x, ra, &xl, &xh);
        col_arr(y, rb, &yl, &yh);
        cr_assert_eq(xh - xl, yh - yl, "col %u rows %u/%u array length", i, ra, rb);
        for (uint32_t e = 0; e < xh - xl; e++)
            expect_val_eq(x->child, xl + e, y->child, yl + e, i);
        return;
    }
    if (col_is_null(x, ra))
        return;
    if (x->ty.kind == TY_STRING) {
        size_t lx, ly;
        const char *px = col_str(x, ra, &lx), *py = col_str(y, rb, &ly);
        cr_assert_eq(lx, ly, "col %u element string length", i);
        cr_assert(lx == 0 || memcmp(px, py, lx) == 0, "col %u element string", i);
    } else {
        size_t w = ty_width(x->ty);
        cr_assert(memcmp((const char *)x->data + ra * w, (const char *)y->data + rb * w, w) == 0,
                  "col %u element value", i);
    }
}

/* Row ra of a equals row rb of b, column by column. */
static void expect_row_eq(const struct blk *a, uint32_t ra, const struct blk *b, uint32_t rb)
{
    cr_assert_eq(a->ncols, b->ncols);
    for (uint32_t i = 0; i < a->ncols; i++) {
        const struct col *x = &a->cols[i], *y = &b->cols[i];
        cr_assert(ty_equal(x->ty, y->ty), "col %u type", i);
        if (x->ty.kind == TY_ARRAY) {
            expect_val_eq(x, ra, y, rb, i);
            continue;
        }
        cr_assert_eq(x->ty.prec, y->ty.prec, "col %u prec", i);
        cr_assert_eq(x->ty.scale, y->ty.scale, "col %u scale", i);
        cr_assert_eq(col_is_null(x, ra), col_is_null(y, rb), "col %u rows %u/%u null", i, ra, rb);
        if (col_is_null(x, ra))
            continue;
        if (x->ty.kind == TY_STRING) {
            size_t lx, ly;
            const char *px = col_str(x, ra, &lx), *py = col_str(y, rb, &ly);
            cr_assert_eq(lx, ly, "col %u rows %u/%u string length", i, ra, rb);
            cr_assert(lx == 0 || memcmp(px, py, lx) == 0, "col %u rows %u/%u string", i, ra, rb);
        } else {
            size_t w = ty_width(x->ty);
            cr_assert(memcmp((const char *)x->data + ra * w, (const char *)y->data + rb * w, w) ==
                          0,
                      "col %u rows %u/%u value", i, ra, rb);
        }
    }
}

static void expect_blk_eq(const struct blk *a, const struct blk *b)
{
    cr_assert_eq(a->ncols, b->ncols);
    cr_assert_eq(a->nrows, b->nrows);
    for (uint32_t i = 0; i < a->ncols; i++)
        cr_assert_eq(b->cols[i].n, b->nrows, "col %u has %u rows", i, b->cols[i].n);
    for (uint32_t r = 0; r < a->nrows; r++)
        expect_row_eq(a, r, b, r);
}

static struct buf serialize(const struct blk *b)
{
    struct buf out = BUF_INIT;
    cr_assert_eq(blk_serialize(b, &out), 0);
    return out;
}

static struct blk *round_trip(const struct blk *b)
{
    struct buf s = serialize(b);
    struct blk *back = NULL;
    cr_assert_eq(blk_deserialize(s.data, s.len, &back), 0);
    buf_free(&s);
    expect_blk_eq(b, back);
    return back;
}

/* Deserialize n bytes from an exact-size heap copy (so ASan sees overreads). */
static int deserialize_exact(const void *p, size_t n, struct blk **out)
{
    void *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, p, n);
    int rc = blk_deserialize(copy, n, out);
    free(copy);
    return rc;
}

static void expect_corrupt(const void *p, size_t n, const char *what)
{
    struct blk *b = NULL;
    int rc = deserialize_exact(p, n, &b);
    cr_assert_eq(rc, ERR_CORRUPT, "%s: rc %d, want ERR_CORRUPT", what, rc);
    cr_assert_null(b, "%s: no block on failure", what);
}

/* --- building ----------------------------------------------------------- */

Test(block, push_every_kind)
{
    struct blk *b = make_all_kinds(0);
    uint8_t bl = 1;
    int8_t i8 = -128;
    int16_t i16 = -32768;
    int32_t i32 = -2147483647 - 1;
    int64_t i64 = INT64_MIN;
    uint8_t u8 = 255;
    uint16_t u16 = 65535;
    uint32_t u32 = 4294967295u;
    uint64_t u64 = UINT64_MAX;
    float f32 = 1.5f;
    double f64 = -2.25;
    uint32_t dt = 1720569600u; /* 2024-07-10 00:00:00 */
    int64_t dt64 = 1720569600123456;
    uint16_t date = 19914; /* 2024-07-10 */
    uint8_t nothing = 0;
    int64_t interval = -5;
    int64_t dec = -123456789012345678LL; /* decimal(12, 4) holds no such value; storage does */
    const void *vals[NK] = {&bl, &i8, &i16, &i32, &i64, &u8, &u16, &u32, &u64,
                            &f32, &f64, NULL, &dt, &dt64, &date, &nothing, &interval, &dec};
    for (int k = 1; k <= NK; k++) {
        struct col *c = &b->cols[k - 1];
        if (k == TY_STRING)
            cr_assert_eq(col_push_str(c, "hello", 5), 0);
        else if (k == TY_ARRAY) {
            cr_assert_eq(col_reserve(c, 1), 0);
            cr_assert_eq(col_push_str(c->child, "a", 1), 0);
            cr_assert_eq(col_push_str(c->child, "bc", 2), 0);
            cr_assert_eq(col_arr_end(c), 0);
        }
        else
            cr_assert_eq(col_push_fixed(c, vals[k - 1]), 0);
        cr_assert_eq(c->n, 1);
        cr_assert_null(c->nulls, "non-nullable columns have no null map");
    }
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, 1);
    cr_assert_eq(COL_AT(&b->cols[TY_BOOL - 1], uint8_t, 0), 1);
    cr_assert_eq(COL_AT(&b->cols[TY_INT8 - 1], int8_t, 0), -128);
    cr_assert_eq(COL_AT(&b->cols[TY_INT16 - 1], int16_t, 0), -32768);
    cr_assert_eq(COL_AT(&b->cols[TY_INT32 - 1], int32_t, 0), i32);
    cr_assert_eq(COL_AT(&b->cols[TY_INT64 - 1], int64_t, 0), INT64_MIN);
    cr_assert_eq(COL_AT(&b->cols[TY_UINT8 - 1], uint8_t, 0), 255);
    cr_assert_eq(COL_AT(&b->cols[TY_UINT16 - 1], uint16_t, 0), 65535);
    cr_assert_eq(COL_AT(&b->cols[TY_UINT32 - 1], uint32_t, 0), 4294967295u);
    cr_assert_eq(COL_AT(&b->cols[TY_UINT64 - 1], uint64_t, 0), UINT64_MAX);
    cr_assert_eq(COL_AT(&b->cols[TY_FLOAT32 - 1], float, 0), 1.5f);
    cr_assert_eq(COL_AT(&b->cols[TY_FLOAT64 - 1], double, 0), -2.25);
    cr_assert_eq(COL_AT(&b->cols[TY_DATETIME - 1], uint32_t, 0), 1720569600u);
    cr_assert_eq(COL_AT(&b->cols[TY_DATETIME64 - 1], int64_t, 0), 1720569600123456);
    cr_assert_eq(COL_AT(&b->cols[TY_INTERVAL - 1], int64_t, 0), -5);
    cr_assert_eq(COL_AT(&b->cols[TY_DECIMAL - 1], int64_t, 0), dec);
    size_t len;
    const char *s = col_str(&b->cols[TY_STRING - 1], 0, &len);
    cr_assert_eq(len, 5);
    cr_assert(memcmp(s, "hello", 5) == 0);
    uint32_t lo, hi;
    col_arr(&b->cols[TY_ARRAY - 1], 0, &lo, &hi);
    cr_assert_eq(lo, 0);
    cr_assert_eq(hi, 2);
    s = col_str(b->cols[TY_ARRAY - 1].child, 1, &len);
    cr_assert_eq(len, 2);
    cr_assert(memcmp(s, "bc", 2) == 0);
    blk_unref(b);
}

Test(block, many_rows_grow)
{
    struct ty t[2] = {{TY_INT64, 0, 0}, {TY_STRING, 0, 0}};
    struct blk *b = make(t, 2);
    char s[32];
    for (int64_t i = 0; i < 10000; i++) {
        cr_assert_eq(col_push_fixed(&b->cols[0], &i), 0);
        int n = snprintf(s, sizeof(s), "row-%lld", (long long)i);
        cr_assert_eq(col_push_str(&b->cols[1], s, (size_t)n), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, 10000);
    for (uint32_t i = 0; i < 10000; i++) {
        cr_assert_eq(COL_AT(&b->cols[0], int64_t, i), (int64_t)i);
        size_t len;
        const char *p = col_str(&b->cols[1], i, &len);
        int n = snprintf(s, sizeof(s), "row-%u", i);
        cr_assert_eq(len, (size_t)n);
        cr_assert(memcmp(p, s, len) == 0, "row %u", i);
    }
    blk_unref(b);
}

/* The hot-path puts build exactly what the pushes build. */
Test(block, puts_match_pushes)
{
    struct ty t[] = {{TY_INT64, 0, 0}, {TY_UINT8, 1, 0}, {TY_STRING, 0, 0}, {TY_STRING, 1, 0}};
    struct blk *a = make(t, 4), *b = make(t, 4);
    struct buf sa = BUF_INIT, sb = BUF_INIT;
    char text[64];
    for (uint32_t r = 0; r < 5000; r++) {
        int64_t v = (int64_t)r * 7 - 9;
        uint8_t u = (uint8_t)r;
        size_t n = (size_t)snprintf(text, sizeof text, "value %u", r) * (r % 3 != 0);
        for (uint32_t c = 0; c < 4; c++) {
            if (!col_has_room(&a->cols[c]))
                cr_assert_eq(col_reserve(&a->cols[c], a->cols[c].n + 1), 0);
            cr_assert(col_has_room(&a->cols[c]));
        }
        col_put_fixed(&a->cols[0], &v, 8);
        col_put_fixed(&a->cols[1], &u, 1);
        cr_assert_eq(col_put_str(&a->cols[2], text, n), 0);
        cr_assert_eq(col_put_str(&a->cols[3], text, n), 0);
        cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
        cr_assert_eq(col_push_fixed(&b->cols[1], &u), 0);
        cr_assert_eq(col_push_str(&b->cols[2], text, n), 0);
        cr_assert_eq(col_push_str(&b->cols[3], text, n), 0);
    }
    cr_assert_eq(blk_seal(a), 0);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(blk_serialize(a, &sa), 0);
    cr_assert_eq(blk_serialize(b, &sb), 0);
    cr_assert(sa.len == sb.len && memcmp(sa.data, sb.data, sa.len) == 0);
    buf_free(&sa);
    buf_free(&sb);
    blk_unref(a);
    blk_unref(b);
}

Test(block, nulls)
{
    struct ty t[3] = {{TY_INT32, 1, 0}, {TY_STRING, 1, 0}, {TY_DATETIME64, 1, 3}};
    struct blk *b = make(t, 3);
    int32_t v = 7;
    int64_t ts = 123;
    cr_assert_eq(col_push_null(&b->cols[0]), 0);
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    cr_assert_eq(col_push_null(&b->cols[0]), 0);
    cr_assert_eq(col_push_str(&b->cols[1], "x", 1), 0);
    cr_assert_eq(col_push_null(&b->cols[1]), 0);
    cr_assert_eq(col_push_str(&b->cols[1], "yz", 2), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &ts), 0);
    cr_assert_eq(col_push_null(&b->cols[2]), 0);
    cr_assert_eq(col_push_null(&b->cols[2]), 0);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, 3);
    cr_assert_not_null(b->cols[0].nulls);
    cr_assert(col_is_null(&b->cols[0], 0));
    cr_assert_not(col_is_null(&b->cols[0], 1));
    cr_assert(col_is_null(&b->cols[0], 2));
    cr_assert_eq(COL_AT(&b->cols[0], int32_t, 0), 0, "a NULL's slot holds zero");
    cr_assert_eq(COL_AT(&b->cols[0], int32_t, 1), 7);
    cr_assert_not(col_is_null(&b->cols[1], 0));
    cr_assert(col_is_null(&b->cols[1], 1));
    size_t len;
    col_str(&b->cols[1], 1, &len);
    cr_assert_eq(len, 0, "a NULL string is empty");
    const char *p = col_str(&b->cols[1], 2, &len);
    cr_assert_eq(len, 2);
    cr_assert(memcmp(p, "yz", 2) == 0);
    cr_assert_eq(COL_AT(&b->cols[2], int64_t, 0), 123);
    cr_assert_eq(COL_AT(&b->cols[2], int64_t, 1), 0);
    cr_assert(col_is_null(&b->cols[2], 2));
    blk_unref(b);
}

Test(block, push_null_into_non_nullable_is_zero)
{
    struct ty t[3] = {{TY_FLOAT64, 0, 0}, {TY_STRING, 0, 0}, {TY_UINT16, 0, 0}};
    struct blk *b = make(t, 3);
    uint16_t junk = 0xbeef;
    cr_assert_eq(col_push_fixed(&b->cols[2], &junk), 0);
    blk_truncate(b, 0); /* leave junk in the slot's memory */
    for (int i = 0; i < 3; i++)
        cr_assert_eq(col_push_null(&b->cols[i]), 0);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_null(b->cols[0].nulls);
    cr_assert_not(col_is_null(&b->cols[0], 0));
    cr_assert_eq(COL_AT(&b->cols[0], double, 0), 0.0);
    size_t len;
    col_str(&b->cols[1], 0, &len);
    cr_assert_eq(len, 0);
    cr_assert_eq(COL_AT(&b->cols[2], uint16_t, 0), 0, "zero, not the old slot contents");
    blk_unref(b);
}

Test(block, strings_empty_nul_and_long)
{
    struct ty t = {TY_STRING, 0, 0};
    struct blk *b = make(&t, 1);
    struct col *c = &b->cols[0];
    static char longs[100000];
    for (size_t i = 0; i < sizeof(longs); i++)
        longs[i] = (char)(i % 251);
    cr_assert_eq(col_push_str(c, "", 0), 0);
    cr_assert_eq(col_push_str(c, "a\0b", 3), 0);
    cr_assert_eq(col_push_str(c, "\0", 1), 0);
    cr_assert_eq(col_push_str(c, longs, sizeof(longs)), 0);
    cr_assert_eq(col_push_str(c, "", 0), 0);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, 5);
    size_t len;
    const char *p;
    col_str(c, 0, &len);
    cr_assert_eq(len, 0);
    p = col_str(c, 1, &len);
    cr_assert_eq(len, 3);
    cr_assert(memcmp(p, "a\0b", 3) == 0);
    p = col_str(c, 2, &len);
    cr_assert_eq(len, 1);
    cr_assert_eq(p[0], '\0');
    p = col_str(c, 3, &len);
    cr_assert_eq(len, sizeof(longs));
    cr_assert(memcmp(p, longs, len) == 0);
    col_str(c, 4, &len);
    cr_assert_eq(len, 0);
    cr_assert_eq(col_offsets(c)[0], 0);
    cr_assert_eq(col_offsets(c)[5], 4 + sizeof(longs));
    blk_unref(b);
}

Test(block, string_in_pieces)
{
    struct ty t[2] = {{TY_STRING, 1, 0}, {TY_INT8, 0, 0}};
    struct blk *b = make(t, 2);
    struct col *c = &b->cols[0];
    cr_assert_eq(col_str_append(c, "ab", 2), 0);
    cr_assert_eq(col_str_append(c, "", 0), 0);
    cr_assert_eq(col_str_append(c, "cd", 2), 0);
    cr_assert_eq(c->n, 0, "a pending value is not a row yet");
    cr_assert_eq(col_str_end(c), 0);
    cr_assert_eq(col_str_end(c), 0); /* an empty value */
    cr_assert_eq(c->n, 2);
    int8_t v = 1;
    cr_assert_eq(col_push_fixed(&b->cols[1], &v), 0);
    cr_assert_eq(col_push_fixed(&b->cols[1], &v), 0);
    cr_assert_eq(blk_seal(b), 0);
    size_t len;
    const char *p = col_str(c, 0, &len);
    cr_assert_eq(len, 4);
    cr_assert(memcmp(p, "abcd", 4) == 0);
    cr_assert_not(col_is_null(c, 0));
    col_str(c, 1, &len);
    cr_assert_eq(len, 0);
    cr_assert_not(col_is_null(c, 1));
    blk_unref(b);
}

Test(block, seal_rejects_ragged_columns)
{
    struct ty t[2] = {{TY_INT32, 0, 0}, {TY_STRING, 0, 0}};
    struct blk *b = make(t, 2);
    int32_t v = 1;
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    cr_assert_eq(col_push_str(&b->cols[1], "a", 1), 0);
    cr_assert_eq(blk_seal(b), -EINVAL);
    cr_assert_eq(col_push_str(&b->cols[1], "b", 1), 0);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, 2);
    blk_unref(b);
}

Test(block, zero_column_block)
{
    struct blk *b = make(NULL, 0);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, 0);
    struct blk *back = round_trip(b);
    cr_assert_eq(back->ncols, 0);
    blk_unref(back);
    blk_unref(b);
}

Test(block, truncate_rolls_back_half_row)
{
    struct ty t[4] = {{TY_INT64, 0, 0}, {TY_STRING, 0, 0}, {TY_STRING, 1, 0}, {TY_FLOAT32, 1, 0}};
    struct blk *b = make(t, 4);
    fill(b, 3, 100);
    struct blk *ref = make(t, 4);
    cr_assert_eq(blk_append_rows(ref, b, 0, 3), 0);

    /* half of a fourth row: two columns pushed, one string pending */
    int64_t v = 99;
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    cr_assert_eq(col_push_str(&b->cols[1], "garbage-garbage", 15), 0);
    size_t chars1 = b->cols[1].chars_len;
    blk_truncate(b, 3);
    cr_assert_eq(b->nrows, 3);
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(b->cols[i].n, 3, "col %u", i);
    cr_assert_eq(b->cols[1].chars_len, chars1 - 15, "the string bytes are given back");
    expect_blk_eq(ref, b);

    /* the next row lands where the rolled-back one was */
    v = 5;
    float f = 2.5f;
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    cr_assert_eq(col_push_str(&b->cols[1], "ok", 2), 0);
    cr_assert_eq(col_push_null(&b->cols[2]), 0);
    cr_assert_eq(col_push_fixed(&b->cols[3], &f), 0);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, 4);
    size_t len;
    const char *p = col_str(&b->cols[1], 3, &len);
    cr_assert_eq(len, 2);
    cr_assert(memcmp(p, "ok", 2) == 0);
    cr_assert(col_is_null(&b->cols[2], 3));
    col_str(&b->cols[2], 3, &len);
    cr_assert_eq(len, 0);
    cr_assert_eq(COL_AT(&b->cols[0], int64_t, 3), 5);
    cr_assert_eq(COL_AT(&b->cols[3], float, 3), 2.5f);
    for (uint32_t r = 0; r < 3; r++)
        expect_row_eq(ref, r, b, r);
    blk_unref(ref);
    blk_unref(b);
}

/* A string value started with col_str_append but never ended (a row that
 * failed halfway inside a string column) is rolled back by blk_truncate:
 * the next value pushed must not inherit its bytes. */
Test(block, truncate_drops_pending_string)
{
    struct ty t[2] = {{TY_INT32, 0, 0}, {TY_STRING, 0, 0}};
    struct blk *b = make(t, 2);
    fill(b, 2, 1);
    size_t chars = b->cols[1].chars_len;
    int32_t v = 3;
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    cr_assert_eq(col_str_append(&b->cols[1], "pending", 7), 0);
    blk_truncate(b, 2);
    cr_assert_eq(b->cols[0].n, 2);
    cr_assert_eq(b->cols[1].n, 2);
    cr_assert_eq(b->cols[1].chars_len, chars, "the pending bytes are dropped");
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    cr_assert_eq(col_push_str(&b->cols[1], "ok", 2), 0);
    cr_assert_eq(blk_seal(b), 0);
    size_t len;
    const char *p = col_str(&b->cols[1], 2, &len);
    cr_assert_eq(len, 2, "got '%.*s'", (int)len, p);
    cr_assert(memcmp(p, "ok", 2) == 0);
    blk_unref(b);
}

Test(block, truncate_unsealed_builder)
{
    /* the ingest builder never seals between rows: nrows stays 0 */
    struct ty t[2] = {{TY_INT32, 0, 0}, {TY_STRING, 0, 0}};
    struct blk *b = make(t, 2);
    int32_t v = 1;
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    cr_assert_eq(col_push_str(&b->cols[1], "one", 3), 0);
    cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    blk_truncate(b, 1);
    cr_assert_eq(b->cols[0].n, 1);
    cr_assert_eq(b->cols[1].n, 1);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(b->nrows, 1);
    blk_truncate(b, 5); /* beyond the end: nothing to drop */
    cr_assert_eq(b->nrows, 1);
    blk_truncate(b, 0);
    cr_assert_eq(b->nrows, 0);
    cr_assert_eq(b->cols[1].chars_len, 0);
    blk_unref(b);
}

Test(block, clear_keeps_capacity)
{
    struct ty t[2] = {{TY_INT32, 1, 0}, {TY_STRING, 0, 0}};
    struct blk *b = make(t, 2);
    fill(b, 500, 1);
    uint32_t cap0 = b->cols[0].cap;
    size_t ccap = b->cols[1].chars_cap;
    void *data = b->cols[0].data;
    blk_clear(b);
    cr_assert_eq(b->nrows, 0);
    cr_assert_eq(b->cols[0].n, 0);
    cr_assert_eq(b->cols[1].n, 0);
    cr_assert_eq(b->cols[1].chars_len, 0);
    cr_assert_eq(b->cols[0].cap, cap0);
    cr_assert_eq(b->cols[1].chars_cap, ccap);
    cr_assert_eq(b->cols[0].data, data);
    fill(b, 2, 7);
    struct blk *fresh = make(t, 2);
    fill(fresh, 2, 7);
    expect_blk_eq(fresh, b);
    blk_unref(fresh);
    blk_unref(b);
}

Test(block, refcount)
{
    struct ty t = {TY_STRING, 0, 0};
    struct blk *b = make(&t, 1);
    fill(b, 10, 3);
    blk_ref(b);
    blk_ref(b);
    cr_assert_eq(atomic_load(&b->refs), 3);
    blk_unref(b);
    blk_unref(b);
    cr_assert_eq(atomic_load(&b->refs), 1);
    cr_assert_eq(b->nrows, 10, "still alive with one reference");
    blk_unref(b); /* frees: ASan reports a leak if it did not */
    blk_unref(NULL);
}

Test(block, append_rows)
{
    struct blk *src = make_all_kinds(1);
    fill(src, 20, 11);
    struct ty t[NK];
    for (int k = 1; k <= NK; k++)
        t[k - 1] = kind_ty(k, 1);
    struct blk *dst = make(t, NK);
    cr_assert_eq(blk_append_rows(dst, src, 5, 9), 0);
    cr_assert_eq(dst->nrows, 4);
    cr_assert_eq(blk_append_rows(dst, src, 9, 9), 0, "an empty range");
    cr_assert_eq(blk_append_rows(dst, src, 0, 20), 0);
    cr_assert_eq(dst->nrows, 24);
    for (uint32_t r = 0; r < 4; r++)
        expect_row_eq(src, 5 + r, dst, r);
    for (uint32_t r = 0; r < 20; r++)
        expect_row_eq(src, r, dst, 4 + r);
    blk_unref(dst);
    blk_unref(src);
}

Test(block, append_rows_bad_ranges)
{
    struct ty t[2] = {{TY_INT32, 0, 0}, {TY_STRING, 0, 0}};
    struct blk *src = make(t, 2), *dst = make(t, 2), *narrow = make(t, 1);
    fill(src, 5, 0);
    cr_assert_eq(blk_append_rows(dst, src, 3, 2), -EINVAL);
    cr_assert_eq(blk_append_rows(dst, src, 0, 6), -EINVAL);
    cr_assert_eq(blk_append_rows(dst, src, 6, 6), -EINVAL);
    cr_assert_eq(blk_append_rows(narrow, src, 0, 1), -EINVAL);
    cr_assert_eq(dst->nrows, 0);
    cr_assert_eq(dst->cols[0].n, 0);
    blk_unref(narrow);
    blk_unref(dst);
    blk_unref(src);
}

/* --- serialization ------------------------------------------------------ */

Test(block, serialized_layout)
{
    struct ty t[3] = {{TY_INT16, 0, 0}, {TY_STRING, 1, 0}, {TY_DATETIME64, 0, 3}};
    struct blk *b = make(t, 3);
    int16_t a = 0x0102, c = -2;
    int64_t ts = 0x1122334455667788;
    cr_assert_eq(col_push_fixed(&b->cols[0], &a), 0);
    cr_assert_eq(col_push_fixed(&b->cols[0], &c), 0);
    cr_assert_eq(col_push_str(&b->cols[1], "xyz", 3), 0);
    cr_assert_eq(col_push_null(&b->cols[1]), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &ts), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &ts), 0);
    cr_assert_eq(blk_seal(b), 0);
    static const unsigned char want[] = {
        3, 0, 0, 0, 2, 0, 0, 0,                         /* ncols, nrows */
        TY_INT16, 0, 0, 0, 0x02, 0x01, 0xfe, 0xff,      /* int16 column */
        TY_STRING, 1, 0, 0, 0, 1,                       /* nullable string: nulls */
        3, 0, 0, 0, 0, 0, 0, 0,                         /* chars_len */
        0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0,             /* offsets */
        'x', 'y', 'z',                                  /* chars */
        TY_DATETIME64, 0, 3, 0,                         /* datetime64(3) */
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
    };
    struct buf s = serialize(b);
    cr_assert_eq(s.len, sizeof(want));
    for (size_t i = 0; i < sizeof(want); i++)
        cr_assert_eq((unsigned char)s.data[i], want[i], "byte %zu", i);
    buf_free(&s);
    blk_unref(b);
}

Test(block, serialize_appends)
{
    struct ty t = {TY_INT8, 0, 0};
    struct blk *b = make(&t, 1);
    fill(b, 2, 0);
    struct buf s = BUF_INIT;
    cr_assert_eq(buf_puts(&s, "HDR"), 0);
    cr_assert_eq(blk_serialize(b, &s), 0);
    cr_assert(memcmp(s.data, "HDR", 3) == 0);
    struct blk *back = NULL;
    cr_assert_eq(blk_deserialize(s.data + 3, s.len - 3, &back), 0);
    expect_blk_eq(b, back);
    blk_unref(back);
    buf_free(&s);
    blk_unref(b);
}

Test(block, round_trip_every_kind)
{
    uint32_t sizes[] = {0, 1, 2, 3, 17, 256, 257};
    for (int nullable = 0; nullable <= 1; nullable++)
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            struct blk *b = make_all_kinds(nullable);
            fill(b, sizes[k], sizes[k] * 3 + (uint32_t)nullable);
            struct blk *back = round_trip(b);
            cr_assert_eq(atomic_load(&back->refs), 1);
            for (uint32_t i = 0; i < NK; i++) {
                cr_assert_eq(back->cols[i].ty.prec, b->cols[i].ty.prec);
                if (back->cols[i].ty.kind == TY_ARRAY)
                    cr_assert_eq(back->cols[i].ty.elem_nullable, nullable);
                else
                    cr_assert_eq(back->cols[i].ty.nullable, nullable);
            }
            blk_unref(back);
            blk_unref(b);
        }
}

Test(block, round_trip_then_extend)
{
    /* a deserialized block is a normal block: it can be appended to */
    struct blk *b = make_all_kinds(1);
    fill(b, 4, 9);
    struct blk *back = round_trip(b);
    cr_assert_eq(blk_append_rows(back, b, 0, 4), 0);
    cr_assert_eq(back->nrows, 8);
    for (uint32_t r = 0; r < 4; r++)
        expect_row_eq(b, r, back, 4 + r);
    /* and its string column takes new values after the old ones */
    struct col *str = &back->cols[TY_STRING - 1];
    cr_assert_eq(col_push_str(str, "more", 4), 0);
    size_t len;
    const char *p = col_str(str, 8, &len);
    cr_assert_eq(len, 4);
    cr_assert(memcmp(p, "more", 4) == 0);
    for (uint32_t r = 0; r < 4; r++)
        expect_row_eq(b, r, back, r);
    blk_unref(back);
    blk_unref(b);
}

Test(block, round_trip_large)
{
    struct ty t[4] = {{TY_UINT64, 0, 0}, {TY_STRING, 0, 0}, {TY_FLOAT64, 1, 0},
                      {TY_DATETIME64, 0, 3}};
    struct blk *b = make(t, 4);
    fill(b, 200000, 5);
    struct blk *back = round_trip(b);
    blk_unref(back);
    blk_unref(b);
}

Test(block, round_trip_strings_with_nul)
{
    struct ty t = {TY_STRING, 1, 0};
    struct blk *b = make(&t, 1);
    cr_assert_eq(col_push_str(&b->cols[0], "", 0), 0);
    cr_assert_eq(col_push_str(&b->cols[0], "\0\0\0", 3), 0);
    cr_assert_eq(col_push_null(&b->cols[0]), 0);
    cr_assert_eq(col_push_str(&b->cols[0], "\xff\xfe", 2), 0);
    cr_assert_eq(blk_seal(b), 0);
    struct blk *back = round_trip(b);
    size_t len;
    const char *p = col_str(&back->cols[0], 1, &len);
    cr_assert_eq(len, 3);
    cr_assert(memcmp(p, "\0\0\0", 3) == 0);
    cr_assert(col_is_null(&back->cols[0], 2));
    cr_assert_not(col_is_null(&back->cols[0], 0));
    blk_unref(back);
    blk_unref(b);
}

/* --- corruption --------------------------------------------------------- */

Test(block, every_truncated_prefix_fails)
{
    for (int nullable = 0; nullable <= 1; nullable++)
        for (uint32_t rows = 0; rows <= 3; rows++) {
            struct blk *b = make_all_kinds(nullable);
            fill(b, rows, 77);
            struct buf s = serialize(b);
            for (size_t n = 0; n < s.len; n++) {
                char what[128];
                snprintf(what, sizeof(what), "nullable %d rows %u prefix %zu/%zu", nullable,
                         rows, n, s.len);
                expect_corrupt(s.data, n, what);
            }
            struct blk *ok = NULL;
            cr_assert_eq(deserialize_exact(s.data, s.len, &ok), 0);
            blk_unref(ok);
            buf_free(&s);
            blk_unref(b);
        }
}

Test(block, trailing_bytes_fail)
{
    struct blk *b = make_all_kinds(1);
    fill(b, 3, 1);
    struct buf s = serialize(b);
    cr_assert_eq(buf_putc(&s, 0), 0);
    expect_corrupt(s.data, s.len, "one trailing byte");
    buf_free(&s);
    blk_unref(b);
}

/* Offset of column col's 4-byte header in a serialization of a block with
 * one row per column, as make_all_kinds + fill(1) builds it. */
static size_t col_bytes(const struct col *c, uint32_t nrows)
{
    size_t off = 4 + (c->ty.nullable ? nrows : 0);
    if (c->ty.kind == TY_STRING)
        off += 8 + (nrows + 1) * 4 + (nrows ? col_offsets(c)[nrows] : 0);
    else if (c->ty.kind == TY_ARRAY)
        off += (nrows + 1) * 4 + col_bytes(c->child, nrows ? col_offsets(c)[nrows] : 0);
    else
        off += nrows * ty_width(c->ty);
    return off;
}

static size_t col_header_offset(const struct blk *b, uint32_t col)
{
    size_t off = 8;
    for (uint32_t i = 0; i < col; i++)
        off += col_bytes(&b->cols[i], b->nrows);
    return off;
}

Test(block, bad_type_bytes_rejected)
{
    struct blk *b = make_all_kinds(0);
    fill(b, 2, 3);
    struct buf s = serialize(b);
    for (uint32_t col = 0; col < NK; col++) {
        size_t h = col_header_offset(b, col);
        cr_assert_eq((unsigned char)s.data[h], b->cols[col].ty.kind, "layout of column %u", col);
        const unsigned char bad_kind[] = {0, TY_KIND_END, TY_KIND_END + 1, 0x7f, 0xff};
        for (size_t k = 0; k < sizeof(bad_kind); k++) {
            char saved = s.data[h];
            s.data[h] = (char)bad_kind[k];
            char what[128];
            snprintf(what, sizeof(what), "column %u kind %u", col, bad_kind[k]);
            expect_corrupt(s.data, s.len, what);
            s.data[h] = saved;
        }
        char saved = s.data[h + 1];
        s.data[h + 1] = 2; /* nullable must be 0 or 1 */
        expect_corrupt(s.data, s.len, "nullable byte 2");
        s.data[h + 1] = saved;
        saved = s.data[h + 2];
        /* precision must be 0..9, an interval's unit below TY_UNIT_END, a
         * decimal's 1..18 */
        uint8_t kd = b->cols[col].ty.kind;
        s.data[h + 2] = kd == TY_INTERVAL ? TY_UNIT_END : kd == TY_DECIMAL ? 19 : 10;
        expect_corrupt(s.data, s.len, "precision 10");
        if (kd == TY_DECIMAL) {
            s.data[h + 2] = 0;
            expect_corrupt(s.data, s.len, "decimal precision 0");
        }
        s.data[h + 2] = saved;
        /* the fourth byte: a decimal's scale (at most its precision), else 0 */
        saved = s.data[h + 3];
        s.data[h + 3] = kd == TY_DECIMAL ? 13 : 1;
        expect_corrupt(s.data, s.len, "scale byte");
        s.data[h + 3] = saved;
    }
    buf_free(&s);
    blk_unref(b);
}

Test(block, kind_of_other_width_rejected)
{
    struct ty t = {TY_INT32, 0, 0};
    struct blk *b = make(&t, 1);
    fill(b, 4, 1);
    struct buf s = serialize(b);
    const unsigned char others[] = {TY_INT8, TY_INT16, TY_INT64, TY_UINT64, TY_FLOAT64,
                                    TY_STRING, TY_DATETIME64, TY_BOOL};
    for (size_t i = 0; i < sizeof(others); i++) {
        s.data[8] = (char)others[i];
        expect_corrupt(s.data, s.len, "kind changed to another width");
    }
    s.data[8] = TY_INT32;
    s.data[9] = 1; /* nullable flag flipped on: now a nulls map is expected */
    expect_corrupt(s.data, s.len, "nullable flipped on");
    buf_free(&s);
    blk_unref(b);
}

Test(block, bad_string_offsets_rejected)
{
    struct ty t = {TY_STRING, 0, 0};
    struct blk *b = make(&t, 1);
    cr_assert_eq(col_push_str(&b->cols[0], "abc", 3), 0);
    cr_assert_eq(col_push_str(&b->cols[0], "de", 2), 0);
    cr_assert_eq(blk_seal(b), 0);
    struct buf s = serialize(b);
    /* layout: 8 hdr, 4 col hdr, 8 chars_len at 12, offsets at 20: 0, 3, 5 */
    uint32_t off[3];
    memcpy(off, s.data + 20, 12);
    cr_assert_eq(off[0], 0);
    cr_assert_eq(off[1], 3);
    cr_assert_eq(off[2], 5);
    struct {
        uint32_t o[3];
        const char *what;
    } bad[] = {
        {{1, 3, 5}, "first offset not 0"},
        {{0, 6, 5}, "decreasing offsets"},
        {{0, 3, 4}, "last offset != chars_len"},
        {{0, 3, 0xffffffffu}, "last offset huge"},
        {{0, 0xfffffff0u, 5}, "middle offset huge"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(s.data + 20, bad[i].o, 12);
        expect_corrupt(s.data, s.len, bad[i].what);
    }
    memcpy(s.data + 20, off, 12);
    uint64_t clen = 1ull << 40;
    memcpy(s.data + 12, &clen, 8);
    expect_corrupt(s.data, s.len, "chars_len beyond the data");
    buf_free(&s);
    blk_unref(b);
}

Test(block, absurd_counts_rejected)
{
    struct ty t[2] = {{TY_INT64, 0, 0}, {TY_STRING, 1, 0}};
    struct blk *b = make(t, 2);
    fill(b, 3, 4);
    struct buf s = serialize(b);
    uint32_t saved[2];
    memcpy(saved, s.data, 8);
    const uint32_t counts[][2] = {
        {2, 0xffffffffu}, {2, 0x7fffffffu}, {2, 4}, {2, 2}, {0xffffffffu, 3},
        {70000, 3},       {3, 3},           {1, 3}, {0, 3},
    };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        memcpy(s.data, counts[i], 8);
        char what[128];
        snprintf(what, sizeof(what), "ncols %u nrows %u", counts[i][0], counts[i][1]);
        expect_corrupt(s.data, s.len, what);
    }
    memcpy(s.data, saved, 8);
    struct blk *ok = NULL;
    cr_assert_eq(deserialize_exact(s.data, s.len, &ok), 0);
    blk_unref(ok);
    buf_free(&s);
    blk_unref(b);
}

Test(block, random_flips_never_crash)
{
    struct blk *b = make_all_kinds(1);
    fill(b, 5, 21);
    struct buf s = serialize(b);
    unsigned char *copy = malloc(s.len);
    cr_assert_not_null(copy);
    uint32_t seed = 4242;
    int corrupt = 0, ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(copy, s.data, s.len);
        int flips = 1 + iter % 3;
        for (int f = 0; f < flips; f++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % s.len;
            seed = seed * 1103515245u + 12345u;
            copy[at] ^= (unsigned char)(1u << ((seed >> 16) % 8));
        }
        struct blk *out = NULL;
        int rc = deserialize_exact(copy, s.len, &out);
        if (rc == 0) {
            ok++;
            /* whatever came back must be internally consistent */
            cr_assert_eq(out->ncols, NK);
            for (uint32_t i = 0; i < out->ncols; i++) {
                cr_assert_eq(out->cols[i].n, out->nrows);
                if (out->cols[i].ty.kind == TY_STRING)
                    for (uint32_t r = 0; r < out->nrows; r++) {
                        size_t len;
                        col_str(&out->cols[i], r, &len);
                        cr_assert(len <= out->cols[i].chars_len);
                    }
            }
            blk_unref(out);
        } else {
            cr_assert_eq(rc, ERR_CORRUPT, "iteration %d: rc %d", iter, rc);
            corrupt++;
        }
    }
    cr_assert(corrupt > 0 && ok > 0, "corrupt %d ok %d", corrupt, ok);
    free(copy);
    buf_free(&s);
    blk_unref(b);
}

/* --- arrays ------------------------------------------------------------- */

/* One array(nullable(int32)) column: [1, NULL, 3], [], [7]. */
static struct blk *arr_block(void)
{
    struct ty t = ty_array_of((struct ty){TY_INT32, 1, 0});
    struct blk *b = make(&t, 1);
    struct col *c = &b->cols[0];
    int32_t v[] = {1, 3, 7};
    cr_assert_eq(col_reserve(c, 1), 0);
    cr_assert_eq(col_push_fixed(c->child, &v[0]), 0);
    cr_assert_eq(col_push_null(c->child), 0);
    cr_assert_eq(col_push_fixed(c->child, &v[1]), 0);
    cr_assert_eq(col_arr_end(c), 0);
    cr_assert_eq(col_arr_end(c), 0);
    cr_assert_eq(col_push_fixed(c->child, &v[2]), 0);
    cr_assert_eq(col_arr_end(c), 0);
    cr_assert_eq(blk_seal(b), 0);
    return b;
}

Test(block, array_layout_truncate_and_borrow)
{
    struct blk *b = arr_block();
    struct col *c = &b->cols[0];
    cr_assert_eq(b->nrows, 3);
    cr_assert_null(c->nulls, "arrays are never nullable");
    cr_assert_eq(c->child->n, 4);
    uint32_t lo, hi;
    col_arr(c, 1, &lo, &hi);
    cr_assert_eq(lo, 3);
    cr_assert_eq(hi, 3);
    cr_assert(col_is_null(c->child, 1));
    /* a half-built value (elements without col_arr_end) is rolled back */
    int32_t x = 9;
    cr_assert_eq(col_push_fixed(c->child, &x), 0);
    blk_truncate(b, 2);
    cr_assert_eq(c->n, 2);
    cr_assert_eq(c->child->n, 3, "elements of dropped rows go too");
    /* the default is [] */
    cr_assert_eq(col_push_null(c), 0);
    col_arr(c, 2, &lo, &hi);
    cr_assert_eq(hi - lo, 0);
    cr_assert_eq(blk_seal(b), 0);
    /* a borrowed column shares the elements and frees nothing */
    struct ty t = c->ty;
    struct blk *o = make(&t, 1);
    cr_assert_eq(blk_borrow_col(o, 0, b, 0), 0);
    cr_assert_eq(o->cols[0].child, c->child);
    cr_assert_eq(blk_seal(o), 0);
    blk_unref(b);
    col_arr(&o->cols[0], 0, &lo, &hi);
    cr_assert_eq(COL_AT(o->cols[0].child, int32_t, lo), 1);
    blk_unref(o); /* ASan: one free of the child */
}

Test(block, array_round_trip_and_corruption)
{
    struct blk *b = arr_block();
    struct blk *back = round_trip(b);
    cr_assert(ty_equal(back->cols[0].ty, b->cols[0].ty));
    blk_unref(back);
    struct buf s = serialize(b);
    /* layout: 8 block hdr, 4 col hdr, offsets 0 3 3 4 at 12, child hdr at 28 */
    cr_assert_eq((unsigned char)s.data[8], TY_ARRAY);
    cr_assert_eq((unsigned char)s.data[28], TY_INT32);
    cr_assert_eq((unsigned char)s.data[29], 1);
    uint32_t off[4];
    memcpy(off, s.data + 12, 16);
    cr_assert_eq(off[3], 4);
    const uint32_t bad[][4] = {{1, 3, 3, 4}, {0, 3, 2, 4}, {0, 3, 3, 5}, {0, 3, 3, 3},
                               {0, 3, 3, 0xffffffffu}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(s.data + 12, bad[i], 16);
        expect_corrupt(s.data, s.len, "bad array offsets");
    }
    memcpy(s.data + 12, off, 16);
    const unsigned char bad_elem[] = {TY_ARRAY, TY_NOTHING, TY_INTERVAL, TY_STRING, 0};
    for (size_t i = 0; i < sizeof(bad_elem); i++) {
        char saved = s.data[28];
        s.data[28] = (char)bad_elem[i];
        expect_corrupt(s.data, s.len, "bad element kind");
        s.data[28] = saved;
    }
    s.data[10] = 3; /* an array's own prec byte must be 0 */
    expect_corrupt(s.data, s.len, "array prec");
    s.data[10] = 0;
    s.data[9] = 1; /* nor is an array nullable */
    expect_corrupt(s.data, s.len, "nullable array");
    s.data[9] = 0;
    struct blk *ok = NULL;
    cr_assert_eq(deserialize_exact(s.data, s.len, &ok), 0);
    blk_unref(ok);
    for (size_t n = 0; n < s.len; n++)
        expect_corrupt(s.data, n, "truncated");
    buf_free(&s);
    blk_unref(b);
}

Test(block, array_of_every_element_kind_round_trips)
{
    for (int k = 1; k < TY_KIND_END; k++) {
        if (k == TY_ARRAY || k == TY_NOTHING || k == TY_INTERVAL)
            continue;
        for (int nullable = 0; nullable <= 1; nullable++) {
            struct ty t = ty_array_of(kind_ty(k, nullable));
            struct blk *b = make(&t, 1);
            fill(b, 9, (uint64_t)k * 3 + (uint64_t)nullable);
            struct blk *back = round_trip(b);
            cr_assert(ty_equal(back->cols[0].ty, t), "kind %d", k);
            cr_assert_eq(back->cols[0].ty.prec, t.prec, "kind %d", k);
            blk_unref(back);
            blk_unref(b);
        }
    }
}
