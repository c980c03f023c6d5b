/*
 * query.c — the query registry, the result sink and the query task
 * (exec/query.h; the state they share is in query_int.h, and loading
 * from disk and reading a query's files are in query_files.c).
 *
 * The registry lists queries in number order (creation order) under its
 * mutex; creating a query holds it across the few small file operations
 * that make the query's directory, so a name is never half taken. Each
 * query has its own mutex and condition variable: the task appends to the
 * result file, then publishes the new size under the mutex and wakes the
 * readers blocked at the end of the result; a state change wakes them too.
 * Lock order: registry, then query.
 *
 * The task (one per query, on the pool) pulls blocks from the source and
 * pushes them down the operator chain to the sink; between blocks it
 * checks the cancel flag. When the query ends its status and error are
 * written to its directory, so a restarted daemon shows them as they were;
 * a directory with a statement but no status belonged to a query the
 * daemon stopped under, and is loaded as failed.
 *
 * Streaming tasks (an unbounded source) run in turns. `sched` says where
 * the task is: idle (waiting for a wake-up, on no queue and no thread),
 * queued, or running. A wake-up (an append to the stream, the ticker,
 * a cancel) queues an idle task, or sets `wake` for a queued or running
 * one; a turn clears `wake`, drains the source, ticks the chain, and goes
 * idle only if no wake-up came meanwhile (checked under q->mu), so no
 * append is ever missed and no thread ever waits on a quiet stream. A
 * turn that keeps finding rows requeues itself after TURN_BLOCKS blocks,
 * so one busy query does not hold a thread the others need.
 *
 * The ticker (one thread per registry, started by the first streaming
 * query) queues each idle streaming task once per its period, so
 * operators see time pass on quiet streams (op_tick): once a second,
 * or as often as a source driven by time asks (src->wake_ns: a random
 * stream's batch interval). It sleeps until the earliest due tick and
 * kicks only the queries that are due; qry_tick_all kicks them all at
 * once (tests with a fake clock).
 *
 * Rotation: an unbounded query's result past rotate_bytes is renamed to
 * result.1 and a new result starts; the reading descriptor of the old
 * one moves with it (read_fd_prev), and reads happen under q->mu so a
 * rotation never closes a descriptor under a reader. The hook
 * (qry_set_notify) tells the file system, which invalidates the kernel's
 * attributes; it is called by the task, never from a FUSE request.
 */
#include "exec/query.h"
#include "query_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/qpool.h"
#include "os/os.h"
#include "types/datetime.h"
#include "types/schema.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/msg.h"

const char *const qry_state_names[] = {"pending", "running", "finished", "failed", "cancelled"};
const char *const qry_kind_names[] = {"", "historical", "streaming", "insert"};

struct qry_reg *qry_reg_of(struct engine *e)
{
    return eng_queries(e);
}

/* --- queries: life ------------------------------------------------------- */

void qry_free(struct qry *q)
{
    src_destroy(q->src);
    op_destroy(q->head);
    if (q->fd >= 0)
        os_close(q->fd);
    if (q->read_fd >= 0)
        os_close(q->read_fd);
    if (q->read_fd_prev >= 0)
        os_close(q->read_fd_prev);
    if (q->stream)
        eng_stream_put(q->stream);
    for (uint32_t i = 0; q->names && i < q->ncols; i++)
        free(q->names[i]);
    free(q->names);
    free(q->types);
    free(q->sql);
    free(q->error);
    free(q->dir);
    buf_free(&q->render);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

void qry_put(struct qry *q)
{
    if (q && atomic_fetch_sub(&q->refs, 1) == 1)
        qry_free(q);
}

static int sink_push(struct op *o, struct blk *b);
static int sink_finish(struct op *o);
static void sink_destroy(struct op *o);
static const struct op_vt sink_vt = {sink_push, sink_finish, sink_destroy, NULL};
static void task_run(struct qpool_task *t);
static void on_append(struct eng_sub *sub);

int qry_alloc(struct qry_reg *r, const char *id, uint64_t num, struct qry **out)
{
    struct qry *q = calloc(1, sizeof(*q));
    if (!q)
        return -ENOMEM;
    atomic_init(&q->refs, 1);
    q->reg = r;
    q->num = num;
    q->fd = q->read_fd = q->read_fd_prev = -1;
    q->progress = -1;
    q->mtime_ns = clk_now_ns();
    snprintf(q->id, sizeof(q->id), "%s", id);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->sink.vt = &sink_vt;
    q->sink.ctx = &q->ctx;
    q->task.run = task_run;
    q->sub.wake = on_append;
    size_t n = strlen(r->dir) + strlen(id) + 2;
    q->dir = malloc(n);
    if (!q->dir) {
        qry_free(q);
        return -ENOMEM;
    }
    snprintf(q->dir, n, "%s/%s", r->dir, id);
    *out = q;
    return 0;
}

void qry_file_path(const struct qry *q, const char *name, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/%s", q->dir, name);
}

/* A query's small files (sql, num, status, error): replaced atomically but
 * not synced. A query is not durable data: after a crash it comes back as
 * failed or not at all, and syncing would cost each query milliseconds. */
static int write_file(const struct qry *q, const char *name, const char *p, size_t n)
{
    char path[PATH_MAX];
    qry_file_path(q, name, path);
    return os_write_file(path, p, n);
}

/* --- the registry --------------------------------------------------------- */

/* 1 for an id a query may have: a number, or a name (not new or last). */
int qry_valid_name(const char *name)
{
    return sch_valid_name(name, strlen(name)) && strlen(name) < QRY_ID_MAX;
}

int qry_taken_name(const char *name)
{
    return !strcmp(name, "new") || !strcmp(name, "last");
}

/* Under r->mu. */
static struct qry *find(struct qry_reg *r, const char *id)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (!strcmp(r->q[i]->id, id))
            return r->q[i];
    return NULL;
}

