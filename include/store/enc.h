/*
 * enc.h — type-aware encoding of one column chunk (a granule of a part)
 * and the min/max statistics kept beside it.
 *
 * A chunk is rows [from, to) of one column, encoded before compression
 * (store/codec.h) so that the compressor sees regular bytes:
 *   - ENC_DELTA for integer-like kinds (ints, date, datetime, datetime64,
 *     decimal): the first value, the smallest difference between
 *     neighbours (the step), then each difference minus the step in the
 *     narrowest width that holds them all (0 bytes when the step is
 *     constant, as for timestamps 10 ms apart or sequence numbers);
 *   - ENC_DICT for strings with few distinct values: the distinct values,
 *     then a code per row (1 or 2 bytes);
 *   - ENC_PLAIN otherwise: the values as stored (floats), strings as
 *     lengths then bytes, arrays as lengths then their elements as a
 *     chunk of their own.
 * A nullable column's chunk starts with one byte per row (1 = NULL).
 *
 * Statistics (struct enc_stat) hold the smallest and largest non-NULL
 * value in the kind's comparison domain (signed, unsigned, float, string)
 * and whether NULLs or values occur; floats with a NaN and strings longer
 * than ENC_STAT_STR bytes have no min/max (nothing is pruned by them).
 * enc_stat_may_match answers "can a row of this chunk satisfy col OP v":
 * it may say yes wrongly, never no wrongly.
 *
 * Ownership: every function borrows its arguments; output goes to the
 * caller's buffer or column.
 */
#ifndef SFS_STORE_ENC_H
#define SFS_STORE_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"
#include "util/buf.h"

enum enc_kind { ENC_PLAIN = 0, ENC_DELTA = 1, ENC_DICT = 2, ENC_END };

/* The comparison domain of a kind. */
enum enc_dom { ENC_DOM_NONE = 0, ENC_DOM_I, ENC_DOM_U, ENC_DOM_F, ENC_DOM_S };

#define ENC_STAT_STR 32

enum {
    ENC_ST_MINMAX = 1, /* min and max are set */
    ENC_ST_NULLS = 2,  /* some row is NULL */
    ENC_ST_VALUES = 4, /* some row is not NULL */
};

union enc_num {
    int64_t i;
    uint64_t u;
    double f;
};

struct enc_stat {
    uint8_t flags;
    uint8_t smin_len, smax_len; /* strings */
    union enc_num min, max;
    char smin[ENC_STAT_STR], smax[ENC_STAT_STR];
};

/* The serialized size of a struct enc_stat (store/part.h writes them). */
#define ENC_STAT_BYTES (3 + 16 + 2 * ENC_STAT_STR)

enum enc_op { ENC_EQ = 0, ENC_LT, ENC_LE, ENC_GT, ENC_GE };

/* A comparison `col OP value` with value in the column's domain. */
struct enc_pred {
    uint32_t col;        /* the part's column (schema position) */
    enum enc_op op;
    union enc_num num;   /* ENC_DOM_I/U/F */
    const char *s;       /* ENC_DOM_S (borrowed) */
    size_t slen;
};

enum enc_dom enc_domain(struct ty t);
/* Row i of a fixed-width column of domain I/U/F as a number. */
union enc_num enc_num_at(const struct col *c, uint32_t i);

/* Encode rows [from, to) of c, appending to out; *kind is the encoding chosen. */
int enc_encode(const struct col *c, uint32_t from, uint32_t to, struct buf *out, uint8_t *kind);
/* Decode a chunk of n rows encoded as kind and append them to out (a column
 * of the chunk's type). ERR_CORRUPT when the bytes do not hold n rows. */
int enc_decode(uint8_t kind, const void *p, size_t len, uint32_t n, struct col *out);

void enc_stat_compute(const struct col *c, uint32_t from, uint32_t to, struct enc_stat *out);
/* Fold b into a (the stats of both chunks together). */
void enc_stat_merge(struct enc_stat *a, const struct enc_stat *b, struct ty t);
int enc_stat_put(const struct enc_stat *st, struct buf *out); /* ENC_STAT_BYTES */
void enc_stat_get(const void *p, struct enc_stat *out);
/* 0 when no row described by st can satisfy p (a column of type t). */
int enc_stat_may_match(const struct enc_stat *st, struct ty t, const struct enc_pred *p);
/* 1 when every row described by st satisfies p (no NULL, all values in range). */
int enc_stat_all_match(const struct enc_stat *st, struct ty t, const struct enc_pred *p);

#endif
