/*
 * func_logic.c — logic (and, or, xor, not) and the functions that choose
 * between values or look at NULLs: if, multi_if, coalesce, if_null,
 * null_if, is_null, is_not_null, assume_not_null.
 *
 * and / or follow SQL's three-valued logic, as ClickHouse does: a false
 * argument makes and false whatever the others are (NULL included), a
 * true one makes or true; otherwise a NULL makes the result NULL. xor and
 * not take the evaluator's default (NULL in, NULL out). Arguments are
 * truth values: any number, nonzero meaning true; bool and uint8 are read
 * as they are, other kinds converted to bool once. The result is bool when
 * an argument is bool, else uint8.
 *
 * The choosing functions see the null maps themselves (FN_OWN_NULLS):
 * each decides per row which argument to take (an index, or none for
 * NULL), and one gather loop per storage width copies the values, so the
 * result type's kind never appears inside a row loop. if's and multi_if's
 * branches meet at their common type; a NULL condition counts as false.
 */
#include <stdlib.h>

#include "func_impl.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

#define NONE 0xff /* gather: the row is NULL */

/* Row i of out from src[pick[i]] (or NULL when pick[i] is NONE). */
#define GATHER_LOOP(T)                                                                \
    do {                                                                              \
        T *o = out->data;                                                             \
        for (uint32_t i = 0; i < n; i++)                                              \
            o[i] = pick[i] == NONE ? 0 : ((const T *)src[pick[i]]->data)[i];          \
    } while (0)

static int gather(struct col *out, const struct col *const *src, const uint8_t *pick, uint32_t n)
{
    int rc = 0;
    if (out->ty.kind == TY_STRING) {
        for (uint32_t i = 0; i < n && rc == 0; i++) {
            size_t len = 0;
            const char *s = pick[i] == NONE ? "" : col_str(src[pick[i]], i, &len);
            rc = col_put_str(out, s, len);
        }
        if (rc)
            return rc;
    } else {
        switch (ty_width(out->ty)) {
        case 1: GATHER_LOOP(uint8_t); break;
        case 2: GATHER_LOOP(uint16_t); break;
        case 4: GATHER_LOOP(uint32_t); break;
        default: GATHER_LOOP(uint64_t); break;
        }
        out->n = n;
    }
    if (out->nulls)
        for (uint32_t i = 0; i < n; i++)
            out->nulls[i] = pick[i] == NONE || col_is_null(src[pick[i]], i);
    return 0;
}

static uint8_t *new_pick(uint32_t n)
{
    return malloc(n ? n : 1);
}

/* Truth of row i: nonzero and not NULL. */
static inline int truth(const struct col *c, uint32_t i)
{
    return ((const uint8_t *)c->data)[i] && !col_is_null(c, i);
}

/* ---- truth values --------------------------------------------------------- */

/* Ask for argument i as a truth value: bool and uint8 as they are, other
 * numbers converted to bool (nullable kept); 0 or a bind error. */
static int want_truth(struct fn_bind *b, const char *name, uint32_t i, int *any_bool)
{
    struct ty t = b->arg_ty[i];
    if (t.kind == TY_BOOL)
        *any_bool = 1;
    if (t.kind == TY_BOOL || t.kind == TY_UINT8)
        return 0;
    if (t.kind != TY_NOTHING && !fn_is_num(t))
        return fn_bad_arg(b, name, i, "a number or bool");
    b->cast_to[i] = (struct ty){TY_BOOL, t.nullable || t.kind == TY_NOTHING, 0};
    return 0;
}

static int bind_truths(struct fn_bind *b, const char *name, int own_nulls)
{
    int any_bool = 0, any_nullable = 0, rc;
    for (uint32_t i = 0; i < b->nargs; i++) {
        if ((rc = want_truth(b, name, i, &any_bool)))
            return rc;
        any_nullable |= b->arg_ty[i].nullable || b->arg_ty[i].kind == TY_NOTHING;
    }
    b->ret = fn_ty(any_bool ? TY_BOOL : TY_UINT8);
    b->ret.nullable = (uint8_t)(own_nulls && any_nullable);
    return 0;
}

