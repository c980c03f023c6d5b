/*
 * engine.h — the engine: a data directory's streams, their logs, and the
 * shared state the file system shows (stats, errors, ctl outcomes).
 *
 * The engine is a library; the FUSE layer is one client, the tests another.
 *
 * DATADIR layout:
 *   catalog                   streams and their schemas (store/catalog.h)
 *   streams/<id>/log          the stream's log (store/log.h)
 *   streams/<id>/parts        its column parts and MANIFEST (store/colstore.h)
 *   streams/<id>/errors       rejected rows, one line each
 *   streams/<id>/kv/shard-<n> a mutable stream's current rows (store/kv.h)
 *   queries/<id>/             a query's statement, result, status, error
 *                             (exec/query.h)
 *
 * Ownership and threads: the engine owns its streams. eng_stream_get*
 * return a counted reference the caller gives back with eng_stream_put; a
 * dropped stream stays valid (and marked dropped) until its last reference
 * goes. All functions are thread-safe.
 */
#ifndef SFS_EXEC_ENGINE_H
#define SFS_EXEC_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store/colstore.h"
#include "store/kv.h"
#include "store/log.h"
#include "types/schema.h"
#include "util/buf.h"

struct engine;

/*
 * A subscription to a stream's appends (streaming queries): wake(sub) is
 * called after every successful append to the stream's log (ingest and
 * INSERT), once the rows are visible to readers. It runs on the appending
 * thread under the stream's subscription lock, so it must be quick and
 * must not append, subscribe or unsubscribe; once eng_stream_unsubscribe
 * returns it is never called again for that subscription. The subscriber
 * owns the struct; the stream only links it.
 */
struct eng_sub {
    void (*wake)(struct eng_sub *sub);
    struct eng_sub *next;        /* private: the stream's list */
};

#define ENG_RATE_SLOTS 10 /* seconds of history behind the ingest rate */

struct eng_stream {
    uint32_t id;
    const struct schema *schema; /* immutable, owned by the stream */
    struct log *log;
    struct cst *cs;              /* the columnar store: parts/ (store/colstore.h) */
    char dir[256];               /* DATADIR/streams/<id> */
    atomic_int refs;
    atomic_int dropped;

    pthread_mutex_t mu;          /* guards the fields below */
    int err_fd;                  /* errors file, opened on first error */
    uint64_t err_size;           /* its size: past ENG_ERRORS_MAX it rotates */
    uint64_t err_rows;           /* rejected rows on record (errors, errors.1) */
    uint64_t ingest_bytes;       /* bytes accepted since mount */
    int64_t mtime_ns;            /* last accepted write (or open time) */
    int64_t rate_sec[ENG_RATE_SLOTS];
    uint64_t rate_rows[ENG_RATE_SLOTS];
    void *dump_index;            /* exec/dump.c's rendered-size index */
    struct engine *engine;       /* the engine it belongs to (borrowed) */
    int64_t synced_ns;           /* fsync='interval': the last sync (syncer thread) */

    struct kv_store *kv;         /* mutable streams: the table of current rows */
    pthread_mutex_t app_mu;      /* mutable streams: a log append and its kv_apply as one */

    pthread_mutex_t sub_mu;      /* guards subs; held while wake() runs */
    struct eng_sub *subs;        /* streaming readers to wake after appends */
};

/* Open DATADIR (created if missing), loading the catalog and every log. */
int eng_open(const char *datadir, struct engine **out);
/* Sync every log and free everything; NULL is a no-op. */
void eng_close(struct engine *e);
const char *eng_datadir(const struct engine *e);
/* When the engine was opened (ns since the epoch): the namespace's times. */
int64_t eng_start_ns(const struct engine *e);
/* The engine's query registry (exec/query.h; borrowed). */
struct qry_reg;
struct qry_reg *eng_queries(struct engine *e);

/*
 * Create a stream from a finished schema (takes s, also on failure).
 * -EEXIST when the name is taken (0 with *created = 0 when if_not_exists).
 */
int eng_create_stream(struct engine *e, struct schema *s, int if_not_exists, int *created);
/* Drop a stream and delete its data; -ENOENT unless if_exists. */
int eng_drop_stream(struct engine *e, const char *name, int if_exists);

