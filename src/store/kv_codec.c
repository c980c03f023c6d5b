/*
 * kv_codec.c — the byte encodings of a mutable stream's keys and values
 * (store/kv.h): order-preserving keys, compact values, and the decoding
 * of a stored row back into column blocks.
 *
 * Keys must sort in LevelDB's bytewise order exactly as SQL sorts the
 * values, and a key's first columns must be a byte prefix of it, which is
 * what makes a predicate on leading key columns a range scan.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "store/kv.h"
#include "util/err.h"

static uint64_t get_be(const uint8_t *p, size_t w)
{
    uint64_t v = 0;
    for (size_t i = 0; i < w; i++)
        v = v << 8 | p[i];
    return v;
}

/* The kind's value as raw bits (zero-extended) and its width. */
static uint64_t raw_bits(const struct col *c, uint32_t row, size_t w)
{
    uint64_t v = 0;
    const uint8_t *p = (const uint8_t *)c->data + (size_t)row * w;
    switch (w) {
    case 1: v = p[0]; break;
    case 2: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
    case 4: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
    default: memcpy(&v, p, 8); break;
    }
    return v;
}

static int is_signed(uint8_t k)
{
    return k == TY_INT8 || k == TY_INT16 || k == TY_INT32 || k == TY_INT64 || k == TY_DECIMAL ||
           k == TY_DATETIME64;
}

/* The order-preserving bits of a fixed-width value. */
static uint64_t key_bits(uint8_t kind, uint64_t v, size_t w)
{
    uint64_t sign = 1ull << (8 * w - 1);
    if (kind == TY_FLOAT32) {
        float f;
        uint32_t x = (uint32_t)v;
        memcpy(&f, &x, 4);
        if (f == 0)
            x = 0; /* -0 = 0 */
        else if (isnan(f))
            x = 0x7fc00000u;
        return (x & 0x80000000u) ? (uint64_t)(~x) : (uint64_t)(x | 0x80000000u);
    }
    if (kind == TY_FLOAT64) {
        double d;
        memcpy(&d, &v, 8);
        if (d == 0)
            v = 0;
        else if (isnan(d))
            v = 0x7ff8000000000000ull;
        return (v & sign) ? ~v : v | sign;
    }
    return is_signed(kind) ? v ^ sign : v;
}

static uint64_t unkey_bits(uint8_t kind, uint64_t v, size_t w)
{
    uint64_t sign = 1ull << (8 * w - 1);
    if (kind == TY_FLOAT32 || kind == TY_FLOAT64) {
        uint64_t mask = w == 4 ? 0xffffffffull : ~0ull;
        return (v & sign) ? v & ~sign : ~v & mask;
    }
    return is_signed(kind) ? v ^ sign : v;
}

/* Writers into reserved room: one value, returning the end. */

/* Upper bound of one column's encoded bytes over n rows. */
static size_t col_bound(const struct col *c, uint32_t n, int key)
{
    size_t per = 1 + (c->ty.kind == TY_STRING ? (key ? 2 : 10) : ty_width(c->ty));
    return (size_t)n * per + (c->ty.kind == TY_STRING ? c->chars_len * (key ? 2 : 1) : 0);
}

/* The nullable marker, where the column has one; *null when nothing follows. */
static inline uint8_t *put_mark(uint8_t *o, const struct col *c, uint32_t i, int *null)
{
    *null = col_is_null(c, i);
    if (c->ty.nullable)
        *o++ = *null ? 0 : 1;
    return o;
}

static uint8_t *put_key(uint8_t *o, const struct col *c, uint32_t i, size_t w)
{
    int null;
    o = put_mark(o, c, i, &null);
    if (null)
        return o;
    if (c->ty.kind == TY_STRING) {
        size_t n;
        const char *str = col_str(c, i, &n);
        for (size_t k = 0; k < n; k++) {
            *o++ = (uint8_t)str[k];
            if (!str[k])
                *o++ = 0xff;
        }
        *o++ = 0;
        *o++ = 1;
        return o;
    }
    uint64_t v = key_bits(c->ty.kind, raw_bits(c, i, w), w);
    for (size_t k = 0; k < w; k++)
        o[k] = (uint8_t)(v >> (8 * (w - 1 - k)));
    return o + w;
}

