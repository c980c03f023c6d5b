/*
 * agg_distinct.c — the number of distinct values (tuples of values with
 * several arguments): count_distinct, unique, unique_exact, uniq,
 * uniq_exact.
 *
 * All of them are exact here. Proton's unique (ClickHouse's uniq) is an
 * approximation that is exact for small sets; answering exactly keeps the
 * result the same whatever the data size, at the price of memory, which
 * max_memory_usage bounds. Rows with a NULL argument are not counted and
 * the result is never NULL (ClickHouse's uniq family), so the function
 * skips NULLs itself (AGG_OWN_NULLS).
 *
 * A state is a pointer to a set (struct cset) made on the first row, so
 * a group that never sees a value costs 8 bytes: a key table of the
 * values (exec/keytab.h) and how many rows hold each, so that a mutable
 * stream's changelog can retract a row (a value counts while some row
 * holds it). Values compare bit for bit, as GROUP BY keys do.
 * Checkpoints are the key table, then the counts.
 *
 * The same state makes DISTINCT for any aggregate (sum(DISTINCT x),
 * avg(DISTINCT x), group_array(DISTINCT x)): agg_make_distinct wraps a
 * bound aggregate so that its states collect the distinct tuples, and
 * finalize runs the aggregate once over them (no retract: the inner
 * aggregate's result is not kept per value).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/agg_impl.h"
#include "exec/func_list.h"
#include "exec/keytab.h"
#include "util/err.h"

struct distinct_cfg {
    struct agg_cfg held;
    struct ty types[FN_MAX_ARGS]; /* the arguments' types without NULL */
};

/* ---- count_distinct and the uniq family: values with their row counts -- */

struct cset {
    struct keytab t;
    int64_t *cnt;  /* per value id: rows holding it */
    uint32_t cap;
    uint64_t live; /* values with cnt > 0: the result */
};

static void dist_init(const struct agg_bind *b, void *state)
{
    (void)b;
    *(struct cset **)state = NULL;
}

static void cset_destroy(const struct agg_bind *b, void *state)
{
    struct cset *cs = *(struct cset **)state;
    if (!cs)
        return;
    agg_hold(b, -(int64_t)(cs->t.mem + sizeof(*cs) + (size_t)cs->cap * sizeof(*cs->cnt)));
    keytab_free(&cs->t);
    free(cs->cnt);
    free(cs);
    *(struct cset **)state = NULL;
}

static int cset_get(const struct agg_bind *b, void *state, struct cset **out)
{
    struct cset **pc = state;
    if (!*pc) {
        const struct distinct_cfg *c = b->cfg;
        struct cset *cs = calloc(1, sizeof(*cs));
        if (!cs)
            return -ENOMEM;
        keytab_init(&cs->t, c->types, b->nargs);
        agg_hold(b, sizeof(*cs));
        *pc = cs;
    }
    *out = *pc;
    return 0;
}

/* Value id of cs gains delta rows. */
static int cset_bump(const struct agg_bind *b, struct cset *cs, uint32_t id, int64_t delta)
{
    if (id >= cs->cap) {
        uint32_t cap = cs->cap ? cs->cap * 2 : 8;
        while (cap <= id)
            cap *= 2;
        int64_t *c = realloc(cs->cnt, (size_t)cap * sizeof(*c));
        if (!c)
            return -ENOMEM;
        memset(c + cs->cap, 0, (size_t)(cap - cs->cap) * sizeof(*c));
        agg_hold(b, (int64_t)(cap - cs->cap) * (int64_t)sizeof(*c));
        cs->cnt = c;
        cs->cap = cap;
    }
    int64_t was = cs->cnt[id], now = was + delta;
    cs->cnt[id] = now;
    cs->live += (uint64_t)((was <= 0 && now > 0) - (was > 0 && now <= 0));
    return 0;
}

