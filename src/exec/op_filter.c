/*
 * op_filter.c — WHERE and HAVING: the rows where the condition is true
 * (not NULL and not zero).
 *
 * A block whose rows all pass goes on untouched (no copy), one where none
 * passes goes nowhere, and anything between becomes a new block of the
 * passing rows (keeping where the writes they came from end). The filter
 * holds nothing between blocks.
 */
#include <errno.h>
#include <stdlib.h>

#include "exec/op.h"
#include "exec/op_impl.h"

struct filter {
    struct op op;
    struct xpr *cond;
};

static int filter_push(struct op *o, struct blk *b)
{
    struct filter *f = (struct filter *)o;
    struct col *c = NULL;
    uint32_t *rows = NULL, n = 0;
    struct blk *out = NULL;
    int owned = 0, rc;

    if (!b->nrows)
        return 0;
    if ((rc = xpr_eval(f->cond, &o->ctx->fn, b, &c, &owned)))
        return op_eval_failed(o->ctx, rc);
    rc = xpr_select(c, b->nrows, &rows, &n);
    if (owned)
        col_delete(c);
    if (rc)
        return op_ctx_fail(o->ctx, rc, "WHERE condition is not a bool");
    if (n == b->nrows)
        rc = op_push(o->next, b);
    else if (n && !(rc = op_gather(b, rows, 0, n, &out)) &&
             !(rc = blk_keep_write_ends(out, b, rows, n)))
        rc = op_push(o->next, out);
    blk_unref(out);
    free(rows);
    return rc;
}

static int filter_finish(struct op *o)
{
    return op_finish(o->next);
}

static void filter_destroy(struct op *o)
{
    struct filter *f = (struct filter *)o;
    xpr_destroy(f->cond);
    free(f);
}

static const struct op_vt filter_vt = {filter_push, filter_finish, filter_destroy, NULL};

int op_filter_create(struct op_ctx *ctx, struct xpr *cond, struct op *next, struct op **out)
{
    struct filter *f = calloc(1, sizeof(*f));
    if (!f) { /* what was given is ours, also on failure */
        xpr_destroy(cond);
        op_destroy(next);
        return -ENOMEM;
    }
    f->op = (struct op){&filter_vt, next, ctx};
    f->cond = cond;
    *out = &f->op;
    return 0;
}
