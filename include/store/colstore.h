/*
 * colstore.h — a stream's columnar historical store: the log's committed
 * rows turned into immutable column parts (store/part.h), listed in a
 * manifest (store/manifest.h), merged in the background, expired by ttl.
 *
 * Compaction (cst_compact) reads whole log records from the store's
 * `covered` sequence number on, writes them as one part (temp file, fsync,
 * rename, fsync dir), then commits a manifest that lists it and moves
 * `covered` past it. A merge (cst_merge) rewrites a run of adjacent parts
 * of one size tier as one part and commits the manifest that replaces
 * them; the old files are unlinked after that commit. A crash at any
 * point leaves the old manifest or the new one; files it does not list
 * are removed at the next open, and rows not yet covered are still in the
 * log, because the log's retention only drops rows below cst_safe_sn.
 *
 * Readers take a snapshot (cst_snapshot): the live parts (referenced) and
 * the covered sequence number, from which the log holds the rest. A
 * snapshot pins that number: cst_safe_sn never passes it, so the log rows
 * a scan still needs are never dropped under it. Parts replaced by a
 * merge stay readable through the snapshot's references.
 *
 * Threads: merges and expiry are serialized among themselves (merge lock);
 * compactions and the commits of merges and expiry among each other (work
 * lock, which a merge takes only to commit, not while it rewrites parts);
 * none holds the state lock across I/O. So ingest (whose retention may
 * compact) waits for a merge's commit at most, never for its rewrite, and
 * queries never wait; snapshots take the state lock briefly.
 * Ownership: the store owns its parts; a snapshot owns references on its
 * parts until cst_snap_release.
 */
#ifndef SFS_STORE_COLSTORE_H
#define SFS_STORE_COLSTORE_H

#include <stdint.h>

#include "store/codec.h"
#include "store/log.h"
#include "store/part.h"

/* A compaction writes parts of at most this many rows (whole log records). */
#define CST_COMPACT_ROWS (1u << 20)
/* Merges never make a part larger than this. */
#define CST_MAX_PART_ROWS (1ull << 24)
/* Parts of one tier merged at a time. */
#define CST_FANIN 4

struct cst;

struct cst_opts {
    enum codec_id codec;
    uint64_t ttl_ms;             /* 0: keep parts forever */
};

struct cst_snap {
    struct prt **parts;
    uint32_t nparts;
    uint64_t covered_sn;         /* the log holds the rows from here on */
    struct cst_snap *next, *prev; /* private: the store's pins */
};

struct cst_info {
    uint32_t parts;
    uint64_t rows, bytes;        /* in parts */
    uint64_t covered_sn;
    uint64_t compactions, merges, expired_parts; /* since open */
};

/* Open the store in dir (created if missing) for a stream with the given
 * column types (_tp_time last): load the manifest, open its parts, remove
 * debris. ERR_CORRUPT when a listed part is damaged. */
int cst_open(const char *dir, const struct ty *types, uint32_t ncols, const struct cst_opts *o,
             struct cst **out);
void cst_close(struct cst *c); /* NULL is a no-op */

int cst_snapshot(struct cst *c, struct cst_snap **out);
void cst_snap_release(struct cst *c, struct cst_snap *s); /* NULL is a no-op */

/* Rows below this may leave the log: covered, and no snapshot needs them. */
uint64_t cst_safe_sn(struct cst *c);
void cst_get_info(struct cst *c, struct cst_info *out);
/* When no scan has run for idle_ns (clk_mono_ns), let go of the parts'
 * resident pages (they stay in the page cache; the next scan maps them
 * again), so an idle daemon's RSS stays small while repeated queries keep
 * theirs. The compactor calls it each round. */
void cst_drop_idle(struct cst *c, int64_t idle_ns);

/*
 * Turn log rows from covered on into one part: whole records, up to
 * CST_COMPACT_ROWS rows, only when at least min_rows are waiting (0: any).
 * *rows is what was taken (0: nothing done).
 */
int cst_compact(struct cst *c, struct log *l, uint64_t min_rows, uint64_t *rows);
/* One tiered merge, if a run qualifies; *merged = parts replaced (0: none). */
int cst_merge(struct cst *c, uint32_t *merged);
/* Drop parts whose newest _tp_time is older than now_ms - ttl; *dropped parts. */
int cst_expire(struct cst *c, int64_t now_ms, uint32_t *dropped);

#endif
