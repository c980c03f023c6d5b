/*
 * stream_test.c — the streaming runtime: the tail of a stream's log
 * (src_log_tail_create), append subscriptions (eng_stream_subscribe),
 * streaming query tasks that yield and are woken (exec/query.h), periodic
 * emits of an aggregation driven by the fake clock, LIMIT, cancellation,
 * result rotation and the pipe-like stream reads; random streams
 * (CREATE RANDOM STREAM) read by queries.
 *
 * Nothing sleeps: after an append, qry_settle waits until the woken task
 * went idle again; time moves only with clk_fake_advance and
 * qry_tick_all (what the ticker thread does each second).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/engine.h"
#include "exec/query.h"
#include "exec/source.h"
#include "os/os.h"
#include "sql/sql.h"
#include "util/clock.h"

#define T0_NS (1720569600LL * 1000000000LL) /* 2024-07-10 00:00:00 UTC */
#define SEC 1000000000LL

static char tmpdir[64];
static char datadir[128];
static struct engine *eng;

static void open_eng(void)
{
    int rc = eng_open(datadir, &eng);
    cr_assert_eq(rc, 0, "eng_open: %d", rc);
}

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
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_stream_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(datadir, sizeof(datadir), "%s/data", tmpdir);
    clk_fake_set(T0_NS);
    open_eng();
    run("CREATE STREAM s (v int64)");
}

static void teardown(void)
{
    eng_close(eng);
    eng = NULL;
    clk_fake_off();
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

static void insert_range(int from, int to)
{
    char sql[4096];
    int n = snprintf(sql, sizeof(sql), "INSERT INTO s (v) VALUES ");
    for (int i = from; i < to; i++)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, "%s(%d)", i > from ? ", " : "", i);
    run(sql);
}

static struct eng_stream *stream(void)
{
    struct eng_stream *s = NULL;
    cr_assert_eq(eng_stream_get(eng, "s", &s), 0);
    return s;
}

/* The v values of the next block, appended to vals; the src_next code. */
static int next_vals(struct src *src, int64_t *vals, int *n)
{
    struct blk *b = NULL;
    int rc = src_next(src, &b);
    if (rc)
        return rc;
    cr_assert_not_null(b, "an unbounded source never ends");
    for (uint32_t r = 0; r < b->nrows; r++)
        vals[(*n)++] = ((const int64_t *)b->cols[0].data)[r];
    blk_unref(b);
    return 0;
}

static struct src *tail(struct eng_stream *s, enum src_seek seek, uint64_t sn, int64_t ms)
{
    uint32_t cols[] = {0};
    struct src_start start = {seek, sn, ms};
    struct src *src = NULL;
    int rc = src_log_tail_create(s, cols, 1, 0, &start, &src);
    cr_assert_eq(rc, 0, "src_log_tail_create: %d", rc);
    cr_assert(src->unbounded);
    return src;
}

TestSuite(tail, .init = setup, .fini = teardown, .timeout = 60);

Test(tail, new_rows_only_then_eagain)
{
    struct eng_stream *s = stream();
    insert_range(0, 3);
    struct src *src = tail(s, SRC_SEEK_END, 0, 0);
    int64_t vals[16];
    int n = 0;
    cr_expect_eq(src->next_sn, 3);
    cr_expect_eq(next_vals(src, vals, &n), -EAGAIN, "rows before the attach are not read");
    insert_range(3, 5);
    insert_range(5, 6);
    cr_expect_eq(next_vals(src, vals, &n), 0);
    cr_expect_eq(next_vals(src, vals, &n), -EAGAIN);
    cr_assert_eq(n, 3, "the two records gathered: %d rows", n);
    cr_expect_eq(vals[0], 3);
    cr_expect_eq(vals[1], 4);
    cr_expect_eq(vals[2], 5);
    cr_expect_eq(src->next_sn, 6);
    src_destroy(src);
    eng_stream_put(s);
}

Test(tail, seek_earliest_sequence_and_time)
{
    struct eng_stream *s = stream();
    run("INSERT INTO s (v, _tp_time) VALUES (0, '2024-07-09 22:00:00'), (1, '2024-07-09 22:30:00')");
    run("INSERT INTO s (v, _tp_time) VALUES (2, '2024-07-09 23:30:00'), (3, '2024-07-09 23:45:00')");
    int64_t vals[16];
    int n = 0;

    struct src *src = tail(s, SRC_SEEK_EARLIEST, 0, 0);
    cr_expect_eq(next_vals(src, vals, &n), 0);
    cr_expect_eq(n, 4);
    cr_expect_eq(vals[0], 0);
    cr_expect_eq(vals[3], 3);
    src_destroy(src);

    n = 0; /* sequence 1: the middle of the first record */
    src = tail(s, SRC_SEEK_SN, 1, 0);
    cr_expect_eq(src->next_sn, 1);
    cr_expect_eq(next_vals(src, vals, &n), 0);
    cr_expect_eq(n, 3);
    cr_expect_eq(vals[0], 1);
    cr_expect_eq(vals[2], 3);
    cr_expect_eq(next_vals(src, vals, &n), -EAGAIN);
    src_destroy(src);

    n = 0; /* 23:00: the second record is the first with a row that new */
    src = tail(s, SRC_SEEK_TIME, 0, (T0_NS - 3600 * SEC) / 1000000);
    cr_expect_eq(next_vals(src, vals, &n), 0);
    cr_expect_eq(n, 2);
    cr_expect_eq(vals[0], 2);
    cr_expect_eq(src->next_sn, 4);
    src_destroy(src);

    n = 0; /* past the end: nothing now, every later row */
    src = tail(s, SRC_SEEK_SN, 100, 0);
    cr_expect_eq(next_vals(src, vals, &n), -EAGAIN);
    insert_range(10, 11);
    cr_expect_eq(next_vals(src, vals, &n), 0);
    cr_expect_eq(n, 1);
    cr_expect_eq(vals[0], 10);
    src_destroy(src);
    eng_stream_put(s);
}

struct counter {
    struct eng_sub sub;
    atomic_int n;
};

static void count_wake(struct eng_sub *sub)
{
    atomic_fetch_add(&((struct counter *)sub)->n, 1);
}

Test(tail, subscription_wakes_after_each_append)
{
    struct eng_stream *s = stream();
    struct counter c = {{count_wake, NULL}, 0};
    eng_stream_subscribe(s, &c.sub);
    insert_range(0, 2);
    insert_range(2, 3);
    cr_expect_eq(atomic_load(&c.n), 2);
    eng_stream_unsubscribe(s, &c.sub);
    insert_range(3, 4);
    cr_expect_eq(atomic_load(&c.n), 2, "no wake-up after unsubscribing");
    eng_stream_put(s);
}

#define WRITES 300

static void *writer(void *arg)
{
    for (int i = 0; i < WRITES; i++)
        insert_range(i, i + 1);
    return arg;
}

Test(tail, rows_appended_concurrently_are_seen_once)
{
    struct eng_stream *s = stream();
    struct src *src = tail(s, SRC_SEEK_END, 0, 0);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, writer, NULL), 0);
    int64_t *vals = calloc(WRITES + 1, sizeof(*vals));
    int n = 0;
    while (n < WRITES) {
        int rc = next_vals(src, vals, &n);
        cr_assert(rc == 0 || rc == -EAGAIN, "next: %d", rc);
        cr_assert_leq(n, WRITES, "more rows than were written");
        if (rc == -EAGAIN)
            sched_yield();
    }
    pthread_join(t, NULL);
    cr_expect_eq(next_vals(src, vals, &n), -EAGAIN);
    for (int i = 0; i < WRITES; i++)
        cr_assert_eq(vals[i], i, "row %d is %lld", i, (long long)vals[i]);
    free(vals);
    src_destroy(src);
    eng_stream_put(s);
}

