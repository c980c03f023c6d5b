/*
 * colstore.c — compaction of the log into parts, tiered merges, ttl and
 * snapshots for scans (store/colstore.h).
 *
 * The order of every change is: new part durable (part.c), manifest
 * durable (manifest.c), then the in-memory list and `covered` swapped
 * under the state lock, then old files unlinked. A crash before the
 * manifest commit leaves debris that cst_open removes; a crash after it
 * leaves old files that are no longer listed, removed the same way.
 *
 * Tiers: a part of r rows is in tier floor(log4(r)), so a
 * merge of CST_FANIN parts of one tier makes a part of the next; only
 * parts adjacent in sequence numbers merge (a part's rows are numbered
 * by their position), so a part dropped by ttl splits the runs.
 */
#include "store/colstore.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "store/manifest.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/msg.h"

struct cst {
    char dir[PRT_DIR_MAX];
    struct ty *types;
    uint32_t ncols;
    struct cst_opts opts;
    pthread_mutex_t merge_mu;    /* one merge or expiry at a time (taken before work) */
    pthread_mutex_t work;        /* changes of the list: a compaction, a commit */
    pthread_mutex_t mu;          /* guards the fields below */
    struct prt **parts;          /* live, in sequence order */
    uint32_t nparts;
    uint64_t covered_sn;
    struct cst_snap pins;        /* list head of live snapshots */
    uint64_t compactions, merges, expired;
    int mapped;                  /* a scan read parts since the last cst_drop_idle */
    int64_t released_ns;         /* when the last snapshot went (clk_mono_ns) */
};

static void free_parts(struct prt **parts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        prt_unref(parts[i]);
    free(parts);
}

void cst_close(struct cst *c)
{
    if (!c)
        return;
    free_parts(c->parts, c->nparts);
    free(c->types);
    pthread_mutex_destroy(&c->merge_mu);
    pthread_mutex_destroy(&c->work);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int listed(const struct mfst *m, const char *name)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (!strcmp(m->names[i], name))
            return 1;
    return 0;
}

/* Remove part files and temporaries the manifest does not list. */
static int remove_debris(const char *dir, const struct mfst *m)
{
    char *names = NULL, path[PATH_MAX];
    size_t n = 0;
    int rc = os_list_dir(dir, &names, &n), removed = 0;
    if (rc)
        return rc;
    const char *p = names;
    for (size_t i = 0; i < n; i++, p += strlen(p) + 1) {
        size_t len = strlen(p);
        int is_part = len > 4 && !strcmp(p + len - 4, ".prt");
        int is_tmp = len > 4 && !strcmp(p + len - 4, ".tmp");
        if ((is_part && !listed(m, p)) || is_tmp) {
            snprintf(path, sizeof(path), "%s/%s", dir, p);
            if ((rc = os_unlink(path)))
                break;
            msg_info("parts %s: removed %s (not committed)", dir, p);
            removed = 1;
        }
    }
    free(names);
    return rc ? rc : removed ? os_fsync_dir(dir) : 0;
}

int cst_open(const char *dir, const struct ty *types, uint32_t ncols, const struct cst_opts *o,
             struct cst **out)
{
    struct mfst m;
    struct cst *c = calloc(1, sizeof(*c));
    int rc;
    if (!c)
        return -ENOMEM;
    memset(&m, 0, sizeof(m));
    pthread_mutex_init(&c->merge_mu, NULL);
    pthread_mutex_init(&c->work, NULL);
    pthread_mutex_init(&c->mu, NULL);
    c->pins.next = c->pins.prev = &c->pins;
    c->opts = *o;
    c->ncols = ncols;
    rc = -ENAMETOOLONG;
    if (snprintf(c->dir, sizeof(c->dir), "%s", dir) >= (int)sizeof(c->dir))
        goto fail;
    rc = -ENOMEM;
    if (!(c->types = malloc(ncols * sizeof(*types))))
        goto fail;
    memcpy(c->types, types, ncols * sizeof(*types));
    if ((rc = os_mkdir(dir, 0755)) || (rc = mfst_load(dir, &m)) || (rc = remove_debris(dir, &m)))
        goto fail;
    rc = -ENOMEM;
    if (!(c->parts = calloc(m.n ? m.n : 1, sizeof(*c->parts))))
        goto fail;
    for (uint32_t i = 0; i < m.n; i++) {
        if ((rc = prt_open(dir, m.names[i], types, ncols, &c->parts[i]))) {
            msg_warn("parts %s: %s: %s", dir, m.names[i], err_str(rc));
            goto fail;
        }
        c->nparts++;
        struct prt *p = c->parts[i];
        rc = ERR_CORRUPT;
        if (p->first_sn + p->nrows > m.covered_sn ||
            (i && c->parts[i - 1]->first_sn + c->parts[i - 1]->nrows > p->first_sn))
            goto fail;
    }
    c->covered_sn = m.covered_sn;
    mfst_free(&m);
    *out = c;
    return 0;
fail:
    mfst_free(&m);
    cst_close(c);
    return rc;
}

