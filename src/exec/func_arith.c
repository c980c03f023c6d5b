/*
 * func_arith.c — arithmetic: plus, minus, multiply, divide, int_div,
 * modulo (and their _or_zero forms), negate, abs, and date/time arithmetic
 * with numbers and intervals.
 *
 * Result types follow ClickHouse: plus and multiply give the next wider
 * integer of the wider argument (int8 + int8 -> int16, up to 64 bits),
 * signed when either argument is; minus is always signed; any float gives
 * float64; divide is always float64; int_div keeps the dividend's width,
 * modulo the divisor's (one wider when the dividend is signed). Integer
 * overflow wraps, computed in unsigned C types so it is defined.
 *
 * Binding converts both arguments to the type the operation runs in, so
 * each kernel is one same-type loop per C type, stamped out by macros.
 * int_div and modulo run in a 64-bit type (int64, uint64 or float64) and
 * store into the narrower result, so a wide divisor is never truncated
 * first; division by zero is an error unless _or_zero.
 *
 * Times: datetime + n adds seconds, date + n days; time +- interval adds
 * the interval's units (months, quarters and years by the calendar,
 * keeping the day of month where it exists, else the month's last day);
 * datetime - datetime gives seconds (int64), date - date days (int32);
 * intervals add to intervals of the same unit and multiply by integers.
 */
#include <math.h>
#include <stdlib.h>

#include "func_impl.h"
#include "types/datetime.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

/* The unsigned type an integer op wraps in (floats stay as they are). */
#define UW(x)                                                                              \
    _Generic((x), int64_t: (uint64_t)(x), uint64_t: (uint64_t)(x), float: (x), double: (x), \
             default: (uint32_t)(x))

/* One same-type binary loop: o[i] = EXPR over a = x[i], c = y[i]. */
#define BIN_KERNEL(op, T, s, EXPR)                                 \
    static int op##_##s(KERNEL_ARGS)                               \
    {                                                              \
        const T *x = args[0]->data, *y = args[1]->data;            \
        T *o = out->data;                                          \
        for (uint32_t i = 0; i < n; i++) {                         \
            T a = x[i], c = y[i];                                  \
            o[i] = (T)(EXPR);                                      \
        }                                                          \
        fn_fixed_done(out, n);                                     \
        return 0;                                                  \
    }

#define ARITH_KERNELS(k, T, s)                      \
    BIN_KERNEL(plus, T, s, UW(a) + UW(c))           \
    BIN_KERNEL(minus, T, s, UW(a) - UW(c))          \
    BIN_KERNEL(multiply, T, s, UW(a) * UW(c))
FN_NUM_KINDS(ARITH_KERNELS)
BIN_KERNEL(divide, double, f64, a / c)

#define PLUS_ENTRY(k, T, s) [k] = plus_##s,
#define MINUS_ENTRY(k, T, s) [k] = minus_##s,
#define MULTIPLY_ENTRY(k, T, s) [k] = multiply_##s,
static const fn_kernel plus_k[TY_KIND_END] = {FN_NUM_KINDS(PLUS_ENTRY)};
static const fn_kernel minus_k[TY_KIND_END] = {FN_NUM_KINDS(MINUS_ENTRY)};
static const fn_kernel multiply_k[TY_KIND_END] = {FN_NUM_KINDS(MULTIPLY_ENTRY)};

enum op { OP_PLUS, OP_MINUS, OP_MULTIPLY, OP_DIVIDE, OP_INT_DIV, OP_MODULO };

/* ---- result types ------------------------------------------------------ */

static size_t num_width(struct ty t)
{
    return t.kind == TY_BOOL ? 1 : ty_width(t);
}

