/*
 * block.c — column blocks: building, sharing, serializing (types/block.h).
 *
 * Builders push values column by column; a half-built row is rolled back
 * with blk_truncate. Capacity is kept across blk_clear so the ingest path
 * reuses its buffers instead of touching fresh memory for every write.
 */
#include "types/block.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static size_t slot_width(const struct col *c)
{
    return ty_has_offsets(c->ty) ? sizeof(uint32_t) : ty_width(c->ty);
}

int blk_create(const struct ty *types, uint32_t ncols, struct blk **out)
{
    struct blk *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->cols = calloc(ncols ? ncols : 1, sizeof(struct col));
    if (!b->cols) {
        free(b);
        return -ENOMEM;
    }
    b->ncols = ncols;
    for (uint32_t i = 0; i < ncols; i++)
        b->cols[i].ty = types[i];
    atomic_init(&b->refs, 1);
    *out = b;
    return 0;
}

void blk_ref(struct blk *b)
{
    atomic_fetch_add(&b->refs, 1);
}

void blk_unref(struct blk *b)
{
    if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    for (uint32_t i = 0; i < b->ncols; i++)
        col_release(&b->cols[i]);
    blk_unref(b->base);
    free(b->wends);
    free(b->cols);
    free(b);
}

int blk_end_write(struct blk *b)
{
    if (!b->nrows || (b->nwends && b->wends[b->nwends - 1] >= b->nrows))
        return 0;
    if (b->nwends == b->wcap) {
        uint32_t cap = b->wcap ? b->wcap * 2 : 8;
        uint32_t *w = realloc(b->wends, cap * sizeof(*w));
        if (!w)
            return -ENOMEM;
        b->wends = w;
        b->wcap = cap;
    }
    b->wends[b->nwends++] = b->nrows;
    return 0;
}

int blk_keep_write_ends(struct blk *dst, const struct blk *src, const uint32_t *rows, uint32_t n)
{
    uint32_t k = 0, saved = dst->nrows;
    int rc = 0;
    for (uint32_t i = 0; i < src->nwends && !rc; i++) {
        while (k < n && (rows ? rows[k] : k) < src->wends[i])
            k++;
        dst->nrows = k; /* blk_end_write marks the rows so far */
        rc = blk_end_write(dst);
    }
    dst->nrows = saved;
    return rc;
}

void col_release(struct col *c)
{
    if (!c->borrowed) {
        free(c->data);
        free(c->nulls);
        free(c->chars);
        free(c->dcodes);
        free(c->dict);
        col_delete(c->child);
    }
    struct ty ty = c->ty;
    memset(c, 0, sizeof(*c));
    c->ty = ty;
}

int col_new(struct ty ty, struct col **out)
{
    struct col *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->ty = ty;
    *out = c;
    return 0;
}

void col_delete(struct col *c)
{
    if (!c)
        return;
    col_release(c);
    free(c);
}

void blk_adopt_col(struct blk *b, uint32_t i, struct col *c)
{
    col_release(&b->cols[i]);
    b->cols[i] = *c;
    memset(c, 0, sizeof(*c));
    c->ty = b->cols[i].ty;
}

int blk_borrow_col(struct blk *b, uint32_t i, struct blk *src, uint32_t j)
{
    if (b->base && b->base != src)
        return -EINVAL;
    if (!b->base) {
        blk_ref(src);
        b->base = src;
    }
    col_release(&b->cols[i]);
    b->cols[i] = src->cols[j];
    b->cols[i].borrowed = 1;
    return 0;
}

void blk_clear(struct blk *b)
{
    for (uint32_t i = 0; i < b->ncols; i++)
        col_truncate(&b->cols[i], 0);
    b->nrows = 0;
    b->nwends = 0;
}

int blk_seal(struct blk *b)
{
    if (b->ncols == 0) /* rows without columns (count()): nrows is set by hand */
        return 0;
    uint32_t n = b->cols[0].n;
    for (uint32_t i = 1; i < b->ncols; i++)
        if (b->cols[i].n != n)
            return -EINVAL;
    b->nrows = n;
    return 0;
}

void blk_truncate(struct blk *b, uint32_t n)
{
    for (uint32_t i = 0; i < b->ncols; i++)
        col_truncate(&b->cols[i], n < b->cols[i].n ? n : b->cols[i].n);
    if (b->nrows > n)
        b->nrows = n;
    while (b->nwends && b->wends[b->nwends - 1] > n)
        b->nwends--;
}

