/*
 * src_table.c — the historical scan of a stream, `table(s)` (exec/source.h):
 * its column parts, then the log rows not yet in parts.
 *
 * At creation the scan takes a snapshot of the columnar store (the live
 * parts and `covered`, the sequence number the log holds the rest from;
 * the snapshot keeps those log rows from retention) and then a bounded
 * log scan from `covered` to the log's end. Parts cover consecutive
 * sequence ranges below `covered` and the log scan starts exactly there,
 * so every row committed before the scan began is read once, in sequence
 * order, whatever compactions and merges do meanwhile.
 *
 * Parts are read granule by granule, only the columns the query uses,
 * each chunk decoded straight into the column of the block handed on.
 * Granules (and whole parts) whose min/max statistics show that no row
 * can satisfy one of the WHERE conjuncts `col OP constant` are skipped;
 * the filter still runs over what is read, so pruning only has to be
 * safe, never exact. With no column used (count()), a granule is a row
 * count from the part's footer and nothing is read.
 *
 * Both cores: a helper thread decodes granules ahead of the query (a ring
 * of RING blocks, woken only when the ring turns empty or full), so
 * decompression overlaps with the operators, and blocks still come out
 * in sequence order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "exec/expr.h"
#include "exec/op_impl.h"
#include "exec/source.h"
#include "util/err.h"

#define RING 8

struct src_tab {
    struct src base;
    struct eng_stream *s;
    struct cst_snap *snap;
    uint32_t *cols;
    uint32_t ncols;
    int with_sn;
    struct ty *types;            /* output types */
    struct enc_pred *preds;
    uint32_t npreds;
    struct xpr *where;           /* the whole WHERE, when the scan filters (owned) */
    uint8_t *wcol;               /* per scan column: WHERE reads it (decoded first) */
    struct fn_ctx fctx;          /* for evaluating it (comparisons only) */
    uint32_t part, gran;         /* the next granule to look at */
    uint64_t gran_sn;            /* its first row's sequence number */
    struct src *tail;            /* the log from snap->covered_sn */
    int streaming;               /* unbounded: tail is the log's tail, snap goes after the parts */
    int parts_done;
    uint64_t skip_below_sn;      /* streaming: rows before this are not read */
    struct buf raw;              /* decode scratch */
    uint64_t pruned;             /* granules skipped */

    /* read-ahead: the helper decodes granules in order into a ring while
     * the query works on earlier ones; it alone moves part/gran then */
    pthread_t helper;
    int helper_on;
    pthread_mutex_t mu;          /* guards the fields below */
    pthread_cond_t cv;
    struct blk *ring[RING];
    uint64_t rhead, rtail;       /* the consumer takes ring[rhead], the helper fills ring[rtail] */
    int done, stop, err;
    int waiting_c, waiting_p;    /* consumer / producer asleep on cv */
    struct buf hraw;             /* the helper's scratch */
};

static int may_match(const struct src_tab *t, const struct prt *p, const struct enc_stat *st,
                     uint32_t stride)
{
    for (uint32_t i = 0; i < t->npreds; i++) {
        uint32_t c = t->preds[i].col;
        if (!enc_stat_may_match(&st[(size_t)c * stride], p->types[c], &t->preds[i]))
            return 0;
    }
    return 1;
}

/* Whether every row of granule g passes every predicate. */
static int all_match(const struct src_tab *t, const struct prt *p, uint32_t g)
{
    for (uint32_t i = 0; i < t->npreds; i++) {
        uint32_t c = t->preds[i].col;
        if (!enc_stat_all_match(prt_stat(p, g, c), p->types[c], &t->preds[i]))
            return 0;
    }
    return 1;
}

/* b's write ends from part p, whose row `lo` is b's first (blk.wends:
 * window operators move watermarks per write). */
static int mark_writes(const struct prt *p, uint64_t lo, struct blk *b)
{
    uint32_t nrows = b->nrows, a = 0, z = p->nwends;
    while (a < z) { /* the first end past lo */
        uint32_t m = a + (z - a) / 2;
        if (p->wends[m] <= lo)
            a = m + 1;
        else
            z = m;
    }
    int rc = 0;
    for (uint32_t i = a; i < p->nwends && p->wends[i] - lo <= nrows && !rc; i++) {
        b->nrows = (uint32_t)(p->wends[i] - lo); /* blk_end_write marks the rows so far */
        rc = blk_end_write(b);
    }
    b->nrows = nrows;
    return rc;
}

