/*
 * json_out_test.c — JSON lines out (format/json_out.h): shortest floats,
 * string escaping, every column type, and the output read back by json_in.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json_in.h"
#include "format/json_out.h"
#include "types/block.h"
#include "types/schema.h"
#include "util/err.h"

static void dbl_is(double v, const char *want)
{
    char out[32];
    size_t n = fmt_double(v, out);
    cr_expect_str_eq(out, want, "fmt_double(%.17g)", v);
    cr_expect_eq(n, strlen(out));
}

static void flt_is(float v, const char *want)
{
    char out[32];
    size_t n = fmt_float(v, out);
    cr_expect_str_eq(out, want, "fmt_float(%.9g)", (double)v);
    cr_expect_eq(n, strlen(out));
}

Test(json_out, double_shortest)
{
    dbl_is(0.1, "0.1");
    dbl_is(1.0 / 3, "0.3333333333333333");
    dbl_is(2.0 / 3, "0.6666666666666666");
    dbl_is(1e300, "1e300");
    dbl_is(5e-324, "5e-324");
    dbl_is(3.0, "3");
    dbl_is(-0.0, "-0");
    dbl_is(0.0, "0");
    dbl_is(-2.5, "-2.5");
    dbl_is(0.1 + 0.2, "0.30000000000000004");
    dbl_is(123.456, "123.456");
    dbl_is(1e21, "1e21");
    dbl_is(1e20, "100000000000000000000");
    dbl_is(1.5e20, "150000000000000000000");
    dbl_is(1e-6, "0.000001");
    dbl_is(1.5e-6, "0.0000015");
    dbl_is(1e-7, "1e-7");
    dbl_is(-1.25e-7, "-1.25e-7");
    dbl_is(9007199254740992.0, "9007199254740992");
    dbl_is(-9007199254740991.0, "-9007199254740991");
    dbl_is(1152921504606846976.0, "1152921504606847000"); /* 2^60 */
    dbl_is(DBL_MAX, "1.7976931348623157e308");
    dbl_is(DBL_MIN, "2.2250738585072014e-308");
    dbl_is(1e23, "1e23");
    dbl_is(123456.789e3, "123456789");
    /* subnormals: fewer bits, so fewer digits than DBL_DIG can be enough */
    dbl_is(1e-310, "1e-310");
    dbl_is(-2.5e-320, "-2.5e-320");
    /* powers of two where the nearest 16-digit decimal misses and the one
     * above reads back (the gap below a power of two is half the gap above) */
    dbl_is(ldexp(1, -1017), "7.120236347223045e-307");
    dbl_is(ldexp(1, -1007), "7.291122019556398e-304");
    dbl_is(ldexp(1, -791), "7.678447687145631e-239");
    dbl_is(NAN, "nan");
    dbl_is(INFINITY, "inf");
    dbl_is(-INFINITY, "-inf");
}

Test(json_out, float_shortest)
{
    flt_is(0.1f, "0.1");
    flt_is(1.0f / 3, "0.33333334");
    flt_is(3.0f, "3");
    flt_is(-0.0f, "-0");
    flt_is(16777216.0f, "16777216");
    flt_is(1e10f, "10000000000");
    flt_is(FLT_MAX, "3.4028235e38");
    flt_is(FLT_TRUE_MIN, "1e-45");
    flt_is(21.5f, "21.5");
    flt_is(-273.15f, "-273.15");
    flt_is(4.2070e-40f, "4.207e-40"); /* subnormal */
    flt_is(1e-7f, "1e-7");
    flt_is(NAN, "nan");
}

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Significant digits in a fmt_double result. */
static int sig_digits(const char *s)
{
    int n = 0, seen = 0, zeros = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (*s == '0' && !seen)
            continue;
        seen = 1;
        if (*s == '0') {
            zeros++;
        } else {
            n += zeros + 1;
            zeros = 0;
        }
    }
    return n;
}

