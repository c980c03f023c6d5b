/*
 * log.h — a stream's append-only log of column blocks.
 *
 * Every ingested batch becomes one record: a checksummed header and the
 * block's serialized bytes. Each row gets a sequence number (_tp_sn), dense
 * and increasing per stream. This is the walking skeleton's storage: one
 * file per stream, recovered at open by truncating a torn tail. The
 * NativeLog (segments, block framing, codecs, group commit) replaces the
 * file format behind this same interface.
 *
 * Record layout (little-endian), LOG_HDR bytes of header then payload:
 *   u32 magic "SFR1" | u32 masked crc32c of everything after this field |
 *   u32 payload length | u32 row count | u64 first sequence number |
 *   i64 min _tp_time | i64 max _tp_time (ms) | payload (blk_serialize)
 *
 * Thread safety: appends serialize on the log's mutex; reads may run
 * concurrently with appends and see every record whose append returned.
 */
#ifndef SFS_STORE_LOG_H
#define SFS_STORE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"

#define LOG_HDR 40

struct log;

struct log_info {
    uint64_t next_sn;      /* rows ever appended = the next row's _tp_sn */
    uint64_t records;
    uint64_t bytes;        /* size of the log on disk */
    int64_t min_time_ms;   /* over all rows; INT64_MAX when empty */
    int64_t max_time_ms;   /* INT64_MIN when empty */
};

/* Open (creating) the log in directory dir, recovering a torn tail. */
int log_open(const char *dir, struct log **out);
/* Sync and close; NULL is a no-op. */
void log_close(struct log *l);
/*
 * Append block b (its last column is _tp_time in ms) as one record; rows
 * get sequence numbers from *first_sn on. Visible to readers on return;
 * durable after log_sync. On failure nothing of b is visible and the file
 * is cut back to its previous end.
 */
int log_append(struct log *l, const struct blk *b, uint64_t *first_sn);
/* Make every appended record durable (fdatasync). */
int log_sync(struct log *l);
void log_get_info(struct log *l, struct log_info *out);
/*
 * Read record idx (0-based, < info.records): its block (caller unrefs) and
 * the sequence number of its first row.
 */
int log_read(struct log *l, uint64_t idx, struct blk **blk, uint64_t *first_sn);

#endif
