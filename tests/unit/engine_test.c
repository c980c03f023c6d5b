/*
 * engine_test.c — the engine (exec/engine.h) and the `data` file renderer
 * (exec/dump.h): creating, dropping and listing streams, reopening a data
 * directory, references that keep a dropped stream usable, the stats text,
 * the errors file written by eng_stream_reject (tab-separated, control
 * bytes escaped, rows cut at 200 bytes) and read back in pieces, the ctl
 * outcome ring (newest 100), and dump_size/dump_read giving the same JSON
 * lines whatever the read size or offset, as the log grows. Retention
 * (SETTINGS segment_bytes, retention_bytes, retention_ms): applied by
 * eng_stream_retain and at open, the stats that show it, sequence numbers
 * following on after a reopen, and `data` starting at the first retained
 * row, its offsets stable and its readers skipping what is dropped under
 * them.
 *
 * Rows go into the logs with log_append directly, so these tests do not
 * depend on the JSON parser. The fake clock makes times exact.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/dump.h"
#include "exec/engine.h"
#include "os/os.h"
#include "util/clock.h"

/* 2024-07-10 00:00:00 UTC */
#define T0_SEC 1720569600LL
#define T0_MS (T0_SEC * 1000)

static char tmpdir[64];
static char datadir[128];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_eng_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(datadir, sizeof(datadir), "%s/data", tmpdir);
    clk_fake_set(T0_SEC * 1000000000LL);
}