Test(json_out, double_round_trips_and_is_shortest)
{
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rng();
        double v;
        if (i % 3 == 0) /* also short decimals, the common case */
            v = (double)(int64_t)(bits % 2000000) / 1000.0;
        else
            memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        char out[32];
        fmt_double(v, out);
        double back = strtod(out, NULL);
        cr_assert(back == v && signbit(back) == signbit(v), "%s != %.17g", out, v);
        int k = sig_digits(out);
        if (k > 1) {
            char shorter[40];
            snprintf(shorter, sizeof shorter, "%.*e", k - 2, v);
            cr_assert(strtod(shorter, NULL) != v, "%s is shorter than %s", shorter, out);
        }
    }
}

Test(json_out, float_round_trips_and_is_shortest)
{
    for (int i = 0; i < 200000; i++) {
        uint32_t bits = (uint32_t)rng();
        float v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        char out[32];
        fmt_float(v, out);
        float back = strtof(out, NULL);
        cr_assert(back == v && signbit(back) == signbit(v), "%s != %.9g", out, (double)v);
        int k = sig_digits(out);
        if (k > 1) {
            char shorter[40];
            snprintf(shorter, sizeof shorter, "%.*e", k - 2, (double)v);
            cr_assert(strtof(shorter, NULL) != v, "%s is shorter than %s", shorter, out);
        }
    }
}

