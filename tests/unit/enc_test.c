/*
 * enc_test.c — column chunk encodings and statistics (store/enc.h):
 * encode/decode round trips for every column type and each encoding
 * (delta with constant and varying steps and every delta width, wrapping
 * integers, dictionary and plain strings, floats, decimals, dates,
 * nullable columns, arrays with nullable elements), chunks cut from the
 * middle of a column, damaged chunks refused, statistics exact, min/max
 * pruning that never rules out a chunk holding a match and never calls a
 * chunk all-matching when a row fails (random columns against random
 * predicates, checked row by row), dictionary codes kept for GROUP BY.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/enc.h"
#include "util/err.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct col *new_col(struct ty t)
{
    struct col *c = NULL;
    cr_assert_eq(col_new(t, &c), 0);
    return c;
}

/* Two columns hold the same rows [from, to) of a and all of b. */
static void expect_same(const struct col *a, uint32_t from, uint32_t to, const struct col *b)
{
    cr_assert_eq(b->n, to - from, "rows: %u, want %u", b->n, to - from);
    for (uint32_t r = from; r < to; r++) {
        uint32_t k = r - from;
        cr_assert_eq(col_is_null(a, r), col_is_null(b, k), "null at %u", r);
        if (col_is_null(a, r))
            continue;
        if (a->ty.kind == TY_STRING) {
            size_t la, lb;
            const char *pa = col_str(a, r, &la), *pb = col_str(b, k, &lb);
            cr_assert(la == lb && memcmp(pa, pb, la) == 0, "string at %u", r);
        } else if (a->ty.kind == TY_ARRAY) {
            uint32_t alo, ahi, blo, bhi;
            col_arr(a, r, &alo, &ahi);
            col_arr(b, k, &blo, &bhi);
            cr_assert_eq(ahi - alo, bhi - blo, "array length at %u", r);
            for (uint32_t e = 0; e < ahi - alo; e++) {
                cr_assert_eq(col_is_null(a->child, alo + e), col_is_null(b->child, blo + e));
                size_t w = ty_width(a->child->ty);
                cr_assert(memcmp((char *)a->child->data + (alo + e) * w,
                                 (char *)b->child->data + (blo + e) * w, w) == 0);
            }
        } else {
            size_t w = ty_width(a->ty);
            cr_assert(memcmp((char *)a->data + (size_t)r * w, (char *)b->data + (size_t)k * w, w) == 0,
                      "value at %u of kind %d", r, a->ty.kind);
        }
    }
}

/* Encode rows [from, to) of c, decode, compare; the encoding used. */
static uint8_t round_trip(const struct col *c, uint32_t from, uint32_t to)
{
    struct buf b = BUF_INIT;
    uint8_t kind = 0xff;
    cr_assert_eq(enc_encode(c, from, to, &b, &kind), 0);
    struct col *d = new_col(c->ty);
    int rc = enc_decode(kind, b.data, b.len, to - from, d);
    cr_assert_eq(rc, 0, "decode kind %u: %d", kind, rc);
    expect_same(c, from, to, d);
    /* decoding appends: a second chunk after the first */
    if (to > from) {
        cr_assert_eq(enc_decode(kind, b.data, b.len, to - from, d), 0);
        cr_assert_eq(d->n, 2 * (to - from));
    }
    col_delete(d);
    buf_free(&b);
    return kind;
}

static void push_int(struct col *c, int64_t v)
{
    uint8_t bytes[8];
    size_t w = ty_width(c->ty);
    for (size_t k = 0; k < w; k++)
        bytes[k] = (uint8_t)((uint64_t)v >> (8 * k));
    cr_assert_eq(col_push_fixed(c, bytes), 0);
}

Test(enc, delta_constant_step_is_tiny)
{
    struct col *c = new_col((struct ty){TY_DATETIME64, 0, 3});
    for (int64_t i = 0; i < 8192; i++)
        push_int(c, 1720569600000LL + 10 * i);
    struct buf b = BUF_INIT;
    uint8_t kind;
    cr_assert_eq(enc_encode(c, 0, c->n, &b, &kind), 0);
    cr_assert_eq(kind, ENC_DELTA);
    cr_assert_eq(b.len, 17, "first value and step only: %zu", b.len);
    buf_free(&b);
    cr_assert_eq(round_trip(c, 0, c->n), ENC_DELTA);
    cr_assert_eq(round_trip(c, 100, 5000), ENC_DELTA);
    col_delete(c);
}

