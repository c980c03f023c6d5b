/*
 * datetime.h — parsing and rendering of datetime and datetime64 values (UTC).
 *
 * Text form: "YYYY-MM-DD HH:MM:SS[.f...]"; parsing also accepts 'T' for the
 * space, a trailing 'Z', and a date alone ("YYYY-MM-DD", midnight).
 * Ticks are units of 10^-prec seconds since the Unix epoch.
 */
#ifndef SFS_TYPES_DATETIME_H
#define SFS_TYPES_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#define DT_MAX_TEXT 32 /* rendered length with NUL, prec <= 9 */

/* Parse text into ticks at precision prec (extra fraction digits are
 * truncated). Returns 0 or -EINVAL (also when the ticks overflow int64). */
int dt_parse(const char *s, size_t n, int prec, int64_t *ticks);
/* Render ticks at precision prec: exactly prec fraction digits (none for 0).
 * Times outside 0000-01-01 .. 9999-12-31 are clamped to that range.
 * Returns the length written (without NUL). */
size_t dt_format(int64_t ticks, int prec, char out[DT_MAX_TEXT]);
/* Convert ticks between precisions (truncating toward minus infinity). */
int64_t dt_rescale(int64_t ticks, int from_prec, int to_prec);
/* 10^p for p in 0..18. */
int64_t dt_pow10(int p);

/* Calendar arithmetic (proleptic Gregorian): days since 1970-01-01 of a
 * date and back, and division rounding toward minus infinity. */
int64_t dt_days_from_civil(int64_t y, int m, int d);
void dt_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int64_t dt_floor_div(int64_t a, int64_t b);

#endif
