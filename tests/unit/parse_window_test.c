/*
 * parse_window_test.c — the streaming clauses of SELECT (sql/parser.h):
 * window sources (tumble, hop, session over a stream or table(s), with
 * and without a time column), intervals converted to nanoseconds,
 * PARTITION BY at both of its places, every EMIT form Proton writes and
 * the positioned errors (hop slide larger than size, bad intervals, two
 * policies, cut statements).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/parser.h"
#include "util/err.h"

#define SEC 1000000000LL

static struct sql_stmt *parse_ok(const char *src)
{
    struct sql_stmt *s = NULL;
    struct sql_error err;
    int rc = sql_parse(src, strlen(src), &s, &err);
    cr_assert_eq(rc, 0, "'%s' failed: %d %s", src, rc, err.msg);
    cr_assert_eq(s->kind, SQL_SELECT);
    return s;
}

static void fails(const char *src, int code, const char *msg)
{
    struct sql_stmt *s = NULL;
    struct sql_error err;
    int rc = sql_parse(src, strlen(src), &s, &err);
    cr_expect_null(s);
    cr_expect_eq(rc, code, "'%s': rc %d, want %d (%s)", src, rc, code, err.msg);
    cr_expect_str_eq(err.msg, msg, "for '%s': got '%s'", src, err.msg);
    sql_stmt_destroy(s);
}

Test(parse_window, tumble)
{
    struct sql_stmt *s = parse_ok("SELECT count() FROM tumble(s, 5s) GROUP BY window_start");
    const struct sql_from *f = s->u.select->from;
    cr_assert_not_null(f->win);
    cr_expect_eq(f->kind, SF_STREAM);
    cr_expect_str_eq(f->name, "s");
    cr_expect_eq(f->win->kind, SQL_WIN_TUMBLE);
    cr_expect_null(f->win->time_col);
    cr_expect_eq(f->win->size_ns, 5 * SEC);
    cr_expect_eq(s->u.select->emit.given, 0);
    sql_stmt_destroy(s);

    s = parse_ok("SELECT count() FROM tumble(table(s), ts, INTERVAL 2 MINUTE) AS w GROUP BY window_start");
    f = s->u.select->from;
    cr_expect_eq(f->kind, SF_TABLE);
    cr_expect_str_eq(f->name, "s");
    cr_expect_str_eq(f->win->time_col, "ts");
    cr_expect_eq(f->win->time_pos.col, 38);
    cr_expect_eq(f->win->size_ns, 120 * SEC);
    cr_expect_str_eq(f->alias, "w");
    sql_stmt_destroy(s);

    s = parse_ok("SELECT 1 FROM tumble(s, 500ms)");
    cr_expect_eq(s->u.select->from->win->size_ns, SEC / 2);
    sql_stmt_destroy(s);
}

Test(parse_window, hop_and_session)
{
    struct sql_stmt *s = parse_ok("SELECT 1 FROM hop(s, ts, 5s, 10s)");
    const struct sql_window *w = s->u.select->from->win;
    cr_expect_eq(w->kind, SQL_WIN_HOP);
    cr_expect_eq(w->slide_ns, 5 * SEC);
    cr_expect_eq(w->size_ns, 10 * SEC);
    cr_expect_str_eq(w->time_col, "ts");
    sql_stmt_destroy(s);

    s = parse_ok("SELECT 1 FROM hop(table(s), 1m, 1h)");
    w = s->u.select->from->win;
    cr_expect_null(w->time_col);
    cr_expect_eq(w->slide_ns, 60 * SEC);
    cr_expect_eq(w->size_ns, 3600 * SEC);
    sql_stmt_destroy(s);

    s = parse_ok("SELECT 1 FROM session(s, ts, 2s, 10s) PARTITION BY k");
    w = s->u.select->from->win;
    cr_expect_eq(w->kind, SQL_WIN_SESSION);
    cr_expect_eq(w->size_ns, 2 * SEC);
    cr_expect_eq(w->max_len_ns, 10 * SEC);
    cr_expect_eq(s->u.select->npartition, 1);
    cr_expect_str_eq(s->u.select->partition[0]->str, "k");
    sql_stmt_destroy(s);

    s = parse_ok("SELECT 1 FROM session(s, 2s)");
    w = s->u.select->from->win;
    cr_expect_eq(w->size_ns, 2 * SEC);
    cr_expect_eq(w->max_len_ns, 0);
    cr_expect_null(w->time_col);
    sql_stmt_destroy(s);

    s = parse_ok("SELECT 1 FROM session(s, 2s, 10s)");
    cr_expect_eq(s->u.select->from->win->max_len_ns, 10 * SEC, "two intervals: timeout, max_length");
    sql_stmt_destroy(s);

    /* the time as an expression (Proton) */
    s = parse_ok("SELECT 1 FROM hop(s, to_datetime(j), 2s, 5s)");
    w = s->u.select->from->win;
    cr_expect_null(w->time_col);
    cr_assert_not_null(w->time_expr);
    cr_expect_str_eq(w->time_expr->str, "to_datetime");
    cr_expect_eq(w->time_pos.col, 22);
    cr_expect_eq(w->slide_ns, 2 * SEC);
    sql_stmt_destroy(s);
}

