/*
 * segment_test.c — NativeLog segment files (store/segment.h): the header's
 * byte layout, round trip and that every flipped bit (and another format
 * version) is ERR_CORRUPT; the framing written by seg_frame checked against
 * the documented layout (masked CRC32C over salt, type and data; length;
 * type) and read back by seg_scan over a temp file. Edge cases: a record
 * exactly filling a block to the byte, records leaving exactly 0..7 bytes at
 * a block end (padding below 7, a zero-length FIRST at exactly 7), records
 * across 1, 2 and many block boundaries, an empty record, a huge (6 MiB)
 * record, framing that starts inside padding, and a seeded random mix.
 * Damage: a flipped byte anywhere in a fragment, bad length fields, a torn
 * tail at every byte offset of the last record (one fragment, two, and
 * FIRST+MIDDLE+LAST), another segment's salt (nothing validates), a MIDDLE
 * or LAST without a FIRST, a record start inside a record; seg_valid_after
 * (what tells a torn tail from damage followed by records) and I/O errors.
 *
 * Each test gets a fresh directory under /tmp, removed at the end.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/os.h"
#include "store/segment.h"
#include "util/buf.h"
#include "util/crc32c.h"
#include "util/err.h"

#define B SEG_BLOCK
#define H SEG_FRAG_HDR

static char tmpdir[64];
static char path[128];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_seg_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(path, sizeof(path), "%s/seg", tmpdir);
}

static void teardown(void)
{
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

TestSuite(segment, .init = setup, .fini = teardown);

/* Deterministic xorshift64* generator. */
static uint64_t rnd_state;
static void rnd_seed(uint64_t s) { rnd_state = s * 0x9e3779b97f4a7c15ull + 1; }
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return rnd_state * 0x2545f4914f6cdd1dull;
}

static const uint64_t SALT = 0x0123456789abcdefull;

/* A record of n bytes whose content depends on tag. */
static struct buf record(size_t n, uint64_t tag)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_reserve(&b, n), 0);
    rnd_seed(tag + 1);
    for (size_t i = 0; i < n; i++)
        b.data[b.len++] = (char)rnd();
    return b;
}

static void put_file(const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, p, n), (ssize_t)n);
    cr_assert_eq(close(fd), 0);
}

static int open_ro(void)
{
    int fd = open(path, O_RDONLY);
    cr_assert(fd >= 0);
    return fd;
}

/* The expected fragments of a record of n bytes framed at pos (the
 * documented rule, written out independently of seg_frame). */
struct frag {
    uint64_t at;
    size_t len;
    int type;
};

static size_t model(uint64_t pos, size_t n, struct frag *f, size_t max, uint64_t *start,
                    uint64_t *end)
{
    size_t k = 0;
    int first = 1;
    for (;;) {
        uint64_t left = B - pos % B;
        if (left < H) {
            pos += left;
            continue;
        }
        size_t take = left - H < n ? (size_t)(left - H) : n;
        int type = first ? (take == n ? SEG_FULL : SEG_FIRST) : (take == n ? SEG_LAST : SEG_MIDDLE);
        cr_assert(k < max);
        if (first)
            *start = pos;
        f[k++] = (struct frag){pos, take, type};
        pos += H + take;
        n -= take;
        first = 0;
        if (!n)
            break;
    }
    *end = pos;
    return k;
}

