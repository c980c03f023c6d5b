/*
 * kv.c — a mutable stream's table of current rows on LevelDB
 * (store/kv.h): shards, memtables, batched flushes with index and family
 * maintenance, merged snapshot scans, index lookups.
 *
 * LevelDB does its own file I/O inside DIR/shard-<n>; this is the one
 * place outside src/os that lets a library touch files (ARCHITECTURE.md).
 */
#include <errno.h>
#include <leveldb/c.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "store/kv.h"
#include "util/err.h"
#include "util/msg.h"

#define MT_BUDGET (64u << 20) /* memtable bytes over all shards before a flush */

struct shard {
    leveldb_t *db;
    struct kv_mt *mt;
    uint64_t applied;          /* every log row below this is in LevelDB */
};

struct kv_store {
    const struct schema *s;
    uint32_t nshards;
    struct shard *sh;
    leveldb_options_t *opts;
    leveldb_cache_t *cache;
    leveldb_writeoptions_t *wsync;
    leveldb_readoptions_t *rdef;
    pthread_mutex_t mu;        /* guards the memtables, seen_sn and flushes */
    uint64_t seen_sn;          /* every log row below this is in a memtable or LevelDB */
    struct buf kbuf, vbuf;     /* kv_apply's scratch (under mu) */
};

static int ldb_err(char *e, const char *what)
{
    if (!e)
        return 0;
    msg_error("kv: %s: %s", what, e);
    leveldb_free(e);
    return -EIO;
}

static uint32_t shard_of(const struct kv_store *kv, uint64_t h)
{
    return (uint32_t)(h % kv->nshards);
}

static uint64_t read_mark(struct kv_store *kv, leveldb_t *db, int *rc)
{
    char *e = NULL;
    size_t n = 0;
    char *v = leveldb_get(db, kv->rdef, "m", 1, &n, &e);
    uint64_t sn = 0;
    *rc = ldb_err(e, "read applied mark");
    if (v && n == 8)
        memcpy(&sn, v, 8);
    else if (v)
        *rc = ERR_CORRUPT;
    leveldb_free(v);
    return sn;
}

int kv_open(const char *dir, const struct schema *s, struct kv_store **out)
{
    struct kv_store *kv = calloc(1, sizeof *kv);
    int rc = -ENOMEM;
    if (!kv)
        return rc;
    kv->s = s;
    kv->nshards = s->shards ? s->shards : 1;
    pthread_mutex_init(&kv->mu, NULL);
    if (!(kv->sh = calloc(kv->nshards, sizeof *kv->sh)))
        goto fail;
    if ((rc = os_mkdir(dir, 0755)) && rc != -EEXIST)
        goto fail;
    rc = -ENOMEM;
    kv->opts = leveldb_options_create();
    kv->cache = leveldb_cache_create_lru(1u << 20); /* small: idle RSS stays low */
    kv->wsync = leveldb_writeoptions_create();
    kv->rdef = leveldb_readoptions_create();
    if (!kv->opts || !kv->cache || !kv->wsync || !kv->rdef)
        goto fail;
    leveldb_options_set_create_if_missing(kv->opts, 1);
    leveldb_options_set_cache(kv->opts, kv->cache);
    leveldb_options_set_max_open_files(kv->opts, 64);
    leveldb_writeoptions_set_sync(kv->wsync, 1);
    kv->seen_sn = UINT64_MAX;
    for (uint32_t i = 0; i < kv->nshards; i++) {
        char path[512], *e = NULL;
        snprintf(path, sizeof path, "%s/shard-%u", dir, i);
        kv->sh[i].db = leveldb_open(kv->opts, path, &e);
        if ((rc = ldb_err(e, path)) || (rc = kv_mt_create(&kv->sh[i].mt)))
            goto fail;
        kv->sh[i].applied = read_mark(kv, kv->sh[i].db, &rc);
        if (rc)
            goto fail;
        if (kv->sh[i].applied < kv->seen_sn)
            kv->seen_sn = kv->sh[i].applied;
    }
    *out = kv;
    return 0;
fail:
    kv_close(kv);
    return rc;
}

