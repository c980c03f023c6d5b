/*
 * parser_test.c — CREATE STREAM / DROP STREAM parsing, its error messages
 * and the ERR_INCOMPLETE contract that statement framing relies on
 * (sql/parser.h, SPEC precise rules 1 and 4).
 *
 * Inputs are copied into buffers of exactly their length (no NUL), so a
 * read past len is caught by AddressSanitizer, and every statement is
 * destroyed, so LeakSanitizer sees any leak on an error path.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/lexer.h"
#include "sql/parser.h"
#include "util/err.h"

static int parse_n(const char *src, size_t len, struct sql_stmt **out, struct sql_error *err)
{
    char *copy = malloc(len ? len : 1);
    int rc;

    cr_assert_not_null(copy);
    memcpy(copy, src, len);
    rc = sql_parse(copy, len, out, err);
    free(copy); /* the statement holds copies, never pointers into the text */
    if (rc) {
        cr_expect_null(*out, "no statement on failure");
        cr_expect_eq(err->code, rc, "err.code %d, rc %d", err->code, rc);
        cr_expect(strncmp(err->msg, "line ", 5) == 0, "message '%s'", err->msg);
    } else {
        cr_expect_not_null(*out);
    }
    return rc;
}

static struct sql_stmt *parse_ok(const char *src)
{
    struct sql_stmt *s = NULL;
    struct sql_error err;
    int rc = parse_n(src, strlen(src), &s, &err);

    cr_assert_eq(rc, 0, "'%s' failed: %d %s", src, rc, err.msg);
    return s;
}

static void check_err(const char *src, int code, const char *msg)
{
    struct sql_stmt *s = NULL;
    struct sql_error err;
    int rc = parse_n(src, strlen(src), &s, &err);

    sql_stmt_destroy(s);
    cr_expect_eq(rc, code, "'%s': rc %d, want %d (%s)", src, rc, code, err.msg);
    cr_expect_str_eq(err.msg, msg, "for '%s'", src);
}

static void check_col(const struct sql_stmt *s, uint32_t i, const char *name, enum ty_kind kind,
                      int nullable)
{
    cr_assert_lt(i, s->u.create.ncols);
    cr_expect_str_eq(s->u.create.cols[i].name, name);
    cr_expect_eq(s->u.create.cols[i].ty.kind, kind, "column %s kind %d, want %d", name,
                 s->u.create.cols[i].ty.kind, kind);
    cr_expect_eq(s->u.create.cols[i].ty.nullable, nullable, "column %s nullable", name);
}

/* ---- statement forms ---- */

Test(parser, create_stream_minimal)
{
    struct sql_stmt *s = parse_ok("CREATE STREAM s (a int32)");

    cr_expect_eq(s->kind, SQL_CREATE_STREAM);
    cr_expect_eq(s->pos.line, 1);
    cr_expect_eq(s->pos.col, 1);
    cr_expect_str_eq(s->u.create.name, "s");
    cr_expect_eq(s->u.create.name_pos.col, 15);
    cr_expect_eq(s->u.create.if_not_exists, 0);
    cr_expect_eq(s->u.create.ncols, 1);
    check_col(s, 0, "a", TY_INT32, 0);
    cr_expect_eq(s->u.create.cols[0].pos.col, 18);
    cr_expect_eq(s->u.create.cols[0].type_pos.col, 20);
    cr_expect_eq(s->u.create.nsettings, 0);
    cr_expect_null(s->u.create.settings);
    sql_stmt_destroy(s);
}

Test(parser, create_stream_full)
{
    struct sql_stmt *s = parse_ok(
        "-- a stream of readings\n"
        "CREATE STREAM IF NOT EXISTS readings (\n"
        "  device string,\n"
        "  temp float64,\n"
        "  ok bool,\n"
        "  at datetime64(3), /* event time */\n"
        "  note nullable(string)\n"
        ") SETTINGS event_time_column = 'at', fsync = false;\n");

    cr_expect_eq(s->kind, SQL_CREATE_STREAM);
    cr_expect_eq(s->pos.line, 2);
    cr_expect_eq(s->u.create.if_not_exists, 1);
    cr_expect_str_eq(s->u.create.name, "readings");
    cr_expect_eq(s->u.create.name_pos.line, 2);
    cr_expect_eq(s->u.create.name_pos.col, 29);
    cr_assert_eq(s->u.create.ncols, 5);
    check_col(s, 0, "device", TY_STRING, 0);
    check_col(s, 1, "temp", TY_FLOAT64, 0);
    check_col(s, 2, "ok", TY_BOOL, 0);
    check_col(s, 3, "at", TY_DATETIME64, 0);
    cr_expect_eq(s->u.create.cols[3].ty.prec, 3);
    check_col(s, 4, "note", TY_STRING, 1);
    cr_expect_eq(s->u.create.cols[4].pos.line, 7);
    cr_expect_eq(s->u.create.cols[4].pos.col, 3);
    cr_expect_eq(s->u.create.cols[4].type_pos.col, 8);
    cr_assert_eq(s->u.create.nsettings, 2);
    cr_expect_str_eq(s->u.create.settings[0].name, "event_time_column");
    cr_expect_eq(s->u.create.settings[0].kind, SQL_V_STRING);
    cr_expect_str_eq(s->u.create.settings[0].str, "at");
    cr_expect_eq(s->u.create.settings[0].name_pos.line, 8);
    cr_expect_eq(s->u.create.settings[0].name_pos.col, 12);
    cr_expect_eq(s->u.create.settings[0].value_pos.col, 32);
    cr_expect_str_eq(s->u.create.settings[1].name, "fsync");
    cr_expect_eq(s->u.create.settings[1].kind, SQL_V_BOOL);
    cr_expect_eq(s->u.create.settings[1].i, 0);
    sql_stmt_destroy(s);
}