static uint32_t expect_crc(uint64_t salt, int type, const void *p, size_t n)
{
    unsigned char s[8];
    for (int i = 0; i < 8; i++)
        s[i] = (unsigned char)(salt >> (8 * i)); /* little-endian */
    unsigned char t = (unsigned char)type;
    uint32_t c = crc32c(s, 8);
    c = crc32c_extend(c, &t, 1);
    return crc32c_mask(crc32c_extend(c, p, n));
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * A growing segment image: bytes from offset 0, records framed after a
 * prefix. Each frame() call checks seg_frame's output against the model.
 */
struct image {
    struct buf bytes;
    uint64_t salt;
    uint64_t starts[512], ends[512];
    size_t nrec;
};

static void image_init(struct image *im, uint64_t salt, size_t prefix)
{
    memset(im, 0, sizeof(*im));
    im->salt = salt;
    cr_assert_eq(buf_reserve(&im->bytes, prefix), 0);
    memset(im->bytes.data, 0x5a, prefix); /* not zero: padding must not be confused with it */
    im->bytes.len = prefix;
}

static void frame(struct image *im, const struct buf *rec)
{
    uint64_t pos = im->bytes.len, end = 0, mstart = 0, mend = 0;
    struct frag f[512];
    size_t nf = model(pos, rec->len, f, 512, &mstart, &mend);
    struct buf out = BUF_INIT;
    cr_assert_eq(buf_puts(&out, "junk"), 0); /* seg_frame appends */
    int rc = seg_frame(im->salt, pos, rec->data, rec->len, &out, &end);
    cr_assert_eq(rc, 0);
    cr_assert_eq(end, mend, "record of %zu at %llu: end %llu, want %llu", rec->len,
                 (unsigned long long)pos, (unsigned long long)end, (unsigned long long)mend);
    cr_assert_eq(out.len - 4, end - pos, "bytes appended = end - pos");
    cr_assert(memcmp(out.data, "junk", 4) == 0);
    const unsigned char *o = (const unsigned char *)out.data + 4 - pos; /* o[x]: file offset x */
    uint64_t at = pos;
    size_t done = 0;
    for (size_t i = 0; i < nf; i++) {
        for (; at < f[i].at; at++)
            cr_assert_eq(o[at], 0, "padding byte at %llu", (unsigned long long)at);
        const unsigned char *h = o + at;
        cr_assert_eq(h[4] | h[5] << 8, (int)f[i].len, "fragment %zu length", i);
        cr_assert_eq(h[6], f[i].type, "fragment %zu type %d, want %d", i, h[6], f[i].type);
        cr_assert(memcmp(h + H, rec->data + done, f[i].len) == 0, "fragment %zu data", i);
        cr_assert_eq(le32(h), expect_crc(im->salt, f[i].type, h + H, f[i].len),
                     "fragment %zu crc", i);
        cr_assert(f[i].at / B == (f[i].at + H + f[i].len - 1) / B,
                  "fragment %zu crosses a block boundary", i);
        at += H + f[i].len;
        done += f[i].len;
    }
    cr_assert_eq(done, rec->len);
    cr_assert_eq(at, end);
    cr_assert(im->nrec < 512);
    im->starts[im->nrec] = mstart;
    im->ends[im->nrec] = mend;
    im->nrec++;
    cr_assert_eq(buf_append(&im->bytes, out.data + 4, out.len - 4), 0);
    buf_free(&out);
}

static void image_free(struct image *im)
{
    buf_free(&im->bytes);
}

/* Frame a record of n bytes made from tag; returns the record. */
static struct buf frame_n(struct image *im, size_t n, uint64_t tag)
{
    struct buf r = record(n, tag);
    frame(im, &r);
    return r;
}

/* Scan [start, size) and expect exactly the given records, then rc_end with
 * s.pos == pos_end. */
static void expect_scan(int fd, uint64_t salt, uint64_t start, uint64_t size,
                        const struct buf *recs, const uint64_t *starts, size_t n, int rc_end,
                        uint64_t pos_end)
{
    struct seg_scan s;
    seg_scan_init(&s, fd, salt, start, size);
    for (size_t i = 0; i < n; i++) {
        uint64_t at = UINT64_MAX;
        int rc = seg_scan_next(&s, &at);
        cr_assert_eq(rc, 1, "record %zu: rc %d (size %llu)", i, rc, (unsigned long long)size);
        cr_assert_eq(at, starts[i], "record %zu starts at %llu, want %llu", i,
                     (unsigned long long)at, (unsigned long long)starts[i]);
        cr_assert_eq(s.rec.len, recs[i].len, "record %zu length", i);
        cr_assert(recs[i].len == 0 || memcmp(s.rec.data, recs[i].data, recs[i].len) == 0,
                  "record %zu bytes", i);
    }
    uint64_t at = 0;
    int rc = seg_scan_next(&s, &at);
    cr_assert_eq(rc, rc_end, "after %zu records: rc %d, want %d (size %llu)", n, rc, rc_end,
                 (unsigned long long)size);
    cr_assert_eq(s.pos, pos_end, "after %zu records: pos %llu, want %llu", n,
                 (unsigned long long)s.pos, (unsigned long long)pos_end);
    if (rc_end == 0) { /* a clean end stays a clean end */
        cr_assert_eq(seg_scan_next(&s, &at), 0);
        cr_assert_eq(s.pos, pos_end);
    }
    seg_scan_free(&s);
}

static void free_recs(struct buf *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_free(&r[i]);
}

/* --- header -------------------------------------------------------------- */

Test(segment, header_layout_and_round_trip)
{
    struct seg_header h = {0x01020304u, 0x1122334455667788ull, 0xa1a2a3a4a5a6a7a8ull,
                           1720611494878};
    unsigned char b[SEG_HDR];
    memset(b, 0xee, sizeof(b));
    seg_header_encode(&h, b);
    cr_assert(memcmp(b, "SFSLOG\n\0", 8) == 0, "magic");
    cr_assert_eq(le32(b + 8), SEG_VERSION);
    cr_assert_eq(le32(b + 12), 0x01020304u);
    cr_assert_eq(le32(b + 16), 0x55667788u);
    cr_assert_eq(le32(b + 20), 0x11223344u);
    cr_assert_eq(le32(b + 24), 0xa5a6a7a8u);
    cr_assert_eq(le32(b + 28), 0xa1a2a3a4u);
    cr_assert_eq(le32(b + 32) | (uint64_t)le32(b + 36) << 32, 1720611494878ull);
    cr_assert_eq(le32(b + 40), 0, "reserved");
    cr_assert_eq(le32(b + 44), crc32c_mask(crc32c(b, 44)), "masked crc of bytes 0..43");
    struct seg_header d;
    memset(&d, 0, sizeof(d));
    cr_assert_eq(seg_header_decode(b, &d), 0);
    cr_assert_eq(d.stream_id, h.stream_id);
    cr_assert_eq(d.first_sn, h.first_sn);
    cr_assert_eq(d.salt, h.salt);
    cr_assert_eq(d.created_ms, h.created_ms);

    /* extremes */
    h = (struct seg_header){UINT32_MAX, UINT64_MAX, 0, INT64_MIN};
    seg_header_encode(&h, b);
    cr_assert_eq(seg_header_decode(b, &d), 0);
    cr_assert_eq(d.stream_id, UINT32_MAX);
    cr_assert_eq(d.first_sn, UINT64_MAX);
    cr_assert_eq(d.salt, 0);
    cr_assert_eq(d.created_ms, INT64_MIN);
}

Test(segment, header_every_flipped_bit_is_corrupt)
{
    struct seg_header h = {7, 1000, SALT, 123456}, d;
    unsigned char b[SEG_HDR];
    seg_header_encode(&h, b);
    for (size_t i = 0; i < SEG_HDR; i++)
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (unsigned char)(1 << bit);
            cr_assert_eq(seg_header_decode(b, &d), ERR_CORRUPT, "byte %zu bit %d", i, bit);
            b[i] ^= (unsigned char)(1 << bit);
        }
    unsigned char zeros[SEG_HDR] = {0};
    cr_assert_eq(seg_header_decode(zeros, &d), ERR_CORRUPT, "an all-zero header");
    cr_assert_eq(seg_header_decode(b, &d), 0);
}

