/*
 * json_in_test.c — JSON lines into blocks (format/json_in.h): every type,
 * hostile input, exact reasons, the rollback guarantee (a failed row
 * leaves the block byte-for-byte as it was), and the one-pass scanner
 * taking rows into the same values as the general path.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json_in.h"
#include "types/block.h"
#include "types/schema.h"
#include "util/err.h"

#define NOW_MS 1720614896789LL

struct fx {
    struct schema *s;
    struct blk *b;
    struct fmt_json_in *p;
    char why[256];
};

/* cols: name, type, name, type, ... ; time_col: index or -1. */
static void fx_make(struct fx *f, const char *const *cols, size_t n, int time_col)
{
    memset(f, 0, sizeof *f);
    cr_assert_eq(sch_create("t", &f->s), 0);
    for (size_t i = 0; i < n; i += 2) {
        struct ty t;
        cr_assert_eq(ty_parse(cols[i + 1], &t), 0, "%s", cols[i + 1]);
        cr_assert_eq(sch_add_col(f->s, cols[i], t), 0);
    }
    cr_assert_eq(sch_finish(f->s), 0);
    f->s->time_col = time_col;
    struct ty *types;
    cr_assert_eq(sch_types(f->s, &types), 0);
    cr_assert_eq(blk_create(types, f->s->ncols, &f->b), 0);
    free(types);
    cr_assert_eq(fmt_json_in_create(f->s, &f->p), 0);
}

static void fx_free(struct fx *f)
{
    fmt_json_in_destroy(f->p);
    blk_unref(f->b);
    sch_destroy(f->s);
}

static int row_n(struct fx *f, const char *line, size_t n)
{
    return fmt_json_in_row(f->p, line, n, NOW_MS, f->b, f->why, sizeof f->why);
}

static int row(struct fx *f, const char *line)
{
    return row_n(f, line, strlen(line));
}

/* Serialize the block (the exact bytes a rollback must preserve). */
static void snapshot(struct fx *f, struct buf *out)
{
    buf_reset(out);
    cr_assert_eq(blk_seal(f->b), 0);
    cr_assert_eq(blk_serialize(f->b, out), 0);
}

#define OK(f, line) cr_assert_eq(row(f, line), 0, "%s -> %s", line, (f)->why)

/* The line must be refused with exactly this reason, block unchanged. */
static void refused_n(struct fx *f, const char *line, size_t n, const char *why)
{
    struct buf before = BUF_INIT, after = BUF_INIT;
    snapshot(f, &before);
    int rc = row_n(f, line, n);
    cr_assert_eq(rc, ERR_MALFORMED, "accepted: %.*s", (int)n, line);
    if (why)
        cr_expect_str_eq(f->why, why, "for %.*s", (int)n, line);
    snapshot(f, &after);
    cr_assert_eq(before.len, after.len);
    cr_assert(memcmp(before.data, after.data, before.len) == 0, "block changed: %.*s", (int)n,
              line);
    buf_free(&before);
    buf_free(&after);
}

static void refused(struct fx *f, const char *line, const char *why)
{
    refused_n(f, line, strlen(line), why);
}

/* Like col_str(), which is UB while chars is still NULL (all values empty). */
static const char *str_at(const struct col *c, uint32_t i, size_t *len)
{
    const uint32_t *off = col_offsets(c);
    *len = off[i + 1] - off[i];
    return *len ? c->chars + off[i] : "";
}

static uint32_t last(struct fx *f)
{
    return f->b->cols[0].n - 1;
}

static int col_of(struct fx *f, const char *name)
{
    int c = sch_find(f->s, name, strlen(name));
    cr_assert_geq(c, 0, "%s", name);
    return c;
}

#define VAL(f, name, T) COL_AT(&(f)->b->cols[col_of(f, name)], T, last(f))
#define ISNULL(f, name) col_is_null(&(f)->b->cols[col_of(f, name)], last(f))

static void str_is(struct fx *f, const char *name, const char *want, size_t want_n)
{
    size_t n;
    const char *s = str_at(&f->b->cols[col_of(f, name)], last(f), &n);
    cr_expect_eq(n, want_n, "%s: length %zu, want %zu", name, n, want_n);
    cr_expect(n == want_n && (n == 0 || memcmp(s, want, n) == 0), "%s: got '%.*s'", name,
              (int)n, n ? s : "");
}
#define STR_IS(f, name, lit) str_is(f, name, lit, sizeof(lit) - 1)

static const char *const typical[] = {
    "device", "string", "temp", "float64", "count", "int32", "ok", "bool",
    "ts", "datetime64(3)",
};

Test(json_in, typical_row)
{
    struct fx f;
    fx_make(&f, typical, 10, -1);
    OK(&f, "{\"device\":\"sensor-42\",\"temp\":21.5,\"count\":-7,\"ok\":true,"
           "\"ts\":\"2024-07-10 12:34:56.789\"}");
    STR_IS(&f, "device", "sensor-42");
    cr_expect_eq(VAL(&f, "temp", double), 21.5);
    cr_expect_eq(VAL(&f, "count", int32_t), -7);
    cr_expect_eq(VAL(&f, "ok", uint8_t), 1);
    cr_expect_eq(VAL(&f, "ts", int64_t), 1720614896789LL);
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), NOW_MS);
    cr_expect_eq(f.b->nrows, 1);
    cr_expect_str_eq(f.why, "");
    fx_free(&f);
}

Test(json_in, any_field_order_missing_and_unknown_fields)
{
    struct fx f;
    fx_make(&f, typical, 10, -1);
    OK(&f, "{\"ts\":\"2024-07-10 00:00:00\",\"count\":3,\"device\":\"a\"}");
    OK(&f, "{\"zz\":[1,{\"q\":null}],\"temp\":-1e3,\"extra\":{\"device\":\"no\"},\"y\":\"\\u00e9\"}");
    STR_IS(&f, "device", ""); /* missing, not nullable: empty */
    cr_expect_eq(VAL(&f, "temp", double), -1000.0);
    cr_expect_eq(VAL(&f, "count", int32_t), 0);
    cr_expect_eq(VAL(&f, "ok", uint8_t), 0);
    cr_expect_eq(VAL(&f, "ts", int64_t), 0);
    OK(&f, "{}");
    OK(&f, "  {  }  ");
    cr_expect_eq(f.b->nrows, 4);
    for (uint32_t c = 0; c < f.b->ncols; c++)
        cr_expect_eq(f.b->cols[c].n, 4);
    fx_free(&f);
}

Test(json_in, null_and_missing_into_nullable_and_not)
{
    static const char *const cols[] = {
        "a", "nullable(int64)", "b", "int64", "s", "nullable(string)", "t", "string",
        "d", "nullable(datetime)", "f", "nullable(float32)",
    };
    struct fx f;
    fx_make(&f, cols, 12, -1);
    OK(&f, "{\"a\":null,\"b\":null,\"s\":null,\"t\":null,\"d\":null,\"f\":null}");
    cr_expect(ISNULL(&f, "a"));
    cr_expect(!ISNULL(&f, "b"));
    cr_expect_eq(VAL(&f, "b", int64_t), 0);
    cr_expect(ISNULL(&f, "s"));
    STR_IS(&f, "t", "");
    cr_expect(ISNULL(&f, "d"));
    cr_expect(ISNULL(&f, "f"));
    OK(&f, "{}");
    cr_expect(ISNULL(&f, "a") && ISNULL(&f, "s") && ISNULL(&f, "d") && ISNULL(&f, "f"));
    OK(&f, "{\"a\":5,\"s\":\"\",\"d\":0,\"f\":0}");
    cr_expect(!ISNULL(&f, "a") && !ISNULL(&f, "s") && !ISNULL(&f, "d") && !ISNULL(&f, "f"));
    cr_expect_eq(VAL(&f, "a", int64_t), 5);
    refused(&f, "{\"a\":nul}", "invalid JSON at byte 6");
    refused(&f, "{\"a\":nulll}", "invalid JSON at byte 6");
    refused(&f, "{\"a\":Null}", NULL);
    fx_free(&f);
}