Test(parser, many_columns_grow_the_array)
{
    char src[8192];
    size_t o = 0;
    struct sql_stmt *s;
    int i;

    o += (size_t)snprintf(src + o, sizeof src - o, "CREATE STREAM wide (");
    for (i = 0; i < 300; i++)
        o += (size_t)snprintf(src + o, sizeof src - o, "%sc%d uint%d", i ? ", " : "", i,
                              8 << (i % 4));
    snprintf(src + o, sizeof src - o, ") SETTINGS a=1");
    s = parse_ok(src);
    cr_assert_eq(s->u.create.ncols, 300);
    for (i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        check_col(s, (uint32_t)i, name, TY_UINT8 + i % 4, 0);
    }
    sql_stmt_destroy(s);
}

Test(parser, drop_stream)
{
    struct sql_stmt *s = parse_ok("DROP STREAM s");

    cr_expect_eq(s->kind, SQL_DROP_STREAM);
    cr_expect_str_eq(s->u.drop.name, "s");
    cr_expect_eq(s->u.drop.name_pos.col, 13);
    cr_expect_eq(s->u.drop.if_exists, 0);
    sql_stmt_destroy(s);

    s = parse_ok("  drop Stream If Exists `old one` ; -- bye");
    cr_expect_eq(s->kind, SQL_DROP_STREAM);
    cr_expect_eq(s->pos.col, 3);
    cr_expect_str_eq(s->u.drop.name, "old one");
    cr_expect_eq(s->u.drop.name_pos.col, 25);
    cr_expect_eq(s->u.drop.if_exists, 1);
    sql_stmt_destroy(s);
}

Test(parser, if_is_a_name_unless_a_clause_follows)
{
    struct sql_stmt *s = parse_ok("DROP STREAM if");
    cr_expect_str_eq(s->u.drop.name, "if");
    cr_expect_eq(s->u.drop.if_exists, 0);
    sql_stmt_destroy(s);

    s = parse_ok("CREATE STREAM IF (a int8)");
    cr_expect_str_eq(s->u.create.name, "IF");
    cr_expect_eq(s->u.create.if_not_exists, 0);
    sql_stmt_destroy(s);

    s = parse_ok("DROP STREAM IF EXISTS if");
    cr_expect_str_eq(s->u.drop.name, "if");
    cr_expect_eq(s->u.drop.if_exists, 1);
    sql_stmt_destroy(s);
}

Test(parser, keywords_are_case_insensitive)
{
    struct sql_stmt *s = parse_ok("cReAtE sTrEaM iF nOt ExIsTs S (A InT32, b NULLABLE(STRING)) "
                                  "SeTtInGs x = TRUE, y = False");

    cr_expect_eq(s->u.create.if_not_exists, 1);
    cr_expect_str_eq(s->u.create.name, "S"); /* names keep their case */
    check_col(s, 0, "A", TY_INT32, 0);
    check_col(s, 1, "b", TY_STRING, 1);
    cr_expect_eq(s->u.create.settings[0].kind, SQL_V_BOOL);
    cr_expect_eq(s->u.create.settings[0].i, 1);
    cr_expect_eq(s->u.create.settings[1].kind, SQL_V_BOOL);
    cr_expect_eq(s->u.create.settings[1].i, 0);
    sql_stmt_destroy(s);
}

Test(parser, quoted_identifiers_are_unescaped)
{
    struct sql_stmt *s = parse_ok("CREATE STREAM \"my \"\"s\"\"\" (`a``b` int8, \"it's\" int8, "
                                  "\"x''y\" int8, `t\\tab` int8, \"\" int8, `SETTINGS` int8)");

    cr_expect_str_eq(s->u.create.name, "my \"s\"");
    cr_assert_eq(s->u.create.ncols, 6);
    cr_expect_str_eq(s->u.create.cols[0].name, "a`b");
    cr_expect_str_eq(s->u.create.cols[1].name, "it's");
    cr_expect_str_eq(s->u.create.cols[2].name, "x''y");
    cr_expect_str_eq(s->u.create.cols[3].name, "t\tab");
    cr_expect_str_eq(s->u.create.cols[4].name, "");
    cr_expect_str_eq(s->u.create.cols[5].name, "SETTINGS");
    sql_stmt_destroy(s);
}