/* A new block of b's rows rows[0..n) (NULL: [from, from + n)) with the
 * write ends that fall among them. */
static int keep_rows(struct blk *b, const uint32_t *rows, uint32_t from, uint32_t n,
                     struct blk **out)
{
    uint32_t *seq = NULL;
    int rc;
    if (!rows) {
        if (!(seq = malloc((n ? n : 1) * sizeof(*seq))))
            return -ENOMEM;
        for (uint32_t i = 0; i < n; i++)
            seq[i] = from + i;
        rows = seq;
    }
    if ((rc = op_gather(b, rows, 0, n, out)) == 0 &&
        (rc = blk_keep_write_ends(*out, b, rows, n))) {
        blk_unref(*out);
        *out = NULL;
    }
    free(seq);
    return rc;
}

/* The rows of b that pass the WHERE (takes b): b itself, a copy of the
 * passing rows, or NULL when none does. */
static int filter(struct src_tab *t, struct blk *b, struct blk **out)
{
    struct col *c = NULL;
    uint32_t *rows = NULL, n = 0;
    int owned = 0, rc;
    *out = NULL;
    if ((rc = xpr_eval(t->where, &t->fctx, b, &c, &owned)))
        goto out;
    rc = xpr_select(c, b->nrows, &rows, &n);
    if (owned)
        col_delete(c);
    if (rc)
        goto out;
    if (n == b->nrows) {
        *out = b;
        b = NULL;
    } else if (n)
        rc = keep_rows(b, rows, 0, n, out);
out:
    free(rows);
    blk_unref(b);
    return rc;
}

/* The scan columns x reads. */
static void mark_cols(const struct xpr *x, uint8_t *used, uint32_t ncols)
{
    if (x->kind == XPR_COL && x->col < ncols)
        used[x->col] = 1;
    for (uint32_t i = 0; x->kind == XPR_CALL && i < x->nargs; i++)
        mark_cols(x->args[i], used, ncols);
}

/*
 * Late materialization: the columns WHERE reads are decoded first and the
 * filter runs over them; the other columns are decoded only when some row
 * passes (a selective filter leaves most granules' other columns packed).
 * *sel gets the passing rows (NULL: all of them), *nsel their count.
 */
static int decode_where_first(struct src_tab *t, const struct prt *p, uint32_t g, struct buf *raw,
                              struct blk *b, uint32_t **sel, uint32_t *nsel)
{
    uint32_t rows = p->gran_rows[g];
    struct col *c = NULL;
    int owned = 0, rc = 0;
    *sel = NULL;
    *nsel = 0;
    for (uint32_t i = 0; i < t->ncols && !rc; i++)
        if (t->wcol[i])
            rc = prt_read_col(p, g, t->cols[i], raw, &b->cols[i]);
    if (rc)
        return rc;
    b->nrows = rows; /* the filter reads only the columns it names */
    if ((rc = xpr_eval(t->where, &t->fctx, b, &c, &owned)))
        return rc;
    rc = xpr_select(c, rows, sel, nsel);
    if (owned)
        col_delete(c);
    if (rc || !*nsel)
        return rc;
    for (uint32_t i = 0; i < t->ncols && !rc; i++)
        if (!t->wcol[i])
            rc = prt_read_col(p, g, t->cols[i], raw, &b->cols[i]);
    if (!rc && *nsel == rows) {
        free(*sel);
        *sel = NULL;
    }
    return rc;
}