Test(parse_window, partition_by_places)
{
    struct sql_stmt *s =
        parse_ok("SELECT k, count() FROM tumble(s, 5s) WHERE v > 1 PARTITION BY k, j GROUP BY k, window_start");
    cr_expect_eq(s->u.select->npartition, 2);
    cr_expect_eq(s->u.select->ngroup, 2);
    sql_stmt_destroy(s);
    s = parse_ok("SELECT k, count() FROM tumble(s, 5s) GROUP BY k PARTITION BY k HAVING count() > 1");
    cr_expect_eq(s->u.select->npartition, 1);
    cr_expect_not_null(s->u.select->having);
    sql_stmt_destroy(s);
    fails("SELECT 1 FROM s PARTITION BY k GROUP BY k PARTITION BY j", -EINVAL,
          "line 1, column 43: a query takes one PARTITION BY");
}

Test(parse_window, emit_forms)
{
    static const struct {
        const char *sql;
        enum sql_emit_kind kind;
        int stream;
        int64_t delay, periodic, timeout;
    } cases[] = {
        {"EMIT AFTER WATERMARK", SQL_EMIT_WATERMARK, 0, 0, 0, 0},
        {"EMIT STREAM AFTER WATERMARK WITH DELAY 2s", SQL_EMIT_WATERMARK, 1, 2 * SEC, 0, 0},
        {"EMIT AFTER WATERMARK AND DELAY 2s", SQL_EMIT_WATERMARK, 0, 2 * SEC, 0, 0},
        {"EMIT AFTER WINDOW CLOSE WITH DELAY INTERVAL 3 SECOND", SQL_EMIT_WATERMARK, 0, 3 * SEC, 0, 0},
        {"EMIT PERIODIC 1s", SQL_EMIT_PERIODIC, 0, 0, SEC, 0},
        {"EMIT STREAM PERIODIC 500ms AND TIMEOUT 5s", SQL_EMIT_PERIODIC, 1, 0, SEC / 2, 5 * SEC},
        {"EMIT ON UPDATE", SQL_EMIT_ON_UPDATE, 0, 0, 0, 0},
        {"EMIT CHANGELOG", SQL_EMIT_CHANGELOG, 0, 0, 0, 0},
        {"EMIT TIMEOUT 5s", SQL_EMIT_NONE, 0, 0, 0, 5 * SEC},
        {"EMIT AFTER WATERMARK AND DELAY 1s AND TIMEOUT 1m", SQL_EMIT_WATERMARK, 0, SEC, 0, 60 * SEC},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count() FROM tumble(s, 5s) GROUP BY window_start %s LIMIT 3",
                 cases[i].sql);
        struct sql_stmt *s = parse_ok(sql);
        const struct sql_emit *e = &s->u.select->emit;
        cr_expect_eq(e->given, 1, "%s", sql);
        cr_expect_eq(e->kind, cases[i].kind, "%s", sql);
        cr_expect_eq(e->stream, cases[i].stream, "%s", sql);
        cr_expect_eq(e->delay_ns, cases[i].delay, "%s", sql);
        cr_expect_eq(e->periodic_ns, cases[i].periodic, "%s", sql);
        cr_expect_eq(e->timeout_ns, cases[i].timeout, "%s", sql);
        cr_expect_eq(s->u.select->has_limit, 1);
        sql_stmt_destroy(s);
    }
    /* after LIMIT, before SETTINGS, as Proton writes it too */
    struct sql_stmt *s = parse_ok("SELECT count() FROM tumble(s, 5s) GROUP BY window_start LIMIT 2 "
                                  "EMIT ON UPDATE SETTINGS max_memory_usage=1000000");
    cr_expect_eq(s->u.select->emit.kind, SQL_EMIT_ON_UPDATE);
    cr_expect_eq(s->u.select->nsettings, 1);
    sql_stmt_destroy(s);
}