static inline uint8_t *put_val(uint8_t *o, const struct col *c, uint32_t i, size_t w)
{
    int null;
    o = put_mark(o, c, i, &null);
    if (null)
        return o;
    if (c->ty.kind == TY_STRING) {
        size_t n;
        const char *str = col_str(c, i, &n);
        uint64_t v = n;
        while (v >= 0x80) {
            *o++ = (uint8_t)(v | 0x80);
            v >>= 7;
        }
        *o++ = (uint8_t)v;
        memcpy(o, str, n);
        return o + n;
    }
    const uint8_t *p = (const uint8_t *)c->data + (size_t)i * w;
    switch (w) { /* constant sizes: no call */
    case 1: *o = *p; break;
    case 2: memcpy(o, p, 2); break;
    case 4: memcpy(o, p, 4); break;
    default: memcpy(o, p, 8); break;
    }
    return o + w;
}

int kv_key_append(struct buf *out, const struct col *c, uint32_t row)
{
    if (c->ty.kind == TY_ARRAY || c->ty.kind == TY_NOTHING)
        return -EINVAL;
    size_t n = 0;
    if (c->ty.kind == TY_STRING)
        col_str(c, row, &n);
    int rc = buf_reserve(out, 3 + 2 * n + 8);
    if (rc)
        return rc;
    uint8_t *o = put_key((uint8_t *)out->data + out->len, c, row, ty_width(c->ty));
    out->len = (size_t)((char *)o - out->data);
    return 0;
}

static int push_bits(struct col *c, uint64_t v, size_t w)
{
    uint8_t b1 = (uint8_t)v;
    uint16_t b2 = (uint16_t)v;
    uint32_t b4 = (uint32_t)v;
    const void *p = w == 1 ? (const void *)&b1 : w == 2 ? (const void *)&b2
                                            : w == 4 ? (const void *)&b4 : (const void *)&v;
    return col_push_fixed(c, p);
}

int kv_key_decode(const uint8_t **p, const uint8_t *end, struct col *c, struct ty ty)
{
    const uint8_t *q = *p;
    if (ty.nullable) {
        if (q >= end || *q > 1)
            return ERR_CORRUPT;
        if (*q++ == 0) {
            *p = q;
            return c ? col_push_null(c) : 0;
        }
    }
    if (ty.kind == TY_STRING) {
        struct buf s = BUF_INIT;
        int rc = 0;
        for (;;) {
            if (end - q < 2) {
                rc = ERR_CORRUPT;
                break;
            }
            if (q[0] == 0 && q[1] == 1) {
                q += 2;
                break;
            }
            if (q[0] == 0 && q[1] != 0xff) {
                rc = ERR_CORRUPT;
                break;
            }
            if (c && (rc = buf_putc(&s, q[0])))
                break;
            q += q[0] == 0 ? 2 : 1;
        }
        if (!rc && c)
            rc = col_push_str(c, s.data ? s.data : "", s.len);
        buf_free(&s);
        if (!rc)
            *p = q;
        return rc;
    }
    size_t w = ty_width(ty);
    if ((size_t)(end - q) < w)
        return ERR_CORRUPT;
    uint64_t v = unkey_bits(ty.kind, get_be(q, w), w);
    *p = q + w;
    return c ? push_bits(c, v, w) : 0;
}

void kv_prefix_succ(uint8_t *p, size_t *n)
{
    while (*n > 0) {
        if (p[*n - 1] != 0xff) {
            p[*n - 1]++;
            return;
        }
        (*n)--;
    }
}

static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return ERR_CORRUPT;
}