static void teardown(void)
{
    clk_fake_off();
    os_fault_clear();
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

TestSuite(engine, .init = setup, .fini = teardown);

static struct engine *open_engine(void)
{
    struct engine *e = NULL;
    int rc = eng_open(datadir, &e);
    cr_assert_eq(rc, 0, "eng_open: %d", rc);
    cr_assert_not_null(e);
    return e;
}

/* A finished schema name (v int64, s nullable(string)) + _tp_time. */
static struct schema *schema(const char *name)
{
    struct schema *s = NULL;
    cr_assert_eq(sch_create(name, &s), 0);
    cr_assert_eq(sch_add_col(s, "v", (struct ty){TY_INT64, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "s", (struct ty){TY_STRING, 1, 0}), 0);
    cr_assert_eq(sch_finish(s), 0);
    return s;
}

static void create(struct engine *e, const char *name)
{
    int created = -1;
    int rc = eng_create_stream(e, schema(name), 0, &created);
    cr_assert_eq(rc, 0, "create %s: %d", name, rc);
    cr_assert_eq(created, 1);
}

static struct eng_stream *get(struct engine *e, const char *name)
{
    struct eng_stream *s = NULL;
    int rc = eng_stream_get(e, name, &s);
    cr_assert_eq(rc, 0, "get %s: %d", name, rc);
    cr_assert_not_null(s);
    return s;
}

/* The ids eng_list reports, as "1,2,3". */
static void expect_list(struct engine *e, const char *want)
{
    uint32_t *ids = NULL, n = 99;
    cr_assert_eq(eng_list(e, &ids, &n), 0);
    char got[256] = "";
    for (uint32_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%u", i ? "," : "", ids[i]);
    free(ids);
    cr_assert_str_eq(got, want);
}

/* Row i of a record: v = i, s = "r<i>" (NULL when i % 4 == 3, and a string
 * needing JSON escapes when i % 4 == 2), _tp_time = T0 + 10 ms * i. */
static void row_string(int64_t i, char *out, size_t n)
{
    if (i % 4 == 2)
        snprintf(out, n, "q\"%lld\\\t", (long long)i);
    else
        snprintf(out, n, "r%lld", (long long)i);
}

/* Append rows [first, first+n) as one record. */
static void append(struct eng_stream *s, int64_t first, uint32_t n)
{
    struct ty *types = NULL;
    struct blk *b = NULL;
    cr_assert_eq(sch_types(s->schema, &types), 0);
    cr_assert_eq(blk_create(types, s->schema->ncols, &b), 0);
    free(types);
    for (int64_t i = first; i < first + n; i++) {
        char str[32];
        row_string(i, str, sizeof(str));
        int64_t t = T0_MS + 10 * i;
        cr_assert_eq(col_push_fixed(&b->cols[0], &i), 0);
        if (i % 4 == 3)
            cr_assert_eq(col_push_null(&b->cols[1]), 0);
        else
            cr_assert_eq(col_push_str(&b->cols[1], str, strlen(str)), 0);
        cr_assert_eq(col_push_fixed(&b->cols[2], &t), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(log_append(s->log, b, NULL), 0);
    blk_unref(b);
}

/* The JSON line append() rows render as. */
static void expect_json_row(struct buf *out, int64_t i)
{
    int64_t ms = 10 * i;
    char s[64] = "null";
    if (i % 4 == 2)
        snprintf(s, sizeof(s), "\"q\\\"%lld\\\\\\t\"", (long long)i);
    else if (i % 4 != 3)
        snprintf(s, sizeof(s), "\"r%lld\"", (long long)i);
    cr_assert_eq(buf_printf(out,
                            "{\"v\":%lld,\"s\":%s,\"_tp_time\":\"2024-07-10 00:%02lld:%02lld.%03lld\"}\n",
                            (long long)i, s, (long long)(ms / 60000), (long long)(ms / 1000 % 60),
                            (long long)(ms % 1000)),
                 0);
}

static char *stats(struct eng_stream *s)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(eng_stream_stats(s, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data;
}

/* The value of "key: value" in text, or NULL (static buffer). */
static const char *stat_value(const char *text, const char *key)
{
    static char val[128];
    char pat[64];
    snprintf(pat, sizeof(pat), "%s: ", key);
    size_t kl = strlen(pat);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        cr_assert_not_null(nl, "every stats line ends with a newline");
        if ((size_t)(nl - p) >= kl && !strncmp(p, pat, kl)) {
            snprintf(val, sizeof(val), "%.*s", (int)(nl - p - (long)kl), p + kl);
            return val;
        }
        p = nl + 1;
    }
    return NULL;
}

static void expect_stat(struct eng_stream *s, const char *key, const char *want)
{
    char *text = stats(s);
    const char *v = stat_value(text, key);
    cr_assert_not_null(v, "no '%s' in stats:\n%s", key, text);
    cr_assert_str_eq(v, want, "%s", key);
    free(text);
}

/* The whole errors file through eng_errors_read, in chunks of chunk bytes. */
static char *errors_text(struct eng_stream *s, size_t chunk)
{
    uint64_t size = 0;
    cr_assert_eq(eng_errors_size(s, &size), 0);
    struct buf b = BUF_INIT;
    uint64_t off = 0;
    for (;;) {
        size_t before = b.len;
        cr_assert_eq(eng_errors_read(s, off, chunk, &b), 0);
        size_t got = b.len - before;
        cr_assert(got <= chunk);
        if (!got)
            break;
        off += got;
    }
    cr_assert_eq(off, size, "read %llu bytes, size says %llu", (unsigned long long)off,
                 (unsigned long long)size);
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data;
}

/* The whole rendering via dump_read in chunks (fresh_cursor: one per read). */
static struct buf dump_all(struct eng_stream *s, size_t chunk, int fresh_cursor)
{
    uint64_t size = 0;
    cr_assert_eq(dump_size(s, &size), 0);
    struct buf out = BUF_INIT;
    struct dump_cursor *c = NULL;
    cr_assert_eq(dump_cursor_create(&c), 0);
    uint64_t off = 0;
    for (;;) {
        if (fresh_cursor) {
            dump_cursor_destroy(c);
            cr_assert_eq(dump_cursor_create(&c), 0);
        }
        size_t before = out.len;
        cr_assert_eq(dump_read(s, c, off, chunk, &out), 0);
        size_t got = out.len - before;
        cr_assert(got <= chunk, "read %zu > %zu", got, chunk);
        if (!got)
            break;
        off += got;
    }
    dump_cursor_destroy(c);
    cr_assert_eq(off, size, "read %llu, dump_size %llu", (unsigned long long)off,
                 (unsigned long long)size);
    return out;
}

static void expect_same(const struct buf *a, const struct buf *b, const char *what)
{
    cr_assert_eq(a->len, b->len, "%s: %zu vs %zu bytes", what, a->len, b->len);
    cr_assert(a->len == 0 || memcmp(a->data, b->data, a->len) == 0, "%s: contents differ", what);
}

/* --- streams ------------------------------------------------------------ */

Test(engine, open_creates_datadir)
{
    cr_assert_eq(os_exists(datadir), 0);
    struct engine *e = open_engine();
    cr_assert_str_eq(eng_datadir(e), datadir);
    char path[256];
    snprintf(path, sizeof(path), "%s/streams", datadir);
    cr_assert_eq(os_exists(path), 1);
    expect_list(e, "");
    struct eng_stream *s = NULL;
    cr_assert_eq(eng_stream_get(e, "nope", &s), -ENOENT);
    cr_assert_eq(eng_stream_get_id(e, 1, &s), -ENOENT);
    cr_assert_null(s);
    eng_close(e);
    eng_close(NULL);
}

Test(engine, create_list_get)
{
    struct engine *e = open_engine();
    create(e, "alpha");
    create(e, "beta");
    create(e, "gamma");
    expect_list(e, "1,2,3");
    struct eng_stream *s = get(e, "beta");
    cr_assert_eq(s->id, 2);
    cr_assert_str_eq(s->schema->name, "beta");
    cr_assert_eq(s->schema->ncols, 3);
    cr_assert_eq(atomic_load(&s->dropped), 0);
    char want_dir[256];
    snprintf(want_dir, sizeof(want_dir), "%s/streams/2", datadir);
    cr_assert_str_eq(s->dir, want_dir);
    char logpath[300];
    snprintf(logpath, sizeof(logpath), "%s/log", want_dir);
    cr_assert_eq(os_exists(logpath), 1, "the stream's log lives in DATADIR/streams/<id>/log");
    struct eng_stream *same = NULL;
    cr_assert_eq(eng_stream_get_id(e, 2, &same), 0);
    cr_assert_eq(same, s, "by name and by id: the same stream");
    eng_stream_put(same);
    eng_stream_put(s);
    cr_assert_eq(eng_stream_get(e, "Beta", &s), -ENOENT, "names are case-sensitive");
    eng_close(e);
}

Test(engine, create_duplicate)
{
    struct engine *e = open_engine();
    create(e, "s");
    int created = -1;
    cr_assert_eq(eng_create_stream(e, schema("s"), 0, &created), -EEXIST);
    cr_assert_eq(created, 0);
    created = -1;
    cr_assert_eq(eng_create_stream(e, schema("s"), 1, &created), 0, "IF NOT EXISTS");
    cr_assert_eq(created, 0);
    expect_list(e, "1");
    create(e, "t");
    expect_list(e, "1,2");
    eng_close(e);
}

Test(engine, drop)
{
    struct engine *e = open_engine();
    create(e, "a");
    create(e, "b");
    create(e, "c");
    struct eng_stream *b = get(e, "b");
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", b->dir);
    append(b, 0, 3);
    eng_stream_put(b);
    cr_assert_eq(eng_drop_stream(e, "b", 0), 0);
    expect_list(e, "1,3");
    cr_assert_eq(os_exists(dir), 0, "its data is deleted");
    struct eng_stream *s = NULL;
    cr_assert_eq(eng_stream_get(e, "b", &s), -ENOENT);
    cr_assert_eq(eng_stream_get_id(e, 2, &s), -ENOENT);
    cr_assert_eq(eng_drop_stream(e, "b", 0), -ENOENT);
    cr_assert_eq(eng_drop_stream(e, "b", 1), 0, "IF EXISTS");
    cr_assert_eq(eng_drop_stream(e, "never", 1), 0);
    create(e, "b");
    expect_list(e, "1,3,4");
    b = get(e, "b");
    cr_assert_eq(b->id, 4, "a new stream of the same name gets a new id");
    struct log_info li;
    log_get_info(b->log, &li);
    cr_assert_eq(li.next_sn, 0, "and none of the old rows");
    eng_stream_put(b);
    eng_close(e);

    e = open_engine();
    expect_list(e, "1,3,4");
    eng_close(e);
}

Test(engine, reopen_keeps_streams)
{
    struct engine *e = open_engine();
    create(e, "a");
    struct schema *r = NULL;
    cr_assert_eq(sch_create("logs", &r), 0);
    r->format = SCH_FMT_RAW;
    r->fsync = SCH_FSYNC_ALWAYS;
    cr_assert_eq(sch_add_col(r, "raw", (struct ty){TY_STRING, 0, 0}), 0);
    cr_assert_eq(sch_finish(r), 0);
    int created;
    cr_assert_eq(eng_create_stream(e, r, 0, &created), 0);
    create(e, "gone");
    create(e, "z");
    cr_assert_eq(eng_drop_stream(e, "gone", 0), 0);
    struct eng_stream *s = get(e, "a");
    append(s, 0, 5);
    append(s, 5, 2);
    eng_stream_put(s);
    eng_close(e);

    e = open_engine();
    expect_list(e, "1,2,4");
    s = get(e, "a");
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_eq(li.next_sn, 7);
    cr_assert_eq(li.records, 2);
    eng_stream_put(s);
    s = get(e, "logs");
    cr_assert_eq(s->id, 2);
    cr_assert_eq(s->schema->format, SCH_FMT_RAW);
    cr_assert_eq(s->schema->fsync, SCH_FSYNC_ALWAYS);
    cr_assert_str_eq(s->schema->cols[0].name, "raw");
    eng_stream_put(s);
    create(e, "new");
    expect_list(e, "1,2,4,5");
    eng_close(e);
}

Test(engine, ref_keeps_dropped_stream_usable)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    append(s, 0, 3);
    cr_assert_eq(eng_drop_stream(e, "s", 0), 0);
    cr_assert_eq(atomic_load(&s->dropped), 1, "marked dropped");
    /* the reference still works: its log, its stats, its rendering */
    cr_assert_str_eq(s->schema->name, "s");
    append(s, 3, 2);
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_eq(li.next_sn, 5);
    struct blk *b = NULL;
    uint64_t sn;
    cr_assert_eq(log_read(s->log, 1, &b, &sn), 0);
    cr_assert_eq(sn, 3);
    blk_unref(b);
    expect_stat(s, "rows", "5");
    struct buf d = dump_all(s, 4096, 0);
    struct buf want = BUF_INIT;
    for (int64_t i = 0; i < 5; i++)
        expect_json_row(&want, i);
    expect_same(&d, &want, "data of a dropped stream");
    buf_free(&d);
    buf_free(&want);
    eng_stream_reject(s, 1, "late", "x", 1); /* must not recreate its directory */
    cr_assert_eq(os_exists(s->dir), 0);
    /* the name is free again while the old reference lives */
    create(e, "s");
    struct eng_stream *s2 = get(e, "s");
    cr_assert_neq(s2, s);
    cr_assert_eq(s2->id, 2);
    log_get_info(s2->log, &li);
    cr_assert_eq(li.next_sn, 0);
    eng_stream_put(s2);
    eng_stream_put(s); /* the last reference frees it (ASan checks) */
    eng_close(e);
}

Test(engine, ref_outlives_engine)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    eng_close(e);
    append(s, 0, 2);
    expect_stat(s, "rows", "2");
    eng_stream_put(s);
}

Test(engine, create_fails_cleanly_on_storage_error)
{
    struct engine *e = open_engine();
    create(e, "a");
    /* the catalog rewrite (write, fsync, open of its temp file) or the new
     * log's open fails: no stream, and the engine goes on */
    const struct {
        enum os_fault_op op;
        long nth;
    } faults[] = {{OS_FAULT_WRITE, 1}, {OS_FAULT_SHORT, 1}, {OS_FAULT_FSYNC, 1},
                  {OS_FAULT_OPEN, 1},  {OS_FAULT_OPEN, 3}};
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        os_fault_set(faults[i].op, faults[i].nth, EIO);
        int created = -1;
        int rc = eng_create_stream(e, schema("b"), 0, &created);
        os_fault_clear();
        cr_assert_eq(rc, -EIO, "fault %zu: rc %d", i, rc);
        cr_assert_eq(created, 0);
        struct eng_stream *s = NULL;
        cr_assert_eq(eng_stream_get(e, "b", &s), -ENOENT, "fault %zu", i);
        expect_list(e, "1");
    }
    create(e, "b");
    eng_close(e);
    e = open_engine();
    uint32_t *ids, n;
    cr_assert_eq(eng_list(e, &ids, &n), 0);
    cr_assert_eq(n, 2, "a and b, nothing half-created");
    free(ids);
    struct eng_stream *s = get(e, "b");
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, drop_fails_cleanly_on_storage_error)
{
    struct engine *e = open_engine();
    create(e, "a");
    struct eng_stream *s = get(e, "a");
    append(s, 0, 2);
    eng_stream_put(s);
    os_fault_set(OS_FAULT_WRITE, 1, ENOSPC);
    cr_assert_eq(eng_drop_stream(e, "a", 0), -ENOSPC);
    os_fault_clear();
    s = get(e, "a");
    cr_assert_eq(atomic_load(&s->dropped), 0);
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_eq(li.next_sn, 2, "its data is still there");
    eng_stream_put(s);
    eng_close(e);
    e = open_engine();
    expect_list(e, "1");
    cr_assert_eq(eng_drop_stream(e, "a", 0), 0);
    eng_close(e);
}

/* --- stats -------------------------------------------------------------- */

Test(engine, stats_text)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    append(s, 0, 3);   /* times T0 + 0, 10, 20 ms */
    append(s, 10, 2);  /* T0 + 100, 110 */
    eng_stream_accepted(s, 5, 321);
    eng_stream_reject(s, 1, "bad", "{", 1);
    eng_stream_reject(s, 2, "bad", "}", 1);
    struct log_info li;
    log_get_info(s->log, &li);
    char *text = stats(s);
    char want[1024];
    snprintf(want, sizeof(want),
             "rows: 5\n"
             "bytes: %llu\n"
             "sequence: 5\n"
             "first_sequence: 0\n"
             "records: 2\n"
             "segments: 1\n"
             "codec: lz4\n"
             "parts: 0\n"
             "part_rows: 0\n"
             "part_bytes: 0\n"
             "compacted_sequence: 0\n"
             "compactions: 0\n"
             "merges: 0\n"
             "min_time: 2024-07-10 00:00:00.000\n"
             "max_time: 2024-07-10 00:00:00.110\n"
             "errors: 2\n"
             "ingest_bytes: 321\n"
             "ingest_rows_per_s: 0.5\n",
             (unsigned long long)li.bytes);
    cr_assert_str_eq(text, want);
    free(text);
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, stats_keys_of_empty_stream)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    expect_stat(s, "rows", "0");
    expect_stat(s, "bytes", "48"); /* the first segment's header */
    expect_stat(s, "sequence", "0");
    expect_stat(s, "errors", "0");
    expect_stat(s, "ingest_rows_per_s", "0.0");
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, stats_rate_window)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    eng_stream_accepted(s, 50, 0);
    clk_fake_advance(1000000000LL);
    eng_stream_accepted(s, 30, 0);
    eng_stream_accepted(s, 20, 0);
    expect_stat(s, "ingest_rows_per_s", "10.0"); /* 100 rows over the 10 s window */
    clk_fake_advance(9000000000LL);                /* first second leaves the window */
    expect_stat(s, "ingest_rows_per_s", "5.0");
    clk_fake_advance(1000000000LL);
    expect_stat(s, "ingest_rows_per_s", "0.0");
    eng_stream_accepted(s, 7, 0); /* reuses a slot: old counts do not come back */
    expect_stat(s, "ingest_rows_per_s", "0.7");
    clk_fake_advance(10LL * 1000000000LL);
    eng_stream_accepted(s, 1, 0); /* same slot, ten seconds later */
    expect_stat(s, "ingest_rows_per_s", "0.1");
    eng_stream_put(s);
    eng_close(e);
}

