/*
 * op_insert.c — the INSERT sink and the pipeline driver (exec/run.h).
 *
 * The sink appends each block it receives to the target stream's log, as
 * ingest does, so an INSERT ... SELECT of fifty million rows becomes a
 * few thousand records in the same group-committed log.
 */
#include <errno.h>
#include <stdlib.h>

#include "exec/run.h"
#include "util/err.h"

struct op_ins {
    struct op base;
    struct eng_stream *s;
    uint64_t *rows;
    uint64_t appended;
};

static int ins_push(struct op *o, struct blk *b)
{
    struct op_ins *in = (struct op_ins *)o;
    const struct schema *sc = in->s->schema;
    if (b->nrows == 0)
        return 0;
    if (b->ncols != sc->ncols)
        return op_ctx_fail(o->ctx, -EINVAL, "insert into %s: %u columns for %u", sc->name,
                           b->ncols, sc->ncols);
    if (atomic_load(&in->s->dropped))
        return op_ctx_fail(o->ctx, -ENOENT, "stream %s was dropped", sc->name);
    int rc = log_append(in->s->log, b, NULL);
    if (rc)
        return op_ctx_fail(o->ctx, rc, "cannot append to %s: %s", sc->name, err_str(rc));
    eng_stream_accepted(in->s, b->nrows, 0);
    in->appended += b->nrows;
    if (in->rows)
        *in->rows = in->appended;
    return 0;
}

static int ins_finish(struct op *o)
{
    struct op_ins *in = (struct op_ins *)o;
    enum sch_fsync f = in->s->schema->fsync;
    int rc = 0;
    if (f == SCH_FSYNC_CLOSE || f == SCH_FSYNC_ALWAYS)
        rc = log_sync(in->s->log);
    else if (f == SCH_FSYNC_INTERVAL)
        eng_sync_later(in->s);
    if (rc)
        return op_ctx_fail(o->ctx, rc, "cannot sync %s: %s", in->s->schema->name, err_str(rc));
    return o->next ? op_finish(o->next) : 0;
}

static void ins_destroy(struct op *o)
{
    struct op_ins *in = (struct op_ins *)o;
    eng_stream_put(in->s);
    free(in);
}

static const struct op_vt ins_vt = {ins_push, ins_finish, ins_destroy, NULL};

int op_insert_create(struct op_ctx *ctx, struct eng_stream *s, uint64_t *rows, struct op **out)
{
    struct op_ins *in = calloc(1, sizeof(*in));
    if (!in)
        return -ENOMEM;
    in->base.vt = &ins_vt;
    in->base.ctx = ctx;
    atomic_fetch_add(&s->refs, 1);
    in->s = s;
    in->rows = rows;
    if (rows)
        *rows = 0;
    *out = &in->base;
    return 0;
}

int op_drive(struct src *src, struct op *head, struct op_ctx *ctx)
{
    int rc;
    for (;;) {
        struct blk *b;
        if (atomic_load(&ctx->cancelled))
            return op_ctx_fail(ctx, -ECANCELED, "cancelled");
        if ((rc = src_next(src, &b)))
            return ctx->err[0] ? rc : op_ctx_fail(ctx, rc, "cannot read: %s", err_str(rc));
        if (!b)
            break;
        ctx->rows_read += b->nrows;
        rc = op_push(head, b);
        blk_unref(b);
        if (rc == OP_DONE)
            break;
        if (rc)
            return ctx->err[0] ? rc : op_ctx_fail(ctx, rc, "%s", err_str(rc));
    }
    rc = op_finish(head);
    if (rc && rc != OP_DONE)
        return ctx->err[0] ? rc : op_ctx_fail(ctx, rc, "%s", err_str(rc));
    return 0;
}