Test(segment, header_other_version_or_magic_is_corrupt)
{
    struct seg_header h = {7, 1000, SALT, 123456}, d;
    unsigned char b[SEG_HDR];
    seg_header_encode(&h, b);
    b[8] = SEG_VERSION + 1; /* a well-formed header of another version */
    uint32_t c = crc32c_mask(crc32c(b, 44));
    memcpy(b + 44, &c, 4);
    cr_assert_eq(seg_header_decode(b, &d), ERR_CORRUPT);
    seg_header_encode(&h, b);
    b[0] = 'X';
    c = crc32c_mask(crc32c(b, 44));
    memcpy(b + 44, &c, 4);
    cr_assert_eq(seg_header_decode(b, &d), ERR_CORRUPT);
}

/* --- framing layout ------------------------------------------------------ */

Test(segment, small_record_layout)
{
    struct buf out = BUF_INIT;
    uint64_t end = 0;
    cr_assert_eq(seg_frame(SALT, SEG_HDR, "hello", 5, &out, &end), 0);
    cr_assert_eq(end, SEG_HDR + H + 5);
    cr_assert_eq(out.len, H + 5);
    const unsigned char *p = (const unsigned char *)out.data;
    cr_assert_eq(le32(p), expect_crc(SALT, SEG_FULL, "hello", 5));
    cr_assert_eq(p[4], 5);
    cr_assert_eq(p[5], 0);
    cr_assert_eq(p[6], SEG_FULL);
    cr_assert(memcmp(p + H, "hello", 5) == 0);
    /* the salt is part of the checksum */
    cr_assert_neq(le32(p), expect_crc(SALT + 1, SEG_FULL, "hello", 5));
    buf_free(&out);
}