/* --- streaming queries ---------------------------------------------------- */

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

/* The current result file's text (a static buffer). */
static const char *result(struct qry *q)
{
    static char text[65536];
    ssize_t n = qry_result_read(q, 0, sizeof(text) - 1, 0, text, NULL);
    cr_assert_geq(n, 0, "read: %zd", n);
    text[n] = '\0';
    return text;
}

static int has_line(struct qry *q, const char *line)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(qry_status_render(q, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    int found = strstr(b.data, line) != NULL;
    buf_free(&b);
    return found;
}

TestSuite(streaming, .init = setup, .fini = teardown, .timeout = 60);

Test(streaming, filter_emits_rows_as_they_arrive)
{
    insert_range(100, 102); /* before the query: not seen */
    struct qry *q = start("SELECT v, v * 10 AS w FROM s WHERE v % 2 = 0");
    cr_expect_eq(qry_get_kind(q), QRY_STREAMING);
    cr_expect_str_eq(result(q), "");
    insert_range(0, 3);
    qry_settle(q);
    cr_expect_str_eq(result(q), "{\"v\":0,\"w\":0}\n{\"v\":2,\"w\":20}\n");
    insert_range(3, 5);
    qry_settle(q);
    cr_expect_str_eq(result(q), "{\"v\":0,\"w\":0}\n{\"v\":2,\"w\":20}\n{\"v\":4,\"w\":40}\n");
    cr_expect_eq(qry_get_state(q), QRY_RUNNING);
    cr_expect(has_line(q, "kind: streaming\n"));
    cr_expect(has_line(q, "rows_read: 5\n"));
    cr_expect(has_line(q, "rows_out: 3\n"));
    cr_expect(has_line(q, "lag: 0\n"));
    cr_expect(has_line(q, "memory_bytes: "));
    qry_put(q);
}

Test(streaming, limit_ends_the_query)
{
    struct qry *q = start("SELECT v FROM s LIMIT 3");
    insert_range(0, 2);
    qry_settle(q);
    cr_expect_eq(qry_get_state(q), QRY_RUNNING);
    insert_range(2, 5);
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    cr_expect_str_eq(result(q), "{\"v\":0}\n{\"v\":1}\n{\"v\":2}\n");
    qry_put(q);
}

Test(streaming, global_aggregation_emits_every_two_seconds)
{
    struct qry *q = start("SELECT count() AS c, sum(v) AS t FROM s");
    insert_range(1, 4);
    qry_settle(q);
    cr_expect_str_eq(result(q), "", "nothing before the first period ends");
    clk_fake_advance(SEC);
    qry_tick_all(eng);
    qry_settle(q);
    cr_expect_str_eq(result(q), "");
    clk_fake_advance(SEC);
    qry_tick_all(eng);
    qry_settle(q);
    cr_expect_str_eq(result(q), "{\"c\":3,\"t\":6}\n");
    clk_fake_advance(2 * SEC);
    qry_tick_all(eng);
    qry_settle(q);
    cr_expect_str_eq(result(q), "{\"c\":3,\"t\":6}\n", "no new rows: no new emit");
    insert_range(4, 5);
    clk_fake_advance(2 * SEC);
    qry_tick_all(eng);
    qry_settle(q);
    cr_expect_str_eq(result(q), "{\"c\":3,\"t\":6}\n{\"c\":4,\"t\":10}\n");
    qry_put(q);
}

Test(streaming, group_by_emits_every_group)
{
    struct qry *q = start("SELECT v % 2 AS k, count() AS c FROM s GROUP BY k");
    insert_range(0, 5);
    clk_fake_advance(2 * SEC);
    qry_tick_all(eng);
    qry_settle(q);
    cr_expect_str_eq(result(q), "{\"k\":0,\"c\":3}\n{\"k\":1,\"c\":2}\n");
    qry_put(q);
}

Test(streaming, cancel_a_waiting_query)
{
    struct qry *q = start("SELECT v FROM s");
    qry_cancel(q);
    cr_expect_eq(qry_wait(q), QRY_CANCELLED);
    insert_range(0, 2); /* no subscription left to wake */
    cr_expect_str_eq(result(q), "");
    qry_put(q);

    q = start("SELECT v FROM s");
    char id[QRY_ID_MAX];
    snprintf(id, sizeof(id), "%s", qry_id(q));
    cr_expect_eq(qry_remove(eng, id), 0, "rmdir of a waiting query returns");
    cr_expect_eq(qry_get_state(q), QRY_CANCELLED);
    qry_put(q);
}

Test(streaming, seek_to_earliest_backfills_without_gap_or_duplicate)
{
    insert_range(0, 3);
    struct qry *q = start("SELECT v FROM s SETTINGS seek_to='earliest'");
    insert_range(3, 5);
    qry_settle(q);
    cr_expect_str_eq(result(q), "{\"v\":0}\n{\"v\":1}\n{\"v\":2}\n{\"v\":3}\n{\"v\":4}\n");
    qry_put(q);

    q = start("SELECT v FROM s SETTINGS seek_to=4");
    cr_expect_str_eq(result(q), "{\"v\":4}\n");
    qry_put(q);
}

Test(streaming, where_on_tp_time_reads_from_then)
{
    run("INSERT INTO s (v, _tp_time) VALUES (0, '2024-07-09 20:00:00')");
    run("INSERT INTO s (v, _tp_time) VALUES (1, '2024-07-09 23:30:00')");
    struct qry *q = start("SELECT v FROM s WHERE _tp_time > now() - 1h");
    cr_expect_str_eq(result(q), "{\"v\":1}\n");
    insert_range(2, 3);
    qry_settle(q);
    cr_expect_str_eq(result(q), "{\"v\":1}\n{\"v\":2}\n");
    qry_put(q);

    q = start("SELECT v FROM s SETTINGS seek_to='-1h'");
    cr_expect_str_eq(result(q), "{\"v\":1}\n{\"v\":2}\n");
    qry_put(q);
}

Test(streaming, errors)
{
    struct sql_error err;
    char id[64];
    const char *sql = "SELECT v FROM s ORDER BY v";
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "ORDER BY is not supported in a streaming query"), "%s", err.msg);
    sql = "SELECT v FROM table(s) SETTINGS seek_to='earliest'";
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "seek_to applies to a streaming query"), "%s", err.msg);
    sql = "SELECT v FROM s SETTINGS seek_to='yesterday'";
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "seek_to takes"), "%s", err.msg);
    run("CREATE STREAM t (v int64)");
    struct buf out = BUF_INIT;
    sql = "INSERT INTO t SELECT v FROM s";
    cr_expect_eq(sql_run(eng, sql, strlen(sql), &err, &out), -EINVAL);
    cr_expect(strstr(err.msg, "never ends"), "%s", err.msg);
    buf_free(&out);
}

struct notes {
    pthread_mutex_t mu;
    int calls, rotations;
    uint64_t gen;
};

static void note(void *arg, uint64_t num, uint64_t gen, int rotated)
{
    struct notes *n = arg;
    pthread_mutex_lock(&n->mu);
    n->calls++;
    n->rotations += rotated;
    n->gen = gen;
    pthread_mutex_unlock(&n->mu);
}

