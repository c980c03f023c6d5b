/*
 * func_more_test.c — the rest of the scalar library through the public
 * API: math, strings, LIKE and regular expressions, JSON extraction, date
 * and time functions, random numbers; each with its bind errors, NULLs
 * and a column run where the function has per-row state (patterns, the
 * JSON token array, the generator).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "func_helpers.h"

static struct col *eval_block(struct xpr *x, const struct blk *b)
{
    struct col *c = NULL;
    int owned = 0;
    cr_assert_eq(xpr_eval(x, &ctx, b, &c, &owned), 0, "eval: %s", ctx.err);
    cr_assert_eq(c->n, b->nrows);
    return c;
}

/* ---- math --------------------------------------------------------------------- */

Test(func_more, rounding)
{
    EXPECT(CALL("round", F(2.5)), "float64", "2");
    EXPECT(CALL("round", F(3.5)), "float64", "4");
    EXPECT(CALL("round", F(-2.567), U8(2)), "float64", "-2.57");
    EXPECT(CALL("round", F(1234.5), I8(-2)), "float64", "1200");
    EXPECT(CALL("round", I(1250), I8(-2)), "int64", "1300");
    EXPECT(CALL("round", I(-1250), I8(-2)), "int64", "-1300");
    EXPECT(CALL("round", I(1234), U8(2)), "int64", "1234");
    EXPECT(CALL("floor", F(-3.5)), "float64", "-4");
    EXPECT(CALL("floor", F32(3.75), U8(1)), "float32", "3.7");
    EXPECT(CALL("floor", I(-1234), I8(-1)), "int64", "-1240");
    EXPECT(CALL("ceil", F(3.01)), "float64", "4");
    EXPECT(CALL("ceil", I(1201), I8(-2)), "int64", "1300");
    EXPECT(CALL("ceil", U64(1201), I8(-2)), "uint64", "1300");
    EXPECT(CALL("round", U64(1250), I8(-2)), "uint64", "1300");
    EXPECT(CALL("floor", U8(99), I8(-3)), "uint8", "0");
    EXPECT(CALL("trunc", F(-3.99)), "float64", "-3");
    EXPECT(CALL("trunc", I(-1299), I8(-2)), "int64", "-1200");
    BIND_ERR("a constant integer number of digits", 1, "round",
             F(1), COL(0, (struct ty){TY_INT32, 0, 0}));
    BIND_ERR("round expects a number", 0, "round", S("1"));
}

Test(func_more, float_functions)
{
    EXPECT(CALL("sqrt", I(16)), "float64", "4");
    EXPECT(CALL("sqrt", F(-1)), "float64", "nan");
    EXPECT(CALL("round", CALL("cbrt", I(27)), U8(9)), "float64", "3");
    EXPECT(CALL("exp", I(0)), "float64", "1");
    EXPECT(CALL("exp2", I(10)), "float64", "1024");
    EXPECT(CALL("exp10", I(3)), "float64", "1000");
    EXPECT(CALL("log", CALL("exp", I(2))), "float64", "2");
    EXPECT(CALL("ln", I(1)), "float64", "0");
    EXPECT(CALL("log2", I(1024)), "float64", "10");
    EXPECT(CALL("log10", F(0.001)), "float64", "-3");
    EXPECT(CALL("log", I(0)), "float64", "-inf");
    EXPECT(CALL("pow", I(2), I(10)), "float64", "1024");
    EXPECT(CALL("power", F(4), F(0.5)), "float64", "2");
    EXPECT(CALL("sin", I(0)), "float64", "0");
    EXPECT(CALL("cos", I(0)), "float64", "1");
    EXPECT(CALL("tan", I(0)), "float64", "0");
    EXPECT(CALL("asin", I(1)), "float64", "1.5707963267948966");
    EXPECT(CALL("acos", I(1)), "float64", "0");
    EXPECT(CALL("atan", I(0)), "float64", "0");
    EXPECT(CALL("sign", I(-5)), "int8", "-1");
    EXPECT(CALL("sign", F(0.0)), "int8", "0");
    EXPECT(CALL("sign", U64(3)), "int8", "1");
    BIND_ERR("sqrt expects a number as argument 1, got string", 0, "sqrt", S("4"));
}