int col_reserve(struct col *c, uint32_t rows)
{
    /* strings keep n+1 offsets */
    uint32_t need = ty_has_offsets(c->ty) ? rows + 1 : rows;
    if (need <= c->cap && c->data)
        return 0;
    if (c->ty.kind == TY_ARRAY && !c->child) {
        struct ty e = ty_elem(c->ty);
        if (e.kind == TY_ARRAY || e.kind < TY_BOOL || e.kind >= TY_KIND_END)
            return -EINVAL; /* nested arrays are not built */
        int rc = col_new(e, &c->child);
        if (rc)
            return rc;
    }
    uint32_t cap = c->cap ? c->cap : 256;
    while (cap < need)
        cap *= 2;
    void *d = realloc(c->data, (size_t)cap * slot_width(c));
    if (!d)
        return -ENOMEM;
    c->data = d;
    if (c->ty.nullable) {
        uint8_t *nl = realloc(c->nulls, cap);
        if (!nl)
            return -ENOMEM;
        c->nulls = nl;
    }
    if (ty_has_offsets(c->ty) && c->cap == 0)
        ((uint32_t *)c->data)[0] = 0;
    c->cap = cap;
    return 0;
}

static int grow_one(struct col *c)
{
    uint32_t need = ty_has_offsets(c->ty) ? c->n + 2 : c->n + 1;
    if (need <= c->cap && c->data)
        return 0;
    return col_reserve(c, c->n + 1);
}

int col_push_null(struct col *c)
{
    int rc = grow_one(c);
    if (rc)
        return rc;
    if (ty_has_offsets(c->ty)) {
        uint32_t *off = c->data;
        off[c->n + 1] = off[c->n];
    } else {
        memset((char *)c->data + (size_t)c->n * ty_width(c->ty), 0, ty_width(c->ty));
    }
    if (c->nulls)
        c->nulls[c->n] = 1;
    c->n++;
    return 0;
}

int col_push_fixed(struct col *c, const void *value)
{
    int rc = grow_one(c);
    if (rc)
        return rc;
    size_t w = ty_width(c->ty);
    memcpy((char *)c->data + (size_t)c->n * w, value, w);
    if (c->nulls)
        c->nulls[c->n] = 0;
    c->n++;
    return 0;
}

int col_reserve_chars(struct col *c, size_t n)
{
    if (c->chars_len + n > UINT32_MAX)
        return -E2BIG;
    if (c->chars_cap - c->chars_len < n) {
        size_t cap = c->chars_cap ? c->chars_cap : 4096;
        while (cap - c->chars_len < n)
            cap *= 2;
        char *p = realloc(c->chars, cap);
        if (!p)
            return -ENOMEM;
        c->chars = p;
        c->chars_cap = cap;
    }
    return 0;
}

int col_str_append(struct col *c, const char *s, size_t n)
{
    int rc = grow_one(c);
    if (rc || (rc = col_reserve_chars(c, n)))
        return rc;
    if (n)
        memcpy(c->chars + c->chars_len, s, n);
    c->chars_len += n;
    return 0;
}

int col_str_end(struct col *c)
{
    int rc = grow_one(c);
    if (rc)
        return rc;
    ((uint32_t *)c->data)[c->n + 1] = (uint32_t)c->chars_len;
    if (c->nulls)
        c->nulls[c->n] = 0;
    c->n++;
    return 0;
}

int col_push_str(struct col *c, const char *s, size_t n)
{
    int rc = col_str_append(c, s, n);
    return rc ? rc : col_str_end(c);
}

void col_truncate(struct col *c, uint32_t n)
{
    if (n > c->n)
        return;
    c->dcodes_n = 0; /* stale from here on */
    if (c->ty.kind == TY_STRING && c->data)
        c->chars_len = ((uint32_t *)c->data)[n];
    if (c->ty.kind == TY_ARRAY && c->data && c->child)
        col_truncate(c->child, ((uint32_t *)c->data)[n]);
    c->n = n;
}

int col_arr_end(struct col *c)
{
    int rc = grow_one(c);
    if (rc)
        return rc;
    if (c->child->n > UINT32_MAX - 1)
        return -E2BIG;
    ((uint32_t *)c->data)[c->n + 1] = c->child->n;
    if (c->nulls)
        c->nulls[c->n] = 0;
    c->n++;
    return 0;
}