/* ---- snapshots ---- */

int cst_snapshot(struct cst *c, struct cst_snap **out)
{
    struct cst_snap *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    pthread_mutex_lock(&c->mu);
    s->parts = calloc(c->nparts ? c->nparts : 1, sizeof(*s->parts));
    if (!s->parts) {
        pthread_mutex_unlock(&c->mu);
        free(s);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < c->nparts; i++) {
        prt_ref(c->parts[i]);
        s->parts[i] = c->parts[i];
    }
    s->nparts = c->nparts;
    s->covered_sn = c->covered_sn;
    s->next = c->pins.next;
    s->prev = &c->pins;
    c->pins.next->prev = s;
    c->pins.next = s;
    pthread_mutex_unlock(&c->mu);
    *out = s;
    return 0;
}

void cst_snap_release(struct cst *c, struct cst_snap *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&c->mu);
    s->prev->next = s->next;
    s->next->prev = s->prev;
    c->mapped = 1; /* pages of its parts are resident until cst_drop_idle */
    c->released_ns = clk_mono_ns();
    pthread_mutex_unlock(&c->mu);
    free_parts(s->parts, s->nparts);
    free(s);
}

uint64_t cst_safe_sn(struct cst *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t sn = c->covered_sn;
    for (struct cst_snap *s = c->pins.next; s != &c->pins; s = s->next)
        if (s->covered_sn < sn)
            sn = s->covered_sn;
    pthread_mutex_unlock(&c->mu);
    return sn;
}

void cst_drop_idle(struct cst *c, int64_t idle_ns)
{
    pthread_mutex_lock(&c->mu);
    if (c->pins.next == &c->pins && c->mapped && clk_mono_ns() - c->released_ns >= idle_ns) {
        for (uint32_t i = 0; i < c->nparts; i++)
            prt_drop_pages(c->parts[i]);
        c->mapped = 0;
    }
    pthread_mutex_unlock(&c->mu);
}

void cst_get_info(struct cst *c, struct cst_info *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&c->mu);
    out->parts = c->nparts;
    for (uint32_t i = 0; i < c->nparts; i++) {
        out->rows += c->parts[i]->nrows;
        out->bytes += c->parts[i]->bytes;
    }
    out->covered_sn = c->covered_sn;
    out->compactions = c->compactions;
    out->merges = c->merges;
    out->expired_parts = c->expired;
    pthread_mutex_unlock(&c->mu);
}

/* ---- committing a new list ---- */

/*
 * Make parts[0..n) with covered the store's state: the manifest first,
 * then the list (the store takes parts and its references). The caller
 * holds the work lock; the old list's references are dropped here.
 */
static int commit(struct cst *c, struct prt **parts, uint32_t n, uint64_t covered)
{
    struct mfst m;
    memset(&m, 0, sizeof(m));
    m.covered_sn = covered;
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = mfst_add(&m, parts[i]->name);
    if (!rc)
        rc = mfst_save(c->dir, &m);
    mfst_free(&m);
    if (rc)
        return rc;
    pthread_mutex_lock(&c->mu);
    struct prt **old = c->parts;
    uint32_t nold = c->nparts;
    c->parts = parts;
    c->nparts = n;
    c->covered_sn = covered;
    pthread_mutex_unlock(&c->mu);
    free_parts(old, nold);
    return 0;
}

/* Unlink the files of parts that a commit no longer lists. */
static void unlink_parts(struct cst *c, struct prt **gone, uint32_t n)
{
    char path[PATH_MAX];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", c->dir, gone[i]->name);
        int rc = os_unlink(path);
        if (rc) /* left for the next open to remove */
            msg_warn("parts %s: cannot remove %s: %s", c->dir, gone[i]->name, err_str(rc));
    }
    if (n)
        os_fsync_dir(c->dir);
}

/* A copy of the live list with references, for building the next one. */
static int copy_list(struct cst *c, uint32_t extra, struct prt ***out, uint32_t *n,
                     uint64_t *covered)
{
    pthread_mutex_lock(&c->mu);
    struct prt **p = calloc(c->nparts + extra + 1, sizeof(*p));
    if (!p) {
        pthread_mutex_unlock(&c->mu);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < c->nparts; i++) {
        prt_ref(c->parts[i]);
        p[i] = c->parts[i];
    }
    *n = c->nparts;
    *covered = c->covered_sn;
    pthread_mutex_unlock(&c->mu);
    *out = p;
    return 0;
}

