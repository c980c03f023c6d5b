/*
 * part.c — writing and reading immutable column parts (store/part.h).
 *
 * The writer cuts the rows it is given into granules of PRT_GRANULE rows:
 * a granule that lies whole inside an added block is encoded straight
 * from the block's columns; rows that straddle blocks are gathered into a
 * pending block first. Chunks are streamed to the temporary file in
 * writes of about a megabyte; the footer (every chunk's place, checksum
 * and statistics) goes last, so a reader needs one read of the footer to
 * plan a whole scan. A chunk that compression does not shrink by an
 * eighth is stored uncompressed (floats mostly are), which makes reading
 * it a copy.
 */
#include "store/part.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "util/crc32c.h"
#include "util/err.h"

#define MAGIC "SFSPART1"
#define END_MAGIC "SFSPEND1"
#define TRAILER 24
#define CHUNK_META (8 + 4 + 4 + 4 + 1 + 1 + ENC_STAT_BYTES)
#define FLUSH_BYTES (1u << 20)

void prt_name(uint64_t first_sn, uint64_t end_sn, char out[PRT_NAME_MAX])
{
    snprintf(out, PRT_NAME_MAX, "%016llx-%016llx.prt", (unsigned long long)first_sn,
             (unsigned long long)end_sn);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- reading ---- */

void prt_ref(struct prt *p)
{
    atomic_fetch_add(&p->refs, 1);
}

void prt_unref(struct prt *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    os_munmap(p->map, p->bytes);
    if (p->fd >= 0)
        os_close(p->fd);
    free(p->types);
    free(p->gran_rows);
    free(p->chunks);
    free(p->stats);
    free(p->part_stats);
    free(p->wends);
    free(p);
}

void prt_drop_pages(struct prt *p)
{
    os_mmap_drop(p->map, p->bytes);
}

static int read_exact(int fd, void *dst, size_t n, uint64_t off)
{
    size_t got;
    int rc = os_pread(fd, dst, n, (off_t)off, &got);
    return rc ? rc : got == n ? 0 : ERR_CORRUPT;
}

/* Parse the footer f (len bytes) into p. */
static int parse_footer(struct prt *p, const uint8_t *f, size_t len, uint64_t data_end,
                        const struct ty *types, uint32_t ncols)
{
    if (len < 24)
        return ERR_CORRUPT;
    p->ncols = get32(f);
    p->ngran = get32(f + 4);
    p->nrows = get64(f + 8);
    p->first_sn = get64(f + 16);
    size_t grans = 24 + 8 * (size_t)ncols + (size_t)p->ngran * (4 + (size_t)ncols * CHUNK_META);
    if (p->ncols != ncols || p->ngran > p->nrows || len < grans + 4)
        return ERR_CORRUPT;
    p->nwends = get32(f + grans);
    if (p->nwends > p->nrows || len != grans + 4 + 4 * (size_t)p->nwends)
        return ERR_CORRUPT;
    const uint8_t *q = f + 24;
    p->types = calloc(ncols, sizeof(*p->types));
    p->gran_rows = calloc(p->ngran ? p->ngran : 1, sizeof(*p->gran_rows));
    p->chunks = calloc((size_t)p->ngran * ncols + 1, sizeof(*p->chunks));
    p->stats = calloc((size_t)p->ngran * ncols + 1, sizeof(*p->stats));
    p->part_stats = calloc(ncols, sizeof(*p->part_stats));
    p->wends = calloc(p->nwends ? p->nwends : 1, sizeof(*p->wends));
    if (!p->types || !p->gran_rows || !p->chunks || !p->stats || !p->part_stats || !p->wends)
        return -ENOMEM;
    for (uint32_t i = 0; i < p->nwends; i++) { /* ascending, within the rows */
        p->wends[i] = get32(f + grans + 4 + 4 * (size_t)i);
        if (p->wends[i] == 0 || p->wends[i] > p->nrows || (i && p->wends[i] <= p->wends[i - 1]))
            return ERR_CORRUPT;
    }
    for (uint32_t c = 0; c < ncols; c++, q += 8) {
        struct ty t = {.kind = q[0], .nullable = q[1], .prec = q[2], .scale = q[3], .elem = q[4],
                       .elem_nullable = q[5]};
        if (!ty_equal(t, types[c]) || t.elem != types[c].elem ||
            t.elem_nullable != types[c].elem_nullable)
            return ERR_CORRUPT;
        p->types[c] = t;
    }
    uint64_t rows = 0;
    for (uint32_t g = 0; g < p->ngran; g++) {
        p->gran_rows[g] = get32(q);
        q += 4;
        if (p->gran_rows[g] == 0 || p->gran_rows[g] > PRT_GRANULE)
            return ERR_CORRUPT;
        rows += p->gran_rows[g];
        for (uint32_t c = 0; c < ncols; c++, q += CHUNK_META) {
            struct prt_chunk *k = &p->chunks[(size_t)g * ncols + c];
            k->off = get64(q);
            k->stored = get32(q + 8);
            k->raw = get32(q + 12);
            k->crc = get32(q + 16);
            k->enc = q[20];
            k->codec = q[21];
            if (k->off < 8 || k->off + k->stored > data_end || k->enc >= ENC_END ||
                k->codec >= CODEC_END)
                return ERR_CORRUPT;
            struct enc_stat *st = &p->stats[(size_t)g * ncols + c];
            enc_stat_get(q + 22, st);
            if (g == 0)
                p->part_stats[c] = *st;
            else
                enc_stat_merge(&p->part_stats[c], st, types[c]);
        }
    }
    return rows == p->nrows ? 0 : ERR_CORRUPT;
}

int prt_open(const char *dir, const char *name, const struct ty *types, uint32_t ncols,
             struct prt **out)
{
    char path[PATH_MAX];
    uint8_t t[TRAILER], head[8];
    uint8_t *foot = NULL;
    off_t size;
    struct prt *p = calloc(1, sizeof(*p));
    int rc;
    if (!p)
        return -ENOMEM;
    atomic_init(&p->refs, 1);
    p->fd = -1;
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((rc = os_open(path, O_RDONLY, 0, &p->fd)) || (rc = os_fsize(p->fd, &size)))
        goto fail;
    p->bytes = (uint64_t)size;
    rc = ERR_CORRUPT;
    if (size < 8 + TRAILER)
        goto fail;
    if ((rc = read_exact(p->fd, head, 8, 0)) || (rc = read_exact(p->fd, t, TRAILER, p->bytes - TRAILER)))
        goto fail;
    rc = ERR_CORRUPT;
    if (memcmp(head, MAGIC, 8) || memcmp(t + 16, END_MAGIC, 8))
        goto fail;
    uint64_t foff = get64(t);
    uint32_t flen = get32(t + 8);
    if (foff < 8 || foff + flen != p->bytes - TRAILER)
        goto fail;
    foot = malloc(flen ? flen : 1);
    rc = -ENOMEM;
    if (!foot)
        goto fail;
    if ((rc = read_exact(p->fd, foot, flen, foff)))
        goto fail;
    rc = ERR_CORRUPT;
    if (crc32c(foot, flen) != get32(t + 12))
        goto fail;
    if ((rc = parse_footer(p, foot, flen, foff, types, ncols)) ||
        (rc = os_mmap_ro(p->fd, p->bytes, &p->map)))
        goto fail;
    free(foot);
    *out = p;
    return 0;
fail:
    free(foot);
    prt_unref(p);
    return rc;
}

int prt_read_col(const struct prt *p, uint32_t g, uint32_t c, struct buf *raw, struct col *out)
{
    if (g >= p->ngran || c >= p->ncols)
        return -EINVAL;
    const struct prt_chunk *k = &p->chunks[(size_t)g * p->ncols + c];
    const char *stored = (const char *)p->map + k->off;
    int rc;
    if (crc32c(stored, k->stored) != k->crc)
        return ERR_CORRUPT;
    if (k->codec == CODEC_NONE) /* decoded straight from the mapping */
        return k->stored == k->raw ? enc_decode(k->enc, stored, k->stored, p->gran_rows[g], out)
                                   : ERR_CORRUPT;
    size_t w = ty_width(out->ty);
    uint32_t rows = p->gran_rows[g];
    if (k->enc == ENC_PLAIN && w && !out->ty.nullable) { /* straight into the column */
        if (k->raw != (uint64_t)rows * w)
            return ERR_CORRUPT;
        if ((rc = col_reserve(out, out->n + rows)) ||
            (rc = codec_decompress_to((enum codec_id)k->codec, stored, k->stored,
                                      (char *)out->data + (size_t)out->n * w, k->raw)))
            return rc;
        out->n += rows;
        return 0;
    }
    buf_reset(raw);
    if ((rc = codec_decompress((enum codec_id)k->codec, stored, k->stored, k->raw, raw)))
        return rc;
    return enc_decode(k->enc, raw->data, raw->len, p->gran_rows[g], out);
}

/* ---- writing ---- */

struct prt_writer {
    char dir[PRT_DIR_MAX];
    char tmp[PATH_MAX];
    int fd;
    enum codec_id codec;
    uint32_t ncols;
    struct ty *types;
    uint64_t first_sn, rows;
    uint64_t off;                /* file offset of pending's start */
    struct buf pending;          /* bytes not yet written */
    struct buf meta;             /* per granule: rows, chunk entries */
    uint32_t ngran;
    struct blk *gather;          /* rows of a granule not yet complete */
    uint32_t *wends;             /* where the writes end (row counts), ascending */
    uint32_t nwends, wcap;
    struct buf enc, z;           /* scratch */
};

int prt_writer_create(const char *dir, const struct ty *types, uint32_t ncols,
                      enum codec_id codec, uint64_t first_sn, struct prt_writer **out)
{
    struct prt_writer *w = calloc(1, sizeof(*w));
    int rc = -ENOMEM;
    if (!w)
        return rc;
    w->fd = -1;
    w->codec = codec;
    w->ncols = ncols;
    w->first_sn = first_sn;
    snprintf(w->tmp, sizeof(w->tmp), "%s/%016llx.tmp", dir, (unsigned long long)first_sn);
    rc = -ENAMETOOLONG;
    if (snprintf(w->dir, sizeof(w->dir), "%s", dir) >= (int)sizeof(w->dir))
        goto fail;
    rc = -ENOMEM;
    w->types = malloc(ncols * sizeof(*w->types));
    if (!w->types)
        goto fail;
    memcpy(w->types, types, ncols * sizeof(*types));
    if ((rc = blk_create(types, ncols, &w->gather)))
        goto fail;
    if ((rc = os_open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644, &w->fd)))
        goto fail;
    if ((rc = buf_append(&w->pending, MAGIC, 8)))
        goto fail;
    *out = w;
    return 0;
fail:
    prt_writer_abort(w);
    return rc;
}

