/*
 * query_files.c — a query's files on disk and to readers (query_int.h):
 * loading the queries a previous daemon left in DATADIR/queries (their
 * status and error as they ended; a query without a status had its daemon
 * stop under it and loads as failed), and reading a query's result
 * (blocking at the end of a bounded one), its pipe-like stream, its status,
 * error and statement.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "query_int.h"
#include "types/datetime.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/msg.h"

/* --- loading -------------------------------------------------------------- */

static uint64_t status_u64(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, kl) && p[kl] == ':')
            return strtoull(p + kl + 1, NULL, 10);
    return 0;
}

static const char *status_str(const char *text, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    out[0] = '\0';
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, kl) && p[kl] == ':') {
            p += kl + 1;
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, "\n");
            snprintf(out, n, "%.*s", (int)len, p);
            break;
        }
    return out;
}

static int lookup_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

/* Restore what a status file says (an ended query). */
static void load_status(struct qry *q, const char *text)
{
    char word[32];
    int st = lookup_name(qry_state_names, 5, status_str(text, "state", word, sizeof(word)));
    q->state = st >= QRY_FINISHED ? (enum qry_state)st : QRY_FAILED;
    int k = lookup_name(qry_kind_names, 4, status_str(text, "kind", word, sizeof(word)));
    q->kind = k > 0 ? (enum qry_kind)k : QRY_HISTORICAL;
    q->rows_read = status_u64(text, "rows_read");
    q->rows_out = status_u64(text, "rows_out");
    q->elapsed_ms = (int64_t)status_u64(text, "elapsed_ms");
    if (*status_str(text, "progress", word, sizeof(word)))
        q->progress = strtod(word, NULL);
}

/* One directory of DATADIR/queries; *q NULL when it holds no query. */
static int load_one(struct qry_reg *r, const char *name, struct qry **out)
{
    char path[PATH_MAX];
    struct buf b = BUF_INIT;
    uint64_t num;
    int rc;
    *out = NULL;
    if (name[0] >= '0' && name[0] <= '9') {
        char *end;
        char canon[32];
        num = strtoull(name, &end, 10);
        snprintf(canon, sizeof(canon), "%llu", (unsigned long long)num);
        if (*end || num == 0 || strcmp(canon, name))
            return 0;
    } else {
        if (!qry_valid_name(name) || qry_taken_name(name))
            return 0;
        snprintf(path, sizeof(path), "%s/%s/num", r->dir, name);
        if (os_read_file(path, &b) || buf_cstr(&b)) {
            buf_free(&b);
            return 0; /* not a query's directory */
        }
        num = strtoull(b.data, NULL, 10);
        buf_free(&b);
        if (!num)
            return 0;
    }
    struct qry *q;
    rc = qry_alloc(r, name, num, &q);
    if (rc)
        return rc;
    q->state = QRY_PENDING;
    qry_file_path(q, "sql", path);
    rc = os_read_file(path, &b);
    if (rc == -ENOENT) {
        *out = q; /* reserved by mkdir */
        return 0;
    }
    if (rc || (rc = buf_cstr(&b)))
        goto fail;
    q->has_sql = 1;
    q->sql_len = b.len && b.data[b.len - 1] == '\n' ? b.len - 1 : b.len;
    q->sql = b.data;
    b = (struct buf)BUF_INIT;
    int fd = -1;
    qry_file_path(q, "result", path);
    if (os_open(path, O_RDONLY, 0, &fd) == 0) {
        off_t size = 0;
        os_fsize(fd, &size);
        q->result_size = q->bytes_total = (uint64_t)size;
        os_close(fd);
    }
    qry_file_path(q, "result.1", path);
    if (os_open(path, O_RDONLY, 0, &fd) == 0) { /* a rotated streaming result */
        off_t size = 0;
        os_fsize(fd, &size);
        q->prev_size = (uint64_t)size;
        q->prev_mtime_ns = q->mtime_ns;
        q->bytes_total += q->prev_size;
        q->rot = 1;
        os_close(fd);
    }
    qry_file_path(q, "status", path);
    if (os_read_file(path, &b) == 0 && buf_cstr(&b) == 0) {
        load_status(q, b.data);
        qry_file_path(q, "error", path);
        buf_reset(&b);
        if (os_read_file(path, &b) == 0 && b.len && buf_cstr(&b) == 0) {
            q->error = b.data;
            b = (struct buf)BUF_INIT;
        }
    } else {
        q->state = QRY_FAILED;
        q->kind = QRY_HISTORICAL;
        q->error = strdup(QRY_STOPPED_ERROR);
        qry_persist_end(q);
    }
    buf_free(&b);
    *out = q;
    return 0;
fail:
    buf_free(&b);
    qry_free(q);
    return rc;
}