Test(segment, record_exactly_fills_a_block)
{
    struct image im;
    image_init(&im, SALT, SEG_HDR);
    struct buf r[3];
    r[0] = frame_n(&im, B - SEG_HDR - H, 1); /* to the byte */
    cr_assert_eq(im.ends[0], B);
    r[1] = frame_n(&im, B - H, 2); /* a whole block */
    cr_assert_eq(im.starts[1], B, "no padding after a block filled to the byte");
    cr_assert_eq(im.ends[1], 2 * B);
    r[2] = frame_n(&im, 10, 3);
    cr_assert_eq(im.starts[2], 2 * B);
    cr_assert_eq(im.bytes.len, 2 * B + H + 10);
    put_file(im.bytes.data, im.bytes.len);
    int fd = open_ro();
    expect_scan(fd, SALT, SEG_HDR, im.bytes.len, r, im.starts, 3, 0, im.bytes.len);
    /* the file ends exactly at a block boundary */
    expect_scan(fd, SALT, SEG_HDR, 2 * B, r, im.starts, 2, 0, 2 * B);
    close(fd);
    free_recs(r, 3);
    image_free(&im);
}

/* A record ends leaving exactly k bytes in its block: below 7 they are
 * zero padding and the next record starts at the next block; at exactly 7
 * the next record starts with a zero-length FIRST fragment there. */
Test(segment, zero_to_seven_bytes_left_at_a_block_end)
{
    for (unsigned k = 0; k <= 8; k++) {
        struct image im;
        image_init(&im, SALT, SEG_HDR);
        struct buf r[3];
        r[0] = frame_n(&im, B - SEG_HDR - H - k, 10 + k);
        cr_assert_eq(im.ends[0], B - k);
        r[1] = frame_n(&im, 100, 20 + k);
        r[2] = frame_n(&im, 0, 30 + k); /* and an empty record after it */
        if (k == 0 || k < H) {
            cr_assert_eq(im.starts[1], B, "k=%u: padding, then the record", k);
            cr_assert_eq(im.ends[1], B + H + 100);
            for (unsigned i = 0; i < k; i++)
                cr_assert_eq(im.bytes.data[B - k + i], 0, "k=%u: padding is zero", k);
        } else {
            cr_assert_eq(im.starts[1], B - k, "k=%u: the record starts in the block", k);
            const unsigned char *h = (const unsigned char *)im.bytes.data + B - k;
            cr_assert_eq(h[6], SEG_FIRST);
            cr_assert_eq(h[4] | h[5] << 8, (int)(k - H), "k=%u: FIRST of %u bytes", k, k - H);
            cr_assert_eq(im.bytes.data[B + 6], SEG_LAST, "k=%u: then LAST", k);
        }
        put_file(im.bytes.data, im.bytes.len);
        int fd = open_ro();
        expect_scan(fd, SALT, SEG_HDR, im.bytes.len, r, im.starts, 3, 0, im.bytes.len);
        /* the file cut inside the padding, or right after record 0: clean */
        for (uint64_t cut = im.ends[0]; cut <= im.starts[1]; cut++)
            expect_scan(fd, SALT, SEG_HDR, cut, r, im.starts, 1, 0, cut);
        close(fd);
        free_recs(r, 3);
        image_free(&im);
    }
}

/* seg_frame asked to start inside the padding of a block. */
Test(segment, frame_starting_in_padding)
{
    for (unsigned k = 1; k < H; k++) {
        struct buf out = BUF_INIT;
        uint64_t end;
        cr_assert_eq(seg_frame(SALT, 3 * B - k, "abc", 3, &out, &end), 0);
        cr_assert_eq(end, 3 * B + H + 3);
        cr_assert_eq(out.len, k + H + 3);
        for (unsigned i = 0; i < k; i++)
            cr_assert_eq(out.data[i], 0);
        cr_assert_eq(out.data[k + 6], SEG_FULL);
        buf_free(&out);
    }
}

Test(segment, records_across_one_two_and_many_boundaries)
{
    struct image im;
    image_init(&im, SALT, SEG_HDR);
    struct buf r[6];
    r[0] = frame_n(&im, 1000, 1);                /* FULL */
    r[1] = frame_n(&im, B, 2);                   /* FIRST, LAST: 1 boundary */
    r[2] = frame_n(&im, 2 * B, 3);               /* FIRST, MIDDLE, LAST: 2 */
    r[3] = frame_n(&im, 20 * B + 17, 4);         /* FIRST, 20 MIDDLE, LAST */
    r[4] = frame_n(&im, 1, 5);
    r[5] = frame_n(&im, 3 * (B - H), 6);          /* starts mid-block, many fragments */
    put_file(im.bytes.data, im.bytes.len);
    /* the fragment types at each block start of record 3 */
    for (uint64_t b = im.starts[3] / B + 1; b <= im.ends[3] / B && b * B < im.ends[3]; b++) {
        unsigned char t = (unsigned char)im.bytes.data[b * B + 6];
        int last = (b + 1) * B >= im.ends[3];
        cr_assert_eq(t, last ? SEG_LAST : SEG_MIDDLE, "block %llu", (unsigned long long)b);
    }
    int fd = open_ro();
    expect_scan(fd, SALT, SEG_HDR, im.bytes.len, r, im.starts, 6, 0, im.bytes.len);
    /* scanning from any record's start reads the rest */
    for (size_t i = 1; i < 6; i++)
        expect_scan(fd, SALT, im.starts[i], im.bytes.len, r + i, im.starts + i, 6 - i, 0,
                    im.bytes.len);
    close(fd);
    free_recs(r, 6);
    image_free(&im);
}

