/*
 * codec_test.c — payload compression (store/codec.h): names and parsing;
 * round trips of every codec (none, lz4, zstd) over empty, tiny, text,
 * highly compressible and incompressible (seeded random) inputs, appending
 * after bytes already in the output buffer; that lz4 and zstd do compress
 * and none is a plain copy. Failure cases: a wrong raw_len (smaller,
 * larger, zero, absurdly large), every truncated prefix, seeded byte flips
 * and garbage, another codec's bytes, an unknown codec id — each returns
 * ERR_CORRUPT (or, for a flip the format cannot detect, exactly raw_len
 * bytes) and leaves the output buffer's length alone; never a crash (the
 * tests run under ASan and UBSan).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "util/buf.h"
#include "util/err.h"

static const enum codec_id all[] = {CODEC_NONE, CODEC_LZ4, CODEC_ZSTD};
#define NCODECS (sizeof(all) / sizeof(all[0]))

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

enum input_kind { IN_RANDOM, IN_TEXT, IN_REPEAT, IN_ZEROS };

/* n bytes of the given kind into a fresh buf. */
static struct buf input(enum input_kind k, size_t n, uint64_t seed)
{
    struct buf b = BUF_INIT;
    rnd_seed(seed);
    cr_assert_eq(buf_reserve(&b, n), 0);
    for (size_t i = 0; i < n; i++) {
        char c;
        switch (k) {
        case IN_RANDOM: c = (char)rnd(); break;
        case IN_TEXT: {
            static const char words[] = "{\"ts\":\"2024-07-10 11:38:14.878\",\"user\":\"alice\","
                                        "\"value\":42,\"tags\":[\"a\",\"b\"]}\n";
            c = (i % 97 == 0) ? (char)('0' + rnd() % 10) : words[i % (sizeof(words) - 1)];
            break;
        }
        case IN_REPEAT: c = (char)("abcdefgh"[i % 8]); break;
        default: c = 0; break;
        }
        b.data[b.len++] = c;
    }
    return b;
}

/* Compress src with c into a buf that already holds a prefix; return the
 * compressed bytes alone. */
static struct buf compress(enum codec_id c, const struct buf *src)
{
    struct buf out = BUF_INIT;
    cr_assert_eq(buf_puts(&out, "prefix"), 0);
    int rc = codec_compress(c, src->data, src->len, &out);
    cr_assert_eq(rc, 0, "%s compress of %zu bytes: %d", codec_name(c), src->len, rc);
    cr_assert(out.len >= 6 && memcmp(out.data, "prefix", 6) == 0, "the prefix is kept");
    struct buf z = BUF_INIT;
    cr_assert_eq(buf_append(&z, out.data + 6, out.len - 6), 0);
    buf_free(&out);
    return z;
}

/* Decompress into a buf holding a prefix; on success check the result
 * equals want (when want is not NULL); the buf's length must not change on
 * failure. Returns the codec's return code. */
static int decompress_check(enum codec_id c, const void *z, size_t zn, size_t raw_len,
                            const struct buf *want)
{
    struct buf out = BUF_INIT;
    cr_assert_eq(buf_puts(&out, "pre"), 0);
    int rc = codec_decompress(c, z, zn, raw_len, &out);
    if (rc == 0) {
        cr_assert_eq(out.len, 3 + raw_len, "%s: success appends exactly raw_len bytes",
                     codec_name(c));
        if (want) {
            cr_assert_eq(want->len, raw_len);
            cr_assert(raw_len == 0 || memcmp(out.data + 3, want->data, raw_len) == 0,
                      "%s: bytes differ", codec_name(c));
        }
    } else {
        cr_assert_eq(out.len, 3, "%s: a failed decompress appends nothing (rc %d)",
                     codec_name(c), rc);
    }
    cr_assert(memcmp(out.data, "pre", 3) == 0, "the prefix is kept");
    buf_free(&out);
    return rc;
}

static void round_trip(enum codec_id c, const struct buf *src)
{
    struct buf z = compress(c, src);
    int rc = decompress_check(c, z.data, z.len, src->len, src);
    cr_assert_eq(rc, 0, "%s round trip of %zu bytes: %d", codec_name(c), src->len, rc);
    buf_free(&z);
}

/* --- names --------------------------------------------------------------- */

