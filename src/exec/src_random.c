/*
 * src_random.c — the generator behind a random stream (CREATE RANDOM
 * STREAM; exec/source.h, src_random_create).
 *
 * Rows exist only while a query reads them: each next() builds a block in
 * memory, nothing is stored. The columns are made in order: one with a
 * DEFAULT evaluates it over the n rows of the columns made before it (a
 * new value per row: rand() is never folded); one without gets a random
 * value of its type. The block yielded borrows the columns the query
 * reads (the others were made for a DEFAULT that reads them). Time comes from
 * clk_now_ns, so a test's fake clock drives it:
 *
 *   - eps > 0: row k (counted from creation) has the time start +
 *     (k + 1)/eps; once per interval (give or take a quarter: the
 *     ticker's wake-ups jitter) a batch of the rows whose time has come is
 *     made (in blocks of at most SRC_RANDOM_BLOCK rows), -EAGAIN
 *     in between, so a row is never in the future;
 *     after a long stall (a suspended host, a fake clock jump) at most
 *     RANDOM_CATCH_UP_S seconds of rows are made up for;
 *   - eps = 0: a block of SRC_RANDOM_BLOCK rows at every call, stamped
 *     now (as fast as the reader takes them; the query task's turns keep
 *     it fair to other queries);
 *   - bounded (table(r)): a fixed number of rows, spread over the second
 *     before creation by eps, then the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/expr.h"
#include "exec/source.h"
#include "util/clock.h"

#define RANDOM_CATCH_UP_S 10
#define NS_PER_S 1000000000ll

struct rnd {
    struct src base;
    struct src_random_col *cols; /* generated */
    uint32_t ncols;
    struct ty *types;            /* of cols */
    uint32_t *out_cols;          /* yielded: positions among cols */
    uint32_t nout;
    struct ty *out_types;        /* nout (+ _tp_sn) */
    int with_sn;
    int direct;                  /* every generated column is yielded, in order, no _tp_sn */
    uint64_t eps;
    int64_t interval_ns;
    int64_t start_ns;            /* row 0's time */
    int64_t last_batch_ns;       /* when the last batch was made */
    uint64_t made;               /* rows made (and skipped after a stall): the next row's number */
    uint64_t target;             /* rows made once the current batch is out */
    uint64_t left;               /* bounded: rows still to yield; unbounded: unused */
    int bounded;
    struct fn_ctx *fn;           /* the query's (borrowed): now(), the generator, errors */
};

static inline uint64_t mix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* 10^p for decimal ranges (p <= 18). */
static int64_t pow10_of(unsigned p)
{
    int64_t v = 1;
    while (p--)
        v *= 10;
    return v;
}

/* One random value of c's type (time_ns: the row's time) appended to c. */
static int push_random(struct rnd *r, struct col *c, int64_t time_ns)
{
    uint64_t bits = mix(&r->fn->rand_state);
    union {
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        float f32;
        double f64;
        int64_t i64;
    } v;
    memset(&v, 0, sizeof(v));
    switch (c->ty.kind) {
    case TY_BOOL: v.u8 = bits & 1; break;
    case TY_INT8:
    case TY_UINT8: v.u8 = (uint8_t)bits; break;
    case TY_INT16:
    case TY_UINT16: v.u16 = (uint16_t)bits; break;
    case TY_INT32:
    case TY_UINT32: v.u32 = (uint32_t)bits; break;
    case TY_INT64:
    case TY_UINT64: v.u64 = bits; break;
    case TY_FLOAT32: v.f32 = (float)((double)(bits >> 40) * 0x1.0p-24); break;
    case TY_FLOAT64: v.f64 = (double)(bits >> 11) * 0x1.0p-53; break;
    case TY_DATETIME: v.u32 = (uint32_t)(time_ns / NS_PER_S); break;
    case TY_DATETIME64: {
        int64_t div = pow10_of(9u - (c->ty.prec > 9 ? 9u : c->ty.prec));
        v.i64 = time_ns / div;
        break;
    }
    case TY_DATE: v.u16 = (uint16_t)(time_ns / (86400 * NS_PER_S)); break;
    case TY_DECIMAL: { /* |value| < 10^p, in units of 10^-s */
        int64_t range = pow10_of(c->ty.prec);
        v.i64 = (int64_t)(bits % (uint64_t)(2 * range - 1)) - (range - 1);
        break;
    }
    case TY_STRING: {
        char s[16]; /* 1 to 16 printable ASCII characters */
        size_t n = 1 + (bits & 15);
        for (size_t i = 0; i < n; i++) {
            if (i % 7 == 0)
                bits = mix(&r->fn->rand_state);
            s[i] = (char)(' ' + (bits & 0xff) % 95);
            bits >>= 8;
        }
        return col_push_str(c, s, n);
    }
    default: return col_push_null(c); /* arrays: [] */
    }
    return col_push_fixed(c, &v);
}

