/*
 * part.h — an immutable column part: a run of a stream's rows, by
 * consecutive sequence numbers, stored column by column in granules.
 *
 * A part holds rows first_sn .. first_sn + nrows - 1 in sequence order
 * (row i has _tp_sn first_sn + i, so _tp_sn is not stored). Rows are cut
 * into granules of PRT_GRANULE rows (the last one shorter); each column
 * of each granule is one chunk: encoded (store/enc.h), compressed
 * (store/codec.h), checksummed (crc32c), with the min/max statistics of
 * its values. The granule statistics of `_tp_time` are the sparse time
 * index; a part's own statistics are those of its granules folded.
 *
 * File layout (little-endian):
 *   "SFSPART1"
 *   chunks, granule by granule, column by column
 *   footer: u32 ncols, u32 ngran, u64 nrows, u64 first_sn,
 *           per column 8 bytes of type (kind, nullable, prec, scale, elem,
 *           elem_nullable, 0, 0),
 *           per granule u32 rows, then per column: u64 offset, u32 stored
 *           length, u32 encoded length, u32 crc32c of the stored bytes,
 *           u8 encoding, u8 codec, the chunk's statistics (ENC_STAT_BYTES),
 *           then u32 nwends and nwends u32 row counts where the writes
 *           (log records) the rows came in end, ascending, the last nrows
 *           (window operators move watermarks per write: blk.wends)
 *   trailer: u64 footer offset, u32 footer length, u32 crc32c of the
 *           footer, "SFSPEND1"
 * The name is <first_sn>-<end_sn>.prt (16 hex digits each), unique: a
 * merge covers a range no other live part covers.
 *
 * Writing (prt_writer_*) goes to <name>.tmp; prt_writer_finish fsyncs it,
 * renames it into place and fsyncs the directory (the part is then
 * durable; the manifest, store/manifest.h, is what makes it live).
 *
 * Ownership: a struct prt is reference counted (prt_ref / prt_unref); it
 * keeps its file open and mapped, so a part unlinked by a merge stays
 * readable by the scans that hold it. Reads (prt_read_col) are
 * thread-safe (the mapping is read-only).
 */
#ifndef SFS_STORE_PART_H
#define SFS_STORE_PART_H

#include <stdatomic.h>
#include <stdint.h>

#include "store/codec.h"
#include "store/enc.h"
#include "types/block.h"
#include "util/buf.h"

#define PRT_GRANULE 8192u
#define PRT_NAME_MAX 48
#define PRT_DIR_MAX 2048 /* longest parts directory path */

struct prt_chunk {
    uint64_t off;
    uint32_t stored, raw, crc;
    uint8_t enc, codec;
};

struct prt {
    atomic_int refs;
    int fd;
    char name[PRT_NAME_MAX];     /* file name within the parts directory */
    uint64_t first_sn, nrows;
    uint64_t bytes;              /* file size */
    const void *map;             /* the whole file, mapped read-only */
    uint32_t ncols, ngran;
    struct ty *types;
    uint32_t *gran_rows;         /* ngran */
    struct prt_chunk *chunks;    /* ngran * ncols, granule-major */
    struct enc_stat *stats;      /* ngran * ncols */
    struct enc_stat *part_stats; /* ncols: the granules folded */
    uint32_t *wends;             /* where the writes (log records) its rows came in end:
                                  * ascending row counts, the last one nrows */
    uint32_t nwends;
};

static inline const struct enc_stat *prt_stat(const struct prt *p, uint32_t g, uint32_t c)
{
    return &p->stats[(size_t)g * p->ncols + c];
}

/* The name of the part holding [first_sn, end_sn). */
void prt_name(uint64_t first_sn, uint64_t end_sn, char out[PRT_NAME_MAX]);

/* Open dir/name and check it against the stream's column types (ncols,
 * _tp_time last): ERR_CORRUPT for damage or another layout. */
int prt_open(const char *dir, const char *name, const struct ty *types, uint32_t ncols,
             struct prt **out);
void prt_ref(struct prt *p);
void prt_unref(struct prt *p); /* NULL is a no-op; the last one closes */
/* Drop the mapping's resident pages (after a scan; reading maps them again). */
void prt_drop_pages(struct prt *p);

/* Decode column c of granule g and append its rows to out (a column of the
 * part's type c); the chunk's checksum is verified first. raw is the
 * caller's scratch buffer (for decompression). */
int prt_read_col(const struct prt *p, uint32_t g, uint32_t c, struct buf *raw, struct col *out);

struct prt_writer;

/* Start a part in dir for rows from first_sn on (types copied). */
int prt_writer_create(const char *dir, const struct ty *types, uint32_t ncols,
                      enum codec_id codec, uint64_t first_sn, struct prt_writer **out);
/* Append rows [from, to) of b (the part's types, every column). */
int prt_writer_add(struct prt_writer *w, const struct blk *b, uint32_t from, uint32_t to);
/* Rows added so far. */
uint64_t prt_writer_rows(const struct prt_writer *w);
/* A write (one log record) ends after the first at rows (at <= rows added;
 * a no-op when no row came since the last end). The end of the part always
 * ends one. */
int prt_writer_end_write(struct prt_writer *w, uint64_t at);
/* Write the footer, sync, rename into place, sync the directory, and open
 * the result (*out); the writer is freed either way. */
int prt_writer_finish(struct prt_writer *w, struct prt **out);
/* Remove the temporary file and free; NULL is a no-op. */
void prt_writer_abort(struct prt_writer *w);

#endif
