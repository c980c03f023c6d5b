/*
 * ingest.c — an open `ingest` file turns bytes into log records
 * (exec/ingest.h).
 *
 * Each write() is one transaction: its complete lines are parsed into one
 * column block, appended to the log as one record, and only then does the
 * handle adopt the new partial line and line count. Any failure before the
 * append leaves the handle exactly as it was before the write.
 */
#include "exec/ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json_in.h"
#include "util/clock.h"
#include "util/err.h"

#define ING_MAX_LINE (64u << 20) /* a longer line is refused, not buffered */

struct ing_handle {
    pthread_mutex_t mu;        /* serializes calls on this handle */
    struct eng_stream *s;      /* counted reference */
    struct fmt_json_in *json;  /* JSON streams only */
    struct blk *blk;           /* builder, reused across writes */
    struct buf partial;        /* bytes after the last newline */
    struct buf line;           /* partial + first line of a write, joined */
    uint64_t lines;            /* lines seen so far (1-based numbering) */
    int dirty;                 /* rows appended since the last flush */
};

int ing_open(struct eng_stream *s, struct ing_handle **out)
{
    struct ing_handle *h = calloc(1, sizeof(*h));
    struct ty *types = NULL;
    if (!h)
        return -ENOMEM;
    pthread_mutex_init(&h->mu, NULL);
    atomic_fetch_add(&s->refs, 1);
    h->s = s;
    int rc = sch_types(s->schema, &types);
    if (!rc)
        rc = blk_create(types, s->schema->ncols, &h->blk);
    if (!rc && s->schema->format == SCH_FMT_JSON)
        rc = fmt_json_in_create(s->schema, &h->json);
    free(types);
    if (rc) {
        h->dirty = 0;
        buf_free(&h->partial);
        ing_close(h);
        return rc;
    }
    *out = h;
    return 0;
}

/* Parse one line into h->blk; on a bad row record it and return its code. */
static int add_line(struct ing_handle *h, const char *p, size_t n, uint64_t line_no,
                    int64_t now_ms)
{
    char why[256];
    int rc;
    if (!h->json)
        return fmt_raw_in_row(p, n, now_ms, h->blk);
    /* blank lines (including a lone "\r") carry no row in JSON lines */
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
        k++;
    if (k == n)
        return 0;
    rc = fmt_json_in_row(h->json, p, n, now_ms, h->blk, why, sizeof(why));
    if (rc == ERR_MALFORMED) {
        eng_stream_reject(h->s, line_no, why, p, n);
        if (h->s->schema->on_error == SCH_ON_ERROR_SKIP)
            return 0;
        return -EINVAL;
    }
    return rc;
}

/* Append the built block, if it has rows. Once this returns 0 the rows
 * are committed (visible), whatever happens after. */
static int commit(struct ing_handle *h, size_t bytes)
{
    int rc = blk_seal(h->blk);
    if (rc || h->blk->nrows == 0)
        return rc;
    rc = eng_stream_append(h->s, h->blk, NULL);
    if (!rc) {
        h->dirty = 1;
        eng_stream_accepted(h->s, h->blk->nrows, bytes);
        eng_stream_retain(h->s); /* after a segment roll, old ones may go */
    }
    return rc;
}