/* The generated columns of n rows, row k's time first_ns + k * step_ns;
 * each DEFAULT reads the columns made before it. */
static int generate(struct rnd *r, uint32_t n, int64_t first_ns, int64_t step_ns,
                    struct blk **out)
{
    struct blk *g = NULL;
    int rc = blk_create(r->types, r->ncols, &g);
    if (rc)
        return rc;
    g->nrows = n; /* what the DEFAULTs are evaluated over */
    for (uint32_t i = 0; !rc && i < r->ncols; i++) {
        struct src_random_col *rc_col = &r->cols[i];
        struct col *c = &g->cols[i];
        if (rc_col->def) {
            struct col *v = NULL;
            int owned = 0;
            if ((rc = xpr_eval(rc_col->def, r->fn, g, &v, &owned)))
                break;
            if (owned) {
                blk_adopt_col(g, i, v);
                col_delete(v);
            } else {
                rc = col_append_rows(c, v, 0, n);
            }
            continue;
        }
        if ((rc = col_reserve(c, n)))
            break;
        for (uint32_t k = 0; !rc && k < n; k++) {
            int64_t t = first_ns + (int64_t)k * step_ns;
            if (rc_col->is_time) {
                int64_t ms = t / 1000000;
                rc = col_push_fixed(c, &ms);
            } else {
                rc = push_random(r, c, t);
            }
        }
    }
    if (!rc && r->ncols)
        rc = blk_seal(g);
    if (rc) {
        blk_unref(g);
        return rc;
    }
    *out = g;
    return 0;
}

/* A block of n rows as the query reads it: the yielded columns (borrowed
 * from the generated ones), then _tp_sn. */
static int make_block(struct rnd *r, uint32_t n, int64_t first_ns, int64_t step_ns,
                      struct blk **out)
{
    struct blk *g = NULL, *b = NULL;
    int rc = generate(r, n, first_ns, step_ns, &g);
    if (rc)
        return rc;
    if (r->direct) {
        b = g;
        g = NULL;
    } else {
        rc = blk_create(r->out_types, r->nout + (r->with_sn ? 1 : 0), &b);
        for (uint32_t k = 0; !rc && k < r->nout; k++)
            rc = blk_borrow_col(b, k, g, r->out_cols[k]);
        if (!rc && r->with_sn) {
            struct col *c = &b->cols[r->nout];
            rc = col_reserve(c, n);
            for (uint32_t k = 0; !rc && k < n; k++) {
                uint64_t sn = r->made + k;
                rc = col_push_fixed(c, &sn);
            }
        }
        if (!rc && !b->ncols)
            b->nrows = n; /* count() reads no column: rows without columns */
        if (!rc && b->ncols)
            rc = blk_seal(b);
    }
    blk_unref(g);
    if (rc) {
        blk_unref(b);
        return rc;
    }
    r->base.rows += n;
    r->made += n;
    r->base.next_sn = r->made;
    *out = b;
    return 0;
}

