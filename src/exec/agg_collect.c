/*
 * agg_collect.c — aggregates whose result is a list: group_array and
 * top_k, both array(T) of the argument's type without NULL:
 *   group_array(x), group_array(max_size)(x): the values in input order,
 *   at most max_size of them (ClickHouse's groupArray);
 *   top_k(x [, k]): the k (default 10) most frequent values, most
 *   frequent first, ties in order of first appearance. Proton's
 *   with_count form gives (value, count) tuples, which do not exist here:
 *   top_k(k, true) is a bind error, top_k(k, false) the values.
 * Counts are exact (Proton's top_k is a Space-Saving approximation, exact
 * for small inputs). NULL values are skipped and the result is never
 * NULL ([] when nothing was added), so both skip NULLs themselves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/agg_impl.h"
#include "exec/func_list.h"
#include "exec/keytab.h"
#include "format/json_out.h"
#include "util/err.h"

/* --- group_array ----------------------------------------------------------- */

struct ga_cfg {
    struct agg_cfg held;
    uint64_t max_size;           /* 0: no limit */
};

/* The values so far, in input order, as a column of the argument's type
 * without NULL (created on the first value). */
struct ga_st {
    struct col *vals;
};

static void ga_init(const struct agg_bind *b, void *state)
{
    (void)b;
    memset(state, 0, sizeof(struct ga_st));
}

static int64_t col_mem(const struct col *c)
{
    if (!c)
        return 0;
    size_t w = ty_has_offsets(c->ty) ? sizeof(uint32_t) : ty_width(c->ty);
    return (int64_t)(sizeof(*c) + (size_t)c->cap * (w + (c->nulls ? 1 : 0)) + c->chars_cap);
}

static int64_t ga_mem(const struct ga_st *s)
{
    return col_mem(s->vals);
}

static void ga_destroy(const struct agg_bind *b, void *state)
{
    struct ga_st *s = state;
    agg_hold(b, -ga_mem(s));
    col_delete(s->vals);
    s->vals = NULL;
}

static uint64_t ga_count(const struct ga_st *s)
{
    return s->vals ? s->vals->n : 0;
}

static int ga_vals(const struct agg_bind *b, struct ga_st *s)
{
    return s->vals ? 0 : col_new(ty_elem(b->ret), &s->vals);
}

static int ga_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                  const uint32_t *rows, uint32_t n)
{
    const struct ga_cfg *c = b->cfg;
    int rc;
    AGG_EACH(states, rows, n, {
        struct ga_st *s = st;
        if (agg_any_null(args, 1, r) || (c->max_size && ga_count(s) >= c->max_size))
            continue;
        int64_t mem = ga_mem(s);
        rc = ga_vals(b, s);
        if (!rc && s->vals->n == UINT32_MAX - 1)
            rc = -E2BIG;
        if (!rc && args[0]->nulls) { /* the argument's type with NULL: push the value */
            struct col plain = *args[0];
            plain.nulls = NULL;
            plain.ty.nullable = 0;
            rc = col_append_rows(s->vals, &plain, r, r + 1);
        } else if (!rc) {
            rc = col_append_rows(s->vals, args[0], r, r + 1);
        }
        agg_hold(b, ga_mem(s) - mem);
        if (rc)
            return rc;
    });
    return 0;
}

static int ga_merge(const struct agg_bind *b, void *dst, const void *src)
{
    const struct ga_cfg *c = b->cfg;
    struct ga_st *d = dst;
    const struct ga_st *s = src;
    uint64_t take = ga_count(s), room = UINT64_MAX;
    if (c->max_size)
        room = ga_count(d) >= c->max_size ? 0 : c->max_size - ga_count(d);
    if (take > room)
        take = room;
    if (!take)
        return 0;
    int64_t mem = ga_mem(d);
    int rc = ga_vals(b, d);
    if (!rc && ga_count(d) + take >= UINT32_MAX)
        rc = -E2BIG;
    if (!rc)
        rc = col_append_rows(d->vals, s->vals, 0, (uint32_t)take);
    agg_hold(b, ga_mem(d) - mem);
    return rc;
}

static int ga_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    (void)b;
    const struct ga_st *s = state;
    int rc = col_reserve(out, out->n + 1);
    if (!rc && ga_count(s))
        rc = col_append_rows(out->child, s->vals, 0, s->vals->n);
    return rc ? rc : col_arr_end(out);
}

/* Saved as a one-column block (types/block.h), empty when nothing came. */
static int ga_save(const struct agg_bind *b, const void *state, struct buf *out)
{
    const struct ga_st *s = state;
    struct col empty = {.ty = ty_elem(b->ret)};
    struct col *c = s->vals ? s->vals : &empty;
    struct blk one = {.ncols = 1, .nrows = c->n, .cols = c};
    return blk_serialize(&one, out);
}

