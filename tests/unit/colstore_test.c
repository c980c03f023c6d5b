/*
 * colstore_test.c — column parts, the manifest and the columnar store
 * (store/part.h, store/manifest.h, store/colstore.h), and the table(s)
 * scan over them (exec/source.h, src_table_create):
 *   - parts: granule boundaries (8191, 8192, 8193 and 20000 rows added in
 *     odd-sized blocks), every column read back, statistics per granule,
 *     write ends (one per log record, kept by merges),
 *     a damaged byte refused (chunk checksum, footer checksum);
 *   - manifest: round trip, a missing file is empty, damage refused;
 *   - store: compaction takes whole log records from `covered` on;
 *     recovery removes debris of a compaction or merge that did not
 *     commit (part files not listed, temporaries) and keeps what did;
 *     tiered merges keep rows and order; snapshots pin the log rows they
 *     need (cst_safe_sn) and keep merged-away parts readable; ttl drops
 *     old parts; a merge or compaction failing at each of its writes,
 *     syncs and opens in turn (fault injection) leaves the same rows in
 *     memory and on disk, and no temporary behind;
 *   - scans: every row exactly once by _tp_sn while compactions and merges
 *     run between the scan's blocks, pruning by time; a streaming backfill
 *     (earliest, or from a sequence number) reads the parts below what log
 *     retention kept, then the log's tail.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/engine.h"
#include "exec/source.h"
#include "os/os.h"
#include "store/colstore.h"
#include "store/manifest.h"
#include "util/clock.h"
#include "util/err.h"

#define T0_MS 1720569600000LL

static char tmpdir[64];
static char dir[128];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_cst_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(dir, sizeof(dir), "%s/parts", tmpdir);
    cr_assert_eq(os_mkdir(dir, 0755), 0);
    clk_fake_set(T0_MS * 1000000LL);
}

static void teardown(void)
{
    clk_fake_off();
    os_fault_clear();
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

TestSuite(part, .init = setup, .fini = teardown);
TestSuite(cst, .init = setup, .fini = teardown);

/* (v int64, d string, x nullable(float64), _tp_time datetime64(3)) */
static const struct ty types[4] = {
    {TY_INT64, 0, 0}, {TY_STRING, 0, 0}, {TY_FLOAT64, 1, 0}, {TY_DATETIME64, 0, 3}};

/* A block of rows [first, first + n): v = i, d = "d<i % 50>", x = i / 4
 * or NULL every 9th, _tp_time = T0 + 10 ms * i. */
