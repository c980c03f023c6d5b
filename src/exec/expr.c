/*
 * expr.c — bound expression trees and their vectorized evaluation
 * (exec/expr.h).
 *
 * A call evaluates its arguments to whole columns, combines their null
 * maps (the ClickHouse default: NULL in, NULL out), and hands the columns
 * to the function's kernel, which fills the result column in one pass.
 * Constants are materialized once per tree into a cached column and
 * extended as blocks grow, so `x * 2` costs one pass over x. Conversions
 * a binding asks for are ordinary calls of the registry's `cast`.
 *
 * Constant arguments are folded when a call is built: a call on constants
 * only (not rand(), not now(), which the binder folds with the statement's
 * clock) becomes its value, and so does a conversion of a constant, so
 * bindings see constant values (to_start_of_interval's interval) and a
 * constant that does not compute is a bind error, as in ClickHouse.
 */
#include "exec/expr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int xpr_col(uint32_t col, struct ty ty, struct xpr **out)
{
    struct xpr *x = calloc(1, sizeof(*x));
    if (!x)
        return -ENOMEM;
    x->kind = XPR_COL;
    x->col = col;
    x->ty = ty;
    *out = x;
    return 0;
}

int xpr_const(const struct val *v, struct xpr **out)
{
    struct xpr *x = calloc(1, sizeof(*x));
    if (!x)
        return -ENOMEM;
    x->kind = XPR_CONST;
    x->cval = *v;
    x->ty = v->ty;
    if (v->ty.kind == TY_NOTHING) {
        x->ty.nullable = 1;
        x->cval.ty.nullable = 1;
        x->cval.is_null = 1;
    }
    if (v->ty.kind == TY_STRING && !v->is_null) {
        char *p = malloc(v->v.s.n + 1);
        if (!p) {
            free(x);
            return -ENOMEM;
        }
        memcpy(p, v->v.s.p, v->v.s.n);
        p[v->v.s.n] = 0;
        x->cval.v.s.p = p;
    }
    *out = x;
    return 0;
}

static void free_args(struct xpr **args, uint32_t n)
{
    if (!args)
        return;
    for (uint32_t i = 0; i < n; i++)
        xpr_destroy(args[i]);
    free(args);
}

void xpr_destroy(struct xpr *x)
{
    if (!x)
        return;
    if (x->kind == XPR_CONST && x->cval.ty.kind == TY_STRING && !x->cval.is_null)
        free((void *)x->cval.v.s.p);
    if (x->bind) {
        if (x->bind->state_free)
            x->bind->state_free(x->bind->state);
        free(x->bind);
    }
    free_args(x->args, x->nargs);
    col_delete(x->cache);
    free(x);
}

/* A call of the registry's cast of x to type to; on a bind error the
 * reason is in errbuf. Takes x, also on failure. */
static int cast_call(struct xpr *x, struct ty to, struct xpr **out, char errbuf[FN_ERR_MAX],
                     int *err_arg)
{
    char name[TY_MAX_NAME];
    const struct fn_scalar *f = fn_find("cast", 4);
    struct xpr **args = calloc(2, sizeof(*args));
    int rc;

    if (!f || !args) {
        free(args);
        xpr_destroy(x);
        return f ? -ENOMEM : -ENOSYS;
    }
    ty_name(to, name);
    struct val v = {.ty = {TY_STRING, 0, 0}, .v.s = {name, strlen(name)}};
    args[0] = x;
    if ((rc = xpr_const(&v, &args[1]))) {
        free_args(args, 1);
        return rc;
    }
    return xpr_call(f, args, 2, out, errbuf, err_arg);
}

int xpr_cast(struct xpr *x, struct ty to, struct xpr **out)
{
    char err[FN_ERR_MAX];
    int err_arg;
    return cast_call(x, to, out, err, &err_arg);
}

/* Replace the constant cast *x (a call on a constant) by its value, so a
 * literal is converted once, not once per block. A value that does not
 * convert is a bind error, as in ClickHouse ("cannot parse 'abc' as
 * datetime"). */