void kv_close(struct kv_store *kv)
{
    if (!kv)
        return;
    if (kv->sh && kv->sh[0].db && kv->wsync)
        kv_flush(kv);
    for (uint32_t i = 0; kv->sh && i < kv->nshards; i++) {
        if (kv->sh[i].db)
            leveldb_close(kv->sh[i].db);
        kv_mt_destroy(kv->sh[i].mt);
    }
    free(kv->sh);
    if (kv->opts)
        leveldb_options_destroy(kv->opts);
    if (kv->cache)
        leveldb_cache_destroy(kv->cache);
    if (kv->wsync)
        leveldb_writeoptions_destroy(kv->wsync);
    if (kv->rdef)
        leveldb_readoptions_destroy(kv->rdef);
    buf_free(&kv->kbuf);
    buf_free(&kv->vbuf);
    pthread_mutex_destroy(&kv->mu);
    free(kv);
}

uint64_t kv_applied_sn(struct kv_store *kv)
{
    uint64_t m = UINT64_MAX;
    pthread_mutex_lock(&kv->mu);
    for (uint32_t i = 0; i < kv->nshards; i++)
        if (kv->sh[i].applied < m)
            m = kv->sh[i].applied;
    pthread_mutex_unlock(&kv->mu);
    return m;
}

static size_t mt_bytes(const struct kv_store *kv)
{
    size_t n = 0;
    for (uint32_t i = 0; i < kv->nshards; i++)
        n += kv_mt_bytes(kv->sh[i].mt);
    return n;
}

static int flush_locked(struct kv_store *kv);

int kv_apply(struct kv_store *kv, const struct blk *b, uint64_t first_sn)
{
    int rc = 0;
    pthread_mutex_lock(&kv->mu);
    for (uint32_t i = 0; i < b->nrows && !rc; i++) {
        int del;
        kv->kbuf.len = 0;
        kv->vbuf.len = 0;
        if ((rc = kv_encode_row(kv->s, b, i, &kv->kbuf, &kv->vbuf, &del)))
            break;
        const uint8_t *k = (const uint8_t *)kv->kbuf.data, *v = (const uint8_t *)kv->vbuf.data;
        uint64_t h = kv_hash(k, kv->kbuf.len);
        struct shard *sh = &kv->sh[shard_of(kv, h)];
        if (first_sn + i < sh->applied) /* replay: LevelDB has it */
            continue;
        rc = kv_mt_put(sh->mt, k, kv->kbuf.len, h, v, kv->vbuf.len, del);
    }
    if (!rc && first_sn + b->nrows > kv->seen_sn)
        kv->seen_sn = first_sn + b->nrows;
    if (!rc && mt_bytes(kv) > MT_BUDGET)
        rc = flush_locked(kv);
    pthread_mutex_unlock(&kv->mu);
    return rc;
}

/* ---- flush ---- */

struct flush_ctx {
    struct blk *newr, *oldr;   /* one-row scratch blocks of every column */
    uint32_t *all;             /* 0..ncols-1 */
    struct buf fam[SCH_MAX_GROUPS + 1]; /* [0] the default family, [F+1] family F */
    struct buf k2, ik;
};

/* The stored key of family slot f (0 default, F+1) for row key k. */
static int fam_key(struct buf *out, uint32_t f, const uint8_t *k, size_t n)
{
    out->len = 0;
    int rc = f ? buf_putc(out, 'f') : buf_putc(out, 'r');
    if (!rc && f)
        rc = buf_putc(out, (char)(f - 1));
    return rc ? rc : buf_append(out, k, n);
}

