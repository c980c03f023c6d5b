/*
 * agg_minmax.c — aggregates that keep one value of any type: min, max,
 * any (= earliest), any_last (= latest), arg_min, arg_max.
 *
 * ClickHouse semantics: the result has the argument's type (arg_min and
 * arg_max: the first argument's); no row gives the type's zero value ('',
 * 0, 1970-01-01), or NULL for a nullable argument (the caller's NULL
 * skipping). Strings compare bytewise. Proton's earliest and latest are
 * ClickHouse's any and any_last: the first and the last value in input
 * order, not by _tp_time. Ties keep the first row (arg_min, arg_max), as
 * ClickHouse's strict comparison does.
 *
 * NaN: min and max keep numbers over NaN (NaN only when every value was
 * NaN), so the result does not depend on where a NaN arrives — ClickHouse
 * answers NaN when it comes first, a number otherwise.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "exec/agg_impl.h"
#include "exec/func_list.h"
#include "util/err.h"

enum pick { PICK_MIN, PICK_MAX, PICK_FIRST, PICK_LAST };

struct one_cfg {
    struct agg_cfg held;
    enum pick pick;
    int cls;     /* the result's class (arg_*: the first argument's) */
    int by_cls;  /* arg_*: the compared argument's class; else cls */
};

/* arg_min/arg_max keep (value, by); the others only value. */
struct one_st {
    struct agg_val value;
    struct agg_val by;
};

static const struct one_cfg *cfg_of(const struct agg_bind *b)
{
    return b->cfg;
}

static void one_init(const struct agg_bind *b, void *state)
{
    memset(state, 0, b->ops.state_size);
}

static void one_destroy(const struct agg_bind *b, void *state)
{
    struct one_st *s = state;
    agg_val_free(b, cfg_of(b)->cls, &s->value);
    if (b->nargs == 2)
        agg_val_free(b, cfg_of(b)->by_cls, &s->by);
}

/* 1 when candidate x (compared as by) replaces what s holds. */
static int better(const struct one_cfg *c, const struct agg_val *x, const struct agg_val *held)
{
    if (!held->set)
        return 1;
    switch (c->pick) {
    case PICK_MIN: return agg_val_cmp(c->by_cls, x, held, 1) < 0;
    case PICK_MAX: return agg_val_cmp(c->by_cls, x, held, -1) > 0;
    case PICK_FIRST: return 0;
    case PICK_LAST: return 1;
    }
    return 0;
}

/* min/max of a float64 or int64 column: the same choices as better(),
 * typed (a NaN never replaces a number; a number replaces a NaN). */
#define TYPED_MINMAX(T, FIELD, NAN_OF)                                                             \
    AGG_EACH(states, rows, n, {                                                                    \
        struct agg_val *h = &((struct one_st *)st)->value;                                         \
        T v = COL_AT(args[0], T, r);                                                               \
        if (!h->set || (NAN_OF(h->v.FIELD) ? !NAN_OF(v) : max ? v > h->v.FIELD : v < h->v.FIELD)) { \
            h->v.FIELD = v;                                                                        \
            h->set = 1;                                                                            \
        }                                                                                          \
    })
#define NEVER_NAN(x) ((void)(x), 0)

static int one_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                   const uint32_t *rows, uint32_t n)
{
    const struct one_cfg *c = cfg_of(b);
    int two = b->nargs == 2, rc = 0;
    if (!two && (c->pick == PICK_MIN || c->pick == PICK_MAX)) {
        int max = c->pick == PICK_MAX;
        if (c->cls == AGG_F && args[0]->ty.kind == TY_FLOAT64) {
            TYPED_MINMAX(double, f, isnan);
            return 0;
        }
        if (c->cls == AGG_I && args[0]->ty.kind == TY_INT64) {
            TYPED_MINMAX(int64_t, i, NEVER_NAN);
            return 0;
        }
    }
    AGG_EACH(states, rows, n, {
        struct one_st *s = st;
        struct agg_val x, by;
        if (c->pick == PICK_FIRST && s->value.set)
            continue;
        agg_val_get(c->by_cls, args[two], r, &by);
        if (!better(c, &by, two ? &s->by : &s->value))
            continue;
        if (two) {
            agg_val_get(c->cls, args[0], r, &x);
            if ((rc = agg_val_store(b, c->by_cls, &s->by, &by)))
                return rc;
        } else {
            x = by;
        }
        if ((rc = agg_val_store(b, c->cls, &s->value, &x)))
            return rc;
    });
    return 0;
}