static struct blk *rows(int64_t first, uint32_t n)
{
    struct blk *b = NULL;
    cr_assert_eq(blk_create(types, 4, &b), 0);
    for (int64_t i = first; i < first + n; i++) {
        char s[16];
        int len = snprintf(s, sizeof(s), "d%lld", (long long)(i % 50));
        double x = (double)i / 4;
        int64_t t = T0_MS + 10 * i;
        cr_assert_eq(col_push_fixed(&b->cols[0], &i), 0);
        cr_assert_eq(col_push_str(&b->cols[1], s, (size_t)len), 0);
        if (i % 9 == 0)
            cr_assert_eq(col_push_null(&b->cols[2]), 0);
        else
            cr_assert_eq(col_push_fixed(&b->cols[2], &x), 0);
        cr_assert_eq(col_push_fixed(&b->cols[3], &t), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    return b;
}

/* Block b's row r is row i of rows(). */
static void expect_row(const struct blk *b, uint32_t r, int64_t i)
{
    cr_assert_eq(COL_AT(&b->cols[0], int64_t, r), i, "v at row %u", r);
    size_t len;
    const char *s = col_str(&b->cols[1], r, &len);
    char want[16];
    snprintf(want, sizeof(want), "d%lld", (long long)(i % 50));
    cr_assert(len == strlen(want) && !memcmp(s, want, len), "d of %lld", (long long)i);
    cr_assert_eq(col_is_null(&b->cols[2], r), i % 9 == 0);
    if (i % 9)
        cr_assert_eq(COL_AT(&b->cols[2], double, r), (double)i / 4);
    cr_assert_eq(COL_AT(&b->cols[3], int64_t, r), T0_MS + 10 * i);
}

/* Every row of part p, in order, is rows(first_sn ..). */
static void expect_part(const struct prt *p)
{
    struct buf raw = BUF_INIT;
    int64_t i = (int64_t)p->first_sn;
    for (uint32_t g = 0; g < p->ngran; g++) {
        struct blk *b = NULL;
        cr_assert_eq(blk_create(types, 4, &b), 0);
        for (uint32_t c = 0; c < 4; c++)
            cr_assert_eq(prt_read_col(p, g, c, &raw, &b->cols[c]), 0);
        cr_assert_eq(blk_seal(b), 0);
        cr_assert_eq(b->nrows, p->gran_rows[g]);
        for (uint32_t r = 0; r < b->nrows; r++, i++)
            expect_row(b, r, i);
        const struct enc_stat *t = prt_stat(p, g, 3);
        cr_assert_eq(t->min.i, COL_AT(&b->cols[3], int64_t, 0), "time index: min");
        cr_assert_eq(t->max.i, COL_AT(&b->cols[3], int64_t, b->nrows - 1), "time index: max");
        blk_unref(b);
    }
    cr_assert_eq((uint64_t)i, p->first_sn + p->nrows);
    buf_free(&raw);
}

/* Write rows [first, first + n) as a part, added in blocks of `step`. */
static struct prt *write_part(uint64_t first, uint32_t n, uint32_t step)
{
    struct prt_writer *w = NULL;
    struct prt *p = NULL;
    cr_assert_eq(prt_writer_create(dir, types, 4, CODEC_LZ4, first, &w), 0);
    for (uint32_t at = 0; at < n; at += step) {
        uint32_t k = n - at < step ? n - at : step;
        struct blk *b = rows((int64_t)(first + at), k);
        cr_assert_eq(prt_writer_add(w, b, 0, k), 0);
        blk_unref(b);
    }
    cr_assert_eq(prt_writer_rows(w), n);
    cr_assert_eq(prt_writer_finish(w, &p), 0);
    return p;
}

Test(part, granule_boundaries)
{
    const uint32_t sizes[] = {1, 8191, 8192, 8193, 20000};
    const uint32_t steps[] = {1000, 8192, 777, 20000, 3333};
    uint64_t first = 0;
    for (int k = 0; k < 5; k++) {
        struct prt *p = write_part(first, sizes[k], steps[k]);
        cr_assert_eq(p->nrows, sizes[k]);
        cr_assert_eq(p->ngran, (sizes[k] + PRT_GRANULE - 1) / PRT_GRANULE);
        for (uint32_t g = 0; g + 1 < p->ngran; g++)
            cr_assert_eq(p->gran_rows[g], PRT_GRANULE, "full granules but the last");
        expect_part(p);
        /* reopened from the file: the same */
        struct prt *q = NULL;
        cr_assert_eq(prt_open(dir, p->name, types, 4, &q), 0);
        cr_assert_eq(q->nrows, p->nrows);
        expect_part(q);
        cr_assert_eq(q->part_stats[0].min.i, (int64_t)first);
        cr_assert_eq(q->part_stats[0].max.i, (int64_t)(first + sizes[k] - 1));
        prt_unref(q);
        prt_unref(p);
        first += sizes[k];
    }
    /* no temporaries left */
    char *names = NULL;
    size_t n = 0;
    cr_assert_eq(os_list_dir(dir, &names, &n), 0);
    cr_assert_eq(n, 5);
    free(names);
}

Test(part, damage_is_refused)
{
    struct prt *p = write_part(0, 10000, 10000);
    char path[256], name[PRT_NAME_MAX];
    snprintf(name, sizeof(name), "%s", p->name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uint64_t chunk = p->chunks[1].off + 3;
    prt_unref(p);
    int fd;
    cr_assert_eq(os_open(path, O_RDWR, 0, &fd), 0);
    char c = 0x5a;
    cr_assert_eq(os_pwrite(fd, &c, 1, (off_t)chunk), 0);
    cr_assert_eq(prt_open(dir, name, types, 4, &p), 0, "the footer is intact");
    struct buf raw = BUF_INIT;
    struct col *col = NULL;
    cr_assert_eq(col_new(types[1], &col), 0);
    cr_assert_eq(prt_read_col(p, 0, 1, &raw, col), ERR_CORRUPT, "chunk checksum");
    col_delete(col);
    prt_unref(p);
    off_t size;
    cr_assert_eq(os_fsize(fd, &size), 0);
    cr_assert_eq(os_pwrite(fd, &c, 1, size - 40), 0);
    cr_assert_eq(prt_open(dir, name, types, 4, &p), ERR_CORRUPT, "footer checksum");
    struct ty other[4] = {types[0], types[1], types[1], types[3]};
    cr_assert_neq(prt_open(dir, name, other, 4, &p), 0);
    os_close(fd);
    buf_free(&raw);
}

Test(cst, manifest_round_trip_and_damage)
{
    struct mfst m, back;
    cr_assert_eq(mfst_load(dir, &m), 0);
    cr_assert_eq(m.n, 0);
    cr_assert_eq(m.covered_sn, 0);
    m.covered_sn = 12345;
    cr_assert_eq(mfst_add(&m, "0000000000000000-0000000000000010.prt"), 0);
    cr_assert_eq(mfst_add(&m, "0000000000000010-0000000000003039.prt"), 0);
    cr_assert_eq(mfst_save(dir, &m), 0);
    cr_assert_eq(mfst_load(dir, &back), 0);
    cr_assert_eq(back.n, 2);
    cr_assert_eq(back.covered_sn, 12345);
    cr_assert_str_eq(back.names[1], m.names[1]);
    mfst_free(&back);
    mfst_free(&m);
    char path[256];
    snprintf(path, sizeof(path), "%s/MANIFEST", dir);
    const char *bad[] = {"streamfs-parts 1\ncovered 3\n", /* no end: cut short */
                         "streamfs-parts 2\ncovered 3\nend\n", "streamfs-parts 1\nbogus\nend\n",
                         "streamfs-parts 1\nend\npart x.prt\n"};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(os_write_file_atomic(path, bad[i], strlen(bad[i])), 0);
        cr_assert_eq(mfst_load(dir, &m), ERR_CORRUPT, "case %d", i);
    }
}

/* ---- the store over a log ---- */

static struct log *open_log(void)
{
    char logdir[256];
    snprintf(logdir, sizeof(logdir), "%s/log", tmpdir);
    struct log_opts o = {1, CODEC_LZ4, 0};
    struct log *l = NULL;
    cr_assert_eq(log_open(logdir, &o, &l), 0);
    return l;
}

static struct cst *open_cst(uint64_t ttl_ms)
{
    struct cst_opts o = {CODEC_LZ4, ttl_ms};
    struct cst *c = NULL;
    int rc = cst_open(dir, types, 4, &o, &c);
    cr_assert_eq(rc, 0, "cst_open: %d", rc);
    return c;
}

static void append_rows(struct log *l, int64_t first, uint32_t n)
{
    struct blk *b = rows(first, n);
    cr_assert_eq(log_append(l, b, NULL), 0);
    blk_unref(b);
}

/* Every row below covered, read from the snapshot's parts, once, in order. */
static uint64_t expect_snapshot(struct cst *c)
{
    struct cst_snap *s = NULL;
    cr_assert_eq(cst_snapshot(c, &s), 0);
    uint64_t sn = s->nparts ? s->parts[0]->first_sn : s->covered_sn;
    for (uint32_t i = 0; i < s->nparts; i++) {
        cr_assert_eq(s->parts[i]->first_sn, sn, "parts are consecutive");
        expect_part(s->parts[i]);
        sn += s->parts[i]->nrows;
    }
    cr_assert_eq(sn, s->covered_sn);
    uint64_t covered = s->covered_sn;
    cst_snap_release(c, s);
    return covered;
}

Test(cst, compaction_takes_whole_records)
{
    struct log *l = open_log();
    struct cst *c = open_cst(0);
    uint64_t rows_taken;
    cr_assert_eq(cst_compact(c, l, 0, &rows_taken), 0);
    cr_assert_eq(rows_taken, 0, "an empty log: nothing");
    for (int i = 0; i < 5; i++)
        append_rows(l, i * 3000, 3000);
    cr_assert_eq(cst_compact(c, l, 20000, &rows_taken), 0);
    cr_assert_eq(rows_taken, 0, "fewer rows than asked for");
    cr_assert_eq(cst_compact(c, l, 0, &rows_taken), 0);
    cr_assert_eq(rows_taken, 15000);
    cr_assert_eq(expect_snapshot(c), 15000);
    struct cst_snap *sn = NULL;
    cr_assert_eq(cst_snapshot(c, &sn), 0);
    cr_assert_eq(sn->parts[0]->nwends, 5, "one write end per log record");
    for (uint32_t i = 0; i < 5; i++)
        cr_assert_eq(sn->parts[0]->wends[i], 3000 * (i + 1));
    cst_snap_release(c, sn);
    cr_assert_eq(cst_safe_sn(c), 15000);
    append_rows(l, 15000, 10);
    cr_assert_eq(cst_compact(c, l, 0, &rows_taken), 0);
    cr_assert_eq(rows_taken, 10);
    struct cst_info info;
    cst_get_info(c, &info);
    cr_assert_eq(info.parts, 2);
    cr_assert_eq(info.rows, 15010);
    cst_close(c);
    c = open_cst(0); /* recovery: the same */
    cr_assert_eq(expect_snapshot(c), 15010);
    cst_close(c);
    log_close(l);
}

Test(cst, recovery_removes_what_did_not_commit)
{
    struct log *l = open_log();
    struct cst *c = open_cst(0);
    uint64_t n;
    append_rows(l, 0, 5000);
    cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    cst_close(c);
    /* a compaction that crashed after its part but before the manifest,
     * and one that crashed while writing */
    struct prt *orphan = write_part(5000, 100, 100);
    char orphan_path[256], tmp_path[256];
    snprintf(orphan_path, sizeof(orphan_path), "%s/%s", dir, orphan->name);
    prt_unref(orphan);
    snprintf(tmp_path, sizeof(tmp_path), "%s/0000000000001388.tmp", dir);
    cr_assert_eq(os_write_file(tmp_path, "partial", 7), 0);
    c = open_cst(0);
    cr_assert_not(os_exists(orphan_path), "an uncommitted part is removed");
    cr_assert_not(os_exists(tmp_path), "a temporary is removed");
    cr_assert_eq(expect_snapshot(c), 5000, "the committed part stays");
    /* the rows are still in the log: compaction takes them again */
    append_rows(l, 5000, 100);
    cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    cr_assert_eq(n, 100);
    cr_assert_eq(expect_snapshot(c), 5100);
    cst_close(c);
    /* a listed part that is damaged: refused, not silently dropped */
    struct mfst m;
    cr_assert_eq(mfst_load(dir, &m), 0);
    char victim[256];
    snprintf(victim, sizeof(victim), "%s/%s", dir, m.names[0]);
    mfst_free(&m);
    cr_assert_eq(os_write_file(victim, "garbage", 7), 0);
    struct cst_opts o = {CODEC_LZ4, 0};
    cr_assert_eq(cst_open(dir, types, 4, &o, &c), ERR_CORRUPT);
    log_close(l);
}

/* Rows 0..3999 appended and compacted as four parts of 1,000. */
static void four_parts(struct log *l, struct cst *c)
{
    uint64_t n;
    for (int i = 0; i < 4; i++) {
        append_rows(l, i * 1000, 1000);
        cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    }
}

Test(cst, tiered_merges_keep_rows_and_snapshots)
{
    struct log *l = open_log();
    struct cst *c = open_cst(0);
    uint64_t n;
    uint32_t merged;
    /* four small parts: one merge; a snapshot taken before it still reads
     * the old parts after their files are gone */
    four_parts(l, c);
    struct cst_snap *old = NULL;
    cr_assert_eq(cst_snapshot(c, &old), 0);
    cr_assert_eq(old->nparts, 4);
    cr_assert_eq(cst_merge(c, &merged), 0);
    cr_assert_eq(merged, 4);
    cr_assert_eq(cst_merge(c, &merged), 0);
    cr_assert_eq(merged, 0, "one part left: nothing to merge");
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, old->parts[0]->name);
    cr_assert_not(os_exists(path), "the merged-away file is unlinked");
    for (uint32_t i = 0; i < old->nparts; i++)
        expect_part(old->parts[i]);
    cst_snap_release(c, old);
    struct cst_info info;
    cst_get_info(c, &info);
    cr_assert_eq(info.parts, 1);
    cr_assert_eq(expect_snapshot(c), 4000);
    struct cst_snap *now = NULL;
    cr_assert_eq(cst_snapshot(c, &now), 0);
    cr_assert_eq(now->parts[0]->nwends, 4, "a merge keeps the writes as they came");
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(now->parts[0]->wends[i], 1000 * (i + 1));
    cst_snap_release(c, now);
    /* a part of another tier does not merge with smaller ones */
    for (int i = 0; i < 3; i++) {
        append_rows(l, 4000 + i * 10, 10);
        cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    }
    cr_assert_eq(cst_merge(c, &merged), 0);
    cr_assert_eq(merged, 0);
    append_rows(l, 4030, 10);
    cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    cr_assert_eq(cst_merge(c, &merged), 0);
    cr_assert_eq(merged, 4, "four small ones of one tier");
    cst_get_info(c, &info);
    cr_assert_eq(info.parts, 2);
    cst_close(c);
    c = open_cst(0);
    cr_assert_eq(expect_snapshot(c), 4040);
    char *names = NULL;
    size_t k = 0;
    cr_assert_eq(os_list_dir(dir, &names, &k), 0);
    cr_assert_eq(k, 3, "two parts and the manifest");
    free(names);
    cst_close(c);
    log_close(l);
}

Test(cst, snapshots_pin_the_log_rows_they_need)
{
    struct log *l = open_log();
    struct cst *c = open_cst(0);
    uint64_t n;
    append_rows(l, 0, 100);
    cr_assert_eq(cst_safe_sn(c), 0, "nothing in parts: nothing may go");
    struct cst_snap *s = NULL;
    cr_assert_eq(cst_snapshot(c, &s), 0);
    cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    cr_assert_eq(cst_safe_sn(c), 0, "a scan still reads rows 0.. from the log");
    cst_snap_release(c, s);
    cr_assert_eq(cst_safe_sn(c), 100);
    cst_close(c);
    log_close(l);
}

Test(cst, ttl_drops_old_parts)
{
    struct log *l = open_log();
    struct cst *c = open_cst(60000); /* 1 minute */
    uint64_t n;
    uint32_t dropped;
    append_rows(l, 0, 1000);  /* T0 .. T0 + 10 s */
    cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    append_rows(l, 10000, 1000); /* T0 + 100 s .. */
    cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    cr_assert_eq(cst_expire(c, T0_MS + 30000, &dropped), 0);
    cr_assert_eq(dropped, 0, "nothing a minute old yet");
    cr_assert_eq(cst_expire(c, T0_MS + 75000, &dropped), 0);
    cr_assert_eq(dropped, 1);
    struct cst_info info;
    cst_get_info(c, &info);
    cr_assert_eq(info.parts, 1);
    cr_assert_eq(info.covered_sn, 2000, "covered stays: the log does not serve dropped rows");
    cst_close(c);
    c = open_cst(60000);
    cst_get_info(c, &info);
    cr_assert_eq(info.parts, 1);
    cst_close(c);
    log_close(l);
}

/* ---- table(s) over parts and the log ---- */

static char datadir[160];

static struct engine *open_engine(void)
{
    struct engine *e = NULL;
    snprintf(datadir, sizeof(datadir), "%s/data", tmpdir);
    cr_assert_eq(eng_open(datadir, &e), 0);
    return e;
}

/* Stream s (v, d, x); with small segments and retention when trimmed. */
static struct eng_stream *make_stream_as(struct engine *e, int trimmed)
{
    struct schema *s = NULL;
    int created;
    cr_assert_eq(sch_create("s", &s), 0);
    cr_assert_eq(sch_add_col(s, "v", types[0]), 0);
    cr_assert_eq(sch_add_col(s, "d", types[1]), 0);
    cr_assert_eq(sch_add_col(s, "x", types[2]), 0);
    cr_assert_eq(sch_finish(s), 0);
    if (trimmed) {
        s->segment_bytes = SCH_SEGMENT_MIN;
        s->retention_bytes = SCH_SEGMENT_MIN;
    }
    cr_assert_eq(eng_create_stream(e, s, 0, &created), 0);
    struct eng_stream *st = NULL;
    cr_assert_eq(eng_stream_get(e, "s", &st), 0);
    return st;
}

static struct eng_stream *make_stream(struct engine *e)
{
    return make_stream_as(e, 0);
}

/* Scan with the source; check v = _tp_sn = 0.. each once; the count. */
static uint64_t scan_all(struct src *src, struct engine *e, struct eng_stream *s, int churn)
{
    uint64_t want = 0;
    for (;;) {
        struct blk *b = NULL;
        cr_assert_eq(src_next(src, &b), 0);
        if (!b)
            break;
        for (uint32_t r = 0; r < b->nrows; r++, want++) {
            cr_assert_eq(COL_AT(&b->cols[0], int64_t, r), (int64_t)want, "v in order, once");
            cr_assert_eq(COL_AT(&b->cols[1], uint64_t, r), want, "_tp_sn");
        }
        blk_unref(b);
        if (churn) { /* compactions and merges between the scan's blocks */
            append_rows(s->log, 1 << 30, 1); /* after the scan began: unseen */
            cr_assert_eq(eng_compact_all(e), 0);
        }
    }
    return want;
}

Test(cst, table_scan_sees_each_row_once_while_the_store_changes)
{
    struct engine *e = open_engine();
    struct eng_stream *s = make_stream(e);
    /* rows 0..N: some in parts (several tiers), the rest in the log */
    int64_t next = 0;
    for (int i = 0; i < 6; i++) {
        append_rows(s->log, next, 9000);
        next += 9000;
        if (i < 4)
            cr_assert_eq(eng_compact_all(e), 0);
    }
    uint32_t cols[1] = {0};
    struct src *src = NULL;
    cr_assert_eq(src_table_create(s, cols, 1, 1, NULL, 0, NULL, &src), 0);
    cr_assert_eq(src->total_rows, (uint64_t)next);
    cr_assert_eq(scan_all(src, e, s, 1), (uint64_t)next);
    src_destroy(src);
    eng_stream_put(s);
    eng_close(e);
}

Test(cst, pruning_by_time_reads_only_matching_granules)
{
    struct engine *e = open_engine();
    struct eng_stream *s = make_stream(e);
    append_rows(s->log, 0, 100000);
    cr_assert_eq(eng_compact_all(e), 0);
    /* _tp_time >= T0 + 500 s: rows 50000.. */
    struct enc_pred p = {.col = 3, .op = ENC_GE, .num.i = T0_MS + 500000};
    uint32_t cols[2] = {0, 3};
    struct src *src = NULL;
    cr_assert_eq(src_table_create(s, cols, 2, 0, &p, 1, NULL, &src), 0);
    uint64_t read = 0, matching = 0;
    for (;;) {
        struct blk *b = NULL;
        cr_assert_eq(src_next(src, &b), 0);
        if (!b)
            break;
        read += b->nrows;
        for (uint32_t r = 0; r < b->nrows; r++)
            matching += COL_AT(&b->cols[1], int64_t, r) >= T0_MS + 500000;
        blk_unref(b);
    }
    cr_assert_eq(matching, 50000, "no match pruned");
    cr_assert_lt(read, 50000 + PRT_GRANULE, "earlier granules skipped: read %llu",
                 (unsigned long long)read);
    src_destroy(src);
    eng_stream_put(s);
    eng_close(e);
}

Test(cst, retention_waits_for_parts)
{
    struct engine *e = open_engine();
    struct eng_stream *s = make_stream(e);
    append_rows(s->log, 0, 100);
    cr_assert_eq(eng_stream_safe_sn(s), 0, "nothing in parts yet");
    cr_assert_eq(eng_compact_all(e), 0);
    cr_assert_eq(eng_stream_safe_sn(s), 100);
    eng_stream_put(s);
    eng_close(e);
}

/* Read a streaming source until -EAGAIN: v = _tp_sn = want.. in order. */
static int64_t drain(struct src *src, int64_t want)
{
    for (;;) {
        struct blk *b = NULL;
        int rc = src_next(src, &b);
        if (rc == -EAGAIN)
            return want;
        cr_assert_eq(rc, 0);
        cr_assert_not_null(b, "an unbounded source never ends");
        for (uint32_t r = 0; r < b->nrows; r++, want++) {
            cr_assert_eq(COL_AT(&b->cols[0], int64_t, r), want, "v in order, once");
            cr_assert_eq(COL_AT(&b->cols[1], uint64_t, r), (uint64_t)want, "_tp_sn");
        }
        blk_unref(b);
    }
}

Test(cst, streaming_backfill_reads_parts_below_the_log)
{
    struct engine *e = open_engine();
    struct eng_stream *s = make_stream_as(e, 1);
    int64_t next = 0;
    for (int i = 0; i < 20; i++, next += 2000)
        append_rows(s->log, next, 2000);
    cr_assert_eq(eng_compact_all(e), 0); /* parts, then retention trims the log */
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_gt(li.first_sn, 0, "retention dropped the oldest rows from the log");
    uint32_t cols[1] = {0};
    struct src_start earliest = {SRC_SEEK_EARLIEST, 0, 0};
    struct src *src = NULL;
    cr_assert_eq(src_stream_create(s, cols, 1, 1, &earliest, &src), 0);
    cr_assert(src->unbounded);
    cr_assert_eq(drain(src, 0), next, "every row from the first, once");
    append_rows(s->log, next, 100); /* new rows follow from the log */
    cr_assert_eq(drain(src, next), next + 100);
    next += 100;
    src_destroy(src);
    /* from a sequence number inside a part's granule */
    struct src_start at = {SRC_SEEK_SN, 12345, 0};
    cr_assert_eq(src_stream_create(s, cols, 1, 1, &at, &src), 0);
    cr_assert_eq(drain(src, 12345), next);
    append_rows(s->log, next, 7);
    cr_assert_eq(drain(src, next), next + 7);
    src_destroy(src);
    eng_stream_put(s);
    eng_close(e);
}

/* Debris a failed step may leave: only parts, the manifest, nothing else. */
static void expect_no_temporaries(void)
{
    char *names = NULL;
    size_t n = 0;
    cr_assert_eq(os_list_dir(dir, &names, &n), 0);
    const char *p = names;
    for (size_t i = 0; i < n; i++, p += strlen(p) + 1)
        cr_assert(strstr(p, ".tmp") == NULL, "a temporary left: %s", p);
    free(names);
}

/* A compaction or merge that fails at any of its writes or syncs (a full
 * disk, an I/O error: what a crash at that point leaves, short of the
 * process dying) changes nothing: the same parts, the same rows, the log
 * rows still not covered; the next attempt succeeds. */
Test(cst, failures_at_every_step_change_nothing)
{
    struct log *l = open_log();
    struct cst *c = open_cst(0);
    uint64_t n;
    uint32_t merged;
    four_parts(l, c);
    const enum os_fault_op ops[] = {OS_FAULT_FSYNC, OS_FAULT_WRITE, OS_FAULT_SHORT, OS_FAULT_OPEN};
    for (int k = 0; k < 4; k++) {
        int failed = 0;
        for (long nth = 1; nth < 20; nth++) {
            os_fault_set(ops[k], nth, ENOSPC);
            int rc = cst_merge(c, &merged);
            os_fault_clear();
            if (!rc) /* the fault came too late to matter: undo by starting over */
                break;
            failed++;
            struct cst_info info;
            cst_get_info(c, &info);
            cr_assert_eq(info.parts, 4, "op %d, fault %ld: the parts stay", k, nth);
            cr_assert_eq(expect_snapshot(c), 4000);
            expect_no_temporaries();
            cst_close(c);
            /* on disk: the old list or, when only the manifest's last sync
             * failed, the new one; the same rows either way */
            c = open_cst(0);
            cr_assert_eq(expect_snapshot(c), 4000);
            cst_get_info(c, &info);
            cr_assert(info.parts == 4 || info.parts == 1, "op %d, fault %ld: %u parts", k, nth,
                      info.parts);
            if (info.parts == 1)
                break;
        }
        cr_assert_gt(failed, 0, "op %d never failed a merge", k);
        /* a merge went through: split it again by rebuilding the store */
        cst_close(c);
        cr_assert_eq(os_rmtree(dir), 0);
        cr_assert_eq(os_mkdir(dir, 0755), 0);
        c = open_cst(0);
        log_close(l);
        char logdir[256];
        snprintf(logdir, sizeof(logdir), "%s/log", tmpdir);
        cr_assert_eq(os_rmtree(logdir), 0);
        l = open_log();
        four_parts(l, c);
    }
    /* compaction: a failed one leaves the rows to the log */
    append_rows(l, 4000, 500);
    for (long nth = 1; nth < 4; nth++) {
        os_fault_set(OS_FAULT_FSYNC, nth, EIO);
        int rc = cst_compact(c, l, 0, &n);
        os_fault_clear();
        cr_assert_neq(rc, 0, "fault %ld", nth);
        cr_assert_eq(cst_safe_sn(c), 4000, "covered does not move");
        expect_no_temporaries();
    }
    cr_assert_eq(cst_compact(c, l, 0, &n), 0);
    cr_assert_eq(n, 500);
    cr_assert_eq(expect_snapshot(c), 4500);
    cst_close(c);
    log_close(l);
}

/* Plain chunks (random floats) compressed or not, decompressed straight
 * into the column, and a part of one column beside _tp_time. */
Test(part, plain_floats_straight_into_columns)
{
    const struct ty ft[2] = {{TY_FLOAT64, 0, 0}, {TY_DATETIME64, 0, 3}};
    const enum codec_id codecs[] = {CODEC_LZ4, CODEC_ZSTD, CODEC_NONE};
    for (int k = 0; k < 3; k++) {
        struct blk *b = NULL;
        cr_assert_eq(blk_create(ft, 2, &b), 0);
        uint64_t x = 88172645463325252ull;
        for (int i = 0; i < 20000; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            double f = i % 3 ? (double)(x % 1000) / 8 : (double)(int64_t)x / 3.0; /* some compress */
            int64_t t = T0_MS + i;
            cr_assert_eq(col_push_fixed(&b->cols[0], &f), 0);
            cr_assert_eq(col_push_fixed(&b->cols[1], &t), 0);
        }
        cr_assert_eq(blk_seal(b), 0);
        struct prt_writer *w = NULL;
        struct prt *p = NULL;
        cr_assert_eq(prt_writer_create(dir, ft, 2, codecs[k], (uint64_t)k * 100000, &w), 0);
        cr_assert_eq(prt_writer_add(w, b, 0, b->nrows), 0);
        cr_assert_eq(prt_writer_finish(w, &p), 0);
        struct buf raw = BUF_INIT;
        struct col *c = NULL;
        cr_assert_eq(col_new(ft[0], &c), 0);
        for (uint32_t g = 0; g < p->ngran; g++)
            cr_assert_eq(prt_read_col(p, g, 0, &raw, c), 0);
        cr_assert_eq(c->n, b->nrows);
        cr_assert(memcmp(c->data, b->cols[0].data, (size_t)c->n * 8) == 0, "codec %d", k);
        col_delete(c);
        buf_free(&raw);
        prt_unref(p);
        blk_unref(b);
    }
}