static const char *const one_str[] = {"s", "string"};

Test(json_in, string_escapes)
{
    struct fx f;
    fx_make(&f, one_str, 2, -1);
    OK(&f, "{\"s\":\"q\\\"b\\\\s\\/f\\b\\f\\n\\r\\t.\"}");
    STR_IS(&f, "s", "q\"b\\s/f\b\f\n\r\t.");
    OK(&f, "{\"s\":\"\\u0041\\u00e9\\u20AC\\uffff\"}");
    STR_IS(&f, "s", "A\xc3\xa9\xe2\x82\xac\xef\xbf\xbf");
    OK(&f, "{\"s\":\"\\ud83d\\ude00 \\uD800\\uDC00 \\uDBFF\\uDFFF\"}");
    STR_IS(&f, "s", "\xf0\x9f\x98\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf");
    OK(&f, "{\"s\":\"a\\u0000b\"}"); /* \u0000 is allowed: strings hold any bytes */
    STR_IS(&f, "s", "a\0b");
    OK(&f, "{\"s\":\"\"}");
    STR_IS(&f, "s", "");
    OK(&f, "{\"s\":\"raw \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 utf8\"}");
    STR_IS(&f, "s", "raw \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 utf8");
    fx_free(&f);
}

Test(json_in, bad_escapes_and_surrogates)
{
    struct fx f;
    fx_make(&f, one_str, 2, -1);
    refused(&f, "{\"s\":\"\\x41\"}", NULL);                /* jsmn refuses */
    refused(&f, "{\"s\":\"\\u12G4\"}", NULL);
    refused(&f, "{\"s\":\"\\ud83d\"}", "invalid escape in string at byte 7");
    refused(&f, "{\"s\":\"ab\\ude00\"}", "invalid escape in string at byte 9");
    refused(&f, "{\"s\":\"\\ud83d\\u0041\"}", "invalid escape in string at byte 7");
    refused(&f, "{\"s\":\"\\ude00\\ud83d\"}", NULL);     /* reversed pair */
    refused(&f, "{\"s\":\"\\ud83d\\ud83d\"}", NULL);     /* two highs */
    refused(&f, "{\"s\":\"\\ude00\\ude00\"}", NULL);     /* two lows */
    refused(&f, "{\"s\":\"\\udfff\\udc00\"}", NULL);
    refused(&f, "{\"s\":\"\\ud83dx\"}", NULL);
    /* also in fields no column takes, and nested */
    refused(&f, "{\"x\":\"\\ud83d\"}", NULL);
    refused(&f, "{\"x\":[\"\\ude00\"]}", NULL);
    refused(&f, "{\"x\":{\"\\ud800\":1}}", NULL);
    fx_free(&f);
}

Test(json_in, invalid_utf8_and_control_bytes)
{
    struct fx f;
    fx_make(&f, one_str, 2, -1);
    refused(&f, "{\"s\":\"\xc0\x80\"}", "invalid UTF-8 in string at byte 7"); /* overlong */
    refused(&f, "{\"s\":\"\xe0\x80\xaf\"}", NULL);       /* overlong '/' */
    refused(&f, "{\"s\":\"\xf0\x80\x80\xaf\"}", NULL);   /* overlong, 4 bytes */
    refused(&f, "{\"s\":\"\xed\xa0\x80\"}", NULL);       /* UTF-16 surrogate */
    refused(&f, "{\"s\":\"\xed\xbf\xbf\"}", NULL);
    refused(&f, "{\"s\":\"\xf4\x90\x80\x80\"}", NULL);   /* above U+10FFFF */
    refused(&f, "{\"s\":\"\xf5\x80\x80\x80\"}", NULL);
    refused(&f, "{\"s\":\"\xff\"}", NULL);
    refused(&f, "{\"s\":\"\x80\"}", NULL);               /* lone continuation */
    refused(&f, "{\"s\":\"\xe2\x82\"}", NULL);           /* truncated */
    refused(&f, "{\"s\":\"\xe2\x82x\"}", NULL);
    refused(&f, "{\"s\":\"a\tb\"}", "control character in string at byte 8");
    refused(&f, "{\"s\":\"a\x01\"}", NULL);
    refused(&f, "{\"s\":\"\\u00e9\xff\"}", NULL);        /* after an escape (slow path) */
    refused(&f, "{\"s\":\"\\n\x1f\"}", NULL);
    refused(&f, "{\"\xff\":1}", NULL);                   /* in a key */
    refused(&f, "{\"s\":1,\"x\":\"\xc3\"}", NULL);       /* in an unknown field */
    refused(&f, "{\"s\":\"ok\"}\xff", NULL);             /* outside strings */
    OK(&f, "{\"s\":\"\xf4\x8f\xbf\xbf\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80\"}");
    fx_free(&f);
}

/* Each special byte at every offset of a long string (the scan takes eight
 * bytes at a time, so offsets and word boundaries matter). */
