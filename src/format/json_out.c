/*
 * json_out.c — column blocks rendered as JSON lines (format/json_out.h).
 *
 * Every row a query or `cat data` returns passes through here, so the loop
 * is built for throughput: the `"name":` keys are escaped once per call,
 * integers and datetimes are written digit by digit (no printf), strings are
 * copied in runs between the bytes that need escaping, and the buffer is
 * reserved once per value so the inner loops write without bounds checks.
 *
 * Floats follow ClickHouse (double-conversion with decimal notation for
 * exponents in [-6, 21), "1e21" / "1e-7" outside): the shortest digit
 * string that reads back to the same value. The digits come from printf's
 * correctly rounded %e, tried at 15, 16 and then 17 significant digits (6..9
 * for float32); see shortest() for why that finds the shortest. fmt_double
 * itself writes nan/inf/-inf (ClickHouse's text); JSON turns those into null.
 */
#include "format/json_out.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/datetime.h"
#include "types/decimal.h"

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Decimal digits of v at p (room for 20); returns the end. */
static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    char *t = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        t -= 2;
        memcpy(t, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        t -= 2;
        memcpy(t, digit_pairs + 2 * v, 2);
    } else {
        *--t = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof tmp - t);
    memcpy(p, t, n);
    return p + n;
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(p, (uint64_t)v);
}

/*
 * Lay out the significant digits dig[0..nd) (no trailing zeros) with value
 * 0.d1d2... * 10^(e+1), i.e. d1.d2... * 10^e, the way ClickHouse does.
 */
static size_t layout(char *out, int neg, const char *dig, int nd, int e)
{
    char *p = out;
    if (neg)
        *p++ = '-';
    if (e >= -6 && e < 21) {
        if (e >= nd - 1) {
            memcpy(p, dig, (size_t)nd);
            p += nd;
            for (int i = 0; i < e - (nd - 1); i++)
                *p++ = '0';
        } else if (e >= 0) {
            memcpy(p, dig, (size_t)e + 1);
            p += e + 1;
            *p++ = '.';
            memcpy(p, dig + e + 1, (size_t)(nd - e - 1));
            p += nd - e - 1;
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -e - 1; i++)
                *p++ = '0';
            memcpy(p, dig, (size_t)nd);
            p += nd;
        }
    } else {
        *p++ = dig[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, dig + 1, (size_t)nd - 1);
            p += nd - 1;
        }
        *p++ = 'e';
        p = put_i64(p, e);
    }
    *p = '\0';
    return (size_t)(p - out);
}

/* A decimal candidate: value = dig[0].dig[1..nd) * 10^e. */
struct decimal {
    char dig[20];
    int nd;
    int e;
    int neg;
};

/* The nearest decimal of prec significant digits (printf rounds exactly). */
static void nearest(double v, int prec, struct decimal *d)
{
    char tmp[40], *s = tmp;
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    d->neg = *s == '-';
    s += d->neg;
    d->nd = 0;
    for (; *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') /* skips the (locale's) decimal point */
            d->dig[d->nd++] = *s;
    d->e = atoi(s + 1);
}

/* The next decimal up in magnitude with as many digits. */
static void bump(struct decimal *d)
{
    int i = d->nd - 1;
    while (i >= 0 && d->dig[i] == '9')
        d->dig[i--] = '0';
    if (i >= 0) {
        d->dig[i]++;
    } else {
        d->dig[0] = '1';
        d->e++;
    }
}

static int reads_back(const struct decimal *d, double v, int is_float)
{
    char tmp[48], *p = tmp;
    if (d->neg)
        *p++ = '-';
    *p++ = d->dig[0];
    *p++ = '.';
    memcpy(p, d->dig + 1, (size_t)d->nd - 1);
    p += d->nd - 1;
    snprintf(p, sizeof tmp - (size_t)(p - tmp), "e%d", d->e);
    if (is_float)
        return strtof(tmp, NULL) == (float)v;
    return strtod(tmp, NULL) == v;
}