/* Index I's entry for row r of b (all columns) with row key k. */
static int index_key(const struct schema *s, uint32_t I, const struct blk *b, const uint8_t *k,
                     size_t n, struct buf *out)
{
    out->len = 0;
    int rc = buf_putc(out, 'i');
    if (!rc)
        rc = buf_putc(out, (char)I);
    for (uint32_t j = 0; j < s->index[I].ncols && !rc; j++)
        rc = kv_key_append(out, &b->cols[s->index[I].cols[j]], 0);
    return rc ? rc : buf_append(out, k, n);
}

/* The stored row under key k into c->oldr (all columns); *found. */
static int get_old(struct kv_store *kv, struct shard *sh, struct flush_ctx *c, const uint8_t *k,
                   size_t n, int *found)
{
    const uint8_t *fv[SCH_MAX_GROUPS];
    size_t fl[SCH_MAX_GROUPS];
    char *vals[SCH_MAX_GROUPS + 1] = {0};
    size_t lens[SCH_MAX_GROUPS + 1] = {0};
    int rc = 0;
    *found = 0;
    blk_clear(c->oldr);
    for (uint32_t f = 0; f <= kv->s->nfamily && !rc; f++) {
        char *e = NULL;
        if ((rc = fam_key(&c->k2, f, k, n)))
            break;
        vals[f] = leveldb_get(sh->db, kv->rdef, c->k2.data, c->k2.len, &lens[f], &e);
        rc = ldb_err(e, "get");
        if (!vals[f])
            break;
    }
    if (!rc && vals[0]) {
        for (uint32_t f = 0; f < kv->s->nfamily; f++) {
            fv[f] = (const uint8_t *)(vals[f + 1] ? vals[f + 1] : "");
            fl[f] = lens[f + 1];
        }
        rc = kv_row_decode(kv->s, k, n, (const uint8_t *)vals[0], lens[0], fv, fl, c->all,
                           kv->s->ncols, c->oldr);
        *found = !rc;
    }
    for (uint32_t f = 0; f <= kv->s->nfamily; f++)
        leveldb_free(vals[f]);
    return rc;
}

/* Split a whole value (kv_encode_row) into the family buffers. */
static int split(const struct schema *s, const uint8_t *v, size_t n, struct flush_ctx *c)
{
    const uint8_t *p = v, *end = v + n;
    for (uint32_t f = 0; f <= s->nfamily; f++)
        c->fam[f].len = 0;
    for (uint32_t col = 0; col < s->ncols; col++) {
        if (sch_is_key(s, col) || col == sch_delta_col(s))
            continue;
        const uint8_t *start = p;
        int rc = kv_val_decode(&p, end, NULL, s->cols[col].ty);
        if (!rc)
            rc = buf_append(&c->fam[sch_family_of(s, col) + 1], start, (size_t)(p - start));
        if (rc)
            return rc;
    }
    return p == end ? 0 : ERR_CORRUPT;
}

static int flush_entry(struct kv_store *kv, struct shard *sh, struct flush_ctx *c,
                       leveldb_writebatch_t *wb, const uint8_t *k, size_t kn, const uint8_t *v,
                       size_t vn, int del)
{
    const struct schema *s = kv->s;
    int rc, found = 0;
    if (s->nindex) {
        if ((rc = get_old(kv, sh, c, k, kn, &found)))
            return rc;
        for (uint32_t I = 0; I < s->nindex && found; I++) {
            if ((rc = index_key(s, I, c->oldr, k, kn, &c->ik)))
                return rc;
            leveldb_writebatch_delete(wb, c->ik.data, c->ik.len);
        }
    }
    if (del) {
        for (uint32_t f = 0; f <= s->nfamily; f++) {
            if ((rc = fam_key(&c->k2, f, k, kn)))
                return rc;
            leveldb_writebatch_delete(wb, c->k2.data, c->k2.len);
        }
        return 0;
    }
    if ((rc = split(s, v, vn, c)))
        return rc;
    for (uint32_t f = 0; f <= s->nfamily; f++) {
        if ((rc = fam_key(&c->k2, f, k, kn)))
            return rc;
        leveldb_writebatch_put(wb, c->k2.data, c->k2.len, c->fam[f].data ? c->fam[f].data : "",
                               c->fam[f].len);
    }
    if (s->nindex) {
        blk_clear(c->newr);
        if ((rc = kv_decode_full(s, k, kn, v, vn, 0, c->newr)) || (rc = blk_seal(c->newr)))
            return rc;
        for (uint32_t I = 0; I < s->nindex; I++) {
            if ((rc = index_key(s, I, c->newr, k, kn, &c->ik)))
                return rc;
            leveldb_writebatch_put(wb, c->ik.data, c->ik.len, "", 0);
        }
    }
    return 0;
}