int kv_val_append(struct buf *out, const struct col *c, uint32_t row)
{
    if (c->ty.kind == TY_ARRAY)
        return -EINVAL;
    size_t n = 0;
    if (c->ty.kind == TY_STRING)
        col_str(c, row, &n);
    int rc = buf_reserve(out, 1 + 10 + n + 8);
    if (rc)
        return rc;
    uint8_t *o = put_val((uint8_t *)out->data + out->len, c, row, ty_width(c->ty));
    out->len = (size_t)((char *)o - out->data);
    return 0;
}

int kv_val_decode(const uint8_t **p, const uint8_t *end, struct col *c, struct ty ty)
{
    if (ty.nullable) {
        if (*p >= end || **p > 1)
            return ERR_CORRUPT;
        if (*(*p)++ == 0)
            return c ? col_push_null(c) : 0;
    }
    if (ty.kind == TY_STRING) {
        uint64_t n;
        if (get_varint(p, end, &n) || (uint64_t)(end - *p) < n)
            return ERR_CORRUPT;
        const char *s = (const char *)*p;
        *p += n;
        return c ? col_push_str(c, s, n) : 0;
    }
    size_t w = ty_width(ty);
    if ((size_t)(end - *p) < w)
        return ERR_CORRUPT;
    const uint8_t *v = *p;
    *p += w;
    return c ? col_push_fixed(c, v) : 0;
}

int kv_row_key(const struct schema *s, const struct blk *b, uint32_t i, struct buf *out)
{
    int rc = 0;
    for (uint32_t k = 0; k < s->nkey && !rc; k++)
        rc = kv_key_append(out, &b->cols[s->key[k]], i);
    return rc;
}

uint32_t kv_families_for(const struct schema *s, const uint32_t *cols, uint32_t ncols)
{
    uint32_t fams = 0;
    for (uint32_t j = 0; j < ncols; j++) {
        int f = cols[j] < s->ncols ? sch_family_of(s, cols[j]) : -1;
        if (f >= 0)
            fams |= 1u << f;
    }
    return fams;
}

/* Where blk column j comes from: slot[schema column] = j + 1, 0 unread. */
static int fill_values(const struct schema *s, int fam, const uint8_t *v, size_t n,
                       const uint32_t *slot, struct blk *out)
{
    const uint8_t *p = v, *end = v + n;
    for (uint32_t c = 0; c < s->ncols; c++) {
        if (sch_is_key(s, c) || c == sch_delta_col(s) || sch_family_of(s, c) != fam)
            continue;
        int rc = kv_val_decode(&p, end, slot[c] ? &out->cols[slot[c] - 1] : NULL, s->cols[c].ty);
        if (rc)
            return rc;
    }
    return p == end ? 0 : ERR_CORRUPT;
}

int kv_row_decode(const struct schema *s, const uint8_t *key, size_t key_len, const uint8_t *val,
                  size_t val_len, const uint8_t *const *fv, const size_t *fl,
                  const uint32_t *cols, uint32_t ncols, struct blk *out)
{
    uint32_t slot[SCH_MAX_COLS + 1];
    uint32_t fams = kv_families_for(s, cols, ncols);
    int rc;
    memset(slot, 0, sizeof(uint32_t) * (s->ncols + 1));
    for (uint32_t j = 0; j < ncols; j++)
        if (cols[j] < s->ncols)
            slot[cols[j]] = j + 1;
    const uint8_t *p = key, *end = key + key_len;
    for (uint32_t k = 0; k < s->nkey; k++) {
        uint32_t c = s->key[k];
        if ((rc = kv_key_decode(&p, end, slot[c] ? &out->cols[slot[c] - 1] : NULL,
                                s->cols[c].ty)))
            return rc;
    }
    if (p != end)
        return ERR_CORRUPT;
    if ((rc = fill_values(s, -1, val, val_len, slot, out)))
        return rc;
    for (uint32_t f = 0; f < s->nfamily; f++)
        if ((fams & (1u << f)) && (rc = fill_values(s, (int)f, fv[f], fl[f], slot, out)))
            return rc;
    if (slot[sch_delta_col(s)]) {
        int8_t one = 1;
        if ((rc = col_push_fixed(&out->cols[slot[sch_delta_col(s)] - 1], &one)))
            return rc;
    }
    return 0;
}

