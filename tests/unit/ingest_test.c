/*
 * ingest_test.c — one open `ingest` file (exec/ingest.h), SPEC "File
 * semantics": JSON and raw lines split across writes at every byte give the
 * same rows; a final unterminated line becomes a row at ing_close; a
 * malformed row fails its whole write (-EINVAL) while earlier writes stay
 * and the handle keeps working, and the errors file names its line within
 * the open file; on_error='skip'; blank lines (ignored in JSON, rows in raw
 * streams); where _tp_time comes from (the fake ingest clock, the row's own
 * field, the event_time_column); fsync='always' versus 'close' observed
 * through fsync fault injection; storage failures; and 8 threads x 2000
 * rows through separate handles, never interleaved, each row exactly once
 * and in per-thread order; retention applied as writes roll segments.
 *
 * Rows are read back through the `data` renderer (exec/dump.h) as JSON
 * lines, or through log_read for the concurrency count.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/dump.h"
#include "exec/engine.h"
#include "exec/ingest.h"
#include "os/os.h"
#include "util/clock.h"

/* 2024-07-10 00:00:00 UTC */
#define T0_SEC 1720569600LL
#define NS_PER_MS 1000000LL

static char tmpdir[64];
static struct engine *eng;

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_ing_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    clk_fake_set(T0_SEC * 1000000000LL);
    cr_assert_eq(eng_open(tmpdir, &eng), 0);
}

static void teardown(void)
{
    os_fault_clear();
    eng_close(eng);
    eng = NULL;
    clk_fake_off();
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

TestSuite(ingest, .init = setup, .fini = teardown);

struct opts {
    enum sch_fsync fsync;
    enum sch_on_error on_error;
};

/* A JSON stream name (a int64, b nullable(string)) + _tp_time. */
static struct eng_stream *json_stream(const char *name, struct opts o)
{
    struct schema *s = NULL;
    cr_assert_eq(sch_create(name, &s), 0);
    cr_assert_eq(sch_add_col(s, "a", (struct ty){TY_INT64, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "b", (struct ty){TY_STRING, 1, 0}), 0);
    cr_assert_eq(sch_finish(s), 0);
    s->fsync = o.fsync;
    s->on_error = o.on_error;
    int created;
    cr_assert_eq(eng_create_stream(eng, s, 0, &created), 0);
    struct eng_stream *st = NULL;
    cr_assert_eq(eng_stream_get(eng, name, &st), 0);
    return st;
}

/* A raw stream, as mkdir makes it: (raw string) + _tp_time. */
static struct eng_stream *raw_stream(const char *name)
{
    struct schema *s = NULL;
    cr_assert_eq(sch_create(name, &s), 0);
    s->format = SCH_FMT_RAW;
    cr_assert_eq(sch_add_col(s, "raw", (struct ty){TY_STRING, 0, 0}), 0);
    cr_assert_eq(sch_finish(s), 0);
    int created;
    cr_assert_eq(eng_create_stream(eng, s, 0, &created), 0);
    struct eng_stream *st = NULL;
    cr_assert_eq(eng_stream_get(eng, name, &st), 0);
    return st;
}

static struct ing_handle *open_h(struct eng_stream *s)
{
    struct ing_handle *h = NULL;
    cr_assert_eq(ing_open(s, &h), 0);
    cr_assert_not_null(h);
    return h;
}

/* ing_write of n bytes from an exact-size copy (ASan sees any overread). */
static int wr(struct ing_handle *h, const char *p, size_t n)
{
    char *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, p, n);
    int rc = ing_write(h, copy, n);
    free(copy);
    return rc;
}

static int wrs(struct ing_handle *h, const char *s)
{
    return wr(h, s, strlen(s));
}

/* The stream's data file, whole (caller frees). */
static char *data(struct eng_stream *s)
{
    uint64_t size;
    cr_assert_eq(dump_size(s, &size), 0);
    struct dump_cursor *c = NULL;
    cr_assert_eq(dump_cursor_create(&c), 0);
    struct buf out = BUF_INIT;
    cr_assert_eq(dump_read(s, c, 0, (size_t)size + 1, &out), 0);
    cr_assert_eq(out.len, size);
    dump_cursor_destroy(c);
    cr_assert_eq(buf_cstr(&out), 0);
    return out.data;
}

static void expect_data(struct eng_stream *s, const char *want)
{
    char *got = data(s);
    cr_assert_str_eq(got, want);
    free(got);
}

static uint64_t rows_in(struct eng_stream *s)
{
    struct log_info li;
    log_get_info(s->log, &li);
    return li.next_sn;
}

static uint64_t records_in(struct eng_stream *s)
{
    struct log_info li;
    log_get_info(s->log, &li);
    return li.records;
}

/* The errors file, whole (caller frees). */
static char *errors(struct eng_stream *s)
{
    uint64_t size;
    cr_assert_eq(eng_errors_size(s, &size), 0);
    struct buf b = BUF_INIT;
    cr_assert_eq(eng_errors_read(s, 0, (size_t)size + 1, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data;
}

/* Check errors line k (0-based): "<time>\tline <n>\t<reason>\t<row>". */
static void expect_error_line(struct eng_stream *s, int k, uint64_t line_no, const char *row,
                              const char *reason_has)
{
    char *text = errors(s);
    char *p = text;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '\n');
        cr_assert_not_null(p, "fewer than %d error lines:\n%s", k + 1, text);
        p++;
    }
    char *nl = strchr(p, '\n');
    cr_assert_not_null(nl, "no error line %d:\n%s", k, text);
    *nl = '\0';
    char *f[4] = {p, NULL, NULL, NULL};
    for (int i = 1; i < 4; i++) {
        char *tab = strchr(f[i - 1], '\t');
        cr_assert_not_null(tab, "error line '%s' has fewer than 4 fields", p);
        *tab = '\0';
        f[i] = tab + 1;
    }
    cr_assert_eq(strlen(f[0]), 23, "time '%s'", f[0]);
    cr_assert_eq(strncmp(f[0], "2024-07-10 ", 11), 0, "time '%s'", f[0]);
    char want_line[32];
    snprintf(want_line, sizeof(want_line), "line %llu", (unsigned long long)line_no);
    cr_assert_str_eq(f[1], want_line);
    cr_assert(strlen(f[2]) > 0, "a reason is given");
    if (reason_has)
        cr_assert_not_null(strstr(f[2], reason_has), "reason '%s' lacks '%s'", f[2], reason_has);
    cr_assert_str_eq(f[3], row);
    free(text);
}

static int error_lines(struct eng_stream *s)
{
    char *text = errors(s);
    int n = 0;
    for (char *p = text; (p = strchr(p, '\n')); p++)
        n++;
    free(text);
    return n;
}

/* A JSON line of rows written at the default fake time. */
#define T0_TEXT "2024-07-10 00:00:00.000"
#define ROW(a, b) "{\"a\":" #a ",\"b\":" b ",\"_tp_time\":\"" T0_TEXT "\"}\n"

static const struct opts DEF = {SCH_FSYNC_CLOSE, SCH_ON_ERROR_FAIL};

/* --- lines and writes --------------------------------------------------- */

Test(ingest, json_rows)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n{\"b\":null,\"a\":-3,\"zz\":[1]}\n"), 0);
    cr_assert_eq(records_in(s), 1, "one write, one record");
    expect_data(s, ROW(1, "\"x\"") ROW(2, "null") ROW(-3, "null"));
    cr_assert_eq(ing_close(h), 0);
    cr_assert_eq(rows_in(s), 3);
    eng_stream_put(s);
}