Test(segment, empty_record)
{
    struct image im;
    image_init(&im, SALT, SEG_HDR);
    struct buf r[4];
    r[0] = frame_n(&im, 0, 1);
    cr_assert_eq(im.ends[0], SEG_HDR + H, "an empty record is a bare FULL header");
    cr_assert_eq(im.bytes.data[SEG_HDR + 6], SEG_FULL);
    r[1] = frame_n(&im, B - SEG_HDR - 2 * H - H, 2); /* leaves exactly 7 bytes */
    r[2] = frame_n(&im, 0, 3);                      /* a zero-length FULL fills them */
    cr_assert_eq(im.starts[2], B - H);
    cr_assert_eq(im.ends[2], B);
    r[3] = frame_n(&im, 0, 4);
    cr_assert_eq(im.starts[3], B);
    put_file(im.bytes.data, im.bytes.len);
    int fd = open_ro();
    expect_scan(fd, SALT, SEG_HDR, im.bytes.len, r, im.starts, 4, 0, im.bytes.len);
    close(fd);
    free_recs(r, 4);
    image_free(&im);
}

Test(segment, huge_record)
{
    struct image im;
    image_init(&im, SALT, SEG_HDR);
    struct buf r[3];
    r[0] = frame_n(&im, 5, 1);
    r[1] = frame_n(&im, 6u << 20, 2); /* 6 MiB: 193 fragments */
    r[2] = frame_n(&im, 5, 3);
    put_file(im.bytes.data, im.bytes.len);
    int fd = open_ro();
    expect_scan(fd, SALT, SEG_HDR, im.bytes.len, r, im.starts, 3, 0, im.bytes.len);
    /* only MIDDLE and LAST fragments start blocks inside it */
    cr_assert_eq(seg_valid_after(fd, SALT, im.starts[1], im.starts[2]), 0);
    /* and a torn tail anywhere in it drops it, at its start */
    static const uint64_t cuts[] = {1, H, H + 1, B, B + 1, 3 * B + 5000, 100 * B};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        expect_scan(fd, SALT, SEG_HDR, im.starts[1] + cuts[i], r, im.starts, 1, ERR_CORRUPT,
                    im.starts[1]);
    expect_scan(fd, SALT, SEG_HDR, im.ends[1] - 1, r, im.starts, 1, ERR_CORRUPT, im.starts[1]);
    close(fd);
    free_recs(r, 3);
    image_free(&im);
}

Test(segment, seeded_random_records_round_trip)
{
    struct image im;
    image_init(&im, SALT, SEG_HDR);
    static struct buf r[400];
    uint64_t seed = 77;
    for (size_t i = 0; i < 400; i++) {
        rnd_seed(seed++);
        uint64_t k = rnd() % 10, n;
        if (k < 5)
            n = rnd() % 200;
        else if (k < 8)
            n = B - 200 + rnd() % 400;
        else
            n = rnd() % (3 * B);
        r[i] = frame_n(&im, (size_t)n, 1000 + i);
    }
    put_file(im.bytes.data, im.bytes.len);
    int fd = open_ro();
    expect_scan(fd, SALT, SEG_HDR, im.bytes.len, r, im.starts, 400, 0, im.bytes.len);
    close(fd);
    free_recs(r, 400);
    image_free(&im);
}

/* --- damage -------------------------------------------------------------- */

/* Three records: a small one, one across a block boundary (FIRST, LAST),
 * and a small one. */
static void three(struct image *im, struct buf r[3])
{
    image_init(im, SALT, SEG_HDR);
    r[0] = frame_n(im, B - SEG_HDR - H - 300, 1);
    r[1] = frame_n(im, 600, 2);
    r[2] = frame_n(im, 50, 3);
    cr_assert_eq(im->bytes.data[im->starts[1] + 6], SEG_FIRST);
}

