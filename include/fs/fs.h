/*
 * fs.h — the FUSE namespace (the only code that knows FUSE exists).
 *
 * Inode numbers are derived from catalog ids, so they are stable across
 * remounts and need no table: the root is 1, ctl is 2, and a stream with
 * id N has its directory at N << 8 and its files at (N << 8) | kind.
 * Stream ids are never reused, so an inode number never names two things.
 *
 * Queries have their own range, bit 56 set (stream numbers stay below
 * 2^40): `queries/` is 3, `queries/new` 4, `queries/last` 5, and query
 * number N (exec/query.h: numbers are never reused, named queries have
 * one too) has its directory at FS_QINO_BASE | N << 4 and its files at
 * FS_QINO_BASE | N << 4 | kind (N below 2^40). A streaming query's result
 * rotates (exec/query.h): generation G of `result` has G mod 4096 in bits
 * 44..55, so the new `result` is a new inode and `result.1` keeps the
 * number the old `result` had, as a rename does (`tail -F` sees the
 * replacement); generation 0 is the plain number.
 */
#ifndef SFS_FS_FS_H
#define SFS_FS_FS_H

#include <stdint.h>

#include "exec/engine.h"

struct fuse_lowlevel_ops;

enum fs_kind {
    FS_STREAM_DIR = 0,
    FS_INGEST,
    FS_DATA,
    FS_SCHEMA,
    FS_STATS,
    FS_ERRORS,
    FS_KIND_END
};

#define FS_INO_ROOT 1
#define FS_INO_CTL 2

static inline uint64_t fs_ino(uint32_t stream_id, enum fs_kind kind)
{
    return ((uint64_t)stream_id << 8) | (uint64_t)kind;
}
static inline uint32_t fs_ino_stream(uint64_t ino) { return (uint32_t)(ino >> 8); }
static inline enum fs_kind fs_ino_kind(uint64_t ino) { return (enum fs_kind)(ino & 0xff); }

#define FS_INO_QUERIES 3
#define FS_INO_QNEW 4
#define FS_INO_QLAST 5

enum fs_qkind {
    FS_Q_DIR = 0, FS_Q_SQL, FS_Q_RESULT, FS_Q_STATUS, FS_Q_ERROR, FS_Q_STREAM, FS_Q_KIND_END
};

#define FS_QINO_BASE (1ull << 56)
#define FS_QINO_GEN_SHIFT 44
#define FS_QINO_GEN_MASK 0xfffull

static inline uint64_t fs_qino(uint64_t num, enum fs_qkind kind)
{
    return FS_QINO_BASE | (num << 4) | (uint64_t)kind;
}
/* Generation gen of a query's result. */
static inline uint64_t fs_qino_gen(uint64_t num, uint64_t gen)
{
    return fs_qino(num, FS_Q_RESULT) | ((gen & FS_QINO_GEN_MASK) << FS_QINO_GEN_SHIFT);
}
static inline int fs_ino_is_query(uint64_t ino) { return (ino & FS_QINO_BASE) != 0; }
static inline uint64_t fs_qino_num(uint64_t ino)
{
    return (ino & ((1ull << FS_QINO_GEN_SHIFT) - 1)) >> 4;
}
/* The generation bits of a result inode (gen mod 4096). */
static inline uint64_t fs_qino_gen_bits(uint64_t ino)
{
    return (ino >> FS_QINO_GEN_SHIFT) & FS_QINO_GEN_MASK;
}
static inline enum fs_qkind fs_qino_kind(uint64_t ino) { return (enum fs_qkind)(ino & 0xf); }

/* A mutable stream's keys/ directory is fs_ino(id, FS_KEYS_KIND) (not a
 * kind every stream has); the key nodes under it have bit 57 set and a
 * number kept while the kernel knows them (src/fs/keys.c). */
#define FS_KEYS_KIND 0x10
#define FS_KINO_BASE (1ull << 57)

/* The name of a stream directory's file of this kind ("ingest", ...). */
const char *fs_kind_name(enum fs_kind kind);
/* The low-level operations; their userdata is the struct engine. */
const struct fuse_lowlevel_ops *fs_ops(void);

#endif