/* ---- compaction ---- */

int cst_compact(struct cst *c, struct log *l, uint64_t min_rows, uint64_t *rows)
{
    struct log_info li;
    struct prt_writer *w = NULL;
    struct prt *np = NULL, **list = NULL;
    uint32_t n = 0;
    uint64_t covered, idx;
    int rc;
    *rows = 0;
    pthread_mutex_lock(&c->work);
    if ((rc = copy_list(c, 1, &list, &n, &covered)))
        goto out;
    log_get_info(l, &li);
    uint64_t from = covered > li.first_sn ? covered : li.first_sn;
    if (li.next_sn <= from || li.next_sn - from < (min_rows ? min_rows : 1))
        goto out;
    if ((rc = log_find_sn(l, from, &idx)))
        goto out;
    uint64_t sn = from, first = from;
    for (; idx < li.records && sn - first < CST_COMPACT_ROWS; idx++) {
        struct blk *b;
        uint64_t fsn;
        rc = log_read(l, idx, &b, &fsn);
        if (rc == -ENOENT)
            continue; /* dropped (below safe_sn, so below covered) */
        if (rc)
            goto out;
        uint32_t skip = 0;
        if (fsn + b->nrows <= sn) {
            blk_unref(b);
            continue;
        }
        if (fsn > sn) { /* a gap: rows dropped by retention before parts existed */
            if (w) {
                blk_unref(b);
                break; /* this part ends here; the next compaction starts after the gap */
            }
            first = sn = fsn;
        }
        skip = (uint32_t)(sn - fsn);
        if (!w && (rc = prt_writer_create(c->dir, c->types, c->ncols, c->opts.codec, first, &w))) {
            blk_unref(b);
            goto out;
        }
        rc = prt_writer_add(w, b, skip, b->nrows);
        if (!rc) /* each record was one write */
            rc = prt_writer_end_write(w, prt_writer_rows(w));
        sn = fsn + b->nrows;
        blk_unref(b);
        if (rc)
            goto out;
    }
    if (!w)
        goto out;
    rc = prt_writer_finish(w, &np);
    w = NULL;
    if (rc)
        goto out;
    list[n++] = np;
    if ((rc = commit(c, list, n, sn)))
        goto out; /* the part stays: a failed commit may still have replaced the
                   * manifest (only its last sync failed); the next open removes
                   * the file if no manifest lists it */
    list = NULL;
    *rows = sn - first;
    pthread_mutex_lock(&c->mu);
    c->compactions++;
    pthread_mutex_unlock(&c->mu);
out:
    prt_writer_abort(w);
    if (list)
        free_parts(list, n);
    pthread_mutex_unlock(&c->work);
    return rc;
}

/* ---- merges ---- */

static int tier(uint64_t rows)
{
    int t = 0;
    for (uint64_t r = rows; r >= 4; r /= 4)
        t++;
    return t;
}

static int adjacent(const struct prt *a, const struct prt *b)
{
    return a->first_sn + a->nrows == b->first_sn;
}

/* The first run [*lo, *lo + *k) to merge, or 0. */
static int pick_run(struct prt **p, uint32_t n, uint32_t *lo, uint32_t *k)
{
    for (uint32_t i = 0; i + CST_FANIN <= n; i++) {
        int t = tier(p[i]->nrows);
        uint64_t total = p[i]->nrows;
        uint32_t j = i + 1;
        while (j < n && j - i < CST_FANIN && tier(p[j]->nrows) == t && adjacent(p[j - 1], p[j]))
            total += p[j++]->nrows;
        if (j - i == CST_FANIN && total <= CST_MAX_PART_ROWS) {
            *lo = i;
            *k = CST_FANIN;
            return 1;
        }
    }
    return 0;
}

static int rewrite(struct cst *c, struct prt **in, uint32_t k, struct prt **out)
{
    struct prt_writer *w = NULL;
    struct blk *b = NULL;
    struct buf raw = BUF_INIT;
    int rc;
    if ((rc = prt_writer_create(c->dir, c->types, c->ncols, c->opts.codec, in[0]->first_sn, &w)) ||
        (rc = blk_create(c->types, c->ncols, &b)))
        goto out;
    for (uint32_t i = 0; i < k; i++) {
        uint64_t base = prt_writer_rows(w);
        for (uint32_t g = 0; g < in[i]->ngran; g++) {
            blk_clear(b);
            for (uint32_t col = 0; col < c->ncols; col++)
                if ((rc = prt_read_col(in[i], g, col, &raw, &b->cols[col])))
                    goto out;
            if ((rc = blk_seal(b)) || (rc = prt_writer_add(w, b, 0, b->nrows)))
                goto out;
        }
        for (uint32_t e = 0; e < in[i]->nwends; e++) /* the writes stay as they came */
            if ((rc = prt_writer_end_write(w, base + in[i]->wends[e])))
                goto out;
    }
    rc = prt_writer_finish(w, out);
    w = NULL;
out:
    prt_writer_abort(w);
    blk_unref(b);
    buf_free(&raw);
    return rc;
}

