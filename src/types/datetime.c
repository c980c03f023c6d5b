/*
 * datetime.c — text <-> ticks for datetime and datetime64 (types/datetime.h).
 *
 * Calendar arithmetic is proleptic Gregorian in UTC, done with integers only
 * (no libc time functions: they consult the time zone and are slow). Days are
 * counted from 1970-01-01 through a closed-form count of leap years, so dates
 * before 1970 work the same as later ones. Parsing accepts years 0000..9999;
 * rendering clamps to that range because the text form has four year digits.
 * Both directions sit on hot paths (JSON ingest, every row read back), so
 * rendering writes digits by hand instead of calling printf.
 */
#include "types/datetime.h"

#include <errno.h>
#include <string.h>

static const int64_t pow10_tab[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
    100000000LL, 1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL,
    10000000000000LL, 100000000000000LL, 1000000000000000LL, 10000000000000000LL,
    100000000000000000LL, 1000000000000000000LL,
};

/* Days before month m (1-based) in a common year. */
static const int16_t days_before_month[13] = {
    0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
};

int64_t dt_pow10(int p)
{
    if (p < 0)
        p = 0;
    if (p > 18)
        p = 18;
    return pow10_tab[p];
}

int64_t dt_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years in [0, y): multiples of k in [0, y) number ceil(y / k). */
static int64_t leaps_before(int64_t y)
{
    return dt_floor_div(y + 3, 4) - dt_floor_div(y + 99, 100) + dt_floor_div(y + 399, 400);
}

/* Days from 1970-01-01 to January 1st of year y. */
static int64_t days_before_year(int64_t y)
{
    return 365 * (y - 1970) + leaps_before(y) - leaps_before(1970);
}

static int days_in_month(int64_t y, int m)
{
    static const int8_t dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m];
}

int64_t dt_days_from_civil(int64_t y, int m, int d)
{
    return days_before_year(y) + days_before_month[m] + (m > 2 && is_leap(y)) + d - 1;
}

/* Inverse of days_from_civil: estimate the year, then correct by one or two. */
void dt_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t year = 1970 + dt_floor_div(days * 400, 146097);
    while (days_before_year(year) > days)
        year--;
    while (days_before_year(year + 1) <= days)
        year++;
    int doy = (int)(days - days_before_year(year));
    int leap = is_leap(year);
    int month = 12;
    while (month > 1 && doy < days_before_month[month] + (month > 2 && leap))
        month--;
    *y = year;
    *m = month;
    *d = doy - days_before_month[month] - (month > 2 && leap) + 1;
}

/* Exactly n digits at s into *v. */
static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i] - '0';
        if (c > 9)
            return -1;
        x = x * 10 + (int)c;
    }
    *v = x;
    return 0;
}

/* "YYYY-MM-DD" at s (10 bytes available) into days since the epoch. */
static int parse_date(const char *s, int64_t *days)
{
    int y, m, d;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -EINVAL;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -EINVAL;
    *days = dt_days_from_civil(y, m, d);
    return 0;
}

/* "HH:MM:SS" at s (8 bytes available) into seconds of the day. */
static int parse_time(const char *s, int64_t *secs)
{
    int h, mi, sec;
    if (digits(s, 2, &h) || s[2] != ':' || digits(s + 3, 2, &mi) || s[5] != ':' ||
        digits(s + 6, 2, &sec))
        return -EINVAL;
    if (h > 23 || mi > 59 || sec > 59)
        return -EINVAL;
    *secs = h * 3600 + mi * 60 + sec;
    return 0;
}

/* ".fff..." at s[0..n): the first prec digits as ticks, the rest dropped. */
static int parse_fraction(const char *s, size_t n, int prec, int64_t *frac, size_t *used)
{
    size_t i = 1;
    int64_t f = 0;
    int kept = 0;
    while (i < n && (unsigned)(s[i] - '0') <= 9) {
        if (kept < prec) {
            f = f * 10 + (s[i] - '0');
            kept++;
        }
        i++;
    }
    if (i == 1)
        return -EINVAL; /* a '.' needs at least one digit */
    *frac = f * pow10_tab[prec - kept];
    *used = i;
    return 0;
}

