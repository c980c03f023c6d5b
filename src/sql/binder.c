/*
 * binder.c — names and types: a parsed SELECT becomes a bound one
 * (bind_int.h) whose expressions are exec/expr.h trees.
 *
 * Rules, after ClickHouse: select-list aliases can be used anywhere in
 * the query (an alias wins over a column of the same name, except inside
 * its own definition); GROUP BY and ORDER BY also take positions (1, 2);
 * an aggregating query's select list, HAVING and ORDER BY may use group
 * keys (matched by expression) and aggregates, nothing else of the input;
 * integer literals take the smallest type that holds them; constant
 * subexpressions (now() - 1h) are folded once per statement. Errors point
 * at the culprit with a hint where one is close ("unknown column 'tmep'
 * in stream m, did you mean 'temp'?").
 *
 * Windows (Proton): FROM tumble / hop / session(s | table(s), [time_col,]
 * ...) makes the query aggregate per window: window_start and window_end
 * name the window in the select list, GROUP BY (where they are implicit
 * keys and dropped), HAVING and ORDER BY; in WHERE only in conditions on
 * the window alone, which go with HAVING (a row may belong to several
 * windows); the time is _tp_time unless a column or an
 * expression over the row names it;
 * PARTITION BY and EMIT go with windows only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bind_int.h"
#include "exec/agg.h"
#include "exec/expr.h"
#include "exec/func.h"
#include "types/datetime.h"
#include "util/buf.h"
#include "util/err.h"

#define MAX_COLS 4096


int sql_b_fail(struct binder *bd, const struct sql_expr *x, int code, const char *fmt, ...)
{
    char what[SQL_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return sql_fail(bd->err, code, x ? x->pos.line : 1, x ? x->pos.col : 1, "%s", what);
}

/* ---- names as ClickHouse writes them: avg(temp), plus(a, 1), 'x' ---- */

static int fmt_ast(const struct sql_expr *x, struct buf *out)
{
    int rc = 0;
    switch (x->kind) {
    case SX_LIT:
        switch (x->vkind) {
        case SQL_V_NULL: return buf_puts(out, "NULL");
        case SQL_V_BOOL: return buf_puts(out, x->i ? "true" : "false");
        case SQL_V_INT: return buf_printf(out, "%" PRId64, x->i);
        case SQL_V_UINT: return buf_printf(out, "%" PRIu64, x->u);
        case SQL_V_FLOAT: {
            char t[32];
            snprintf(t, sizeof t, "%.17g", x->f);
            double back = strtod(t, NULL);
            for (int prec = 1; prec <= 17; prec++) {
                snprintf(t, sizeof t, "%.*g", prec, x->f);
                if (strtod(t, NULL) == back)
                    break;
            }
            return buf_puts(out, t);
        }
        default: {
            if ((rc = buf_putc(out, '\'')))
                return rc;
            for (const char *p = x->str; *p && !rc; p++)
                rc = (*p == '\'' || *p == '\\') ? buf_printf(out, "\\%c", *p) : buf_putc(out, *p);
            return rc ? rc : buf_putc(out, '\'');
        }
        }
    case SX_COL:
        if (x->qualifier && (rc = buf_printf(out, "%s.", x->qualifier)))
            return rc;
        return buf_puts(out, x->str);
    case SX_STAR:
        return x->qualifier ? buf_printf(out, "%s.*", x->qualifier) : buf_putc(out, '*');
    case SX_SUBQUERY:
        return buf_puts(out, "(subquery)");
    case SX_CALL:
        if (!x->nparams && strcasecmp(x->str, "array") == 0) { /* [1, 2] as ClickHouse names it */
            rc = buf_putc(out, '[');
            for (uint32_t i = 0; i < x->nargs && !rc; i++)
                rc = (i ? buf_puts(out, ", ") : 0) ?: fmt_ast(x->args[i], out);
            return rc ? rc : buf_putc(out, ']');
        }
        if ((rc = buf_puts(out, x->str)))
            return rc;
        if (x->nparams) {
            if ((rc = buf_putc(out, '(')))
                return rc;
            for (uint32_t i = 0; i < x->nparams && !rc; i++)
                rc = (i ? buf_puts(out, ", ") : 0) ?: fmt_ast(x->params[i], out);
            if (rc || (rc = buf_putc(out, ')')))
                return rc;
        }
        if ((rc = buf_putc(out, '(')) || (x->distinct && (rc = buf_puts(out, "DISTINCT "))))
            return rc;
        for (uint32_t i = 0; i < x->nargs && !rc; i++) {
            if (x->args[i]->kind == SX_STAR && !x->args[i]->qualifier)
                continue; /* count(*) is count() */
            rc = (i ? buf_puts(out, ", ") : 0) ?: fmt_ast(x->args[i], out);
        }
        return rc ? rc : buf_putc(out, ')');
    }
    return -EINVAL;
}

/* ---- structural equality (GROUP BY keys against select expressions) ---- */

static int ast_eq(const struct sql_expr *a, const struct sql_expr *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case SX_LIT:
        if (a->vkind != b->vkind)
            return 0;
        if (a->vkind == SQL_V_STRING || a->vkind == SQL_V_IDENT)
            return strcmp(a->str, b->str) == 0;
        return a->i == b->i && a->u == b->u && (a->f == b->f || (a->f != a->f && b->f != b->f));
    case SX_COL:
        return strcmp(a->str, b->str) == 0 &&
               (!a->qualifier || !b->qualifier || strcmp(a->qualifier, b->qualifier) == 0);
    case SX_STAR:
        return 1;
    case SX_SUBQUERY:
        return a == b;
    case SX_CALL:
        if (strcasecmp(a->str, b->str) || a->nargs != b->nargs || a->nparams != b->nparams ||
            a->distinct != b->distinct)
            return 0;
        for (uint32_t i = 0; i < a->nargs; i++)
            if (!ast_eq(a->args[i], b->args[i]))
                return 0;
        for (uint32_t i = 0; i < a->nparams; i++)
            if (!ast_eq(a->params[i], b->params[i]))
                return 0;
        return 1;
    }
    return 0;
}

/* ---- literals ---- */

static void lit_value(const struct sql_expr *x, struct val *v)
{
    memset(v, 0, sizeof(*v));
    switch (x->vkind) {
    case SQL_V_NULL: v->ty = (struct ty){TY_NOTHING, 1, 0}; v->is_null = 1; break;
    case SQL_V_BOOL: v->ty = (struct ty){TY_BOOL, 0, 0}; v->v.u = (uint64_t)x->i; break;
    case SQL_V_FLOAT: v->ty = (struct ty){TY_FLOAT64, 0, 0}; v->v.f = x->f; break;
    case SQL_V_UINT: v->ty = (struct ty){TY_UINT64, 0, 0}; v->v.u = x->u; break;
    case SQL_V_INT:
        if (x->i >= 0) {
            uint64_t u = (uint64_t)x->i;
            v->ty.kind = u <= UINT8_MAX ? TY_UINT8 : u <= UINT16_MAX ? TY_UINT16
                       : u <= UINT32_MAX ? TY_UINT32 : TY_UINT64;
            v->v.u = u;
        } else {
            int64_t i = x->i;
            v->ty.kind = i >= INT8_MIN ? TY_INT8 : i >= INT16_MIN ? TY_INT16
                       : i >= INT32_MIN ? TY_INT32 : TY_INT64;
            v->v.i = i;
        }
        break;
    default:
        v->ty = (struct ty){TY_STRING, 0, 0};
        v->v.s.p = x->str;
        v->v.s.n = strlen(x->str);
        break;
    }
}