/* Decode granule g of part p into a new block (NULL: no row passes). */
static int decode(struct src_tab *t, const struct prt *p, uint32_t g, uint64_t sn,
                  struct buf *raw, struct blk **out)
{
    uint32_t n = t->ncols + (t->with_sn ? 1 : 0), rows = p->gran_rows[g];
    struct blk *b;
    uint32_t *sel = NULL, nsel = 0;
    /* late materialization where the whole granule is read and filtered */
    int late = t->where && sn >= t->skip_below_sn && !all_match(t, p, g);
    int rc = blk_create(t->types, n, &b);
    if (rc)
        return rc;
    if (late) {
        if ((rc = decode_where_first(t, p, g, raw, b, &sel, &nsel)))
            goto fail;
        if (!nsel) { /* no row passes: the other columns stay packed */
            free(sel);
            blk_unref(b);
            *out = NULL;
            return 0;
        }
    } else {
        for (uint32_t i = 0; i < t->ncols; i++)
            if ((rc = prt_read_col(p, g, t->cols[i], raw, &b->cols[i])))
                goto fail;
    }
    if (t->with_sn) {
        struct col *c = &b->cols[t->ncols];
        if ((rc = col_reserve(c, rows)))
            goto fail;
        for (uint32_t r = 0; r < rows; r++) {
            uint64_t v = sn + r;
            col_put_fixed(c, &v, 8);
        }
    }
    if (n) {
        if ((rc = blk_seal(b)))
            goto fail;
        if (b->nrows != rows) {
            rc = ERR_CORRUPT;
            goto fail;
        }
    } else
        b->nrows = rows;
    if ((rc = mark_writes(p, sn - p->first_sn, b)))
        goto fail;
    if (sn < t->skip_below_sn) { /* a streaming start inside this granule */
        struct blk *cut = NULL;
        uint32_t from = (uint32_t)(t->skip_below_sn - sn);
        rc = keep_rows(b, NULL, from, rows - from, &cut);
        blk_unref(b);
        if (rc)
            return rc;
        b = cut;
    }
    if (late) {
        if (!sel) {
            *out = b;
            return 0;
        }
        rc = keep_rows(b, sel, 0, nsel, out);
        free(sel);
        blk_unref(b);
        return rc;
    }
    if (t->where && !all_match(t, p, g))
        return filter(t, b, out);
    *out = b;
    return 0;
fail:
    free(sel);
    blk_unref(b);
    return rc;
}

/* The next granule at or after (part, gran) that pruning keeps; 0 when
 * parts are done. Moves the position past it. */
static int next_granule(struct src_tab *t, uint32_t *part, uint32_t *g, uint64_t *sn)
{
    while (t->part < t->snap->nparts) {
        const struct prt *p = t->snap->parts[t->part];
        if (t->gran == 0) {
            t->gran_sn = p->first_sn;
            if (t->npreds && !may_match(t, p, p->part_stats, 1)) {
                t->pruned += p->ngran;
                t->part++;
                continue;
            }
        }
        if (t->gran >= p->ngran) {
            t->part++;
            t->gran = 0;
            continue;
        }
        uint32_t cur = t->gran++;
        uint64_t cur_sn = t->gran_sn;
        t->gran_sn += p->gran_rows[cur];
        if (t->gran_sn <= t->skip_below_sn)
            continue; /* a streaming scan's start lies past it */
        if (t->npreds && !may_match(t, p, &p->stats[(size_t)cur * p->ncols], 1)) {
            t->pruned++;
            continue;
        }
        *part = t->part;
        *g = cur;
        *sn = cur_sn;
        return 1;
    }
    return 0;
}

static void *helper_main(void *arg)
{
    struct src_tab *t = arg;
    for (;;) {
        pthread_mutex_lock(&t->mu);
        while (t->rtail - t->rhead == RING && !t->stop) {
            t->waiting_p = 1;
            pthread_cond_wait(&t->cv, &t->mu);
            t->waiting_p = 0;
        }
        int stop = t->stop;
        pthread_mutex_unlock(&t->mu);
        if (stop)
            break;
        uint32_t part, g;
        uint64_t sn;
        struct blk *b = NULL;
        int more = next_granule(t, &part, &g, &sn);
        int rc = more ? decode(t, t->snap->parts[part], g, sn, &t->hraw, &b) : 0;
        if (more && !rc && !b)
            continue; /* no row passed the WHERE */
        pthread_mutex_lock(&t->mu);
        if (rc || !more) {
            t->err = rc;
            t->done = 1;
        } else
            t->ring[t->rtail++ % RING] = b;
        if (t->waiting_c)
            pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        if (rc || !more)
            break;
    }
    return NULL;
}

/* The next decoded granule from the helper, or NULL when parts are done. */
static int take_ready(struct src_tab *t, struct blk **out)
{
    pthread_mutex_lock(&t->mu);
    while (t->rhead == t->rtail && !t->done) {
        t->waiting_c = 1;
        pthread_cond_wait(&t->cv, &t->mu);
        t->waiting_c = 0;
    }
    int rc = 0;
    *out = NULL;
    if (t->rhead < t->rtail) {
        *out = t->ring[t->rhead % RING];
        t->ring[t->rhead++ % RING] = NULL;
        if (t->waiting_p)
            pthread_cond_broadcast(&t->cv);
    } else
        rc = t->err;
    pthread_mutex_unlock(&t->mu);
    return rc;
}

