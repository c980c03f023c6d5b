/*
 * op_sort.c — ORDER BY, stable, over several keys; with a limit, top-N.
 *
 * Rows are not copied on the way in: the operator keeps references on the
 * blocks it was given and sorts 16-byte row references (block, row,
 * arrival number). Ties on every key keep arrival order, which makes the
 * sort stable whatever algorithm orders the references (a merge sort, so
 * n log n at worst).
 *
 * With a limit only the best offset+limit rows are kept, in a max-heap
 * whose top is the worst kept row: a new row enters only when it sorts
 * strictly before the top, so among equal rows the earliest stay. Blocks
 * no kept row points into are let go at once; when the blocks still held
 * carry far more rows than the heap, the kept rows are copied into one
 * block and the others let go, so memory follows the limit, not the
 * input.
 *
 * Order (ClickHouse): NULLs last for ASC and DESC unless nulls_first;
 * NaN next to NULLs (values, NaN, NULL; or NULL, NaN, values); strings
 * bytewise; dates and times by their value.
 *
 * Output at finish, in blocks of OP_BLOCK_ROWS rows. Memory held (blocks
 * and references) is charged to the query.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/op.h"
#include "exec/op_impl.h"

struct sref {
    uint32_t blk;
    uint32_t row;
    uint64_t seq;
};

struct sort {
    struct op op;
    struct op_sort_key *keys;
    uint32_t nkeys;
    uint64_t keep;          /* offset + limit; 0: every row */
    uint64_t offset;
    struct blk **blks;      /* NULL once let go */
    uint32_t *uses;         /* top-N: kept rows per block */
    uint32_t nblks, blks_cap;
    uint64_t live_rows;     /* rows of the blocks still held */
    size_t live_bytes;
    struct sref *refs;
    size_t nrefs, refs_cap;
    uint64_t seq;
    size_t charged;
};

/* a and b not both NULL (or NaN): the NULL one goes to the NULLs' side. */
static int nulls_side(const struct op_sort_key *k, int a_is)
{
    return k->nulls_first ? (a_is ? -1 : 1) : (a_is ? 1 : -1);
}

#define CMP_AS(T)                                                                                  \
    do {                                                                                           \
        T x = COL_AT(ca, T, ra), y = COL_AT(cb, T, rb);                                            \
        c = (x > y) - (x < y);                                                                     \
    } while (0)

static int cmp_key(const struct op_sort_key *k, const struct col *ca, uint32_t ra,
                   const struct col *cb, uint32_t rb)
{
    int na = ca->ty.kind == TY_NOTHING || col_is_null(ca, ra);
    int nb = cb->ty.kind == TY_NOTHING || col_is_null(cb, rb);
    int c = 0;
    if (na || nb)
        return na && nb ? 0 : nulls_side(k, na);
    switch (ca->ty.kind) {
    case TY_BOOL:
    case TY_UINT8: CMP_AS(uint8_t); break;
    case TY_UINT16:
    case TY_DATE: CMP_AS(uint16_t); break;
    case TY_UINT32:
    case TY_DATETIME: CMP_AS(uint32_t); break;
    case TY_UINT64: CMP_AS(uint64_t); break;
    case TY_INT8: CMP_AS(int8_t); break;
    case TY_INT16: CMP_AS(int16_t); break;
    case TY_INT32: CMP_AS(int32_t); break;
    case TY_INT64:
    case TY_DECIMAL:
    case TY_DATETIME64: CMP_AS(int64_t); break;
    case TY_FLOAT32:
    case TY_FLOAT64: {
        double x = ca->ty.kind == TY_FLOAT32 ? COL_AT(ca, float, ra) : COL_AT(ca, double, ra);
        double y = cb->ty.kind == TY_FLOAT32 ? COL_AT(cb, float, rb) : COL_AT(cb, double, rb);
        int xn = isnan(x), yn = isnan(y);
        if (xn || yn)
            return xn && yn ? 0 : nulls_side(k, xn);
        c = (x > y) - (x < y);
        break;
    }
    case TY_ARRAY: { /* element by element, then the shorter first (ClickHouse) */
        struct op_sort_key ek = *k;
        uint32_t la, ha, lb, hb;
        ek.desc = 0;
        col_arr(ca, ra, &la, &ha);
        col_arr(cb, rb, &lb, &hb);
        for (; !c && la < ha && lb < hb; la++, lb++)
            c = cmp_key(&ek, ca->child, la, cb->child, lb);
        if (!c)
            c = (ha - la > hb - lb) - (ha - la < hb - lb);
        break;
    }
    case TY_STRING: {
        size_t la, lb;
        const char *sa = col_str(ca, ra, &la), *sb = col_str(cb, rb, &lb);
        size_t m = la < lb ? la : lb;
        c = m ? memcmp(sa, sb, m) : 0;
        c = c ? (c > 0) - (c < 0) : (la > lb) - (la < lb);
        break;
    }
    default: break;
    }
    return k->desc ? -c : c;
}

