/*
 * op_aggregate.c — GROUP BY: a hash table of groups, each with one state
 * per aggregate call; the groups come out at finish.
 *
 * Per block: the key expressions are evaluated, the key table
 * (exec/keytab.h: one fixed-width key as its 64 bits, any other tuple
 * encoded) maps every row to its group id, new groups get their states,
 * and each aggregate's add() runs once over the whole block with a state
 * pointer per row. Without keys every row belongs to group 0, made at
 * creation, so an empty input still gives its one row (count() = 0).
 *
 * A group's states sit side by side in one stride of an arena (chunks
 * that are never moved), followed by one byte per aggregate that needs
 * to know whether any row reached it: a nullable argument whose NULL rows
 * are skipped here (ClickHouse: the result is NULL when none was left).
 *
 * Memory: the key table, the arena, the group index and what the states
 * hold beyond their size (agg_held) are charged to the query after each
 * block; over max_memory_usage the push fails with the limit's message.
 *
 * Output at finish: key columns then one column per aggregate, groups in
 * order of first appearance, in blocks of OP_BLOCK_ROWS rows.
 *
 * Periodic emit (streaming, op_aggregate_set_periodic): on a tick at or
 * past the next emit time, when rows came since the last one, the same
 * output is produced from the live states (finalize does not consume a
 * state) and the groups stay; the first tick sets the phase.
 *
 * Retraction (op_aggregate_set_delta: the changelog of a mutable stream):
 * a row whose int8 delta column is -1 is taken back out of its group's
 * states (agg_ops.retract) instead of added, in row order, so an update's
 * -1 old / +1 new pair leaves exactly the new value. Each group counts its
 * live rows; one whose count drops to 0 gets fresh states and is left out
 * of the result until a row comes back (with keys; the one group of a
 * query without keys stays, count() = 0).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/agg_impl.h"
#include "exec/keytab.h"
#include "exec/op.h"
#include "exec/op_impl.h"

#define CHUNK_MAX (1u << 20)

struct aggregate {
    struct op op;
    struct xpr **keys;
    uint32_t nkeys;
    struct op_agg_call *aggs;
    uint32_t naggs;
    struct ty *out_ty;         /* keys, then aggregates */
    uint32_t *state_off;       /* per aggregate, within a stride */
    uint32_t *flag_off;        /* per aggregate: its byte, or UINT32_MAX */
    size_t stride;

    struct keytab groups;
    uint32_t ngroups;
    char **gstate;             /* per group: its stride */
    uint32_t gcap;
    char **chunks;
    uint32_t nchunks;
    char *chunk_at;
    size_t chunk_left, chunk_next, arena_bytes;

    size_t charged;
    int emitted;
    int64_t period_ns;         /* periodic emit; 0: at finish only */
    int64_t next_emit_ns;      /* 0: not yet ticked */
    int dirty;                 /* rows since the last periodic emit */
    int32_t delta_col;         /* input column of _tp_delta, or -1 */
    int64_t *live;             /* per group: rows added minus retracted (delta_col only) */

    /* per block scratch */
    uint32_t rows_cap;
    uint32_t *gids;
    uint32_t *sel;
    void **states;
};

static void *arena_take(struct aggregate *a)
{
    if (a->chunk_left < a->stride) {
        size_t size = a->chunk_next > a->stride ? a->chunk_next : a->stride;
        char **cs = realloc(a->chunks, (a->nchunks + 1) * sizeof(*cs));
        if (!cs)
            return NULL;
        a->chunks = cs;
        if (!(cs[a->nchunks] = malloc(size)))
            return NULL;
        a->chunk_at = cs[a->nchunks++];
        a->chunk_left = size;
        a->arena_bytes += size;
        if (a->chunk_next < CHUNK_MAX)
            a->chunk_next *= 2;
    }
    void *p = a->chunk_at;
    a->chunk_at += a->stride;
    a->chunk_left -= a->stride;
    return p;
}

/* Give the groups [ngroups, n) their states. */
static int new_groups(struct aggregate *a, uint32_t n)
{
    if (n > a->gcap) {
        uint32_t cap = a->gcap ? a->gcap : 16;
        while (cap < n)
            cap *= 2;
        char **g = realloc(a->gstate, (size_t)cap * sizeof(*g));
        if (!g)
            return -ENOMEM;
        a->gstate = g;
        int64_t *lv = realloc(a->live, (size_t)cap * sizeof(*lv));
        if (!lv)
            return -ENOMEM;
        a->live = lv;
        a->gcap = cap;
    }
    for (; a->ngroups < n; a->ngroups++) {
        char *s = arena_take(a);
        if (!s)
            return -ENOMEM;
        memset(s, 0, a->stride);
        for (uint32_t i = 0; i < a->naggs; i++)
            a->aggs[i].bind.ops.init(&a->aggs[i].bind, s + a->state_off[i]);
        a->gstate[a->ngroups] = s;
        a->live[a->ngroups] = 0;
    }
    return 0;
}