Test(streaming, result_rotates_and_stream_reads_across)
{
    struct notes nt = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
    qry_set_notify(eng, note, &nt);
    struct qry *q = start("SELECT v FROM s SETTINGS result_rotate_bytes=20");
    uint64_t pos = qry_stream_pos(q);
    cr_expect_eq(pos, 0);
    insert_range(0, 1); /* rows of 8 bytes: 2 fit in 20 */
    qry_settle(q);
    insert_range(1, 4); /* one block crossing the bound: cut between rows */
    qry_settle(q);
    cr_expect_eq(qry_result_gen(q), 1);
    uint64_t size;
    cr_expect_eq(qry_result_gen_size(q, 0, &size, NULL), 0);
    cr_expect_eq(size, 16);
    char buf[64];
    ssize_t n = qry_result_read_gen(q, 0, 0, sizeof(buf), 0, buf, NULL);
    cr_expect_eq(n, 16);
    cr_expect(!memcmp(buf, "{\"v\":0}\n{\"v\":1}\n", 16));
    cr_expect_str_eq(result(q), "{\"v\":2}\n{\"v\":3}\n");
    insert_range(4, 6); /* 16 bytes: 4 goes to a new result (rotating), 5 beside it */
    qry_settle(q);
    cr_expect_eq(qry_result_gen(q), 2);
    cr_expect_eq(qry_result_gen_size(q, 0, &size, NULL), -ENOENT, "two rotations ago: gone");
    cr_expect_eq(qry_result_read_gen(q, 0, 0, sizeof(buf), 0, buf, NULL), 0);
    pthread_mutex_lock(&nt.mu);
    cr_expect_eq(nt.calls, 6, "one notification per append: %d", nt.calls);
    cr_expect_eq(nt.rotations, 2);
    cr_expect_eq(nt.gen, 2);
    pthread_mutex_unlock(&nt.mu);
    /* the stream reader at 0 fell behind what is kept: it skips to result.1 */
    n = qry_stream_read(q, &pos, sizeof(buf), buf, NULL);
    cr_expect_eq(n, 16);
    cr_expect(!memcmp(buf, "{\"v\":2}\n{\"v\":3}\n", 16));
    n = qry_stream_read(q, &pos, sizeof(buf), buf, NULL);
    cr_expect_eq(n, 16);
    cr_expect(!memcmp(buf, "{\"v\":4}\n{\"v\":5}\n", 16));
    cr_expect_eq(pos, 48);
    cr_expect(has_line(q, "bytes_out: 48\n"));
    qry_set_notify(eng, NULL, NULL);
    qry_put(q);
}

struct reader {
    struct qry *q;
    uint64_t pos;
    atomic_int flag;
    ssize_t n;
    char buf[64];
};

static void *read_stream(void *arg)
{
    struct reader *r = arg;
    r->n = qry_stream_read(r->q, &r->pos, sizeof(r->buf) - 1, r->buf, &r->flag);
    return NULL;
}

static void wait_waiter(struct qry *q)
{
    while (qry_result_waiters(q) == 0)
        sched_yield();
}

Test(streaming, stream_reads_block_until_rows_or_interrupt)
{
    struct qry *q = start("SELECT v FROM s");
    insert_range(0, 1);
    qry_settle(q);
    struct reader r = {q, qry_stream_pos(q), 0, 0, {0}};
    cr_expect_eq(r.pos, 8, "a new reader starts at the end");
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, read_stream, &r), 0);
    wait_waiter(q);
    insert_range(1, 2);
    pthread_join(t, NULL);
    cr_expect_eq(r.n, 8);
    cr_expect(!memcmp(r.buf, "{\"v\":1}\n", 8));

    cr_assert_eq(pthread_create(&t, NULL, read_stream, &r), 0);
    wait_waiter(q);
    atomic_store(&r.flag, 1);
    qry_result_wake(q);
    pthread_join(t, NULL);
    cr_expect_eq(r.n, -EINTR);

    atomic_store(&r.flag, 0);
    cr_assert_eq(pthread_create(&t, NULL, read_stream, &r), 0);
    wait_waiter(q);
    qry_cancel(q);
    pthread_join(t, NULL);
    cr_expect_eq(r.n, 0, "the end of the query ends the stream");
    qry_put(q);
}

Test(streaming, engine_close_stops_a_waiting_query)
{
    struct qry *q = start("SELECT v FROM s");
    char id[QRY_ID_MAX];
    snprintf(id, sizeof(id), "%s", qry_id(q));
    qry_put(q);
    eng_close(eng);
    open_eng();
    cr_assert_eq(qry_get(eng, id, &q), 0);
    cr_expect_eq(qry_get_state(q), QRY_FAILED);
    struct buf b = BUF_INIT;
    qry_error_render(q, &b);
    buf_cstr(&b);
    cr_expect(strstr(b.data, QRY_STOPPED_ERROR), "%s", b.data);
    buf_free(&b);
    qry_put(q);
}

static void settle_tick(struct qry *q, int64_t advance_ns)
{
    clk_fake_advance(advance_ns);
    qry_tick_all(eng);
    qry_settle(q);
}

/* FROM tumble(s, ...): windows close as the watermark passes their end,
 * late events are counted, status shows the window figures, and a quiet
 * stream closes its last window by the (fake) wall clock. */
Test(streaming, tumble_over_a_stream)
{
    run("CREATE STREAM e (k string, ts datetime64(3))");
    struct qry *q = start("SELECT window_start, k, count() AS c FROM tumble(e, ts, 5s) "
                          "GROUP BY window_start, k");
    cr_expect(has_line(q, "watermark: \n"), "no watermark before the first event");
    run("INSERT INTO e VALUES ('a', '2024-01-01 00:00:01'), ('b', '2024-01-01 00:00:02')");
    run("INSERT INTO e VALUES ('a', '2024-01-01 00:00:04.999')");
    qry_settle(q);
    cr_expect_str_eq(result(q), "", "the window is open");
    cr_expect(has_line(q, "windows_open: 1\n"));
    run("INSERT INTO e VALUES ('a', '2024-01-01 00:00:05')");
    qry_settle(q);
    cr_expect_str_eq(result(q),
                     "{\"window_start\":\"2024-01-01 00:00:00.000\",\"k\":\"a\",\"c\":2}\n"
                     "{\"window_start\":\"2024-01-01 00:00:00.000\",\"k\":\"b\",\"c\":1}\n");
    run("INSERT INTO e VALUES ('b', '2024-01-01 00:00:03')");
    qry_settle(q);
    cr_expect(has_line(q, "late_events: 1\n"));
    cr_expect(has_line(q, "watermark: 2024-01-01 00:00:05.000\n"));
    settle_tick(q, 4 * SEC);
    cr_expect(has_line(q, "windows_open: 1\n"), "idle for less than the window's size");
    settle_tick(q, 2 * SEC);
    cr_expect_str_eq(result(q),
                     "{\"window_start\":\"2024-01-01 00:00:00.000\",\"k\":\"a\",\"c\":2}\n"
                     "{\"window_start\":\"2024-01-01 00:00:00.000\",\"k\":\"b\",\"c\":1}\n"
                     "{\"window_start\":\"2024-01-01 00:00:05.000\",\"k\":\"a\",\"c\":1}\n",
                     "the quiet stream's window closed");
    cr_expect(has_line(q, "windows_open: 0\n"));
    qry_put(q);
}

/* A global aggregation with EMIT CHANGELOG retracts each group's previous
 * row; EMIT PERIODIC sets the period; PARTITION BY alone keeps the 2 s
 * default; window_start is not a column there. */