Test(ingest, rows_visible_when_write_returns)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n"), 0);
    cr_assert_eq(rows_in(s), 1);
    cr_assert_eq(wrs(h, "{\"a\":2}\n{\"a\":3}\n"), 0);
    cr_assert_eq(rows_in(s), 3);
    cr_assert_eq(records_in(s), 2);
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

static const char SPLIT_INPUT[] = "{\"a\":1,\"b\":\"h\\u00e9llo \\\"q\\\"\"}\n"
                                  "\n"
                                  "{\"a\":22}\r\n"
                                  "{\"b\":\"\\u20ac\",\"a\":333}\n"
                                  "{\"a\":4444,\"b\":{\"x\":[1, 2]}}";

Test(ingest, json_split_at_every_byte)
{
    size_t n = strlen(SPLIT_INPUT);
    /* the reference: the whole input in one write */
    struct eng_stream *ref = json_stream("ref", DEF);
    struct ing_handle *h = open_h(ref);
    cr_assert_eq(wrs(h, SPLIT_INPUT), 0);
    cr_assert_eq(ing_close(h), 0);
    char *want = data(ref);
    cr_assert_str_eq(want, ROW(1, "\"h\xc3\xa9llo \\\"q\\\"\"") ROW(22, "null")
                               ROW(333, "\"\xe2\x82\xac\"") ROW(4444, "\"{\\\"x\\\":[1,2]}\""));
    eng_stream_put(ref);
    for (size_t cut = 0; cut <= n; cut++) {
        char name[32];
        snprintf(name, sizeof(name), "s%zu", cut);
        struct eng_stream *s = json_stream(name, DEF);
        h = open_h(s);
        cr_assert_eq(wr(h, SPLIT_INPUT, cut), 0, "cut %zu", cut);
        cr_assert_eq(wr(h, SPLIT_INPUT + cut, n - cut), 0, "cut %zu", cut);
        cr_assert_eq(ing_close(h), 0, "cut %zu", cut);
        char *got = data(s);
        cr_assert_str_eq(got, want, "cut at byte %zu", cut);
        free(got);
        eng_stream_put(s);
    }
    free(want);
}

Test(ingest, json_one_byte_per_write)
{
    struct eng_stream *ref = json_stream("ref", DEF);
    struct ing_handle *h = open_h(ref);
    cr_assert_eq(wrs(h, SPLIT_INPUT), 0);
    cr_assert_eq(ing_close(h), 0);
    char *want = data(ref);
    eng_stream_put(ref);

    struct eng_stream *s = json_stream("s", DEF);
    h = open_h(s);
    for (size_t i = 0; SPLIT_INPUT[i]; i++)
        cr_assert_eq(wr(h, SPLIT_INPUT + i, 1), 0, "byte %zu", i);
    cr_assert_eq(rows_in(s), 3, "the last line waits for close");
    cr_assert_eq(ing_close(h), 0);
    char *got = data(s);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    eng_stream_put(s);
}

Test(ingest, json_three_pieces)
{
    size_t n = strlen(SPLIT_INPUT);
    struct eng_stream *ref = json_stream("ref", DEF);
    struct ing_handle *h = open_h(ref);
    cr_assert_eq(wrs(h, SPLIT_INPUT), 0);
    cr_assert_eq(ing_close(h), 0);
    char *want = data(ref);
    eng_stream_put(ref);
    int k = 0;
    for (size_t i = 0; i <= n; i += 5)
        for (size_t j = i; j <= n; j += 7) {
            char name[32];
            snprintf(name, sizeof(name), "p%d", k++);
            struct eng_stream *s = json_stream(name, DEF);
            h = open_h(s);
            cr_assert_eq(wr(h, SPLIT_INPUT, i), 0);
            cr_assert_eq(wr(h, SPLIT_INPUT + i, j - i), 0);
            cr_assert_eq(wr(h, SPLIT_INPUT + j, n - j), 0);
            cr_assert_eq(ing_close(h), 0);
            char *got = data(s);
            cr_assert_str_eq(got, want, "pieces at %zu and %zu", i, j);
            free(got);
            cr_assert_eq(eng_drop_stream(eng, name, 0), 0);
            eng_stream_put(s);
        }
    free(want);
}