Test(parser, every_type)
{
    static const struct {
        const char *sql;
        enum ty_kind kind;
        int prec;
    } types[] = {
        {"bool", TY_BOOL, 0},          {"int8", TY_INT8, 0},         {"int16", TY_INT16, 0},
        {"int32", TY_INT32, 0},        {"int64", TY_INT64, 0},       {"uint8", TY_UINT8, 0},
        {"uint16", TY_UINT16, 0},      {"uint32", TY_UINT32, 0},     {"uint64", TY_UINT64, 0},
        {"float32", TY_FLOAT32, 0},    {"float64", TY_FLOAT64, 0},   {"string", TY_STRING, 0},
        {"datetime", TY_DATETIME, 0},  {"datetime64", TY_DATETIME64, 3},
        {"datetime64(0)", TY_DATETIME64, 0}, {"DateTime64(6)", TY_DATETIME64, 6},
        {"datetime64 ( 9 )", TY_DATETIME64, 9}, {"Int32", TY_INT32, 0},
        {"UInt64", TY_UINT64, 0},      {"Float64", TY_FLOAT64, 0},   {"String", TY_STRING, 0},
        {"DateTime", TY_DATETIME, 0},  {"Bool", TY_BOOL, 0},         {"boolean", TY_BOOL, 0},
        {"int", TY_INT32, 0},          {"BIGINT", TY_INT64, 0},      {"double", TY_FLOAT64, 0},
        {"float", TY_FLOAT32, 0},      {"varchar", TY_STRING, 0},    {"text", TY_STRING, 0},
    };
    size_t i;

    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        char src[128];
        struct sql_stmt *s;
        snprintf(src, sizeof src, "CREATE STREAM s (c %s)", types[i].sql);
        s = parse_ok(src);
        cr_expect_eq(s->u.create.cols[0].ty.kind, types[i].kind, "%s", types[i].sql);
        cr_expect_eq(s->u.create.cols[0].ty.nullable, 0, "%s", types[i].sql);
        cr_expect_eq(s->u.create.cols[0].ty.prec, types[i].prec, "%s", types[i].sql);
        sql_stmt_destroy(s);

        snprintf(src, sizeof src, "CREATE STREAM s (c Nullable(%s))", types[i].sql);
        s = parse_ok(src);
        cr_expect_eq(s->u.create.cols[0].ty.kind, types[i].kind, "nullable(%s)", types[i].sql);
        cr_expect_eq(s->u.create.cols[0].ty.nullable, 1, "nullable(%s)", types[i].sql);
        cr_expect_eq(s->u.create.cols[0].ty.prec, types[i].prec, "nullable(%s)", types[i].sql);
        sql_stmt_destroy(s);
    }
}

/* ---- settings ---- */

static const struct sql_setting *one_setting(struct sql_stmt **s, const char *settings)
{
    char src[512];
    snprintf(src, sizeof src, "CREATE STREAM s (a int8) SETTINGS %s", settings);
    *s = parse_ok(src);
    cr_assert_eq((*s)->u.create.nsettings, 1);
    return &(*s)->u.create.settings[0];
}

Test(parser, setting_strings_are_unescaped)
{
    struct sql_stmt *s;
    const struct sql_setting *st = one_setting(&s, "k = 'it''s\\n\\t\\\\\\'\\x41;--'");

    cr_expect_str_eq(st->name, "k");
    cr_expect_eq(st->kind, SQL_V_STRING);
    cr_expect_str_eq(st->str, "it's\n\t\\'A;--");
    cr_expect_eq(st->name_pos.col, 35);
    cr_expect_eq(st->value_pos.col, 39);
    sql_stmt_destroy(s);
}

Test(parser, setting_integers)
{
    static const struct {
        const char *text;
        int64_t v;
    } ints[] = {
        {"0", 0},
        {"42", 42},
        {"50_000_000", 50000000},
        {"-7", -7},
        {"- 7", -7},
        {"9223372036854775807", INT64_MAX},
        {"-9223372036854775808", INT64_MIN},
        {"1_073_741_824", 1073741824},
    };
    size_t i;

    for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        char text[64];
        struct sql_stmt *s;
        const struct sql_setting *st;
        snprintf(text, sizeof text, "n=%s", ints[i].text);
        st = one_setting(&s, text);
        cr_expect_eq(st->kind, SQL_V_INT, "%s", ints[i].text);
        cr_expect_eq(st->i, ints[i].v, "%s: %lld", ints[i].text, (long long)st->i);
        sql_stmt_destroy(s);
    }
}