Test(json_in, string_scan_every_offset)
{
    struct fx f;
    fx_make(&f, one_str, 2, -1);
    struct { const char *ins, *want; int ok; } cases[] = {
        {"\x01", NULL, 0}, {"\x1f", NULL, 0}, {"\x7f", "\x7f", 1}, {" ", " ", 1},
        {"\x80", NULL, 0}, {"\xc3", NULL, 0}, {"\xc3\xa9", "\xc3\xa9", 1},
        {"\\n", "\n", 1}, {"\\u00e9", "\xc3\xa9", 1}, {"\\q", NULL, 0}, {"\t", NULL, 0},
        {"\"", NULL, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (int off = 0; off <= 24; off++) {
            char line[128], want[64];
            int n = snprintf(line, sizeof line, "{\"s\":\"%.*s%s%.*s\"}", off,
                             "abcdefghijklmnopqrstuvwxyz", cases[c].ins, 24 - off,
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            int rc = row_n(&f, line, (size_t)n);
            if (!cases[c].ok) {
                cr_assert_eq(rc, ERR_MALFORMED, "accepted %s", line);
                continue;
            }
            cr_assert_eq(rc, 0, "%s: %s", line, f.why);
            int wn = snprintf(want, sizeof want, "%.*s%s%.*s", off, "abcdefghijklmnopqrstuvwxyz",
                              cases[c].want, 24 - off, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            str_is(&f, "s", want, (size_t)wn);
        }
    }
    fx_free(&f);
}

Test(json_in, nul_bytes)
{
    struct fx f;
    fx_make(&f, one_str, 2, -1);
    static const char a[] = "{\"s\":\"a\0b\"}";
    refused_n(&f, a, sizeof a - 1, "NUL byte at byte 8");
    static const char b[] = "{\"s\":\"ab\"}\0";
    refused_n(&f, b, sizeof b - 1, "NUL byte at byte 11");
    static const char c[] = "\0{}";
    refused_n(&f, c, sizeof c - 1, NULL);
    fx_free(&f);
}

Test(json_in, containers_into_string_are_compact_json)
{
    struct fx f;
    fx_make(&f, one_str, 2, -1);
    OK(&f, "{\"s\": { \"a\" : [ 1 , 2.5e3 , true , null ] ,\n \"b c\" : \" x \\\" y \" } }");
    STR_IS(&f, "s", "{\"a\":[1,2.5e3,true,null],\"b c\":\" x \\\" y \"}");
    OK(&f, "{\"s\":[ ]}");
    STR_IS(&f, "s", "[]");
    OK(&f, "{\"s\":[[[[\"\\u00e9\\\\\"]]], {}]}");
    STR_IS(&f, "s", "[[[[\"\\u00e9\\\\\"]]],{}]");
    /* numbers and bools into a string column keep their text (ClickHouse) */
    OK(&f, "{\"s\":-1.50e+2}");
    STR_IS(&f, "s", "-1.50e+2");
    OK(&f, "{\"s\":false}");
    STR_IS(&f, "s", "false");
    refused(&f, "{\"s\":[1,]}", NULL);
    refused(&f, "{\"s\":[01]}", NULL);
    refused(&f, "{\"s\":{\"a\" 1}}", NULL);
    refused(&f, "{\"s\":{\"a\":1,}}", NULL);
    refused(&f, "{\"s\":{1:2}}", NULL);
    refused(&f, "{\"s\":[1 2]}", NULL);
    refused(&f, "{\"s\":[tru]}", NULL);
    refused(&f, "{\"s\":{\"a\":[}]}", NULL);
    refused(&f, "{\"s\":01}", NULL);
    fx_free(&f);
}

/* {"v":<text>} into a column of type ty: accepted with value, or refused. */
static int into(const char *ty, const char *text, char *why, void *value)
{
    const char *cols[] = {"v", ty};
    struct fx f;
    fx_make(&f, cols, 2, -1);
    char line[256];
    snprintf(line, sizeof line, "{\"v\":%s}", text);
    int rc = row(&f, line);
    if (rc == 0 && value)
        memcpy(value, (char *)f.b->cols[0].data + ty_width(f.b->cols[0].ty) * last(&f),
               ty_width(f.b->cols[0].ty));
    if (rc && why)
        strcpy(why, f.why);
    if (rc) { /* and the block is still empty */
        for (uint32_t c = 0; c < f.b->ncols; c++)
            cr_assert_eq(f.b->cols[c].n, 0);
    }
    fx_free(&f);
    return rc;
}

static void int_ok(const char *ty, const char *text, int64_t want)
{
    union { int64_t i64; int8_t i8; int16_t i16; int32_t i32;
            uint8_t u8; uint16_t u16; uint32_t u32; } v = {0};
    cr_assert_eq(into(ty, text, NULL, &v), 0, "%s into %s", text, ty);
    int64_t got;
    if (!strcmp(ty, "int8")) got = v.i8;
    else if (!strcmp(ty, "int16")) got = v.i16;
    else if (!strcmp(ty, "int32")) got = v.i32;
    else if (!strcmp(ty, "uint8")) got = v.u8;
    else if (!strcmp(ty, "uint16")) got = v.u16;
    else if (!strcmp(ty, "uint32")) got = v.u32;
    else got = v.i64;
    cr_expect_eq(got, want, "%s into %s", text, ty);
}

static void bad_in(const char *ty, const char *text, const char *why)
{
    char got[256] = "";
    cr_expect_eq(into(ty, text, got, NULL), ERR_MALFORMED, "%s into %s accepted", text, ty);
    if (why)
        cr_expect_str_eq(got, why);
}

Test(json_in, integer_ranges_every_width)
{
    struct { const char *ty, *min, *max, *below, *above; } w[] = {
        {"int8", "-128", "127", "-129", "128"},
        {"int16", "-32768", "32767", "-32769", "32768"},
        {"int32", "-2147483648", "2147483647", "-2147483649", "2147483648"},
        {"int64", "-9223372036854775808", "9223372036854775807", "-9223372036854775809",
         "9223372036854775808"},
        {"uint8", "0", "255", "-1", "256"},
        {"uint16", "0", "65535", "-1", "65536"},
        {"uint32", "0", "4294967295", "-1", "4294967296"},
        {"uint64", "0", "18446744073709551615", "-1", "18446744073709551616"},
    };
    for (size_t i = 0; i < sizeof w / sizeof *w; i++) {
        char v[8];
        cr_assert_eq(into(w[i].ty, w[i].min, NULL, v), 0, "%s %s", w[i].ty, w[i].min);
        cr_assert_eq(into(w[i].ty, w[i].max, NULL, v), 0, "%s %s", w[i].ty, w[i].max);
        bad_in(w[i].ty, w[i].below, NULL);
        bad_in(w[i].ty, w[i].above, NULL);
        bad_in(w[i].ty, "1e30", NULL);
        bad_in(w[i].ty, "-1e30", NULL);
        int_ok(w[i].ty, "-0", 0);
        int_ok(w[i].ty, "0.0e5", 0);
    }
    int_ok("int64", "-9223372036854775808", INT64_MIN);
    int_ok("int64", "9223372036854775807", INT64_MAX);
    uint64_t u = 0;
    cr_assert_eq(into("uint64", "18446744073709551615", NULL, &u), 0);
    cr_expect_eq(u, UINT64_MAX);
    cr_assert_eq(into("uint64", "1.8446744073709551615e19", NULL, &u), 0);
    cr_expect_eq(u, UINT64_MAX);
    int_ok("int8", "127", 127);
    int_ok("int8", "-128", -128);
    int_ok("uint16", "65535", 65535);
    int_ok("int32", "-2147483648", INT32_MIN);
    bad_in("int8", "300", "field 'v': number 300 out of range for int8");
    bad_in("uint8", "-1", "field 'v': number -1 out of range for uint8");
    bad_in("uint64", "18446744073709551616",
           "field 'v': number 18446744073709551616 out of range for uint64");
    bad_in("uint64", "18446744073709551616.5", NULL);
    bad_in("uint64", "184467440737095516150", NULL);
    bad_in("int64", "123456789012345678901234567890", NULL);
    bad_in("int64", "1e400", NULL);
    bad_in("int64", "1e999999999999999", NULL);
}

Test(json_in, integers_with_fraction_or_exponent)
{
    int_ok("int32", "1.0", 1);
    int_ok("int32", "1e2", 100);
    int_ok("int32", "1E+2", 100);
    int_ok("int32", "1.5e1", 15);
    int_ok("int32", "100e-2", 1);
    int_ok("int32", "-2.50e1", -25);
    int_ok("int64", "0.000000000000000000000000000000e99999", 0);
    int_ok("int64", "12345678900000000000e-10", 1234567890);
    bad_in("int64", "12345678901234567890e-10", NULL);
    int_ok("uint64", "100000000000000000000e-2", 1000000000000000000LL);
    bad_in("int32", "1.5", "field 'v': number 1.5 is not an integer (int32)");
    bad_in("int32", "1e-2", NULL);
    bad_in("int32", "-0.5", NULL);
    bad_in("int64", "1.00000000000000000000001", NULL);
    bad_in("int64", "1e-99999999999", NULL);
    int_ok("int8", "true", 1); /* ClickHouse reads bools into numbers */
    int_ok("uint8", "false", 0);
}

Test(json_in, number_grammar)
{
    const char *bad[] = {
        "01", "-01", "+1", ".5", "1.", "1.e5", "1e", "1e+", "-", "--1", "1.2.3", "0x10",
        "NaN", "Infinity", "-Infinity", "1_000", "1e5.5", "- 1", "00", "1ee5", "infinity",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bad_in("int64", bad[i], NULL);
        bad_in("float64", bad[i], NULL);
        bad_in("string", bad[i], NULL);
    }
}

Test(json_in, wrong_types)
{
    bad_in("int32", "\"12\"", "field 'v': wrong type: expected int32, got a string");
    bad_in("int32", "[1]", "field 'v': wrong type: expected int32, got an array");
    bad_in("nullable(int32)", "{}", "field 'v': wrong type: expected int32, got an object");
    bad_in("float64", "\"1.5\"", "field 'v': wrong type: expected float64, got a string");
    bad_in("bool", "\"true\"", "field 'v': wrong type: expected bool, got a string");
    bad_in("datetime", "true", "field 'v': wrong type: expected datetime, got a bool");
    bad_in("datetime64(3)", "[]", NULL);
    bad_in("datetime", "tru", "invalid JSON at byte 6");
    bad_in("int8", "nul", "invalid JSON at byte 6");
    bad_in("uint8", "{\"a\":1}", NULL);
}

Test(json_in, bools)
{
    uint8_t v = 9;
    cr_assert_eq(into("bool", "true", NULL, &v), 0);
    cr_expect_eq(v, 1);
    cr_assert_eq(into("bool", "false", NULL, &v), 0);
    cr_expect_eq(v, 0);
    cr_assert_eq(into("bool", "1", NULL, &v), 0);
    cr_expect_eq(v, 1);
    cr_assert_eq(into("bool", "0", NULL, &v), 0);
    cr_expect_eq(v, 0);
    cr_assert_eq(into("bool", "1.0", NULL, &v), 0);
    cr_expect_eq(v, 1);
    bad_in("bool", "2", "field 'v': number 2 is not a bool (0 or 1)");
    bad_in("bool", "-1", NULL);
    bad_in("bool", "0.5", NULL);
    bad_in("bool", "True", NULL);
    bad_in("bool", "yes", NULL);
}

static double dbl_in(const char *text)
{
    double d = NAN;
    cr_assert_eq(into("float64", text, NULL, &d), 0, "%s", text);
    return d;
}

static float flt_in(const char *text)
{
    float f = NAN;
    cr_assert_eq(into("float32", text, NULL, &f), 0, "%s", text);
    return f;
}

Test(json_in, floats)
{
    cr_expect_eq(dbl_in("0.1"), 0.1);
    cr_expect_eq(dbl_in("-21.5"), -21.5);
    cr_expect_eq(dbl_in("1e300"), 1e300);
    cr_expect_eq(dbl_in("5e-324"), 5e-324);
    cr_expect_eq(dbl_in("2.2250738585072014e-308"), 2.2250738585072014e-308);
    cr_expect_eq(dbl_in("1.7976931348623157e308"), 1.7976931348623157e308);
    cr_expect_eq(dbl_in("3.14159265358979323846264338327950288"), 3.141592653589793);
    cr_expect_eq(dbl_in("9007199254740993"), 9007199254740992.0); /* ties to even */
    cr_expect_eq(dbl_in("123456789012345678901234567890"), 1.2345678901234568e29);
    cr_expect_eq(dbl_in("1e-400"), 0.0); /* underflow is not an error */
    cr_expect_eq(dbl_in("7"), 7.0);
    cr_expect_eq(dbl_in("true"), 1.0);
    double z = dbl_in("-0.0");
    cr_expect(z == 0 && signbit(z));
    z = dbl_in("-0");
    cr_expect(z == 0 && signbit(z));
    bad_in("float64", "1e400", "field 'v': number 1e400 out of range for float64");
    bad_in("float64", "-1e309", NULL);
    cr_expect_eq(flt_in("0.1"), 0.1f);
    cr_expect_eq(flt_in("3.4028234663852886e38"), 3.4028234663852886e38f);
    cr_expect_eq(flt_in("1e-50"), 0.0f);
    cr_expect_eq(flt_in("16777217"), 16777216.0f);
    cr_expect_eq(flt_in("1.00000005960464477539062500001"), 1.0000001f); /* not via double */
    bad_in("float32", "3.5e38", "field 'v': number 3.5e38 out of range for float32");
    bad_in("float32", "-1e39", NULL);
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The fast path must agree with strtod/strtof bit for bit. */
Test(json_in, floats_agree_with_libc)
{
    static const char *const cols[] = {"d", "float64", "f", "float32"};
    struct fx f;
    fx_make(&f, cols, 4, -1);
    for (int i = 0; i < 100000; i++) {
        char num[64], line[160];
        uint64_t x = rng();
        switch (i % 4) {
        case 0: snprintf(num, sizeof num, "%.*g", (int)(x % 17) + 1, (double)(x >> 11) / 9e3); break;
        case 1: snprintf(num, sizeof num, "%llue%d", (unsigned long long)(x >> (x % 64)),
                         (int)(x % 60) - 30); break;
        case 2: snprintf(num, sizeof num, "-%llu.%llu", (unsigned long long)(x % 100000),
                         (unsigned long long)(x >> 40)); break;
        default: {
            double d;
            memcpy(&d, &x, sizeof d);
            if (!isfinite(d) || fabs(d) > 3e38)
                d = 1.25;
            snprintf(num, sizeof num, "%.17g", d);
        }
        }
        snprintf(line, sizeof line, "{\"d\":%s,\"f\":%s}", num, num);
        double want_d = strtod(num, NULL);
        float want_f = strtof(num, NULL);
        if (isinf(want_f))
            continue;
        cr_assert_eq(row(&f, line), 0, "%s: %s", line, f.why);
        double got_d = VAL(&f, "d", double);
        float got_f = VAL(&f, "f", float);
        cr_assert(memcmp(&got_d, &want_d, sizeof got_d) == 0, "%s: %.17g vs %.17g", num, got_d,
                  want_d);
        cr_assert(memcmp(&got_f, &want_f, sizeof got_f) == 0, "%s: %.9g vs %.9g", num,
                  (double)got_f, (double)want_f);
        if (f.b->cols[0].n > 4096)
            blk_clear(f.b);
    }
    fx_free(&f);
}

Test(json_in, datetimes)
{
    uint32_t dt = 0;
    int64_t t = 0;
    cr_assert_eq(into("datetime", "\"2024-07-10 12:34:56\"", NULL, &dt), 0);
    cr_expect_eq(dt, 1720614896);
    cr_assert_eq(into("datetime", "1720614896", NULL, &dt), 0);
    cr_expect_eq(dt, 1720614896);
    cr_assert_eq(into("datetime", "1720614896.9", NULL, &dt), 0); /* truncated */
    cr_expect_eq(dt, 1720614896);
    cr_assert_eq(into("datetime", "4294967295", NULL, &dt), 0);
    cr_expect_eq(dt, UINT32_MAX);
    bad_in("datetime", "4294967296", "field 'v': datetime 4294967296 out of range");
    bad_in("datetime", "-1", NULL);
    bad_in("datetime", "\"1969-12-31 23:59:59\"", NULL);
    bad_in("datetime", "\"2024-02-30 00:00:00\"",
           "field 'v': cannot parse datetime '2024-02-30 00:00:00'");
    bad_in("datetime", "\"x\"", "field 'v': cannot parse datetime 'x'");
    bad_in("datetime", "\"2024-07-10 12:34:56 \"", NULL);
    cr_assert_eq(into("datetime64(3)", "\"2024-07-10 12:34:56.789123\"", NULL, &t), 0);
    cr_expect_eq(t, 1720614896789LL);
    cr_assert_eq(into("datetime64(3)", "1720614896.789", NULL, &t), 0);
    cr_expect_eq(t, 1720614896789LL);
    cr_assert_eq(into("datetime64(3)", "1.720614896789e9", NULL, &t), 0);
    cr_expect_eq(t, 1720614896789LL);
    cr_assert_eq(into("datetime64(3)", "1720614896", NULL, &t), 0);
    cr_expect_eq(t, 1720614896000LL);
    cr_assert_eq(into("datetime64(3)", "-1.5", NULL, &t), 0); /* pre-1970 */
    cr_expect_eq(t, -1500);
    cr_assert_eq(into("datetime64(0)", "-1.5", NULL, &t), 0); /* floor, like the text */
    cr_expect_eq(t, -2);
    cr_assert_eq(into("datetime64(0)", "\"1969-12-31 23:59:58.5\"", NULL, &t), 0);
    cr_expect_eq(t, -2);
    cr_assert_eq(into("datetime64(9)", "0.0000000019", NULL, &t), 0);
    cr_expect_eq(t, 1);
    cr_assert_eq(into("datetime64(9)", "-0.0000000000001", NULL, &t), 0);
    cr_expect_eq(t, -1);
    cr_assert_eq(into("datetime64(6)", "\"1900-01-01T00:00:00.000001Z\"", NULL, &t), 0);
    cr_expect_eq(t, -2208988800000000LL + 1);
    cr_assert_eq(into("datetime64(3)", "\"2024-07-10\"", NULL, &t), 0);
    cr_expect_eq(t, 1720569600000LL);
    bad_in("datetime64(9)", "1e10", NULL);            /* beyond int64 nanoseconds */
    bad_in("datetime64(3)", "1e12", NULL);            /* beyond 9999-12-31 */
    bad_in("datetime64(3)", "-1e11", NULL);           /* before 0000-01-01 */
    bad_in("datetime64(3)", "\"2024-07-10 12:34:56.\"", NULL);
    bad_in("datetime64(3)", "\"\"", NULL);
    bad_in("datetime64(3)", "\"1720614896\"", NULL);
}

/* Found by the fuzzer: a zero with a huge exponent once looped 10^9 times
 * scaling zero toward overflow. Every numeric kind must stay fast. */
Test(json_in, zero_with_huge_exponent)
{
    static const char *const kinds[] = {
        "datetime64(9)", "datetime64(0)", "datetime", "int64", "uint8", "float32", "float64",
        "bool",
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        for (int r = 0; r < 20; r++) {
            char v[16];
            cr_assert_eq(into(kinds[i], "0e999999999999", NULL, v), 0, "%s", kinds[i]);
            cr_assert_eq(into(kinds[i], "-0.0E+999999999", NULL, v), 0, "%s", kinds[i]);
            cr_assert_eq(into(kinds[i], "0.000e-999999999", NULL, v), 0, "%s", kinds[i]);
        }
    }
    bad_in("datetime64(9)", "1e999999999999", NULL);
    bad_in("int64", "1e999999999999", NULL);
    bad_in("int64", "1e-999999999999", NULL);
}

Test(json_in, fractions_at_every_precision)
{
    for (int p = 0; p <= 9; p++) {
        char ty[32], text[64];
        int64_t t = 0, scale = 1;
        for (int i = 0; i < p; i++)
            scale *= 10;
        snprintf(ty, sizeof ty, "datetime64(%d)", p);
        cr_assert_eq(into(ty, "\"2024-07-10 12:34:56.123456789\"", NULL, &t), 0);
        cr_expect_eq(t, 1720614896LL * scale + 123456789LL / (1000000000LL / scale), "p=%d", p);
        snprintf(text, sizeof text, "%.9f", 1720614896.123456789);
        cr_assert_eq(into(ty, "1720614896.123456789", NULL, &t), 0);
        cr_expect_eq(t, 1720614896LL * scale + 123456789LL / (1000000000LL / scale), "p=%d", p);
    }
}

Test(json_in, tp_time_sources)
{
    static const char *const cols[] = {"ev", "nullable(datetime64(6))", "x", "int8"};
    struct fx f;
    fx_make(&f, cols, 4, 0); /* event_time_column = ev */
    OK(&f, "{\"ev\":\"2024-07-10 12:34:56.123456\",\"x\":1}");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), 1720614896123LL);
    OK(&f, "{\"ev\":null}");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), NOW_MS);
    OK(&f, "{\"x\":1}");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), NOW_MS);
    OK(&f, "{\"ev\":\"2024-07-10 12:34:56.123456\",\"_tp_time\":\"2000-01-01 00:00:00.5\"}");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), 946684800500LL);
    OK(&f, "{\"_tp_time\":null,\"ev\":\"2024-07-10 12:34:56\"}"); /* null: as if missing */
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), 1720614896000LL);
    OK(&f, "{\"_tp_time\":1.5}");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), 1500);
    refused(&f, "{\"_tp_time\":\"soon\"}", "field '_tp_time': cannot parse datetime 'soon'");
    refused(&f, "{\"_tp_time\":null,\"_tp_time\":1}", "duplicate field '_tp_time'");
    fx_free(&f);

    static const char *const cols2[] = {"ev", "datetime", "x", "int8"};
    fx_make(&f, cols2, 4, 0);
    OK(&f, "{\"ev\":\"2024-07-10 12:34:56\"}");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), 1720614896000LL);
    /* a non-nullable event-time column left out: the row happened now, not
     * at the epoch (the column itself keeps its default) */
    OK(&f, "{\"x\":2}");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), NOW_MS);
    cr_expect_eq(VAL(&f, "ev", uint32_t), 0);
    fx_free(&f);

    fx_make(&f, cols2, 4, -1);
    OK(&f, "{\"ev\":\"2024-07-10 12:34:56\"}");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), NOW_MS);
    fx_free(&f);
}