/* --- errors file -------------------------------------------------------- */

Test(engine, errors_lines)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    uint64_t size = 99;
    cr_assert_eq(eng_errors_size(s, &size), 0);
    cr_assert_eq(size, 0, "no errors file yet");
    char *text = errors_text(s, 100);
    cr_assert_str_eq(text, "");
    free(text);

    clk_fake_set((T0_SEC + 45296) * 1000000000LL + 789000000LL); /* 12:34:56.789 */
    eng_stream_reject(s, 3, "field 'v': not an integer", "{\"v\":\"x\"}", 9);
    clk_fake_advance(1000000LL);
    const char ctl[] = "a\tb\rc\0d\x1f\x7f\xc3\xa9z\\x";
    eng_stream_reject(s, 12, "bad row", ctl, sizeof(ctl) - 1);
    text = errors_text(s, 4096);
    cr_assert_str_eq(text,
                     "2024-07-10 12:34:56.789\tline 3\tfield 'v': not an integer\t{\"v\":\"x\"}\n"
                     "2024-07-10 12:34:56.790\tline 12\tbad row\t"
                     "a\\x09b\\x0dc\\x00d\\x1f\\x7f\xc3\xa9z\\x\n");
    free(text);
    char path[300];
    snprintf(path, sizeof(path), "%s/errors", s->dir);
    cr_assert_eq(os_exists(path), 1, "DATADIR/streams/<id>/errors");
    expect_stat(s, "errors", "2");
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, errors_row_cut_at_200_bytes)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    char row[1000];
    for (size_t i = 0; i < sizeof(row); i++)
        row[i] = (char)('a' + i % 26);
    eng_stream_reject(s, 1, "too long", row, sizeof(row));
    row[199] = '\n'; /* the 200th byte is escaped, the 201st dropped */
    eng_stream_reject(s, 2, "r", row, 201);
    eng_stream_reject(s, 3, "empty", "", 0);
    char *text = errors_text(s, 7);
    char want[2048];
    int n = snprintf(want, sizeof(want), "2024-07-10 00:00:00.000\tline 1\ttoo long\t");
    for (int i = 0; i < 200; i++)
        want[n++] = (char)('a' + i % 26);
    n += snprintf(want + n, sizeof(want) - (size_t)n, "\n2024-07-10 00:00:00.000\tline 2\tr\t");
    for (int i = 0; i < 199; i++)
        want[n++] = (char)('a' + i % 26);
    n += snprintf(want + n, sizeof(want) - (size_t)n,
                  "\\x0a\n2024-07-10 00:00:00.000\tline 3\tempty\t\n");
    cr_assert_str_eq(text, want);
    free(text);
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, errors_read_ranges)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    for (int i = 1; i <= 50; i++) {
        char row[32];
        int n = snprintf(row, sizeof(row), "{\"v\":%d", i);
        eng_stream_reject(s, (uint64_t)i, "unterminated object", row, (size_t)n);
    }
    char *whole = errors_text(s, 1 << 20);
    size_t len = strlen(whole);
    uint64_t size;
    cr_assert_eq(eng_errors_size(s, &size), 0);
    cr_assert_eq(size, len);
    static const size_t chunks[] = {1, 7, 64, 4096};
    for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
        char *t = errors_text(s, chunks[k]);
        cr_assert_str_eq(t, whole, "chunk %zu", chunks[k]);
        free(t);
    }
    struct buf b = BUF_INIT;
    cr_assert_eq(eng_errors_read(s, 30, 10, &b), 0);
    cr_assert_eq(b.len, 10);
    cr_assert(memcmp(b.data, whole + 30, 10) == 0);
    buf_reset(&b);
    cr_assert_eq(eng_errors_read(s, size, 10, &b), 0);
    cr_assert_eq(b.len, 0, "at the end: nothing");
    cr_assert_eq(eng_errors_read(s, size + 100, 10, &b), 0);
    cr_assert_eq(b.len, 0);
    buf_free(&b);
    /* 50 lines, each naming its line number */
    int lines = 0;
    for (const char *p = whole; (p = strchr(p, '\n')); p++)
        lines++;
    cr_assert_eq(lines, 50);
    cr_assert_not_null(strstr(whole, "\tline 50\tunterminated object\t{\"v\":50\n"));
    free(whole);
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, errors_survive_reopen)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    eng_stream_reject(s, 4, "x", "y", 1);
    eng_stream_put(s);
    eng_close(e);
    e = open_engine();
    s = get(e, "s");
    char *text = errors_text(s, 4096);
    cr_assert_str_eq(text, "2024-07-10 00:00:00.000\tline 4\tx\ty\n");
    free(text);
    eng_stream_reject(s, 5, "x", "z", 1);
    text = errors_text(s, 4096);
    cr_assert_str_eq(text, "2024-07-10 00:00:00.000\tline 4\tx\ty\n"
                           "2024-07-10 00:00:00.000\tline 5\tx\tz\n",
                     "appended, not overwritten");
    free(text);
    eng_stream_put(s);
    eng_close(e);
}