Test(parser, setting_floats)
{
    static const struct {
        const char *text;
        double v;
    } floats[] = {
        {"1.5", 1.5}, {"-0.25", -0.25}, {"1e3", 1000.0}, {"2.5E-1", 0.25}, {"1_000.5", 1000.5},
    };
    size_t i;

    for (i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        char text[64];
        struct sql_stmt *s;
        const struct sql_setting *st;
        snprintf(text, sizeof text, "f = %s", floats[i].text);
        st = one_setting(&s, text);
        cr_expect_eq(st->kind, SQL_V_FLOAT, "%s", floats[i].text);
        cr_expect_eq(st->f, floats[i].v, "%s: %g", floats[i].text, st->f);
        sql_stmt_destroy(s);
    }
}

Test(parser, setting_identifiers_and_bools)
{
    struct sql_stmt *s = parse_ok("CREATE STREAM s (a int8) SETTINGS format = JSONEachRow, "
                                  "\"quoted name\" = `q v`, t = TRUE, f = false, tf = truth");
    const struct sql_setting *st = s->u.create.settings;

    cr_assert_eq(s->u.create.nsettings, 5);
    cr_expect_eq(st[0].kind, SQL_V_IDENT);
    cr_expect_str_eq(st[0].str, "JSONEachRow");
    cr_expect_str_eq(st[1].name, "quoted name");
    cr_expect_eq(st[1].kind, SQL_V_IDENT);
    cr_expect_str_eq(st[1].str, "q v");
    cr_expect_eq(st[2].kind, SQL_V_BOOL);
    cr_expect_eq(st[2].i, 1);
    cr_expect_eq(st[3].kind, SQL_V_BOOL);
    cr_expect_eq(st[3].i, 0);
    cr_expect_eq(st[4].kind, SQL_V_IDENT);
    cr_expect_str_eq(st[4].str, "truth");
    sql_stmt_destroy(s);
}

Test(parser, trailing_semicolon_and_comments)
{
    static const char *ok[] = {
        "DROP STREAM s;",
        "DROP STREAM s ;  ",
        "DROP STREAM s; -- done",
        "DROP STREAM s /* c */ ; /* d */\n",
        "DROP STREAM s -- no semicolon\n",
        "/* lead */ DROP /* mid */ STREAM\n\ts",
    };
    size_t i;

    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct sql_stmt *s = parse_ok(ok[i]);
        cr_expect_str_eq(s->u.drop.name, "s", "%s", ok[i]);
        sql_stmt_destroy(s);
    }
}

Test(parser, destroy_null_is_a_noop)
{
    sql_stmt_destroy(NULL);
}

/* ---- errors: every message exactly ---- */

Test(parser, syntax_errors)
{
    check_err("CREATE STRAEM s (a int32)", ERR_SYNTAX,
              "line 1, column 8: expected STREAM after CREATE, got 'STRAEM'");
    check_err("CREATE STREAM s (a int32\n  int32)", ERR_SYNTAX,
              "line 2, column 3: expected ',' or ')' after column definition, got 'int32'");
    check_err("DROP TABLE s", ERR_SYNTAX,
              "line 1, column 6: expected STREAM after DROP, got 'TABLE'");
    check_err("CREATE STREAM (a int32)", ERR_SYNTAX,
              "line 1, column 15: expected a stream name, got '('");
    check_err("CREATE STREAM 's' (a int32)", ERR_SYNTAX,
              "line 1, column 15: expected a stream name, got 's'");
    check_err("CREATE STREAM s a int32", ERR_SYNTAX,
              "line 1, column 17: expected '(' after stream name, got 'a'");
    check_err("CREATE STREAM s ()", ERR_SYNTAX,
              "line 1, column 18: expected a column name, got ')'");
    check_err("CREATE STREAM s (a int32,)", ERR_SYNTAX,
              "line 1, column 26: expected a column name, got ')'");
    check_err("CREATE STREAM s (a, b int32)", ERR_SYNTAX,
              "line 1, column 19: expected a type after column name, got ','");
    check_err("CREATE STREAM s (a 5)", ERR_SYNTAX,
              "line 1, column 20: expected a type after column name, got '5'");
    check_err("CREATE STREAM s (a int32) x", ERR_SYNTAX,
              "line 1, column 27: expected SETTINGS or end of statement, got 'x'");
    check_err("CREATE STREAM s (a int32); x", ERR_SYNTAX,
              "line 1, column 28: expected end of statement after ';', got 'x'");
    check_err("DROP STREAM s;;", ERR_SYNTAX,
              "line 1, column 15: expected end of statement after ';', got ';'");
    check_err("DROP STREAM s t", ERR_SYNTAX,
              "line 1, column 15: expected end of statement, got 't'");
    check_err("DROP STREAM IF EXISTS (", ERR_SYNTAX,
              "line 1, column 23: expected a stream name, got '('");
    check_err("CREATE STREAM IF NOT s (a int8)", ERR_SYNTAX,
              "line 1, column 22: expected EXISTS after IF NOT, got 's'");
}

