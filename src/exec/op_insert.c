/*
 * op_insert.c — the INSERT sink and the pipeline driver (exec/run.h).
 *
 * The sink appends each block it receives to the target stream's log, as
 * ingest does, so an INSERT ... SELECT of fifty million rows becomes a
 * few thousand records in the same group-committed log. Into a mutable
 * stream it first collapses the statement's rows by primary key (a
 * memtable of store/kv.h) and appends only the newest row of each key,
 * when the statement ends or the memtable passes its budget.
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
    struct kv_mt *mt;            /* mutable target: this statement's rows, collapsed by key */
    struct buf k, v;
};

#define COLLAPSE_BUDGET (64u << 20)
#define DRAIN_ROWS 8192

/* Append one built block to the target and count it. */
static int append(struct op_ins *in, struct blk *b)
{
    const struct schema *sc = in->s->schema;
    int rc = eng_stream_append(in->s, b, NULL);
    if (rc)
        return op_ctx_fail(in->base.ctx, rc, "cannot append to %s: %s", sc->name, err_str(rc));
    eng_stream_accepted(in->s, b->nrows, 0);
    if (!in->s->kv) /* a mutable target counts the rows given (collapse) */
        in->appended += b->nrows;
    if (in->rows)
        *in->rows = in->appended;
    return 0;
}

/* A mutable target: the newest row of each key the statement gave goes to
 * the log (and the key table), in blocks; older rows of a key within one
 * statement are never seen by anyone, so they need not be written. */
static int drain(struct op_ins *in)
{
    const struct schema *sc = in->s->schema;
    struct ty *types = NULL;
    struct blk *b = NULL;
    size_t pos = 0, kn, vn;
    const uint8_t *k, *v;
    int del, rc;
    if (!kv_mt_count(in->mt))
        return 0;
    if ((rc = sch_types(sc, &types)) || (rc = blk_create(types, sc->ncols, &b)))
        goto out;
    while (kv_mt_next(in->mt, &pos, &k, &kn, &v, &vn, &del) == 0) {
        if ((rc = kv_decode_full(sc, k, kn, v, vn, del, b)))
            goto out;
        if (b->cols[0].n >= DRAIN_ROWS) {
            if ((rc = blk_seal(b)) || (rc = append(in, b)))
                goto out;
            blk_clear(b);
        }
    }
    if (b->cols[0].n && !(rc = blk_seal(b)))
        rc = append(in, b);
    kv_mt_clear(in->mt);
out:
    blk_unref(b);
    free(types);
    return rc;
}

static int collapse(struct op_ins *in, const struct blk *b)
{
    const struct schema *sc = in->s->schema;
    int rc = 0, del;
    if (!in->mt && (rc = kv_mt_create(&in->mt)))
        return rc;
    for (uint32_t i = 0; i < b->nrows && !rc; i++) {
        in->k.len = 0;
        in->v.len = 0;
        if ((rc = kv_encode_row(sc, b, i, &in->k, &in->v, &del)))
            break;
        const uint8_t *kp = (const uint8_t *)in->k.data, *vp = (const uint8_t *)in->v.data;
        rc = kv_mt_put(in->mt, kp, in->k.len, kv_hash(kp, in->k.len), vp, in->v.len, del);
    }
    if (!rc) {
        in->appended += b->nrows;
        if (in->rows)
            *in->rows = in->appended;
    }
    if (!rc && kv_mt_bytes(in->mt) > COLLAPSE_BUDGET)
        rc = drain(in);
    return rc;
}

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
    if (in->s->kv) {
        int rc = collapse(in, b);
        return rc && !o->ctx->err[0] ? op_ctx_fail(o->ctx, rc, "insert into %s: %s", sc->name,
                                                   err_str(rc))
                                     : rc;
    }
    return append(in, b);
}

static int ins_finish(struct op *o)
{
    struct op_ins *in = (struct op_ins *)o;
    enum sch_fsync f = in->s->schema->fsync;
    int rc = in->mt ? drain(in) : 0;
    if (rc)
        return o->ctx->err[0] ? rc : op_ctx_fail(o->ctx, rc, "%s", err_str(rc));
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
    kv_mt_destroy(in->mt);
    buf_free(&in->k);
    buf_free(&in->v);
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
