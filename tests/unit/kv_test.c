/*
 * kv_test.c — a mutable stream's key table (store/kv.h): the key encoding
 * sorts as SQL sorts, for every key type (a property test: random values,
 * edge values included, sorted by value and by encoded bytes must agree,
 * equal encodings exactly for equal values, and each decodes back); a
 * prefix of key columns is a byte prefix; the memtable keeps the newest
 * value per key; secondary index entries follow updates and deletes (also
 * across a reopen); family values are read only when asked for; shards
 * scan merged in key order, and one shard at a time they partition the
 * rows; the applied mark makes replay skip rows.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "store/kv.h"
#include "util/err.h"

#define N 400

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct item {
    struct ty ty;
    struct col *c;   /* one-row column */
    struct buf enc;
};

/* SQL order of two one-row columns of the same type. */
static int sql_cmp(const struct col *a, const struct col *b)
{
    switch (a->ty.kind) {
    case TY_STRING: {
        size_t an, bn;
        const char *as = col_str(a, 0, &an), *bs = col_str(b, 0, &bn);
        int c = memcmp(as, bs, an < bn ? an : bn);
        return c ? c : (an > bn) - (an < bn);
    }
    case TY_FLOAT32:
    case TY_FLOAT64: {
        double x = a->ty.kind == TY_FLOAT32 ? COL_AT(a, float, 0) : COL_AT(a, double, 0);
        double y = b->ty.kind == TY_FLOAT32 ? COL_AT(b, float, 0) : COL_AT(b, double, 0);
        if (isnan(x) || isnan(y)) /* NaN sorts above everything */
            return isnan(x) - isnan(y);
        return (x > y) - (x < y);
    }
    case TY_INT8: return (COL_AT(a, int8_t, 0) > COL_AT(b, int8_t, 0)) - (COL_AT(a, int8_t, 0) < COL_AT(b, int8_t, 0));
    case TY_INT16: return (COL_AT(a, int16_t, 0) > COL_AT(b, int16_t, 0)) - (COL_AT(a, int16_t, 0) < COL_AT(b, int16_t, 0));
    case TY_INT32: return (COL_AT(a, int32_t, 0) > COL_AT(b, int32_t, 0)) - (COL_AT(a, int32_t, 0) < COL_AT(b, int32_t, 0));
    case TY_INT64:
    case TY_DATETIME64:
    case TY_DECIMAL:
        return (COL_AT(a, int64_t, 0) > COL_AT(b, int64_t, 0)) - (COL_AT(a, int64_t, 0) < COL_AT(b, int64_t, 0));
    case TY_BOOL:
    case TY_UINT8: return (COL_AT(a, uint8_t, 0) > COL_AT(b, uint8_t, 0)) - (COL_AT(a, uint8_t, 0) < COL_AT(b, uint8_t, 0));
    case TY_UINT16:
    case TY_DATE:
        return (COL_AT(a, uint16_t, 0) > COL_AT(b, uint16_t, 0)) - (COL_AT(a, uint16_t, 0) < COL_AT(b, uint16_t, 0));
    case TY_UINT32:
    case TY_DATETIME:
        return (COL_AT(a, uint32_t, 0) > COL_AT(b, uint32_t, 0)) - (COL_AT(a, uint32_t, 0) < COL_AT(b, uint32_t, 0));
    default:
        return (COL_AT(a, uint64_t, 0) > COL_AT(b, uint64_t, 0)) - (COL_AT(a, uint64_t, 0) < COL_AT(b, uint64_t, 0));
    }
}

/* A random value of ty (every 8th one an edge value), as a one-row column. */
static struct col *random_value(struct ty ty, int i)
{
    struct col *c = NULL;
    cr_assert_eq(col_new(ty, &c), 0);
    uint64_t r = next_rand();
    int edge = i % 8 == 0;
    if (ty.kind == TY_STRING) {
        char s[8];
        size_t n = r % 6;
        for (size_t k = 0; k < n; k++) /* few letters and zero bytes: many shared prefixes */
            s[k] = "\0\1ab\xff"[(r >> (8 + 3 * k)) % 5];
        cr_assert_eq(col_push_str(c, s, n), 0);
        return c;
    }
    if (ty.kind == TY_FLOAT32 || ty.kind == TY_FLOAT64) {
        static const double edges[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-310, -1e-310, 1.5};
        double d = edge ? edges[(r >> 3) % 8] : ((double)(int64_t)r) / 1e12;
        if (ty.kind == TY_FLOAT32) {
            float f = (float)d;
            cr_assert_eq(col_push_fixed(c, &f), 0);
        } else {
            cr_assert_eq(col_push_fixed(c, &d), 0);
        }
        return c;
    }
    size_t w = ty_width(ty);
    if (edge) /* 0, the minimum, the maximum, -1 */
        r = (r & 3) == 0 ? 0 : (r & 3) == 1 ? 1ull << (8 * w - 1) : (r & 3) == 2 ? ~0ull >> (64 - 8 * w) >> 1 : ~0ull;
    if (ty.kind == TY_BOOL)
        r &= 1;
    uint8_t b1 = (uint8_t)r;
    uint16_t b2 = (uint16_t)r;
    uint32_t b4 = (uint32_t)r;
    cr_assert_eq(col_push_fixed(c, w == 1 ? (void *)&b1 : w == 2 ? (void *)&b2 : w == 4 ? (void *)&b4 : (void *)&r), 0);
    return c;
}