/* One shard's memtable in write batches of at most ~4 MiB; the last one
 * carries the applied mark, and is synced. */
static int flush_shard(struct kv_store *kv, struct shard *sh, struct flush_ctx *c)
{
    leveldb_writebatch_t *wb = leveldb_writebatch_create();
    leveldb_writeoptions_t *wnosync = leveldb_writeoptions_create();
    size_t pos = 0, kn, vn, in_batch = 0;
    const uint8_t *k, *v;
    int del, rc = 0;
    char *e = NULL;
    if (!wb || !wnosync) {
        rc = -ENOMEM;
        goto out;
    }
    while (!rc && kv_mt_next(sh->mt, &pos, &k, &kn, &v, &vn, &del) == 0) {
        rc = flush_entry(kv, sh, c, wb, k, kn, v, vn, del);
        in_batch += kn + vn;
        if (!rc && in_batch > (4u << 20)) {
            leveldb_write(sh->db, wnosync, wb, &e);
            rc = ldb_err(e, "write");
            leveldb_writebatch_clear(wb);
            in_batch = 0;
        }
    }
    if (!rc) {
        leveldb_writebatch_put(wb, "m", 1, (const char *)&kv->seen_sn, 8);
        leveldb_write(sh->db, kv->wsync, wb, &e);
        rc = ldb_err(e, "write");
    }
    if (!rc) {
        sh->applied = kv->seen_sn;
        kv_mt_clear(sh->mt);
    }
out:
    if (wb)
        leveldb_writebatch_destroy(wb);
    if (wnosync)
        leveldb_writeoptions_destroy(wnosync);
    return rc;
}

static int flush_locked(struct kv_store *kv)
{
    struct flush_ctx c;
    int rc = 0;
    memset(&c, 0, sizeof c);
    if (kv->seen_sn == UINT64_MAX)
        return 0;
    if ((rc = sch_block(kv->s, &c.newr)) || (rc = sch_block(kv->s, &c.oldr)))
        goto out;
    if (!(c.all = malloc(kv->s->ncols * sizeof *c.all))) {
        rc = -ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < kv->s->ncols; i++)
        c.all[i] = i;
    for (uint32_t i = 0; i < kv->nshards && !rc; i++)
        if (kv_mt_count(kv->sh[i].mt) || kv->sh[i].applied != kv->seen_sn)
            rc = flush_shard(kv, &kv->sh[i], &c);
out:
    blk_unref(c.newr);
    blk_unref(c.oldr);
    free(c.all);
    for (uint32_t f = 0; f <= SCH_MAX_GROUPS; f++)
        buf_free(&c.fam[f]);
    buf_free(&c.k2);
    buf_free(&c.ik);
    return rc;
}

int kv_flush(struct kv_store *kv)
{
    pthread_mutex_lock(&kv->mu);
    int rc = flush_locked(kv);
    pthread_mutex_unlock(&kv->mu);
    return rc;
}

/* ---- reading ---- */

struct scan_shard {
    const leveldb_snapshot_t *snap;
    leveldb_readoptions_t *ro;
    leveldb_iterator_t *it;               /* over 'r' */
    leveldb_iterator_t *fit[SCH_MAX_GROUPS];
    int valid, advance;
};