Test(func_more, least_and_greatest)
{
    EXPECT(CALL("least", I8(-1), U8(200)), "int16", "-1");
    EXPECT(CALL("greatest", I8(-1), U8(200), F(2.5)), "float64", "200");
    EXPECT(CALL("least", S("b"), S("ab"), S("abc")), "string", "ab");
    EXPECT(CALL("greatest", DATE("2024-07-10"), DT("2024-07-09 10:00:00")), "datetime",
           "2024-07-10 00:00:00");
    EXPECT(CALL("least", I(1), CALL("to_int32_or_null", S("x"))), "nullable(int64)", "NULL");
    BIND_ERR("least: no common type for string and int64", 1, "least", S("a"), I(1));
}

/* ---- strings -------------------------------------------------------------------- */

Test(func_more, string_basics)
{
    EXPECT(CALL("length", S("héllo")), "uint64", "6");
    EXPECT(CALL("length_utf8", S("héllo")), "uint64", "5");
    EXPECT(CALL("empty", S("")), "uint8", "1");
    EXPECT(CALL("not_empty", S("")), "uint8", "0");
    EXPECT(CALL("lower", S("AbC-ÄÖ")), "string", "abc-ÄÖ");
    EXPECT(CALL("upper", S("abc-z{")), "string", "ABC-Z{");
    EXPECT(CALL("reverse", S("abc")), "string", "cba");
    EXPECT(CALL("reverse", S("")), "string", "");
    EXPECT(CALL("concat", S("a"), S("b"), S("c")), "string", "abc");
    EXPECT(CALL("concat", S("x="), I(1), S(", t="), DT("2024-07-10 00:00:00")), "string",
           "x=1, t=2024-07-10 00:00:00");
    EXPECT(CALL("concat", S("a"), NUL()), "nullable(nothing)", "NULL");
    EXPECT(CALL("trim", S("  a b  ")), "string", "a b");
    EXPECT(CALL("ltrim", S("  a ")), "string", "a ");
    EXPECT(CALL("rtrim", S("  a ")), "string", "  a");
    EXPECT(CALL("trim", S("   ")), "string", "");
    EXPECT(CALL("starts_with", S("hello"), S("he")), "uint8", "1");
    EXPECT(CALL("starts_with", S("he"), S("hello")), "uint8", "0");
    EXPECT(CALL("ends_with", S("hello"), S("llo")), "uint8", "1");
    EXPECT(CALL("ends_with", S("hello"), S("")), "uint8", "1");
    EXPECT(CALL("position", S("hello"), S("l")), "uint64", "3");
    EXPECT(CALL("position", S("hello"), S("l"), I(4)), "uint64", "4");
    EXPECT(CALL("position", S("hello"), S("z")), "uint64", "0");
    EXPECT(CALL("position", S("hello"), S("")), "uint64", "1");
    EXPECT(CALL("replace_all", S("a.b.c"), S("."), S("--")), "string", "a--b--c");
    EXPECT(CALL("replace_one", S("a.b.c"), S("."), S("")), "string", "ab.c");
    EXPECT(CALL("replace", S("aaa"), S("aa"), S("b")), "string", "ba");
    EXPECT(CALL("replace_all", S("abc"), S(""), S("x")), "string", "abc");
    BIND_ERR("length expects a string as argument 1, got int64", 0, "length", I(5));
    BIND_ERR("replace_one expects a string as argument 3", 2, "replace_one", S("a"), S("b"), I(1));
}

Test(func_more, substrings)
{
    EXPECT(CALL("substring", S("hello"), I(2)), "string", "ello");
    EXPECT(CALL("substring", S("hello"), I(2), I(3)), "string", "ell");
    EXPECT(CALL("substr", S("hello"), I(-3)), "string", "llo");
    EXPECT(CALL("substring", S("hello"), I(-3), I(2)), "string", "ll");
    EXPECT(CALL("substring", S("hello"), I(0)), "string", "");
    EXPECT(CALL("substring", S("hello"), I(10)), "string", "");
    EXPECT(CALL("substring", S("hello"), I(-10), I(7)), "string", "he");
    EXPECT(CALL("substring", S("hello"), I(2), I(-1)), "string", "ell");
    EXPECT(CALL("substring", S("hello"), I(1), I(100)), "string", "hello");
    EXPECT(CALL("left", S("hello"), I(2)), "string", "he");
    EXPECT(CALL("left", S("hello"), I(-2)), "string", "hel");
    EXPECT(CALL("right", S("hello"), I(2)), "string", "lo");
    EXPECT(CALL("right", S("hi"), I(5)), "string", "hi");
    BIND_ERR("substring expects an integer as argument 2", 1, "substring", S("a"), S("1"));
}

