/*
 * src_kv.c — the historical scan of a mutable stream (table(m)): its
 * current rows, one per key, read from the key table (store/kv.h), and
 * the planning of which part to read from the query's WHERE.
 *
 * A WHERE whose AND-ed conditions fix leading key columns (`a = c`) and
 * bound the next one (`b > c`, `b <= c`) reads one key range; one that
 * fixes an indexed column (`x = c`, `x IN (..)`) reads the index entries
 * and then those rows; `IN` on the first key column reads one prefix range
 * per value. Only constants that convert exactly to the column's
 * type are used, and the WHERE filter still runs over what is read, so
 * the plan only ever narrows the reading, never the answer.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "exec/expr.h"
#include "exec/source.h"
#include "types/datetime.h"
#include "util/err.h"

#define KV_BLOCK_ROWS 8192

#define QLEN 4 /* blocks queued from the shard readers */

struct src_kv;

struct src_kv {
    struct src base;
    struct eng_stream *s;
    uint32_t *cols;              /* schema positions; ncols of them */
    uint32_t ncols;
    int with_sn;
    struct ty *types;
    uint32_t fams;
    struct kv_scan *scan;        /* range mode */
    struct buf keys;             /* index mode: (u32 len, key) records */
    size_t key_pos;
    int index_mode, done;
    struct buf row;              /* kv_get's answer */
    struct buf ranges;           /* key IN: the first key column's values left to read,
                                    (u32 len, bytes) records from range_pos */
    size_t range_pos;
    int multi;

    /* several shards: one reader thread per shard, each scanning its
     * shard into blocks; next() takes them in the order they come */
    uint32_t nreaders;
    struct shard_reader *rd;
    pthread_mutex_t qmu;         /* guards the fields below */
    pthread_cond_t qcv;
    struct blk *q[QLEN];
    uint32_t qh, qn, live;
    int qerr, stop;
};

struct shard_reader {
    struct src_kv *k;
    struct kv_scan *scan;
    pthread_t th;
    int started;
};

void src_kv_range_free(struct src_kv_range *r)
{
    buf_free(&r->lo);
    buf_free(&r->hi);
    buf_free(&r->ikeys);
    memset(r, 0, sizeof *r);
}

/* ---- planning ---- */

static int is_call(const struct xpr *x, const char *name)
{
    return x->kind == XPR_CALL && strcmp(x->fn->name, name) == 0;
}

/* The AND-ed conditions of x. */
static void conjuncts(struct xpr *x, struct xpr **out, uint32_t *n, uint32_t max)
{
    if (is_call(x, "and")) {
        for (uint32_t i = 0; i < x->nargs; i++)
            conjuncts(x->args[i], out, n, max);
        return;
    }
    if (*n < max)
        out[(*n)++] = x;
}

static void int_range(uint8_t k, int64_t *lo, uint64_t *hi)
{
    switch (k) {
    case TY_INT8: *lo = INT8_MIN; *hi = INT8_MAX; break;
    case TY_INT16: *lo = INT16_MIN; *hi = INT16_MAX; break;
    case TY_INT32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    case TY_INT64: *lo = INT64_MIN; *hi = INT64_MAX; break;
    case TY_BOOL: *lo = 0; *hi = 1; break;
    case TY_UINT8: *lo = 0; *hi = UINT8_MAX; break;
    case TY_UINT16: *lo = 0; *hi = UINT16_MAX; break;
    case TY_UINT32: *lo = 0; *hi = UINT32_MAX; break;
    default: *lo = 0; *hi = UINT64_MAX; break;
    }
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : (an > bn) - (an < bn);
}

/* Constant v as an exact value of type ty pushed onto the one-row column c;
 * 0, or -1 when it does not convert exactly. */
