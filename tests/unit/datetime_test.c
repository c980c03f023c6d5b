/*
 * datetime_test.c — dt_parse / dt_format / dt_rescale (types/datetime.h).
 *
 * The calendar code is checked against glibc's gmtime_r and timegm as an
 * independent oracle over every day from 1900 to 2200, and by round trips
 * over the whole 0000..9999 range at every precision.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "types/datetime.h"

static int64_t parse(const char *s, int prec)
{
    int64_t t = 0x5a5a5a5a;
    int rc = dt_parse(s, strlen(s), prec, &t);
    cr_assert_eq(rc, 0, "dt_parse(\"%s\", %d) failed", s, prec);
    return t;
}

static void bad(const char *s, int prec)
{
    int64_t t = 0;
    cr_expect_eq(dt_parse(s, strlen(s), prec, &t), -EINVAL, "\"%s\" should not parse", s);
}

static void fmt_is(int64_t ticks, int prec, const char *want)
{
    char out[DT_MAX_TEXT];
    size_t n = dt_format(ticks, prec, out);
    cr_expect_str_eq(out, want, "dt_format(%lld, %d)", (long long)ticks, prec);
    cr_expect_eq(n, strlen(want));
}

Test(datetime, epoch_and_simple)
{
    cr_expect_eq(parse("1970-01-01 00:00:00", 0), 0);
    cr_expect_eq(parse("1970-01-01 00:00:01", 0), 1);
    cr_expect_eq(parse("2024-07-10 12:34:56", 0), 1720614896);
    cr_expect_eq(parse("2024-07-10T12:34:56", 0), 1720614896);
    cr_expect_eq(parse("2024-07-10T12:34:56Z", 0), 1720614896);
    cr_expect_eq(parse("2024-07-10 12:34:56Z", 3), 1720614896000LL);
    cr_expect_eq(parse("2024-07-10", 0), 1720569600);
    cr_expect_eq(parse("2106-02-07 06:28:15", 0), 4294967295LL);
}

Test(datetime, leap_years)
{
    cr_expect_eq(parse("2024-02-29 00:00:00", 0) - parse("2024-02-28 00:00:00", 0), 86400);
    cr_expect_eq(parse("2024-03-01", 0) - parse("2024-02-29", 0), 86400);
    cr_expect_eq(parse("2000-02-29", 0), 951782400);
    bad("2023-02-29 00:00:00", 0);
    bad("1900-02-29", 0); /* divisible by 100, not by 400 */
    bad("2100-02-29", 0);
    cr_expect_eq(parse("1600-02-29", 0), -11670998400LL);
    cr_expect_eq(parse("2024-12-31", 0) - parse("2024-01-01", 0), 365 * 86400);
    cr_expect_eq(parse("2023-12-31", 0) - parse("2023-01-01", 0), 364 * 86400);
}

Test(datetime, before_1970)
{
    cr_expect_eq(parse("1969-12-31 23:59:59", 0), -1);
    cr_expect_eq(parse("1969-12-31 23:59:59.5", 1), -5);
    cr_expect_eq(parse("1969-12-31 23:59:59.999", 3), -1);
    cr_expect_eq(parse("1900-01-01 00:00:00", 0), -2208988800LL);
    cr_expect_eq(parse("0000-01-01 00:00:00", 0), -62167219200LL);
    cr_expect_eq(parse("9999-12-31 23:59:59", 0), 253402300799LL);
    fmt_is(-1, 0, "1969-12-31 23:59:59");
    fmt_is(-5, 1, "1969-12-31 23:59:59.5");
    fmt_is(-1, 3, "1969-12-31 23:59:59.999");
    fmt_is(-62167219200LL, 0, "0000-01-01 00:00:00");
    fmt_is(-2208988800LL, 0, "1900-01-01 00:00:00");
}

Test(datetime, fractions_every_precision)
{
    const char *text = "2024-07-10 12:34:56.123456789";
    int64_t base = 1720614896;
    int64_t frac9 = 123456789;
    for (int p = 0; p <= 9; p++) {
        int64_t scale = dt_pow10(p);
        int64_t want = base * scale + frac9 / dt_pow10(9 - p);
        cr_expect_eq(parse(text, p), want, "prec %d", p);
        char out[DT_MAX_TEXT];
        dt_format(want, p, out);
        char expect[DT_MAX_TEXT];
        snprintf(expect, sizeof expect, "%.*s", p ? 20 + p : 19, text);
        cr_expect_str_eq(out, expect, "prec %d", p);
    }
    /* fewer digits than the precision are padded, more are truncated */
    cr_expect_eq(parse("2024-07-10 12:34:56.5", 3), base * 1000 + 500);
    cr_expect_eq(parse("2024-07-10 12:34:56.999999", 0), base);
    cr_expect_eq(parse("2024-07-10 12:34:56.1234567891234", 9), base * 1000000000 + 123456789);
    fmt_is(base * 1000, 3, "2024-07-10 12:34:56.000");
    fmt_is(base * 1000000000 + 1, 9, "2024-07-10 12:34:56.000000001");
}