static int cmp_ref(const struct sort *s, const struct sref *a, const struct sref *b)
{
    const struct blk *ba = s->blks[a->blk], *bb = s->blks[b->blk];
    for (uint32_t i = 0; i < s->nkeys; i++) {
        uint32_t col = s->keys[i].col;
        int c = cmp_key(&s->keys[i], &ba->cols[col], a->row, &bb->cols[col], b->row);
        if (c)
            return c;
    }
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* --- memory ---------------------------------------------------------------- */

static int charge(struct sort *s)
{
    size_t now = s->live_bytes + s->refs_cap * sizeof(struct sref) +
                 (size_t)s->blks_cap * (sizeof(struct blk *) + sizeof(uint32_t));
    int rc = op_ctx_charge(s->op.ctx, (int64_t)now - (int64_t)s->charged);
    if (!rc)
        s->charged = now;
    return rc;
}

static int hold_block(struct sort *s, struct blk *b, uint32_t *idx)
{
    if (s->nblks == s->blks_cap) {
        uint32_t cap = s->blks_cap ? s->blks_cap * 2 : 16;
        struct blk **bl = realloc(s->blks, cap * sizeof(*bl));
        if (!bl)
            return -ENOMEM;
        s->blks = bl;
        uint32_t *u = realloc(s->uses, cap * sizeof(*u));
        if (!u)
            return -ENOMEM;
        s->uses = u;
        s->blks_cap = cap;
    }
    blk_ref(b);
    s->blks[s->nblks] = b;
    s->uses[s->nblks] = 0;
    s->live_rows += b->nrows;
    s->live_bytes += op_blk_bytes(b);
    *idx = s->nblks++;
    return 0;
}

static void let_go(struct sort *s, uint32_t i)
{
    if (!s->blks[i])
        return;
    s->live_rows -= s->blks[i]->nrows;
    s->live_bytes -= op_blk_bytes(s->blks[i]);
    blk_unref(s->blks[i]);
    s->blks[i] = NULL;
}

static int refs_room(struct sort *s, size_t more)
{
    if (s->nrefs + more <= s->refs_cap)
        return 0;
    size_t cap = s->refs_cap ? s->refs_cap : 1024;
    while (cap < s->nrefs + more)
        cap *= 2;
    struct sref *r = realloc(s->refs, cap * sizeof(*r));
    if (!r)
        return -ENOMEM;
    s->refs = r;
    s->refs_cap = cap;
    return 0;
}

/* --- top-N: a max-heap of the kept rows ------------------------------------- */

static void sift_down(struct sort *s, size_t i)
{
    struct sref *h = s->refs;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < s->nrefs && cmp_ref(s, &h[l], &h[m]) > 0)
            m = l;
        if (l + 1 < s->nrefs && cmp_ref(s, &h[l + 1], &h[m]) > 0)
            m = l + 1;
        if (m == i)
            return;
        struct sref t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(struct sort *s, size_t i)
{
    struct sref *h = s->refs;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (cmp_ref(s, &h[i], &h[p]) <= 0)
            return;
        struct sref t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

/* Copy the kept rows into one block and let every other block go. */
static int compact(struct sort *s)
{
    const struct blk *first = s->blks[s->refs[0].blk];
    struct ty *types = malloc((first->ncols ? first->ncols : 1) * sizeof(*types));
    struct blk *b = NULL;
    uint32_t idx;
    int rc = types ? 0 : -ENOMEM;
    for (uint32_t i = 0; i < first->ncols && !rc; i++)
        types[i] = first->cols[i].ty;
    if (!rc)
        rc = blk_create(types, first->ncols, &b);
    free(types);
    for (uint32_t i = 0; i < first->ncols && !rc; i++)
        rc = col_reserve(&b->cols[i], (uint32_t)s->nrefs);
    for (size_t k = 0; k < s->nrefs && !rc; k++) {
        const struct blk *src = s->blks[s->refs[k].blk];
        for (uint32_t i = 0; i < src->ncols && !rc; i++)
            rc = op_push_row(&b->cols[i], &src->cols[i], s->refs[k].row);
    }
    if (!rc)
        rc = blk_seal(b);
    if (!rc)
        rc = hold_block(s, b, &idx);
    blk_unref(b);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < idx; i++)
        let_go(s, i);
    for (size_t k = 0; k < s->nrefs; k++) {
        s->refs[k].blk = idx;
        s->refs[k].row = (uint32_t)k;
    }
    s->uses[idx] = (uint32_t)s->nrefs;
    return 0;
}

static int push_top(struct sort *s, struct blk *b)
{
    uint32_t bi;
    int rc = hold_block(s, b, &bi);
    if (rc)
        return rc;
    for (uint32_t r = 0; r < b->nrows; r++) {
        struct sref x = {bi, r, s->seq++};
        if (s->nrefs < s->keep) {
            if ((rc = refs_room(s, 1)))
                return rc;
            s->refs[s->nrefs++] = x;
            s->uses[bi]++;
            sift_up(s, s->nrefs - 1);
        } else if (cmp_ref(s, &x, &s->refs[0]) < 0) {
            uint32_t out = s->refs[0].blk;
            s->refs[0] = x;
            s->uses[bi]++;
            if (--s->uses[out] == 0 && out != bi)
                let_go(s, out);
            sift_down(s, 0);
        }
    }
    if (!s->uses[bi])
        let_go(s, bi);
    if (s->nrefs && s->live_rows > 2 * (uint64_t)s->nrefs + 4 * OP_BLOCK_ROWS)
        rc = compact(s);
    return rc;
}

/* --- full sort --------------------------------------------------------------- */

static int push_all(struct sort *s, struct blk *b)
{
    uint32_t bi;
    int rc = hold_block(s, b, &bi);
    if (!rc)
        rc = refs_room(s, b->nrows);
    for (uint32_t r = 0; r < b->nrows && !rc; r++)
        s->refs[s->nrefs++] = (struct sref){bi, r, s->seq++};
    return rc;
}

static int sort_push(struct op *o, struct blk *b)
{
    struct sort *s = (struct sort *)o;
    if (!b->nrows)
        return 0;
    if (s->nblks >= UINT32_MAX - 1)
        return op_ctx_fail(o->ctx, -E2BIG, "ORDER BY: too many blocks");
    for (uint32_t i = 0; i < s->nkeys; i++)
        if (s->keys[i].col >= b->ncols)
            return op_ctx_fail(o->ctx, -EINVAL, "ORDER BY key %u names column %u of %u", i + 1,
                               s->keys[i].col + 1, b->ncols);
    int rc = s->keep ? push_top(s, b) : push_all(s, b);
    if (!rc)
        rc = charge(s);
    return rc;
}

/* Stable merge sort of a[0..n) with tmp as room (n entries). */
static void merge_sort(const struct sort *s, struct sref *a, struct sref *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(s, a, tmp, h);
    merge_sort(s, a + h, tmp, n - h);
    if (cmp_ref(s, &a[h - 1], &a[h]) <= 0)
        return;
    memcpy(tmp, a, h * sizeof(*a));
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        a[k++] = cmp_ref(s, &a[j], &tmp[i]) < 0 ? a[j++] : tmp[i++];
    while (i < h)
        a[k++] = tmp[i++];
}

static int emit(struct sort *s)
{
    struct sref *tmp = malloc((s->nrefs / 2 + 1) * sizeof(*tmp));
    struct ty *types = NULL;
    int rc = tmp ? 0 : -ENOMEM;
    if (!rc)
        merge_sort(s, s->refs, tmp, s->nrefs);
    free(tmp);
    if (rc || s->nrefs <= s->offset)
        return rc;
    const struct blk *first = s->blks[s->refs[0].blk];
    uint32_t ncols = first->ncols;
    if (!(types = malloc((ncols ? ncols : 1) * sizeof(*types))))
        return -ENOMEM;
    for (uint32_t i = 0; i < ncols; i++)
        types[i] = first->cols[i].ty;
    for (size_t from = s->offset; from < s->nrefs && rc == 0;) {
        size_t to = s->nrefs - from > OP_BLOCK_ROWS ? from + OP_BLOCK_ROWS : s->nrefs;
        struct blk *b;
        if ((rc = blk_create(types, ncols, &b)))
            break;
        for (uint32_t i = 0; i < ncols && !rc; i++)
            rc = col_reserve(&b->cols[i], (uint32_t)(to - from));
        for (size_t k = from; k < to && !rc; k++) {
            const struct blk *src = s->blks[s->refs[k].blk];
            for (uint32_t i = 0; i < ncols && !rc; i++)
                rc = op_push_row(&b->cols[i], &src->cols[i], s->refs[k].row);
        }
        if (!rc)
            rc = blk_seal(b);
        if (!rc)
            rc = op_push(s->op.next, b);
        blk_unref(b);
        from = to;
    }
    free(types);
    return rc;
}

static void release(struct sort *s)
{
    for (uint32_t i = 0; i < s->nblks; i++)
        let_go(s, i);
    free(s->blks);
    free(s->uses);
    free(s->refs);
    s->blks = NULL;
    s->uses = NULL;
    s->refs = NULL;
    s->nblks = s->blks_cap = 0;
    s->nrefs = s->refs_cap = 0;
    op_ctx_charge(s->op.ctx, -(int64_t)s->charged);
    s->charged = 0;
}

static int sort_finish(struct op *o)
{
    struct sort *s = (struct sort *)o;
    int rc = s->nrefs ? emit(s) : 0;
    release(s);
    if (rc < 0)
        return rc;
    return op_finish(o->next);
}

static void sort_destroy(struct op *o)
{
    struct sort *s = (struct sort *)o;
    release(s);
    free(s->keys);
    free(s);
}

static const struct op_vt sort_vt = {sort_push, sort_finish, sort_destroy, NULL};

int op_sort_create(struct op_ctx *ctx, const struct op_sort_key *keys, uint32_t nkeys,
                   uint64_t limit, uint64_t offset, struct op *next, struct op **out)
{
    struct sort *s = calloc(1, sizeof(*s));
    struct op_sort_key *k = malloc((nkeys ? nkeys : 1) * sizeof(*k));
    if (!s || !k) {
        free(s);
        free(k);
        op_destroy(next); /* ours, also on failure */
        return -ENOMEM;
    }
    if (nkeys)
        memcpy(k, keys, nkeys * sizeof(*k));
    s->op = (struct op){&sort_vt, next, ctx};
    s->keys = k;
    s->nkeys = nkeys;
    s->offset = offset;
    s->keep = limit ? (limit + offset < limit ? UINT64_MAX : limit + offset) : 0;
    *out = &s->op;
    return 0;
}
