/*
 * func_types.c — the type rules every function binding leans on
 * (exec/func.h): ClickHouse's least common supertype, which conversions
 * happen implicitly, and the small helpers bindings share (errors that
 * name the argument, reading constants).
 *
 * The supertype follows ClickHouse's getLeastSupertype for the kinds we
 * have: integers widen to the smallest type holding both ranges (int8 and
 * uint8 meet at int16; uint64 and a signed type have none), integers and
 * floats meet at float64 (float32 when the integers are at most 16 bits),
 * date < datetime < datetime64 (the finer precision), bool behaves as
 * uint8 next to numbers, NULL (nothing) joins anything as nullable.
 */
#include <stdarg.h>
#include <stdio.h>

#include "func_impl.h"

const char *fn_ty_str(struct ty t, char out[TY_MAX_NAME])
{
    ty_name(t, out);
    return out;
}

int fn_bind_fail(struct fn_bind *b, int arg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof(b->err), fmt, ap);
    va_end(ap);
    b->err_arg = arg;
    return -EINVAL;
}

int fn_want_strings(struct fn_bind *b, const char *name, uint32_t first, uint32_t count)
{
    for (uint32_t i = first; i < first + count && i < b->nargs; i++)
        if (b->arg_ty[i].kind != TY_STRING)
            return fn_bad_arg(b, name, i, "a string");
    return 0;
}

int fn_bad_arg(struct fn_bind *b, const char *name, uint32_t arg, const char *what)
{
    char tn[TY_MAX_NAME];
    return fn_bind_fail(b, (int)arg, "%s expects %s as argument %u, got %s", name, what, arg + 1,
                        fn_ty_str(b->arg_ty[arg], tn));
}

int64_t fn_val_i64(const struct val *v)
{
    if (ty_is_float(v->ty)) {
        double f = v->v.f;
        return f >= -9223372036854775808.0 && f < 9223372036854775808.0 ? (int64_t)f : 0;
    }
    if (fn_is_unsigned(v->ty))
        return v->v.u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v->v.u;
    return v->v.i;
}

/* ---- the least common supertype --------------------------------------- */

/* Integers (bool as uint8): the smallest integer kind holding both. */
static int int_super(struct ty a, struct ty b, struct ty *out)
{
    size_t wa = a.kind == TY_BOOL ? 1 : ty_width(a), wb = b.kind == TY_BOOL ? 1 : ty_width(b);
    int sa = ty_is_signed(a), sb = ty_is_signed(b);
    if (sa == sb) {
        *out = fn_ty(fn_int_kind(sa, wa > wb ? wa : wb));
        return 0;
    }
    size_t ws = sa ? wa : wb, wu = sa ? wb : wa;
    if (wu < ws) {
        *out = fn_ty(fn_int_kind(1, ws));
        return 0;
    }
    if (wu >= 8)
        return -EINVAL; /* uint64 and a signed type: nothing holds both */
    *out = fn_ty(fn_int_kind(1, wu * 2));
    return 0;
}

static int time_rank(struct ty t)
{
    return t.kind == TY_DATE ? 0 : t.kind == TY_DATETIME ? 1 : 2;
}

/* Integer digits a number kind needs as a decimal (bool: 1). */
static int int_digits(struct ty t)
{
    if (t.kind == TY_DECIMAL)
        return t.prec - t.scale;
    static const int by_width[9] = {0, 3, 5, 0, 10, 0, 0, 0, 19};
    return t.kind == TY_BOOL ? 1 : by_width[ty_width(t)];
}

/* Decimals meet decimals and integers at the larger scale and the most
 * integer digits (ClickHouse; our precision stops at 18, where ClickHouse
 * would go to decimal128); floats have no common type with them. */
static int super_decimal(struct ty a, struct ty b, struct ty *out)
{
    struct ty o = a.kind == TY_DECIMAL ? b : a;
    if (o.kind != TY_DECIMAL && !(ty_is_int(o) || o.kind == TY_BOOL))
        return -EINVAL;
    int s = a.scale > b.scale ? a.scale : b.scale; /* integers have scale 0 */
    int ia = int_digits(a), ib = int_digits(b);
    int p = (ia > ib ? ia : ib) + s;
    *out = ty_decimal(p > TY_DECIMAL_MAX_PREC ? TY_DECIMAL_MAX_PREC : p, s);
    return 0;
}

