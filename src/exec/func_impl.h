/*
 * func_impl.h — what the scalar function files (func_*.c) share: bind
 * error helpers, type predicates, the X-macro lists of kinds with their C
 * storage types (so kernels are written once and stamped out per type),
 * result-column helpers, and the conversion entry the casts use.
 * Internal to src/exec; exec/func.h is the interface.
 */
#ifndef SFS_EXEC_FUNC_IMPL_H
#define SFS_EXEC_FUNC_IMPL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "exec/func.h"
#include "types/block.h"
#include "types/type.h"
#include "types/value.h"

/* ---- kinds and their storage ----------------------------------------- */

/* X(kind, C type, suffix) for every kind a kernel may loop over. */
#define FN_SINT_KINDS(X) \
    X(TY_INT8, int8_t, i8) X(TY_INT16, int16_t, i16) X(TY_INT32, int32_t, i32) \
    X(TY_INT64, int64_t, i64)
#define FN_UINT_KINDS(X) \
    X(TY_UINT8, uint8_t, u8) X(TY_UINT16, uint16_t, u16) X(TY_UINT32, uint32_t, u32) \
    X(TY_UINT64, uint64_t, u64)
#define FN_INT_KINDS(X) FN_SINT_KINDS(X) FN_UINT_KINDS(X)
#define FN_FLOAT_KINDS(X) X(TY_FLOAT32, float, f32) X(TY_FLOAT64, double, f64)
#define FN_NUM_KINDS(X) FN_INT_KINDS(X) FN_FLOAT_KINDS(X)
/* Kinds stored as plain numbers that are not numbers to SQL. */
#define FN_OTHER_FIXED_KINDS(X) \
    X(TY_BOOL, uint8_t, b) X(TY_DATETIME, uint32_t, dt) X(TY_DATETIME64, int64_t, dt64) \
    X(TY_DATE, uint16_t, d) X(TY_INTERVAL, int64_t, iv)
#define FN_FIXED_KINDS(X) FN_NUM_KINDS(X) FN_OTHER_FIXED_KINDS(X)

static inline struct ty fn_ty(uint8_t kind)
{
    return (struct ty){kind, 0, 0};
}
static inline struct ty fn_plain(struct ty t)
{
    t.nullable = 0;
    return t;
}
static inline struct ty fn_nullable(struct ty t)
{
    t.nullable = 1;
    return t;
}
/* Numbers as arithmetic sees them: integers, floats and bool. */
static inline int fn_is_num(struct ty t)
{
    return t.kind == TY_BOOL || ty_is_int(t) || ty_is_float(t);
}
static inline int fn_is_time(struct ty t)
{
    return t.kind == TY_DATETIME || t.kind == TY_DATETIME64 || t.kind == TY_DATE;
}
/* Unsigned and wide enough to hold any value of t (bool, ints). */
static inline int fn_is_unsigned(struct ty t)
{
    return t.kind == TY_BOOL || (t.kind >= TY_UINT8 && t.kind <= TY_UINT64);
}
/* The integer kind of width bytes (1, 2, 4, 8), signed or not. */
static inline uint8_t fn_int_kind(int is_signed, size_t width)
{
    uint8_t k = width <= 1 ? TY_INT8 : width == 2 ? TY_INT16 : width == 4 ? TY_INT32 : TY_INT64;
    return is_signed ? k : (uint8_t)(k + (TY_UINT8 - TY_INT8));
}
/* The argument's text for a message ("nullable(string)"). */
const char *fn_ty_str(struct ty t, char out[TY_MAX_NAME]);

/* The constant value of argument i, or NULL when it is a column or NULL. */
static inline const struct val *fn_const(const struct fn_bind *b, uint32_t i)
{
    const struct val *v = b->arg_const[i];
    return v && !v->is_null && v->ty.kind != TY_NOTHING ? v : NULL;
}

/* ---- bind errors ----------------------------------------------------- */

/* b->err from fmt, b->err_arg = arg (-1: the call); returns -EINVAL. */
int fn_bind_fail(struct fn_bind *b, int arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<name> expects <what> as argument <arg+1>, got <type>". */
int fn_bad_arg(struct fn_bind *b, const char *name, uint32_t arg, const char *what);
/* Arguments first .. first + count - 1 are strings, or fn_bad_arg. */
int fn_want_strings(struct fn_bind *b, const char *name, uint32_t first, uint32_t count);

/* Row r of arrays a and b (one type) hold equal elements (NULL equal to
 * NULL, as has() sees them). */
int fn_array_rows_equal(const struct col *a, const struct col *b, uint32_t r);
/* Row r of arrays a and b (one type) in order: element by element
 * (NULLs last), then the shorter first; <0, 0, >0. */
int fn_array_rows_cmp(const struct col *a, const struct col *b, uint32_t r);
/* A bind error when some argument is an array (functions whose kernels
 * take scalars only). */
int fn_no_arrays(struct fn_bind *b, const char *name);
/* The common type (fn_common_type) of arguments first, first + step, ...
 * (arrays refused: fn_no_arrays);
 * a bind error naming the argument that has none. */
int fn_bind_common(struct fn_bind *b, const char *name, uint32_t first, uint32_t step,
                   struct ty *out);

/* ---- result columns -------------------------------------------------- */

/* Fixed-width results are written straight into out->data (the evaluator
 * reserved n rows); then this sets the row count and clears the null map. */
static inline void fn_fixed_done(struct col *out, uint32_t n)
{
    if (out->nulls)
        memset(out->nulls, 0, n);
    out->n = n;
}
/* A constant number as int64 (floats truncated, saturating). */
int64_t fn_val_i64(const struct val *v);

/* ---- conversions (func_conv.c) --------------------------------------- */

enum fn_conv_mode {
    FN_CONV_STRICT,  /* an unparsable value is an error */
    FN_CONV_OR_NULL, /* ... becomes NULL (out is nullable) */
    FN_CONV_OR_ZERO, /* ... becomes the type's zero */
};

/* n rows of in into out (empty, type to's kind), ClickHouse's rules; rows
 * where skip[i] (may be NULL) are not looked at and get zero. NULL rows of
 * in become NULL when out is nullable, zero otherwise. */
int fn_conv(struct fn_ctx *ctx, const struct col *in, const uint8_t *skip, uint32_t n,
            enum fn_conv_mode mode, struct col *out);


/* The precision a time type carries (datetime and date: 0). */
static inline int fn_time_prec(struct ty t)
{
    return t.kind == TY_DATETIME64 ? t.prec : 0;
}

/* Bind a time plus or minus a count of units (func_arith.c): argument
 * targ is the time, the other the count (an interval or integer); the
 * result is the time's type, finer when the unit is (date + hours gives
 * datetime, datetime + milliseconds datetime64(3)). */
int fn_bind_time_add(struct fn_bind *b, uint32_t targ, uint8_t unit, int sign);
/* The same with the count in argument karg (date_add('day', n, t)). */
int fn_bind_time_add_at(struct fn_bind *b, uint32_t targ, uint32_t karg, uint8_t unit, int sign);

/* Add months to a day number, clamping the day to the month's last
 * (func_time.c). */
int64_t fn_add_months_days(int64_t days, int64_t months);

#endif