static const char RAW_INPUT[] = "first line\n\nthird\twith tab\n  spaces  \n{\"not\":\"parsed\"}\nlast";

Test(ingest, raw_split_at_every_byte)
{
    size_t n = strlen(RAW_INPUT);
    const char *want = "{\"raw\":\"first line\",\"_tp_time\":\"" T0_TEXT "\"}\n"
                       "{\"raw\":\"\",\"_tp_time\":\"" T0_TEXT "\"}\n"
                       "{\"raw\":\"third\\twith tab\",\"_tp_time\":\"" T0_TEXT "\"}\n"
                       "{\"raw\":\"  spaces  \",\"_tp_time\":\"" T0_TEXT "\"}\n"
                       "{\"raw\":\"{\\\"not\\\":\\\"parsed\\\"}\",\"_tp_time\":\"" T0_TEXT "\"}\n"
                       "{\"raw\":\"last\",\"_tp_time\":\"" T0_TEXT "\"}\n";
    for (size_t cut = 0; cut <= n; cut++) {
        char name[32];
        snprintf(name, sizeof(name), "r%zu", cut);
        struct eng_stream *s = raw_stream(name);
        struct ing_handle *h = open_h(s);
        cr_assert_eq(wr(h, RAW_INPUT, cut), 0);
        cr_assert_eq(wr(h, RAW_INPUT + cut, n - cut), 0);
        cr_assert_eq(rows_in(s), 5, "cut %zu: 'last' waits for close", cut);
        cr_assert_eq(ing_close(h), 0);
        char *got = data(s);
        cr_assert_str_eq(got, want, "cut at byte %zu", cut);
        free(got);
        eng_stream_put(s);
    }
}

Test(ingest, raw_blank_lines_are_rows)
{
    struct eng_stream *s = raw_stream("logs");
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "\n\n\n"), 0);
    cr_assert_eq(rows_in(s), 3);
    cr_assert_eq(wrs(h, "x\n\n"), 0);
    cr_assert_eq(rows_in(s), 5);
    cr_assert_eq(ing_close(h), 0);
    cr_assert_eq(error_lines(s), 0, "a raw stream accepts every line");
    eng_stream_put(s);
}

Test(ingest, raw_accepts_any_bytes)
{
    struct eng_stream *s = raw_stream("logs");
    struct ing_handle *h = open_h(s);
    const char line[] = "nul\0and \xff\xfe bytes\n";
    cr_assert_eq(wr(h, line, sizeof(line) - 1), 0);
    cr_assert_eq(ing_close(h), 0);
    struct blk *b = NULL;
    uint64_t sn;
    cr_assert_eq(log_read(s->log, 0, &b, &sn), 0);
    size_t len;
    const char *p = col_str(&b->cols[0], 0, &len);
    cr_assert_eq(len, sizeof(line) - 2);
    cr_assert(memcmp(p, line, len) == 0, "stored byte for byte");
    blk_unref(b);
    eng_stream_put(s);
}

Test(ingest, json_blank_lines_ignored)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "\n\n{\"a\":1}\n   \n\t\r\n\r\n\n"), 0);
    cr_assert_eq(rows_in(s), 1);
    cr_assert_eq(wrs(h, "\n"), 0);
    cr_assert_eq(records_in(s), 1, "a write of blank lines appends no record");
    /* blank lines still count: this is line 9 of the file */
    cr_assert_eq(wrs(h, "{\"a\":x}\n"), -EINVAL);
    expect_error_line(s, 0, 9, "{\"a\":x}", NULL);
    cr_assert_eq(ing_close(h), 0);
    expect_data(s, ROW(1, "null"));
    eng_stream_put(s);
}

Test(ingest, final_line_becomes_row_at_close)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":2}"), 0);
    cr_assert_eq(rows_in(s), 1, "the unterminated line is not a row yet");
    cr_assert_eq(ing_flush(h), 0);
    cr_assert_eq(rows_in(s), 1, "flush does not end the line either");
    cr_assert_eq(ing_close(h), 0);
    cr_assert_eq(rows_in(s), 2);
    expect_data(s, ROW(1, "null") ROW(2, "null"));
    eng_stream_put(s);
}

Test(ingest, final_raw_line_at_close)
{
    struct eng_stream *s = raw_stream("logs");
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "only"), 0);
    cr_assert_eq(rows_in(s), 0);
    cr_assert_eq(ing_close(h), 0);
    expect_data(s, "{\"raw\":\"only\",\"_tp_time\":\"" T0_TEXT "\"}\n");
    eng_stream_put(s);
}

Test(ingest, malformed_final_line_fails_close)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":"), 0);
    cr_assert_eq(ing_close(h), -EINVAL);
    cr_assert_eq(rows_in(s), 1);
    expect_error_line(s, 0, 2, "{\"a\":", NULL);
    eng_stream_put(s);
}

Test(ingest, close_without_partial)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(ing_close(h), 0);
    cr_assert_eq(rows_in(s), 0);
    cr_assert_eq(records_in(s), 0);
    eng_stream_put(s);
}

Test(ingest, handle_holds_a_reference)
{
    struct eng_stream *s = json_stream("s", DEF);
    int refs = atomic_load(&s->refs);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(atomic_load(&s->refs), refs + 1);
    cr_assert_eq(ing_close(h), 0);
    cr_assert_eq(atomic_load(&s->refs), refs);
    eng_stream_put(s);
}