static size_t held_now(const struct aggregate *a)
{
    int64_t held = 0;
    for (uint32_t i = 0; i < a->naggs; i++)
        held += agg_held(&a->aggs[i].bind);
    return a->groups.mem + a->arena_bytes + (size_t)a->gcap * (sizeof(char *) + sizeof(int64_t)) +
           (size_t)(held > 0 ? held : 0);
}

static int charge(struct aggregate *a)
{
    size_t now = held_now(a);
    int rc = op_ctx_charge(a->op.ctx, (int64_t)now - (int64_t)a->charged);
    if (!rc)
        a->charged = now;
    return rc;
}

static int scratch(struct aggregate *a, uint32_t n)
{
    if (n <= a->rows_cap)
        return 0;
    free(a->gids);
    free(a->sel);
    free(a->states);
    a->gids = malloc((size_t)n * sizeof(*a->gids));
    a->sel = malloc((size_t)n * sizeof(*a->sel));
    a->states = malloc((size_t)n * sizeof(*a->states));
    a->rows_cap = a->gids && a->sel && a->states ? n : 0;
    return a->rows_cap ? 0 : -ENOMEM;
}

/* Rows of the block where no argument is NULL into a->sel; *all when
 * every row is. */
static uint32_t select_non_null(struct aggregate *a, const struct col *const *args, uint32_t nargs,
                                uint32_t n, int *all)
{
    int any = 0;
    for (uint32_t i = 0; i < nargs; i++)
        any |= args[i]->nulls != NULL;
    *all = !any;
    if (!any)
        return n;
    uint32_t k = 0;
    for (uint32_t r = 0; r < n; r++) {
        int null = 0;
        for (uint32_t i = 0; i < nargs; i++)
            null |= col_is_null(args[i], r);
        a->sel[k] = r;
        k += !null;
    }
    *all = k == n;
    return k;
}

/* With a delta column: count the block's rows into their groups, and
 * give a group whose rows are all gone fresh states (exact zero sums). */
static void count_live(struct aggregate *a, const struct blk *b)
{
    const struct col *d = &b->cols[a->delta_col];
    for (uint32_t r = 0; r < b->nrows; r++)
        a->live[a->gids[r]] += COL_AT(d, int8_t, r) == -1 ? -1 : 1;
    for (uint32_t r = 0; r < b->nrows; r++) {
        uint32_t g = a->gids[r];
        if (a->live[g] > 0 || COL_AT(d, int8_t, r) != -1)
            continue;
        a->live[g] = 0;
        op_agg_reset(a->aggs, a->naggs, a->state_off, a->gstate[g], a->stride);
    }
}

/* Whether group g is out of the result: every row of it retracted. */
static int gone(const struct aggregate *a, uint32_t g)
{
    return a->delta_col >= 0 && a->nkeys && a->live[g] <= 0;
}

