/*
 * parse_select_test.c — SELECT, INSERT and expression parsing
 * (sql/parser.h): precedence, the desugaring of operators into registry
 * calls, every clause, and positioned errors, including ERR_INCOMPLETE
 * for statements cut short (SPEC precise rule 1).
 *
 * Expressions are checked through a compact rendering of the tree:
 * calls as name(args), columns by name, strings quoted, NULL as NULL.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/parser.h"
#include "util/err.h"

static void render(const struct sql_expr *x, char *out, size_t cap)
{
    size_t n = strlen(out);
    char *p = out + n;
    size_t room = cap - n;
    switch (x->kind) {
    case SX_LIT:
        switch (x->vkind) {
        case SQL_V_NULL: snprintf(p, room, "NULL"); break;
        case SQL_V_BOOL: snprintf(p, room, "%s", x->i ? "true" : "false"); break;
        case SQL_V_INT: snprintf(p, room, "%" PRId64, x->i); break;
        case SQL_V_UINT: snprintf(p, room, "%" PRIu64 "u", x->u); break;
        case SQL_V_FLOAT: snprintf(p, room, "%g", x->f); break;
        default: snprintf(p, room, "'%s'", x->str); break;
        }
        return;
    case SX_COL:
        snprintf(p, room, "%s%s%s", x->qualifier ? x->qualifier : "", x->qualifier ? "." : "", x->str);
        return;
    case SX_STAR:
        snprintf(p, room, "%s%s*", x->qualifier ? x->qualifier : "", x->qualifier ? "." : "");
        return;
    case SX_SUBQUERY:
        snprintf(p, room, "(subquery)");
        return;
    case SX_CALL:
        snprintf(p, room, "%s", x->str);
        if (x->nparams) {
            strncat(out, "[", cap - strlen(out) - 1);
            for (uint32_t i = 0; i < x->nparams; i++) {
                if (i)
                    strncat(out, ",", cap - strlen(out) - 1);
                render(x->params[i], out, cap);
            }
            strncat(out, "]", cap - strlen(out) - 1);
        }
        strncat(out, x->distinct ? "(DISTINCT " : "(", cap - strlen(out) - 1);
        for (uint32_t i = 0; i < x->nargs; i++) {
            if (i)
                strncat(out, ",", cap - strlen(out) - 1);
            render(x->args[i], out, cap);
        }
        strncat(out, ")", cap - strlen(out) - 1);
        return;
    }
}

static struct sql_stmt *parse_ok(const char *src)
{
    struct sql_stmt *s = NULL;
    struct sql_error err;
    size_t len = strlen(src);
    char *copy = malloc(len + 1);
    memcpy(copy, src, len);
    int rc = sql_parse(copy, len, &s, &err);
    free(copy);
    cr_assert_eq(rc, 0, "'%s' failed: %d %s", src, rc, err.msg);
    return s;
}

static void expr_is(const char *sql_expr, const char *want)
{
    char src[512], got[1024] = "";
    snprintf(src, sizeof src, "SELECT %s", sql_expr);
    struct sql_stmt *s = parse_ok(src);
    cr_assert_eq(s->kind, SQL_SELECT);
    cr_assert_eq(s->u.select->nitems, 1, "'%s' gave %u items", src, s->u.select->nitems);
    render(s->u.select->items[0].e, got, sizeof got);
    cr_expect_str_eq(got, want, "for '%s'", sql_expr);
    sql_stmt_destroy(s);
}

static void fails(const char *src, int code, const char *msg)
{
    struct sql_stmt *s = NULL;
    struct sql_error err;
    size_t len = strlen(src);
    char *copy = malloc(len + 1);
    memcpy(copy, src, len);
    int rc = sql_parse(copy, len, &s, &err);
    free(copy);
    cr_expect_null(s);
    cr_expect_eq(rc, code, "'%s': rc %d, want %d (%s)", src, rc, code, err.msg);
    cr_expect_str_eq(err.msg, msg, "for '%s': got '%s'", src, err.msg);
}

Test(parse_select, precedence)
{
    expr_is("a + b * c", "plus(a,multiply(b,c))");
    expr_is("(a + b) * c", "multiply(plus(a,b),c)");
    expr_is("a - b - c", "minus(minus(a,b),c)");
    expr_is("a / b % c", "modulo(divide(a,b),c)");
    expr_is("a DIV b", "int_div(a,b)");
    expr_is("a || b || 'x'", "concat(concat(a,b),'x')");
    expr_is("a + 1 = b || c", "equals(plus(a,1),concat(b,c))");
    expr_is("NOT a AND b OR c", "or(and(not(a),b),c)");
    expr_is("a OR b AND c", "or(a,and(b,c))");
    expr_is("NOT a = b", "not(equals(a,b))");
    expr_is("a < b AND c >= d", "and(less(a,b),greater_or_equals(c,d))");
    expr_is("a != b", "not_equals(a,b)");
    expr_is("a <> b", "not_equals(a,b)");
    expr_is("a == b", "equals(a,b)");
    expr_is("x ? 1 : 2", "if(x,1,2)");
    expr_is("and(a, b, c)", "and(a,b,c)");
    expr_is("OR(a, b) AND c", "and(OR(a,b),c)");
    expr_is("left(s, 2) || right(s, 1)", "concat(left(s,2),right(s,1))");
    expr_is("latest(x) + like(s, 'a%')", "plus(latest(x),like(s,'a%'))");
}

Test(parse_select, unary_and_literals)
{
    expr_is("-1", "-1");
    expr_is("- a", "negate(a)");
    expr_is("-(-a)", "negate(negate(a))");
    expr_is("+a", "a");
    expr_is("50_000_000", "50000000");
    expr_is("18446744073709551615", "18446744073709551615u");
    expr_is("-9223372036854775808", "-9223372036854775808");
    expr_is("1.5e3", "1500");
    expr_is("'it''s'", "'it's'");
    expr_is("NULL", "NULL");
    expr_is("true", "true");
    expr_is("FALSE", "false");
    expr_is("inf", "inf");
    expr_is("-Inf", "negate(inf)");
    expr_is("NaN", "nan");
}

Test(parse_select, predicates)
{
    expr_is("a LIKE 'x%'", "like(a,'x%')");
    expr_is("a NOT LIKE 'x%'", "not_like(a,'x%')");
    expr_is("a ILIKE 'x%'", "ilike(a,'x%')");
    expr_is("a NOT ILIKE 'x%'", "not_ilike(a,'x%')");
    expr_is("a IN (1, 2, 3)", "in(a,1,2,3)");
    expr_is("a NOT IN ('x')", "not_in(a,'x')");
    expr_is("a BETWEEN 1 AND 2", "and(greater_or_equals(a,1),less_or_equals(a,2))");
    expr_is("a NOT BETWEEN 1 AND 2", "or(less(a,1),greater(a,2))");
    expr_is("a IS NULL", "is_null(a)");
    expr_is("a IS NOT NULL", "is_not_null(a)");
    expr_is("a BETWEEN 1 AND 2 AND b", "and(and(greater_or_equals(a,1),less_or_equals(a,2)),b)");
}

Test(parse_select, case_cast_interval)
{
    expr_is("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END", "multi_if(a,1,b,2,3)");
    expr_is("CASE WHEN a THEN 1 END", "multi_if(a,1,NULL)");
    expr_is("CASE x WHEN 1 THEN 'one' ELSE 'other' END", "multi_if(equals(x,1),'one','other')");
    expr_is("CAST(a AS nullable(int32))", "cast(a,'nullable(int32)')");
    expr_is("CAST(a, 'string')", "cast(a,'string')");
    expr_is("a::string", "cast(a,'string')");
    expr_is("a::int", "cast(a,'int32')");
    expr_is("5s", "to_interval_second(5)");
    expr_is("100ms", "to_interval_millisecond(100)");
    expr_is("2h", "to_interval_hour(2)");
    expr_is("INTERVAL 5 SECOND", "to_interval_second(5)");
    expr_is("INTERVAL 1 day", "to_interval_day(1)");
    expr_is("now() - 1h", "minus(now(),to_interval_hour(1))");
    expr_is("ts + INTERVAL 5 MINUTE", "plus(ts,to_interval_minute(5))");
}

Test(parse_select, calls)
{
    expr_is("count()", "count()");
    expr_is("count(*)", "count(*)");
    expr_is("count(DISTINCT a)", "count(DISTINCT a)");
    expr_is("quantile(0.9)(x)", "quantile[0.9](x)");
    expr_is("to_start_of_interval(ts, INTERVAL 1 MINUTE)",
            "to_start_of_interval(ts,to_interval_minute(1))");
    expr_is("t.a", "t.a");
    expr_is("`weird name`", "weird name");
    expr_is("f(g(h(1)), 2)", "f(g(h(1)),2)");
}

Test(parse_select, clauses)
{
    struct sql_stmt *s = parse_ok(
        "WITH 5 AS five, sub AS (SELECT 1 AS one)\n"
        "SELECT DISTINCT device, avg(temp) AS t, *\n"
        "FROM table(metrics) AS m\n"
        "WHERE temp > five AND device LIKE 'd%'\n"
        "GROUP BY device HAVING t > 1\n"
        "ORDER BY t DESC NULLS FIRST, device\n"
        "LIMIT 10 OFFSET 5\n"
        "SETTINGS max_memory_usage = 1000000\n"
        "FORMAT CSVWithNames;");
    const struct sql_select *q = s->u.select;
    cr_assert_eq(q->nwith, 2);
    cr_expect_str_eq(q->with[0].name, "five");
    cr_expect_not_null(q->with[0].e);
    cr_expect_str_eq(q->with[1].name, "sub");
    cr_expect_not_null(q->with[1].sub);
    cr_expect(q->distinct);
    cr_assert_eq(q->nitems, 3);
    cr_expect_str_eq(q->items[1].alias, "t");
    cr_expect_eq(q->items[2].e->kind, SX_STAR);
    cr_assert_not_null(q->from);
    cr_expect_eq(q->from->kind, SF_TABLE);
    cr_expect_str_eq(q->from->name, "metrics");
    cr_expect_str_eq(q->from->alias, "m");
    cr_expect_not_null(q->where);
    cr_expect_eq(q->ngroup, 1);
    cr_expect_not_null(q->having);
    cr_assert_eq(q->norder, 2);
    cr_expect(q->order[0].desc);
    cr_expect_eq(q->order[0].nulls_first, 1);
    cr_expect_not(q->order[1].desc);
    cr_expect_eq(q->order[1].nulls_first, -1);
    cr_expect(q->has_limit);
    cr_expect_eq(q->limit, 10);
    cr_expect_eq(q->offset, 5);
    cr_assert_eq(q->nsettings, 1);
    cr_expect_str_eq(q->settings[0].name, "max_memory_usage");
    cr_expect_str_eq(q->format, "CSVWithNames");
    sql_stmt_destroy(s);
}

Test(parse_select, sources)
{
    struct sql_stmt *s = parse_ok("SELECT number FROM numbers(10)");
    cr_expect_eq(s->u.select->from->kind, SF_FUNC);
    cr_expect_str_eq(s->u.select->from->name, "numbers");
    cr_expect_eq(s->u.select->from->nargs, 1);
    sql_stmt_destroy(s);
    s = parse_ok("SELECT * FROM s");
    cr_expect_eq(s->u.select->from->kind, SF_STREAM);
    sql_stmt_destroy(s);
    s = parse_ok("SELECT x FROM (SELECT number AS x FROM numbers(3)) sub");
    cr_expect_eq(s->u.select->from->kind, SF_SUBQUERY);
    cr_expect_str_eq(s->u.select->from->alias, "sub");
    sql_stmt_destroy(s);
    s = parse_ok("SELECT 1");
    cr_expect_null(s->u.select->from);
    sql_stmt_destroy(s);
    s = parse_ok("SELECT a FROM table(s) LIMIT 3, 7");
    cr_expect_eq(s->u.select->offset, 3);
    cr_expect_eq(s->u.select->limit, 7);
    sql_stmt_destroy(s);
    s = parse_ok("SELECT a b, c AS \"d e\" FROM table(s)"); /* implicit alias */
    cr_expect_str_eq(s->u.select->items[0].alias, "b");
    cr_expect_str_eq(s->u.select->items[1].alias, "d e");
    sql_stmt_destroy(s);
}

