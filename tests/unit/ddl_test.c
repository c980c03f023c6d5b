/*
 * ddl_test.c — DDL through the engine (sql/sql.h): CREATE and DROP STREAM
 * with IF [NOT] EXISTS, reserved and invalid names, _tp_ columns, duplicate
 * columns, every setting (event_time_column, format, fsync, on_error,
 * codec, and the amounts segment_bytes, retention_bytes, retention_ms with
 * their units, limits and errors) and an unknown one with its hint, with the full error text ("line L, column
 * C: ...") and errno; sql_create_raw as mkdir uses it; and the ctl session
 * framing of SPEC precise rule 1: several statements per write, a
 * statement over several writes, ';' inside strings and comments, a
 * failing statement failing its write and discarding the rest of it, what
 * remains running at finish, and the "ok: ..." / "error: ..." outcome lines
 * of the session and of the engine's shared list.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/engine.h"
#include "os/os.h"
#include "sql/sql.h"
#include "util/err.h"

static char tmpdir[64];
static struct engine *eng;

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_ddl_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    cr_assert_eq(eng_open(tmpdir, &eng), 0);
}

static void teardown(void)
{
    eng_close(eng);
    eng = NULL;
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

TestSuite(ddl, .init = setup, .fini = teardown);

/* sql_run on an exact-size copy; the outcome text into out (if given). */
static int run(const char *text, struct sql_error *err, char **out)
{
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, text, n);
    struct buf outcome = BUF_INIT;
    memset(err, 0, sizeof(*err));
    int rc = sql_run(eng, copy, n, err, &outcome);
    free(copy);
    cr_assert_eq(buf_cstr(&outcome), 0);
    if (out)
        *out = outcome.data;
    else
        buf_free(&outcome);
    return rc;
}

static void ok(const char *text, const char *want_outcome)
{
    struct sql_error err;
    char *out = NULL;
    int rc = run(text, &err, &out);
    cr_assert_eq(rc, 0, "'%s' failed: %d %s", text, rc, err.msg);
    cr_assert_str_eq(out, want_outcome, "outcome of '%s'", text);
    free(out);
}

/* text must fail with errno want_errno and exactly the message want_msg. */
static void fails(const char *text, int want_errno, const char *want_msg)
{
    struct sql_error err;
    char *out = NULL;
    int rc = run(text, &err, &out);
    cr_assert_lt(rc, 0, "'%s' succeeded: %s", text, out);
    cr_assert_eq(err_to_errno(rc), want_errno, "'%s': errno %d, want %d (%s)", text,
                 err_to_errno(rc), want_errno, err.msg);
    cr_assert_eq(err.code, rc, "err.code matches the return");
    cr_assert_str_eq(err.msg, want_msg, "message of '%s'", text);
    free(out);
}

static int exists(const char *name)
{
    struct eng_stream *s = NULL;
    int rc = eng_stream_get(eng, name, &s);
    if (!rc)
        eng_stream_put(s);
    return rc == 0;
}

/* The stream's schema (a clone the caller destroys). */
static struct schema *schema_of(const char *name)
{
    struct eng_stream *s = NULL;
    cr_assert_eq(eng_stream_get(eng, name, &s), 0, "no stream %s", name);
    struct schema *c = NULL;
    cr_assert_eq(sch_clone(s->schema, &c), 0);
    eng_stream_put(s);
    return c;
}

