/*
 * agg_quantile.c — quantiles: quantile(level)(x) = quantile(x, level),
 * median, p50, p90, p95, p99, and quantile_exact.
 *
 * Every one is exact and deterministic: a state keeps all its values and
 * finalize selects the order statistics it needs (quickselect, no full
 * sort). Two rules, both ClickHouse's:
 *   - quantile, median and pNN interpolate linearly between the two
 *     nearest values at position level * (n - 1) (quantileExactInclusive,
 *     the R7 rule, and what ClickHouse's quantile answers whenever it
 *     holds every value: up to 8192 of them). The result is float64, or
 *     the argument's type for dates and times.
 *   - quantile_exact returns the value at position floor(level * n) (the
 *     last one for level 1), in the argument's type (quantileExact).
 * NaN values are skipped. No value gives nan (float64 results) or the
 * type's zero; a nullable argument gives NULL (the caller's skipping).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/agg_impl.h"
#include "exec/func_list.h"
#include "util/err.h"

union num {
    int64_t i;
    uint64_t u;
    double f;
};

struct q_cfg {
    struct agg_cfg held;
    double level;
    int exact;    /* quantile_exact's rule */
    int cls;
};

struct q_st {
    union num *v;
    uint32_t n, cap;
};

static void q_init(const struct agg_bind *b, void *state)
{
    (void)b;
    memset(state, 0, sizeof(struct q_st));
}

static void q_destroy(const struct agg_bind *b, void *state)
{
    struct q_st *s = state;
    agg_hold(b, -(int64_t)s->cap * (int64_t)sizeof(union num));
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int q_room(const struct agg_bind *b, struct q_st *s, uint32_t more)
{
    if (s->n + (uint64_t)more <= s->cap)
        return 0;
    if (s->n + (uint64_t)more > UINT32_MAX)
        return -E2BIG;
    uint64_t cap = s->cap ? s->cap : 4;
    while (cap < s->n + (uint64_t)more)
        cap *= 2;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    union num *v = realloc(s->v, cap * sizeof(*v));
    if (!v)
        return -ENOMEM;
    agg_hold(b, (int64_t)(cap - s->cap) * (int64_t)sizeof(*v));
    s->v = v;
    s->cap = (uint32_t)cap;
    return 0;
}

static int q_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                 const uint32_t *rows, uint32_t n)
{
    const struct q_cfg *c = b->cfg;
    struct agg_val x;
    int rc;
    AGG_EACH(states, rows, n, {
        struct q_st *s = st;
        agg_val_get(c->cls, args[0], r, &x);
        if (c->cls == AGG_F && isnan(x.v.f))
            continue;
        if ((rc = q_room(b, s, 1)))
            return rc;
        s->v[s->n++].u = x.v.u;
    });
    return 0;
}

static int q_merge(const struct agg_bind *b, void *dst, const void *src)
{
    struct q_st *d = dst;
    const struct q_st *s = src;
    int rc = q_room(b, d, s->n);
    if (rc || !s->n)
        return rc;
    memcpy(d->v + d->n, s->v, (size_t)s->n * sizeof(*s->v));
    d->n += s->n;
    return 0;
}

static int lt(int cls, union num a, union num b)
{
    return cls == AGG_I ? a.i < b.i : cls == AGG_U ? a.u < b.u : a.f < b.f;
}

/* Reorder v so that v[k] is the k-th smallest, smaller ones before it and
 * larger ones after it (Hoare partitions around a median of three). */
static void select_nth(int cls, union num *v, uint32_t n, uint32_t k)
{
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        union num t;
        if (lt(cls, v[mid], v[lo]))
            t = v[mid], v[mid] = v[lo], v[lo] = t;
        if (lt(cls, v[hi], v[lo]))
            t = v[hi], v[hi] = v[lo], v[lo] = t;
        if (lt(cls, v[hi], v[mid]))
            t = v[hi], v[hi] = v[mid], v[mid] = t;
        union num pivot = v[mid];
        uint32_t i = lo, j = hi;
        for (;;) {
            while (lt(cls, v[i], pivot))
                i++;
            while (lt(cls, pivot, v[j]))
                j--;
            if (i >= j)
                break;
            t = v[i], v[i] = v[j], v[j] = t;
            i++;
            j--;
        }
        /* [lo, j] <= pivot <= [j + 1, hi] */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
}

static double as_double(int cls, union num x)
{
    return cls == AGG_I ? (double)x.i : cls == AGG_U ? (double)x.u : x.f;
}