Test(enc, delta_every_width_and_wrapping)
{
    /* differences that need 1, 2, 4 and 8 bytes, and values that wrap */
    const int64_t spans[] = {200, 60000, 3000000000LL, INT64_MAX};
    for (int s = 0; s < 4; s++) {
        struct col *c = new_col((struct ty){TY_INT64, 0, 0});
        int64_t v = -5;
        for (int i = 0; i < 1000; i++) {
            push_int(c, v);
            v = (int64_t)((uint64_t)v + next_rand() % (uint64_t)spans[s]);
        }
        round_trip(c, 0, c->n);
        col_delete(c);
    }
    const int64_t edge[] = {INT64_MIN, INT64_MAX, 0, -1, INT64_MIN, 1, INT64_MAX};
    struct col *c = new_col((struct ty){TY_INT64, 0, 0});
    for (int i = 0; i < 7; i++)
        push_int(c, edge[i]);
    round_trip(c, 0, c->n);
    col_delete(c);
}

Test(enc, every_fixed_kind)
{
    const struct ty kinds[] = {
        {TY_BOOL, 0, 0},     {TY_INT8, 0, 0},      {TY_INT16, 0, 0},   {TY_INT32, 0, 0},
        {TY_INT64, 0, 0},    {TY_UINT8, 0, 0},     {TY_UINT16, 0, 0},  {TY_UINT32, 0, 0},
        {TY_UINT64, 0, 0},   {TY_FLOAT32, 0, 0},   {TY_FLOAT64, 0, 0}, {TY_DATETIME, 0, 0},
        {TY_DATETIME64, 0, 6}, {TY_DATE, 0, 0},    {TY_DECIMAL, 0, 18, 4},
        {TY_INT32, 1, 0},    {TY_FLOAT64, 1, 0},   {TY_DECIMAL, 1, 9, 2}, {TY_DATETIME64, 1, 3},
    };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (int pattern = 0; pattern < 3; pattern++) {
            struct col *c = new_col(kinds[k]);
            for (int i = 0; i < 3000; i++) {
                if (kinds[k].nullable && i % 7 == 3) {
                    cr_assert_eq(col_push_null(c), 0);
                    continue;
                }
                uint64_t r = pattern == 0 ? (uint64_t)i : pattern == 1 ? next_rand() : (uint64_t)(i / 100);
                if (kinds[k].kind == TY_FLOAT64) {
                    double f = pattern == 1 ? (double)(int64_t)r / 1e6 : i * 0.25;
                    cr_assert_eq(col_push_fixed(c, &f), 0);
                } else if (kinds[k].kind == TY_FLOAT32) {
                    float f = (float)(i * 0.5);
                    cr_assert_eq(col_push_fixed(c, &f), 0);
                } else if (kinds[k].kind == TY_BOOL) {
                    uint8_t v = r & 1;
                    cr_assert_eq(col_push_fixed(c, &v), 0);
                } else
                    push_int(c, (int64_t)r);
            }
            round_trip(c, 0, c->n);
            round_trip(c, 1, c->n - 1);
            round_trip(c, 5, 5); /* an empty chunk */
            col_delete(c);
        }
    }
}

Test(enc, strings_dictionary_and_plain)
{
    struct col *few = new_col((struct ty){TY_STRING, 0, 0});
    struct col *many = new_col((struct ty){TY_STRING, 1, 0});
    struct col *wide = new_col((struct ty){TY_STRING, 0, 0});
    for (int i = 0; i < 8192; i++) {
        char s[64];
        int n = snprintf(s, sizeof(s), "device_%d", i % 2400);
        cr_assert_eq(col_push_str(few, s, (size_t)n), 0);
        n = snprintf(s, sizeof(s), "row %d %llu", i, (unsigned long long)next_rand());
        if (i % 5 == 0)
            cr_assert_eq(col_push_null(many), 0);
        else
            cr_assert_eq(col_push_str(many, s, (size_t)n), 0);
        /* 300 values: two-byte codes; empty strings included */
        n = snprintf(s, sizeof(s), "%d", i % 300);
        cr_assert_eq(col_push_str(wide, s, i % 300 == 0 ? 0 : (size_t)n), 0);
    }
    cr_assert_eq(round_trip(few, 0, few->n), ENC_DICT);
    cr_assert_eq(round_trip(few, 17, 7000), ENC_DICT);
    cr_assert_eq(round_trip(many, 0, many->n), ENC_PLAIN);
    cr_assert_eq(round_trip(many, 3, 10), ENC_PLAIN);
    cr_assert_eq(round_trip(wide, 0, wide->n), ENC_DICT);
    col_delete(few);
    col_delete(many);
    col_delete(wide);
}