Test(segment, flipped_byte_in_a_fragment_is_corrupt)
{
    struct image im;
    struct buf r[3];
    three(&im, r);
    put_file(im.bytes.data, im.bytes.len);
    int fd = open(path, O_RDWR);
    cr_assert(fd >= 0);
    for (uint64_t at = im.starts[1]; at < im.ends[1]; at++) {
        unsigned char c = (unsigned char)im.bytes.data[at];
        for (int m = 0; m < 2; m++) {
            unsigned char x = c ^ (m ? 0xff : 0x04);
            cr_assert_eq(pwrite(fd, &x, 1, (off_t)at), 1);
            expect_scan(fd, SALT, SEG_HDR, im.bytes.len, r, im.starts, 1, ERR_CORRUPT,
                        im.starts[1]);
        }
        cr_assert_eq(pwrite(fd, &c, 1, (off_t)at), 1);
    }
    expect_scan(fd, SALT, SEG_HDR, im.bytes.len, r, im.starts, 3, 0, im.bytes.len);
    close(fd);
    free_recs(r, 3);
    image_free(&im);
}

Test(segment, bad_length_field_is_corrupt)
{
    struct image im;
    struct buf r[3];
    three(&im, r);
    static const uint16_t lens[] = {0, 1, 299, 301, 0x7fff, 0xffff};
    /* record 1's FIRST fragment holds 300 - 7 = 293 bytes */
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        struct buf f = BUF_INIT;
        cr_assert_eq(buf_append(&f, im.bytes.data, im.bytes.len), 0);
        memcpy(f.data + im.starts[1] + 4, &lens[i], 2);
        put_file(f.data, f.len);
        int fd = open_ro();
        expect_scan(fd, SALT, SEG_HDR, f.len, r, im.starts, 1, ERR_CORRUPT, im.starts[1]);
        close(fd);
        /* and in the last record, where a longer length runs past the file */
        memcpy(f.data + im.starts[1] + 4, im.bytes.data + im.starts[1] + 4, 2);
        uint16_t l = (uint16_t)(lens[i] == 0 ? 49 : lens[i]);
        memcpy(f.data + im.starts[2] + 4, &l, 2);
        put_file(f.data, f.len);
        fd = open_ro();
        expect_scan(fd, SALT, SEG_HDR, f.len, r, im.starts, 2, ERR_CORRUPT, im.starts[2]);
        close(fd);
        buf_free(&f);
    }
    free_recs(r, 3);
    image_free(&im);
}

/* The last record torn at every byte offset: scanning ends with it
 * reported at its start, nothing of it returned, and nothing valid after
 * (so a recovering reader would call it a torn tail). */
static void torn_every_offset(size_t last_len, uint64_t first_len)
{
    struct image im;
    image_init(&im, SALT, SEG_HDR);
    struct buf r[3];
    r[0] = frame_n(&im, (size_t)first_len, 1);
    r[1] = frame_n(&im, 77, 2);
    r[2] = frame_n(&im, last_len, 3);
    put_file(im.bytes.data, im.bytes.len);
    int fd = open_ro();
    for (uint64_t cut = im.starts[2] + 1; cut < im.ends[2]; cut++) {
        expect_scan(fd, SALT, SEG_HDR, cut, r, im.starts, 2, ERR_CORRUPT, im.starts[2]);
        cr_assert_eq(seg_valid_after(fd, SALT, im.starts[2], cut), 0, "cut %llu",
                     (unsigned long long)cut);
    }
    expect_scan(fd, SALT, SEG_HDR, im.starts[2], r, im.starts, 2, 0, im.starts[2]);
    expect_scan(fd, SALT, SEG_HDR, im.ends[2], r, im.starts, 3, 0, im.ends[2]);
    close(fd);
    free_recs(r, 3);
    image_free(&im);
}

Test(segment, torn_tail_every_offset_one_fragment)
{
    torn_every_offset(500, 1000);
}

Test(segment, torn_tail_every_offset_two_fragments)
{
    torn_every_offset(900, B - SEG_HDR - H - 77 - H - 400); /* 400 bytes left in block 0 */
}

Test(segment, torn_tail_every_offset_first_middle_last)
{
    torn_every_offset(B + 800, B - SEG_HDR - H - 77 - H - 300);
}

/* Another segment's fragments (another salt) never validate. */
Test(segment, other_salt_nothing_validates)
{
    struct image im;
    struct buf r[3];
    three(&im, r);
    put_file(im.bytes.data, im.bytes.len);
    int fd = open_ro();
    static const uint64_t salts[] = {SALT ^ 1, SALT ^ (1ull << 63), 0, ~SALT};
    for (size_t si = 0; si < sizeof(salts) / sizeof(salts[0]); si++) {
        uint64_t salt = salts[si];
        for (size_t i = 0; i < 3; i++) {
            struct seg_scan s;
            uint64_t at;
            seg_scan_init(&s, fd, salt, im.starts[i], im.bytes.len);
            cr_assert_eq(seg_scan_next(&s, &at), ERR_CORRUPT);
            cr_assert_eq(s.pos, im.starts[i]);
            seg_scan_free(&s);
        }
        cr_assert_eq(seg_valid_after(fd, salt, SEG_HDR, im.bytes.len), 0);
    }
    close(fd);
    free_recs(r, 3);
    image_free(&im);
}

