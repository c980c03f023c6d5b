/*
 * log_test.c — the stream log (store/log.h): append/read round trips,
 * dense sequence numbers across appends and reopens, log_get_info, and the
 * named recovery cases: the last record torn at every byte offset, garbage
 * after the last record, a flipped byte anywhere in the last record, and a
 * record corrupted on disk after open. Fault injection: a failed or short
 * write leaves nothing of its record behind and the next append succeeds;
 * an fsync failure is returned by log_sync.
 *
 * Each test gets a fresh directory under /tmp, removed at the end.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/os.h"
#include "store/log.h"
#include "util/err.h"
#include "util/msg.h"

static char tmpdir[64];
static char logdir[128];
static char logfile[160];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_log_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(logdir, sizeof(logdir), "%s/s1", tmpdir);
    snprintf(logfile, sizeof(logfile), "%s/log", logdir);
    msg_set_level(MSG_ERROR); /* recovery warnings are expected here */
}

static void teardown(void)
{
    os_fault_clear();
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

TestSuite(log, .init = setup, .fini = teardown);

/* Rows are (v int64, s nullable(string), _tp_time datetime64(3)). */
static const struct ty cols[3] = {{TY_INT64, 0, 0}, {TY_STRING, 1, 0}, {TY_DATETIME64, 0, 3}};

/* A block of n rows: v = first..first+n-1, s = "row-v" (NULL when v % 5 == 0),
 * _tp_time = t0 + 10 * (v - first). */
static struct blk *rows(int64_t first, uint32_t n, int64_t t0)
{
    struct blk *b = NULL;
    cr_assert_eq(blk_create(cols, 3, &b), 0);
    for (uint32_t i = 0; i < n; i++) {
        int64_t v = first + i;
        char s[32];
        int len = snprintf(s, sizeof(s), "row-%lld", (long long)v);
        int64_t t = t0 + 10 * (int64_t)i;
        cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
        if (v % 5 == 0)
            cr_assert_eq(col_push_null(&b->cols[1]), 0);
        else
            cr_assert_eq(col_push_str(&b->cols[1], s, (size_t)len), 0);
        cr_assert_eq(col_push_fixed(&b->cols[2], &t), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    return b;
}

/* Check b is exactly rows(first, n, t0). */
static void expect_rows(const struct blk *b, int64_t first, uint32_t n, int64_t t0)
{
    cr_assert_eq(b->ncols, 3);
    cr_assert_eq(b->nrows, n, "nrows %u, want %u", b->nrows, n);
    for (uint32_t i = 0; i < n; i++) {
        int64_t v = first + i;
        cr_assert_eq(COL_AT(&b->cols[0], int64_t, i), v);
        cr_assert_eq(COL_AT(&b->cols[2], int64_t, i), t0 + 10 * (int64_t)i);
        if (v % 5 == 0) {
            cr_assert(col_is_null(&b->cols[1], i), "row %lld null", (long long)v);
            continue;
        }
        char s[32];
        int len = snprintf(s, sizeof(s), "row-%lld", (long long)v);
        size_t got;
        const char *p = col_str(&b->cols[1], i, &got);
        cr_assert_eq(got, (size_t)len);
        cr_assert(memcmp(p, s, got) == 0);
    }
}

static struct log *open_log(void)
{
    struct log *l = NULL;
    int rc = log_open(logdir, &l);
    cr_assert_eq(rc, 0, "log_open: %d", rc);
    cr_assert_not_null(l);
    return l;
}

static uint64_t append(struct log *l, int64_t first, uint32_t n, int64_t t0)
{
    struct blk *b = rows(first, n, t0);
    uint64_t sn = UINT64_MAX;
    int rc = log_append(l, b, &sn);
    cr_assert_eq(rc, 0, "log_append: %d", rc);
    blk_unref(b);
    return sn;
}

static void expect_record(struct log *l, uint64_t idx, uint64_t want_sn, int64_t first,
                          uint32_t n, int64_t t0)
{
    struct blk *b = NULL;
    uint64_t sn = UINT64_MAX;
    int rc = log_read(l, idx, &b, &sn);
    cr_assert_eq(rc, 0, "log_read(%llu): %d", (unsigned long long)idx, rc);
    cr_assert_eq(sn, want_sn, "record %llu first sn %llu, want %llu", (unsigned long long)idx,
                 (unsigned long long)sn, (unsigned long long)want_sn);
    expect_rows(b, first, n, t0);
    blk_unref(b);
}

static struct log_info info(struct log *l)
{
    struct log_info li;
    memset(&li, 0xab, sizeof(li));
    log_get_info(l, &li);
    return li;
}

static off_t file_size(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "stat %s", path);
    return st.st_size;
}

/* The log file's bytes. */
static struct buf file_bytes(void)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(os_read_file(logfile, &b), 0);
    return b;
}

/* Replace the log file with n bytes of p. */
static void put_file(const void *p, size_t n)
{
    int fd = open(logfile, O_WRONLY | O_TRUNC | O_CREAT, 0644);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, p, n), (ssize_t)n);
    cr_assert_eq(close(fd), 0);
}