static int fold_const(struct xpr **x, char errbuf[FN_ERR_MAX])
{
    struct fn_ctx ctx = {0};
    struct val v;
    char *str;
    struct xpr *k;
    int rc = xpr_fold(*x, &ctx, &v, &str);
    if (rc) {
        snprintf(errbuf, FN_ERR_MAX, "%s", ctx.err[0] ? ctx.err : "cannot convert a constant");
        return rc;
    }
    rc = xpr_const(&v, &k);
    free(str);
    if (rc)
        return rc;
    k->ty = (*x)->ty;
    k->cval.ty = (*x)->ty;
    xpr_destroy(*x);
    *x = k;
    return 0;
}

/* 1 when x reads the statement's clock (now(): folded by the binder with
 * the statement's context, not here). */
static int per_statement(const struct xpr *x)
{
    if (x->kind != XPR_CALL)
        return 0;
    if (x->bind && (x->bind->flags & FN_PER_STATEMENT))
        return 1;
    for (uint32_t i = 0; i < x->nargs; i++)
        if (per_statement(x->args[i]))
            return 1;
    return 0;
}

static int any_nothing(struct xpr **args, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (args[i]->ty.kind == TY_NOTHING)
            return 1;
    return 0;
}

int xpr_call(const struct fn_scalar *f, struct xpr **args, uint32_t nargs, struct xpr **out,
             char errbuf[FN_ERR_MAX], int *err_arg)
{
    struct xpr *x = NULL;
    struct fn_bind *b = NULL;
    int rc = -ENOMEM;

    *err_arg = -1;
    errbuf[0] = 0;
    if (nargs > FN_MAX_ARGS) {
        snprintf(errbuf, FN_ERR_MAX, "too many arguments for %s", f->name);
        rc = -EINVAL;
        goto fail;
    }
    if (!(x = calloc(1, sizeof(*x))) || !(b = calloc(1, sizeof(*b))))
        goto fail;
    x->kind = XPR_CALL;
    x->fn = f;
    x->bind = b;
    x->args = args;
    x->nargs = nargs;
    args = NULL;
    b->nargs = nargs;
    b->err_arg = -1;
    for (uint32_t i = 0; i < nargs; i++) {
        /* constant calls become values: bindings see them (an interval
         * literal is to_interval_minute(5)) and they are computed once */
        struct xpr *a = x->args[i];
        if (a->kind == XPR_CALL && a->ty.kind != TY_NOTHING && xpr_is_const(a) &&
            !per_statement(a) && (rc = fold_const(&x->args[i], errbuf))) {
            *err_arg = (int)i;
            goto fail;
        }
    }
    for (uint32_t i = 0; i < nargs; i++) {
        b->arg_ty[i] = x->args[i]->ty;
        b->arg_const[i] = x->args[i]->kind == XPR_CONST ? &x->args[i]->cval : NULL;
    }
    if (!(f->flags & FN_OWN_NULLS) && any_nothing(x->args, nargs)) {
        /* NULL in, NULL out: the call is a NULL of type nullable(nothing) */
        x->ty = (struct ty){TY_NOTHING, 1, 0};
        *out = x;
        return 0;
    }
    if ((rc = f->bind(b))) {
        snprintf(errbuf, FN_ERR_MAX, "%s", b->err[0] ? b->err : "invalid arguments");
        *err_arg = b->err_arg;
        goto fail;
    }
    if (!b->kernel) { /* a binding that found no kernel for these types */
        char tn[TY_MAX_NAME];
        ty_name(nargs ? b->arg_ty[0] : b->ret, tn);
        snprintf(errbuf, FN_ERR_MAX, "%s cannot take %s", f->name, tn);
        rc = -EINVAL;
        goto fail;
    }
    b->flags |= f->flags;
    int any_nullable = 0;
    for (uint32_t i = 0; i < nargs; i++) {
        if (b->cast_to[i].kind && !ty_equal(b->cast_to[i], x->args[i]->ty)) {
            struct ty to = b->cast_to[i];
            if (!(b->flags & FN_OWN_NULLS))
                to.nullable = x->args[i]->ty.nullable;
            int was_const = x->args[i]->kind == XPR_CONST, cast_arg;
            if ((rc = cast_call(x->args[i], to, &x->args[i], errbuf, &cast_arg)))
                x->args[i] = NULL; /* cast_call took it */
            else if (was_const)
                rc = fold_const(&x->args[i], errbuf);
            if (rc) {
                if (!errbuf[0])
                    snprintf(errbuf, FN_ERR_MAX, "cannot convert argument %u of %s", i + 1,
                             f->name);
                *err_arg = (int)i;
                goto fail;
            }
        }
        /* bindings read constants only while binding; keep them current */
        b->arg_const[i] = x->args[i]->kind == XPR_CONST ? &x->args[i]->cval : NULL;
        any_nullable |= x->args[i]->ty.nullable;
    }
    x->ty = b->ret;
    if (!(b->flags & FN_OWN_NULLS) && any_nullable)
        x->ty.nullable = 1;
    *out = x;
    return 0;
fail:
    free_args(args, nargs);
    xpr_destroy(x);
    if (b && !x)
        free(b);
    return rc;
}

