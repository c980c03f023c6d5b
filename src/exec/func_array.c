/*
 * func_array.c — array functions (ClickHouse semantics): array(...) and
 * the [a, b] literal, array_element (x[i], 1-based, negative from the
 * end, out of range the element type's default), has, index_of,
 * array_concat, array_sort (ascending, NaN then NULLs last), and the
 * equality of arrays that equals / not_equals use. length / empty / not_empty of arrays live with the string
 * ones (func_str.c): both count offsets.
 *
 * Arrays are never nullable; their elements may be. Kernels build results
 * by pushing elements onto out->child and ending each row with
 * col_arr_end (types/block.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "func_impl.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

/* Element i of a equals element j of b (the same type): NULLs equal each
 * other, as has() and index_of() compare. */
static int elem_eq(const struct col *a, uint32_t i, const struct col *b, uint32_t j)
{
    int na = col_is_null(a, i), nb = col_is_null(b, j);
    if (na || nb)
        return na && nb;
    if (a->ty.kind == TY_NOTHING)
        return 1;
    if (a->ty.kind == TY_STRING) {
        size_t la, lb;
        const char *pa = col_str(a, i, &la), *pb = col_str(b, j, &lb);
        return la == lb && (la == 0 || memcmp(pa, pb, la) == 0);
    }
    if (a->ty.kind == TY_FLOAT64)
        return COL_AT(a, double, i) == COL_AT(b, double, j);
    if (a->ty.kind == TY_FLOAT32)
        return COL_AT(a, float, i) == COL_AT(b, float, j);
    size_t w = ty_width(a->ty);
    return memcmp((const char *)a->data + (size_t)i * w, (const char *)b->data + (size_t)j * w, w) ==
           0;
}

/* Ascending, NaN after the numbers and NULLs last (ClickHouse's arraySort). */
static int elem_cmp2(const struct col *c, uint32_t i, const struct col *d, uint32_t j)
{
    int ni = col_is_null(c, i), nj = col_is_null(d, j);
    if (ni || nj)
        return ni - nj;
    switch (c->ty.kind) {
    case TY_STRING: {
        size_t li, lj;
        const char *pi = col_str(c, i, &li), *pj = col_str(d, j, &lj);
        size_t m = li < lj ? li : lj;
        int r = m ? memcmp(pi, pj, m) : 0;
        return r ? (r > 0) - (r < 0) : (li > lj) - (li < lj);
    }
    case TY_FLOAT32:
    case TY_FLOAT64: {
        double x = c->ty.kind == TY_FLOAT32 ? COL_AT(c, float, i) : COL_AT(c, double, i);
        double y = c->ty.kind == TY_FLOAT32 ? COL_AT(d, float, j) : COL_AT(d, double, j);
        int xn = x != x, yn = y != y;
        if (xn || yn)
            return xn - yn;
        return (x > y) - (x < y);
    }
    default: {
        struct val x, y;
        val_from_col(c, i, &x);
        val_from_col(d, j, &y);
        if (fn_is_unsigned(c->ty))
            return (x.v.u > y.v.u) - (x.v.u < y.v.u);
        return (x.v.i > y.v.i) - (x.v.i < y.v.i);
    }
    }
}

static int elem_cmp(const struct col *c, uint32_t i, uint32_t j)
{
    return elem_cmp2(c, i, c, j);
}

int fn_array_rows_cmp(const struct col *a, const struct col *b, uint32_t r)
{
    uint32_t la, ha, lb, hb;
    col_arr(a, r, &la, &ha);
    col_arr(b, r, &lb, &hb);
    for (; la < ha && lb < hb; la++, lb++) {
        int c = elem_cmp2(a->child, la, b->child, lb);
        if (c)
            return c;
    }
    return (ha - la > hb - lb) - (ha - la < hb - lb);
}

int fn_array_rows_equal(const struct col *a, const struct col *b, uint32_t r)
{
    uint32_t la, ha, lb, hb;
    col_arr(a, r, &la, &ha);
    col_arr(b, r, &lb, &hb);
    if (ha - la != hb - lb)
        return 0;
    for (; la < ha; la++, lb++)
        if (!elem_eq(a->child, la, b->child, lb))
            return 0;
    return 1;
}

static int want_array(struct fn_bind *b, const char *name, uint32_t i)
{
    return b->arg_ty[i].kind == TY_ARRAY ? 0 : fn_bad_arg(b, name, i, "an array");
}

/* ---- array(...) and [...] ---------------------------------------------- */