/*
 * The standard three-record log used by the recovery tests:
 *   record 0: v 1..4   (4 rows, sn 0..3,  t 1000..)
 *   record 1: v 10..12 (3 rows, sn 4..6,  t 500..)
 *   record 2: v 20..26 (7 rows, sn 7..13, t 2000..)
 * *last_start is the file offset where record 2 begins, *end the file size.
 */
static void build_three(size_t *last_start, size_t *end)
{
    struct log *l = open_log();
    append(l, 1, 4, 1000);
    append(l, 10, 3, 500);
    *last_start = (size_t)info(l).bytes;
    append(l, 20, 7, 2000);
    *end = (size_t)info(l).bytes;
    log_close(l);
    cr_assert_eq((size_t)file_size(logfile), *end);
}

/* After losing record 2: the first two are intact, and appending goes on
 * from sequence number 7 at file offset good_end. */
static void expect_first_two_then_append(size_t good_end)
{
    struct log *l = open_log();
    struct log_info li = info(l);
    cr_assert_eq(li.records, 2);
    cr_assert_eq(li.next_sn, 7);
    cr_assert_eq(li.bytes, good_end);
    cr_assert_eq(li.min_time_ms, 500);
    cr_assert_eq(li.max_time_ms, 1030);
    cr_assert_eq((size_t)file_size(logfile), good_end, "the torn tail is cut off the file");
    expect_record(l, 0, 0, 1, 4, 1000);
    expect_record(l, 1, 4, 10, 3, 500);
    struct blk *none = NULL;
    uint64_t sn;
    cr_assert_eq(log_read(l, 2, &none, &sn), -ERANGE);
    cr_assert_eq(append(l, 30, 2, 3000), 7, "the sequence continues after the dropped record");
    expect_record(l, 2, 7, 30, 2, 3000);
    log_close(l);

    /* and that survives another reopen */
    l = open_log();
    li = info(l);
    cr_assert_eq(li.records, 3);
    cr_assert_eq(li.next_sn, 9);
    expect_record(l, 2, 7, 30, 2, 3000);
    log_close(l);
}

/* --- round trips -------------------------------------------------------- */

Test(log, empty)
{
    struct log *l = open_log();
    struct log_info li = info(l);
    cr_assert_eq(li.next_sn, 0);
    cr_assert_eq(li.records, 0);
    cr_assert_eq(li.bytes, 0);
    cr_assert_eq(li.min_time_ms, INT64_MAX);
    cr_assert_eq(li.max_time_ms, INT64_MIN);
    struct blk *b = NULL;
    uint64_t sn;
    cr_assert_eq(log_read(l, 0, &b, &sn), -ERANGE);
    cr_assert_null(b);
    cr_assert_eq(log_sync(l), 0);
    log_close(l);
    log_close(NULL);
    cr_assert_eq(file_size(logfile), 0, "the log file exists");
}