/* Insert keeping number order (under r->mu; loading inserts out of order). */
int qry_list_add(struct qry_reg *r, struct qry *q)
{
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? 2 * r->cap : 16;
        struct qry **grown = realloc(r->q, cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        r->q = grown;
        r->cap = cap;
    }
    uint32_t i = r->n;
    while (i > 0 && r->q[i - 1]->num > q->num) {
        r->q[i] = r->q[i - 1];
        i--;
    }
    r->q[i] = q;
    r->n++;
    return 0;
}

static void list_del(struct qry_reg *r, struct qry *q)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->q[i] == q) {
            memmove(&r->q[i], &r->q[i + 1], (r->n - i - 1) * sizeof(*r->q));
            r->n--;
            return;
        }
}

/*
 * Unlist q for good (under r->mu) and move its directory out of the way,
 * so a new query may take its name at once; trash gets the path to
 * remove (outside the lock).
 */
static void retire(struct qry_reg *r, struct qry *q, char trash[PATH_MAX])
{
    char path[PATH_MAX];
    list_del(r, q);
    pthread_mutex_lock(&q->mu);
    q->removed = 1;
    qry_file_path(q, "result", path);
    if (q->has_sql && q->read_fd < 0) /* readers it has keep reading */
        os_open(path, O_RDONLY, 0, &q->read_fd);
    pthread_mutex_unlock(&q->mu);
    snprintf(trash, PATH_MAX, "%s/.gone.%llu", r->dir, (unsigned long long)q->num);
    if (os_rename(q->dir, trash))
        snprintf(trash, PATH_MAX, "%s", q->dir);
}

static void remove_trash(const struct qry *q, const char *trash)
{
    int rc = os_rmtree(trash);
    if (rc)
        msg_warn("query %s: removing %s: %s", q->id, trash, err_str(rc));
}

/* Take the next number and record it as used before it is given (under
 * r->mu). The counter file is replaced without a sync: a kill -9 keeps it
 * (page cache), and after a power loss qry_load_all() also starts above every
 * query still in DATADIR; syncing would cost each query a millisecond. */
static int take_num(struct qry_reg *r, uint64_t *num)
{
    char path[PATH_MAX], text[32];
    snprintf(path, sizeof(path), "%s/.next_id", r->dir);
    int len = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)(r->next_num + 1));
    int rc = os_write_file(path, text, (size_t)len);
    if (rc)
        return rc;
    *num = r->next_num++;
    return 0;
}

static int64_t elapsed_now(const struct qry *q)
{
    return (clk_mono_ns() - q->start_mono) / 1000000;
}

/* The status text (under q->mu). */
int qry_render_status(struct qry *q, struct buf *out)
{
    if (!q->has_sql)
        return 0; /* reserved by mkdir: nothing applies yet */
    int running = q->state == QRY_RUNNING;
    double progress = q->progress;
    if (running && q->kind == QRY_HISTORICAL)
        progress = q->total_rows ? (double)q->rows_read / (double)q->total_rows : 0;
    if (progress > 1)
        progress = 1;
    int rc = buf_printf(out,
                        "state: %s\nkind: %s\nrows_read: %llu\nrows_out: %llu\nbytes_out: %llu\n"
                        "elapsed_ms: %lld\n",
                        qry_state_names[q->state], qry_kind_names[q->kind],
                        (unsigned long long)q->rows_read, (unsigned long long)q->rows_out,
                        (unsigned long long)q->bytes_total,
                        (long long)(running ? elapsed_now(q) : q->elapsed_ms));
    if (!rc && progress >= 0)
        rc = buf_printf(out, "progress: %.3f\n", progress);
    if (!rc && atomic_load(&q->ctx.windowed)) {
        char text[DT_MAX_TEXT] = ""; /* empty until the first event */
        if (atomic_load(&q->ctx.has_watermark))
            dt_format(atomic_load(&q->ctx.watermark_ns) / 1000000, 3, text);
        rc = buf_printf(out, "watermark: %s\nlate_events: %llu\nwindows_open: %llu\n", text,
                        (unsigned long long)atomic_load(&q->ctx.late_events),
                        (unsigned long long)atomic_load(&q->ctx.windows_open));
    }
    if (!rc && running && q->stream) {
        struct log_info li;
        log_get_info(q->stream->log, &li);
        rc = buf_printf(out, "lag: %llu\n",
                        (unsigned long long)(li.next_sn > q->pos_sn ? li.next_sn - q->pos_sn : 0));
    }
    if (!rc && running)
        rc = buf_printf(out, "memory_bytes: %llu\n",
                        (unsigned long long)atomic_load(&q->ctx.mem_used));
    return rc;
}