/* ---- scope ---- */

static int input_col(struct binder *bd, const struct sql_expr *x, int *idx)
{
    if (x->qualifier && !(bd->qual1 && strcmp(x->qualifier, bd->qual1) == 0) &&
        !(bd->qual2 && strcmp(x->qualifier, bd->qual2) == 0))
        return sql_b_fail(bd, x, -EINVAL, "unknown stream or alias '%s' in '%s.%s'", x->qualifier,
                     x->qualifier, x->str);
    for (uint32_t i = 0; i < bd->nin; i++)
        if (strcmp(bd->in_names[i], x->str) == 0) {
            *idx = (int)i;
            return 0;
        }
    *idx = -1;
    return 0;
}

static int unknown_column(struct binder *bd, const struct sql_expr *x)
{
    /* an alias met again while expanding it: a cycle (a AS b, b AS a) */
    for (uint32_t i = 0; bd->depth && bd->sel && !x->qualifier && i < bd->sel->nitems; i++)
        if (bd->alias_busy[i] && bd->sel->items[i].alias &&
            strcmp(bd->sel->items[i].alias, x->str) == 0)
            return sql_b_fail(bd, x, -EINVAL, "cyclic aliases: '%s' refers to itself", x->str);
    const char *hint = sql_closest(x->str, bd->in_names, (int)bd->nin);
    if (!hint && bd->sel) { /* an alias of the select list? */
        const char *al[64];
        int n = 0;
        for (uint32_t i = 0; i < bd->sel->nitems && n < 64; i++)
            if (bd->sel->items[i].alias && strcmp(bd->sel->items[i].alias, x->str) != 0)
                al[n++] = bd->sel->items[i].alias;
        hint = sql_closest(x->str, al, n);
    }
    if (hint)
        return sql_b_fail(bd, x, -EINVAL, "unknown column '%s' in %s, did you mean '%s'?", x->str,
                     bd->in_desc, hint);
    return sql_b_fail(bd, x, -EINVAL, "unknown column '%s' in %s", x->str, bd->in_desc);
}

static int window_col(const struct binder *bd, const struct sql_expr *x);

/* The select item whose alias x names (not while expanding it), or -1. */
static int alias_item(struct binder *bd, const struct sql_expr *x)
{
    if (!bd->sel || x->kind != SX_COL || x->qualifier)
        return -1;
    for (uint32_t i = 0; i < bd->sel->nitems; i++)
        if (bd->sel->items[i].alias && strcmp(bd->sel->items[i].alias, x->str) == 0 &&
            !bd->alias_busy[i])
            return (int)i;
    return -1;
}

/* x with its alias resolved (for matching against group keys). */
const struct sql_expr *sql_b_alias(struct binder *bd, const struct sql_expr *x)
{
    int i = alias_item(bd, x);
    return i >= 0 ? bd->sel->items[i].e : x;
}

/* ---- calls ---- */

static int fold(struct binder *bd, const struct sql_expr *at, struct xpr **x)
{
    if ((*x)->kind == XPR_CONST || !xpr_is_const(*x))
        return 0;
    struct val v;
    char *str;
    int rc = xpr_fold(*x, bd->fctx, &v, &str);
    if (rc) {
        xpr_destroy(*x);
        *x = NULL;
        return sql_b_fail(bd, at, rc, "%s", fn_error(bd->fctx)[0] ? fn_error(bd->fctx) : "cannot evaluate");
    }
    struct xpr *c;
    rc = xpr_const(&v, &c);
    free(str);
    if (rc) {
        xpr_destroy(*x);
        *x = NULL;
        return sql_b_fail(bd, at, rc, "out of memory");
    }
    xpr_destroy(*x);
    *x = c;
    return 0;
}

static int call_named(struct binder *bd, const struct sql_expr *at, const char *name,
                      struct xpr **args, uint32_t n, struct xpr **out)
{
    const struct fn_scalar *f = fn_find(name, strlen(name));
    char err[FN_ERR_MAX];
    int err_arg;
    if (!f) {
        for (uint32_t i = 0; i < n; i++)
            xpr_destroy(args[i]);
        free(args);
        return sql_b_fail(bd, at, -EINVAL, "function '%s' is not available", name);
    }
    if (n < f->min_args || n > f->max_args) {
        for (uint32_t i = 0; i < n; i++)
            xpr_destroy(args[i]);
        free(args);
        if (f->min_args == f->max_args)
            return sql_b_fail(bd, at, -EINVAL, "function %s takes %u argument%s, got %u", f->name,
                         f->min_args, f->min_args == 1 ? "" : "s", n);
        return sql_b_fail(bd, at, -EINVAL, "function %s takes %u to %u arguments, got %u", f->name,
                     f->min_args, f->max_args, n);
    }
    int rc = xpr_call(f, args, n, out, err, &err_arg);
    if (rc) {
        const struct sql_expr *culprit = at;
        if (err_arg >= 0 && at->kind == SX_CALL && (uint32_t)err_arg < at->nargs)
            culprit = at->args[err_arg];
        return sql_b_fail(bd, culprit, rc, "%s", err);
    }
    if ((rc = fold(bd, at, out)))
        return rc;
    if ((*out)->kind == XPR_CALL) { /* run-time errors name this place */
        (*out)->line = at->pos.line;
        (*out)->col_no = at->pos.col;
    }
    return 0;
}

/* x IN (a, b, ...) as or(equals(x, a), ...); NOT IN as and(not_equals ...). */
static int bind_in(struct binder *bd, const struct sql_expr *x, int post, struct xpr **out)
{
    int neg = strcasecmp(x->str, "not_in") == 0;
    struct xpr *acc = NULL;
    int rc;
    if (x->nargs < 2)
        return sql_b_fail(bd, x, -EINVAL, "%s needs a value and at least one value to compare with",
                     x->str);
    if (x->nargs >= 2 && x->args[1]->kind == SX_SUBQUERY)
        return sql_b_fail(bd, x->args[1], -EINVAL, "IN with a subquery is not supported; list the values");
    for (uint32_t i = 1; i < x->nargs; i++) {
        struct xpr **a = calloc(2, sizeof(*a)), *cmp;
        if (!a)
            return xpr_destroy(acc), sql_b_fail(bd, x, -ENOMEM, "out of memory");
        if ((rc = sql_b_expr(bd, x->args[0], post, &a[0])) ||
            (rc = sql_b_expr(bd, x->args[i], post, &a[1]))) {
            xpr_destroy(a[0]);
            free(a);
            xpr_destroy(acc);
            return rc;
        }
        if ((rc = call_named(bd, x->args[i], neg ? "not_equals" : "equals", a, 2, &cmp))) {
            xpr_destroy(acc);
            return rc;
        }
        if (!acc) {
            acc = cmp;
            continue;
        }
        struct xpr **b = calloc(2, sizeof(*b));
        if (!b)
            return xpr_destroy(acc), xpr_destroy(cmp), sql_b_fail(bd, x, -ENOMEM, "out of memory");
        b[0] = acc;
        b[1] = cmp;
        acc = NULL;
        if ((rc = call_named(bd, x, neg ? "and" : "or", b, 2, &acc)))
            return rc;
    }
    *out = acc;
    return 0;
}

/* ---- aggregates ---- */

static int agg_slot(struct binder *bd, const struct sql_expr *x, const struct agg_fn *fn,
                    uint32_t *slot);

static int is_agg_call(const struct sql_expr *x)
{
    return x->kind == SX_CALL && (agg_find(x->str, strlen(x->str)) ||
                                  (x->distinct && strcasecmp(x->str, "count") == 0));
}