static int add_call(struct aggregate *a, uint32_t ai, const struct blk *b)
{
    struct op_agg_call *c = &a->aggs[ai];
    const struct col *args[FN_MAX_ARGS];
    struct col *cols[FN_MAX_ARGS];
    int owned[FN_MAX_ARGS], all = 1, rc = 0;
    uint32_t done = 0, n = b->nrows, off = a->state_off[ai];

    for (; done < c->nargs; done++) {
        if ((rc = xpr_eval(c->args[done], &a->op.ctx->fn, b, &cols[done], &owned[done]))) {
            rc = op_eval_failed(a->op.ctx, rc);
            goto done;
        }
        args[done] = cols[done];
    }
    if (!(c->bind.flags & AGG_OWN_NULLS))
        n = select_non_null(a, args, c->nargs, n, &all);
    const uint32_t *rows = all ? NULL : a->sel;
    if (!a->nkeys && c->bind.ops.add_one && a->delta_col < 0) { /* one group: no state per row */
        if (n && (rc = c->bind.ops.add_one(&c->bind, a->gstate[0] + off, args, rows, n))) {
            if (!a->op.ctx->err[0])
                op_ctx_fail(a->op.ctx, rc, "aggregate function %s failed",
                            c->fn ? c->fn->name : "call");
            goto done;
        }
        if (n && a->flag_off[ai] != UINT32_MAX)
            a->gstate[0][a->flag_off[ai]] = 1;
        goto done;
    }
    if (a->delta_col >= 0 && all) { /* runs below need the rows listed */
        for (uint32_t r = 0; r < n; r++)
            a->sel[r] = r;
        rows = a->sel;
    }
    for (uint32_t k = 0; k < n; k++)
        a->states[k] = a->gstate[a->gids[rows ? rows[k] : k]] + off;
    if (a->delta_col >= 0)
        rc = op_agg_runs(c, a->states, args, rows, n, &b->cols[a->delta_col]);
    else if (n)
        rc = c->bind.ops.add(&c->bind, a->states, args, rows, n);
    if (rc) {
        if (!a->op.ctx->err[0])
            op_ctx_fail(a->op.ctx, rc, "aggregate function %s failed",
                        c->fn ? c->fn->name : "call");
        goto done;
    }
    if (a->flag_off[ai] != UINT32_MAX)
        for (uint32_t k = 0; k < n; k++)
            a->gstate[a->gids[rows ? rows[k] : k]][a->flag_off[ai]] = 1;
done:
    for (uint32_t i = 0; i < done; i++)
        if (owned[i])
            col_delete(cols[i]);
    return rc;
}

static int aggregate_push(struct op *o, struct blk *b)
{
    struct aggregate *a = (struct aggregate *)o;
    a->dirty |= b->nrows > 0;
    const struct col *keys[FN_MAX_ARGS];
    struct col *kcols[FN_MAX_ARGS];
    int owned[FN_MAX_ARGS], rc = 0;
    uint32_t done = 0;

    if (!b->nrows)
        return 0;
    if ((rc = scratch(a, b->nrows)))
        return rc;
    for (; done < a->nkeys; done++) {
        if ((rc = xpr_eval(a->keys[done], &o->ctx->fn, b, &kcols[done], &owned[done]))) {
            rc = op_eval_failed(o->ctx, rc);
            goto done;
        }
        keys[done] = kcols[done];
    }
    if (a->nkeys)
        rc = keytab_rows(&a->groups, keys, b->nrows, a->gids);
    else
        memset(a->gids, 0, (size_t)b->nrows * sizeof(*a->gids));
    if (!rc && a->nkeys)
        rc = new_groups(a, a->groups.n);
    for (uint32_t i = 0; i < a->naggs && !rc; i++)
        rc = add_call(a, i, b);
    if (!rc && a->delta_col >= 0)
        count_live(a, b);
    if (!rc)
        rc = charge(a);
done:
    for (uint32_t i = 0; i < done; i++)
        if (owned[i])
            col_delete(kcols[i]);
    return rc;
}

/* One output block: groups [from, to). */
static int emit(struct aggregate *a, uint32_t from, uint32_t to, struct blk **out)
{
    struct col *kc[FN_MAX_ARGS];
    struct blk *b;
    int rc = blk_create(a->out_ty, a->nkeys + a->naggs, &b);
    if (rc)
        return rc;
    uint32_t nrows = to - from;
    for (uint32_t i = 0; i < a->nkeys; i++)
        kc[i] = &b->cols[i];
    if (a->nkeys && a->delta_col < 0)
        rc = keytab_emit(&a->groups, from, to, kc);
    for (uint32_t g = from; g < to && !rc && a->nkeys && a->delta_col >= 0; g++) {
        if (gone(a, g))
            nrows--;
        else
            rc = keytab_emit(&a->groups, g, g + 1, kc);
    }
    for (uint32_t i = 0; i < a->naggs && !rc; i++) {
        struct op_agg_call *c = &a->aggs[i];
        struct col *res = &b->cols[a->nkeys + i];
        if ((rc = col_reserve(res, to - from)))
            break;
        for (uint32_t g = from; g < to && !rc; g++) {
            const char *s = a->gstate[g];
            if (gone(a, g))
                continue;
            if (a->flag_off[i] != UINT32_MAX && !s[a->flag_off[i]])
                rc = col_push_null(res);
            else
                rc = c->bind.ops.finalize(&c->bind, s + a->state_off[i], res);
        }
    }
    if (!rc)
        rc = blk_seal(b);
    if (!rc && b->nrows != nrows)
        rc = -EINVAL;
    if (rc) {
        blk_unref(b);
        return rc;
    }
    *out = b;
    return 0;
}