static int k_array(KERNEL_ARGS)
{
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        for (uint32_t j = 0; j < b->nargs && !rc; j++)
            rc = col_append_rows(out->child, args[j], i, i + 1);
        if (!rc)
            rc = col_arr_end(out);
    }
    return rc;
}

static int bind_array(struct fn_bind *b)
{
    struct ty e = {TY_NOTHING, 1, 0};
    int rc = b->nargs ? fn_bind_common(b, "array", 0, 1, &e) : 0;
    if (rc)
        return rc;
    if (e.kind == TY_ARRAY)
        return fn_bind_fail(b, 0, "array: arrays of arrays are not supported");
    if (e.kind == TY_INTERVAL)
        return fn_bad_arg(b, "array", 0, "a value that is not an interval");
    for (uint32_t i = 0; i < b->nargs; i++)
        b->cast_to[i] = e;
    b->ret = ty_array_of(e);
    b->kernel = k_array;
    return 0;
}

/* ---- array_element(a, i): a[i] ----------------------------------------- */

static int k_array_element(KERNEL_ARGS)
{
    const struct col *a = args[0];
    int rc = 0;
    for (uint32_t r = 0; r < n && !rc; r++) {
        uint32_t lo, hi;
        int64_t k = COL_AT(args[1], int64_t, r);
        col_arr(a, r, &lo, &hi);
        int64_t len = (int64_t)(hi - lo), pos = -1;
        if (!(nulls && nulls[r]) && k > 0 && k <= len)
            pos = (int64_t)lo + k - 1;
        else if (!(nulls && nulls[r]) && k < 0 && -k <= len)
            pos = (int64_t)hi + k;
        if (pos < 0) /* out of range: the default (NULL for nullable elements) */
            rc = col_push_null(out);
        else
            rc = col_append_rows(out, a->child, (uint32_t)pos, (uint32_t)pos + 1);
    }
    return rc;
}

static int bind_array_element(struct fn_bind *b)
{
    int rc = want_array(b, "array_element", 0);
    if (rc)
        return rc;
    if (!ty_is_int(b->arg_ty[1]))
        return fn_bad_arg(b, "array_element", 1, "an integer");
    b->cast_to[1] = fn_ty(TY_INT64);
    b->ret = ty_elem(b->arg_ty[0]);
    if (b->ret.kind == TY_NOTHING)
        b->ret.nullable = 1;
    b->kernel = k_array_element;
    return 0;
}

/* ---- has(a, x), index_of(a, x) ----------------------------------------- */

/* 1-based position of x's row r in a's row r, 0 when absent. */
static uint64_t find(const struct col *a, uint32_t r, const struct col *x)
{
    uint32_t lo, hi;
    col_arr(a, r, &lo, &hi);
    for (uint32_t e = lo; e < hi; e++)
        if (elem_eq(a->child, e, x, r))
            return (uint64_t)(e - lo) + 1;
    return 0;
}

static int k_has(KERNEL_ARGS)
{
    uint8_t *o = out->data;
    for (uint32_t r = 0; r < n; r++)
        o[r] = find(args[0], r, args[1]) != 0;
    fn_fixed_done(out, n);
    return 0;
}

static int k_index_of(KERNEL_ARGS)
{
    uint64_t *o = out->data;
    for (uint32_t r = 0; r < n; r++)
        o[r] = find(args[0], r, args[1]);
    fn_fixed_done(out, n);
    return 0;
}

/* Both sides in the common type of the element and x (NULL x looks for a
 * NULL element: the call handles NULLs itself). */
static int bind_find(struct fn_bind *b, const char *name, struct ty ret, fn_kernel k)
{
    int rc = want_array(b, name, 0);
    if (rc)
        return rc;
    struct ty e = ty_elem(b->arg_ty[0]), c;
    if (b->arg_ty[1].kind == TY_ARRAY || fn_common_type(e, b->arg_ty[1], &c)) {
        char x[TY_MAX_NAME], y[TY_MAX_NAME];
        return fn_bind_fail(b, 1, "%s: cannot look for %s in %s", name,
                            fn_ty_str(b->arg_ty[1], x), fn_ty_str(b->arg_ty[0], y));
    }
    if (c.kind == TY_NOTHING)
        c = (struct ty){TY_UINT8, 1, 0};
    b->cast_to[0] = ty_array_of(c);
    b->cast_to[1] = c;
    b->ret = ret;
    b->kernel = k;
    return 0;
}

