/*
 * codec.h — payload compression for log records (and, later, column parts).
 *
 * A codec id is stored with the compressed bytes, so a reader needs nothing
 * else. All functions append to the output buffer and return 0 or a
 * negative code; decompressing bytes that do not decode to exactly raw_len
 * bytes is ERR_CORRUPT.
 */
#ifndef SFS_STORE_CODEC_H
#define SFS_STORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum codec_id { CODEC_NONE = 0, CODEC_LZ4 = 1, CODEC_ZSTD = 2, CODEC_END };

/* "none", "lz4", "zstd"; codec_parse returns -EINVAL for other names. */
const char *codec_name(enum codec_id c);
int codec_parse(const char *name, enum codec_id *out);

int codec_compress(enum codec_id c, const void *src, size_t n, struct buf *out);
int codec_decompress(enum codec_id c, const void *src, size_t n, size_t raw_len, struct buf *out);
/* The same into dst, which has room for exactly raw_len bytes (a column's
 * values: decompression straight into a block). */
int codec_decompress_to(enum codec_id c, const void *src, size_t n, void *dst, size_t raw_len);

#endif