static int tab_next(struct src *base, struct blk **out)
{
    struct src_tab *t = (struct src_tab *)base;
    int rc;
    *out = NULL;
    if (t->parts_done)
        goto tail;
    if (t->helper_on) {
        if ((rc = take_ready(t, out)))
            return rc;
        if (*out) {
            base->rows += (*out)->nrows;
            return 0;
        }
    } else {
        uint32_t part, g;
        uint64_t sn;
        while (next_granule(t, &part, &g, &sn)) {
            if ((rc = decode(t, t->snap->parts[part], g, sn, &t->raw, out)))
                return rc;
            if (*out) {
                base->rows += (*out)->nrows;
                return 0;
            }
        }
    }
    t->parts_done = 1;
    if (t->streaming) { /* the log's rows from here on: no pin on them any more */
        cst_snap_release(t->s->cs, t->snap);
        t->snap = NULL;
    }
tail:
    for (;;) { /* the log's rows (read after the helper is done: one evaluator at a time) */
        struct blk *b = NULL;
        rc = src_next(t->tail, &b);
        base->next_sn = t->tail->next_sn;
        if (rc || !b)
            return rc;
        base->rows += b->nrows;
        if (!t->where) {
            *out = b;
            return 0;
        }
        if ((rc = filter(t, b, out)) || *out)
            return rc;
    }
}

static void tab_destroy(struct src *base)
{
    struct src_tab *t = (struct src_tab *)base;
    if (t->helper_on) {
        pthread_mutex_lock(&t->mu);
        t->stop = 1;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->helper, NULL);
    }
    for (uint64_t i = t->rhead; i < t->rtail; i++)
        blk_unref(t->ring[i % RING]);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    src_destroy(t->tail);
    if (t->snap)
        cst_snap_release(t->s->cs, t->snap);
    xpr_destroy(t->where);
    free(t->wcol);
    for (uint32_t i = 0; i < t->npreds; i++)
        free((char *)t->preds[i].s);
    free(t->preds);
    buf_free(&t->raw);
    buf_free(&t->hraw);
    eng_stream_put(t->s);
    free(t->cols);
    free(t->types);
    free(t);
}

static const struct src_vt tab_vt = {tab_next, tab_destroy};

/* Granules worth a helper thread: below this (a narrow time range) the
 * thread and its hand-offs cost more than they save. */
#define HELPER_MIN_GRANULES 32

/* The parts of a scan both kinds share (takes where, also on failure). */
static int tab_alloc(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                     const struct enc_pred *preds, uint32_t npreds, struct xpr *where,
                     struct src_tab **out)
{
    struct src_tab *t = calloc(1, sizeof(*t));
    int rc = -ENOMEM;
    if (!t) {
        xpr_destroy(where);
        return rc;
    }
    t->where = where;
    if (where && !(t->wcol = calloc(ncols + 1, 1))) {
        free(t);
        xpr_destroy(where);
        return rc;
    }
    if (where)
        mark_cols(where, t->wcol, ncols);
    t->base.vt = &tab_vt;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    atomic_fetch_add(&s->refs, 1);
    t->s = s;
    t->cols = malloc((ncols ? ncols : 1) * sizeof(*t->cols));
    t->types = malloc((ncols + 1) * sizeof(*t->types));
    t->preds = calloc(npreds ? npreds : 1, sizeof(*t->preds));
    if (!t->cols || !t->types || !t->preds)
        goto fail;
    rc = -EINVAL;
    for (uint32_t i = 0; i < ncols; i++) {
        if (cols[i] >= s->schema->ncols)
            goto fail;
        t->cols[i] = cols[i];
        t->types[i] = s->schema->cols[cols[i]].ty;
    }
    t->types[ncols] = (struct ty){TY_UINT64, 0, 0};
    t->ncols = ncols;
    t->with_sn = with_sn;
    for (uint32_t i = 0; i < npreds; i++) {
        if (preds[i].col >= s->schema->ncols)
            goto fail;
        t->preds[i] = preds[i];
        t->preds[i].s = NULL;
        if (preds[i].s) {
            char *copy = malloc(preds[i].slen + 1);
            rc = -ENOMEM;
            if (!copy)
                goto fail;
            memcpy(copy, preds[i].s, preds[i].slen);
            t->preds[i].s = copy;
            t->npreds = i + 1;
            rc = -EINVAL;
        }
        t->npreds = i + 1;
    }
    *out = t;
    return 0;
fail:
    tab_destroy(&t->base);
    return rc;
}

