/*
 * queries.c — the `queries/` namespace (SPEC): the directory, `new`,
 * the `last` symlink, one directory per query with sql, result, status
 * and error, mkdir to name a query, rmdir to cancel and remove one.
 *
 * Inode numbers come from query numbers (fs/fs.h), so nothing is kept per
 * inode. `result` is opened with direct_io and its attributes are never
 * cached, so every read reaches the daemon and `tail -f` sees st_size
 * grow. A read at the end of a running bounded query's result parks its
 * FUSE thread in qry_result_read until bytes exist or the query ends (the
 * loop is multi-threaded, so other requests go on); an interrupt (Ctrl-C)
 * sets the reader's flag and wakes it, and the read fails with EINTR.
 * status and error are per-open snapshots, as stats is; sql gives the
 * statement, and a query reserved by mkdir starts when its sql is written
 * (fs.c frames those writes with a query session named after it).
 *
 * Streaming queries: a read at the end of `result` returns 0 at once
 * (`tail -f` polls st_size). The task calls fs_q_notify after each
 * append, which invalidates the kernel's attributes of the result inode
 * (offset -1: attributes only, no page lock, so it cannot deadlock with a
 * read in flight; never an entry invalidation, which would take the
 * directory's lock that an rmdir waiting for the task holds). Rotation
 * gives `result` a new inode each generation and shows the previous one
 * as `result.1`; both names are looked up afresh every time (entry
 * timeout 0), and a descriptor keeps reading the generation it opened
 * until that is rotated away twice. `stream` is pipe-like: each open
 * starts at the end of what the query produced, a read parks its FUSE
 * thread until bytes come or the query ends (EOF), and an interrupt
 * (Ctrl-C) fails it with EINTR; it reports size 0, like a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sql/sql.h"

static const char *const qkind_names[FS_Q_KIND_END] = {"",      "sql",   "result",
                                                        "status", "error", "stream"};

/* Readdir cookies of queries/: ".", "..", new, last, then 16 + number. */
#define QUERIES_FIXED 16

/* The generation whose low bits are bits: the current one or one of the
 * 4095 before it. */
static uint64_t full_gen(struct qry *q, uint64_t bits)
{
    uint64_t cur = qry_result_gen(q);
    return cur - ((cur - bits) & FS_QINO_GEN_MASK);
}

void fs_q_notify(void *arg, uint64_t num, uint64_t gen, int rotated)
{
    struct fuse_session *se = arg;
    /* -ENOENT when the kernel never looked it up: nothing to invalidate */
    fuse_lowlevel_notify_inval_inode(se, fs_qino_gen(num, gen), -1, 0);
    if (rotated) /* result.1 now: its size stops, its name changed */
        fuse_lowlevel_notify_inval_inode(se, fs_qino_gen(num, gen - 1), -1, 0);
}

/* The text of a query's generated file. */
static int render(struct qry *q, enum fs_qkind kind, struct buf *out)
{
    switch (kind) {
    case FS_Q_SQL: return qry_sql_render(q, out);
    case FS_Q_STATUS: return qry_status_render(q, out);
    case FS_Q_ERROR: return qry_error_render(q, out);
    default: return 0;
    }
}

static int query_stat(struct engine *e, fuse_ino_t ino, struct stat *st, double *timeout)
{
    enum fs_qkind kind = fs_qino_kind(ino);
    struct qry *q;
    if (kind >= FS_Q_KIND_END || qry_get_num(e, fs_qino_num(ino), &q))
        return -ENOENT;
    struct buf b = BUF_INIT;
    int rc = 0;
    uint64_t size = 0;
    *timeout = 0; /* everything here changes as the query runs */
    switch (kind) {
    case FS_Q_DIR:
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        break;
    case FS_Q_RESULT: {
        int64_t mtime = 0;
        st->st_mode = S_IFREG | 0444;
        if (qry_result_gen_size(q, full_gen(q, fs_qino_gen_bits(ino)), &size, &mtime) == 0) {
            fs_set_times(st, mtime);
        } else { /* rotated away twice: a removed file (descriptors still ask) */
            st->st_nlink = 0;
            fs_set_times(st, qry_mtime_ns(q));
        }
        break;
    }
    case FS_Q_STREAM:
        st->st_mode = S_IFREG | 0444; /* size 0, like a pipe */
        fs_set_times(st, qry_mtime_ns(q));
        break;
    default:
        st->st_mode = S_IFREG | (kind == FS_Q_SQL ? 0644 : 0444);
        rc = render(q, kind, &b);
        size = b.len;
        break;
    }
    st->st_size = (off_t)size;
    st->st_blocks = (blkcnt_t)((size + 511) / 512);
    buf_free(&b);
    qry_put(q);
    return rc;
}