/* Destroy every state and free the groups (charges released). */
static void release(struct aggregate *a)
{
    for (uint32_t i = 0; i < a->naggs; i++) {
        struct agg_bind *bd = &a->aggs[i].bind;
        if (!bd->ops.destroy)
            continue;
        for (uint32_t g = 0; g < a->ngroups; g++)
            bd->ops.destroy(bd, a->gstate[g] + a->state_off[i]);
    }
    for (uint32_t i = 0; i < a->nchunks; i++)
        free(a->chunks[i]);
    free(a->chunks);
    free(a->gstate);
    free(a->live);
    keytab_free(&a->groups);
    a->chunks = NULL;
    a->gstate = NULL;
    a->live = NULL;
    a->nchunks = a->ngroups = a->gcap = 0;
    a->chunk_left = a->arena_bytes = 0;
    op_ctx_charge(a->op.ctx, -(int64_t)a->charged);
    a->charged = 0;
}

/* Push every group's current result on; 0, OP_DONE or an error. */
static int emit_all(struct aggregate *a)
{
    struct op *o = &a->op;
    int rc = 0;
    for (uint32_t from = 0; from < a->ngroups && rc == 0;) {
        uint32_t to = a->ngroups - from > OP_BLOCK_ROWS ? from + OP_BLOCK_ROWS : a->ngroups;
        struct blk *b;
        if ((rc = emit(a, from, to, &b))) {
            if (!o->ctx->err[0])
                op_ctx_fail(o->ctx, rc, "aggregation failed while producing its result");
            break;
        }
        rc = b->nrows ? op_push(o->next, b) : 0;
        blk_unref(b);
        from = to;
    }
    return rc;
}

static int aggregate_tick(struct op *o, int64_t now_ns)
{
    struct aggregate *a = (struct aggregate *)o;
    if (a->period_ns && !a->emitted) {
        if (!a->next_emit_ns) {
            a->next_emit_ns = now_ns + a->period_ns;
        } else if (now_ns >= a->next_emit_ns) {
            int rc = a->dirty ? emit_all(a) : 0;
            a->dirty = 0;
            a->next_emit_ns += a->period_ns;
            if (a->next_emit_ns <= now_ns) /* the clock jumped: no catching up */
                a->next_emit_ns = now_ns + a->period_ns;
            if (rc)
                return rc;
        }
    }
    return op_tick(o->next, now_ns);
}

void op_aggregate_set_periodic(struct op *agg, int64_t interval_ns)
{
    ((struct aggregate *)agg)->period_ns = interval_ns;
}

int op_aggregate_set_delta(struct op *agg, uint32_t col)
{
    struct aggregate *a = (struct aggregate *)agg;
    int rc = op_agg_can_retract(a->op.ctx, a->aggs, a->naggs);
    if (!rc)
        a->delta_col = (int32_t)col;
    return rc;
}

static int aggregate_finish(struct op *o)
{
    struct aggregate *a = (struct aggregate *)o;
    int rc = 0;
    for (uint32_t from = 0; !a->emitted && from < a->ngroups && rc == 0;) {
        uint32_t to = a->ngroups - from > OP_BLOCK_ROWS ? from + OP_BLOCK_ROWS : a->ngroups;
        struct blk *b;
        if ((rc = emit(a, from, to, &b))) {
            if (!o->ctx->err[0])
                op_ctx_fail(o->ctx, rc, "aggregation failed while producing its result");
            break;
        }
        rc = b->nrows ? op_push(o->next, b) : 0;
        blk_unref(b);
        from = to;
    }
    a->emitted = 1;
    release(a);
    if (rc < 0)
        return rc;
    return op_finish(o->next);
}

static void free_calls(struct op_agg_call *aggs, uint32_t naggs)
{
    for (uint32_t i = 0; aggs && i < naggs; i++) {
        if (aggs[i].bind.cfg_free)
            aggs[i].bind.cfg_free(aggs[i].bind.cfg);
        for (uint32_t j = 0; j < aggs[i].nargs; j++)
            xpr_destroy(aggs[i].args[j]);
        free(aggs[i].args);
    }
    free(aggs);
}

static void aggregate_destroy(struct op *o)
{
    struct aggregate *a = (struct aggregate *)o;
    release(a);
    for (uint32_t i = 0; i < a->nkeys; i++)
        xpr_destroy(a->keys[i]);
    free(a->keys);
    free_calls(a->aggs, a->naggs);
    free(a->out_ty);
    free(a->state_off);
    free(a->flag_off);
    free(a->gids);
    free(a->sel);
    free(a->states);
    free(a);
}