Test(func_more, like_patterns)
{
    static const struct {
        const char *s, *p;
        int want;
    } cases[] = {
        {"hello", "hello", 1}, {"hello", "hell", 0},   {"hello", "he%", 1},  {"hello", "%lo", 1},
        {"hello", "%ll%", 1},  {"hello", "%", 1},      {"", "%", 1},         {"", "_", 0},
        {"hello", "h_llo", 1}, {"hello", "h%o", 1},    {"hello", "h%x", 0},  {"abcabc", "%bc%c", 1},
        {"a%b", "a\\%b", 1},   {"axb", "a\\%b", 0},    {"a_b", "a\\_b", 1},  {"éa", "_a", 1},
        {"mississippi", "%iss%pi", 1}, {"mississippi", "m%s%s%p%i", 1}, {"ab", "a%%b", 1},
        {"abc", "%%%", 1},     {"abc", "a__", 1},      {"abc", "a___", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[2] = {(char)('0' + cases[i].want), 0}, nwant[2] = {(char)('1' - cases[i].want), 0};
        EXPECT(CALL("like", S(cases[i].s), S(cases[i].p)), "uint8", want);
        EXPECT(CALL("not_like", S(cases[i].s), S(cases[i].p)), "uint8", nwant);
    }
    EXPECT(CALL("ilike", S("HeLLo"), S("%ll%")), "uint8", "1");
    EXPECT(CALL("ilike", S("HeLLo"), S("HE%")), "uint8", "1");
    EXPECT(CALL("not_ilike", S("HeLLo"), S("%LX%")), "uint8", "1");
    EXPECT(CALL("like", S("hello"), S("HE%")), "uint8", "0");
    BIND_ERR("like expects a string as argument 1", 0, "like", I(1), S("%"));
}

Test(func_more, like_per_row_patterns)
{
    struct ty ts = {TY_STRING, 0, 0};
    struct ty t[2] = {ts, ts};
    struct blk *b = NULL;
    cr_assert_eq(blk_create(t, 2, &b), 0);
    const char *rows[][2] = {{"abc", "a%"}, {"abc", "a%"}, {"abc", "%d"}, {"xbc", "_bc"},
                             {"ABC", "a%"}};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(col_push_str(&b->cols[0], rows[i][0], strlen(rows[i][0])), 0);
        cr_assert_eq(col_push_str(&b->cols[1], rows[i][1], strlen(rows[i][1])), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    struct xpr *x = CALL("like", COL(0, ts), COL(1, ts));
    struct xpr *y = CALL("ilike", COL(0, ts), COL(1, ts));
    struct col *c = eval_block(x, b), *d = eval_block(y, b);
    const uint8_t want[] = {1, 1, 0, 1, 0}, iwant[] = {1, 1, 0, 1, 1};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(COL_AT(c, uint8_t, i), want[i], "row %d", i);
        cr_assert_eq(COL_AT(d, uint8_t, i), iwant[i], "row %d", i);
    }
    col_delete(c);
    col_delete(d);
    xpr_destroy(x);
    xpr_destroy(y);
    /* match with a pattern per row: as regular expressions, '%' is literal
     * and '_bc' needs an underscore */
    x = CALL("match", COL(0, ts), COL(1, ts));
    c = eval_block(x, b);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(COL_AT(c, uint8_t, i), 0, "row %d", i);
    col_delete(c);
    xpr_destroy(x);
    blk_unref(b);
}

Test(func_more, regular_expressions)
{
    EXPECT(CALL("match", S("abc123"), S("[0-9]+$")), "uint8", "1");
    EXPECT(CALL("match", S("abc"), S("^b")), "uint8", "0");
    EXPECT(CALL("match", S("a.c"), S("a\\.c")), "uint8", "1");
    EXPECT(CALL("extract", S("user=bob; id=7"), S("id=([0-9]+)")), "string", "7");
    EXPECT(CALL("extract", S("abc123def"), S("[0-9]+")), "string", "123");
    EXPECT(CALL("extract", S("abc"), S("[0-9]+")), "string", "");
    /* re2's escapes and (?i); an unmatched group extracts '' */
    EXPECT(CALL("extract", S("abc123def"), S("\\d+")), "string", "123");
    EXPECT(CALL("extract", S("k=v_1;"), S("=([\\w]+)")), "string", "v_1");
    EXPECT(CALL("match", S("a b"), S("a\\sb")), "uint8", "1");
    EXPECT(CALL("match", S("7"), S("[^\\d]")), "uint8", "0");
    EXPECT(CALL("match", S("ABC"), S("(?i)^abc$")), "uint8", "1");
    EXPECT(CALL("extract", S("abc"), S("(x)?b")), "string", "");
    BIND_ERR("match: bad regular expression '('", 1, "match", S("a"), S("("));
}

/* ---- JSON ----------------------------------------------------------------------- */

#define DOC "{\"a\": {\"b\": [10, -2.5, \"x\\u00e9\", true, null, {\"c\": 1}]}, \"s\": \"q\\\"t\", " \
            "\"n\": 18446744073709551615, \"k\\\"ey\": 3}"

Test(func_more, json_extract)
{
    EXPECT(CALL("json_extract_int", S(DOC), S("a"), S("b"), I(1)), "int64", "10");
    /* a document that is a bare number or literal is its own value */
    EXPECT(CALL("json_extract_int", S("5")), "int64", "5");
    EXPECT(CALL("json_extract_bool", S("true")), "uint8", "1");
    EXPECT(CALL("json_extract_raw", S("-2.5")), "string", "-2.5");
    EXPECT(CALL("json_extract_int", S("{\"a\":1")), "int64", "0");
    EXPECT(CALL("json_extract_int", S(DOC), S("a"), S("b"), I(-6)), "int64", "10");
    EXPECT(CALL("json_extract_int", S(DOC), S("a"), S("b"), I(2)), "int64", "-2");
    EXPECT(CALL("json_extract_int", S(DOC), S("a"), S("b"), I(4)), "int64", "1");
    EXPECT(CALL("json_extract_int", S(DOC), S("a"), S("b"), I(3)), "int64", "0");
    EXPECT(CALL("json_extract_int", S(DOC), S("a"), S("b"), I(7)), "int64", "0");
    EXPECT(CALL("json_extract_int", S(DOC), S("a"), S("b"), I(0)), "int64", "0");
    EXPECT(CALL("json_extract_uint", S(DOC), S("n")), "uint64", "18446744073709551615");
    EXPECT(CALL("json_extract_float", S(DOC), S("a"), S("b"), I(2)), "float64", "-2.5");
    EXPECT(CALL("json_extract_float", S(DOC), S("s")), "float64", "0");
    EXPECT(CALL("json_extract_bool", S(DOC), S("a"), S("b"), I(4)), "uint8", "1");
    EXPECT(CALL("json_extract_bool", S(DOC), S("a"), S("b"), I(1)), "uint8", "0");
    EXPECT(CALL("json_extract_string", S(DOC), S("a"), S("b"), I(3)), "string", "x\xc3\xa9");
    EXPECT(CALL("json_extract_string", S(DOC), S("s")), "string", "q\"t");
    EXPECT(CALL("json_extract_string", S(DOC), S("a")), "string", "");
    EXPECT(CALL("json_extract_int", S(DOC), S("k\"ey")), "int64", "3");
    EXPECT(CALL("json_extract_raw", S(DOC), S("a"), S("b"), I(6)), "string", "{\"c\":1}");
    EXPECT(CALL("json_extract_raw", S(DOC), S("s")), "string", "\"q\\\"t\"");
    EXPECT(CALL("json_extract_raw", S("{\"a\": [1, \"x y\"]}"), S("a")), "string", "[1,\"x y\"]");
    EXPECT(CALL("json_has", S(DOC), S("a"), S("b")), "uint8", "1");
    EXPECT(CALL("json_has", S(DOC), S("a"), S("z")), "uint8", "0");
    EXPECT(CALL("json_has", S(DOC), S("a"), S("b"), I(5)), "uint8", "1");
    EXPECT(CALL("json_extract_int", S("not json"), S("a")), "int64", "0");
    EXPECT(CALL("json_extract_string", S("{\"a\":"), S("a")), "string", "");
    EXPECT(CALL("json_has", S("[1,2]"), I(2)), "uint8", "1");
    EXPECT(CALL("json_value", S(DOC), S("$.a.b[2]")), "string", "x\xc3\xa9");
    EXPECT(CALL("json_value", S(DOC), S("$.a.b[0]")), "string", "10");
    EXPECT(CALL("json_value", S(DOC), S("$.a.b[5].c")), "string", "1");
    EXPECT(CALL("json_value", S(DOC), S("$[\"s\"]")), "string", "q\"t");
    EXPECT(CALL("json_value", S(DOC), S("$.a")), "string", "");
    BIND_ERR("bad JSON path", 1, "json_value", S(DOC), S("$.a["));
    BIND_ERR("json_extract_int expects a key string or an index as argument 2", 1,
             "json_extract_int", S(DOC), F(1.5));
}

Test(func_more, json_over_rows)
{
    struct ty ts = {TY_STRING, 1, 0};
    struct blk *b = block1(ts);
    char line[96];
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(line, sizeof line, "{\"id\": %d, \"tags\": [\"t%d\"], \"pad\": \"%*s\"}", i,
                         i % 10, i % 40, "");
        cr_assert_eq(i % 11 == 5 ? col_push_null(&b->cols[0]) : col_push_str(&b->cols[0], line, (size_t)n), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    struct xpr *x = CALL("json_extract_int", COL(0, ts), S("id"));
    struct xpr *y = CALL("json_extract_string", COL(0, ts), S("tags"), I(1));
    struct col *c = eval_block(x, b), *d = eval_block(y, b);
    for (uint32_t i = 0; i < 3000; i++) {
        cr_assert_eq(col_is_null(c, i), i % 11 == 5);
        cr_assert_eq(col_is_null(d, i), i % 11 == 5);
        if (i % 11 == 5)
            continue;
        cr_assert_eq(COL_AT(c, int64_t, i), i);
        size_t len;
        const char *s = col_str(d, i, &len);
        cr_assert_eq(len, 2);
        cr_assert_eq(s[1], '0' + i % 10);
    }
    col_delete(c);
    col_delete(d);
    xpr_destroy(x);
    xpr_destroy(y);
    blk_unref(b);
}

/* ---- date and time ------------------------------------------------------------------ */

Test(func_more, now_and_today)
{
    EXPECT(CALL0("now"), "datetime", "2024-07-10 12:34:56");
    EXPECT(CALL0("now64"), "datetime64(3)", "2024-07-10 12:34:56.789");
    EXPECT(CALL("now64", U8(9)), "datetime64(9)", "2024-07-10 12:34:56.789123456");
    EXPECT(CALL("now64", U8(0)), "datetime64(0)", "2024-07-10 12:34:56");
    EXPECT(CALL0("today"), "date", "2024-07-10");
    BIND_ERR("now64 expects a constant precision 0..9", 0, "now64", U8(12));
}

Test(func_more, parts_of_times)
{
    const char *t = "2024-07-10 12:34:56";
    EXPECT(CALL("to_year", DT(t)), "uint16", "2024");
    EXPECT(CALL("to_quarter", DT(t)), "uint8", "3");
    EXPECT(CALL("to_month", DT(t)), "uint8", "7");
    EXPECT(CALL("to_day_of_month", DT(t)), "uint8", "10");
    EXPECT(CALL("to_day_of_week", DT(t)), "uint8", "3");
    EXPECT(CALL("to_day_of_week", DATE("2024-07-14")), "uint8", "7");
    EXPECT(CALL("to_day_of_week", DATE("2024-07-08")), "uint8", "1");
    EXPECT(CALL("to_day_of_week", DT64("1969-12-29 10:00:00", 0)), "uint8", "1");
    EXPECT(CALL("to_day_of_year", DT(t)), "uint16", "192");
    EXPECT(CALL("to_hour", DT(t)), "uint8", "12");
    EXPECT(CALL("to_minute", DT(t)), "uint8", "34");
    EXPECT(CALL("to_second", DT64("2024-07-10 12:34:56.999", 3)), "uint8", "56");
    EXPECT(CALL("to_yyyymm", DATE("2024-07-10")), "uint32", "202407");
    EXPECT(CALL("to_yyyymmdd", DT(t)), "uint32", "20240710");
    EXPECT(CALL("to_year", S("1999-12-31 23:59:59")), "uint16", "1999");
    EXPECT(CALL("to_unix_timestamp", DT(t)), "uint32", "1720614896");
    EXPECT(CALL("to_unix_timestamp", S("2024-07-10 12:34:56")), "uint32", "1720614896");
    EXPECT(CALL("to_unix_timestamp64_milli", DT64("2024-07-10 12:34:56.789", 3)), "int64",
           "1720614896789");
    EXPECT(CALL("to_unix_timestamp64_micro", DT64("1970-01-01 00:00:01.5", 1)), "int64", "1500000");
    EXPECT(CALL("to_unix_timestamp64_nano", DT64("1970-01-01 00:00:01", 0)), "int64", "1000000000");
    BIND_ERR("to_hour expects a date or datetime as argument 1, got int64", 0, "to_hour", I(1));
    BIND_ERR("a datetime64", 0, "to_unix_timestamp64_milli", DT(t));
}

Test(func_more, truncation)
{
    const char *t = "2024-07-10 12:34:56";
    EXPECT(CALL("to_start_of_minute", DT(t)), "datetime", "2024-07-10 12:34:00");
    EXPECT(CALL("to_start_of_minute", DT64("2024-07-10 12:34:56.5", 1)), "datetime",
           "2024-07-10 12:34:00");
    EXPECT(CALL("to_start_of_five_minutes", DT(t)), "datetime", "2024-07-10 12:30:00");
    EXPECT(CALL("to_start_of_ten_minutes", DT(t)), "datetime", "2024-07-10 12:30:00");
    EXPECT(CALL("to_start_of_fifteen_minutes", DT(t)), "datetime", "2024-07-10 12:30:00");
    EXPECT(CALL("to_start_of_hour", DT(t)), "datetime", "2024-07-10 12:00:00");
    EXPECT(CALL("to_start_of_day", DT(t)), "datetime", "2024-07-10 00:00:00");
    EXPECT(CALL("to_start_of_day", DATE("2024-07-10")), "datetime", "2024-07-10 00:00:00");
    EXPECT(CALL("to_monday", DT(t)), "date", "2024-07-08");
    /* ClickHouse's default mode 0 starts weeks on Sunday; mode 1 on Monday */
    EXPECT(CALL("to_start_of_week", DATE("2024-07-08")), "date", "2024-07-07");
    EXPECT(CALL("to_start_of_week", DATE("2024-07-07")), "date", "2024-07-07");
    EXPECT(CALL("to_start_of_week", DATE("2024-07-08"), U8(1)), "date", "2024-07-08");
    EXPECT(CALL("to_start_of_month", DT(t)), "date", "2024-07-01");
    EXPECT(CALL("to_start_of_quarter", DT(t)), "date", "2024-07-01");
    EXPECT(CALL("to_start_of_year", DT(t)), "date", "2024-01-01");
    EXPECT(CALL("to_start_of_second", DT64("2024-07-10 12:34:56.789", 3)), "datetime64(3)",
           "2024-07-10 12:34:56.000");
    EXPECT(CALL("to_start_of_minute", DT64("1969-12-31 23:59:30", 0)), "datetime",
           "1970-01-01 00:00:00");
    EXPECT(CALL("to_start_of_interval", DT64("1969-12-31 23:59:30.5", 1), IV(TY_UNIT_MILLISECOND, 1000)),
           "datetime64(3)", "1969-12-31 23:59:30.000");
    EXPECT(CALL("to_start_of_interval", DT(t), IV(TY_UNIT_MINUTE, 5)), "datetime",
           "2024-07-10 12:30:00");
    EXPECT(CALL("to_start_of_interval", DT(t), IV(TY_UNIT_SECOND, 17)), "datetime",
           "2024-07-10 12:34:40");
    /* aligned to multiples since the epoch (SPEC rule 7), not to the day */
    EXPECT(CALL("to_start_of_interval", DT(t), IV(TY_UNIT_HOUR, 5)), "datetime",
           "2024-07-10 09:00:00");
    EXPECT(CALL("to_start_of_interval", DT(t), IV(TY_UNIT_DAY, 2)), "datetime",
           "2024-07-10 00:00:00");
    EXPECT(CALL("to_start_of_interval", DT(t), IV(TY_UNIT_WEEK, 1)), "date", "2024-07-08");
    EXPECT(CALL("to_start_of_interval", DT(t), IV(TY_UNIT_MONTH, 5)), "date", "2024-03-01");
    EXPECT(CALL("to_start_of_interval", DT(t), IV(TY_UNIT_QUARTER, 1)), "date", "2024-07-01");
    EXPECT(CALL("to_start_of_interval", DT(t), IV(TY_UNIT_YEAR, 5)), "date", "2020-01-01");
    EXPECT(CALL("to_start_of_interval", DT64("2024-07-10 12:34:56.789", 3),
                IV(TY_UNIT_MILLISECOND, 100)), "datetime64(3)", "2024-07-10 12:34:56.700");
    EXPECT(CALL("to_start_of_interval", DT64("2024-07-10 12:34:56.789", 3),
                IV(TY_UNIT_MICROSECOND, 1)), "datetime64(6)", "2024-07-10 12:34:56.789000");
    EXPECT(CALL("to_start_of_interval", DT(t), CALL("to_interval_minute", U8(15)), S("UTC")),
           "datetime", "2024-07-10 12:30:00");
    BIND_ERR("a constant interval", 1, "to_start_of_interval", DT(t), I(5));
    BIND_ERR("positive interval", 1, "to_start_of_interval", DT(t), IV(TY_UNIT_MINUTE, 0));
    BIND_ERR("a datetime64 for a sub-second unit", 0, "to_start_of_interval", DT(t),
             IV(TY_UNIT_MILLISECOND, 5));
}

Test(func_more, date_diff_and_shifts)
{
    EXPECT(CALL("date_diff", S("second"), DT("2024-07-10 00:00:00"), DT("2024-07-10 00:01:01")),
           "int64", "61");
    EXPECT(CALL("date_diff", S("minute"), DT("2024-07-10 00:00:59"), DT("2024-07-10 00:01:00")),
           "int64", "1");
    EXPECT(CALL("date_diff", S("hour"), DT("2024-07-10 10:00:00"), DT("2024-07-10 08:00:00")),
           "int64", "-2");
    EXPECT(CALL("date_diff", S("day"), DATE("2024-07-01"), DT("2024-07-10 23:00:00")), "int64", "9");
    EXPECT(CALL("date_diff", S("week"), DATE("2024-07-07"), DATE("2024-07-08")), "int64", "1");
    EXPECT(CALL("date_diff", S("month"), DATE("2024-01-31"), DATE("2024-02-01")), "int64", "1");
    EXPECT(CALL("date_diff", S("quarter"), DATE("2024-03-31"), DATE("2024-04-01")), "int64", "1");
    EXPECT(CALL("date_diff", S("year"), DATE("2023-12-31"), DATE("2025-01-01")), "int64", "2");
    EXPECT(CALL("date_diff", S("yy"), DATE("2023-12-31"), DATE("2024-01-01")), "int64", "1");
    EXPECT(CALL("date_diff", S("ms"), DT64("2024-07-10 00:00:00.001", 3),
                DT64("2024-07-10 00:00:01", 3)), "int64", "999");
    EXPECT(CALL("date_diff", S("second"), S("2024-07-10 00:00:00"), DT("2024-07-10 00:00:05")),
           "int64", "5");
    BIND_ERR("date_diff: unknown unit 'fortnight'", 0, "date_diff", S("fortnight"),
             DATE("2024-07-07"), DATE("2024-07-08"));
    EXPECT(CALL("date_add", S("day"), I(3), DATE("2024-02-27")), "date", "2024-03-01");
    EXPECT(CALL("date_add", S("month"), I(1), DT("2024-01-31 01:00:00")), "datetime",
           "2024-02-29 01:00:00");
    EXPECT(CALL("date_sub", S("hour"), I(2), DT("2024-07-10 01:00:00")), "datetime",
           "2024-07-09 23:00:00");
    EXPECT(CALL("date_add", DT("2024-07-10 01:00:00"), IV(TY_UNIT_MINUTE, 30)), "datetime",
           "2024-07-10 01:30:00");
    EXPECT(CALL("add_days", DATE("2024-12-31"), I(1)), "date", "2025-01-01");
    EXPECT(CALL("subtract_years", DATE("2024-02-29"), I(4)), "date", "2020-02-29");
    EXPECT(CALL("add_milliseconds", DT64("2024-07-10 00:00:00.000", 3), I(1)), "datetime64(3)",
           "2024-07-10 00:00:00.001");
    EXPECT(CALL("add_weeks", DT("2024-07-10 00:00:00"), I(-1)), "datetime", "2024-07-03 00:00:00");
    BIND_ERR("add_days expects an integer as argument 2", 1, "add_days", DATE("2024-01-01"), S("1"));
}

Test(func_more, format_datetime)
{
    EXPECT(CALL("format_datetime", DT("2024-07-10 13:04:05"), S("%Y/%m/%d %H:%M:%S %p %j %u %Q %%")),
           "string", "2024/07/10 13:04:05 PM 192 3 3 %");
    EXPECT(CALL("format_datetime", DATE("2024-07-10"), S("%F %T %s")), "string",
           "2024-07-10 00:00:00 1720569600");
}

Test(func_more, times_over_rows)
{
    struct ty t = {TY_DATETIME64, 0, 3};
    struct blk *b = block1(t);
    int64_t base = 1720614896789LL; /* ms */
    for (int i = 0; i < 4000; i++) {
        int64_t v = base + (int64_t)i * 37777 - 60000000;
        cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    struct xpr *x = CALL("to_start_of_interval", COL(0, t), IV(TY_UNIT_MINUTE, 5));
    struct xpr *y = CALL("plus", COL(0, t), IV(TY_UNIT_MONTH, 1));
    struct col *c = eval_block(x, b), *d = eval_block(y, b);
    for (uint32_t i = 0; i < 4000; i++) {
        int64_t v = base + (int64_t)i * 37777 - 60000000, s = v / 1000;
        cr_assert_eq(COL_AT(c, uint32_t, i), s - s % 300, "row %u", i);
        cr_assert(COL_AT(d, int64_t, i) - v >= 28LL * 86400000 && COL_AT(d, int64_t, i) - v <= 31LL * 86400000);
        cr_assert_eq((COL_AT(d, int64_t, i) - v) % 86400000, 0);
    }
    col_delete(c);
    col_delete(d);
    xpr_destroy(x);
    xpr_destroy(y);
    blk_unref(b);
}

/* ---- random numbers ------------------------------------------------------------------- */

Test(func_more, random_numbers_per_row)
{
    struct blk *b = block1((struct ty){TY_UINT8, 0, 0});
    for (int i = 0; i < 4096; i++) {
        uint8_t v = 0;
        cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    struct xpr *r = CALL0("rand"), *r64 = CALL0("rand64");
    struct xpr *u = CALL("rand_uniform", I(-5), F(5.5));
    cr_assert_eq(r->ty.kind, TY_UINT32);
    cr_assert_eq(r64->ty.kind, TY_UINT64);
    cr_assert_eq(u->ty.kind, TY_FLOAT64);
    uint64_t before = ctx.rand_state;
    struct col *c = eval_block(r, b), *c64 = eval_block(r64, b), *cu = eval_block(u, b);
    cr_assert_neq(ctx.rand_state, before, "the generator advances");
    uint32_t distinct = 0, high = 0;
    double lo = 1e9, hi = -1e9, sum = 0;
    for (uint32_t i = 0; i < 4096; i++) {
        distinct += i == 0 || COL_AT(c, uint32_t, i) != COL_AT(c, uint32_t, i - 1);
        high += COL_AT(c64, uint64_t, i) >> 63;
        double v = COL_AT(cu, double, i);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
    }
    cr_assert_eq(distinct, 4096, "a new number per row");
    cr_assert(high > 1800 && high < 2300, "top bit set about half the time: %u", high);
    cr_assert(lo >= -5 && hi < 5.5 && lo < -4.9 && hi > 5.4, "range [%g, %g]", lo, hi);
    cr_assert(fabs(sum / 4096 - 0.25) < 0.3, "mean %g", sum / 4096);
    col_delete(c);
    col_delete(c64);
    col_delete(cu);
    xpr_destroy(r);
    xpr_destroy(r64);
    xpr_destroy(u);
    blk_unref(b);
    BIND_ERR("rand_uniform expects a number as argument 2", 1, "rand_uniform", I(1), S("2"));
}