/* A record framed in a segment with another salt, and records of this
 * segment after it at a block boundary: only this segment's validate. */
Test(segment, stale_fragments_then_own_record)
{
    struct image old, cur;
    image_init(&old, SALT ^ 0xffff, SEG_HDR);
    struct buf o0 = frame_n(&old, 100, 9);
    struct buf o = frame_n(&old, 3000, 1);
    image_init(&cur, SALT, SEG_HDR);
    struct buf r[2];
    r[0] = frame_n(&cur, 100, 2);
    cr_assert_eq(old.starts[1], cur.ends[0]);
    /* the file: cur's record, then the old segment's next record (a
     * well-formed FULL fragment under the old salt), zeros to the block
     * end, then cur's next record */
    struct buf f = BUF_INIT;
    cr_assert_eq(buf_append(&f, cur.bytes.data, cur.bytes.len), 0);
    cr_assert_eq(buf_append(&f, old.bytes.data + f.len, old.bytes.len - f.len), 0);
    while (f.len < B)
        cr_assert_eq(buf_putc(&f, 0), 0);
    cur.bytes.len = 0;
    cr_assert_eq(buf_append(&cur.bytes, f.data, f.len), 0);
    r[1] = frame_n(&cur, 100, 3);
    put_file(cur.bytes.data, cur.bytes.len);
    int fd = open_ro();
    expect_scan(fd, SALT, SEG_HDR, cur.bytes.len, r, cur.starts, 1, ERR_CORRUPT, cur.ends[0]);
    cr_assert_eq(seg_valid_after(fd, SALT, cur.ends[0], cur.bytes.len), 1,
                 "this segment's record at the next block boundary validates");
    /* from the block boundary, the record reads */
    expect_scan(fd, SALT, B, cur.bytes.len, r + 1, cur.starts + 1, 1, 0, cur.bytes.len);
    close(fd);
    buf_free(&o);
    buf_free(&o0);
    buf_free(&f);
    free_recs(r, 2);
    image_free(&old);
    image_free(&cur);
}

/* A MIDDLE or LAST fragment with no FIRST before it. */
Test(segment, middle_or_last_without_first)
{
    struct image im;
    image_init(&im, SALT, 0);
    struct buf r = frame_n(&im, 3 * B, 1); /* FIRST, MIDDLE, MIDDLE, LAST */
    cr_assert_eq(im.bytes.data[B + 6], SEG_MIDDLE);
    cr_assert_eq(im.bytes.data[3 * B + 6], SEG_LAST);
    /* the bytes from block 1 on, as a file: starts with a MIDDLE */
    put_file(im.bytes.data + B, im.bytes.len - B);
    int fd = open_ro();
    expect_scan(fd, SALT, 0, im.bytes.len - B, NULL, NULL, 0, ERR_CORRUPT, 0);
    cr_assert_eq(seg_valid_after(fd, SALT, 0, im.bytes.len - B), 0,
                 "no record starts anywhere in it");
    close(fd);
    /* from block 3 on: starts with the LAST */
    put_file(im.bytes.data + 3 * B, im.bytes.len - 3 * B);
    fd = open_ro();
    expect_scan(fd, SALT, 0, im.bytes.len - 3 * B, NULL, NULL, 0, ERR_CORRUPT, 0);
    close(fd);
    /* a valid FULL record, then the orphan MIDDLE at the next block */
    struct image two;
    image_init(&two, SALT, 0);
    struct buf r0 = frame_n(&two, B - H, 2);
    cr_assert_eq(buf_append(&two.bytes, im.bytes.data + B, B), 0);
    put_file(two.bytes.data, two.bytes.len);
    fd = open_ro();
    expect_scan(fd, SALT, 0, two.bytes.len, &r0, two.starts, 1, ERR_CORRUPT, B);
    close(fd);
    buf_free(&r0);
    buf_free(&r);
    image_free(&im);
    image_free(&two);
}

/* A FIRST, then a fragment that starts a record (FULL or FIRST) instead
 * of continuing it. */