Test(parser, nullable_errors)
{
    check_err("CREATE STREAM s (a nullable string)", ERR_SYNTAX,
              "line 1, column 29: expected '(' after nullable, got 'string'");
    check_err("CREATE STREAM s (a nullable(string, b int8)", ERR_SYNTAX,
              "line 1, column 35: expected ')' after nullable type, got ','");
    check_err("CREATE STREAM s (a nullable(nullable(int32)))", -EINVAL,
              "line 1, column 29: 'nullable' cannot be nested inside nullable");
    check_err("CREATE STREAM s (a Nullable(Nullable(int32)))", -EINVAL,
              "line 1, column 29: 'Nullable' cannot be nested inside nullable");
    check_err("CREATE STREAM s (a nullable(()))", ERR_SYNTAX,
              "line 1, column 29: expected a type inside nullable, got '('");
}

Test(parser, type_errors)
{
    check_err("CREATE STREAM s (ts int33)", -EINVAL,
              "line 1, column 21: unknown type 'int33', did you mean 'int32'?");
    check_err("CREATE STREAM s (a Strng)", -EINVAL,
              "line 1, column 20: unknown type 'Strng', did you mean 'string'?");
    check_err("CREATE STREAM s (a nulable(int8))", -EINVAL,
              "line 1, column 20: unknown type 'nulable', did you mean 'nullable'?");
    check_err("CREATE STREAM s (a nullable(flaot64))", -EINVAL,
              "line 1, column 29: unknown type 'flaot64', did you mean 'float64'?");
    check_err("CREATE STREAM s (a blob)", -EINVAL, "line 1, column 20: unknown type 'blob'");
    check_err("CREATE STREAM s (a datetime64(12))", -EINVAL,
              "line 1, column 31: invalid parameter '12' for type 'datetime64'");
    check_err("CREATE STREAM s (a int32(4))", -EINVAL,
              "line 1, column 26: invalid parameter '4' for type 'int32'");
    check_err("CREATE STREAM s (a datetime64(3, 4))", -EINVAL,
              "line 1, column 31: invalid parameter '3' for type 'datetime64'");
    check_err("CREATE STREAM s (a datetime64(1,2,3,4,5))", -EINVAL,
              "line 1, column 39: too many type parameters");
    check_err("CREATE STREAM s (a datetime64(x))", ERR_SYNTAX,
              "line 1, column 31: expected a number in type parameters, got 'x'");
    check_err("CREATE STREAM s (a datetime64())", ERR_SYNTAX,
              "line 1, column 31: expected a number in type parameters, got ')'");
    check_err("CREATE STREAM s (a datetime64(1.5))", ERR_SYNTAX,
              "line 1, column 31: expected an integer, got '1.5'");
    check_err("CREATE STREAM s (a datetime64(3 b)", ERR_SYNTAX,
              "line 1, column 33: expected ',' or ')' after type parameter, got 'b'");
    check_err("CREATE STREAM s (a datetime64(99999999999999999999))", -EINVAL,
              "line 1, column 31: number '99999999999999999999' is out of range");
}

Test(parser, settings_errors)
{
    check_err("CREATE STREAM s (a int8) SETTINGS = 1", ERR_SYNTAX,
              "line 1, column 35: expected a setting name, got '='");
    check_err("CREATE STREAM s (a int8) SETTINGS k 1", ERR_SYNTAX,
              "line 1, column 37: expected '=' after setting name, got '1'");
    check_err("CREATE STREAM s (a int8) SETTINGS k = (", ERR_SYNTAX,
              "line 1, column 39: expected a setting value, got '('");
    check_err("CREATE STREAM s (a int8) SETTINGS k = -x", ERR_SYNTAX,
              "line 1, column 40: expected a number after '-', got 'x'");
    check_err("CREATE STREAM s (a int8) SETTINGS k = 1 j = 2", ERR_SYNTAX,
              "line 1, column 41: expected ',' or end of statement after setting, got 'j'");
    check_err("CREATE STREAM s (a int8) SETTINGS k = 5s", ERR_SYNTAX,
              "line 1, column 40: expected ',' or end of statement after setting, got 's'");
    check_err("CREATE STREAM s (a int8) SETTINGS k = 1,", ERR_INCOMPLETE,
              "line 1, column 41: expected a setting name, got end of input");
    check_err("CREATE STREAM s (a int8) SETTINGS k = 9223372036854775808", -EINVAL,
              "line 1, column 39: number '9223372036854775808' is out of range");
    check_err("CREATE STREAM s (a int8) SETTINGS k = -9223372036854775809", -EINVAL,
              "line 1, column 40: number '9223372036854775809' is out of range");
    check_err("CREATE STREAM s (a int8) SETTINGS k = 1e999", -EINVAL,
              "line 1, column 39: number '1e999' is out of range");
    check_err("CREATE STREAM s (a int8) SETTINGS k = 'a\\0b'", ERR_SYNTAX,
              "line 1, column 39: NUL character in 'a\\0b'");
}