Test(enc, arrays_with_nullable_elements)
{
    struct ty e = {TY_INT32, 1, 0};
    struct col *c = new_col(ty_array_of(e));
    struct col *s = new_col(ty_array_of((struct ty){TY_STRING, 0, 0}));
    for (int i = 0; i < 2000; i++) {
        cr_assert_eq(col_reserve(c, c->n + 1), 0);
        cr_assert_eq(col_reserve(s, s->n + 1), 0);
        for (int k = 0; k < i % 5; k++) {
            if (k == 2)
                cr_assert_eq(col_push_null(c->child), 0);
            else
                push_int(c->child, i * 10 + k);
            cr_assert_eq(col_push_str(s->child, "ab", (size_t)(k % 3)), 0);
        }
        cr_assert_eq(col_arr_end(c), 0);
        cr_assert_eq(col_arr_end(s), 0);
    }
    round_trip(c, 0, c->n);
    round_trip(c, 11, 1500);
    round_trip(s, 0, s->n);
    round_trip(s, 999, 1000);
    col_delete(c);
    col_delete(s);
}

Test(enc, damaged_chunks_are_refused)
{
    struct col *c = new_col((struct ty){TY_STRING, 1, 0});
    for (int i = 0; i < 100; i++)
        cr_assert_eq(col_push_str(c, "abc", (size_t)(i % 4)), 0);
    struct buf b = BUF_INIT;
    uint8_t kind;
    cr_assert_eq(enc_encode(c, 0, c->n, &b, &kind), 0);
    struct col *d = new_col(c->ty);
    cr_assert_eq(enc_decode(kind, b.data, b.len - 1, c->n, d), ERR_CORRUPT, "short");
    cr_assert_eq(enc_decode(kind, b.data, b.len, c->n + 1, d), ERR_CORRUPT, "row count");
    cr_assert_eq(enc_decode(ENC_DELTA, b.data, b.len, c->n, d), ERR_CORRUPT, "wrong encoding");
    cr_assert_eq(enc_decode(ENC_END, b.data, b.len, c->n, d), ERR_CORRUPT, "unknown encoding");
    if (kind == ENC_DICT) { /* a code past the dictionary */
        b.data[b.len - 1] = (char)0xff;
        cr_assert_eq(enc_decode(kind, b.data, b.len, c->n, d), ERR_CORRUPT, "code");
    }
    col_delete(d);
    buf_free(&b);
    struct col *t = new_col((struct ty){TY_INT64, 0, 0});
    for (int i = 0; i < 100; i++)
        push_int(t, i * 3);
    cr_assert_eq(enc_encode(t, 0, t->n, &b, &kind), 0);
    cr_assert_eq(kind, ENC_DELTA);
    b.data[0] = 3; /* no such delta width */
    d = new_col(t->ty);
    cr_assert_eq(enc_decode(kind, b.data, b.len, t->n, d), ERR_CORRUPT);
    col_delete(d);
    col_delete(t);
    col_delete(c);
    buf_free(&b);
}

