/*
 * op_distinct.c — SELECT DISTINCT: the first occurrence of each row, in
 * input order.
 *
 * Every distinct row seen so far is kept in a key table (exec/keytab.h)
 * over all columns, whose memory is charged to the query; a block is
 * passed untouched when all its rows are new, copied down to its new rows
 * otherwise. Rows compare bit for bit, NULL equal to NULL, as GROUP BY
 * keys do.
 */
#include <errno.h>
#include <stdlib.h>

#include "exec/keytab.h"
#include "exec/op.h"
#include "exec/op_impl.h"

struct distinct {
    struct op op;
    struct ty *types;      /* the first block's, for the table */
    uint32_t ncols;
    struct keytab seen;
    int started;
    size_t charged;
};

/* Charge what the table holds now. */
static int charge(struct distinct *d)
{
    int64_t delta = (int64_t)d->seen.mem - (int64_t)d->charged;
    int rc = op_ctx_charge(d->op.ctx, delta);
    if (!rc)
        d->charged = d->seen.mem;
    return rc;
}

static int start(struct distinct *d, const struct blk *b)
{
    d->types = malloc((b->ncols ? b->ncols : 1) * sizeof(*d->types));
    if (!d->types)
        return -ENOMEM;
    for (uint32_t i = 0; i < b->ncols; i++)
        d->types[i] = b->cols[i].ty;
    d->ncols = b->ncols;
    keytab_init(&d->seen, d->types, d->ncols);
    d->started = 1;
    return 0;
}

static int distinct_push(struct op *o, struct blk *b)
{
    struct distinct *d = (struct distinct *)o;
    const struct col **cols = NULL;
    uint32_t *ids = NULL, n = 0;
    struct blk *out = NULL;
    int rc;

    if (!b->nrows)
        return 0;
    if (!d->started && (rc = start(d, b)))
        return rc;
    cols = malloc((b->ncols ? b->ncols : 1) * sizeof(*cols));
    ids = malloc((size_t)b->nrows * sizeof(*ids));
    if (!cols || !ids) {
        rc = -ENOMEM;
        goto done;
    }
    for (uint32_t i = 0; i < b->ncols; i++)
        cols[i] = &b->cols[i];
    uint32_t next = d->seen.n;
    rc = keytab_rows(&d->seen, cols, b->nrows, ids);
    if (!rc)
        rc = charge(d);
    if (rc)
        goto done;
    /* ids are given in row order: a row is new when it takes the next id */
    for (uint32_t r = 0; r < b->nrows; r++)
        if (ids[r] == next) {
            ids[n++] = r;
            next++;
        }
    if (n == b->nrows)
        rc = op_push(o->next, b);
    else if (n && !(rc = op_gather(b, ids, 0, n, &out)))
        rc = op_push(o->next, out);
done:
    blk_unref(out);
    free(cols);
    free(ids);
    return rc;
}

static void release(struct distinct *d)
{
    keytab_free(&d->seen);
    op_ctx_charge(d->op.ctx, -(int64_t)d->charged);
    d->charged = 0;
}

static int distinct_finish(struct op *o)
{
    release((struct distinct *)o);
    return op_finish(o->next);
}

static void distinct_destroy(struct op *o)
{
    struct distinct *d = (struct distinct *)o;
    release(d);
    free(d->types);
    free(d);
}

static const struct op_vt distinct_vt = {distinct_push, distinct_finish, distinct_destroy, NULL};

int op_distinct_create(struct op_ctx *ctx, struct op *next, struct op **out)
{
    struct distinct *d = calloc(1, sizeof(*d));
    if (!d) {
        op_destroy(next); /* ours, also on failure */
        return -ENOMEM;
    }
    d->op = (struct op){&distinct_vt, next, ctx};
    *out = &d->op;
    return 0;
}