static int exact(const struct val *v, struct ty ty, struct col *c)
{
    struct ty have = v->ty;
    uint8_t k = ty.kind;
    if (v->is_null)
        return -1;
    if (k == TY_STRING)
        return have.kind == TY_STRING ? col_push_str(c, v->v.s.p, v->v.s.n) : -1;
    int have_signed = have.kind == TY_INT8 || have.kind == TY_INT16 || have.kind == TY_INT32 ||
                      have.kind == TY_INT64;
    int have_unsigned = have.kind == TY_UINT8 || have.kind == TY_UINT16 ||
                        have.kind == TY_UINT32 || have.kind == TY_UINT64 || have.kind == TY_BOOL;
    if ((ty_is_int(ty) || k == TY_BOOL) && (have_signed || have_unsigned)) {
        int64_t lo;
        uint64_t uhi;
        int_range(k, &lo, &uhi);
        if (have_signed ? (v->v.i < lo || (v->v.i > 0 && (uint64_t)v->v.i > uhi))
                        : v->v.u > uhi)
            return -1;
        uint64_t bits = have_signed ? (uint64_t)v->v.i : v->v.u;
        uint8_t b1 = (uint8_t)bits;
        uint16_t b2 = (uint16_t)bits;
        uint32_t b4 = (uint32_t)bits;
        size_t w = ty_width(ty);
        return col_push_fixed(c, w == 1 ? (void *)&b1 : w == 2 ? (void *)&b2
                                                : w == 4 ? (void *)&b4 : (void *)&bits);
    }
    if ((k == TY_FLOAT32 || k == TY_FLOAT64) &&
        (have.kind == TY_FLOAT32 || have.kind == TY_FLOAT64 || have_signed)) {
        double d = have_signed ? (double)v->v.i : v->v.f;
        if (have_signed && (int64_t)d != v->v.i)
            return -1;
        if (k == TY_FLOAT32) {
            float f = (float)d;
            return (double)f == d || isnan(d) ? col_push_fixed(c, &f) : -1;
        }
        return col_push_fixed(c, &d);
    }
    if (k == TY_DATETIME64 && (have.kind == TY_DATETIME64 || have.kind == TY_DATETIME)) {
        int q = have.kind == TY_DATETIME ? 0 : have.prec;
        int64_t t = v->v.i;
        if (q <= ty.prec) {
            t *= dt_pow10(ty.prec - q);
        } else {
            if (t % dt_pow10(q - ty.prec))
                return -1;
            t /= dt_pow10(q - ty.prec);
        }
        return col_push_fixed(c, &t);
    }
    if (k == TY_DATETIME && have.kind == TY_DATETIME) {
        uint32_t t = (uint32_t)v->v.i;
        return col_push_fixed(c, &t);
    }
    if (k == TY_DATE && have.kind == TY_DATE) {
        uint16_t d = (uint16_t)v->v.i;
        return col_push_fixed(c, &d);
    }
    return -1;
}

/* The key encoding of constant v in type ty appended to out; -1 when it
 * does not convert exactly. */
static int encode_const(const struct val *v, struct ty ty, struct buf *out)
{
    struct col *c = NULL;
    struct ty t = ty;
    t.nullable = 0;
    int rc = col_new(t, &c);
    if (!rc)
        rc = exact(v, t, c);
    if (!rc && ty.nullable)
        rc = buf_putc(out, 1);
    if (!rc)
        rc = kv_key_append(out, c, 0);
    col_delete(c);
    return rc;
}

enum { OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE, OP_NONE };

/* cond as (schema column) OP constant; the operator is flipped when the
 * constant is on the left. */
static int comparison(const struct xpr *x, const uint32_t *scan_cols, uint32_t *col,
                      const struct val **v)
{
    static const char *const names[] = {"equals", "less", "less_or_equals", "greater",
                                        "greater_or_equals"};
    static const int flipped[] = {OP_EQ, OP_GT, OP_GE, OP_LT, OP_LE};
    for (int op = 0; op < OP_NONE; op++) {
        if (!is_call(x, names[op]) || x->nargs != 2)
            continue;
        const struct xpr *a = x->args[0], *b = x->args[1];
        if (a->kind == XPR_COL && b->kind == XPR_CONST) {
            *col = scan_cols[a->col];
            *v = &b->cval;
            return op;
        }
        if (b->kind == XPR_COL && a->kind == XPR_CONST) {
            *col = scan_cols[b->col];
            *v = &a->cval;
            return flipped[op];
        }
    }
    return OP_NONE;
}

/* An OR tree of `col = const` on one column (IN): the values' encodings as
 * (u32 len, bytes) records; -1 when it is not one. */