/* and / or: want is the deciding value (0 for and, 1 for or). */
static int and_or(const struct fn_bind *b, const struct col *const *args, uint32_t n,
                  struct col *out, uint8_t want)
{
    uint8_t *o = out->data, *nl = out->nulls;
    memset(o, 0, n); /* o[i]: decided by some argument */
    if (nl)
        memset(nl, 0, n);
    for (uint32_t k = 0; k < b->nargs; k++) {
        const uint8_t *v = args[k]->data, *an = args[k]->nulls;
        if (an) {
            for (uint32_t i = 0; i < n; i++) {
                o[i] |= ((v[i] != 0) == want) & !an[i];
                if (nl)
                    nl[i] |= an[i];
            }
        } else {
            for (uint32_t i = 0; i < n; i++)
                o[i] |= (v[i] != 0) == want;
        }
    }
    /* decided rows take want; the rest are !want, or NULL if one was */
    for (uint32_t i = 0; i < n; i++) {
        uint8_t decided = o[i];
        o[i] = decided ? want : (uint8_t)!want;
        if (nl) {
            nl[i] = nl[i] && !decided;
            o[i] &= (uint8_t)!nl[i];
        }
    }
    out->n = n;
    return 0;
}

static int k_and(KERNEL_ARGS) { return and_or(b, args, n, out, 0); }
static int k_or(KERNEL_ARGS) { return and_or(b, args, n, out, 1); }

static int k_xor(KERNEL_ARGS)
{
    uint8_t *o = out->data;
    memset(o, 0, n);
    for (uint32_t k = 0; k < b->nargs; k++) {
        const uint8_t *v = args[k]->data;
        for (uint32_t i = 0; i < n; i++)
            o[i] ^= v[i] != 0;
    }
    fn_fixed_done(out, n);
    return 0;
}

static int k_not(KERNEL_ARGS)
{
    const uint8_t *v = args[0]->data;
    uint8_t *o = out->data;
    for (uint32_t i = 0; i < n; i++)
        o[i] = !v[i];
    fn_fixed_done(out, n);
    return 0;
}

static int bind_and(struct fn_bind *b)
{
    int rc = bind_truths(b, "and", 1);
    b->kernel = k_and;
    return rc;
}
static int bind_or(struct fn_bind *b)
{
    int rc = bind_truths(b, "or", 1);
    b->kernel = k_or;
    return rc;
}
static int bind_xor(struct fn_bind *b)
{
    int rc = bind_truths(b, "xor", 0);
    b->kernel = k_xor;
    return rc;
}
static int bind_not(struct fn_bind *b)
{
    int rc = bind_truths(b, "not", 0);
    b->kernel = k_not;
    return rc;
}

/* ---- choosing ---------------------------------------------------------------- */

/* Ask for arguments first, first + step, ... as type t's kind (each keeps
 * its own nullability; NULL literals become NULLs of t). */
static void want_kind(struct fn_bind *b, uint32_t first, uint32_t step, struct ty t)
{
    for (uint32_t i = first; i < b->nargs; i += step) {
        struct ty a = b->arg_ty[i];
        b->cast_to[i] = t;
        b->cast_to[i].nullable = t.kind != TY_ARRAY && (a.nullable || a.kind == TY_NOTHING);
    }
}

/* multi_if(c1, v1, c2, v2, ..., else); if(c, a, b) is the shortest. */
static int k_multi_if(KERNEL_ARGS)
{
    uint8_t *pick = new_pick(n);
    if (!pick)
        return -ENOMEM;
    uint32_t last = b->nargs - 1;
    memset(pick, (int)last, n);
    for (int32_t k = (int32_t)last - 2; k >= 0; k -= 2) { /* later conditions first */
        const struct col *c = args[k];
        for (uint32_t i = 0; i < n; i++)
            if (truth(c, i))
                pick[i] = (uint8_t)(k + 1);
    }
    int rc = gather(out, args, pick, n);
    free(pick);
    return rc;
}