/* --- ctl outcomes ------------------------------------------------------- */

static char *outcomes(struct engine *e)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(eng_outcomes_render(e, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data;
}

Test(engine, outcomes_few)
{
    struct engine *e = open_engine();
    char *t = outcomes(e);
    cr_assert_str_eq(t, "");
    free(t);
    eng_outcome_add(e, "ok: created stream a");
    eng_outcome_add(e, "error: line 1, column 15: unknown type 'int33'");
    t = outcomes(e);
    cr_assert_str_eq(t, "ok: created stream a\nerror: line 1, column 15: unknown type 'int33'\n");
    free(t);
    eng_close(e);
}

Test(engine, outcomes_ring_keeps_newest_100)
{
    struct engine *e = open_engine();
    for (int i = 0; i < 100; i++) {
        char line[32];
        snprintf(line, sizeof(line), "ok: %d", i);
        eng_outcome_add(e, line);
    }
    struct buf want = BUF_INIT;
    for (int i = 0; i < 100; i++)
        cr_assert_eq(buf_printf(&want, "ok: %d\n", i), 0);
    cr_assert_eq(buf_cstr(&want), 0);
    char *t = outcomes(e);
    cr_assert_str_eq(t, want.data, "exactly 100");
    free(t);
    for (int i = 100; i < 357; i++) {
        char line[32];
        snprintf(line, sizeof(line), "ok: %d", i);
        eng_outcome_add(e, line);
    }
    buf_reset(&want);
    for (int i = 257; i < 357; i++)
        cr_assert_eq(buf_printf(&want, "ok: %d\n", i), 0);
    cr_assert_eq(buf_cstr(&want), 0);
    t = outcomes(e);
    cr_assert_str_eq(t, want.data, "the newest 100, oldest first");
    free(t);
    buf_free(&want);
    eng_close(e);
}

struct outcome_arg {
    struct engine *e;
    int thread;
};

static void *add_outcomes(void *p)
{
    struct outcome_arg *a = p;
    for (int i = 0; i < 500; i++) {
        char line[48];
        snprintf(line, sizeof(line), "ok: thread %d item %d", a->thread, i);
        eng_outcome_add(a->e, line);
    }
    return NULL;
}

Test(engine, outcomes_from_threads)
{
    struct engine *e = open_engine();
    pthread_t th[4];
    struct outcome_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct outcome_arg){e, i};
        cr_assert_eq(pthread_create(&th[i], NULL, add_outcomes, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    char *t = outcomes(e);
    int lines = 0, last[4] = {-1, -1, -1, -1};
    for (char *p = t, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        int th_no, item;
        *nl = '\0';
        cr_assert_eq(sscanf(p, "ok: thread %d item %d", &th_no, &item), 2, "line '%s'", p);
        cr_assert(item > last[th_no], "per-thread order kept");
        last[th_no] = item;
        lines++;
    }
    cr_assert_eq(lines, 100);
    free(t);
    eng_close(e);
}

/* --- concurrent create/drop --------------------------------------------- */

static void *create_many(void *p)
{
    struct outcome_arg *a = p;
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof(name), "t%d_%d", a->thread, i);
        int created;
        cr_assert_eq(eng_create_stream(a->e, schema(name), 0, &created), 0);
        if (i % 2)
            cr_assert_eq(eng_drop_stream(a->e, name, 0), 0);
    }
    return NULL;
}