/* --- malformed rows ----------------------------------------------------- */

Test(ingest, malformed_row_fails_whole_write)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n"), 0);
    uint64_t recs = records_in(s);
    cr_assert_eq(wrs(h, "{\"a\":2}\n{\"a\":\"x\"}\n{\"a\":3}\n"), -EINVAL);
    cr_assert_eq(rows_in(s), 1, "no row of the failed write is committed");
    cr_assert_eq(records_in(s), recs);
    expect_error_line(s, 0, 3, "{\"a\":\"x\"}", "'a'");
    /* the handle keeps working */
    cr_assert_eq(wrs(h, "{\"a\":4}\n"), 0);
    expect_data(s, ROW(1, "null") ROW(4, "null"));
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

Test(ingest, failed_write_keeps_earlier_partial)
{
    /* the failed write's bytes are discarded; the partial line from before
     * it is still waiting, and completes with the next write */
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":"), 0);
    cr_assert_eq(wrs(h, "oops}\n{\"a\":9}\n"), -EINVAL);
    cr_assert_eq(rows_in(s), 1);
    expect_error_line(s, 0, 2, "{\"a\":oops}", NULL);
    cr_assert_eq(wrs(h, "2}\n"), 0);
    expect_data(s, ROW(1, "null") ROW(2, "null"));
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

Test(ingest, failed_write_with_partial_tail_adopts_nothing)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "bad\n{\"a\":5"), -EINVAL);
    cr_assert_eq(rows_in(s), 0);
    cr_assert_eq(ing_close(h), 0, "the failed write left no partial line behind");
    cr_assert_eq(rows_in(s), 0);
    cr_assert_eq(error_lines(s), 1);
    eng_stream_put(s);
}

Test(ingest, error_line_numbers_within_open_file)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"), 0); /* lines 1-3 */
    cr_assert_eq(wrs(h, "{\"a\":4}\n[]\n"), -EINVAL);             /* 4, 5 bad */
    cr_assert_eq(wrs(h, "{\"a\":6}\n{\"a\""), 0);                  /* 6, 7 starts */
    cr_assert_eq(wrs(h, ":7}\n{\"a\":[]}\n"), -EINVAL);            /* 7, 8 bad */
    cr_assert_eq(wrs(h, ":7}\n"), 0);                              /* 7 again */
    expect_error_line(s, 0, 5, "[]", NULL);
    expect_error_line(s, 1, 8, "{\"a\":[]}", "'a'");
    cr_assert_eq(error_lines(s), 2);
    expect_data(s, ROW(1, "null") ROW(2, "null") ROW(3, "null") ROW(6, "null") ROW(7, "null"));
    cr_assert_eq(ing_close(h), 0);
    /* a new open file counts from 1 again */
    h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1.5}\n"), -EINVAL);
    expect_error_line(s, 2, 1, "{\"a\":1.5}", NULL);
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

Test(ingest, error_row_escaped_and_cut)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    char line[400];
    memset(line, 'z', sizeof(line));
    line[0] = '{';
    line[1] = '\t';
    line[sizeof(line) - 1] = '\n';
    cr_assert_eq(wr(h, line, sizeof(line)), -EINVAL);
    char want[256];
    int n = snprintf(want, sizeof(want), "{\\x09");
    for (int i = 2; i < 200; i++)
        want[n++] = 'z';
    want[n] = '\0';
    expect_error_line(s, 0, 1, want, NULL);
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

Test(ingest, json_type_errors)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    static const char *bad[] = {
        "{\"a\":\"1\"}",               /* string into int64 */
        "{\"a\":99999999999999999999}", /* out of range */
        "{\"a\":1,\"a\":2}",            /* duplicate field */
        "{\"a\":1",                     /* truncated */
        "{\"a\":1}}",                   /* trailing characters */
        "\"just a string\"",
        "{\"b\":\"\xff\"}",             /* invalid UTF-8 */
        "{\"b\":\"x\\q\"}",             /* bad escape */
        "{\"a\":1,}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char line[128];
        snprintf(line, sizeof(line), "%s\n", bad[i]);
        cr_assert_eq(wrs(h, line), -EINVAL, "'%s' must be refused", bad[i]);
    }
    cr_assert_eq(rows_in(s), 0);
    cr_assert_eq(error_lines(s), (int)(sizeof(bad) / sizeof(bad[0])));
    expect_error_line(s, 0, 1, "{\"a\":\"1\"}", "'a'");
    struct buf b = BUF_INIT;
    cr_assert_eq(eng_stream_stats(s, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    cr_assert_not_null(strstr(b.data, "\nerrors: 9\n"), "stats:\n%s", b.data);
    buf_free(&b);
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

Test(ingest, on_error_skip_keeps_good_rows)
{
    struct eng_stream *s = json_stream("s", (struct opts){SCH_FSYNC_CLOSE, SCH_ON_ERROR_SKIP});
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\nnot json\n{\"a\":3}\n{\"a\":\"x\"}\n{\"a\":5}\n"), 0);
    cr_assert_eq(wrs(h, "bad\n"), 0, "a write of only bad rows succeeds too");
    cr_assert_eq(wrs(h, "{\"a\":7}\n"), 0);
    expect_data(s, ROW(1, "null") ROW(3, "null") ROW(5, "null") ROW(7, "null"));
    cr_assert_eq(error_lines(s), 3);
    expect_error_line(s, 0, 2, "not json", NULL);
    expect_error_line(s, 1, 4, "{\"a\":\"x\"}", NULL);
    expect_error_line(s, 2, 6, "bad", NULL);
    cr_assert_eq(wrs(h, "{\"a\":"), 0);
    cr_assert_eq(ing_close(h), 0, "a skipped final line does not fail close");
    cr_assert_eq(error_lines(s), 4);
    eng_stream_put(s);
}

/* --- _tp_time ----------------------------------------------------------- */

Test(ingest, tp_time_from_ingest_clock)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    clk_fake_set((T0_SEC + 3723) * 1000000000LL + 456 * NS_PER_MS + 999999); /* 01:02:03.456999 */
    cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":2}\n"), 0);
    clk_fake_advance(1500 * NS_PER_MS);
    cr_assert_eq(wrs(h, "{\"a\":3}\n{\"a\":4}"), 0);
    clk_fake_advance(1000 * NS_PER_MS);
    cr_assert_eq(ing_close(h), 0); /* the final line gets the time of its close */
    expect_data(s, "{\"a\":1,\"b\":null,\"_tp_time\":\"2024-07-10 01:02:03.456\"}\n"
                   "{\"a\":2,\"b\":null,\"_tp_time\":\"2024-07-10 01:02:03.456\"}\n"
                   "{\"a\":3,\"b\":null,\"_tp_time\":\"2024-07-10 01:02:04.956\"}\n"
                   "{\"a\":4,\"b\":null,\"_tp_time\":\"2024-07-10 01:02:05.956\"}\n");
    eng_stream_put(s);
}

