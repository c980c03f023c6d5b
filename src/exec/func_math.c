/*
 * func_math.c — math: round, floor, ceil, trunc (with optional digits),
 * sqrt, cbrt, exp, exp2, exp10, log (ln), log2, log10, trigonometry,
 * pow (power), sign.
 *
 * ClickHouse's rules: the rounding functions keep the argument's type;
 * digits N (a constant, default 0) round to 10^-N, so an integer is
 * unchanged for N >= 0 and rounded to a multiple of 10^-N otherwise;
 * round() on floats rounds half to even (banker's rounding, the FPU's
 * mode), on integers half away from zero. The other functions compute in
 * float64 and return float64. sign gives int8 (-1, 0, 1).
 *
 * Each function is one loop per C type over the column; the digits and
 * the rounding mode are chosen at bind time.
 */
#include <math.h>
#include <stdlib.h>

#include "func_impl.h"
#include "types/datetime.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

/* ---- float64 functions of one and two arguments ------------------------ */

#define UNARY_F64(name, EXPR)                              \
    static int k_##name(KERNEL_ARGS)                       \
    {                                                      \
        const double *x = args[0]->data;                   \
        double *o = out->data;                             \
        for (uint32_t i = 0; i < n; i++) {                 \
            double a = x[i];                               \
            o[i] = (EXPR);                                 \
        }                                                  \
        fn_fixed_done(out, n);                             \
        return 0;                                          \
    }                                                      \
    static int bind_##name(struct fn_bind *b)              \
    {                                                      \
        return bind_f64(b, #name, k_##name);               \
    }

static int bind_f64(struct fn_bind *b, const char *name, fn_kernel k)
{
    for (uint32_t i = 0; i < b->nargs; i++) /* decimals too, as float64 (ClickHouse) */
        if ((!fn_is_num(b->arg_ty[i]) && b->arg_ty[i].kind != TY_DECIMAL) ||
            b->arg_ty[i].kind == TY_BOOL)
            return fn_bad_arg(b, name, i, "a number");
    for (uint32_t i = 0; i < b->nargs; i++)
        b->cast_to[i] = fn_ty(TY_FLOAT64);
    b->ret = fn_ty(TY_FLOAT64);
    b->kernel = k;
    return 0;
}

UNARY_F64(sqrt, sqrt(a))
UNARY_F64(cbrt, cbrt(a))
UNARY_F64(exp, exp(a))
UNARY_F64(exp2, exp2(a))
UNARY_F64(exp10, pow(10.0, a))
UNARY_F64(log, log(a))
UNARY_F64(log2, log2(a))
UNARY_F64(log10, log10(a))
UNARY_F64(sin, sin(a))
UNARY_F64(cos, cos(a))
UNARY_F64(tan, tan(a))
UNARY_F64(asin, asin(a))
UNARY_F64(acos, acos(a))
UNARY_F64(atan, atan(a))

static int k_pow(KERNEL_ARGS)
{
    const double *x = args[0]->data, *y = args[1]->data;
    double *o = out->data;
    for (uint32_t i = 0; i < n; i++)
        o[i] = pow(x[i], y[i]);
    fn_fixed_done(out, n);
    return 0;
}
static int bind_pow(struct fn_bind *b) { return bind_f64(b, "pow", k_pow); }

/* ---- sign ------------------------------------------------------------------ */

#define SIGN_KERNEL(k, T, s)                         \
    static int sign_##s(KERNEL_ARGS)                 \
    {                                                \
        const T *x = args[0]->data;                  \
        int8_t *o = out->data;                       \
        for (uint32_t i = 0; i < n; i++)             \
            o[i] = (int8_t)((x[i] > 0) - (x[i] < 0)); \
        fn_fixed_done(out, n);                       \
        return 0;                                    \
    }
FN_SINT_KINDS(SIGN_KERNEL)
FN_FLOAT_KINDS(SIGN_KERNEL)
#define USIGN_KERNEL(k, T, s)                        \
    static int sign_##s(KERNEL_ARGS)                 \
    {                                                \
        const T *x = args[0]->data;                  \
        int8_t *o = out->data;                       \
        for (uint32_t i = 0; i < n; i++)             \
            o[i] = x[i] != 0;                        \
        fn_fixed_done(out, n);                       \
        return 0;                                    \
    }
FN_UINT_KINDS(USIGN_KERNEL)
#define SIGN_ENTRY(k, T, s) [k] = sign_##s,
static const fn_kernel sign_k[TY_KIND_END] = {FN_NUM_KINDS(SIGN_ENTRY)};

static int bind_sign(struct fn_bind *b)
{
    struct ty a = fn_plain(b->arg_ty[0]);
    if (a.kind == TY_DECIMAL) /* its stored int64 has the value's sign: no cast */
        a = fn_ty(TY_INT64);
    if (!fn_is_num(a) || a.kind == TY_BOOL)
        return fn_bad_arg(b, "sign", 0, "a number");
    b->ret = fn_ty(TY_INT8);
    b->kernel = sign_k[a.kind];
    return 0;
}

/* ---- rounding ------------------------------------------------------------- */

enum rmode { R_ROUND, R_FLOOR, R_CEIL, R_TRUNC };

struct rounding {
    enum rmode mode;
    int digits;     /* N */
    double fscale;  /* 10^|N| for floats */
    uint64_t iscale; /* 10^-N for integers (N < 0) */
};

static inline double fround(enum rmode m, double v)
{
    switch (m) {
    case R_FLOOR: return floor(v);
    case R_CEIL: return ceil(v);
    case R_TRUNC: return trunc(v);
    default: return nearbyint(v);
    }
}

/* Floats: x scaled by 10^N, rounded, scaled back. The mode switch is
 * hoisted by the compiler (it does not change inside the loop). */
#define FROUND_KERNEL(k, T, s)                                               \
    static int round_##s(KERNEL_ARGS)                                        \
    {                                                                        \
        const struct rounding *r = b->state;                                 \
        const T *x = args[0]->data;                                          \
        T *o = out->data;                                                    \
        double sc = r->fscale;                                               \
        if (r->digits == 0)                                                  \
            for (uint32_t i = 0; i < n; i++)                                 \
                o[i] = (T)fround(r->mode, x[i]);                             \
        else if (r->digits > 0)                                              \
            for (uint32_t i = 0; i < n; i++)                                 \
                o[i] = (T)(fround(r->mode, x[i] * sc) / sc);                 \
        else                                                                 \
            for (uint32_t i = 0; i < n; i++)                                 \
                o[i] = (T)(fround(r->mode, x[i] / sc) * sc);                 \
        fn_fixed_done(out, n);                                               \
        return 0;                                                            \
    }
FN_FLOAT_KINDS(FROUND_KERNEL)

/* Integers to a multiple of q = 10^-N (N < 0), in 64 bits. */
static inline int64_t iround(enum rmode m, int64_t v, int64_t q)
{
    int64_t t = v / q * q, rem = v - t; /* toward zero */
    int64_t up = (int64_t)((uint64_t)t + (uint64_t)q), down = (int64_t)((uint64_t)t - (uint64_t)q);
    switch (m) {
    case R_FLOOR: return rem < 0 ? down : t;
    case R_CEIL: return rem > 0 ? up : t;
    case R_TRUNC: return t;
    default:
        if (rem >= 0)
            return rem * 2 >= q ? up : t;
        return -rem * 2 >= q ? down : t;
    }
}
static inline uint64_t uround(enum rmode m, uint64_t v, uint64_t q)
{
    uint64_t t = v / q * q, rem = v - t;
    if (m == R_CEIL || (m == R_ROUND && rem * 2 >= q))
        return rem ? t + q : t;
    return t;
}

/* Integers: unchanged for N >= 0, else rounded in 64 bits (W: int64_t
 * through iround, uint64_t through uround); 0 when 10^-N passes 10^18. */
#define INT_ROUND_KERNEL(T, s, W, FN)                                           \
    static int round_##s(KERNEL_ARGS)                                           \
    {                                                                           \
        const struct rounding *r = b->state;                                    \
        const T *x = args[0]->data;                                             \
        T *o = out->data;                                                       \
        if (r->digits >= 0)                                                     \
            memcpy(o, x, (size_t)n * sizeof(T));                                \
        else if (r->iscale == 0)                                                \
            memset(o, 0, (size_t)n * sizeof(T));                                \
        else                                                                    \
            for (uint32_t i = 0; i < n; i++)                                    \
                o[i] = (T)FN(r->mode, x[i], (W)r->iscale);                      \
        fn_fixed_done(out, n);                                                  \
        return 0;                                                               \
    }
#define IROUND_KERNEL(k, T, s) INT_ROUND_KERNEL(T, s, int64_t, iround)
#define UROUND_KERNEL(k, T, s) INT_ROUND_KERNEL(T, s, uint64_t, uround)
FN_SINT_KINDS(IROUND_KERNEL)
FN_UINT_KINDS(UROUND_KERNEL)
#define ROUND_ENTRY(k, T, s) [k] = round_##s,
static const fn_kernel round_k[TY_KIND_END] = {FN_NUM_KINDS(ROUND_ENTRY)};

static int bind_rounding(struct fn_bind *b, const char *name, enum rmode mode)
{
    struct ty a = fn_plain(b->arg_ty[0]);
    int64_t d = 0;
    int dec = a.kind == TY_DECIMAL;
    if ((!fn_is_num(a) && !dec) || a.kind == TY_BOOL)
        return fn_bad_arg(b, name, 0, "a number");
    if (b->nargs > 1) {
        const struct val *v = fn_const(b, 1);
        if (!v || !ty_is_int(v->ty))
            return fn_bad_arg(b, name, 1, "a constant integer number of digits");
        d = fn_val_i64(v);
        if (d < -30 || d > 30)
            return fn_bind_fail(b, 1, "%s: digits %lld out of range -30..30", name, (long long)d);
    }
    struct rounding *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->mode = mode;
    /* a decimal keeps its type (ClickHouse): its stored integer is rounded
     * to a multiple of 10^(s - N), as an integer is to 10^-N */
    if (dec)
        d -= a.scale;
    r->digits = (int)d;
    r->fscale = pow(10.0, (double)(d < 0 ? -d : d));
    /* 10^-N for integers; 0 past 10^18, where every value rounds to 0
     * (results that leave the type wrap, as ClickHouse's do) */
    if (d < 0 && -d <= 18)
        r->iscale = (uint64_t)dt_pow10((int)-d);
    b->state = r;
    b->state_free = free;
    b->ret = a;
    b->kernel = dec ? round_i64 : round_k[a.kind];
    return 0;
}

static int bind_round(struct fn_bind *b) { return bind_rounding(b, "round", R_ROUND); }
static int bind_floor(struct fn_bind *b) { return bind_rounding(b, "floor", R_FLOOR); }
static int bind_ceil(struct fn_bind *b) { return bind_rounding(b, "ceil", R_CEIL); }
static int bind_trunc(struct fn_bind *b) { return bind_rounding(b, "trunc", R_TRUNC); }

const struct fn_scalar fn_math_fns[] = {
    {"round", 1, 2, 0, bind_round},
    {"floor", 1, 2, 0, bind_floor},
    {"ceil", 1, 2, 0, bind_ceil},
    {"ceiling", 1, 2, 0, bind_ceil},
    {"trunc", 1, 2, 0, bind_trunc},
    {"truncate", 1, 2, 0, bind_trunc},
    {"sqrt", 1, 1, 0, bind_sqrt},
    {"cbrt", 1, 1, 0, bind_cbrt},
    {"exp", 1, 1, 0, bind_exp},
    {"exp2", 1, 1, 0, bind_exp2},
    {"exp10", 1, 1, 0, bind_exp10},
    {"log", 1, 1, 0, bind_log},
    {"ln", 1, 1, 0, bind_log},
    {"log2", 1, 1, 0, bind_log2},
    {"log10", 1, 1, 0, bind_log10},
    {"sin", 1, 1, 0, bind_sin},
    {"cos", 1, 1, 0, bind_cos},
    {"tan", 1, 1, 0, bind_tan},
    {"asin", 1, 1, 0, bind_asin},
    {"acos", 1, 1, 0, bind_acos},
    {"atan", 1, 1, 0, bind_atan},
    {"pow", 2, 2, 0, bind_pow},
    {"power", 2, 2, 0, bind_pow},
    {"sign", 1, 1, 0, bind_sign},
};
const size_t fn_math_fns_n = sizeof(fn_math_fns) / sizeof(fn_math_fns[0]);
