/*
 * func_cmp.c — comparisons (equals, not_equals, less, greater,
 * less_or_equals, greater_or_equals) and least / greatest.
 *
 * Both sides are first brought to one type the way ClickHouse compares:
 * numbers by value (a common numeric type; int64 against uint64 by a
 * mixed loop that gets negative numbers right), times by their common
 * time type (date < datetime < datetime64), strings bytewise (a prefix is
 * less than the longer string), and a string against a time or a constant
 * string against a number by converting the string. Then one loop per
 * (operator, storage type) runs over the columns; the result is uint8
 * (1 or 0), as in ClickHouse.
 */
#include "func_impl.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

enum cmp_op { EQ, NE, LT, GT, LE, GE, NOPS };
static const char *const cmp_name[NOPS] = {"equals", "not_equals", "less", "greater",
                                           "less_or_equals", "greater_or_equals"};

#define CMP_KERNEL(op, OPX, T, s)                        \
    static int op##_##s(KERNEL_ARGS)                     \
    {                                                    \
        const T *x = args[0]->data, *y = args[1]->data;  \
        uint8_t *o = out->data;                          \
        for (uint32_t i = 0; i < n; i++)                 \
            o[i] = x[i] OPX y[i];                        \
        fn_fixed_done(out, n);                           \
        return 0;                                        \
    }
#define CMP_KERNELS(k, T, s)                                                              \
    CMP_KERNEL(eq, ==, T, s) CMP_KERNEL(ne, !=, T, s) CMP_KERNEL(lt, <, T, s)              \
    CMP_KERNEL(gt, >, T, s) CMP_KERNEL(le, <=, T, s) CMP_KERNEL(ge, >=, T, s)
FN_NUM_KINDS(CMP_KERNELS)

#define CMP_ENTRY(k, T, s) [k] = {eq_##s, ne_##s, lt_##s, gt_##s, le_##s, ge_##s},
static const fn_kernel num_k[TY_KIND_END][NOPS] = {
    FN_NUM_KINDS(CMP_ENTRY)
    [TY_BOOL] = {eq_u8, ne_u8, lt_u8, gt_u8, le_u8, ge_u8},
    [TY_DATE] = {eq_u16, ne_u16, lt_u16, gt_u16, le_u16, ge_u16},
    [TY_DATETIME] = {eq_u32, ne_u32, lt_u32, gt_u32, le_u32, ge_u32},
    [TY_DATETIME64] = {eq_i64, ne_i64, lt_i64, gt_i64, le_i64, ge_i64},
    [TY_INTERVAL] = {eq_i64, ne_i64, lt_i64, gt_i64, le_i64, ge_i64},
};

/* int64 against uint64, three-way. */
static inline int cmp_iu(int64_t a, uint64_t c)
{
    return a < 0 ? -1 : (uint64_t)a < c ? -1 : (uint64_t)a > c;
}
#define MIX_KERNEL(op, OPX)                                                   \
    static int op##_iu(KERNEL_ARGS)                                           \
    {                                                                         \
        const int64_t *x = args[0]->data;                                     \
        const uint64_t *y = args[1]->data;                                    \
        uint8_t *o = out->data;                                               \
        for (uint32_t i = 0; i < n; i++)                                      \
            o[i] = cmp_iu(x[i], y[i]) OPX 0;                                  \
        fn_fixed_done(out, n);                                                \
        return 0;                                                             \
    }                                                                         \
    static int op##_ui(KERNEL_ARGS)                                           \
    {                                                                         \
        const uint64_t *x = args[0]->data;                                    \
        const int64_t *y = args[1]->data;                                     \
        uint8_t *o = out->data;                                               \
        for (uint32_t i = 0; i < n; i++)                                      \
            o[i] = -cmp_iu(y[i], x[i]) OPX 0;                                 \
        fn_fixed_done(out, n);                                                \
        return 0;                                                             \
    }
MIX_KERNEL(eq, ==)
MIX_KERNEL(ne, !=)
MIX_KERNEL(lt, <)
MIX_KERNEL(gt, >)
MIX_KERNEL(le, <=)
MIX_KERNEL(ge, >=)
static const fn_kernel iu_k[NOPS] = {eq_iu, ne_iu, lt_iu, gt_iu, le_iu, ge_iu};
static const fn_kernel ui_k[NOPS] = {eq_ui, ne_ui, lt_ui, gt_ui, le_ui, ge_ui};

