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
 * A state is a pointer to a key table (exec/keytab.h) made on the first
 * row, so a group that never sees a value costs 8 bytes. Values compare
 * bit for bit, as GROUP BY keys do.
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

static void dist_init(const struct agg_bind *b, void *state)
{
    (void)b;
    *(struct keytab **)state = NULL;
}

static void dist_destroy(const struct agg_bind *b, void *state)
{
    struct keytab *t = *(struct keytab **)state;
    if (!t)
        return;
    agg_hold(b, -(int64_t)(t->mem + sizeof(*t)));
    keytab_free(t);
    free(t);
    *(struct keytab **)state = NULL;
}

/* The state's table, made when missing. */
static int table(const struct agg_bind *b, void *state, struct keytab **out)
{
    struct keytab **pt = state;
    if (!*pt) {
        const struct distinct_cfg *c = b->cfg;
        struct keytab *t = malloc(sizeof(*t));
        if (!t)
            return -ENOMEM;
        keytab_init(t, c->types, b->nargs);
        agg_hold(b, sizeof(*t));
        *pt = t;
    }
    *out = *pt;
    return 0;
}

static int dist_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                    const uint32_t *rows, uint32_t n)
{
    struct keytab *t;
    uint32_t id;
    int added, rc;
    AGG_EACH(states, rows, n, {
        if (agg_any_null(args, b->nargs, r))
            continue;
        if ((rc = table(b, st, &t)))
            return rc;
        size_t mem = t->mem;
        rc = keytab_row(t, args, r, &id, &added);
        agg_hold(b, (int64_t)t->mem - (int64_t)mem);
        if (rc)
            return rc;
    });
    return 0;
}

static int dist_merge(const struct agg_bind *b, void *dst, const void *src)
{
    const struct keytab *s = *(struct keytab *const *)src;
    struct keytab *t;
    int rc;
    if (!s || !s->n)
        return 0;
    if ((rc = table(b, dst, &t)))
        return rc;
    size_t mem = t->mem;
    rc = keytab_merge(t, s, NULL);
    agg_hold(b, (int64_t)t->mem - (int64_t)mem);
    return rc;
}

static int dist_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    (void)b;
    const struct keytab *t = *(struct keytab *const *)state;
    uint64_t n = t ? t->n : 0;
    return col_push_fixed(out, &n);
}

static int dist_save(const struct agg_bind *b, const void *state, struct buf *out)
{
    (void)b;
    const struct keytab *t = *(struct keytab *const *)state;
    uint32_t zero = 0;
    return t ? keytab_save(t, out) : buf_append(out, &zero, 4);
}

static int dist_load(const struct agg_bind *b, void *state, const void *p, size_t n)
{
    struct keytab *t;
    size_t used;
    int rc = table(b, state, &t);
    if (rc)
        return rc;
    size_t mem = t->mem;
    rc = keytab_load(t, p, n, &used);
    agg_hold(b, (int64_t)t->mem - (int64_t)mem);
    return rc ? rc : used == n ? 0 : ERR_CORRUPT;
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
    b->ops = (struct agg_ops){sizeof(struct keytab *), dist_init, dist_add, dist_merge,
                              dist_finalize, dist_destroy, dist_save, dist_load};
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