static int bind_multi_if(struct fn_bind *b)
{
    if (b->nargs % 2 == 0)
        return fn_bind_fail(b, -1, "multi_if expects an odd number of arguments "
                                   "(condition, value pairs and an else value)");
    int any_bool = 0, rc;
    uint32_t last = b->nargs - 1;
    for (uint32_t i = 0; i < last; i += 2)
        if ((rc = want_truth(b, "multi_if", i, &any_bool)))
            return rc;
    /* the branches: odd arguments, then the else value */
    uint32_t val[FN_MAX_ARGS], nv = 0;
    for (uint32_t i = 1; i < last; i += 2)
        val[nv++] = i;
    val[nv++] = last;
    struct ty t = b->arg_ty[1];
    if ((rc = fn_no_arrays(b, b->nargs == 3 ? "if" : "multi_if")))
        return rc;
    for (uint32_t k = 1; k < nv; k++) {
        uint32_t i = val[k];
        struct ty next;
        if (fn_common_type(t, b->arg_ty[i], &next)) {
            char x[TY_MAX_NAME], y[TY_MAX_NAME];
            return fn_bind_fail(b, (int)i, "%s: branches of types %s and %s have no common type",
                                b->nargs == 3 ? "if" : "multi_if",
                                fn_ty_str(fn_plain(b->arg_ty[i]), x), fn_ty_str(fn_plain(t), y));
        }
        t = next;
    }
    if (t.kind == TY_NOTHING)
        t = (struct ty){TY_UINT8, 1, 0}; /* every branch NULL */
    for (uint32_t k = 0; k < nv; k++)
        want_kind(b, val[k], b->nargs, t);
    b->ret = t;
    b->kernel = k_multi_if;
    return 0;
}

/* coalesce: the first argument that is not NULL. */
static int k_coalesce(KERNEL_ARGS)
{
    uint8_t *pick = new_pick(n);
    if (!pick)
        return -ENOMEM;
    memset(pick, NONE, n);
    for (uint32_t k = b->nargs; k-- > 0;) {
        const struct col *c = args[k];
        if (!c->nulls) {
            memset(pick, (int)k, n);
            continue;
        }
        for (uint32_t i = 0; i < n; i++)
            if (!c->nulls[i])
                pick[i] = (uint8_t)k;
    }
    int rc = gather(out, args, pick, n);
    free(pick);
    return rc;
}

static int bind_coalesce(struct fn_bind *b)
{
    struct ty t;
    int rc = fn_bind_common(b, "coalesce", 0, 1, &t), all_nullable = 1;
    if (rc)
        return rc;
    for (uint32_t i = 0; i < b->nargs; i++)
        all_nullable &= b->arg_ty[i].nullable || b->arg_ty[i].kind == TY_NOTHING;
    if (t.kind == TY_NOTHING)
        t = (struct ty){TY_UINT8, 1, 0};
    t.nullable = (uint8_t)all_nullable;
    want_kind(b, 0, 1, t);
    b->ret = t;
    b->kernel = k_coalesce;
    return 0;
}

/* null_if(a, b): NULL where a equals b, else a. */
#define EQ_LOOP(T)                                                                 \
    do {                                                                           \
        const T *x = args[0]->data, *y = args[1]->data;                            \
        for (uint32_t i = 0; i < n; i++)                                           \
            pick[i] = (x[i] == y[i] && !col_is_null(args[1], i)) ? NONE : pick[i]; \
    } while (0)

static int k_null_if(KERNEL_ARGS)
{
    uint8_t *pick = new_pick(n);
    if (!pick)
        return -ENOMEM;
    memset(pick, 0, n);
    const struct col *a = args[0];
    if (a->ty.kind == TY_STRING) {
        for (uint32_t i = 0; i < n; i++) {
            size_t la, lb;
            const char *x = col_str(a, i, &la), *y = col_str(args[1], i, &lb);
            if (la == lb && memcmp(x, y, la) == 0 && !col_is_null(args[1], i))
                pick[i] = NONE;
        }
    } else if (a->ty.kind == TY_FLOAT32) {
        EQ_LOOP(float);
    } else if (a->ty.kind == TY_FLOAT64) {
        EQ_LOOP(double);
    } else {
        switch (ty_width(a->ty)) {
        case 1: EQ_LOOP(uint8_t); break;
        case 2: EQ_LOOP(uint16_t); break;
        case 4: EQ_LOOP(uint32_t); break;
        default: EQ_LOOP(uint64_t); break;
        }
    }
    int rc = gather(out, args, pick, n);
    free(pick);
    return rc;
}