int xpr_is_const(const struct xpr *x)
{
    if (x->kind == XPR_CONST)
        return 1;
    if (x->ty.kind == TY_ARRAY) /* a value cannot hold an array's elements: computed per block */
        return 0;
    if (x->kind == XPR_COL || (x->bind && (x->bind->flags & FN_NONDETERMINISTIC)))
        return 0;
    for (uint32_t i = 0; i < x->nargs; i++)
        if (!xpr_is_const(x->args[i]))
            return 0;
    return 1;
}

/* The constant's value repeated to n rows, in the tree's cache. */
static int const_col(struct xpr *x, uint32_t n, struct col **out)
{
    int rc;
    if (!x->cache && (rc = col_new(x->ty, &x->cache)))
        return rc;
    struct col *c = x->cache;
    if (c->n > n)
        col_truncate(c, n);
    if ((rc = col_reserve(c, n)))
        return rc;
    while (c->n < n)
        if ((rc = val_push(&x->cval, c)))
            return rc;
    *out = c;
    return 0;
}

/* Evaluate for use as an argument: borrowed (input or cache) or owned. */
static int eval_arg(struct xpr *x, struct fn_ctx *ctx, const struct blk *in, const uint8_t *skip,
                    struct col **out, int *owned);

static int all_null(struct ty ty, uint32_t n, struct col **out)
{
    struct col *c;
    int rc = col_new(ty, &c);
    if (rc)
        return rc;
    c->ty.nullable = 1;
    if ((rc = col_reserve(c, n)))
        goto fail;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = col_push_null(c)))
            goto fail;
    *out = c;
    return 0;
fail:
    col_delete(c);
    return rc;
}

/* A failure inside call x, reported at x's place in the SQL ("line 1,
 * column 8: division by zero in int_div") unless a call inside it already
 * placed it. */
static int located(const struct xpr *x, struct fn_ctx *ctx, int rc)
{
    if (rc != -EINVAL || !x->line || !ctx->err[0] || strncmp(ctx->err, "line ", 5) == 0)
        return rc;
    char what[FN_ERR_MAX];
    memcpy(what, ctx->err, sizeof what);
    int n = snprintf(ctx->err, sizeof ctx->err, "line %u, column %u: ", x->line, x->col_no);
    if (n > 0 && (size_t)n < sizeof ctx->err)
        memcpy(ctx->err + n, what, strnlen(what, sizeof ctx->err - (size_t)n - 1) + 1);
    ctx->err[sizeof ctx->err - 1] = 0;
    return rc;
}

/*
 * Short-circuit evaluation (ClickHouse's short_circuit_function_evaluation):
 * if / multi_if evaluate a branch only for the rows that take it and a
 * condition only for rows no earlier condition decided; and / or evaluate
 * an argument only for rows the earlier ones left open. "Only" means the
 * other rows are skipped: kernels get them as rows they must not fail on
 * (like NULL rows) and may fill with anything, so if(x = 0, 0, 1 % x) does
 * not divide by zero. The choosing kernels then read the skipped rows of
 * an argument only where it was not needed.
 */
enum lazy { LAZY_NONE, LAZY_IF, LAZY_AND, LAZY_OR };

static enum lazy lazy_kind(const struct xpr *x)
{
    const char *name = x->fn->name;
    if (strcmp(name, "if") == 0 || strcmp(name, "multi_if") == 0)
        return LAZY_IF;
    if (strcmp(name, "and") == 0)
        return LAZY_AND;
    if (strcmp(name, "or") == 0)
        return LAZY_OR;
    return LAZY_NONE;
}

