/*
 * random_test.c — random streams (CREATE RANDOM STREAM) read by queries
 * in process: rows made as the (fake) clock passes, eps of them a second
 * in batches no closer than interval_time, each row's _tp_time spread by
 * eps and never ahead of the clock; DEFAULT expressions evaluated per row;
 * columns without one random but in range; LIMIT, a tumble window and a
 * filter over FROM r; table(r) as one second of rows; no eps meaning as
 * fast as the reader takes them.
 *
 * Nothing sleeps and nothing is timed: the fake clock moves, qry_tick_all
 * wakes the queries (as the ticker would), qry_settle waits for them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/engine.h"
#include "exec/query.h"
#include "os/os.h"
#include "sql/sql.h"
#include "util/clock.h"

#define T0_NS (1720569600LL * 1000000000LL) /* 2024-07-10 00:00:00 UTC */
#define SEC 1000000000LL
#define MS 1000000LL

static char tmpdir[64];
static struct engine *eng;

static void run(const char *sql)
{
    struct sql_error err;
    struct buf out = BUF_INIT;
    memset(&err, 0, sizeof(err));
    int rc = sql_run(eng, sql, strlen(sql), &err, &out);
    cr_assert_eq(rc, 0, "%s: %s", sql, err.msg);
    buf_free(&out);
}

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_rand_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    clk_fake_set(T0_NS);
    cr_assert_eq(eng_open(tmpdir, &eng), 0);
    run("CREATE RANDOM STREAM r (k string DEFAULT 'k' || to_string(rand() % 3), v int8, "
        "f float64, s string, d decimal(5, 2), t datetime, a array(int32), n nullable(int32), "
        "b bool) SETTINGS eps=10");
}

static void teardown(void)
{
    eng_close(eng);
    eng = NULL;
    clk_fake_off();
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

static struct qry *start(const char *sql)
{
    char id[64];
    struct sql_error err;
    memset(&err, 0, sizeof(err));
    int rc = sql_query_start(eng, sql, strlen(sql), NULL, id, &err);
    cr_assert_eq(rc, 0, "%s: %s", sql, err.msg);
    struct qry *q = NULL;
    cr_assert_eq(qry_get(eng, id, &q), 0);
    qry_settle(q);
    return q;
}

/* The result file's text (a static buffer). */
static const char *result(struct qry *q)
{
    static char text[1 << 20];
    ssize_t n = qry_result_read(q, 0, sizeof(text) - 1, 0, text, NULL);
    cr_assert_geq(n, 0, "read: %zd", n);
    text[n] = '\0';
    return text;
}

static int lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* A bounded query's whole result. */
static const char *answer(const char *sql)
{
    struct qry *q = start(sql);
    cr_assert_eq(qry_wait(q), QRY_FINISHED, "%s", sql);
    const char *text = result(q);
    qry_put(q);
    return text;
}

static void tick(struct qry *q, int64_t advance_ns)
{
    clk_fake_advance(advance_ns);
    qry_tick_all(eng);
    qry_settle(q);
}

TestSuite(random, .init = setup, .fini = teardown, .timeout = 60);

Test(random, rows_follow_the_clock_by_eps_and_interval)
{
    struct qry *q = start("SELECT k, _tp_time FROM r");
    cr_expect_eq(qry_get_kind(q), QRY_STREAMING);
    cr_expect_str_eq(result(q), "", "no time has passed: no row is due");
    tick(q, SEC);
    const char *text = result(q);
    cr_expect_eq(lines(text), 10, "one second at eps=10: %s", text);
    cr_expect(strncmp(text, "{\"k\":\"k", 7) == 0, "the DEFAULT made k: %s", text);
    cr_expect(strstr(text, "\"_tp_time\":\"2024-07-10 00:00:00.100\"}\n") != NULL,
              "the first row a tenth of a second in");
    cr_expect(strstr(text, "\"_tp_time\":\"2024-07-10 00:00:01.000\"}\n") != NULL,
              "the last row now, not later");
    tick(q, 50 * MS);
    cr_expect_eq(lines(result(q)), 10, "within the 100 ms interval: no batch");
    tick(q, 60 * MS);
    cr_expect_eq(lines(result(q)), 11, "the next batch: the row due at 1.1 s");
    qry_cancel(q);
    qry_put(q);
}

Test(random, limit_ends_the_query)
{
    struct qry *q = start("SELECT * FROM r LIMIT 5");
    tick(q, 2 * SEC);
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    cr_expect_eq(lines(result(q)), 5);
    qry_put(q);
}

Test(random, filter_and_tumble_over_a_random_stream)
{
    struct qry *w = start("SELECT window_start, count() AS c FROM tumble(r, 1s) GROUP BY "
                          "window_start");
    struct qry *f = start("SELECT v FROM r WHERE k = 'k0' OR k = 'k1' OR k = 'k2'");
    tick(w, SEC);
    tick(w, SEC);
    qry_settle(f);
    cr_expect_str_eq(result(w),
                     "{\"window_start\":\"2024-07-10 00:00:00.000\",\"c\":9}\n"
                     "{\"window_start\":\"2024-07-10 00:00:01.000\",\"c\":10}\n",
                     "rows at 0.1 .. 0.9 s, then 1.0 .. 1.9 s; the row at 2.0 s opens the next");
    cr_expect_eq(lines(result(f)), 20, "every k is one of the three");
    qry_cancel(w);
    qry_cancel(f);
    qry_put(w);
    qry_put(f);
}

Test(random, columns_without_default_are_random_in_range)
{
    cr_expect_str_eq(answer("SELECT count() AS cnt FROM table(r) WHERE f >= 0 AND f < 1 AND "
                            "length(s) >= 1 AND length(s) <= 16 AND d > -1000 AND d < 1000 AND "
                            "empty(a) AND is_not_null(n) AND v >= -128 AND v <= 127 AND "
                            "to_unix_timestamp(t) = to_unix_timestamp(_tp_time)"),
                     "{\"cnt\":10}\n");
    cr_expect_str_eq(answer("SELECT count() AS cnt FROM table(r) WHERE match(s, '^[ -~]+$')"),
                     "{\"cnt\":10}\n", "printable ASCII");
}

Test(random, table_is_one_second_of_rows)
{
    cr_expect_str_eq(answer("SELECT count() AS n, min(_tp_time) AS lo, max(_tp_time) AS hi, "
                            "max(_tp_sn) AS sn FROM table(r)"),
                     "{\"n\":10,\"lo\":\"2024-07-09 23:59:59.000\",\"hi\":\"2024-07-09 "
                     "23:59:59.900\",\"sn\":9}\n",
                     "eps rows, spread over the second before now");
    run("CREATE RANDOM STREAM fast (v int32)");
    cr_expect_str_eq(answer("SELECT count() AS n FROM table(fast)"), "{\"n\":1000}\n",
                     "without eps: 1000 rows");
}

Test(random, without_eps_rows_come_as_fast_as_they_are_read)
{
    run("CREATE RANDOM STREAM fast (v int32)");
    struct qry *q = start("SELECT v FROM fast LIMIT 3000");
    cr_expect_eq(qry_wait(q), QRY_FINISHED, "no clock needed");
    cr_expect_eq(lines(result(q)), 3000);
    qry_put(q);
}