Test(log, append_read_round_trip)
{
    struct log *l = open_log();
    cr_assert_eq(append(l, 1, 3, 100), 0);
    cr_assert_eq(append(l, 100, 1, 50), 3);
    cr_assert_eq(append(l, 7, 250, 9000), 4);
    expect_record(l, 0, 0, 1, 3, 100);
    expect_record(l, 1, 3, 100, 1, 50);
    expect_record(l, 2, 4, 7, 250, 9000);
    /* reading the same record twice gives the same thing */
    expect_record(l, 0, 0, 1, 3, 100);
    log_close(l);
}

Test(log, append_without_first_sn_out)
{
    struct log *l = open_log();
    struct blk *b = rows(1, 2, 0);
    cr_assert_eq(log_append(l, b, NULL), 0);
    blk_unref(b);
    cr_assert_eq(info(l).next_sn, 2);
    log_close(l);
}

Test(log, sequence_dense_across_reopen)
{
    uint64_t expect_sn = 0;
    int64_t v = 1;
    for (int round = 0; round < 5; round++) {
        struct log *l = open_log();
        cr_assert_eq(info(l).next_sn, expect_sn);
        cr_assert_eq(info(l).records, (uint64_t)round * 3);
        for (int k = 0; k < 3; k++) {
            uint32_t n = (uint32_t)(1 + (round * 3 + k) % 4);
            cr_assert_eq(append(l, v, n, v * 100), expect_sn);
            expect_sn += n;
            v += n;
        }
        log_close(l);
    }
    /* every record reads back with its rows and first sequence number */
    struct log *l = open_log();
    uint64_t sn = 0;
    v = 1;
    for (uint64_t idx = 0; idx < 15; idx++) {
        uint32_t n = (uint32_t)(1 + idx % 4);
        expect_record(l, idx, sn, v, n, v * 100);
        sn += n;
        v += n;
    }
    cr_assert_eq(info(l).next_sn, sn);
    log_close(l);
}

Test(log, info_counts_and_times)
{
    struct log *l = open_log();
    append(l, 1, 4, 1000); /* times 1000..1030 */
    struct log_info li = info(l);
    cr_assert_eq(li.next_sn, 4);
    cr_assert_eq(li.records, 1);
    cr_assert_eq(li.min_time_ms, 1000);
    cr_assert_eq(li.max_time_ms, 1030);
    cr_assert_eq(li.bytes, (uint64_t)file_size(logfile));
    cr_assert(li.bytes > LOG_HDR);
    append(l, 10, 3, 500); /* 500..520: a new minimum */
    append(l, 20, 2, -5);  /* times before the epoch work too */
    append(l, 30, 1, 99999);
    li = info(l);
    cr_assert_eq(li.next_sn, 10);
    cr_assert_eq(li.records, 4);
    cr_assert_eq(li.min_time_ms, -5);
    cr_assert_eq(li.max_time_ms, 99999);
    cr_assert_eq(li.bytes, (uint64_t)file_size(logfile));
    log_close(l);

    l = open_log();
    struct log_info again = info(l);
    cr_assert_eq(again.next_sn, li.next_sn);
    cr_assert_eq(again.records, li.records);
    cr_assert_eq(again.bytes, li.bytes);
    cr_assert_eq(again.min_time_ms, li.min_time_ms, "min time recovered from the headers");
    cr_assert_eq(again.max_time_ms, li.max_time_ms);
    log_close(l);
}

Test(log, record_size_is_header_plus_payload)
{
    struct log *l = open_log();
    struct blk *b = rows(1, 6, 0);
    struct buf s = BUF_INIT;
    cr_assert_eq(blk_serialize(b, &s), 0);
    cr_assert_eq(log_append(l, b, NULL), 0);
    cr_assert_eq(info(l).bytes, LOG_HDR + s.len);
    buf_free(&s);
    blk_unref(b);
    log_close(l);
    /* the header starts with the magic "SFR1" */
    struct buf f = file_bytes();
    cr_assert(memcmp(f.data, "SFR1", 4) == 0);
    buf_free(&f);
}

