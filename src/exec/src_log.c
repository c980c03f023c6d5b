/*
 * src_log.c — the historical scan of a stream's log (exec/source.h).
 *
 * The scan takes the rows committed when it is created (the log's record
 * count then) and reads record after record. Each record is a column
 * block as ingest built it; the scan keeps only the columns the query
 * uses (borrowed from the record's block, not copied) and appends _tp_sn
 * when asked. Records smaller than SMALL_RECORD rows (one `echo >>`
 * each) are gathered into blocks of about GATHER_ROWS rows, so operators
 * see few, full blocks whatever the writers did; each block says where
 * its records end (blk.wends: window watermarks move per write). Records dropped by
 * retention under a running scan are skipped.
 *
 * The tail (src_log_tail_create, FROM s) is the same reader without an
 * end: each next() reads the records that exist at that moment (the log's
 * record count), gathers them, and says -EAGAIN when there were none. It
 * never waits: the query task that drives it is woken by the stream's
 * subscription (exec/engine.h) and gives its thread back to the pool in
 * between. A record index, once counted, never changes its rows, so a
 * reader that starts at index i sees every row appended after it exactly
 * once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/source.h"
#include "util/err.h"

#define SMALL_RECORD 1024
#define GATHER_ROWS 8192

struct src_log {
    struct src base;
    struct eng_stream *s;
    uint64_t next, end;          /* record indexes */
    uint32_t *cols;
    uint32_t ncols;
    int with_sn;
    struct ty *types;            /* output types */
    struct blk *gather;          /* small records gathered */
    int tail;                    /* unbounded: end follows the log */
    uint64_t skip_below_sn;      /* rows before this sequence number are not read */
};

/* The projected block of one record. */
static int project(struct src_log *l, struct blk *rec, uint64_t first_sn, struct blk **out)
{
    uint32_t n = l->ncols + (l->with_sn ? 1 : 0);
    struct blk *b;
    int rc = blk_create(l->types, n, &b);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < l->ncols; i++)
        if ((rc = blk_borrow_col(b, i, rec, l->cols[i])))
            goto fail;
    if (l->with_sn) {
        struct col *c = &b->cols[l->ncols];
        if ((rc = col_reserve(c, rec->nrows)))
            goto fail;
        for (uint32_t r = 0; r < rec->nrows; r++) {
            uint64_t sn = first_sn + r;
            col_put_fixed(c, &sn, 8);
        }
    }
    b->nrows = rec->nrows;
    *out = b;
    return 0;
fail:
    blk_unref(b);
    return rc;
}

static int take_gather(struct src_log *l, struct blk **out)
{
    *out = l->gather;
    l->gather = NULL;
    return 0;
}

/* Append rows [from, n) of b to the gathered block. */
static int gather_rows(struct src_log *l, struct blk *b, uint32_t from)
{
    if (!l->gather) {
        uint32_t n = l->ncols + (l->with_sn ? 1 : 0);
        int rc = blk_create(l->types, n, &l->gather);
        if (rc)
            return rc;
    }
    l->base.rows += b->nrows - from;
    int rc = blk_append_rows(l->gather, b, from, b->nrows);
    return rc ? rc : blk_end_write(l->gather);
}

static int log_next(struct src *base, struct blk **out)
{
    struct src_log *l = (struct src_log *)base;
    int rc;
    *out = NULL;
    if (l->tail) {
        struct log_info info;
        log_get_info(l->s->log, &info);
        l->end = info.records;
        if (l->next < info.first_record)
            l->next = info.first_record;
    }
    while (l->next < l->end) {
        struct blk *rec, *b;
        uint64_t first_sn;
        rc = log_read(l->s->log, l->next, &rec, &first_sn);
        if (rc == -ENOENT) { /* dropped by retention under the scan */
            l->next++;
            continue;
        }
        if (rc)
            return rc;
        l->next++;
        base->next_sn = first_sn + rec->nrows;
        uint32_t from = 0;
        if (first_sn < l->skip_below_sn) /* a seek by sequence number: its first record */
            from = l->skip_below_sn - first_sn >= rec->nrows
                       ? rec->nrows : (uint32_t)(l->skip_below_sn - first_sn);
        rc = project(l, rec, first_sn, &b);
        blk_unref(rec);
        if (rc)
            return rc;
        if (from == 0 && b->nrows >= SMALL_RECORD && !l->gather) {
            if ((rc = blk_end_write(b))) {
                blk_unref(b);
                return rc;
            }
            base->rows += b->nrows;
            *out = b;
            return 0;
        }
        rc = from < b->nrows ? gather_rows(l, b, from) : 0;
        blk_unref(b);
        if (rc)
            return rc;
        if (l->gather && l->gather->nrows >= GATHER_ROWS)
            return take_gather(l, out);
    }
    take_gather(l, out);
    return l->tail && !*out ? -EAGAIN : 0;
}