Test(json_in, duplicate_fields)
{
    struct fx f;
    fx_make(&f, typical, 10, -1);
    refused(&f, "{\"count\":1,\"count\":2}", "duplicate field 'count'");
    refused(&f, "{\"device\":\"a\",\"temp\":1,\"device\":\"a\"}", "duplicate field 'device'");
    refused(&f, "{\"ok\":null,\"ok\":true}", "duplicate field 'ok'");
    OK(&f, "{\"zz\":1,\"zz\":2}"); /* unknown fields are ignored, duplicates too */
    fx_free(&f);
}

Test(json_in, structure)
{
    struct fx f;
    fx_make(&f, typical, 10, -1);
    refused(&f, "", "expected a JSON object, got an empty line");
    refused(&f, "   \t ", "expected a JSON object, got an empty line");
    refused(&f, "\r", "expected a JSON object, got an empty line");
    refused(&f, "[1,2]", "expected a JSON object");
    refused(&f, "42", "expected a JSON object");
    refused(&f, "\"x\"", "expected a JSON object");
    refused(&f, "null", "expected a JSON object");
    refused(&f, "{", "truncated JSON: the line ends inside a value");
    refused(&f, "{\"count\":1", NULL);
    refused(&f, "{\"count\":", NULL);
    refused(&f, "{\"count\"", NULL);
    refused(&f, "{\"device\":\"abc", NULL);
    refused(&f, "{\"count\":1} x", NULL);
    refused(&f, "{\"count\":1}}", NULL);
    refused(&f, "{\"count\":1}{\"count\":2}", NULL);
    refused(&f, "{\"count\":1} {}", NULL);
    refused(&f, "{\"count\":1} 5 ", NULL);
    refused(&f, "{\"count\":1},", NULL);
    refused(&f, "{\"count\":1 \"ok\":true}", "invalid JSON at byte 12");
    refused(&f, "{\"count\":1,}", "invalid JSON at byte 11");
    refused(&f, "{,\"count\":1}", NULL);
    refused(&f, "{\"count\" 1}", NULL);
    refused(&f, "{\"count\"::1}", NULL);
    refused(&f, "{\"count\":1,,\"ok\":true}", NULL);
    refused(&f, "{count:1}", NULL);
    refused(&f, "{'count':1}", NULL);
    refused(&f, "{1:1}", NULL);
    refused(&f, "{\"count\"}", NULL);
    refused(&f, "{\"count\":1:2}", NULL);
    refused(&f, "{\"a\":\"b\":\"c\"}", NULL);
    refused(&f, "{\"count\":}", NULL);
    refused(&f, "{\"x\":[1,2}", NULL);
    refused(&f, "{\"x\":{\"a\":1]}", NULL);
    refused(&f, "{\"count\":1}\x01", NULL);
    refused(&f, "{\"count\":1}\n{}", NULL);
    /* whitespace anywhere outside tokens; a trailing \r is dropped */
    OK(&f, " \t{ \"count\" \n:\r 5 ,\t\"ok\" : true } \t");
    cr_expect_eq(VAL(&f, "count", int32_t), 5);
    OK(&f, "{\"count\":6}\r");
    cr_expect_eq(VAL(&f, "count", int32_t), 6);
    fx_free(&f);
}