static int k_null(KERNEL_ARGS)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = col_push_null(out);
        if (rc)
            return rc;
    }
    return 0;
}

static int bind_null_if(struct fn_bind *b)
{
    struct ty a = b->arg_ty[0], c;
    int rc = fn_no_arrays(b, "null_if");
    if (rc)
        return rc;
    if (a.kind == TY_NOTHING) { /* null_if(NULL, x) is NULL */
        b->ret = (struct ty){TY_UINT8, 1, 0};
        b->kernel = k_null;
        return 0;
    }
    if (fn_common_type(a, b->arg_ty[1], &c))
        return fn_bind_common(b, "null_if", 0, 1, &c);
    b->cast_to[1] = a;
    b->cast_to[1].nullable = b->arg_ty[1].nullable || b->arg_ty[1].kind == TY_NOTHING;
    b->ret = fn_nullable(a);
    b->kernel = k_null_if;
    return 0;
}

static int k_is_null(KERNEL_ARGS)
{
    const struct col *c = args[0];
    uint8_t *o = out->data;
    int want = b->state != NULL; /* is_not_null */
    if (c->ty.kind == TY_NOTHING)
        memset(o, !want, n);
    else if (!c->nulls)
        memset(o, want, n);
    else
        for (uint32_t i = 0; i < n; i++)
            o[i] = (uint8_t)(c->nulls[i] != want);
    fn_fixed_done(out, n);
    return 0;
}

static const int not_null_marker = 1;

static int bind_is_null(struct fn_bind *b)
{
    b->ret = fn_ty(TY_UINT8);
    b->kernel = k_is_null;
    return 0;
}
static int bind_is_not_null(struct fn_bind *b)
{
    b->state = (void *)&not_null_marker;
    return bind_is_null(b);
}

static int k_assume_not_null(KERNEL_ARGS)
{
    uint8_t *pick = new_pick(n);
    if (!pick)
        return -ENOMEM;
    memset(pick, 0, n);
    int rc = gather(out, args, pick, n);
    free(pick);
    return rc;
}

static int bind_assume_not_null(struct fn_bind *b)
{
    struct ty t = fn_plain(b->arg_ty[0]);
    if (t.kind == TY_NOTHING)
        return fn_bad_arg(b, "assume_not_null", 0, "a value that is not always NULL");
    b->ret = t;
    b->kernel = k_assume_not_null;
    return 0;
}

const struct fn_scalar fn_logic_fns[] = {
    {"and", 2, FN_MAX_ARGS, FN_OWN_NULLS, bind_and},
    {"or", 2, FN_MAX_ARGS, FN_OWN_NULLS, bind_or},
    {"xor", 2, FN_MAX_ARGS, 0, bind_xor},
    {"not", 1, 1, 0, bind_not},
    {"if", 3, 3, FN_OWN_NULLS, bind_multi_if},
    {"multi_if", 3, FN_MAX_ARGS - 1, FN_OWN_NULLS, bind_multi_if},
    {"coalesce", 1, FN_MAX_ARGS, FN_OWN_NULLS, bind_coalesce},
    {"if_null", 2, 2, FN_OWN_NULLS, bind_coalesce},
    {"null_if", 2, 2, FN_OWN_NULLS, bind_null_if},
    {"is_null", 1, 1, FN_OWN_NULLS, bind_is_null},
    {"is_not_null", 1, 1, FN_OWN_NULLS, bind_is_not_null},
    {"assume_not_null", 1, 1, FN_OWN_NULLS, bind_assume_not_null},
};
const size_t fn_logic_fns_n = sizeof(fn_logic_fns) / sizeof(fn_logic_fns[0]);
