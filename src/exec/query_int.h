/*
 * query_int.h — the query registry's and a query's state, shared by
 * query.c (registry, creation, the task, the result sink) and
 * query_files.c (loading queries from DATADIR at start, reading results,
 * streams and status). Private to src/exec; users see exec/query.h.
 * Locks: the registry's mutex, then a query's (never the other way).
 */
#ifndef SFS_EXEC_QUERY_INT_H
#define SFS_EXEC_QUERY_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "exec/qpool.h"
#include "exec/query.h"
#include "util/buf.h"

enum task_state { TASK_NONE = 0, TASK_ON, TASK_DONE };
enum turn { TURN_QUEUED = 0, TURN_RUNNING, TURN_IDLE };

/* Blocks a streaming turn pushes before it lets other tasks run. */
#define TURN_BLOCKS 64
#define TICK_NS 1000000000ll /* the ticker's period for queries that ask for none */
/* pump: max blocks went, more may be ready (not OP_DONE) */
#define PUMP_MORE 2

struct qry {
    atomic_int refs;
    struct qry_reg *reg;
    char id[QRY_ID_MAX];
    uint64_t num;
    char *dir;                   /* DATADIR/queries/<id> */
    uint64_t start_seq;          /* order of starts (`last`); under the registry's mutex */
    int64_t tick_period_ns;      /* the ticker's period for it; under the registry's mutex */
    int64_t tick_due_ns;         /* its next tick (monotonic); under the registry's mutex */

    /* fixed once the statement is set (qry_create) */
    char *sql;
    size_t sql_len;
    enum qry_kind kind;
    enum fmt_kind format;
    uint32_t ncols;
    char **names;
    struct ty *types;
    uint64_t max_result_bytes;

    struct op_ctx ctx;
    struct op sink;
    struct qpool_task task;
    /* the task's own (one thread at a time) */
    struct src *src;
    struct op *head;
    struct buf render;
    int fd;                      /* result, open for appends while the task runs */
    int started;                 /* the result is open and its header written */
    int unbounded;               /* the source never ends: the task runs in turns */
    uint64_t rotate_bytes;
    struct eng_sub sub;          /* on the stream while the task is on */
    struct eng_stream *stream;   /* the unbounded source's stream (a reference) */

    pthread_mutex_t mu;          /* guards everything below */
    pthread_cond_t cv;           /* result grew, state changed, task done */
    enum qry_state state;
    int has_sql;                 /* 0: reserved by mkdir, no statement yet */
    enum task_state task_state;
    int removed;
    char *error;                 /* why it failed */
    uint64_t result_size, rows_out, rows_read, total_rows;
    int64_t start_mono;
    int64_t elapsed_ms;          /* fixed once ended */
    double progress;             /* fixed once ended; < 0: none */
    int64_t mtime_ns;
    unsigned waiters;
    int read_fd;                 /* result, opened by the first read */
    enum turn sched;            /* streaming: where its task is */
    int wake;                    /* streaming: a wake-up came while queued or running */
    uint64_t rot;                /* rotations so far (the result's generation) */
    uint64_t prev_size;          /* result.1's size */
    int64_t prev_mtime_ns;       /* result.1's last change (its rotation) */
    uint64_t bytes_total;        /* every byte produced, rotations included */
    uint64_t pos_sn;             /* streaming: the next row's sequence number */
    int read_fd_prev;            /* result.1, for readers (the old result's descriptor) */
};

struct qry_reg {
    char *dir;                   /* DATADIR/queries */
    struct qpool *pool;
    pthread_mutex_t mu;          /* guards everything below */
    struct qry **q;              /* listed, by number */
    uint32_t n, cap;
    uint64_t next_num;           /* the next number to give; .next_id holds it */
    uint64_t next_start;         /* start_seq of the next start; loaded queries have their number */
    uint32_t max_finished;
    int stopping;
    pthread_t ticker;            /* started by the first streaming query */
    int ticker_on;
    pthread_cond_t tick_cv;      /* stopping, a new period (monotonic clock) */
    pthread_rwlock_t notify_lock; /* guards notify, notify_arg */
    qry_notify_fn notify;
    void *notify_arg;
    atomic_int readers_closed;   /* qry_release_readers: no blocking read waits */
};


/* query.c */
struct qry_reg *qry_reg_of(struct engine *e);
/* A new query numbered num, id its name (refs 1, not listed yet). */
int qry_alloc(struct qry_reg *r, const char *id, uint64_t num, struct qry **out);
void qry_free(struct qry *q);
/* Add q to r's list in number order (under r->mu). */
int qry_list_add(struct qry_reg *r, struct qry *q);
/* DATADIR/queries/<id>/<name>. */
void qry_file_path(const struct qry *q, const char *name, char out[PATH_MAX]);
/* Names: a valid query name; one the namespace keeps for itself. */
int qry_valid_name(const char *name);
int qry_taken_name(const char *name);
/* status as `key: value` lines (the caller holds q->mu); status and error
 * written to the query's directory as it ended (takes q->mu itself). */
int qry_render_status(struct qry *q, struct buf *out);
void qry_persist_end(struct qry *q);

/* query_files.c: the queries a previous daemon left in DATADIR. */
int qry_load_all(struct qry_reg *r);

extern const char *const qry_state_names[];
extern const char *const qry_kind_names[];

#endif
