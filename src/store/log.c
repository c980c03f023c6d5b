/*
 * log.c — the stream log of the walking skeleton (store/log.h).
 *
 * One file, `DIR/log`, of records. An in-memory index (file offset and
 * first sequence number per record) makes reads by record number cheap;
 * it is rebuilt at open by scanning headers, and the scan stops at the
 * first record that does not validate: a torn tail from a crash, which is
 * truncated and reported with the number of bytes dropped.
 */
#include "store/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "util/crc32c.h"
#include "util/err.h"
#include "util/msg.h"

#define LOG_MAGIC 0x31524653u /* "SFR1" */

struct rec {
    uint64_t off;
    uint64_t first_sn;
};

struct log {
    pthread_mutex_t mu;  /* guards everything below */
    int fd;
    char path[PATH_MAX];
    struct rec *recs;
    uint64_t nrecs, cap;
    struct log_info info;
    struct buf scratch;  /* serialization buffer for appends */
    int dirty;           /* appended since last sync */
};

struct hdr {
    uint32_t magic;
    uint32_t crc;
    uint32_t len;
    uint32_t nrows;
    uint64_t first_sn;
    int64_t min_ms;
    int64_t max_ms;
};

static void put_hdr(unsigned char *p, const struct hdr *h)
{
    memcpy(p, &h->magic, 4);
    memcpy(p + 4, &h->crc, 4);
    memcpy(p + 8, &h->len, 4);
    memcpy(p + 12, &h->nrows, 4);
    memcpy(p + 16, &h->first_sn, 8);
    memcpy(p + 24, &h->min_ms, 8);
    memcpy(p + 32, &h->max_ms, 8);
}

static void get_hdr(const unsigned char *p, struct hdr *h)
{
    memcpy(&h->magic, p, 4);
    memcpy(&h->crc, p + 4, 4);
    memcpy(&h->len, p + 8, 4);
    memcpy(&h->nrows, p + 12, 4);
    memcpy(&h->first_sn, p + 16, 8);
    memcpy(&h->min_ms, p + 24, 8);
    memcpy(&h->max_ms, p + 32, 8);
}

