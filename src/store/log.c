/*
 * log.c — NativeLog: segments, group commit, recovery, readers
 * (store/log.h).
 *
 * State: the ordered list of segments, each with its summary (records,
 * rows, time range, size) and, once needed, an index of its records'
 * offsets. The newest segment is always indexed (recovery scans it);
 * sealed ones are indexed on their first read. `mu` guards all state;
 * the group-commit leader drops it only around the file write, and it is
 * the only thread that touches the newest segment's file end meanwhile.
 *
 * Retention runs one call at a time (`retain_mu`, taken before `mu`): it
 * picks the segments to drop under `mu`, removes their files without it
 * (readers keep reading them through their descriptors), then takes them
 * off the list under `mu`. A segment is reference counted: the list holds
 * one reference and a reader holds one while it reads, so a segment taken
 * off the list is closed and freed by whoever lets go of it last.
 *
 * Recent records are kept decoded (`recent`, a few slots indexed by record
 * number): many streaming queries following one stream each ask for the
 * record just appended, and the first of them reads and decodes it for
 * all. Only records near the end, of bounded size, are kept, so historical
 * scans do not churn it and it holds at most RECENT_SLOTS small blocks.
 */
#include "store/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "os/os.h"
#include "store/segment.h"
#include "util/clock.h"
#include "util/crc32c.h"
#include "util/err.h"
#include "util/msg.h"

#define REC_HDR 40
#define RECENT_SLOTS 16               /* decoded records kept (a power of 2) */
#define RECENT_MAX_RAW (512u << 10)   /* larger records are not kept */

struct rec {
    uint64_t off;       /* first fragment's offset in the segment */
    uint64_t first_sn;
    int64_t max_ms;
};

struct seg {
    uint64_t first_sn;
    uint64_t first_rec; /* record index of its first record */
    int fd;
    struct seg_header hdr;
    uint64_t size;      /* bytes of valid framing */
    uint64_t nrecs, nrows;
    int64_t min_ms, max_ms;
    struct rec *recs;   /* index, when indexed */
    uint64_t recs_cap;
    int indexed;
    atomic_int refs;    /* the list's and readers'; set when it joins the list */
    char path[PATH_MAX];
};

/* One append waiting for the group-commit leader. */
struct pending {
    struct buf rec;     /* REC_HDR + compressed payload */
    uint32_t nrows;
    int64_t min_ms, max_ms;
    uint64_t first_sn, off;
    int rc, done;
    struct pending *next;
};

struct log {
    pthread_mutex_t mu;
    pthread_mutex_t retain_mu; /* one log_retain at a time; taken before mu */
    pthread_cond_t cv;    /* batch written, records grew */
    char dir[PATH_MAX];
    struct log_opts opts;
    struct seg **segs;
    size_t nsegs;
    struct log_info info;
    struct pending *q_head, *q_tail;
    int leader;           /* a leader is writing */
    int dirty;            /* appended since the last sync */
    struct buf frame;     /* the leader's framing buffer */
    struct recent {       /* decoded recent records (under mu) */
        uint64_t idx, first_sn;
        struct blk *blk;  /* one reference; NULL: empty slot */
    } recent[RECENT_SLOTS];
};

/* --- record header ------------------------------------------------------- */

static void rec_put_header(unsigned char *p, uint64_t first_sn, uint32_t nrows, uint8_t codec,
                           int64_t min_ms, int64_t max_ms, uint32_t raw_len)
{
    memset(p, 0, REC_HDR);
    memcpy(p, &first_sn, 8);
    memcpy(p + 8, &nrows, 4);
    p[12] = codec;
    memcpy(p + 16, &min_ms, 8);
    memcpy(p + 24, &max_ms, 8);
    memcpy(p + 32, &raw_len, 4);
}

struct rec_header {
    uint64_t first_sn;
    uint32_t nrows, raw_len;
    uint8_t codec;
    int64_t min_ms, max_ms;
};

static int rec_get_header(const struct buf *r, struct rec_header *h)
{
    if (r->len < REC_HDR)
        return ERR_CORRUPT;
    const unsigned char *p = (const unsigned char *)r->data;
    memcpy(&h->first_sn, p, 8);
    memcpy(&h->nrows, p + 8, 4);
    h->codec = p[12];
    memcpy(&h->min_ms, p + 16, 8);
    memcpy(&h->max_ms, p + 24, 8);
    memcpy(&h->raw_len, p + 32, 4);
    return h->codec < CODEC_END ? 0 : ERR_CORRUPT;
}