/* Write the status and error files of an ended query. */
void qry_persist_end(struct qry *q)
{
    struct buf st = BUF_INIT;
    pthread_mutex_lock(&q->mu);
    int rc = qry_render_status(q, &st);
    char *error = q->error ? strdup(q->error) : NULL;
    pthread_mutex_unlock(&q->mu);
    if (!rc && error)
        rc = write_file(q, "error", error, strlen(error));
    if (!rc)
        rc = write_file(q, "status", st.data ? st.data : "", st.len);
    if (rc)
        msg_warn("query %s: cannot record its end: %s", q->id, err_str(rc));
    free(error);
    buf_free(&st);
}

static void trim(struct qry_reg *r);
static void kick(struct qry *q);

int qry_registry_open(const char *datadir, struct qry_reg **out)
{
    struct qry_reg *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->tick_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_rwlock_init(&r->notify_lock, NULL);
    r->max_finished = QRY_DEFAULT_MAX_FINISHED;
    size_t n = strlen(datadir) + sizeof("/queries");
    int rc = -ENOMEM;
    r->dir = malloc(n);
    if (!r->dir)
        goto fail;
    snprintf(r->dir, n, "%s/queries", datadir);
    rc = os_mkdir(r->dir, 0755);
    if (!rc)
        rc = qpool_create(0, &r->pool);
    if (!rc)
        rc = qry_load_all(r);
    if (rc)
        goto fail;
    trim(r);
    *out = r;
    return 0;
fail:
    qry_registry_close(r);
    return rc;
}

void qry_registry_close(struct qry_reg *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    int ticker = r->ticker_on;
    pthread_cond_broadcast(&r->tick_cv);
    pthread_mutex_unlock(&r->mu);
    if (ticker)
        pthread_join(r->ticker, NULL); /* no tick is queued after this */
    pthread_mutex_lock(&r->mu);
    for (uint32_t i = 0; i < r->n; i++) {
        atomic_store(&r->q[i]->ctx.cancelled, 1);
        kick(r->q[i]); /* an idle streaming task: queued, it sees the flag and ends */
    }
    pthread_mutex_unlock(&r->mu);
    qpool_destroy(r->pool); /* queued tasks run, see the flag and end */
    for (uint32_t i = 0; i < r->n; i++)
        qry_put(r->q[i]);
    free(r->q);
    free(r->dir);
    pthread_cond_destroy(&r->tick_cv);
    pthread_rwlock_destroy(&r->notify_lock);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

void qry_set_max_finished(struct engine *e, uint32_t n)
{
    struct qry_reg *r = qry_reg_of(e);
    pthread_mutex_lock(&r->mu);
    r->max_finished = n;
    pthread_mutex_unlock(&r->mu);
    trim(r);
}

static int ended(enum qry_state s)
{
    return s == QRY_FINISHED || s == QRY_FAILED || s == QRY_CANCELLED;
}

/* Drop the oldest ended queries beyond max_finished. */
static void trim(struct qry_reg *r)
{
    struct qry **victims = NULL;
    char (*trash)[PATH_MAX] = NULL;
    uint32_t nv = 0;
    pthread_mutex_lock(&r->mu);
    uint32_t count = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        pthread_mutex_lock(&r->q[i]->mu);
        count += ended(r->q[i]->state);
        pthread_mutex_unlock(&r->q[i]->mu);
    }
    if (count > r->max_finished) {
        victims = malloc((count - r->max_finished) * sizeof(*victims));
        trash = malloc((count - r->max_finished) * sizeof(*trash));
    }
    for (uint32_t i = 0; victims && trash && i < r->n && count - nv > r->max_finished;) {
        struct qry *q = r->q[i];
        pthread_mutex_lock(&q->mu);
        int drop = ended(q->state) && q->task_state != TASK_ON;
        pthread_mutex_unlock(&q->mu);
        if (drop) {
            retire(r, q, trash[nv]);
            victims[nv++] = q;
        } else {
            i++; /* running, or its task still finishing: it stays, and counts */
        }
    }
    pthread_mutex_unlock(&r->mu);
    for (uint32_t i = 0; i < nv; i++) {
        remove_trash(victims[i], trash[i]);
        qry_put(victims[i]);
    }
    free(victims);
    free(trash);
}

/* --- creating ------------------------------------------------------------- */

static int set_spec(struct qry *q, const struct qry_spec *spec)
{
    size_t len = spec->sql_len;
    const char *s = spec->sql;
    while (len && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
                   s[len - 1] == '\r'))
        len--;
    q->sql = malloc(len + 2);
    q->names = calloc(spec->ncols ? spec->ncols : 1, sizeof(*q->names));
    q->types = calloc(spec->ncols ? spec->ncols : 1, sizeof(*q->types));
    if (!q->sql || !q->names || !q->types)
        return -ENOMEM;
    memcpy(q->sql, s, len);
    q->sql[len] = '\n';
    q->sql[len + 1] = '\0';
    q->sql_len = len;
    q->ncols = spec->ncols;
    for (uint32_t i = 0; i < spec->ncols; i++) {
        q->types[i] = spec->types[i];
        if (!(q->names[i] = strdup(spec->names[i])))
            return -ENOMEM;
    }
    q->kind = spec->kind ? spec->kind : QRY_HISTORICAL;
    q->format = spec->format;
    q->max_result_bytes = spec->max_result_bytes ? spec->max_result_bytes
                                                 : QRY_DEFAULT_MAX_RESULT_BYTES;
    q->rotate_bytes = spec->rotate_bytes ? spec->rotate_bytes : QRY_DEFAULT_ROTATE_BYTES;
    q->ctx.mem_limit = spec->max_memory_usage;
    q->ctx.fn.now_ns = clk_now_ns();
    if (os_random(&q->ctx.fn.rand_state, sizeof(q->ctx.fn.rand_state)))
        q->ctx.fn.rand_state = (uint64_t)q->ctx.fn.now_ns ^ q->num;
    return 0;
}