struct kv_scan {
    struct kv_store *kv;
    uint32_t fams;
    struct buf lo, hi;                    /* 'r' + bound; hi.len 0: none */
    struct scan_shard *ss;
    int cur;                              /* the shard whose row was returned last */
};

static int in_range(const struct kv_scan *sc, leveldb_iterator_t *it)
{
    size_t n;
    const char *k;
    if (!leveldb_iter_valid(it))
        return 0;
    k = leveldb_iter_key(it, &n);
    if (n < 1 || k[0] != 'r')
        return 0;
    if (!sc->hi.len)
        return 1;
    size_t m = n < sc->hi.len ? n : sc->hi.len;
    int c = memcmp(k, sc->hi.data, m);
    return c < 0 || (c == 0 && n < sc->hi.len);
}

static int scan_open(struct kv_store *kv, int only, const uint8_t *lo, size_t lo_len,
                     const uint8_t *hi, size_t hi_len, uint32_t fams, struct kv_scan **out)
{
    struct kv_scan *sc = calloc(1, sizeof *sc);
    int rc = -ENOMEM;
    if (!sc)
        return rc;
    sc->kv = kv;
    sc->fams = fams;
    sc->cur = -1;
    if ((rc = buf_putc(&sc->lo, 'r')) || (rc = buf_append(&sc->lo, lo, lo_len)))
        goto fail;
    if (hi_len && ((rc = buf_putc(&sc->hi, 'r')) || (rc = buf_append(&sc->hi, hi, hi_len))))
        goto fail;
    rc = -ENOMEM;
    if (!(sc->ss = calloc(kv->nshards, sizeof *sc->ss)))
        goto fail;
    if ((rc = kv_flush(kv)))
        goto fail;
    for (uint32_t i = 0; i < kv->nshards; i++) {
        struct scan_shard *s = &sc->ss[i];
        if (only >= 0 && i != (uint32_t)only)
            continue; /* valid stays 0: this scan never reads it */
        rc = -ENOMEM;
        if (!(s->ro = leveldb_readoptions_create()))
            goto fail;
        s->snap = leveldb_create_snapshot(kv->sh[i].db);
        leveldb_readoptions_set_snapshot(s->ro, s->snap);
        leveldb_readoptions_set_fill_cache(s->ro, 0);
        if (!(s->it = leveldb_create_iterator(kv->sh[i].db, s->ro)))
            goto fail;
        leveldb_iter_seek(s->it, sc->lo.data, sc->lo.len);
        for (uint32_t f = 0; f < kv->s->nfamily; f++) {
            if (!(fams & (1u << f)))
                continue;
            if (!(s->fit[f] = leveldb_create_iterator(kv->sh[i].db, s->ro)))
                goto fail;
            struct buf fk = BUF_INIT;
            rc = fam_key(&fk, f + 1, lo, lo_len);
            if (!rc)
                leveldb_iter_seek(s->fit[f], fk.data, fk.len);
            buf_free(&fk);
            if (rc)
                goto fail;
        }
        s->valid = in_range(sc, s->it);
    }
    *out = sc;
    return 0;
fail:
    kv_scan_close(sc);
    return rc;
}

int kv_scan_open(struct kv_store *kv, const uint8_t *lo, size_t lo_len, const uint8_t *hi,
                 size_t hi_len, uint32_t fams, struct kv_scan **out)
{
    return scan_open(kv, -1, lo, lo_len, hi, hi_len, fams, out);
}

int kv_scan_open_shard(struct kv_store *kv, uint32_t shard, const uint8_t *lo, size_t lo_len,
                       const uint8_t *hi, size_t hi_len, uint32_t fams, struct kv_scan **out)
{
    if (shard >= kv->nshards)
        return -EINVAL;
    return scan_open(kv, (int)shard, lo, lo_len, hi, hi_len, fams, out);
}

uint32_t kv_shards(const struct kv_store *kv)
{
    return kv->nshards;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    return c ? c : (an > bn) - (an < bn);
}