int col_append_rows(struct col *d, const struct col *s, uint32_t from, uint32_t to)
{
    int rc = col_reserve(d, d->n + (to - from));
    if (rc)
        return rc;
    if (s->ty.kind == TY_ARRAY) {
        for (uint32_t r = from; r < to; r++) {
            uint32_t lo, hi;
            col_arr(s, r, &lo, &hi);
            if ((hi > lo && (rc = col_append_rows(d->child, s->child, lo, hi))) ||
                (rc = col_arr_end(d)))
                return rc;
        }
        return 0;
    }
    for (uint32_t r = from; r < to; r++) {
        if (col_is_null(s, r))
            rc = col_push_null(d);
        else if (s->ty.kind == TY_STRING) {
            size_t len;
            const char *p = col_str(s, r, &len);
            rc = col_push_str(d, p, len);
        } else
            rc = col_push_fixed(d, (const char *)s->data + (size_t)r * ty_width(s->ty));
        if (rc)
            return rc;
    }
    return 0;
}

int blk_append_rows(struct blk *dst, const struct blk *src, uint32_t from, uint32_t to)
{
    if (dst->ncols != src->ncols || from > to || to > src->nrows)
        return -EINVAL;
    if (dst->ncols == 0) {
        dst->nrows += to - from;
        return 0;
    }
    for (uint32_t i = 0; i < src->ncols; i++) {
        int rc = col_append_rows(&dst->cols[i], &src->cols[i], from, to);
        if (rc)
            return rc;
    }
    return blk_seal(dst);
}

/* --- serialization ------------------------------------------------------ */

static int put_u32(struct buf *out, uint32_t v)
{
    return buf_append(out, &v, 4); /* little-endian hosts only (x86_64, arm64) */
}

static int write_col(const struct col *c, uint32_t nrows, struct buf *out)
{
    /* an array's element type is its child's header */
    uint8_t hdr[4] = {c->ty.kind, c->ty.nullable, c->ty.kind == TY_ARRAY ? 0 : c->ty.prec,
                      c->ty.kind == TY_ARRAY ? 0 : c->ty.scale};
    int rc = buf_append(out, hdr, 4);
    if (!rc && c->ty.nullable)
        rc = nrows ? buf_append(out, c->nulls, nrows) : 0;
    if (rc)
        return rc;
    if (c->ty.kind == TY_STRING) {
        uint64_t clen = nrows ? col_offsets(c)[nrows] : 0;
        rc = buf_append(out, &clen, 8);
        if (!rc && nrows)
            rc = buf_append(out, c->data, (size_t)(nrows + 1) * 4);
        else if (!rc)
            rc = put_u32(out, 0);
        if (!rc)
            rc = buf_append(out, c->chars, clen);
    } else if (c->ty.kind == TY_ARRAY) {
        uint32_t nel = nrows ? col_offsets(c)[nrows] : 0;
        if (nrows)
            rc = buf_append(out, c->data, (size_t)(nrows + 1) * 4);
        else
            rc = put_u32(out, 0);
        if (!rc && c->child) {
            rc = write_col(c->child, nel, out);
        } else if (!rc) { /* no elements were ever pushed: an empty child */
            struct col empty = {.ty = ty_elem(c->ty)};
            rc = write_col(&empty, 0, out);
        }
    } else if (nrows) {
        rc = buf_append(out, c->data, (size_t)nrows * ty_width(c->ty));
    }
    return rc;
}

int blk_serialize(const struct blk *b, struct buf *out)
{
    int rc = put_u32(out, b->ncols);
    if (!rc)
        rc = put_u32(out, b->nrows);
    for (uint32_t i = 0; i < b->ncols && !rc; i++)
        rc = write_col(&b->cols[i], b->nrows, out);
    return rc;
}

struct reader {
    const unsigned char *p;
    size_t left;
};

