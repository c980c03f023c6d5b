/*
 * op_project.c — the SELECT list: one output column per expression.
 *
 * A column reference costs nothing: the output block borrows the input's
 * column (blk_borrow_col keeps the input block alive), so `SELECT a, b`
 * copies no value. Computed columns are adopted from the evaluator
 * without a copy either. The rows keep where their writes end (a window
 * over a subquery moves its watermark per write too).
 */
#include <errno.h>
#include <stdlib.h>

#include "exec/op.h"
#include "exec/op_impl.h"

struct project {
    struct op op;
    struct xpr **exprs;
    uint32_t n;
    struct ty *types;
};

static int project_push(struct op *o, struct blk *b)
{
    struct project *p = (struct project *)o;
    struct blk *out = NULL;
    int rc;

    if (!b->nrows)
        return 0;
    if ((rc = blk_create(p->types, p->n, &out)))
        return rc;
    for (uint32_t i = 0; i < p->n; i++) {
        struct col *c;
        int owned;
        if ((rc = xpr_eval(p->exprs[i], &o->ctx->fn, b, &c, &owned))) {
            rc = op_eval_failed(o->ctx, rc);
            goto done;
        }
        if (!owned) {
            rc = blk_borrow_col(out, i, b, p->exprs[i]->col);
        } else {
            blk_adopt_col(out, i, c);
            col_delete(c);
        }
        if (rc)
            goto done;
    }
    if ((rc = blk_seal(out)))
        goto done;
    out->nrows = b->nrows;
    if ((rc = blk_keep_write_ends(out, b, NULL, b->nrows)))
        goto done;
    rc = op_push(o->next, out);
done:
    blk_unref(out);
    return rc;
}

static int project_finish(struct op *o)
{
    return op_finish(o->next);
}

static void project_destroy(struct op *o)
{
    struct project *p = (struct project *)o;
    for (uint32_t i = 0; i < p->n; i++)
        xpr_destroy(p->exprs[i]);
    free(p->exprs);
    free(p->types);
    free(p);
}

static const struct op_vt project_vt = {project_push, project_finish, project_destroy, NULL};

int op_project_create(struct op_ctx *ctx, struct xpr **exprs, uint32_t n, struct op *next,
                      struct op **out)
{
    struct project *p = calloc(1, sizeof(*p));
    struct ty *types = malloc((n ? n : 1) * sizeof(*types));
    if (!p || !types) { /* what was given is ours, also on failure */
        for (uint32_t i = 0; i < n; i++)
            xpr_destroy(exprs[i]);
        free(exprs);
        free(p);
        free(types);
        op_destroy(next);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        types[i] = exprs[i]->ty;
    p->op = (struct op){&project_vt, next, ctx};
    p->exprs = exprs;
    p->n = n;
    p->types = types;
    *out = &p->op;
    return 0;
}