static int cset_rows(const struct agg_bind *b, void *const *states, const struct col *const *args,
                     const uint32_t *rows, uint32_t n, int64_t delta)
{
    struct cset *cs;
    uint32_t id;
    int added, rc;
    AGG_EACH(states, rows, n, {
        if (agg_any_null(args, b->nargs, r))
            continue;
        if ((rc = cset_get(b, st, &cs)))
            return rc;
        size_t mem = cs->t.mem;
        rc = keytab_row(&cs->t, args, r, &id, &added);
        agg_hold(b, (int64_t)cs->t.mem - (int64_t)mem);
        if (rc || (rc = cset_bump(b, cs, id, delta)))
            return rc;
    });
    return 0;
}

static int cset_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                    const uint32_t *rows, uint32_t n)
{
    return cset_rows(b, states, args, rows, n, 1);
}

static int cset_retract(const struct agg_bind *b, void *const *states,
                        const struct col *const *args, const uint32_t *rows, uint32_t n)
{
    return cset_rows(b, states, args, rows, n, -1);
}

static int cset_merge(const struct agg_bind *b, void *dst, const void *src)
{
    const struct cset *s = *(struct cset *const *)src;
    struct cset *d;
    uint32_t *ids;
    int rc;
    if (!s || !s->t.n)
        return 0;
    if ((rc = cset_get(b, dst, &d)))
        return rc;
    if (!(ids = malloc((size_t)s->t.n * sizeof(*ids))))
        return -ENOMEM;
    size_t mem = d->t.mem;
    rc = keytab_merge(&d->t, &s->t, ids);
    agg_hold(b, (int64_t)d->t.mem - (int64_t)mem);
    for (uint32_t i = 0; i < s->t.n && !rc; i++)
        rc = cset_bump(b, d, ids[i], i < s->cap ? s->cnt[i] : 0);
    free(ids);
    return rc;
}

static int cset_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    (void)b;
    const struct cset *cs = *(struct cset *const *)state;
    uint64_t n = cs ? cs->live : 0;
    return col_push_fixed(out, &n);
}

/* The key table (keytab_save), then an int64 count per value. */
static int cset_save(const struct agg_bind *b, const void *state, struct buf *out)
{
    (void)b;
    const struct cset *cs = *(struct cset *const *)state;
    uint32_t zero = 0;
    int rc = cs ? keytab_save(&cs->t, out) : buf_append(out, &zero, 4);
    for (uint32_t i = 0; cs && i < cs->t.n && !rc; i++) {
        int64_t c = i < cs->cap ? cs->cnt[i] : 0;
        rc = buf_append(out, &c, sizeof(c));
    }
    return rc;
}

static int cset_load(const struct agg_bind *b, void *state, const void *p, size_t n)
{
    struct cset *cs;
    size_t used;
    int rc = cset_get(b, state, &cs);
    if (rc)
        return rc;
    size_t mem = cs->t.mem;
    uint32_t had = cs->t.n;
    rc = keytab_load(&cs->t, p, n, &used);
    agg_hold(b, (int64_t)cs->t.mem - (int64_t)mem);
    if (rc)
        return rc;
    struct agg_rd rd = {(const unsigned char *)p + used, n - used};
    for (uint32_t i = had; i < cs->t.n && !rc; i++) {
        int64_t c;
        if (!(rc = agg_rd_take(&rd, &c, sizeof(c))))
            rc = cset_bump(b, cs, i, c);
    }
    return rc ? rc : agg_rd_end(&rd);
}

static int dist_bind(struct agg_bind *b)
{
    int rc = agg_cfg_new(b, sizeof(struct distinct_cfg));
    if (rc)
        return rc;
    struct distinct_cfg *c = b->cfg;
    for (uint32_t i = 0; i < b->nargs; i++) {
        c->types[i] = b->arg_ty[i];
        c->types[i].nullable = 0;
        if (agg_cls(c->types[i]) == AGG_NONE && c->types[i].kind != TY_NOTHING &&
            c->types[i].kind != TY_ARRAY) { /* arrays: keytab encodes them */
            char tn[TY_MAX_NAME];
            ty_name(b->arg_ty[i], tn);
            return agg_bind_fail(b, (int)i, "cannot count distinct values of type %s", tn);
        }
    }
    b->ret = (struct ty){TY_UINT64, 0, 0};
    b->flags |= AGG_OWN_NULLS;
    b->ops = (struct agg_ops){sizeof(struct cset *), dist_init, cset_add, cset_merge,
                              cset_finalize, cset_destroy, cset_save, cset_load, NULL,
                              cset_retract};
    return 0;
}