int qry_load_all(struct qry_reg *r)
{
    char path[PATH_MAX], *names = NULL;
    size_t n = 0;
    struct buf b = BUF_INIT;
    snprintf(path, sizeof(path), "%s/.next_id", r->dir);
    r->next_num = 1;
    if (os_read_file(path, &b) == 0 && buf_cstr(&b) == 0)
        r->next_num = strtoull(b.data, NULL, 10);
    buf_free(&b);
    if (r->next_num == 0)
        r->next_num = 1;
    int rc = os_list_dir(r->dir, &names, &n);
    if (rc)
        return rc;
    const char *name = names;
    for (size_t i = 0; i < n && !rc; i++, name += strlen(name) + 1) {
        struct qry *q;
        if (!strncmp(name, ".gone.", 6)) { /* a removal the daemon stopped under */
            snprintf(path, sizeof(path), "%s/%s", r->dir, name);
            os_rmtree(path);
            continue;
        }
        rc = load_one(r, name, &q);
        if (rc || !q)
            continue;
        if (q->num >= r->next_num)
            r->next_num = q->num + 1;
        q->start_seq = q->num;
        rc = qry_list_add(r, q);
        if (rc)
            qry_put(q);
    }
    free(names);
    r->next_start = r->next_num;
    return rc;
}

/* --- reading -------------------------------------------------------------- */

enum qry_state qry_get_state(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    enum qry_state st = q->state;
    pthread_mutex_unlock(&q->mu);
    return st;
}

enum qry_kind qry_get_kind(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    enum qry_kind k = q->kind ? q->kind : QRY_HISTORICAL;
    pthread_mutex_unlock(&q->mu);
    return k;
}

uint64_t qry_result_size(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t n = q->result_size;
    pthread_mutex_unlock(&q->mu);
    return n;
}

int64_t qry_mtime_ns(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    int64_t t = q->mtime_ns;
    pthread_mutex_unlock(&q->mu);
    return t;
}

/* The reading descriptor and size of generation gen (under q->mu); -ENOENT
 * for a generation older than result.1. */
static int gen_file(struct qry *q, uint64_t gen, int *fd, uint64_t *size)
{
    int rc = 0;
    char path[PATH_MAX];
    if (gen == q->rot) {
        if (q->read_fd < 0 && q->result_size) {
            qry_file_path(q, "result", path);
            rc = os_open(path, O_RDONLY, 0, &q->read_fd);
        }
        *fd = q->read_fd;
        *size = q->result_size;
    } else if (gen + 1 == q->rot) {
        if (q->read_fd_prev < 0 && q->prev_size) {
            qry_file_path(q, "result.1", path);
            rc = os_open(path, O_RDONLY, 0, &q->read_fd_prev);
        }
        *fd = q->read_fd_prev;
        *size = q->prev_size;
    } else {
        return -ENOENT;
    }
    return rc;
}

/* Read from fd under q->mu (a rotation never closes it under a reader). */
static ssize_t read_at(int fd, uint64_t size, uint64_t off, size_t n, char *dst)
{
    if (off >= size)
        return 0;
    size_t want = size - off < n ? (size_t)(size - off) : n;
    size_t got = 0;
    int rc = os_pread(fd, dst, want, (off_t)off, &got);
    return rc ? rc : (ssize_t)got;
}

