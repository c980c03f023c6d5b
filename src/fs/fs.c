/*
 * fs.c — open files of the namespace: ctl, ingest, data, schema, stats,
 * errors, and the dispatch of queries/ files (fs/fs.h; the query files
 * themselves are in queries.c). Each open gets a handle (fi->fh) holding
 * what that descriptor needs: an SQL session for ctl and queries/new, an
 * ingest handle, a render cursor for data, a query, or a per-open
 * snapshot for generated text files.
 *
 * Every file is opened with direct_io: each write(2) arrives as one WRITE
 * (never the write-back cache), and reads reach the daemon, so growing
 * files are never cut at a stale cached size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "exec/dump.h"
#include "exec/ingest.h"
#include "internal.h"
#include "sql/sql.h"
#include "types/schema.h"

int fs_render(struct eng_stream *s, enum fs_kind kind, struct buf *out)
{
    if (kind == FS_SCHEMA) {
        int rc = sch_render_ddl(s->schema, out);
        return rc ? rc : buf_putc(out, '\n');
    }
    return eng_stream_stats(s, out);
}

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct handle *live; /* every handle between open and release */

static void live_add(struct handle *h)
{
    pthread_mutex_lock(&live_mu);
    h->next = live;
    if (live)
        live->prev = h;
    live = h;
    pthread_mutex_unlock(&live_mu);
}

static void handle_free(struct handle *h)
{
    if (!h)
        return;
    if (h->kind == KIND_KEY)
        fs_k_close(h);
    pthread_mutex_lock(&live_mu);
    if (h->prev)
        h->prev->next = h->next;
    else if (live == h)
        live = h->next;
    if (h->next)
        h->next->prev = h->prev;
    pthread_mutex_unlock(&live_mu);
    if (h->ing)
        ing_close(h->ing);
    dump_cursor_destroy(h->dump);
    sql_session_destroy(h->ss);
    eng_stream_put(h->s);
    qry_put(h->q);
    buf_free(&h->text);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

struct handle *fs_handle_new(void)
{
    struct handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    pthread_mutex_init(&h->mu, NULL);
    live_add(h);
    return h;
}

void fs_handle_free(struct handle *h)
{
    handle_free(h);
}

static int open_stream_file(struct engine *e, fuse_ino_t ino, struct fuse_file_info *fi,
                            struct handle *h)
{
    enum fs_kind kind = fs_ino_kind(ino);
    int acc = fi->flags & O_ACCMODE;
    int rc = eng_stream_get_id(e, fs_ino_stream(ino), &h->s);
    if (rc)
        return rc;
    h->kind = kind;
    switch (kind) {
    case FS_INGEST:
        if (acc == O_RDONLY)
            return -EACCES;
        return ing_open(h->s, &h->ing);
    case FS_DATA:
    case FS_ERRORS:
    case FS_SCHEMA:
    case FS_STATS:
        if (acc != O_RDONLY)
            return -EACCES;
        if (kind == FS_DATA)
            return dump_cursor_create(&h->dump);
        if (kind == FS_SCHEMA || kind == FS_STATS)
            return fs_render(h->s, kind, &h->text);
        return 0;
    default: return -EISDIR;
    }
}

void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct engine *e = fuse_req_userdata(req);
    struct handle *h = calloc(1, sizeof(*h));
    if (!h) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    pthread_mutex_init(&h->mu, NULL);
    live_add(h);
    int rc = 0;
    if (ino == FS_INO_CTL)
        h->kind = KIND_CTL;
    else if (ino == FS_INO_QNEW)
        h->kind = KIND_QNEW;
    else if (ino == FS_INO_ROOT || ino == FS_INO_QUERIES)
        rc = -EISDIR;
    else if (ino == FS_INO_QLAST)
        rc = -ELOOP; /* the kernel follows the link; a symlink is never opened */
    else if (fs_k_is(ino))
        rc = fs_k_open(e, ino, fi, h);
    else if (fs_ino_is_query(ino))
        rc = fs_q_open(e, ino, fi, h);
    else
        rc = open_stream_file(e, ino, fi, h);
    if (rc) {
        handle_free(h);
        fuse_reply_err(req, err_to_errno(rc));
        return;
    }
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->direct_io = 1;
    fi->keep_cache = 0;
    if (fuse_reply_open(req, fi) == -ENOENT)
        handle_free(h); /* the opener was interrupted: no release will come */
}

static struct handle *handle_of(struct fuse_file_info *fi)
{
    return (struct handle *)(uintptr_t)fi->fh;
}

/* ctl, queries/new and a query's sql: writes are statements (SPEC rule 1). */
static int frames_statements(const struct handle *h)
{
    return h->kind == KIND_CTL || h->kind == KIND_QNEW || h->kind == KIND_QSQL;
}

/* ctl and queries/new reads follow the descriptor, not the offset: the
 * writer's own outcomes (for queries/new, the ids of the queries it
 * started and its errors), or for a ctl descriptor that never wrote a
 * snapshot of the newest shared outcomes taken at its first read (for
 * queries/new, nothing). */
