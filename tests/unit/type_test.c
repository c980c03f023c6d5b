/*
 * type_test.c — SQL column types (types/type.h): every kind's name and
 * width, the aliases, case-insensitivity, datetime64 precisions 0..9 and
 * the bad ones, the predicates, and ty_parse(ty_name(t)) == t for every
 * kind, nullable and not.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "types/type.h"

struct kind_case {
    const char *name;
    uint8_t kind;
    size_t width;
};

static const struct kind_case kinds[] = {
    {"bool", TY_BOOL, 1},       {"int8", TY_INT8, 1},        {"int16", TY_INT16, 2},
    {"int32", TY_INT32, 4},     {"int64", TY_INT64, 8},      {"uint8", TY_UINT8, 1},
    {"uint16", TY_UINT16, 2},   {"uint32", TY_UINT32, 4},    {"uint64", TY_UINT64, 8},
    {"float32", TY_FLOAT32, 4}, {"float64", TY_FLOAT64, 8},  {"string", TY_STRING, 0},
    {"datetime", TY_DATETIME, 4}, {"datetime64", TY_DATETIME64, 8}, {"date", TY_DATE, 2},
    {"nothing", TY_NOTHING, 1}, {"interval_second", TY_INTERVAL, 8},
    {"decimal", TY_DECIMAL, 8},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static struct ty from_name_ok(const char *name)
{
    struct ty t = {0xee, 0xee, 0xee};
    int rc = ty_from_name(name, strlen(name), NULL, 0, &t);
    cr_assert_eq(rc, 0, "ty_from_name(\"%s\") = %d", name, rc);
    return t;
}

static void from_name_bad(const char *name, const int64_t *params, int nparams)
{
    struct ty t = {0xee, 0xee, 0xee};
    int rc = ty_from_name(name, strlen(name), params, nparams, &t);
    cr_assert_eq(rc, -EINVAL, "ty_from_name(\"%s\", %d params) = %d, want -EINVAL", name, nparams,
                 rc);
    cr_assert_eq(t.kind, 0xee, "out untouched on failure");
}

static struct ty parse_ok(const char *s)
{
    struct ty t = {0xee, 0xee, 0xee};
    int rc = ty_parse(s, &t);
    cr_assert_eq(rc, 0, "ty_parse(\"%s\") = %d", s, rc);
    return t;
}

static void parse_bad(const char *s)
{
    struct ty t = {0, 0, 0};
    int rc = ty_parse(s, &t);
    cr_assert_eq(rc, -EINVAL, "ty_parse(\"%s\") = %d, want -EINVAL (kind %d prec %d)", s, rc,
                 t.kind, t.prec);
}

static void expect_name(struct ty t, const char *want)
{
    char out[TY_MAX_NAME];
    ty_name(t, out);
    cr_assert_str_eq(out, want);
}

Test(type, every_kind_by_name)
{
    for (size_t i = 0; i < NKINDS; i++) {
        struct ty t = from_name_ok(kinds[i].name);
        cr_assert_eq(t.kind, kinds[i].kind, "%s", kinds[i].name);
        cr_assert_eq(t.nullable, 0, "%s", kinds[i].name);
        cr_assert_eq(t.prec,
                     kinds[i].kind == TY_DATETIME64  ? 3
                     : kinds[i].kind == TY_INTERVAL ? TY_UNIT_SECOND
                     : kinds[i].kind == TY_DECIMAL  ? 10 /* decimal = decimal(10, 0) */
                                                    : 0,
                     "%s", kinds[i].name);
        cr_assert_eq(t.scale, 0, "%s", kinds[i].name);
        cr_assert_eq(ty_width(t), kinds[i].width, "width of %s", kinds[i].name);
    }
}

Test(type, kinds_cover_the_enum)
{
    /* every enum value but TY_ARRAY has a row above, so the round-trip
     * tests see all; arrays (a type built on the others) have their own */
    cr_assert_eq(NKINDS, TY_KIND_END - 2);
}