/*
 * Shortest digits naming v. For normal numbers any form of k <= 15 digits
 * (6 for float) that reads back is what the nearest k-digit rounding gives
 * (DBL_DIG), so the search starts there; subnormals have fewer bits and
 * start at one digit. At a power of two the gap below v is half the gap
 * above, so the nearest decimal can miss while the next one up still reads
 * back: that one is tried too.
 */
static size_t shortest(double v, int is_float, char out[32])
{
    int lo = is_float ? 6 : 15, hi = is_float ? 9 : 17, exp2;
    if (fabs(v) < (is_float ? FLT_MIN : DBL_MIN))
        lo = 1;
    int pow2 = frexp(v, &exp2) == (v < 0 ? -0.5 : 0.5);
    struct decimal d;
    for (int prec = lo;; prec++) {
        nearest(v, prec, &d);
        if (prec == hi || reads_back(&d, v, is_float))
            break;
        if (pow2) {
            bump(&d);
            if (reads_back(&d, v, is_float))
                break;
        }
    }
    while (d.nd > 1 && d.dig[d.nd - 1] == '0')
        d.nd--;
    return layout(out, d.neg, d.dig, d.nd, d.e);
}

static size_t special(const char *text, char out[32])
{
    size_t n = strlen(text);
    memcpy(out, text, n + 1);
    return n;
}

/* [-]ip.fp with fp written as k digits, trailing zeros dropped (none at
 * all when fp is 0). */
static size_t put_fixed_point(char out[32], int neg, uint64_t ip, uint64_t fp, int k)
{
    char *p = out;
    if (neg)
        *p++ = '-';
    p = put_u64(p, ip);
    if (fp) {
        char frac[20];
        for (int i = k - 1; i >= 0; i--, fp /= 10)
            frac[i] = (char)('0' + fp % 10);
        int n = k;
        while (n > 1 && frac[n - 1] == '0')
            n--;
        *p++ = '.';
        memcpy(p, frac, (size_t)n);
        p += n;
    }
    *p = '\0';
    return (size_t)(p - out);
}

/*
 * The common case of measurements and averages: v has at most 9 decimals
 * in fixed notation (20.35, 0.125). If the integer m nearest to |v| * 10^k
 * is, for the smallest such k, exactly what m / 10^k reads back as (both
 * are exact doubles, so the division rounds as strtod would), m's digits
 * are the shortest: fewer decimals did not read back. The fma residual
 * makes sure m is the nearest integer, not a neighbour the product's
 * rounding picked; near a tie the general path decides. 0 when it does
 * not apply.
 */
static size_t fixed_fast(double v, char out[32])
{
    static const double p10[10] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    double a = fabs(v);
    if (!(a >= 1e-5 && a < 1e6))
        return 0;
    for (int k = 1; k <= 9; k++) {
        double x = a * p10[k];
        double m = nearbyint(x);
        if (fabs(fma(a, p10[k], -m)) >= 0.49)
            continue;
        if (m / p10[k] != a)
            continue;
        uint64_t mi = (uint64_t)m;
        return put_fixed_point(out, v < 0, mi / (uint64_t)p10[k], mi % (uint64_t)p10[k], k);
    }
    return 0;
}

typedef unsigned __int128 u128;

/* x / 2^sh split into its integer part and whether a fraction remains. */
static void shr(u128 x, int sh, u128 *q, int *frac)
{
    *q = x >> sh;
    *frac = (x & (((u128)1 << sh) - 1)) != 0;
}