Test(log, zero_row_block)
{
    struct log *l = open_log();
    append(l, 1, 2, 100);
    cr_assert_eq(append(l, 5, 0, 0), 2, "an empty block takes no sequence numbers");
    cr_assert_eq(append(l, 3, 1, 200), 2);
    struct log_info li = info(l);
    cr_assert_eq(li.records, 3);
    cr_assert_eq(li.next_sn, 3);
    cr_assert_eq(li.min_time_ms, 100);
    cr_assert_eq(li.max_time_ms, 200, "an empty block does not touch the time range");
    expect_record(l, 1, 2, 5, 0, 0);
    log_close(l);
    l = open_log();
    li = info(l);
    cr_assert_eq(li.records, 3);
    cr_assert_eq(li.next_sn, 3);
    cr_assert_eq(li.min_time_ms, 100);
    cr_assert_eq(li.max_time_ms, 200);
    log_close(l);
}

Test(log, large_block)
{
    struct log *l = open_log();
    cr_assert_eq(append(l, 1, 100000, 0), 0);
    cr_assert_eq(append(l, 200000, 3, 7), 100000);
    log_close(l);
    l = open_log();
    expect_record(l, 0, 0, 1, 100000, 0);
    expect_record(l, 1, 100000, 200000, 3, 7);
    log_close(l);
}

Test(log, open_creates_directory)
{
    cr_assert_eq(os_exists(logdir), 0);
    struct log *l = open_log();
    cr_assert_eq(os_exists(logdir), 1);
    log_close(l);
}

/* --- recovery ----------------------------------------------------------- */

Test(log, torn_last_record_at_every_offset)
{
    size_t start, end;
    build_three(&start, &end);
    struct buf orig = file_bytes();
    cr_assert_eq(orig.len, end);
    for (size_t cut = start; cut < end; cut++) {
        put_file(orig.data, cut);
        struct log *l = open_log();
        struct log_info li = info(l);
        cr_assert_eq(li.records, 2, "cut at %zu: %llu records", cut,
                     (unsigned long long)li.records);
        cr_assert_eq(li.next_sn, 7, "cut at %zu", cut);
        cr_assert_eq(li.bytes, start, "cut at %zu", cut);
        cr_assert_eq((size_t)file_size(logfile), start, "cut at %zu: tail truncated", cut);
        expect_record(l, 0, 0, 1, 4, 1000);
        expect_record(l, 1, 4, 10, 3, 500);
        cr_assert_eq(append(l, 30, 2, 3000), 7, "cut at %zu", cut);
        expect_record(l, 2, 7, 30, 2, 3000);
        log_close(l);
    }
    /* the last one in full detail, including a second reopen */
    put_file(orig.data, end - 1);
    expect_first_two_then_append(start);
    buf_free(&orig);
}

Test(log, torn_first_record_leaves_empty_log)
{
    struct log *l = open_log();
    append(l, 1, 4, 1000);
    size_t end = (size_t)info(l).bytes;
    log_close(l);
    struct buf orig = file_bytes();
    for (size_t cut = 1; cut < end; cut++) {
        put_file(orig.data, cut);
        l = open_log();
        cr_assert_eq(info(l).records, 0, "cut at %zu", cut);
        cr_assert_eq(info(l).next_sn, 0);
        cr_assert_eq(file_size(logfile), 0);
        cr_assert_eq(append(l, 1, 1, 0), 0);
        log_close(l);
    }
    buf_free(&orig);
}

Test(log, garbage_after_last_record_dropped)
{
    size_t start, end;
    build_three(&start, &end);
    struct buf orig = file_bytes();
    static const size_t lens[] = {1, 7, LOG_HDR - 1, LOG_HDR, LOG_HDR + 1, 100, 5000};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
        for (int pattern = 0; pattern < 3; pattern++) {
            struct buf f = BUF_INIT;
            cr_assert_eq(buf_append(&f, orig.data, orig.len), 0);
            uint32_t seed = (uint32_t)(k * 3 + (size_t)pattern + 1);
            for (size_t i = 0; i < lens[k]; i++) {
                seed = seed * 1103515245u + 12345u;
                char c = pattern == 0 ? 0 : pattern == 1 ? (char)(seed >> 16) : '\xff';
                cr_assert_eq(buf_putc(&f, c), 0);
            }
            if (pattern == 1 && lens[k] >= 4)
                memcpy(f.data + orig.len, "SFR1", 4); /* looks like a header, is not one */
            put_file(f.data, f.len);
            buf_free(&f);
            struct log *l = open_log();
            struct log_info li = info(l);
            cr_assert_eq(li.records, 3, "garbage %zu bytes pattern %d", lens[k], pattern);
            cr_assert_eq(li.next_sn, 14);
            cr_assert_eq(li.bytes, end);
            cr_assert_eq((size_t)file_size(logfile), end, "garbage cut off");
            expect_record(l, 2, 7, 20, 7, 2000);
            cr_assert_eq(append(l, 40, 1, 1), 14);
            log_close(l);
        }
    buf_free(&orig);
}

