/*
 * op_util.c — what the operators share (exec/op_impl.h).
 *
 * op_gather is the one row copy of the pipeline (WHERE's survivors,
 * LIMIT's last block, DISTINCT's first occurrences): fixed-width columns
 * are copied with one loop per value width, strings by sizing the bytes
 * first and copying each value once.
 *
 * The op_agg_* helpers are the retraction steps the aggregate and window
 * operators share.
 */
#include "exec/op_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ROW(rows, from, k) ((rows) ? (rows)[k] : (from) + (k))

#define GATHER_W(T)                                                                                \
    do {                                                                                           \
        const T *s_ = src->data;                                                                   \
        T *d_ = dst->data;                                                                         \
        for (uint32_t k = 0; k < n; k++)                                                           \
            d_[k] = s_[ROW(rows, from, k)];                                                        \
    } while (0)

static int gather_col(struct col *dst, const struct col *src, const uint32_t *rows, uint32_t from,
                      uint32_t n)
{
    int rc = col_reserve(dst, n ? n : 1);
    if (rc)
        return rc;
    if (src->ty.kind == TY_ARRAY) {
        dst->n = 0;
        col_truncate(dst, 0);
        for (uint32_t k = 0; k < n && !rc; k++) {
            uint32_t r = ROW(rows, from, k);
            rc = col_append_rows(dst, src, r, r + 1);
        }
        return rc;
    }
    if (src->ty.kind == TY_STRING) {
        const uint32_t *off = col_offsets(src);
        size_t total = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = ROW(rows, from, k);
            total += off[r + 1] - off[r];
        }
        if (total > UINT32_MAX)
            return -E2BIG;
        if (total > dst->chars_cap) {
            char *p = realloc(dst->chars, total);
            if (!p)
                return -ENOMEM;
            dst->chars = p;
            dst->chars_cap = total;
        }
        uint32_t *doff = dst->data, at = 0;
        doff[0] = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = ROW(rows, from, k), len = off[r + 1] - off[r];
            if (len)
                memcpy(dst->chars + at, src->chars + off[r], len);
            at += len;
            doff[k + 1] = at;
        }
        dst->chars_len = at;
    } else {
        switch (ty_width(src->ty)) {
        case 1: GATHER_W(uint8_t); break;
        case 2: GATHER_W(uint16_t); break;
        case 4: GATHER_W(uint32_t); break;
        case 8: GATHER_W(uint64_t); break;
        default: return -EINVAL;
        }
    }
    if (dst->nulls) {
        for (uint32_t k = 0; k < n; k++)
            dst->nulls[k] = col_is_null(src, ROW(rows, from, k));
    }
    dst->n = n;
    return 0;
}

int op_gather(const struct blk *in, const uint32_t *rows, uint32_t from, uint32_t n,
              struct blk **out)
{
    struct ty *types = malloc((in->ncols ? in->ncols : 1) * sizeof(*types));
    struct blk *b = NULL;
    int rc = types ? 0 : -ENOMEM;
    for (uint32_t i = 0; i < in->ncols && !rc; i++)
        types[i] = in->cols[i].ty;
    if (!rc)
        rc = blk_create(types, in->ncols, &b);
    for (uint32_t i = 0; i < in->ncols && !rc; i++)
        rc = gather_col(&b->cols[i], &in->cols[i], rows, from, n);
    free(types);
    if (rc) {
        blk_unref(b);
        return rc;
    }
    b->nrows = n;
    *out = b;
    return 0;
}

int op_push_row(struct col *dst, const struct col *src, uint32_t r)
{
    if (src->ty.kind == TY_ARRAY)
        return col_append_rows(dst, src, r, r + 1);
    if (col_is_null(src, r))
        return col_push_null(dst);
    if (src->ty.kind == TY_STRING) {
        size_t len;
        const char *s = col_str(src, r, &len);
        return col_push_str(dst, s, len);
    }
    return col_push_fixed(dst, (const char *)src->data + (size_t)r * ty_width(src->ty));
}

static size_t col_bytes(const struct col *c)
{
    size_t n = (size_t)c->n * (ty_has_offsets(c->ty) ? sizeof(uint32_t) : ty_width(c->ty));
    n += c->nulls ? c->n : 0;
    n += c->chars_len;
    if (c->child)
        n += sizeof(struct col) + col_bytes(c->child);
    return n;
}

size_t op_blk_bytes(const struct blk *b)
{
    size_t n = sizeof(*b) + (size_t)b->ncols * sizeof(struct col);
    for (uint32_t i = 0; i < b->ncols; i++)
        n += col_bytes(&b->cols[i]);
    return n;
}

int op_eval_failed(struct op_ctx *ctx, int rc)
{
    if (!ctx->err[0])
        op_ctx_fail(ctx, rc, "%s", ctx->fn.err[0] ? ctx->fn.err : "expression failed");
    return rc;
}

int op_agg_runs(struct op_agg_call *c, void *const *states, const struct col *const *args,
                const uint32_t *rows, uint32_t n, const struct col *d)
{
    int rc = 0;
    for (uint32_t k = 0, end; k < n && !rc; k = end) {
        int minus = COL_AT(d, int8_t, rows[k]) == -1;
        for (end = k + 1; end < n && (COL_AT(d, int8_t, rows[end]) == -1) == minus; end++)
            ;
        if (minus)
            rc = c->bind.ops.retract(&c->bind, states + k, args, rows + k, end - k);
        else
            rc = c->bind.ops.add(&c->bind, states + k, args, rows + k, end - k);
    }
    return rc;
}

void op_agg_reset(const struct op_agg_call *aggs, uint32_t naggs, const uint32_t *state_off,
                  char *stride, size_t size)
{
    for (uint32_t i = 0; i < naggs; i++)
        if (aggs[i].bind.ops.destroy)
            aggs[i].bind.ops.destroy(&aggs[i].bind, stride + state_off[i]);
    memset(stride, 0, size);
    for (uint32_t i = 0; i < naggs; i++)
        aggs[i].bind.ops.init(&aggs[i].bind, stride + state_off[i]);
}

int op_agg_can_retract(struct op_ctx *ctx, const struct op_agg_call *aggs, uint32_t naggs)
{
    for (uint32_t i = 0; i < naggs; i++)
        if (!aggs[i].bind.ops.retract)
            return op_ctx_fail(ctx, -EINVAL, "%s cannot retract rows",
                               aggs[i].fn ? aggs[i].fn->name : "an aggregate");
    return 0;
}