Test(streaming, global_aggregation_emit_policies)
{
    struct qry *c = start("SELECT v % 2 AS k, sum(v) AS t FROM s GROUP BY k EMIT CHANGELOG");
    struct qry *p = start("SELECT count() AS n FROM s EMIT PERIODIC 5s");
    struct qry *g = start("SELECT v % 2 AS k, count() AS n FROM s PARTITION BY k GROUP BY k");
    insert_range(1, 3);
    insert_range(3, 4);
    qry_settle(c);
    cr_expect_str_eq(result(c), "{\"k\":1,\"t\":1,\"_tp_delta\":1}\n"
                                "{\"k\":0,\"t\":2,\"_tp_delta\":1}\n"
                                "{\"k\":1,\"t\":1,\"_tp_delta\":-1}\n"
                                "{\"k\":1,\"t\":4,\"_tp_delta\":1}\n");
    settle_tick(p, 2 * SEC);
    qry_settle(g);
    cr_expect_str_eq(result(p), "", "the period is 5s");
    cr_expect_str_eq(result(g), "{\"k\":1,\"n\":2}\n{\"k\":0,\"n\":1}\n");
    settle_tick(p, 3 * SEC);
    cr_expect_str_eq(result(p), "{\"n\":3}\n");
    qry_put(c);
    qry_put(p);
    qry_put(g);
    struct sql_error err;
    char id[64];
    const char *sql = "SELECT window_start, count() FROM s EMIT CHANGELOG";
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "unknown column 'window_start'"), "%s", err.msg);
    sql = "SELECT count() FROM s EMIT AFTER WATERMARK";
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "this EMIT needs a window"), "%s", err.msg);
    sql = "SELECT v FROM s EMIT PERIODIC 1s";
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "EMIT needs a window"), "%s", err.msg);
}

/* --- random streams (CREATE RANDOM STREAM) -------------------------------
 * Rows made as the fake clock passes, eps of them a second in batches no
 * closer than interval_time, each row's _tp_time spread by eps and never
 * ahead of the clock; DEFAULTs evaluated per row; columns without one
 * random but in range; LIMIT, a tumble window and a filter over FROM r;
 * table(r) as one second of rows; no eps: as fast as the reader takes
 * them. Nothing is timed: counts and shapes only. */

#define MS 1000000LL