Test(json_in, key_lookup)
{
    struct fx f;
    fx_make(&f, typical, 10, -1);
    /* reverse order, then escaped key names */
    OK(&f, "{\"ts\":1,\"ok\":true,\"count\":3,\"temp\":2,\"device\":\"d\"}");
    cr_expect_eq(VAL(&f, "count", int32_t), 3);
    STR_IS(&f, "device", "d");
    OK(&f, "{\"co\\u0075nt\":4,\"\\u0064evice\":\"e\"}");
    cr_expect_eq(VAL(&f, "count", int32_t), 4);
    STR_IS(&f, "device", "e");
    /* near misses are unknown fields */
    OK(&f, "{\"Count\":9,\"coun\":9,\"countt\":9,\"count\\u0000\":9}");
    cr_expect_eq(VAL(&f, "count", int32_t), 0);
    fx_free(&f);

    /* many columns: every name found through the hash as well */
    struct fx g;
    static char names[200][8];
    const char *cols[400];
    for (int i = 0; i < 200; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        cols[2 * i] = names[i];
        cols[2 * i + 1] = "int32";
    }
    fx_make(&g, cols, 400, -1);
    char line[4096];
    size_t n = 0;
    line[n++] = '{';
    for (int i = 199; i >= 0; i -= 3)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s\"c%d\":%d", i == 199 ? "" : ",", i, i);
    line[n++] = '}';
    line[n] = '\0';
    OK(&g, line);
    for (int i = 0; i < 200; i++)
        cr_expect_eq(COL_AT(&g.b->cols[i], int32_t, 0), (199 - i) % 3 == 0 ? i : 0, "c%d", i);
    fx_free(&g);
}