Test(type, aliases)
{
    static const struct {
        const char *alias;
        uint8_t kind;
    } al[] = {
        {"boolean", TY_BOOL}, {"float", TY_FLOAT32}, {"double", TY_FLOAT64},
        {"tinyint", TY_INT8}, {"smallint", TY_INT16}, {"int", TY_INT32},
        {"integer", TY_INT32}, {"bigint", TY_INT64},
    };
    for (size_t i = 0; i < sizeof(al) / sizeof(al[0]); i++) {
        struct ty t = from_name_ok(al[i].alias);
        cr_assert_eq(t.kind, al[i].kind, "%s", al[i].alias);
        cr_assert_eq(t.nullable, 0);
    }
    /* aliases render under their canonical name */
    expect_name(from_name_ok("double"), "float64");
    expect_name(from_name_ok("BIGINT"), "int64");
}

Test(type, case_insensitive)
{
    cr_assert_eq(from_name_ok("INT32").kind, TY_INT32);
    cr_assert_eq(from_name_ok("Int32").kind, TY_INT32);
    cr_assert_eq(from_name_ok("DateTime64").kind, TY_DATETIME64);
    cr_assert_eq(from_name_ok("DATETIME").kind, TY_DATETIME);
    cr_assert_eq(from_name_ok("String").kind, TY_STRING);
    cr_assert_eq(from_name_ok("UInt64").kind, TY_UINT64);
    cr_assert_eq(from_name_ok("Float64").kind, TY_FLOAT64);
    cr_assert_eq(from_name_ok("Bool").kind, TY_BOOL);
    cr_assert_eq(from_name_ok("Integer").kind, TY_INT32);
    struct ty t = parse_ok("Nullable(DateTime64(6))");
    cr_assert_eq(t.kind, TY_DATETIME64);
    cr_assert_eq(t.nullable, 1);
    cr_assert_eq(t.prec, 6);
    expect_name(t, "nullable(datetime64(6))");
}

Test(type, name_uses_length_not_nul)
{
    struct ty t;
    /* "int8" out of "int8xyz": only the first 4 bytes count */
    cr_assert_eq(ty_from_name("int8xyz", 4, NULL, 0, &t), 0);
    cr_assert_eq(t.kind, TY_INT8);
    cr_assert_eq(ty_from_name("int64", 3, NULL, 0, &t), 0, "3 bytes: the alias 'int'");
    cr_assert_eq(t.kind, TY_INT32);
    cr_assert_eq(ty_from_name("uint8", 2, NULL, 0, &t), -EINVAL);
}

Test(type, unknown_names)
{
    from_name_bad("", NULL, 0);
    from_name_bad("int33", NULL, 0);
    from_name_bad("strin", NULL, 0);
    from_name_bad("stringg", NULL, 0);
    from_name_bad("nullable", NULL, 0);
    from_name_bad("decimal33", NULL, 0);
    from_name_bad("decimal16", NULL, 0);
    from_name_bad(" int8", NULL, 0);
    from_name_bad("int8 ", NULL, 0);
}

Test(type, datetime64_precisions)
{
    for (int64_t p = 0; p <= 9; p++) {
        struct ty t = {0, 0, 0};
        cr_assert_eq(ty_from_name("datetime64", 10, &p, 1, &t), 0, "precision %lld", (long long)p);
        cr_assert_eq(t.kind, TY_DATETIME64);
        cr_assert_eq(t.prec, p);
        cr_assert_eq(ty_width(t), 8);
        char want[TY_MAX_NAME];
        snprintf(want, sizeof(want), "datetime64(%d)", (int)p);
        expect_name(t, want);
    }
    struct ty d = from_name_ok("datetime64");
    cr_assert_eq(d.prec, 3, "default precision is 3");
}