Test(ingest, tp_time_from_row)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1,\"_tp_time\":\"2023-01-02 03:04:05.678\"}\n"
                        "{\"_tp_time\":\"2023-01-02T03:04:05Z\",\"a\":2}\n"
                        "{\"a\":3,\"_tp_time\":null}\n"
                        "{\"a\":4,\"_tp_time\":\"2023-01-02 03:04:05.678999\"}\n"),
                 0);
    expect_data(s, "{\"a\":1,\"b\":null,\"_tp_time\":\"2023-01-02 03:04:05.678\"}\n"
                   "{\"a\":2,\"b\":null,\"_tp_time\":\"2023-01-02 03:04:05.000\"}\n"
                   "{\"a\":3,\"b\":null,\"_tp_time\":\"" T0_TEXT "\"}\n"
                   "{\"a\":4,\"b\":null,\"_tp_time\":\"2023-01-02 03:04:05.678\"}\n");
    cr_assert_eq(wrs(h, "{\"a\":5,\"_tp_time\":\"yesterday\"}\n"), -EINVAL);
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

/* A stream (ts <type>, v int32) with event_time_column='ts'. */
static struct eng_stream *event_stream(const char *name, struct ty ts)
{
    struct schema *s = NULL;
    cr_assert_eq(sch_create(name, &s), 0);
    cr_assert_eq(sch_add_col(s, "ts", ts), 0);
    cr_assert_eq(sch_add_col(s, "v", (struct ty){TY_INT32, 0, 0}), 0);
    cr_assert_eq(sch_finish(s), 0);
    s->time_col = 0;
    int created;
    cr_assert_eq(eng_create_stream(eng, s, 0, &created), 0);
    struct eng_stream *st = NULL;
    cr_assert_eq(eng_stream_get(eng, name, &st), 0);
    return st;
}

Test(ingest, tp_time_from_event_time_column)
{
    struct eng_stream *s = event_stream("e", (struct ty){TY_DATETIME64, 1, 6});
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"ts\":\"2024-01-01 00:00:05.123456\",\"v\":1}\n"
                        "{\"v\":2}\n" /* no event time: the ingest clock */
                        "{\"v\":3,\"ts\":\"2024-01-01 00:00:06\",\"_tp_time\":\"2022-02-02 00:00:00\"}\n"),
                 0);
    expect_data(s, "{\"ts\":\"2024-01-01 00:00:05.123456\",\"v\":1,\"_tp_time\":\"2024-01-01 00:00:05.123\"}\n"
                   "{\"ts\":null,\"v\":2,\"_tp_time\":\"" T0_TEXT "\"}\n"
                   "{\"ts\":\"2024-01-01 00:00:06.000000\",\"v\":3,\"_tp_time\":\"2022-02-02 00:00:00.000\"}\n");
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

Test(ingest, tp_time_from_datetime_event_column)
{
    struct eng_stream *s = event_stream("e", (struct ty){TY_DATETIME, 0, 0});
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"ts\":\"2024-01-01 00:00:05\",\"v\":1}\n{\"ts\":1704067210,\"v\":2}\n"), 0);
    expect_data(s, "{\"ts\":\"2024-01-01 00:00:05\",\"v\":1,\"_tp_time\":\"2024-01-01 00:00:05.000\"}\n"
                   "{\"ts\":\"2024-01-01 00:00:10\",\"v\":2,\"_tp_time\":\"2024-01-01 00:00:10.000\"}\n");
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

/* --- durability and storage faults -------------------------------------- */

Test(ingest, fsync_always_fails_the_write)
{
    struct eng_stream *s = json_stream("s", (struct opts){SCH_FSYNC_ALWAYS, SCH_ON_ERROR_FAIL});
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n"), 0);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(wrs(h, "{\"a\":2}\n"), -EIO, "under 'always' the write syncs");
    os_fault_clear();
    cr_assert_eq(wrs(h, "{\"a\":3}\n"), 0);
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

/* Under fsync='always' a failed fsync after the append is reported, but
 * the handle stays in step with the log (the rows are committed), so the
 * next write starts clean and a retry does not join an old partial line. */