Test(parse_select, insert)
{
    struct sql_stmt *s = parse_ok("INSERT INTO m (a, b) VALUES (1, 'x'), (2, NULL)");
    cr_assert_eq(s->kind, SQL_INSERT);
    cr_expect_str_eq(s->u.insert.target, "m");
    cr_assert_eq(s->u.insert.ncols, 2);
    cr_expect_str_eq(s->u.insert.cols[1], "b");
    cr_expect_eq(s->u.insert.nrows, 2);
    cr_expect_eq(s->u.insert.nvalues, 2);
    cr_expect_eq(s->u.insert.values[3]->vkind, SQL_V_NULL);
    cr_expect_null(s->u.insert.select);
    sql_stmt_destroy(s);
    s = parse_ok("INSERT INTO m SELECT number, 'x' FROM numbers(50_000_000)");
    cr_expect_eq(s->u.insert.ncols, 0);
    cr_expect_not_null(s->u.insert.select);
    sql_stmt_destroy(s);
    /* many rows: the values array grows */
    char big[64 * 1024] = "INSERT INTO m VALUES ";
    for (int i = 0; i < 2000; i++) {
        char row[32];
        snprintf(row, sizeof row, "%s(%d, 'r%d')", i ? "," : "", i, i);
        strcat(big, row);
    }
    s = parse_ok(big);
    cr_expect_eq(s->u.insert.nrows, 2000);
    char got[64] = "";
    render(s->u.insert.values[2 * 1999 + 1], got, sizeof got);
    cr_expect_str_eq(got, "'r1999'");
    sql_stmt_destroy(s);
}