Test(log, stale_copy_of_a_record_after_the_end_dropped)
{
    /* the bytes of an earlier, valid record repeated after the end: its
     * sequence number does not follow on, so it is not a record of this log */
    size_t start, end;
    build_three(&start, &end);
    struct buf orig = file_bytes();
    struct buf f = BUF_INIT;
    cr_assert_eq(buf_append(&f, orig.data, orig.len), 0);
    cr_assert_eq(buf_append(&f, orig.data + start, end - start), 0);
    put_file(f.data, f.len);
    struct log *l = open_log();
    cr_assert_eq(info(l).records, 3);
    cr_assert_eq(info(l).next_sn, 14);
    cr_assert_eq((size_t)file_size(logfile), end);
    log_close(l);
    buf_free(&f);
    buf_free(&orig);
}

Test(log, flipped_byte_in_last_record_drops_it)
{
    size_t start, end;
    build_three(&start, &end);
    struct buf orig = file_bytes();
    /* every byte of the last record: magic, checksum, header fields, payload */
    for (size_t at = start; at < end; at++) {
        orig.data[at] ^= 0x20;
        put_file(orig.data, orig.len);
        orig.data[at] ^= 0x20;
        struct log *l = open_log();
        struct log_info li = info(l);
        cr_assert_eq(li.records, 2, "flip at %zu (record offset %zu)", at, at - start);
        cr_assert_eq(li.next_sn, 7, "flip at %zu", at);
        cr_assert_eq((size_t)file_size(logfile), start, "flip at %zu", at);
        expect_record(l, 1, 4, 10, 3, 500);
        log_close(l);
    }
    /* the payload case in full detail */
    orig.data[end - 3] ^= 0x01;
    put_file(orig.data, orig.len);
    expect_first_two_then_append(start);
    buf_free(&orig);
}

/* Only a torn tail may be truncated: a bad record followed by valid
 * records is corruption in the middle, and log_open fails with
 * ERR_CORRUPT leaving the file untouched (STYLE.md 8). */
Test(log, corruption_before_last_record_is_an_error)
{
    size_t start, end;
    build_three(&start, &end);
    struct buf orig = file_bytes();
    orig.data[LOG_HDR + 5] ^= 0x10; /* a payload byte of record 0 */
    put_file(orig.data, orig.len);
    struct log *l = NULL;
    cr_assert_eq(log_open(logdir, &l), ERR_CORRUPT);
    cr_assert_null(l);
    cr_assert_eq((size_t)file_size(logfile), end, "nothing is cut off");
    buf_free(&orig);
}

Test(log, corruption_after_open_detected_on_read)
{
    struct log *l = open_log();
    append(l, 1, 4, 1000);
    size_t second = (size_t)info(l).bytes;
    append(l, 10, 3, 500);
    size_t end = (size_t)info(l).bytes;
    /* flip a payload byte of record 0 behind the log's back */
    int fd = open(logfile, O_RDWR);
    cr_assert(fd >= 0);
    unsigned char c;
    cr_assert_eq(pread(fd, &c, 1, LOG_HDR + 10), 1);
    c ^= 0x80;
    cr_assert_eq(pwrite(fd, &c, 1, LOG_HDR + 10), 1);
    struct blk *b = NULL;
    uint64_t sn;
    cr_assert_eq(log_read(l, 0, &b, &sn), ERR_CORRUPT, "a checksum mismatch is never served");
    cr_assert_null(b);
    expect_record(l, 1, 4, 10, 3, 500);
    /* and in record 1's header */
    cr_assert_eq(pread(fd, &c, 1, (off_t)second + 20), 1);
    c ^= 0x01;
    cr_assert_eq(pwrite(fd, &c, 1, (off_t)second + 20), 1);
    cr_assert_eq(log_read(l, 1, &b, &sn), ERR_CORRUPT);
    cr_assert_eq(close(fd), 0);
    cr_assert_eq((size_t)file_size(logfile), end);
    log_close(l);
}

