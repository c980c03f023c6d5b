/*
 * kv.h — a mutable stream's rows in LevelDB: one row per primary key.
 *
 * Design. A mutable stream keeps its log (store/log.h) as the durable
 * record of every upsert and delete, and this store as the table of
 * current rows. Upserts are collapsed in memory first (a hash table per
 * shard, the newest value per key) and written to LevelDB in batches by
 * kv_flush, which also records, in the same batch, the highest log
 * sequence number it covers (the "applied" mark). After a crash the engine
 * replays the log from kv_applied_sn on, so every row the log acknowledged
 * is in the table again; replaying is idempotent (the newest value wins).
 *
 * LevelDB layout, per shard (a separate LevelDB instance under
 * DIR/shard-<n>; a row lives in shard hash(key) % shards):
 *   'r' key             the default family: every column that is neither a
 *                       key column nor in a named family, and _tp_time
 *   'f' F key           family F's columns (schema order)
 *   'i' I ikey key      secondary index I: ikey is the index columns'
 *                       key encoding, the value is empty
 *   'm'                 the applied mark (u64 little-endian)
 * Index entries and family values change in the same write batch as the
 * row, so indexes always agree with rows.
 *
 * Key encoding (kv_key_append): order-preserving, so LevelDB's bytewise
 * order is SQL order and a prefix of key columns is a byte prefix:
 * unsigned integers, dates and datetimes big-endian; signed integers,
 * decimals and datetime64 big-endian with the sign bit flipped; floats by
 * their IEEE bits (all bits flipped when negative, else the sign bit;
 * -0 is stored as 0 and every NaN as one NaN, above +inf); strings with
 * 0x00 written 0x00 0xff and ended by 0x00 0x01; a nullable value (index
 * columns only) is preceded by 0x00 for NULL, 0x01 otherwise.
 *
 * Value encoding (kv_val_append): per column, nullable ones a byte 0/1
 * then the value; fixed widths little-endian; strings a varint length and
 * the bytes. Array columns are not allowed in mutable streams.
 *
 * Ownership and threads: a kv_store owns its LevelDB handles and memtables;
 * every function is thread-safe (one mutex for the memtables, LevelDB's
 * own locking for reads). A scan holds LevelDB snapshots and iterators and
 * must be closed before the store.
 */
#ifndef SFS_STORE_KV_H
#define SFS_STORE_KV_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"
#include "types/schema.h"
#include "util/buf.h"

/* ---- encodings (kv_codec.c) ---- */

/* Append the key encoding of row `row` of column c. */
int kv_key_append(struct buf *out, const struct col *c, uint32_t row);
/* Read one encoded key value of c's type at *p (advanced) and push it
 * onto c; ERR_CORRUPT when the bytes do not hold one. c may be NULL (skip). */
int kv_key_decode(const uint8_t **p, const uint8_t *end, struct col *c, struct ty ty);
/* Append / read one column value in the value encoding (c NULL: skip). */
int kv_val_append(struct buf *out, const struct col *c, uint32_t row);
int kv_val_decode(const uint8_t **p, const uint8_t *end, struct col *c, struct ty ty);
/* The smallest byte string greater than every string starting with
 * p[0..*n) (the prefix's end bound); *n becomes 0 when there is none. */
void kv_prefix_succ(uint8_t *p, size_t *n);

/* The full key of row i of b (all columns of s, in schema order). */
int kv_row_key(const struct schema *s, const struct blk *b, uint32_t i, struct buf *out);
/* Row i of b (every schema column) as its key and its whole value (every
 * column but the key columns and _tp_delta, schema order, appended to
 * key and val); *del when its _tp_delta is -1. */
int kv_encode_row(const struct schema *s, const struct blk *b, uint32_t i, struct buf *key,
                  struct buf *val, int *del);
/* The inverse: push the row onto every column of out (schema order; a
 * delete's value is whatever was stored with it, _tp_delta -1). */
int kv_decode_full(const struct schema *s, const uint8_t *key, size_t key_len, const uint8_t *val,
                   size_t val_len, int del, struct blk *out);
/* kv_encode_row for every row of b at once, into keys and vals (emptied
 * first): row i's key is keys[koff[i] .. koff[i+1]), its value likewise
 * with voff, del[i] its delete flag (koff, voff: nrows + 1 entries). */
int kv_encode_block(const struct schema *s, const struct blk *b, struct buf *keys, size_t *koff,
                    struct buf *vals, size_t *voff, uint8_t *del);
uint64_t kv_hash(const uint8_t *p, size_t n);

/* ---- memtable (kv_mt.c): the newest value per key, in memory ---- */

struct kv_mt;
int kv_mt_create(struct kv_mt **out);
void kv_mt_destroy(struct kv_mt *m); /* NULL is a no-op */
/* Put key -> (val, del), replacing what the key had. Copies both. */
int kv_mt_put(struct kv_mt *m, const uint8_t *key, size_t key_len, uint64_t hash,
              const uint8_t *val, size_t val_len, int del);