/*
 * Shortest digits by exact integer arithmetic, for 1e-3 <= |v| < 1e9 with
 * a normal mantissa (every average and measurement in practice). With
 * v = m * 2^e and k decimals (17 significant digits), v * 10^k is
 * m * 5^k / 2^s exactly (s = -(k + e) > 0), and the values that read back
 * as v are those strictly inside (or, for even m, on) the half-ulp bounds
 * (4m - 2) * 5^k / 2^(s+2) and (4m + 2) * 5^k / 2^(s+2) (4m - 1 below a
 * power of two, whose lower gap is half). The shortest decimal is the
 * multiple of the largest power of ten inside those bounds, the one
 * nearest v when two are. 0 when v is outside the range.
 */
static size_t exact_shortest(double v, char out[32])
{
    static const uint64_t p10[20] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
        1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
        100000000000ULL, 1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
        1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
        1000000000000000000ULL, 10000000000000000000ULL};
    double a = fabs(v);
    if (!(a >= 1e-3 && a < 1e9))
        return 0;
    int e2;
    double fr = frexp(a, &e2);                  /* a = fr * 2^e2, fr in [0.5, 1) */
    uint64_t m = (uint64_t)ldexp(fr, 53);       /* a = m * 2^(e2 - 53) exactly */
    int e = e2 - 53;
    int idig = a >= 1 ? (int)floor(log10(a)) + 1 : 0; /* digits before the point */
    int lead = 0;                                /* zeros after the point (a < 1) */
    if (a < 1)
        lead = a < 1e-2 ? 2 : a < 1e-1 ? 1 : 0;
    int k = a >= 1 ? 17 - idig : 17 + lead;
    if (k < 0 || k > 19 || -(k + e) <= 0)
        return 0;
    int s = -(k + e);
    if (s + 2 > 120)
        return 0;
    u128 f5 = 1;
    for (int i = 0; i < k; i++)
        f5 *= 5;
    int pow2 = m == (1ULL << 52);
    u128 x = (u128)m * f5 * 4, hi = ((u128)m * 4 + 2) * f5,
         lo = ((u128)m * 4 - (pow2 ? 1 : 2)) * f5;
    int inclusive = (m & 1) == 0;
    u128 xq, hq, lq;
    int xf, hf, lf;
    shr(x, s + 2, &xq, &xf);
    shr(hi, s + 2, &hq, &hf);
    shr(lo, s + 2, &lq, &lf);
    /* C (an integer, units of 10^-k) reads back iff lo < C < hi, or on a
     * bound when m is even */
    uint64_t best = 0;
    int found = 0;
    for (int t = 19; t >= 0 && !found; t--) {
        u128 u = p10[t];
        u128 c0 = (xq / u) * u; /* the multiples of 10^t around v */
        u128 cand[2] = {c0, c0 + u};
        int ok[2];
        for (int i = 0; i < 2; i++) {
            u128 c = cand[i];
            int above_lo = c > lq || (c == lq && !lf && inclusive);
            int below_hi = c < hq || (c == hq && (hf || inclusive));
            ok[i] = above_lo && below_hi && c > 0;
        }
        if (ok[0] && ok[1]) { /* both: the nearer (x sits between them) */
            u128 d0 = x - (c0 << (s + 2)) / 1, d1 = ((c0 + u) << (s + 2)) - x;
            best = (uint64_t)(d1 < d0 ? c0 + u : c0);
            found = 1;
        } else if (ok[0] || ok[1]) {
            best = (uint64_t)(ok[0] ? c0 : c0 + u);
            found = 1;
        }
    }
    if (!found)
        return 0;
    (void)xf;
    return put_fixed_point(out, v < 0, best / p10[k], best % p10[k], k);
}

size_t fmt_double(double v, char out[32])
{
    if (isnan(v))
        return special("nan", out);
    if (isinf(v))
        return special(v < 0 ? "-inf" : "inf", out);
    if (v == 0)
        return special(signbit(v) ? "-0" : "0", out);
    if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
        /* Integers below 2^53 are exact, and no shorter text names them. */
        char *p = put_i64(out, (int64_t)v);
        *p = '\0';
        return (size_t)(p - out);
    }
    size_t n = fixed_fast(v, out);
    if (!n)
        n = exact_shortest(v, out);
    return n ? n : shortest(v, 0, out);
}