static int in_values(const struct xpr *x, const uint32_t *scan_cols, const struct schema *sc,
                     int *col, struct buf *out, uint32_t *n)
{
    if (is_call(x, "or")) {
        for (uint32_t i = 0; i < x->nargs; i++)
            if (in_values(x->args[i], scan_cols, sc, col, out, n))
                return -1;
        return 0;
    }
    uint32_t c;
    const struct val *v;
    if (comparison(x, scan_cols, &c, &v) != OP_EQ || (*col >= 0 && (uint32_t)*col != c))
        return -1;
    *col = (int)c;
    struct buf e = BUF_INIT;
    int rc = encode_const(v, sc->cols[c].ty, &e), dup = 0;
    uint32_t len = (uint32_t)e.len;
    for (size_t off = 0; !rc && off + 4 <= out->len;) { /* x IN (1, 1): one lookup */
        uint32_t l;
        memcpy(&l, out->data + off, 4);
        dup |= l == len && !memcmp(out->data + off + 4, e.data, len);
        off += 4 + l;
    }
    if (!rc && !dup && !(rc = buf_append(out, &len, 4)))
        rc = buf_append(out, e.data, e.len);
    buf_free(&e);
    *n += !dup;
    return rc ? -1 : 0;
}

static int try_index(const struct schema *sc, struct xpr **cs, uint32_t nc,
                     const uint32_t *scan_cols, struct src_kv_range *r)
{
    for (uint32_t i = 0; i < nc; i++) {
        int col = -1;
        uint32_t n = 0;
        r->ikeys.len = 0;
        if (in_values(cs[i], scan_cols, sc, &col, &r->ikeys, &n) || col < 0)
            continue;
        for (uint32_t I = 0; I < sc->nindex; I++)
            if (sc->index[I].cols[0] == (uint32_t)col) {
                r->index = (int)I;
                r->nikeys = n;
                return 0;
            }
    }
    r->ikeys.len = 0;
    return 0;
}

int src_kv_plan(const struct schema *sc, struct xpr *where, const uint32_t *scan_cols,
                struct src_kv_range *r)
{
    struct xpr *cs[64];
    uint32_t nc = 0, k;
    int rc = 0;
    memset(r, 0, sizeof *r);
    r->index = -1;
    r->no_end = 1;
    if (!where)
        return 0;
    conjuncts(where, cs, &nc, 64);
    for (k = 0; k < sc->nkey; k++) { /* the fixed leading key columns */
        uint32_t i;
        for (i = 0; i < nc; i++) {
            uint32_t c;
            const struct val *v;
            size_t was = r->lo.len;
            if (comparison(cs[i], scan_cols, &c, &v) == OP_EQ && c == sc->key[k]) {
                if (encode_const(v, sc->cols[c].ty, &r->lo) == 0)
                    break;
                r->lo.len = was;
            }
        }
        if (i == nc)
            break;
    }
    r->prefix_cols = k;
    if ((rc = buf_append(&r->hi, r->lo.data, r->lo.len)))
        return rc;
    size_t pre = r->lo.len, hn = r->hi.len;
    if (r->hi.len) {
        kv_prefix_succ((uint8_t *)r->hi.data, &hn);
        r->hi.len = hn;
        r->no_end = hn == 0; /* a prefix of 0xff bytes has no successor */
    }
    if (k < sc->nkey) { /* bounds on the next key column */
        for (uint32_t i = 0; i < nc; i++) {
            uint32_t c;
            const struct val *v;
            int op = comparison(cs[i], scan_cols, &c, &v);
            if (c != sc->key[k] || op == OP_EQ || op == OP_NONE)
                continue;
            struct buf b = BUF_INIT;
            if ((rc = buf_append(&b, r->lo.data, pre)))
                return rc;
            if (encode_const(v, sc->cols[c].ty, &b)) {
                buf_free(&b);
                continue;
            }
            size_t bn = b.len;
            if (op == OP_GT || op == OP_LE)
                kv_prefix_succ((uint8_t *)b.data, &bn);
            if (op == OP_GT || op == OP_GE) { /* a lower bound: keep the higher */
                if (!bn) { /* nothing is above it */
                    r->empty = 1;
                } else if (bytes_cmp(b.data, bn, r->lo.data, r->lo.len) > 0) {
                    r->lo.len = 0;
                    rc = buf_append(&r->lo, b.data, bn);
                }
            } else if (bn && (r->no_end || bytes_cmp(b.data, bn, r->hi.data, r->hi.len) < 0)) {
                r->hi.len = 0;
                r->no_end = 0;
                rc = buf_append(&r->hi, b.data, bn);
            }
            buf_free(&b);
            if (rc)
                return rc;
            r->bounded = 1;
        }
    }
    if (r->prefix_cols == 0 && !r->bounded) {
        /* x IN (..) on the first key column: one prefix range per value */
        for (uint32_t i = 0; i < nc; i++) {
            int col = -1;
            uint32_t n = 0;
            r->ikeys.len = 0;
            if (!in_values(cs[i], scan_cols, sc, &col, &r->ikeys, &n) &&
                col == (int)sc->key[0]) {
                r->index = SRC_KV_KEY_IN;
                r->nikeys = n;
                return 0;
            }
        }
        r->ikeys.len = 0;
        return try_index(sc, cs, nc, scan_cols, r);
    }
    return 0;
}

