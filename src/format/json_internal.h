/*
 * json_internal.h — what the JSON ingest files share: the parser's state,
 * scalars as the conversions see them, and the functions json_walk.c (the
 * general path over jsmn tokens) borrows from json_in.c (the one-pass
 * scanner, strings, numbers and the conversions into columns).
 * Not a public header: format/json_in.h is the interface.
 */
#ifndef SFS_FORMAT_JSON_INTERNAL_H
#define SFS_FORMAT_JSON_INTERNAL_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

#include "format/json_in.h"
#include "util/buf.h"

/* Deepest nesting accepted. jsmn closes a bracket by walking up from the
 * newest token, which costs up to the depth: this bounds a line's work. */
#define FMT_JSON_MAX_DEPTH 128

/* A column name with its closing quote, as the scanner meets it in a key:
 * its first 16 bytes as two words and the masks of the bytes it has. */
struct fmt_json_key {
    uint64_t word[2];
    uint64_t mask[2];
    uint8_t len; /* name bytes plus the quote */
};

struct fmt_json_walk; /* json_walk.c: jsmn's tokens and the nesting stack */

struct fmt_json_in {
    const struct schema *s;
    uint32_t ncols;
    int tp_col;          /* _tp_time, or -1 */
    int time_col;        /* event_time_column, or -1 */
    uint8_t *name_len;   /* per column */
    struct fmt_json_key *key; /* per column */
    struct fmt_json_key *miss; /* per hint: the unknown key last met there */
    int32_t *hash;       /* open addressing over names: column index or -1 */
    uint32_t hash_mask;
    uint32_t hint;       /* the column the next field probably names */
    struct fmt_json_walk *walk;
    struct buf scratch;  /* unescaped strings, compact JSON, strtod copies */
    locale_t c_locale;
    /* The row in progress (for error positions and reasons). */
    const char *line;
    char *why;
    size_t why_len;
};

/* Numbers: |value| = mant * 10^exp10 + a tail below mant's last digit,
 * nonzero when sticky. Once mant is full (the next digit would overflow),
 * digits are dropped; the first dropped digit weighs 10^(exp10 - 1). */
struct num {
    uint64_t mant;
    int64_t exp10;
    uint8_t neg;
    uint8_t sticky; /* nonzero digits were dropped */
    uint8_t full;   /* mant has stopped taking digits */
};

/* A value as the conversions take it, whichever path found it. */
enum { JV_STRING, JV_NUMBER, JV_TRUE, JV_FALSE, JV_NULL, JV_OBJECT, JV_ARRAY, JV_BAD };

struct jval {
    const char *s; /* a string's body (no quotes), else the whole token */
    size_t n;
    int type;      /* JV_*; JV_BAD: a primitive that is not valid JSON */
    int plain;     /* a string already checked: valid UTF-8, no escape */
    struct num num; /* JV_NUMBER: its decomposition */
};

/* "invalid JSON at byte N" for the byte at `at` of the line. */
int fmt_json_bad(struct fmt_json_in *p, const char *at);
int fmt_json_fail(struct fmt_json_in *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Validate a string's body; *out is s itself when it holds no escape,
 * else the unescaped text in p->scratch. */
int fmt_json_str_decode(struct fmt_json_in *p, const char *s, size_t n, const char **out,
                        size_t *out_n);
/* JSON number grammar over all of s[0..n); 0, or -1 when it is not one. */
int fmt_json_scan_number(const char *s, size_t n, struct num *x);

/* The column whose name the key bytes are (hint first, then the index),
 * advancing the hint; -1 when there is none. */
int fmt_json_col_hint(struct fmt_json_in *p, const char *k, size_t n);
int fmt_json_col_lookup(struct fmt_json_in *p, const char *k, size_t n);

/* One top-level field's value into column col (row start of b); every
 * column has room for one more value. *tp_null: _tp_time came as null. */
int fmt_json_convert(struct fmt_json_in *p, int col, const struct jval *v, struct blk *b,
                     uint32_t start, int *tp_null);
/* Defaults for the columns the row did not name, then _tp_time. */
int fmt_json_fill_defaults(struct fmt_json_in *p, struct blk *b, uint32_t start,
                           int64_t now_ms);

/* The general path (json_walk.c): jsmn tokens, every gap and scalar
 * checked, nested values; the row at p->line[0..n) into b, or an error. */
int fmt_json_walk_create(struct fmt_json_in *p);
void fmt_json_walk_destroy(struct fmt_json_in *p);
int fmt_json_walk_row(struct fmt_json_in *p, size_t n, int64_t now_ms, struct blk *b,
                      uint32_t start);

#endif