ssize_t qry_result_read_gen(struct qry *q, uint64_t gen, uint64_t off, size_t n, int block,
                            char *dst, const atomic_int *interrupt_flag)
{
    pthread_mutex_lock(&q->mu);
    while (gen == q->rot && off >= q->result_size && block && q->state == QRY_RUNNING) {
        if ((interrupt_flag && atomic_load(interrupt_flag)) ||
            atomic_load(&q->reg->readers_closed)) {
            pthread_mutex_unlock(&q->mu);
            return -EINTR;
        }
        q->waiters++;
        pthread_cond_wait(&q->cv, &q->mu);
        q->waiters--;
    }
    int fd = -1;
    uint64_t size = 0;
    ssize_t got;
    int rc = gen_file(q, gen, &fd, &size);
    if (rc == -ENOENT)
        got = 0; /* rotated away twice: nothing left to read */
    else if (rc)
        got = rc;
    else if (off >= size)
        got = gen == q->rot && q->state == QRY_FAILED ? -EIO : 0;
    else
        got = read_at(fd, size, off, n, dst);
    pthread_mutex_unlock(&q->mu);
    return got;
}

ssize_t qry_result_read(struct qry *q, uint64_t off, size_t n, int block, char *dst,
                        const atomic_int *interrupt_flag)
{
    return qry_result_read_gen(q, qry_result_gen(q), off, n, block, dst, interrupt_flag);
}

uint64_t qry_result_gen(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t g = q->rot;
    pthread_mutex_unlock(&q->mu);
    return g;
}

int qry_result_gen_size(struct qry *q, uint64_t gen, uint64_t *size, int64_t *mtime_ns)
{
    int rc = 0;
    int64_t t = 0;
    pthread_mutex_lock(&q->mu);
    if (gen == q->rot) {
        *size = q->result_size;
        t = q->mtime_ns;
    } else if (gen + 1 == q->rot) {
        *size = q->prev_size;
        t = q->prev_mtime_ns;
    } else {
        rc = -ENOENT;
    }
    if (mtime_ns)
        *mtime_ns = t;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

uint64_t qry_stream_pos(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t pos = q->bytes_total;
    pthread_mutex_unlock(&q->mu);
    return pos;
}

ssize_t qry_stream_read(struct qry *q, uint64_t *pos, size_t n, char *dst,
                        const atomic_int *interrupt_flag)
{
    pthread_mutex_lock(&q->mu);
    while (*pos >= q->bytes_total && q->state == QRY_RUNNING) {
        if ((interrupt_flag && atomic_load(interrupt_flag)) ||
            atomic_load(&q->reg->readers_closed)) {
            pthread_mutex_unlock(&q->mu);
            return -EINTR;
        }
        q->waiters++;
        pthread_cond_wait(&q->cv, &q->mu);
        q->waiters--;
    }
    ssize_t got = 0;
    uint64_t cur_start = q->bytes_total - q->result_size;
    uint64_t prev_start = cur_start - (q->rot ? q->prev_size : 0);
    if (*pos < prev_start)
        *pos = prev_start; /* fell behind what is kept */
    if (*pos < q->bytes_total) {
        int fd = -1;
        uint64_t size = 0;
        int prev = *pos < cur_start;
        int rc = gen_file(q, prev ? q->rot - 1 : q->rot, &fd, &size);
        got = rc ? rc : read_at(fd, size, *pos - (prev ? prev_start : cur_start), n, dst);
        if (got > 0)
            *pos += (uint64_t)got;
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

void qry_release_readers(struct engine *e)
{
    struct qry_reg *r = qry_reg_of(e);
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->readers_closed, 1);
    for (uint32_t i = 0; i < r->n; i++)
        qry_result_wake(r->q[i]);
    pthread_mutex_unlock(&r->mu);
}

void qry_result_wake(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

unsigned qry_result_waiters(struct qry *q)
{
    pthread_mutex_lock(&q->mu);
    unsigned n = q->waiters;
    pthread_mutex_unlock(&q->mu);
    return n;
}

int qry_status_render(struct qry *q, struct buf *out)
{
    pthread_mutex_lock(&q->mu);
    int rc = qry_render_status(q, out);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int qry_error_render(struct qry *q, struct buf *out)
{
    pthread_mutex_lock(&q->mu);
    int rc = q->error ? buf_printf(out, "%s\n", q->error) : 0;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int qry_sql_render(struct qry *q, struct buf *out)
{
    pthread_mutex_lock(&q->mu);
    int rc = q->has_sql ? buf_append(out, q->sql, q->sql_len) : 0;
    if (!rc && q->has_sql)
        rc = buf_putc(out, '\n');
    pthread_mutex_unlock(&q->mu);
    return rc;
}