static void log_destroy(struct src *base)
{
    struct src_log *l = (struct src_log *)base;
    blk_unref(l->gather);
    eng_stream_put(l->s);
    free(l->cols);
    free(l->types);
    free(l);
}

static const struct src_vt log_vt = {log_next, log_destroy};

static int log_alloc(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                     struct src_log **out)
{
    struct src_log *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->base.vt = &log_vt;
    l->cols = malloc((ncols ? ncols : 1) * sizeof(*l->cols));
    l->types = malloc((ncols + 1) * sizeof(*l->types));
    if (!l->cols || !l->types) {
        free(l->cols);
        free(l->types);
        free(l);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < ncols; i++) {
        if (cols[i] >= s->schema->ncols) {
            free(l->cols);
            free(l->types);
            free(l);
            return -EINVAL;
        }
        l->cols[i] = cols[i];
        l->types[i] = s->schema->cols[cols[i]].ty;
    }
    l->types[ncols] = (struct ty){TY_UINT64, 0, 0};
    l->ncols = ncols;
    l->with_sn = with_sn;
    atomic_fetch_add(&s->refs, 1);
    l->s = s;
    *out = l;
    return 0;
}

int src_log_range_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                         uint64_t from_sn, struct src **out)
{
    struct src_log *l;
    struct log_info info;
    int rc = log_alloc(s, cols, ncols, with_sn, &l);
    if (rc)
        return rc;
    log_get_info(s->log, &info);
    l->end = info.records;
    if (from_sn < info.next_sn) {
        if ((rc = log_find_sn(s->log, from_sn, &l->next))) {
            src_destroy(&l->base);
            return rc;
        }
        l->skip_below_sn = from_sn;
        l->base.total_rows = info.next_sn - (from_sn > info.first_sn ? from_sn : info.first_sn);
    } else
        l->next = l->end;
    *out = &l->base;
    return 0;
}

int src_log_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                   struct src **out)
{
    return src_log_range_create(s, cols, ncols, with_sn, 0, out);
}

int src_log_tail_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                        const struct src_start *start, struct src **out)
{
    struct src_log *l;
    struct log_info info;
    int rc = log_alloc(s, cols, ncols, with_sn, &l);
    if (rc)
        return rc;
    l->tail = 1;
    l->base.unbounded = 1;
    l->base.stream = s;
    log_get_info(s->log, &info);
    switch (start->seek) {
    case SRC_SEEK_END:
        l->next = info.records;
        l->base.next_sn = info.next_sn;
        break;
    case SRC_SEEK_EARLIEST:
        l->next = info.first_record;
        l->base.next_sn = info.first_sn;
        break;
    case SRC_SEEK_SN:
        rc = log_find_sn(s->log, start->sn, &l->next);
        /* past the end: from the end (later rows have smaller numbers) */
        l->skip_below_sn = start->sn < info.next_sn ? start->sn : info.next_sn;
        l->base.next_sn = start->sn < info.first_sn ? info.first_sn
                          : start->sn > info.next_sn ? info.next_sn : start->sn;
        break;
    case SRC_SEEK_TIME:
        rc = log_find_time(s->log, start->time_ms, &l->next);
        l->base.next_sn = info.next_sn; /* until the first record is read */
        break;
    default: rc = -EINVAL; break;
    }
    if (rc) {
        src_destroy(&l->base);
        return rc;
    }
    l->end = l->next;
    *out = &l->base;
    return 0;
}