int src_table_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                     const struct enc_pred *preds, uint32_t npreds, struct xpr *where,
                     struct src **out)
{
    struct src_tab *t;
    int rc = tab_alloc(s, cols, ncols, with_sn, preds, npreds, where, &t);
    if (rc)
        return rc;
    /* the snapshot first: the log scan then starts where the parts end */
    if ((rc = cst_snapshot(s->cs, &t->snap)) ||
        (rc = src_log_range_create(s, cols, ncols, with_sn, t->snap->covered_sn, &t->tail)))
        goto fail;
    uint64_t part_rows = 0, grans = 0; /* granules pruning keeps */
    for (uint32_t i = 0; i < t->snap->nparts; i++) {
        const struct prt *p = t->snap->parts[i];
        part_rows += p->nrows;
        if (t->npreds && !may_match(t, p, p->part_stats, 1))
            continue;
        for (uint32_t g = 0; g < p->ngran; g++)
            grans += !t->npreds || may_match(t, p, &p->stats[(size_t)g * p->ncols], 1);
    }
    t->base.total_rows = part_rows + t->tail->total_rows;
    eng_compactor_start(s->engine);
    if (ncols + (with_sn ? 1 : 0) && grans >= HELPER_MIN_GRANULES &&
        pthread_create(&t->helper, NULL, helper_main, t) == 0)
        t->helper_on = 1;
    *out = &t->base;
    return 0;
fail:
    tab_destroy(&t->base);
    return rc;
}

/* The first row of the first part granule holding a row at or after ms
 * (a time seek, as the log's finds the first record holding one); the
 * end of the parts when none does. */
static uint64_t time_start_sn(const struct cst_snap *snap, int64_t ms)
{
    for (uint32_t i = 0; i < snap->nparts; i++) {
        const struct prt *p = snap->parts[i];
        uint32_t tc = p->ncols - 1; /* _tp_time, datetime64(3): ms */
        uint64_t sn = p->first_sn;
        for (uint32_t g = 0; g < p->ngran; sn += p->gran_rows[g++]) {
            const struct enc_stat *st = prt_stat(p, g, tc);
            if (!(st->flags & ENC_ST_MINMAX) || st->max.i >= ms)
                return sn;
        }
    }
    return snap->covered_sn;
}

int src_stream_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                      const struct src_start *start, struct src **out)
{
    struct log_info li;
    struct cst_snap *snap = NULL;
    struct src_tab *t = NULL;
    uint64_t from = start->seek == SRC_SEEK_EARLIEST ? 0 : start->sn;
    int rc;
    log_get_info(s->log, &li);
    if (start->seek == SRC_SEEK_TIME && li.first_sn > 0) {
        /* rows before the log's first may be in parts: where the time is */
        if ((rc = cst_snapshot(s->cs, &snap)))
            return rc;
        from = snap->nparts ? time_start_sn(snap, start->time_ms) : li.first_sn;
        cst_snap_release(s->cs, snap);
        snap = NULL;
        if (from >= li.first_sn) /* the log has them: its own time seek */
            return src_log_tail_create(s, cols, ncols, with_sn, start, out);
    } else if ((start->seek != SRC_SEEK_EARLIEST && start->seek != SRC_SEEK_SN) ||
               from >= li.first_sn) {
        return src_log_tail_create(s, cols, ncols, with_sn, start, out);
    }
    /* the start lies below what the log retains: the parts hold those rows */
    if ((rc = cst_snapshot(s->cs, &snap)))
        return rc;
    if (!snap->nparts || snap->covered_sn <= from) {
        cst_snap_release(s->cs, snap);
        return src_log_tail_create(s, cols, ncols, with_sn, start, out);
    }
    struct src_start rest = {SRC_SEEK_SN, snap->covered_sn, 0};
    if ((rc = tab_alloc(s, cols, ncols, with_sn, NULL, 0, NULL, &t))) {
        cst_snap_release(s->cs, snap);
        return rc;
    }
    t->snap = snap;
    t->streaming = 1;
    t->skip_below_sn = from;
    if ((rc = src_log_tail_create(s, cols, ncols, with_sn, &rest, &t->tail))) {
        tab_destroy(&t->base);
        return rc;
    }
    t->base.unbounded = 1;
    t->base.stream = s;
    t->base.next_sn = from > snap->parts[0]->first_sn ? from : snap->parts[0]->first_sn;
    *out = &t->base;
    return 0;
}