static void setup_random(void)
{
    setup();
    run("CREATE RANDOM STREAM r (k string DEFAULT 'k' || to_string(rand() % 3), v int8, "
        "f float64, s string, d decimal(5, 2), t datetime, a array(int32), n nullable(int32), "
        "b bool) SETTINGS eps=10");
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

TestSuite(random, .init = setup_random, .fini = teardown, .timeout = 60);

Test(random, rows_follow_the_clock_by_eps_and_interval)
{
    struct qry *q = start("SELECT k, _tp_time FROM r");
    cr_expect_eq(qry_get_kind(q), QRY_STREAMING);
    cr_expect_str_eq(result(q), "", "no time has passed: no row is due");
    settle_tick(q, SEC);
    const char *text = result(q);
    cr_expect_eq(lines(text), 10, "one second at eps=10: %s", text);
    cr_expect(strncmp(text, "{\"k\":\"k", 7) == 0, "the DEFAULT made k: %s", text);
    cr_expect(strstr(text, "\"_tp_time\":\"2024-07-10 00:00:00.100\"}\n") != NULL,
              "the first row a tenth of a second in");
    cr_expect(strstr(text, "\"_tp_time\":\"2024-07-10 00:00:01.000\"}\n") != NULL,
              "the last row now, not later");
    settle_tick(q, 50 * MS);
    cr_expect_eq(lines(result(q)), 10, "within the 100 ms interval: no batch");
    settle_tick(q, 60 * MS);
    cr_expect_eq(lines(result(q)), 11, "the next batch: the row due at 1.1 s");
    qry_cancel(q);
    qry_put(q);
}

Test(random, limit_ends_the_query)
{
    struct qry *q = start("SELECT * FROM r LIMIT 5");
    settle_tick(q, 2 * SEC);
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    cr_expect_eq(lines(result(q)), 5);
    qry_put(q);
}

Test(random, filter_and_tumble_over_a_random_stream)
{
    struct qry *w = start("SELECT window_start, count() AS c FROM tumble(r, 1s) GROUP BY "
                          "window_start");
    struct qry *f = start("SELECT v FROM r WHERE k = 'k0' OR k = 'k1' OR k = 'k2'");
    settle_tick(w, SEC);
    settle_tick(w, SEC);
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

Test(random, a_stall_makes_up_ten_seconds_at_most)
{
    struct qry *q = start("SELECT _tp_sn AS sn FROM r");
    settle_tick(q, 3600 * SEC);
    const char *text = result(q);
    cr_expect_eq(lines(text), 100, "10 s at eps=10, not an hour's 36000 rows");
    cr_expect(strncmp(text, "{\"sn\":35900}\n", 13) == 0, "the newest rows: %.40s", text);
    cr_expect(strstr(text, "{\"sn\":35999}\n") != NULL);
    qry_cancel(q);
    qry_put(q);
}

/* A DEFAULT may read the columns before it: a query that reads only the
 * last one still gets values made from the others. */
Test(random, defaults_read_earlier_columns)
{
    run("CREATE RANDOM STREAM r2 (a int32, b int64 DEFAULT a * 2, c string DEFAULT "
        "to_string(b)) SETTINGS eps=10");
    cr_expect_str_eq(answer("SELECT count() AS cnt FROM table(r2) WHERE b = a * 2 AND c = "
                            "to_string(b)"),
                     "{\"cnt\":10}\n");
    cr_expect_str_eq(answer("SELECT count() AS cnt FROM table(r2) WHERE to_int64(c) % 2 = 0"),
                     "{\"cnt\":10}\n", "c alone: a and b are made for it");
    struct qry *q = start("SELECT c, _tp_sn AS sn FROM r2 WHERE to_int64(c) % 2 = 0");
    settle_tick(q, SEC);
    cr_expect_eq(lines(result(q)), 10);
    qry_cancel(q);
    qry_put(q);
}

/* A global aggregation over a random stream emits its running result
 * every 2 s (Proton's EMIT PERIODIC default), as over any stream. */
Test(random, global_aggregation_emits_periodically)
{
    struct qry *q = start("SELECT count() AS c FROM r");
    settle_tick(q, SEC);
    cr_expect_str_eq(result(q), "", "within the period");
    settle_tick(q, SEC);
    cr_expect_str_eq(result(q), "{\"c\":20}\n");
    settle_tick(q, 2 * SEC);
    cr_expect_str_eq(result(q), "{\"c\":20}\n{\"c\":40}\n");
    qry_cancel(q);
    qry_put(q);
}

/* --- Proton's smoke cases, run as streams ---------------------------------------
 * Scenarios restated from timeplus-io/proton tests/stream/test_stream_smoke
 * (each names its case): the query starts, each INSERT is one of the
 * case's input batches, and the result must be Proton's expected rows
 * exactly (rows within a window in order of first appearance, where
 * Proton's order is its hash table's). The fake clock never moves, so the
 * windows Proton keeps open stay open here too. */

#define PROTON_COLS "INSERT INTO test (id, location, value, timestamp) VALUES "

/* Start sql on a fresh stream `test` of Proton's smoke schema, insert
 * each batch as one write, and return the query. */
static struct qry *proton_run(const char *sql, const char *const *batches, size_t n)
{
    run("CREATE STREAM test (id string, location string, value float32, timestamp datetime64(3))");
    struct qry *q = start(sql);
    for (size_t i = 0; i < n; i++) {
        char ins[1024];
        snprintf(ins, sizeof(ins), "%s%s", PROTON_COLS, batches[i]);
        run(ins);
        qry_settle(q);
    }
    return q;
}

#define NB(a) (sizeof(a) / sizeof((a)[0]))

/* 0000_smoke_case #4: out of order within the window; 15 closes [10,15)
 * only, [15,20) stays open. */
Test(streaming, proton_tumble_out_of_order)
{
    static const char *const b[] = {
        "('dev1', 'ca', 57.3, '2020-02-02 20:00:14'), ('dev2', 'ca', 58.3, '2020-02-02 20:00:13')",
        "('dev6', 'ca', 66, '2020-02-02 20:00:12')",
        "('dev8', 'ca', 67, '2020-02-02 20:00:15')",
    };
    struct qry *q = proton_run("SELECT max(value), window_start, window_end FROM tumble(test, timestamp, "
                               "interval 5 second) GROUP BY window_start, window_end EMIT STREAM "
                               "FORMAT TSV", b, NB(b));
    cr_expect_str_eq(result(q), "66\t2020-02-02 20:00:10.000\t2020-02-02 20:00:15.000\n");
    cr_expect(has_line(q, "windows_open: 1\n"));
    qry_put(q);
}

/* 0000_smoke_case #7: delay 2s: 50 closes [30,35); 34 and 37 are late;
 * [45,50) (watermark 48) and [50,55) stay open. */
Test(streaming, proton_tumble_delay_and_late_events)
{
    static const char *const b[] = {
        "('dev1', 'ca', 57.3, '2020-02-02 20:00:30')", "('dev1', 'ca', 57.3, '2020-02-02 20:00:31')",
        "('dev2', 'ca', 57.3, '2020-02-02 20:00:32')", "('dev2', 'ca', 59.3, '2020-02-02 20:00:50')",
        "('dev2', 'ca', 58.3, '2020-02-02 20:00:34')", "('dev2', 'ca', 58.3, '2020-02-02 20:00:37')",
        "('dev2', 'ca', 58.3, '2020-02-02 20:00:45')",
    };
    struct qry *q = proton_run("SELECT window_start, window_end, count(*) FROM tumble(test, timestamp, "
                               "interval 5 second) GROUP BY window_start, window_end, value EMIT STREAM "
                               "AFTER WATERMARK AND DELAY INTERVAL 2 SECOND FORMAT TSV", b, NB(b));
    cr_expect_str_eq(result(q), "2020-02-02 20:00:30.000\t2020-02-02 20:00:35.000\t3\n");
    cr_expect(has_line(q, "late_events: 2\n"));
    cr_expect(has_line(q, "watermark: 2020-02-02 20:00:48.000\n"));
    qry_put(q);
}

/* 0000_smoke_case #9 and #10: delay 3s; a watermark of 1:04 closes
 * nothing, one of 1:05 closes [1:00,1:05) with the four events before. */
Test(streaming, proton_tumble_delay_gate)
{
    static const char *const b[] = {
        "('dev1', 'ca', 57.3, '2020-02-02 20:01:00'), ('dev1', 'ca', 57.3, '2020-02-02 20:01:01'), "
        "('dev2', 'ca', 58.3, '2020-02-02 20:01:05')",
        "('dev1', 'ca', 57.3, '2020-02-02 20:01:03'), ('dev1', 'ca', 57.3, '2020-02-02 20:01:02'), "
        "('dev2', 'ca', 58.3, '2020-02-02 20:01:07')",
        "('dev2', 'ca', 58.3, '2020-02-02 20:01:08')",
    };
    struct qry *q = proton_run("SELECT window_start, window_end, count(*) FROM tumble(test, timestamp, "
                               "interval 5 second) GROUP BY window_start, window_end, value EMIT STREAM "
                               "AFTER WATERMARK AND DELAY INTERVAL 3 SECOND FORMAT TSV", b, 2);
    cr_expect_str_eq(result(q), "", "#9: nothing before the delay gate");
    run(PROTON_COLS "('dev2', 'ca', 58.3, '2020-02-02 20:01:08')");
    qry_settle(q);
    cr_expect_str_eq(result(q), "2020-02-02 20:01:00.000\t2020-02-02 20:01:05.000\t4\n");
    qry_put(q);
}

/* 0000_smoke_case #12: hop 2s/5s; each write's rows are taken against the
 * watermark from before it (02 after 03, 08 and 07 after 09 still count),
 * as Proton's per-block watermark does; the 01 of the last write is late. */
Test(streaming, proton_hop_watermark_per_write)
{
    static const char *const b[] = {
        "('dev1', 'ca', 60, '2021-11-02 20:00:01'), ('dev2', 'ca', 66, '2021-11-02 20:00:03'), "
        "('dev2', 'ca', 58.3, '2021-11-02 20:00:02')",
        "('dev1', 'ca', 59, '2021-11-02 20:00:04'), ('dev8', 'ca', 67, '2021-11-02 20:00:05'), "
        "('dev8', 'ca', 77, '2021-11-02 20:00:06')",
        "('dev3', 'ca', 57.3, '2021-11-02 20:00:09'), ('dev3', 'ca', 66, '2021-11-02 20:00:08'), "
        "('dev4', 'ca', 76, '2021-11-02 20:00:07')",
        "('dev3', 'ca', 80, '2021-11-02 20:00:09'), ('dev4', 'ca', 67, '2021-11-02 20:00:01'), "
        "('dev9', 'ca', 77, '2021-11-02 20:00:10')",
    };
    struct qry *q = proton_run("SELECT id, max(value), window_start, window_end FROM hop(test, timestamp, "
                               "interval 2 second, interval 5 second) GROUP BY id, window_start, "
                               "window_end FORMAT TSV", b, NB(b));
    cr_expect_str_eq(result(q), "dev1\t60\t2021-11-02 19:59:58.000\t2021-11-02 20:00:03.000\n"
                                "dev2\t58.3\t2021-11-02 19:59:58.000\t2021-11-02 20:00:03.000\n"
                                "dev1\t60\t2021-11-02 20:00:00.000\t2021-11-02 20:00:05.000\n"
                                "dev2\t66\t2021-11-02 20:00:00.000\t2021-11-02 20:00:05.000\n"
                                "dev2\t66\t2021-11-02 20:00:02.000\t2021-11-02 20:00:07.000\n"
                                "dev1\t59\t2021-11-02 20:00:02.000\t2021-11-02 20:00:07.000\n"
                                "dev8\t77\t2021-11-02 20:00:02.000\t2021-11-02 20:00:07.000\n"
                                "dev1\t59\t2021-11-02 20:00:04.000\t2021-11-02 20:00:09.000\n"
                                "dev8\t77\t2021-11-02 20:00:04.000\t2021-11-02 20:00:09.000\n"
                                "dev3\t66\t2021-11-02 20:00:04.000\t2021-11-02 20:00:09.000\n"
                                "dev4\t76\t2021-11-02 20:00:04.000\t2021-11-02 20:00:09.000\n");
    cr_expect(has_line(q, "late_events: 1\n"));
    qry_put(q);
}

/* 0000_smoke_case #15 and #16: global aggregations by id with EMIT
 * PERIODIC 5s: one emit of every group's current result when the period
 * ends. */
Test(streaming, proton_global_aggregation_periodic)
{
    static const char *const b[] = {
        "('dev1', 'ca', 57.3, '2020-02-02 20:01:00'), ('dev1', 'ca', 66, '2020-02-02 20:01:01'), "
        "('dev2', 'ca', 58.3, '2020-02-02 20:01:05')",
        "('dev2', 'ca', 59, '2020-02-02 20:01:03'), ('dev8', 'ca', 67, '2020-02-02 20:01:02'), "
        "('dev8', 'ca', 77, '2020-02-02 20:01:08')",
        "('dev3', 'ca', 57.3, '2020-02-02 20:01:00'), ('dev3', 'ca', 66, '2020-02-02 20:01:01'), "
        "('dev2', 'ca', 76, '2020-02-02 20:01:05')",
        "('dev2', 'ca', 80, '2020-02-02 20:01:03'), ('dev8', 'ca', 67, '2020-02-02 20:01:02'), "
        "('dev8', 'ca', 77, '2020-02-02 20:01:08')",
    };
    run("CREATE STREAM test (id string, location string, value float32, timestamp datetime64(3))");
    struct qry *q = start("SELECT id, max(value) FROM test GROUP BY id EMIT PERIODIC 5s FORMAT TSV");
    /* #16: DISTINCT aggregates; float32 values summed as float64 (Proton's
     * test shows 123.3: its harness rounds) */
    struct qry *d = start("SELECT id, sum(DISTINCT value), count(DISTINCT value) FROM test GROUP BY id "
                          "EMIT PERIODIC 5s FORMAT TSV");
    for (size_t i = 0; i < NB(b); i++) {
        char ins[1024];
        snprintf(ins, sizeof(ins), "%s%s", PROTON_COLS, b[i]);
        run(ins);
    }
    qry_settle(d);
    settle_tick(q, 4 * SEC);
    cr_expect_str_eq(result(q), "");
    settle_tick(q, SEC);
    cr_expect_str_eq(result(q), "dev1\t66\ndev2\t80\ndev8\t77\ndev3\t66\n");
    qry_settle(d);
    cr_expect_str_eq(result(d), "dev1\t123.29999923706055\t2\ndev2\t273.29999923706055\t4\n"
                                "dev8\t144\t2\ndev3\t123.29999923706055\t2\n");
    qry_put(q);
    qry_put(d);
}

/* 0006_session_window #0 and #5: sessions per id with watermarks per id.
 * dev1's second session ends at 02 + 2s (SPEC rule 9), where Proton
 * reports 02 + max_length (12) because the next event lies beyond it;
 * dev2's lone event stays open (no later event of dev2). */
Test(streaming, proton_session_per_key)
{
    static const char *const b[] = {
        "('dev1', 'ca', 57.3, '2020-02-02 20:00:00'), ('dev2', 'ca', 58.3, '2020-02-02 20:00:00')",
        "('dev1', 'ca', 66, '2020-02-02 20:00:02')",
        "('dev1', 'ca', 67, '2020-02-02 20:00:15')",
    };
    struct qry *q = proton_run("SELECT max(value), window_start, window_end, id FROM session(test, "
                               "timestamp, 2s) PARTITION BY id GROUP BY window_start, window_end, id "
                               "FORMAT TSV", b, NB(b));
    cr_expect_str_eq(result(q), "57.3\t2020-02-02 20:00:00.000\t2020-02-02 20:00:02.000\tdev1\n"
                                "66\t2020-02-02 20:00:02.000\t2020-02-02 20:00:04.000\tdev1\n");
    qry_put(q);

    static const char *const b5[] = { /* #5: dev1's 03 after dev2's 05 is not late */
        "('dev1', 'ca', 57.3, '2020-02-02 20:00:00'), ('dev2', 'ca', 58.3, '2020-02-02 20:00:01')",
        "('dev1', 'ca', 66, '2020-02-02 20:00:01'), ('dev2', 'ca', 60, '2020-02-02 20:00:02')",
        "('dev2', 'ca', 67, '2020-02-02 20:00:05')",
        "('dev1', 'ca', 68, '2020-02-02 20:00:03')",
        "('dev1', 'ca', 69, '2020-02-02 20:00:06')",
    };
    run("DROP STREAM test");
    q = proton_run("SELECT max(value), window_start, window_end, id FROM session(test, timestamp, 2s) "
                   "PARTITION BY id GROUP BY window_start, window_end, id FORMAT TSV", b5, NB(b5));
    cr_expect_str_eq(result(q), "60\t2020-02-02 20:00:01.000\t2020-02-02 20:00:04.000\tdev2\n"
                                "66\t2020-02-02 20:00:00.000\t2020-02-02 20:00:03.000\tdev1\n"
                                "68\t2020-02-02 20:00:03.000\t2020-02-02 20:00:05.000\tdev1\n");
    cr_expect(has_line(q, "late_events: 0\n"));
    qry_put(q);
}

/* 0016_substream_case #1 (query 1702): tumble 5s over _tp_time PARTITION
 * BY id (id selected without GROUP BY: constant in its substream): each id
 * closes [00,05) by its own watermark; id 3's 03 and 02 share the write of
 * its 08, so its window holds 4 events, as in Proton. */
Test(streaming, proton_substream_tumble)
{
    run("CREATE STREAM sub (id uint64, val_i int32, val_i64 int64, val_f float32, val_s string)");
    struct qry *q = start("SELECT id, window_start, count(val_s), sum(val_i), max(val_i64), min(val_f) "
                          "FROM tumble(sub, 5s) PARTITION BY id GROUP BY window_start FORMAT TSV");
    /* 0016 #0 (query 1702): the global aggregation per substream, its key
     * selected without GROUP BY */
    struct qry *g = start("SELECT id, count(val_s), sum(val_i), max(val_i64), min(val_f) FROM sub "
                          "PARTITION BY id EMIT PERIODIC 6s FORMAT TSV");
    static const char *const b[] = {
        "(1, 1, 10000, 5.6, '11', '2020-02-02 20:00:00'), (1, 2, 10010, 7.6, '12', '2020-02-02 20:00:01'), "
        "(1, 3, 10012, 12.6, '13', '2020-02-02 20:00:03'), (2, 21, 20000, 25.6, '21', '2020-02-02 20:00:00'), "
        "(3, 31, 30000, 35.6, '31', '2020-02-02 20:00:00'), (3, 32, 30010, 37.6, '32', '2020-02-02 20:00:01'), "
        "(2, 22, 20010, 27.6, '22', '2020-02-02 20:00:01'), (2, 23, 20012, 212.6, '23', '2020-02-02 20:00:03'), "
        "(1, 6, 10050, 27.34, '16', '2020-02-02 20:00:08')",
        "(2, 24, 20050, 27.34, '24', '2020-02-02 20:00:03'), (2, 25, 20042, 213.6, '25', '2020-02-02 20:00:05'), "
        "(2, 26, 20050, 227.34, '26', '2020-02-02 20:00:08')",
        "(3, 33, 30012, 312.6, '33', '2020-02-02 20:00:08'), (3, 34, 30050, 37.34, '34', '2020-02-02 20:00:03'), "
        "(1, 4, 10050, 7.34, '4', '2020-02-02 20:00:03'), (1, 5, 10042, 13.6, '5', '2020-02-02 20:00:05'), "
        "(3, 35, 30042, 313.6, '35', '2020-02-02 20:00:05'), (3, 36, 30050, 327.34, '36', '2020-02-02 20:00:02')",
        "(4, 424, 40050, 427.34, '400', '2020-02-02 20:00:10')",
    };
    for (size_t i = 0; i < NB(b); i++) {
        char ins[1024];
        snprintf(ins, sizeof(ins), "INSERT INTO sub (id, val_i, val_i64, val_f, val_s, _tp_time) VALUES %s", b[i]);
        run(ins);
        qry_settle(q);
    }
    cr_expect_str_eq(result(q), "1\t2020-02-02 20:00:00.000\t3\t6\t10012\t5.6\n"
                                "2\t2020-02-02 20:00:00.000\t4\t90\t20050\t25.6\n"
                                "3\t2020-02-02 20:00:00.000\t4\t133\t30050\t35.6\n");
    cr_expect(has_line(q, "late_events: 1\n"), "id 1's 03 came after its [00,05) closed");
    qry_put(q);
    qry_settle(g);
    settle_tick(g, 6 * SEC);
    cr_expect_str_eq(result(g), "1\t6\t21\t10050\t5.6\n2\t6\t141\t20050\t25.6\n"
                                "3\t6\t201\t30050\t35.6\n4\t1\t424\t40050\t427.34\n");
    qry_put(g);
}

/* 0028_emit_changelog #0: a global count with EMIT CHANGELOG over an
 * append-only stream: each write retracts the previous count. */
Test(streaming, proton_global_changelog)
{
    static const char *const b[] = {
        "('k1', 'ca', 1, '2020-02-02 20:00:00')",
        "('k2', 'ca', 1, '2020-02-02 20:00:01')",
    };
    struct qry *q = proton_run("SELECT count() FROM test EMIT CHANGELOG FORMAT TSV", b, NB(b));
    cr_expect_str_eq(result(q), "1\t1\n1\t-1\n2\t1\n");
    qry_put(q);
}

/* The same as 0029_emit_changelog #0 spells it (_tp_delta named last in
 * the select list, EMIT CHANGELOG PERIODIC 1s): the changes come at the
 * end of each period, those of two writes in one period as one change. */
Test(streaming, proton_global_changelog_periodic)
{
    run("CREATE STREAM test (id string, location string, value float32, timestamp datetime64(3))");
    struct qry *q = start("SELECT count(), _tp_delta FROM test EMIT CHANGELOG PERIODIC 1s FORMAT TSV");
    run(PROTON_COLS "('k1', 'ca', 1, '2020-02-02 20:00:00')");
    qry_settle(q);
    cr_expect_str_eq(result(q), "", "nothing before the period ends");
    settle_tick(q, SEC);
    cr_expect_str_eq(result(q), "1\t1\n");
    run(PROTON_COLS "('k2', 'ca', 1, '2020-02-02 20:00:01')");
    run(PROTON_COLS "('k3', 'ca', 1, '2020-02-02 20:00:02')");
    settle_tick(q, SEC);
    cr_expect_str_eq(result(q), "1\t1\n1\t-1\n3\t1\n");
    settle_tick(q, SEC);
    cr_expect_str_eq(result(q), "1\t1\n1\t-1\n3\t1\n", "no change: no rows");
    qry_put(q);
    struct sql_error err;
    char id[64];
    const char *sql = "SELECT count() FROM tumble(test, timestamp, 5s) GROUP BY window_start "
                      "EMIT CHANGELOG PERIODIC 1s";
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "EMIT CHANGELOG PERIODIC needs a global aggregation"), "%s", err.msg);
}