static int rnd_next(struct src *s, struct blk **out)
{
    struct rnd *r = (struct rnd *)s;
    int64_t now = clk_now_ns();
    int64_t step = r->eps ? NS_PER_S / (int64_t)r->eps : 0;
    *out = NULL;
    if (r->bounded) {
        if (!r->left)
            return 0;
        uint32_t n = r->left < SRC_RANDOM_BLOCK ? (uint32_t)r->left : SRC_RANDOM_BLOCK;
        int64_t first = r->start_ns + (int64_t)(r->made * (uint64_t)step);
        int rc = make_block(r, n, first, step, out);
        if (!rc)
            r->left -= n;
        return rc;
    }
    if (!r->eps)
        return make_block(r, SRC_RANDOM_BLOCK, now, 0, out);
    uint64_t made = r->made;
    if (made >= r->target) { /* the batch is out: a new one once the interval passed */
        /* a quarter of slack: the ticker's wake-ups jitter around the interval */
        if (now - r->last_batch_ns < r->interval_ns - r->interval_ns / 4)
            return -EAGAIN;
        /* the rows whose time has come: row k's is start + (k + 1) / eps */
        uint64_t due = now <= r->start_ns
                           ? 0
                           : (uint64_t)((__int128)(now - r->start_ns) * r->eps / NS_PER_S);
        if (due <= made)
            return -EAGAIN;
        if (due - made > r->eps * RANDOM_CATCH_UP_S) { /* skip what is too old to make */
            made = r->made = due - r->eps * RANDOM_CATCH_UP_S;
        }
        r->target = due;
        r->last_batch_ns = now;
    }
    uint64_t n = r->target - made < SRC_RANDOM_BLOCK ? r->target - made : SRC_RANDOM_BLOCK;
    int64_t first = r->start_ns + (int64_t)((__int128)(made + 1) * NS_PER_S / r->eps);
    return make_block(r, (uint32_t)n, first, step, out);
}

static void rnd_destroy(struct src *s)
{
    struct rnd *r = (struct rnd *)s;
    for (uint32_t i = 0; i < r->ncols; i++)
        xpr_destroy(r->cols[i].def);
    free(r->cols);
    free(r->types);
    free(r->out_cols);
    free(r->out_types);
    free(r);
}

static const struct src_vt rnd_vt = {rnd_next, rnd_destroy};

int src_random_create(const struct src_random_spec *spec, struct src_random_col *cols,
                      uint32_t ncols, struct src **out)
{
    struct rnd *r = calloc(1, sizeof(*r));
    int rc = -ENOMEM;
    if (!r)
        goto fail;
    r->cols = calloc(ncols ? ncols : 1, sizeof(*r->cols));
    r->types = calloc(ncols ? ncols : 1, sizeof(*r->types));
    r->out_cols = calloc(spec->nout ? spec->nout : 1, sizeof(*r->out_cols));
    r->out_types = calloc(spec->nout + 1, sizeof(*r->out_types));
    if (!r->cols || !r->types || !r->out_cols || !r->out_types)
        goto fail;
    r->base.vt = &rnd_vt;
    r->ncols = ncols;
    r->nout = spec->nout;
    r->with_sn = spec->with_sn;
    for (uint32_t i = 0; i < ncols; i++) {
        r->cols[i] = cols[i];
        cols[i].def = NULL; /* the source has it now */
        r->types[i] = r->cols[i].ty;
    }
    r->direct = !r->with_sn && r->nout == ncols;
    for (uint32_t k = 0; k < r->nout; k++) {
        r->out_cols[k] = spec->out_cols[k];
        r->out_types[k] = r->types[r->out_cols[k]];
        r->direct &= r->out_cols[k] == k;
    }
    r->out_types[r->nout] = (struct ty){TY_UINT64, 0, 0};
    r->eps = spec->eps;
    r->interval_ns = spec->interval_ms * 1000000ll;
    r->fn = spec->fn;
    if (spec->bounded_rows) {
        r->bounded = 1;
        r->left = spec->bounded_rows;
        r->base.total_rows = spec->bounded_rows;
        /* the second before now, so no row is in the future */
        int64_t span = r->eps ? (int64_t)spec->bounded_rows * (NS_PER_S / (int64_t)r->eps) : 0;
        r->start_ns = spec->fn->now_ns - span;
    } else {
        r->base.unbounded = 1;
        /* wake once per batch, or per row when rows are further apart */
        int64_t gap = r->eps ? NS_PER_S / (int64_t)r->eps : 0;
        r->base.wake_ns = r->eps ? (gap > r->interval_ns ? gap : r->interval_ns) : 0;
        r->start_ns = r->last_batch_ns = spec->fn->now_ns;
    }
    *out = &r->base;
    return 0;
fail:
    for (uint32_t i = 0; i < ncols; i++) {
        xpr_destroy(cols[i].def);
        cols[i].def = NULL;
    }
    if (r) {
        free(r->cols);
        free(r->types);
        free(r->out_cols);
        free(r->out_types);
        free(r);
    }
    return rc;
}
