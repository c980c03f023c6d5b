/*
 * json_out.h — column blocks out as JSON lines (JSONEachRow, compact).
 *
 * One object per row, keys in the order given, integers as JSON numbers,
 * floats in the shortest form that reads back the same (ClickHouse style:
 * 3.0 prints as 3, NaN/inf as null), datetimes as "YYYY-MM-DD HH:MM:SS[.f]"
 * strings with exactly p fraction digits, bools as true/false, NULL as
 * null. Strings are escaped; bytes that are not valid UTF-8 become U+FFFD.
 */
#ifndef SFS_FORMAT_JSON_OUT_H
#define SFS_FORMAT_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"
#include "util/buf.h"

/* Append rows [from, to) of b; names[i] names column i (ncols names). */
int fmt_json_out_rows(const char *const *names, const struct blk *b, uint32_t from, uint32_t to,
                      struct buf *out);

/* Append row r of c as one JSON value (as in a row object). */
int fmt_json_value(const struct col *c, uint32_t r, struct buf *out);

/* Shortest round-trip text of a double (ClickHouse style); returns length.
 * NaN and infinities give "nan", "inf", "-inf" (fmt_json_out_rows writes null). */
size_t fmt_double(double v, char out[32]);
/* Same for float32 (shortest that reads back as the same float). */
size_t fmt_float(float v, char out[32]);
/*
 * The text form of row r of a fixed-width column (every kind but string),
 * as ClickHouse's text formats write it: integers, floats (fmt_double /
 * fmt_float: nan, inf, -inf), true/false, datetimes unquoted. No NUL is
 * written; returns the length (0 for a kind without a text form).
 */
#define FMT_FIXED_MAX 48
size_t fmt_fixed_text(const struct col *c, uint32_t r, char out[FMT_FIXED_MAX]);
/* Append s as a JSON string literal with quotes. */
int fmt_json_string(const char *s, size_t n, struct buf *out);

#endif