/* 0020_seek_to: SETTINGS seek_to by sequence number (given as text too),
 * and Proton's event predicates: a streaming query comparing _tp_sn or
 * _tp_time with a constant reads the stored rows it can match first (from
 * its lower bound, or from the earliest row for <, <= and !=), also
 * through a subquery that passes its rows on one for one. */
Test(streaming, proton_seek_to_and_event_predicates)
{
    static const struct {
        const char *sql, *want;
    } cases[] = {
        {"SELECT i, s FROM sk SETTINGS seek_to='0'", "1\ts1\n2\ts2\n3\ts3\n4\ts4\n"},
        {"SELECT i, s FROM sk SETTINGS seek_to='1'", "2\ts2\n3\ts3\n4\ts4\n"},
        {"SELECT i, s FROM sk SETTINGS seek_to='5'", ""},
        {"SELECT i, s FROM sk WHERE _tp_sn >= 1", "2\ts2\n3\ts3\n4\ts4\n"},
        {"SELECT i, s FROM sk WHERE _tp_sn >= 5", ""},
        {"SELECT i, s FROM sk WHERE _tp_sn = 1", "2\ts2\n"},
        {"SELECT i, s FROM sk WHERE _tp_sn < 2", "1\ts1\n2\ts2\n"},
        {"SELECT i, s FROM sk WHERE _tp_sn > 2", "4\ts4\n"},
        {"SELECT i, s FROM sk WHERE 2 >= _tp_sn", "1\ts1\n2\ts2\n3\ts3\n"},
        {"SELECT i, s FROM sk WHERE _tp_sn != 2", "1\ts1\n2\ts2\n4\ts4\n"},
        {"SELECT t, s FROM sk WHERE _tp_time = '2022-12-01 00:00:01.111'", "2022-12-01 00:00:01.111\ts1\n"},
        {"SELECT t, s FROM sk WHERE _tp_time >= '2022-12-01 00:00:04.112'", ""},
        {"SELECT s FROM sk WHERE _tp_time < '2022-12-01 00:00:03.111'", "s1\ns2\n"},
        {"SELECT s FROM sk WHERE _tp_time > '2022-12-01 00:00:03.111'", "s4\n"},
        {"SELECT s FROM sk WHERE _tp_time != '2022-12-01 00:00:03.111'", "s1\ns2\ns4\n"},
        /* 0020 #6: windows over what the predicate reads; [04,06) stays open */
        {"SELECT window_start, count() FROM tumble(sk, 2s) WHERE _tp_time >= '2022-12-01 00:00:01.111' "
         "GROUP BY window_start", "2022-12-01 00:00:00.000\t1\n2022-12-01 00:00:02.000\t2\n"},
        /* 0020 #5 and #6: through a subquery, by name or by alias */
        {"SELECT t, s FROM (SELECT * FROM sk) WHERE _tp_time = '2022-12-01 00:00:01.111'",
         "2022-12-01 00:00:01.111\ts1\n"},
        {"SELECT t, s FROM (SELECT *, _tp_sn FROM sk) WHERE _tp_sn = 0", "2022-12-01 00:00:01.111\ts1\n"},
        {"WITH cte AS (SELECT i, s, _tp_time AS event_time FROM sk) SELECT i, s FROM cte "
         "WHERE event_time >= '2022-12-01 00:00:01.111'", "1\ts1\n2\ts2\n3\ts3\n4\ts4\n"},
        {"WITH cte AS (SELECT i, s, _tp_sn AS sn FROM sk) SELECT i, s FROM cte WHERE sn >= 2",
         "3\ts3\n4\ts4\n"},
        {"WITH cte AS (SELECT i, s, _tp_time AS event_time FROM sk) SELECT window_start, count() "
         "FROM tumble(cte, event_time, 2s) WHERE event_time >= '2022-12-01 00:00:01.111' "
         "GROUP BY window_start", "2022-12-01 00:00:00.000\t1\n2022-12-01 00:00:02.000\t2\n"},
        {"WITH cte AS (SELECT i, s, _tp_time, _tp_sn AS sn FROM sk) SELECT window_start, count() "
         "FROM tumble(cte, 2s) WHERE sn >= 0 GROUP BY window_start",
         "2022-12-01 00:00:00.000\t1\n2022-12-01 00:00:02.000\t2\n"},
        {"SELECT n FROM (SELECT count() AS n FROM sk) WHERE n > 0", ""}, /* not one for one: no seek */
    };
    run("CREATE STREAM sk (i int32, s string, t datetime64(3)) SETTINGS event_time_column='t'");
    for (int i = 1; i <= 4; i++) {
        char ins[128];
        snprintf(ins, sizeof(ins), "INSERT INTO sk (i, s, t) VALUES (%d, 's%d', '2022-12-01 00:00:0%d.111')",
                 i, i, i);
        run(ins);
    }
    for (size_t i = 0; i < NB(cases); i++) {
        char sql[512];
        snprintf(sql, sizeof(sql), "%s FORMAT TSV", cases[i].sql);
        struct qry *q = start(sql);
        cr_expect_str_eq(result(q), cases[i].want, "%s", cases[i].sql);
        qry_put(q);
    }
}

