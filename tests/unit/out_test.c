/*
 * out_test.c — result formats (format/out.h): format names and aliases,
 * JSONEachRow as json_out renders it, CSV and TSV with ClickHouse's quoting
 * and escaping for every column type, NULLs, the names line of the
 * *WithNames formats, and row ranges.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "format/json_out.h"
#include "format/out.h"
#include "types/block.h"

static void kind_is(const char *name, enum fmt_kind want)
{
    enum fmt_kind k = (enum fmt_kind)-1;
    cr_expect_eq(fmt_kind_parse(name, strlen(name), &k), 0, "parse %s", name);
    cr_expect_eq(k, want, "%s", name);
}

Test(out, kind_names)
{
    kind_is("JSONEachRow", FMT_JSONEACHROW);
    kind_is("jsoneachrow", FMT_JSONEACHROW);
    kind_is("NDJSON", FMT_JSONEACHROW);
    kind_is("JSONLines", FMT_JSONEACHROW);
    kind_is("csv", FMT_CSV);
    kind_is("CSVWithNames", FMT_CSVWITHNAMES);
    kind_is("TSV", FMT_TSV);
    kind_is("TabSeparated", FMT_TSV);
    kind_is("tsvwithnames", FMT_TSVWITHNAMES);
    kind_is("TabSeparatedWithNames", FMT_TSVWITHNAMES);
    enum fmt_kind k;
    cr_expect_eq(fmt_kind_parse("XML", 3, &k), -EINVAL);
    cr_expect_eq(fmt_kind_parse("CSVx", 4, &k), -EINVAL);
    cr_expect_eq(fmt_kind_parse("CSVWithNames", 3, &k), 0, "a prefix of the text is the name");
    cr_expect_eq(k, FMT_CSV);
    cr_expect_eq(fmt_kind_count, 5);
    for (int i = 0; i < fmt_kind_count; i++) {
        cr_expect_str_eq(fmt_kind_name((enum fmt_kind)i), fmt_kind_names[i]);
        cr_expect_eq(fmt_kind_parse(fmt_kind_names[i], strlen(fmt_kind_names[i]), &k), 0);
        cr_expect_eq(k, (enum fmt_kind)i);
    }
}

/* One row of every kind, then a row of NULLs and edge values. */
static const char *const names[] = {"b", "i", "u", "f", "s", "dt", "dt64", "ns"};

static struct blk *sample(void)
{
    struct ty types[] = {
        {TY_BOOL, 0, 0},   {TY_INT64, 0, 0},    {TY_UINT64, 0, 0},      {TY_FLOAT64, 0, 0},
        {TY_STRING, 0, 0}, {TY_DATETIME, 0, 0}, {TY_DATETIME64, 0, 3}, {TY_STRING, 1, 0},
    };
    struct blk *b;
    cr_assert_eq(blk_create(types, 8, &b), 0);
    uint8_t t = 1, f = 0;
    int64_t i1 = -42, i2 = INT64_MIN;
    uint64_t u1 = 7, u2 = UINT64_MAX;
    double f1 = 1.5, f2 = NAN;
    uint32_t d1 = 1720569600, d2 = 0; /* 2024-07-10 00:00:00, the epoch */
    int64_t m1 = 1720569600123LL, m2 = 5;
    cr_assert_eq(col_push_fixed(&b->cols[0], &t), 0);
    cr_assert_eq(col_push_fixed(&b->cols[1], &i1), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &u1), 0);
    cr_assert_eq(col_push_fixed(&b->cols[3], &f1), 0);
    cr_assert_eq(col_push_str(&b->cols[4], "a\"b,c\nd", 7), 0);
    cr_assert_eq(col_push_fixed(&b->cols[5], &d1), 0);
    cr_assert_eq(col_push_fixed(&b->cols[6], &m1), 0);
    cr_assert_eq(col_push_str(&b->cols[7], "x", 1), 0);

    cr_assert_eq(col_push_fixed(&b->cols[0], &f), 0);
    cr_assert_eq(col_push_fixed(&b->cols[1], &i2), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &u2), 0);
    cr_assert_eq(col_push_fixed(&b->cols[3], &f2), 0);
    cr_assert_eq(col_push_str(&b->cols[4], "t\tq'\\\r\b\f\0z", 10), 0);
    cr_assert_eq(col_push_fixed(&b->cols[5], &d2), 0);
    cr_assert_eq(col_push_fixed(&b->cols[6], &m2), 0);
    cr_assert_eq(col_push_null(&b->cols[7]), 0);
    cr_assert_eq(blk_seal(b), 0);
    return b;
}

