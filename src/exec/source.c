/*
 * source.c — where a query's blocks come from (exec/source.h).
 *
 * numbers(offset, count) yields count consecutive uint64 values in blocks
 * of SRC_NUMBERS_BLOCK rows, each a fresh block the caller owns, so
 * operators downstream may keep them. Its size is known up front
 * (total_rows), which gives a historical query its progress.
 */
#include "exec/source.h"

#include <errno.h>
#include <stdlib.h>

void src_destroy(struct src *s)
{
    if (s)
        s->vt->destroy(s);
}

struct numbers {
    struct src base;
    uint64_t next;  /* the next value */
    uint64_t left;  /* values still to yield */
};

static int numbers_next(struct src *s, struct blk **out)
{
    struct numbers *n = (struct numbers *)s;
    *out = NULL;
    if (!n->left)
        return 0;
    uint32_t rows = n->left < SRC_NUMBERS_BLOCK ? (uint32_t)n->left : SRC_NUMBERS_BLOCK;
    static const struct ty u64 = {TY_UINT64, 0, 0};
    struct blk *b = NULL;
    int rc = blk_create(&u64, 1, &b);
    if (!rc)
        rc = col_reserve(&b->cols[0], rows);
    if (rc) {
        blk_unref(b);
        return rc;
    }
    uint64_t *v = b->cols[0].data;
    for (uint32_t i = 0; i < rows; i++)
        v[i] = n->next + i;
    b->cols[0].n = rows;
    blk_seal(b);
    n->next += rows;
    n->left -= rows;
    s->rows += rows;
    *out = b;
    return 0;
}

static void numbers_destroy(struct src *s)
{
    free(s);
}

static const struct src_vt numbers_vt = {numbers_next, numbers_destroy};

int src_numbers_create(uint64_t offset, uint64_t count, struct src **out)
{
    struct numbers *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->base.vt = &numbers_vt;
    n->base.total_rows = count;
    n->next = offset;
    n->left = count;
    *out = &n->base;
    return 0;
}
