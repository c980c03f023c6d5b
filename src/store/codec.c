/*
 * codec.c — lz4, zstd or no compression of record payloads (store/codec.h).
 * lz4 is the default: it compresses JSON-derived blocks ~4x at over 1 GB/s;
 * zstd (level 1) trades speed for ~7x.
 */
#include "store/codec.h"

#include <errno.h>
#include <lz4.h>
#include <string.h>
#include <strings.h>
#include <zstd.h>

#include "util/err.h"

static const char *const names[CODEC_END] = {"none", "lz4", "zstd"};

const char *codec_name(enum codec_id c)
{
    return c < CODEC_END ? names[c] : "unknown";
}

int codec_parse(const char *name, enum codec_id *out)
{
    for (int i = 0; i < CODEC_END; i++)
        if (!strcasecmp(name, names[i])) {
            *out = (enum codec_id)i;
            return 0;
        }
    return -EINVAL;
}

int codec_compress(enum codec_id c, const void *src, size_t n, struct buf *out)
{
    size_t bound;
    int rc;
    switch (c) {
    case CODEC_NONE: return buf_append(out, src, n);
    case CODEC_LZ4:
        if (n > LZ4_MAX_INPUT_SIZE)
            return -E2BIG;
        bound = (size_t)LZ4_compressBound((int)n);
        if ((rc = buf_reserve(out, bound)))
            return rc;
        int w = LZ4_compress_default(src, out->data + out->len, (int)n, (int)bound);
        if (w <= 0)
            return -EIO;
        out->len += (size_t)w;
        return 0;
    case CODEC_ZSTD:
        bound = ZSTD_compressBound(n);
        if ((rc = buf_reserve(out, bound)))
            return rc;
        size_t z = ZSTD_compress(out->data + out->len, bound, src, n, 1);
        if (ZSTD_isError(z))
            return -EIO;
        out->len += z;
        return 0;
    default: return -EINVAL;
    }
}

/* No record or granule decodes to more than this. */
#define MAX_RAW (1u << 30)

int codec_decompress_to(enum codec_id c, const void *src, size_t n, void *dst, size_t raw_len)
{
    if (raw_len > MAX_RAW)
        return ERR_CORRUPT;
    switch (c) {
    case CODEC_NONE:
        if (n != raw_len)
            return ERR_CORRUPT;
        if (n)
            memcpy(dst, src, n);
        return 0;
    case CODEC_LZ4: {
        if (n > LZ4_MAX_INPUT_SIZE || raw_len > LZ4_MAX_INPUT_SIZE)
            return ERR_CORRUPT;
        int r = LZ4_decompress_safe(src, dst, (int)n, (int)raw_len);
        return r < 0 || (size_t)r != raw_len ? ERR_CORRUPT : 0;
    }
    case CODEC_ZSTD: {
        size_t r = ZSTD_decompress(dst, raw_len, src, n);
        return ZSTD_isError(r) || r != raw_len ? ERR_CORRUPT : 0;
    }
    default: return ERR_CORRUPT;
    }
}

int codec_decompress(enum codec_id c, const void *src, size_t n, size_t raw_len, struct buf *out)
{
    if (raw_len > MAX_RAW)
        return ERR_CORRUPT;
    int rc = buf_reserve(out, raw_len ? raw_len : 1);
    if (rc || (rc = codec_decompress_to(c, src, n, out->data + out->len, raw_len)))
        return rc;
    out->len += raw_len;
    return 0;
}
