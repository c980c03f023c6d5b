/*
 * func_test.c — the scalar function library through the public API
 * (exec/expr.h, exec/func.h): conversions and cast, arithmetic with
 * ClickHouse's result types, comparisons, logic and the conditional
 * functions, NULL handling, bind errors with the argument at fault,
 * constant folding, the registry's names, and whole columns of several
 * thousand rows against a row-by-row reference.
 * Strings, math, time, JSON and random numbers: func_more_test.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "func_helpers.h"

/* ---- registry -------------------------------------------------------------- */

Test(func, names_and_camel_case_aliases)
{
    static const char *const pairs[][2] = {
        {"toStartOfMinute", "to_start_of_minute"}, {"multiIf", "multi_if"},
        {"JSONExtractString", "json_extract_string"}, {"toDateTime", "to_datetime"},
        {"toDateTime64OrNull", "to_datetime64_or_null"}, {"toUInt32", "to_uint32"},
        {"JSONHas", "json_has"}, {"toInt32OrZero", "to_int32_or_zero"},
        {"toYYYYMM", "to_yyyymm"}, {"isNotNull", "is_not_null"}, {"dateDiff", "date_diff"},
        {"formatDateTime", "format_datetime"}, {"IF", "if"}, {"lengthUTF8", "length_utf8"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const struct fn_scalar *a = fn_find(pairs[i][0], strlen(pairs[i][0]));
        const struct fn_scalar *b = fn_find(pairs[i][1], strlen(pairs[i][1]));
        cr_assert_not_null(b, "%s", pairs[i][1]);
        cr_assert_eq(a, b, "%s resolves to %s", pairs[i][0], pairs[i][1]);
    }
    cr_assert_null(fn_find("no_such_function", 16));
    const char *const *names;
    int n;
    cr_assert_eq(fn_names(&names, &n), 0);
    int seen = 0;
    for (int i = 0; i < n; i++)
        seen += strcmp(names[i], "json_extract_int") == 0 || strcmp(names[i], "cast") == 0;
    cr_assert_eq(seen, 2);
}

/* ---- conversions ------------------------------------------------------------ */

Test(func, to_int_wraps_and_truncates)
{
    EXPECT(CALL("to_int8", I(300)), "int8", "44");
    EXPECT(CALL("to_uint8", I(-1)), "uint8", "255");
    EXPECT(CALL("to_int32", F(3.9)), "int32", "3");
    EXPECT(CALL("to_int32", F(-3.9)), "int32", "-3");
    EXPECT(CALL("to_uint32", F(4294967296.5 + 7)), "uint32", "7");
    EXPECT(CALL("to_int64", F(NAN)), "int64", "0");
    EXPECT(CALL("to_int64", F(1e300)), "int64", "9223372036854775807");
    EXPECT(CALL("to_uint64", F(-1e300)), "uint64", "9223372036854775808");
    EXPECT(CALL("to_int16", B(1)), "int16", "1");
    EXPECT(CALL("to_float32", I(16777217)), "float32", "16777216");
    EXPECT(CALL("to_float64", U64(UINT64_MAX)), "float64", "18446744073709552000");
    EXPECT(CALL("to_bool", F(0.5)), "bool", "true");
    EXPECT(CALL("to_bool", I(0)), "bool", "false");
}

Test(func, strings_parse_strictly)
{
    EXPECT(CALL("to_int32", S("-42")), "int32", "-42");
    EXPECT(CALL("to_uint8", S("+255")), "uint8", "255");
    EXPECT(CALL("to_int64", S("-9223372036854775808")), "int64", "-9223372036854775808");
    EXPECT(CALL("to_float64", S("1e3")), "float64", "1000");
    EXPECT(CALL("to_float64", S("-inf")), "float64", "-inf");
    EXPECT(CALL("to_float32", S("0.1")), "float32", "0.1");
    EXPECT(CALL("to_bool", S("yes")), "bool", "true");
    EXPECT(CALL("to_bool", S("False")), "bool", "false");
    EXPECT_FAIL(CALL("to_int32", S("abc")), "cannot parse 'abc' as int32");
    EXPECT_FAIL(CALL("to_int8", S("128")), "cannot parse '128' as int8");
    EXPECT_FAIL(CALL("to_uint16", S("-1")), "as uint16");
    EXPECT_FAIL(CALL("to_int32", S("")), "cannot parse '' as int32");
    EXPECT_FAIL(CALL("to_int32", S(" 1")), "cannot parse");
    EXPECT_FAIL(CALL("to_float64", S("1.5x")), "as float64");
    EXPECT_FAIL(CALL("to_bool", S("maybe")), "as bool");
    EXPECT_FAIL(CALL("to_datetime", S("2024-13-01")), "as datetime");
}

Test(func, or_null_and_or_zero)
{
    EXPECT(CALL("to_int32_or_null", S("12")), "nullable(int32)", "12");
    EXPECT(CALL("to_int32_or_null", S("x")), "nullable(int32)", "NULL");
    EXPECT(CALL("to_int32_or_zero", S("x")), "int32", "0");
    EXPECT(CALL("to_float64_or_null", S("nope")), "nullable(float64)", "NULL");
    EXPECT(CALL("to_datetime_or_null", S("bad")), "nullable(datetime)", "NULL");
    EXPECT(CALL("to_datetime_or_zero", S("bad")), "datetime", "1970-01-01 00:00:00");
    EXPECT(CALL("to_date_or_null", S("2024-02-30")), "nullable(date)", "NULL");
}

Test(func, numbers_to_text)
{
    EXPECT(CALL("to_string", CALL("floor", F(3.7))), "string", "3");
    EXPECT(CALL("to_string", F(0.1)), "string", "0.1");
    EXPECT(CALL("to_string", F(1e21)), "string", "1e21");
    EXPECT(CALL("to_string", F32(0.1)), "string", "0.1");
    EXPECT(CALL("to_string", I(-9223372036854775807LL - 1)), "string", "-9223372036854775808");
    EXPECT(CALL("to_string", U64(UINT64_MAX)), "string", "18446744073709551615");
    EXPECT(CALL("to_string", B(1)), "string", "true");
    EXPECT(CALL("to_string", DT64("2024-07-10 01:02:03.5", 3)), "string", "2024-07-10 01:02:03.500");
    EXPECT(CALL("to_string", DATE("2024-07-10")), "string", "2024-07-10");
    EXPECT(CALL("to_string", IV(TY_UNIT_MINUTE, 5)), "string", "5");
    EXPECT(CALL("to_string", I(5), S("UTC")), "string", "5");
    BIND_ERR("unknown time zone", 1, "to_string", I(5), S("Europe/Paris"));
}

Test(func, times_convert)
{
    EXPECT(CALL("to_datetime", S("2024-07-10 12:00:00")), "datetime", "2024-07-10 12:00:00");
    EXPECT(CALL("to_datetime", S("1700000000")), "datetime", "2023-11-14 22:13:20");
    EXPECT(CALL("to_datetime", I(1700000000)), "datetime", "2023-11-14 22:13:20");
    EXPECT(CALL("to_datetime", I(-5)), "datetime", "1970-01-01 00:00:00");
    EXPECT(CALL("to_datetime", F(1.9)), "datetime", "1970-01-01 00:00:01");
    EXPECT(CALL("to_datetime", DT64("2024-07-10 01:02:03.999", 3)), "datetime", "2024-07-10 01:02:03");
    EXPECT(CALL("to_datetime", DATE("2024-07-10")), "datetime", "2024-07-10 00:00:00");
    EXPECT(CALL("to_datetime", S("2024-07-10 12:00:00"), S("UTC")), "datetime", "2024-07-10 12:00:00");
    EXPECT(CALL("to_datetime64", S("2024-07-10 12:00:00.123456"), U8(3)), "datetime64(3)",
           "2024-07-10 12:00:00.123");
    EXPECT(CALL("to_datetime64", F(1.5), U8(3)), "datetime64(3)", "1970-01-01 00:00:01.500");
    EXPECT(CALL("to_datetime64", I(2), U8(1)), "datetime64(1)", "1970-01-01 00:00:02.0");
    EXPECT(CALL("to_datetime64", DT("2024-07-10 01:02:03"), U8(6)), "datetime64(6)",
           "2024-07-10 01:02:03.000000");
    EXPECT(CALL("to_datetime64", DT64("1969-12-31 23:59:59.999", 3), U8(0)), "datetime64(0)",
           "1969-12-31 23:59:59");
    EXPECT(CALL("to_date", S("2024-07-10 23:59:59")), "date", "2024-07-10");
    EXPECT(CALL("to_date", I(19914)), "date", "2024-07-10");
    EXPECT(CALL("to_date", I(1720614896)), "date", "2024-07-10");
    EXPECT(CALL("to_date", DT64("2024-07-10 23:59:59.9", 1)), "date", "2024-07-10");
    EXPECT(CALL("to_int64", DT64("1970-01-01 00:00:10.9", 3)), "int64", "10");
    EXPECT(CALL("to_float64", DT64("1970-01-01 00:00:10.25", 3)), "float64", "10.25");
    EXPECT(CALL("to_uint32", DATE("1970-01-11")), "uint32", "10");
    EXPECT(CALL("to_int64", IV(TY_UNIT_HOUR, -3)), "int64", "-3");
    BIND_ERR("a constant precision 0..9", 1, "to_datetime64", S("x"), U8(10));
    BIND_ERR("cannot convert datetime to bool", 0, "to_bool", DT("2024-01-01 00:00:00"));
}

Test(func, cast_by_type_name)
{
    EXPECT(CALL("cast", F(3.7), S("int32")), "int32", "3");
    EXPECT(CALL("cast", S("5"), S("nullable(int32)")), "nullable(int32)", "5");
    EXPECT(CALL("cast", NUL(), S("nullable(int32)")), "nullable(int32)", "NULL");
    EXPECT(CALL("cast", I(7), S("String")), "string", "7");
    EXPECT(CALL("cast", S("2024-07-10"), S("DateTime64(3)")), "datetime64(3)",
           "2024-07-10 00:00:00.000");
    EXPECT(CALL("cast", I(5), S("interval_second")), "interval_second", "5");
    BIND_ERR("unknown type 'int33'", 1, "cast", I(1), S("int33"));
    BIND_ERR("a constant type name", 1, "cast", I(1), I(2));
    BIND_ERR("cannot convert string to interval_second", 0, "cast", S("1"), S("interval_second"));

    /* xpr_cast uses it too, and keeps NULLs */
    struct xpr *x = NULL;
    cr_assert_eq(xpr_cast(CALL("to_int32_or_null", S("x")), (struct ty){TY_INT64, 1, 0}, &x), 0);
    EXPECT(x, "nullable(int64)", "NULL");
}

Test(func, to_type_name_shows_the_bound_type)
{
    EXPECT(CALL("to_type_name", I8(1)), "string", "int8");
    EXPECT(CALL("to_type_name", CALL("plus", I8(1), I8(1))), "string", "int16");
    EXPECT(CALL("to_type_name", NUL()), "string", "nullable(nothing)");
    EXPECT(CALL("to_type_name", CALL("to_int32_or_null", S("x"))), "string", "nullable(int32)");
    EXPECT(CALL("toTypeName", DT64("2024-07-10 00:00:00", 6)), "string", "datetime64(6)");
}

Test(func, fn_convert_for_insert)
{
    struct col *in = NULL, *out = NULL;
    cr_assert_eq(col_new((struct ty){TY_FLOAT64, 1, 0}, &in), 0);
    double v = 3.99;
    cr_assert_eq(col_push_fixed(in, &v), 0);
    cr_assert_eq(col_push_null(in), 0);
    v = -1.5;
    cr_assert_eq(col_push_fixed(in, &v), 0);
    /* a float into uint32 truncates (SPEC rule 10); NULL into non-nullable is 0 */
    cr_assert_eq(col_new((struct ty){TY_UINT32, 0, 0}, &out), 0);
    cr_assert_eq(fn_convert(&ctx, in, 3, (struct ty){TY_UINT32, 0, 0}, out), 0);
    cr_assert_eq(out->n, 3);
    cr_assert_eq(COL_AT(out, uint32_t, 0), 3);
    cr_assert_eq(COL_AT(out, uint32_t, 1), 0);
    cr_assert_eq(COL_AT(out, uint32_t, 2), 4294967295u);
    col_delete(out);
    cr_assert_eq(col_new((struct ty){TY_STRING, 1, 0}, &out), 0);
    cr_assert_eq(fn_convert(&ctx, in, 3, (struct ty){TY_STRING, 1, 0}, out), 0);
    size_t len;
    cr_assert_eq(memcmp(col_str(out, 0, &len), "3.99", 4), 0);
    cr_assert(col_is_null(out, 1));
    cr_assert_not(col_is_null(out, 2));
    col_delete(out);
    col_delete(in);

    cr_assert_eq(col_new((struct ty){TY_STRING, 0, 0}, &in), 0);
    cr_assert_eq(col_push_str(in, "12", 2), 0);
    cr_assert_eq(col_push_str(in, "zz", 2), 0);
    cr_assert_eq(col_new((struct ty){TY_INT16, 0, 0}, &out), 0);
    cr_assert_eq(fn_convert(&ctx, in, 2, (struct ty){TY_INT16, 0, 0}, out), -EINVAL);
    cr_assert(strstr(fn_error(&ctx), "cannot parse 'zz' as int16"), "%s", fn_error(&ctx));
    col_delete(out);
    col_delete(in);
}

Test(func, common_type_rules)
{
    static const struct {
        struct ty a, b;
        int ok;
        struct ty want;
    } cases[] = {
        {{TY_INT8, 0, 0}, {TY_UINT8, 0, 0}, 1, {TY_INT16, 0, 0}},
        {{TY_INT32, 0, 0}, {TY_UINT32, 0, 0}, 1, {TY_INT64, 0, 0}},
        {{TY_INT64, 0, 0}, {TY_UINT64, 0, 0}, 0, {0, 0, 0}},
        {{TY_UINT8, 0, 0}, {TY_UINT64, 0, 0}, 1, {TY_UINT64, 0, 0}},
        {{TY_INT16, 0, 0}, {TY_FLOAT32, 0, 0}, 1, {TY_FLOAT32, 0, 0}},
        {{TY_INT32, 0, 0}, {TY_FLOAT32, 0, 0}, 1, {TY_FLOAT64, 0, 0}},
        {{TY_INT64, 0, 0}, {TY_FLOAT64, 0, 0}, 1, {TY_FLOAT64, 0, 0}},
        {{TY_DATETIME, 0, 0}, {TY_DATETIME64, 0, 6}, 1, {TY_DATETIME64, 0, 6}},
        {{TY_DATE, 0, 0}, {TY_DATETIME, 1, 0}, 1, {TY_DATETIME, 1, 0}},
        {{TY_DATETIME64, 0, 3}, {TY_DATETIME64, 0, 6}, 1, {TY_DATETIME64, 0, 6}},
        {{TY_NOTHING, 1, 0}, {TY_STRING, 0, 0}, 1, {TY_STRING, 1, 0}},
        {{TY_STRING, 0, 0}, {TY_INT8, 0, 0}, 0, {0, 0, 0}},
        {{TY_BOOL, 0, 0}, {TY_INT8, 0, 0}, 1, {TY_INT16, 0, 0}},
        {{TY_INTERVAL, 0, TY_UNIT_DAY}, {TY_INTERVAL, 0, TY_UNIT_HOUR}, 0, {0, 0, 0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ty got = {0, 0, 0};
        int rc = fn_common_type(cases[i].a, cases[i].b, &got);
        cr_assert_eq(rc == 0, cases[i].ok, "case %zu: rc %d", i, rc);
        if (cases[i].ok)
            cr_assert(ty_equal(got, cases[i].want), "case %zu: kind %d", i, got.kind);
    }
    cr_assert(fn_can_convert_implicitly((struct ty){TY_INT8, 0, 0}, (struct ty){TY_INT64, 0, 0}));
    cr_assert(fn_can_convert_implicitly((struct ty){TY_UINT32, 0, 0}, (struct ty){TY_FLOAT64, 0, 0}));
    cr_assert(fn_can_convert_implicitly((struct ty){TY_STRING, 0, 0}, (struct ty){TY_DATETIME, 0, 0}));
    cr_assert(fn_can_convert_implicitly((struct ty){TY_INT32, 0, 0}, (struct ty){TY_INT32, 1, 0}));
    cr_assert(fn_can_convert_implicitly((struct ty){TY_NOTHING, 1, 0}, (struct ty){TY_INT32, 1, 0}));
    cr_assert_not(fn_can_convert_implicitly((struct ty){TY_INT64, 0, 0}, (struct ty){TY_INT32, 0, 0}));
    cr_assert_not(fn_can_convert_implicitly((struct ty){TY_INT32, 1, 0}, (struct ty){TY_INT32, 0, 0}));
    cr_assert_not(fn_can_convert_implicitly((struct ty){TY_FLOAT64, 0, 0}, (struct ty){TY_INT64, 0, 0}));
    cr_assert_not(fn_can_convert_implicitly((struct ty){TY_INT8, 0, 0}, (struct ty){TY_UINT64, 0, 0}));
}

/* ---- arithmetic ------------------------------------------------------------- */

Test(func, arithmetic_result_types)
{
    EXPECT(CALL("plus", I8(127), I8(1)), "int16", "128");
    EXPECT(CALL("plus", U8(255), U8(1)), "uint16", "256");
    EXPECT(CALL("plus", U8(1), I8(-2)), "int16", "-1");
    EXPECT(CALL("plus", I32(1), I32(2)), "int64", "3");
    EXPECT(CALL("plus", I(INT64_MAX), I(1)), "int64", "-9223372036854775808");
    EXPECT(CALL("plus", U64(UINT64_MAX), I(1)), "int64", "0");
    EXPECT(CALL("plus", I(1), F32(0.5)), "float64", "1.5");
    EXPECT(CALL("plus", F32(0.5), F32(0.25)), "float64", "0.75");
    EXPECT(CALL("minus", U8(1), U8(2)), "int16", "-1");
    EXPECT(CALL("minus", U64(0), U64(1)), "int64", "-1");
    EXPECT(CALL("multiply", U8(200), U8(200)), "uint16", "40000");
    EXPECT(CALL("multiply", I(INT64_MAX), I(2)), "int64", "-2");
    EXPECT(CALL("multiply", B(1), U8(3)), "uint16", "3");
    EXPECT(CALL("divide", I(1), I(2)), "float64", "0.5");
    EXPECT(CALL("divide", I(1), I(0)), "float64", "inf");
    EXPECT(CALL("divide", I(0), I(0)), "float64", "nan");
    EXPECT(CALL("negate", U8(200)), "int16", "-200");
    EXPECT(CALL("negate", I8(-128)), "int8", "-128");
    EXPECT(CALL("negate", F(2.5)), "float64", "-2.5");
    EXPECT(CALL("abs", I8(-128)), "uint8", "128");
    EXPECT(CALL("abs", F32(-1.5)), "float32", "1.5");
    EXPECT(CALL("abs", U8(7)), "uint8", "7");
}

Test(func, int_div_and_modulo)
{
    EXPECT(CALL("int_div", I(7), I(2)), "int64", "3");
    EXPECT(CALL("int_div", I(-7), I(2)), "int64", "-3");
    EXPECT(CALL("int_div", U8(200), kint(TY_UINT16, 7)), "uint8", "28");
    EXPECT(CALL("int_div", U8(200), kint(TY_UINT16, 256)), "uint8", "0");
    EXPECT(CALL("int_div", I(INT64_MIN), I(-1)), "int64", "-9223372036854775808");
    EXPECT(CALL("int_div", F(10.5), I(3)), "int64", "3");
    EXPECT(CALL("modulo", kint(TY_UINT32, 1000), U8(7)), "uint8", "6");
    EXPECT(CALL("modulo", I32(-199), U8(200)), "int16", "-199");
    EXPECT(CALL("modulo", I(-7), I(3)), "int64", "-1");
    EXPECT(CALL("modulo", I(INT64_MIN), I(-1)), "int64", "0");
    EXPECT(CALL("modulo", F(7.5), I(2)), "float64", "1.5");
    EXPECT(CALL("int_div_or_zero", I(1), I(0)), "int64", "0");
    EXPECT(CALL("modulo_or_zero", I(1), I(0)), "int64", "0");
    EXPECT_FAIL(CALL("int_div", I(1), I(0)), "division by zero");
    EXPECT_FAIL(CALL("modulo", I(1), I(0)), "division by zero");
    EXPECT_FAIL(CALL("int_div", F(1), F(0)), "division by zero");
}

Test(func, arithmetic_bind_errors_name_the_argument)
{
    BIND_ERR("cannot add string and int64", 0, "plus", S("a"), I(1));
    BIND_ERR("cannot add int64 and string", 1, "plus", I(1), S("a"));
    BIND_ERR("cannot subtract string from int64", 1, "minus", I(1), S("a"));
    BIND_ERR("cannot multiply", 0, "multiply", S("a"), I(1));
    BIND_ERR("negate expects a number as argument 1, got string", 0, "negate", S("x"));
    BIND_ERR("abs expects a number", 0, "abs", DT("2024-01-01 00:00:00"));
    BIND_ERR("cannot subtract", 1, "minus", IV(TY_UNIT_DAY, 1), DT("2024-01-01 00:00:00"));
}

Test(func, datetime_arithmetic)
{
    EXPECT(CALL("plus", DT("2024-07-10 00:00:00"), I(61)), "datetime", "2024-07-10 00:01:01");
    EXPECT(CALL("plus", I(1), DT("2024-07-10 00:00:00")), "datetime", "2024-07-10 00:00:01");
    EXPECT(CALL("minus", DT("2024-07-10 00:00:00"), IV(TY_UNIT_HOUR, 1)), "datetime",
           "2024-07-09 23:00:00");
    EXPECT(CALL("plus", DT("2024-07-10 00:00:00"), IV(TY_UNIT_MINUTE, 5)), "datetime",
           "2024-07-10 00:05:00");
    EXPECT(CALL("plus", IV(TY_UNIT_WEEK, 1), DT("2024-07-10 00:00:00")), "datetime",
           "2024-07-17 00:00:00");
    EXPECT(CALL("plus", DT("2024-01-31 10:00:00"), IV(TY_UNIT_MONTH, 1)), "datetime",
           "2024-02-29 10:00:00");
    EXPECT(CALL("minus", DT("2024-03-31 10:00:00"), IV(TY_UNIT_QUARTER, 1)), "datetime",
           "2023-12-31 10:00:00");
    EXPECT(CALL("plus", DATE("2024-02-29"), IV(TY_UNIT_YEAR, 1)), "date", "2025-02-28");
    EXPECT(CALL("plus", DATE("2024-02-29"), I(1)), "date", "2024-03-01");
    EXPECT(CALL("plus", DATE("2024-02-29"), IV(TY_UNIT_HOUR, 25)), "datetime",
           "2024-03-01 01:00:00");
    EXPECT(CALL("plus", DT("2024-07-10 00:00:00"), IV(TY_UNIT_MILLISECOND, 1500)),
           "datetime64(3)", "2024-07-10 00:00:01.500");
    EXPECT(CALL("plus", DT64("2024-07-10 00:00:00.250", 3), IV(TY_UNIT_SECOND, 2)),
           "datetime64(3)", "2024-07-10 00:00:02.250");
    EXPECT(CALL("plus", DT64("2024-07-10 00:00:00.250", 3), I(2)), "datetime64(3)",
           "2024-07-10 00:00:02.250");
    EXPECT(CALL("minus", DT64("2024-03-31 00:00:00.5", 1), IV(TY_UNIT_MONTH, 1)),
           "datetime64(1)", "2024-02-29 00:00:00.5");
    EXPECT(CALL("minus", CALL0("now"), IV(TY_UNIT_HOUR, 1)), "datetime", "2024-07-10 11:34:56");
    EXPECT(CALL("minus", DT("2024-07-10 00:00:10"), DT("2024-07-10 00:00:00")), "int64", "10");
    EXPECT(CALL("minus", DATE("2024-07-10"), DATE("2024-07-01")), "int32", "9");
    EXPECT(CALL("plus", IV(TY_UNIT_DAY, 2), IV(TY_UNIT_DAY, 3)), "interval_day", "5");
    EXPECT(CALL("multiply", IV(TY_UNIT_MINUTE, 5), I(3)), "interval_minute", "15");
    EXPECT(CALL("negate", IV(TY_UNIT_MINUTE, 5)), "interval_minute", "-5");
    EXPECT(CALL("to_interval_second", U8(5)), "interval_second", "5");
    EXPECT(CALL("to_interval_day", F(2.7)), "interval_day", "2");
    BIND_ERR("cannot add", 1, "plus", IV(TY_UNIT_DAY, 2), IV(TY_UNIT_HOUR, 3));
    BIND_ERR("cannot subtract", 1, "minus", DT64("2024-07-10 00:00:00", 3),
             DT64("2024-07-10 00:00:00", 3));
}

Test(func, interval_ticks_for_windows)
{
    int64_t t = 0;
    cr_assert_eq(fn_interval_ticks((struct ty){TY_INTERVAL, 0, TY_UNIT_SECOND}, 5, 3, &t), 0);
    cr_assert_eq(t, 5000);
    cr_assert_eq(fn_interval_ticks((struct ty){TY_INTERVAL, 0, TY_UNIT_HOUR}, 2, 0, &t), 0);
    cr_assert_eq(t, 7200);
    cr_assert_eq(fn_interval_ticks((struct ty){TY_INTERVAL, 0, TY_UNIT_WEEK}, 1, 9, &t), 0);
    cr_assert_eq(t, 604800000000000LL);
    cr_assert_eq(fn_interval_ticks((struct ty){TY_INTERVAL, 0, TY_UNIT_MILLISECOND}, 1500, 0, &t), 0);
    cr_assert_eq(t, 1, "sub-tick parts truncate");
    cr_assert_eq(fn_interval_ticks((struct ty){TY_INTERVAL, 0, TY_UNIT_DAY}, 200000, 3, &t), 0,
                 "past int64 nanoseconds, still fine in milliseconds");
    cr_assert_eq(t, 200000LL * 86400000);
    cr_assert_eq(fn_interval_ticks((struct ty){TY_INTERVAL, 0, TY_UNIT_MONTH}, 1, 3, &t), -EINVAL);
    cr_assert_eq(fn_interval_ticks((struct ty){TY_INT64, 0, 0}, 1, 3, &t), -EINVAL);
    cr_assert_eq(fn_interval_ticks((struct ty){TY_INTERVAL, 0, TY_UNIT_YEAR - 3}, INT64_MAX, 3, &t),
                 -ERANGE);
}

/* ---- comparison ------------------------------------------------------------- */

Test(func, comparisons_by_value)
{
    EXPECT(CALL("equals", I8(-1), U8(255)), "uint8", "0");
    EXPECT(CALL("less", I8(-1), U8(255)), "uint8", "1");
    EXPECT(CALL("less", I(-1), U64(UINT64_MAX)), "uint8", "1");
    EXPECT(CALL("greater", U64(UINT64_MAX), I(-1)), "uint8", "1");
    EXPECT(CALL("equals", U64(5), I(5)), "uint8", "1");
    EXPECT(CALL("less_or_equals", U64(5), I(5)), "uint8", "1");
    EXPECT(CALL("greater_or_equals", I(4), U64(5)), "uint8", "0");
    EXPECT(CALL("not_equals", U64(5), I(-5)), "uint8", "1");
    EXPECT(CALL("equals", I(1), F(1.0)), "uint8", "1");
    EXPECT(CALL("less", F32(0.5), I(1)), "uint8", "1");
    EXPECT(CALL("equals", F(NAN), F(NAN)), "uint8", "0");
    EXPECT(CALL("equals", B(1), U8(1)), "uint8", "1");
    EXPECT(CALL("less", S("abc"), S("abd")), "uint8", "1");
    EXPECT(CALL("less", S("ab"), S("abc")), "uint8", "1");
    EXPECT(CALL("greater", S("b"), S("abc")), "uint8", "1");
    EXPECT(CALL("equals", S(""), S("")), "uint8", "1");
    EXPECT(CALL("not_equals", S("a"), S("ab")), "uint8", "1");
    EXPECT(CALL("greater_or_equals", S("a"), S("a")), "uint8", "1");
    EXPECT(CALL("less_or_equals", S("b"), S("a")), "uint8", "0");
}

Test(func, comparisons_of_times)
{
    EXPECT(CALL("equals", DT("2024-07-10 00:00:00"), S("2024-07-10 00:00:00")), "uint8", "1");
    EXPECT(CALL("less", S("2024-07-09"), DT("2024-07-10 00:00:00")), "uint8", "1");
    EXPECT(CALL("equals", DATE("2024-07-10"), DT("2024-07-10 00:00:00")), "uint8", "1");
    EXPECT(CALL("less", DT("2024-07-10 00:00:00"), DT64("2024-07-10 00:00:00.001", 3)), "uint8", "1");
    EXPECT(CALL("greater", DT64("2024-07-10 00:00:00.5", 1), DT64("2024-07-10 00:00:00.25", 2)),
           "uint8", "1");
    EXPECT(CALL("greater", DT("2024-07-10 00:00:00"), I(1700000000)), "uint8", "1");
    EXPECT(CALL("equals", I(3), S("3")), "uint8", "1");
    EXPECT(CALL("less", IV(TY_UNIT_SECOND, 3), IV(TY_UNIT_SECOND, 4)), "uint8", "1");
    BIND_ERR("equals cannot compare string and int64", 1, "equals",
             COL(0, (struct ty){TY_STRING, 0, 0}), I(3));
    BIND_ERR("cannot parse 'soon' as datetime", 1, "less", DT("2024-07-10 00:00:00"), S("soon"));
    BIND_ERR("less cannot compare date and bool", 1, "less", DATE("2024-07-10"), B(1));
}

/* ---- logic and conditionals --------------------------------------------------- */

Test(func, three_valued_logic)
{
    EXPECT(CALL("and", U8(1), U8(2)), "uint8", "1");
    EXPECT(CALL("and", I(1), I(0)), "uint8", "0");
    EXPECT(CALL("and", NUL(), U8(0)), "nullable(uint8)", "0");
    EXPECT(CALL("and", NUL(), U8(1)), "nullable(uint8)", "NULL");
    EXPECT(CALL("and", B(1), B(1), B(1)), "bool", "true");
    EXPECT(CALL("or", NUL(), U8(1)), "nullable(uint8)", "1");
    EXPECT(CALL("or", NUL(), U8(0)), "nullable(uint8)", "NULL");
    EXPECT(CALL("or", F(0.0), F(0.5)), "uint8", "1");
    EXPECT(CALL("or", U8(0), U8(0)), "uint8", "0");
    EXPECT(CALL("xor", U8(1), U8(1), U8(1)), "uint8", "1");
    EXPECT(CALL("xor", U8(1), NUL()), "nullable(nothing)", "NULL");
    EXPECT(CALL("not", U8(0)), "uint8", "1");
    EXPECT(CALL("not", I(256)), "uint8", "0");
    EXPECT(CALL("not", B(1)), "bool", "false");
    EXPECT(CALL("not", CALL("to_int32_or_null", S("x"))), "nullable(uint8)", "NULL");
    BIND_ERR("and expects a number or bool as argument 2, got string", 1, "and", U8(1), S("x"));
}

Test(func, if_and_multi_if)
{
    EXPECT(CALL("if", U8(1), I8(1), U8(200)), "int16", "1");
    EXPECT(CALL("if", U8(0), I8(1), U8(200)), "int16", "200");
    EXPECT(CALL("if", NUL(), S("a"), S("b")), "string", "b");
    EXPECT(CALL("if", U8(1), NUL(), S("b")), "nullable(string)", "NULL");
    EXPECT(CALL("if", U8(0), NUL(), S("b")), "nullable(string)", "b");
    EXPECT(CALL("if", I(5), DATE("2024-07-10"), DT("2024-07-10 01:00:00")), "datetime",
           "2024-07-10 00:00:00");
    EXPECT(CALL("multi_if", U8(0), S("a"), U8(1), S("b"), S("c")), "string", "b");
    EXPECT(CALL("multi_if", U8(1), S("a"), U8(1), S("b"), S("c")), "string", "a");
    EXPECT(CALL("multi_if", U8(0), I(1), U8(0), I(2), F(2.5)), "float64", "2.5");
    EXPECT(CALL("multiIf", CALL("to_int32_or_null", S("x")), I(1), I(2)), "int64", "2");
    BIND_ERR("no common type", 2, "if", U8(1), S("a"), I(1));
    BIND_ERR("odd number of arguments", -1, "multi_if", U8(1), S("a"), U8(0), S("b"));
}

Test(func, null_functions)
{
    EXPECT(CALL("coalesce", NUL(), I8(3), I(4)), "int64", "3");
    EXPECT(CALL("coalesce", NUL(), CALL("to_int32_or_null", S("x"))), "nullable(int32)", "NULL");
    EXPECT(CALL("coalesce", CALL("to_int32_or_null", S("x")), I32(7)), "int32", "7");
    EXPECT(CALL("coalesce", CALL("to_int32_or_null", S("5")), I32(7)), "int32", "5");
    EXPECT(CALL("if_null", NUL(), S("d")), "string", "d");
    EXPECT(CALL("null_if", I(1), I(1)), "nullable(int64)", "NULL");
    EXPECT(CALL("null_if", I(1), I(2)), "nullable(int64)", "1");
    EXPECT(CALL("null_if", S("a"), S("a")), "nullable(string)", "NULL");
    EXPECT(CALL("null_if", S("a"), NUL()), "nullable(string)", "a");
    EXPECT(CALL("null_if", NUL(), I(1)), "nullable(uint8)", "NULL");
    EXPECT(CALL("is_null", NUL()), "uint8", "1");
    EXPECT(CALL("is_null", I(1)), "uint8", "0");
    EXPECT(CALL("is_not_null", CALL("to_int32_or_null", S("x"))), "uint8", "0");
    EXPECT(CALL("is_not_null", S("")), "uint8", "1");
    EXPECT(CALL("assume_not_null", CALL("to_int32_or_null", S("9"))), "int32", "9");
    EXPECT(CALL("assume_not_null", CALL("to_int32_or_null", S("?"))), "int32", "0");
    /* NULL in, NULL out for everything else */
    EXPECT(CALL("plus", NUL(), I(1)), "nullable(nothing)", "NULL");
    EXPECT(CALL("plus", CALL("to_int32_or_null", S("x")), I(1)), "nullable(int64)", "NULL");
    EXPECT(CALL("int_div", CALL("to_int32_or_null", S("x")), I(0)), "nullable(int32)", "NULL");
    BIND_ERR("no common type", 1, "coalesce", S("a"), I(1));
}

/* ---- folding and constants ------------------------------------------------------ */

Test(func, constant_folding)
{
    /* constant arguments are folded when the call is built: errors surface then */
    BIND_ERR("division by zero in int_div", 0, "plus", CALL("int_div", I(1), I(0)), I(1));
    BIND_ERR("cannot parse 'abc' as int32", 1, "concat", S("x"), CALL("to_int32", S("abc")));
    struct xpr *iv = CALL("to_start_of_interval", COL(0, (struct ty){TY_DATETIME, 0, 0}),
                          CALL("to_interval_minute", U8(5)));
    cr_assert_eq(iv->args[1]->kind, XPR_CONST, "the interval literal was folded");
    xpr_destroy(iv);

    struct xpr *x = CALL("plus", CALL("multiply", I(6), I(7)), U8(0));
    cr_assert(xpr_is_const(x));
    struct val v;
    char *arena;
    cr_assert_eq(xpr_fold(x, &ctx, &v, &arena), 0);
    cr_assert_eq(v.ty.kind, TY_INT64);
    cr_assert_eq(v.v.i, 42);
    cr_assert_null(arena);
    xpr_destroy(x);

    x = CALL("concat", S("a"), I(1));
    cr_assert_eq(xpr_fold(x, &ctx, &v, &arena), 0);
    cr_assert_eq(v.v.s.n, 2);
    cr_assert_eq(memcmp(v.v.s.p, "a1", 2), 0);
    cr_assert_eq(v.v.s.p, arena, "strings are copied to the arena");
    free(arena);
    xpr_destroy(x);

    /* a constant converted for a binding is folded at bind time */
    x = CALL("plus", COL(0, (struct ty){TY_INT32, 0, 0}), U8(1));
    cr_assert_not(xpr_is_const(x));
    cr_assert_eq(x->args[1]->kind, XPR_CONST, "the literal 1 was converted once");
    cr_assert_eq(x->args[1]->ty.kind, TY_INT64);
    xpr_destroy(x);

    /* per-row functions are never constant; now() is, once per statement */
    x = CALL0("rand");
    cr_assert_not(xpr_is_const(x));
    xpr_destroy(x);
    x = CALL0("now");
    cr_assert(xpr_is_const(x));
    EXPECT(x, "datetime", "2024-07-10 12:34:56");
}

/* ---- whole columns ---------------------------------------------------------------- */

#define NROWS 5000

/* Columns a int32 nullable (NULL every 7th row), b int16, s string. */
static struct blk *make_block(void)
{
    struct ty t[3] = {{TY_INT32, 1, 0}, {TY_INT16, 0, 0}, {TY_STRING, 0, 0}};
    struct blk *b = NULL;
    cr_assert_eq(blk_create(t, 3, &b), 0);
    for (int32_t i = 0; i < NROWS; i++) {
        int32_t a = i * 7919 - 20000000;
        int16_t c = (int16_t)(i % 201 - 100);
        char s[16];
        int n = snprintf(s, sizeof s, "%d", i % 50);
        cr_assert_eq(i % 7 == 3 ? col_push_null(&b->cols[0]) : col_push_fixed(&b->cols[0], &a), 0);
        cr_assert_eq(col_push_fixed(&b->cols[1], &c), 0);
        cr_assert_eq(col_push_str(&b->cols[2], s, (size_t)n), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    return b;
}

static struct col *eval(struct xpr *x, const struct blk *b)
{
    struct col *c = NULL;
    int owned = 0;
    int rc = xpr_eval(x, &ctx, b, &c, &owned);
    cr_assert_eq(rc, 0, "eval: %s", ctx.err);
    cr_assert(owned);
    cr_assert_eq(c->n, b->nrows);
    return c;
}

Test(func, vectorized_arithmetic_matches_rows)
{
    struct blk *b = make_block();
    struct ty ta = b->cols[0].ty, tb = b->cols[1].ty;
    /* (a * b - 3) % (b | 1 via if) and a comparison, over every row */
    struct xpr *x = CALL("modulo", CALL("minus", CALL("multiply", COL(0, ta), COL(1, tb)), I(3)),
                         CALL("if", CALL("equals", COL(1, tb), U8(0)), I8(1), COL(1, tb)));
    struct xpr *y = CALL("greater", COL(0, ta), CALL("multiply", COL(1, tb), I32(100000)));
    struct col *cx = eval(x, b), *cy = eval(y, b);
    cr_assert_eq(cx->ty.kind, TY_INT32, "int64 %% int16 is int32");
    cr_assert(cx->ty.nullable);
    for (uint32_t i = 0; i < NROWS; i++) {
        int64_t a = i * 7919LL - 20000000, c = (int16_t)(i % 201 - 100);
        int null = i % 7 == 3;
        cr_assert_eq(col_is_null(cx, i), null, "row %u", i);
        cr_assert_eq(col_is_null(cy, i), null, "row %u", i);
        if (null)
            continue;
        int64_t d = c == 0 ? 1 : c;
        cr_assert_eq(COL_AT(cx, int32_t, i), (int32_t)((a * c - 3) % d), "row %u", i);
        cr_assert_eq(COL_AT(cy, uint8_t, i), a > c * 100000, "row %u", i);
    }
    col_delete(cx);
    col_delete(cy);
    xpr_destroy(x);
    xpr_destroy(y);

    /* strings parsed per row; the constant side materialized once */
    x = CALL("plus", CALL("to_int32", COL(2, b->cols[2].ty)), I(1));
    cx = eval(x, b);
    for (uint32_t i = 0; i < NROWS; i++)
        cr_assert_eq(COL_AT(cx, int64_t, i), i % 50 + 1);
    col_delete(cx);
    /* evaluating again reuses the cached constant */
    cx = eval(x, b);
    cr_assert_eq(COL_AT(cx, int64_t, NROWS - 1), (NROWS - 1) % 50 + 1);
    col_delete(cx);
    xpr_destroy(x);
    blk_unref(b);
}

Test(func, vectorized_errors_and_nulls)
{
    struct blk *b = make_block();
    /* division by a column that is zero at some rows fails the block */
    struct xpr *x = CALL("int_div", I(1), COL(1, b->cols[1].ty));
    struct col *c = NULL;
    int owned;
    cr_assert_eq(xpr_eval(x, &ctx, b, &c, &owned), -EINVAL);
    cr_assert(strstr(fn_error(&ctx), "division by zero"));
    cr_assert(strncmp(fn_error(&ctx), "line ", 5) != 0, "%s", fn_error(&ctx));
    xpr_destroy(x);
    /* a call that knows its place in the SQL reports the failure there,
     * also when it comes from inside one of its arguments */
    x = CALL("plus", I(1), CALL("int_div", I(1), COL(1, b->cols[1].ty)));
    x->line = 2;
    x->col_no = 9;
    cr_assert_eq(xpr_eval(x, &ctx, b, &c, &owned), -EINVAL);
    cr_assert_str_eq(fn_error(&ctx), "line 2, column 9: division by zero in int_div");
    x->args[1]->line = 3;
    x->args[1]->col_no = 4;
    cr_assert_eq(xpr_eval(x, &ctx, b, &c, &owned), -EINVAL);
    cr_assert_str_eq(fn_error(&ctx), "line 3, column 4: division by zero in int_div");
    xpr_destroy(x);
    /* ... but not at rows where the dividend is NULL */
    x = CALL("int_div", COL(0, b->cols[0].ty), CALL("null_if", COL(1, b->cols[1].ty), I8(0)));
    c = eval(x, b);
    for (uint32_t i = 0; i < NROWS; i++)
        cr_assert_eq(col_is_null(c, i), i % 7 == 3 || i % 201 == 100, "row %u", i);
    col_delete(c);
    xpr_destroy(x);
    /* a string column that does not parse fails the block, naming the value;
     * the _or_null variant marks the row instead */
    struct blk *sb = block1((struct ty){TY_STRING, 0, 0});
    cr_assert_eq(col_push_str(&sb->cols[0], "17", 2), 0);
    cr_assert_eq(col_push_str(&sb->cols[0], "1x", 2), 0);
    cr_assert_eq(blk_seal(sb), 0);
    x = CALL("to_int32", COL(0, sb->cols[0].ty));
    cr_assert_eq(xpr_eval(x, &ctx, sb, &c, &owned), -EINVAL);
    cr_assert(strstr(fn_error(&ctx), "cannot parse '1x' as int32"), "%s", fn_error(&ctx));
    xpr_destroy(x);
    x = CALL("to_int32_or_null", COL(0, sb->cols[0].ty));
    c = eval(x, sb);
    cr_assert_eq(COL_AT(c, int32_t, 0), 17);
    cr_assert_not(col_is_null(c, 0));
    cr_assert(col_is_null(c, 1));
    col_delete(c);
    xpr_destroy(x);
    blk_unref(sb);
    /* coalesce fills the NULLs */
    x = CALL("coalesce", COL(0, b->cols[0].ty), I32(-1));
    c = eval(x, b);
    cr_assert_null(c->nulls);
    for (uint32_t i = 0; i < NROWS; i++)
        cr_assert_eq(COL_AT(c, int32_t, i), i % 7 == 3 ? -1 : (int32_t)(i * 7919 - 20000000));
    col_delete(c);
    xpr_destroy(x);
    /* and / or over a nullable column */
    x = CALL("or", CALL("greater", COL(0, b->cols[0].ty), I(0)), CALL("less", COL(1, b->cols[1].ty), I(-90)));
    c = eval(x, b);
    for (uint32_t i = 0; i < NROWS; i++) {
        int64_t a = i * 7919LL - 20000000, s = (int16_t)(i % 201 - 100);
        int right = s < -90, left_null = i % 7 == 3;
        int want_null = left_null && !right;
        cr_assert_eq(col_is_null(c, i), want_null, "row %u", i);
        if (!want_null)
            cr_assert_eq(COL_AT(c, uint8_t, i), right || (!left_null && a > 0), "row %u", i);
    }
    col_delete(c);
    xpr_destroy(x);
    blk_unref(b);
}

/* if / multi_if / and / or evaluate an argument only for the rows that
 * need it, so a division guarded by a condition never divides by zero */
Test(func, short_circuit_skips_rows_that_are_not_needed)
{
    struct blk *b = make_block(); /* col 1: int16, zero at rows where i % 201 == 100 */
    struct ty t1 = b->cols[1].ty;
    struct xpr *x = CALL("if", CALL("equals", COL(1, t1), I(0)), I(-1),
                         CALL("int_div", I(1000), COL(1, t1)));
    struct col *c = eval(x, b);
    for (uint32_t i = 0; i < NROWS; i++) {
        int16_t v = (int16_t)(i % 201 - 100);
        cr_assert_eq(COL_AT(c, int64_t, i), v == 0 ? -1 : 1000 / v, "row %u", i);
    }
    col_delete(c);
    xpr_destroy(x);
    /* a later condition is only looked at where the earlier ones were false */
    x = CALL("multi_if", CALL("equals", COL(1, t1), I(0)), S("zero"),
             CALL("greater", CALL("int_div", I(100), COL(1, t1)), I(0)), S("pos"), S("neg"));
    c = eval(x, b);
    for (uint32_t i = 0; i < NROWS; i++) {
        int16_t v = (int16_t)(i % 201 - 100);
        size_t len;
        const char *s = col_str(c, i, &len);
        const char *want = v == 0 ? "zero" : v > 0 ? "pos" : "neg";
        cr_assert(len == strlen(want) && !memcmp(s, want, len), "row %u", i);
    }
    col_delete(c);
    xpr_destroy(x);
    /* and stops at false: v != 0 and 100 / v > 1; or at true: v = 0 or 100 / v > 1 */
    for (int is_or = 0; is_or <= 1; is_or++) {
        x = CALL(is_or ? "or" : "and", CALL(is_or ? "equals" : "not_equals", COL(1, t1), I(0)),
                 CALL("greater", CALL("int_div", I(100), COL(1, t1)), I(1)));
        c = eval(x, b);
        for (uint32_t i = 0; i < NROWS; i++) {
            int16_t v = (int16_t)(i % 201 - 100);
            int want = is_or ? v == 0 || 100 / v > 1 : v != 0 && 100 / v > 1;
            cr_assert_eq(COL_AT(c, uint8_t, i), want, "%s, row %u", is_or ? "or" : "and", i);
        }
        col_delete(c);
        xpr_destroy(x);
    }
    /* a row that takes the failing branch still fails */
    x = CALL("if", CALL("greater", COL(1, t1), I(50)), I(0), CALL("int_div", I(1), COL(1, t1)));
    int owned;
    cr_assert_eq(xpr_eval(x, &ctx, b, &c, &owned), -EINVAL);
    cr_assert(strstr(fn_error(&ctx), "division by zero"), "%s", fn_error(&ctx));
    xpr_destroy(x);
    blk_unref(b);
}