Test(codec, names_and_parse)
{
    cr_assert_str_eq(codec_name(CODEC_NONE), "none");
    cr_assert_str_eq(codec_name(CODEC_LZ4), "lz4");
    cr_assert_str_eq(codec_name(CODEC_ZSTD), "zstd");
    cr_assert_str_eq(codec_name(CODEC_END), "unknown");
    cr_assert_str_eq(codec_name((enum codec_id)200), "unknown");
    static const struct {
        const char *name;
        enum codec_id id;
    } ok[] = {{"none", CODEC_NONE}, {"lz4", CODEC_LZ4}, {"zstd", CODEC_ZSTD},
              {"NONE", CODEC_NONE}, {"Lz4", CODEC_LZ4}, {"ZSTD", CODEC_ZSTD}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        enum codec_id id = CODEC_END;
        cr_assert_eq(codec_parse(ok[i].name, &id), 0, "%s", ok[i].name);
        cr_assert_eq(id, ok[i].id, "%s", ok[i].name);
    }
    static const char *const bad[] = {"", "gzip", "lz", "lz4 ", " zstd", "zstd1", "unknown",
                                      "lz4hc"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum codec_id id = CODEC_ZSTD;
        cr_assert_eq(codec_parse(bad[i], &id), -EINVAL, "'%s'", bad[i]);
        cr_assert_eq(id, CODEC_ZSTD, "'%s' leaves the output alone", bad[i]);
    }
}

/* --- round trips --------------------------------------------------------- */

Test(codec, round_trip_every_codec_and_input)
{
    static const size_t sizes[] = {0, 1, 2, 7, 15, 64, 1000, 4096, 65535, 65536, 65537, 300000};
    for (size_t ci = 0; ci < NCODECS; ci++)
        for (int k = IN_RANDOM; k <= IN_ZEROS; k++)
            for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
                struct buf src = input((enum input_kind)k, sizes[si], si * 31 + (size_t)k);
                round_trip(all[ci], &src);
                buf_free(&src);
            }
}

Test(codec, round_trip_large)
{
    /* 8 MiB: more than lz4's and zstd's internal block sizes */
    struct buf text = input(IN_TEXT, 8u << 20, 7);
    struct buf random = input(IN_RANDOM, 3u << 20, 8);
    for (size_t ci = 0; ci < NCODECS; ci++) {
        round_trip(all[ci], &text);
        round_trip(all[ci], &random);
    }
    buf_free(&text);
    buf_free(&random);
}

Test(codec, compresses_and_none_is_a_copy)
{
    struct buf src = input(IN_TEXT, 1u << 20, 3);
    struct buf none = compress(CODEC_NONE, &src);
    cr_assert_eq(none.len, src.len);
    cr_assert(memcmp(none.data, src.data, src.len) == 0, "none stores the bytes as they are");
    struct buf lz4 = compress(CODEC_LZ4, &src);
    struct buf zstd = compress(CODEC_ZSTD, &src);
    cr_assert(lz4.len < src.len / 4, "lz4: %zu of %zu", lz4.len, src.len);
    cr_assert(zstd.len < src.len / 4, "zstd: %zu of %zu", zstd.len, src.len);
    buf_free(&none);
    buf_free(&lz4);
    buf_free(&zstd);
    buf_free(&src);
}

Test(codec, compress_is_deterministic)
{
    struct buf src = input(IN_TEXT, 100000, 11);
    for (size_t ci = 0; ci < NCODECS; ci++) {
        struct buf a = compress(all[ci], &src), b = compress(all[ci], &src);
        cr_assert_eq(a.len, b.len);
        cr_assert(memcmp(a.data, b.data, a.len) == 0, "%s", codec_name(all[ci]));
        buf_free(&a);
        buf_free(&b);
    }
    buf_free(&src);
}

Test(codec, unknown_codec)
{
    struct buf out = BUF_INIT;
    cr_assert_eq(codec_compress(CODEC_END, "abc", 3, &out), -EINVAL);
    cr_assert_eq(codec_compress((enum codec_id)99, "abc", 3, &out), -EINVAL);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(decompress_check(CODEC_END, "abc", 3, 3, NULL), ERR_CORRUPT);
    cr_assert_eq(decompress_check((enum codec_id)99, "abc", 3, 3, NULL), ERR_CORRUPT);
    buf_free(&out);
}

/* --- failures ------------------------------------------------------------ */

Test(codec, wrong_raw_len_is_corrupt)
{
    static const size_t sizes[] = {1, 10, 5000, 200000};
    for (size_t ci = 0; ci < NCODECS; ci++)
        for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
            struct buf src = input(IN_TEXT, sizes[si], si);
            struct buf z = compress(all[ci], &src);
            size_t n = src.len;
            const size_t wrong[] = {0, n - 1, n + 1, n * 2, n + 65536, n / 2};
            for (size_t w = 0; w < sizeof(wrong) / sizeof(wrong[0]); w++) {
                if (wrong[w] == n)
                    continue;
                int rc = decompress_check(all[ci], z.data, z.len, wrong[w], NULL);
                cr_assert_eq(rc, ERR_CORRUPT, "%s, %zu bytes, raw_len %zu: %d",
                             codec_name(all[ci]), n, wrong[w], rc);
            }
            buf_free(&z);
            buf_free(&src);
        }
}