/* ---- reading ---- */

static int kv_fill(struct src_kv *k, struct blk *b, const uint8_t *key, size_t kn,
                   const uint8_t *val, size_t vn, const uint8_t *const *fv, const size_t *fl)
{
    int rc = k->ncols ? kv_row_decode(k->s->schema, key, kn, val, vn, fv, fl, k->cols, k->ncols, b)
                      : 0; /* count(): nothing to decode */
    if (!rc && k->with_sn) {
        uint64_t zero = 0; /* the key table keeps no sequence numbers */
        rc = col_push_fixed(&b->cols[k->ncols], &zero);
    }
    return rc;
}

/* Index mode: the next row from the looked-up keys. 1 when one was added. */
static int next_indexed(struct src_kv *k, struct blk *b)
{
    while (k->key_pos + 4 <= k->keys.len) {
        uint32_t len;
        memcpy(&len, k->keys.data + k->key_pos, 4);
        const uint8_t *key = (const uint8_t *)k->keys.data + k->key_pos + 4;
        k->key_pos += 4 + len;
        int found;
        k->row.len = 0;
        int rc = kv_get(k->s->kv, key, len, k->fams, &found, &k->row);
        if (rc)
            return rc;
        if (!found)
            continue;
        const uint8_t *val, *fv[SCH_MAX_GROUPS];
        size_t fl[SCH_MAX_GROUPS], vn;
        if ((rc = kv_get_parts(k->s->kv, &k->row, &val, &vn, fv, fl)) ||
            (rc = kv_fill(k, b, key, len, val, vn, fv, fl)))
            return rc;
        return 1;
    }
    return 0;
}

/* The n rows built in b as *out (NULL when none; b is taken). */
static int finish_block(struct blk *b, uint32_t n, struct blk **out)
{
    int rc = 0;
    *out = NULL;
    if (b->ncols == 0) /* count(): rows without columns */
        b->nrows = n;
    if (n && !(rc = blk_seal(b))) {
        *out = b;
        return 0;
    }
    blk_unref(b);
    return rc;
}

/* Up to KV_BLOCK_ROWS rows of scan as a block (*out NULL at the end). */
static int scan_block(struct src_kv *k, struct kv_scan *scan, struct blk **out)
{
    struct blk *b = NULL;
    uint32_t n = 0;
    int rc;
    *out = NULL;
    if ((rc = blk_create(k->types, k->ncols + (k->with_sn ? 1 : 0), &b)))
        return rc;
    while (n < KV_BLOCK_ROWS) {
        const uint8_t *key, *val, *fv[SCH_MAX_GROUPS];
        size_t kn, vn, fl[SCH_MAX_GROUPS];
        if ((rc = kv_scan_next(scan, &key, &kn, &val, &vn, fv, fl)))
            goto fail;
        if (!key)
            break;
        if ((rc = kv_fill(k, b, key, kn, val, vn, fv, fl)))
            goto fail;
        n++;
    }
    return finish_block(b, n, out);
fail:
    blk_unref(b);
    return rc < 0 ? rc : ERR_CORRUPT;
}