Test(segment, record_start_inside_a_record)
{
    struct image a;
    image_init(&a, SALT, 0);
    struct buf ra = frame_n(&a, B, 1); /* FIRST fills block 0, LAST in block 1 */
    cr_assert_eq(a.bytes.data[6], SEG_FIRST);
    for (int v = 0; v < 2; v++) {
        struct buf f = BUF_INIT, other = record(v ? 2 * B : 10, 2), out = BUF_INIT;
        uint64_t end;
        cr_assert_eq(buf_append(&f, a.bytes.data, B), 0);
        cr_assert_eq(seg_frame(SALT, B, other.data, other.len, &out, &end), 0);
        cr_assert_eq(buf_append(&f, out.data, out.len), 0);
        cr_assert_eq(f.data[B + 6], v ? SEG_FIRST : SEG_FULL);
        put_file(f.data, f.len);
        int fd = open_ro();
        expect_scan(fd, SALT, 0, f.len, NULL, NULL, 0, ERR_CORRUPT, 0);
        cr_assert_eq(seg_valid_after(fd, SALT, 0, f.len), 1, "v=%d: a record starts at block 1",
                     v);
        /* read from block 1, that record is whole */
        uint64_t st = B;
        expect_scan(fd, SALT, B, f.len, &other, &st, 1, 0, f.len);
        close(fd);
        buf_free(&f);
        buf_free(&out);
        buf_free(&other);
    }
    buf_free(&ra);
    image_free(&a);
}

/* seg_valid_after finds a record start (FULL/FIRST) at any offset after
 * pos, in pos's own block too, and nothing past size or under another salt. */
Test(segment, valid_after_finds_record_starts_after_pos)
{
    struct image im;
    image_init(&im, SALT, SEG_HDR);
    struct buf r[4];
    r[0] = frame_n(&im, 100, 1);
    r[1] = frame_n(&im, 100, 2);
    r[2] = frame_n(&im, B - im.bytes.len - H, 3); /* to the block end */
    r[3] = frame_n(&im, 100, 4);                  /* a FULL at block 1 */
    cr_assert_eq(im.starts[3], B);
    put_file(im.bytes.data, im.bytes.len);
    int fd = open_ro();
    cr_assert_eq(seg_valid_after(fd, SALT, im.starts[0], im.bytes.len), 1);
    cr_assert_eq(seg_valid_after(fd, SALT, im.starts[0], B), 1, "r[1] in the same block");
    cr_assert_eq(seg_valid_after(fd, SALT, B - 1, im.bytes.len), 1);
    cr_assert_eq(seg_valid_after(fd, SALT, B, im.bytes.len), 0, "nothing after the last");
    cr_assert_eq(seg_valid_after(fd, SALT, im.starts[2], B), 0, "not past size");
    cr_assert_eq(seg_valid_after(fd, SALT, im.starts[2], B + H + 99), 0,
                 "a fragment cut by size does not validate");
    cr_assert_eq(seg_valid_after(fd, SALT ^ 1, im.starts[0], im.bytes.len), 0);
    close(fd);
    free_recs(r, 4);
    image_free(&im);
}

Test(segment, garbage_and_zeros)
{
    struct buf f = BUF_INIT;
    rnd_seed(5);
    for (size_t i = 0; i < 3 * B; i++)
        cr_assert_eq(buf_putc(&f, (char)rnd()), 0);
    put_file(f.data, f.len);
    int fd = open_ro();
    expect_scan(fd, SALT, SEG_HDR, f.len, NULL, NULL, 0, ERR_CORRUPT, SEG_HDR);
    cr_assert_eq(seg_valid_after(fd, SALT, 0, f.len), 0);
    close(fd);
    memset(f.data, 0, f.len);
    put_file(f.data, f.len);
    fd = open_ro();
    expect_scan(fd, SALT, SEG_HDR, f.len, NULL, NULL, 0, ERR_CORRUPT, SEG_HDR);
    cr_assert_eq(seg_valid_after(fd, SALT, 0, f.len), 0);
    /* fewer than 7 bytes before the end: a torn fragment header */
    expect_scan(fd, SALT, SEG_HDR, SEG_HDR + 3, NULL, NULL, 0, ERR_CORRUPT, SEG_HDR);
    /* nothing at all: a clean end */
    expect_scan(fd, SALT, SEG_HDR, SEG_HDR, NULL, NULL, 0, 0, SEG_HDR);
    close(fd);
    buf_free(&f);
}

Test(segment, read_error_is_returned)
{
    struct seg_scan s;
    uint64_t at;
    seg_scan_init(&s, -1, SALT, 0, 1000);
    cr_assert_eq(seg_scan_next(&s, &at), -EBADF);
    seg_scan_free(&s);
    seg_scan_free(&s); /* twice is harmless */
}