/* An empty input compresses to something that only decodes with raw_len 0. */
Test(codec, empty_input_wrong_raw_len)
{
    struct buf src = BUF_INIT;
    for (size_t ci = 0; ci < NCODECS; ci++) {
        struct buf z = compress(all[ci], &src);
        cr_assert_eq(decompress_check(all[ci], z.data, z.len, 0, &src), 0);
        cr_assert_eq(decompress_check(all[ci], z.data, z.len, 1, NULL), ERR_CORRUPT,
                     "%s", codec_name(all[ci]));
        cr_assert_eq(decompress_check(all[ci], z.data, z.len, 100, NULL), ERR_CORRUPT,
                     "%s", codec_name(all[ci]));
        buf_free(&z);
    }
}

/*
 * Was a defect (now fixed): src/store/codec.c, codec_decompress: raw_len is trusted before any
 * check: buf_reserve(out, raw_len) runs first. With raw_len near SIZE_MAX,
 * buf_reserve's `b->len + extra + 1` wraps around (src/util/buf.c) so it
 * "succeeds" without growing the buffer, and ZSTD_decompress is then told
 * the destination holds raw_len bytes: it writes the frame's content past
 * the end of a 64-byte allocation (ASan: SEGV/heap-buffer-overflow on a
 * write in libzstd). With a merely huge raw_len (1 TiB) the reservation
 * itself fails: -ENOMEM, or under ASan an allocation-size-too-big abort
 * (none, lz4 and zstd alike). Should: return ERR_CORRUPT without writing or
 * reserving anything (e.g. compare raw_len with the zstd frame's content
 * size, with LZ4_MAX_INPUT_SIZE for lz4 and with n for none before
 * reserving; and buf_reserve should fail on overflow). The log itself only
 * passes a checksummed uint32 raw_len, so this is reachable through the
 * codec API, not through log_read.
 */
Test(codec, absurd_raw_len_is_corrupt)
{
    struct buf src = input(IN_TEXT, 1000, 5);
    const size_t absurd[] = {SIZE_MAX, SIZE_MAX - 5, (size_t)1 << 40};
    for (size_t ci = 0; ci < NCODECS; ci++) {
        struct buf z = compress(all[ci], &src);
        for (size_t a = 0; a < sizeof(absurd) / sizeof(absurd[0]); a++) {
            int rc = decompress_check(all[ci], z.data, z.len, absurd[a], NULL);
            cr_assert_eq(rc, ERR_CORRUPT, "%s raw_len %zu: %d", codec_name(all[ci]), absurd[a],
                         rc);
        }
        buf_free(&z);
    }
    buf_free(&src);
}

/* What the log can pass: a uint32 raw_len far larger than the data. */
Test(codec, large_wrong_raw_len_is_corrupt)
{
    struct buf src = input(IN_TEXT, 1000, 5);
    for (size_t ci = 0; ci < NCODECS; ci++) {
        struct buf z = compress(all[ci], &src);
        int rc = decompress_check(all[ci], z.data, z.len, 64u << 20, NULL);
        cr_assert_eq(rc, ERR_CORRUPT, "%s: %d", codec_name(all[ci]), rc);
        buf_free(&z);
    }
    buf_free(&src);
}

Test(codec, every_truncated_prefix_is_corrupt)
{
    for (size_t ci = 0; ci < NCODECS; ci++)
        for (int k = IN_RANDOM; k <= IN_REPEAT; k++) {
            struct buf src = input((enum input_kind)k, 3000, (uint64_t)k + 100);
            struct buf z = compress(all[ci], &src);
            cr_assert(z.len > 0);
            for (size_t cut = 0; cut < z.len; cut++) {
                int rc = decompress_check(all[ci], z.data, cut, src.len, NULL);
                cr_assert_eq(rc, ERR_CORRUPT, "%s input %d cut at %zu of %zu: %d",
                             codec_name(all[ci]), k, cut, z.len, rc);
            }
            buf_free(&z);
            buf_free(&src);
        }
}

Test(codec, truncated_large_input_is_corrupt)
{
    struct buf src = input(IN_TEXT, 1u << 20, 9);
    for (size_t ci = 0; ci < NCODECS; ci++) {
        struct buf z = compress(all[ci], &src);
        rnd_seed(ci + 1);
        for (int i = 0; i < 200; i++) {
            size_t cut = (size_t)(rnd() % z.len);
            cr_assert_eq(decompress_check(all[ci], z.data, cut, src.len, NULL), ERR_CORRUPT,
                         "%s cut at %zu", codec_name(all[ci]), cut);
        }
        cr_assert_eq(decompress_check(all[ci], z.data, z.len - 1, src.len, NULL), ERR_CORRUPT);
        buf_free(&z);
    }
    buf_free(&src);
}