static int index_add(struct log *l, uint64_t off, uint64_t first_sn)
{
    if (l->nrecs == l->cap) {
        uint64_t cap = l->cap ? l->cap * 2 : 256;
        struct rec *r = realloc(l->recs, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        l->recs = r;
        l->cap = cap;
    }
    l->recs[l->nrecs++] = (struct rec){off, first_sn};
    return 0;
}

static void account(struct log *l, const struct hdr *h)
{
    l->info.next_sn = h->first_sn + h->nrows;
    l->info.records++;
    if (h->nrows) {
        if (h->min_ms < l->info.min_time_ms)
            l->info.min_time_ms = h->min_ms;
        if (h->max_ms > l->info.max_time_ms)
            l->info.max_time_ms = h->max_ms;
    }
}

/* Validate the record at off; 0 with *h filled, ERR_CORRUPT otherwise. */
static int check_record(struct log *l, uint64_t off, uint64_t size, struct hdr *h,
                        struct buf *tmp)
{
    unsigned char hb[LOG_HDR];
    size_t got;
    if (size - off < LOG_HDR)
        return ERR_CORRUPT;
    int rc = os_pread(l->fd, hb, LOG_HDR, (off_t)off, &got);
    if (rc)
        return rc;
    get_hdr(hb, h);
    if (got < LOG_HDR || h->magic != LOG_MAGIC || h->len > size - off - LOG_HDR ||
        h->first_sn != l->info.next_sn)
        return ERR_CORRUPT;
    buf_reset(tmp);
    rc = buf_reserve(tmp, h->len);
    if (rc)
        return rc;
    rc = os_pread(l->fd, tmp->data, h->len, (off_t)(off + LOG_HDR), &got);
    if (rc)
        return rc;
    uint32_t crc = crc32c_extend(crc32c(hb + 8, LOG_HDR - 8), tmp->data, h->len);
    if (got < h->len || crc32c_mask(crc) != h->crc)
        return ERR_CORRUPT;
    return 0;
}

/*
 * Is there a record that validates anywhere in (off, size)? Only a torn
 * tail may be cut: bad bytes followed by good records are corruption in
 * the middle of the log, which must not be silently thrown away. The CRC
 * covers the header, so stale bytes that merely look like a header fail.
 */
static int valid_record_after(struct log *l, uint64_t off, uint64_t size, struct buf *tmp)
{
    unsigned char win[4096];
    for (uint64_t pos = off + 1; pos + LOG_HDR <= size;) {
        size_t got;
        if (os_pread(l->fd, win, sizeof(win), (off_t)pos, &got) || got < 4)
            return 0;
        for (size_t i = 0; i + 4 <= got; i++) {
            uint32_t m;
            memcpy(&m, win + i, 4);
            if (m != LOG_MAGIC)
                continue;
            struct hdr h;
            uint64_t saved = l->info.next_sn;
            int rc;
            /* sequence continuity is unknown here: accept the candidate's own */
            unsigned char hb[LOG_HDR];
            size_t hg;
            if (os_pread(l->fd, hb, LOG_HDR, (off_t)(pos + i), &hg) || hg < LOG_HDR)
                continue;
            get_hdr(hb, &h);
            l->info.next_sn = h.first_sn;
            rc = check_record(l, pos + i, size, &h, tmp);
            l->info.next_sn = saved;
            if (rc == 0)
                return 1;
        }
        pos += got - 3; /* overlap so a magic across windows is seen */
    }
    return 0;
}

static int recover(struct log *l)
{
    off_t size;
    int rc = os_fsize(l->fd, &size);
    if (rc)
        return rc;
    uint64_t off = 0;
    struct buf tmp = BUF_INIT;
    while (off < (uint64_t)size) {
        struct hdr h;
        rc = check_record(l, off, (uint64_t)size, &h, &tmp);
        if (rc == ERR_CORRUPT)
            break;
        if (rc)
            goto out;
        rc = index_add(l, off, h.first_sn);
        if (rc)
            goto out;
        account(l, &h);
        off += LOG_HDR + h.len;
    }
    rc = 0;
    if (off < (uint64_t)size && valid_record_after(l, off, (uint64_t)size, &tmp)) {
        msg_error("log %s: corrupt record at byte %llu followed by valid records: refusing "
                  "to open (nothing was changed)",
                  l->path, (unsigned long long)off);
        rc = ERR_CORRUPT;
        goto out;
    }
    if (off < (uint64_t)size) {
        msg_warn("log %s: torn tail, dropped %llu bytes after %llu records", l->path,
                 (unsigned long long)((uint64_t)size - off), (unsigned long long)l->nrecs);
        rc = os_ftruncate(l->fd, (off_t)off);
        if (!rc)
            rc = os_fdatasync(l->fd);
    }
    l->info.bytes = off;
out:
    buf_free(&tmp);
    return rc;
}

int log_open(const char *dir, struct log **out)
{
    struct log *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    pthread_mutex_init(&l->mu, NULL);
    l->fd = -1;
    l->info.min_time_ms = INT64_MAX;
    l->info.max_time_ms = INT64_MIN;
    int rc = -ENAMETOOLONG;
    if (snprintf(l->path, sizeof(l->path), "%s/log", dir) >= (int)sizeof(l->path))
        goto fail;
    rc = os_mkdir(dir, 0755);
    if (!rc)
        rc = os_open(l->path, O_RDWR | O_CREAT, 0644, &l->fd);
    if (!rc)
        rc = recover(l);
    if (rc)
        goto fail;
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
    if (l->fd >= 0) {
        if (l->dirty)
            os_fdatasync(l->fd);
        os_close(l->fd);
    }
    pthread_mutex_destroy(&l->mu);
    buf_free(&l->scratch);
    free(l->recs);
    free(l);
}

static void time_range(const struct blk *b, int64_t *min, int64_t *max)
{
    *min = INT64_MAX;
    *max = INT64_MIN;
    if (!b->ncols)
        return;
    const struct col *t = &b->cols[b->ncols - 1];
    const int64_t *v = t->data;
    for (uint32_t i = 0; i < b->nrows; i++) {
        if (v[i] < *min)
            *min = v[i];
        if (v[i] > *max)
            *max = v[i];
    }
}

int log_append(struct log *l, const struct blk *b, uint64_t *first_sn)
{
    pthread_mutex_lock(&l->mu);
    struct buf *s = &l->scratch;
    buf_reset(s);
    int rc = buf_reserve(s, LOG_HDR);
    if (rc)
        goto out;
    s->len = LOG_HDR;
    rc = blk_serialize(b, s);
    if (rc)
        goto out;
    struct hdr h = {LOG_MAGIC, 0, (uint32_t)(s->len - LOG_HDR), b->nrows, l->info.next_sn, 0, 0};
    time_range(b, &h.min_ms, &h.max_ms);
    put_hdr((unsigned char *)s->data, &h);
    h.crc = crc32c_mask(crc32c(s->data + 8, s->len - 8));
    put_hdr((unsigned char *)s->data, &h);
    uint64_t off = l->info.bytes;
    rc = os_pwrite(l->fd, s->data, s->len, (off_t)off);
    if (!rc)
        rc = index_add(l, off, h.first_sn);
    if (rc) {
        /* leave no partial record behind: the next append starts at off */
        os_ftruncate(l->fd, (off_t)off);
        goto out;
    }
    account(l, &h);
    l->info.bytes = off + s->len;
    l->dirty = 1;
    if (first_sn)
        *first_sn = h.first_sn;
out:
    if (s->cap > (4u << 20))
        buf_free(s); /* do not pin a huge batch's buffer */
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int log_sync(struct log *l)
{
    pthread_mutex_lock(&l->mu);
    int rc = 0;
    if (l->dirty) {
        rc = os_fdatasync(l->fd);
        if (!rc)
            l->dirty = 0;
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

int log_read(struct log *l, uint64_t idx, struct blk **blk, uint64_t *first_sn)
{
    pthread_mutex_lock(&l->mu);
    if (idx >= l->nrecs) {
        pthread_mutex_unlock(&l->mu);
        return -ERANGE;
    }
    struct rec r = l->recs[idx];
    pthread_mutex_unlock(&l->mu);

    unsigned char hb[LOG_HDR];
    size_t got;
    struct hdr h;
    char *payload = NULL;
    int rc = os_pread(l->fd, hb, LOG_HDR, (off_t)r.off, &got);
    if (rc)
        return rc;
    get_hdr(hb, &h);
    if (got < LOG_HDR || h.magic != LOG_MAGIC)
        return ERR_CORRUPT;
    payload = malloc(h.len ? h.len : 1);
    if (!payload)
        return -ENOMEM;
    rc = os_pread(l->fd, payload, h.len, (off_t)(r.off + LOG_HDR), &got);
    if (rc)
        goto fail;
    rc = ERR_CORRUPT;
    uint32_t crc = crc32c_extend(crc32c(hb + 8, LOG_HDR - 8), payload, h.len);
    if (got < h.len || crc32c_mask(crc) != h.crc)
        goto fail;
    rc = blk_deserialize(payload, h.len, blk);
    if (rc)
        goto fail;
    *first_sn = r.first_sn;
fail:
    free(payload);
    return rc;
}