static void str_is(const char *s, size_t n, const char *want)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(fmt_json_string(s, n, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    cr_expect_str_eq(b.data, want);
    buf_free(&b);
}
#define STR_IS(lit, want) str_is(lit, sizeof(lit) - 1, want)

Test(json_out, string_escapes)
{
    STR_IS("", "\"\"");
    STR_IS("plain", "\"plain\"");
    STR_IS("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
    STR_IS("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
    STR_IS("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
    STR_IS("nul\0byte", "\"nul\\u0000byte\"");
    STR_IS("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

Test(json_out, invalid_utf8_becomes_replacement)
{
    STR_IS("a\xff" "b", "\"a\\ufffdb\"");
    STR_IS("\xc0\x80", "\"\\ufffd\\ufffd\"");              /* overlong NUL */
    STR_IS("\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\"");   /* overlong */
    STR_IS("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");   /* surrogate D800 */
    STR_IS("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
    STR_IS("\xe2\x82", "\"\\ufffd\\ufffd\"");              /* truncated at the end */
    STR_IS("\xe2\x82x", "\"\\ufffd\\ufffdx\"");
    STR_IS("\x80", "\"\\ufffd\"");                         /* lone continuation */
    STR_IS("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");    /* U+10000 is fine */
    STR_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");    /* U+10FFFF is fine */
}

/* A block of one schema, filled by the test. */
struct fixture {
    struct schema *s;
    struct blk *b;
    const char **names;
};

static void fixture_make(struct fixture *f, const char *const *cols, size_t ncols)
{
    cr_assert_eq(sch_create("t", &f->s), 0);
    for (size_t i = 0; i < ncols; i += 2) {
        struct ty t;
        cr_assert_eq(ty_parse(cols[i + 1], &t), 0, "%s", cols[i + 1]);
        cr_assert_eq(sch_add_col(f->s, cols[i], t), 0);
    }
    cr_assert_eq(sch_finish(f->s), 0);
    struct ty *types;
    cr_assert_eq(sch_types(f->s, &types), 0);
    cr_assert_eq(blk_create(types, f->s->ncols, &f->b), 0);
    free(types);
    f->names = calloc(f->s->ncols, sizeof *f->names);
    for (uint32_t i = 0; i < f->s->ncols; i++)
        f->names[i] = f->s->cols[i].name;
}

static void fixture_free(struct fixture *f)
{
    blk_unref(f->b);
    sch_destroy(f->s);
    free(f->names);
}

static char *render(struct fixture *f, uint32_t from, uint32_t to)
{
    struct buf out = BUF_INIT;
    cr_assert_eq(blk_seal(f->b), 0);
    cr_assert_eq(fmt_json_out_rows(f->names, f->b, from, to, &out), 0);
    cr_assert_eq(buf_cstr(&out), 0);
    return out.data ? out.data : strdup("");
}

#define PUSH(f, i, T, v)                                                                      \
    do {                                                                                      \
        T v_ = (v);                                                                           \
        cr_assert_eq(col_push_fixed(&(f)->b->cols[i], &v_), 0);                               \
    } while (0)

Test(json_out, every_type)
{
    static const char *const cols[] = {
        "b", "bool", "i8", "int8", "i16", "int16", "i32", "int32", "i64", "int64",
        "u8", "uint8", "u16", "uint16", "u32", "uint32", "u64", "uint64", "f32", "float32",
        "f64", "float64", "s", "string", "dt", "datetime", "d0", "datetime64(0)",
        "d9", "datetime64(9)",
    };
    struct fixture f;
    fixture_make(&f, cols, sizeof cols / sizeof *cols);
    PUSH(&f, 0, uint8_t, 1);
    PUSH(&f, 1, int8_t, INT8_MIN);
    PUSH(&f, 2, int16_t, INT16_MIN);
    PUSH(&f, 3, int32_t, INT32_MIN);
    PUSH(&f, 4, int64_t, INT64_MIN);
    PUSH(&f, 5, uint8_t, UINT8_MAX);
    PUSH(&f, 6, uint16_t, UINT16_MAX);
    PUSH(&f, 7, uint32_t, UINT32_MAX);
    PUSH(&f, 8, uint64_t, UINT64_MAX);
    PUSH(&f, 9, float, 21.5f);
    PUSH(&f, 10, double, 0.1);
    cr_assert_eq(col_push_str(&f.b->cols[11], "x\"y", 3), 0);
    PUSH(&f, 12, uint32_t, 1720614896);
    PUSH(&f, 13, int64_t, -1);
    PUSH(&f, 14, int64_t, 1720614896000000001LL);
    PUSH(&f, 15, int64_t, 1720614896123LL);
    char *s = render(&f, 0, 1);
    cr_expect_str_eq(s, "{\"b\":true,\"i8\":-128,\"i16\":-32768,\"i32\":-2147483648,"
                        "\"i64\":-9223372036854775808,\"u8\":255,\"u16\":65535,"
                        "\"u32\":4294967295,\"u64\":18446744073709551615,\"f32\":21.5,"
                        "\"f64\":0.1,\"s\":\"x\\\"y\",\"dt\":\"2024-07-10 12:34:56\","
                        "\"d0\":\"1969-12-31 23:59:59\",\"d9\":\"2024-07-10 12:34:56.000000001\","
                        "\"_tp_time\":\"2024-07-10 12:34:56.123\"}\n");
    free(s);
    fixture_free(&f);
}

Test(json_out, nulls_nan_and_ranges)
{
    static const char *const cols[] = {
        "a", "nullable(int32)", "s", "nullable(string)", "x", "float64", "y", "float32",
    };
    struct fixture f;
    fixture_make(&f, cols, sizeof cols / sizeof *cols);
    double dv[3] = {NAN, INFINITY, -INFINITY};
    for (int r = 0; r < 3; r++) {
        if (r == 1) {
            PUSH(&f, 0, int32_t, 7);
            cr_assert_eq(col_push_str(&f.b->cols[1], "", 0), 0);
        } else {
            cr_assert_eq(col_push_null(&f.b->cols[0]), 0);
            cr_assert_eq(col_push_null(&f.b->cols[1]), 0);
        }
        PUSH(&f, 2, double, dv[r]);
        PUSH(&f, 3, float, (float)dv[r]);
        PUSH(&f, 4, int64_t, 0);
    }
    char *s = render(&f, 0, 3);
    cr_expect_str_eq(s,
                     "{\"a\":null,\"s\":null,\"x\":null,\"y\":null,"
                     "\"_tp_time\":\"1970-01-01 00:00:00.000\"}\n"
                     "{\"a\":7,\"s\":\"\",\"x\":null,\"y\":null,"
                     "\"_tp_time\":\"1970-01-01 00:00:00.000\"}\n"
                     "{\"a\":null,\"s\":null,\"x\":null,\"y\":null,"
                     "\"_tp_time\":\"1970-01-01 00:00:00.000\"}\n");
    free(s);
    s = render(&f, 1, 2);
    cr_expect_str_eq(s, "{\"a\":7,\"s\":\"\",\"x\":null,\"y\":null,"
                        "\"_tp_time\":\"1970-01-01 00:00:00.000\"}\n");
    free(s);
    s = render(&f, 2, 2);
    cr_expect_str_eq(s, "");
    free(s);
    fixture_free(&f);
}

Test(json_out, names_are_escaped)
{
    static const char *const cols[] = {"a", "int8"};
    struct fixture f;
    fixture_make(&f, cols, 2);
    PUSH(&f, 0, int8_t, 1);
    PUSH(&f, 1, int64_t, 0);
    const char *names[] = {"count(\"x\")", "t\n"};
    struct buf out = BUF_INIT;
    cr_assert_eq(blk_seal(f.b), 0);
    cr_assert_eq(fmt_json_out_rows(names, f.b, 0, 1, &out), 0);
    cr_assert_eq(buf_cstr(&out), 0);
    cr_expect_str_eq(out.data,
                     "{\"count(\\\"x\\\")\":1,\"t\\n\":\"1970-01-01 00:00:00.000\"}\n");
    buf_free(&out);
    fixture_free(&f);
}

Test(json_out, appends_to_existing_buffer)
{
    static const char *const cols[] = {"a", "uint64"};
    struct fixture f;
    fixture_make(&f, cols, 2);
    uint64_t vals[] = {0, 9, 10, 99, 100, 12345678901234567890ULL};
    for (size_t i = 0; i < 6; i++) {
        PUSH(&f, 0, uint64_t, vals[i]);
        PUSH(&f, 1, int64_t, 0);
    }
    struct buf out = BUF_INIT;
    cr_assert_eq(buf_puts(&out, "head|"), 0);
    cr_assert_eq(blk_seal(f.b), 0);
    cr_assert_eq(fmt_json_out_rows(f.names, f.b, 0, 6, &out), 0);
    cr_assert_eq(buf_cstr(&out), 0);
    const char *tp = ",\"_tp_time\":\"1970-01-01 00:00:00.000\"}\n";
    char want[1024];
    snprintf(want, sizeof want, "head|{\"a\":0%s{\"a\":9%s{\"a\":10%s{\"a\":99%s{\"a\":100%s"
             "{\"a\":12345678901234567890%s", tp, tp, tp, tp, tp, tp);
    cr_expect_str_eq(out.data, want);
    buf_free(&out);
    fixture_free(&f);
}

/* Render random rows, read them back with json_in: the same block. */
Test(json_out, reads_back_through_json_in)
{
    static const char *const cols[] = {
        "b", "bool", "i8", "int8", "i64", "int64", "u64", "uint64", "f32", "float32",
        "f64", "float64", "s", "string", "n", "nullable(int16)", "dt", "datetime",
        "d3", "datetime64(3)", "d9", "datetime64(9)",
    };
    struct fixture f, g;
    fixture_make(&f, cols, sizeof cols / sizeof *cols);
    fixture_make(&g, cols, sizeof cols / sizeof *cols);
    for (int r = 0; r < 2000; r++) {
        uint64_t x = rng();
        double d;
        float fl;
        uint32_t fb = (uint32_t)rng();
        memcpy(&d, &x, sizeof d);
        memcpy(&fl, &fb, sizeof fl);
        if (!isfinite(d))
            d = 1.5;
        if (!isfinite(fl))
            fl = -0.0f;
        char str[16];
        for (int i = 0; i < 15; i++)
            str[i] = (char)(rng() % 128);
        PUSH(&f, 0, uint8_t, (uint8_t)(x & 1));
        PUSH(&f, 1, int8_t, (int8_t)x);
        PUSH(&f, 2, int64_t, (int64_t)rng());
        PUSH(&f, 3, uint64_t, rng());
        PUSH(&f, 4, float, fl);
        PUSH(&f, 5, double, d);
        cr_assert_eq(col_push_str(&f.b->cols[6], str, (size_t)(x % 16)), 0);
        if (x & 2)
            cr_assert_eq(col_push_null(&f.b->cols[7]), 0);
        else
            PUSH(&f, 7, int16_t, (int16_t)(x >> 16));
        PUSH(&f, 8, uint32_t, (uint32_t)rng());
        PUSH(&f, 9, int64_t, (int64_t)(rng() % 300000000000000ULL) - 62000000000000LL);
        PUSH(&f, 10, int64_t, (int64_t)rng());
        PUSH(&f, 11, int64_t, (int64_t)(rng() % 4000000000000ULL));
    }
    char *text = render(&f, 0, 2000);
    struct fmt_json_in *in;
    cr_assert_eq(fmt_json_in_create(g.s, &in), 0);
    char why[256];
    for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1)
        cr_assert_eq(fmt_json_in_row(in, line, (size_t)(nl - line), 0, g.b, why, sizeof why), 0,
                     "%s: %.*s", why, (int)(nl - line), line);
    struct buf a = BUF_INIT, b = BUF_INIT;
    cr_assert_eq(blk_seal(g.b), 0);
    cr_assert_eq(blk_serialize(f.b, &a), 0);
    cr_assert_eq(blk_serialize(g.b, &b), 0);
    cr_assert_eq(a.len, b.len);
    cr_assert(memcmp(a.data, b.data, a.len) == 0, "blocks differ after the round trip");
    buf_free(&a);
    buf_free(&b);
    free(text);
    fmt_json_in_destroy(in);
    fixture_free(&f);
    fixture_free(&g);
}

/* The significant digits of a number's text, without leading or trailing
 * zeros ("-0.01250" -> "125"). */
static void digits_of(const char *s, char *out)
{
    int n = 0, seen = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9' || (*s == '0' && !seen))
            continue;
        seen = 1;
        out[n++] = *s;
    }
    while (n > 0 && out[n - 1] == '0')
        n--;
    out[n] = '\0';
}

/* Short decimals (the fast path for measurements and averages) give the
 * nearest digits of their length, as the general search does: never a
 * neighbour that also reads back. */
Test(json_out, short_decimals_are_the_nearest_digits)
{
    static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    for (int i = 0; i < 300000; i++) {
        uint64_t bits = rng();
        int k = (int)(bits % 10);
        double v = (double)(int64_t)((bits >> 8) % 2000000000000ULL - 1000000000000LL) / p10[k];
        if (i % 2) /* any double in the fast path's range, too */
            v = ldexp((double)(bits >> 11), -53) * pow(10, (double)((bits >> 4) % 11) - 5);
        if (v == 0 || !isfinite(v))
            continue;
        char out[32], want[40], a[40], b[40];
        fmt_double(v, out);
        cr_assert(strtod(out, NULL) == v, "%s != %.17g", out, v);
        int sig = sig_digits(out);
        snprintf(want, sizeof want, "%.*e", sig - 1, v);
        if (strtod(want, NULL) != v)
            continue; /* a power of two whose nearest does not read back */
        digits_of(out, a);
        digits_of(want, b);
        cr_assert_str_eq(a, b, "%.17g: %s, nearest %s", v, out, want);
    }
}

/* Doubles with all 53 bits between 1e-3 and 1e9 (averages: the exact
 * integer search, not printf): read back, shortest, nearest of their
 * length. */
Test(json_out, full_mantissas_in_the_common_range)
{
    for (int i = 0; i < 400000; i++) {
        uint64_t bits = rng();
        double v = ldexp((double)((bits >> 11) | (1ULL << 52)), -52) *
                   pow(10, (double)((bits >> 3) % 12) - 3);
        if (i % 5 == 0) /* powers of two, whose lower gap is half */
            v = ldexp(1.0, (int)(bits % 40) - 9);
        if (bits & 1)
            v = -v;
        char out[32], shorter[40], near[40], a[40], b[40];
        fmt_double(v, out);
        cr_assert(strtod(out, NULL) == v, "%s != %.17g", out, v);
        int k = sig_digits(out);
        if (k > 1) {
            snprintf(shorter, sizeof shorter, "%.*e", k - 2, v);
            cr_assert(strtod(shorter, NULL) != v, "%s is shorter than %s", shorter, out);
        }
        snprintf(near, sizeof near, "%.*e", k - 1, v);
        if (strtod(near, NULL) == v) {
            digits_of(out, a);
            digits_of(near, b);
            cr_assert_str_eq(a, b, "%.17g: %s, nearest %s", v, out, near);
        }
    }
}