static void *reader_main(void *arg)
{
    struct shard_reader *r = arg;
    struct src_kv *k = r->k;
    for (;;) {
        struct blk *b = NULL;
        int rc = scan_block(k, r->scan, &b);
        pthread_mutex_lock(&k->qmu);
        while (b && k->qn == QLEN && !k->stop)
            pthread_cond_wait(&k->qcv, &k->qmu);
        int stop = k->stop || rc || !b;
        if (rc && !k->qerr)
            k->qerr = rc;
        if (b && !k->stop && !rc) {
            k->q[(k->qh + k->qn) % QLEN] = b;
            k->qn++;
            b = NULL;
        }
        if (stop)
            k->live--;
        pthread_cond_broadcast(&k->qcv);
        pthread_mutex_unlock(&k->qmu);
        blk_unref(b);
        if (stop)
            return NULL;
    }
}

/* Several shards: the next block any reader made. */
static int parallel_next(struct src_kv *k, struct blk **out)
{
    int rc;
    pthread_mutex_lock(&k->qmu);
    while (!k->qn && k->live && !k->qerr)
        pthread_cond_wait(&k->qcv, &k->qmu);
    rc = k->qerr;
    *out = NULL;
    if (!rc && k->qn) {
        *out = k->q[k->qh];
        k->qh = (k->qh + 1) % QLEN;
        k->qn--;
        pthread_cond_broadcast(&k->qcv);
    }
    pthread_mutex_unlock(&k->qmu);
    return rc;
}

static int kv_next(struct src *base, struct blk **out)
{
    struct src_kv *k = (struct src_kv *)base;
    struct blk *b = NULL;
    uint32_t n = 0;
    int rc;
    *out = NULL;
    if (k->done)
        return 0;
    while (k->multi) { /* key IN: the values' prefix ranges one after another */
        if (!k->scan) {
            uint32_t len;
            if (k->range_pos + 4 > k->ranges.len) {
                k->done = 1;
                return 0;
            }
            memcpy(&len, k->ranges.data + k->range_pos, 4);
            const uint8_t *lo = (const uint8_t *)k->ranges.data + k->range_pos + 4;
            k->range_pos += 4 + len;
            k->row.len = 0;
            if ((rc = buf_append(&k->row, lo, len)))
                return rc;
            size_t hn = len;
            kv_prefix_succ((uint8_t *)k->row.data, &hn);
            if ((rc = kv_scan_open(k->s->kv, lo, len, (const uint8_t *)k->row.data, hn, k->fams,
                                   &k->scan)))
                return rc;
        }
        if ((rc = scan_block(k, k->scan, out)))
            return rc;
        if (*out) {
            base->rows += (*out)->nrows;
            return 0;
        }
        kv_scan_close(k->scan);
        k->scan = NULL;
    }
    if (!k->index_mode) {
        rc = k->nreaders ? parallel_next(k, out) : scan_block(k, k->scan, out);
        if (!rc && *out)
            base->rows += (*out)->nrows;
        else
            k->done = !rc;
        return rc;
    }
    if ((rc = blk_create(k->types, k->ncols + (k->with_sn ? 1 : 0), &b)))
        return rc;
    while (n < KV_BLOCK_ROWS) {
        rc = next_indexed(k, b);
        if (rc < 0)
            goto fail;
        if (rc == 0)
            break;
        n++;
    }
    if (n < KV_BLOCK_ROWS)
        k->done = 1;
    base->rows += n;
    return finish_block(b, n, out);
fail:
    blk_unref(b);
    return rc < 0 ? rc : ERR_CORRUPT;
}

static void kv_destroy(struct src *base)
{
    struct src_kv *k = (struct src_kv *)base;
    pthread_mutex_lock(&k->qmu);
    k->stop = 1;
    pthread_cond_broadcast(&k->qcv);
    pthread_mutex_unlock(&k->qmu);
    for (uint32_t i = 0; i < k->nreaders; i++) {
        if (k->rd[i].started)
            pthread_join(k->rd[i].th, NULL);
        kv_scan_close(k->rd[i].scan);
    }
    for (uint32_t i = 0; i < k->qn; i++)
        blk_unref(k->q[(k->qh + i) % QLEN]);
    free(k->rd);
    pthread_mutex_destroy(&k->qmu);
    pthread_cond_destroy(&k->qcv);
    kv_scan_close(k->scan);
    buf_free(&k->keys);
    buf_free(&k->row);
    buf_free(&k->ranges);
    free(k->cols);
    free(k->types);
    if (k->s)
        eng_stream_put(k->s);
    free(k);
}

