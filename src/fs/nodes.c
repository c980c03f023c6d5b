/*
 * nodes.c — the namespace's shape: lookup, getattr, readdir, mkdir, rmdir
 * (fs/fs.h). Nothing here keeps per-inode state: every inode number maps
 * back to a catalog id or a query number, so forget has nothing to free
 * and an inode can be resolved at any time, as NFS export will need. The
 * exception is a mutable stream's keys/ tree, handed to keys.c, which
 * keeps its key nodes until the kernel forgets them.
 * Everything under `queries/` is handed to queries.c first: query inode
 * numbers must never be read as stream ones.
 */
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "exec/dump.h"
#include "os/os.h"
#include "fs/fs.h"
#include "internal.h"
#include "sql/sql.h"

static const char *const kind_names[FS_KIND_END] = {"", "ingest", "data", "schema", "stats",
                                                    "errors"};

const char *fs_kind_name(enum fs_kind kind)
{
    return kind < FS_KIND_END ? kind_names[kind] : "";
}

/* Size of a stream file as a reader would see it now. */
static int stream_file_size(struct eng_stream *s, enum fs_kind kind, uint64_t *size)
{
    struct buf b = BUF_INIT;
    int rc = 0;
    *size = 0;
    switch (kind) {
    case FS_DATA: return dump_size(s, size);
    case FS_ERRORS: return eng_errors_size(s, size);
    case FS_SCHEMA:
    case FS_STATS:
        rc = fs_render(s, kind, &b);
        *size = b.len;
        buf_free(&b);
        return rc;
    default: return 0;
    }
}

void fs_set_times(struct stat *st, int64_t ns)
{
    st->st_mtim.tv_sec = ns / 1000000000;
    st->st_mtim.tv_nsec = ns % 1000000000;
    st->st_atim = st->st_ctim = st->st_mtim;
}

static int is_queries_ino(fuse_ino_t ino)
{
    return ino == FS_INO_QUERIES || ino == FS_INO_QNEW || ino == FS_INO_QLAST ||
           fs_ino_is_query(ino);
}

int fs_stat(struct engine *e, fuse_ino_t ino, struct stat *st, double *timeout)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    st->st_uid = getuid();
    st->st_gid = getgid();
    st->st_nlink = 1;
    *timeout = 1.0;
    fs_set_times(st, eng_start_ns(e));
    if (fs_k_is(ino))
        return fs_k_stat(e, ino, st, timeout);
    if (is_queries_ino(ino))
        return fs_q_stat(e, ino, st, timeout);
    if (ino == FS_INO_ROOT) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (ino == FS_INO_CTL) {
        st->st_mode = S_IFREG | 0666;
        return 0;
    }
    struct eng_stream *s;
    enum fs_kind kind = fs_ino_kind(ino);
    if (kind >= FS_KIND_END || eng_stream_get_id(e, fs_ino_stream(ino), &s))
        return -ENOENT;
    int rc = 0;
    uint64_t size = 0;
    pthread_mutex_lock(&s->mu);
    int64_t mtime = s->mtime_ns;
    pthread_mutex_unlock(&s->mu);
    fs_set_times(st, mtime);
    switch (kind) {
    case FS_STREAM_DIR:
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        break;
    case FS_INGEST: st->st_mode = S_IFREG | 0222; break;
    default:
        st->st_mode = S_IFREG | 0444;
        rc = stream_file_size(s, kind, &size);
        *timeout = 0; /* growing or generated: never cache the size */
        break;
    }
    st->st_size = (off_t)size;
    st->st_blocks = (blkcnt_t)((size + 511) / 512);
    eng_stream_put(s);
    return rc;
}

void fs_reply_entry(fuse_req_t req, struct engine *e, fuse_ino_t ino, double entry_timeout)
{
    struct fuse_entry_param ep;
    memset(&ep, 0, sizeof(ep));
    int rc = fs_stat(e, ino, &ep.attr, &ep.attr_timeout);
    if (rc) {
        fuse_reply_err(req, -rc);
        return;
    }
    ep.ino = ino;
    ep.generation = 1;
    ep.entry_timeout = entry_timeout;
    fuse_reply_entry(req, &ep);
}

static void reply_stream_entry(fuse_req_t req, struct engine *e, const char *name)
{
    struct eng_stream *s;
    if (eng_stream_get(e, name, &s)) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    uint32_t id = s->id;
    eng_stream_put(s);
    /* names can be dropped and re-created: do not cache the dentry */
    fs_reply_entry(req, e, fs_ino(id, FS_STREAM_DIR), 0.0);
}