int kv_scan_next(struct kv_scan *sc, const uint8_t **key, size_t *key_len, const uint8_t **val,
                 size_t *val_len, const uint8_t **fv, size_t *fl)
{
    const struct schema *s = sc->kv->s;
    if (sc->cur >= 0) { /* step past the row returned last time */
        struct scan_shard *p = &sc->ss[sc->cur];
        leveldb_iter_next(p->it);
        for (uint32_t f = 0; f < s->nfamily; f++)
            if (p->fit[f])
                leveldb_iter_next(p->fit[f]);
        p->valid = in_range(sc, p->it);
    }
    int best = -1;
    const char *bk = NULL;
    size_t bn = 0;
    for (uint32_t i = 0; i < sc->kv->nshards; i++) {
        size_t n;
        const char *k;
        if (!sc->ss[i].valid)
            continue;
        k = leveldb_iter_key(sc->ss[i].it, &n);
        if (best < 0 || key_cmp(k, n, bk, bn) < 0) {
            best = (int)i;
            bk = k;
            bn = n;
        }
    }
    sc->cur = best;
    if (best < 0) {
        *key = NULL;
        return 0;
    }
    struct scan_shard *p = &sc->ss[best];
    *key = (const uint8_t *)bk + 1;
    *key_len = bn - 1;
    *val = (const uint8_t *)leveldb_iter_value(p->it, val_len);
    for (uint32_t f = 0; f < s->nfamily; f++) {
        fv[f] = (const uint8_t *)"";
        fl[f] = 0;
        if (!p->fit[f])
            continue;
        size_t n;
        const char *k;
        if (!leveldb_iter_valid(p->fit[f]))
            return ERR_CORRUPT;
        k = leveldb_iter_key(p->fit[f], &n);
        if (n != bn + 1 || k[0] != 'f' || (uint8_t)k[1] != f || memcmp(k + 2, bk + 1, bn - 1))
            return ERR_CORRUPT; /* every row has every family */
        fv[f] = (const uint8_t *)leveldb_iter_value(p->fit[f], &fl[f]);
    }
    return 0;
}

int kv_scan_seek(struct kv_scan *sc, const uint8_t *key, size_t key_len)
{
    struct buf k = BUF_INIT;
    int rc = 0;
    for (uint32_t i = 0; i < sc->kv->nshards && !rc; i++) {
        struct scan_shard *s = &sc->ss[i];
        if (!s->it)
            continue; /* a shard this scan does not read */
        if ((rc = fam_key(&k, 0, key, key_len)))
            break;
        if (key_cmp(k.data, k.len, sc->lo.data, sc->lo.len) < 0) {
            k.len = 0;
            if ((rc = buf_append(&k, sc->lo.data, sc->lo.len)))
                break;
        }
        leveldb_iter_seek(s->it, k.data, k.len);
        for (uint32_t f = 0; f < sc->kv->s->nfamily && !rc; f++) {
            if (!s->fit[f])
                continue;
            struct buf fk = BUF_INIT;
            if (!(rc = fam_key(&fk, f + 1, (const uint8_t *)k.data + 1, k.len - 1)))
                leveldb_iter_seek(s->fit[f], fk.data, fk.len);
            buf_free(&fk);
        }
        s->valid = in_range(sc, s->it);
    }
    sc->cur = -1;
    buf_free(&k);
    return rc;
}

void kv_scan_close(struct kv_scan *sc)
{
    if (!sc)
        return;
    for (uint32_t i = 0; sc->ss && i < sc->kv->nshards; i++) {
        struct scan_shard *s = &sc->ss[i];
        for (uint32_t f = 0; f < SCH_MAX_GROUPS; f++)
            if (s->fit[f])
                leveldb_iter_destroy(s->fit[f]);
        if (s->it)
            leveldb_iter_destroy(s->it);
        if (s->snap)
            leveldb_release_snapshot(sc->kv->sh[i].db, s->snap);
        if (s->ro)
            leveldb_readoptions_destroy(s->ro);
    }
    free(sc->ss);
    buf_free(&sc->lo);
    buf_free(&sc->hi);
    free(sc);
}