/* 0020_seek_to #6 and 0006_session_window #9: windows over a WITH
 * subquery of the stream, timed by a column it computes (here the event
 * time renamed); the subquery's rows keep where their writes end. */
Test(streaming, proton_window_over_a_cte)
{
    run("CREATE STREAM sk (i int32, s string, t datetime64(3)) SETTINGS event_time_column='t'");
    struct qry *q = start("WITH cte AS (SELECT i, s, _tp_time AS event_time FROM sk) SELECT window_start, "
                          "count() FROM tumble(cte, event_time, 2s) WHERE i > 0 GROUP BY window_start "
                          "FORMAT TSV");
    run("INSERT INTO sk (i, s, t) VALUES (1, 's1', '2022-12-01 00:00:01.111')");
    run("INSERT INTO sk (i, s, t) VALUES (3, 's3', '2022-12-01 00:00:03.111'), "
        "(2, 's2', '2022-12-01 00:00:02.111')");
    run("INSERT INTO sk (i, s, t) VALUES (4, 's4', '2022-12-01 00:00:04.111'), "
        "(0, 's0', '2022-12-01 00:00:05.111'), (5, 's5', '2022-12-01 00:00:03.5')");
    qry_settle(q);
    cr_expect_str_eq(result(q), "2022-12-01 00:00:00.000\t1\n2022-12-01 00:00:02.000\t3\n",
                     "03.5 shares the write of 04, which closes [02,04)");
    qry_put(q);
}

