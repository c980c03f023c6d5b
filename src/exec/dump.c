/*
 * dump.c — the `data` file: a stream's log rendered as JSON lines on
 * demand (exec/dump.h).
 *
 * The index holds, per log record, the offset where its rendering ends.
 * It is extended by rendering records not yet measured, under the index
 * mutex, so concurrent readers measure each record once. Reads find the
 * record holding the offset by binary search and render from there.
 *
 * Retention: the index starts at the log's first retained record, at
 * offset 0. Records retention drops later leave the index from the front
 * (`base` is then where the first one left starts), so offsets of what
 * remains never move and the file never shrinks while mounted; records
 * dropped before they were measured take no room at all. A cursor whose
 * next offset falls below `base` skips forward to it: from then on it
 * reads the file `skew` bytes further on, so it sees whole lines of the
 * retained records and never fails. A record the cursor holds rendered is
 * served to its end even if it is dropped meanwhile.
 */
#include "exec/dump.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "format/json_out.h"

struct dump_index {
    pthread_mutex_t mu; /* guards everything below */
    uint64_t first;     /* the log record of ends[0] */
    uint64_t base;      /* the rendered start offset of record first */
    uint64_t *ends;     /* rendered end offset of record first + i */
    uint64_t n, cap;
};

struct dump_cursor {
    uint64_t rec;       /* record rendered in text, or UINT64_MAX */
    uint64_t start;     /* its rendered start offset */
    uint64_t skew;      /* read offset + skew = rendered offset */
    struct buf text;
};

static pthread_mutex_t index_create_mu = PTHREAD_MUTEX_INITIALIZER;

static struct dump_index *get_index(struct eng_stream *s)
{
    pthread_mutex_lock(&index_create_mu);
    if (!s->dump_index) {
        struct dump_index *ix = calloc(1, sizeof(*ix));
        if (ix)
            pthread_mutex_init(&ix->mu, NULL);
        s->dump_index = ix;
    }
    pthread_mutex_unlock(&index_create_mu);
    return s->dump_index;
}

void dump_index_free(struct eng_stream *s)
{
    struct dump_index *ix = s->dump_index;
    if (!ix)
        return;
    pthread_mutex_destroy(&ix->mu);
    free(ix->ends);
    free(ix);
    s->dump_index = NULL;
}

int dump_cursor_create(struct dump_cursor **out)
{
    struct dump_cursor *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->rec = UINT64_MAX;
    *out = c;
    return 0;
}

void dump_cursor_destroy(struct dump_cursor *c)
{
    if (!c)
        return;
    buf_free(&c->text);
    free(c);
}

/* Column names for rendering: the schema's, which end with _tp_time. */
static int render_record(struct eng_stream *s, uint64_t idx, struct buf *out)
{
    struct blk *b = NULL;
    uint64_t first_sn;
    const char *names[SCH_MAX_COLS];
    int rc = log_read(s->log, idx, &b, &first_sn);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < s->schema->ncols; i++)
        names[i] = s->schema->cols[i].name;
    rc = b->ncols == s->schema->ncols ? fmt_json_out_rows(names, b, 0, b->nrows, out) : -EIO;
    blk_unref(b);
    return rc;
}

/* Forget the records retention dropped (below first). Caller holds ix->mu. */
static void trim(struct dump_index *ix, uint64_t first)
{
    if (first <= ix->first)
        return;
    uint64_t k = first - ix->first < ix->n ? first - ix->first : ix->n;
    if (k) {
        ix->base = ix->ends[k - 1];
        memmove(ix->ends, ix->ends + k, (ix->n - k) * sizeof(*ix->ends));
        ix->n -= k;
    }
    ix->first = first;
}

/* Measure records up to the log's current end. Caller holds ix->mu. */
static int extend(struct eng_stream *s, struct dump_index *ix)
{
    struct buf tmp = BUF_INIT;
    struct log_info li;
    int rc = 0;
again:
    log_get_info(s->log, &li);
    trim(ix, li.first_record);
    if (li.records - ix->first > ix->cap) {
        uint64_t cap = ix->cap ? ix->cap : 64;
        while (cap < li.records - ix->first)
            cap *= 2;
        uint64_t *e = realloc(ix->ends, cap * sizeof(*e));
        rc = -ENOMEM;
        if (!e)
            goto out;
        ix->ends = e;
        ix->cap = cap;
    }
    rc = 0;
    while (ix->first + ix->n < li.records) {
        buf_reset(&tmp);
        rc = render_record(s, ix->first + ix->n, &tmp);
        if (rc == -ENOENT)
            goto again; /* retention dropped it meanwhile */
        if (rc)
            break;
        uint64_t start = ix->n ? ix->ends[ix->n - 1] : ix->base;
        ix->ends[ix->n++] = start + tmp.len;
    }
out:
    buf_free(&tmp);
    return rc;
}

int dump_size(struct eng_stream *s, uint64_t *size)
{
    struct dump_index *ix = get_index(s);
    if (!ix)
        return -ENOMEM;
    pthread_mutex_lock(&ix->mu);
    int rc = extend(s, ix);
    *size = ix->n ? ix->ends[ix->n - 1] : ix->base;
    pthread_mutex_unlock(&ix->mu);
    return rc;
}

/* The position in ends of the record whose rendering holds offset off
 * (>= base), or n when off is at the end. */
static uint64_t find(const struct dump_index *ix, uint64_t off)
{
    uint64_t lo = 0, hi = ix->n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ix->ends[mid] <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int dump_read(struct eng_stream *s, struct dump_cursor *c, uint64_t off, size_t n,
              struct buf *out)
{
    struct dump_index *ix = get_index(s);
    if (!ix)
        return -ENOMEM;
    int rc = 0;
    size_t want = n;
    while (want && !rc) {
        uint64_t pos = off + c->skew;
        if (c->rec == UINT64_MAX || pos < c->start || pos >= c->start + c->text.len) {
            pthread_mutex_lock(&ix->mu);
            rc = extend(s, ix);
            if (pos < ix->base) { /* dropped: skip to the first record left */
                c->skew += ix->base - pos;
                pos = ix->base;
            }
            uint64_t k = find(ix, pos);
            uint64_t rec = ix->first + k;
            uint64_t start = k == 0 ? ix->base : ix->ends[k - 1];
            int at_end = k >= ix->n;
            pthread_mutex_unlock(&ix->mu);
            if (rc || at_end)
                break;
            buf_reset(&c->text);
            c->rec = UINT64_MAX;
            rc = render_record(s, rec, &c->text);
            if (rc == -ENOENT) { /* dropped since: the next turn skips it */
                rc = 0;
                continue;
            }
            if (rc)
                break;
            c->rec = rec;
            c->start = start;
        }
        uint64_t in = pos - c->start;
        size_t take = c->text.len - in < want ? c->text.len - in : want;
        rc = buf_append(out, c->text.data + in, take);
        off += take;
        want -= take;
    }
    return rc;
}