Test(json_in, big_and_deep_rows)
{
    struct fx f;
    fx_make(&f, one_str, 2, -1);
    /* many tokens: the token array grows */
    size_t cap = 1 << 20;
    char *line = malloc(cap);
    size_t n = (size_t)sprintf(line, "{\"s\":[");
    for (int i = 0; i < 50000; i++)
        n += (size_t)sprintf(line + n, "%s%d", i ? "," : "", i);
    n += (size_t)sprintf(line + n, "],\"t\":1}");
    OK(&f, line);
    size_t len;
    const char *s = str_at(&f.b->cols[0], last(&f), &len);
    cr_expect_eq(len, n - strlen("{\"s\":,\"t\":1}"));
    cr_expect(len > 2 && s[0] == '[' && s[len - 1] == ']');
    /* nesting: 128 levels (the row's object included) and no more, for short
     * lines and long ones alike */
    for (int pad = 0; pad <= 1000; pad += 1000) {
        for (int depth = 127; depth <= 128; depth++) {
            n = (size_t)sprintf(line, "{\"pad\":\"%*s\",\"s\":", pad, "");
            for (int i = 0; i < depth; i++) { /* {"k":[{"k":[...{}...]}]} */
                line[n++] = i % 2 ? '[' : '{';
                if (i % 2 == 0 && i < depth - 1)
                    n += (size_t)sprintf(line + n, "\"k\":");
            }
            for (int i = depth - 1; i >= 0; i--)
                line[n++] = i % 2 ? ']' : '}';
            line[n++] = '}';
            line[n] = '\0';
            if (depth == 127) {
                OK(&f, line);
            } else {
                refused(&f, line, "JSON nested deeper than 128 levels");
            }
        }
    }
    /* short lines (no pre-scan): the walk applies the same limit */
    for (int depth = 127; depth <= 128; depth++) {
        n = (size_t)sprintf(line, "{\"s\":");
        memset(line + n, '[', (size_t)depth);
        memset(line + n + depth, ']', (size_t)depth);
        n += 2 * (size_t)depth;
        line[n++] = '}';
        line[n] = '\0';
        cr_assert_lt(n, 512);
        if (depth == 127)
            OK(&f, line);
        else
            refused(&f, line, "JSON nested deeper than 128 levels");
    }
    /* a hostile megabyte of brackets is refused quickly, not in O(n^2) */
    n = (size_t)sprintf(line, "{\"x\":");
    memset(line + n, '[', 500000);
    memset(line + n + 500000, ']', 500000);
    n += 1000000;
    line[n++] = '}';
    line[n] = '\0';
    refused(&f, line, "JSON nested deeper than 128 levels");
    free(line);
    fx_free(&f);
}

Test(json_in, rollback_after_partial_row)
{
    struct fx f;
    fx_make(&f, typical, 10, -1);
    OK(&f, "{\"device\":\"first\",\"temp\":1,\"count\":1,\"ok\":true,\"ts\":1}");
    OK(&f, "{\"device\":\"second\",\"count\":2}");
    /* each fails after some columns already took a value */
    refused(&f, "{\"device\":\"long string that must vanish\",\"temp\":2,\"count\":1e99}", NULL);
    refused(&f, "{\"device\":\"x\",\"temp\":2,\"count\":3,\"ok\":true,\"ts\":\"bad\"}", NULL);
    refused(&f, "{\"device\":\"x\",\"temp\":2,\"count\":3,\"ok\":true,\"ts\":1} junk", NULL);
    refused(&f, "{\"device\":\"x\",\"count\":3,\"device\":\"y\"}", NULL);
    refused(&f, "{\"device\":\"x\",\"zz\":\"\\ud800\"}", NULL);
    refused(&f, "{\"device\":\"x\",\"temp\":2,\"count\":3", NULL);
    cr_expect_eq(f.b->nrows, 2);
    OK(&f, "{\"device\":\"third\"}");
    cr_expect_eq(f.b->nrows, 3);
    STR_IS(&f, "device", "third");
    size_t len;
    const char *s = str_at(&f.b->cols[0], 1, &len);
    cr_expect(len == 6 && memcmp(s, "second", 6) == 0);
    cr_expect_eq(f.b->cols[0].chars_len, strlen("firstsecondthird"));
    fx_free(&f);
}