static int by_enc(const void *x, const void *y)
{
    const struct item *a = x, *b = y;
    int c = memcmp(a->enc.data, b->enc.data, a->enc.len < b->enc.len ? a->enc.len : b->enc.len);
    return c ? c : (a->enc.len > b->enc.len) - (a->enc.len < b->enc.len);
}

static void check_order(struct ty ty)
{
    static struct item it[N];
    for (int i = 0; i < N; i++) {
        it[i].ty = ty;
        it[i].c = random_value(ty, i);
        memset(&it[i].enc, 0, sizeof it[i].enc);
        cr_assert_eq(kv_key_append(&it[i].enc, it[i].c, 0), 0);
        /* decodes back to the same value, using exactly its bytes */
        struct col *d = NULL;
        const uint8_t *p = (const uint8_t *)it[i].enc.data;
        cr_assert_eq(col_new(ty, &d), 0);
        cr_assert_eq(kv_key_decode(&p, p + it[i].enc.len, d, ty), 0);
        cr_assert_eq((const char *)p, it[i].enc.data + it[i].enc.len);
        cr_assert_eq(sql_cmp(d, it[i].c), 0, "kind %d: value %d decodes differently", ty.kind, i);
        col_delete(d);
    }
    qsort(it, N, sizeof it[0], by_enc);
    for (int i = 1; i < N; i++) {
        int vc = sql_cmp(it[i - 1].c, it[i].c), ec = by_enc(&it[i - 1], &it[i]);
        cr_assert(vc <= 0, "kind %d: bytes order disagrees with SQL order at %d", ty.kind, i);
        cr_assert_eq(vc == 0, ec == 0, "kind %d: equal values iff equal bytes at %d", ty.kind, i);
    }
    for (int i = 0; i < N; i++) {
        col_delete(it[i].c);
        buf_free(&it[i].enc);
    }
}