/* Strings: bytewise, a prefix first. */
static inline int str_cmp(const char *a, size_t na, const char *c, size_t nc)
{
    int r = memcmp(a, c, na < nc ? na : nc);
    return r ? r : (na > nc) - (na < nc);
}

#define STR_KERNEL(op, OPX)                                                        \
    static int op##_str(KERNEL_ARGS)                                               \
    {                                                                              \
        const struct col *x = args[0], *y = args[1];                               \
        const uint32_t *xo = col_offsets(x), *yo = col_offsets(y);                 \
        const char *xc = x->chars ? x->chars : "", *yc = y->chars ? y->chars : ""; \
        uint8_t *o = out->data;                                                    \
        for (uint32_t i = 0; i < n; i++)                                           \
            o[i] = str_cmp(xc + xo[i], xo[i + 1] - xo[i], yc + yo[i],              \
                           yo[i + 1] - yo[i]) OPX 0;                               \
        fn_fixed_done(out, n);                                                     \
        return 0;                                                                  \
    }
STR_KERNEL(lt, <)
STR_KERNEL(gt, >)
STR_KERNEL(le, <=)
STR_KERNEL(ge, >=)

/* Equality needs no ordering: lengths first, then the bytes. */
static void str_equal(const struct col *x, const struct col *y, uint32_t n, uint8_t *o, int want)
{
    const uint32_t *xo = col_offsets(x), *yo = col_offsets(y);
    const char *xc = x->chars ? x->chars : "", *yc = y->chars ? y->chars : "";
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nx = xo[i + 1] - xo[i];
        o[i] = (uint8_t)((nx == yo[i + 1] - yo[i] &&
                          (nx == 0 || memcmp(xc + xo[i], yc + yo[i], nx) == 0)) == want);
    }
}
static int eq_str(KERNEL_ARGS)
{
    str_equal(args[0], args[1], n, out->data, 1);
    fn_fixed_done(out, n);
    return 0;
}
static int ne_str(KERNEL_ARGS)
{
    str_equal(args[0], args[1], n, out->data, 0);
    fn_fixed_done(out, n);
    return 0;
}
static const fn_kernel str_k[NOPS] = {eq_str, ne_str, lt_str, gt_str, le_str, ge_str};

/* Decimals (integers cast to decimal(18, 0)) compared at the larger scale
 * in __int128, so that no rescaling overflows; the operator is the state. */
static int k_dec_cmp(KERNEL_ARGS)
{
    const int64_t *x = args[0]->data, *y = args[1]->data;
    uint8_t *o = out->data;
    int sa = args[0]->ty.scale, sc = args[1]->ty.scale;
    __int128 ma = 1, mc = 1;
    for (int i = sa; i < sc; i++)
        ma *= 10;
    for (int i = sc; i < sa; i++)
        mc *= 10;
    enum cmp_op op = *(const enum cmp_op *)b->state;
    for (uint32_t i = 0; i < n; i++) {
        __int128 l = (__int128)x[i] * ma, r = (__int128)y[i] * mc;
        int c = (l > r) - (l < r);
        switch (op) {
        case EQ: o[i] = c == 0; break;
        case NE: o[i] = c != 0; break;
        case LT: o[i] = c < 0; break;
        case GT: o[i] = c > 0; break;
        case LE: o[i] = c <= 0; break;
        default: o[i] = c >= 0; break;
        }
    }
    fn_fixed_done(out, n);
    return 0;
}
static const enum cmp_op cmp_ops[NOPS] = {EQ, NE, LT, GT, LE, GE};

/* A decimal against a decimal, an integer, a float (as float64) or a
 * constant string (parsed as the decimal's type); 1 when not such a pair. */
static int bind_dec_cmp(struct fn_bind *b, enum cmp_op op)
{
    struct ty a = fn_plain(b->arg_ty[0]), c = fn_plain(b->arg_ty[1]);
    if (a.kind != TY_DECIMAL && c.kind != TY_DECIMAL)
        return 1;
    if (ty_is_float(a) || ty_is_float(c)) {
        b->cast_to[0] = b->cast_to[1] = fn_ty(TY_FLOAT64);
        b->kernel = num_k[TY_FLOAT64][op];
        return 0;
    }
    for (uint32_t i = 0; i < 2; i++) {
        struct ty t = i ? c : a, other = i ? a : c;
        if (t.kind == TY_DECIMAL)
            continue;
        if (ty_is_int(t) || t.kind == TY_BOOL)
            b->cast_to[i] = ty_decimal(TY_DECIMAL_MAX_PREC, 0);
        else if (t.kind == TY_STRING && fn_const(b, i))
            b->cast_to[i] = other;
        else
            return -EINVAL;
    }
    b->state = (void *)&cmp_ops[op];
    b->kernel = k_dec_cmp;
    return 0;
}

