/*
 * segment.c — NativeLog segment headers and LevelDB-style record framing
 * (store/segment.h). This file knows bytes and checksums only; which
 * segment to write and what a record means is log.c's business.
 */
#include "store/segment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "util/crc32c.h"
#include "util/err.h"

static const char magic[8] = {'S', 'F', 'S', 'L', 'O', 'G', '\n', 0};

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

void seg_header_encode(const struct seg_header *h, unsigned char out[SEG_HDR])
{
    memset(out, 0, SEG_HDR);
    memcpy(out, magic, 8);
    put32(out + 8, SEG_VERSION);
    put32(out + 12, h->stream_id);
    put64(out + 16, h->first_sn);
    put64(out + 24, h->salt);
    put64(out + 32, (uint64_t)h->created_ms);
    put32(out + 44, crc32c_mask(crc32c(out, 44)));
}

int seg_header_decode(const unsigned char in[SEG_HDR], struct seg_header *h)
{
    if (memcmp(in, magic, 8) || get32(in + 8) != SEG_VERSION ||
        crc32c_unmask(get32(in + 44)) != crc32c(in, 44))
        return ERR_CORRUPT;
    h->stream_id = get32(in + 12);
    h->first_sn = get64(in + 16);
    h->salt = get64(in + 24);
    h->created_ms = (int64_t)get64(in + 32);
    return 0;
}

static uint32_t frag_crc(uint64_t salt, uint8_t type, const void *p, size_t n)
{
    uint32_t c = crc32c(&salt, 8);
    c = crc32c_extend(c, &type, 1);
    return crc32c_mask(crc32c_extend(c, p, n));
}

int seg_frame(uint64_t salt, uint64_t pos, const void *rec, size_t n, struct buf *out,
              uint64_t *end)
{
    const unsigned char *p = rec;
    int first = 1;
    /* worst case: a header per block plus padding */
    int rc = buf_reserve(out, n + (n / (SEG_BLOCK - SEG_FRAG_HDR) + 2) * (SEG_FRAG_HDR * 2));
    if (rc)
        return rc;
    for (;;) {
        size_t left = SEG_BLOCK - (size_t)(pos % SEG_BLOCK);
        if (left < SEG_FRAG_HDR) {
            static const unsigned char zeros[SEG_FRAG_HDR];
            if ((rc = buf_append(out, zeros, left)))
                return rc;
            pos += left;
            continue;
        }
        size_t take = left - SEG_FRAG_HDR < n ? left - SEG_FRAG_HDR : n;
        uint8_t type = first ? (take == n ? SEG_FULL : SEG_FIRST) : (take == n ? SEG_LAST : SEG_MIDDLE);
        unsigned char h[SEG_FRAG_HDR];
        put32(h, frag_crc(salt, type, p, take));
        uint16_t len = (uint16_t)take;
        memcpy(h + 4, &len, 2);
        h[6] = type;
        if ((rc = buf_append(out, h, SEG_FRAG_HDR)) || (rc = buf_append(out, p, take)))
            return rc;
        pos += SEG_FRAG_HDR + take;
        p += take;
        n -= take;
        first = 0;
        if (n == 0)
            break;
    }
    *end = pos;
    return 0;
}

void seg_scan_init(struct seg_scan *s, int fd, uint64_t salt, uint64_t start, uint64_t size)
{
    memset(s, 0, sizeof(*s));
    s->fd = fd;
    s->salt = salt;
    s->pos = start;
    s->size = size;
    s->block_at = UINT64_MAX;
}

void seg_scan_free(struct seg_scan *s)
{
    buf_free(&s->rec);
    free(s->block);
    s->block = NULL;
}

/* Make the block holding pos available; 0 or an error. */
static int load_block(struct seg_scan *s, uint64_t pos)
{
    uint64_t at = pos - pos % SEG_BLOCK;
    if (at == s->block_at)
        return 0;
    if (!s->block && !(s->block = malloc(SEG_BLOCK)))
        return -ENOMEM;
    uint64_t want = s->size - at < SEG_BLOCK ? s->size - at : SEG_BLOCK;
    size_t got;
    int rc = os_pread(s->fd, s->block, (size_t)want, (off_t)at, &got);
    if (rc)
        return rc;
    s->block_at = at;
    s->block_len = got;
    return 0;
}

