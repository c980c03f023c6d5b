/*
 * query.h — running queries and their files: the engine side of the
 * `queries/` namespace (SPEC).
 *
 * A query has an id (a name chosen with mkdir, or the next number), its
 * statement, a state (running, finished, failed, cancelled), a kind
 * (historical, streaming, insert), a result file in DATADIR/queries/<id>/
 * that grows as the sink appends rendered rows, a status, and an error.
 * Queries run as tasks on a small pool of worker threads (as many as
 * cores, started with the first query); FUSE threads never wait on a
 * query except a reader that asked to block for result bytes.
 *
 * Life: the SQL layer parses and binds, then qry_create registers the
 * query (it is then listed, `last` points at it); the planner builds the
 * operator chain ending in qry_sink(q) and hands it with the source to
 * qry_run, which schedules it. A statement that fails to parse or bind
 * creates no query. Finished queries are kept until removed (rmdir) or
 * until more than `max_finished_queries` are kept (oldest dropped).
 *
 * Numbers: every query, named or not, takes the next number of one
 * counter persisted in DATADIR/queries/.next_id, so numbers are never
 * reused, not even after a restart. An unnamed query's id is its number;
 * the FUSE layer derives inode numbers from it (qry_num).
 *
 * DATADIR/queries/<id>/: sql (the statement), result, status (written
 * when the query ends: the status text at that moment), error (why it
 * failed), num (named queries: their number). A query that was running
 * when the daemon stopped (unmount or crash) comes back as failed, its
 * error saying so; its result keeps what was produced.
 *
 * Streaming (an unbounded source, src->unbounded): the query's task does
 * not hold a pool thread while it waits. Each turn drains what the source
 * has ready, pushes it down the chain, ticks the chain (op_tick with
 * clk_now_ns), and gives the thread back; an append to the source's
 * stream (a subscription, exec/engine.h) or the registry's ticker (once
 * a second, qry_tick_all) queues it again. Cancelling wakes it at once.
 * Its result never blocks a reader and is bounded on disk: past
 * rotate_bytes, `result` becomes `result.1` (replacing the older one) and
 * a new `result` starts, as logrotate does; each is one "generation"
 * (qry_result_gen). The pipe-like `stream` reads the same bytes by their
 * position in everything produced (qry_stream_read).
 *
 * Ownership: the registry (inside the engine) holds one reference per
 * listed query; qry_get/qry_put bracket every other use. All functions
 * are thread-safe.
 */
#ifndef SFS_EXEC_QUERY_H
#define SFS_EXEC_QUERY_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "exec/engine.h"
#include "exec/op.h"
#include "exec/source.h"
#include "format/out.h"
#include "types/type.h"
#include "util/buf.h"

#define QRY_ID_MAX 64
#define QRY_DEFAULT_MAX_RESULT_BYTES (1ull << 30)
#define QRY_DEFAULT_MAX_FINISHED 100
/* An unbounded query's result rotates past this size (result -> result.1). */
#define QRY_DEFAULT_ROTATE_BYTES (64ull << 20)
/* The error of a query the daemon stopped under (unmount, crash). */
#define QRY_STOPPED_ERROR "the daemon stopped while the query was running"

enum qry_kind { QRY_HISTORICAL = 1, QRY_STREAMING, QRY_INSERT };
enum qry_state { QRY_PENDING = 0, QRY_RUNNING, QRY_FINISHED, QRY_FAILED, QRY_CANCELLED };

struct qry;
struct qry_reg;

struct qry_spec {
    const char *name;            /* NULL: the next number */
    const char *sql;             /* statement text */
    size_t sql_len;
    enum qry_kind kind;
    enum fmt_kind format;
    uint32_t ncols;              /* output columns */
    const char *const *names;
    const struct ty *types;
    uint64_t max_result_bytes;   /* 0: the default (1 GiB) */
    uint64_t max_memory_usage;   /* 0: no limit */
    uint64_t rotate_bytes;       /* unbounded queries: 0 is QRY_DEFAULT_ROTATE_BYTES */
};

/* The engine's side (eng_open / eng_close): load DATADIR/queries, marking
 * queries left running as failed; close cancels what runs, stops the
 * pool and frees every query. */
int qry_registry_open(const char *datadir, struct qry_reg **out);
void qry_registry_close(struct qry_reg *r);
/* Keep at most n finished queries (default QRY_DEFAULT_MAX_FINISHED). */
void qry_set_max_finished(struct engine *e, uint32_t n);

/*
 * Register a query (state running, not yet scheduled) and create its
 * files; *out gets a reference. -EEXIST when name is taken by a query
 * that has a statement; a name reserved by qry_reserve is taken over.
 * -EINVAL for an invalid name ([A-Za-z_][A-Za-z0-9_]*, shorter than
 * QRY_ID_MAX; `new` and `last` are taken).
 */
int qry_create(struct engine *e, const struct qry_spec *spec, struct qry **out);
/* mkdir queries/NAME: a pending query without a statement. -EEXIST, -EINVAL (bad name). */
int qry_reserve(struct engine *e, const char *name);
/* The sink operator that renders blocks into q's result (owned by q). */
struct op *qry_sink(struct qry *q);
/* The context the query's operators share (now(), memory, cancel, errors). */
struct op_ctx *qry_ctx(struct qry *q);
/* Schedule: pull src, push into head (whose chain ends at qry_sink),
 * finish; ownership of src and head passes to q, also on failure. A query
 * cancelled before it runs just drops them. */