Test(engine, concurrent_create_drop)
{
    struct engine *e = open_engine();
    pthread_t th[4];
    struct outcome_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct outcome_arg){e, i};
        cr_assert_eq(pthread_create(&th[i], NULL, create_many, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    uint32_t *ids, n;
    cr_assert_eq(eng_list(e, &ids, &n), 0);
    cr_assert_eq(n, 20);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert(ids[i] >= 1 && ids[i] <= 40);
        for (uint32_t j = 0; j < i; j++)
            cr_assert_neq(ids[i], ids[j], "ids are unique");
    }
    free(ids);
    eng_close(e);
    e = open_engine();
    cr_assert_eq(eng_list(e, &ids, &n), 0);
    cr_assert_eq(n, 20);
    free(ids);
    for (int t = 0; t < 4; t++)
        for (int i = 0; i < 10; i += 2) {
            char name[32];
            snprintf(name, sizeof(name), "t%d_%d", t, i);
            struct eng_stream *s = get(e, name);
            eng_stream_put(s);
        }
    eng_close(e);
}

/* --- dump --------------------------------------------------------------- */

Test(engine, dump_empty_stream)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    uint64_t size = 99;
    cr_assert_eq(dump_size(s, &size), 0);
    cr_assert_eq(size, 0);
    struct dump_cursor *c = NULL;
    cr_assert_eq(dump_cursor_create(&c), 0);
    struct buf out = BUF_INIT;
    cr_assert_eq(dump_read(s, c, 0, 4096, &out), 0);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(dump_read(s, c, 1000, 4096, &out), 0);
    cr_assert_eq(out.len, 0);
    buf_free(&out);
    dump_cursor_destroy(c);
    dump_cursor_destroy(NULL);
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, dump_renders_json_lines)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    append(s, 0, 5);
    append(s, 5, 1);
    append(s, 6, 0); /* an empty record renders as nothing */
    append(s, 6, 40);
    struct buf want = BUF_INIT;
    for (int64_t i = 0; i < 46; i++)
        expect_json_row(&want, i);
    uint64_t size;
    cr_assert_eq(dump_size(s, &size), 0);
    cr_assert_eq(size, want.len);
    struct buf whole = dump_all(s, (size_t)size, 0);
    expect_same(&whole, &want, "whole");
    cr_assert_eq(buf_cstr(&whole), 0);
    const char *first =
        "{\"v\":0,\"s\":\"r0\",\"_tp_time\":\"2024-07-10 00:00:00.000\"}\n"
        "{\"v\":1,\"s\":\"r1\",\"_tp_time\":\"2024-07-10 00:00:00.010\"}\n"
        "{\"v\":2,\"s\":\"q\\\"2\\\\\\t\",\"_tp_time\":\"2024-07-10 00:00:00.020\"}\n"
        "{\"v\":3,\"s\":null,\"_tp_time\":\"2024-07-10 00:00:00.030\"}\n";
    cr_assert(!strncmp(whole.data, first, strlen(first)), "first rows:\n%.240s", whole.data);
    static const size_t chunks[] = {1, 7, 4096};
    for (size_t k = 0; k < 3; k++) {
        struct buf a = dump_all(s, chunks[k], 0);
        expect_same(&a, &want, "one cursor");
        buf_free(&a);
        struct buf b = dump_all(s, chunks[k], 1);
        expect_same(&b, &want, "a cursor per read");
        buf_free(&b);
    }
    buf_free(&whole);
    buf_free(&want);
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, dump_random_offsets)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    for (int64_t r = 0; r < 20; r++)
        append(s, r * 7, 7);
    struct buf want = BUF_INIT;
    for (int64_t i = 0; i < 140; i++)
        expect_json_row(&want, i);
    struct dump_cursor *c = NULL;
    cr_assert_eq(dump_cursor_create(&c), 0);
    uint32_t seed = 99;
    for (int iter = 0; iter < 500; iter++) {
        seed = seed * 1103515245u + 12345u;
        uint64_t off = (seed >> 8) % (want.len + 10);
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 8) % 700;
        struct buf out = BUF_INIT;
        cr_assert_eq(dump_read(s, c, off, n, &out), 0);
        size_t expect = off >= want.len ? 0 : (want.len - off < n ? want.len - off : n);
        cr_assert_eq(out.len, expect, "off %llu n %zu", (unsigned long long)off, n);
        cr_assert(expect == 0 || memcmp(out.data, want.data + off, expect) == 0,
                  "off %llu n %zu", (unsigned long long)off, n);
        buf_free(&out);
    }
    dump_cursor_destroy(c);
    buf_free(&want);
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, dump_follows_growth)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    struct dump_cursor *c = NULL;
    cr_assert_eq(dump_cursor_create(&c), 0);
    struct buf seen = BUF_INIT, want = BUF_INIT;
    uint64_t off = 0;
    int64_t next = 0;
    /* like tail -f: read to the end, the log grows, read on from there */
    for (int round = 0; round < 6; round++) {
        uint32_t n = (uint32_t)(round * 3 + 1);
        append(s, next, n);
        for (uint32_t i = 0; i < n; i++)
            expect_json_row(&want, next + i);
        next += n;
        uint64_t size;
        cr_assert_eq(dump_size(s, &size), 0);
        cr_assert_eq(size, want.len, "round %d", round);
        for (;;) {
            size_t before = seen.len;
            cr_assert_eq(dump_read(s, c, off, 13, &seen), 0);
            if (seen.len == before)
                break;
            off += seen.len - before;
        }
        expect_same(&seen, &want, "following");
    }
    buf_free(&seen);
    buf_free(&want);
    dump_cursor_destroy(c);
    eng_stream_put(s);
    eng_close(e);
}