/* ---- WHERE conjuncts the statistics can answer ---- */

static int plain_int(struct ty t)
{
    return ty_is_int(t);
}

/* The stream column x reads, when x is a column or a widening integer cast
 * of one (values compare the same before and after); else -1. */
static int col_of(const struct xpr *x, const uint32_t *cols, uint32_t ncols, struct ty *coltype)
{
    if (x->kind == XPR_CALL && x->fn && !strcmp(x->fn->name, "cast") && x->nargs >= 1 &&
        x->args[0]->kind == XPR_COL) {
        struct ty from = x->args[0]->ty, to = x->ty;
        if (!plain_int(from) || !plain_int(to) || ty_is_signed(from) != ty_is_signed(to) ||
            ty_width(to) < ty_width(from))
            return -1;
        x = x->args[0];
    }
    if (x->kind != XPR_COL || x->col >= ncols)
        return -1;
    *coltype = x->ty;
    return (int)cols[x->col];
}

/* Whether a constant of type k compares with column type c by value as is. */
static int same_domain(struct ty c, struct ty k)
{
    enum enc_dom dc = enc_domain(c), dk = enc_domain(k);
    if (dc != dk || dc == ENC_DOM_NONE)
        return 0;
    if (plain_int(c) && plain_int(k))
        return 1;
    if (dc == ENC_DOM_F)
        return c.kind == k.kind;
    return c.kind == k.kind && c.prec == k.prec && c.scale == k.scale;
}

static int add_pred(const struct xpr *x, const uint32_t *cols, uint32_t ncols,
                    struct enc_pred **out, uint32_t *n, int *exact)
{
    static const char *const names[] = {"equals", "less", "less_or_equals", "greater",
                                        "greater_or_equals"};
    static const enum enc_op ops[] = {ENC_EQ, ENC_LT, ENC_LE, ENC_GT, ENC_GE};
    static const enum enc_op flipped[] = {ENC_EQ, ENC_GT, ENC_GE, ENC_LT, ENC_LE};
    *exact = 0; /* until this conjunct is taken whole */
    if (x->kind != XPR_CALL || !x->fn)
        return 0;
    if (!strcmp(x->fn->name, "and")) {
        int all = 1;
        for (uint32_t i = 0; i < x->nargs; i++) {
            int rc = add_pred(x->args[i], cols, ncols, out, n, exact);
            all &= *exact;
            if (rc)
                return rc;
        }
        *exact = all;
        return 0;
    }
    if (x->nargs != 2)
        return 0;
    int k = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(x->fn->name, names[i]))
            k = i;
    if (k < 0)
        return 0;
    struct ty ct;
    int c = col_of(x->args[0], cols, ncols, &ct), flip = 0;
    const struct xpr *kx = x->args[1];
    if (c < 0) {
        c = col_of(x->args[1], cols, ncols, &ct);
        kx = x->args[0];
        flip = 1;
    }
    if (c < 0 || kx->kind != XPR_CONST || kx->cval.is_null || !same_domain(ct, kx->ty))
        return 0;
    struct enc_pred p;
    memset(&p, 0, sizeof(p));
    p.col = (uint32_t)c;
    p.op = flip ? flipped[k] : ops[k];
    switch (enc_domain(ct)) {
    case ENC_DOM_I: p.num.i = kx->cval.v.i; break;
    case ENC_DOM_U: p.num.u = kx->cval.v.u; break;
    case ENC_DOM_F: p.num.f = kx->cval.v.f; break;
    case ENC_DOM_S:
        p.s = kx->cval.v.s.p;
        p.slen = kx->cval.v.s.n;
        break;
    default: return 0;
    }
    void *grown = realloc(*out, (*n + 1) * sizeof(**out));
    if (!grown)
        return -ENOMEM;
    *out = grown;
    (*out)[(*n)++] = p;
    /* the comparison itself cannot fail and gives NULL only for a NULL
     * value, which the statistics count: the predicate is the conjunct */
    *exact = x->ty.kind == TY_UINT8 || x->ty.kind == TY_BOOL;
    return 0;
}

int src_table_preds(const struct xpr *where, const uint32_t *cols, uint32_t ncols,
                    struct enc_pred **out, uint32_t *n, int *exact)
{
    *out = NULL;
    *n = 0;
    *exact = 0;
    if (!where)
        return 0;
    int rc = add_pred(where, cols, ncols, out, n, exact);
    if (rc || !*n)
        *exact = 0;
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