Test(kv, key_order_every_type)
{
    static const struct ty types[] = {
        {TY_BOOL, 0, 0},    {TY_INT8, 0, 0},    {TY_INT16, 0, 0},   {TY_INT32, 0, 0},
        {TY_INT64, 0, 0},   {TY_UINT8, 0, 0},   {TY_UINT16, 0, 0},  {TY_UINT32, 0, 0},
        {TY_UINT64, 0, 0},  {TY_FLOAT32, 0, 0}, {TY_FLOAT64, 0, 0}, {TY_STRING, 0, 0},
        {TY_DATE, 0, 0},    {TY_DATETIME, 0, 0}, {TY_DATETIME64, 0, 3}, {TY_DECIMAL, 0, 9},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        check_order(types[i]);
}

Test(kv, compound_key_prefix)
{
    /* (string, int32): the encoding of the first column is a prefix of the
     * whole key, and ("a", 5) < ("a\0", -9) < ("ab", -1) as SQL sorts */
    const char *s[] = {"a", "a\0", "ab"};
    size_t sl[] = {1, 2, 2};
    int32_t v[] = {5, -9, -1};
    struct buf k[3] = {0}, pre = BUF_INIT;
    for (int i = 0; i < 3; i++) {
        struct col *a = NULL, *b = NULL;
        cr_assert_eq(col_new((struct ty){TY_STRING, 0, 0}, &a), 0);
        cr_assert_eq(col_new((struct ty){TY_INT32, 0, 0}, &b), 0);
        cr_assert_eq(col_push_str(a, s[i], sl[i]), 0);
        cr_assert_eq(col_push_fixed(b, &v[i]), 0);
        cr_assert_eq(kv_key_append(&k[i], a, 0), 0);
        if (i == 0)
            cr_assert_eq(kv_key_append(&pre, a, 0), 0);
        cr_assert_eq(kv_key_append(&k[i], b, 0), 0);
        col_delete(a);
        col_delete(b);
    }
    cr_assert_eq(memcmp(k[0].data, pre.data, pre.len), 0);
    for (int i = 1; i < 3; i++)
        cr_assert(memcmp(k[i - 1].data, k[i].data, k[i].len < k[i - 1].len ? k[i].len : k[i - 1].len) < 0);
    size_t n = pre.len;
    kv_prefix_succ((uint8_t *)pre.data, &n);
    cr_assert(memcmp(k[0].data, pre.data, n) < 0 && memcmp(k[1].data, pre.data, n) >= 0,
              "the prefix's successor bounds exactly the rows under it");
    for (int i = 0; i < 3; i++)
        buf_free(&k[i]);
    buf_free(&pre);
}

Test(kv, memtable_keeps_newest)
{
    struct kv_mt *m = NULL;
    cr_assert_eq(kv_mt_create(&m), 0);
    for (int i = 0; i < 10000; i++) {
        char key[16], val[32];
        int kn = snprintf(key, sizeof key, "k%d", i % 100);
        int vn = snprintf(val, sizeof val, "value-%d", i);
        cr_assert_eq(kv_mt_put(m, (uint8_t *)key, (size_t)kn, kv_hash((uint8_t *)key, (size_t)kn),
                               (uint8_t *)val, (size_t)vn, i % 7 == 0), 0);
    }
    cr_assert_eq(kv_mt_count(m), 100);
    size_t pos = 0, kn, vn, seen = 0;
    const uint8_t *k, *v;
    int del;
    while (kv_mt_next(m, &pos, &k, &kn, &v, &vn, &del) == 0) {
        int key = atoi((const char *)k + 1), last = 9900 + key;
        char want[32];
        snprintf(want, sizeof want, "value-%d", last);
        cr_assert_eq(vn, strlen(want));
        cr_assert_eq(memcmp(v, want, vn), 0);
        cr_assert_eq(del, last % 7 == 0);
        seen++;
    }
    cr_assert_eq(seen, 100);
    kv_mt_destroy(m);
}

/* ---- the store ---- */

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sfs_kv_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    cr_assert_eq(os_rmtree(dir), 0);
}

/* m (k int32, region string, a float64, b float64, note string,
 *    INDEX by_region (region), FAMILY ab (a, b)) PRIMARY KEY (k) */