Test(engine, dump_size_after_reopen)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    append(s, 0, 4);
    append(s, 4, 4);
    uint64_t size1;
    cr_assert_eq(dump_size(s, &size1), 0);
    eng_stream_put(s);
    eng_close(e);
    e = open_engine();
    s = get(e, "s");
    uint64_t size2;
    cr_assert_eq(dump_size(s, &size2), 0);
    cr_assert_eq(size2, size1);
    struct buf want = BUF_INIT;
    for (int64_t i = 0; i < 8; i++)
        expect_json_row(&want, i);
    struct buf got = dump_all(s, 7, 0);
    expect_same(&got, &want, "after reopen");
    buf_free(&got);
    buf_free(&want);
    eng_stream_put(s);
    eng_close(e);
}

/* The errors file is bounded: a line that would take it past
 * ENG_ERRORS_MAX starts a fresh file (the old one becomes errors.1), and
 * the stats count what is on record in both, also after a reopen. */
Test(engine, errors_rotate_and_count)
{
    struct engine *e = open_engine();
    create(e, "s");
    struct eng_stream *s = get(e, "s");
    char row[150], path[512];
    memset(row, 'r', sizeof(row));
    snprintf(path, sizeof(path), "%s/errors.1", s->dir);
    uint64_t n = 0, size = 0, before = 0;
    while (access(path, F_OK) != 0) {
        before = size;
        eng_stream_reject(s, ++n, "bad", row, sizeof(row));
        cr_assert_eq(eng_errors_size(s, &size), 0);
        cr_assert_leq(size, ENG_ERRORS_MAX, "the bound holds");
        cr_assert_lt(n, 100000, "rotation never happened");
    }
    cr_assert_gt(before, ENG_ERRORS_MAX - 400, "rotated only near the bound");
    cr_assert_lt(size, 400, "the current file starts anew with the last line");
    char want[32];
    snprintf(want, sizeof(want), "%llu", (unsigned long long)n);
    expect_stat(s, "errors", want);
    eng_stream_put(s);
    eng_close(e);
    e = open_engine();
    s = get(e, "s");
    expect_stat(s, "errors", want);
    eng_stream_put(s);
    eng_close(e);
}

