/*
 * agg_util.c — what the aggregate functions share (exec/agg_impl.h):
 * held single values of any type, the memory account of a binding's
 * states, bounds-checked reading of serialized states, and the small
 * pieces of binding every aggregate repeats (errors, parameters, the
 * ClickHouse rules for NULL arguments).
 */
#include "exec/agg_impl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/value.h"
#include "util/err.h"

int agg_cfg_new(struct agg_bind *b, size_t size)
{
    void *c = calloc(1, size < sizeof(struct agg_cfg) ? sizeof(struct agg_cfg) : size);
    if (!c)
        return -ENOMEM;
    b->cfg = c;
    b->cfg_free = free;
    b->flags |= AGG_HELD;
    return 0;
}

int64_t agg_held(const struct agg_bind *b)
{
    return (b->flags & AGG_HELD) && b->cfg ? ((const struct agg_cfg *)b->cfg)->held : 0;
}

int agg_cls(struct ty t)
{
    switch (t.kind) {
    case TY_BOOL:
    case TY_UINT8:
    case TY_UINT16:
    case TY_UINT32:
    case TY_UINT64: return AGG_U;
    case TY_INT8:
    case TY_INT16:
    case TY_INT32:
    case TY_INT64:
    case TY_DATETIME:
    case TY_DATETIME64:
    case TY_DECIMAL: /* int64 scaled: min, max, order as integers */
    case TY_DATE: return AGG_I;
    case TY_FLOAT32:
    case TY_FLOAT64: return AGG_F;
    case TY_STRING: return AGG_S;
    default: return AGG_NONE;
    }
}

void agg_val_get(int cls, const struct col *c, uint32_t r, struct agg_val *out)
{
    struct val v;
    out->set = 1;
    out->n = 0;
    if (cls == AGG_S) {
        size_t n;
        out->v.s = (char *)col_str(c, r, &n);
        out->n = (uint32_t)n;
        return;
    }
    val_from_col(c, r, &v);
    if (cls == AGG_F)
        out->v.f = v.v.f;
    else
        out->v.u = v.v.u; /* i and u share the bits */
}

int agg_val_cmp(int cls, const struct agg_val *a, const struct agg_val *b, int nan)
{
    switch (cls) {
    case AGG_I: return (a->v.i > b->v.i) - (a->v.i < b->v.i);
    case AGG_U: return (a->v.u > b->v.u) - (a->v.u < b->v.u);
    case AGG_F: {
        int na = isnan(a->v.f), nb = isnan(b->v.f);
        if (na || nb)
            return (na - nb) * (nan < 0 ? -1 : 1);
        return (a->v.f > b->v.f) - (a->v.f < b->v.f);
    }
    case AGG_S: {
        uint32_t m = a->n < b->n ? a->n : b->n;
        int c = m ? memcmp(a->v.s, b->v.s, m) : 0;
        return c ? (c > 0) - (c < 0) : (a->n > b->n) - (a->n < b->n);
    }
    }
    return 0;
}

int agg_val_store(const struct agg_bind *b, int cls, struct agg_val *dst, const struct agg_val *src)
{
    if (cls != AGG_S) {
        *dst = *src;
        dst->set = 1;
        return 0;
    }
    if (dst->set && dst->v.s == src->v.s)
        return 0;
    /* strings: exactly their bytes (one byte for the empty string) */
    size_t want = src->n ? src->n : 1, had = dst->set ? (dst->n ? dst->n : 1) : 0;
    char *p = dst->set ? dst->v.s : NULL;
    if (want != had) {
        char *q = realloc(p, want);
        if (!q)
            return -ENOMEM;
        agg_hold(b, (int64_t)want - (int64_t)had);
        p = q;
    }
    if (src->n)
        memcpy(p, src->v.s, src->n);
    dst->v.s = p;
    dst->n = src->n;
    dst->set = 1;
    return 0;
}

void agg_val_free(const struct agg_bind *b, int cls, struct agg_val *v)
{
    if (cls == AGG_S && v->set) {
        agg_hold(b, -(int64_t)(v->n ? v->n : 1));
        free(v->v.s);
    }
    memset(v, 0, sizeof(*v));
}

int agg_val_push(int cls, const struct agg_val *v, struct col *out)
{
    if (!v->set) {
        uint64_t zero = 0; /* the type's default value, never NULL */
        return out->ty.kind == TY_STRING ? col_push_str(out, "", 0) : col_push_fixed(out, &zero);
    }
    if (cls == AGG_S)
        return col_push_str(out, v->v.s, v->n);
    struct val x = {.ty = out->ty};
    if (cls == AGG_F)
        x.v.f = v->v.f;
    else
        x.v.u = v->v.u;
    x.ty.nullable = 0;
    return val_push(&x, out);
}