static int ga_load(const struct agg_bind *b, void *state, const void *p, size_t n)
{
    struct ga_st *s = state;
    struct blk *blk;
    if (ga_count(s))
        return ERR_CORRUPT;
    int rc = blk_deserialize(p, n, &blk);
    if (rc)
        return rc;
    if (blk->ncols != 1 || !ty_equal(blk->cols[0].ty, ty_elem(b->ret))) {
        blk_unref(blk);
        return ERR_CORRUPT;
    }
    int64_t mem = ga_mem(s);
    col_delete(s->vals);
    if ((rc = col_new(blk->cols[0].ty, &s->vals)) == 0) {
        *s->vals = blk->cols[0];
        memset(&blk->cols[0], 0, sizeof(blk->cols[0]));
    }
    blk_unref(blk);
    agg_hold(b, ga_mem(s) - mem);
    return rc;
}

static int ga_bind(struct agg_bind *b)
{
    uint64_t max_size = 0;
    int rc;
    if (b->nparams > 1)
        return agg_bind_fail(b, -1, "group_array takes one parameter, the maximum size");
    if (b->nparams && (rc = agg_param_u64(b, 0, "the maximum size", &max_size)))
        return rc;
    struct ty e = b->arg_ty[0];
    e.nullable = e.kind == TY_NOTHING; /* NULLs are skipped */
    if (e.kind == TY_ARRAY || e.kind == TY_INTERVAL) {
        char tn[TY_MAX_NAME];
        ty_name(b->arg_ty[0], tn);
        return agg_bind_fail(b, 0, "group_array cannot take a value of type %s", tn);
    }
    if ((rc = agg_cfg_new(b, sizeof(struct ga_cfg))))
        return rc;
    ((struct ga_cfg *)b->cfg)->max_size = max_size;
    b->ret = ty_array_of(e);
    b->flags |= AGG_OWN_NULLS;
    b->ops = (struct agg_ops){sizeof(struct ga_st), ga_init, ga_add, ga_merge, ga_finalize,
                              ga_destroy, ga_save, ga_load};
    return 0;
}

/* --- top_k --------------------------------------------------------------- */

#define TOPK_MAX 0xFFFFFF /* Proton's bound on k */

struct tk_cfg {
    struct agg_cfg held;
    uint64_t k;
    struct ty ty;                /* the argument's type without NULL */
};

struct tk {
    struct keytab t;             /* the distinct values */
    uint64_t *counts;            /* per value id */
    uint32_t cap;
};

static void tk_init(const struct agg_bind *b, void *state)
{
    (void)b;
    *(struct tk **)state = NULL;
}

static int64_t tk_mem(const struct tk *k)
{
    return (int64_t)(sizeof(*k) + k->t.mem + (size_t)k->cap * sizeof(uint64_t));
}

static void tk_destroy(const struct agg_bind *b, void *state)
{
    struct tk *k = *(struct tk **)state;
    if (!k)
        return;
    agg_hold(b, -tk_mem(k));
    keytab_free(&k->t);
    free(k->counts);
    free(k);
    *(struct tk **)state = NULL;
}

static int tk_get(const struct agg_bind *b, void *state, struct tk **out)
{
    struct tk **pk = state;
    if (!*pk) {
        const struct tk_cfg *c = b->cfg;
        struct tk *k = calloc(1, sizeof(*k));
        if (!k)
            return -ENOMEM;
        keytab_init(&k->t, &c->ty, 1);
        agg_hold(b, tk_mem(k));
        *pk = k;
    }
    *out = *pk;
    return 0;
}

/* Count cnt more of value id (counts of ids not seen yet are 0). */
static int tk_count(struct tk *k, uint32_t id, uint64_t cnt)
{
    if (id >= k->cap) {
        uint32_t cap = k->cap ? k->cap * 2 : 4;
        while (cap <= id)
            cap *= 2;
        uint64_t *c = realloc(k->counts, (size_t)cap * sizeof(*c));
        if (!c)
            return -ENOMEM;
        memset(c + k->cap, 0, (size_t)(cap - k->cap) * sizeof(*c));
        k->counts = c;
        k->cap = cap;
    }
    k->counts[id] += cnt;
    return 0;
}

static int tk_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                  const uint32_t *rows, uint32_t n)
{
    struct tk *k;
    uint32_t id;
    int added, rc;
    AGG_EACH(states, rows, n, {
        if (agg_any_null(args, 1, r))
            continue;
        if ((rc = tk_get(b, st, &k)))
            return rc;
        int64_t mem = tk_mem(k);
        rc = keytab_row(&k->t, args, r, &id, &added);
        if (!rc)
            rc = tk_count(k, id, 1);
        agg_hold(b, tk_mem(k) - mem);
        if (rc)
            return rc;
    });
    return 0;
}