Test(parser, unknown_statements)
{
    check_err("SELEC 1", ERR_SYNTAX,
              "line 1, column 1: unknown statement 'SELEC', expected SELECT, INSERT, CREATE or DROP, "
              "did you mean 'SELECT'?");
    check_err("\n  CRATE STREAM s (a int8)", ERR_SYNTAX,
              "line 2, column 3: unknown statement 'CRATE', expected SELECT, INSERT, CREATE or DROP, "
              "did you mean 'CREATE'?");
    check_err("drpo stream s", ERR_SYNTAX,
              "line 1, column 1: unknown statement 'drpo', expected SELECT, INSERT, CREATE or DROP, "
              "did you mean 'DROP'?");
    check_err("dro stream s", ERR_SYNTAX,
              "line 1, column 1: unknown statement 'dro', expected SELECT, INSERT, CREATE or DROP, "
              "did you mean 'DROP'?");
    check_err(";", ERR_SYNTAX, "line 1, column 1: unknown statement ';', expected SELECT, INSERT, CREATE or DROP");
    check_err("'CREATE'", ERR_SYNTAX,
              "line 1, column 1: unknown statement 'CREATE', expected SELECT, INSERT, CREATE or DROP");
    check_err("\"x\"", ERR_SYNTAX,
              "line 1, column 1: unknown statement \"x\", expected SELECT, INSERT, CREATE or DROP");
}

Test(parser, culprits_are_one_line_and_bounded)
{
    check_err("DROP STREAM s 'a\nb'", ERR_SYNTAX,
              "line 1, column 15: expected end of statement, got 'a\\nb'");
    check_err("DROP STREAM s "
              "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij",
              ERR_SYNTAX,
              "line 1, column 15: expected end of statement, got "
              "'abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh...'");
    check_err("DROP STREAM s "
              "\"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\"",
              ERR_SYNTAX,
              "line 1, column 15: expected end of statement, got "
              "\"abcdefghijabcdefghijabcdefghijabcdefghijabcdefg...\"");
    check_err("DROP STREAM s \"a\tb\"", ERR_SYNTAX,
              "line 1, column 15: expected end of statement, got \"a\\tb\"");
}

Test(parser, lexer_errors_pass_through)
{
    check_err("DROP STREAM s @", ERR_SYNTAX, "line 1, column 15: unexpected character '@'");
    check_err("CREATE STREAM s (a int8) SETTINGS k = 'abc", ERR_INCOMPLETE,
              "line 1, column 39: unterminated string literal");
    check_err("CREATE STREAM \"s (a int8)", ERR_INCOMPLETE,
              "line 1, column 15: unterminated quoted identifier");
    check_err("DROP STREAM s /* bye", ERR_INCOMPLETE, "line 1, column 15: unterminated comment");
}

/* ---- ERR_INCOMPLETE: the text ended inside a statement ---- */