/* Row r of a truth column (bool / uint8 after the binding's casts): 1 true,
 * 0 false, -1 NULL or unreadable. */
static inline int truth_at(const struct col *c, uint32_t r)
{
    if (ty_width(c->ty) != 1 || col_is_null(c, r))
        return -1;
    return ((const uint8_t *)c->data)[r] != 0;
}

/* The rows argument k of a lazy call need not compute: outer skip, plus
 * what the arguments before it decided (done[r]: the row is decided;
 * pick[r]: the multi_if value it takes). NULL when none is skipped. */
static const uint8_t *lazy_skip(enum lazy lz, uint32_t k, uint32_t n, const uint8_t *skip,
                                const uint8_t *done, const uint8_t *pick, uint8_t *buf)
{
    int any = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint8_t s = skip ? skip[r] : 0;
        if (lz != LAZY_IF || k % 2 == 0) /* a condition, the else value, an and/or argument */
            s |= done[r];
        else /* the value of condition k - 1 */
            s |= !(done[r] && pick[r] == k);
        buf[r] = s;
        any |= s;
    }
    return any ? buf : NULL;
}

/* What argument k (just computed as a) decides. */
static void lazy_note(enum lazy lz, uint32_t k, uint32_t nargs, uint32_t n, const struct col *a,
                      const uint8_t *skip_k, uint8_t *done, uint8_t *pick)
{
    for (uint32_t r = 0; r < n; r++) {
        if (done[r] || (skip_k && skip_k[r]))
            continue;
        int t = truth_at(a, r);
        if (lz == LAZY_IF) {
            if (k % 2 == 0 && k + 1 < nargs && t == 1) {
                done[r] = 1;
                pick[r] = (uint8_t)(k + 1);
            }
        } else if (t == (lz == LAZY_OR)) { /* false decides and, true decides or */
            done[r] = 1;
        }
    }
}

static int eval_call(struct xpr *x, struct fn_ctx *ctx, const struct blk *in, const uint8_t *skip,
                     struct col **out)
{
    const struct col *args[FN_MAX_ARGS];
    struct col *argc[FN_MAX_ARGS];
    int owned[FN_MAX_ARGS];
    uint8_t *nulls = NULL, *lazy_buf = NULL;
    struct col *c = NULL;
    uint32_t n = in->nrows, done = 0;
    enum lazy lz = LAZY_NONE;
    int rc;

    if (x->ty.kind == TY_NOTHING)
        return all_null(x->ty, n, out);
    if (x->nargs > 1 && n > 0 && (lz = lazy_kind(x)) != LAZY_NONE) {
        /* [0, n): the argument's skip; [n, 2n): decided; [2n, 3n): picked value */
        if (!(lazy_buf = calloc(3, n))) {
            rc = -ENOMEM;
            goto fail;
        }
    }
    for (; done < x->nargs; done++) {
        const uint8_t *askip = skip;
        if (lz != LAZY_NONE && done > 0)
            askip = lazy_skip(lz, done, n, skip, lazy_buf + n, lazy_buf + 2 * n, lazy_buf);
        if ((rc = eval_arg(x->args[done], ctx, in, askip, &argc[done], &owned[done])))
            goto fail;
        args[done] = argc[done];
        if (lz != LAZY_NONE)
            lazy_note(lz, done, x->nargs, n, args[done], askip, lazy_buf + n, lazy_buf + 2 * n);
    }
    /* rows a kernel must not fail on: NULL arguments (unless the function
     * handles NULLs itself) and the rows skipped from outside */
    int own = (x->bind->flags & FN_OWN_NULLS) != 0;
    for (uint32_t i = 0; i <= x->nargs; i++) {
        const uint8_t *m = i == x->nargs ? skip : own ? NULL : args[i]->nulls;
        if (!m)
            continue;
        if (!nulls && !(nulls = calloc(n ? n : 1, 1))) {
            rc = -ENOMEM;
            goto fail;
        }
        for (uint32_t r = 0; r < n; r++)
            nulls[r] |= m[r];
    }
    if ((rc = col_new(x->ty, &c)) || (rc = col_reserve(c, n)))
        goto fail;
    if ((rc = x->bind->kernel(x->bind, ctx, args, nulls, n, c)))
        goto fail;
    if (c->n != n) {
        rc = fn_errorf(ctx, "internal error: %s produced %u rows for %u", x->fn->name, c->n, n);
        goto fail;
    }
    if (nulls && c->nulls && !own)
        for (uint32_t r = 0; r < n; r++)
            c->nulls[r] |= nulls[r];
    *out = c;
    c = NULL;
    rc = 0;
fail:
    for (uint32_t i = 0; i < done; i++)
        if (owned[i])
            col_delete(argc[i]);
    free(nulls);
    free(lazy_buf);
    col_delete(c);
    return located(x, ctx, rc);
}