static int tk_merge(const struct agg_bind *b, void *dst, const void *src)
{
    const struct tk *s = *(struct tk *const *)src;
    struct tk *d;
    uint32_t *ids;
    int rc;
    if (!s || !s->t.n)
        return 0;
    if ((rc = tk_get(b, dst, &d)))
        return rc;
    if (!(ids = malloc((size_t)s->t.n * sizeof(*ids))))
        return -ENOMEM;
    int64_t mem = tk_mem(d);
    rc = keytab_merge(&d->t, &s->t, ids);
    for (uint32_t i = 0; i < s->t.n && !rc; i++)
        rc = tk_count(d, ids[i], s->counts[i]);
    agg_hold(b, tk_mem(d) - mem);
    free(ids);
    return rc;
}

struct tk_rank {
    uint64_t count;
    uint32_t id;
};

static int rank_cmp(const void *a, const void *b)
{
    const struct tk_rank *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int tk_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    const struct tk_cfg *c = b->cfg;
    const struct tk *k = *(struct tk *const *)state;
    uint32_t n = k ? k->t.n : 0;
    struct tk_rank *rank = malloc((n ? n : 1) * sizeof(*rank));
    int rc = rank ? col_reserve(out, out->n + 1) : -ENOMEM;
    for (uint32_t i = 0; i < n && !rc; i++)
        rank[i] = (struct tk_rank){k->counts[i], i};
    if (!rc && n)
        qsort(rank, n, sizeof(*rank), rank_cmp);
    uint32_t top = n < c->k ? n : (uint32_t)c->k;
    for (uint32_t i = 0; i < top && !rc; i++)
        rc = keytab_emit(&k->t, rank[i].id, rank[i].id + 1, &out->child);
    if (!rc)
        rc = col_arr_end(out);
    free(rank);
    return rc;
}

static int tk_save(const struct agg_bind *b, const void *state, struct buf *out)
{
    (void)b;
    const struct tk *k = *(struct tk *const *)state;
    uint32_t zero = 0;
    if (!k)
        return buf_append(out, &zero, 4);
    int rc = keytab_save(&k->t, out);
    return rc ? rc : buf_append(out, k->counts, (size_t)k->t.n * sizeof(uint64_t));
}

static int tk_load(const struct agg_bind *b, void *state, const void *p, size_t n)
{
    struct tk *k;
    uint32_t count;
    size_t used;
    int rc = tk_get(b, state, &k);
    if (rc || n < 4 || k->t.n)
        return rc ? rc : ERR_CORRUPT;
    memcpy(&count, p, 4);
    int64_t mem = tk_mem(k);
    rc = keytab_load(&k->t, p, n, &used);
    /* every saved value once, so that ids are the saved order */
    if (!rc && (k->t.n != count || n - used != (size_t)count * sizeof(uint64_t)))
        rc = ERR_CORRUPT;
    if (!rc && count)
        rc = tk_count(k, count - 1, 0);
    if (!rc && count)
        memcpy(k->counts, (const char *)p + used, (size_t)count * sizeof(uint64_t));
    agg_hold(b, tk_mem(k) - mem);
    return rc;
}

static int tk_bind(struct agg_bind *b)
{
    uint64_t k = 10, with_count = 0;
    int rc;
    if (b->nparams > 2)
        return agg_bind_fail(b, -1, "top_k takes at most two parameters: k and with_count");
    if (b->nparams && (rc = agg_param_u64(b, 0, "k", &k)))
        return rc;
    if (b->nparams > 1 && (rc = agg_param_u64(b, 1, "with_count", &with_count)))
        return rc;
    if (with_count) /* Proton's [(value, count)] needs tuples */
        return agg_bind_fail(b, (int)b->nargs + 1,
                             "top_k with_count needs tuples, which are not supported: "
                             "top_k returns the values only");
    if (k == 0 || k > TOPK_MAX)
        return agg_bind_fail(b, (int)b->nargs, "k of top_k must be in [1, %d]", TOPK_MAX);
    struct ty t = b->arg_ty[0];
    t.nullable = 0;
    if (agg_cls(t) == AGG_NONE && t.kind != TY_NOTHING) {
        char tn[TY_MAX_NAME];
        ty_name(b->arg_ty[0], tn);
        return agg_bind_fail(b, 0, "top_k cannot take a value of type %s", tn);
    }
    if ((rc = agg_cfg_new(b, sizeof(struct tk_cfg))))
        return rc;
    struct tk_cfg *c = b->cfg;
    c->k = k;
    c->ty = t;
    if (t.kind == TY_NOTHING) /* only NULLs: always [] */
        t.nullable = 1;
    b->ret = ty_array_of(t);
    b->flags |= AGG_OWN_NULLS;
    b->ops = (struct agg_ops){sizeof(struct tk *), tk_init, tk_add, tk_merge, tk_finalize,
                              tk_destroy, tk_save, tk_load};
    return 0;
}

const struct agg_fn agg_collect_fns[] = {
    {"group_array", 1, 1, 1, ga_bind},
    {"top_k", 1, 1, 2, tk_bind},
};
const size_t agg_collect_fns_n = sizeof(agg_collect_fns) / sizeof(agg_collect_fns[0]);