/* --- retention ---------------------------------------------------------- */

/* A stream with 64 KiB segments and the given retention. */
static struct eng_stream *create_retained(struct engine *e, const char *name, uint64_t bytes,
                                          uint64_t ms)
{
    struct schema *sc = schema(name);
    sc->segment_bytes = 64 << 10;
    sc->retention_bytes = bytes;
    sc->retention_ms = ms;
    int created = -1;
    cr_assert_eq(eng_create_stream(e, sc, 0, &created), 0);
    return get(e, name);
}

/* Rows from *next on, 100 a record, until the log has `segments` files. */
static void fill_segments(struct eng_stream *s, int64_t *next, uint64_t segments)
{
    struct log_info li;
    for (log_get_info(s->log, &li); li.segments < segments; log_get_info(s->log, &li)) {
        append(s, *next, 100);
        *next += 100;
    }
}

/* The JSON lines of rows [from, to). */
static struct buf rows_json(int64_t from, int64_t to)
{
    struct buf b = BUF_INIT;
    for (int64_t i = from; i < to; i++)
        expect_json_row(&b, i);
    return b;
}

static void expect_stat_u(struct eng_stream *s, const char *key, uint64_t want)
{
    char v[32];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)want);
    expect_stat(s, key, v);
}

/* Read with cursor c from off to its end, into out; the offset reached. */
static uint64_t read_on(struct eng_stream *s, struct dump_cursor *c, uint64_t off, struct buf *out)
{
    for (;;) {
        size_t before = out->len;
        cr_assert_eq(dump_read(s, c, off, 777, out), 0);
        if (out->len == before)
            return off;
        off += out->len - before;
    }
}

/* stats and data show the log's retained rows [first_sn, next_sn). */
static void expect_retained_stream(struct eng_stream *s)
{
    struct log_info li;
    log_get_info(s->log, &li);
    expect_stat_u(s, "rows", li.next_sn - li.first_sn);
    expect_stat_u(s, "sequence", li.next_sn);
    expect_stat_u(s, "first_sequence", li.first_sn);
    expect_stat_u(s, "records", li.records - li.first_record);
    expect_stat_u(s, "segments", li.segments);
    struct buf want = rows_json((int64_t)li.first_sn, (int64_t)li.next_sn);
    struct buf got = dump_all(s, 4000, 0);
    expect_same(&got, &want, "data holds the retained rows");
    buf_free(&got);
    buf_free(&want);
}