static const void *take(struct reader *r, size_t n)
{
    if (n > r->left)
        return NULL;
    const void *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static int read_hdr(struct reader *r, struct ty *t)
{
    const uint8_t *ch = take(r, 4);
    if (!ch || ch[0] < TY_BOOL || ch[0] >= TY_KIND_END || ch[1] > 1 ||
        ch[2] > (ch[0] == TY_INTERVAL  ? TY_UNIT_END - 1
                 : ch[0] == TY_DECIMAL ? TY_DECIMAL_MAX_PREC
                                       : 9) ||
        (ch[0] == TY_DECIMAL ? ch[2] < 1 || ch[3] > ch[2] : ch[3] != 0) ||
        (ch[0] == TY_ARRAY && (ch[1] || ch[2])))
        return ERR_CORRUPT;
    *t = (struct ty){.kind = ch[0], .nullable = ch[1], .prec = ch[2], .scale = ch[3]};
    return 0;
}

static int read_col(struct reader *r, struct col *c, uint32_t nrows, int depth);

/* An array column: offsets, then the child column (whose header gives the
 * element type: a scalar kind). */
static int read_arr(struct reader *r, struct col *c, uint32_t nrows, int depth)
{
    const uint32_t *offs = take(r, (size_t)(nrows + 1) * 4);
    if (!offs || depth > 0)
        return ERR_CORRUPT;
    uint32_t o[2];
    memcpy(&o[0], offs, 4);
    memcpy(&o[1], (const char *)offs + (size_t)nrows * 4, 4);
    if (o[0] != 0 || o[1] > r->left) /* every element takes at least a byte */
        return ERR_CORRUPT;
    struct ty e;
    int rc = read_hdr(r, &e);
    if (rc || e.kind == TY_ARRAY || e.kind == TY_NOTHING || e.kind == TY_INTERVAL)
        return ERR_CORRUPT;
    c->ty = ty_array_of(e);
    if ((rc = col_reserve(c, nrows ? nrows : 1)))
        return rc;
    memcpy(c->data, offs, (size_t)(nrows + 1) * 4);
    const uint32_t *off = c->data;
    for (uint32_t i = 0; i < nrows; i++)
        if (off[i] > off[i + 1])
            return ERR_CORRUPT;
    if ((rc = read_col(r, c->child, o[1], depth + 1)))
        return rc;
    c->n = nrows;
    return 0;
}

static int read_col(struct reader *r, struct col *c, uint32_t nrows, int depth)
{
    if (c->ty.kind == TY_ARRAY)
        return read_arr(r, c, nrows, depth);
    if (nrows == 0 && c->ty.kind != TY_STRING)
        return 0;
    int rc = col_reserve(c, nrows ? nrows : 1);
    if (rc)
        return rc;
    if (c->ty.nullable) {
        const void *nl = take(r, nrows);
        if (!nl)
            return ERR_CORRUPT;
        memcpy(c->nulls, nl, nrows);
    }
    if (c->ty.kind == TY_STRING) {
        const void *lp = take(r, 8);
        const void *offs = take(r, (size_t)(nrows + 1) * 4);
        uint64_t clen;
        if (!lp || !offs)
            return ERR_CORRUPT;
        memcpy(&clen, lp, 8);
        memcpy(c->data, offs, (size_t)(nrows + 1) * 4);
        const uint32_t *off = c->data;
        if (off[0] != 0 || off[nrows] != clen)
            return ERR_CORRUPT;
        for (uint32_t i = 0; i < nrows; i++)
            if (off[i] > off[i + 1])
                return ERR_CORRUPT;
        const void *chars = take(r, clen);
        if (!chars)
            return ERR_CORRUPT;
        c->chars_len = 0;
        rc = col_str_append(c, chars, clen);
        if (rc)
            return rc;
        /* col_str_append counted a pending value; offsets are already set */
    } else {
        const void *d = take(r, (size_t)nrows * ty_width(c->ty));
        if (!d)
            return ERR_CORRUPT;
        memcpy(c->data, d, (size_t)nrows * ty_width(c->ty));
    }
    c->n = nrows;
    return 0;
}

int blk_deserialize(const void *p, size_t n, struct blk **out)
{
    struct reader r = {p, n};
    const void *h = take(&r, 8);
    if (!h)
        return ERR_CORRUPT;
    uint32_t ncols, nrows;
    memcpy(&ncols, h, 4);
    memcpy(&nrows, (const char *)h + 4, 4);
    if (ncols > 65536 || nrows > n)
        return ERR_CORRUPT;
    struct ty *types = calloc(ncols ? ncols : 1, sizeof(*types));
    struct blk *b = NULL;
    int rc = -ENOMEM;
    if (!types)
        goto fail;
    rc = blk_create(types, ncols, &b);
    if (rc)
        goto fail;
    for (uint32_t i = 0; i < ncols; i++) {
        if ((rc = read_hdr(&r, &b->cols[i].ty)))
            goto fail;
        rc = read_col(&r, &b->cols[i], nrows, 0);
        if (rc)
            goto fail;
    }
    rc = ERR_CORRUPT;
    if (r.left)
        goto fail;
    b->nrows = nrows;
    free(types);
    *out = b;
    return 0;
fail:
    free(types);
    blk_unref(b);
    return rc;
}