/* --- fault injection ---------------------------------------------------- */

/* A failed append leaves no trace; the log goes on as if it never happened. */
static void failed_append_leaves_nothing(enum os_fault_op op, int err)
{
    struct log *l = open_log();
    append(l, 1, 4, 1000);
    append(l, 10, 3, 500);
    struct log_info before = info(l);
    os_fault_set(op, 1, err);
    struct blk *b = rows(50, 9, 7000);
    uint64_t sn = 12345;
    cr_assert_eq(log_append(l, b, &sn), -err);
    blk_unref(b);
    os_fault_clear();
    struct log_info li = info(l);
    cr_assert_eq(li.records, before.records);
    cr_assert_eq(li.next_sn, before.next_sn);
    cr_assert_eq(li.bytes, before.bytes);
    cr_assert_eq(li.min_time_ms, before.min_time_ms);
    cr_assert_eq(li.max_time_ms, before.max_time_ms, "the failed block's times are not counted");
    cr_assert_eq((uint64_t)file_size(logfile), before.bytes, "the file is cut back");
    struct blk *none = NULL;
    cr_assert_eq(log_read(l, 2, &none, &sn), -ERANGE);
    expect_record(l, 0, 0, 1, 4, 1000);
    expect_record(l, 1, 4, 10, 3, 500);
    cr_assert_eq(append(l, 20, 7, 2000), 7, "the next append gets the sequence numbers");
    expect_record(l, 2, 7, 20, 7, 2000);
    cr_assert_eq(log_sync(l), 0);
    log_close(l);

    l = open_log();
    li = info(l);
    cr_assert_eq(li.records, 3);
    cr_assert_eq(li.next_sn, 14);
    cr_assert_eq(li.max_time_ms, 2060);
    expect_record(l, 2, 7, 20, 7, 2000);
    log_close(l);
}

Test(log, failed_write_leaves_nothing)
{
    failed_append_leaves_nothing(OS_FAULT_WRITE, EIO);
}

Test(log, enospc_leaves_nothing)
{
    failed_append_leaves_nothing(OS_FAULT_WRITE, ENOSPC);
}

Test(log, short_write_leaves_nothing)
{
    failed_append_leaves_nothing(OS_FAULT_SHORT, EIO);
}

Test(log, failed_first_append)
{
    struct log *l = open_log();
    os_fault_set(OS_FAULT_SHORT, 1, ENOSPC);
    struct blk *b = rows(1, 3, 0);
    cr_assert_eq(log_append(l, b, NULL), -ENOSPC);
    blk_unref(b);
    cr_assert_eq(file_size(logfile), 0);
    cr_assert_eq(info(l).records, 0);
    cr_assert_eq(append(l, 1, 3, 0), 0);
    log_close(l);
    l = open_log();
    cr_assert_eq(info(l).records, 1);
    expect_record(l, 0, 0, 1, 3, 0);
    log_close(l);
}

Test(log, sync_returns_fsync_failure)
{
    struct log *l = open_log();
    append(l, 1, 2, 0);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(log_sync(l), -EIO);
    os_fault_clear();
    cr_assert_eq(log_sync(l), 0, "the next sync is attempted again and succeeds");
    append(l, 3, 1, 0);
    os_fault_set(OS_FAULT_FSYNC, 1, ENOSPC);
    cr_assert_eq(log_sync(l), -ENOSPC);
    os_fault_clear();
    expect_record(l, 1, 2, 3, 1, 0);
    log_close(l);
}

Test(log, open_fault_fails_open)
{
    os_fault_set(OS_FAULT_OPEN, 1, EMFILE);
    struct log *l = NULL;
    cr_assert_eq(log_open(logdir, &l), -EMFILE);
    os_fault_clear();
    l = open_log();
    log_close(l);
}