static int super_plain(struct ty a, struct ty b, struct ty *out)
{
    if (a.kind == TY_DECIMAL || b.kind == TY_DECIMAL)
        return super_decimal(a, b, out);
    if (a.kind == b.kind) {
        if (a.kind == TY_INTERVAL && a.prec != b.prec)
            return -EINVAL;
        *out = a;
        if (a.kind == TY_DATETIME64 && b.prec > a.prec)
            out->prec = b.prec;
        return 0;
    }
    if (fn_is_num(a) && fn_is_num(b)) {
        if (ty_is_float(a) || ty_is_float(b)) {
            struct ty i = ty_is_float(a) ? b : a;
            int small = (ty_is_float(i) ? i.kind == TY_FLOAT32 : ty_width(i) <= 2);
            *out = fn_ty(a.kind == TY_FLOAT64 || b.kind == TY_FLOAT64 || !small ? TY_FLOAT64
                                                                               : TY_FLOAT32);
            return 0;
        }
        return int_super(a, b, out);
    }
    if (fn_is_time(a) && fn_is_time(b)) {
        struct ty hi = time_rank(a) >= time_rank(b) ? a : b;
        *out = hi;
        return 0;
    }
    return -EINVAL;
}

int fn_common_type(struct ty a, struct ty b, struct ty *out)
{
    int nullable = a.nullable || b.nullable;
    if (a.kind == TY_NOTHING || b.kind == TY_NOTHING) {
        *out = a.kind == TY_NOTHING ? b : a;
        out->nullable = out->kind != TY_ARRAY; /* NULL as an array is [] */
        return 0;
    }
    if (a.kind == TY_ARRAY || b.kind == TY_ARRAY) { /* arrays of the elements' common type */
        struct ty e;
        if (a.kind != TY_ARRAY || b.kind != TY_ARRAY || fn_common_type(ty_elem(a), ty_elem(b), &e))
            return -EINVAL;
        *out = ty_array_of(e);
        return 0;
    }
    struct ty t;
    int rc = super_plain(fn_plain(a), fn_plain(b), &t);
    if (rc)
        return rc;
    t.nullable = (uint8_t)nullable;
    *out = t;
    return 0;
}

int fn_can_convert_implicitly(struct ty from, struct ty to)
{
    if (from.nullable && !to.nullable && from.kind != TY_NOTHING)
        return 0;
    if (from.kind == TY_NOTHING)
        return to.nullable;
    if (from.kind == TY_STRING && fn_is_time(to))
        return 1; /* a string literal compared with or stored as a time */
    struct ty c;
    if (fn_common_type(fn_plain(from), fn_plain(to), &c))
        return 0;
    return ty_equal(c, fn_plain(to));
}

int fn_no_arrays(struct fn_bind *b, const char *name)
{
    for (uint32_t i = 0; i < b->nargs; i++)
        if (b->arg_ty[i].kind == TY_ARRAY) {
            char x[TY_MAX_NAME];
            return fn_bind_fail(b, (int)i, "%s does not take arrays, got %s", name,
                                fn_ty_str(b->arg_ty[i], x));
        }
    return 0;
}

int fn_bind_common(struct fn_bind *b, const char *name, uint32_t first, uint32_t step,
                   struct ty *out)
{
    int rc = fn_no_arrays(b, name); /* the kernels that pick among values are scalar */
    if (rc)
        return rc;
    struct ty t = b->arg_ty[first];
    for (uint32_t i = first + step; i < b->nargs; i += step) {
        struct ty next;
        if (fn_common_type(t, b->arg_ty[i], &next)) {
            char x[TY_MAX_NAME], y[TY_MAX_NAME];
            return fn_bind_fail(b, (int)i, "%s: no common type for %s and %s", name,
                                fn_ty_str(fn_plain(t), x), fn_ty_str(fn_plain(b->arg_ty[i]), y));
        }
        t = next;
    }
    *out = t;
    return 0;
}