int fs_q_stat(struct engine *e, fuse_ino_t ino, struct stat *st, double *timeout)
{
    char id[QRY_ID_MAX];
    switch (ino) {
    case FS_INO_QUERIES:
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    case FS_INO_QNEW:
        st->st_mode = S_IFREG | 0666; /* size 0: SPEC rule 2 */
        return 0;
    case FS_INO_QLAST:
        if (qry_last(e, id))
            return -ENOENT;
        st->st_mode = S_IFLNK | 0777;
        st->st_size = (off_t)strlen(id);
        *timeout = 0;
        return 0;
    default: return query_stat(e, ino, st, timeout);
    }
}

void fs_q_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct engine *e = fuse_req_userdata(req);
    struct qry *q;
    if (parent == FS_INO_QUERIES) {
        if (!strcmp(name, "new"))
            fs_reply_entry(req, e, FS_INO_QNEW, 60.0);
        else if (!strcmp(name, "last"))
            fs_reply_entry(req, e, FS_INO_QLAST, 0.0);
        else if (qry_get(e, name, &q) == 0) {
            uint64_t num = qry_num(q);
            qry_put(q);
            /* names can be removed and made again: do not cache the dentry */
            fs_reply_entry(req, e, fs_qino(num, FS_Q_DIR), 0.0);
        } else
            fuse_reply_err(req, ENOENT);
        return;
    }
    if (fs_ino_is_query(parent) && fs_qino_kind(parent) == FS_Q_DIR) {
        uint64_t num = fs_qino_num(parent);
        if (!strcmp(name, "result") || !strcmp(name, "result.1")) {
            /* rotation changes what the names point at: never cached */
            uint64_t gen = 0;
            int rc = qry_get_num(e, num, &q);
            if (!rc) {
                gen = qry_result_gen(q);
                qry_put(q);
            }
            if (!rc && name[6] && gen == 0)
                rc = -ENOENT;
            if (rc)
                fuse_reply_err(req, ENOENT);
            else
                fs_reply_entry(req, e, fs_qino_gen(num, name[6] ? gen - 1 : gen), 0.0);
            return;
        }
        for (int k = FS_Q_SQL; k < FS_Q_KIND_END; k++)
            if (!strcmp(name, qkind_names[k])) {
                fs_reply_entry(req, e, fs_qino(num, (enum fs_qkind)k), 60.0);
                return;
            }
        fuse_reply_err(req, ENOENT);
        return;
    }
    fuse_reply_err(req, ENOTDIR);
}

static void readdir_queries(fuse_req_t req, struct engine *e, char *buf, size_t size, off_t off)
{
    size_t used = 0;
    char **ids = NULL, last[QRY_ID_MAX];
    uint32_t n = 0;
    if (qry_list(e, &ids, &n)) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    const struct fs_dirent fixed[] = {{".", FS_INO_QUERIES, S_IFDIR},
                                      {"..", FS_INO_ROOT, S_IFDIR},
                                      {"new", FS_INO_QNEW, S_IFREG},
                                      {"last", FS_INO_QLAST, S_IFLNK}};
    int more = fs_add_fixed(req, buf, size, &used, off, fixed, qry_last(e, last) ? 3 : 4);
    for (uint32_t i = 0; i < n; i++) {
        struct qry *q;
        if (more && qry_get(e, ids[i], &q) == 0) {
            off_t cookie = QUERIES_FIXED + (off_t)qry_num(q);
            if (cookie > off)
                more = fs_add_dirent(req, buf, size, &used, ids[i],
                                     fs_qino(qry_num(q), FS_Q_DIR), S_IFDIR, cookie);
            qry_put(q);
        }
        free(ids[i]);
    }
    free(ids);
    fuse_reply_buf(req, buf, used);
}

