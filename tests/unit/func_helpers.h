/*
 * func_helpers.h — what the function tests share: constants and column
 * references as expression trees, calls by name through the registry,
 * and checks of a result's type and text (the text is to_string's, so
 * every value is compared the way a user would see it).
 */
#ifndef SFS_TESTS_FUNC_HELPERS_H
#define SFS_TESTS_FUNC_HELPERS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/expr.h"
#include "exec/func.h"
#include "types/datetime.h"

/* 2024-07-10 12:34:56.789123456 UTC */
#define NOW_NS 1720614896789123456LL

static struct fn_ctx ctx = {.now_ns = NOW_NS, .rand_state = 42};

static inline struct xpr *cv(struct val v)
{
    struct xpr *x = NULL;
    cr_assert_eq(xpr_const(&v, &x), 0);
    return x;
}
static inline struct xpr *kint(uint8_t kind, int64_t v)
{
    struct val x = {.ty = {kind, 0, 0}};
    if (kind == TY_BOOL || (kind >= TY_UINT8 && kind <= TY_UINT64))
        x.v.u = (uint64_t)v;
    else
        x.v.i = v;
    return cv(x);
}
static inline struct xpr *I(int64_t v) { return kint(TY_INT64, v); }
static inline struct xpr *I32(int64_t v) { return kint(TY_INT32, v); }
static inline struct xpr *I8(int64_t v) { return kint(TY_INT8, v); }
static inline struct xpr *U8(int64_t v) { return kint(TY_UINT8, v); }
static inline struct xpr *U64(uint64_t v)
{
    return cv((struct val){.ty = {TY_UINT64, 0, 0}, .v.u = v});
}
static inline struct xpr *F(double v)
{
    return cv((struct val){.ty = {TY_FLOAT64, 0, 0}, .v.f = v});
}
static inline struct xpr *F32(double v)
{
    return cv((struct val){.ty = {TY_FLOAT32, 0, 0}, .v.f = v});
}
static inline struct xpr *S(const char *s)
{
    return cv((struct val){.ty = {TY_STRING, 0, 0}, .v.s = {s, strlen(s)}});
}
static inline struct xpr *NUL(void)
{
    return cv((struct val){.ty = {TY_NOTHING, 1, 0}, .is_null = 1});
}
static inline struct xpr *B(int v) { return kint(TY_BOOL, v); }
/* A datetime / datetime64(p) / date literal from text. */
static inline struct xpr *DT(const char *s)
{
    int64_t t;
    cr_assert_eq(dt_parse(s, strlen(s), 0, &t), 0, "%s", s);
    return cv((struct val){.ty = {TY_DATETIME, 0, 0}, .v.i = t});
}
static inline struct xpr *DT64(const char *s, int p)
{
    int64_t t;
    cr_assert_eq(dt_parse(s, strlen(s), p, &t), 0, "%s", s);
    return cv((struct val){.ty = {TY_DATETIME64, 0, (uint8_t)p}, .v.i = t});
}
static inline struct xpr *DATE(const char *s)
{
    int64_t t;
    cr_assert_eq(dt_parse(s, strlen(s), 0, &t), 0, "%s", s);
    return cv((struct val){.ty = {TY_DATE, 0, 0}, .v.i = t / 86400});
}
static inline struct xpr *IV(uint8_t unit, int64_t n)
{
    return cv((struct val){.ty = {TY_INTERVAL, 0, unit}, .v.i = n});
}
static inline struct xpr *COL(uint32_t i, struct ty t)
{
    struct xpr *x = NULL;
    cr_assert_eq(xpr_col(i, t, &x), 0);
    return x;
}

static inline int call_rc(const char *name, uint32_t n, struct xpr *const *a, struct xpr **out,
                          char err[FN_ERR_MAX], int *err_arg)
{
    const struct fn_scalar *f = fn_find(name, strlen(name));
    cr_assert_not_null(f, "no function %s", name);
    cr_assert(n >= f->min_args && n <= f->max_args, "%s: %u arguments", name, n);
    struct xpr **args = malloc((n ? n : 1) * sizeof(*args));
    cr_assert_not_null(args);
    if (n)
        memcpy(args, a, n * sizeof(*args));
    return xpr_call(f, args, n, out, err, err_arg);
}

