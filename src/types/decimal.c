/*
 * decimal.c — decimal(p, s) text and scale (types/decimal.h).
 */
#include "types/decimal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int dec_parse(const char *s, size_t n, struct ty t, int64_t *out)
{
    size_t i = 0;
    int neg = 0, ndig = 0, any = 0;
    /* digits: the significant digits read (at most 19 kept exactly),
     * point: how many of them came after the point */
    char dig[40];
    int point = 0, seen_point = 0, dropped_int = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !seen_point) {
            seen_point = 1;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        any = 1;
        if (ndig == 0 && c == '0' && !seen_point)
            continue; /* leading zeros */
        if (ndig < (int)sizeof dig) {
            dig[ndig++] = c;
            point += seen_point;
        } else if (!seen_point) {
            dropped_int = 1; /* far too many integer digits */
        }
    }
    if (!any)
        return -EINVAL;
    int64_t exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0, edig = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, edig++)
            if (exp < 1000)
                exp = exp * 10 + (s[i] - '0');
        if (!edig)
            return -EINVAL;
        if (eneg)
            exp = -exp;
    }
    if (i != n)
        return -EINVAL;
    if (dropped_int)
        return -ERANGE;
    /* value = dig * 10^(exp - point); we want dig * 10^(exp - point + scale) */
    int64_t shift = exp - point + t.scale;
    int keep = ndig;
    if (shift < 0) {
        keep = shift <= -ndig ? 0 : ndig + (int)shift; /* truncate the rest */
        shift = 0;
    }
    /* unsigned: v stays below bound <= 10^18, so v * 10 + 9 < 2^64 */
    uint64_t v = 0, bound = (uint64_t)ty_dec_bound(t);
    for (int k = 0; k < keep; k++) {
        v = v * 10 + (dig[k] - '0');
        if (v >= bound)
            return -ERANGE;
    }
    if (v) {
        for (int64_t k = 0; k < shift; k++) {
            v *= 10;
            if (v >= bound)
                return -ERANGE;
        }
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

size_t dec_format(int64_t v, int scale, char out[DEC_TEXT_MAX])
{
    char tmp[DEC_TEXT_MAX];
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int n = 0;
    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    while (n <= scale) /* at least one integer digit */
        tmp[n++] = '0';
    size_t len = 0;
    if (v < 0)
        out[len++] = '-';
    for (int k = n - 1; k >= 0; k--) {
        out[len++] = tmp[k];
        if (k == scale && scale > 0)
            out[len++] = '.';
    }
    out[len] = 0;
    return len;
}

int dec_rescale(int64_t v, int from_s, int to_s, int64_t *out)
{
    if (to_s >= from_s) {
        if (__builtin_mul_overflow(v, ty_pow10(to_s - from_s), out))
            return -ERANGE;
        return 0;
    }
    *out = v / ty_pow10(from_s - to_s);
    return 0;
}

int dec_from_double(double x, struct ty t, int64_t *out)
{
    char buf[40];
    if (!isfinite(x))
        return -ERANGE;
    int len = snprintf(buf, sizeof buf, "%.17g", x);
    /* the shortest of %.15g .. %.17g that reads back the same */
    for (int p = 15; p < 17; p++) {
        char b2[40];
        int l2 = snprintf(b2, sizeof b2, "%.*g", p, x);
        double y;
        if (sscanf(b2, "%lf", &y) == 1 && y == x) {
            memcpy(buf, b2, (size_t)l2 + 1);
            len = l2;
            break;
        }
    }
    int rc = dec_parse(buf, (size_t)len, t, out);
    return rc == -EINVAL ? -ERANGE : rc;
}