static struct ty arith_result(enum op op, struct ty a, struct ty c)
{
    if (op == OP_DIVIDE || ty_is_float(a) || ty_is_float(c))
        return fn_ty(TY_FLOAT64);
    size_t w = num_width(a) > num_width(c) ? num_width(a) : num_width(c);
    int is_signed = op == OP_MINUS || ty_is_signed(a) || ty_is_signed(c);
    if (op == OP_INT_DIV)
        return fn_ty(fn_int_kind(ty_is_signed(a) || ty_is_signed(c), num_width(a)));
    if (op == OP_MODULO) {
        size_t wb = num_width(c);
        return fn_ty(fn_int_kind(ty_is_signed(a), ty_is_signed(a) && wb < 8 ? wb * 2 : wb));
    }
    return fn_ty(fn_int_kind(is_signed, w < 8 ? w * 2 : 8));
}

static int type_error(struct fn_bind *b, enum op op)
{
    static const char *const verb[] = {"add", "subtract", "multiply", "divide", "divide",
                                       "take the remainder of"};
    char x[TY_MAX_NAME], y[TY_MAX_NAME];
    struct ty a = b->arg_ty[0];
    int at = fn_is_num(a) || fn_is_time(a) || a.kind == TY_INTERVAL ? 1 : 0;
    fn_ty_str(fn_plain(b->arg_ty[0]), x);
    fn_ty_str(fn_plain(b->arg_ty[1]), y);
    if (op == OP_MINUS)
        return fn_bind_fail(b, at, "cannot subtract %s from %s", y, x);
    return fn_bind_fail(b, at, "cannot %s %s %s %s", verb[op], x,
                        op == OP_PLUS ? "and" : op == OP_MULTIPLY ? "by" : "by", y);
}

/* ---- int_div and modulo: 64-bit operands, narrower results -------------- */

/* Rows where the divisor is zero: NULL rows pass, _or_zero gives 0. */
#define DIV_ZERO_CHECK                                                    \
    if (c == 0) {                                                         \
        if (!(nulls && nulls[i]) && !or_zero)                             \
            return fn_errorf(ctx, "division by zero in %s", name);        \
        o[i] = 0;                                                         \
        continue;                                                         \
    }

/* One int_div / modulo loop: operands of type W, result R, o[i] = EXPR. */
#define DIV_KERNEL(op, W, sr, R, EXPR)                                    \
    static int op##_##sr(KERNEL_ARGS)                                     \
    {                                                                     \
        const W *x = args[0]->data, *y = args[1]->data;                   \
        R *o = out->data;                                                 \
        int or_zero = b->state != NULL;                                   \
        const char *name = b->state ? #op "_or_zero" : #op;               \
        for (uint32_t i = 0; i < n; i++) {                                \
            W a = x[i], c = y[i];                                         \
            DIV_ZERO_CHECK                                                \
            o[i] = (R)(EXPR);                                             \
        }                                                                 \
        fn_fixed_done(out, n);                                            \
        return 0;                                                         \
    }