int kv_encode_row(const struct schema *s, const struct blk *b, uint32_t i, struct buf *key,
                  struct buf *val, int *del)
{
    uint32_t dc = sch_delta_col(s);
    int rc = kv_row_key(s, b, i, key);
    for (uint32_t c = 0; c < s->ncols && !rc; c++)
        if (!sch_is_key(s, c) && c != dc)
            rc = kv_val_append(val, &b->cols[c], i);
    *del = COL_AT(&b->cols[dc], int8_t, i) == -1;
    return rc;
}

int kv_decode_full(const struct schema *s, const uint8_t *key, size_t key_len, const uint8_t *val,
                   size_t val_len, int del, struct blk *out)
{
    const uint8_t *p = key, *end = key + key_len;
    uint32_t dc = sch_delta_col(s);
    int rc;
    for (uint32_t k = 0; k < s->nkey; k++)
        if ((rc = kv_key_decode(&p, end, &out->cols[s->key[k]], s->cols[s->key[k]].ty)))
            return rc;
    if (p != end)
        return ERR_CORRUPT;
    p = val;
    end = val + val_len;
    for (uint32_t c = 0; c < s->ncols; c++) {
        if (sch_is_key(s, c))
            continue;
        if (c == dc) {
            int8_t d = del ? -1 : 1;
            rc = col_push_fixed(&out->cols[c], &d);
        } else {
            rc = kv_val_decode(&p, end, &out->cols[c], s->cols[c].ty);
        }
        if (rc)
            return rc;
    }
    return p == end ? 0 : ERR_CORRUPT;
}

int kv_encode_block(const struct schema *s, const struct blk *b, struct buf *keys, size_t *koff,
                    struct buf *vals, size_t *voff, uint8_t *del)
{
    uint32_t vc[SCH_MAX_COLS], nv = 0, n = b->nrows, dc = sch_delta_col(s);
    size_t kb = 0, vb = 0, vw[SCH_MAX_COLS], kw[SCH_MAX_KEY];
    int rc;
    for (uint32_t c = 0; c < s->ncols; c++) {
        if (c == dc)
            continue;
        if (b->cols[c].ty.kind == TY_ARRAY)
            return -EINVAL;
        if (sch_is_key(s, c)) {
            kb += col_bound(&b->cols[c], n, 1);
        } else {
            vw[nv] = ty_width(b->cols[c].ty);
            vc[nv++] = c;
            vb += col_bound(&b->cols[c], n, 0);
        }
    }
    for (uint32_t k = 0; k < s->nkey; k++)
        kw[k] = ty_width(b->cols[s->key[k]].ty);
    keys->len = vals->len = 0;
    if ((rc = buf_reserve(keys, kb)) || (rc = buf_reserve(vals, vb)))
        return rc;
    uint8_t *ko = (uint8_t *)keys->data, *vo = (uint8_t *)vals->data;
    koff[0] = voff[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < s->nkey; k++)
            ko = put_key(ko, &b->cols[s->key[k]], i, kw[k]);
        for (uint32_t j = 0; j < nv; j++)
            vo = put_val(vo, &b->cols[vc[j]], i, vw[j]);
        koff[i + 1] = (size_t)(ko - (uint8_t *)keys->data);
        voff[i + 1] = (size_t)(vo - (uint8_t *)vals->data);
        del[i] = COL_AT(&b->cols[dc], int8_t, i) == -1;
    }
    keys->len = koff[n];
    vals->len = voff[n];
    return 0;
}

static uint64_t fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

uint64_t kv_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = fmix(h ^ v);
        p += 8;
        n -= 8;
    }
    uint64_t v = 0;
    if (n)
        memcpy(&v, p, n);
    return fmix(h ^ v ^ ((uint64_t)n << 59));
}
