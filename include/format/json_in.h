/*
 * json_in.h — JSON lines into column blocks, straight, with no row format
 * in between (jsmn tokenizes; values are converted into the columns).
 *
 * Rules (SPEC "JSON rows into typed columns"): a missing field takes the
 * column's default (NULL for nullable, zero / empty string otherwise); JSON
 * null does the same (ClickHouse's input_format_null_as_default); unknown
 * fields are ignored; a wrong type or an out-of-range number makes the row
 * malformed; an object or array into a string column is stored as its
 * compact JSON text; strings are unescaped and must be valid UTF-8.
 * _tp_time comes from the row's "_tp_time" field, else from the schema's
 * event-time column, else the ingest clock passed in.
 *
 * Ownership: the parser borrows the schema (it must outlive the parser) and
 * owns its scratch memory. One parser per thread (per ingest handle).
 */
#ifndef SFS_FORMAT_JSON_IN_H
#define SFS_FORMAT_JSON_IN_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"
#include "types/schema.h"
#include "util/buf.h"

struct fmt_json_in;

int fmt_json_in_create(const struct schema *s, struct fmt_json_in **out);
void fmt_json_in_destroy(struct fmt_json_in *p);

/*
 * Parse one line (no trailing newline; a trailing '\r' is ignored) and
 * append it as one row to b, whose columns have the schema's types.
 * now_ms is the ingest clock in milliseconds (datetime64(3) ticks).
 * Returns 0, or ERR_MALFORMED with b unchanged and a one-line reason in why.
 */
int fmt_json_in_row(struct fmt_json_in *p, const char *line, size_t n, int64_t now_ms,
                    struct blk *b, char *why, size_t why_len);

/* A JSON string's body (the bytes between its quotes) unescaped and
 * appended to out (json_extract_string and friends); 0, or ERR_MALFORMED
 * for a bad escape, a control byte or invalid UTF-8 (out then unchanged
 * in length). */
int fmt_json_unescape(const char *s, size_t n, struct buf *out);

/* A raw stream's row: the whole line into column 0, now_ms into _tp_time. */
int fmt_raw_in_row(const char *line, size_t n, int64_t now_ms, struct blk *b);

#endif