int ing_write(struct ing_handle *h, const char *p, size_t n)
{
    if (atomic_load(&h->s->dropped))
        return -ENOENT;
    if (h->s->schema->random) {
        char why[SCH_MAX_NAME + 48];
        snprintf(why, sizeof(why), "%s is a random stream: its rows are generated",
                 h->s->schema->name);
        eng_stream_reject(h->s, h->lines + 1, why, p, n < 256 ? n : 256);
        return -EPERM;
    }
    pthread_mutex_lock(&h->mu);
    int64_t now_ms = clk_now_ns() / 1000000;
    uint64_t line_no = h->lines;
    const char *end = p + n;
    const char *nl = memchr(p, '\n', n);
    int rc = 0;
    blk_clear(h->blk);
    if (!nl) {
        if (h->partial.len + n > ING_MAX_LINE) {
            eng_stream_reject(h->s, line_no + 1, "line longer than 64 MiB", h->partial.data,
                              h->partial.len);
            rc = -EINVAL;
            goto out;
        }
        rc = buf_append(&h->partial, p, n);
        goto out;
    }
    /* first line: the kept partial plus this write's first piece */
    const char *cur = p;
    if (h->partial.len) {
        buf_reset(&h->line);
        rc = buf_append(&h->line, h->partial.data, h->partial.len);
        if (!rc)
            rc = buf_append(&h->line, p, (size_t)(nl - p));
        if (!rc)
            rc = add_line(h, h->line.data, h->line.len, ++line_no, now_ms);
        if (rc)
            goto out;
        cur = nl + 1;
    }
    while (cur < end && (nl = memchr(cur, '\n', (size_t)(end - cur))) != NULL) {
        rc = add_line(h, cur, (size_t)(nl - cur), ++line_no, now_ms);
        if (rc)
            goto out;
        cur = nl + 1;
    }
    /* room for the new partial line first: after the commit nothing may fail */
    rc = buf_reserve(&h->partial, (size_t)(end - cur));
    if (!rc)
        rc = commit(h, n);
    if (rc)
        goto out;
    /* committed: adopt the new state */
    buf_reset(&h->partial);
    rc = buf_append(&h->partial, cur, (size_t)(end - cur));
    h->lines = line_no;
    /* fsync='always': a failed sync is reported, but the rows stay committed
     * and the handle stays consistent with them */
    if (!rc && h->s->schema->fsync == SCH_FSYNC_ALWAYS)
        rc = log_sync(h->s->log);
    else if (!rc && h->s->schema->fsync == SCH_FSYNC_INTERVAL)
        eng_sync_later(h->s);
out:
    if (rc == -EINVAL)
        h->lines = line_no; /* rejected lines keep their numbers */
    blk_clear(h->blk);
    pthread_mutex_unlock(&h->mu);
    return rc;
}

/*
 * Would the kept partial line be rejected as it stands? Checked at each
 * close so that `cat f > ingest` fails when f ends in a bad unterminated
 * line; the line itself is only committed (or recorded) at ing_close,
 * since another descriptor of the same open file may still extend it.
 */
static int partial_is_bad(struct ing_handle *h)
{
    char why[256];
    if (!h->json || !h->partial.len || h->s->schema->on_error == SCH_ON_ERROR_SKIP ||
        atomic_load(&h->s->dropped))
        return 0;
    size_t k = 0;
    while (k < h->partial.len && strchr(" \t\r", h->partial.data[k]))
        k++;
    if (k == h->partial.len)
        return 0;
    blk_clear(h->blk);
    int rc = fmt_json_in_row(h->json, h->partial.data, h->partial.len, 0, h->blk, why,
                             sizeof(why));
    blk_clear(h->blk);
    return rc == ERR_MALFORMED;
}

static int flush(struct ing_handle *h, int always)
{
    pthread_mutex_lock(&h->mu);
    int rc = 0;
    enum sch_fsync mode = h->s->schema->fsync;
    if (h->dirty && (always || mode == SCH_FSYNC_CLOSE || mode == SCH_FSYNC_ALWAYS)) {
        rc = log_sync(h->s->log);
        if (!rc)
            h->dirty = 0;
    }
    if (!rc && partial_is_bad(h))
        rc = -EINVAL;
    pthread_mutex_unlock(&h->mu);
    return rc;
}

int ing_flush(struct ing_handle *h)
{
    return flush(h, 0);
}

int ing_sync(struct ing_handle *h)
{
    return flush(h, 1);
}

int ing_close(struct ing_handle *h)
{
    int rc = 0;
    if (h->partial.len && !atomic_load(&h->s->dropped)) {
        /* the unterminated last line becomes a row */
        rc = ing_write(h, "\n", 1);
    }
    int frc = ing_flush(h);
    if (!rc)
        rc = frc;
    fmt_json_in_destroy(h->json);
    blk_unref(h->blk);
    buf_free(&h->partial);
    buf_free(&h->line);
    eng_stream_put(h->s);
    pthread_mutex_destroy(&h->mu);
    free(h);
    return rc;
}