int qry_run(struct qry *q, struct src *src, struct op *head);
/* Fail a created query before it runs (e.g. planning ran out of memory). */
void qry_abort(struct qry *q, const char *why);

int qry_get(struct engine *e, const char *id, struct qry **out); /* -ENOENT */
/* The listed query numbered num (inode numbers); -ENOENT. */
int qry_get_num(struct engine *e, uint64_t num, struct qry **out);
void qry_put(struct qry *q);
const char *qry_id(const struct qry *q);
uint64_t qry_num(const struct qry *q);
/* Ids of listed queries, oldest first (caller frees the array and strings). */
int qry_list(struct engine *e, char ***ids, uint32_t *n);
/* The newest started query's id into out; -ENOENT when there is none. */
int qry_last(struct engine *e, char out[QRY_ID_MAX]);
/* rmdir: cancel if running, wait for its task to stop, remove its files. */
int qry_remove(struct engine *e, const char *id);
/* Cancel without removing. */
void qry_cancel(struct qry *q);
/* Wait until q has ended and its task has stopped (INSERT ... SELECT
 * through ctl returns then); its final state. A pending query returns at
 * once. */
enum qry_state qry_wait(struct qry *q);

enum qry_state qry_get_state(struct qry *q);
/* Historical until a statement says otherwise (a reserved query). */
enum qry_kind qry_get_kind(struct qry *q);
/* Bytes of result produced so far (st_size). */
uint64_t qry_result_size(struct qry *q);
/* When the result last grew (ns since the epoch; creation before that). */
int64_t qry_mtime_ns(struct qry *q);
/*
 * Read result bytes at off. When block is set and the query is still
 * running, waits until the bytes exist or the query ends (a bounded
 * query's reader). Returns bytes read (0 at the end), -EIO when the query
 * failed and off is at or past what it produced (SPEC rule 4), -EINTR when
 * interrupted (interrupt_flag set by the FUSE layer, which then calls
 * qry_result_wake).
 */
ssize_t qry_result_read(struct qry *q, uint64_t off, size_t n, int block, char *dst,
                        const atomic_int *interrupt_flag);
/* Rotations of q's result so far: `result` is generation qry_result_gen,
 * `result.1` (when it is > 0) the generation before. */
uint64_t qry_result_gen(struct qry *q);
/* Size and modification time (ns; result.1's stops at its rotation) of
 * generation gen (the current result or result.1); -ENOENT for an older
 * one (gone). mtime_ns may be NULL. */
int qry_result_gen_size(struct qry *q, uint64_t gen, uint64_t *size, int64_t *mtime_ns);
/* qry_result_read on generation gen; an older generation than result.1
 * reads as empty. */
ssize_t qry_result_read_gen(struct qry *q, uint64_t gen, uint64_t off, size_t n, int block,
                            char *dst, const atomic_int *interrupt_flag);
/*
 * The pipe-like `stream`: *pos is a position in all bytes q ever produced
 * (rotations included); qry_stream_pos gives the end now (a new reader
 * starts there). qry_stream_read waits until there are bytes past *pos or
 * the query ends (then 0), reads them and moves *pos; -EINTR when
 * interrupted. A reader that fell behind more than result and result.1
 * hold skips to the oldest byte kept.
 */
uint64_t qry_stream_pos(struct qry *q);
ssize_t qry_stream_read(struct qry *q, uint64_t *pos, size_t n, char *dst,
                        const atomic_int *interrupt_flag);
/*
 * The file system's hook: called (outside every query lock, on the thread
 * that appended) after q's result grew, with its number and the current
 * generation; rotated is set when result just became result.1. NULL
 * removes it; qry_set_notify returns once no call of the old hook runs.
 */
typedef void (*qry_notify_fn)(void *arg, uint64_t num, uint64_t gen, int rotated);
void qry_set_notify(struct engine *e, qry_notify_fn fn, void *arg);
/* Queue a tick of every running streaming query (the ticker thread does
 * this every second; tests call it after moving the fake clock). */
void qry_tick_all(struct engine *e);
/* Wait until q's task has nothing to do: a streaming query idle with no
 * wake-up pending, or any query ended (tests: after an append, this
 * returns once the appended rows went through). */
void qry_settle(struct qry *q);

/* The daemon is stopping: wake every blocked reader (result, stream);
 * they and later blocking reads return -EINTR at once. */
void qry_release_readers(struct engine *e);

/* Wake q's blocked readers so they look at their interrupt flags. */
void qry_result_wake(struct qry *q);
/* Readers blocked in qry_result_read now (tests, diagnostics). */
unsigned qry_result_waiters(struct qry *q);
/* status, error, sql file contents. */
int qry_status_render(struct qry *q, struct buf *out);
int qry_error_render(struct qry *q, struct buf *out);
int qry_sql_render(struct qry *q, struct buf *out);

#endif