Test(ingest, fsync_failure_keeps_handle_consistent)
{
    struct eng_stream *s = json_stream("s", (struct opts){SCH_FSYNC_ALWAYS, SCH_ON_ERROR_FAIL});
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":"), 0);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(wrs(h, "1}\n{\"a\":2}\n"), -EIO);
    os_fault_clear();
    cr_assert_eq(wrs(h, "{\"a\":3}\n"), 0, "the next write starts a fresh line");
    char *got = data(s);
    if (strcmp(got, ROW(3, "null")) != 0)
        cr_assert_str_eq(got, ROW(1, "null") ROW(2, "null") ROW(3, "null"));
    free(got);
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

Test(ingest, fsync_close_syncs_at_flush_not_write)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(wrs(h, "{\"a\":1}\n"), 0, "under 'close' the write does not sync");
    cr_assert_eq(wrs(h, "{\"a\":2}\n"), 0);
    cr_assert_eq(ing_flush(h), -EIO, "the close(2) of the descriptor does");
    os_fault_clear();
    cr_assert_eq(ing_flush(h), 0, "and is tried again");
    cr_assert_eq(rows_in(s), 2);
    cr_assert_eq(wrs(h, "{\"a\":3}"), 0);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(ing_close(h), -EIO, "the last close reports it too");
    cr_assert_eq(rows_in(s), 3);
    eng_stream_put(s);
}

Test(ingest, fsync_close_nothing_to_sync)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(ing_flush(h), 0, "a handle that wrote nothing has nothing to sync");
    cr_assert_eq(wrs(h, "{\"a\":1}\n"), 0);
    cr_assert_eq(ing_flush(h), -EIO);
    os_fault_clear();
    cr_assert_eq(ing_flush(h), 0);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(ing_flush(h), 0, "already synced");
    os_fault_clear();
    cr_assert_eq(ing_close(h), 0);
    eng_stream_put(s);
}

Test(ingest, fsync_never_does_not_sync)
{
    struct eng_stream *s = json_stream("s", (struct opts){SCH_FSYNC_NEVER, SCH_ON_ERROR_FAIL});
    struct ing_handle *h = open_h(s);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(wrs(h, "{\"a\":1}\n"), 0);
    cr_assert_eq(ing_flush(h), 0);
    cr_assert_eq(ing_close(h), 0);
    os_fault_clear();
    cr_assert_eq(rows_in(s), 1);
    eng_stream_put(s);
}

Test(ingest, storage_failure_commits_nothing)
{
    const enum os_fault_op ops[] = {OS_FAULT_WRITE, OS_FAULT_SHORT};
    for (int k = 0; k < 2; k++) {
        char name[16];
        snprintf(name, sizeof(name), "s%d", k);
        struct eng_stream *s = json_stream(name, DEF);
        struct ing_handle *h = open_h(s);
        cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":"), 0);
        os_fault_set(ops[k], 1, ENOSPC);
        cr_assert_eq(wrs(h, "2}\n{\"a\":3}\n"), -ENOSPC);
        os_fault_clear();
        cr_assert_eq(rows_in(s), 1);
        cr_assert_eq(error_lines(s), 0, "a storage failure is not a bad row");
        cr_assert_eq(wrs(h, "2}\n{\"a\":3}\n"), 0, "the same bytes again");
        expect_data(s, ROW(1, "null") ROW(2, "null") ROW(3, "null"));
        cr_assert_eq(ing_close(h), 0);
        eng_stream_put(s);
    }
}

Test(ingest, dropped_stream_refuses_writes)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":2"), 0);
    cr_assert_eq(eng_drop_stream(eng, "s", 0), 0);
    cr_assert_eq(wrs(h, "}\n"), -ENOENT);
    cr_assert_eq(ing_close(h), 0, "the partial line of a dropped stream is let go");
    cr_assert_eq(rows_in(s), 1);
    eng_stream_put(s);
}

Test(ingest, stats_count_ingest)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":2}\n"), 0);
    cr_assert_eq(wrs(h, "{\"a\":3}\n"), 0);
    cr_assert_eq(ing_close(h), 0);
    struct buf b = BUF_INIT;
    cr_assert_eq(eng_stream_stats(s, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    cr_assert_not_null(strstr(b.data, "rows: 3\n"), "%s", b.data);
    cr_assert_not_null(strstr(b.data, "\ningest_bytes: 24\n"), "%s", b.data);
    cr_assert_not_null(strstr(b.data, "\ningest_rows_per_s: 0.3\n"), "%s", b.data);
    buf_free(&b);
    eng_stream_put(s);
}

/* Retention runs in the appending thread: as writes roll segments, the
 * old ones go (retention_bytes), and the data file starts at the first
 * row left. */
Test(ingest, writes_apply_retention)
{
    struct schema *sc = NULL;
    cr_assert_eq(sch_create("r", &sc), 0);
    cr_assert_eq(sch_add_col(sc, "a", (struct ty){TY_INT64, 0, 0}), 0);
    cr_assert_eq(sch_add_col(sc, "b", (struct ty){TY_STRING, 1, 0}), 0);
    cr_assert_eq(sch_finish(sc), 0);
    sc->codec = 0; /* none: sizes follow the rows */
    sc->segment_bytes = 64 << 10;
    sc->retention_bytes = 200 << 10;
    int created;
    cr_assert_eq(eng_create_stream(eng, sc, 0, &created), 0);
    struct eng_stream *s = NULL;
    cr_assert_eq(eng_stream_get(eng, "r", &s), 0);
    struct ing_handle *h = open_h(s);
    struct buf batch = BUF_INIT;
    uint64_t a = 0;
    for (int w = 0; w < 60; w++) { /* 60 writes of 100 rows, ~10 KiB each */
        buf_reset(&batch);
        for (int i = 0; i < 100; i++, a++)
            cr_assert_eq(buf_printf(&batch, "{\"a\":%llu,\"b\":\"%060llu\"}\n",
                                    (unsigned long long)a, (unsigned long long)a),
                         0);
        cr_assert_eq(wr(h, batch.data, batch.len), 0);
        struct log_info li;
        log_get_info(s->log, &li);
        cr_assert_leq(li.bytes, 200 << 10,
                      "write %d: %llu bytes on disk", w, (unsigned long long)li.bytes);
    }
    cr_assert_eq(ing_close(h), 0);
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_eq(li.next_sn, a);
    cr_assert_gt(li.first_sn, 0, "old rows were dropped");
    char *text = data(s);
    char want[128];
    snprintf(want, sizeof(want), "{\"a\":%llu,", (unsigned long long)li.first_sn);
    cr_assert(!strncmp(text, want, strlen(want)), "data starts at the first row left: %.60s",
              text);
    uint64_t lines = 0;
    for (char *p = text; (p = strchr(p, '\n')); p++)
        lines++;
    cr_assert_eq(lines, li.next_sn - li.first_sn);
    free(text);
    buf_free(&batch);
    eng_stream_put(s);
}

/* --- concurrency -------------------------------------------------------- */

#define NTHREADS 8
#define NROWS 2000

struct writer {
    struct eng_stream *s;
    struct ing_handle *h; /* own handle, or one shared by all */
    int id;
    int rc;
};

/* Write this thread's rows in chunks cut at seeded random byte positions. */
static void *writer_main(void *p)
{
    struct writer *w = p;
    struct buf all = BUF_INIT;
    for (int i = 0; i < NROWS; i++)
        buf_printf(&all, "{\"a\":%d,\"b\":\"t%d\"}\n", w->id * 100000 + i, w->id);
    uint32_t seed = (uint32_t)w->id * 7919u + 1;
    size_t off = 0;
    while (off < all.len && !w->rc) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 8) % 300;
        if (n > all.len - off)
            n = all.len - off;
        w->rc = ing_write(w->h, all.data + off, n);
        off += n;
    }
    buf_free(&all);
    return NULL;
}