static void render_is(enum fmt_kind k, struct blk *b, uint32_t from, uint32_t to,
                      const char *want, size_t want_len)
{
    struct buf out = BUF_INIT;
    cr_assert_eq(buf_puts(&out, "prefix|"), 0);
    cr_assert_eq(fmt_out_header(k, names, b->ncols, &out), 0);
    cr_assert_eq(fmt_out_rows(k, names, b, from, to, &out), 0);
    cr_expect_eq(out.len, 7 + want_len, "%s: length %zu, want %zu", fmt_kind_name(k), out.len - 7,
                 want_len);
    cr_expect(out.len == 7 + want_len && !memcmp(out.data + 7, want, want_len),
              "%s: got [%.*s]", fmt_kind_name(k), (int)out.len, out.data);
    buf_free(&out);
}
#define RENDER_IS(k, b, from, to, lit) render_is(k, b, from, to, lit, sizeof(lit) - 1)

Test(out, csv)
{
    struct blk *b = sample();
    RENDER_IS(FMT_CSV, b, 0, 2,
              "true,-42,7,1.5,\"a\"\"b,c\nd\",\"2024-07-10 00:00:00\",\"2024-07-10 00:00:00.123\",\"x\"\n"
              "false,-9223372036854775808,18446744073709551615,nan,\"t\tq'\\\r\b\f\0z\","
              "\"1970-01-01 00:00:00\",\"1970-01-01 00:00:00.005\",\\N\n");
    RENDER_IS(FMT_CSVWITHNAMES, b, 1, 1, "\"b\",\"i\",\"u\",\"f\",\"s\",\"dt\",\"dt64\",\"ns\"\n");
    blk_unref(b);
}

Test(out, tsv)
{
    struct blk *b = sample();
    RENDER_IS(FMT_TSV, b, 0, 2,
              "true\t-42\t7\t1.5\ta\"b,c\\nd\t2024-07-10 00:00:00\t2024-07-10 00:00:00.123\tx\n"
              "false\t-9223372036854775808\t18446744073709551615\tnan\tt\\tq\\'\\\\\\r\\b\\f\\0z\t"
              "1970-01-01 00:00:00\t1970-01-01 00:00:00.005\t\\N\n");
    RENDER_IS(FMT_TSVWITHNAMES, b, 0, 1,
              "b\ti\tu\tf\ts\tdt\tdt64\tns\n"
              "true\t-42\t7\t1.5\ta\"b,c\\nd\t2024-07-10 00:00:00\t2024-07-10 00:00:00.123\tx\n");
    blk_unref(b);
}

Test(out, csv_quotes_dates_like_datetimes)
{
    struct ty types[] = {{TY_DATE, 0, 0}, {TY_DATE, 1, 0}};
    const char *dn[] = {"d", "nd"};
    struct blk *b;
    uint16_t day = 19914; /* 2024-07-10 */
    cr_assert_eq(blk_create(types, 2, &b), 0);
    cr_assert_eq(col_push_fixed(&b->cols[0], &day), 0);
    cr_assert_eq(col_push_null(&b->cols[1]), 0);
    cr_assert_eq(blk_seal(b), 0);
    struct buf out = BUF_INIT;
    cr_assert_eq(fmt_out_rows(FMT_CSV, dn, b, 0, 1, &out), 0);
    cr_expect_eq(out.len, strlen("\"2024-07-10\",\\N\n"));
    cr_expect(out.len == 16 && !memcmp(out.data, "\"2024-07-10\",\\N\n", 16), "got [%.*s]",
              (int)out.len, out.data);
    buf_reset(&out);
    cr_assert_eq(fmt_out_rows(FMT_TSV, dn, b, 0, 1, &out), 0);
    cr_expect(out.len == 14 && !memcmp(out.data, "2024-07-10\t\\N\n", 14), "got [%.*s]",
              (int)out.len, out.data);
    buf_free(&out);
    blk_unref(b);
}