/* Undo set_spec and create_files on a reserved query whose start failed. */
static void clear_spec(struct qry *q)
{
    char path[PATH_MAX];
    for (uint32_t i = 0; q->names && i < q->ncols; i++)
        free(q->names[i]);
    free(q->names);
    free(q->types);
    free(q->sql);
    q->names = NULL;
    q->types = NULL;
    q->sql = NULL;
    q->ncols = 0;
    qry_file_path(q, "sql", path);
    os_unlink(path);
    qry_file_path(q, "result", path);
    os_unlink(path);
}

/* The statement's files: sql and an empty result. */
static int create_files(struct qry *q)
{
    char path[PATH_MAX];
    int fd = -1;
    int rc = write_file(q, "sql", q->sql, q->sql_len + 1);
    qry_file_path(q, "result", path);
    if (!rc)
        rc = os_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd);
    if (!rc)
        os_close(fd);
    return rc;
}

/* A new query directory (under r->mu); named ones record their number. */
static int make_query(struct qry_reg *r, const char *name, struct qry **out)
{
    char id[QRY_ID_MAX], text[32];
    uint64_t num;
    int rc = take_num(r, &num);
    if (rc)
        return rc;
    if (name)
        snprintf(id, sizeof(id), "%s", name);
    else
        snprintf(id, sizeof(id), "%llu", (unsigned long long)num);
    struct qry *q;
    rc = qry_alloc(r, id, num, &q);
    if (rc)
        return rc;
    rc = os_mkdir(q->dir, 0755);
    if (!rc && name) {
        int len = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)num);
        rc = write_file(q, "num", text, (size_t)len);
    }
    if (rc) {
        os_rmtree(q->dir);
        qry_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

int qry_reserve(struct engine *e, const char *name)
{
    struct qry_reg *r = qry_reg_of(e);
    if (!qry_valid_name(name))
        return -EINVAL;
    if (qry_taken_name(name))
        return -EEXIST;
    pthread_mutex_lock(&r->mu);
    struct qry *q = NULL;
    int rc = find(r, name) ? -EEXIST : make_query(r, name, &q);
    if (!rc) {
        q->state = QRY_PENDING;
        rc = qry_list_add(r, q);
        if (rc) {
            os_rmtree(q->dir);
            qry_put(q);
        }
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int qry_create(struct engine *e, const struct qry_spec *spec, struct qry **out)
{
    struct qry_reg *r = qry_reg_of(e);
    pthread_mutex_lock(&r->mu);
    int rc = 0, fresh = 0;
    struct qry *q = spec->name ? find(r, spec->name) : NULL;
    if (!q && spec->name && !qry_valid_name(spec->name))
        rc = -EINVAL;
    else if (!q && spec->name && qry_taken_name(spec->name))
        rc = -EEXIST;
    else if (q) { /* (a numbered id is found here too: taken) */
        pthread_mutex_lock(&q->mu);
        if (q->has_sql || q->removed)
            rc = -EEXIST;
        pthread_mutex_unlock(&q->mu);
    } else {
        rc = make_query(r, spec->name, &q);
        fresh = 1;
    }
    if (rc)
        goto out;
    /* a reserved query is listed already, so its fields change under q->mu */
    pthread_mutex_lock(&q->mu);
    rc = set_spec(q, spec);
    if (!rc)
        rc = create_files(q);
    if (!rc) {
        q->has_sql = 1;
        q->state = QRY_RUNNING;
        q->start_mono = clk_mono_ns();
        q->mtime_ns = clk_now_ns();
    } else if (!fresh) {
        clear_spec(q);
    }
    pthread_mutex_unlock(&q->mu);
    if (!rc && fresh)
        rc = qry_list_add(r, q);
    if (rc) {
        if (fresh) {
            os_rmtree(q->dir);
            qry_put(q);
        }
        goto out;
    }
    q->start_seq = r->next_start++;
    atomic_fetch_add(&q->refs, 1);
    *out = q;
out:
    pthread_mutex_unlock(&r->mu);
    return rc;
}

/* --- lookups -------------------------------------------------------------- */

int qry_get(struct engine *e, const char *id, struct qry **out)
{
    struct qry_reg *r = qry_reg_of(e);
    pthread_mutex_lock(&r->mu);
    struct qry *q = find(r, id);
    if (q)
        atomic_fetch_add(&q->refs, 1);
    pthread_mutex_unlock(&r->mu);
    *out = q;
    return q ? 0 : -ENOENT;
}

int qry_get_num(struct engine *e, uint64_t num, struct qry **out)
{
    struct qry_reg *r = qry_reg_of(e);
    struct qry *q = NULL;
    pthread_mutex_lock(&r->mu);
    uint32_t lo = 0, hi = r->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r->q[mid]->num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < r->n && r->q[lo]->num == num) {
        q = r->q[lo];
        atomic_fetch_add(&q->refs, 1);
    }
    pthread_mutex_unlock(&r->mu);
    *out = q;
    return q ? 0 : -ENOENT;
}

const char *qry_id(const struct qry *q)
{
    return q->id;
}

uint64_t qry_num(const struct qry *q)
{
    return q->num;
}

int qry_list(struct engine *e, char ***ids, uint32_t *n)
{
    struct qry_reg *r = qry_reg_of(e);
    pthread_mutex_lock(&r->mu);
    char **a = calloc(r->n ? r->n : 1, sizeof(*a));
    int rc = a ? 0 : -ENOMEM;
    for (uint32_t i = 0; !rc && i < r->n; i++)
        if (!(a[i] = strdup(r->q[i]->id)))
            rc = -ENOMEM;
    uint32_t count = r->n;
    pthread_mutex_unlock(&r->mu);
    if (rc) {
        for (uint32_t i = 0; a && i < count; i++)
            free(a[i]);
        free(a);
        return rc;
    }
    *ids = a;
    *n = count;
    return 0;
}

int qry_last(struct engine *e, char out[QRY_ID_MAX])
{
    struct qry_reg *r = qry_reg_of(e);
    struct qry *newest = NULL;
    pthread_mutex_lock(&r->mu);
    for (uint32_t i = 0; i < r->n; i++) {
        struct qry *q = r->q[i];
        pthread_mutex_lock(&q->mu);
        if (q->has_sql && (!newest || q->start_seq > newest->start_seq))
            newest = q;
        pthread_mutex_unlock(&q->mu);
    }
    if (newest)
        memcpy(out, newest->id, QRY_ID_MAX);
    pthread_mutex_unlock(&r->mu);
    return newest ? 0 : -ENOENT;
}

/* --- running -------------------------------------------------------------- */

struct op *qry_sink(struct qry *q)
{
    return &q->sink;
}

struct op_ctx *qry_ctx(struct qry *q)
{
    return &q->ctx;
}

/* End q (under q->mu): the state, why, and the fixed figures. */
static void set_end(struct qry *q, enum qry_state st, const char *why)
{
    q->state = st;
    q->elapsed_ms = elapsed_now(q);
    if (q->kind == QRY_HISTORICAL)
        q->progress = st == QRY_FINISHED ? 1
                      : q->total_rows ? (double)q->rows_read / (double)q->total_rows
                                      : 0;
    if (why && !q->error)
        q->error = strdup(why);
    pthread_cond_broadcast(&q->cv);
}

/* Tell the file system (outside q->mu). */
static void notify(struct qry *q, uint64_t gen, int rotated)
{
    struct qry_reg *r = q->reg;
    pthread_rwlock_rdlock(&r->notify_lock);
    if (r->notify)
        r->notify(r->notify_arg, q->num, gen, rotated);
    pthread_rwlock_unlock(&r->notify_lock);
}

void qry_set_notify(struct engine *e, qry_notify_fn fn, void *arg)
{
    struct qry_reg *r = qry_reg_of(e);
    pthread_rwlock_wrlock(&r->notify_lock);
    r->notify = fn;
    r->notify_arg = arg;
    pthread_rwlock_unlock(&r->notify_lock);
}

/* result -> result.1, and a new result (the task's thread). */
static int rotate(struct qry *q)
{
    char path[PATH_MAX], old[PATH_MAX];
    qry_file_path(q, "result", path);
    qry_file_path(q, "result.1", old);
    os_close(q->fd);
    q->fd = -1;
    pthread_mutex_lock(&q->mu); /* no reader between the rename and the swap */
    int rc = os_rename(path, old);
    if (!rc) {
        if (q->read_fd_prev >= 0)
            os_close(q->read_fd_prev);
        q->read_fd_prev = q->read_fd; /* follows the renamed file */
        q->read_fd = -1;
        q->prev_size = q->result_size;
        q->prev_mtime_ns = q->mtime_ns;
        q->result_size = 0;
        q->rot++;
    }
    pthread_mutex_unlock(&q->mu);
    if (!rc)
        rc = os_open(path, O_WRONLY | O_CREAT | O_APPEND, 0644, &q->fd);
    if (rc)
        return op_ctx_fail(&q->ctx, rc, "rotating the result: %s", err_str(rc));
    return 0;
}

/* Append rendered bytes to the result and tell the readers. */
static int append(struct qry *q, const char *p, size_t n, uint32_t rows)
{
    int rc, rotated = 0;
    if (!n)
        return 0;
    if (q->unbounded) {
        if (q->result_size && q->result_size + n > q->rotate_bytes) {
            if ((rc = rotate(q)))
                return rc;
            rotated = 1;
        }
    } else if (q->result_size + n > q->max_result_bytes) {
        return op_ctx_fail(&q->ctx, -EFBIG, "result exceeds max_result_bytes (%llu)",
                           (unsigned long long)q->max_result_bytes);
    }
    rc = os_write(q->fd, p, n);
    if (rc)
        return op_ctx_fail(&q->ctx, rc, "writing the result: %s", err_str(rc));
    pthread_mutex_lock(&q->mu);
    q->result_size += n;
    q->bytes_total += n;
    q->rows_out += rows;
    q->mtime_ns = clk_now_ns();
    uint64_t gen = q->rot;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    notify(q, gen, rotated);
    return 0;
}

static int sink_push(struct op *o, struct blk *b)
{
    struct qry *q = (struct qry *)((char *)o - offsetof(struct qry, sink));
    buf_reset(&q->render);
    int rc = fmt_out_rows(q->format, (const char *const *)q->names, b, 0, b->nrows, &q->render);
    if (rc)
        return op_ctx_fail(&q->ctx, rc, "rendering the result: %s", err_str(rc));
    if (!q->unbounded || b->nrows < 2 || q->result_size + q->render.len <= q->rotate_bytes)
        return append(q, q->render.data, q->render.len, b->nrows);
    /* the block crosses the rotation bound: row by row, so each file
     * stays within it (unless one row alone is larger) */
    for (uint32_t r = 0; r < b->nrows && !rc; r++) {
        buf_reset(&q->render);
        rc = fmt_out_rows(q->format, (const char *const *)q->names, b, r, r + 1, &q->render);
        if (rc)
            return op_ctx_fail(&q->ctx, rc, "rendering the result: %s", err_str(rc));
        rc = append(q, q->render.data, q->render.len, 1);
    }
    return rc;
}

static int sink_finish(struct op *o)
{
    return 0;
}

static void sink_destroy(struct op *o)
{
    /* part of the query: freed with it */
}

/* Open the result for appends and write the format's header (once). */
static int start_result(struct qry *q)
{
    char path[PATH_MAX];
    if (q->started)
        return 0;
    q->started = 1;
    qry_file_path(q, "result", path);
    int rc = os_open(path, O_WRONLY | O_APPEND, 0, &q->fd);
    if (rc)
        return op_ctx_fail(&q->ctx, rc, "opening the result: %s", err_str(rc));
    buf_reset(&q->render);
    rc = fmt_out_header(q->format, (const char *const *)q->names, q->ncols, &q->render);
    if (!rc)
        rc = append(q, q->render.data, q->render.len, 0);
    return rc;
}

/*
 * Push up to max blocks of the source down the chain: 0 at a bounded
 * source's end, -EAGAIN when an unbounded one has nothing ready,
 * PUMP_MORE when max blocks went (more may be ready), OP_DONE when the chain needs no
 * more, else why it stopped.
 */
static int pump(struct qry *q, unsigned max)
{
    int rc = 0;
    for (unsigned i = 0; !max || i < max; i++) {
        if (atomic_load(&q->ctx.cancelled))
            return -ECANCELED;
        struct blk *b = NULL;
        rc = src_next(q->src, &b);
        if (rc || !b)
            break;
        q->ctx.rows_read += b->nrows;
        pthread_mutex_lock(&q->mu);
        q->rows_read = q->ctx.rows_read;
        pthread_mutex_unlock(&q->mu);
        rc = op_push(q->head, b);
        blk_unref(b);
        if (rc)
            break;
        rc = max && i + 1 == max ? PUMP_MORE : 0;
    }
    if (q->unbounded) {
        pthread_mutex_lock(&q->mu);
        q->pos_sn = q->src->next_sn;
        pthread_mutex_unlock(&q->mu);
    }
    return rc;
}

/* Pull every block of a bounded source through the chain; 0, or why it stopped. */
static int drive(struct qry *q)
{
    if (atomic_load(&q->ctx.cancelled))
        return -ECANCELED;
    int rc = start_result(q);
    if (!rc)
        rc = pump(q, 0);
    if (rc == OP_DONE)
        rc = 0;
    if (!rc)
        rc = op_finish(q->head);
    return rc;
}

/* Why a query failed, in words. */
static void failure_text(struct qry *q, int rc, char *out, size_t n)
{
    if (q->ctx.err[0])
        snprintf(out, n, "%s", q->ctx.err);
    else if (q->ctx.fn.err[0])
        snprintf(out, n, "%s", q->ctx.fn.err);
    else
        snprintf(out, n, "%s", err_str(rc));
}

/* Let go of what the task ran with (the task's thread, or a canceller
 * that took the task off the queue): the subscription first, so no
 * wake-up comes after. */
static void release_run(struct qry *q)
{
    if (q->stream)
        eng_stream_unsubscribe(q->stream, &q->sub);
    src_destroy(q->src);
    op_destroy(q->head);
    q->src = NULL;
    q->head = NULL;
    if (q->fd >= 0)
        os_close(q->fd);
    q->fd = -1;
    buf_free(&q->render);
}

/* The query ended with rc: record it, and drop the task's reference. */
static void task_end(struct qry *q, int rc)
{
    struct qry_reg *r = q->reg;
    release_run(q);
    pthread_mutex_lock(&r->mu);
    int stopping = r->stopping;
    pthread_mutex_unlock(&r->mu);
    char why[OP_ERR_MAX];
    enum qry_state st = QRY_FINISHED;
    why[0] = '\0';
    if (rc && atomic_load(&q->ctx.cancelled) && stopping) {
        st = QRY_FAILED;
        snprintf(why, sizeof(why), "%s", QRY_STOPPED_ERROR);
    } else if (rc == -ECANCELED && atomic_load(&q->ctx.cancelled)) {
        st = QRY_CANCELLED;
    } else if (rc) {
        st = QRY_FAILED;
        failure_text(q, rc, why, sizeof(why));
    }
    pthread_mutex_lock(&q->mu);
    set_end(q, st, why[0] ? why : NULL);
    int removed = q->removed;
    pthread_mutex_unlock(&q->mu);
    if (!removed)
        qry_persist_end(q);
    if (!stopping)
        trim(r); /* (never this query: its task is still on) */
    pthread_mutex_lock(&q->mu);
    q->task_state = TASK_DONE;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    qry_put(q); /* the task's reference */
}

/* Queue q's task (under q->mu, sched set to queued); 0 or the pool's error. */
static int queue_task(struct qry *q)
{
    q->sched = TURN_QUEUED;
    int rc = qpool_submit(q->reg->pool, &q->task);
    if (rc)
        q->sched = TURN_IDLE;
    return rc;
}

/* A wake-up for a streaming task: queue it when idle, else have its turn
 * go round once more. */
static void kick(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->unbounded && q->task_state == TASK_ON) {
        if (q->sched != TURN_IDLE || queue_task(q))
            q->wake = 1;
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static void on_append(struct eng_sub *sub)
{
    kick((struct qry *)((char *)sub - offsetof(struct qry, sub)));
}

/*
 * One turn of a streaming task: drain, tick, and go idle (1) unless a
 * wake-up came meanwhile; 1 also when it requeued itself after
 * TURN_BLOCKS blocks. 0 when the query ended, with why in *end_rc.
 */
static int stream_turn(struct qry *q, int *end_rc)
{
    int rc = start_result(q);
    for (;;) {
        pthread_mutex_lock(&q->mu);
        q->sched = TURN_RUNNING;
        q->wake = 0;
        pthread_mutex_unlock(&q->mu);
        if (!rc)
            rc = pump(q, TURN_BLOCKS);
        int more = rc == PUMP_MORE;
        if (rc == -EAGAIN || more)
            rc = op_tick(q->head, clk_now_ns());
        if (!rc && atomic_load(&q->ctx.cancelled))
            rc = -ECANCELED;
        if (rc == OP_DONE) { /* LIMIT reached: the query is complete */
            *end_rc = op_finish(q->head);
            return 0;
        }
        if (rc) {
            *end_rc = rc;
            return 0;
        }
        pthread_mutex_lock(&q->mu);
        if (atomic_load(&q->ctx.cancelled)) {
            pthread_mutex_unlock(&q->mu);
            *end_rc = -ECANCELED;
            return 0;
        }
        if (more && queue_task(q) == 0) { /* let the others run */
            pthread_mutex_unlock(&q->mu);
            return 1;
        }
        if (!q->wake && !more) {
            q->sched = TURN_IDLE;
            pthread_cond_broadcast(&q->cv); /* qry_settle */
            pthread_mutex_unlock(&q->mu);
            return 1;
        }
        pthread_mutex_unlock(&q->mu);
    }
}

static void task_run(struct qpool_task *t)
{
    struct qry *q = (struct qry *)((char *)t - offsetof(struct qry, task));
    int rc;
    if (q->unbounded) {
        if (atomic_load(&q->ctx.cancelled))
            rc = -ECANCELED;
        else if (stream_turn(q, &rc))
            return; /* idle or queued again; the task stays on */
    } else {
        rc = drive(q);
    }
    task_end(q, rc);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* the real clock: the wait below uses it */
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Kick the queries whose tick is due (under r->mu); when the next is due. */
static int64_t tick_due(struct qry_reg *r, int64_t now)
{
    int64_t next = now + TICK_NS;
    for (uint32_t i = 0; i < r->n; i++) {
        struct qry *q = r->q[i];
        int64_t period = q->tick_period_ns ? q->tick_period_ns : TICK_NS;
        if (q->tick_due_ns <= now) {
            kick(q); /* registry, then query: the lock order */
            q->tick_due_ns = now + period;
        }
        if (q->tick_due_ns < next)
            next = q->tick_due_ns;
    }
    return next;
}

static void *ticker_main(void *arg)
{
    struct qry_reg *r = arg;
    pthread_mutex_lock(&r->mu);
    int64_t next = mono_ns() + TICK_NS;
    while (!r->stopping) {
        struct timespec ts = {.tv_sec = next / 1000000000ll, .tv_nsec = next % 1000000000ll};
        pthread_cond_timedwait(&r->tick_cv, &r->mu, &ts);
        if (r->stopping)
            break;
        next = tick_due(r, mono_ns());
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

void qry_tick_all(struct engine *e)
{
    struct qry_reg *r = qry_reg_of(e);
    pthread_mutex_lock(&r->mu);
    for (uint32_t i = 0; i < r->n; i++)
        kick(r->q[i]);
    pthread_mutex_unlock(&r->mu);
}

void qry_settle(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->task_state == TASK_ON &&
           (!q->unbounded || q->sched != TURN_IDLE || q->wake))
        pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
}

/* Start the ticker with the first streaming query (never before the
 * daemon forks: queries start after it), and give it q's period: a
 * source driven by time asks for its own (src->wake_ns), the others
 * are ticked every TICK_NS. */
static int start_ticker(struct qry_reg *r, struct qry *q, int64_t period_ns)
{
    pthread_mutex_lock(&r->mu);
    int rc = 0;
    q->tick_period_ns = period_ns > 0 && period_ns < TICK_NS ? period_ns : TICK_NS;
    q->tick_due_ns = mono_ns() + q->tick_period_ns;
    pthread_cond_broadcast(&r->tick_cv); /* the ticker recomputes its next wake-up */
    if (!r->ticker_on && !r->stopping) {
        rc = -pthread_create(&r->ticker, NULL, ticker_main, r);
        r->ticker_on = rc == 0;
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int qry_run(struct qry *q, struct src *src, struct op *head)
{
    pthread_mutex_lock(&q->mu);
    int rc = 0;
    if (!q->has_sql || q->task_state != TASK_NONE)
        rc = -EINVAL;
    else if (q->state != QRY_RUNNING)
        rc = 1; /* cancelled or aborted before it ran */
    if (rc) {
        pthread_mutex_unlock(&q->mu);
        src_destroy(src);
        op_destroy(head);
        return rc < 0 ? rc : 0;
    }
    q->src = src;
    q->head = head;
    q->total_rows = src->total_rows;
    q->task_state = TASK_ON;
    q->sched = TURN_QUEUED;
    if (src->unbounded) {
        q->unbounded = 1;
        q->pos_sn = src->next_sn;
        if (src->stream) {
            atomic_fetch_add(&src->stream->refs, 1);
            q->stream = src->stream;
        }
    }
    atomic_fetch_add(&q->refs, 1);
    pthread_mutex_unlock(&q->mu);
    if (q->unbounded)
        rc = start_ticker(q->reg, q, src->wake_ns);
    if (!rc && q->stream) /* the position is fixed: appends from now on wake the task */
        eng_stream_subscribe(q->stream, &q->sub);
    if (!rc)
        rc = qpool_submit(q->reg->pool, &q->task);
    if (rc) {
        release_run(q);
        pthread_mutex_lock(&q->mu);
        q->task_state = TASK_DONE;
        set_end(q, QRY_FAILED, "cannot start the query's task");
        pthread_mutex_unlock(&q->mu);
        qry_persist_end(q);
        qry_put(q);
    }
    return rc;
}

/* End a query that has no task (under q->mu); 1 when it did. */
static int end_without_task(struct qry *q, enum qry_state st, const char *why)
{
    if (q->state != QRY_RUNNING || q->task_state != TASK_NONE)
        return 0;
    set_end(q, st, why);
    return 1;
}

/* Take a cancelled query's task off the pool's queue if it has not
 * started, and end the query here; 1 when it did. */
static int unqueue(struct qry *q)
{
    if (!qpool_cancel(q->reg->pool, &q->task))
        return 0;
    release_run(q); /* the task is not running: nobody else has them */
    pthread_mutex_lock(&q->mu);
    set_end(q, QRY_CANCELLED, NULL);
    q->task_state = TASK_DONE;
    int removed = q->removed;
    pthread_mutex_unlock(&q->mu);
    if (!removed)
        qry_persist_end(q);
    qry_put(q); /* the task's reference */
    return 1;
}

void qry_abort(struct qry *q, const char *why)
{
    pthread_mutex_lock(&q->mu);
    int done = end_without_task(q, QRY_FAILED, why);
    int removed = q->removed;
    pthread_mutex_unlock(&q->mu);
    if (done && !removed) {
        qry_persist_end(q);
        trim(q->reg);
    }
}

void qry_cancel(struct qry *q)
{
    atomic_store(&q->ctx.cancelled, 1);
    pthread_mutex_lock(&q->mu);
    int done = end_without_task(q, QRY_CANCELLED, NULL);
    int removed = q->removed;
    pthread_mutex_unlock(&q->mu);
    if (done && !removed)
        qry_persist_end(q);
    if (done || unqueue(q))
        trim(q->reg);
    else
        kick(q); /* a waiting streaming task ends at once */
}

int qry_remove(struct engine *e, const char *id)
{
    struct qry_reg *r = qry_reg_of(e);
    char trash[PATH_MAX];
    pthread_mutex_lock(&r->mu);
    struct qry *q = find(r, id);
    if (q) {
        atomic_store(&q->ctx.cancelled, 1);
        retire(r, q, trash);
    }
    pthread_mutex_unlock(&r->mu);
    if (!q)
        return -ENOENT;
    pthread_mutex_lock(&q->mu);
    end_without_task(q, QRY_CANCELLED, NULL);
    pthread_mutex_unlock(&q->mu);
    if (!unqueue(q))
        kick(q); /* a waiting streaming task ends at once */
    pthread_mutex_lock(&q->mu);
    while (q->task_state == TASK_ON)
        pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    remove_trash(q, trash);
    qry_put(q); /* the registry's reference */
    return 0;
}

enum qry_state qry_wait(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->state == QRY_RUNNING || q->task_state == TASK_ON)
        pthread_cond_wait(&q->cv, &q->mu);
    enum qry_state st = q->state;
    pthread_mutex_unlock(&q->mu);
    return st;
}