Test(enc, stats_exact_and_serialized)
{
    struct col *c = new_col((struct ty){TY_INT32, 1, 0});
    cr_assert_eq(col_push_null(c), 0);
    push_int(c, -7);
    push_int(c, 12);
    push_int(c, 3);
    struct enc_stat st, back;
    enc_stat_compute(c, 0, c->n, &st);
    cr_assert_eq(st.flags, ENC_ST_MINMAX | ENC_ST_NULLS | ENC_ST_VALUES);
    cr_assert_eq(st.min.i, -7);
    cr_assert_eq(st.max.i, 12);
    struct buf b = BUF_INIT;
    cr_assert_eq(enc_stat_put(&st, &b), 0);
    cr_assert_eq(b.len, ENC_STAT_BYTES);
    enc_stat_get(b.data, &back);
    cr_assert_eq(back.flags, st.flags);
    cr_assert_eq(back.min.i, -7);
    cr_assert_eq(back.max.i, 12);
    enc_stat_compute(c, 0, 1, &st);
    cr_assert_eq(st.flags, ENC_ST_NULLS, "only NULL: no values, no min/max");
    struct enc_pred p = {.op = ENC_GE, .num.i = INT64_MIN};
    cr_assert_eq(enc_stat_may_match(&st, c->ty, &p), 0, "NULL never compares true");
    col_delete(c);
    buf_free(&b);

    struct col *f = new_col((struct ty){TY_FLOAT64, 0, 0});
    double v[] = {1.5, NAN, -2};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(col_push_fixed(f, &v[i]), 0);
    enc_stat_compute(f, 0, 3, &st);
    cr_assert_not(st.flags & ENC_ST_MINMAX, "a NaN: no min/max");
    col_delete(f);

    struct col *s = new_col((struct ty){TY_STRING, 0, 0});
    char longer[ENC_STAT_STR + 5];
    memset(longer, 'x', sizeof(longer));
    cr_assert_eq(col_push_str(s, "b", 1), 0);
    cr_assert_eq(col_push_str(s, longer, sizeof(longer)), 0);
    enc_stat_compute(s, 0, 2, &st);
    cr_assert_not(st.flags & ENC_ST_MINMAX, "a long string: no min/max");
    enc_stat_compute(s, 0, 1, &st);
    cr_assert(st.flags & ENC_ST_MINMAX);
    cr_assert_eq(st.smin_len, 1);
    col_delete(s);
}

/* Whether row r of c satisfies p, as SQL compares. */
static int row_matches(const struct col *c, uint32_t r, const struct enc_pred *p)
{
    if (col_is_null(c, r))
        return 0;
    int cmp;
    enum enc_dom dom = enc_domain(c->ty);
    if (dom == ENC_DOM_S) {
        size_t len;
        const char *s = col_str(c, r, &len);
        int m = memcmp(s, p->s, len < p->slen ? len : p->slen);
        cmp = m ? (m > 0) - (m < 0) : (len > p->slen) - (len < p->slen);
    } else {
        union enc_num v = enc_num_at(c, r);
        if (dom == ENC_DOM_F) {
            if (isnan(v.f) || isnan(p->num.f))
                return 0;
            cmp = (v.f > p->num.f) - (v.f < p->num.f);
        } else if (dom == ENC_DOM_I)
            cmp = (v.i > p->num.i) - (v.i < p->num.i);
        else
            cmp = (v.u > p->num.u) - (v.u < p->num.u);
    }
    switch (p->op) {
    case ENC_EQ: return cmp == 0;
    case ENC_LT: return cmp < 0;
    case ENC_LE: return cmp <= 0;
    case ENC_GT: return cmp > 0;
    case ENC_GE: return cmp >= 0;
    }
    return 0;
}

