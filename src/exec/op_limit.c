/*
 * op_limit.c — LIMIT and OFFSET without ORDER BY: skip offset rows, pass
 * limit rows, then answer OP_DONE so the driver stops the source.
 *
 * Whole blocks pass untouched; only a block cut by the offset or by the
 * limit is copied. limit is a row count (LIMIT 0 passes nothing);
 * UINT64_MAX stands for no limit (OFFSET alone).
 */
#include <errno.h>
#include <stdlib.h>

#include "exec/op.h"
#include "exec/op_impl.h"

struct limit {
    struct op op;
    uint64_t limit, offset;
    uint64_t skipped, passed;
    int done;
};

static int limit_push(struct op *o, struct blk *b)
{
    struct limit *l = (struct limit *)o;
    struct blk *part = NULL;
    int rc = 0;

    if (l->done || l->passed >= l->limit) {
        l->done = 1;
        return OP_DONE;
    }
    uint64_t skip = l->offset - l->skipped;
    if (skip > b->nrows)
        skip = b->nrows;
    l->skipped += skip;
    uint64_t take = b->nrows - skip;
    if (take > l->limit - l->passed)
        take = l->limit - l->passed;
    if (take == b->nrows)
        rc = op_push(o->next, b);
    else if (take && !(rc = op_gather(b, NULL, (uint32_t)skip, (uint32_t)take, &part)))
        rc = op_push(o->next, part);
    blk_unref(part);
    if (rc < 0)
        return rc;
    l->passed += take;
    if (rc == OP_DONE || l->passed >= l->limit) {
        l->done = 1;
        return OP_DONE;
    }
    return 0;
}

static int limit_finish(struct op *o)
{
    return op_finish(o->next);
}

static void limit_destroy(struct op *o)
{
    free(o);
}

static const struct op_vt limit_vt = {limit_push, limit_finish, limit_destroy, NULL};

int op_limit_create(struct op_ctx *ctx, uint64_t limit, uint64_t offset, struct op *next,
                    struct op **out)
{
    struct limit *l = calloc(1, sizeof(*l));
    if (!l) {
        op_destroy(next); /* ours, also on failure */
        return -ENOMEM;
    }
    l->op = (struct op){&limit_vt, next, ctx};
    l->limit = limit;
    l->offset = offset;
    *out = &l->op;
    return 0;
}