static int is_mutable(struct engine *e, uint32_t id)
{
    struct eng_stream *s;
    if (eng_stream_get_id(e, id, &s))
        return 0;
    int yes = s->kv != NULL;
    eng_stream_put(s);
    return yes;
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    if (fs_k_is(ino))
        fs_k_forget(ino, nlookup);
    fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
    for (size_t i = 0; i < count; i++)
        if (fs_k_is(forgets[i].ino))
            fs_k_forget(forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct engine *e = fuse_req_userdata(req);
    if (fs_k_is(parent)) {
        fs_k_lookup(req, parent, name);
        return;
    }
    if (is_queries_ino(parent)) {
        fs_q_lookup(req, parent, name);
        return;
    }
    if (parent == FS_INO_ROOT) {
        if (!strcmp(name, "ctl")) {
            fs_reply_entry(req, e, FS_INO_CTL, 60.0);
            return;
        }
        if (!strcmp(name, "queries")) {
            fs_reply_entry(req, e, FS_INO_QUERIES, 60.0);
            return;
        }
        reply_stream_entry(req, e, name);
        return;
    }
    if (fs_ino_kind(parent) == FS_STREAM_DIR && parent != FS_INO_ROOT) {
        for (int k = FS_INGEST; k < FS_KIND_END; k++)
            if (!strcmp(name, kind_names[k])) {
                fs_reply_entry(req, e, fs_ino(fs_ino_stream(parent), (enum fs_kind)k), 60.0);
                return;
            }
        if (!strcmp(name, "keys") && is_mutable(e, fs_ino_stream(parent))) {
            fs_reply_entry(req, e, fs_ino(fs_ino_stream(parent), FS_KEYS_KIND), 60.0);
            return;
        }
    }
    fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    double timeout;
    int rc = fs_stat(fuse_req_userdata(req), ino, &st, &timeout);
    if (rc)
        fuse_reply_err(req, -rc);
    else
        fuse_reply_attr(req, &st, timeout);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
    /* Truncating ingest, ctl, queries/new or a query's sql (`>`) is
     * accepted and drops nothing; other files cannot be truncated. Modes
     * and owners are the namespace's own; times follow the data, so
     * `touch` is a harmless no-op. */
    int appendable = ino == FS_INO_CTL || ino == FS_INO_QNEW || (ino & FS_KINO_BASE) ||
                     (fs_ino_is_query(ino) ? fs_qino_kind(ino) == FS_Q_SQL
                                           : fs_ino_kind(ino) == FS_INGEST);
    int size = (to_set & FUSE_SET_ATTR_SIZE) && !appendable;
    if (size || (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
        fuse_reply_err(req, EPERM);
        return;
    }
    op_getattr(req, ino, fi);
}

/* Streams are renamed by nothing, and nothing links into the namespace. */
static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
    fuse_reply_err(req, EPERM);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    fuse_reply_err(req, EPERM);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    fuse_reply_err(req, EPERM);
}

/* Directory listing: fixed entries, then streams at offset 16 + id, so an
 * offset (cookie) stays meaningful across separate opens. */
#define ROOT_FIXED 16

int fs_add_dirent(fuse_req_t req, char *buf, size_t size, size_t *used, const char *name,
                  fuse_ino_t ino, mode_t mode, off_t next)
{
    struct stat st = {.st_ino = ino, .st_mode = mode};
    size_t need = fuse_add_direntry(req, buf + *used, size - *used, name, &st, next);
    if (need > size - *used)
        return 0;
    *used += need;
    return 1;
}

int fs_add_fixed(fuse_req_t req, char *buf, size_t size, size_t *used, off_t off,
                 const struct fs_dirent *d, int n)
{
    int more = 1;
    for (int i = 0; i < n && more; i++)
        if (off < i + 1)
            more = fs_add_dirent(req, buf, size, used, d[i].name, d[i].ino, d[i].mode, i + 1);
    return more;
}

static void read_root(fuse_req_t req, struct engine *e, size_t size, off_t off)
{
    char *buf = malloc(size);
    size_t used = 0;
    uint32_t *ids = NULL, n = 0;
    if (!buf || eng_list(e, &ids, &n)) {
        free(buf);
        fuse_reply_err(req, ENOMEM);
        return;
    }
    const struct fs_dirent fixed[] = {{".", FS_INO_ROOT, S_IFDIR},
                                      {"..", FS_INO_ROOT, S_IFDIR},
                                      {"ctl", FS_INO_CTL, S_IFREG},
                                      {"queries", FS_INO_QUERIES, S_IFDIR}};
    int more = fs_add_fixed(req, buf, size, &used, off, fixed, 4);
    for (uint32_t i = 0; i < n && more; i++) {
        off_t cookie = ROOT_FIXED + (off_t)ids[i];
        struct eng_stream *s;
        if (cookie <= off || eng_stream_get_id(e, ids[i], &s))
            continue;
        more = fs_add_dirent(req, buf, size, &used, s->schema->name, fs_ino(ids[i], FS_STREAM_DIR),
                          S_IFDIR, cookie);
        eng_stream_put(s);
    }
    fuse_reply_buf(req, buf, used);
    free(ids);
    free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    struct engine *e = fuse_req_userdata(req);
    if (ino == FS_INO_ROOT) {
        read_root(req, e, size, off);
        return;
    }
    if (fs_k_is(ino)) {
        fs_k_readdir(req, ino, size, off);
        return;
    }
    if (is_queries_ino(ino)) {
        fs_q_readdir(req, ino, size, off);
        return;
    }
    struct eng_stream *s;
    if (fs_ino_kind(ino) != FS_STREAM_DIR || eng_stream_get_id(e, fs_ino_stream(ino), &s)) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    int n = FS_KIND_END + 1 + (s->kv ? 1 : 0);
    eng_stream_put(s);
    char *buf = malloc(size);
    size_t used = 0;
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    struct fs_dirent fixed[FS_KIND_END + 2] = {{".", ino, S_IFDIR}, {"..", FS_INO_ROOT, S_IFDIR}};
    for (int k = FS_INGEST; k < FS_KIND_END; k++)
        fixed[1 + k] = (struct fs_dirent){kind_names[k],
                                          fs_ino(fs_ino_stream(ino), (enum fs_kind)k), S_IFREG};
    fixed[FS_KIND_END + 1] = (struct fs_dirent){"keys", fs_ino(fs_ino_stream(ino), FS_KEYS_KIND),
                                                S_IFDIR}; /* mutable streams only (n) */
    fs_add_fixed(req, buf, size, &used, off, fixed, n);
    fuse_reply_buf(req, buf, used);
    free(buf);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    struct engine *e = fuse_req_userdata(req);
    if (fs_k_is(parent)) {
        fs_k_mkdir(req, parent, name);
        return;
    }
    if (parent == FS_INO_QUERIES) {
        fs_q_mkdir(req, name);
        return;
    }
    if (parent != FS_INO_ROOT) {
        fuse_reply_err(req, EPERM);
        return;
    }
    if (!strcmp(name, "ctl") || !strcmp(name, "queries")) {
        fuse_reply_err(req, EEXIST);
        return;
    }
    if (strlen(name) >= SCH_MAX_NAME) {
        fuse_reply_err(req, ENAMETOOLONG);
        return;
    }
    int rc = sql_create_raw(e, name);
    if (rc) {
        fuse_reply_err(req, rc == -EINVAL ? EINVAL : err_to_errno(rc));
        return;
    }
    reply_stream_entry(req, e, name);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct engine *e = fuse_req_userdata(req);
    struct eng_stream *s;
    if (fs_k_is(parent)) {
        fs_k_rmdir(req, parent, name);
        return;
    }
    if (parent == FS_INO_QUERIES) {
        fs_q_rmdir(req, name);
        return;
    }
    if (parent == FS_INO_ROOT && !strcmp(name, "queries")) {
        fuse_reply_err(req, ENOTEMPTY); /* queries/new is always there */
        return;
    }
    if (parent == FS_INO_ROOT && eng_stream_get(e, name, &s) == 0) {
        /* a stream directory is never empty: only DROP STREAM drops data */
        eng_stream_put(s);
        fuse_reply_err(req, ENOTEMPTY);
        return;
    }
    fuse_reply_err(req, parent == FS_INO_ROOT && strcmp(name, "ctl") ? ENOENT : ENOTDIR);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    if (fs_k_is(parent))
        fs_k_unlink(req, parent, name); /* rm of a key file deletes the row */
    else
        fuse_reply_err(req, EPERM);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
    struct handle *h;
    /* files are the namespace's own; only a new key file can be made */
    if (!fs_k_is(parent)) {
        fuse_reply_err(req, EACCES);
        return;
    }
    if (!(h = fs_handle_new())) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    fs_k_create(req, parent, name, fi, h);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    fuse_reply_err(req, EACCES);
}

/* df on the mount shows the data directory's file system. */
static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct statvfs sv;
    int rc = os_statvfs(eng_datadir(fuse_req_userdata(req)), &sv);
    if (rc)
        fuse_reply_err(req, -rc);
    else
        fuse_reply_statfs(req, &sv);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
        conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    /* never the write-back cache: it re-sends and reorders ingest writes */
    conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
    conn->max_write = 1u << 20;
}

static const struct fuse_lowlevel_ops ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .readdir = op_readdir,
    .mkdir = op_mkdir,
    .rmdir = op_rmdir,
    .readlink = fs_q_readlink,
    .unlink = op_unlink,
    .create = op_create,
    .mknod = op_mknod,
    .open = fs_op_open,
    .read = fs_op_read,
    .write = fs_op_write,
    .flush = fs_op_flush,
    .fsync = fs_op_fsync,
    .release = fs_op_release,
    .statfs = op_statfs,
    .rename = op_rename,
    .link = op_link,
    .symlink = op_symlink,
};

const struct fuse_lowlevel_ops *fs_ops(void)
{
    return &ops;
}