Test(enc, pruning_never_rules_out_a_match)
{
    int all_seen = 0; /* chunks found to match entirely: the shortcut is exercised */
    const struct ty kinds[] = {{TY_INT16, 1, 0}, {TY_UINT64, 0, 0}, {TY_FLOAT64, 1, 0},
                               {TY_STRING, 1, 0}, {TY_DATETIME64, 0, 3}, {TY_DATE, 0, 0}};
    char strs[40][8];
    for (int i = 0; i < 40; i++)
        snprintf(strs[i], sizeof(strs[i]), "k%02d", i);
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (int round = 0; round < 40; round++) {
            struct col *c = new_col(kinds[k]);
            uint32_t n = 1 + (uint32_t)(next_rand() % 64);
            int64_t base = (int64_t)(next_rand() % 100);
            for (uint32_t i = 0; i < n; i++) {
                uint64_t r = next_rand();
                if (kinds[k].nullable && r % 6 == 0) {
                    cr_assert_eq(col_push_null(c), 0);
                } else if (kinds[k].kind == TY_STRING) {
                    const char *s = strs[(base + (int64_t)(r % 8)) % 40];
                    cr_assert_eq(col_push_str(c, s, strlen(s)), 0);
                } else if (kinds[k].kind == TY_FLOAT64) {
                    double f = (double)(base + (int64_t)(r % 16)) / 2 - 20;
                    if (r % 97 == 0)
                        f = NAN;
                    cr_assert_eq(col_push_fixed(c, &f), 0);
                } else
                    push_int(c, base + (int64_t)(r % 16) - (kinds[k].kind == TY_INT16 ? 50 : 0));
            }
            struct enc_stat st;
            enc_stat_compute(c, 0, n, &st);
            for (int q = 0; q < 200; q++) {
                struct enc_pred p = {.op = (enum enc_op)(next_rand() % 5)};
                int64_t v = (int64_t)(next_rand() % 140) - 30;
                if (kinds[k].kind == TY_STRING) {
                    p.s = strs[(v + 30) % 40];
                    p.slen = strlen(p.s);
                } else if (kinds[k].kind == TY_FLOAT64)
                    p.num.f = (double)v / 2 - 20;
                else if (enc_domain(kinds[k]) == ENC_DOM_U)
                    p.num.u = (uint64_t)(v < 0 ? 0 : v);
                else
                    p.num.i = v;
                int any = 0, every = 1;
                for (uint32_t r = 0; r < n; r++) {
                    int m = row_matches(c, r, &p);
                    any |= m;
                    every &= m;
                }
                if (any)
                    cr_assert(enc_stat_may_match(&st, kinds[k], &p),
                              "kind %d op %d: a chunk with a match was pruned", kinds[k].kind, p.op);
                if (!every)
                    cr_assert_not(enc_stat_all_match(&st, kinds[k], &p),
                                  "kind %d op %d: a row fails, yet all match", kinds[k].kind, p.op);
                if (enc_stat_all_match(&st, kinds[k], &p))
                    all_seen++;
            }
            col_delete(c);
        }
    }
    cr_assert_gt(all_seen, 100);
}

Test(enc, dictionary_codes_kept_for_group_keys)
{
    struct col *c = new_col((struct ty){TY_STRING, 0, 0});
    for (int i = 0; i < 1000; i++) {
        char s[16];
        int n = snprintf(s, sizeof(s), "g%d", (i * 7) % 13);
        cr_assert_eq(col_push_str(c, s, (size_t)n), 0);
    }
    struct buf b = BUF_INIT;
    uint8_t kind;
    cr_assert_eq(enc_encode(c, 0, c->n, &b, &kind), 0);
    cr_assert_eq(kind, ENC_DICT);
    struct col *d = new_col(c->ty);
    cr_assert_eq(enc_decode(kind, b.data, b.len, c->n, d), 0);
    const uint16_t *codes = col_dcodes(d);
    cr_assert_not_null(codes, "a fresh column keeps its codes");
    cr_assert_eq(d->ndict, 13);
    cr_assert_not_null(d->dict, "the dictionary's bytes, to compare blocks by");
    for (uint32_t i = 0; i < d->n; i++)
        for (uint32_t j = i + 1; j < d->n && j < i + 40; j++) {
            size_t li, lj;
            const char *pi = col_str(d, i, &li), *pj = col_str(d, j, &lj);
            int same = li == lj && !memcmp(pi, pj, li);
            cr_assert_eq(codes[i] == codes[j], same, "rows %u and %u", i, j);
            int m = memcmp(pi, pj, li < lj ? li : lj);
            int less = m ? m < 0 : li < lj;
            cr_assert_eq(codes[i] < codes[j], less, "codes in byte order: rows %u and %u", i, j);
        }
    cr_assert_eq(col_push_str(d, "x", 1), 0);
    cr_assert_null(col_dcodes(d), "a push makes them stale");
    col_truncate(d, 10);
    cr_assert_null(col_dcodes(d), "so does a truncation");
    /* appended to a column that has rows: no codes */
    struct col *e = new_col(c->ty);
    cr_assert_eq(col_push_str(e, "y", 1), 0);
    cr_assert_eq(enc_decode(kind, b.data, b.len, c->n, e), 0);
    cr_assert_null(col_dcodes(e));
    col_delete(e);
    col_delete(d);
    col_delete(c);
    buf_free(&b);
}