Test(out, names_are_escaped)
{
    struct ty types[] = {{TY_INT32, 0, 0}, {TY_INT32, 0, 0}};
    const char *odd[] = {"a\"b", "c\td"};
    struct blk *b;
    cr_assert_eq(blk_create(types, 2, &b), 0);
    cr_assert_eq(blk_seal(b), 0);
    struct buf out = BUF_INIT;
    cr_assert_eq(fmt_out_header(FMT_CSVWITHNAMES, odd, 2, &out), 0);
    cr_assert_eq(fmt_out_header(FMT_TSVWITHNAMES, odd, 2, &out), 0);
    cr_assert_eq(fmt_out_header(FMT_CSV, odd, 2, &out), 0);
    cr_assert_eq(fmt_out_header(FMT_JSONEACHROW, odd, 2, &out), 0);
    cr_assert_eq(buf_cstr(&out), 0);
    cr_expect_str_eq(out.data, "\"a\"\"b\",\"c\td\"\na\"b\tc\\td\n");
    /* no rows: nothing, in every format */
    for (int k = 0; k < fmt_kind_count; k++) {
        out.len = 0;
        cr_assert_eq(fmt_out_rows((enum fmt_kind)k, odd, b, 0, 0, &out), 0);
        cr_expect_eq(out.len, 0);
    }
    buf_free(&out);
    blk_unref(b);
}

Test(out, json_is_json_out)
{
    struct blk *b = sample();
    struct buf a = BUF_INIT, j = BUF_INIT;
    cr_assert_eq(fmt_out_header(FMT_JSONEACHROW, names, b->ncols, &a), 0);
    cr_expect_eq(a.len, 0, "JSONEachRow has no header");
    cr_assert_eq(fmt_out_rows(FMT_JSONEACHROW, names, b, 0, 2, &a), 0);
    cr_assert_eq(fmt_json_out_rows(names, b, 0, 2, &j), 0);
    cr_assert_eq(a.len, j.len);
    cr_expect_eq(memcmp(a.data, j.data, a.len), 0);
    cr_assert_eq(buf_cstr(&a), 0);
    cr_expect_not_null(strstr(a.data, "\"dt\":\"2024-07-10 00:00:00\""), "%s", a.data);
    cr_expect_not_null(strstr(a.data, "\"f\":null"), "NaN is null in JSON: %s", a.data);
    buf_free(&a);
    buf_free(&j);
    blk_unref(b);
}

Test(out, floats_and_small_ints)
{
    struct ty types[] = {{TY_FLOAT32, 0, 0}, {TY_FLOAT64, 0, 0}, {TY_INT8, 0, 0},
                         {TY_UINT16, 1, 0}};
    const char *n4[] = {"a", "b", "c", "d"};
    struct blk *b;
    cr_assert_eq(blk_create(types, 4, &b), 0);
    float fa = 0.1f, fb = -INFINITY;
    double da = 1e21, db = 0.30000000000000004;
    int8_t ia = -128, ib = 5;
    uint16_t ua = 65535;
    cr_assert_eq(col_push_fixed(&b->cols[0], &fa), 0);
    cr_assert_eq(col_push_fixed(&b->cols[1], &da), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &ia), 0);
    cr_assert_eq(col_push_fixed(&b->cols[3], &ua), 0);
    cr_assert_eq(col_push_fixed(&b->cols[0], &fb), 0);
    cr_assert_eq(col_push_fixed(&b->cols[1], &db), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &ib), 0);
    cr_assert_eq(col_push_null(&b->cols[3]), 0);
    cr_assert_eq(blk_seal(b), 0);
    struct buf out = BUF_INIT;
    cr_assert_eq(fmt_out_rows(FMT_CSV, n4, b, 0, 2, &out), 0);
    cr_assert_eq(fmt_out_rows(FMT_TSV, n4, b, 1, 2, &out), 0);
    cr_assert_eq(buf_cstr(&out), 0);
    cr_expect_str_eq(out.data, "0.1,1e21,-128,65535\n-inf,0.30000000000000004,5,\\N\n"
                               "-inf\t0.30000000000000004\t5\t\\N\n");
    buf_free(&out);
    blk_unref(b);
}

Test(out, empty_strings_and_unknown_kind)
{
    struct ty types[] = {{TY_STRING, 0, 0}};
    const char *n1[] = {"s"};
    struct blk *b;
    cr_assert_eq(blk_create(types, 1, &b), 0);
    cr_assert_eq(col_push_str(&b->cols[0], "", 0), 0);
    cr_assert_eq(col_push_str(&b->cols[0], "", 0), 0);
    cr_assert_eq(blk_seal(b), 0);
    struct buf out = BUF_INIT;
    cr_assert_eq(fmt_out_rows(FMT_CSVWITHNAMES, n1, b, 0, 2, &out), 0);
    cr_assert_eq(fmt_out_rows(FMT_TSV, n1, b, 0, 2, &out), 0);
    cr_assert_eq(buf_cstr(&out), 0);
    cr_expect_str_eq(out.data, "\"\"\n\"\"\n\n\n");
    size_t len = out.len;
    cr_expect_eq(fmt_out_rows((enum fmt_kind)99, n1, b, 0, 2, &out), -EINVAL);
    cr_expect_eq(out.len, len, "a failed call appends nothing");
    buf_free(&out);
    blk_unref(b);
}