/*
 * A flat row takes the one-pass scanner; the same row with an escaped key
 * takes the general path. Both must agree on every value: accepted or
 * not, and byte for byte in the block.
 */
static const char *const every_kind[] = {
    "s", "string", "i", "int64", "i8", "int8", "u", "uint64", "f", "float64", "g", "float32",
    "b", "bool", "t", "datetime64(3)", "d", "datetime", "ns", "nullable(string)",
    "ni", "nullable(int32)", "long_column_name_x", "int16",
};

static void same_both_ways(struct fx *scan, struct fx *walk, const char *name, const char *val,
                           const char *before)
{
    char l1[512], l2[512];
    struct buf a = BUF_INIT, b = BUF_INIT;
    /* the key's first letter as \u00XX makes the scanner leave the line */
    snprintf(l1, sizeof l1, "{%s\"%s\":%s}", before, name, val);
    snprintf(l2, sizeof l2, "{%s\"\\u%04x%s\":%s}", before, (unsigned)name[0], name + 1, val);
    int r1 = row(scan, l1), r2 = row(walk, l2);
    cr_expect_eq(r1, r2, "%s: %d, %s: %d", l1, r1, l2, r2);
    snapshot(scan, &a);
    snapshot(walk, &b);
    cr_expect(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "%s: not the same row", l1);
    buf_free(&a);
    buf_free(&b);
}

Test(json_in, scanner_agrees_with_general_path)
{
    static const char *const vals[] = {
        "0", "-0", "1", "-1", "7", "127", "128", "-129", "255", "65535", "1e2", "1E+2", "1.0",
        "1.5", "-2.50", "1e-2", "0.000", "00", "01", "-", "1.", ".5", "1e", "1e+", "+1",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "18446744073709551615", "18446744073709551616", "1234567890123456789",
        "12345678901234567890", "0.1234567890123456789", "21.5", "0.1", "3.14159265358979323846",
        "1e400", "-1e400", "1e-400", "5e-324", "3.4028235e38", "123456.7e-3", "1720614896",
        "1720614896.5", "-1", "true", "false", "null", "tru", "nul", "falsey", "\"\"", "\"x\"",
        "\"sensor-42\"", "\"with \\\"quotes\\\" and \\\\ \\/\"", "\"\\u00e9\\ud83d\\ude00\"",
        "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "\"a\tb\"",
        "\"\\x\"", "\"\\ud800\"", "\"2024-07-10 12:34:56.789\"", "\"2024-07-10T12:34:56Z\"",
        "\"2024-07-10\"", "\"1969-12-31 23:59:59.9995\"", "\"2024-13-01 00:00:00\"",
        "\"12\"", "\"true\"", "{\"a\":[1, 2]}", "[ ]", "[1,{\"b\":null}]", "{", "\"open",
        "1 ", " 1", "1}", "\"x\"\"y\"", "1 2",
    };
    static const char *const before[] = {"", "\"zz\":1,", "\"s\":\"first\",", " \"zz\" : [1] , "};
    struct fx a, b;
    fx_make(&a, every_kind, sizeof every_kind / sizeof *every_kind, 7); /* t: event time */
    fx_make(&b, every_kind, sizeof every_kind / sizeof *every_kind, 7);
    for (size_t k = 0; k < sizeof before / sizeof *before; k++)
        for (size_t c = 0; c + 1 < sizeof every_kind / sizeof *every_kind; c += 2)
            for (size_t v = 0; v < sizeof vals / sizeof *vals; v++)
                same_both_ways(&a, &b, every_kind[c], vals[v], before[k]);
    cr_expect_gt(a.b->nrows, 1000);
    fx_free(&a);
    fx_free(&b);
}

Test(json_in, scanner_keys_and_layouts)
{
    struct fx f;
    fx_make(&f, every_kind, sizeof every_kind / sizeof *every_kind, -1);
    /* a long name (no word compare) and a key at the very end of the line */
    OK(&f, "{\"long_column_name_x\":7}");
    cr_expect_eq(VAL(&f, "long_column_name_x", int16_t), 7);
    OK(&f, "{\"i\":1,\"b\":true}");
    cr_expect_eq(VAL(&f, "b", uint8_t), 1);
    /* unknown keys remembered at a position never shadow known ones */
    OK(&f, "{\"x\":1,\"i\":2}");
    OK(&f, "{\"x\":1,\"i\":3}");
    cr_expect_eq(VAL(&f, "i", int64_t), 3);
    OK(&f, "{\"s\":\"a\",\"x\":\"y\",\"i\":4}");
    OK(&f, "{\"s\":\"a\",\"i\":5,\"x\":6}");
    cr_expect_eq(VAL(&f, "i", int64_t), 5);
    OK(&f, "{\"s\":\"a\",\"ix\":1,\"i\":6,\"i8\":-1}");
    cr_expect_eq(VAL(&f, "i", int64_t), 6);
    cr_expect_eq(VAL(&f, "i8", int8_t), -1);
    refused(&f, "{\"s\":\"a\",\"x\":1,\"i\":6,\"i\":7}", "duplicate field 'i'");
    refused(&f, "{\"x\":1,\"x\":2,\"i\":\"2\"}",
            "field 'i': wrong type: expected int64, got a string");
    /* whitespace everywhere it may be, a trailing \r */
    OK(&f, " \t{ \"s\" :\t\"w\" , \"i\" : 8 ,\"f\": -0.5 } \r");
    STR_IS(&f, "s", "w");
    cr_expect_eq(VAL(&f, "i", int64_t), 8);
    cr_expect_eq(VAL(&f, "f", double), -0.5);
    OK(&f, "{ }");
    cr_expect_eq(VAL(&f, "i", int64_t), 0);
    /* thousands of rows: every column grows past its first capacity */
    char line[256];
    for (int r = 0; r < 3000; r++) {
        snprintf(line, sizeof line, "{\"s\":\"row %d\",\"i\":%d,\"f\":%d.25,\"ns\":%s}", r, r, r,
                 r % 2 ? "null" : "\"n\"");
        OK(&f, line);
        cr_assert_eq(VAL(&f, "i", int64_t), r);
        cr_assert_eq(VAL(&f, "f", double), r + 0.25);
        cr_assert_eq(ISNULL(&f, "ns"), r % 2 == 1);
    }
    size_t len;
    const char *s0 = str_at(&f.b->cols[col_of(&f, "s")], last(&f), &len);
    cr_expect(len == 8 && memcmp(s0, "row 2999", 8) == 0);
    fx_free(&f);
}

Test(json_in, reasons_fit_small_buffers)
{
    struct fx f;
    fx_make(&f, typical, 10, -1);
    char tiny[8];
    int rc = fmt_json_in_row(f.p, "{\"count\":1e99}", 14, NOW_MS, f.b, tiny, sizeof tiny);
    cr_expect_eq(rc, ERR_MALFORMED);
    cr_expect_str_eq(tiny, "field '");
    rc = fmt_json_in_row(f.p, "[", 1, NOW_MS, f.b, NULL, 0);
    cr_expect_eq(rc, ERR_MALFORMED);
    cr_expect_eq(f.b->cols[0].n, 0);
    fx_free(&f);
}