/* The type both sides of a comparison are brought to; -EINVAL when none. */
static int compare_type(const struct fn_bind *b, struct ty *out)
{
    struct ty a = fn_plain(b->arg_ty[0]), c = fn_plain(b->arg_ty[1]);
    int sa = a.kind == TY_STRING, sc = c.kind == TY_STRING;
    if (sa && sc) {
        *out = a;
        return 0;
    }
    if (sa || sc) {
        struct ty other = sa ? c : a;
        /* a string meets a time by parsing; a number only as a constant */
        if (fn_is_time(other) || (fn_is_num(other) && fn_const(b, sa ? 0 : 1))) {
            *out = other;
            return 0;
        }
        return -EINVAL;
    }
    if (a.kind == TY_DATETIME && ty_is_int(c))
        a = fn_ty(TY_INT64);
    if (c.kind == TY_DATETIME && ty_is_int(a))
        c = fn_ty(TY_INT64);
    return fn_common_type(a, c, out);
}

/* Arrays: equal when of one length with equal elements (ClickHouse). */
static int k_arr_eq(KERNEL_ARGS)
{
    uint8_t *o = out->data, want = b->state == NULL;
    for (uint32_t i = 0; i < n; i++)
        o[i] = fn_array_rows_equal(args[0], args[1], i) == want;
    fn_fixed_done(out, n);
    return 0;
}
static const int ne_marker = 1;

/* Arrays in order (ClickHouse: lexicographic, the shorter first). */
static int k_arr_order(KERNEL_ARGS)
{
    uint8_t *o = out->data;
    enum cmp_op op = (enum cmp_op)(*(const int *)b->state);
    for (uint32_t i = 0; i < n; i++) {
        int c = fn_array_rows_cmp(args[0], args[1], i);
        o[i] = op == LT ? c < 0 : op == GT ? c > 0 : op == LE ? c <= 0 : c >= 0;
    }
    fn_fixed_done(out, n);
    return 0;
}
static const int order_ops[NOPS] = {EQ, NE, LT, GT, LE, GE};

static int bind_cmp(struct fn_bind *b, enum cmp_op op)
{
    struct ty a = fn_plain(b->arg_ty[0]), c = fn_plain(b->arg_ty[1]), t;
    b->ret = fn_ty(TY_UINT8);
    if (ty_is_int(a) && ty_is_int(c) && ty_is_signed(a) != ty_is_signed(c) &&
        (a.kind == TY_UINT64 || c.kind == TY_UINT64)) {
        int left_signed = ty_is_signed(a);
        b->cast_to[0] = fn_ty(left_signed ? TY_INT64 : TY_UINT64);
        b->cast_to[1] = fn_ty(left_signed ? TY_UINT64 : TY_INT64);
        b->kernel = (left_signed ? iu_k : ui_k)[op];
        return 0;
    }
    int rc = bind_dec_cmp(b, op);
    if (rc <= 0 && rc != -EINVAL)
        return rc;
    if (rc == -EINVAL || compare_type(b, &t)) {
        char x[TY_MAX_NAME], y[TY_MAX_NAME];
        return fn_bind_fail(b, 1, "%s cannot compare %s and %s", cmp_name[op],
                            fn_ty_str(a, x), fn_ty_str(c, y));
    }
    b->cast_to[0] = b->cast_to[1] = t;
    if (t.kind == TY_ARRAY) {
        if (op != EQ && op != NE) {
            b->kernel = k_arr_order;
            b->state = (void *)&order_ops[op];
            return 0;
        }
        b->kernel = k_arr_eq;
        b->state = op == NE ? (void *)&ne_marker : NULL;
        return 0;
    }
    b->kernel = t.kind == TY_STRING ? str_k[op] : num_k[t.kind][op];
    return b->kernel ? 0 : fn_bind_fail(b, -1, "%s cannot compare these types", cmp_name[op]);
}

