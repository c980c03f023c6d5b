/*
 * op_changelog.c — a mutable stream's log turned into a changelog: each
 * change of a key as the retraction of the row the query saw for it
 * (_tp_delta -1, the old values) and the addition of the new one (+1), so
 * the aggregations after it (op_aggregate_set_delta, op_window_set_delta)
 * stay right under updates and deletes.
 *
 * The log of a mutable stream holds upserts (_tp_delta 1) and deletes
 * (-1, the key and whatever else was written), never the row they
 * replace. This operator keeps, per primary key, the last row it passed
 * on (every scanned column, in a store of columns; key -> store row in a
 * key table), and turns each input row into:
 *   upsert of a key it holds:  old row -1, new row +1;
 *   upsert of a new key:       new row +1;
 *   delete of a key it holds:  old row -1 (the key is gone);
 *   delete of a key it never saw: nothing.
 * So the changes it emits are self-consistent from the query's start
 * point (new rows by default; seek_to='earliest' replays the log and so
 * starts with every row): it never retracts what it did not add.
 *
 * Memory: the store grows by one row per change; when it holds more than
 * twice the live keys (and 4096 rows), the live rows are copied to a new
 * one. What it holds is charged to the query (max_memory_usage).
 *
 * Output rows keep the order of the changes and the write ends of the
 * input (blk.wends), as the window operator needs them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/keytab.h"
#include "exec/op.h"
#include "exec/op_impl.h"
#include "types/schema.h"

#define NONE UINT32_MAX
#define COMPACT_MIN 4096u

struct changelog {
    struct op op;
    struct ty *types;
    uint32_t ncols;
    uint32_t key_cols[FN_MAX_ARGS];
    struct ty key_ty[FN_MAX_ARGS]; /* the key table points here */
    uint32_t nkeys;
    uint32_t delta_col;

    struct keytab keys;  /* primary key -> id */
    uint32_t *at;        /* per id: its row in store, or NONE */
    uint32_t atcap;
    struct col **store;  /* ncols columns: the rows passed on */
    uint32_t nlive;
    size_t charged;

    uint32_t *ids, *src; /* per block scratch */
    uint32_t cap;
};

static size_t held_now(const struct changelog *c)
{
    size_t n = c->keys.mem + (size_t)c->atcap * sizeof(*c->at);
    for (uint32_t i = 0; i < c->ncols; i++) {
        const struct col *s = c->store[i];
        n += (size_t)s->cap * (ty_width(s->ty) + 4 + (s->nulls != NULL)) + s->chars_cap;
    }
    return n;
}

static int charge(struct changelog *c)
{
    size_t now = held_now(c);
    int rc = op_ctx_charge(c->op.ctx, (int64_t)now - (int64_t)c->charged);
    if (!rc)
        c->charged = now;
    return rc;
}