Test(type, datetime64_bad_precisions)
{
    const int64_t bad[] = {-1, 10, 18, 255, 256, -256, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        from_name_bad("datetime64", &bad[i], 1);
    const int64_t two[] = {3, 3};
    from_name_bad("datetime64", two, 2);
}

Test(type, params_only_for_datetime64)
{
    const int64_t p = 3;
    for (size_t i = 0; i < NKINDS; i++)
        if (kinds[i].kind != TY_DATETIME64 && kinds[i].kind != TY_DECIMAL)
            from_name_bad(kinds[i].name, &p, 1);
    from_name_bad("int", &p, 1);
}

Test(type, predicates)
{
    for (size_t i = 0; i < NKINDS; i++) {
        struct ty t = {kinds[i].kind, 0, 0};
        uint8_t k = kinds[i].kind;
        int is_int = k >= TY_INT8 && k <= TY_UINT64;
        int is_signed = k >= TY_INT8 && k <= TY_INT64;
        int is_float = k == TY_FLOAT32 || k == TY_FLOAT64;
        cr_assert_eq(!!ty_is_int(t), is_int, "%s", kinds[i].name);
        cr_assert_eq(!!ty_is_signed(t), is_signed, "%s", kinds[i].name);
        cr_assert_eq(!!ty_is_float(t), is_float, "%s", kinds[i].name);
        t.nullable = 1;
        cr_assert_eq(!!ty_is_int(t), is_int, "nullable %s", kinds[i].name);
        cr_assert_eq(ty_width(t), kinds[i].width, "nullable does not change the width");
    }
    cr_assert_not(ty_is_int((struct ty){TY_BOOL, 0, 0}), "bool is not an integer type");
}

Test(type, equality)
{
    struct ty a = {TY_INT32, 0, 0}, b = {TY_INT32, 0, 0};
    cr_assert(ty_equal(a, b));
    b.nullable = 1;
    cr_assert_not(ty_equal(a, b));
    cr_assert_not(ty_equal((struct ty){TY_INT32, 0, 0}, (struct ty){TY_UINT32, 0, 0}));
    cr_assert(ty_equal((struct ty){TY_DATETIME64, 0, 3}, (struct ty){TY_DATETIME64, 0, 3}));
    cr_assert_not(ty_equal((struct ty){TY_DATETIME64, 0, 3}, (struct ty){TY_DATETIME64, 0, 6}));
    cr_assert(ty_equal((struct ty){TY_STRING, 1, 0}, (struct ty){TY_STRING, 1, 0}));
}

Test(type, render_names)
{
    expect_name((struct ty){TY_UINT16, 0, 0}, "uint16");
    expect_name((struct ty){TY_STRING, 1, 0}, "nullable(string)");
    expect_name((struct ty){TY_DATETIME, 1, 0}, "nullable(datetime)");
    expect_name((struct ty){TY_DATETIME64, 0, 0}, "datetime64(0)");
    expect_name((struct ty){TY_DATETIME64, 1, 9}, "nullable(datetime64(9))");
    expect_name((struct ty){TY_BOOL, 0, 0}, "bool");
}

Test(type, parse_name_round_trip_every_kind)
{
    for (size_t i = 0; i < NKINDS; i++)
        for (int nullable = 0; nullable <= 1; nullable++) {
            int dec = kinds[i].kind == TY_DECIMAL;
            int maxp = kinds[i].kind == TY_DATETIME64 ? 9
                       : kinds[i].kind == TY_INTERVAL ? TY_UNIT_END - 1
                       : dec                          ? TY_DECIMAL_MAX_PREC
                                                      : 0;
            for (int p = dec; p <= maxp; p++) {
                /* decimals: scales 0, p / 2 and p by turns */
                int sc = dec ? (p % 3 == 0 ? 0 : p % 3 == 1 ? p / 2 : p) : 0;
                struct ty t = {kinds[i].kind, (uint8_t)nullable, (uint8_t)p, (uint8_t)sc};
                char name[TY_MAX_NAME];
                ty_name(t, name);
                cr_assert_eq(strncmp(name, "nullable(", 9) == 0, nullable, "%s", name);
                struct ty back = parse_ok(name);
                cr_assert_eq(back.kind, t.kind, "%s", name);
                cr_assert_eq(back.nullable, t.nullable, "%s", name);
                cr_assert_eq(back.prec, t.prec, "%s", name);
                cr_assert_eq(back.scale, t.scale, "%s", name);
                cr_assert(ty_equal(back, t), "%s", name);
                char again[TY_MAX_NAME];
                ty_name(back, again);
                cr_assert_str_eq(again, name);
            }
        }
}

Test(type, parse_plain_names)
{
    struct ty t = parse_ok("datetime64");
    cr_assert_eq(t.kind, TY_DATETIME64);
    cr_assert_eq(t.prec, 3);
    t = parse_ok("nullable(int)");
    cr_assert_eq(t.kind, TY_INT32);
    cr_assert_eq(t.nullable, 1);
    t = parse_ok("string");
    cr_assert_eq(t.kind, TY_STRING);
    cr_assert_eq(t.nullable, 0);
}

Test(type, parse_rejects_malformed)
{
    parse_bad("");
    parse_bad("int33");
    parse_bad("nullable(");
    parse_bad("nullable()");
    parse_bad("nullable(int8");
    parse_bad("nullable(nullable(int8))");
    parse_bad("nullable(int8))");
    parse_bad("int8(1)");
    parse_bad("string(0)");
    parse_bad("datetime64(10)");
    parse_bad("datetime64(-1)");
    parse_bad("datetime64(3");
    parse_bad("datetime64(3)x");
    parse_bad("datetime64(3,3)");
    parse_bad("datetime64(a)");
    parse_bad("datetime64(3a)");
    parse_bad("datetime64)");
    parse_bad("nullable(datetime64(12))");
    parse_bad("(int8)");
    parse_bad("decimal(5, 6)");
    parse_bad("decimal(0, 0)");
    parse_bad("decimal(5, 2, 1)");
    parse_bad("decimal(5,)");
    parse_bad("decimal(,2)");
    parse_bad("decimal(5 2)");
    parse_bad("decimal(77, 2)");
    parse_bad("decimal32()");
    parse_bad("decimal32(10)");
    parse_bad("decimal64(2, 3)");
}

/* "datetime64()" is an error, not precision 0. */
Test(type, parse_rejects_empty_params)
{
    parse_bad("datetime64()");
    parse_bad("nullable(datetime64())");
}

Test(type, interval_units)
{
    static const struct {
        const char *name;
        uint8_t unit;
    } ok[] = {
        {"second", TY_UNIT_SECOND}, {"SECONDS", TY_UNIT_SECOND}, {"s", TY_UNIT_SECOND},
        {"m", TY_UNIT_MINUTE},      {"Minute", TY_UNIT_MINUTE},  {"M", TY_UNIT_MONTH},
        {"ms", TY_UNIT_MILLISECOND}, {"us", TY_UNIT_MICROSECOND}, {"ns", TY_UNIT_NANOSECOND},
        {"h", TY_UNIT_HOUR},        {"day", TY_UNIT_DAY},        {"w", TY_UNIT_WEEK},
        {"quarters", TY_UNIT_QUARTER}, {"y", TY_UNIT_YEAR},      {"YEAR", TY_UNIT_YEAR},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint8_t u = 0xee;
        cr_assert_eq(ty_unit_from_name(ok[i].name, strlen(ok[i].name), &u), 0, "%s", ok[i].name);
        cr_assert_eq(u, ok[i].unit, "%s", ok[i].name);
    }
    uint8_t u;
    cr_assert_eq(ty_unit_from_name("S", 1, &u), -EINVAL, "short forms are case-sensitive");
    cr_assert_eq(ty_unit_from_name("fortnight", 9, &u), -EINVAL);
    cr_assert_eq(ty_unit_from_name("secondss", 8, &u), -EINVAL);
    cr_assert_str_eq(ty_unit_name(TY_UNIT_HOUR), "hour");
    struct ty t = parse_ok("Interval_Minute");
    cr_assert_eq(t.kind, TY_INTERVAL);
    cr_assert_eq(t.prec, TY_UNIT_MINUTE);
    expect_name(t, "interval_minute");
    cr_assert_not(ty_equal(t, (struct ty){TY_INTERVAL, 0, TY_UNIT_HOUR}), "units differ");
    parse_bad("interval_");
    parse_bad("interval_fortnight");
    parse_bad("interval_second(3)");
}

/* ---- decimal(p, s) --------------------------------------------------- */

#include "types/decimal.h"

static struct ty dec_ty(const char *name)
{
    return parse_ok(name);
}

Test(type, decimal_names_and_aliases)
{
    struct ty t = dec_ty("decimal(9, 2)");
    cr_assert_eq(t.kind, TY_DECIMAL);
    cr_assert_eq(t.prec, 9);
    cr_assert_eq(t.scale, 2);
    cr_assert_eq(ty_width(t), 8);
    expect_name(t, "decimal(9, 2)");
    expect_name(dec_ty("Decimal(9,2)"), "decimal(9, 2)");
    expect_name(dec_ty("decimal(7)"), "decimal(7, 0)");
    expect_name(dec_ty("decimal"), "decimal(10, 0)");
    expect_name(dec_ty("decimal32(3)"), "decimal(9, 3)");
    expect_name(dec_ty("Decimal64(0)"), "decimal(18, 0)");
    expect_name(dec_ty("nullable(decimal(18, 18))"), "nullable(decimal(18, 18))");
    cr_assert_not(ty_equal(dec_ty("decimal(9, 2)"), dec_ty("decimal(9, 3)")));
    cr_assert_not(ty_equal(dec_ty("decimal(9, 2)"), dec_ty("decimal(10, 2)")));
    cr_assert(ty_equal(dec_ty("decimal(9, 2)"), dec_ty("decimal32(2)")));
    cr_assert_not(ty_is_int(t));
    cr_assert_not(ty_is_float(t));
}

/* ClickHouse's precisions 19..76 (decimal128/256) are not stored here:
 * -ERANGE, so that callers can say so instead of "unknown type". */
Test(type, decimal_wide_precisions_refused)
{
    struct ty t = {0xee, 0xee, 0xee, 0xee};
    cr_assert_eq(ty_parse("decimal(19, 2)", &t), -ERANGE);
    cr_assert_eq(ty_parse("decimal(38, 0)", &t), -ERANGE);
    cr_assert_eq(ty_parse("decimal128(2)", &t), -ERANGE);
    cr_assert_eq(ty_parse("decimal256(2)", &t), -ERANGE);
    cr_assert_eq(t.kind, 0xee, "out untouched on failure");
    cr_assert_eq(ty_parse("decimal(18, 2)", &t), 0);
}

static int64_t parse_dec(const char *s, const char *type, int want_rc)
{
    int64_t v = 0x5a5a;
    int rc = dec_parse(s, strlen(s), dec_ty(type), &v);
    cr_assert_eq(rc, want_rc, "dec_parse(\"%s\", %s) = %d, want %d", s, type, rc, want_rc);
    return v;
}

Test(type, decimal_parse_text)
{
    cr_assert_eq(parse_dec("1.5", "decimal(5, 2)", 0), 150);
    cr_assert_eq(parse_dec("-1.5", "decimal(5, 2)", 0), -150);
    cr_assert_eq(parse_dec("+007", "decimal(5, 2)", 0), 700);
    cr_assert_eq(parse_dec(".25", "decimal(5, 2)", 0), 25);
    cr_assert_eq(parse_dec("3.", "decimal(5, 2)", 0), 300);
    cr_assert_eq(parse_dec("999.99", "decimal(5, 2)", 0), 99999);
    /* extra fraction digits are discarded, not rounded (ClickHouse) */
    cr_assert_eq(parse_dec("1.239", "decimal(5, 2)", 0), 123);
    cr_assert_eq(parse_dec("-1.239", "decimal(5, 2)", 0), -123);
    cr_assert_eq(parse_dec("0.000000000000000000001", "decimal(5, 2)", 0), 0);
    /* exponents */
    cr_assert_eq(parse_dec("1.5e2", "decimal(5, 2)", 0), 15000);
    cr_assert_eq(parse_dec("15E-1", "decimal(5, 2)", 0), 150);
    cr_assert_eq(parse_dec("1.6e-9", "decimal(18, 9)", 0), 1);
    /* exact at 18 digits, no double in between */
    cr_assert_eq(parse_dec("123456789012.345678", "decimal(18, 6)", 0), 123456789012345678LL);
    cr_assert_eq(parse_dec("-999999999999999999", "decimal(18, 0)", 0), -999999999999999999LL);
    cr_assert_eq(parse_dec("0.000000000000000001", "decimal(18, 18)", 0), 1);
    /* too many integer digits: out of range */
    parse_dec("1000", "decimal(5, 2)", -ERANGE);
    parse_dec("-1000", "decimal(5, 2)", -ERANGE);
    parse_dec("1e3", "decimal(5, 2)", -ERANGE);
    parse_dec("1000000000000000000", "decimal(18, 0)", -ERANGE);
    parse_dec("1", "decimal(18, 18)", -ERANGE);
    parse_dec("123456789012345678901234567890123456789012345", "decimal(18, 0)", -ERANGE);
    /* not numbers */
    parse_dec("", "decimal(5, 2)", -EINVAL);
    parse_dec("-", "decimal(5, 2)", -EINVAL);
    parse_dec(".", "decimal(5, 2)", -EINVAL);
    parse_dec("1.2.3", "decimal(5, 2)", -EINVAL);
    parse_dec("abc", "decimal(5, 2)", -EINVAL);
    parse_dec("1e", "decimal(5, 2)", -EINVAL);
    parse_dec(" 1", "decimal(5, 2)", -EINVAL);
    parse_dec("1 ", "decimal(5, 2)", -EINVAL);
    parse_dec("nan", "decimal(5, 2)", -EINVAL);
    parse_dec("0x10", "decimal(5, 2)", -EINVAL);
}

static void expect_dec_text(int64_t v, int scale, const char *want)
{
    char out[DEC_TEXT_MAX];
    size_t n = dec_format(v, scale, out);
    cr_assert_str_eq(out, want);
    cr_assert_eq(n, strlen(want));
}

Test(type, decimal_format_text)
{
    expect_dec_text(150, 2, "1.50");
    expect_dec_text(-150, 2, "-1.50");
    expect_dec_text(5, 2, "0.05");
    expect_dec_text(-5, 2, "-0.05");
    expect_dec_text(0, 2, "0.00");
    expect_dec_text(0, 0, "0");
    expect_dec_text(42, 0, "42");
    expect_dec_text(1, 18, "0.000000000000000001");
    expect_dec_text(-999999999999999999LL, 18, "-0.999999999999999999");
    expect_dec_text(INT64_MIN, 18, "-9.223372036854775808");
    expect_dec_text(INT64_MAX, 0, "9223372036854775807");
    /* every text reads back as the same value */
    const int64_t vals[] = {0, 1, -1, 99999, -12345, 1000000, 999999999999999999LL};
    for (int sc = 0; sc <= 18; sc++)
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            char out[DEC_TEXT_MAX];
            size_t n = dec_format(vals[i], sc, out);
            int64_t back;
            cr_assert_eq(dec_parse(out, n, ty_decimal(18, sc), &back), 0, "%s", out);
            cr_assert_eq(back, vals[i], "%s at scale %d", out, sc);
        }
}