static void read_ctl(fuse_req_t req, struct engine *e, struct handle *h, size_t size)
{
    pthread_mutex_lock(&h->mu);
    const struct buf *src;
    if (h->ss) {
        src = sql_session_outcomes(h->ss);
    } else {
        if (!h->snapped && h->kind == KIND_CTL) {
            eng_outcomes_render(e, &h->text);
            h->snapped = 1;
        }
        src = &h->text;
    }
    size_t avail = src->len > h->cursor ? src->len - (size_t)h->cursor : 0;
    size_t n = avail < size ? avail : size;
    fuse_reply_buf(req, n ? src->data + h->cursor : NULL, n);
    h->cursor += n;
    pthread_mutex_unlock(&h->mu);
}

void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                struct fuse_file_info *fi)
{
    struct engine *e = fuse_req_userdata(req);
    struct handle *h = handle_of(fi);
    struct buf out = BUF_INIT;
    int rc = 0;
    switch (h->kind) {
    case KIND_CTL:
    case KIND_QNEW: read_ctl(req, e, h, size); return;
    case KIND_QSQL:
    case KIND_QRESULT:
    case KIND_QSTREAM:
    case KIND_QTEXT: fs_q_read(req, h, size, off); return;
    case FS_DATA: rc = dump_read(h->s, h->dump, (uint64_t)off, size, &out); break;
    case FS_ERRORS: rc = eng_errors_read(h->s, (uint64_t)off, size, &out); break;
    case KIND_KEY:
    case FS_SCHEMA:
    case FS_STATS:
        /* reply from a copy: once the reader has its bytes it may close,
         * and the release (another thread) frees the snapshot */
        if ((size_t)off < h->text.len) {
            size_t n = h->text.len - (size_t)off;
            rc = buf_append(&out, h->text.data + off, n < size ? n : size);
        }
        break;
    default: rc = -EBADF; break;
    }
    if (rc)
        fuse_reply_err(req, err_to_errno(rc));
    else
        fuse_reply_buf(req, out.data, out.len);
    buf_free(&out);
}

static int write_ctl(struct engine *e, struct handle *h, const char *p, size_t n)
{
    pthread_mutex_lock(&h->mu);
    int rc = 0;
    if (!h->ss && h->kind == KIND_CTL)
        rc = sql_session_create(e, &h->ss);
    else if (!h->ss) /* queries/new: numbered; a query's sql: its name */
        rc = sql_session_create_query(e, h->q ? qry_id(h->q) : NULL, &h->ss);
    if (!rc)
        rc = sql_session_write(h->ss, p, n);
    pthread_mutex_unlock(&h->mu);
    return rc;
}

void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                 struct fuse_file_info *fi)
{
    struct engine *e = fuse_req_userdata(req);
    struct handle *h = handle_of(fi);
    int rc;
    if (frames_statements(h))
        rc = write_ctl(e, h, buf, size);
    else if (h->kind == FS_INGEST)
        rc = ing_write(h->ing, buf, size);
    else if (h->kind == KIND_KEY)
        rc = fs_k_write(h, buf, size);
    else
        rc = -EBADF;
    if (rc)
        fuse_reply_err(req, err_to_errno(rc));
    else
        fuse_reply_write(req, size);
}

static int finish_ctl(struct handle *h)
{
    pthread_mutex_lock(&h->mu);
    int rc = h->ss ? sql_session_finish(h->ss) : 0;
    pthread_mutex_unlock(&h->mu);
    return rc;
}

void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct handle *h = handle_of(fi);
    int rc = 0;
    if (h->kind == FS_INGEST)
        rc = ing_flush(h->ing);
    else if (h->kind == KIND_KEY)
        rc = fs_k_flush(h); /* a last line without newline */
    else if (frames_statements(h))
        rc = finish_ctl(h); /* an unterminated last statement runs at close */
    fuse_reply_err(req, err_to_errno(rc));
}

void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    struct handle *h = handle_of(fi);
    int rc = h->kind == FS_INGEST ? ing_sync(h->ing) : 0;
    fuse_reply_err(req, err_to_errno(rc));
}

void fs_release_all(void)
{
    for (;;) {
        pthread_mutex_lock(&live_mu);
        struct handle *h = live;
        pthread_mutex_unlock(&live_mu);
        if (!h)
            return;
        if (frames_statements(h))
            finish_ctl(h);
        handle_free(h); /* ingest: ing_close commits a final line */
    }
}

void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct handle *h = handle_of(fi);
    if (frames_statements(h))
        finish_ctl(h);
    if (h->ing) {
        ing_close(h->ing); /* errors of the final line are in `errors` */
        h->ing = NULL;
    }
    if (h->kind == KIND_KEY)
        fs_k_flush(h);
    handle_free(h);
    fuse_reply_err(req, 0);
}