Test(parser, truncated_statements_are_incomplete)
{
    static const struct {
        const char *sql;
        const char *msg;
    } cases[] = {
        {"", "line 1, column 1: expected a statement, got end of input"},
        {"  \n ", "line 2, column 2: expected a statement, got end of input"},
        {"-- only a comment", "line 1, column 18: expected a statement, got end of input"},
        {"CREATE", "line 1, column 7: expected STREAM after CREATE, got end of input"},
        {"CREATE\n", "line 2, column 1: expected STREAM after CREATE, got end of input"},
        {"DROP STREAM", "line 1, column 12: expected a stream name, got end of input"},
        {"DROP STREAM IF EXISTS", "line 1, column 22: expected a stream name, got end of input"},
        {"CREATE STREAM IF NOT", "line 1, column 21: expected EXISTS after IF NOT, got end of input"},
        {"CREATE STREAM s", "line 1, column 16: expected '(' after stream name, got end of input"},
        {"CREATE STREAM s (", "line 1, column 18: expected a column name, got end of input"},
        {"CREATE STREAM s (a", "line 1, column 19: expected a type after column name, got end of input"},
        {"CREATE STREAM s (a int32",
         "line 1, column 25: expected ',' or ')' after column definition, got end of input"},
        {"CREATE STREAM s (a int32,", "line 1, column 26: expected a column name, got end of input"},
        {"CREATE STREAM s (a nullable", "line 1, column 28: expected '(' after nullable, got end of input"},
        {"CREATE STREAM s (a nullable(",
         "line 1, column 29: expected a type inside nullable, got end of input"},
        {"CREATE STREAM s (a nullable(int8",
         "line 1, column 33: expected ')' after nullable type, got end of input"},
        {"CREATE STREAM s (a datetime64(",
         "line 1, column 31: expected a number in type parameters, got end of input"},
        {"CREATE STREAM s (a datetime64(3",
         "line 1, column 32: expected ',' or ')' after type parameter, got end of input"},
        {"CREATE STREAM s (a int8) SETTINGS",
         "line 1, column 34: expected a setting name, got end of input"},
        {"CREATE STREAM s (a int8) SETTINGS k",
         "line 1, column 36: expected '=' after setting name, got end of input"},
        {"CREATE STREAM s (a int8) SETTINGS k =",
         "line 1, column 38: expected a setting value, got end of input"},
        {"CREATE STREAM s (a int8) SETTINGS k = -",
         "line 1, column 40: expected a number after '-', got end of input"},
        {"CREATE STREAM s (a int8 /* more to come */",
         "line 1, column 43: expected ',' or ')' after column definition, got end of input"},
        {"CREATE STREAM s (a 'int8", "line 1, column 20: unterminated string literal"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_err(cases[i].sql, ERR_INCOMPLETE, cases[i].msg);
}

/*
 * Every proper prefix of a valid statement that ends at a token boundary
 * must be ERR_INCOMPLETE or a valid (shorter) statement: never a syntax
 * error, or framing would fail a statement spread over several writes.
 */
static void check_prefixes(const char *sql)
{
    size_t len = strlen(sql), cuts[512], ncuts = 0, i;
    struct sql_lexer lx;
    struct sql_tok tok;
    struct sql_error err;
    struct sql_stmt *s = NULL;

    cr_assert_eq(parse_n(sql, len, &s, &err), 0, "'%s': %s", sql, err.msg);
    sql_stmt_destroy(s);
    sql_lex_init(&lx, sql, len);
    do {
        cr_assert_eq(sql_lex_next(&lx, &tok, &err), 0);
        cr_assert_lt(ncuts + 2, sizeof cuts / sizeof cuts[0]);
        cuts[ncuts++] = tok.offset; /* before the token */
        cuts[ncuts++] = lx.pos;     /* after it */
    } while (tok.kind != TK_EOF);
    for (i = 0; i < ncuts; i++) {
        int rc;
        if (cuts[i] >= len)
            continue;
        s = NULL;
        rc = parse_n(sql, cuts[i], &s, &err);
        sql_stmt_destroy(s);
        cr_expect(rc == 0 || rc == ERR_INCOMPLETE, "prefix '%.*s': %d %s", (int)cuts[i], sql, rc,
                  err.msg);
    }
}

Test(parser, every_token_prefix_is_incomplete_or_valid)
{
    check_prefixes("CREATE STREAM IF NOT EXISTS readings (device string, temp float64, "
                   "at DateTime64(3), note nullable(string), n Nullable(datetime64(6)), "
                   "`quoted name` int8) SETTINGS fmt = 'json', n = 50_000_000, f = -1.5, "
                   "m = -3, b = true, i = ident;");
    check_prefixes("create stream s (a int32) -- trailing\n;");
    check_prefixes("DROP STREAM IF EXISTS \"old\";");
    check_prefixes("/* c */ DROP STREAM s");
}

Test(parser, at_most_len_bytes_are_read)
{
    /* "DROP STREAM s" cut after "DROP STREAM" — the copy has no NUL */
    struct sql_stmt *s = NULL;
    struct sql_error err;
    int rc = parse_n("DROP STREAM s", 11, &s, &err);

    cr_expect_eq(rc, ERR_INCOMPLETE);
    cr_expect_str_eq(err.msg, "line 1, column 12: expected a stream name, got end of input");
    rc = parse_n("DROP STREAM abc", 13, &s, &err);
    cr_assert_eq(rc, 0);
    cr_expect_str_eq(s->u.drop.name, "a");
    sql_stmt_destroy(s);
}

/* decimal(p, s), decimal(p), decimal, decimal32/64(s) and nullable(...). */
Test(parser, decimal_types)
{
    struct sql_stmt *s = parse_ok("CREATE STREAM s (a decimal(9, 2), b Decimal(5), c decimal, "
                                  "d decimal32(3), e Decimal64(18), f nullable(decimal(18, 0)), "
                                  "g numeric(4, 1))");
    static const struct {
        uint8_t p, sc, nullable;
    } want[] = {{9, 2, 0}, {5, 0, 0}, {10, 0, 0}, {9, 3, 0}, {18, 18, 0}, {18, 0, 1}, {4, 1, 0}};
    cr_assert_eq(s->u.create.ncols, 7);
    for (uint32_t i = 0; i < 7; i++) {
        struct ty t = s->u.create.cols[i].ty;
        cr_expect_eq(t.kind, TY_DECIMAL, "column %u", i);
        cr_expect_eq(t.prec, want[i].p, "column %u", i);
        cr_expect_eq(t.scale, want[i].sc, "column %u", i);
        cr_expect_eq(t.nullable, want[i].nullable, "column %u", i);
    }
    sql_stmt_destroy(s);
    check_err("CREATE STREAM s (a decimal(5, 6))", -EINVAL,
              "line 1, column 28: invalid parameter '5' for type 'decimal'");
    check_err("CREATE STREAM s (a decimal(0))", -EINVAL,
              "line 1, column 28: invalid parameter '0' for type 'decimal'");
    check_err("CREATE STREAM s (a decimal(38, 2))", -EINVAL,
              "line 1, column 28: decimal precision above 18 is not supported (decimal128 and "
              "wider)");
    check_err("CREATE STREAM s (a decimal128(2))", -EINVAL,
              "line 1, column 31: decimal precision above 18 is not supported (decimal128 and "
              "wider)");
}

Test(parser, array_types)
{
    struct sql_stmt *st = parse_ok("CREATE STREAM s (a array(int32), b Array(Nullable(String)), "
                                   "c array(datetime64(6)))");
    struct ty a = st->u.create.cols[0].ty, b = st->u.create.cols[1].ty,
              c = st->u.create.cols[2].ty;
    cr_assert_eq(a.kind, TY_ARRAY);
    cr_assert_eq(a.elem, TY_INT32);
    cr_assert_eq(a.nullable, 0);
    cr_assert_eq(b.kind, TY_ARRAY);
    cr_assert_eq(b.elem, TY_STRING);
    cr_assert_eq(b.elem_nullable, 1);
    cr_assert_eq(c.elem, TY_DATETIME64);
    cr_assert_eq(c.prec, 6);
    sql_stmt_destroy(st);
    check_err("CREATE STREAM s (a array(array(int32)))", -EINVAL,
              "line 1, column 26: 'array' cannot be nested inside array (arrays of arrays are "
              "not supported)");
    check_err("CREATE STREAM s (a nullable(array(int32)))", -EINVAL,
              "line 1, column 29: 'array' cannot be nested inside nullable");
    check_err("CREATE STREAM s (a array(nothing))", -EINVAL,
              "line 1, column 26: unknown type 'nothing'");
    check_err("CREATE STREAM s (a array int32)", ERR_SYNTAX,
              "line 1, column 26: expected '(' after array, got 'int32'");
    check_err("CREATE STREAM s (a array(int32, b int8)", ERR_SYNTAX,
              "line 1, column 31: expected ')' after array element type, got ','");
}

/* CREATE RANDOM STREAM: the flag, and each DEFAULT's expression with its
 * source text as written (comments and spaces inside kept, around not). */
Test(parser, create_random_stream)
{
    struct sql_stmt *s = parse_ok("CREATE RANDOM STREAM r (d string default 'd' || "
                                  "to_string(rand() % 4)  , t float64 DEFAULT rand()%1000/10,"
                                  " n int8) SETTINGS eps = 5");
    cr_assert_eq(s->kind, SQL_CREATE_STREAM);
    cr_expect(s->u.create.random);
    cr_assert_eq(s->u.create.ncols, 3);
    cr_assert_not_null(s->u.create.cols[0].def);
    cr_expect_eq(s->u.create.cols[0].def->kind, SX_CALL);
    cr_expect_str_eq(s->u.create.cols[0].def_text, "'d' || to_string(rand() % 4)");
    cr_expect_str_eq(s->u.create.cols[1].def_text, "rand()%1000/10");
    cr_expect_null(s->u.create.cols[2].def);
    cr_expect_null(s->u.create.cols[2].def_text);
    cr_assert_eq(s->u.create.nsettings, 1);
    sql_stmt_destroy(s);
    s = parse_ok("create stream s (a int32 default 1)");
    cr_expect(!s->u.create.random, "DEFAULT parses on any stream; the DDL refuses it");
    cr_expect_str_eq(s->u.create.cols[0].def_text, "1");
    sql_stmt_destroy(s);
    s = parse_ok("CREATE RANDOM STREAM random (a int32 DEFAULT 7)");
    cr_expect_str_eq(s->u.create.name, "random");
    sql_stmt_destroy(s);
}

Test(parser, create_random_stream_errors)
{
    check_err("CREATE RANDOM TABLE r (a int32)", ERR_SYNTAX,
              "line 1, column 15: expected STREAM after CREATE RANDOM, got 'TABLE'");
    check_err("CREATE RANDOM STREAM r (a int32 DEFAULT)", ERR_SYNTAX,
              "line 1, column 40: expected an expression, got ')'");
    check_err("CREATE RANDOM STREAM r (a int32 DEFAULT 1 2)", ERR_SYNTAX,
              "line 1, column 43: expected ',' or ')' after column definition, got '2'");
    check_err("CREATE RANDOM STREAM r (a int32 DEFAULT rand(", ERR_INCOMPLETE,
              "line 1, column 46: expected an expression, got end of input");
}