Test(type, decimal_rescale_and_double)
{
    int64_t v;
    cr_assert_eq(dec_rescale(150, 2, 4, &v), 0);
    cr_assert_eq(v, 15000);
    cr_assert_eq(dec_rescale(15999, 4, 2, &v), 0);
    cr_assert_eq(v, 159, "down truncates");
    cr_assert_eq(dec_rescale(-15999, 4, 2, &v), 0);
    cr_assert_eq(v, -159, "toward zero");
    cr_assert_eq(dec_rescale(INT64_MAX / 10, 0, 2, &v), -ERANGE);
    /* doubles go through their shortest text: 324.46 stays 324.46 */
    cr_assert_eq(dec_from_double(324.46, ty_decimal(10, 2), &v), 0);
    cr_assert_eq(v, 32446);
    cr_assert_eq(dec_from_double(2.675, ty_decimal(5, 2), &v), 0);
    cr_assert_eq(v, 267, "extra digits truncated");
    cr_assert_eq(dec_from_double(-0.1, ty_decimal(5, 3), &v), 0);
    cr_assert_eq(v, -100);
    cr_assert_eq(dec_from_double(1e-30, ty_decimal(5, 3), &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(dec_from_double(1000, ty_decimal(5, 2), &v), -ERANGE);
    cr_assert_eq(dec_from_double(1e300, ty_decimal(18, 0), &v), -ERANGE);
    cr_assert_eq(dec_from_double(0.0 / 0.0, ty_decimal(18, 0), &v), -ERANGE);
    cr_assert_eq(dec_from_double(1.0 / 0.0, ty_decimal(18, 0), &v), -ERANGE);
    cr_assert(dec_to_double(-150, 2) == -1.5);
}

/* array(T) for every scalar element kind, nullable and not: names, round
 * trips, equality, width; the types ClickHouse refuses are refused. */
Test(type, array_of_every_kind)
{
    for (size_t i = 0; i < NKINDS; i++)
        for (int nullable = 0; nullable <= 1; nullable++) {
            uint8_t k = kinds[i].kind;
            if (k == TY_NOTHING || k == TY_INTERVAL)
                continue;
            struct ty e = {k, (uint8_t)nullable, k == TY_DATETIME64 ? 6 : k == TY_DECIMAL ? 9 : 0,
                           k == TY_DECIMAL ? 2 : 0};
            struct ty t = ty_array_of(e);
            char name[TY_MAX_NAME], want[TY_MAX_NAME + 8], en[TY_MAX_NAME];
            ty_name(t, name);
            ty_name(e, en);
            snprintf(want, sizeof(want), "array(%s)", en);
            cr_assert_str_eq(name, want);
            struct ty back = parse_ok(name);
            cr_assert_eq(back.kind, TY_ARRAY, "%s", name);
            cr_assert_eq(back.nullable, 0, "%s", name);
            cr_assert(ty_equal(back, t), "%s", name);
            cr_assert(ty_equal(ty_elem(back), e), "%s", name);
            cr_assert_eq(ty_width(back), 0);
            cr_assert(ty_has_offsets(back));
            cr_assert_not(ty_equal(back, e));
        }
    struct ty a = ty_array_of((struct ty){TY_INT32, 0, 0});
    cr_assert_not(ty_equal(a, ty_array_of((struct ty){TY_INT32, 1, 0})));
    cr_assert_not(ty_equal(a, ty_array_of((struct ty){TY_INT64, 0, 0})));
    cr_assert_not(ty_equal(ty_array_of((struct ty){TY_DATETIME64, 0, 3}),
                           ty_array_of((struct ty){TY_DATETIME64, 0, 6})));
    cr_assert_eq(parse_ok("Array(Nullable(String))").elem_nullable, 1);
    cr_assert_eq(parse_ok("array(datetime64)").prec, 3);
    parse_bad("array(array(int32))");
    parse_bad("nullable(array(int32))");
    parse_bad("array(nothing)");
    parse_bad("array(interval_second)");
    parse_bad("array()");
    parse_bad("array(int32");
    parse_bad("array(nullable(nullable(int32)))");
}