static int eval_arg(struct xpr *x, struct fn_ctx *ctx, const struct blk *in, const uint8_t *skip,
                    struct col **out, int *owned)
{
    switch (x->kind) {
    case XPR_COL:
        *out = &in->cols[x->col];
        *owned = 0;
        return 0;
    case XPR_CONST:
        *owned = 0;
        return const_col(x, in->nrows, out);
    case XPR_CALL:
        *owned = 1;
        return eval_call(x, ctx, in, skip, out);
    }
    return -EINVAL;
}

static int copy_col(const struct col *src, uint32_t n, struct col **out)
{
    struct col *c;
    int rc = col_new(src->ty, &c);
    if (rc)
        return rc;
    if ((rc = col_reserve(c, n)))
        goto fail;
    size_t w = ty_width(src->ty);
    if (src->ty.kind == TY_ARRAY) {
        if ((rc = col_append_rows(c, src, 0, n)))
            goto fail;
    } else if (src->ty.kind == TY_STRING) {
        size_t len;
        for (uint32_t i = 0; i < n; i++) {
            const char *p = col_str(src, i, &len);
            if ((rc = col_is_null(src, i) ? col_push_null(c) : col_push_str(c, p, len)))
                goto fail;
        }
    } else {
        memcpy(c->data, src->data, (size_t)n * w);
        if (src->nulls && c->nulls)
            memcpy(c->nulls, src->nulls, n);
        else if (c->nulls)
            memset(c->nulls, 0, n);
        c->n = n;
    }
    *out = c;
    return 0;
fail:
    col_delete(c);
    return rc;
}

int xpr_eval(struct xpr *x, struct fn_ctx *ctx, const struct blk *in, struct col **out, int *owned)
{
    struct col *c;
    int rc;
    if (x->kind != XPR_CONST)
        return eval_arg(x, ctx, in, NULL, out, owned);
    if ((rc = const_col(x, in->nrows, &c)))
        return rc;
    *owned = 1;
    return copy_col(c, in->nrows, out);
}

int xpr_fold(const struct xpr *x, struct fn_ctx *ctx, struct val *out, char **arena_str)
{
    struct blk one = {.ncols = 0, .nrows = 1, .cols = NULL};
    struct col *c;
    int owned, rc;

    *arena_str = NULL;
    if ((rc = xpr_eval((struct xpr *)x, ctx, &one, &c, &owned)))
        return rc;
    val_from_col(c, 0, out);
    out->ty = x->ty;
    if (out->ty.kind == TY_STRING && !out->is_null) {
        char *p = malloc(out->v.s.n + 1);
        if (!p) {
            rc = -ENOMEM;
            goto done;
        }
        memcpy(p, out->v.s.p, out->v.s.n);
        p[out->v.s.n] = 0;
        out->v.s.p = p;
        *arena_str = p;
    }
done:
    if (owned)
        col_delete(c);
    return rc;
}

int xpr_select(const struct col *cond, uint32_t n, uint32_t **rows, uint32_t *nrows)
{
    uint32_t *r = malloc((n ? n : 1) * sizeof(*r)), k = 0;
    if (!r)
        return -ENOMEM;
    const uint8_t *v = cond->data;
    if (cond->ty.kind == TY_NOTHING) {
        *rows = r;
        *nrows = 0;
        return 0;
    }
    if (ty_width(cond->ty) != 1) /* the binder makes conditions bool/uint8 */
        return free(r), -EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        r[k] = i;
        k += (v[i] != 0) & !(cond->nulls && cond->nulls[i]);
    }
    *rows = r;
    *nrows = k;
    return 0;
}
