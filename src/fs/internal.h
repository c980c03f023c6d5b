/*
 * internal.h — what the FUSE layer's files share: the namespace files'
 * open/read/write handlers (fs.c) and attribute helpers (nodes.c).
 */
#ifndef SFS_FS_INTERNAL_H
#define SFS_FS_INTERNAL_H

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include "exec/engine.h"
#include "fs/fs.h"
#include "util/buf.h"
#include "util/err.h"

/* Attributes of ino; *timeout is how long the kernel may cache them. */
int fs_stat(struct engine *e, fuse_ino_t ino, struct stat *st, double *timeout);
/* The text of a generated file (schema, stats). */
int fs_render(struct eng_stream *s, enum fs_kind kind, struct buf *out);

void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                struct fuse_file_info *fi);
void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                 struct fuse_file_info *fi);
void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

#endif