int agg_val_save(int cls, const struct agg_val *v, struct buf *out)
{
    int rc = buf_append(out, &v->set, 1);
    if (rc || !v->set)
        return rc;
    if (cls != AGG_S)
        return buf_append(out, &v->v.u, 8);
    if (!(rc = buf_append(out, &v->n, 4)))
        rc = buf_append(out, v->v.s, v->n);
    return rc;
}

int agg_rd_take(struct agg_rd *rd, void *dst, size_t n)
{
    if (rd->n < n)
        return ERR_CORRUPT;
    if (n)
        memcpy(dst, rd->p, n);
    rd->p += n;
    rd->n -= n;
    return 0;
}

int agg_rd_end(const struct agg_rd *rd)
{
    return rd->n ? ERR_CORRUPT : 0;
}

int agg_val_load(const struct agg_bind *b, int cls, struct agg_val *v, struct agg_rd *rd)
{
    struct agg_val x = {.set = 0};
    int rc = agg_rd_take(rd, &x.set, 1);
    if (rc || !x.set)
        return rc ? rc : x.set > 1 ? ERR_CORRUPT : 0;
    if (x.set > 1)
        return ERR_CORRUPT;
    if (cls != AGG_S) {
        if ((rc = agg_rd_take(rd, &x.v.u, 8)))
            return rc;
        *v = x;
        return 0;
    }
    if ((rc = agg_rd_take(rd, &x.n, 4)) || rd->n < x.n)
        return rc ? rc : ERR_CORRUPT;
    x.v.s = (char *)rd->p;
    rd->p += x.n;
    rd->n -= x.n;
    return agg_val_store(b, cls, v, &x);
}

int agg_save_raw(const struct agg_bind *b, const void *state, struct buf *out)
{
    return buf_append(out, state, b->ops.state_size);
}

int agg_load_raw(const struct agg_bind *b, void *state, const void *p, size_t n)
{
    if (n != b->ops.state_size)
        return ERR_CORRUPT;
    memcpy(state, p, n);
    return 0;
}

int agg_bind_fail(struct agg_bind *b, int arg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof(b->err), fmt, ap);
    va_end(ap);
    b->err_arg = arg;
    return -EINVAL;
}

static void null_init(const struct agg_bind *b, void *state)
{
    (void)b;
    memset(state, 0, 8);
}

static int null_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                    const uint32_t *rows, uint32_t n)
{
    (void)b, (void)states, (void)args, (void)rows, (void)n;
    return 0;
}

static int null_merge(const struct agg_bind *b, void *dst, const void *src)
{
    (void)b, (void)dst, (void)src;
    return 0;
}

static int null_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    (void)b, (void)state;
    return col_push_null(out);
}

static int null_save(const struct agg_bind *b, const void *state, struct buf *out)
{
    (void)b, (void)state, (void)out;
    return 0;
}

static int null_load(const struct agg_bind *b, void *state, const void *p, size_t n)
{
    (void)b, (void)state, (void)p;
    return n ? ERR_CORRUPT : 0;
}

int agg_bind_null(struct agg_bind *b)
{
    uint32_t i = 0;
    while (i < b->nargs && b->arg_ty[i].kind != TY_NOTHING)
        i++;
    if (i == b->nargs)
        return 0;
    b->ret = (struct ty){TY_NOTHING, 1, 0};
    b->ops = (struct agg_ops){8, null_init, null_add, null_merge, null_finalize, NULL,
                              null_save, null_load};
    return 1;
}

void agg_ret(struct agg_bind *b, struct ty t)
{
    t.nullable = 0;
    for (uint32_t i = 0; i < b->nargs; i++)
        t.nullable |= b->arg_ty[i].nullable;
    b->ret = t;
}

static int param_num(struct agg_bind *b, uint32_t i, const char *what, struct val *v)
{
    if (i >= b->nparams)
        return agg_bind_fail(b, -1, "missing %s", what);
    *v = b->params[i];
    int cls = agg_cls(v->ty);
    if (v->is_null || (cls != AGG_I && cls != AGG_U && cls != AGG_F) ||
        v->ty.kind == TY_DATETIME || v->ty.kind == TY_DATETIME64 || v->ty.kind == TY_DATE ||
        v->ty.kind == TY_DECIMAL)
        return agg_bind_fail(b, (int)(b->nargs + i), "%s must be a number", what);
    return cls;
}

int agg_param_f64(struct agg_bind *b, uint32_t i, const char *what, double *out)
{
    struct val v;
    int cls = param_num(b, i, what, &v);
    if (cls < 0)
        return cls;
    *out = cls == AGG_F ? v.v.f : cls == AGG_I ? (double)v.v.i : (double)v.v.u;
    return 0;
}

int agg_param_u64(struct agg_bind *b, uint32_t i, const char *what, uint64_t *out)
{
    struct val v;
    int cls = param_num(b, i, what, &v);
    if (cls < 0)
        return cls;
    if (cls == AGG_F || (cls == AGG_I && v.v.i < 0))
        return agg_bind_fail(b, (int)(b->nargs + i), "%s must be a non-negative integer", what);
    *out = v.v.u;
    return 0;
}