size_t fmt_float(float v, char out[32])
{
    if (isnan(v))
        return special("nan", out);
    if (isinf(v))
        return special(v < 0 ? "-inf" : "inf", out);
    if (v == 0)
        return special(signbit(v) ? "-0" : "0", out);
    if (fabsf(v) < 16777216.0f && v == (float)(int32_t)v) {
        char *p = put_i64(out, (int32_t)v);
        *p = '\0';
        return (size_t)(p - out);
    }
    return shortest(v, 1, out);
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes, s[0] >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* The escape for a byte below 0x80 that cannot appear raw in a JSON string. */
static char *put_escape(char *p, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char short_form = 0;
    switch (c) {
    case '"': short_form = '"'; break;
    case '\\': short_form = '\\'; break;
    case '\n': short_form = 'n'; break;
    case '\t': short_form = 't'; break;
    case '\r': short_form = 'r'; break;
    case '\b': short_form = 'b'; break;
    case '\f': short_form = 'f'; break;
    }
    *p++ = '\\';
    if (short_form) {
        *p++ = short_form;
        return p;
    }
    memcpy(p, "u00", 3);
    p[3] = hex[c >> 4];
    p[4] = hex[c & 15];
    return p + 5;
}

int fmt_json_string(const char *s, size_t n, struct buf *out)
{
    /* Worst case: every byte becomes a six-byte escape. */
    int rc = buf_reserve(out, 6 * n + 2);
    if (rc)
        return rc;
    const unsigned char *u = (const unsigned char *)s;
    char *p = out->data + out->len;
    *p++ = '"';
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (i < n && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' && u[i] != '\\')
            i++;
        memcpy(p, s + run, i - run);
        p += i - run;
        if (i == n)
            break;
        if (u[i] < 0x80) {
            p = put_escape(p, u[i]);
            i++;
        } else {
            size_t len = utf8_seq(u + i, n - i);
            if (len) {
                memcpy(p, s + i, len);
                p += len;
                i += len;
            } else {
                memcpy(p, "\\ufffd", 6);
                p += 6;
                i++;
            }
        }
    }
    *p++ = '"';
    out->len = (size_t)(p - out->data);
    return 0;
}

size_t fmt_fixed_text(const struct col *c, uint32_t r, char out[FMT_FIXED_MAX])
{
    char *p = out;
    switch (c->ty.kind) {
    case TY_BOOL:
        if (COL_AT(c, uint8_t, r)) {
            memcpy(p, "true", 4);
            return 4;
        }
        memcpy(p, "false", 5);
        return 5;
    case TY_INT8: p = put_i64(p, COL_AT(c, int8_t, r)); break;
    case TY_INT16: p = put_i64(p, COL_AT(c, int16_t, r)); break;
    case TY_INT32: p = put_i64(p, COL_AT(c, int32_t, r)); break;
    case TY_INT64:
    case TY_INTERVAL: p = put_i64(p, COL_AT(c, int64_t, r)); break;
    case TY_UINT8: p = put_u64(p, COL_AT(c, uint8_t, r)); break;
    case TY_UINT16: p = put_u64(p, COL_AT(c, uint16_t, r)); break;
    case TY_UINT32: p = put_u64(p, COL_AT(c, uint32_t, r)); break;
    case TY_UINT64: p = put_u64(p, COL_AT(c, uint64_t, r)); break;
    case TY_FLOAT32: return fmt_float(COL_AT(c, float, r), out);
    case TY_FLOAT64: return fmt_double(COL_AT(c, double, r), out);
    case TY_DATETIME: return dt_format((int64_t)COL_AT(c, uint32_t, r), 0, out);
    case TY_DATETIME64: return dt_format(COL_AT(c, int64_t, r), c->ty.prec, out);
    case TY_DATE: /* the date part of midnight */
        return dt_format((int64_t)COL_AT(c, uint16_t, r) * 86400, 0, out) - 9;
    case TY_DECIMAL: /* exactly s fraction digits; a JSON number, unquoted */
        return dec_format(COL_AT(c, int64_t, r), c->ty.scale, out);
    default: return 0;
    }
    return (size_t)(p - out);
}

/* A fixed-width value as JSON: the text form, with datetimes quoted and
 * NaN and infinities (JSON has none) as null. Room: 48 bytes. */
static char *put_fixed(char *p, const struct col *c, uint32_t r)
{
    switch (c->ty.kind) {
    case TY_FLOAT32:
        if (!isfinite(COL_AT(c, float, r)))
            goto null;
        break;
    case TY_FLOAT64:
        if (!isfinite(COL_AT(c, double, r)))
            goto null;
        break;
    case TY_DATETIME:
    case TY_DATETIME64:
    case TY_DATE:
        *p++ = '"';
        p += fmt_fixed_text(c, r, p);
        *p++ = '"';
        return p;
    }
    size_t n = fmt_fixed_text(c, r, p);
    if (n)
        return p + n;
null: /* also unknown kinds */
    memcpy(p, "null", 4);
    return p + 4;
}

int fmt_json_value(const struct col *c, uint32_t r, struct buf *out)
{
    if (col_is_null(c, r))
        return buf_append(out, "null", 4);
    if (c->ty.kind == TY_ARRAY) { /* a JSON array of the elements */
        uint32_t lo, hi;
        col_arr(c, r, &lo, &hi);
        int rc = buf_putc(out, '[');
        for (uint32_t e = lo; e < hi && !rc; e++)
            if (!(rc = e > lo ? buf_putc(out, ',') : 0))
                rc = fmt_json_value(c->child, e, out);
        return rc ? rc : buf_putc(out, ']');
    }
    if (c->ty.kind == TY_STRING) {
        /* not col_str(): chars is NULL while every value is empty */
        const uint32_t *off = col_offsets(c);
        size_t len = off[r + 1] - off[r];
        return fmt_json_string(len ? c->chars + off[r] : "", len, out);
    }
    int rc = buf_reserve(out, 48);
    if (rc)
        return rc;
    char *end = put_fixed(out->data + out->len, c, r);
    out->len = (size_t)(end - out->data);
    return 0;
}

/* `"name":` for every column (with the separating comma from the second on). */
static int build_keys(const char *const *names, uint32_t ncols, struct buf *keys, size_t *off)
{
    for (uint32_t i = 0; i < ncols; i++) {
        off[i] = keys->len;
        int rc = i ? buf_putc(keys, ',') : 0;
        if (!rc)
            rc = fmt_json_string(names[i], strlen(names[i]), keys);
        if (!rc)
            rc = buf_putc(keys, ':');
        if (rc)
            return rc;
    }
    off[ncols] = keys->len;
    return 0;
}

int fmt_json_out_rows(const char *const *names, const struct blk *b, uint32_t from, uint32_t to,
                      struct buf *out)
{
    size_t start = out->len;
    struct buf keys = BUF_INIT;
    size_t *off = malloc(((size_t)b->ncols + 1) * sizeof *off);
    int rc = off ? build_keys(names, b->ncols, &keys, off) : -ENOMEM;
    if (rc)
        goto fail;
    for (uint32_t r = from; r < to; r++) {
        if ((rc = buf_putc(out, '{')))
            goto fail;
        for (uint32_t i = 0; i < b->ncols; i++) {
            rc = buf_append(out, keys.data + off[i], off[i + 1] - off[i]);
            if (rc || (rc = fmt_json_value(&b->cols[i], r, out)))
                goto fail;
        }
        if ((rc = buf_append(out, "}\n", 2)))
            goto fail;
    }
    free(off);
    buf_free(&keys);
    return 0;
fail:
    out->len = start;
    free(off);
    buf_free(&keys);
    return rc;
}
