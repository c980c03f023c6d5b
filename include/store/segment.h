/*
 * segment.h — the NativeLog's segment files: header and record framing.
 *
 * A segment is a file of 32 KiB blocks. It opens with a SEG_HDR-byte header
 * (magic, version, stream id, first sequence number, random salt, creation
 * time, checksum); framing starts right after it. A record is cut into
 * fragments that never cross a block boundary, each with a 7-byte header:
 * masked CRC32C, length, type (FULL, or FIRST, MIDDLE..., LAST). The CRC
 * covers the segment's salt, the type and the data, so bytes left from
 * another segment (a reused or preallocated file) never validate. Fewer
 * than 7 bytes left in a block are zero padding. A reader that meets
 * damage can resynchronise at the next block boundary.
 * docs/log-format.md has the worked example.
 */
#ifndef SFS_STORE_SEGMENT_H
#define SFS_STORE_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define SEG_BLOCK 32768
#define SEG_HDR 48
#define SEG_FRAG_HDR 7
#define SEG_VERSION 1

enum seg_frag_type { SEG_FULL = 1, SEG_FIRST = 2, SEG_MIDDLE = 3, SEG_LAST = 4 };

struct seg_header {
    uint32_t stream_id;
    uint64_t first_sn;
    uint64_t salt;
    int64_t created_ms;
};

void seg_header_encode(const struct seg_header *h, unsigned char out[SEG_HDR]);
/* ERR_CORRUPT unless the bytes are a header of this format version. */
int seg_header_decode(const unsigned char in[SEG_HDR], struct seg_header *h);

/*
 * Frame a record of n bytes to be written at file offset pos: append the
 * fragments (and any block padding before them) to out; *end is the file
 * offset after them.
 */
int seg_frame(uint64_t salt, uint64_t pos, const void *rec, size_t n, struct buf *out,
              uint64_t *end);

/* Reads records forward from a segment file. */
struct seg_scan {
    int fd;
    uint64_t salt;
    uint64_t pos;      /* next unread byte */
    uint64_t size;     /* bytes of the file to consider */
    struct buf rec;    /* the record just read */
    uint64_t bad;      /* after ERR_CORRUPT: where the bad fragment starts */
    unsigned char *block;  /* cache of the block holding pos */
    uint64_t block_at;     /* its file offset, or UINT64_MAX */
    size_t block_len;
};

void seg_scan_init(struct seg_scan *s, int fd, uint64_t salt, uint64_t start, uint64_t size);
void seg_scan_free(struct seg_scan *s);
/*
 * The next record into s->rec, its first byte's offset in *start (padding
 * excluded) and s->pos after it. Returns 1 for a record, 0 at a clean end
 * (no bytes left but padding), ERR_CORRUPT at damage or a torn tail (s->pos
 * then is where the bad fragment starts), or an I/O error.
 */
int seg_scan_next(struct seg_scan *s, uint64_t *start);
/* 1 when a fragment that starts a record (FULL or FIRST) validates at any
 * offset after pos: damage at pos is then not a torn tail but corruption. */
int seg_valid_after(int fd, uint64_t salt, uint64_t pos, uint64_t size);

#endif