/* decimal(p, s): exactly s fraction digits in every format; a JSON number
 * (unquoted), as ClickHouse writes decimals in JSONEachRow. */
Test(out, decimals_with_scale_digits)
{
    struct ty types[] = {{TY_DECIMAL, 0, 5, 2}, {TY_DECIMAL, 1, 18, 18}, {TY_DECIMAL, 0, 3, 0}};
    const char *n3[] = {"a", "b", "c"};
    struct blk *b;
    cr_assert_eq(blk_create(types, 3, &b), 0);
    int64_t a0 = 150, a1 = -5, b0 = -1, c0 = 999, c1 = 0;
    cr_assert_eq(col_push_fixed(&b->cols[0], &a0), 0);
    cr_assert_eq(col_push_fixed(&b->cols[1], &b0), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &c0), 0);
    cr_assert_eq(col_push_fixed(&b->cols[0], &a1), 0);
    cr_assert_eq(col_push_null(&b->cols[1]), 0);
    cr_assert_eq(col_push_fixed(&b->cols[2], &c1), 0);
    cr_assert_eq(blk_seal(b), 0);
    struct buf out = BUF_INIT;
    cr_assert_eq(fmt_out_rows(FMT_CSV, n3, b, 0, 2, &out), 0);
    cr_assert_eq(fmt_out_rows(FMT_TSV, n3, b, 0, 2, &out), 0);
    cr_assert_eq(fmt_out_rows(FMT_JSONEACHROW, n3, b, 0, 2, &out), 0);
    cr_assert_eq(buf_cstr(&out), 0);
    cr_expect_str_eq(out.data, "1.50,-0.000000000000000001,999\n-0.05,\\N,0\n"
                               "1.50\t-0.000000000000000001\t999\n-0.05\t\\N\t0\n"
                               "{\"a\":1.50,\"b\":-0.000000000000000001,\"c\":999}\n"
                               "{\"a\":-0.05,\"b\":null,\"c\":0}\n");
    buf_free(&out);
    blk_unref(b);
}

/* Arrays as ClickHouse's text formats write them: [1,2] and ['a','b\'c']
 * in TSV, the same text as one quoted field in CSV, JSON arrays in JSON. */
Test(out, arrays)
{
    struct ty t[2] = {ty_array_of((struct ty){TY_INT32, 0, 0}),
                      ty_array_of((struct ty){TY_STRING, 1, 0})};
    struct blk *b = NULL;
    cr_assert_eq(blk_create(t, 2, &b), 0);
    struct col *xs = &b->cols[0], *ss = &b->cols[1];
    int32_t v[] = {1, -2};
    cr_assert_eq(col_reserve(xs, 2), 0);
    cr_assert_eq(col_reserve(ss, 2), 0);
    cr_assert_eq(col_push_fixed(xs->child, &v[0]), 0);
    cr_assert_eq(col_push_fixed(xs->child, &v[1]), 0);
    cr_assert_eq(col_arr_end(xs), 0);
    cr_assert_eq(col_push_str(ss->child, "a", 1), 0);
    cr_assert_eq(col_push_null(ss->child), 0);
    cr_assert_eq(col_push_str(ss->child, "b'c\t\"", 5), 0);
    cr_assert_eq(col_arr_end(ss), 0);
    cr_assert_eq(col_arr_end(xs), 0); /* row 2: [], [] */
    cr_assert_eq(col_arr_end(ss), 0);
    cr_assert_eq(blk_seal(b), 0);
    RENDER_IS(FMT_TSV, b, 0, 2, "[1,-2]\t['a',NULL,'b\\'c\\t\"']\n[]\t[]\n");
    RENDER_IS(FMT_CSV, b, 0, 2, "\"[1,-2]\",\"['a',NULL,'b\\'c\\t\"\"']\"\n\"[]\",\"[]\"\n");
    RENDER_IS(FMT_JSONEACHROW, b, 0, 1, "{\"b\":[1,-2],\"i\":[\"a\",null,\"b'c\\t\\\"\"]}\n");
    blk_unref(b);
}