int eng_stream_get(struct engine *e, const char *name, struct eng_stream **out);
int eng_stream_get_id(struct engine *e, uint32_t id, struct eng_stream **out);
void eng_stream_put(struct eng_stream *s);

/* Snapshot of the streams, in creation order (caller frees *ids). */
int eng_list(struct engine *e, uint32_t **ids, uint32_t *n);

/* The errors file is bounded: past this size it becomes errors.1 (in the
 * stream's directory in DATADIR, replacing an older one) and starts anew. */
#define ENG_ERRORS_MAX (1u << 20)

/* Record a rejected row in the stream's errors file. */
void eng_stream_reject(struct eng_stream *s, uint64_t line_no, const char *reason,
                       const char *row, size_t row_len);
/* fsync='interval:N': rows were appended; the engine's syncer thread
 * (started on first use) syncs the log within the interval. */
void eng_sync_later(struct eng_stream *s);
/*
 * The sequence number below which the stream's rows may be dropped by
 * retention: the rows the columnar store has taken in (cst_safe_sn: in
 * parts, and needed by no running scan).
 */
uint64_t eng_stream_safe_sn(struct eng_stream *s);
/*
 * Apply the stream's SETTINGS retention_bytes / retention_ms to its log
 * (log_retain, up to eng_stream_safe_sn). The engine calls it when it
 * opens the stream and after each append (cheap when nothing is due: a
 * segment can only go once it is sealed). When the log is over its
 * bounds, the rows not yet in parts are compacted first, so retention
 * never waits for the background thread and never loses a row. 0, or the
 * file system's error (also logged); rows already committed stay
 * committed either way.
 */
int eng_stream_retain(struct eng_stream *s);
/*
 * The columnar store's background work: a thread (started by the first
 * append or historical scan, never before; joined by eng_close) that
 * every ENG_COMPACT_TICK_MS compacts each stream's log into parts once
 * ENG_COMPACT_ROWS rows wait or the stream has been idle for
 * ENG_COMPACT_IDLE_MS, then runs its merges, ttl and retention, and lets
 * the pages of parts no scan read for ENG_UNMAP_IDLE_MS go.
 * eng_compact_all does one full round now, compacting every waiting row
 * (tests, benchmarks); 0 or the first error.
 */
#define ENG_COMPACT_TICK_MS 200
#define ENG_COMPACT_ROWS (1u << 16)
#define ENG_COMPACT_IDLE_MS 1000
/* Parts no scan has read for this long give back their resident pages. */
#define ENG_UNMAP_IDLE_MS 10000
void eng_compactor_start(struct engine *e);
int eng_compact_all(struct engine *e);
/*
 * Append block b (every schema column) to the stream's log; for a mutable
 * stream also apply its rows to the key table (store/kv.h), the two under
 * one lock so the table sees rows in log order, after setting every
 * _tp_delta that is not -1 to 1 in place (b is the caller's own block, not
 * yet shared). Callers then call eng_stream_accepted. *first_sn may be
 * NULL.
 */
int eng_stream_append(struct eng_stream *s, struct blk *b, uint64_t *first_sn);
/* Note accepted rows for stats, and wake the stream's subscribers: every
 * successful log append (ingest, INSERT) ends with this call. */
void eng_stream_accepted(struct eng_stream *s, uint64_t rows, uint64_t bytes);
/* Link / unlink a subscription (see struct eng_sub). */
void eng_stream_subscribe(struct eng_stream *s, struct eng_sub *sub);
void eng_stream_unsubscribe(struct eng_stream *s, struct eng_sub *sub);
/* The stats file's text. */
int eng_stream_stats(struct eng_stream *s, struct buf *out);
/* Size of the errors file and a read from it. */
int eng_errors_size(struct eng_stream *s, uint64_t *size);
int eng_errors_read(struct eng_stream *s, uint64_t off, size_t n, struct buf *out);

/* ctl outcomes: the newest ENG_OUTCOMES lines, "ok: ..." or "error: ...". */
#define ENG_OUTCOMES 100
void eng_outcome_add(struct engine *e, const char *line);
int eng_outcomes_render(struct engine *e, struct buf *out);

#endif