static int flush(struct prt_writer *w)
{
    if (!w->pending.len)
        return 0;
    int rc = os_write(w->fd, w->pending.data, w->pending.len);
    if (rc)
        return rc;
    w->off += w->pending.len;
    buf_reset(&w->pending);
    return 0;
}

/* Encode rows [from, to) of b as one granule. */
static int put_granule(struct prt_writer *w, const struct blk *b, uint32_t from, uint32_t to)
{
    uint8_t rows[4];
    int rc;
    put32(rows, to - from);
    if ((rc = buf_append(&w->meta, rows, 4)))
        return rc;
    for (uint32_t c = 0; c < w->ncols; c++) {
        const struct col *col = &b->cols[c];
        uint8_t enc, codec = (uint8_t)w->codec, m[22];
        struct enc_stat st;
        buf_reset(&w->enc);
        if ((rc = enc_encode(col, from, to, &w->enc, &enc)))
            return rc;
        enc_stat_compute(col, from, to, &st);
        const struct buf *stored = &w->enc;
        if (codec != CODEC_NONE) {
            buf_reset(&w->z);
            if ((rc = codec_compress(w->codec, w->enc.data, w->enc.len, &w->z)))
                return rc;
            if (w->z.len + w->z.len / 8 < w->enc.len)
                stored = &w->z;
            else
                codec = CODEC_NONE;
        }
        if (stored->len > UINT32_MAX || w->enc.len > UINT32_MAX)
            return -E2BIG;
        put64(m, w->off + w->pending.len);
        put32(m + 8, (uint32_t)stored->len);
        put32(m + 12, (uint32_t)w->enc.len);
        put32(m + 16, crc32c(stored->data, stored->len));
        m[20] = enc;
        m[21] = codec;
        if ((rc = buf_append(&w->pending, stored->data, stored->len)) ||
            (rc = buf_append(&w->meta, m, sizeof(m))) || (rc = enc_stat_put(&st, &w->meta)))
            return rc;
    }
    w->ngran++;
    return w->pending.len >= FLUSH_BYTES ? flush(w) : 0;
}