static void expect_ddl(const char *name, const char *want)
{
    struct schema *s = schema_of(name);
    struct buf b = BUF_INIT;
    cr_assert_eq(sch_render_ddl(s, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    cr_assert_str_eq(b.data, want);
    buf_free(&b);
    sch_destroy(s);
}

static struct sql_session *session(void)
{
    struct sql_session *ss = NULL;
    cr_assert_eq(sql_session_create(eng, &ss), 0);
    cr_assert_not_null(ss);
    return ss;
}

/* One write of text to the session, from an exact-size copy. */
static int swrite(struct sql_session *ss, const char *text)
{
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, text, n);
    int rc = sql_session_write(ss, copy, n);
    free(copy);
    return rc;
}

static void expect_outcomes(struct sql_session *ss, const char *want)
{
    const struct buf *b = sql_session_outcomes(ss);
    cr_assert_not_null(b);
    char *got = strndup(b->data ? b->data : "", b->len);
    cr_assert_str_eq(got, want);
    free(got);
}

static void expect_shared_outcomes(const char *want)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(eng_outcomes_render(eng, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    cr_assert_str_eq(b.data, want);
    buf_free(&b);
}

/* --- CREATE / DROP ------------------------------------------------------ */

Test(ddl, create_and_drop)
{
    ok("CREATE STREAM sensors (device string, temp float64, at datetime64(6))",
       "ok: created stream sensors");
    cr_assert(exists("sensors"));
    expect_ddl("sensors",
               "CREATE STREAM sensors (device string, temp float64, at datetime64(6))");
    struct schema *s = schema_of("sensors");
    cr_assert_eq(s->ncols, 4);
    cr_assert_str_eq(s->cols[3].name, "_tp_time");
    cr_assert_eq(s->format, SCH_FMT_JSON);
    cr_assert_eq(s->fsync, SCH_FSYNC_CLOSE);
    cr_assert_eq(s->on_error, SCH_ON_ERROR_FAIL);
    cr_assert_eq(s->time_col, -1);
    sch_destroy(s);
    ok("DROP STREAM sensors", "ok: dropped stream sensors");
    cr_assert_not(exists("sensors"));
}

Test(ddl, keywords_and_types_any_case)
{
    ok("create Stream s (a Int32, b NULLABLE(String), c DateTime, d nullable(DATETIME64(9)))",
       "ok: created stream s");
    expect_ddl("s", "CREATE STREAM s (a int32, b nullable(string), c datetime, "
                    "d nullable(datetime64(9)))");
    ok("drop stream s;", "ok: dropped stream s");
}

Test(ddl, every_type)
{
    ok("CREATE STREAM t (a bool, b int8, c int16, d int32, e int64, f uint8, g uint16, h uint32, "
       "i uint64, j float32, k float64, l string, m datetime, n datetime64, o datetime64(0))",
       "ok: created stream t");
    expect_ddl("t", "CREATE STREAM t (a bool, b int8, c int16, d int32, e int64, f uint8, "
                    "g uint16, h uint32, i uint64, j float32, k float64, l string, m datetime, "
                    "n datetime64(3), o datetime64(0))");
}

Test(ddl, create_if_not_exists)
{
    ok("CREATE STREAM s (a int32)", "ok: created stream s");
    fails("CREATE STREAM s (b string)", EEXIST, "line 1, column 15: stream 's' already exists");
    ok("CREATE STREAM IF NOT EXISTS s (b string)", "ok: stream s already exists");
    expect_ddl("s", "CREATE STREAM s (a int32)"); /* the old one, untouched */
    ok("CREATE STREAM IF NOT EXISTS t (b string)", "ok: created stream t");
}

Test(ddl, drop_if_exists)
{
    fails("DROP STREAM nope", ENOENT, "line 1, column 13: unknown stream 'nope'");
    ok("DROP STREAM IF EXISTS nope", "ok: no stream nope");
    ok("CREATE STREAM s (a int32)", "ok: created stream s");
    ok("DROP STREAM IF EXISTS s", "ok: dropped stream s");
    cr_assert_not(exists("s"));
}

Test(ddl, stream_named_if)
{
    ok("CREATE STREAM if (a int32)", "ok: created stream if");
    ok("DROP STREAM if", "ok: dropped stream if");
}

Test(ddl, quoted_names)
{
    ok("CREATE STREAM `q1` (\"col\" int32)", "ok: created stream q1");
    expect_ddl("q1", "CREATE STREAM q1 (col int32)");
}

Test(ddl, reserved_names)
{
    fails("CREATE STREAM ctl (a int32)", EINVAL, "line 1, column 15: 'ctl' is a reserved name");
    fails("CREATE STREAM queries (a int32)", EINVAL,
          "line 1, column 15: 'queries' is a reserved name");
    cr_assert(sql_reserved_name("ctl"));
    cr_assert(sql_reserved_name("queries"));
    cr_assert_not(sql_reserved_name("Ctl"));
    cr_assert_not(sql_reserved_name("query"));
    cr_assert_not(exists("ctl"));
}

Test(ddl, invalid_names)
{
    fails("CREATE STREAM `a-b` (x int32)", EINVAL,
          "line 1, column 15: invalid stream name 'a-b': names are [A-Za-z_][A-Za-z0-9_]*, at "
          "most 63 characters");
    char text[256], msg[256];
    char longname[65];
    memset(longname, 'n', 64);
    longname[64] = '\0';
    snprintf(text, sizeof(text), "CREATE STREAM %s (x int32)", longname);
    snprintf(msg, sizeof(msg),
             "line 1, column 15: invalid stream name '%s': names are [A-Za-z_][A-Za-z0-9_]*, at "
             "most 63 characters",
             longname);
    fails(text, EINVAL, msg);
    longname[63] = '\0';
    snprintf(text, sizeof(text), "CREATE STREAM %s (x int32)", longname);
    snprintf(msg, sizeof(msg), "ok: created stream %s", longname);
    ok(text, msg);
    fails("CREATE STREAM s (`x y` int32)", EINVAL,
          "line 1, column 18: invalid column name 'x y': names are [A-Za-z_][A-Za-z0-9_]*");
}

Test(ddl, tp_columns_refused)
{
    fails("CREATE STREAM s (a int32, _tp_time datetime64(3))", EINVAL,
          "line 1, column 27: column name '_tp_time' is reserved: names starting with '_tp_' "
          "are the stream's own");
    fails("CREATE STREAM s (_tp_sn int64)", EINVAL,
          "line 1, column 18: column name '_tp_sn' is reserved: names starting with '_tp_' are "
          "the stream's own");
    ok("CREATE STREAM s (_tp int64, tp_ int64)", "ok: created stream s");
}

Test(ddl, duplicate_columns)
{
    fails("CREATE STREAM s (a int32, b string, a string)", EINVAL,
          "line 1, column 37: duplicate column 'a'");
    cr_assert_not(exists("s"));
}

Test(ddl, type_errors)
{
    fails("CREATE STREAM s (a int33)", EINVAL,
          "line 1, column 20: unknown type 'int33', did you mean 'int32'?");
    fails("CREATE STREAM s (a datetime64(10))", EINVAL,
          "line 1, column 31: invalid parameter '10' for type 'datetime64'");
    fails("CREATE STREAM s (a nullable(nullable(int8)))", EINVAL,
          "line 1, column 29: 'nullable' cannot be nested inside nullable");
}

Test(ddl, syntax_errors)
{
    fails("CREAT STREAM s (a int32)", EINVAL,
          "line 1, column 1: unknown statement 'CREAT', expected SELECT, INSERT, CREATE or DROP, did you mean "
          "'CREATE'?");
    fails("CREATE STREAM s (a int32) garbage", EINVAL,
          "line 1, column 27: expected SETTINGS or end of statement, got 'garbage'");
    fails("CREATE STREAM s\n  (a int32,\n   b)", EINVAL,
          "line 3, column 5: expected a type after column name, got ')'");
}

/* --- settings ----------------------------------------------------------- */

Test(ddl, event_time_column)
{
    ok("CREATE STREAM e (at datetime64(6), v int32) SETTINGS event_time_column='at'",
       "ok: created stream e");
    struct schema *s = schema_of("e");
    cr_assert_eq(s->time_col, 0);
    sch_destroy(s);
    ok("CREATE STREAM f (v int32, at datetime) SETTINGS event_time_column = at",
       "ok: created stream f");
    s = schema_of("f");
    cr_assert_eq(s->time_col, 1);
    sch_destroy(s);
    expect_ddl("f", "CREATE STREAM f (v int32, at datetime) SETTINGS event_time_column='at'");
}

Test(ddl, event_time_column_must_exist)
{
    fails("CREATE STREAM e (at datetime) SETTINGS event_time_column='ts'", EINVAL,
          "line 1, column 58: event_time_column: unknown column 'ts'");
    cr_assert_not(exists("e"));
}

Test(ddl, event_time_column_must_be_a_time)
{
    fails("CREATE STREAM e (at string) SETTINGS event_time_column='at'", EINVAL,
          "line 1, column 56: event_time_column 'at' must be a datetime or datetime64 column");
    fails("CREATE STREAM e (at int64) SETTINGS event_time_column='at'", EINVAL,
          "line 1, column 55: event_time_column 'at' must be a datetime or datetime64 column");
}

Test(ddl, format_raw)
{
    ok("CREATE STREAM logs (line string) SETTINGS format='raw'", "ok: created stream logs");
    struct schema *s = schema_of("logs");
    cr_assert_eq(s->format, SCH_FMT_RAW);
    sch_destroy(s);
    expect_ddl("logs", "CREATE STREAM logs (line string) SETTINGS format='raw'");
    ok("CREATE STREAM j (a int32) SETTINGS format='json'", "ok: created stream j");
    fails("CREATE STREAM r (a int32) SETTINGS format='raw'", EINVAL,
          "line 1, column 1: format 'raw' needs exactly one string column");
    fails("CREATE STREAM r (a string, b string) SETTINGS format='raw'", EINVAL,
          "line 1, column 1: format 'raw' needs exactly one string column");
    fails("CREATE STREAM r (a string) SETTINGS format='csv'", EINVAL,
          "line 1, column 44: setting 'format' must be one of 'json', 'raw'");
}

Test(ddl, fsync_and_on_error)
{
    ok("CREATE STREAM a (x int32) SETTINGS fsync='always', on_error='skip'",
       "ok: created stream a");
    struct schema *s = schema_of("a");
    cr_assert_eq(s->fsync, SCH_FSYNC_ALWAYS);
    cr_assert_eq(s->on_error, SCH_ON_ERROR_SKIP);
    sch_destroy(s);
    ok("CREATE STREAM b (x int32) SETTINGS fsync='never'", "ok: created stream b");
    s = schema_of("b");
    cr_assert_eq(s->fsync, SCH_FSYNC_NEVER);
    sch_destroy(s);
    ok("CREATE STREAM c (x int32) SETTINGS fsync='close', on_error='fail'",
       "ok: created stream c");
    expect_ddl("c", "CREATE STREAM c (x int32)");
    fails("CREATE STREAM d (x int32) SETTINGS fsync='sometimes'", EINVAL,
          "line 1, column 42: setting 'fsync' must be one of 'close', 'always', 'never', "
          "'interval:<N>ms'");
    fails("CREATE STREAM d (x int32) SETTINGS on_error=1", EINVAL,
          "line 1, column 45: setting 'on_error' must be one of 'fail', 'skip'");
}

Test(ddl, settings_persist)
{
    ok("CREATE STREAM e (at datetime64(3), v int32) SETTINGS event_time_column='at', "
       "fsync='never', on_error='skip'",
       "ok: created stream e");
    eng_close(eng);
    cr_assert_eq(eng_open(tmpdir, &eng), 0);
    expect_ddl("e", "CREATE STREAM e (at datetime64(3), v int32) SETTINGS "
                    "event_time_column='at', fsync='never', on_error='skip'");
}

Test(ddl, unknown_setting_with_hint)
{
    fails("CREATE STREAM s (a int32) SETTINGS fsynk='always'", EINVAL,
          "line 1, column 36: unknown setting 'fsynk', did you mean 'fsync'?");
    fails("CREATE STREAM s (a int32) SETTINGS event_time_colum='a'", EINVAL,
          "line 1, column 36: unknown setting 'event_time_colum', did you mean "
          "'event_time_column'?");
    fails("CREATE STREAM s (a int32) SETTINGS colour='red'", EINVAL,
          "line 1, column 36: unknown setting 'colour'");
    cr_assert_not(exists("s"));
}

/* --- sql_create_raw (mkdir) --------------------------------------------- */

Test(ddl, create_raw)
{
    cr_assert_eq(sql_create_raw(eng, "logs"), 0);
    expect_ddl("logs", "CREATE STREAM logs (raw string) SETTINGS format='raw'");
    struct schema *s = schema_of("logs");
    cr_assert_eq(s->ncols, 2);
    cr_assert_str_eq(s->cols[0].name, "raw");
    cr_assert_str_eq(s->cols[1].name, "_tp_time");
    sch_destroy(s);
    cr_assert_eq(sql_create_raw(eng, "logs"), -EEXIST);
    cr_assert_eq(sql_create_raw(eng, "ctl"), -EINVAL);
    cr_assert_eq(sql_create_raw(eng, "queries"), -EINVAL);
    cr_assert_eq(sql_create_raw(eng, "9lives"), -EINVAL);
    cr_assert_eq(sql_create_raw(eng, ""), -EINVAL);
    cr_assert_eq(sql_create_raw(eng, ".hidden"), -EINVAL);
}

/* --- the ctl session ---------------------------------------------------- */

Test(ddl, session_one_statement_per_write)
{
    struct sql_session *ss = session();
    cr_assert_eq(swrite(ss, "CREATE STREAM a (x int32)\n"), 0);
    cr_assert(exists("a"), "a statement ends at the end of its write");
    cr_assert_eq(swrite(ss, "DROP STREAM a"), 0);
    cr_assert_not(exists("a"));
    cr_assert_eq(sql_session_finish(ss), 0);
    expect_outcomes(ss, "ok: created stream a\nok: dropped stream a\n");
    expect_shared_outcomes("ok: created stream a\nok: dropped stream a\n");
    sql_session_destroy(ss);
    sql_session_destroy(NULL);
}

Test(ddl, session_two_statements_in_one_write)
{
    struct sql_session *ss = session();
    cr_assert_eq(swrite(ss, "CREATE STREAM a (x int32); CREATE STREAM b (y string);\n"), 0);
    cr_assert(exists("a"));
    cr_assert(exists("b"));
    expect_outcomes(ss, "ok: created stream a\nok: created stream b\n");
    cr_assert_eq(sql_session_finish(ss), 0);
    sql_session_destroy(ss);
}

Test(ddl, session_statement_split_over_writes)
{
    struct sql_session *ss = session();
    cr_assert_eq(swrite(ss, "CREATE STREAM s ("), 0, "an unfinished statement waits");
    cr_assert_not(exists("s"));
    expect_outcomes(ss, "");
    cr_assert_eq(swrite(ss, "a int32,\n"), 0);
    cr_assert_not(exists("s"));
    cr_assert_eq(swrite(ss, "b string) SETTINGS"), 0);
    cr_assert_not(exists("s"));
    cr_assert_eq(swrite(ss, " fsync='always'"), 0);
    cr_assert(exists("s"));
    expect_ddl("s", "CREATE STREAM s (a int32, b string) SETTINGS fsync='always'");
    expect_outcomes(ss, "ok: created stream s\n");
    cr_assert_eq(sql_session_finish(ss), 0);
    sql_session_destroy(ss);
}

Test(ddl, session_pieces_ended_by_semicolon)
{
    struct sql_session *ss = session();
    cr_assert_eq(swrite(ss, "CREATE STREAM a (x int32); CREATE"), 0);
    cr_assert(exists("a"));
    cr_assert_eq(swrite(ss, " STREAM b (y "), 0);
    cr_assert_eq(swrite(ss, "int32); DROP STREAM a;"), 0);
    cr_assert(exists("b"));
    cr_assert_not(exists("a"));
    expect_outcomes(ss, "ok: created stream a\nok: created stream b\nok: dropped stream a\n");
    cr_assert_eq(sql_session_finish(ss), 0);
    sql_session_destroy(ss);
}

Test(ddl, session_unterminated_string_waits)
{
    struct sql_session *ss = session();
    cr_assert_eq(swrite(ss, "CREATE STREAM s (a string) SETTINGS on_error='sk"), 0);
    cr_assert_not(exists("s"));
    cr_assert_eq(swrite(ss, "ip'\n"), 0);
    cr_assert(exists("s"));
    cr_assert_eq(sql_session_finish(ss), 0);
    sql_session_destroy(ss);
}

Test(ddl, session_semicolon_inside_string_and_comment)
{
    struct sql_session *ss = session();
    cr_assert_eq(swrite(ss, "CREATE STREAM a (x int32) -- a comment; not the end\n"
                            "  SETTINGS on_error = /* ; */ 'skip';"),
                 0);
    cr_assert(exists("a"));
    expect_ddl("a", "CREATE STREAM a (x int32) SETTINGS on_error='skip'");
    int rc = swrite(ss, "CREATE STREAM b (t datetime) SETTINGS event_time_column='x;y'; "
                        "CREATE STREAM c (x int32)");
    cr_assert_eq(err_to_errno(rc), EINVAL);
    expect_outcomes(ss, "ok: created stream a\n"
                        "error: line 2, column 94: event_time_column: unknown column 'x;y'\n");
    cr_assert_not(exists("c"));
    cr_assert_eq(sql_session_finish(ss), 0);
    sql_session_destroy(ss);
}

Test(ddl, session_failure_discards_rest_of_write)
{
    struct sql_session *ss = session();
    int rc = swrite(ss, "CREATE STREAM a (x int32); CREATE STREAM b (x int33); "
                        "CREATE STREAM c (x int32);");
    cr_assert_eq(err_to_errno(rc), EINVAL, "the write that ends a failing statement fails");
    cr_assert(exists("a"), "statements before it ran");
    cr_assert_not(exists("b"));
    cr_assert_not(exists("c"), "the rest of the write is discarded");
    expect_outcomes(ss, "ok: created stream a\n"
                        "error: line 1, column 47: unknown type 'int33', did you mean 'int32'?\n");
    /* the session goes on with the next write */
    cr_assert_eq(swrite(ss, "CREATE STREAM c (x int32)"), 0);
    cr_assert(exists("c"));
    cr_assert_eq(sql_session_finish(ss), 0);
    expect_shared_outcomes("ok: created stream a\n"
                           "error: line 1, column 47: unknown type 'int33', did you mean "
                           "'int32'?\n"
                           "ok: created stream c\n");
    sql_session_destroy(ss);
}

Test(ddl, session_failure_discards_waiting_tail)
{
    struct sql_session *ss = session();
    int rc = swrite(ss, "DROP STREAM nope; CREATE STREAM z (");
    cr_assert_eq(err_to_errno(rc), ENOENT);
    cr_assert_eq(err_to_errno(swrite(ss, "a int32)")), EINVAL,
                 "the unfinished tail was discarded with its write");
    cr_assert_not(exists("z"));
    expect_outcomes(ss, "error: line 1, column 13: unknown stream 'nope'\n"
                        "error: line 1, column 36: unknown statement 'a', expected SELECT, INSERT, CREATE or DROP\n");
    cr_assert_eq(sql_session_finish(ss), 0);
    sql_session_destroy(ss);
}

Test(ddl, session_errno_per_failure)
{
    struct sql_session *ss = session();
    cr_assert_eq(swrite(ss, "CREATE STREAM a (x int32)"), 0);
    cr_assert_eq(err_to_errno(swrite(ss, "CREATE STREAM a (x int32)")), EEXIST);
    cr_assert_eq(err_to_errno(swrite(ss, "DROP STREAM b")), ENOENT);
    cr_assert_eq(err_to_errno(swrite(ss, "SELEC 1")), EINVAL);
    cr_assert_eq(err_to_errno(swrite(ss, "CREATE STREAM b (x int32) SETTINGS x=1")), EINVAL);
    cr_assert_eq(sql_session_finish(ss), 0);
    sql_session_destroy(ss);
}

Test(ddl, session_unfinished_tail_runs_at_finish)
{
    struct sql_session *ss = session();
    cr_assert_eq(swrite(ss, "CREATE STREAM a (x int32);\nCREATE STREAM b (y"), 0);
    cr_assert(exists("a"));
    cr_assert_not(exists("b"));
    int rc = sql_session_finish(ss);
    cr_assert_eq(err_to_errno(rc), EINVAL, "what remains at close is a statement, and fails");
    cr_assert_not(exists("b"));
    expect_outcomes(ss, "ok: created stream a\n"
                        "error: line 2, column 19: expected a type after column name, got end of "
                        "input\n");
    sql_session_destroy(ss);
}

Test(ddl, session_finish_runs_nothing_when_empty)
{
    struct sql_session *ss = session();
    cr_assert_eq(sql_session_finish(ss), 0);
    cr_assert_eq(swrite(ss, "  \n-- only a comment\n/* and another */\n"), 0);
    cr_assert_eq(swrite(ss, ";;\n"), 0);
    cr_assert_eq(sql_session_finish(ss), 0);
    expect_outcomes(ss, "");
    expect_shared_outcomes("");
    sql_session_destroy(ss);
}

Test(ddl, session_multiline_error_position)
{
    struct sql_session *ss = session();
    int rc = swrite(ss, "CREATE STREAM s (\n  a int32,\n  b strng\n)");
    cr_assert_eq(err_to_errno(rc), EINVAL);
    expect_outcomes(ss, "error: line 3, column 5: unknown type 'strng', did you mean 'string'?\n");
    sql_session_destroy(ss);
}

Test(ddl, sessions_are_separate)
{
    struct sql_session *a = session(), *b = session();
    cr_assert_eq(swrite(a, "CREATE STREAM s ("), 0);
    cr_assert_eq(swrite(b, "CREATE STREAM t (x int32)"), 0);
    cr_assert_eq(swrite(a, "x int32)"), 0);
    cr_assert(exists("s"));
    cr_assert(exists("t"));
    expect_outcomes(a, "ok: created stream s\n");
    expect_outcomes(b, "ok: created stream t\n");
    expect_shared_outcomes("ok: created stream t\nok: created stream s\n");
    sql_session_destroy(a);
    sql_session_destroy(b);
}

/* Errors of statements written to one session are positioned in the
 * session's whole text (what `cat f.sql > ctl` wrote), not from the last
 * ';': the third statement's culprit on line 3 of the file says line 3. */
Test(ddl, session_positions_count_from_start_of_file)
{
    struct sql_session *ss = session();
    int rc = swrite(ss, "CREATE STREAM a (x int32);\n"
                        "CREATE STREAM b (x int32);\n"
                        "CREATE STREAM c (x int33);\n");
    cr_assert_eq(err_to_errno(rc), EINVAL);
    expect_outcomes(ss, "ok: created stream a\nok: created stream b\n"
                        "error: line 3, column 20: unknown type 'int33', did you mean 'int32'?\n");
    rc = swrite(ss, "DROP STREAM a; DROP STREAM zz;");
    cr_assert_eq(err_to_errno(rc), ENOENT);
    expect_outcomes(ss, "ok: created stream a\nok: created stream b\n"
                        "error: line 3, column 20: unknown type 'int33', did you mean 'int32'?\n"
                        "ok: dropped stream a\n"
                        "error: line 4, column 28: unknown stream 'zz'\n");
    sql_session_destroy(ss);
}

Test(ddl, fsync_interval)
{
    ok("CREATE STREAM a (x int32) SETTINGS fsync='interval:100ms'", "ok: created stream a");
    struct schema *s = schema_of("a");
    cr_assert_eq(s->fsync, SCH_FSYNC_INTERVAL);
    cr_assert_eq(s->fsync_interval_ms, 100);
    sch_destroy(s);
    expect_ddl("a", "CREATE STREAM a (x int32) SETTINGS fsync='interval:100ms'");
    ok("CREATE STREAM b (x int32) SETTINGS fsync='interval:2s'", "ok: created stream b");
    expect_ddl("b", "CREATE STREAM b (x int32) SETTINGS fsync='interval:2000ms'");
    static const char *const bad[] = {"interval:", "interval:0ms", "interval:-5ms",
                                      "interval:10h", "interval:5", "interval:99999999s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char stmt[128];
        snprintf(stmt, sizeof(stmt), "CREATE STREAM c (x int32) SETTINGS fsync='%s'", bad[i]);
        fails(stmt, EINVAL,
              "line 1, column 42: setting 'fsync' must be one of 'close', 'always', 'never', "
              "'interval:<N>ms'");
    }
}

Test(ddl, codec_setting)
{
    ok("CREATE STREAM a (x int32) SETTINGS codec='zstd'", "ok: created stream a");
    struct schema *s = schema_of("a");
    cr_assert_eq(s->codec, 2);
    sch_destroy(s);
    expect_ddl("a", "CREATE STREAM a (x int32) SETTINGS codec='zstd'");
    ok("CREATE STREAM b (x int32) SETTINGS codec='lz4'", "ok: created stream b");
    expect_ddl("b", "CREATE STREAM b (x int32)");
    ok("CREATE STREAM n (x int32) SETTINGS codec='none'", "ok: created stream n");
    expect_ddl("n", "CREATE STREAM n (x int32) SETTINGS codec='none'");
    fails("CREATE STREAM c (x int32) SETTINGS codec='gzip'", EINVAL,
          "line 1, column 42: setting 'codec' must be one of 'none', 'lz4', 'zstd'");
}

/* --- retention settings ------------------------------------------------- */

static uint64_t amount(const char *stream, const char *setting)
{
    struct schema *s = schema_of(stream);
    uint64_t v = sch_amount_get(s, sch_amount_find(setting));
    sch_destroy(s);
    return v;
}

Test(ddl, retention_settings)
{
    ok("CREATE STREAM a (x int32) SETTINGS retention_bytes=1073741824, retention_ms=86400000, "
       "segment_bytes=1048576",
       "ok: created stream a");
    struct schema *s = schema_of("a");
    cr_assert_eq(s->retention_bytes, 1073741824ull);
    cr_assert_eq(s->retention_ms, 86400000ull);
    cr_assert_eq(s->segment_bytes, 1048576ull);
    sch_destroy(s);
    expect_ddl("a", "CREATE STREAM a (x int32) SETTINGS segment_bytes=1048576, "
                    "retention_bytes=1073741824, retention_ms=86400000");
    /* 0 is the default: nothing to show */
    ok("CREATE STREAM z (x int32) SETTINGS retention_bytes=0, retention_ms=0, segment_bytes=0",
       "ok: created stream z");
    expect_ddl("z", "CREATE STREAM z (x int32)");
    /* the largest values */
    ok("CREATE STREAM m (x int32) SETTINGS retention_ms=9223372036854775807, "
       "retention_bytes='18446744073709551615'",
       "ok: created stream m");
    cr_assert_eq(amount("m", "retention_ms"), 9223372036854775807ull);
    cr_assert_eq(amount("m", "retention_bytes"), 18446744073709551615ull);
}

/* Strings with units, any case. */
Test(ddl, retention_units)
{
    static const struct {
        const char *setting, *text;
        uint64_t want;
    } cases[] = {
        {"retention_bytes", "512MiB", 512ull << 20}, {"retention_bytes", "1gib", 1ull << 30},
        {"retention_bytes", "2TiB", 2ull << 40},     {"retention_bytes", "100B", 100},
        {"retention_bytes", "7KIB", 7 << 10},        {"retention_bytes", "4096", 4096},
        {"retention_ms", "7d", 604800000},           {"retention_ms", "3h", 10800000},
        {"retention_ms", "5m", 300000},              {"retention_ms", "10S", 10000},
        {"retention_ms", "250ms", 250},              {"retention_ms", "42", 42},
        {"segment_bytes", "64KiB", 65536},           {"segment_bytes", "1GiB", 1ull << 30},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char stmt[160], name[16], outcome[64];
        snprintf(name, sizeof(name), "u%zu", i);
        snprintf(stmt, sizeof(stmt), "CREATE STREAM %s (x int32) SETTINGS %s='%s'", name,
                 cases[i].setting, cases[i].text);
        snprintf(outcome, sizeof(outcome), "ok: created stream %s", name);
        ok(stmt, outcome);
        cr_assert_eq(amount(name, cases[i].setting), cases[i].want, "%s", stmt);
    }
}

/* Each of values for setting fails with message (its value at column 36 +
 * the setting's name and '='). */
static void expect_bad_values(const char *setting, const char *const *values, size_t n,
                              const char *must)
{
    for (size_t i = 0; i < n; i++) {
        char stmt[160], msg[300];
        snprintf(stmt, sizeof(stmt), "CREATE STREAM c (x int32) SETTINGS %s=%s", setting,
                 values[i]);
        snprintf(msg, sizeof(msg), "line 1, column %zu: setting '%s' must be %s",
                 36 + strlen(setting) + 1, setting, must);
        fails(stmt, EINVAL, msg);
    }
}

Test(ddl, retention_errors)
{
    static const char *const bad_bytes[] = {"-1",          "1.5",      "true",   "'12XB'", "''",
                                            "'MiB'",       "'-5MiB'",  "'5 MiB'", "'1KB'",
                                            "'16777216TiB'", "'18446744073709551616'", "big"};
    expect_bad_values("retention_bytes", bad_bytes, sizeof(bad_bytes) / sizeof(bad_bytes[0]),
                      "a size in bytes: an integer >= 0 or a string such as '512MiB' (0: no "
                      "limit)");
    static const char *const bad_ms[] = {"-5", "'7 days'", "'7w'", "'1.5h'", "2.5",
                                         "'9223372036854775808'", "'106751991167301d'"};
    expect_bad_values("retention_ms", bad_ms, sizeof(bad_ms) / sizeof(bad_ms[0]),
                      "a duration in milliseconds: an integer >= 0 or a string such as '7d', "
                      "'12h', '30s' (0: no limit)");
    static const char *const bad_seg[] = {"1", "65535", "'63KiB'", "1073741825", "'2GiB'"};
    expect_bad_values("segment_bytes", bad_seg, sizeof(bad_seg) / sizeof(bad_seg[0]),
                      "a size from 65536 (64KiB) to 1073741824 (1GiB), or 0 for the default");
    fails("CREATE STREAM c (x int32) SETTINGS retention_byte=5", EINVAL,
          "line 1, column 36: unknown setting 'retention_byte', did you mean 'retention_bytes'?");
    fails("CREATE STREAM c (x int32) SETTINGS codec='lz4',\n  retention_ms='soon'", EINVAL,
          "line 2, column 16: setting 'retention_ms' must be a duration in milliseconds: an "
          "integer >= 0 or a string such as '7d', '12h', '30s' (0: no limit)");
    cr_assert_not(exists("c"));
}

/* The settings survive a reopen (the catalog) and reach the log. */
Test(ddl, retention_settings_persist)
{
    ok("CREATE STREAM e (v int32) SETTINGS codec='zstd', segment_bytes='128KiB', "
       "retention_bytes='1MiB', retention_ms='1h'",
       "ok: created stream e");
    eng_close(eng);
    cr_assert_eq(eng_open(tmpdir, &eng), 0);
    expect_ddl("e", "CREATE STREAM e (v int32) SETTINGS codec='zstd', segment_bytes=131072, "
                    "retention_bytes=1048576, retention_ms=3600000");
}

/* --- random streams ------------------------------------------------------ */

Test(ddl, create_random_stream)
{
    ok("CREATE RANDOM STREAM devices(device string default 'device'||to_string(rand()%4), "
       "location string default 'city'||to_string(rand()%10), temperature float default "
       "rand()%1000/10, n int32) SETTINGS eps=10, interval_time=200",
       "ok: created stream devices");
    expect_ddl("devices",
               "CREATE RANDOM STREAM devices (device string DEFAULT "
               "'device'||to_string(rand()%4), location string DEFAULT "
               "'city'||to_string(rand()%10), temperature float32 DEFAULT rand()%1000/10, n "
               "int32) SETTINGS eps=10, interval_time=200");
    struct schema *s = schema_of("devices");
    cr_expect(s->random);
    cr_expect_eq(s->eps, 10);
    cr_expect_eq(s->interval_ms, 200);
    cr_expect_null(sch_default(s, 3), "n has no DEFAULT");
    sch_destroy(s);
    /* defaults, eps and interval survive a restart */
    eng_close(eng);
    cr_assert_eq(eng_open(tmpdir, &eng), 0);
    s = schema_of("devices");
    cr_expect(s->random);
    cr_expect_eq(s->eps, 10);
    cr_expect_str_eq(sch_default(s, 2), "rand()%1000/10");
    sch_destroy(s);
    ok("CREATE RANDOM STREAM r (v int8)", "ok: created stream r");
    expect_ddl("r", "CREATE RANDOM STREAM r (v int8)");
    ok("DROP STREAM r", "ok: dropped stream r");
    cr_expect(!exists("r"));
}

Test(ddl, random_stream_errors)
{
    fails("CREATE RANDOM STREAM r (a int32 DEFAULT no_such(1))", EINVAL,
          "line 1, column 41: unknown function 'no_such'");
    fails("CREATE RANDOM STREAM r (a int32,\n  b date DEFAULT [1, 2])", EINVAL,
          "line 2, column 18: DEFAULT of column 'b': cannot convert array(uint8) to date");
    fails("CREATE RANDOM STREAM r (a int32 DEFAULT 'abc')", EINVAL,
          "line 1, column 41: DEFAULT of column 'a': cannot convert it to int32: cannot "
          "parse 'abc' as int32");
    fails("CREATE RANDOM STREAM r (a int32 DEFAULT b + 1, b int32)", EINVAL,
          "line 1, column 41: unknown column 'b' in the columns before 'a'");
    fails("CREATE RANDOM STREAM r (a int32, b int32 DEFAULT b)", EINVAL,
          "line 1, column 50: unknown column 'b' in the columns before 'b', did you mean 'a'?");
    fails("CREATE STREAM s (a int32 DEFAULT 1)", EINVAL,
          "line 1, column 34: DEFAULT is for random streams (CREATE RANDOM STREAM); a "
          "stream's missing fields take their type's default");
    fails("CREATE RANDOM STREAM r (a int32) SETTINGS eps=-1", EINVAL,
          "line 1, column 47: setting 'eps' must be an integer from 0 to 10000000 (rows per "
          "second; 0: as fast as it can)");
    fails("CREATE RANDOM STREAM r (a int32) SETTINGS interval_time=0", EINVAL,
          "line 1, column 57: setting 'interval_time' must be an integer from 1 to 3600000 (ms)");
    fails("CREATE RANDOM STREAM r (a int32) SETTINGS codec='zstd'", EINVAL,
          "line 1, column 43: setting 'codec' does not apply to a random stream (it takes eps "
          "and interval_time)");
    fails("CREATE RANDOM STREAM r (a int32) SETTINGS epss=3", EINVAL,
          "line 1, column 43: unknown setting 'epss', did you mean 'eps'?");
    fails("CREATE STREAM s (a int32) SETTINGS eps=3", EINVAL,
          "line 1, column 36: unknown setting 'eps'");
    fails("CREATE RANDOM STREM r (a int32)", EINVAL,
          "line 1, column 15: expected STREAM after CREATE RANDOM, got 'STREM'");
    cr_expect(!exists("r") && !exists("s"));
}

Test(ddl, random_stream_refuses_inserts)
{
    ok("CREATE RANDOM STREAM r (a int32)", "ok: created stream r");
    fails("INSERT INTO r (a) VALUES (1)", EINVAL,
          "line 1, column 13: r is a random stream: its rows are generated");
}
