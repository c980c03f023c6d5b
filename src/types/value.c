/*
 * value.c — single SQL values in and out of columns (types/value.h).
 *
 * Literals, folded constants and settings are values; operators meet them
 * when a constant must become a column (one value per row) or a column's
 * row must become a value (a hash key, a folded result).
 */
#include "types/value.h"

#include <errno.h>
#include <string.h>

int val_push(const struct val *v, struct col *c)
{
    if (v->is_null || v->ty.kind == TY_NOTHING)
        return col_push_null(c);
    union {
        int8_t i8; int16_t i16; int32_t i32; int64_t i64;
        uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64;
        float f32; double f64;
    } x;
    switch (c->ty.kind) {
    case TY_ARRAY: {
        int rc = col_reserve(c, c->n + 1);
        if (!rc && v->ty.kind == TY_ARRAY && v->v.a.c && v->v.a.hi > v->v.a.lo)
            rc = col_append_rows(c->child, v->v.a.c, v->v.a.lo, v->v.a.hi);
        return rc ? rc : col_arr_end(c);
    }
    case TY_STRING: return col_push_str(c, v->v.s.p ? v->v.s.p : "", v->v.s.n);
    case TY_BOOL:
    case TY_UINT8: x.u8 = (uint8_t)v->v.u; break;
    case TY_UINT16: x.u16 = (uint16_t)v->v.u; break;
    case TY_UINT32: x.u32 = (uint32_t)v->v.u; break;
    case TY_UINT64: x.u64 = v->v.u; break;
    case TY_INT8: x.i8 = (int8_t)v->v.i; break;
    case TY_INT16: x.i16 = (int16_t)v->v.i; break;
    case TY_INT32: x.i32 = (int32_t)v->v.i; break;
    case TY_INT64:
    case TY_INTERVAL:
    case TY_DECIMAL:
    case TY_DATETIME64: x.i64 = v->v.i; break;
    case TY_DATETIME: x.u32 = (uint32_t)v->v.i; break;
    case TY_DATE: x.u16 = (uint16_t)v->v.i; break;
    case TY_FLOAT32: x.f32 = (float)v->v.f; break;
    case TY_FLOAT64: x.f64 = v->v.f; break;
    case TY_NOTHING: return col_push_null(c);
    default: return -EINVAL;
    }
    return col_push_fixed(c, &x);
}

void val_from_col(const struct col *c, uint32_t i, struct val *out)
{
    memset(out, 0, sizeof(*out));
    out->ty = c->ty;
    if (col_is_null(c, i) || c->ty.kind == TY_NOTHING) {
        out->is_null = 1;
        return;
    }
    switch (c->ty.kind) {
    case TY_ARRAY:
        col_arr(c, i, &out->v.a.lo, &out->v.a.hi);
        out->v.a.c = c->child;
        break;
    case TY_STRING: out->v.s.p = col_str(c, i, &out->v.s.n); break;
    case TY_BOOL:
    case TY_UINT8: out->v.u = COL_AT(c, uint8_t, i); break;
    case TY_UINT16: out->v.u = COL_AT(c, uint16_t, i); break;
    case TY_UINT32: out->v.u = COL_AT(c, uint32_t, i); break;
    case TY_UINT64: out->v.u = COL_AT(c, uint64_t, i); break;
    case TY_INT8: out->v.i = COL_AT(c, int8_t, i); break;
    case TY_INT16: out->v.i = COL_AT(c, int16_t, i); break;
    case TY_INT32: out->v.i = COL_AT(c, int32_t, i); break;
    case TY_INT64:
    case TY_INTERVAL:
    case TY_DECIMAL:
    case TY_DATETIME64: out->v.i = COL_AT(c, int64_t, i); break;
    case TY_DATETIME: out->v.i = COL_AT(c, uint32_t, i); break;
    case TY_DATE: out->v.i = COL_AT(c, uint16_t, i); break;
    case TY_FLOAT32: out->v.f = COL_AT(c, float, i); break;
    case TY_FLOAT64: out->v.f = COL_AT(c, double, i); break;
    default: break;
    }
}