int dt_parse(const char *s, size_t n, int prec, int64_t *ticks)
{
    int64_t days, secs = 0, frac = 0;
    if (prec < 0 || prec > 9 || n < 10 || parse_date(s, &days))
        return -EINVAL;
    size_t i = 10;
    if (i < n) {
        if ((s[i] != ' ' && s[i] != 'T') || n - i < 9 || parse_time(s + i + 1, &secs))
            return -EINVAL;
        i += 9;
        size_t used = 0;
        if (i < n && s[i] == '.') {
            if (parse_fraction(s + i, n - i, prec, &frac, &used))
                return -EINVAL;
            i += used;
        }
        if (i < n && s[i] == 'Z')
            i++;
    }
    if (i != n)
        return -EINVAL;
    int64_t t;
    if (__builtin_mul_overflow(days * 86400 + secs, pow10_tab[prec], &t) ||
        __builtin_add_overflow(t, frac, &t))
        return -EINVAL;
    *ticks = t;
    return 0;
}

int64_t dt_rescale(int64_t ticks, int from_prec, int to_prec)
{
    if (to_prec == from_prec)
        return ticks;
    if (to_prec > from_prec) {
        int64_t r;
        if (__builtin_mul_overflow(ticks, dt_pow10(to_prec - from_prec), &r))
            return ticks < 0 ? INT64_MIN : INT64_MAX;
        return r;
    }
    return dt_floor_div(ticks, dt_pow10(from_prec - to_prec));
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Seconds and fraction of ticks, clamped to 0000-01-01 .. 9999-12-31. */
static void split_ticks(int64_t ticks, int64_t scale, int64_t *secs, int64_t *frac)
{
    int64_t lo = days_before_year(0) * 86400, hi = days_before_year(10000) * 86400 - 1;
    *secs = ticks / scale; /* no floor_div: secs * scale could overflow */
    *frac = ticks % scale;
    if (*frac < 0) {
        *frac += scale;
        (*secs)--;
    }
    if (*secs < lo) {
        *secs = lo;
        *frac = 0;
    } else if (*secs > hi) {
        *secs = hi;
        *frac = scale - 1;
    }
}

/* The last text this thread formatted: results repeat a value row after
 * row (a window's start, a minute bucket), and this is on every row. */
static _Thread_local struct {
    int64_t ticks;
    int prec;
    size_t n;
    char text[DT_MAX_TEXT];
} last = {0, -1, 0, ""};

size_t dt_format(int64_t ticks, int prec, char out[DT_MAX_TEXT])
{
    prec = prec < 0 ? 0 : prec > 9 ? 9 : prec;
    if (ticks == last.ticks && prec == last.prec) {
        memcpy(out, last.text, last.n + 1);
        return last.n;
    }
    int64_t secs, frac, y;
    int m, d;
    split_ticks(ticks, pow10_tab[prec], &secs, &frac);
    int64_t days = dt_floor_div(secs, 86400), sod = secs - days * 86400;
    dt_civil_from_days(days, &y, &m, &d);
    char *p = out;
    p = put2(p, (int)(y / 100));
    p = put2(p, (int)(y % 100));
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = ' ';
    p = put2(p, (int)(sod / 3600));
    *p++ = ':';
    p = put2(p, (int)(sod / 60 % 60));
    *p++ = ':';
    p = put2(p, (int)(sod % 60));
    if (prec > 0) {
        *p++ = '.';
        for (int i = prec - 1; i >= 0; i--, frac /= 10)
            p[i] = (char)('0' + frac % 10);
        p += prec;
    }
    *p = '\0';
    last.ticks = ticks;
    last.prec = prec;
    last.n = (size_t)(p - out);
    memcpy(last.text, out, last.n + 1);
    return last.n;
}