static int bind_eq(struct fn_bind *b) { return bind_cmp(b, EQ); }
static int bind_ne(struct fn_bind *b) { return bind_cmp(b, NE); }
static int bind_lt(struct fn_bind *b) { return bind_cmp(b, LT); }
static int bind_gt(struct fn_bind *b) { return bind_cmp(b, GT); }
static int bind_le(struct fn_bind *b) { return bind_cmp(b, LE); }
static int bind_ge(struct fn_bind *b) { return bind_cmp(b, GE); }

/* ---- least / greatest --------------------------------------------------- */

#define PICK_KERNEL(op, OPX, T, s)                              \
    static int op##_##s(KERNEL_ARGS)                            \
    {                                                           \
        T *o = out->data;                                       \
        memcpy(o, args[0]->data, (size_t)n * sizeof(T));        \
        for (uint32_t k = 1; k < b->nargs; k++) {               \
            const T *x = args[k]->data;                         \
            for (uint32_t i = 0; i < n; i++)                    \
                o[i] = x[i] OPX o[i] ? x[i] : o[i];             \
        }                                                       \
        fn_fixed_done(out, n);                                  \
        return 0;                                               \
    }
#define PICK_KERNELS(k, T, s) PICK_KERNEL(least, <, T, s) PICK_KERNEL(greatest, >, T, s)
FN_NUM_KINDS(PICK_KERNELS)

static int pick_str(KERNEL_ARGS, int sign)
{
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t best_n, len;
        const char *best = col_str(args[0], i, &best_n);
        for (uint32_t k = 1; k < b->nargs; k++) {
            const char *s = col_str(args[k], i, &len);
            if (str_cmp(s, len, best, best_n) * sign < 0)
                best = s, best_n = len;
        }
        rc = col_put_str(out, best, best_n);
    }
    return rc;
}
static int least_str(KERNEL_ARGS) { return pick_str(b, ctx, args, nulls, n, out, 1); }
static int greatest_str(KERNEL_ARGS) { return pick_str(b, ctx, args, nulls, n, out, -1); }

#define LEAST_ENTRY(k, T, s) [k] = least_##s,
#define GREATEST_ENTRY(k, T, s) [k] = greatest_##s,
static const fn_kernel least_k[TY_KIND_END] = {
    FN_NUM_KINDS(LEAST_ENTRY)[TY_BOOL] = least_u8, [TY_DATE] = least_u16,
    [TY_DATETIME] = least_u32, [TY_DATETIME64] = least_i64, [TY_INTERVAL] = least_i64,
    [TY_DECIMAL] = least_i64,
    [TY_STRING] = least_str,
};
static const fn_kernel greatest_k[TY_KIND_END] = {
    FN_NUM_KINDS(GREATEST_ENTRY)[TY_BOOL] = greatest_u8, [TY_DATE] = greatest_u16,
    [TY_DATETIME] = greatest_u32, [TY_DATETIME64] = greatest_i64, [TY_INTERVAL] = greatest_i64,
    [TY_DECIMAL] = greatest_i64,
    [TY_STRING] = greatest_str,
};

static int bind_pick(struct fn_bind *b, const char *name, const fn_kernel *k)
{
    struct ty t;
    int rc = fn_bind_common(b, name, 0, 1, &t);
    if (rc)
        return rc;
    t = fn_plain(t);
    for (uint32_t i = 0; i < b->nargs; i++)
        b->cast_to[i] = t;
    b->ret = t;
    b->kernel = k[t.kind];
    return 0;
}
static int bind_least(struct fn_bind *b) { return bind_pick(b, "least", least_k); }
static int bind_greatest(struct fn_bind *b) { return bind_pick(b, "greatest", greatest_k); }

const struct fn_scalar fn_cmp_fns[] = {
    {"equals", 2, 2, 0, bind_eq},
    {"not_equals", 2, 2, 0, bind_ne},
    {"less", 2, 2, 0, bind_lt},
    {"greater", 2, 2, 0, bind_gt},
    {"less_or_equals", 2, 2, 0, bind_le},
    {"greater_or_equals", 2, 2, 0, bind_ge},
    {"least", 2, FN_MAX_ARGS, 0, bind_least},
    {"greatest", 2, FN_MAX_ARGS, 0, bind_greatest},
};
const size_t fn_cmp_fns_n = sizeof(fn_cmp_fns) / sizeof(fn_cmp_fns[0]);