static void readdir_query(fuse_req_t req, struct engine *e, fuse_ino_t ino, char *buf,
                          size_t size, off_t off)
{
    struct qry *q;
    if (!fs_ino_is_query(ino) || fs_qino_kind(ino) != FS_Q_DIR ||
        qry_get_num(e, fs_qino_num(ino), &q)) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    uint64_t gen = qry_result_gen(q);
    qry_put(q);
    size_t used = 0;
    uint64_t num = fs_qino_num(ino);
    struct fs_dirent fixed[FS_Q_KIND_END + 2] = {{".", ino, S_IFDIR},
                                                 {"..", FS_INO_QUERIES, S_IFDIR}};
    for (int k = FS_Q_SQL; k < FS_Q_KIND_END; k++)
        fixed[1 + k] = (struct fs_dirent){
            qkind_names[k], k == FS_Q_RESULT ? fs_qino_gen(num, gen) : fs_qino(num, (enum fs_qkind)k),
            S_IFREG};
    int n = FS_Q_KIND_END + 1;
    if (gen) /* rotated: result.1 (the last cookie, so the others keep theirs) */
        fixed[n++] = (struct fs_dirent){"result.1", fs_qino_gen(num, gen - 1), S_IFREG};
    fs_add_fixed(req, buf, size, &used, off, fixed, n);
    fuse_reply_buf(req, buf, used);
}

void fs_q_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off)
{
    struct engine *e = fuse_req_userdata(req);
    char *buf = malloc(size);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    if (ino == FS_INO_QUERIES)
        readdir_queries(req, e, buf, size, off);
    else
        readdir_query(req, e, ino, buf, size, off);
    free(buf);
}

void fs_q_mkdir(fuse_req_t req, const char *name)
{
    struct engine *e = fuse_req_userdata(req);
    if (strlen(name) >= QRY_ID_MAX) {
        fuse_reply_err(req, ENAMETOOLONG);
        return;
    }
    int rc = qry_reserve(e, name);
    struct qry *q;
    if (!rc)
        rc = qry_get(e, name, &q);
    if (rc) {
        fuse_reply_err(req, err_to_errno(rc));
        return;
    }
    uint64_t num = qry_num(q);
    qry_put(q);
    fs_reply_entry(req, e, fs_qino(num, FS_Q_DIR), 0.0);
}

void fs_q_rmdir(fuse_req_t req, const char *name)
{
    struct engine *e = fuse_req_userdata(req);
    if (!strcmp(name, "new") || !strcmp(name, "last")) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    fuse_reply_err(req, err_to_errno(qry_remove(e, name)));
}

void fs_q_readlink(fuse_req_t req, fuse_ino_t ino)
{
    char id[QRY_ID_MAX];
    if (ino != FS_INO_QLAST)
        fuse_reply_err(req, EINVAL);
    else if (qry_last(fuse_req_userdata(req), id))
        fuse_reply_err(req, ENOENT);
    else
        fuse_reply_readlink(req, id);
}