static int bind_has(struct fn_bind *b)
{
    return bind_find(b, "has", fn_ty(TY_UINT8), k_has);
}
static int bind_index_of(struct fn_bind *b)
{
    return bind_find(b, "index_of", fn_ty(TY_UINT64), k_index_of);
}

/* ---- array_concat(a, b, ...) ------------------------------------------- */

static int k_array_concat(KERNEL_ARGS)
{
    int rc = 0;
    for (uint32_t r = 0; r < n && !rc; r++) {
        for (uint32_t j = 0; j < b->nargs && !rc; j++) {
            uint32_t lo, hi;
            col_arr(args[j], r, &lo, &hi);
            if (hi > lo)
                rc = col_append_rows(out->child, args[j]->child, lo, hi);
        }
        if (!rc)
            rc = col_arr_end(out);
    }
    return rc;
}

static int bind_array_concat(struct fn_bind *b)
{
    for (uint32_t i = 0; i < b->nargs; i++) {
        int rc = want_array(b, "array_concat", i);
        if (rc)
            return rc;
    }
    struct ty t = b->arg_ty[0];
    for (uint32_t i = 1; i < b->nargs; i++)
        if (fn_common_type(t, b->arg_ty[i], &t)) {
            char x[TY_MAX_NAME], y[TY_MAX_NAME];
            return fn_bind_fail(b, (int)i, "array_concat: no common type for %s and %s",
                                fn_ty_str(b->arg_ty[0], x), fn_ty_str(b->arg_ty[i], y));
        }
    for (uint32_t i = 0; i < b->nargs; i++)
        b->cast_to[i] = t;
    b->ret = t;
    b->kernel = k_array_concat;
    return 0;
}

/* ---- array_sort(a) ------------------------------------------------------ */

/* Stable merge sort of idx[0..n) by the elements they name. */
static void sort_idx(const struct col *c, uint32_t *idx, uint32_t *tmp, uint32_t n)
{
    if (n < 2)
        return;
    uint32_t h = n / 2;
    sort_idx(c, idx, tmp, h);
    sort_idx(c, idx + h, tmp, n - h);
    uint32_t a = 0, b = h, k = 0;
    while (a < h && b < n)
        tmp[k++] = elem_cmp(c, idx[b], idx[a]) < 0 ? idx[b++] : idx[a++];
    while (a < h)
        tmp[k++] = idx[a++];
    while (b < n)
        tmp[k++] = idx[b++];
    memcpy(idx, tmp, (size_t)n * sizeof(*idx));
}

static int k_array_sort(KERNEL_ARGS)
{
    const struct col *a = args[0];
    uint32_t *idx = NULL, *tmp = NULL, cap = 0;
    int rc = 0;
    for (uint32_t r = 0; r < n && !rc; r++) {
        uint32_t lo, hi;
        col_arr(a, r, &lo, &hi);
        if (hi - lo > cap) {
            cap = hi - lo;
            free(idx);
            free(tmp);
            idx = malloc((size_t)cap * sizeof(*idx));
            tmp = malloc((size_t)cap * sizeof(*tmp));
            if (!idx || !tmp) {
                rc = -ENOMEM;
                break;
            }
        }
        for (uint32_t e = lo; e < hi; e++)
            idx[e - lo] = e;
        sort_idx(a->child, idx, tmp, hi - lo);
        for (uint32_t e = 0; e < hi - lo && !rc; e++)
            rc = col_append_rows(out->child, a->child, idx[e], idx[e] + 1);
        if (!rc)
            rc = col_arr_end(out);
    }
    free(idx);
    free(tmp);
    return rc;
}

static int bind_array_sort(struct fn_bind *b)
{
    int rc = want_array(b, "array_sort", 0);
    if (rc)
        return rc;
    b->ret = b->arg_ty[0];
    b->kernel = k_array_sort;
    return 0;
}

const struct fn_scalar fn_array_fns[] = {
    {"array_sort", 1, 1, 0, bind_array_sort},
    {"array", 0, FN_MAX_ARGS, FN_OWN_NULLS, bind_array},
    {"array_element", 2, 2, 0, bind_array_element},
    {"has", 2, 2, FN_OWN_NULLS, bind_has},
    {"index_of", 2, 2, FN_OWN_NULLS, bind_index_of},
    {"array_concat", 1, FN_MAX_ARGS, 0, bind_array_concat},
};
const size_t fn_array_fns_n = sizeof(fn_array_fns) / sizeof(fn_array_fns[0]);