/* A hint for a put of this hash soon: stage 0 fetches its slot, stage 1
 * (later, once the slot is in cache) the entry the slot points at. Puts of
 * a batch hide memory latency by prefetching a few rows ahead. */
void kv_mt_prefetch(const struct kv_mt *m, uint64_t hash, int stage);
size_t kv_mt_count(const struct kv_mt *m);
size_t kv_mt_bytes(const struct kv_mt *m); /* keys, values and slots */
/* Entry at slot *pos or after (*pos advanced past it): 0, or -ENOENT
 * after the last. Borrowed until the next put or clear. */
int kv_mt_next(const struct kv_mt *m, size_t *pos, const uint8_t **key, size_t *key_len,
               const uint8_t **val, size_t *val_len, int *del);
/* Empty it, keeping the slots' memory. */
void kv_mt_clear(struct kv_mt *m);

/* ---- the store (kv.c) ---- */

struct kv_store;

/* Open (creating) the shards of stream schema s under dir; s is borrowed
 * and must outlive the store. */
int kv_open(const char *dir, const struct schema *s, struct kv_store **out);
/* Flush and close; NULL is a no-op. */
void kv_close(struct kv_store *kv);
/* The lowest applied mark over the shards: replay the log from here. */
uint64_t kv_applied_sn(struct kv_store *kv);
/*
 * Apply the rows of b (every column of the schema, in order): a row whose
 * _tp_delta is -1 deletes its key, any other upserts it. first_sn is the
 * log sequence number of b's first row; rows below a shard's applied mark
 * are skipped (replay). Flushes by itself when the memtables pass their
 * budget.
 */
int kv_apply(struct kv_store *kv, const struct blk *b, uint64_t first_sn);
/* Write the memtables to LevelDB (synced), emptying them. */
int kv_flush(struct kv_store *kv);

/*
 * A scan of the current rows in key order (the shards merged), over the
 * keys k with lo <= k < hi (byte strings of key encodings; hi_len 0: no
 * end). The memtables are flushed first, then each shard is read from a
 * snapshot. fams: bit F set reads family F's values (others are not read).
 */
struct kv_scan;
int kv_scan_open(struct kv_store *kv, const uint8_t *lo, size_t lo_len, const uint8_t *hi,
                 size_t hi_len, uint32_t fams, struct kv_scan **out);
/* The next row: its key, default-family value and family values (fv[F],
 * fl[F]; empty for families not asked for). Borrowed until the next call.
 * 0 with *key NULL at the end. */
int kv_scan_next(struct kv_scan *sc, const uint8_t **key, size_t *key_len, const uint8_t **val,
                 size_t *val_len, const uint8_t **fv, size_t *fl);
/* The same over one shard only (its rows in key order): scans of several
 * shards can run on threads of their own. */
int kv_scan_open_shard(struct kv_store *kv, uint32_t shard, const uint8_t *lo, size_t lo_len,
                       const uint8_t *hi, size_t hi_len, uint32_t fams, struct kv_scan **out);
uint32_t kv_shards(const struct kv_store *kv);
/* Move the scan to the first row at or after key (never before its lo). */
int kv_scan_seek(struct kv_scan *sc, const uint8_t *key, size_t key_len);
void kv_scan_close(struct kv_scan *sc);

/*
 * Keys of rows whose index I holds the value encoded in ikey (the index
 * columns' key encoding, or a prefix of them), each shard's in key order,
 * appended to keys as (u32 length, bytes) records; *n counts them.
 */
int kv_index_keys(struct kv_store *kv, uint32_t index, const uint8_t *ikey, size_t ikey_len,
                  struct buf *keys, uint64_t *n);
/* One row by full key: 0 with *found 0 when absent. val and fv as in a
 * scan, copied into out (layout: u32 len + bytes for val, then for each
 * family). */
int kv_get(struct kv_store *kv, const uint8_t *key, size_t key_len, uint32_t fams, int *found,
           struct buf *out);

/* Where kv_get's answer (row) holds the value and each family's. */
int kv_get_parts(const struct kv_store *kv, const struct buf *row, const uint8_t **val,
                 size_t *val_len, const uint8_t **fv, size_t *fl);

/*
 * Decode one stored row into the columns of blk: cols[j] is the schema
 * column that blk column j receives (ncols of them). Key columns come from
 * the key, the others from val / fv (fams read). _tp_delta reads as 1.
 */
int kv_row_decode(const struct schema *s, const uint8_t *key, size_t key_len, const uint8_t *val,
                  size_t val_len, const uint8_t *const *fv, const size_t *fl,
                  const uint32_t *cols, uint32_t ncols, struct blk *out);
/* The families whose columns are among cols (a bit per family). */
uint32_t kv_families_for(const struct schema *s, const uint32_t *cols, uint32_t ncols);

#endif