static struct schema *schema(uint32_t shards)
{
    struct schema *s = NULL;
    cr_assert_eq(sch_create("m", &s), 0);
    cr_assert_eq(sch_add_col(s, "k", (struct ty){TY_INT32, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "region", (struct ty){TY_STRING, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "a", (struct ty){TY_FLOAT64, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "b", (struct ty){TY_FLOAT64, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "note", (struct ty){TY_STRING, 1, 0}), 0);
    s->is_mutable = 1;
    s->shards = shards;
    s->nkey = 1;
    s->key[0] = 0;
    s->nindex = 1;
    strcpy(s->index[0].name, "by_region");
    s->index[0].ncols = 1;
    s->index[0].cols[0] = 1;
    s->nfamily = 1;
    strcpy(s->family[0].name, "ab");
    s->family[0].ncols = 2;
    s->family[0].cols[0] = 2;
    s->family[0].cols[1] = 3;
    cr_assert_eq(sch_add_col(s, "_tp_delta", (struct ty){TY_INT8, 0, 0}), 0);
    cr_assert_eq(sch_finish(s), 0);
    return s;
}

/* One row: k, region, a = k * 1.5, b = -k, note, delta. */
static void put(struct kv_store *kv, const struct schema *s, uint64_t sn, int32_t k,
                const char *region, int del)
{
    struct ty *t = NULL;
    struct blk *b = NULL;
    double a = k * 1.5, bb = -k;
    int8_t d = del ? -1 : 1;
    int64_t tp = 1000 + k;
    cr_assert_eq(sch_types(s, &t), 0);
    cr_assert_eq(blk_create(t, s->ncols, &b), 0);
    cr_assert_eq(col_push_fixed(&b->cols[0], &k), 0);
    cr_assert_eq(col_push_str(&b->cols[1], region, strlen(region)), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &a), 0);
    cr_assert_eq(col_push_fixed(&b->cols[3], &bb), 0);
    cr_assert_eq(col_push_str(&b->cols[4], "n", 1), 0);
    cr_assert_eq(col_push_fixed(&b->cols[5], &d), 0);
    cr_assert_eq(col_push_fixed(&b->cols[6], &tp), 0);
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(kv_apply(kv, b, sn), 0);
    blk_unref(b);
    free(t);
}

static struct buf region_key(const char *region)
{
    struct buf e = BUF_INIT;
    struct col *c = NULL;
    cr_assert_eq(col_new((struct ty){TY_STRING, 0, 0}, &c), 0);
    cr_assert_eq(col_push_str(c, region, strlen(region)), 0);
    cr_assert_eq(kv_key_append(&e, c, 0), 0);
    col_delete(c);
    return e;
}

/* The k values whose index entry says region, sorted. */
static int index_lookup(struct kv_store *kv, const char *region, int32_t *out)
{
    struct buf e = region_key(region), keys = BUF_INIT;
    uint64_t n = 0;
    int m = 0;
    cr_assert_eq(kv_index_keys(kv, 0, (const uint8_t *)e.data, e.len, &keys, &n), 0);
    for (size_t off = 0; off < keys.len; m++) {
        uint32_t len;
        memcpy(&len, keys.data + off, 4);
        const uint8_t *p = (const uint8_t *)keys.data + off + 4;
        struct col *c = NULL;
        cr_assert_eq(col_new((struct ty){TY_INT32, 0, 0}, &c), 0);
        cr_assert_eq(kv_key_decode(&p, p + len, c, c->ty), 0);
        out[m] = COL_AT(c, int32_t, 0);
        col_delete(c);
        off += 4 + len;
    }
    cr_assert_eq((uint64_t)m, n);
    for (int i = 1; i < m; i++) /* shards answer in their own order */
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            int32_t t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    buf_free(&e);
    buf_free(&keys);
    return m;
}

TestSuite(kvstore, .init = setup, .fini = teardown);

Test(kvstore, index_follows_updates_and_deletes)
{
    struct schema *s = schema(2);
    struct kv_store *kv = NULL;
    int32_t got[16];
    cr_assert_eq(kv_open(dir, s, &kv), 0);
    put(kv, s, 0, 1, "east", 0);
    put(kv, s, 1, 2, "east", 0);
    put(kv, s, 2, 3, "west", 0);
    cr_assert_eq(index_lookup(kv, "east", got), 2);
    cr_assert(got[0] == 1 && got[1] == 2);
    put(kv, s, 3, 2, "west", 0); /* an update moves the index entry */
    cr_assert_eq(index_lookup(kv, "east", got), 1);
    cr_assert_eq(got[0], 1);
    cr_assert_eq(index_lookup(kv, "west", got), 2);
    cr_assert(got[0] == 2 && got[1] == 3);
    put(kv, s, 4, 3, "", 1); /* a delete removes it */
    put(kv, s, 5, 9, "", 1); /* deleting what is not there changes nothing */
    cr_assert_eq(index_lookup(kv, "west", got), 1);
    cr_assert_eq(got[0], 2);
    put(kv, s, 6, 1, "north", 0); /* collapsed in the memtable: only the last counts */
    put(kv, s, 7, 1, "south", 0);
    cr_assert_eq(index_lookup(kv, "north", got), 0);
    cr_assert_eq(index_lookup(kv, "east", got), 0);
    cr_assert_eq(index_lookup(kv, "south", got), 1);
    cr_assert_eq(kv_applied_sn(kv), 8);
    kv_close(kv);

    /* reopen: the same answers, and replayed rows below the mark are skipped */
    cr_assert_eq(kv_open(dir, s, &kv), 0);
    cr_assert_eq(kv_applied_sn(kv), 8);
    put(kv, s, 3, 2, "stale", 0); /* sn 3 < 8: already in */
    cr_assert_eq(index_lookup(kv, "stale", got), 0);
    cr_assert_eq(index_lookup(kv, "west", got), 1);
    cr_assert_eq(index_lookup(kv, "south", got), 1);
    kv_close(kv);
    sch_destroy(s);
}

Test(kvstore, families_read_only_when_asked_and_shards_merge_in_order)
{
    struct schema *s = schema(3);
    struct kv_store *kv = NULL;
    cr_assert_eq(kv_open(dir, s, &kv), 0);
    for (int32_t k = 20; k >= -20; k--)
        put(kv, s, (uint64_t)(20 - k), k, k % 2 ? "odd" : "even", 0);
    for (int pass = 0; pass < 2; pass++) {
        struct kv_scan *sc = NULL;
        uint32_t fams = pass ? 1u : 0u;
        const uint8_t *key, *val, *fv[SCH_MAX_GROUPS];
        size_t kn, vn, fl[SCH_MAX_GROUPS];
        int32_t want = -20;
        /* project k, a and region (pass 1) or k and region (pass 0) */
        uint32_t cols[3] = {0, 1, 2};
        uint32_t ncols = pass ? 3 : 2;
        cr_assert_eq(kv_families_for(s, cols, ncols), fams);
        cr_assert_eq(kv_scan_open(kv, NULL, 0, NULL, 0, fams, &sc), 0);
        for (;;) {
            cr_assert_eq(kv_scan_next(sc, &key, &kn, &val, &vn, fv, fl), 0);
            if (!key)
                break;
            if (!pass)
                cr_assert_eq(fl[0], 0, "family ab not read when not projected");
            else
                cr_assert_eq(fl[0], 16, "family ab: two float64");
            struct ty t[3] = {{TY_INT32, 0, 0}, {TY_STRING, 0, 0}, {TY_FLOAT64, 0, 0}};
            struct blk *b = NULL;
            cr_assert_eq(blk_create(t, ncols, &b), 0);
            cr_assert_eq(kv_row_decode(s, key, kn, val, vn, fv, fl, cols, ncols, b), 0);
            cr_assert_eq(blk_seal(b), 0);
            cr_assert_eq(COL_AT(&b->cols[0], int32_t, 0), want, "key order over the shards");
            size_t rn;
            const char *r = col_str(&b->cols[1], 0, &rn);
            cr_assert_eq(memcmp(r, want % 2 ? "odd" : "even", rn), 0);
            if (pass)
                cr_assert_eq(COL_AT(&b->cols[2], double, 0), want * 1.5);
            blk_unref(b);
            want++;
        }
        cr_assert_eq(want, 21);
        kv_scan_close(sc);
    }
    kv_close(kv);
    sch_destroy(s);
}

Test(kvstore, shard_scans_partition_the_rows)
{
    struct schema *s = schema(4);
    struct kv_store *kv = NULL;
    int seen[100] = {0};
    cr_assert_eq(kv_open(dir, s, &kv), 0);
    cr_assert_eq(kv_shards(kv), 4);
    for (int32_t k = 0; k < 100; k++)
        put(kv, s, (uint64_t)k, k, "r", 0);
    for (uint32_t sh = 0; sh < 4; sh++) {
        struct kv_scan *sc = NULL;
        const uint8_t *key, *val, *fv[SCH_MAX_GROUPS];
        size_t kn, vn, fl[SCH_MAX_GROUPS];
        int32_t prev = -1;
        cr_assert_eq(kv_scan_open_shard(kv, sh, NULL, 0, NULL, 0, 0, &sc), 0);
        for (;;) {
            cr_assert_eq(kv_scan_next(sc, &key, &kn, &val, &vn, fv, fl), 0);
            if (!key)
                break;
            struct col *c = NULL;
            cr_assert_eq(col_new((struct ty){TY_INT32, 0, 0}, &c), 0);
            cr_assert_eq(kv_key_decode(&key, key + kn, c, c->ty), 0);
            int32_t k = COL_AT(c, int32_t, 0);
            col_delete(c);
            cr_assert(k > prev, "a shard's rows in key order");
            prev = k;
            seen[k]++;
        }
        kv_scan_close(sc);
    }
    for (int k = 0; k < 100; k++)
        cr_assert_eq(seen[k], 1, "key %d in exactly one shard", k);
    kv_close(kv);
    sch_destroy(s);
}

Test(kv, memtable_long_keys_differing_late)
{
    /* keys longer than a slot keeps inline, equal in their first bytes */
    struct kv_mt *m = NULL;
    char key[100];
    memset(key, 'k', sizeof key);
    cr_assert_eq(kv_mt_create(&m), 0);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 500; i++) {
            snprintf(key + 90, 10, "%09d", i);
            uint8_t v = (uint8_t)round;
            cr_assert_eq(kv_mt_put(m, (uint8_t *)key, 99, kv_hash((uint8_t *)key, 99), &v, 1, 0), 0);
        }
    cr_assert_eq(kv_mt_count(m), 500);
    size_t pos = 0, kn, vn;
    const uint8_t *k, *v;
    int del, n = 0;
    while (kv_mt_next(m, &pos, &k, &kn, &v, &vn, &del) == 0) {
        cr_assert_eq(kn, 99);
        cr_assert_eq(vn, 1);
        cr_assert_eq(v[0], 2, "the newest value");
        n++;
    }
    cr_assert_eq(n, 500);
    kv_mt_destroy(m);
}
