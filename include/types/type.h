/*
 * type.h — SQL column types.
 *
 * A type is a small value (copy it freely; nothing to free). Storage of each
 * kind in a column: bool and uint8 as uint8_t; intN/uintN as their C types;
 * float32/64 as float/double; datetime as uint32_t seconds since the epoch
 * (UTC); datetime64(p) as int64_t ticks of 10^-p seconds; string as offsets
 * plus bytes (see block.h); date as uint16_t days since the epoch;
 * nothing (the NULL literal's type) as one zero byte; interval as int64_t
 * units (the unit in prec, enum ty_unit); decimal(p, s) as int64_t holding
 * value * 10^s (p <= 18; p in prec, s in scale); array(T) as offsets into a
 * child column of T (see block.h). Nullable is a flag on any kind but array.
 *
 * Intervals are the type of `INTERVAL 5 MINUTE` and `5m` (ClickHouse's
 * IntervalMinute): a count of one calendar or clock unit, so that
 * `ts + INTERVAL 1 MONTH` can add a month and `to_start_of_interval` knows
 * its grid. They exist in expressions only, never as a stream's column.
 */
#ifndef SFS_TYPES_TYPE_H
#define SFS_TYPES_TYPE_H

#include <stddef.h>
#include <stdint.h>

enum ty_kind {
    TY_BOOL = 1,
    TY_INT8, TY_INT16, TY_INT32, TY_INT64,
    TY_UINT8, TY_UINT16, TY_UINT32, TY_UINT64,
    TY_FLOAT32, TY_FLOAT64,
    TY_STRING,
    TY_DATETIME,
    TY_DATETIME64,
    TY_DATE,     /* uint16_t days since 1970-01-01 */
    TY_NOTHING,  /* the type of a bare NULL literal: always nullable, 1 byte */
    TY_INTERVAL, /* int64_t count of the unit in prec (enum ty_unit); not a column type */
    TY_DECIMAL,  /* decimal(p, s): int64_t scaled by 10^s; p (1..18) in prec, s in scale */
    TY_ARRAY,    /* array(T): n+1 uint32_t offsets into a child column of T (block.h) */
    TY_KIND_END
};

struct ty {
    uint8_t kind;     /* enum ty_kind */
    uint8_t nullable; /* 0 or 1 (arrays: always 0, as ClickHouse) */
    uint8_t prec;     /* datetime64 precision 0..9; interval: enum ty_unit; decimal: p;
                         array: the element's prec */
    uint8_t scale;    /* decimal: s, 0..p; array: the element's scale; else 0 */
    uint8_t elem;     /* array: the element's kind (a scalar kind); else 0 */
    uint8_t elem_nullable; /* array: the element is nullable(T) */
};

/* Decimals: ClickHouse's Decimal(P, S) for P up to 18 (Decimal32 and
 * Decimal64), stored as the int64_t value * 10^S. Wider precisions
 * (ClickHouse's Decimal128/256) are refused with an error. */
#define TY_DECIMAL_MAX_PREC 18

/* The element type of an array type, and the array of an element type. */
static inline struct ty ty_elem(struct ty t)
{
    return (struct ty){.kind = t.elem, .nullable = t.elem_nullable, .prec = t.prec,
                       .scale = t.scale};
}
static inline struct ty ty_array_of(struct ty e)
{
    return (struct ty){.kind = TY_ARRAY, .prec = e.prec, .scale = e.scale, .elem = e.kind,
                       .elem_nullable = e.nullable};
}
/* Kinds whose column data is n+1 uint32_t offsets (string, array). */
static inline int ty_has_offsets(struct ty t)
{
    return t.kind == TY_STRING || t.kind == TY_ARRAY;
}

/* Interval units, finest first (names: "second", ...; types "interval_second"). */
enum ty_unit {
    TY_UNIT_NANOSECOND, TY_UNIT_MICROSECOND, TY_UNIT_MILLISECOND, TY_UNIT_SECOND,
    TY_UNIT_MINUTE, TY_UNIT_HOUR, TY_UNIT_DAY, TY_UNIT_WEEK,
    TY_UNIT_MONTH, TY_UNIT_QUARTER, TY_UNIT_YEAR,
    TY_UNIT_END
};

#define TY_MAX_NAME 48 /* longest rendered type name, with NUL */

/* Bytes per value in a column's data array (strings: 0, they use offsets). */
size_t ty_width(struct ty t);
int ty_is_int(struct ty t);      /* any of int8..uint64 */
int ty_is_signed(struct ty t);   /* int8..int64 */
int ty_is_float(struct ty t);
int ty_equal(struct ty a, struct ty b);
/* 10^e for e in 0..18. */
int64_t ty_pow10(int e);
/* Exclusive bound of a decimal(p, s)'s stored integer: 10^p. */
static inline int64_t ty_dec_bound(struct ty t)
{
    return ty_pow10(t.prec);
}
/* decimal(p, s) (not nullable); p and s unchecked. */
static inline struct ty ty_decimal(int p, int s)
{
    struct ty t = {TY_DECIMAL, 0, (uint8_t)p, (uint8_t)s};
    return t;
}

/*
 * Build a type from its SQL name (case-insensitive: "int32", "DateTime64",
 * "string", ...) and integer parameters (datetime64's precision; the
 * default precision 3 when nparams is 0). nullable(T) is built by the caller
 * setting .nullable. Returns 0 or -EINVAL for unknown names or bad params.
 */
int ty_from_name(const char *name, size_t name_len, const int64_t *params, int nparams,
                 struct ty *out);

/* Parse a rendered type name such as "nullable(datetime64(3))" or
 * "array(nullable(string))" (elements are scalar: nested arrays, and
 * nullable(array(T)), are -EINVAL as in ClickHouse). */
int ty_parse(const char *s, struct ty *out);

/* A unit by name: "second", "seconds", "SECOND" (case-insensitive), or a
 * short form of Proton's interval literals, case-sensitive: ns us ms s m
 * h d w M (month) q y. 0 or -EINVAL. */
int ty_unit_from_name(const char *name, size_t len, uint8_t *unit);
/* "second" for TY_UNIT_SECOND ("unknown" outside the enum). */
const char *ty_unit_name(uint8_t unit);

/* Render the canonical name ("nullable(datetime64(3))") into out. */
void ty_name(struct ty t, char out[TY_MAX_NAME]);

#endif
