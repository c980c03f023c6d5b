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
#include <pthread.h>
#include <stdlib.h>

#include "exec/run.h"
#include "util/err.h"

#define QLEN 4

struct op_ins {
    struct op base;
    struct eng_stream *s;
    uint64_t *rows;
    uint64_t appended;
    struct kv_mt *mt;            /* mutable target: this statement's rows, collapsed by key */
    struct buf k, v;             /* a block's encoded keys and values */
    size_t *off;                 /* their offsets (2 * (cap + 1)) */
    uint64_t *hash;              /* their hashes */
    uint8_t *del;                /* their delete flags */
    uint32_t cap;

    /* the collapse runs on a thread of its own, a few blocks behind the
     * statement's evaluation (two stages on two cores) */
    pthread_t worker;
    int started, stop;
    int werr;                    /* the worker's failure, under qmu */
    pthread_mutex_t qmu;         /* guards q, qn, stop, werr */
    pthread_cond_t qcv;
    struct blk *q[QLEN];
    uint32_t qh, qn;
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
    struct blk *b = NULL;
    size_t pos = 0, kn, vn;
    const uint8_t *k, *v;
    int del, rc;
    if (!kv_mt_count(in->mt))
        return 0;
    if ((rc = sch_block(sc, &b)))
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
    return rc;
}

#define AHEAD 32 /* rows of prefetch distance */

static int collapse(struct op_ins *in, const struct blk *b)
{
    const struct schema *sc = in->s->schema;
    uint32_t n = b->nrows;
    int rc = 0;
    if (!in->mt && (rc = kv_mt_create(&in->mt)))
        return rc;
    if (n > in->cap) {
        free(in->off);
        free(in->hash);
        free(in->del);
        in->off = malloc((size_t)(n + 1) * 2 * sizeof *in->off);
        in->hash = malloc((size_t)n * sizeof *in->hash);
        in->del = malloc(n);
        if (!in->off || !in->hash || !in->del) {
            in->cap = 0;
            return -ENOMEM;
        }
        in->cap = n;
    }
    /* encode every row first (sequential), then put them with the slots
     * and entries of later rows prefetched: the table is far larger than
     * the caches, and each put is otherwise two cache misses */
    size_t *koff = in->off, *voff = in->off + n + 1;
    if ((rc = kv_encode_block(sc, b, &in->k, koff, &in->v, voff, in->del)))
        return rc;
    const uint8_t *kp = (const uint8_t *)in->k.data, *vp = (const uint8_t *)in->v.data;
    for (uint32_t i = 0; i < n; i++)
        in->hash[i] = kv_hash(kp + koff[i], koff[i + 1] - koff[i]);
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (i + AHEAD < n)
            kv_mt_prefetch(in->mt, in->hash[i + AHEAD], 0);
        if (i + AHEAD / 2 < n)
            kv_mt_prefetch(in->mt, in->hash[i + AHEAD / 2], 1);
        rc = kv_mt_put(in->mt, kp + koff[i], koff[i + 1] - koff[i], in->hash[i], vp + voff[i],
                       voff[i + 1] - voff[i], in->del[i]);
    }
    if (!rc && kv_mt_bytes(in->mt) > COLLAPSE_BUDGET)
        rc = drain(in);
    return rc;
}

static void *collapse_main(void *arg)
{
    struct op_ins *in = arg;
    for (;;) {
        pthread_mutex_lock(&in->qmu);
        while (!in->qn && !in->stop)
            pthread_cond_wait(&in->qcv, &in->qmu);
        if (!in->qn) {
            pthread_mutex_unlock(&in->qmu);
            return NULL;
        }
        struct blk *b = in->q[in->qh];
        in->qh = (in->qh + 1) % QLEN;
        in->qn--;
        int failed = in->werr;
        pthread_cond_broadcast(&in->qcv);
        pthread_mutex_unlock(&in->qmu);
        int rc = failed ? 0 : collapse(in, b);
        blk_unref(b);
        if (rc) {
            pthread_mutex_lock(&in->qmu);
            in->werr = rc;
            pthread_cond_broadcast(&in->qcv);
            pthread_mutex_unlock(&in->qmu);
        }
    }
}

/* Hand b to the collapse thread (started on first use); its failure, if
 * it had one. */
static int enqueue(struct op_ins *in, struct blk *b)
{
    int rc;
    if (!in->started) {
        if ((rc = pthread_create(&in->worker, NULL, collapse_main, in)))
            return -rc;
        in->started = 1;
    }
    pthread_mutex_lock(&in->qmu);
    while (in->qn == QLEN && !in->werr)
        pthread_cond_wait(&in->qcv, &in->qmu);
    rc = in->werr;
    if (!rc) {
        blk_ref(b); /* published blocks are immutable: the worker reads it later */
        in->q[(in->qh + in->qn) % QLEN] = b;
        in->qn++;
        pthread_cond_broadcast(&in->qcv);
    }
    pthread_mutex_unlock(&in->qmu);
    return rc;
}

/* Let the collapse thread finish what is queued and end; its failure. */
static int stop_worker(struct op_ins *in)
{
    if (!in->started)
        return 0;
    pthread_mutex_lock(&in->qmu);
    in->stop = 1;
    pthread_cond_broadcast(&in->qcv);
    pthread_mutex_unlock(&in->qmu);
    pthread_join(in->worker, NULL);
    in->started = 0;
    return in->werr;
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
        int rc = enqueue(in, b);
        if (!rc) {
            in->appended += b->nrows;
            if (in->rows)
                *in->rows = in->appended;
        }
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
    int rc = stop_worker(in);
    if (!rc && in->mt)
        rc = drain(in);
    if (!rc && in->s->kv) /* the key table takes the rows now, not at the first read */
        rc = kv_flush(in->s->kv);
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
    stop_worker(in);
    pthread_mutex_destroy(&in->qmu);
    pthread_cond_destroy(&in->qcv);
    eng_stream_put(in->s);
    kv_mt_destroy(in->mt);
    buf_free(&in->k);
    buf_free(&in->v);
    free(in->off);
    free(in->hash);
    free(in->del);
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
    pthread_mutex_init(&in->qmu, NULL);
    pthread_cond_init(&in->qcv, NULL);
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