Test(datetime, rejects)
{
    const char *cases[] = {
        "", "2024", "2024-07-1", "2024-7-10", "2024/07/10", "2024-13-01", "2024-00-10",
        "2024-01-00", "2024-01-32", "2024-04-31", "2024-07-10 24:00:00", "2024-07-10 23:60:00",
        "2024-07-10 23:59:60", "2024-07-10 1:00:00", "2024-07-10 12:34", "2024-07-10 12:34:5",
        "2024-07-10 12:34:56.", "2024-07-10 12:34:56.x", "2024-07-10 12:34:56 ",
        "2024-07-10 12:34:56ZZ", "2024-07-10X12:34:56", " 2024-07-10", "2024-07-10Z",
        "2024-07-10 12:34:56+00:00", "-024-07-10", "2024-07-10 12:34:56.12a",
        "abcd-ef-gh",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        bad(cases[i], 3);
    int64_t t;
    cr_expect_eq(dt_parse("2024-07-10", 10, -1, &t), -EINVAL);
    cr_expect_eq(dt_parse("2024-07-10", 10, 10, &t), -EINVAL);
    /* NUL inside the given length */
    cr_expect_eq(dt_parse("2024-07-10 01:00:00\0", 20, 0, &t), -EINVAL);
    /* the length bounds the text: a prefix is a date */
    cr_expect_eq(dt_parse("2024-07-10 01:00:00", 10, 0, &t), 0);
    cr_expect_eq(t, 1720569600);
}

Test(datetime, overflow_at_high_precision)
{
    int64_t t;
    /* int64 nanoseconds reach 2262-04-11 only */
    cr_expect_eq(dt_parse("2262-04-11 23:47:16", 19, 9, &t), 0);
    cr_expect_eq(t, 9223372036000000000LL);
    cr_expect_eq(dt_parse("2262-04-11 23:47:17", 19, 9, &t), -EINVAL);
    cr_expect_eq(dt_parse("1677-09-21 00:12:44", 19, 9, &t), 0);
    cr_expect_eq(dt_parse("1677-09-21 00:12:43", 19, 9, &t), -EINVAL);
    cr_expect_eq(dt_parse("9999-12-31 23:59:59", 19, 8, &t), -EINVAL);
    cr_expect_eq(dt_parse("9999-12-31 23:59:59.99999999", 28, 7, &t), 0);
}

Test(datetime, format_clamps_to_four_digit_years)
{
    fmt_is(INT64_MAX, 0, "9999-12-31 23:59:59");
    fmt_is(INT64_MIN, 0, "0000-01-01 00:00:00");
    fmt_is(INT64_MAX, 3, "9999-12-31 23:59:59.999");
    fmt_is(INT64_MIN, 9, "1677-09-21 00:12:43.145224192");
    fmt_is(INT64_MAX, 9, "2262-04-11 23:47:16.854775807");
    char out[DT_MAX_TEXT];
    cr_expect_eq(dt_format(0, 9, out), 29);
    cr_expect_lt(strlen(out) + 1, (size_t)DT_MAX_TEXT + 1);
}

Test(datetime, against_gmtime_every_day_1900_2200)
{
    for (int64_t secs = -2208988800LL; secs < 7258118400LL; secs += 86400 + 3601) {
        time_t tt = (time_t)secs;
        struct tm tm;
        cr_assert(gmtime_r(&tt, &tm));
        char want[DT_MAX_TEXT], got[DT_MAX_TEXT];
        strftime(want, sizeof want, "%Y-%m-%d %H:%M:%S", &tm);
        dt_format(secs, 0, got);
        cr_assert_str_eq(got, want, "secs %lld", (long long)secs);
        cr_assert_eq(parse(want, 0), secs);
    }
}

Test(datetime, round_trip_whole_range_every_precision)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int p = (int)(x % 10);
        int64_t lo = -62167219200LL, hi = 253402300799LL;
        if (p >= 8) { /* int64 ticks cover less than 0000..9999 */
            int64_t l = INT64_MIN / dt_pow10(p) + 1, h = INT64_MAX / dt_pow10(p) - 1;
            lo = l > lo ? l : lo;
            hi = h < hi ? h : hi;
        }
        int64_t secs = lo + (int64_t)((x >> 8) % (uint64_t)(hi - lo + 1));
        int64_t ticks = secs * dt_pow10(p) + (int64_t)((x >> 3) % (uint64_t)dt_pow10(p));
        char text[DT_MAX_TEXT];
        size_t n = dt_format(ticks, p, text);
        int64_t back;
        cr_assert_eq(dt_parse(text, n, p, &back), 0, "%s", text);
        cr_assert_eq(back, ticks, "%s at prec %d", text, p);
    }
}

Test(datetime, rescale)
{
    cr_expect_eq(dt_rescale(1500, 3, 0), 1);
    cr_expect_eq(dt_rescale(-1500, 3, 0), -2); /* toward minus infinity */
    cr_expect_eq(dt_rescale(-1000, 3, 0), -1);
    cr_expect_eq(dt_rescale(-1, 9, 3), -1);
    cr_expect_eq(dt_rescale(7, 0, 3), 7000);
    cr_expect_eq(dt_rescale(-7, 0, 9), -7000000000LL);
    cr_expect_eq(dt_rescale(123, 3, 3), 123);
    cr_expect_eq(dt_rescale(INT64_MAX / 10, 0, 9), INT64_MAX); /* saturates */
    cr_expect_eq(dt_rescale(INT64_MIN / 10, 0, 9), INT64_MIN);
}

Test(datetime, pow10)
{
    int64_t v = 1;
    for (int p = 0; p <= 18; p++) {
        cr_expect_eq(dt_pow10(p), v);
        if (p < 18)
            v *= 10;
    }
}