/* The state is a multiset: finalize reorders its values in place. */
static int q_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    const struct q_cfg *c = b->cfg;
    struct q_st *s = (struct q_st *)state;
    struct agg_val res = {.set = 1};
    int float_out = b->ret.kind == TY_FLOAT64 && !c->exact;

    if (!s->n) {
        if (!float_out)
            return agg_val_push(AGG_I, &(struct agg_val){.set = 0}, out);
        double nan = NAN;
        return col_push_fixed(out, &nan);
    }
    if (c->exact) {
        uint32_t k = c->level < 1 ? (uint32_t)(c->level * s->n) : s->n - 1;
        if (k >= s->n)
            k = s->n - 1;
        select_nth(c->cls, s->v, s->n, k);
        res.v.u = s->v[k].u;
        return agg_val_push(c->cls, &res, out);
    }
    /* ClickHouse's interpolation, to the last bit */
    double pos = c->level * (s->n - 1);
    uint32_t k = (uint32_t)pos;
    select_nth(c->cls, s->v, s->n, k);
    double v = as_double(c->cls, s->v[k]);
    if (k + 1 < s->n) {
        union num next = s->v[k + 1]; /* the smallest of those after k */
        for (uint32_t i = k + 2; i < s->n; i++)
            if (lt(c->cls, s->v[i], next))
                next = s->v[i];
        v = v * ((double)(k + 1) - pos) + as_double(c->cls, next) * (pos - k);
    }
    if (float_out)
        return col_push_fixed(out, &v);
    res.v.i = (int64_t)v; /* dates and times: whole ticks */
    return agg_val_push(AGG_I, &res, out);
}

static int q_save(const struct agg_bind *b, const void *state, struct buf *out)
{
    (void)b;
    const struct q_st *s = state;
    int rc = buf_append(out, &s->n, 4);
    return rc ? rc : buf_append(out, s->v, (size_t)s->n * sizeof(*s->v));
}

static int q_load(const struct agg_bind *b, void *state, const void *p, size_t n)
{
    struct q_st *s = state;
    uint32_t count;
    struct agg_rd rd = {p, n};
    int rc = agg_rd_take(&rd, &count, 4);
    if (rc || rd.n != (size_t)count * sizeof(union num))
        return rc ? rc : ERR_CORRUPT;
    if ((rc = q_room(b, s, count)) || !count)
        return rc;
    memcpy(s->v + s->n, rd.p, rd.n);
    s->n += count;
    return 0;
}

/* takes_level: quantile and quantile_exact, whose level is a parameter. */
static int bind_q(struct agg_bind *b, double level, int exact, int takes_level, const char *name)
{
    struct ty t = b->arg_ty[0];
    int rc, cls = agg_cls(t), is_time = cls == AGG_I && !ty_is_int(t);
    if (agg_bind_null(b))
        return 0;
    if (cls == AGG_NONE || cls == AGG_S) {
        char tn[TY_MAX_NAME];
        ty_name(t, tn);
        return agg_bind_fail(b, 0, "%s expects a number, date or time, got %s", name, tn);
    }
    if (b->nparams > (uint32_t)takes_level)
        return agg_bind_fail(b, -1, takes_level ? "%s takes one level" : "%s takes no level",
                             name);
    if (b->nparams && (rc = agg_param_f64(b, 0, "the quantile level", &level)))
        return rc;
    if (!(level >= 0 && level <= 1))
        return agg_bind_fail(b, (int)b->nargs, "quantile level must be in [0, 1], got %g", level);
    if ((rc = agg_cfg_new(b, sizeof(struct q_cfg))))
        return rc;
    struct q_cfg *c = b->cfg;
    c->level = level;
    c->exact = exact;
    c->cls = cls;
    agg_ret(b, exact || is_time ? t : (struct ty){TY_FLOAT64, 0, 0});
    b->ops = (struct agg_ops){sizeof(struct q_st), q_init, q_add, q_merge, q_finalize, q_destroy,
                              q_save, q_load};
    return 0;
}

static int quantile_bind(struct agg_bind *b)
{
    return bind_q(b, 0.5, 0, 1, "quantile");
}
static int quantile_exact_bind(struct agg_bind *b)
{
    return bind_q(b, 0.5, 1, 1, "quantile_exact");
}
static int median_bind(struct agg_bind *b)
{
    return bind_q(b, 0.5, 0, 0, "median");
}
static int p50_bind(struct agg_bind *b)
{
    return bind_q(b, 0.5, 0, 0, "p50");
}
static int p90_bind(struct agg_bind *b)
{
    return bind_q(b, 0.9, 0, 0, "p90");
}
static int p95_bind(struct agg_bind *b)
{
    return bind_q(b, 0.95, 0, 0, "p95");
}
static int p99_bind(struct agg_bind *b)
{
    return bind_q(b, 0.99, 0, 0, "p99");
}

const struct agg_fn agg_quantile_fns[] = {
    {"quantile", 1, 1, 1, quantile_bind},
    {"quantile_exact", 1, 1, 1, quantile_exact_bind},
    {"median", 1, 1, 0, median_bind},
    {"p50", 1, 1, 0, p50_bind},
    {"p90", 1, 1, 0, p90_bind},
    {"p95", 1, 1, 0, p95_bind},
    {"p99", 1, 1, 0, p99_bind},
};
const size_t agg_quantile_fns_n = sizeof(agg_quantile_fns) / sizeof(agg_quantile_fns[0]);