/* Every row of the log, in log order, checked per thread. */
static void check_all_rows(struct eng_stream *s)
{
    struct log_info li;
    log_get_info(s->log, &li);
    cr_assert_eq(li.next_sn, NTHREADS * NROWS);
    int next[NTHREADS] = {0};
    static unsigned char seen[NTHREADS][NROWS];
    memset(seen, 0, sizeof(seen));
    uint64_t sn_expect = 0;
    for (uint64_t r = 0; r < li.records; r++) {
        struct blk *b = NULL;
        uint64_t sn;
        cr_assert_eq(log_read(s->log, r, &b, &sn), 0);
        cr_assert_eq(sn, sn_expect, "dense sequence numbers");
        sn_expect += b->nrows;
        for (uint32_t i = 0; i < b->nrows; i++) {
            int64_t a = COL_AT(&b->cols[0], int64_t, i);
            int t = (int)(a / 100000), k = (int)(a % 100000);
            cr_assert(t >= 0 && t < NTHREADS && k >= 0 && k < NROWS, "row a=%lld", (long long)a);
            size_t len;
            const char *str = col_str(&b->cols[1], i, &len);
            char want[16];
            snprintf(want, sizeof(want), "t%d", t);
            cr_assert_eq(len, strlen(want), "row a=%lld tag", (long long)a);
            cr_assert(memcmp(str, want, len) == 0, "row a=%lld tagged %.*s", (long long)a,
                      (int)len, str);
            cr_assert_eq(seen[t][k], 0, "row %d/%d twice", t, k);
            seen[t][k] = 1;
            cr_assert_eq(k, next[t], "thread %d: row %d after %d", t, k, next[t] - 1);
            next[t]++;
        }
        blk_unref(b);
    }
    for (int t = 0; t < NTHREADS; t++)
        cr_assert_eq(next[t], NROWS, "thread %d: %d rows", t, next[t]);
}

Test(ingest, concurrent_handles_never_interleave)
{
    struct eng_stream *s = json_stream("s", DEF);
    pthread_t th[NTHREADS];
    struct writer w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (struct writer){s, open_h(s), i, 0};
        cr_assert_eq(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].rc, 0, "thread %d: %d", i, w[i].rc);
        cr_assert_eq(ing_close(w[i].h), 0);
    }
    cr_assert_eq(error_lines(s), 0);
    check_all_rows(s);
    eng_stream_put(s);
}

/* Threads sharing one handle (dup'd descriptors) writing whole lines. */
static void *line_writer_main(void *p)
{
    struct writer *w = p;
    char line[64];
    for (int i = 0; i < NROWS && !w->rc; i++) {
        int n = snprintf(line, sizeof(line), "{\"a\":%d,\"b\":\"t%d\"}\n", w->id * 100000 + i,
                         w->id);
        w->rc = ing_write(w->h, line, (size_t)n);
    }
    return NULL;
}

Test(ingest, shared_handle_whole_lines)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    pthread_t th[NTHREADS];
    struct writer w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (struct writer){s, h, i, 0};
        cr_assert_eq(pthread_create(&th[i], NULL, line_writer_main, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].rc, 0);
    }
    cr_assert_eq(ing_close(h), 0);
    check_all_rows(s);
    eng_stream_put(s);
}

/* close(2) reports a bad unterminated last line (so `cat f > ingest`
 * fails), but only release commits or records it: another descriptor of
 * the same open file might still finish the line. */