static const struct op_vt aggregate_vt = {aggregate_push, aggregate_finish, aggregate_destroy,
                                          aggregate_tick};

/* Convert arguments to the types the binding asked for (cast_to), as
 * xpr_call does for scalars; a binder that did it already leaves nothing
 * to do. */
static int cast_args(struct op_agg_call *c)
{
    for (uint32_t i = 0; i < c->nargs; i++) {
        struct ty to = c->bind.cast_to[i];
        if (!to.kind)
            continue;
        if (!(c->bind.flags & AGG_OWN_NULLS))
            to.nullable = c->args[i]->ty.nullable;
        if (ty_equal(to, c->args[i]->ty))
            continue;
        int rc = xpr_cast(c->args[i], to, &c->args[i]);
        if (rc) {
            c->args[i] = NULL;
            return rc;
        }
    }
    return 0;
}

/* Lay out a group's stride and the output types. */
static int layout(struct aggregate *a)
{
    uint32_t n = a->nkeys + a->naggs;
    a->out_ty = malloc((n ? n : 1) * sizeof(*a->out_ty));
    a->state_off = malloc((a->naggs ? a->naggs : 1) * sizeof(*a->state_off));
    a->flag_off = malloc((a->naggs ? a->naggs : 1) * sizeof(*a->flag_off));
    if (!a->out_ty || !a->state_off || !a->flag_off)
        return -ENOMEM;
    for (uint32_t i = 0; i < a->nkeys; i++)
        a->out_ty[i] = a->keys[i]->ty;
    size_t at = 0;
    for (uint32_t i = 0; i < a->naggs; i++) {
        a->state_off[i] = (uint32_t)at;
        at += (a->aggs[i].bind.ops.state_size + 7) & ~(size_t)7;
    }
    for (uint32_t i = 0; i < a->naggs; i++) {
        struct op_agg_call *c = &a->aggs[i];
        int track = 0;
        for (uint32_t j = 0; j < c->nargs && !(c->bind.flags & AGG_OWN_NULLS); j++)
            track |= c->args[j]->ty.nullable;
        a->flag_off[i] = track ? (uint32_t)at++ : UINT32_MAX;
        a->out_ty[a->nkeys + i] = c->bind.ret;
        a->out_ty[a->nkeys + i].nullable |= (uint8_t)track;
    }
    a->stride = (at + 7) & ~(size_t)7;
    if (!a->stride)
        a->stride = 8;
    a->chunk_next = a->stride * 64;
    return 0;
}

int op_aggregate_create(struct op_ctx *ctx, struct xpr **keys, uint32_t nkeys,
                        struct op_agg_call *aggs, uint32_t naggs, struct op *next,
                        struct op **out)
{
    struct aggregate *a = calloc(1, sizeof(*a));
    int rc = -ENOMEM;
    if (!a) { /* what was given is ours, also on failure */
        for (uint32_t i = 0; i < nkeys; i++)
            xpr_destroy(keys[i]);
        free(keys);
        free_calls(aggs, naggs);
        op_destroy(next);
        return rc;
    }
    a->op = (struct op){&aggregate_vt, next, ctx};
    a->keys = keys;
    a->nkeys = nkeys;
    a->aggs = aggs;
    a->naggs = naggs;
    a->delta_col = -1;
    keytab_init(&a->groups, NULL, 0);
    if (nkeys > FN_MAX_ARGS) {
        rc = op_ctx_fail(ctx, -EINVAL, "too many GROUP BY keys (%u, at most %d)", nkeys,
                         FN_MAX_ARGS);
        goto fail;
    }
    for (uint32_t i = 0; i < naggs; i++) {
        if (aggs[i].nargs > FN_MAX_ARGS) {
            rc = -EINVAL;
            goto fail;
        }
        if ((rc = cast_args(&aggs[i]))) {
            op_ctx_fail(ctx, rc, "cannot convert the arguments of %s",
                        aggs[i].fn ? aggs[i].fn->name : "an aggregate");
            goto fail;
        }
    }
    if ((rc = layout(a)))
        goto fail;
    keytab_init(&a->groups, a->out_ty, nkeys);
    if (!nkeys && ((rc = new_groups(a, 1)) || (rc = charge(a))))
        goto fail;
    *out = &a->op;
    return 0;
fail:
    op_destroy(&a->op);
    return rc;
}