/* ---- f(DISTINCT x): any aggregate over the distinct values ----------- */

/* A distinct count's cfg (the key table's types), then the wrapped
 * aggregate's binding, kept whole. */
struct dwrap_cfg {
    struct distinct_cfg base;
    struct agg_bind inner;
};

static void dwrap_cfg_free(void *p)
{
    struct dwrap_cfg *c = p;
    if (c && c->inner.cfg_free)
        c->inner.cfg_free(c->inner.cfg);
    free(c);
}

/* The inner aggregate run once over the distinct tuples. */
static int dwrap_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    const struct dwrap_cfg *c = b->cfg;
    const struct agg_bind *in = &c->inner;
    const struct cset *cs = *(struct cset *const *)state;
    const struct keytab *t = cs ? &cs->t : NULL;
    uint32_t n = t ? t->n : 0;
    struct blk *vals = NULL;
    void **states = NULL;
    char *st = calloc(1, in->ops.state_size ? in->ops.state_size : 1);
    int rc = st ? blk_create(c->base.types, b->nargs, &vals) : -ENOMEM;
    if (rc)
        goto out;
    in->ops.init(in, st);
    if (n) {
        struct col *cols[FN_MAX_ARGS];
        for (uint32_t i = 0; i < b->nargs; i++)
            cols[i] = &vals->cols[i];
        if ((rc = keytab_emit(t, 0, n, cols)) || (rc = blk_seal(vals)))
            goto done;
        if (!(states = malloc((size_t)n * sizeof(*states)))) {
            rc = -ENOMEM;
            goto done;
        }
        for (uint32_t i = 0; i < n; i++)
            states[i] = st;
        const struct col *args[FN_MAX_ARGS];
        for (uint32_t i = 0; i < b->nargs; i++)
            args[i] = &vals->cols[i];
        if ((rc = in->ops.add(in, states, args, NULL, n)))
            goto done;
    }
    rc = in->ops.finalize(in, st, out);
done:
    if (in->ops.destroy)
        in->ops.destroy(in, st);
out:
    free(states);
    free(st);
    blk_unref(vals);
    return rc;
}

int agg_make_distinct(struct agg_bind *b)
{
    struct dwrap_cfg *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    for (uint32_t i = 0; i < b->nargs; i++) {
        c->base.types[i] = b->arg_ty[i];
        c->base.types[i].nullable = 0;
        if (agg_cls(c->base.types[i]) == AGG_NONE && c->base.types[i].kind != TY_ARRAY) {
            char tn[TY_MAX_NAME];
            free(c);
            ty_name(b->arg_ty[i], tn);
            return agg_bind_fail(b, (int)i, "DISTINCT cannot compare values of type %s", tn);
        }
    }
    c->inner = *b;
    b->cfg = c;
    b->cfg_free = dwrap_cfg_free;
    b->flags = AGG_HELD | AGG_OWN_NULLS; /* NULL tuples are not values */
    b->ops = (struct agg_ops){sizeof(struct cset *), dist_init, cset_add, cset_merge,
                              dwrap_finalize, cset_destroy, cset_save, cset_load};
    return 0;
}

const struct agg_fn agg_distinct_fns[] = {
    {"count_distinct", 1, FN_MAX_ARGS, 0, dist_bind},
    {"unique", 1, FN_MAX_ARGS, 0, dist_bind},
    {"unique_exact", 1, FN_MAX_ARGS, 0, dist_bind},
    {"uniq", 1, FN_MAX_ARGS, 0, dist_bind},
    {"uniq_exact", 1, FN_MAX_ARGS, 0, dist_bind},
};
const size_t agg_distinct_fns_n = sizeof(agg_distinct_fns) / sizeof(agg_distinct_fns[0]);