Test(ingest, flush_reports_bad_unterminated_line)
{
    struct eng_stream *s = json_stream("s", DEF);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"a\":1}\n{\"a\":"), 0);
    cr_assert_eq(ing_flush(h), -EINVAL, "a bad partial line fails the close");
    cr_assert_eq(error_lines(s), 0, "not recorded before release");
    cr_assert_eq(wrs(h, "2}"), 0, "a dup'd descriptor may still finish it");
    cr_assert_eq(ing_flush(h), 0, "a complete partial line is fine");
    cr_assert_eq(rows_in(s), 1, "and not committed before release");
    cr_assert_eq(wrs(h, ",\"b\":"), 0);
    cr_assert_eq(ing_close(h), -EINVAL);
    cr_assert_eq(rows_in(s), 1);
    cr_assert_eq(error_lines(s), 1, "recorded at release");
    eng_stream_put(s);
}

/* close(2) syncs under 'close' and 'always' only; fsync(2) always syncs.
 * An armed fsync fault shows whether a sync was attempted. */
Test(ingest, close_and_fsync_by_setting)
{
    static const enum sch_fsync modes[] = {SCH_FSYNC_CLOSE, SCH_FSYNC_NEVER, SCH_FSYNC_INTERVAL};
    static const int close_syncs[] = {1, 0, 0};
    for (int m = 0; m < 3; m++) {
        char name[8];
        snprintf(name, sizeof(name), "s%d", m);
        struct eng_stream *s = json_stream(name, (struct opts){modes[m], SCH_ON_ERROR_FAIL});
        ((struct schema *)s->schema)->fsync_interval_ms = 3600000; /* the syncer stays idle */
        struct ing_handle *h = open_h(s);
        cr_assert_eq(wrs(h, "{\"a\":1}\n"), 0);
        os_fault_set(OS_FAULT_FSYNC, 1, EIO);
        cr_assert_eq(ing_flush(h), close_syncs[m] ? -EIO : 0, "close, mode %d", m);
        os_fault_clear();
        cr_assert_eq(wrs(h, "{\"a\":2}\n"), 0);
        os_fault_set(OS_FAULT_FSYNC, 1, EIO);
        cr_assert_eq(ing_sync(h), -EIO, "fsync(2) syncs in mode %d", m);
        os_fault_clear();
        cr_assert_eq(ing_sync(h), 0);
        cr_assert_eq(ing_close(h), 0);
        cr_assert_eq(rows_in(s), 2);
        eng_stream_put(s);
    }
}

/* Power loss (simulated: unsynced bytes dropped) after two writers closed:
 * under fsync='close' the closed writer's rows survive; under 'never' they
 * are gone. A writer still open loses its unsynced rows in both. */
Test(ingest, power_loss_keeps_rows_of_closed_writers)
{
    static const enum sch_fsync modes[] = {SCH_FSYNC_CLOSE, SCH_FSYNC_NEVER};
    static const uint64_t survive[] = {2, 0};
    for (int m = 0; m < 2; m++) {
        os_track_syncs(1);
        char name[8];
        snprintf(name, sizeof(name), "p%d", m);
        struct eng_stream *s = json_stream(name, (struct opts){modes[m], SCH_ON_ERROR_FAIL});
        struct ing_handle *closed = open_h(s), *open = open_h(s);
        cr_assert_eq(wrs(closed, "{\"a\":1}\n{\"a\":2}\n"), 0);
        cr_assert_eq(ing_flush(closed), 0); /* its close(2) */
        cr_assert_eq(ing_close(closed), 0);
        cr_assert_eq(wrs(open, "{\"a\":3}\n"), 0);
        cr_assert_eq(rows_in(s), 3, "all visible before the crash");
        cr_assert_eq(os_crash_drop_unsynced(), 0);
        os_track_syncs(0);
        eng_stream_put(s);
        cr_assert_eq(ing_close(open), 0);
        eng_close(eng); /* the daemon dies; a new one opens DATADIR */
        cr_assert_eq(eng_open(tmpdir, &eng), 0);
        cr_assert_eq(eng_stream_get(eng, name, &s), 0);
        cr_assert_eq(rows_in(s), survive[m], "mode %d", m);
        eng_stream_put(s);
    }
}

/* JSON arrays into array columns through the whole path: written, stored
 * in the log, read back by the data file; a row whose array does not fit
 * goes to errors (on_error skip) and leaves nothing behind. */
Test(ingest, json_arrays_into_array_columns)
{
    struct schema *sc = NULL;
    cr_assert_eq(sch_create("arr", &sc), 0);
    cr_assert_eq(sch_add_col(sc, "xs", ty_array_of((struct ty){TY_INT32, 0, 0})), 0);
    cr_assert_eq(sch_add_col(sc, "tags", ty_array_of((struct ty){TY_STRING, 1, 0})), 0);
    cr_assert_eq(sch_finish(sc), 0);
    sc->on_error = SCH_ON_ERROR_SKIP;
    int created;
    cr_assert_eq(eng_create_stream(eng, sc, 0, &created), 0);
    struct eng_stream *s = NULL;
    cr_assert_eq(eng_stream_get(eng, "arr", &s), 0);
    struct ing_handle *h = open_h(s);
    cr_assert_eq(wrs(h, "{\"xs\":[1,2],\"tags\":[\"a\",null]}\n"
                        "{\"xs\":[1,\"no\"],\"tags\":[\"b\"]}\n"
                        "{\"tags\":[]}\n"),
                 0);
    cr_assert_eq(ing_close(h), 0);
    expect_data(s, "{\"xs\":[1,2],\"tags\":[\"a\",null],\"_tp_time\":\"" T0_TEXT "\"}\n"
                   "{\"xs\":[],\"tags\":[],\"_tp_time\":\"" T0_TEXT "\"}\n");
    cr_assert_eq(rows_in(s), 2);
    expect_error_line(s, 0, 2, "{\"xs\":[1,\"no\"],\"tags\":[\"b\"]}",
                      "wrong type: expected array(int32), got a string");
    eng_stream_put(s);
}
