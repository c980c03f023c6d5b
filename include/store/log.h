/*
 * log.h — NativeLog: a stream's durable, checksummed, compressed
 * write-ahead log of column blocks.
 *
 * Every ingested batch becomes one record: a header (sequence range, row
 * count, min/max _tp_time, codec) and the block's serialized bytes,
 * compressed. Records live in segment files of about LOG_SEGMENT_BYTES,
 * framed as store/segment.h describes; docs/log-format.md has the layout
 * with a worked example. Each row gets a sequence number (_tp_sn), dense
 * and increasing per stream.
 *
 * Group commit: concurrent appends are written together by whichever
 * caller arrives first (the leader), in one write; each append returns
 * when its record is in the log and visible to readers. log_sync makes
 * everything appended durable.
 *
 * Recovery (log_open): sealed segments are trusted through their summary
 * files; the newest segment is verified record by record; a torn tail is
 * truncated and reported with the bytes dropped; damage followed by valid
 * records is corruption, and opening fails (ERR_CORRUPT) with nothing
 * changed. Records of sealed segments are verified when first read.
 *
 * Records are numbered in append order ("record index"); readers find a
 * starting record by sequence number or time and read forward, waiting
 * with log_wait for more. Thread-safe throughout.
 *
 * Retention (log_retain) drops whole sealed segments from the oldest,
 * never the newest one and never a row at or past the caller's "safe
 * below" sequence number. Record indexes count from 0 at the first record
 * present when the log was opened and are never reused while it stays
 * open: after a drop, indexes below info.first_record are gone for good
 * (log_read says -ENOENT) and the others keep their numbers. Sequence
 * numbers are the rows' lasting identity; a log reopened after retention
 * starts at its first retained row (info.first_sn) and numbers its records
 * from 0 again. A read already under way when its segment is dropped
 * completes from the segment's still-open descriptor.
 */
#ifndef SFS_STORE_LOG_H
#define SFS_STORE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "store/codec.h"
#include "types/block.h"

#define LOG_SEGMENT_BYTES (64ull << 20)

struct log;

struct log_opts {
    uint32_t stream_id;
    enum codec_id codec;     /* for new records */
    uint64_t segment_bytes;  /* 0 means LOG_SEGMENT_BYTES */
};

struct log_info {
    uint64_t next_sn;      /* rows ever appended = the next row's _tp_sn */
    uint64_t first_sn;     /* the first retained row's _tp_sn (next_sn when none) */
    uint64_t records;      /* the next record's index: readable are first_record..records-1 */
    uint64_t first_record; /* the first retained record's index */
    uint64_t segments;     /* segment files */
    uint64_t bytes;        /* size of the log on disk */
    int64_t min_time_ms;   /* over the retained rows; INT64_MAX when none */
    int64_t max_time_ms;   /* INT64_MIN when none */
};

/* What log_retain may drop: a sealed segment goes while the log is larger
 * than bytes, or when its newest _tp_time is older than now - ms (the
 * clock of util/clock.h). 0 means no limit. */
struct log_retention {
    uint64_t bytes;
    uint64_t ms;
};

/* What one log_retain call dropped. */
struct log_dropped {
    uint64_t segments, records, rows, bytes;
};

/* Open (creating) the log in directory dir, recovering as described. */
int log_open(const char *dir, const struct log_opts *opts, struct log **out);
/* Sync and close; NULL is a no-op. */
void log_close(struct log *l);
/*
 * Append block b (its last column is _tp_time in ms) as one record; rows
 * get sequence numbers from *first_sn on (first_sn may be NULL). Visible
 * to readers on return; durable after log_sync. On failure (ENOSPC, EIO)
 * nothing of b is visible, the segment is cut back to its previous end,
 * and later appends work once the cause is gone.
 */
int log_append(struct log *l, const struct blk *b, uint64_t *first_sn);
/* Make every appended record durable (fdatasync). */
int log_sync(struct log *l);
void log_get_info(struct log *l, struct log_info *out);
/* Read record idx (< info.records): its block (caller unrefs) and the
 * sequence number of its first row. ERR_CORRUPT for damaged bytes,
 * -ENOENT for a record retention dropped (idx < info.first_record),
 * -ERANGE at or past the end. */
int log_read(struct log *l, uint64_t idx, struct blk **blk, uint64_t *first_sn);
/* The record holding sequence number sn; info.records when sn is at or
 * past the end (a reader then waits there); the first retained record
 * when sn was dropped. */
int log_find_sn(struct log *l, uint64_t sn, uint64_t *idx);
/* The first record holding a row with _tp_time >= ms, by the records'
 * max time (records before it hold only older rows). */
int log_find_time(struct log *l, int64_t ms, uint64_t *idx);
/*
 * Apply retention r: drop sealed segments from the oldest while one
 * qualifies and holds only rows below safe_below_sn (rows the caller may
 * lose). Each segment's .seg goes, then its .sum, then the directory is
 * synced, before the next one is touched, so a crash leaves the log with
 * a prefix trimmed (log_open removes a .sum left without its .seg). What
 * was dropped goes to *out (may be NULL), also on failure: an error from
 * the file system stops the call, and segments not yet removed stay.
 */
int log_retain(struct log *l, const struct log_retention *r, uint64_t safe_below_sn,
               struct log_dropped *out);
/* Wait until more than have records exist, or timeout_ms passes (-1:
 * forever). 0 when there are more, -ETIMEDOUT otherwise. */
int log_wait(struct log *l, uint64_t have, int64_t timeout_ms);

#endif