/* float division truncated to an integer (out of int64's range: 0) */
static inline int64_t trunc_div(double a, double c)
{
    double q = trunc(a / c);
    return q >= -9223372036854775808.0 && q < 9223372036854775808.0 ? (int64_t)q : 0;
}
#define DIV_KERNELS(kr, R, sr)                                                              \
    DIV_KERNEL(int_div, int64_t, i64_##sr, R, c == -1 ? (int64_t)(0 - (uint64_t)a) : a / c) \
    DIV_KERNEL(int_div, uint64_t, u64_##sr, R, a / c)                                       \
    DIV_KERNEL(int_div, double, f64_##sr, R, trunc_div(a, c))                               \
    DIV_KERNEL(modulo, int64_t, i64_##sr, R, c == -1 ? 0 : a % c)                           \
    DIV_KERNEL(modulo, uint64_t, u64_##sr, R, a % c)
FN_INT_KINDS(DIV_KERNELS)

static int mod_f64(KERNEL_ARGS)
{
    const double *x = args[0]->data, *y = args[1]->data;
    double *o = out->data;
    int or_zero = b->state != NULL;
    for (uint32_t i = 0; i < n; i++)
        o[i] = or_zero && y[i] == 0 ? 0 : fmod(x[i], y[i]);
    fn_fixed_done(out, n);
    return 0;
}

#define IDIV_ENTRIES(k, R, s) [k] = {int_div_i64_##s, int_div_u64_##s, int_div_f64_##s},
#define MOD_ENTRIES(k, R, s) [k] = {modulo_i64_##s, modulo_u64_##s, NULL},
/* [result kind][operands: int64, uint64, float64] */
static const fn_kernel idiv_k[TY_KIND_END][3] = {FN_INT_KINDS(IDIV_ENTRIES)};
static const fn_kernel mod_k[TY_KIND_END][3] = {FN_INT_KINDS(MOD_ENTRIES)};

/* A non-NULL state that frees nothing: the _or_zero marker. */
static const int or_zero_marker = 1;

static int bind_divmod(struct fn_bind *b, enum op op, int or_zero)
{
    struct ty a = fn_plain(b->arg_ty[0]), c = fn_plain(b->arg_ty[1]);
    if (!fn_is_num(a) || !fn_is_num(c))
        return type_error(b, op);
    int which = ty_is_float(a) || ty_is_float(c) ? 2
                : fn_is_unsigned(a) && fn_is_unsigned(c) ? 1
                                                         : 0;
    static const uint8_t operand[3] = {TY_INT64, TY_UINT64, TY_FLOAT64};
    b->cast_to[0] = b->cast_to[1] = fn_ty(operand[which]);
    b->ret = arith_result(op, a, c);
    if (or_zero)
        b->state = (void *)&or_zero_marker;
    if (op == OP_MODULO && which == 2) {
        b->ret = fn_ty(TY_FLOAT64);
        b->kernel = mod_f64;
        return 0;
    }
    if (op == OP_INT_DIV && which == 2)
        b->ret = fn_ty(fn_int_kind(1, ty_width(ty_is_float(a) ? a : fn_ty(TY_INT64))));
    b->kernel = (op == OP_INT_DIV ? idiv_k : mod_k)[b->ret.kind][which];
    return 0;
}

static int bind_int_div(struct fn_bind *b) { return bind_divmod(b, OP_INT_DIV, 0); }
static int bind_int_div_or_zero(struct fn_bind *b) { return bind_divmod(b, OP_INT_DIV, 1); }
static int bind_modulo(struct fn_bind *b) { return bind_divmod(b, OP_MODULO, 0); }
static int bind_modulo_or_zero(struct fn_bind *b) { return bind_divmod(b, OP_MODULO, 1); }

/* ---- time arithmetic ---------------------------------------------------- */

struct tadd {
    int64_t step;    /* result ticks (days for date) per unit, when fixed */
    int64_t months;  /* months per unit, when calendar (step 0) */
    int sign;        /* +1 or -1 */
    uint32_t targ;   /* which argument is the time */
    uint32_t karg;   /* which is the count */
};

/* Units as result ticks: ns..week at precision prec (seconds = 0). */
static int64_t unit_ticks(uint8_t unit, int prec)
{
    static const int64_t ns[] = {
        [TY_UNIT_NANOSECOND] = 1, [TY_UNIT_MICROSECOND] = 1000, [TY_UNIT_MILLISECOND] = 1000000,
        [TY_UNIT_SECOND] = 1000000000LL, [TY_UNIT_MINUTE] = 60000000000LL,
        [TY_UNIT_HOUR] = 3600000000000LL, [TY_UNIT_DAY] = 86400000000000LL,
        [TY_UNIT_WEEK] = 604800000000000LL,
    };
    return ns[unit] / dt_pow10(9 - prec);
}

int fn_interval_ticks(struct ty t, int64_t count, int prec, int64_t *ticks)
{
    if (t.kind != TY_INTERVAL || t.prec >= TY_UNIT_MONTH || prec < 0 || prec > 9)
        return -EINVAL;
    /* ticks per unit at precision 9, then scaled: sub-tick units truncate */
    int64_t per = unit_ticks(t.prec, 9), r;
    if (__builtin_mul_overflow(count, per, &r)) {
        int64_t down = dt_pow10(9 - prec);
        if (per % down || __builtin_mul_overflow(count, per / down, &r))
            return -ERANGE;
        *ticks = r;
        return 0;
    }
    *ticks = r / dt_pow10(9 - prec);
    return 0;
}

static int64_t unit_months(uint8_t unit)
{
    return unit == TY_UNIT_MONTH ? 1 : unit == TY_UNIT_QUARTER ? 3 : 12;
}

/* Precision an interval unit needs (sub-second units only). */
static int unit_prec(uint8_t unit)
{
    return unit == TY_UNIT_NANOSECOND ? 9 : unit == TY_UNIT_MICROSECOND ? 6
                                        : unit == TY_UNIT_MILLISECOND ? 3 : 0;
}

/* Ticks t moved by a number of months, keeping the time of day (wrapping
 * where the result leaves int64, as ClickHouse does). */
static int64_t add_months_ticks(int64_t t, int64_t months, int64_t ticks_per_day)
{
    int64_t days = dt_floor_div(t, ticks_per_day), tod = t - days * ticks_per_day;
    uint64_t d = (uint64_t)fn_add_months_days(days, months);
    return (int64_t)(d * (uint64_t)ticks_per_day + (uint64_t)tod);
}

static inline int64_t wrap_mul(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int k_time_add(KERNEL_ARGS)
{
    const struct tadd *s = b->state;
    const struct col *tc = args[s->targ];
    const int64_t *k = args[s->karg]->data;
    uint64_t step = (uint64_t)s->step;
    int64_t months = s->months * s->sign;
    switch (out->ty.kind) {
    case TY_DATETIME: {
        const uint32_t *t = tc->data;
        uint32_t *o = out->data;
        if (step)
            for (uint32_t i = 0; i < n; i++)
                o[i] = (uint32_t)(t[i] + (s->sign > 0 ? (uint64_t)k[i] * step
                                                      : 0 - (uint64_t)k[i] * step));
        else
            for (uint32_t i = 0; i < n; i++)
                o[i] = (uint32_t)add_months_ticks(t[i], wrap_mul(k[i], months), 86400);
        break;
    }
    case TY_DATE: {
        const uint16_t *t = tc->data;
        uint16_t *o = out->data;
        if (step)
            for (uint32_t i = 0; i < n; i++)
                o[i] = (uint16_t)(t[i] + (s->sign > 0 ? (uint64_t)k[i] * step
                                                      : 0 - (uint64_t)k[i] * step));
        else
            for (uint32_t i = 0; i < n; i++)
                o[i] = (uint16_t)fn_add_months_days(t[i], wrap_mul(k[i], months));
        break;
    }
    default: { /* datetime64 */
        const int64_t *t = tc->data;
        int64_t *o = out->data, day = 86400 * dt_pow10(out->ty.prec);
        if (step)
            for (uint32_t i = 0; i < n; i++)
                o[i] = (int64_t)((uint64_t)t[i] + (s->sign > 0 ? (uint64_t)k[i] * step
                                                               : 0 - (uint64_t)k[i] * step));
        else
            for (uint32_t i = 0; i < n; i++)
                o[i] = add_months_ticks(t[i], wrap_mul(k[i], months), day);
        break;
    }
    }
    fn_fixed_done(out, n);
    return 0;
}

int fn_bind_time_add(struct fn_bind *b, uint32_t targ, uint8_t unit, int sign)
{
    return fn_bind_time_add_at(b, targ, 1 - targ, unit, sign);
}

int fn_bind_time_add_at(struct fn_bind *b, uint32_t targ, uint32_t karg, uint8_t unit, int sign)
{
    struct ty t = fn_plain(b->arg_ty[targ]), r = t;
    int up = unit_prec(unit);
    if (up > 0 || (t.kind == TY_DATE && unit < TY_UNIT_DAY)) {
        /* finer than the time: datetime, or datetime64 of the unit's precision */
        r = up > 0 ? (struct ty){TY_DATETIME64, 0, (uint8_t)up} : fn_ty(TY_DATETIME);
        if (t.kind == TY_DATETIME64 && t.prec > r.prec)
            r.prec = t.prec;
    }
    struct tadd *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->sign = sign;
    s->targ = targ;
    s->karg = karg;
    if (unit >= TY_UNIT_MONTH)
        s->months = unit_months(unit);
    else if (r.kind == TY_DATE)
        s->step = unit == TY_UNIT_WEEK ? 7 : 1;
    else
        s->step = unit_ticks(unit, r.kind == TY_DATETIME64 ? r.prec : 0);
    b->state = s;
    b->state_free = free;
    b->ret = r;
    b->cast_to[targ] = r;
    b->cast_to[karg] = fn_ty(TY_INT64);
    b->kernel = k_time_add;
    return 0;
}

/* Times, intervals and numbers meeting in plus or minus; 1 when not such a pair. */
static int bind_time_arith(struct fn_bind *b, enum op op)
{
    struct ty a = fn_plain(b->arg_ty[0]), c = fn_plain(b->arg_ty[1]);
    int sign = op == OP_MINUS ? -1 : 1;
    if (fn_is_time(a) && c.kind == TY_INTERVAL)
        return fn_bind_time_add(b, 0, c.prec, sign);
    if (op == OP_PLUS && a.kind == TY_INTERVAL && fn_is_time(c))
        return fn_bind_time_add(b, 1, a.prec, sign);
    if (fn_is_time(a) && (ty_is_int(c) || c.kind == TY_BOOL))
        return fn_bind_time_add(b, 0, a.kind == TY_DATE ? TY_UNIT_DAY : TY_UNIT_SECOND, sign);
    if (op == OP_PLUS && (ty_is_int(a) || a.kind == TY_BOOL) && fn_is_time(c))
        return fn_bind_time_add(b, 1, c.kind == TY_DATE ? TY_UNIT_DAY : TY_UNIT_SECOND, sign);
    if (op == OP_MINUS && fn_is_time(a) && fn_is_time(c)) {
        struct ty common;
        if (fn_common_type(a, c, &common) || common.kind == TY_DATETIME64)
            return fn_bind_fail(b, 1, "cannot subtract %s from %s (date_diff gives the difference)",
                                c.kind == TY_DATETIME64 ? "datetime64" : "this type",
                                a.kind == TY_DATETIME64 ? "datetime64" : "a time");
        /* seconds (int64) or days (int32), as ClickHouse's minus of UInt32s / UInt16s */
        struct ty r = fn_ty(common.kind == TY_DATE ? TY_INT32 : TY_INT64);
        b->cast_to[0] = b->cast_to[1] = r;
        b->ret = r;
        b->kernel = common.kind == TY_DATE ? minus_i32 : minus_i64;
        return 0;
    }
    if (a.kind == TY_INTERVAL && c.kind == TY_INTERVAL && a.prec == c.prec) {
        b->ret = b->cast_to[0] = b->cast_to[1] = a;
        b->kernel = op == OP_MINUS ? minus_i64 : plus_i64;
        return 0;
    }
    return 1;
}

/* ---- decimals ------------------------------------------------------------ */

/* Decimal arithmetic (ClickHouse): integers take part as decimals of scale
 * 0; plus and minus give the larger scale, multiply the sum of the
 * scales, divide the dividend's scale (the decimal's when the dividend is
 * an integer; digits beyond it are discarded). The result's precision is
 * that of its storage: 9 when both sides fit decimal32 (and integers of
 * up to 32 bits), else 18. Overflow of the int64 storage is an error, as
 * with ClickHouse's decimal_check_overflow; a decimal with a float gives
 * float64. Each row runs in __int128, then must fit int64. */
static int dec_overflow(struct fn_ctx *ctx, enum op op)
{
    static const char *const name[] = {"plus", "minus", "multiply", "divide"};
    return fn_errorf(ctx, "decimal math overflow in %s", name[op]);
}

static inline int pow10_128(int e, __int128 *out)
{
    __int128 r = 1;
    for (int i = 0; i < e; i++)
        if (__builtin_mul_overflow(r, 10, &r))
            return -1;
    *out = r;
    return 0;
}

static int k_dec(const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args,
                 const uint8_t *nulls, uint32_t n, struct col *out, enum op op)
{
    const int64_t *x = args[0]->data, *y = args[1]->data;
    int64_t *o = out->data;
    int sa = args[0]->ty.scale, sc = args[1]->ty.scale, sr = out->ty.scale;
    __int128 ma = 1, mc = 1, md = 1;
    if (op == OP_PLUS || op == OP_MINUS) {
        pow10_128(sr - sa, &ma);
        pow10_128(sr - sc, &mc);
    } else if (op == OP_DIVIDE && pow10_128(sr - sa + sc, &md)) {
        return dec_overflow(ctx, op);
    }
    for (uint32_t i = 0; i < n; i++) {
        __int128 r;
        if (nulls && nulls[i]) {
            o[i] = 0;
            continue;
        }
        switch (op) {
        case OP_PLUS: r = (__int128)x[i] * ma + (__int128)y[i] * mc; break;
        case OP_MINUS: r = (__int128)x[i] * ma - (__int128)y[i] * mc; break;
        case OP_MULTIPLY: r = (__int128)x[i] * y[i]; break;
        default:
            if (y[i] == 0)
                return fn_errorf(ctx, "division by zero");
            if (__builtin_mul_overflow((__int128)x[i], md, &r))
                return dec_overflow(ctx, op);
            r /= y[i];
            break;
        }
        if (r > INT64_MAX || r < INT64_MIN)
            return dec_overflow(ctx, op);
        o[i] = (int64_t)r;
    }
    fn_fixed_done(out, n);
    return 0;
}
static int k_dec_plus(KERNEL_ARGS) { return k_dec(b, ctx, args, nulls, n, out, OP_PLUS); }
static int k_dec_minus(KERNEL_ARGS) { return k_dec(b, ctx, args, nulls, n, out, OP_MINUS); }
static int k_dec_multiply(KERNEL_ARGS) { return k_dec(b, ctx, args, nulls, n, out, OP_MULTIPLY); }
static int k_dec_divide(KERNEL_ARGS) { return k_dec(b, ctx, args, nulls, n, out, OP_DIVIDE); }

/* plus/minus/multiply/divide with a decimal on either side. */
static int bind_dec_arith(struct fn_bind *b, enum op op)
{
    struct ty a = fn_plain(b->arg_ty[0]), c = fn_plain(b->arg_ty[1]);
    if (ty_is_float(a) || ty_is_float(c)) {
        b->cast_to[0] = b->cast_to[1] = b->ret = fn_ty(TY_FLOAT64);
        b->kernel = op == OP_PLUS ? plus_f64 : op == OP_MINUS ? minus_f64
                    : op == OP_MULTIPLY ? multiply_f64 : divide_f64;
        return 0;
    }
    for (int i = 0; i < 2; i++) {
        struct ty t = i ? c : a;
        if (t.kind != TY_DECIMAL && !ty_is_int(t) && t.kind != TY_BOOL)
            return type_error(b, op);
    }
    int wide = 0;
    for (int i = 0; i < 2; i++) {
        struct ty t = i ? c : a;
        wide |= t.kind == TY_DECIMAL ? t.prec > 9 : ty_width(t) > 4;
        if (t.kind != TY_DECIMAL)
            b->cast_to[i] = ty_decimal(TY_DECIMAL_MAX_PREC, 0);
    }
    int sa = a.kind == TY_DECIMAL ? a.scale : 0, sc = c.kind == TY_DECIMAL ? c.scale : 0, sr;
    switch (op) {
    case OP_PLUS:
    case OP_MINUS: sr = sa > sc ? sa : sc; break;
    case OP_MULTIPLY: sr = sa + sc; break;
    default: sr = a.kind == TY_DECIMAL ? sa : sc; break;
    }
    int pr = wide ? TY_DECIMAL_MAX_PREC : 9;
    if (sr > pr) {
        char x[TY_MAX_NAME], y[TY_MAX_NAME];
        return fn_bind_fail(b, 1, "decimal result scale %d of %s and %s is above precision %d",
                            sr, fn_ty_str(a, x), fn_ty_str(c, y), pr);
    }
    b->ret = ty_decimal(pr, sr);
    b->kernel = op == OP_PLUS ? k_dec_plus : op == OP_MINUS ? k_dec_minus
                : op == OP_MULTIPLY ? k_dec_multiply : k_dec_divide;
    return 0;
}

static int bind_arith(struct fn_bind *b, enum op op)
{
    struct ty a = fn_plain(b->arg_ty[0]), c = fn_plain(b->arg_ty[1]);
    if ((a.kind == TY_DECIMAL || c.kind == TY_DECIMAL) && op <= OP_DIVIDE)
        return bind_dec_arith(b, op);
    if (op == OP_PLUS || op == OP_MINUS) {
        int rc = bind_time_arith(b, op);
        if (rc <= 0)
            return rc;
    }
    if (op == OP_MULTIPLY && (a.kind == TY_INTERVAL || c.kind == TY_INTERVAL)) {
        struct ty iv = a.kind == TY_INTERVAL ? a : c, k = a.kind == TY_INTERVAL ? c : a;
        if (!ty_is_int(k))
            return type_error(b, op);
        b->cast_to[0] = b->cast_to[1] = fn_ty(TY_INT64);
        b->cast_to[a.kind == TY_INTERVAL ? 0 : 1] = iv;
        b->ret = iv;
        b->kernel = multiply_i64;
        return 0;
    }
    if (!fn_is_num(a) || !fn_is_num(c))
        return type_error(b, op);
    struct ty r = arith_result(op, a, c);
    b->cast_to[0] = b->cast_to[1] = b->ret = r;
    b->kernel = op == OP_PLUS ? plus_k[r.kind] : op == OP_MINUS ? minus_k[r.kind]
                : op == OP_MULTIPLY ? multiply_k[r.kind] : divide_f64;
    return 0;
}

static int bind_plus(struct fn_bind *b) { return bind_arith(b, OP_PLUS); }
static int bind_minus(struct fn_bind *b) { return bind_arith(b, OP_MINUS); }
static int bind_multiply(struct fn_bind *b) { return bind_arith(b, OP_MULTIPLY); }
static int bind_divide(struct fn_bind *b) { return bind_arith(b, OP_DIVIDE); }

/* ---- negate and abs ----------------------------------------------------- */

#define UN_KERNEL(op, Tin, Tout, s, EXPR)                 \
    static int op##_##s(KERNEL_ARGS)                      \
    {                                                     \
        const Tin *x = args[0]->data;                     \
        Tout *o = out->data;                              \
        for (uint32_t i = 0; i < n; i++) {                \
            Tin a = x[i];                                 \
            o[i] = (Tout)(EXPR);                          \
        }                                                 \
        fn_fixed_done(out, n);                            \
        return 0;                                         \
    }
#define NEG_KERNEL(k, T, s) UN_KERNEL(negate, T, T, s, 0 - UW(a))
FN_SINT_KINDS(NEG_KERNEL)
FN_FLOAT_KINDS(NEG_KERNEL)
#define ABS_SIGNED(Tin, Tout, s) UN_KERNEL(abs, Tin, Tout, s, a < 0 ? 0 - UW(a) : UW(a))
ABS_SIGNED(int8_t, uint8_t, i8)
ABS_SIGNED(int16_t, uint16_t, i16)
ABS_SIGNED(int32_t, uint32_t, i32)
ABS_SIGNED(int64_t, uint64_t, i64)
UN_KERNEL(abs, float, float, f32, fabsf(a))
UN_KERNEL(abs, double, double, f64, fabs(a))

#define NEG_ENTRY(k, T, s) [k] = negate_##s,
static const fn_kernel negate_k[TY_KIND_END] = {FN_SINT_KINDS(NEG_ENTRY) FN_FLOAT_KINDS(NEG_ENTRY)};

static int bind_negate(struct fn_bind *b)
{
    struct ty a = fn_plain(b->arg_ty[0]), r;
    if (a.kind == TY_INTERVAL || a.kind == TY_DECIMAL) {
        b->ret = a;
        b->kernel = negate_i64;
        return 0;
    }
    if (!fn_is_num(a))
        return fn_bad_arg(b, "negate", 0, "a number");
    if (ty_is_float(a) || ty_is_signed(a))
        r = a;
    else
        r = fn_ty(fn_int_kind(1, num_width(a) < 8 ? num_width(a) * 2 : 8));
    b->ret = b->cast_to[0] = r;
    b->kernel = negate_k[r.kind];
    return 0;
}

/* abs of an unsigned number is itself. */
static int k_copy(KERNEL_ARGS)
{
    memcpy(out->data, args[0]->data, (size_t)n * ty_width(out->ty));
    fn_fixed_done(out, n);
    return 0;
}

static int bind_abs(struct fn_bind *b)
{
    struct ty a = fn_plain(b->arg_ty[0]);
    if (a.kind == TY_DECIMAL) { /* same type; the kernel's uint64 has the same bits */
        b->ret = a;
        b->kernel = abs_i64;
        return 0;
    }
    if (!fn_is_num(a))
        return fn_bad_arg(b, "abs", 0, "a number");
    if (a.kind == TY_BOOL)
        a = b->cast_to[0] = fn_ty(TY_UINT8);
    b->ret = ty_is_signed(a) ? fn_ty((uint8_t)(a.kind + (TY_UINT8 - TY_INT8))) : a;
    switch (a.kind) {
    case TY_INT8: b->kernel = abs_i8; break;
    case TY_INT16: b->kernel = abs_i16; break;
    case TY_INT32: b->kernel = abs_i32; break;
    case TY_INT64: b->kernel = abs_i64; break;
    case TY_FLOAT32: b->kernel = abs_f32; break;
    case TY_FLOAT64: b->kernel = abs_f64; break;
    default: b->kernel = k_copy; break;
    }
    return 0;
}

const struct fn_scalar fn_arith_fns[] = {
    {"plus", 2, 2, 0, bind_plus},
    {"minus", 2, 2, 0, bind_minus},
    {"multiply", 2, 2, 0, bind_multiply},
    {"divide", 2, 2, 0, bind_divide},
    {"int_div", 2, 2, 0, bind_int_div},
    {"int_div_or_zero", 2, 2, 0, bind_int_div_or_zero},
    {"modulo", 2, 2, 0, bind_modulo},
    {"modulo_or_zero", 2, 2, 0, bind_modulo_or_zero},
    {"negate", 1, 1, 0, bind_negate},
    {"abs", 1, 1, 0, bind_abs},
};
const size_t fn_arith_fns_n = sizeof(fn_arith_fns) / sizeof(fn_arith_fns[0]);