int prt_writer_add(struct prt_writer *w, const struct blk *b, uint32_t from, uint32_t to)
{
    int rc;
    if (b->ncols != w->ncols || to > b->nrows || from > to)
        return -EINVAL;
    w->rows += to - from;
    while (from < to) {
        if (w->gather->nrows == 0 && to - from >= PRT_GRANULE) {
            if ((rc = put_granule(w, b, from, from + PRT_GRANULE)))
                return rc;
            from += PRT_GRANULE;
            continue;
        }
        uint32_t take = PRT_GRANULE - w->gather->nrows;
        if (take > to - from)
            take = to - from;
        if ((rc = blk_append_rows(w->gather, b, from, from + take)))
            return rc;
        from += take;
        if (w->gather->nrows == PRT_GRANULE) {
            if ((rc = put_granule(w, w->gather, 0, PRT_GRANULE)))
                return rc;
            blk_clear(w->gather);
        }
    }
    return 0;
}

uint64_t prt_writer_rows(const struct prt_writer *w)
{
    return w->rows;
}

int prt_writer_end_write(struct prt_writer *w, uint64_t at)
{
    if (at > w->rows || at > UINT32_MAX)
        return -EINVAL;
    if (at == 0 || (w->nwends && w->wends[w->nwends - 1] >= at))
        return 0; /* no row since the last end */
    if (w->nwends == w->wcap) {
        uint32_t cap = w->wcap ? w->wcap * 2 : 64;
        uint32_t *p = realloc(w->wends, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        w->wends = p;
        w->wcap = cap;
    }
    w->wends[w->nwends++] = (uint32_t)at;
    return 0;
}

int prt_writer_finish(struct prt_writer *w, struct prt **out)
{
    char name[PRT_NAME_MAX], path[PATH_MAX];
    uint8_t head[24], t[TRAILER];
    struct buf foot = BUF_INIT;
    int rc = 0;
    if (w->gather->nrows && (rc = put_granule(w, w->gather, 0, w->gather->nrows)))
        goto fail;
    if ((rc = flush(w)))
        goto fail;
    put32(head, w->ncols);
    put32(head + 4, w->ngran);
    put64(head + 8, w->rows);
    put64(head + 16, w->first_sn);
    if ((rc = buf_append(&foot, head, sizeof(head))))
        goto fail;
    for (uint32_t c = 0; c < w->ncols; c++) {
        struct ty ty = w->types[c];
        uint8_t tb[8] = {ty.kind, ty.nullable, ty.prec, ty.scale, ty.elem, ty.elem_nullable, 0, 0};
        if ((rc = buf_append(&foot, tb, 8)))
            goto fail;
    }
    if ((rc = buf_append(&foot, w->meta.data, w->meta.len)) || (rc = prt_writer_end_write(w, w->rows)))
        goto fail;
    uint8_t nw[4];
    put32(nw, w->nwends);
    if ((rc = buf_append(&foot, nw, 4)))
        goto fail;
    for (uint32_t i = 0; i < w->nwends; i++) {
        put32(nw, w->wends[i]);
        if ((rc = buf_append(&foot, nw, 4)))
            goto fail;
    }
    put64(t, w->off);
    put32(t + 8, (uint32_t)foot.len);
    put32(t + 12, crc32c(foot.data, foot.len));
    memcpy(t + 16, END_MAGIC, 8);
    if ((rc = buf_append(&foot, t, TRAILER)) || (rc = os_write(w->fd, foot.data, foot.len)) ||
        (rc = os_fsync(w->fd)))
        goto fail;
    os_close(w->fd);
    w->fd = -1;
    prt_name(w->first_sn, w->first_sn + w->rows, name);
    snprintf(path, sizeof(path), "%s/%s", w->dir, name);
    if ((rc = os_rename(w->tmp, path)))
        goto fail;
    w->tmp[0] = 0;
    if ((rc = os_fsync_dir(w->dir)) || (rc = prt_open(w->dir, name, w->types, w->ncols, out))) {
        os_unlink(path);
        goto fail;
    }
    buf_free(&foot);
    prt_writer_abort(w);
    return 0;
fail:
    buf_free(&foot);
    prt_writer_abort(w);
    return rc;
}

void prt_writer_abort(struct prt_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        os_close(w->fd);
    if (w->tmp[0])
        os_unlink(w->tmp);
    blk_unref(w->gather);
    free(w->wends);
    buf_free(&w->pending);
    buf_free(&w->meta);
    buf_free(&w->enc);
    buf_free(&w->z);
    free(w->types);
    free(w);
}