int kv_index_keys(struct kv_store *kv, uint32_t index, const uint8_t *ikey, size_t ikey_len,
                  struct buf *keys, uint64_t *n)
{
    const struct schema *s = kv->s;
    struct buf pre = BUF_INIT;
    int rc;
    *n = 0;
    if (index >= s->nindex)
        return -EINVAL;
    if ((rc = kv_flush(kv)) || (rc = buf_putc(&pre, 'i')) || (rc = buf_putc(&pre, (char)index)) ||
        (rc = buf_append(&pre, ikey, ikey_len)))
        goto out;
    for (uint32_t i = 0; i < kv->nshards && !rc; i++) {
        leveldb_iterator_t *it = leveldb_create_iterator(kv->sh[i].db, kv->rdef);
        if (!it) {
            rc = -ENOMEM;
            break;
        }
        for (leveldb_iter_seek(it, pre.data, pre.len); leveldb_iter_valid(it) && !rc;
             leveldb_iter_next(it)) {
            size_t kn;
            const uint8_t *k = (const uint8_t *)leveldb_iter_key(it, &kn);
            if (kn < pre.len || memcmp(k, pre.data, pre.len))
                break;
            const uint8_t *p = k + 2, *end = k + kn;
            for (uint32_t j = 0; j < s->index[index].ncols && !rc; j++)
                rc = kv_key_decode(&p, end, NULL, s->cols[s->index[index].cols[j]].ty);
            uint32_t len = (uint32_t)(end - p);
            if (!rc && !(rc = buf_append(keys, &len, 4)))
                rc = buf_append(keys, p, len);
            (*n)++;
        }
        leveldb_iter_destroy(it);
    }
out:
    buf_free(&pre);
    return rc;
}

int kv_get_parts(const struct kv_store *kv, const struct buf *row, const uint8_t **val,
                 size_t *val_len, const uint8_t **fv, size_t *fl)
{
    const uint8_t *p = (const uint8_t *)row->data, *end = p + row->len;
    uint32_t l;
    for (uint32_t f = 0; f <= kv->s->nfamily; f++) {
        if (end - p < 4)
            return ERR_CORRUPT;
        memcpy(&l, p, 4);
        if ((size_t)(end - p - 4) < l)
            return ERR_CORRUPT;
        if (f == 0) {
            *val = p + 4;
            *val_len = l;
        } else {
            fv[f - 1] = p + 4;
            fl[f - 1] = l;
        }
        p += 4 + l;
    }
    return 0;
}

int kv_get(struct kv_store *kv, const uint8_t *key, size_t key_len, uint32_t fams, int *found,
           struct buf *out)
{
    struct shard *sh = &kv->sh[shard_of(kv, kv_hash(key, key_len))];
    struct buf k = BUF_INIT;
    int rc = 0;
    *found = 0;
    pthread_mutex_lock(&kv->mu);
    if (kv_mt_count(sh->mt))
        rc = flush_locked(kv);
    pthread_mutex_unlock(&kv->mu);
    for (uint32_t f = 0; f <= kv->s->nfamily && !rc; f++) {
        if (f && !(fams & (1u << (f - 1)))) {
            uint32_t zero = 0;
            rc = buf_append(out, &zero, 4);
            continue;
        }
        char *e = NULL;
        size_t n = 0;
        if ((rc = fam_key(&k, f, key, key_len)))
            break;
        char *v = leveldb_get(sh->db, kv->rdef, k.data, k.len, &n, &e);
        if ((rc = ldb_err(e, "get")))
            break;
        if (!v && f == 0)
            break;
        uint32_t len = (uint32_t)n;
        rc = buf_append(out, &len, 4);
        if (!rc && n)
            rc = buf_append(out, v, n);
        leveldb_free(v);
        *found = 1;
    }
    buf_free(&k);
    return rc;
}