Test(parse_select, incomplete_statements_wait)
{
    fails("SELECT a FROM", ERR_INCOMPLETE, "line 1, column 14: expected a stream name, table(...) "
                                          "or a subquery after FROM, got end of input");
    fails("SELECT (1", ERR_INCOMPLETE, "line 1, column 10: expected ')', got end of input");
    fails("SELECT 1 +", ERR_INCOMPLETE, "line 1, column 11: expected an expression, got end of input");
    fails("SELECT count(", ERR_INCOMPLETE, "line 1, column 14: expected an expression, got end of input");
    fails("INSERT INTO m VALUES (1,", ERR_INCOMPLETE,
          "line 1, column 25: expected an expression, got end of input");
    fails("SELECT CASE WHEN a THEN 1", ERR_INCOMPLETE,
          "line 1, column 26: expected END or ELSE in CASE, got end of input");
}

Test(parse_select, errors_point_at_the_culprit)
{
    fails("SELECT FROM s", ERR_SYNTAX, "line 1, column 8: expected an expression, got keyword 'FROM'");
    fails("SELECT 5x", ERR_SYNTAX,
          "line 1, column 9: unknown interval unit 'x', expected ns, us, ms, s, m, h, d or w");
    fails("SELECT a FROM table(s) LIMIT -1", ERR_SYNTAX,
          "line 1, column 30: expected a number after LIMIT, got '-'");
    fails("SELECT a\nFROM table(s)\nWHERE b = = 1", ERR_SYNTAX,
          "line 3, column 11: expected an expression, got '='");
    fails("SELECT a FROM table(s) garbage extra", ERR_SYNTAX,
          "line 1, column 32: expected end of statement, got 'extra'");
    fails("INSERT INTO m VALUES (1, 2), (3)", -EINVAL,
          "line 1, column 30: row 2 of VALUES has 1 values, the first has 2");
    fails("INSERT m VALUES (1)", ERR_SYNTAX, "line 1, column 8: expected INTO after INSERT, got 'm'");
    fails("SELECT a IN ()", ERR_SYNTAX, "line 1, column 14: IN needs at least one value");
}

Test(parse_select, nesting_is_bounded)
{
    size_t n = 100000;
    char *src = malloc(2 * n + 16);
    strcpy(src, "SELECT ");
    size_t k = strlen(src);
    for (size_t i = 0; i < n; i++)
        src[k++] = '(';
    src[k++] = '1';
    for (size_t i = 0; i < n; i++)
        src[k++] = ')';
    struct sql_stmt *s = NULL;
    struct sql_error err;
    int rc = sql_parse(src, k, &s, &err);
    cr_expect_eq(rc, -EINVAL);
    cr_expect(strstr(err.msg, "nested too deeply"), "%s", err.msg);
    free(src);
    /* NOT NOT NOT ... and - - - ... too */
    src = malloc(5 * n + 16);
    strcpy(src, "SELECT ");
    k = strlen(src);
    for (size_t i = 0; i < n; i++) {
        memcpy(src + k, "NOT ", 4);
        k += 4;
    }
    src[k++] = '1';
    rc = sql_parse(src, k, &s, &err);
    cr_expect_eq(rc, -EINVAL);
    free(src);
}
