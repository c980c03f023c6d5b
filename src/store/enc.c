/*
 * enc.c — column chunk encodings and min/max statistics (store/enc.h).
 *
 * Encodings are chosen per chunk by what is smaller, so a column that
 * stops being regular (random integers, many distinct strings) falls back
 * to plain bytes without a setting. Decoders check every length against
 * the bytes they were given: parts are read back after crashes, and a
 * damaged chunk must give ERR_CORRUPT, never a read out of bounds.
 */
#include "store/enc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define DICT_MAX 65535u

enum enc_dom enc_domain(struct ty t)
{
    switch (t.kind) {
    case TY_INT8: case TY_INT16: case TY_INT32: case TY_INT64: case TY_DATE:
    case TY_DATETIME: case TY_DATETIME64: case TY_DECIMAL: case TY_INTERVAL:
        return ENC_DOM_I;
    case TY_BOOL: case TY_UINT8: case TY_UINT16: case TY_UINT32: case TY_UINT64:
        return ENC_DOM_U;
    case TY_FLOAT32: case TY_FLOAT64: return ENC_DOM_F;
    case TY_STRING: return ENC_DOM_S;
    default: return ENC_DOM_NONE;
    }
}

/* Value i of an integer-like column as 64 bits (sign- or zero-extended). */
static inline uint64_t load_int(const struct col *c, uint32_t i)
{
    switch (c->ty.kind) {
    case TY_INT8: return (uint64_t)(int64_t)COL_AT(c, int8_t, i);
    case TY_INT16: return (uint64_t)(int64_t)COL_AT(c, int16_t, i);
    case TY_INT32: return (uint64_t)(int64_t)COL_AT(c, int32_t, i);
    case TY_BOOL: case TY_UINT8: return COL_AT(c, uint8_t, i);
    case TY_UINT16: case TY_DATE: return COL_AT(c, uint16_t, i);
    case TY_UINT32: case TY_DATETIME: return COL_AT(c, uint32_t, i);
    default: return COL_AT(c, uint64_t, i);
    }
}

union enc_num enc_num_at(const struct col *c, uint32_t i)
{
    union enc_num v;
    switch (enc_domain(c->ty)) {
    case ENC_DOM_F:
        v.f = c->ty.kind == TY_FLOAT32 ? COL_AT(c, float, i) : COL_AT(c, double, i);
        break;
    default: v.u = load_int(c, i); break;
    }
    return v;
}

static void put_u32(struct buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    memcpy(b->data + b->len, p, 4);
    b->len += 4;
}