static inline struct xpr *callv(const char *name, uint32_t n, struct xpr *const *a)
{
    char err[FN_ERR_MAX];
    int ea;
    struct xpr *x = NULL;
    int rc = call_rc(name, n, a, &x, err, &ea);
    cr_assert_eq(rc, 0, "%s: bind failed (%d): %s", name, rc, err);
    return x;
}

#define XS(...) ((struct xpr *[]){__VA_ARGS__})
#define NX(...) ((uint32_t)(sizeof(XS(__VA_ARGS__)) / sizeof(struct xpr *)))
#define CALL(name, ...) callv(name, NX(__VA_ARGS__), XS(__VA_ARGS__))
#define CALL0(name) callv(name, 0, NULL)

/* A bind error: its text contains want and it names argument want_arg. */
static inline void bind_err(const char *name, uint32_t n, struct xpr *const *a, const char *want,
                            int want_arg)
{
    char err[FN_ERR_MAX];
    int ea = -5;
    struct xpr *x = NULL;
    int rc = call_rc(name, n, a, &x, err, &ea);
    cr_assert_eq(rc, -EINVAL, "%s: want a bind error, got %d", name, rc);
    cr_assert(strstr(err, want), "%s: error '%s' lacks '%s'", name, err, want);
    cr_assert_eq(ea, want_arg, "%s: error '%s' at argument %d, want %d", name, err, ea, want_arg);
}
#define BIND_ERR(want, want_arg, name, ...) \
    bind_err(name, NX(__VA_ARGS__), XS(__VA_ARGS__), want, want_arg)

/* The text of a constant expression (to_string's), "NULL" for NULL;
 * takes x. rc: the fold's result, or to_string's bind error (a constant
 * argument is folded when to_string is bound). */
static inline char *text_of(struct xpr *x, int *rc)
{
    struct xpr *s = x;
    if (x->ty.kind != TY_STRING && x->ty.kind != TY_NOTHING) {
        char err[FN_ERR_MAX];
        int ea;
        if ((*rc = call_rc("to_string", 1, &x, &s, err, &ea)))
            return strdup(err);
    }
    struct val v;
    char *arena = NULL, *out;
    ctx.err[0] = 0;
    *rc = xpr_fold(s, &ctx, &v, &arena);
    if (*rc)
        out = strdup(ctx.err);
    else if (v.is_null || v.ty.kind == TY_NOTHING)
        out = strdup("NULL");
    else
        out = strndup(v.v.s.p, v.v.s.n);
    free(arena);
    xpr_destroy(s);
    return out;
}

/* x has type ty and folds to text. */
static inline void expect_at(struct xpr *x, const char *ty, const char *text, const char *file,
                             int line)
{
    char tn[TY_MAX_NAME];
    ty_name(x->ty, tn);
    cr_assert_str_eq(tn, ty, "%s:%d: type %s, want %s", file, line, tn, ty);
    int rc;
    char *got = text_of(x, &rc);
    cr_assert_eq(rc, 0, "%s:%d: evaluation failed: %s", file, line, got);
    cr_assert_str_eq(got, text, "%s:%d: got '%s', want '%s'", file, line, got, text);
    free(got);
}
#define EXPECT(x, ty, text) expect_at((x), (ty), (text), __FILE__, __LINE__)

/* Evaluating x fails with an error containing want. */
static inline void expect_fail_at(struct xpr *x, const char *want, const char *file, int line)
{
    int rc;
    char *got = text_of(x, &rc);
    cr_assert_neq(rc, 0, "%s:%d: want an error, got '%s'", file, line, got);
    cr_assert(strstr(got, want), "%s:%d: error '%s' lacks '%s'", file, line, got, want);
    free(got);
}
#define EXPECT_FAIL(x, want) expect_fail_at((x), (want), __FILE__, __LINE__)

/* A one-column block: n rows of ty, values pushed by the caller. */
static inline struct blk *block1(struct ty ty)
{
    struct blk *b = NULL;
    cr_assert_eq(blk_create(&ty, 1, &b), 0);
    return b;
}

#endif