/* Trailing bytes after a complete stream. */
Test(codec, trailing_bytes_are_corrupt)
{
    struct buf src = input(IN_TEXT, 5000, 12);
    for (size_t ci = 0; ci < NCODECS; ci++) {
        struct buf z = compress(all[ci], &src);
        cr_assert_eq(buf_append(&z, "\x00\x01\x02\x03\x04\x05\x06\x07", 8), 0);
        int rc = decompress_check(all[ci], z.data, z.len, src.len, NULL);
        cr_assert_eq(rc, ERR_CORRUPT, "%s: %d", codec_name(all[ci]), rc);
        buf_free(&z);
    }
    buf_free(&src);
}

/*
 * Flipped bytes: lz4 blocks and zstd frames (no content checksum) cannot
 * detect every flip, so the contract is: ERR_CORRUPT, or success with
 * exactly raw_len bytes — and no crash, no write past the buffer.
 */
Test(codec, flipped_bytes_never_crash)
{
    for (size_t ci = 0; ci < NCODECS; ci++)
        for (int k = IN_RANDOM; k <= IN_REPEAT; k++) {
            struct buf src = input((enum input_kind)k, 2000, (uint64_t)k + 40);
            struct buf z = compress(all[ci], &src);
            static const unsigned char masks[] = {0x01, 0x80, 0xff, 0x10};
            for (size_t at = 0; at < z.len; at++)
                for (size_t m = 0; m < sizeof(masks); m++) {
                    z.data[at] ^= (char)masks[m];
                    int rc = decompress_check(all[ci], z.data, z.len, src.len, NULL);
                    cr_assert(rc == 0 || rc == ERR_CORRUPT, "%s flip at %zu: %d",
                              codec_name(all[ci]), at, rc);
                    z.data[at] ^= (char)masks[m];
                }
            /* and the unflipped stream still decodes */
            cr_assert_eq(decompress_check(all[ci], z.data, z.len, src.len, &src), 0);
            buf_free(&z);
            buf_free(&src);
        }
}

/* Flips in a zstd frame's header are detected (magic, frame descriptor). */
Test(codec, zstd_header_damage_is_corrupt)
{
    struct buf src = input(IN_TEXT, 4000, 13);
    struct buf z = compress(CODEC_ZSTD, &src);
    for (size_t at = 0; at < 4; at++) { /* the magic number */
        z.data[at] ^= 0x01;
        cr_assert_eq(decompress_check(CODEC_ZSTD, z.data, z.len, src.len, NULL), ERR_CORRUPT,
                     "magic byte %zu", at);
        z.data[at] ^= 0x01;
    }
    buf_free(&z);
    buf_free(&src);
}

Test(codec, random_garbage_never_crashes)
{
    rnd_seed(2024);
    struct buf g = BUF_INIT;
    for (int i = 0; i < 3000; i++) {
        size_t n = (size_t)(rnd() % 600);
        buf_reset(&g);
        cr_assert_eq(buf_reserve(&g, n), 0);
        for (size_t j = 0; j < n; j++)
            g.data[g.len++] = (char)rnd();
        if (n >= 4 && i % 3 == 0)
            memcpy(g.data, "\x28\xb5\x2f\xfd", 4); /* a zstd magic number in front */
        size_t raw_len = (size_t)(rnd() % 5000);
        for (size_t ci = 0; ci < NCODECS; ci++) {
            int rc = decompress_check(all[ci], g.data, g.len, raw_len, NULL);
            cr_assert(rc == 0 || rc == ERR_CORRUPT, "%s garbage %d: %d", codec_name(all[ci]), i,
                      rc);
        }
    }
    buf_free(&g);
}

Test(codec, other_codecs_bytes_are_corrupt)
{
    struct buf src = input(IN_TEXT, 20000, 14);
    struct buf lz4 = compress(CODEC_LZ4, &src), zstd = compress(CODEC_ZSTD, &src);
    cr_assert_eq(decompress_check(CODEC_ZSTD, lz4.data, lz4.len, src.len, NULL), ERR_CORRUPT);
    cr_assert_eq(decompress_check(CODEC_LZ4, zstd.data, zstd.len, src.len, NULL), ERR_CORRUPT);
    cr_assert_eq(decompress_check(CODEC_NONE, zstd.data, zstd.len, src.len, NULL), ERR_CORRUPT);
    cr_assert_eq(decompress_check(CODEC_NONE, lz4.data, lz4.len, src.len, NULL), ERR_CORRUPT);
    buf_free(&lz4);
    buf_free(&zstd);
    buf_free(&src);
}