static void put_u64(struct buf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static int delta_able(struct ty t)
{
    return (enc_domain(t) == ENC_DOM_I || enc_domain(t) == ENC_DOM_U) && ty_width(t) > 1;
}

/* ---- encoding ---- */

static int encode_delta(const struct col *c, uint32_t from, uint32_t to, struct buf *out,
                        int *done)
{
    uint32_t n = to - from;
    uint64_t first = n ? load_int(c, from) : 0, prev = first;
    int64_t step = INT64_MAX;
    for (uint32_t i = from + 1; i < to; i++) {
        uint64_t v = load_int(c, i);
        int64_t d = (int64_t)(v - prev);
        if (d < step)
            step = d;
        prev = v;
    }
    if (n < 2)
        step = 0;
    uint64_t maxr = 0;
    prev = first;
    for (uint32_t i = from + 1; i < to; i++) {
        uint64_t v = load_int(c, i), r = (v - prev) - (uint64_t)step;
        if (r > maxr)
            maxr = r;
        prev = v;
    }
    uint32_t dw = maxr == 0 ? 0 : maxr <= 0xff ? 1 : maxr <= 0xffff ? 2 : maxr <= 0xffffffffu ? 4 : 8;
    size_t need = 17 + (size_t)(n ? n - 1 : 0) * dw;
    *done = 0;
    if (need >= (size_t)n * ty_width(c->ty))
        return 0; /* plain is smaller */
    int rc = buf_reserve(out, need);
    if (rc)
        return rc;
    out->data[out->len++] = (char)dw;
    put_u64(out, first);
    put_u64(out, (uint64_t)step);
    prev = first;
    for (uint32_t i = from + 1; i < to && dw; i++) {
        uint64_t v = load_int(c, i), r = (v - prev) - (uint64_t)step;
        for (uint32_t k = 0; k < dw; k++)
            out->data[out->len++] = (char)(r >> (8 * k));
        prev = v;
    }
    *done = 1;
    return 0;
}

static uint64_t str_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

struct dict_ent {
    const char *p;
    size_t len;
    uint32_t row, code;
};

static int ent_cmp(const void *a, const void *b)
{
    const struct dict_ent *x = a, *y = b;
    int r = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* Renumber the dictionary (first_row by code) in byte order of its values. */
static int sort_dict(const struct col *c, uint32_t *first_row, uint16_t *codes, uint32_t nd,
                     uint32_t n)
{
    struct dict_ent *e = malloc((nd ? nd : 1) * sizeof(*e));
    uint16_t *rank = malloc((nd ? nd : 1) * sizeof(*rank));
    if (!e || !rank) {
        free(e);
        free(rank);
        return -ENOMEM;
    }
    for (uint32_t d = 0; d < nd; d++) {
        e[d].p = col_str(c, first_row[d], &e[d].len);
        e[d].row = first_row[d];
        e[d].code = d;
    }
    qsort(e, nd, sizeof(*e), ent_cmp);
    for (uint32_t d = 0; d < nd; d++) {
        rank[e[d].code] = (uint16_t)d;
        first_row[d] = e[d].row;
    }
    for (uint32_t i = 0; i < n; i++)
        codes[i] = rank[codes[i]];
    free(e);
    free(rank);
    return 0;
}

/* Dictionary of rows [from, to); *done = 0 when there are too many values. */
static int encode_dict(const struct col *c, uint32_t from, uint32_t to, struct buf *out,
                       int *done)
{
    uint32_t n = to - from, cap = 64, ndict = 0;
    *done = 0;
    if (n < 16)
        return 0;
    while (cap < 2 * (n < DICT_MAX ? n : DICT_MAX))
        cap *= 2;
    uint32_t *slots = malloc(cap * sizeof(*slots));     /* dict index + 1, 0 empty */
    uint32_t *first_row = malloc((n < DICT_MAX ? n : DICT_MAX) * sizeof(*first_row));
    uint16_t *codes = malloc(n * sizeof(*codes));
    int rc = -ENOMEM;
    if (!slots || !first_row || !codes)
        goto out;
    memset(slots, 0, cap * sizeof(*slots));
    rc = 0;
    for (uint32_t r = from; r < to; r++) {
        size_t len;
        const char *p = col_str(c, r, &len);
        uint32_t h = (uint32_t)str_hash(p, len) & (cap - 1);
        for (;;) {
            uint32_t s = slots[h];
            if (!s) {
                if (ndict == DICT_MAX || ndict * 2 > n)
                    goto out; /* too many distinct values: plain */
                first_row[ndict] = r;
                slots[h] = ++ndict;
                codes[r - from] = (uint16_t)(ndict - 1);
                break;
            }
            size_t l2;
            const char *q = col_str(c, first_row[s - 1], &l2);
            if (l2 == len && memcmp(p, q, len) == 0) {
                codes[r - from] = (uint16_t)(s - 1);
                break;
            }
            h = (h + 1) & (cap - 1);
        }
    }
    /* the values in byte order: granules holding the same values get the
     * same dictionary, which lets GROUP BY keep its code map (col.dict) */
    if ((rc = sort_dict(c, first_row, codes, ndict, n)))
        goto out;
    size_t bytes = 0;
    for (uint32_t d = 0; d < ndict; d++) {
        size_t len;
        col_str(c, first_row[d], &len);
        bytes += len;
    }
    uint32_t cw = ndict <= 256 ? 1 : 2;
    if ((rc = buf_reserve(out, 5 + 4 * (size_t)ndict + bytes + (size_t)n * cw)))
        goto out;
    put_u32(out, ndict);
    for (uint32_t d = 0; d < ndict; d++) {
        size_t len;
        col_str(c, first_row[d], &len);
        put_u32(out, (uint32_t)len);
    }
    for (uint32_t d = 0; d < ndict; d++) {
        size_t len;
        const char *p = col_str(c, first_row[d], &len);
        memcpy(out->data + out->len, p, len);
        out->len += len;
    }
    out->data[out->len++] = (char)cw;
    for (uint32_t i = 0; i < n; i++) {
        out->data[out->len++] = (char)codes[i];
        if (cw == 2)
            out->data[out->len++] = (char)(codes[i] >> 8);
    }
    *done = 1;
out:
    free(slots);
    free(first_row);
    free(codes);
    return rc;
}

static int encode_plain_str(const struct col *c, uint32_t from, uint32_t to, struct buf *out)
{
    const uint32_t *off = col_offsets(c);
    size_t bytes = off[to] - off[from];
    int rc = buf_reserve(out, 4 * (size_t)(to - from) + bytes);
    if (rc)
        return rc;
    for (uint32_t r = from; r < to; r++)
        put_u32(out, off[r + 1] - off[r]);
    if (bytes)
        memcpy(out->data + out->len, c->chars + off[from], bytes);
    out->len += bytes;
    return 0;
}

static int encode_array(const struct col *c, uint32_t from, uint32_t to, struct buf *out)
{
    const uint32_t *off = col_offsets(c);
    int rc = buf_reserve(out, 4 * (size_t)(to - from) + 9);
    if (rc)
        return rc;
    for (uint32_t r = from; r < to; r++)
        put_u32(out, off[r + 1] - off[r]);
    uint32_t lo = off[from], hi = off[to];
    size_t at = out->len;
    out->len += 5; /* kind, length: filled below */
    uint8_t kind = ENC_PLAIN;
    if (hi > lo && (rc = enc_encode(c->child, lo, hi, out, &kind)))
        return rc;
    out->data[at] = (char)kind;
    uint32_t len = (uint32_t)(out->len - at - 5);
    uint8_t p[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
    memcpy(out->data + at + 1, p, 4);
    return 0;
}

int enc_encode(const struct col *c, uint32_t from, uint32_t to, struct buf *out, uint8_t *kind)
{
    uint32_t n = to - from;
    int rc, done = 0;
    if (c->nulls && (rc = buf_append(out, c->nulls + from, n)))
        return rc;
    *kind = ENC_PLAIN;
    if (c->ty.kind == TY_ARRAY)
        return encode_array(c, from, to, out);
    if (c->ty.kind == TY_STRING) {
        if ((rc = encode_dict(c, from, to, out, &done)))
            return rc;
        if (done) {
            *kind = ENC_DICT;
            return 0;
        }
        return encode_plain_str(c, from, to, out);
    }
    if (delta_able(c->ty)) {
        if ((rc = encode_delta(c, from, to, out, &done)))
            return rc;
        if (done) {
            *kind = ENC_DELTA;
            return 0;
        }
    }
    size_t w = ty_width(c->ty);
    return buf_append(out, (const char *)c->data + (size_t)from * w, (size_t)n * w);
}

/* ---- decoding ---- */

#define DELTA_LOOP(T, RT)                                                                    \
    do {                                                                                     \
        T *o = (T *)out->data + out->n;                                                      \
        uint64_t v = first;                                                                  \
        o[0] = (T)v;                                                                         \
        for (uint32_t i = 1; i < n; i++) {                                                   \
            RT r;                                                                            \
            memcpy(&r, q + (size_t)(i - 1) * sizeof(RT), sizeof(RT));                         \
            v += step + (uint64_t)r;                                                         \
            o[i] = (T)v;                                                                     \
        }                                                                                    \
    } while (0)

#define DELTA_CONST(T)                                                                       \
    do {                                                                                     \
        T *o = (T *)out->data + out->n;                                                      \
        uint64_t v = first;                                                                  \
        for (uint32_t i = 0; i < n; i++, v += step)                                          \
            o[i] = (T)v;                                                                     \
    } while (0)

#define DELTA_BY_DW(T)                                                                       \
    do {                                                                                     \
        switch (dw) {                                                                        \
        case 0: DELTA_CONST(T); break;                                                       \
        case 1: DELTA_LOOP(T, uint8_t); break;                                               \
        case 2: DELTA_LOOP(T, uint16_t); break;                                              \
        case 4: DELTA_LOOP(T, uint32_t); break;                                              \
        default: DELTA_LOOP(T, uint64_t); break;                                             \
        }                                                                                    \
    } while (0)

static int decode_delta(const uint8_t *p, size_t len, uint32_t n, struct col *out)
{
    if (len < 17)
        return ERR_CORRUPT;
    uint32_t dw = p[0];
    if (dw != 0 && dw != 1 && dw != 2 && dw != 4 && dw != 8)
        return ERR_CORRUPT;
    if (len != 17 + (size_t)(n ? n - 1 : 0) * dw)
        return ERR_CORRUPT;
    uint64_t first = get_u64(p + 1), step = get_u64(p + 9);
    const uint8_t *q = p + 17;
    if (!n)
        return 0;
    switch (ty_width(out->ty)) {
    case 1: DELTA_BY_DW(uint8_t); break;
    case 2: DELTA_BY_DW(uint16_t); break;
    case 4: DELTA_BY_DW(uint32_t); break;
    case 8: DELTA_BY_DW(uint64_t); break;
    default: return ERR_CORRUPT;
    }
    return 0;
}

/* Append n strings whose lengths are at lens (u32 each) and bytes at chars. */
static int put_strings(struct col *out, uint32_t n, const uint8_t *lens, const uint8_t *chars,
                       size_t nchars)
{
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += get_u32(lens + 4 * (size_t)i);
    if (total != nchars)
        return ERR_CORRUPT;
    int rc = col_reserve_chars(out, total);
    if (rc)
        return rc;
    uint32_t *off = (uint32_t *)out->data;
    uint32_t at = (uint32_t)out->chars_len;
    for (uint32_t i = 0; i < n; i++) {
        at += get_u32(lens + 4 * (size_t)i);
        off[out->n + i + 1] = at;
    }
    if (total)
        memcpy(out->chars + out->chars_len, chars, total);
    out->chars_len += total;
    return 0;
}

static int decode_dict(const uint8_t *p, size_t len, uint32_t n, struct col *out)
{
    if (len < 5)
        return ERR_CORRUPT;
    uint32_t nd = get_u32(p);
    if (nd > DICT_MAX || len < 4 + 4 * (size_t)nd + 1)
        return ERR_CORRUPT;
    const uint8_t *lens = p + 4;
    size_t bytes = 0;
    for (uint32_t d = 0; d < nd; d++)
        bytes += get_u32(lens + 4 * (size_t)d);
    size_t at = 4 + 4 * (size_t)nd;
    if (len < at + bytes + 1)
        return ERR_CORRUPT;
    uint32_t cw = p[at + bytes];
    if ((cw != 1 && cw != 2) || len != at + bytes + 1 + (size_t)n * cw)
        return ERR_CORRUPT;
    /* where each value starts, then the rows copied from them */
    uint32_t *start = malloc((nd + 1) * sizeof(*start));
    if (!start)
        return -ENOMEM;
    start[0] = 0;
    for (uint32_t d = 0; d < nd; d++)
        start[d + 1] = start[d] + get_u32(lens + 4 * (size_t)d);
    const char *dict = (const char *)p + at;
    const uint8_t *codes = p + at + bytes + 1;
    size_t total = 0;
    int rc = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t code = cw == 1 ? codes[i] : (uint32_t)codes[2 * i] | (uint32_t)codes[2 * i + 1] << 8;
        if (code >= nd) {
            rc = ERR_CORRUPT;
            goto out;
        }
        total += start[code + 1] - start[code];
    }
    if ((rc = col_reserve_chars(out, total)))
        goto out;
    /* a fresh non-nullable column keeps the codes (col_dcodes: GROUP BY
     * maps codes to groups instead of hashing every value) */
    uint16_t *keep = NULL;
    if (out->n == 0 && !out->nulls && !out->dcodes && n)
        keep = malloc(n * sizeof(*keep));
    uint32_t *off = (uint32_t *)out->data;
    char *dst = out->chars + out->chars_len;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t code = cw == 1 ? codes[i] : (uint32_t)codes[2 * i] | (uint32_t)codes[2 * i + 1] << 8;
        uint32_t l = start[code + 1] - start[code];
        memcpy(dst, dict + start[code], l);
        dst += l;
        out->chars_len += l;
        off[out->n + i + 1] = (uint32_t)out->chars_len;
        if (keep)
            keep[i] = (uint16_t)code;
    }
    if (keep && (out->dict = malloc(at + bytes ? at + bytes : 1))) {
        memcpy(out->dict, p, at + bytes); /* ndict, lengths, values: its identity */
        out->dict_len = at + bytes;
        out->dcodes = keep;
        out->dcodes_n = n; /* enc_decode adds n to out->n after this */
        out->ndict = nd;
    } else
        free(keep);
out:
    free(start);
    return rc;
}

static int decode_array(const uint8_t *p, size_t len, uint32_t n, struct col *out)
{
    if (len < 4 * (size_t)n + 5)
        return ERR_CORRUPT;
    uint64_t elems = 0;
    for (uint32_t i = 0; i < n; i++)
        elems += get_u32(p + 4 * (size_t)i);
    const uint8_t *q = p + 4 * (size_t)n;
    uint8_t kind = q[0];
    uint32_t clen = get_u32(q + 1);
    if (len != 4 * (size_t)n + 5 + clen || elems > UINT32_MAX - 1 - out->child->n)
        return ERR_CORRUPT;
    uint32_t base = out->child->n;
    int rc = elems ? enc_decode(kind, q + 5, clen, (uint32_t)elems, out->child)
                   : (clen ? ERR_CORRUPT : 0);
    if (rc)
        return rc;
    uint32_t *off = (uint32_t *)out->data, at = base;
    for (uint32_t i = 0; i < n; i++) {
        at += get_u32(p + 4 * (size_t)i);
        off[out->n + i + 1] = at;
    }
    return 0;
}

int enc_decode(uint8_t kind, const void *src, size_t len, uint32_t n, struct col *out)
{
    const uint8_t *p = src;
    if (kind >= ENC_END || (uint64_t)out->n + n > UINT32_MAX - 1)
        return ERR_CORRUPT;
    int rc = col_reserve(out, out->n + n);
    if (rc)
        return rc;
    if (out->ty.nullable) {
        if (len < n)
            return ERR_CORRUPT;
        for (uint32_t i = 0; i < n; i++)
            out->nulls[out->n + i] = p[i] != 0;
        p += n;
        len -= n;
    }
    size_t w = ty_width(out->ty);
    switch (out->ty.kind) {
    case TY_ARRAY:
        rc = kind == ENC_PLAIN ? decode_array(p, len, n, out) : ERR_CORRUPT;
        break;
    case TY_STRING:
        if (kind == ENC_DICT)
            rc = decode_dict(p, len, n, out);
        else if (kind == ENC_PLAIN && len >= 4 * (size_t)n)
            rc = put_strings(out, n, p, p + 4 * (size_t)n, len - 4 * (size_t)n);
        else
            rc = ERR_CORRUPT;
        break;
    default:
        if (kind == ENC_DELTA && delta_able(out->ty))
            rc = decode_delta(p, len, n, out);
        else if (kind == ENC_PLAIN && w && len == (size_t)n * w) {
            if (len)
                memcpy((char *)out->data + (size_t)out->n * w, p, len);
        } else
            rc = ERR_CORRUPT;
        break;
    }
    if (rc)
        return rc;
    out->n += n;
    return 0;
}

/* ---- statistics ---- */

static int str_cmp(const char *a, size_t na, const char *b, size_t nb)
{
    int r = memcmp(a, b, na < nb ? na : nb);
    return r ? r : (na > nb) - (na < nb);
}

void enc_stat_compute(const struct col *c, uint32_t from, uint32_t to, struct enc_stat *st)
{
    memset(st, 0, sizeof(*st));
    enum enc_dom dom = enc_domain(c->ty);
    int have = 0, nan = 0;
    const char *smin = NULL, *smax = NULL;
    size_t lmin = 0, lmax = 0;
    for (uint32_t r = from; r < to; r++) {
        if (col_is_null(c, r)) {
            st->flags |= ENC_ST_NULLS;
            continue;
        }
        st->flags |= ENC_ST_VALUES;
        if (dom == ENC_DOM_S) {
            size_t len;
            const char *p = col_str(c, r, &len);
            if (!have || str_cmp(p, len, smin, lmin) < 0)
                smin = p, lmin = len;
            if (!have || str_cmp(p, len, smax, lmax) > 0)
                smax = p, lmax = len;
        } else if (dom == ENC_DOM_F) {
            double v = enc_num_at(c, r).f;
            if (isnan(v)) {
                nan = 1;
                continue;
            }
            if (!have || v < st->min.f)
                st->min.f = v;
            if (!have || v > st->max.f)
                st->max.f = v;
        } else if (dom == ENC_DOM_I) {
            int64_t v = enc_num_at(c, r).i;
            if (!have || v < st->min.i)
                st->min.i = v;
            if (!have || v > st->max.i)
                st->max.i = v;
        } else if (dom == ENC_DOM_U) {
            uint64_t v = enc_num_at(c, r).u;
            if (!have || v < st->min.u)
                st->min.u = v;
            if (!have || v > st->max.u)
                st->max.u = v;
        }
        have = 1;
    }
    if (!have || nan || dom == ENC_DOM_NONE)
        return;
    if (dom == ENC_DOM_S) {
        if (lmin > ENC_STAT_STR || lmax > ENC_STAT_STR)
            return;
        memcpy(st->smin, smin, lmin);
        memcpy(st->smax, smax, lmax);
        st->smin_len = (uint8_t)lmin;
        st->smax_len = (uint8_t)lmax;
    }
    st->flags |= ENC_ST_MINMAX;
}

/* a < b in domain dom (strings: a's smin side against b's) */
static int num_less(enum enc_dom dom, union enc_num a, union enc_num b)
{
    return dom == ENC_DOM_I ? a.i < b.i : dom == ENC_DOM_U ? a.u < b.u : a.f < b.f;
}

void enc_stat_merge(struct enc_stat *a, const struct enc_stat *b, struct ty t)
{
    enum enc_dom dom = enc_domain(t);
    uint8_t both = (a->flags & ENC_ST_MINMAX) && (b->flags & ENC_ST_MINMAX);
    int a_vals = a->flags & ENC_ST_VALUES, b_vals = b->flags & ENC_ST_VALUES;
    uint8_t flags = (a->flags | b->flags) & (ENC_ST_NULLS | ENC_ST_VALUES);
    if (!b_vals) { /* b adds NULLs at most */
        a->flags = (uint8_t)(flags | (a->flags & ENC_ST_MINMAX));
        return;
    }
    if (!a_vals) {
        uint8_t keep = b->flags & ENC_ST_MINMAX;
        *a = *b;
        a->flags = (uint8_t)(flags | keep);
        return;
    }
    a->flags = flags;
    if (!both)
        return;
    if (dom == ENC_DOM_S) {
        if (str_cmp(b->smin, b->smin_len, a->smin, a->smin_len) < 0) {
            memcpy(a->smin, b->smin, b->smin_len);
            a->smin_len = b->smin_len;
        }
        if (str_cmp(b->smax, b->smax_len, a->smax, a->smax_len) > 0) {
            memcpy(a->smax, b->smax, b->smax_len);
            a->smax_len = b->smax_len;
        }
    } else {
        if (num_less(dom, b->min, a->min))
            a->min = b->min;
        if (num_less(dom, a->max, b->max))
            a->max = b->max;
    }
    a->flags |= ENC_ST_MINMAX;
}

int enc_stat_put(const struct enc_stat *st, struct buf *out)
{
    uint8_t p[ENC_STAT_BYTES];
    memset(p, 0, sizeof(p));
    p[0] = st->flags;
    p[1] = st->smin_len;
    p[2] = st->smax_len;
    for (int k = 0; k < 8; k++) {
        p[3 + k] = (uint8_t)(st->min.u >> (8 * k));
        p[11 + k] = (uint8_t)(st->max.u >> (8 * k));
    }
    memcpy(p + 19, st->smin, st->smin_len <= ENC_STAT_STR ? st->smin_len : 0);
    memcpy(p + 19 + ENC_STAT_STR, st->smax, st->smax_len <= ENC_STAT_STR ? st->smax_len : 0);
    return buf_append(out, p, sizeof(p));
}

void enc_stat_get(const void *src, struct enc_stat *st)
{
    const uint8_t *p = src;
    memset(st, 0, sizeof(*st));
    st->flags = p[0];
    st->smin_len = p[1] <= ENC_STAT_STR ? p[1] : 0;
    st->smax_len = p[2] <= ENC_STAT_STR ? p[2] : 0;
    if (p[1] > ENC_STAT_STR || p[2] > ENC_STAT_STR)
        st->flags &= (uint8_t)~ENC_ST_MINMAX; /* damaged: never prune on it */
    st->min.u = get_u64(p + 3);
    st->max.u = get_u64(p + 11);
    memcpy(st->smin, p + 19, st->smin_len);
    memcpy(st->smax, p + 19 + ENC_STAT_STR, st->smax_len);
}

/* Where p's value lies against st's min and max; 0 when it cannot say. */
struct bounds {
    int below_min, eq_min, above_max, eq_max; /* v < min, v == min, v > max, v == max */
};

static int place(const struct enc_stat *st, struct ty t, const struct enc_pred *p, struct bounds *o)
{
    enum enc_dom dom = enc_domain(t);
    int below_min, above_max, eq_min, eq_max;
    if (dom == ENC_DOM_S) {
        int a = str_cmp(p->s, p->slen, st->smin, st->smin_len);
        int b = str_cmp(p->s, p->slen, st->smax, st->smax_len);
        below_min = a < 0, eq_min = a == 0, above_max = b > 0, eq_max = b == 0;
    } else if (dom == ENC_DOM_F) {
        if (isnan(p->num.f))
            return 0;
        below_min = p->num.f < st->min.f, eq_min = p->num.f == st->min.f;
        above_max = p->num.f > st->max.f, eq_max = p->num.f == st->max.f;
    } else if (dom == ENC_DOM_I) {
        below_min = p->num.i < st->min.i, eq_min = p->num.i == st->min.i;
        above_max = p->num.i > st->max.i, eq_max = p->num.i == st->max.i;
    } else if (dom == ENC_DOM_U) {
        below_min = p->num.u < st->min.u, eq_min = p->num.u == st->min.u;
        above_max = p->num.u > st->max.u, eq_max = p->num.u == st->max.u;
    } else
        return 0;
    *o = (struct bounds){below_min, eq_min, above_max, eq_max};
    return 1;
}

int enc_stat_may_match(const struct enc_stat *st, struct ty t, const struct enc_pred *p)
{
    struct bounds b;
    if (!(st->flags & ENC_ST_VALUES))
        return 0; /* only NULLs: no comparison is true */
    if (!(st->flags & ENC_ST_MINMAX) || !place(st, t, p, &b))
        return 1;
    int below_min = b.below_min, eq_min = b.eq_min, above_max = b.above_max, eq_max = b.eq_max;
    switch (p->op) {
    case ENC_EQ: return !below_min && !above_max;
    case ENC_LT: return !below_min && !eq_min;  /* some x < v: min < v */
    case ENC_LE: return !below_min;             /* min <= v */
    case ENC_GT: return !above_max && !eq_max;  /* max > v */
    case ENC_GE: return !above_max;             /* max >= v */
    }
    return 1;
}

int enc_stat_all_match(const struct enc_stat *st, struct ty t, const struct enc_pred *p)
{
    struct bounds b;
    if ((st->flags & ENC_ST_NULLS) || !(st->flags & ENC_ST_VALUES) ||
        !(st->flags & ENC_ST_MINMAX) || !place(st, t, p, &b))
        return 0;
    switch (p->op) {
    case ENC_EQ: return b.eq_min && b.eq_max;    /* min == v == max */
    case ENC_LT: return b.above_max;             /* max < v */
    case ENC_LE: return b.above_max || b.eq_max; /* max <= v */
    case ENC_GT: return b.below_min;             /* min > v */
    case ENC_GE: return b.below_min || b.eq_min; /* min >= v */
    }
    return 0;
}