/* --- aggregations over a mutable stream ------------------------------------
 * FROM m reads the log as a changelog: an upsert of a key the query holds
 * retracts the old row and adds the new one, a delete retracts it, so
 * avg per device stays the average of the current rows; a device whose
 * rows are all deleted leaves the result (CHANGELOG: its -1 row only). */

#define M_COLS "INSERT INTO m (device_id, seq, temperature) VALUES "
#define M_DEL "INSERT INTO m (device_id, seq, temperature, _tp_delta) VALUES "

static void setup_mutable(void)
{
    setup();
    run("CREATE MUTABLE STREAM m (device_id string, seq int32, temperature float64) "
        "PRIMARY KEY (device_id, seq)");
}

TestSuite(mutable, .init = setup_mutable, .fini = teardown, .timeout = 60);

Test(mutable, changelog_avg_follows_upserts_updates_and_deletes)
{
    struct qry *q = start("SELECT device_id, avg(temperature) AS t FROM m GROUP BY device_id "
                          "EMIT CHANGELOG FORMAT TSV");
    run(M_COLS "('a', 1, 10), ('a', 2, 20), ('b', 1, 5)");
    qry_settle(q);
    cr_expect_str_eq(result(q), "a\t15\t1\nb\t5\t1\n");
    run(M_COLS "('a', 1, 30)"); /* update: 10 out, 30 in */
    qry_settle(q);
    cr_expect_str_eq(result(q), "a\t15\t1\nb\t5\t1\na\t15\t-1\na\t25\t1\n");
    run(M_DEL "('b', 1, 0, -1)"); /* b's only row: b is gone */
    qry_settle(q);
    cr_expect_str_eq(result(q), "a\t15\t1\nb\t5\t1\na\t15\t-1\na\t25\t1\nb\t5\t-1\n");
    run(M_DEL "('c', 9, 0, -1)"); /* a key never seen: no change */
    run(M_DEL "('a', 2, 0, -1)");
    run(M_COLS "('b', 2, 7)"); /* b comes back with a fresh average */
    qry_settle(q);
    cr_expect_str_eq(result(q), "a\t15\t1\nb\t5\t1\na\t15\t-1\na\t25\t1\nb\t5\t-1\n"
                                "a\t25\t-1\na\t30\t1\nb\t7\t1\n");
    qry_put(q);
}

Test(mutable, periodic_group_by_shows_the_current_rows)
{
    struct qry *q = start("SELECT device_id, avg(temperature) AS t, count() AS n, "
                          "sum(seq) AS s, uniq(temperature) AS u FROM m GROUP BY device_id "
                          "FORMAT TSV");
    run(M_COLS "('a', 1, 10), ('a', 2, 20), ('b', 1, 5)");
    run(M_COLS "('a', 2, 40), ('a', 2, 60)"); /* one write updating the same key twice */
    settle_tick(q, 2 * SEC);
    cr_expect_str_eq(result(q), "a\t35\t2\t3\t2\nb\t5\t1\t1\t1\n");
    run(M_DEL "('b', 1, 0, -1)");
    settle_tick(q, 2 * SEC);
    cr_expect_str_eq(result(q), "a\t35\t2\t3\t2\nb\t5\t1\t1\t1\na\t35\t2\t3\t2\n", "b is gone");
    qry_put(q);
    /* from the whole log: the current rows, whatever came before */
    q = start("SELECT device_id, avg(temperature) AS t, count() AS n FROM m GROUP BY device_id "
              "SETTINGS seek_to = 'earliest' FORMAT TSV");
    settle_tick(q, 2 * SEC);
    cr_expect_str_eq(result(q), "a\t35\t2\n");
    qry_put(q);
    /* without GROUP BY the one row stays, at zero */
    q = start("SELECT count() AS n, sum(temperature) AS t FROM m EMIT CHANGELOG FORMAT TSV");
    run(M_COLS "('z', 1, 0.1), ('z', 2, 0.7)");
    run(M_DEL "('z', 1, 0, -1), ('z', 2, 0, -1)");
    qry_settle(q);
    cr_expect_str_eq(result(q), "2\t0.7999999999999999\t1\n2\t0.7999999999999999\t-1\n0\t0\t1\n");
    qry_put(q);
}

Test(mutable, tumble_windows_retract_from_the_old_rows_window)
{
    run("CREATE MUTABLE STREAM w (k string, v int64, ts datetime) PRIMARY KEY (k)");
    struct qry *q = start("SELECT window_start, sum(v) AS t FROM tumble(w, ts, 10s) "
                          "GROUP BY window_start EMIT CHANGELOG FORMAT TSV");
    run("INSERT INTO w (k, v, ts) VALUES ('x', 1, '2024-07-10 00:00:01'), "
        "('y', 2, '2024-07-10 00:00:02')");
    run("INSERT INTO w (k, v, ts) VALUES ('x', 5, '2024-07-10 00:00:03')");
    qry_settle(q);
    cr_expect_str_eq(result(q), "2024-07-10 00:00:00\t3\t1\n"
                                "2024-07-10 00:00:00\t3\t-1\n2024-07-10 00:00:00\t7\t1\n");
    qry_put(q);
}

Test(mutable, aggregates_that_cannot_retract_are_refused)
{
    struct sql_error err;
    char id[64];
    const char *sql = "SELECT device_id, max(temperature) FROM m GROUP BY device_id";
    memset(&err, 0, sizeof(err));
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "max cannot retract rows: over a mutable stream"), "%s", err.msg);
    cr_expect_eq(err.line, 1);
    cr_expect_eq(err.col, 19);
    sql = "SELECT sum(DISTINCT seq) FROM m";
    cr_expect_eq(sql_query_start(eng, sql, strlen(sql), NULL, id, &err), -EINVAL);
    cr_expect(strstr(err.msg, "sum(DISTINCT ...) cannot retract rows"), "%s", err.msg);
    /* the current rows: table(m) takes any aggregate */
    run(M_COLS "('a', 1, 10), ('a', 1, 12)");
    struct qry *q = start("SELECT max(temperature) AS m FROM table(m)");
    cr_assert_eq(qry_wait(q), QRY_FINISHED);
    cr_expect_str_eq(result(q), "{\"m\":12}\n");
    qry_put(q);
}