/* Read the fragment at pos: 1 and its parts, 0 at a clean end, ERR_CORRUPT. */
static int read_frag(struct seg_scan *s, uint64_t pos, uint8_t *type, const unsigned char **data,
                     size_t *len)
{
    int rc = load_block(s, pos);
    if (rc)
        return rc;
    size_t off = (size_t)(pos - s->block_at);
    if (off == s->block_len)
        return 0;
    if (s->block_len - off < SEG_FRAG_HDR)
        return ERR_CORRUPT;
    const unsigned char *h = s->block + off;
    uint16_t n;
    memcpy(&n, h + 4, 2);
    *type = h[6];
    if (*type < SEG_FULL || *type > SEG_LAST || n > s->block_len - off - SEG_FRAG_HDR)
        return ERR_CORRUPT;
    if (get32(h) != frag_crc(s->salt, *type, h + SEG_FRAG_HDR, n))
        return ERR_CORRUPT;
    *data = h + SEG_FRAG_HDR;
    *len = n;
    return 1;
}

int seg_scan_next(struct seg_scan *s, uint64_t *start)
{
    uint64_t pos = s->pos, rec_start = s->pos;
    int in_record = 0, rc;
    buf_reset(&s->rec);
    for (;;) {
        if (SEG_BLOCK - pos % SEG_BLOCK < SEG_FRAG_HDR) {
            pos += SEG_BLOCK - pos % SEG_BLOCK; /* padding */
            if (pos > s->size)
                pos = s->size;
        }
        if (pos >= s->size) {
            rc = in_record ? ERR_CORRUPT : 0; /* a record cut short: torn tail */
            s->pos = in_record ? rec_start : s->size;
            s->bad = s->size;
            return rc;
        }
        uint8_t type;
        const unsigned char *data;
        size_t len;
        rc = read_frag(s, pos, &type, &data, &len);
        if (rc == 0 && !in_record) {
            s->pos = pos;
            return 0;
        }
        /* a MIDDLE/LAST without FIRST, or a FIRST inside a record, is damage */
        if (rc == 1 && (type == SEG_FULL || type == SEG_FIRST) == in_record)
            rc = ERR_CORRUPT;
        if (rc <= 0) {
            s->pos = in_record ? rec_start : pos; /* where the damaged record starts */
            s->bad = pos;
            return rc ? rc : ERR_CORRUPT;
        }
        if (!in_record)
            *start = rec_start = pos;
        if ((rc = buf_append(&s->rec, data, len)))
            return rc;
        pos += SEG_FRAG_HDR + len;
        if (type == SEG_FULL || type == SEG_LAST) {
            s->pos = pos;
            return 1;
        }
        in_record = 1;
    }
}

int seg_valid_after(int fd, uint64_t salt, uint64_t pos, uint64_t size)
{
    /* Any offset may start a fragment: a record written after the damage
     * can begin mid-block. Only record starts count, since the MIDDLE and
     * LAST fragments of a torn record may survive past its damage. */
    struct seg_scan s;
    int found = 0;
    seg_scan_init(&s, fd, salt, 0, size);
    for (uint64_t at = pos + 1; at + SEG_FRAG_HDR <= size && !found; at++) {
        if (load_block(&s, at))
            break;
        const unsigned char *h = s.block + (at - s.block_at);
        if ((size_t)(at - s.block_at) + SEG_FRAG_HDR > s.block_len || (h[6] != SEG_FULL && h[6] != SEG_FIRST))
            continue;
        uint8_t type;
        const unsigned char *data;
        size_t len;
        found = read_frag(&s, at, &type, &data, &len) == 1;
    }
    seg_scan_free(&s);
    return found;
}