static int one_merge(const struct agg_bind *b, void *dst, const void *src)
{
    const struct one_cfg *c = cfg_of(b);
    struct one_st *d = dst;
    const struct one_st *s = src;
    int two = b->nargs == 2, rc;
    const struct agg_val *sby = two ? &s->by : &s->value;
    /* src's rows come after dst's: first keeps dst, last takes src */
    if (!sby->set || !better(c, sby, two ? &d->by : &d->value))
        return 0;
    if (two && (rc = agg_val_store(b, c->by_cls, &d->by, &s->by)))
        return rc;
    return agg_val_store(b, c->cls, &d->value, &s->value);
}

static int one_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    const struct one_st *s = state;
    return agg_val_push(cfg_of(b)->cls, &s->value, out);
}

static int one_save(const struct agg_bind *b, const void *state, struct buf *out)
{
    const struct one_st *s = state;
    int rc = agg_val_save(cfg_of(b)->cls, &s->value, out);
    if (!rc && b->nargs == 2)
        rc = agg_val_save(cfg_of(b)->by_cls, &s->by, out);
    return rc;
}

static int one_load(const struct agg_bind *b, void *state, const void *p, size_t n)
{
    struct one_st *s = state;
    struct agg_rd rd = {p, n};
    int rc = agg_val_load(b, cfg_of(b)->cls, &s->value, &rd);
    if (!rc && b->nargs == 2)
        rc = agg_val_load(b, cfg_of(b)->by_cls, &s->by, &rd);
    if (!rc && b->nargs == 2 && s->value.set != s->by.set)
        rc = ERR_CORRUPT;
    return rc ? rc : agg_rd_end(&rd);
}

static int bind_one(struct agg_bind *b, enum pick pick, const char *name)
{
    int rc;
    if (agg_bind_null(b))
        return 0;
    for (uint32_t i = 0; i < b->nargs; i++) {
        if (agg_cls(b->arg_ty[i]) == AGG_NONE) {
            char tn[TY_MAX_NAME];
            ty_name(b->arg_ty[i], tn);
            return agg_bind_fail(b, (int)i, "%s cannot take a value of type %s", name, tn);
        }
    }
    if ((rc = agg_cfg_new(b, sizeof(struct one_cfg))))
        return rc;
    struct one_cfg *c = b->cfg;
    c->pick = pick;
    c->cls = agg_cls(b->arg_ty[0]);
    c->by_cls = agg_cls(b->arg_ty[b->nargs - 1]);
    agg_ret(b, b->arg_ty[0]);
    b->ops = (struct agg_ops){b->nargs == 2 ? sizeof(struct one_st) : sizeof(struct agg_val),
                              one_init, one_add, one_merge, one_finalize, one_destroy, one_save,
                              one_load};
    return 0;
}

static int min_bind(struct agg_bind *b)
{
    return bind_one(b, PICK_MIN, "min");
}
static int max_bind(struct agg_bind *b)
{
    return bind_one(b, PICK_MAX, "max");
}
static int any_bind(struct agg_bind *b)
{
    return bind_one(b, PICK_FIRST, "any");
}
static int any_last_bind(struct agg_bind *b)
{
    return bind_one(b, PICK_LAST, "any_last");
}
static int arg_min_bind(struct agg_bind *b)
{
    return bind_one(b, PICK_MIN, "arg_min");
}
static int arg_max_bind(struct agg_bind *b)
{
    return bind_one(b, PICK_MAX, "arg_max");
}

const struct agg_fn agg_minmax_fns[] = {
    {"min", 1, 1, 0, min_bind},
    {"max", 1, 1, 0, max_bind},
    {"any", 1, 1, 0, any_bind},
    {"earliest", 1, 1, 0, any_bind},
    {"any_last", 1, 1, 0, any_last_bind},
    {"latest", 1, 1, 0, any_last_bind},
    {"arg_min", 2, 2, 0, arg_min_bind},
    {"arg_max", 2, 2, 0, arg_max_bind},
};
const size_t agg_minmax_fns_n = sizeof(agg_minmax_fns) / sizeof(agg_minmax_fns[0]);