/* --- segments ------------------------------------------------------------ */

static void seg_free(struct seg *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        os_close(s->fd);
    free(s->recs);
    free(s);
}

/* Let go of a reference to a segment on the list (or taken off it). */
static void seg_put(struct seg *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        seg_free(s);
}

static int index_add(struct seg *s, uint64_t off, const struct rec_header *h)
{
    if (s->nrecs == s->recs_cap) {
        uint64_t cap = s->recs_cap ? s->recs_cap * 2 : 64;
        struct rec *r = realloc(s->recs, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        s->recs = r;
        s->recs_cap = cap;
    }
    s->recs[s->nrecs] = (struct rec){off, h->first_sn, h->max_ms};
    return 0;
}

static void seg_account(struct seg *s, const struct rec_header *h)
{
    s->nrecs++;
    s->nrows += h->nrows;
    if (h->nrows && h->min_ms < s->min_ms)
        s->min_ms = h->min_ms;
    if (h->nrows && h->max_ms > s->max_ms)
        s->max_ms = h->max_ms;
}

/*
 * Scan a segment's records from the start, building its index. With
 * recover set (the newest segment) a torn tail is truncated; otherwise,
 * and for damage followed by valid records, the result is ERR_CORRUPT.
 */
static int seg_scan_all(struct seg *s, uint64_t file_size, int recover)
{
    struct seg_scan sc;
    struct rec_header h;
    uint64_t start, want_sn = s->first_sn;
    int rc;
    seg_scan_init(&sc, s->fd, s->hdr.salt, SEG_HDR, file_size);
    s->nrecs = s->nrows = 0;
    s->min_ms = INT64_MAX;
    s->max_ms = INT64_MIN;
    while ((rc = seg_scan_next(&sc, &start)) == 1) {
        if (rec_get_header(&sc.rec, &h) || h.first_sn != want_sn) {
            rc = ERR_CORRUPT;
            sc.pos = sc.bad = start;
            break;
        }
        if ((rc = index_add(s, start, &h)))
            goto out;
        seg_account(s, &h);
        want_sn += h.nrows;
    }
    if (rc == ERR_CORRUPT) {
        uint64_t bad = sc.pos;
        if (!recover || seg_valid_after(s->fd, s->hdr.salt, sc.bad, file_size)) {
            msg_error("log %s: corrupt record at byte %" PRIu64 "%s", s->path, bad,
                      recover ? " followed by valid records: refusing to open" : "");
            goto out;
        }
        msg_warn("log %s: torn tail, dropped %" PRIu64 " bytes after %" PRIu64 " records",
                 s->path, file_size - bad, s->nrecs);
        rc = os_ftruncate(s->fd, (off_t)bad);
        if (!rc)
            rc = os_fdatasync(s->fd);
        sc.pos = bad;
    }
    if (rc >= 0) {
        rc = 0;
        s->size = sc.pos < SEG_HDR ? SEG_HDR : sc.pos;
        s->indexed = 1;
    }
out:
    seg_scan_free(&sc);
    return rc;
}

static int sum_path(const struct seg *s, char *out, size_t n)
{
    size_t len = strlen(s->path);
    return snprintf(out, n, "%.*s.sum", (int)(len - 4), s->path) >= (int)n ? -ENAMETOOLONG : 0;
}

/* A sealed segment's summary, so opening does not read the whole log. */
static int write_summary(const struct seg *s)
{
    char path[PATH_MAX], text[256];
    int rc = sum_path(s, path, sizeof(path));
    int n = snprintf(text, sizeof(text),
                     "records %" PRIu64 " rows %" PRIu64 " min %" PRId64 " max %" PRId64
                     " size %" PRIu64,
                     s->nrecs, s->nrows, s->min_ms, s->max_ms, s->size);
    n += snprintf(text + n, sizeof(text) - (size_t)n, " crc %u\n", crc32c(text, (size_t)n));
    return rc ? rc : os_write_file_atomic(path, text, (size_t)n);
}

static int read_summary(struct seg *s, uint64_t file_size)
{
    char path[PATH_MAX];
    struct buf b = BUF_INIT;
    int rc = sum_path(s, path, sizeof(path));
    if (!rc)
        rc = os_read_file(path, &b);
    if (!rc)
        rc = buf_cstr(&b);
    /* the line's own checksum guards it: a summary that disagrees means a rescan */
    char *crc_at = rc ? NULL : strstr(b.data, " crc ");
    unsigned crc;
    if (!rc && (!crc_at || sscanf(crc_at, " crc %u", &crc) != 1 ||
                crc != crc32c(b.data, (size_t)(crc_at - b.data))))
        rc = ERR_CORRUPT;
    if (!rc && (sscanf(b.data, "records %" SCNu64 " rows %" SCNu64 " min %" SCNd64 " max %" SCNd64
                        " size %" SCNu64,
                        &s->nrecs, &s->nrows, &s->min_ms, &s->max_ms, &s->size) != 5 ||
                s->size != file_size))
        rc = ERR_CORRUPT;
    buf_free(&b);
    return rc;
}

static int seg_open_file(struct log *l, const char *name, int writable, struct seg **out)
{
    struct seg *s = calloc(1, sizeof(*s));
    unsigned char hb[SEG_HDR];
    size_t got;
    off_t size;
    if (!s)
        return -ENOMEM;
    s->fd = -1;
    int rc = -ENAMETOOLONG;
    if (snprintf(s->path, sizeof(s->path), "%s/%s", l->dir, name) >= (int)sizeof(s->path))
        goto fail;
    rc = os_open(s->path, writable ? O_RDWR : O_RDONLY, 0, &s->fd);
    if (!rc)
        rc = os_pread(s->fd, hb, SEG_HDR, 0, &got);
    if (!rc)
        rc = got < SEG_HDR ? ERR_CORRUPT : seg_header_decode(hb, &s->hdr);
    if (!rc && s->hdr.stream_id != l->opts.stream_id)
        rc = ERR_CORRUPT;
    if (!rc)
        rc = os_fsize(s->fd, &size);
    if (rc) {
        msg_error("log %s: bad segment header: %s", s->path, err_str(rc));
        goto fail;
    }
    s->first_sn = s->hdr.first_sn;
    s->size = (uint64_t)size;
    *out = s;
    return 0;
fail:
    seg_free(s);
    return rc;
}

/* Start a new segment whose first row is first_sn (file, header, dir sync). */
static int seg_create(struct log *l, uint64_t first_sn, struct seg **out)
{
    struct seg *s = calloc(1, sizeof(*s));
    unsigned char hb[SEG_HDR];
    if (!s)
        return -ENOMEM;
    s->fd = -1;
    s->first_sn = first_sn;
    s->min_ms = INT64_MAX;
    s->max_ms = INT64_MIN;
    s->indexed = 1;
    s->size = SEG_HDR;
    s->hdr = (struct seg_header){l->opts.stream_id, first_sn, 0, clk_now_ns() / 1000000};
    int rc = os_random(&s->hdr.salt, sizeof(s->hdr.salt));
    if (!rc && snprintf(s->path, sizeof(s->path), "%s/%020" PRIu64 ".seg", l->dir, first_sn) >=
                   (int)sizeof(s->path))
        rc = -ENAMETOOLONG;
    if (!rc)
        rc = os_open(s->path, O_RDWR | O_CREAT | O_TRUNC, 0644, &s->fd);
    seg_header_encode(&s->hdr, hb);
    if (!rc)
        rc = os_pwrite(s->fd, hb, SEG_HDR, 0);
    if (!rc)
        rc = os_fdatasync(s->fd);
    if (!rc)
        rc = os_fsync_dir(l->dir);
    if (rc) {
        if (s->fd >= 0)
            os_unlink(s->path);
        seg_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int push_seg(struct log *l, struct seg *s)
{
    struct seg **a = realloc(l->segs, (l->nsegs + 1) * sizeof(*a));
    if (!a)
        return -ENOMEM;
    l->segs = a;
    s->first_rec = l->nsegs ? l->segs[l->nsegs - 1]->first_rec + l->segs[l->nsegs - 1]->nrecs : 0;
    atomic_init(&s->refs, 1);
    a[l->nsegs++] = s;
    return 0;
}

static void info_add_seg(struct log *l, const struct seg *s)
{
    l->info.segments++;
    l->info.records += s->nrecs;
    l->info.next_sn = s->first_sn + s->nrows;
    l->info.bytes += s->size;
    if (s->nrows && s->min_ms < l->info.min_time_ms)
        l->info.min_time_ms = s->min_ms;
    if (s->nrows && s->max_ms > l->info.max_time_ms)
        l->info.max_time_ms = s->max_ms;
}

/*
 * A crash while a segment was being created leaves a newest file whose
 * header does not validate. Nothing was ever appended to it (appends start
 * after its header is synced), so it is removed. 1 when it was.
 */
static int drop_torn_newest(struct log *l, const char *name)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", l->dir, name) >= (int)sizeof(path))
        return 0;
    /* a header that is whole but wrong is damage, not a torn creation */
    int fd = -1;
    off_t len = 0;
    if (os_open(path, O_RDONLY, 0, &fd))
        return 0; /* cannot tell: leave it to the open that follows */
    int rc = os_fsize(fd, &len);
    os_close(fd);
    if (rc || len > SEG_HDR) /* a torn creation holds its header at most */
        return 0;
    struct seg *s;
    rc = seg_open_file(l, name, 0, &s);
    if (rc == 0)
        seg_free(s); /* a whole, valid header: keep it */
    if (rc != ERR_CORRUPT)
        return 0;
    msg_warn("log %s: removing a segment torn while it was created", path);
    return os_unlink(path) == 0 && os_fsync_dir(l->dir) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every segment in name (= sequence) order; recover the newest. */
static int load(struct log *l)
{
    char *names = NULL, **segnames = NULL;
    size_t n = 0, k = 0;
    int rc = os_list_dir(l->dir, &names, &n);
    if (rc)
        return rc;
    segnames = calloc(n ? n : 1, sizeof(*segnames));
    rc = segnames ? 0 : -ENOMEM;
    for (char *p = names; !rc && n--; p += strlen(p) + 1) {
        size_t len = strlen(p);
        if (len == 24 && !strcmp(p + 20, ".seg"))
            segnames[k++] = p;
    }
    if (!rc)
        qsort(segnames, k, sizeof(*segnames), cmp_names);
    while (!rc && k > 0 && drop_torn_newest(l, segnames[k - 1]))
        k--;
    for (size_t i = 0; !rc && i < k; i++) {
        struct seg *s;
        int newest = i + 1 == k;
        rc = seg_open_file(l, segnames[i], newest, &s);
        if (rc)
            break;
        uint64_t file_size = s->size;
        if (newest || read_summary(s, file_size))
            rc = seg_scan_all(s, file_size, newest);
        if (!rc && s->first_sn != l->info.next_sn && i > 0)
            rc = ERR_CORRUPT; /* a gap or overlap between segments */
        if (!rc && i == 0)
            l->info.next_sn = s->first_sn;
        if (!rc)
            rc = push_seg(l, s);
        if (rc) {
            seg_free(s);
            break;
        }
        info_add_seg(l, s);
    }
    free(segnames);
    free(names);
    return rc;
}

/*
 * Summaries of segments older than the first one left by retention
 * interrupted between removing a .seg and its .sum: harmless, but never
 * used again, so they go. Best effort: a failure only leaves the file.
 */
static void remove_orphan_summaries(struct log *l)
{
    char *names = NULL, path[PATH_MAX];
    size_t n = 0;
    int removed = 0;
    if (os_list_dir(l->dir, &names, &n))
        return;
    for (char *p = names; n--; p += strlen(p) + 1) {
        char *end;
        if (strlen(p) != 24 || strcmp(p + 20, ".sum"))
            continue;
        uint64_t sn = strtoull(p, &end, 10);
        if (end != p + 20 || sn >= l->segs[0]->first_sn ||
            snprintf(path, sizeof(path), "%s/%s", l->dir, p) >= (int)sizeof(path))
            continue;
        msg_warn("log %s: removing the summary of a segment retention dropped", path);
        removed += os_unlink(path) == 0;
    }
    if (removed)
        os_fsync_dir(l->dir);
    free(names);
}

int log_open(const char *dir, const struct log_opts *opts, struct log **out)
{
    struct log *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->retain_mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    l->opts = *opts;
    if (!l->opts.segment_bytes)
        l->opts.segment_bytes = LOG_SEGMENT_BYTES;
    l->info.min_time_ms = INT64_MAX;
    l->info.max_time_ms = INT64_MIN;
    int rc = -ENAMETOOLONG;
    if (snprintf(l->dir, sizeof(l->dir), "%s", dir) >= (int)sizeof(l->dir))
        goto fail;
    rc = os_mkdir(dir, 0755);
    if (!rc)
        rc = load(l);
    if (!rc && l->nsegs == 0) {
        struct seg *s;
        rc = seg_create(l, 0, &s);
        if (!rc && (rc = push_seg(l, s)))
            seg_free(s);
        if (!rc)
            info_add_seg(l, s);
    }
    if (rc)
        goto fail;
    l->info.first_sn = l->segs[0]->first_sn;
    remove_orphan_summaries(l);
    *out = l;
    return 0;
fail:
    log_close(l);
    return rc;
}

void log_close(struct log *l)
{
    if (!l)
        return;
    if (l->dirty && l->nsegs)
        os_fdatasync(l->segs[l->nsegs - 1]->fd);
    for (size_t i = 0; i < l->nsegs; i++)
        seg_put(l->segs[i]);
    for (size_t i = 0; i < RECENT_SLOTS; i++)
        blk_unref(l->recent[i].blk);
    free(l->segs);
    buf_free(&l->frame);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->retain_mu);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* --- appending ----------------------------------------------------------- */

/* Serialize and compress b into p->rec (outside any lock). */
static int encode(struct log *l, const struct blk *b, struct pending *p)
{
    struct buf raw = BUF_INIT;
    int rc = blk_serialize(b, &raw);
    if (!rc && raw.len > UINT32_MAX)
        rc = -E2BIG;
    if (!rc)
        rc = buf_reserve(&p->rec, REC_HDR);
    if (!rc) {
        p->rec.len = REC_HDR;
        rc = codec_compress(l->opts.codec, raw.data, raw.len, &p->rec);
    }
    p->nrows = b->nrows;
    p->min_ms = INT64_MAX;
    p->max_ms = INT64_MIN;
    if (b->ncols && b->nrows) {
        const int64_t *t = b->cols[b->ncols - 1].data;
        for (uint32_t i = 0; i < b->nrows; i++) {
            if (t[i] < p->min_ms)
                p->min_ms = t[i];
            if (t[i] > p->max_ms)
                p->max_ms = t[i];
        }
    }
    if (!rc) /* first_sn is filled in by the leader */
        rec_put_header((unsigned char *)p->rec.data, 0, p->nrows, (uint8_t)l->opts.codec,
                       p->min_ms, p->max_ms, (uint32_t)raw.len);
    buf_free(&raw);
    return rc;
}

/* Seal the newest segment and start the next one. Leader only, mu held. */
static int roll(struct log *l, uint64_t first_sn)
{
    struct seg *cur = l->segs[l->nsegs - 1], *next;
    int rc = os_fdatasync(cur->fd);
    if (!rc)
        rc = write_summary(cur);
    if (!rc)
        rc = seg_create(l, first_sn, &next);
    if (rc)
        return rc;
    if ((rc = push_seg(l, next))) {
        os_unlink(next->path);
        seg_free(next);
        return rc;
    }
    l->dirty = 0;
    l->info.segments++;
    l->info.bytes += next->size;
    return 0;
}

/* Write a batch to the newest segment. Leader only; mu is held on entry
 * and exit but dropped around the write. */
static int write_batch(struct log *l, struct pending *batch)
{
    struct seg *cur = l->segs[l->nsegs - 1];
    uint64_t bytes = 0;
    for (struct pending *p = batch; p; p = p->next)
        bytes += p->rec.len;
    if (cur->nrows && cur->size + bytes > l->opts.segment_bytes) {
        int rc = roll(l, batch->first_sn);
        if (rc)
            return rc;
        cur = l->segs[l->nsegs - 1];
    }
    uint64_t count = 0;
    for (struct pending *p = batch; p; p = p->next)
        count++;
    if (cur->recs_cap < cur->nrecs + count) { /* after the write nothing may fail */
        struct rec *r = realloc(cur->recs, (cur->nrecs + count + 64) * sizeof(*r));
        if (!r)
            return -ENOMEM;
        cur->recs = r;
        cur->recs_cap = cur->nrecs + count + 64;
    }
    uint64_t pos = cur->size;
    buf_reset(&l->frame);
    for (struct pending *p = batch; p; p = p->next) {
        uint64_t left = SEG_BLOCK - pos % SEG_BLOCK;
        p->off = left < SEG_FRAG_HDR ? pos + left : pos;
        int rc = seg_frame(cur->hdr.salt, pos, p->rec.data, p->rec.len, &l->frame, &pos);
        if (rc)
            return rc;
    }
    pthread_mutex_unlock(&l->mu);
    int rc = os_pwrite(cur->fd, l->frame.data, l->frame.len, (off_t)cur->size);
    if (rc)
        os_ftruncate(cur->fd, (off_t)cur->size); /* leave no partial record behind */
    pthread_mutex_lock(&l->mu);
    if (rc)
        return rc;
    for (struct pending *p = batch; p; p = p->next) {
        struct rec_header h = {p->first_sn, p->nrows, 0, 0, p->min_ms, p->max_ms};
        index_add(cur, p->off, &h); /* room was made above */
        seg_account(cur, &h);
    }
    l->info.bytes += pos - cur->size;
    cur->size = pos;
    return 0;
}

/* Lead: take the queue, write it, report to every waiter. mu held. */
static void lead(struct log *l)
{
    struct pending *batch = l->q_head;
    l->q_head = l->q_tail = NULL;
    l->leader = 1;
    uint64_t sn = l->info.next_sn, records = l->info.records;
    for (struct pending *p = batch; p; p = p->next) {
        p->first_sn = sn;
        memcpy(p->rec.data, &sn, 8);
        sn += p->nrows;
    }
    int rc = write_batch(l, batch);
    for (struct pending *p = batch; p; p = p->next) {
        p->rc = rc;
        p->done = 1;
        if (!rc) {
            records++;
            if (p->nrows && p->min_ms < l->info.min_time_ms)
                l->info.min_time_ms = p->min_ms;
            if (p->nrows && p->max_ms > l->info.max_time_ms)
                l->info.max_time_ms = p->max_ms;
        }
    }
    if (!rc) {
        l->info.next_sn = sn;
        l->info.records = records;
        l->dirty = 1;
    }
    l->leader = 0;
    pthread_cond_broadcast(&l->cv);
}

int log_append(struct log *l, const struct blk *b, uint64_t *first_sn)
{
    struct pending p;
    memset(&p, 0, sizeof(p));
    int rc = encode(l, b, &p);
    if (rc) {
        buf_free(&p.rec);
        return rc;
    }
    pthread_mutex_lock(&l->mu);
    if (l->q_tail)
        l->q_tail->next = &p;
    else
        l->q_head = &p;
    l->q_tail = &p;
    while (!p.done) {
        if (!l->leader)
            lead(l);
        else
            pthread_cond_wait(&l->cv, &l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    if (!p.rc && first_sn)
        *first_sn = p.first_sn;
    buf_free(&p.rec);
    return p.rc;
}

int log_sync(struct log *l)
{
    pthread_mutex_lock(&l->mu);
    int rc = 0;
    if (l->dirty) {
        l->dirty = 0;
        int fd = l->segs[l->nsegs - 1]->fd;
        pthread_mutex_unlock(&l->mu);
        rc = os_fdatasync(fd);
        pthread_mutex_lock(&l->mu);
        if (rc)
            l->dirty = 1;
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

void log_get_info(struct log *l, struct log_info *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->info;
    pthread_mutex_unlock(&l->mu);
}

/* --- reading ------------------------------------------------------------- */

/* The segment holding record idx. mu held. */
static struct seg *seg_of_record(struct log *l, uint64_t idx)
{
    size_t lo = 0, hi = l->nsegs;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (l->segs[mid]->first_rec <= idx)
            lo = mid;
        else
            hi = mid;
    }
    return l->segs[lo];
}

/* Index a sealed segment on first use, verifying every record. mu held. */
static int ensure_indexed(struct seg *s)
{
    if (s->indexed)
        return 0;
    struct seg keep = *s; /* the summary's figures */
    int rc = seg_scan_all(s, s->size, 0);
    if (!rc && (s->nrecs != keep.nrecs || s->nrows != keep.nrows))
        rc = ERR_CORRUPT; /* the summary and the segment disagree */
    if (rc) { /* stay unindexed, with the summary's figures: the next try fails too */
        s->nrecs = keep.nrecs;
        s->nrows = keep.nrows;
        s->min_ms = keep.min_ms;
        s->max_ms = keep.max_ms;
        s->size = keep.size;
        s->indexed = 0;
    }
    return rc;
}

int log_read(struct log *l, uint64_t idx, struct blk **blk, uint64_t *first_sn)
{
    pthread_mutex_lock(&l->mu);
    if (idx >= l->info.records || idx < l->info.first_record) {
        int rc = idx >= l->info.records ? -ERANGE : -ENOENT;
        pthread_mutex_unlock(&l->mu);
        return rc;
    }
    struct recent *slot = &l->recent[idx % RECENT_SLOTS];
    if (slot->blk && slot->idx == idx) { /* decoded by an earlier reader */
        blk_ref(slot->blk);
        *blk = slot->blk;
        *first_sn = slot->first_sn;
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    int keep = l->info.records - idx <= RECENT_SLOTS / 2;
    struct seg *s = seg_of_record(l, idx);
    int rc = ensure_indexed(s);
    struct rec r = rc ? (struct rec){0} : s->recs[idx - s->first_rec];
    int fd = s->fd;
    uint64_t salt = s->hdr.salt, size = s->size;
    if (!rc) /* retention may take it off the list meanwhile: keep it open */
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&l->mu);
    if (rc)
        return rc;

    struct seg_scan sc;
    struct rec_header h;
    struct buf raw = BUF_INIT;
    uint64_t start;
    seg_scan_init(&sc, fd, salt, r.off, size);
    rc = seg_scan_next(&sc, &start);
    if (rc == 1)
        rc = rec_get_header(&sc.rec, &h);
    else if (rc == 0)
        rc = ERR_CORRUPT;
    if (!rc && h.first_sn != r.first_sn)
        rc = ERR_CORRUPT;
    if (!rc)
        rc = codec_decompress((enum codec_id)h.codec, sc.rec.data + REC_HDR, sc.rec.len - REC_HDR,
                              h.raw_len, &raw);
    if (!rc)
        rc = blk_deserialize(raw.data, raw.len, blk);
    if (!rc && (*blk)->nrows != h.nrows) {
        blk_unref(*blk);
        rc = ERR_CORRUPT;
    }
    if (!rc)
        *first_sn = h.first_sn;
    if (!rc && keep && h.raw_len <= RECENT_MAX_RAW) {
        pthread_mutex_lock(&l->mu);
        if (idx >= l->info.first_record) { /* not dropped by retention meanwhile */
            blk_unref(slot->blk);
            blk_ref(*blk);
            *slot = (struct recent){idx, h.first_sn, *blk};
        }
        pthread_mutex_unlock(&l->mu);
    }
    buf_free(&raw);
    seg_scan_free(&sc);
    seg_put(s);
    return rc;
}

int log_find_sn(struct log *l, uint64_t sn, uint64_t *idx)
{
    pthread_mutex_lock(&l->mu);
    int rc = 0;
    *idx = l->info.records;
    if (sn < l->info.next_sn) {
        size_t k = l->nsegs;
        while (k > 1 && l->segs[k - 1]->first_sn > sn)
            k--;
        struct seg *s = l->segs[k - 1];
        rc = ensure_indexed(s);
        /* last record whose first_sn <= sn */
        uint64_t lo = 0, hi = rc ? 0 : s->nrecs;
        while (hi - lo > 1) {
            uint64_t mid = (lo + hi) / 2;
            if (s->recs[mid].first_sn <= sn)
                lo = mid;
            else
                hi = mid;
        }
        if (!rc)
            *idx = s->first_rec + lo;
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int log_find_time(struct log *l, int64_t ms, uint64_t *idx)
{
    pthread_mutex_lock(&l->mu);
    int rc = 0;
    *idx = l->info.records;
    for (size_t k = 0; k < l->nsegs && !rc; k++) {
        struct seg *s = l->segs[k];
        if (!s->nrecs || s->max_ms < ms)
            continue; /* the summary says nothing here is that new */
        if ((rc = ensure_indexed(s)))
            break;
        for (uint64_t i = 0; i < s->nrecs; i++)
            if (s->recs[i].max_ms >= ms) {
                *idx = s->first_rec + i;
                goto out;
            }
    }
out:
    pthread_mutex_unlock(&l->mu);
    return rc;
}

/* --- retention ---------------------------------------------------------- */

/* Whether retention r drops segment s (sealed) of a log of bytes bytes. */
static int droppable(const struct seg *s, const struct log_retention *r, uint64_t bytes,
                     int64_t now_ms, uint64_t safe_below_sn)
{
    if (s->first_sn + s->nrows > safe_below_sn)
        return 0; /* rows the caller still needs */
    if (r->bytes && bytes > r->bytes)
        return 1;
    int64_t cutoff;
    return r->ms && r->ms <= INT64_MAX && !__builtin_sub_overflow(now_ms, (int64_t)r->ms, &cutoff) &&
           s->max_ms < cutoff; /* a segment without rows has max_ms INT64_MIN */
}

/* Remove a segment's files, .seg first, and make that durable. A .seg
 * already gone counts as removed (an earlier try got that far). */
static int remove_files(struct log *l, const struct seg *s)
{
    char sum[PATH_MAX];
    int rc = os_unlink(s->path);
    if (rc == -ENOENT)
        rc = 0;
    if (!rc && !sum_path(s, sum, sizeof(sum))) {
        int src = os_unlink(sum);
        if (src && src != -ENOENT) /* log_open removes it later */
            msg_warn("log %s: cannot remove: %s", sum, err_str(src));
    }
    if (!rc)
        rc = os_fsync_dir(l->dir);
    return rc;
}

/* Take the oldest n segments off the list and update the info. mu held. */
static void detach_oldest(struct log *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        l->info.bytes -= l->segs[i]->size;
    memmove(l->segs, l->segs + n, (l->nsegs - n) * sizeof(*l->segs));
    l->nsegs -= n;
    l->info.segments -= n;
    l->info.first_sn = l->segs[0]->first_sn;
    l->info.first_record = l->segs[0]->first_rec;
    l->info.min_time_ms = INT64_MAX;
    l->info.max_time_ms = INT64_MIN;
    for (size_t i = 0; i < l->nsegs; i++) {
        const struct seg *s = l->segs[i];
        if (s->nrows && s->min_ms < l->info.min_time_ms)
            l->info.min_time_ms = s->min_ms;
        if (s->nrows && s->max_ms > l->info.max_time_ms)
            l->info.max_time_ms = s->max_ms;
    }
}

int log_retain(struct log *l, const struct log_retention *r, uint64_t safe_below_sn,
               struct log_dropped *out)
{
    struct log_dropped d = {0, 0, 0, 0};
    struct seg **gone = NULL;
    size_t n = 0, done = 0;
    int rc = 0;
    if (out)
        *out = d;
    if (!r->bytes && !r->ms)
        return 0;
    int64_t now_ms = clk_now_ns() / 1000000;
    pthread_mutex_lock(&l->retain_mu);
    pthread_mutex_lock(&l->mu);
    uint64_t bytes = l->info.bytes;
    /* sealed segments only: the newest one always stays */
    while (n + 1 < l->nsegs && droppable(l->segs[n], r, bytes, now_ms, safe_below_sn))
        bytes -= l->segs[n++]->size;
    if (n && !(gone = malloc(n * sizeof(*gone))))
        rc = -ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        gone[i] = l->segs[i]; /* only this call takes segments off the list */
    pthread_mutex_unlock(&l->mu);

    /* oldest first: a crash leaves a trimmed prefix; a segment whose removal
     * failed stays on the list, and a later call retries it */
    while (!rc && done < n) {
        if ((rc = remove_files(l, gone[done])))
            msg_warn("log %s: retention: %s", gone[done]->path, err_str(rc));
        else
            done++;
    }
    if (done) {
        pthread_mutex_lock(&l->mu);
        detach_oldest(l, done);
        pthread_mutex_unlock(&l->mu);
    }
    for (size_t i = 0; i < done; i++) {
        d.segments++;
        d.records += gone[i]->nrecs;
        d.rows += gone[i]->nrows;
        d.bytes += gone[i]->size;
        seg_put(gone[i]);
    }
    free(gone);
    pthread_mutex_unlock(&l->retain_mu);
    if (out)
        *out = d;
    return rc;
}

int log_wait(struct log *l, uint64_t have, int64_t timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (timeout_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
    }
    pthread_mutex_lock(&l->mu);
    int rc = 0;
    while (l->info.records <= have && rc == 0) {
        if (timeout_ms == 0)
            rc = ETIMEDOUT;
        else if (timeout_ms < 0)
            pthread_cond_wait(&l->cv, &l->mu);
        else
            rc = pthread_cond_timedwait(&l->cv, &l->mu, &until);
    }
    int more = l->info.records > have;
    pthread_mutex_unlock(&l->mu);
    return more ? 0 : -ETIMEDOUT;
}