static int new_store(const struct changelog *c, struct col ***out)
{
    struct col **s = calloc(c->ncols ? c->ncols : 1, sizeof(*s));
    int rc = s ? 0 : -ENOMEM;
    for (uint32_t i = 0; i < c->ncols && !rc; i++)
        rc = col_new(c->types[i], &s[i]);
    if (rc) {
        for (uint32_t i = 0; s && i < c->ncols; i++)
            col_delete(s[i]);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static void free_store(struct col **s, uint32_t ncols)
{
    for (uint32_t i = 0; s && i < ncols; i++)
        col_delete(s[i]);
    free(s);
}

/* Copy the live rows to a fresh store when the dead ones dominate. */
static int compact(struct changelog *c)
{
    uint32_t rows = c->ncols ? c->store[0]->n : 0;
    if (rows < COMPACT_MIN || rows <= 2 * (size_t)c->nlive)
        return 0;
    struct col **s;
    int rc = new_store(c, &s);
    for (uint32_t id = 0; id < c->keys.n && !rc; id++) {
        if (c->at[id] == NONE)
            continue;
        for (uint32_t i = 0; i < c->ncols && !rc; i++)
            rc = op_push_row(s[i], c->store[i], c->at[id]);
        c->at[id] = s[0]->n - 1;
    }
    if (rc) { /* at[] may point into s now: the operator cannot go on */
        free_store(s, c->ncols);
        return rc;
    }
    free_store(c->store, c->ncols);
    c->store = s;
    return 0;
}

static int scratch(struct changelog *c, uint32_t n)
{
    if (n * 2 <= c->cap)
        return 0;
    free(c->ids);
    free(c->src);
    c->ids = malloc((size_t)n * sizeof(*c->ids));
    c->src = malloc((size_t)n * 2 * sizeof(*c->src));
    c->cap = c->ids && c->src ? n * 2 : 0;
    return c->cap ? 0 : -ENOMEM;
}

static int at_room(struct changelog *c)
{
    if (c->keys.n <= c->atcap)
        return 0;
    uint32_t cap = c->atcap ? c->atcap : 64;
    while (cap < c->keys.n)
        cap *= 2;
    uint32_t *a = realloc(c->at, (size_t)cap * sizeof(*a));
    if (!a)
        return -ENOMEM;
    for (uint32_t i = c->atcap; i < cap; i++)
        a[i] = NONE;
    c->at = a;
    c->atcap = cap;
    return 0;
}

/* Row r of from (its delta column replaced by delta) onto out. */
static int put_row(struct changelog *c, struct blk *out, struct col *const *from, uint32_t r,
                   int8_t delta)
{
    int rc = 0;
    for (uint32_t i = 0; i < c->ncols && !rc; i++)
        rc = i == c->delta_col ? col_push_fixed(&out->cols[i], &delta)
                               : op_push_row(&out->cols[i], from[i], r);
    return rc;
}

static int changelog_push(struct op *o, struct blk *b)
{
    struct changelog *c = (struct changelog *)o;
    const struct col *kc[FN_MAX_ARGS];
    struct col *in[SCH_MAX_COLS + 2];
    struct blk *out = NULL;
    uint32_t n = 0;
    int rc;

    if (!b->nrows)
        return 0;
    if ((rc = scratch(c, b->nrows)))
        return rc;
    for (uint32_t i = 0; i < c->nkeys; i++)
        kc[i] = &b->cols[c->key_cols[i]];
    for (uint32_t i = 0; i < c->ncols; i++)
        in[i] = &b->cols[i];
    if ((rc = keytab_rows(&c->keys, kc, b->nrows, c->ids)) || (rc = at_room(c)) ||
        (rc = blk_create(c->types, c->ncols, &out)))
        goto fail;
    const struct col *d = &b->cols[c->delta_col];
    for (uint32_t r = 0; r < b->nrows && !rc; r++) {
        uint32_t id = c->ids[r], old = c->at[id];
        int del = COL_AT(d, int8_t, r) == -1;
        if (old != NONE && !(rc = put_row(c, out, c->store, old, -1)))
            c->src[n++] = r;
        if (rc || del) {
            c->nlive -= old != NONE;
            c->at[id] = NONE;
            continue;
        }
        if ((rc = put_row(c, out, in, r, 1)))
            break;
        c->src[n++] = r;
        for (uint32_t i = 0; i < c->ncols && !rc; i++)
            rc = op_push_row(c->store[i], in[i], r);
        c->nlive += old == NONE;
        c->at[id] = c->store[0]->n - 1;
    }
    if (rc || (rc = compact(c)) || (rc = charge(c)) || (rc = blk_seal(out)) ||
        (rc = blk_keep_write_ends(out, b, c->src, n)))
        goto fail;
    if (out->nrows)
        rc = op_push(o->next, out);
    blk_unref(out);
    return rc;
fail:
    blk_unref(out);
    if (!o->ctx->err[0])
        op_ctx_fail(o->ctx, rc, "the mutable stream's changelog failed");
    return rc;
}

static int changelog_finish(struct op *o)
{
    return op_finish(o->next);
}

static void changelog_destroy(struct op *o)
{
    struct changelog *c = (struct changelog *)o;
    op_ctx_charge(o->ctx, -(int64_t)c->charged);
    free_store(c->store, c->ncols);
    keytab_free(&c->keys);
    free(c->at);
    free(c->ids);
    free(c->src);
    free(c->types);
    free(c);
}

static const struct op_vt changelog_vt = {changelog_push, changelog_finish, changelog_destroy,
                                          NULL};

int op_changelog_create(struct op_ctx *ctx, const struct ty *types, uint32_t ncols,
                        const uint32_t *key_cols, uint32_t nkeys, uint32_t delta_col,
                        struct op *next, struct op **out)
{
    struct changelog *c = calloc(1, sizeof(*c));
    int rc = -ENOMEM;
    if (!c) {
        op_destroy(next);
        return rc;
    }
    c->op = (struct op){&changelog_vt, next, ctx};
    keytab_init(&c->keys, NULL, 0);
    if (!nkeys || nkeys > FN_MAX_ARGS || ncols > SCH_MAX_COLS + 2 || delta_col >= ncols ||
        types[delta_col].kind != TY_INT8) {
        rc = op_ctx_fail(ctx, -EINVAL, "a changelog needs a primary key and an int8 _tp_delta");
        goto fail;
    }
    for (uint32_t i = 0; i < nkeys; i++) {
        if (key_cols[i] >= ncols) {
            rc = -EINVAL;
            goto fail;
        }
        c->key_cols[i] = key_cols[i];
        c->key_ty[i] = types[key_cols[i]];
    }
    c->nkeys = nkeys;
    c->delta_col = delta_col;
    c->ncols = ncols;
    if (!(c->types = malloc(ncols * sizeof(*c->types))))
        goto fail;
    memcpy(c->types, types, ncols * sizeof(*c->types));
    keytab_init(&c->keys, c->key_ty, nkeys);
    if ((rc = new_store(c, &c->store)))
        goto fail;
    *out = &c->op;
    return 0;
fail:
    op_destroy(&c->op);
    return rc;
}
