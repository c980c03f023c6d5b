/*
 * internal.h — what the FUSE layer's files share: the namespace files'
 * open/read/write handlers (fs.c), attribute helpers (nodes.c), and the
 * `queries/` namespace (queries.c).
 */
#ifndef SFS_FS_INTERNAL_H
#define SFS_FS_INTERNAL_H

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include "exec/engine.h"
#include "exec/query.h"
#include "fs/fs.h"
#include "util/buf.h"
#include "util/err.h"

/* An open file (fi->fh). */
struct handle {
    int kind;                  /* enum fs_kind, or one of the KIND_ values below */
    struct eng_stream *s;      /* counted; stream files only */
    struct qry *q;             /* counted; a query's files only */
    struct ing_handle *ing;    /* ingest */
    struct dump_cursor *dump;  /* data */
    struct sql_session *ss;    /* ctl, queries/new, sql: created on first write */
    struct buf text;           /* generated-file snapshot; ctl's read snapshot */
    uint64_t cursor;           /* ctl, queries/new: bytes of outcomes delivered;
                                  stream: the position in the query's output */
    uint64_t gen;              /* result: the generation opened (rotation) */
    int snapped;               /* ctl: text holds the shared outcomes */
    int nonblock;              /* result: opened O_NONBLOCK */
    pthread_mutex_t mu;        /* ctl, queries/new, sql: guards ss, text, cursor;
                                  a key file: guards kw */
    struct buf kkey;           /* a key file: its encoded key */
    struct buf kw;             /* a key file: written bytes not yet a whole line */
    uint64_t kino;             /* a key file open for writing: its node */
    struct handle *prev, *next; /* the list of live handles (fs.c) */
};

#define KIND_CTL (-1)
#define KIND_QNEW (-2)    /* queries/new */
#define KIND_QSQL (-3)    /* queries/ID/sql */
#define KIND_QRESULT (-4) /* queries/ID/result */
#define KIND_QTEXT (-5)   /* queries/ID/status, error: a snapshot */
#define KIND_QSTREAM (-6) /* queries/ID/stream: pipe-like */
#define KIND_KEY (-7)     /* MNT/m/keys/.../K: a row */

/* A new handle (listed as live) and its release; fs.c. */
struct handle *fs_handle_new(void);
void fs_handle_free(struct handle *h);

/* keys/ (keys.c): ino is a keys/ directory or a key node when fs_k_is. */
int fs_k_is(fuse_ino_t ino);
int fs_k_stat(struct engine *e, fuse_ino_t ino, struct stat *st, double *timeout);
void fs_k_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_k_forget(fuse_ino_t ino, uint64_t nlookup);
void fs_k_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off);
void fs_k_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_k_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_k_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
/* Create a key file (`>` on a new name) with the new handle h (freed on failure). */
void fs_k_create(fuse_req_t req, fuse_ino_t parent, const char *name, struct fuse_file_info *fi,
                 struct handle *h);
int fs_k_open(struct engine *e, fuse_ino_t ino, struct fuse_file_info *fi, struct handle *h);
int fs_k_write(struct handle *h, const char *p, size_t n);
int fs_k_flush(struct handle *h);
void fs_k_close(struct handle *h); /* from fs_handle_free */

/* Attributes of ino; *timeout is how long the kernel may cache them. */
int fs_stat(struct engine *e, fuse_ino_t ino, struct stat *st, double *timeout);
/* Set st's times to ns (since the epoch). */
void fs_set_times(struct stat *st, int64_t ns);
/* The text of a generated file (schema, stats). */
int fs_render(struct eng_stream *s, enum fs_kind kind, struct buf *out);

/* queries/ (queries.c): ino is FS_INO_QUERIES, QNEW, QLAST or in the
 * query range (fs_ino_is_query). fs_q_stat fills in what fs_stat left
 * at the defaults (ino, owner, one link, the mount's times). */
int fs_q_stat(struct engine *e, fuse_ino_t ino, struct stat *st, double *timeout);
void fs_q_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_q_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off);
void fs_q_mkdir(fuse_req_t req, const char *name);
void fs_q_rmdir(fuse_req_t req, const char *name);
void fs_q_readlink(fuse_req_t req, fuse_ino_t ino);
/* Open a query's file into h; read result, sql, status or error. */
int fs_q_open(struct engine *e, fuse_ino_t ino, struct fuse_file_info *fi, struct handle *h);
void fs_q_read(fuse_req_t req, struct handle *h, size_t size, off_t off);
/* The query registry's notify hook (qry_set_notify; arg is the session):
 * invalidates the kernel's attributes of a result that grew or rotated. */
void fs_q_notify(void *arg, uint64_t num, uint64_t gen, int rotated);
/* Shared by nodes.c and queries.c: one directory entry into a readdir
 * reply; 0 when the buffer is full. */
int fs_add_dirent(fuse_req_t req, char *buf, size_t size, size_t *used, const char *name,
                  fuse_ino_t ino, mode_t mode, off_t next);
/* A directory's fixed entries, d[i] at cookie i + 1, those after off. */
struct fs_dirent {
    const char *name;
    fuse_ino_t ino;
    mode_t mode;
};
int fs_add_fixed(fuse_req_t req, char *buf, size_t size, size_t *used, off_t off,
                 const struct fs_dirent *d, int n);
/* Reply to a lookup with ino's attributes. */
void fs_reply_entry(fuse_req_t req, struct engine *e, fuse_ino_t ino, double entry_timeout);

void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
/* After the loop ends: free handles whose RELEASE never came (the kernel
 * sends it asynchronously, so an unmount right after a close can win). */
void fs_release_all(void);
void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                struct fuse_file_info *fi);
void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                 struct fuse_file_info *fi);
void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

#endif