Test(json_in, raw_rows)
{
    static const char *const cols[] = {"raw", "string"};
    struct fx f;
    fx_make(&f, cols, 2, -1);
    static const char line[] = "not json \xff\0 at all\r";
    cr_assert_eq(fmt_raw_in_row(line, sizeof line - 1, NOW_MS, f.b), 0);
    STR_IS(&f, "raw", "not json \xff\0 at all\r");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), NOW_MS);
    cr_assert_eq(fmt_raw_in_row("", 0, 5, f.b), 0);
    STR_IS(&f, "raw", "");
    cr_expect_eq(VAL(&f, "_tp_time", int64_t), 5);
    cr_expect_eq(f.b->nrows, 2);
    fx_free(&f);
}

Test(json_in, create_rejects_bad_schema)
{
    struct fmt_json_in *p = (void *)1;
    cr_expect_eq(fmt_json_in_create(NULL, &p), -EINVAL);
    struct schema *s;
    cr_assert_eq(sch_create("t", &s), 0);
    cr_expect_eq(fmt_json_in_create(s, &p), -EINVAL); /* no columns */
    sch_destroy(s);
    fmt_json_in_destroy(NULL);
}

/* decimal(p, s): numbers and numeric strings read from their digits
 * (no double in between), extra fraction digits discarded (ClickHouse),
 * too many integer digits a malformed row. */
Test(json_in, decimals_exact)
{
    int64_t v = 0;
    cr_assert_eq(into("decimal(5, 2)", "1.5", NULL, &v), 0);
    cr_expect_eq(v, 150);
    cr_assert_eq(into("decimal(5, 2)", "\"-324.46\"", NULL, &v), 0);
    cr_expect_eq(v, -32446);
    cr_assert_eq(into("decimal(5, 2)", "1.239", NULL, &v), 0);
    cr_expect_eq(v, 123, "truncated, not rounded");
    cr_assert_eq(into("decimal(5, 2)", "12e1", NULL, &v), 0);
    cr_expect_eq(v, 12000);
    cr_assert_eq(into("decimal(18, 6)", "123456789012.345678", NULL, &v), 0);
    cr_expect_eq(v, 123456789012345678LL, "all 18 digits");
    cr_assert_eq(into("decimal(18, 0)", "-999999999999999999", NULL, &v), 0);
    cr_expect_eq(v, -999999999999999999LL);
    cr_assert_eq(into("nullable(decimal(9, 3))", "null", NULL, NULL), 0);
    bad_in("decimal(5, 2)", "1000", "field 'v': number 1000 out of range for decimal(5, 2)");
    bad_in("decimal(5, 2)", "\"-1000.5\"",
           "field 'v': number -1000.5 out of range for decimal(5, 2)");
    bad_in("decimal(18, 0)", "1000000000000000000", NULL);
    bad_in("decimal(5, 2)", "\"abc\"", "field 'v': cannot parse 'abc' as decimal(5, 2)");
    bad_in("decimal(5, 2)", "\"\"", NULL);
    bad_in("decimal(5, 2)", "true", NULL);
    bad_in("decimal(5, 2)", "[1]", NULL);
}

/* --- arrays ------------------------------------------------------------ */

#include "format/json_out.h"
#include "format/out.h"

static const char *const arrs[] = {
    "id", "int32", "xs", "array(int32)", "tags", "array(nullable(string))",
    "ts", "array(datetime64(3))", "fs", "array(float64)", "bs", "array(bool)",
};

/* Column name of the last row as JSON and as ClickHouse's text form. */
static void arr_is(struct fx *f, const char *name, const char *json, const char *text)
{
    struct buf j = BUF_INIT, t = BUF_INIT;
    const struct col *c = &f->b->cols[col_of(f, name)];
    cr_assert_eq(fmt_json_value(c, last(f), &j), 0);
    cr_assert_eq(fmt_array_text(c, last(f), &t), 0);
    cr_expect(j.len == strlen(json) && memcmp(j.data, json, j.len) == 0, "%s json: %.*s", name,
              (int)j.len, j.data);
    cr_expect(t.len == strlen(text) && memcmp(t.data, text, t.len) == 0, "%s text: %.*s", name,
              (int)t.len, t.data);
    buf_free(&j);
    buf_free(&t);
}

Test(json_in, arrays_of_every_element_kind)
{
    struct fx f;
    fx_make(&f, arrs, sizeof(arrs) / sizeof(arrs[0]), -1);
    cr_assert_eq(row(&f, "{\"id\":1,\"xs\":[1, -2 ,3],\"tags\":[\"a\",null,\"it's\\t\\u00e9\"],"
                         "\"ts\":[\"2024-07-10 12:00:00.5\",0],\"fs\":[1.5,2e3,-0.25],"
                         "\"bs\":[true,false,1]}"),
                 0, "%s", f.why);
    arr_is(&f, "xs", "[1,-2,3]", "[1,-2,3]");
    arr_is(&f, "tags", "[\"a\",null,\"it's\\t\xc3\xa9\"]", "['a',NULL,'it\\'s\\t\xc3\xa9']");
    arr_is(&f, "ts", "[\"2024-07-10 12:00:00.500\",\"1970-01-01 00:00:00.000\"]",
           "['2024-07-10 12:00:00.500','1970-01-01 00:00:00.000']");
    arr_is(&f, "fs", "[1.5,2000,-0.25]", "[1.5,2000,-0.25]");
    arr_is(&f, "bs", "[true,false,true]", "[true,false,true]");
    /* empty arrays, missing fields and null: the default [] */
    cr_assert_eq(row(&f, "{\"id\":2,\"xs\":[],\"tags\":[ ],\"ts\":null}"), 0, "%s", f.why);
    arr_is(&f, "xs", "[]", "[]");
    arr_is(&f, "tags", "[]", "[]");
    arr_is(&f, "ts", "[]", "[]");
    arr_is(&f, "bs", "[]", "[]");
    /* null elements of a non-nullable element type: the default */
    cr_assert_eq(row(&f, "{\"id\":3,\"xs\":[null,4]}"), 0, "%s", f.why);
    arr_is(&f, "xs", "[0,4]", "[0,4]");
    cr_assert_eq(f.b->cols[col_of(&f, "xs")].child->n, 5);
    fx_free(&f);
}

Test(json_in, array_rows_refused_whole)
{
    struct fx f;
    fx_make(&f, arrs, sizeof(arrs) / sizeof(arrs[0]), -1);
    cr_assert_eq(row(&f, "{\"id\":1,\"xs\":[1],\"tags\":[\"a\"]}"), 0, "%s", f.why);
    refused(&f, "{\"id\":2,\"xs\":[1,\"x\"]}", "field 'xs': wrong type: expected array(int32), got a string");
    refused(&f, "{\"id\":2,\"xs\":[1,[2]]}",
            "field 'xs': array elements must be scalars, got a nested array");
    refused(&f, "{\"id\":2,\"xs\":[{\"a\":1}]}",
            "field 'xs': array elements must be scalars, got a nested object");
    refused(&f, "{\"id\":2,\"xs\":5}", "field 'xs': wrong type: expected array(int32), got a number");
    refused(&f, "{\"id\":2,\"xs\":\"[1]\"}", NULL);
    refused(&f, "{\"id\":2,\"xs\":[99999999999]}", NULL);
    refused(&f, "{\"id\":2,\"xs\":[1,]}", NULL);
    refused(&f, "{\"id\":2,\"tags\":[\"a\"],\"xs\":[1,2],\"bs\":[2]}", NULL);
    refused(&f, "{\"id\":2,\"ts\":[\"not a time\"]}", NULL);
    /* the refused rows left no elements behind */
    cr_assert_eq(f.b->cols[col_of(&f, "xs")].child->n, 1);
    cr_assert_eq(f.b->cols[col_of(&f, "tags")].child->n, 1);
    fx_free(&f);
}
