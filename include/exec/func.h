/*
 * func.h — the one function registry: scalar functions (this header) and
 * aggregate functions (exec/agg.h). JavaScript UDFs join the same registry
 * later through fn_register.
 *
 * Binding. The SQL binder resolves a call by name (case-insensitive;
 * Proton's snake_case names, with ClickHouse camelCase aliases where they
 * exist) and asks the function to bind: given the argument types (and the
 * values of constant arguments), the function picks its result type and
 * its kernel, or explains why it cannot ("to_start_of_interval expects an
 * interval as argument 2, got string"). A function may ask for arguments
 * to be converted first (cast_to), so kernels see one type per argument.
 *
 * Evaluation is vectorized: a kernel gets whole argument columns of n
 * rows (constants arrive as full columns too) and appends n values to out.
 *
 * NULLs. Unless FN_OWN_NULLS is set, the evaluator does the ClickHouse
 * default: if any argument type is nullable the binder makes the result
 * nullable; the kernel is given the union of the argument null maps (rows
 * it must not fail on and may fill with any value) and the evaluator marks
 * those rows NULL in out. FN_OWN_NULLS functions (is_null, coalesce, if,
 * multi_if, and, or) see the null maps in the columns and set their own.
 *
 * Intervals. `INTERVAL 5 MINUTE` and `5m` are calls of to_interval_minute(5)
 * (to_interval_<unit> for nanosecond ... year), whose type is TY_INTERVAL
 * with the unit in ty.prec (enum ty_unit) and whose value is the count
 * (int64). Calendar units stay calendar units: datetime + INTERVAL 1 MONTH
 * adds a month (keeping the day, or the month's last), not 30 days. Time
 * arithmetic: datetime/date/datetime64 +- interval or integer (seconds;
 * days for dates) keeps the time's type (date + hours gives datetime,
 * anything + milliseconds datetime64(3)); interval +- interval of one
 * unit, interval * integer and negate stay intervals; datetime - datetime
 * is int64 seconds. to_start_of_interval(t, interval) aligns to multiples
 * of the interval since the epoch (months and years since year 0, as
 * ClickHouse). Windows turn an interval into ticks with fn_interval_ticks.
 *
 * Constants. xpr_call folds arguments that are calls on constants (not
 * rand(), not now()) before binding, so a binding sees the value of
 * to_interval_minute(5) or of a CAST of a literal in arg_const, and a
 * constant that fails to compute (1 / 0 in int_div, '?' as int32) is a
 * bind error. FN_PER_STATEMENT functions (now, now64, today) are the
 * binder's to fold, with the statement's fn_ctx.
 *
 * Ownership: the registry is static; fn_bind.state belongs to the bound
 * call and is freed with state_free (state may also point at static data,
 * with state_free NULL). A bound call's kernel may keep scratch in its
 * state (compiled patterns, token arrays), so a tree is evaluated by one
 * thread at a time (exec/expr.h).
 */
#ifndef SFS_EXEC_FUNC_H
#define SFS_EXEC_FUNC_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"
#include "types/type.h"
#include "types/value.h"

#define FN_MAX_ARGS 64
#define FN_ERR_MAX 256

enum fn_flags {
    FN_OWN_NULLS = 1,      /* the kernel handles NULLs itself */
    FN_NONDETERMINISTIC = 2, /* rand(): never constant-folded */
    FN_PER_STATEMENT = 4,  /* now(): one value per statement (folded once) */
};

struct fn_ctx {
    int64_t now_ns;        /* the statement's now() (SPEC rule 10) */
    uint64_t rand_state;   /* per-query generator state */
    char err[FN_ERR_MAX];  /* the last kernel error */
};

struct fn_bind;

/* Append n values to out (type fn_bind.ret, empty on entry, room reserved
 * for n rows). args[i] has n rows of type arg_ty[i] (after cast_to).
 * nulls: n bytes, 1 where some argument is NULL (NULL when none is), only
 * for functions without FN_OWN_NULLS. Return 0 or an error with ctx->err
 * set through fn_errorf (e.g. integer division by zero). */
typedef int (*fn_kernel)(const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args,
                         const uint8_t *nulls, uint32_t n, struct col *out);

struct fn_bind {
    /* in */
    uint32_t nargs;
    struct ty arg_ty[FN_MAX_ARGS];
    const struct val *arg_const[FN_MAX_ARGS]; /* value when the argument is constant, else NULL */
    /* out */
    struct ty ret;
    struct ty cast_to[FN_MAX_ARGS]; /* kind 0: keep the argument's type */
    fn_kernel kernel;
    uint32_t flags;              /* enum fn_flags, added to the function's */
    void *state;                 /* kernel data (e.g. a compiled pattern) */
    void (*state_free)(void *state);
    int err_arg;                 /* argument at fault for a bind error, -1 for the call */
    char err[FN_ERR_MAX];        /* bind error text (without position) */
};

struct fn_scalar {
    const char *name;
    uint32_t min_args, max_args; /* max_args FN_MAX_ARGS: variadic */
    uint32_t flags;
    /* Fill b's out fields; 0, or -EINVAL with b->err (and b->err_arg). */
    int (*bind)(struct fn_bind *b);
};

/* The scalar function called name (case-insensitive), or NULL. */
const struct fn_scalar *fn_find(const char *name, size_t len);
/* Every registered name (scalars and aggregates), for "did you mean" hints. */
int fn_names(const char *const **names, int *n);
/* Add a function (UDFs); -EEXIST when the name is taken. */
int fn_register(const struct fn_scalar *f);

/* Set ctx error text for a kernel failure; returns -EINVAL. */
int fn_errorf(struct fn_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last kernel error text of ctx. */
const char *fn_error(const struct fn_ctx *ctx);

/* Conversion between types by ClickHouse's rules (to_int32, CAST,
 * INSERT ... SELECT): n rows of in into out (type to, empty). Errors for
 * unparsable strings; float to integer truncates. */
int fn_convert(struct fn_ctx *ctx, const struct col *in, uint32_t n, struct ty to, struct col *out);
/* 1 when values of type from convert implicitly to type to (arguments,
 * comparisons, UNION-like unification): integer widening, int to float,
 * string literal to datetime, etc. */
int fn_can_convert_implicitly(struct ty from, struct ty to);
/* The common supertype of a and b (ClickHouse rules: int8 + uint8 ->
 * int16, int64 + uint64 -> error, int + float -> float64, datetime +
 * datetime64 -> datetime64); -EINVAL when there is none. */
int fn_common_type(struct ty a, struct ty b, struct ty *out);

/* count units of interval type t as ticks of 10^-prec seconds (a window's
 * size); -EINVAL for month, quarter and year (no fixed length) and
 * -ERANGE when the ticks overflow int64. */
int fn_interval_ticks(struct ty t, int64_t count, int prec, int64_t *ticks);

#endif