Test(engine, retention_by_bytes_and_reopen)
{
    struct engine *e = open_engine();
    struct eng_stream *s = create_retained(e, "s", 256 << 10, 0);
    int64_t next = 0;
    fill_segments(s, &next, 12);
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_eq(li.first_sn, 0, "nothing goes before eng_stream_retain");
    cr_assert_eq(eng_stream_safe_sn(s), 0, "nothing in column parts yet: no row is safe");
    cr_assert_eq(eng_stream_retain(s), 0); /* compacts what it drops first */
    cr_assert_eq(eng_stream_safe_sn(s), li.next_sn, "every row is in parts now");
    log_get_info(s->log, &li);
    cr_assert_leq(li.bytes, 256 << 10);
    cr_assert_gt(li.first_sn, 0);
    cr_assert_gt(li.segments, 1);
    char path[512];
    snprintf(path, sizeof(path), "%s/log/00000000000000000000.seg", s->dir);
    cr_assert_not(os_exists(path), "the oldest segment file is gone");
    expect_retained_stream(s);
    uint64_t first_sn = li.first_sn;
    eng_stream_put(s);
    eng_close(e);

    e = open_engine();
    s = get(e, "s");
    log_get_info(s->log, &li);
    cr_assert_eq(li.first_sn, first_sn);
    cr_assert_eq(li.next_sn, (uint64_t)next);
    expect_retained_stream(s);
    append(s, next, 3); /* sequence numbers follow on */
    next += 3;
    log_get_info(s->log, &li);
    cr_assert_eq(li.next_sn, (uint64_t)next);
    expect_retained_stream(s);
    eng_stream_put(s);
    eng_close(e);
}

/* Segments expire while the daemon is away: dropped at open. */
Test(engine, retention_by_time_at_open)
{
    struct engine *e = open_engine();
    struct eng_stream *s = create_retained(e, "s", 0, 3600000); /* 1 h */
    int64_t next = 0;
    fill_segments(s, &next, 6);
    cr_assert_eq(eng_stream_retain(s), 0);
    expect_stat(s, "first_sequence", "0"); /* rows at T0 + 10 ms * i: all new */
    eng_stream_put(s);
    eng_close(e);
    clk_fake_set((T0_SEC + 7200) * 1000000000LL); /* 2 h later */
    e = open_engine();
    s = get(e, "s");
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_eq(li.segments, 1, "every sealed segment expired");
    cr_assert_gt(li.first_sn, 0);
    expect_retained_stream(s);
    eng_stream_put(s);
    eng_close(e);
}

/* Readers of `data` when retention drops records under them: offsets of
 * what remains stay put and the size never shrinks; a cursor inside a
 * dropped record finishes that record and skips to the first one left; a
 * fresh reader from 0 sees exactly the retained rows, whole lines. */
Test(engine, dump_skips_records_dropped_under_readers)
{
    struct engine *e = open_engine();
    struct eng_stream *s = create_retained(e, "s", 128 << 10, 0);
    int64_t next = 0;
    fill_segments(s, &next, 6);
    struct buf all = rows_json(0, next);
    struct buf rec0 = rows_json(0, 100); /* the first record's rendering */
    uint64_t size;
    cr_assert_eq(dump_size(s, &size), 0);
    cr_assert_eq(size, all.len);
    struct dump_cursor *c = NULL;
    cr_assert_eq(dump_cursor_create(&c), 0);
    struct buf seen = BUF_INIT;
    cr_assert_eq(dump_read(s, c, 0, 100, &seen), 0); /* inside record 0 */
    cr_assert_eq(seen.len, 100);

    cr_assert_eq(eng_stream_retain(s), 0);
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_gt(li.first_sn, 100, "record 0 and more were dropped");
    uint64_t size2;
    cr_assert_eq(dump_size(s, &size2), 0);
    cr_assert_eq(size2, size, "the size does not shrink");

    /* the cursor: the rest of record 0, then the first retained record */
    uint64_t off = read_on(s, c, seen.len, &seen);
    struct buf want = BUF_INIT;
    cr_assert_eq(buf_append(&want, rec0.data, rec0.len), 0);
    struct buf rest = rows_json((int64_t)li.first_sn, next);
    cr_assert_eq(buf_append(&want, rest.data, rest.len), 0);
    expect_same(&seen, &want, "a reader inside a dropped record");

    /* a fresh reader from 0, and one from inside the dropped part */
    static const uint64_t starts[] = {0, 5000};
    for (int k = 0; k < 2; k++) {
        struct dump_cursor *f = NULL;
        cr_assert_eq(dump_cursor_create(&f), 0);
        struct buf got = BUF_INIT;
        read_on(s, f, starts[k], &got);
        expect_same(&got, &rest, "a reader from the dropped part");
        buf_free(&got);
        dump_cursor_destroy(f);
    }
    /* offsets in the retained part read as before */
    uint64_t at = all.len - rest.len + 10;
    struct dump_cursor *f = NULL;
    cr_assert_eq(dump_cursor_create(&f), 0);
    struct buf got = BUF_INIT;
    cr_assert_eq(dump_read(s, f, at, 500, &got), 0);
    cr_assert_eq(got.len, 500);
    cr_assert(!memcmp(got.data, all.data + at, 500), "a retained offset reads the same bytes");
    buf_free(&got);
    dump_cursor_destroy(f);

    /* and the file grows on from there, for the reader that skipped too */
    append(s, next, 5);
    struct buf more = rows_json(next, next + 5);
    cr_assert_eq(dump_size(s, &size2), 0);
    cr_assert_eq(size2, size + more.len);
    size_t had = seen.len;
    read_on(s, c, off, &seen);
    cr_assert_eq(seen.len - had, more.len);
    cr_assert(!memcmp(seen.data + had, more.data, more.len), "the new rows follow");
    buf_free(&more);
    buf_free(&rest);
    buf_free(&want);
    buf_free(&seen);
    buf_free(&rec0);
    buf_free(&all);
    dump_cursor_destroy(c);
    eng_stream_put(s);
    eng_close(e);
}