int fs_q_open(struct engine *e, fuse_ino_t ino, struct fuse_file_info *fi, struct handle *h)
{
    enum fs_qkind kind = fs_qino_kind(ino);
    int acc = fi->flags & O_ACCMODE;
    if (kind == FS_Q_DIR)
        return -EISDIR;
    if (kind >= FS_Q_KIND_END)
        return -ENOENT;
    int rc = qry_get_num(e, fs_qino_num(ino), &h->q);
    if (rc)
        return rc;
    if (kind == FS_Q_SQL) {
        h->kind = KIND_QSQL;
        return render(h->q, kind, &h->text);
    }
    if (acc != O_RDONLY)
        return -EACCES;
    if (kind == FS_Q_RESULT) {
        uint64_t size;
        h->kind = KIND_QRESULT;
        h->nonblock = (fi->flags & O_NONBLOCK) != 0;
        h->gen = full_gen(h->q, fs_qino_gen_bits(ino));
        return qry_result_gen_size(h->q, h->gen, &size, NULL); /* -ENOENT: rotated away */
    }
    if (kind == FS_Q_STREAM) {
        h->kind = KIND_QSTREAM;
        h->nonblock = (fi->flags & O_NONBLOCK) != 0;
        h->cursor = qry_stream_pos(h->q); /* rows from now on */
        fi->nonseekable = 1;
        return 0;
    }
    h->kind = KIND_QTEXT;
    return render(h->q, kind, &h->text);
}

/* What a blocked reader shares with the FUSE interrupt callback. */
struct intr {
    atomic_int flag;
    struct qry *q;
};

static void on_interrupt(fuse_req_t req, void *data)
{
    struct intr *in = data;
    atomic_store(&in->flag, 1);
    qry_result_wake(in->q);
}

static void read_result(fuse_req_t req, struct handle *h, size_t size, off_t off)
{
    char *buf = malloc(size ? size : 1);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    struct intr in = {0, h->q};
    /* a streaming query's reader never waits: `tail -f` polls the size */
    int block = !h->nonblock && qry_get_kind(h->q) != QRY_STREAMING;
    /* the callback runs under the request's lock, as does the clearing
     * below, so it never sees `in` after this function returns */
    fuse_req_interrupt_func(req, on_interrupt, &in);
    ssize_t n = qry_result_read_gen(h->q, h->gen, (uint64_t)off, size, block, buf, &in.flag);
    fuse_req_interrupt_func(req, NULL, NULL);
    if (n < 0)
        fuse_reply_err(req, err_to_errno((int)n));
    else
        fuse_reply_buf(req, buf, (size_t)n);
    free(buf);
}

/* stream: from the handle's position, waiting for bytes (one reader of a
 * descriptor at a time: the handle's mutex). */
static void read_stream(fuse_req_t req, struct handle *h, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    struct intr in = {0, h->q};
    ssize_t n;
    pthread_mutex_lock(&h->mu);
    if (h->nonblock && h->cursor >= qry_stream_pos(h->q) &&
        qry_get_state(h->q) == QRY_RUNNING) {
        n = -EAGAIN;
    } else {
        fuse_req_interrupt_func(req, on_interrupt, &in);
        n = qry_stream_read(h->q, &h->cursor, size, buf, &in.flag);
        fuse_req_interrupt_func(req, NULL, NULL);
    }
    pthread_mutex_unlock(&h->mu);
    if (n < 0)
        fuse_reply_err(req, err_to_errno((int)n));
    else
        fuse_reply_buf(req, buf, (size_t)n);
    free(buf);
}

void fs_q_read(fuse_req_t req, struct handle *h, size_t size, off_t off)
{
    if (h->kind == KIND_QRESULT) {
        read_result(req, h, size, off);
        return;
    }
    if (h->kind == KIND_QSTREAM) {
        read_stream(req, h, size);
        return;
    }
    /* a snapshot taken at open; reply from a copy, as fs.c does for stats */
    struct buf out = BUF_INIT;
    int rc = 0;
    pthread_mutex_lock(&h->mu);
    if ((size_t)off < h->text.len) {
        size_t n = h->text.len - (size_t)off;
        rc = buf_append(&out, h->text.data + off, n < size ? n : size);
    }
    pthread_mutex_unlock(&h->mu);
    if (rc)
        fuse_reply_err(req, err_to_errno(rc));
    else
        fuse_reply_buf(req, out.data, out.len);
    buf_free(&out);
}