/* The first aggregate call inside x, or NULL. */
const struct sql_expr *sql_b_find_agg(const struct sql_expr *x)
{
    if (!x || x->kind != SX_CALL)
        return NULL;
    if (is_agg_call(x))
        return x;
    for (uint32_t i = 0; i < x->nargs; i++) {
        const struct sql_expr *a = sql_b_find_agg(x->args[i]);
        if (a)
            return a;
    }
    return NULL;
}

int sql_b_contains_agg(const struct sql_expr *x)
{
    return sql_b_find_agg(x) != NULL;
}

/* Aggregates whose answer DISTINCT does not change (the first value and the
 * extremes of the distinct values are those of all values). */
static int distinct_is_noop(const char *name)
{
    static const char *const same[] = {"min", "max", "any", "earliest", "count_distinct",
                                       "unique", "unique_exact", "uniq", "uniq_exact"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        if (strcmp(name, same[i]) == 0)
            return 1;
    return 0;
}

static int bind_call(struct binder *bd, const struct sql_expr *x, int post, struct xpr **out)
{
    const struct agg_fn *agg = agg_find(x->str, strlen(x->str));
    int rc;

    if (x->distinct && strcasecmp(x->str, "count") == 0)
        agg = agg_find("count_distinct", 14);
    if (agg) {
        if (bd->in_agg)
            return sql_b_fail(bd, x, -EINVAL,
                         "aggregate function '%s' is found inside another aggregate function",
                         x->str);
        if (!post)
            return sql_b_fail(bd, x, -EINVAL, "aggregate function '%s' is not allowed in %s", x->str,
                         bd->clause);
        uint32_t slot;
        if ((rc = agg_slot(bd, x, agg, &slot)))
            return rc;
        return xpr_col(bd->b->key_base + bd->b->nkeys + slot, bd->b->aggs[slot].bind.ret, out) ? sql_b_fail(bd, x, -ENOMEM, "out of memory") : 0;
    }
    if (x->distinct)
        return sql_b_fail(bd, x, -EINVAL, "DISTINCT is only allowed in aggregate functions, not in '%s'",
                     x->str);
    if (x->nparams)
        return sql_b_fail(bd, x, -EINVAL, "function '%s' takes no parameters", x->str);
    if (strcasecmp(x->str, "in") == 0 || strcasecmp(x->str, "not_in") == 0)
        return bind_in(bd, x, post, out);
    const struct fn_scalar *f = fn_find(x->str, strlen(x->str));
    if (!f) {
        const char *const *names;
        int n;
        const char *hint = fn_names(&names, &n) == 0 ? sql_closest(x->str, names, n) : NULL;
        if (hint)
            return sql_b_fail(bd, x, -EINVAL, "unknown function '%s', did you mean '%s'?", x->str, hint);
        return sql_b_fail(bd, x, -EINVAL, "unknown function '%s'", x->str);
    }
    struct xpr **args = calloc(x->nargs ? x->nargs : 1, sizeof(*args));
    if (!args)
        return sql_b_fail(bd, x, -ENOMEM, "out of memory");
    for (uint32_t i = 0; i < x->nargs; i++) {
        if (x->args[i]->kind == SX_STAR) {
            rc = sql_b_fail(bd, x->args[i], -EINVAL, "'*' is not an argument of %s", x->str);
        } else {
            rc = sql_b_expr(bd, x->args[i], post, &args[i]);
        }
        if (rc) {
            for (uint32_t j = 0; j < i; j++)
                xpr_destroy(args[j]);
            free(args);
            return rc;
        }
    }
    return call_named(bd, x, f->name, args, x->nargs, out);
}

static int agg_slot(struct binder *bd, const struct sql_expr *x, const struct agg_fn *fn,
                    uint32_t *slot)
{
    struct bsel *b = bd->b;
    int rc;

    uint32_t nargs = x->nargs;
    const struct sql_expr *const *argv = (const struct sql_expr *const *)x->args;
    if (nargs == 1 && argv[0]->kind == SX_STAR)
        nargs = 0; /* count(*) */
    struct op_agg_call call;
    memset(&call, 0, sizeof(call));
    call.fn = fn;
    call.bind.err_arg = -1;
    /* parameters: name(params)(args), or trailing constant arguments */
    const struct sql_expr *const *pv = (const struct sql_expr *const *)x->params;
    uint32_t np = x->nparams;
    if (!np && fn->max_params && nargs > fn->min_args) {
        np = nargs - fn->min_args;
        if (np > fn->max_params)
            np = fn->max_params;
        pv = argv + (nargs - np);
        nargs -= np;
    }
    if (np > 8)
        return sql_b_fail(bd, x, -EINVAL, "too many parameters for %s", fn->name);
    for (uint32_t i = 0; i < np; i++) {
        struct xpr *px;
        bd->in_agg = 1;
        rc = sql_bind_const(bd->e, pv[i], bd->fctx, &px, bd->err);
        bd->in_agg = 0;
        if (rc)
            return rc;
        if (px->kind != XPR_CONST) {
            xpr_destroy(px);
            return sql_b_fail(bd, pv[i], -EINVAL, "parameter %u of %s must be a constant", i + 1, fn->name);
        }
        call.bind.params[i] = px->cval;
        /* string parameters point into the AST, which outlives binding */
        if (px->cval.ty.kind == TY_STRING && pv[i]->kind == SX_LIT)
            call.bind.params[i].v.s.p = pv[i]->str;
        xpr_destroy(px);
    }
    call.bind.nparams = np;
    if (nargs < fn->min_args || nargs > fn->max_args) {
        if (fn->min_args == fn->max_args)
            return sql_b_fail(bd, x, -EINVAL, "aggregate function %s takes %u argument%s, got %u",
                         fn->name, fn->min_args, fn->min_args == 1 ? "" : "s", nargs);
        return sql_b_fail(bd, x, -EINVAL, "aggregate function %s takes %u to %u arguments, got %u",
                     fn->name, fn->min_args, fn->max_args, nargs);
    }
    call.args = calloc(nargs ? nargs : 1, sizeof(*call.args));
    if (!call.args)
        return sql_b_fail(bd, x, -ENOMEM, "out of memory");
    bd->in_agg = 1;
    for (uint32_t i = 0; i < nargs; i++) {
        if ((rc = sql_b_expr(bd, argv[i], 0, &call.args[i]))) {
            bd->in_agg = 0;
            goto fail;
        }
        call.nargs++;
        call.bind.arg_ty[i] = call.args[i]->ty;
    }
    bd->in_agg = 0;
    call.bind.nargs = nargs;
    if ((rc = fn->bind(&call.bind))) {
        const struct sql_expr *culprit = x;
        if (call.bind.err_arg >= 0 && (uint32_t)call.bind.err_arg < nargs)
            culprit = argv[call.bind.err_arg];
        rc = sql_b_fail(bd, culprit, -EINVAL, "%s", call.bind.err[0] ? call.bind.err : "invalid arguments");
        goto fail;
    }
    for (uint32_t i = 0; i < nargs; i++) {
        if (call.bind.cast_to[i].kind && !ty_equal(call.bind.cast_to[i], call.args[i]->ty)) {
            struct ty to = call.bind.cast_to[i];
            to.nullable = call.args[i]->ty.nullable;
            if ((rc = xpr_cast(call.args[i], to, &call.args[i]))) {
                call.args[i] = NULL;
                rc = sql_b_fail(bd, argv[i], -EINVAL, "cannot convert argument %u of %s", i + 1, fn->name);
                goto fail;
            }
        }
    }
    call.distinct = x->distinct && !distinct_is_noop(fn->name);
    if (sql_changelog_wanted(b) && (call.distinct || !call.bind.ops.retract)) {
        rc = sql_changelog_refuse(fn->name, call.distinct, &x->pos, bd->err);
        goto fail;
    }
    if (call.distinct) {
        for (uint32_t i = 0; i < nargs; i++) /* the values as add() will see them */
            call.bind.arg_ty[i] = call.args[i]->ty;
        if ((rc = agg_make_distinct(&call.bind))) {
            const struct sql_expr *culprit = x;
            if (call.bind.err_arg >= 0 && (uint32_t)call.bind.err_arg < nargs)
                culprit = argv[call.bind.err_arg];
            rc = sql_b_fail(bd, culprit, rc == -ENOMEM ? -ENOMEM : -EINVAL, "%s",
                       call.bind.err[0] ? call.bind.err : "out of memory");
            goto fail;
        }
    }
    /* identical aggregate calls share one slot */
    for (uint32_t i = 0; i < b->naggs; i++) {
        if (b->aggs[i].fn != fn || b->aggs[i].distinct != call.distinct ||
            b->aggs[i].nargs != call.nargs ||
            b->aggs[i].bind.nparams != call.bind.nparams)
            continue;
        int same = 1;
        for (uint32_t k = 0; k < call.nargs && same; k++)
            same = b->aggs[i].args[k]->kind == XPR_COL && call.args[k]->kind == XPR_COL &&
                   b->aggs[i].args[k]->col == call.args[k]->col;
        for (uint32_t k = 0; k < call.bind.nparams && same; k++)
            same = memcmp(&b->aggs[i].bind.params[k].v, &call.bind.params[k].v,
                          sizeof(call.bind.params[k].v)) == 0 &&
                   call.bind.params[k].ty.kind != TY_STRING;
        if (same) {
            for (uint32_t k = 0; k < call.nargs; k++)
                xpr_destroy(call.args[k]);
            free(call.args);
            if (call.bind.cfg_free)
                call.bind.cfg_free(call.bind.cfg);
            *slot = i;
            return 0;
        }
    }
    struct op_agg_call *na = realloc(b->aggs, (b->naggs + 1) * sizeof(*na));
    if (!na) {
        rc = sql_b_fail(bd, x, -ENOMEM, "out of memory");
        goto fail;
    }
    b->aggs = na;
    b->aggs[b->naggs] = call;
    *slot = b->naggs++;
    return 0;
fail:
    for (uint32_t k = 0; k < call.nargs; k++)
        xpr_destroy(call.args[k]);
    free(call.args);
    if (call.bind.cfg_free)
        call.bind.cfg_free(call.bind.cfg);
    return rc;
}

/* ---- expressions ---- */

int sql_b_expr(struct binder *bd, const struct sql_expr *x, int post, struct xpr **out)
{
    int rc, idx;

    *out = NULL;
    if (post && !bd->in_agg && bd->group) {
        const struct sql_expr *r = sql_b_alias(bd, x);
        for (uint32_t k = 0; k < bd->b->nkeys; k++)
            if (ast_eq(r, bd->group[k]))
                return xpr_col(bd->b->key_base + k, bd->b->keys[k]->ty, out) ? sql_b_fail(bd, x, -ENOMEM, "out of memory") : 0;
    }
    switch (x->kind) {
    case SX_LIT: {
        struct val v;
        lit_value(x, &v);
        return xpr_const(&v, out) ? sql_b_fail(bd, x, -ENOMEM, "out of memory") : 0;
    }
    case SX_STAR:
        return sql_b_fail(bd, x, -EINVAL, "'*' is only allowed in the select list and count(*)");
    case SX_SUBQUERY:
        return sql_b_fail(bd, x, -EINVAL, "scalar subqueries are not supported; use a join or WITH");
    case SX_CALL:
        return bind_call(bd, x, post, out);
    case SX_COL:
        break;
    }
    if (bd->depth > 64)
        return sql_b_fail(bd, x, -EINVAL, "cyclic aliases: '%s' refers to itself", x->str);
    if (bd->sel && !x->qualifier) /* WITH expr AS name */
        for (uint32_t i = 0; i < bd->sel->nwith; i++)
            if (bd->sel->with[i].e && strcmp(bd->sel->with[i].name, x->str) == 0) {
                bd->depth++;
                rc = sql_b_expr(bd, bd->sel->with[i].e, post, out);
                bd->depth--;
                return rc;
            }
    int ai = alias_item(bd, x);
    if (ai >= 0) {
        bd->alias_busy[ai] = 1;
        bd->depth++;
        rc = sql_b_expr(bd, bd->sel->items[ai].e, post, out);
        bd->depth--;
        bd->alias_busy[ai] = 0;
        return rc;
    }
    if ((rc = input_col(bd, x, &idx)))
        return rc;
    int wcol = window_col(bd, x);
    if (idx < 0 && wcol >= 0) {
        if (!post && !bd->in_agg && bd->clause && !strcmp(bd->clause, "WHERE"))
            return sql_b_fail(bd, x, -EINVAL,
                         "%s is only known after windowing: WHERE takes it in conditions on the "
                         "window alone (AND-ed, with constants), not with the row's columns", x->str);
        if (!post || bd->in_agg)
            return sql_b_fail(bd, x, -EINVAL,
                         "%s is only known after windowing: use it in the select list, GROUP BY, "
                         "HAVING or ORDER BY, not in %s", x->str, bd->in_agg ? "an aggregate" : bd->clause);
        struct ty t = bd->b->win_time->ty;
        t.nullable = 0;
        return xpr_col((uint32_t)wcol, t, out) ? sql_b_fail(bd, x, -ENOMEM, "out of memory") : 0;
    }
    if (idx < 0)
        return unknown_column(bd, x);
    if (post && !bd->in_agg)
        return sql_b_fail(bd, x, -EINVAL,
                     "column '%s' is neither in GROUP BY nor inside an aggregate function", x->str);
    bd->used[idx] = 1;
    return xpr_col((uint32_t)idx, bd->in_types[idx], out) ? sql_b_fail(bd, x, -ENOMEM, "out of memory") : 0;
}

/* 0 for window_start, 1 for window_end in a window query, else -1. */
static int window_col(const struct binder *bd, const struct sql_expr *x)
{
    if (!bd->b || !bd->b->windowed || bd->b->win.kind == OP_WIN_GLOBAL || x->kind != SX_COL ||
        x->qualifier)
        return -1;
    if (strcmp(x->str, "window_start") == 0)
        return 0;
    if (strcmp(x->str, "window_end") == 0)
        return 1;
    return -1;
}

/* A condition (WHERE, HAVING) must be boolean; numbers are tested against 0. */
static int bind_cond(struct binder *bd, const struct sql_expr *x, int post, struct xpr **out)
{
    int rc = sql_b_expr(bd, x, post, out);
    if (rc)
        return rc;
    struct ty t = (*out)->ty;
    if (t.kind == TY_BOOL || t.kind == TY_UINT8 || t.kind == TY_NOTHING)
        return 0;
    if (!ty_is_int(t) && !ty_is_float(t)) {
        char name[TY_MAX_NAME];
        ty_name(t, name);
        xpr_destroy(*out);
        *out = NULL;
        return sql_b_fail(bd, x, -EINVAL, "%s condition must be boolean, got %s", bd->clause, name);
    }
    struct xpr **args = calloc(2, sizeof(*args));
    struct val zero = {.ty = {TY_UINT8, 0, 0}};
    if (!args || xpr_const(&zero, &args[1])) {
        free(args);
        return sql_b_fail(bd, x, -ENOMEM, "out of memory");
    }
    args[0] = *out;
    return call_named(bd, x, "not_equals", args, 2, out);
}

/* ---- remapping input columns to the scan's block ---- */

static void remap(struct xpr *x, const int32_t *map)
{
    if (!x)
        return;
    if (x->kind == XPR_COL)
        x->col = (uint32_t)map[x->col];
    for (uint32_t i = 0; i < x->nargs; i++)
        remap(x->args[i], map);
}

/* ---- sources ---- */

static int stream_names(struct engine *e, char ***names, int *n)
{
    uint32_t *ids = NULL, cnt = 0;
    int rc = eng_list(e, &ids, &cnt);
    *names = NULL;
    *n = 0;
    if (rc)
        return rc;
    char **v = calloc(cnt ? cnt : 1, sizeof(*v));
    if (!v) {
        free(ids);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < cnt; i++) {
        struct eng_stream *s;
        if (eng_stream_get_id(e, ids[i], &s) == 0) {
            v[(*n)++] = strdup(s->schema->name);
            eng_stream_put(s);
        }
    }
    free(ids);
    *names = v;
    return 0;
}

int sql_unknown_stream(struct engine *e, struct sql_error *err, const char *name,
                       struct sql_pos pos)
{
    char **names;
    int n;
    const char *hint = NULL;
    if (stream_names(e, &names, &n) == 0)
        hint = sql_closest(name, (const char *const *)names, n);
    int rc = hint ? sql_fail(err, -ENOENT, pos.line, pos.col,
                             "unknown stream '%s', did you mean '%s'?", name, hint)
                  : sql_fail(err, -ENOENT, pos.line, pos.col, "unknown stream '%s'", name);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int unknown_stream(struct binder *bd, const char *name, struct sql_pos pos)
{
    return sql_unknown_stream(bd->e, bd->err, name, pos);
}

static int const_uint(struct binder *bd, const struct sql_expr *x, uint64_t *out)
{
    struct xpr *c;
    int rc = sql_bind_const(bd->e, x, bd->fctx, &c, bd->err);
    if (rc)
        return rc;
    if (c->kind != XPR_CONST || !ty_is_int(c->ty) || c->cval.is_null ||
        (ty_is_signed(c->ty) && c->cval.v.i < 0)) {
        xpr_destroy(c);
        return sql_b_fail(bd, x, -EINVAL, "expected a non-negative integer constant");
    }
    *out = c->cval.v.u;
    xpr_destroy(c);
    return 0;
}

/* The WITH subquery called name visible from select s in scope up, and
 * the scope its own body is bound in; NULL when there is none. */
static const struct sql_with *find_cte(const struct sql_select *s, const struct cte_scope *up,
                                       const char *name, struct cte_scope *body)
{
    struct cte_scope here = {s, s->nwith, up};
    for (const struct cte_scope *sc = &here; sc; sc = sc->up)
        for (uint32_t i = 0; i < sc->n; i++)
            if (sc->sel->with[i].sub && strcmp(sc->sel->with[i].name, name) == 0) {
                *body = (struct cte_scope){sc->sel, i, sc->up};
                return &sc->sel->with[i];
            }
    return NULL;
}

static int bind_select_in(struct engine *e, const struct sql_select *s,
                          const struct cte_scope *scope, struct fn_ctx *fctx, struct bsel **out,
                          struct sql_error *err);


static const char *const tp_sn_name = "_tp_sn";
static const struct ty tp_sn_ty = {TY_UINT64, 0, 0};

static int bind_source(struct binder *bd, const struct sql_select *s)
{
    struct bsel *b = bd->b;
    const struct sql_from *f = s->from;
    static const char *const number_name = "number";
    static const struct ty number_ty = {TY_UINT64, 0, 0};
    int rc;

    if (!f) {
        b->src_kind = BS_ONE;
        snprintf(bd->in_desc, sizeof bd->in_desc, "a query without FROM");
        return 0;
    }
    bd->qual2 = f->alias;
    struct cte_scope body = {s, s->nwith, bd->scope}; /* a FROM subquery sees s's WITH */
    const struct sql_with *cte = f->kind == SF_STREAM ? find_cte(s, bd->scope, f->name, &body)
                                                      : NULL;
    if (f->kind == SF_SUBQUERY || cte) {
        b->src_kind = BS_SUBQUERY;
        bd->sub_sel = cte ? cte->sub : f->sub;
        if ((rc = bind_select_in(bd->e, cte ? cte->sub : f->sub, &body, bd->fctx, &b->sub,
                                 bd->err)))
            return rc;
        bd->nin = b->sub->nout;
        bd->in_names = (const char **)b->sub->names;
        bd->in_types = b->sub->types;
        bd->nvisible = (int)bd->nin;
        bd->qual1 = cte ? f->name : NULL;
        snprintf(bd->in_desc, sizeof bd->in_desc, "%s%s", cte ? "" : "the subquery",
                 cte ? f->name : "");
        return 0;
    }
    if (f->kind == SF_FUNC) {
        if (strcasecmp(f->name, "numbers") != 0) {
            static const char *const fns[] = {"numbers", "table"};
            const char *hint = sql_closest(f->name, fns, 2);
            if (hint)
                return sql_fail(bd->err, -EINVAL, f->name_pos.line, f->name_pos.col,
                                "unknown table function '%s', did you mean '%s'?", f->name, hint);
            return sql_fail(bd->err, -EINVAL, f->name_pos.line, f->name_pos.col,
                            "unknown table function '%s'", f->name);
        }
        if (f->nargs < 1 || f->nargs > 2)
            return sql_fail(bd->err, -EINVAL, f->name_pos.line, f->name_pos.col,
                            "numbers takes 1 or 2 arguments: numbers(N) or numbers(offset, N)");
        b->src_kind = BS_NUMBERS;
        if (f->nargs == 2 && (rc = const_uint(bd, f->args[0], &b->num_offset)))
            return rc;
        if ((rc = const_uint(bd, f->args[f->nargs - 1], &b->num_count)))
            return rc;
        bd->nin = 1;
        bd->in_names = (const char **)&number_name;
        bd->in_types = (struct ty *)&number_ty;
        bd->nvisible = 1;
        bd->qual1 = "numbers";
        snprintf(bd->in_desc, sizeof bd->in_desc, "numbers()");
        return 0;
    }
    /* SF_TABLE (historical) and SF_STREAM (unbounded): the same columns */
    if ((rc = eng_stream_get(bd->e, f->name, &b->stream)))
        return rc == -ENOENT ? unknown_stream(bd, f->name, f->name_pos)
                             : sql_fail(bd->err, rc, f->name_pos.line, f->name_pos.col,
                                        "cannot open stream '%s'", f->name);
    b->src_kind = f->kind == SF_STREAM ? BS_STREAM : BS_TABLE;
    const struct schema *sc = b->stream->schema;
    bd->nin = sc->ncols + 1; /* + _tp_sn */
    bd->in_names = calloc(bd->nin, sizeof(*bd->in_names));
    bd->in_types = calloc(bd->nin, sizeof(*bd->in_types));
    if (!bd->in_names || !bd->in_types)
        return sql_fail(bd->err, -ENOMEM, 1, 1, "out of memory");
    for (uint32_t i = 0; i < sc->ncols; i++) {
        bd->in_names[i] = sc->cols[i].name;
        bd->in_types[i] = sc->cols[i].ty;
    }
    bd->in_names[sc->ncols] = tp_sn_name;
    bd->in_types[sc->ncols] = tp_sn_ty;
    bd->nvisible = (int)sc->ncols; /* * is every column and _tp_time, not _tp_sn */
    if (sc->is_mutable) {          /* nor _tp_delta */
        bd->nvisible--;
        bd->hide = (int)sch_delta_col(sc);
    }
    bd->qual1 = sc->name;
    snprintf(bd->in_desc, sizeof bd->in_desc, "stream %s", sc->name);
    return 0;
}


/* ---- the select ---- */

static int add_proj(struct bsel *b, struct xpr *x)
{
    struct xpr **p = realloc(b->proj, (b->nproj + 1) * sizeof(*p));
    if (!p)
        return -ENOMEM;
    b->proj = p;
    b->proj[b->nproj++] = x;
    return 0;
}

static int add_name(struct binder *bd, const char *name, struct ty ty)
{
    struct bsel *b = bd->b;
    char **n = realloc(b->names, (b->nout + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    b->names = n;
    struct ty *t = realloc(b->types, (b->nout + 1) * sizeof(*t));
    if (!t)
        return -ENOMEM;
    b->types = t;
    if (!(b->names[b->nout] = strdup(name)))
        return -ENOMEM;
    b->types[b->nout++] = ty;
    return 0;
}

/* Position literal (GROUP BY 1, ORDER BY 2): the item index, or -1. */
static int position(struct binder *bd, const struct sql_expr *x, int *idx)
{
    *idx = -1;
    if (x->kind != SX_LIT || x->vkind != SQL_V_INT)
        return 0;
    if (x->i < 1 || (uint64_t)x->i > bd->sel->nitems || bd->sel->items[x->i - 1].e->kind == SX_STAR)
        return sql_b_fail(bd, x, -EINVAL, "position %" PRId64 " is not in the select list (1..%u)", x->i,
                     bd->sel->nitems);
    *idx = (int)x->i - 1;
    return 0;
}

/* The input column that the v-th column of * is. */
static int star_col(const struct binder *bd, int v)
{
    return bd->hide >= 0 && v >= bd->hide ? v + 1 : v;
}

static int bind_items(struct binder *bd, int post)
{
    const struct sql_select *s = bd->sel;
    struct bsel *b = bd->b;
    struct buf name = {0};
    int rc = 0;
    bd->clause = "the select list";
    for (uint32_t i = 0; i < s->nitems && !rc; i++) {
        const struct sql_select_item *it = &s->items[i];
        if (it->e->kind == SX_STAR) {
            if (post) {
                rc = sql_b_fail(bd, it->e, -EINVAL, "'*' cannot be used with GROUP BY or aggregates");
                break;
            }
            if (it->e->qualifier && !(bd->qual1 && strcmp(it->e->qualifier, bd->qual1) == 0) &&
                !(bd->qual2 && strcmp(it->e->qualifier, bd->qual2) == 0)) {
                rc = sql_b_fail(bd, it->e, -EINVAL, "unknown stream or alias '%s'", it->e->qualifier);
                break;
            }
            if (bd->nvisible == 0) {
                rc = sql_b_fail(bd, it->e, -EINVAL, "'*' in a query without FROM");
                break;
            }
            for (int v = 0; v < bd->nvisible && !rc; v++) {
                struct xpr *x;
                int c = star_col(bd, v);
                bd->used[c] = 1;
                if ((rc = xpr_col((uint32_t)c, bd->in_types[c], &x)))
                    break;
                if ((rc = add_proj(b, x))) {
                    xpr_destroy(x);
                    break;
                }
                rc = add_name(bd, bd->in_names[c], bd->in_types[c]);
            }
            if (rc) {
                rc = sql_b_fail(bd, it->e, rc, "out of memory");
                break;
            }
            continue;
        }
        if (it->e->kind == SX_COL && !it->e->qualifier && !strcmp(it->e->str, "_tp_delta") &&
            b->windowed && s->emit.kind == SQL_EMIT_CHANGELOG && !it->alias) {
            if (i + 1 < s->nitems) { /* Proton names it last; add_delta puts it there */
                rc = sql_b_fail(bd, it->e, -EINVAL, "_tp_delta goes last in the select list");
                break;
            }
            continue;
        }
        struct xpr *x;
        bd->alias_busy[i] = 1; /* inside its own definition the alias means the column */
        rc = sql_b_expr(bd, it->e, post, &x);
        bd->alias_busy[i] = 0;
        if (rc)
            break;
        if ((rc = add_proj(b, x))) {
            xpr_destroy(x);
            rc = sql_b_fail(bd, it->e, rc, "out of memory");
            break;
        }
        buf_reset(&name);
        if ((rc = it->alias ? buf_puts(&name, it->alias) : fmt_ast(it->e, &name)) ||
            (rc = buf_cstr(&name)) || (rc = add_name(bd, name.data, x->ty))) {
            rc = sql_b_fail(bd, it->e, rc, "out of memory");
            break;
        }
    }
    buf_free(&name);
    return rc;
}

/* The output column an ORDER BY item names, or -1 (then it is hidden). */
static int order_target(struct binder *bd, const struct sql_expr *x, int *idx)
{
    const struct sql_select *s = bd->sel;
    int rc = position(bd, x, idx), k = 0;
    if (rc || *idx >= 0) {
        if (*idx >= 0) { /* position counts items; * expands to several outputs */
            int out = 0;
            for (int i = 0; i < *idx; i++)
                out += s->items[i].e->kind == SX_STAR ? bd->nvisible : 1;
            *idx = out;
        }
        return rc;
    }
    for (uint32_t i = 0; i < s->nitems; i++) {
        const struct sql_select_item *it = &s->items[i];
        if (it->e->kind == SX_STAR) {
            if (x->kind == SX_COL)
                for (int c = 0; c < bd->nvisible; c++)
                    if (strcmp(bd->in_names[star_col(bd, c)], x->str) == 0 &&
                        alias_item(bd, x) < 0) {
                        *idx = k + c;
                        return 0;
                    }
            k += bd->nvisible;
            continue;
        }
        if ((x->kind == SX_COL && !x->qualifier && it->alias && strcmp(it->alias, x->str) == 0) ||
            ast_eq(x, it->e)) {
            *idx = k;
            return 0;
        }
        k++;
    }
    *idx = -1;
    return 0;
}

static int bind_order(struct binder *bd, int post)
{
    const struct sql_select *s = bd->sel;
    struct bsel *b = bd->b;
    int rc;
    if (!s->norder)
        return 0;
    bd->clause = "ORDER BY";
    if (!(b->order = calloc(s->norder, sizeof(*b->order))))
        return sql_b_fail(bd, NULL, -ENOMEM, "out of memory");
    for (uint32_t i = 0; i < s->norder; i++) {
        const struct sql_order_item *o = &s->order[i];
        int idx;
        if ((rc = order_target(bd, o->e, &idx)))
            return rc;
        if (idx < 0) {
            struct xpr *x;
            if ((rc = sql_b_expr(bd, o->e, post, &x)))
                return rc;
            if ((rc = add_proj(b, x))) {
                xpr_destroy(x);
                return sql_b_fail(bd, o->e, rc, "out of memory");
            }
            idx = (int)b->nproj - 1;
            if (b->distinct)
                return sql_b_fail(bd, o->e, -EINVAL,
                             "with SELECT DISTINCT, ORDER BY expressions must be in the select list");
        }
        b->order[b->norder].col = (uint32_t)idx;
        b->order[b->norder].desc = (uint8_t)o->desc;
        b->order[b->norder].nulls_first = o->nulls_first > 0;
        b->norder++;
    }
    return 0;
}

static int bind_group(struct binder *bd)
{
    const struct sql_select *s = bd->sel;
    struct bsel *b = bd->b;
    int rc;
    /* PARTITION BY keys are constant within their substream's windows:
     * keys too (Proton selects them without GROUP BY) */
    uint32_t nparts = b->windowed ? s->npartition : 0;
    bd->clause = "GROUP BY";
    if (!s->ngroup && !nparts)
        return 0;
    if (!(bd->group = calloc(s->ngroup + nparts, sizeof(*bd->group))) ||
        !(b->keys = calloc(s->ngroup + nparts, sizeof(*b->keys))))
        return sql_b_fail(bd, NULL, -ENOMEM, "out of memory");
    for (uint32_t k = 0; k < s->ngroup; k++) {
        const struct sql_expr *g = s->group[k];
        int idx;
        if ((rc = position(bd, g, &idx)))
            return rc;
        if (idx >= 0)
            g = s->items[idx].e;
        g = sql_b_alias(bd, g);
        if (sql_b_contains_agg(g))
            return sql_b_fail(bd, sql_b_find_agg(g), -EINVAL, "aggregate functions are not allowed in GROUP BY");
        int in_idx = -1;
        if (g->kind == SX_COL && (rc = input_col(bd, g, &in_idx)))
            return rc;
        if (in_idx < 0 && window_col(bd, g) >= 0)
            continue; /* the window is a key of every window query */
        bd->group[b->nkeys] = g;
        if ((rc = sql_b_expr(bd, g, 0, &b->keys[b->nkeys])))
            return rc;
        b->nkeys++;
    }
    bd->clause = "PARTITION BY";
    for (uint32_t i = 0; i < nparts; i++) {
        const struct sql_expr *g = sql_b_alias(bd, s->partition[i]);
        int dup = 0;
        for (uint32_t k = 0; k < b->nkeys && !dup; k++)
            dup = ast_eq(bd->group[k], g);
        if (dup || sql_b_contains_agg(g))
            continue; /* bind_emit refuses the aggregate */
        bd->group[b->nkeys] = g;
        if ((rc = sql_b_expr(bd, g, 0, &b->keys[b->nkeys])))
            return rc;
        b->nkeys++;
    }
    return 0;
}

/* EMIT CHANGELOG: the window operator's _tp_delta (+1 / -1) as the last
 * visible output column, before any hidden ORDER BY column. */
static int add_delta(struct binder *bd)
{
    struct bsel *b = bd->b;
    struct xpr *x;
    const struct ty i8 = {TY_INT8, 0, 0};
    if (xpr_col(b->key_base + b->nkeys + b->naggs, i8, &x))
        return sql_b_fail(bd, NULL, -ENOMEM, "out of memory");
    if (add_proj(b, x)) {
        xpr_destroy(x);
        return sql_b_fail(bd, NULL, -ENOMEM, "out of memory");
    }
    memmove(b->proj + b->nout + 1, b->proj + b->nout, (b->nproj - 1 - b->nout) * sizeof(*b->proj));
    b->proj[b->nout] = x;
    for (uint32_t i = 0; i < b->norder; i++)
        if (b->order[i].col >= b->nout)
            b->order[i].col++;
    return add_name(bd, "_tp_delta", i8) ? sql_b_fail(bd, NULL, -ENOMEM, "out of memory") : 0;
}

/* Whether x uses window_start / window_end (*win) and nothing else of the
 * row: literals and calls over them. */
static int window_only(struct binder *bd, const struct sql_expr *x, int *win)
{
    int idx;
    switch (x->kind) {
    case SX_LIT:
        return 1;
    case SX_COL:
        if (x->qualifier || window_col(bd, x) < 0 || input_col(bd, x, &idx) || idx >= 0)
            return 0;
        *win = 1;
        return 1;
    case SX_CALL:
        if (is_agg_call(x))
            return 0;
        for (uint32_t i = 0; i < x->nargs; i++)
            if (!window_only(bd, x->args[i], win))
                return 0;
        return 1;
    default:
        return 0;
    }
}

/* b->where = b->where AND c */
static int and_into(struct binder *bd, const struct sql_expr *at, struct xpr **acc, struct xpr *c)
{
    if (!*acc) {
        *acc = c;
        return 0;
    }
    struct xpr **a = calloc(2, sizeof(*a));
    if (!a)
        return xpr_destroy(c), sql_b_fail(bd, at, -ENOMEM, "out of memory");
    a[0] = *acc;
    a[1] = c;
    *acc = NULL;
    return call_named(bd, at, "and", a, 2, acc);
}

/* WHERE of a window query: conditions on window_start / window_end alone
 * (Proton filters a row per window it falls in) go with HAVING, where
 * they keep or drop whole windows, the same thing since the window is a
 * key of every group; the rest filter rows. */
static int bind_where(struct binder *bd, const struct sql_expr *x)
{
    int win = 0, rc;
    if (x->kind == SX_CALL && x->nargs == 2 && !strcasecmp(x->str, "and"))
        return (rc = bind_where(bd, x->args[0])) ? rc : bind_where(bd, x->args[1]);
    if (window_only(bd, x, &win) && win) {
        if (bd->nwconds == bd->wcap) {
            uint32_t cap = bd->wcap ? bd->wcap * 2 : 4;
            const struct sql_expr **w = realloc(bd->wconds, cap * sizeof(*w));
            if (!w)
                return sql_b_fail(bd, x, -ENOMEM, "out of memory");
            bd->wconds = w;
            bd->wcap = cap;
        }
        bd->wconds[bd->nwconds++] = x;
        return 0;
    }
    struct xpr *c;
    return (rc = bind_cond(bd, x, 0, &c)) ? rc : and_into(bd, x, &bd->b->where, c);
}

static int bind_select(struct binder *bd)
{
    const struct sql_select *s = bd->sel;
    struct bsel *b = bd->b;
    int rc;

    if ((rc = sql_b_settings(bd, s)) || (rc = bind_source(bd, s)))
        return rc;
    if (bd->nin > MAX_COLS)
        return sql_b_fail(bd, NULL, -E2BIG, "too many columns");
    if (!(bd->used = calloc(bd->nin + 1, 1)) || !(bd->alias_busy = calloc(s->nitems + 1, 1)))
        return sql_b_fail(bd, NULL, -ENOMEM, "out of memory");
    /* one alias, one expression (ClickHouse: "different expressions with the same alias") */
    for (uint32_t i = 1; i < s->nitems; i++)
        for (uint32_t j = 0; s->items[i].alias && j < i; j++)
            if (s->items[j].alias && strcmp(s->items[i].alias, s->items[j].alias) == 0 &&
                !ast_eq(s->items[i].e, s->items[j].e))
                return sql_fail(bd->err, -EINVAL, s->items[i].alias_pos.line,
                                s->items[i].alias_pos.col,
                                "alias '%s' names two different expressions", s->items[i].alias);
    if (s->from && s->from->win && (b->stream || b->src_kind == BS_SUBQUERY) &&
        (rc = sql_b_window(bd, s->from)))
        return rc;
    b->distinct = s->distinct;
    b->has_limit = s->has_limit;
    b->limit = s->limit;
    b->offset = s->offset;
    if (s->where) {
        bd->clause = "WHERE";
        if (sql_b_contains_agg(s->where))
            return sql_b_fail(bd, sql_b_find_agg(s->where), -EINVAL,
                         "aggregate functions are not allowed in WHERE; use HAVING");
        if ((rc = b->windowed ? bind_where(bd, s->where) : bind_cond(bd, s->where, 0, &b->where)))
            return rc;
    }
    b->aggregating = s->ngroup > 0 || s->having != NULL || b->windowed;
    for (uint32_t i = 0; i < s->nitems && !b->aggregating; i++)
        b->aggregating = sql_b_contains_agg(s->items[i].e);
    for (uint32_t i = 0; i < s->norder && !b->aggregating; i++)
        b->aggregating = sql_b_contains_agg(s->order[i].e);
    if (!b->windowed && b->aggregating && b->src_kind == BS_STREAM &&
        (s->emit.given || s->npartition) && (rc = sql_b_global(bd)))
        return rc;
    if ((rc = bind_group(bd)) || (rc = sql_b_streaming(bd)))
        return rc;
    int post = b->aggregating;
    if ((rc = bind_items(bd, post)))
        return rc;
    if (s->having) {
        bd->clause = "HAVING";
        if ((rc = bind_cond(bd, s->having, 1, &b->having)))
            return rc;
    }
    bd->clause = "WHERE";
    for (uint32_t i = 0; i < bd->nwconds; i++) {
        struct xpr *c;
        if ((rc = bind_cond(bd, bd->wconds[i], 1, &c)) || (rc = and_into(bd, bd->wconds[i], &b->having, c)))
            return rc;
    }
    if ((rc = bind_order(bd, post)) || (rc = sql_b_emit(bd)))
        return rc;
    if (b->windowed && b->win.emit == OP_EMIT_CHANGELOG && (rc = add_delta(bd)))
        return rc;
    if (b->aggregating && sql_changelog_wanted(b))
        sql_changelog_mark(b, bd->used);

    /* the scan reads only the used stream columns: renumber input references */
    if (b->src_kind == BS_TABLE || b->src_kind == BS_STREAM) {
        int32_t *map = calloc(bd->nin, sizeof(*map));
        uint32_t *cols = calloc(bd->nin, sizeof(*cols));
        if (!map || !cols) {
            free(map);
            free(cols);
            return sql_b_fail(bd, NULL, -ENOMEM, "out of memory");
        }
        uint32_t sn = bd->nin - 1, k = 0;
        for (uint32_t i = 0; i < sn; i++)
            if (bd->used[i]) {
                map[i] = (int32_t)k;
                cols[k++] = i;
            }
        b->nscan = k;
        b->scan_cols = cols;
        b->with_sn = bd->used[sn];
        map[sn] = (int32_t)k;
        if (b->changelog)
            sql_changelog_map(b, map);
        remap(b->where, map);
        remap(b->win_time, map);
        for (uint32_t i = 0; i < b->nparts; i++)
            remap(b->parts[i], map);
        for (uint32_t i = 0; i < b->nkeys; i++)
            remap(b->keys[i], map);
        for (uint32_t i = 0; i < b->naggs; i++)
            for (uint32_t j = 0; j < b->aggs[i].nargs; j++)
                remap(b->aggs[i].args[j], map);
        if (!b->aggregating)
            for (uint32_t i = 0; i < b->nproj; i++)
                remap(b->proj[i], map);
        free(map);
        if (b->stream->schema->random)
            return sql_bind_random_cols(bd->e, b, bd->err);
    }
    return 0;
}

int sql_bind_select(struct engine *e, const struct sql_select *s, struct fn_ctx *fctx,
                    struct bsel **out, struct sql_error *err)
{
    return bind_select_in(e, s, NULL, fctx, out, err);
}

static int bind_select_in(struct engine *e, const struct sql_select *s,
                          const struct cte_scope *scope, struct fn_ctx *fctx, struct bsel **out,
                          struct sql_error *err)
{
    struct binder bd;
    int rc;
    memset(&bd, 0, sizeof(bd));
    bd.hide = -1;
    bd.scope = scope;
    bd.e = e;
    bd.err = err;
    bd.fctx = fctx;
    bd.sel = s;
    if (!(bd.b = calloc(1, sizeof(*bd.b))))
        return sql_fail(err, -ENOMEM, s->pos.line, s->pos.col, "out of memory");
    rc = bind_select(&bd);
    if (bd.b->src_kind == BS_TABLE || bd.b->src_kind == BS_STREAM) {
        free(bd.in_names);
        free(bd.in_types);
    }
    free(bd.used);
    free(bd.alias_busy);
    free(bd.group);
    free(bd.wconds);
    if (rc) {
        sql_bsel_destroy(bd.b);
        return rc;
    }
    *out = bd.b;
    return 0;
}

int sql_bind_row_expr(struct engine *e, const struct sql_expr *x, const char *const *names,
                      const struct ty *types, uint32_t n, const char *desc, struct fn_ctx *fctx,
                      struct xpr **out, struct sql_error *err)
{
    struct binder bd;
    memset(&bd, 0, sizeof(bd));
    bd.e = e;
    bd.err = err;
    bd.fctx = fctx;
    bd.clause = desc;
    bd.nin = n;
    bd.in_names = (const char **)names;
    bd.in_types = (struct ty *)types;
    bd.nvisible = (int)n;
    snprintf(bd.in_desc, sizeof bd.in_desc, "%s", desc);
    if (sql_b_contains_agg(x))
        return sql_b_fail(&bd, sql_b_find_agg(x), -EINVAL, "aggregate functions are not allowed here");
    if (!(bd.used = calloc(n ? n : 1, 1)))
        return sql_b_fail(&bd, x, -ENOMEM, "out of memory");
    int rc = sql_b_expr(&bd, x, 0, out);
    free(bd.used);
    return rc ? rc : fold(&bd, x, out);
}

int sql_bind_const(struct engine *e, const struct sql_expr *x, struct fn_ctx *fctx,
                   struct xpr **out, struct sql_error *err)
{
    return sql_bind_row_expr(e, x, NULL, NULL, 0, "a constant expression", fctx, out, err);
}

void sql_bsel_destroy(struct bsel *b)
{
    if (!b)
        return;
    if (b->stream)
        eng_stream_put(b->stream);
    for (uint32_t i = 0; b->rand_defs && i < b->rand_ngen; i++)
        xpr_destroy(b->rand_defs[i]);
    free(b->rand_defs);
    free(b->rand_gen);
    free(b->scan_cols);
    sql_bsel_destroy(b->sub);
    xpr_destroy(b->where);
    xpr_destroy(b->win_time);
    for (uint32_t i = 0; i < b->nparts; i++)
        xpr_destroy(b->parts[i]);
    free(b->parts);
    for (uint32_t i = 0; i < b->nkeys; i++)
        xpr_destroy(b->keys[i]);
    free(b->keys);
    for (uint32_t i = 0; i < b->naggs; i++) {
        for (uint32_t j = 0; j < b->aggs[i].nargs; j++)
            xpr_destroy(b->aggs[i].args[j]);
        free(b->aggs[i].args);
        if (b->aggs[i].bind.cfg_free)
            b->aggs[i].bind.cfg_free(b->aggs[i].bind.cfg);
    }
    free(b->aggs);
    xpr_destroy(b->having);
    for (uint32_t i = 0; i < b->nproj; i++)
        xpr_destroy(b->proj[i]);
    free(b->proj);
    for (uint32_t i = 0; i < b->nout; i++)
        free(b->names[i]);
    free(b->names);
    free(b->types);
    free(b->order);
    free(b);
}