int cst_merge(struct cst *c, uint32_t *merged)
{
    struct prt **list = NULL, **cur = NULL, *np = NULL, *gone[CST_FANIN];
    uint32_t n = 0, m = 0, lo, k;
    uint64_t covered;
    int rc;
    *merged = 0;
    pthread_mutex_lock(&c->merge_mu); /* merges and expiry: one at a time */
    if ((rc = copy_list(c, 0, &list, &n, &covered)) || !pick_run(list, n, &lo, &k))
        goto out;
    /* the rewrite takes no lock compactions, ingest or scans wait for */
    if ((rc = rewrite(c, list + lo, k, &np)))
        goto out;
    pthread_mutex_lock(&c->work);
    /* since the copy, only compactions ran: they appended after the run */
    if ((rc = copy_list(c, 0, &cur, &m, &covered))) {
        pthread_mutex_unlock(&c->work);
        prt_unref(np);
        goto out;
    }
    if (m < lo + k || memcmp(cur + lo, list + lo, k * sizeof(*cur))) {
        rc = -EAGAIN; /* cannot happen while merge_mu is held; never guess */
    } else {
        memcpy(gone, cur + lo, k * sizeof(*gone));
        cur[lo] = np;
        memmove(cur + lo + 1, cur + lo + k, (m - lo - k) * sizeof(*cur));
        if ((rc = commit(c, cur, m - k + 1, covered))) {
            /* the files stay, old and new: see cst_compact */
            memmove(cur + lo + k, cur + lo + 1, (m - lo - k) * sizeof(*cur));
            memcpy(cur + lo, gone, k * sizeof(*gone));
        }
    }
    pthread_mutex_unlock(&c->work);
    if (rc) {
        prt_unref(np);
        free_parts(cur, m);
        goto out;
    }
    unlink_parts(c, gone, k);
    for (uint32_t i = 0; i < k; i++)
        prt_unref(gone[i]);
    *merged = k;
    pthread_mutex_lock(&c->mu);
    c->merges++;
    pthread_mutex_unlock(&c->mu);
out:
    if (list)
        free_parts(list, n);
    pthread_mutex_unlock(&c->merge_mu);
    return rc;
}

/* ---- ttl ---- */

int cst_expire(struct cst *c, int64_t now_ms, uint32_t *dropped)
{
    struct prt **list = NULL, **gone = NULL;
    uint32_t n = 0, kept = 0, ngone = 0;
    uint64_t covered;
    int rc = 0;
    *dropped = 0;
    if (!c->opts.ttl_ms)
        return 0;
    pthread_mutex_lock(&c->merge_mu);
    pthread_mutex_lock(&c->work);
    if ((rc = copy_list(c, 0, &list, &n, &covered)))
        goto out;
    rc = -ENOMEM;
    if (!(gone = calloc(n + 1, sizeof(*gone))))
        goto out;
    rc = 0;
    int64_t limit = now_ms - (int64_t)c->opts.ttl_ms;
    for (uint32_t i = 0; i < n; i++) {
        const struct enc_stat *t = &list[i]->part_stats[c->ncols - 1];
        if ((t->flags & ENC_ST_MINMAX) && t->max.i < limit)
            gone[ngone++] = list[i];
        else
            list[kept++] = list[i];
    }
    if (!ngone)
        goto out;
    if ((rc = commit(c, list, kept, covered))) {
        for (uint32_t i = 0; i < ngone; i++)
            prt_unref(gone[i]);
        n = kept;
        goto out;
    }
    list = NULL;
    unlink_parts(c, gone, ngone);
    for (uint32_t i = 0; i < ngone; i++)
        prt_unref(gone[i]);
    *dropped = ngone;
    pthread_mutex_lock(&c->mu);
    c->expired += ngone;
    pthread_mutex_unlock(&c->mu);
out:
    if (list)
        free_parts(list, n);
    free(gone);
    pthread_mutex_unlock(&c->work);
    pthread_mutex_unlock(&c->merge_mu);
    return rc;
}