Test(parse_window, errors)
{
    fails("SELECT 1 FROM hop(s, 10s, 5s)", -EINVAL, "line 1, column 22: hop slide 10s is larger than size 5s");
    fails("SELECT 1 FROM hop(s, ts, 1500ms, 1s)", -EINVAL,
          "line 1, column 26: hop slide 1500ms is larger than size 1s");
    fails("SELECT 1 FROM tumble(s, 0s)", -EINVAL, "line 1, column 25: the window size must be a positive interval");
    fails("SELECT 1 FROM tumble(s, ts, 5)", -EINVAL,
          "line 1, column 29: the window size must be an interval such as 5s, 1m or INTERVAL 5 SECOND");
    fails("SELECT 1 FROM tumble(s, INTERVAL 1 MONTH)", -EINVAL,
          "line 1, column 25: the window size must be a fixed interval (ns, us, ms, s, m, h, d, w), not months or years");
    fails("SELECT 1 FROM tumble(s)", -EINVAL, "line 1, column 15: tumble takes (stream, [time_column,] size)");
    fails("SELECT 1 FROM hop(s, 5s)", -EINVAL, "line 1, column 15: hop takes (stream, [time_column,] slide, size)");
    fails("SELECT 1 FROM session(s, ts, 10s, 2s)", -EINVAL,
          "line 1, column 35: session max_length 2s is shorter than the timeout 10s");
    fails("SELECT 1 FROM tumble(5s, 1s)", ERR_SYNTAX,
          "line 1, column 22: expected a stream name or table(stream) as the first argument, got '5'");
    fails("SELECT 1 FROM tumble(s, 5s", ERR_INCOMPLETE,
          "line 1, column 27: expected ',' or ')' in the window's arguments, got end of input");
    fails("SELECT 1 FROM tumble(s, 5s) EMIT PERIODIC 1s AND ON UPDATE", -EINVAL,
          "line 1, column 50: EMIT takes one policy (AFTER WATERMARK, PERIODIC, ON UPDATE or CHANGELOG)");
    fails("SELECT 1 FROM tumble(s, 5s) EMIT PERIODIC 1s AND DELAY 2s", -EINVAL,
          "line 1, column 29: EMIT DELAY goes with AFTER WATERMARK, not with PERIODIC");
    fails("SELECT 1 FROM tumble(s, 5s) EMIT PERIODIC 0s", -EINVAL,
          "line 1, column 43: the EMIT PERIODIC interval must be a positive interval");
    fails("SELECT 1 FROM tumble(s, 5s) EMIT SOMETIMES", ERR_SYNTAX,
          "line 1, column 34: expected AFTER WATERMARK, AFTER WINDOW CLOSE, PERIODIC, ON UPDATE, "
          "CHANGELOG, DELAY or TIMEOUT after EMIT, got 'SOMETIMES'");
    fails("SELECT 1 FROM tumble(s, 5s) EMIT AFTER WATERMARK WITH DELAY", ERR_INCOMPLETE,
          "line 1, column 60: expected the delay, got end of input");
    fails("SELECT 1 FROM tumble(s, 5s) EMIT ON UPDATE EMIT CHANGELOG", -EINVAL,
          "line 1, column 44: a query takes one EMIT clause");
}
