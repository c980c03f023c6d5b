/*
 * decimal.h — decimal(p, s) values (types/type.h: int64_t holding
 * value * 10^s, p <= 18): exact text in and out, rescaling, ClickHouse's
 * rules.
 *
 * Text is parsed from its digits, never through a double: "[+-]digits
 * [.digits][e[+-]digits]"; fraction digits beyond s are discarded, not
 * rounded (ClickHouse's toDecimal*('1.239', 2) = 1.23); more integer digits
 * than p - s allow is out of range. Text out has exactly s fraction digits
 * (1.50 for decimal(5, 2)), as ClickHouse prints with
 * output_format_decimal_trailing_zeros.
 */
#ifndef SFS_TYPES_DECIMAL_H
#define SFS_TYPES_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "types/type.h"

#define DEC_TEXT_MAX 24 /* "-0.000000000000000001" and longer: 18 digits, sign, point, NUL */

/* s[0..n) as a value of decimal type t into *out. 0; -EINVAL when it is
 * not a number; -ERANGE when it does not fit t. */
int dec_parse(const char *s, size_t n, struct ty t, int64_t *out);

/* v (scaled by 10^scale) as text with exactly scale fraction digits;
 * returns the length (no NUL counted, one written). */
size_t dec_format(int64_t v, int scale, char out[DEC_TEXT_MAX]);

/* v from scale from_s to scale to_s: up multiplies (-ERANGE on int64
 * overflow), down truncates toward zero. 0 or -ERANGE. */
int dec_rescale(int64_t v, int from_s, int to_s, int64_t *out);

/* 1 when v fits decimal type t (|v| < 10^p). */
static inline int dec_fits(int64_t v, struct ty t)
{
    int64_t b = ty_dec_bound(t);
    return v < b && v > -b;
}

/* A double into decimal type t: through its shortest text, so that 324.46
 * is 324.46 (not 324.45 as multiplying would give); extra digits
 * truncated. -ERANGE when out of range, NaN or infinite. */
int dec_from_double(double x, struct ty t, int64_t *out);

/* v of decimal scale s as a double. */
static inline double dec_to_double(int64_t v, int scale)
{
    return (double)v / (double)ty_pow10(scale);
}

#endif