static const struct src_vt kv_vt = {kv_next, kv_destroy};

/* One scan and reader thread per shard (the scans open, each on a
 * snapshot, before any thread starts). */
static int start_readers(struct src_kv *k, const uint8_t *lo, size_t lo_len, const uint8_t *hi,
                         size_t hi_len)
{
    uint32_t n = kv_shards(k->s->kv);
    int rc;
    if (!(k->rd = calloc(n, sizeof *k->rd)))
        return -ENOMEM;
    k->nreaders = n;
    for (uint32_t i = 0; i < n; i++) {
        k->rd[i].k = k;
        if ((rc = kv_scan_open_shard(k->s->kv, i, lo, lo_len, hi, hi_len, k->fams,
                                     &k->rd[i].scan)))
            return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        pthread_mutex_lock(&k->qmu);
        k->live++;
        pthread_mutex_unlock(&k->qmu);
        if ((rc = pthread_create(&k->rd[i].th, NULL, reader_main, &k->rd[i]))) {
            pthread_mutex_lock(&k->qmu);
            k->live--;
            pthread_mutex_unlock(&k->qmu);
            return -rc;
        }
        k->rd[i].started = 1;
    }
    return 0;
}

int src_kv_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                  const struct src_kv_range *r, struct src **out)
{
    struct src_kv *k = calloc(1, sizeof *k);
    int rc = -ENOMEM;
    if (!k)
        return rc;
    k->base.vt = &kv_vt;
    pthread_mutex_init(&k->qmu, NULL);
    pthread_cond_init(&k->qcv, NULL);
    k->ncols = ncols;
    k->with_sn = with_sn;
    k->cols = malloc((ncols + 1) * sizeof *k->cols);
    k->types = malloc((ncols + 1) * sizeof *k->types);
    if (!k->cols || !k->types)
        goto fail;
    atomic_fetch_add(&s->refs, 1);
    k->s = s;
    for (uint32_t i = 0; i < ncols; i++) {
        k->cols[i] = cols[i];
        k->types[i] = s->schema->cols[cols[i]].ty;
    }
    k->types[ncols] = (struct ty){TY_UINT64, 0, 0};
    k->fams = kv_families_for(s->schema, cols, ncols);
    if (r && r->index == SRC_KV_KEY_IN) {
        k->multi = 1;
        if ((rc = buf_append(&k->ranges, r->ikeys.data, r->ikeys.len)))
            goto fail;
    } else if (r && r->index >= 0) {
        k->index_mode = 1;
        const char *p = r->ikeys.data;
        for (size_t off = 0; off + 4 <= r->ikeys.len;) {
            uint32_t len;
            uint64_t n;
            memcpy(&len, p + off, 4);
            if ((rc = kv_index_keys(s->kv, (uint32_t)r->index, (const uint8_t *)p + off + 4, len,
                                    &k->keys, &n)))
                goto fail;
            off += 4 + len;
        }
    } else {
        const uint8_t *lo = r ? (const uint8_t *)r->lo.data : NULL;
        const uint8_t *hi = r && !r->no_end ? (const uint8_t *)r->hi.data : NULL;
        if (r && (r->empty || (!r->no_end && bytes_cmp(r->lo.data, r->lo.len, r->hi.data,
                                                        r->hi.len) >= 0))) {
            k->done = 1; /* an empty range */
        } else if (kv_shards(s->kv) > 1) {
            if ((rc = start_readers(k, lo, r ? r->lo.len : 0, hi, hi ? r->hi.len : 0)))
                goto fail;
        } else if ((rc = kv_scan_open(s->kv, lo, r ? r->lo.len : 0, hi, hi ? r->hi.len : 0,
                                      k->fams, &k->scan))) {
            goto fail;
        }
    }
    *out = &k->base;
    return 0;
fail:
    kv_destroy(&k->base);
    return rc;
}
