/*
 * op_window.c — windowed aggregation with watermarks (exec/window.h).
 *
 * State: partitions (PARTITION BY tuples, in a key table, each with its
 * watermark, its largest event time, the wall clock of its last event and
 * its open windows sorted by start), and per open window a key table of
 * groups with one stride of aggregate states per group, laid out as in
 * op_aggregate.c (states, then a byte per aggregate whose NULL rows are
 * skipped, to tell "no row" from a value). A window is created by its
 * first event and freed when it closes, so memory follows the open
 * windows, never the stream's length.
 *
 * A block: the time, partition, key and argument expressions are
 * evaluated once; then rows are taken in order, each assigned to its
 * windows against its partition's watermark, which moves at the end of
 * the row's write (tumble, hop: blk.wends, Proton's per-block watermark)
 * or right after the row (sessions, and blocks without wends), so the
 * result does not depend on how writes were gathered into blocks (a
 * table scan's blocks hold many). The rows up to the first write (or
 * row) end that lets a window close form a segment: its (row, state)
 * pairs are collected and each aggregate's add() runs once over all of
 * them, then updates are emitted (ON UPDATE, CHANGELOG) and the windows
 * whose end the watermark reached close; the next segment starts after
 * that.
 *
 * Time is kept in nanoseconds; the time column's ticks are scaled on the
 * way in and window bounds scaled back (floored) on the way out.
 *
 * Sessions: a partition's sessions are its windows; the newest one is
 * open at its edge (not sealed): an event joins it when it lies within
 * timeout of its last event and before start + max_length; an event past
 * that seals it (its end fixed) and starts the next one. An event before
 * the newest session joins the session that holds it, or extends the
 * newest one backwards when within timeout of its start; otherwise it
 * starts a session of its own unless that one would be closed already
 * (late).
 *
 * Retraction (op_window_set_delta: a mutable stream's changelog): rows
 * whose delta column is -1 are retracted from the states of their windows
 * (agg_ops.retract), in row order with the adds. Every stride ends with
 * the group's live row count; a group whose count drops to 0 gets fresh
 * states and is no longer shown (with GROUP BY keys): CHANGELOG emits its
 * old row with -1 and no new one, the other policies leave it out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/agg_impl.h"
#include "exec/keytab.h"
#include "exec/op.h"
#include "exec/op_impl.h"
#include "exec/window.h"
#include "types/datetime.h"
#include "util/clock.h"
#include "util/err.h"

#define SAVE_MAGIC 0x31574653u /* "SFW1" */

struct win {
    int64_t start, end;    /* ns; a session's end follows its events until sealed */
    int64_t last;          /* session: the latest event */
    uint32_t part;
    uint8_t sealed;
    struct keytab groups;
    uint32_t ngroups, gcap;
    char **gstate;         /* per group: one stride, in the chunks below */
    char **chunks;         /* group states are carved from these (a window's
                            * groups come and go together) */
    uint32_t nchunks;
    uint32_t chunk_left;   /* strides left in the newest chunk */
    size_t chunk_bytes;    /* all chunks, for memory accounting */
    uint8_t *dirty;        /* per group: changed by the current segment (ON UPDATE,
                            * CHANGELOG only) */
    uint32_t *dlist;       /* the changed groups, ndirty of them */
    uint32_t ndirty, dcap;
    uint8_t *shown;        /* per group: emitted before (CHANGELOG) */
    struct blk *shown_rows; /* CHANGELOG: per group its last emitted row */
};

struct part {
    int64_t wm, max_t, arrival;
    uint8_t has_wm, has_event;
    uint8_t pending;       /* has rows in the current write (per-write watermarks) */
    struct win **wins;     /* open, by start */
    uint32_t nwins, wcap;
};

struct window {
    struct op op;
    struct op_window_spec sp;
    struct xpr *time;
    struct xpr **parts;
    uint32_t nparts;
    struct xpr **keys;
    uint32_t nkeys;
    struct op_agg_call *aggs;
    uint32_t naggs;
    struct ty *key_ty;
    struct ty *out_ty;     /* start, end, keys, aggregates[, _tp_delta] */
    uint32_t nout;
    int64_t tick_ns;       /* nanoseconds per tick of the time type */
    uint32_t *state_off, *flag_off;
    uint32_t live_off;     /* int64 live row count in a stride */
    size_t stride;
    int32_t delta_col;     /* input column of _tp_delta, or -1 */

    struct keytab ptab;
    struct ty *part_ty;
    struct part *p;
    uint32_t np, pcap;

    uint64_t late, nopen;
    uint32_t hint;         /* groups of the last window closed: the next one's size */
    int64_t last_periodic;
    size_t charged;
    int finished;

    /* per block scratch */
    uint32_t *pend;        /* partitions with rows in the current write */
    uint32_t npend, pend_cap;
    uint32_t rows_cap;
    uint32_t *pid;
    uint32_t npairs, pairs_cap;
    uint32_t *prow;
    char **pstate;
    uint32_t *sel;
    void **states;
};

/* ---- time ---- */

static int64_t time_ns(const struct window *a, const struct col *c, uint32_t r)
{
    if (c->ty.kind == TY_DATETIME)
        return (int64_t)COL_AT(c, uint32_t, r) * a->tick_ns;
    return COL_AT(c, int64_t, r) * a->tick_ns;
}

static int push_time(const struct window *a, struct col *c, int64_t ns)
{
    int64_t ticks = dt_floor_div(ns, a->tick_ns);
    if (c->ty.kind == TY_DATETIME) {
        uint32_t v = ticks < 0 ? 0 : ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
        return col_push_fixed(c, &v);
    }
    return col_push_fixed(c, &ticks);
}

static int64_t win_end(const struct window *a, const struct win *w)
{
    if (a->sp.kind != OP_WIN_SESSION || w->sealed)
        return w->end;
    int64_t e = w->last + a->sp.size_ns, cut = w->start + a->sp.max_len_ns;
    return e < cut ? e : cut;
}

/* ---- windows and groups ---- */

static void win_free(struct window *a, struct win *w)
{
    for (uint32_t i = 0; i < a->naggs; i++) {
        struct agg_bind *bd = &a->aggs[i].bind;
        if (bd->ops.destroy)
            for (uint32_t g = 0; g < w->ngroups; g++)
                bd->ops.destroy(bd, w->gstate[g] + a->state_off[i]);
    }
    for (uint32_t c = 0; c < w->nchunks; c++)
        free(w->chunks[c]);
    free(w->chunks);
    free(w->gstate);
    free(w->dirty);
    free(w->dlist);
    free(w->shown);
    blk_unref(w->shown_rows);
    keytab_free(&w->groups);
    free(w);
}

static int new_group(struct window *a, struct win *w)
{
    if (w->ngroups == w->gcap) {
        uint32_t cap = w->gcap ? w->gcap * 2 : a->hint > 4 ? a->hint : 4;
        char **g = realloc(w->gstate, cap * sizeof(*g));
        if (!g)
            return -ENOMEM;
        w->gstate = g;
        uint8_t *d = realloc(w->dirty, cap);
        if (!d)
            return -ENOMEM;
        w->dirty = d;
        uint8_t *s = realloc(w->shown, cap);
        if (!s)
            return -ENOMEM;
        w->shown = s;
        w->gcap = cap;
    }
    if (!w->chunk_left) { /* a new chunk as large as the groups so far */
        uint32_t n = w->ngroups ? w->ngroups : a->hint;
        n = n < 8 ? 8 : n;
        char **c = realloc(w->chunks, (w->nchunks + 1) * sizeof(*c));
        if (!c)
            return -ENOMEM;
        w->chunks = c;
        if (!(c[w->nchunks] = calloc(n, a->stride ? a->stride : 1)))
            return -ENOMEM;
        w->nchunks++;
        w->chunk_left = n;
        w->chunk_bytes += (size_t)n * a->stride;
    }
    char *st = w->chunks[w->nchunks - 1] + (size_t)(--w->chunk_left) * a->stride;
    for (uint32_t i = 0; i < a->naggs; i++)
        a->aggs[i].bind.ops.init(&a->aggs[i].bind, st + a->state_off[i]);
    w->dirty[w->ngroups] = 0;
    w->shown[w->ngroups] = 0;
    w->gstate[w->ngroups++] = st;
    return 0;
}

/* A new window [start, end) of partition pi, at its place by start. */
static int win_new(struct window *a, uint32_t pi, int64_t start, int64_t end, struct win **out)
{
    struct part *p = &a->p[pi];
    struct win *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->start = start;
    w->end = end;
    w->last = start;
    w->part = pi;
    keytab_init(&w->groups, a->key_ty, a->nkeys);
    if (a->nkeys && keytab_reserve(&w->groups, a->hint)) {
        win_free(a, w);
        return -ENOMEM;
    }
    if (!a->nkeys && new_group(a, w)) {
        win_free(a, w);
        return -ENOMEM;
    }
    if (p->nwins == p->wcap) {
        uint32_t cap = p->wcap ? p->wcap * 2 : 4;
        struct win **v = realloc(p->wins, cap * sizeof(*v));
        if (!v) {
            win_free(a, w);
            return -ENOMEM;
        }
        p->wins = v;
        p->wcap = cap;
    }
    uint32_t at = p->nwins;
    while (at > 0 && p->wins[at - 1]->start > start)
        at--;
    memmove(p->wins + at + 1, p->wins + at, (p->nwins - at) * sizeof(*p->wins));
    p->wins[at] = w;
    p->nwins++;
    a->nopen++;
    *out = w;
    return 0;
}

static int win_get(struct window *a, uint32_t pi, int64_t start, int64_t end, struct win **out)
{
    struct part *p = &a->p[pi];
    for (uint32_t i = 0; i < p->nwins; i++)
        if (p->wins[i]->start == start) {
            *out = p->wins[i];
            return 0;
        }
    return win_new(a, pi, start, end, out);
}

/* Pair row r with its group's states in w. */
static int add_pair(struct window *a, struct win *w, const struct col *const *keys, uint32_t r)
{
    uint32_t g = 0;
    int added = 0, rc;
    if (a->nkeys) {
        if ((rc = keytab_row(&w->groups, keys, r, &g, &added)))
            return rc;
        if (added && (rc = new_group(a, w)))
            return rc;
    }
    if (a->npairs == a->pairs_cap) {
        uint32_t cap = a->pairs_cap ? a->pairs_cap * 2 : 1024;
        uint32_t *pr = realloc(a->prow, cap * sizeof(*pr));
        if (!pr)
            return -ENOMEM;
        a->prow = pr;
        char **ps = realloc(a->pstate, cap * sizeof(*ps));
        if (!ps)
            return -ENOMEM;
        a->pstate = ps;
        uint32_t *sel = realloc(a->sel, cap * sizeof(*sel));
        if (!sel)
            return -ENOMEM;
        a->sel = sel;
        void **sts = realloc(a->states, cap * sizeof(*sts));
        if (!sts)
            return -ENOMEM;
        a->states = sts;
        a->pairs_cap = cap;
    }
    a->prow[a->npairs] = r;
    a->pstate[a->npairs++] = w->gstate[g];
    if (a->sp.emit >= OP_EMIT_ON_UPDATE && !w->dirty[g]) {
        if (w->ndirty == w->dcap) {
            uint32_t cap = w->dcap ? w->dcap * 2 : 8;
            uint32_t *d = realloc(w->dlist, cap * sizeof(*d));
            if (!d)
                return -ENOMEM;
            w->dlist = d;
            w->dcap = cap;
        }
        w->dirty[g] = 1;
        w->dlist[w->ndirty++] = g;
    }
    return 0;
}

/* The session of partition pi that takes an event at t, or NULL (late). */
static int session_for(struct window *a, uint32_t pi, int64_t t, int64_t wm, struct win **out)
{
    struct part *p = &a->p[pi];
    int64_t to = a->sp.size_ns, max = a->sp.max_len_ns;
    struct win *cur = p->nwins && !p->wins[p->nwins - 1]->sealed ? p->wins[p->nwins - 1] : NULL;
    *out = NULL;
    if (cur && t >= cur->start) {
        if (t - cur->last < to && t < cur->start + max) {
            if (t > cur->last)
                cur->last = t;
            *out = cur;
            return 0;
        }
        if (t > cur->last) { /* a gap, or the cut: the next session */
            cur->end = win_end(a, cur);
            cur->sealed = 1;
            int rc = win_new(a, pi, t, t + to, out);
            if (!rc)
                (*out)->last = t;
            return rc;
        }
    }
    for (uint32_t i = p->nwins; i-- > 0;) {
        struct win *w = p->wins[i];
        if (w->start <= t && t < win_end(a, w)) {
            *out = w;
            return 0;
        }
    }
    if (cur && t < cur->start && cur->start - t < to && cur->last - t < max) {
        cur->start = t; /* an earlier event of the open session */
        *out = cur;
        return 0;
    }
    if (t + to <= wm)
        return 0;
    int rc = win_new(a, pi, t, t + to, out);
    if (!rc) {
        (*out)->sealed = cur != NULL || p->nwins > 1; /* between others: fixed */
        (*out)->last = t;
    }
    return rc;
}

/* ---- memory and counters ---- */

static size_t held_now(const struct window *a)
{
    int64_t held = 0;
    size_t n = a->ptab.mem + (size_t)a->pcap * sizeof(struct part);
    for (uint32_t i = 0; i < a->naggs; i++)
        held += agg_held(&a->aggs[i].bind);
    for (uint32_t i = 0; i < a->np; i++) {
        const struct part *p = &a->p[i];
        n += (size_t)p->wcap * sizeof(struct win *);
        for (uint32_t k = 0; k < p->nwins; k++) {
            const struct win *w = p->wins[k];
            n += sizeof(*w) + w->groups.mem + w->chunk_bytes +
                 (size_t)w->gcap * (sizeof(char *) + 2);
            if (w->shown_rows)
                n += op_blk_bytes(w->shown_rows);
        }
    }
    return n + (size_t)(held > 0 ? held : 0);
}

static int charge(struct window *a)
{
    size_t now = held_now(a);
    int rc = op_ctx_charge(a->op.ctx, (int64_t)now - (int64_t)a->charged);
    if (!rc)
        a->charged = now;
    return rc;
}

static void counters(struct window *a)
{
    struct op_ctx *c = a->op.ctx;
    int have = 0;
    int64_t wm = 0;
    for (uint32_t i = 0; i < a->np; i++)
        if (a->p[i].has_wm && (!have || a->p[i].wm > wm)) {
            wm = a->p[i].wm;
            have = 1;
        }
    if (have) {
        atomic_store(&c->watermark_ns, wm);
        atomic_store(&c->has_watermark, 1);
    }
    atomic_store(&c->late_events, a->late);
    atomic_store(&c->windows_open, a->nopen);
}

/* ---- output ---- */

static int blk_new_out(struct window *a, struct blk **out)
{
    return blk_create(a->out_ty, a->nout, out);
}

static int64_t *live_of(const struct window *a, char *stride)
{
    return (int64_t *)(void *)(stride + a->live_off);
}

/* Whether group g of w is out of the result: every row of it retracted. */
static int gone(const struct window *a, const struct win *w, uint32_t g)
{
    return a->delta_col >= 0 && a->nkeys && *live_of(a, w->gstate[g]) <= 0;
}

/* Append group g of w as a row (without _tp_delta). */
static int push_group(struct window *a, struct win *w, uint32_t g, struct blk *b)
{
    struct col *kc[FN_MAX_ARGS];
    int rc;
    if ((rc = push_time(a, &b->cols[0], w->start)) || (rc = push_time(a, &b->cols[1], win_end(a, w))))
        return rc;
    for (uint32_t i = 0; i < a->nkeys; i++)
        kc[i] = &b->cols[2 + i];
    if (a->nkeys && (rc = keytab_emit(&w->groups, g, g + 1, kc)))
        return rc;
    for (uint32_t i = 0; i < a->naggs; i++) {
        struct op_agg_call *c = &a->aggs[i];
        struct col *res = &b->cols[2 + a->nkeys + i];
        const char *s = w->gstate[g];
        if (a->flag_off[i] != UINT32_MAX && !s[a->flag_off[i]])
            rc = col_push_null(res);
        else
            rc = c->bind.ops.finalize(&c->bind, s + a->state_off[i], res);
        if (rc)
            return rc;
    }
    return 0;
}

static int send(struct window *a, struct blk *b)
{
    int rc = blk_seal(b);
    if (!rc && b->nrows)
        rc = op_push(a->op.next, b);
    blk_unref(b);
    return rc;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Every group of w (dirty_only: those the segment changed, in order of
 * first appearance). */
static int emit_win(struct window *a, struct win *w, int dirty_only)
{
    struct blk *b;
    int rc = blk_new_out(a, &b);
    if (dirty_only) {
        qsort(w->dlist, w->ndirty, sizeof(*w->dlist), cmp_u32);
        for (uint32_t i = 0; i < w->ndirty && !rc; i++)
            if (!gone(a, w, w->dlist[i]))
                rc = push_group(a, w, w->dlist[i], b);
    }
    for (uint32_t g = 0; g < w->ngroups && !rc && !dirty_only; g++)
        if (!gone(a, w, g))
            rc = push_group(a, w, g, b);
    if (rc) {
        blk_unref(b);
        return rc;
    }
    return send(a, b);
}

/* CHANGELOG: for each changed group, its old row (-1) when it had one,
 * then its new row (+1) unless the group is gone; the new rows become the
 * shown ones. */
static int emit_changes(struct window *a, struct win *w)
{
    uint32_t nc = a->nout - 1, dc = nc;
    struct blk *b = NULL, *shown = NULL;
    int8_t minus = -1, plus = 1;
    int rc = blk_new_out(a, &b);
    if (!rc)
        rc = blk_create(a->out_ty, nc, &shown);
    for (uint32_t g = 0; g < w->ngroups && !rc; g++) {
        if (!w->dirty[g] || (gone(a, w, g) && !w->shown[g])) {
            if (w->shown[g] && w->shown_rows && g < w->shown_rows->nrows)
                for (uint32_t c = 0; c < nc && !rc; c++)
                    rc = op_push_row(&shown->cols[c], &w->shown_rows->cols[c], g);
            else
                for (uint32_t c = 0; c < nc && !rc; c++)
                    rc = col_push_null(&shown->cols[c]);
            continue;
        }
        if (w->shown[g]) {
            for (uint32_t c = 0; c < nc && !rc; c++)
                rc = op_push_row(&b->cols[c], &w->shown_rows->cols[c], g);
            if (!rc)
                rc = col_push_fixed(&b->cols[dc], &minus);
        }
        if (gone(a, w, g)) { /* its -1 only; no row shown now */
            for (uint32_t c = 0; c < nc && !rc; c++)
                rc = col_push_null(&shown->cols[c]);
            w->shown[g] = 0;
            continue;
        }
        uint32_t at = b->cols[0].n;
        if (!rc && !(rc = push_group(a, w, g, b)))
            rc = col_push_fixed(&b->cols[dc], &plus);
        for (uint32_t c = 0; c < nc && !rc; c++)
            rc = op_push_row(&shown->cols[c], &b->cols[c], at);
        w->shown[g] = 1;
    }
    if (!rc)
        rc = blk_seal(shown);
    if (rc) {
        blk_unref(b);
        blk_unref(shown);
        return rc;
    }
    blk_unref(w->shown_rows);
    w->shown_rows = shown;
    return send(a, b);
}

static int cmp_win(const void *x, const void *y)
{
    const struct win *a = *(const struct win *const *)x, *b = *(const struct win *const *)y;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->part < b->part ? -1 : a->part > b->part;
}

/* Every open window, or those whose end the watermark reached (all = 0),
 * in emission order; taken out of their partitions when take. */
static int collect(struct window *a, int all, int take, struct win ***out, uint32_t *n)
{
    struct win **v = NULL;
    uint32_t k = 0, cap = 0;
    for (uint32_t i = 0; i < a->np; i++) {
        struct part *p = &a->p[i];
        uint32_t keep = 0;
        for (uint32_t j = 0; j < p->nwins; j++) {
            struct win *w = p->wins[j];
            int64_t e = win_end(a, w);
            if (all || (p->has_wm && p->wm >= e)) {
                if (k == cap) {
                    cap = cap ? cap * 2 : 16;
                    struct win **nv = realloc(v, cap * sizeof(*nv));
                    if (!nv) {
                        free(v);
                        return -ENOMEM;
                    }
                    v = nv;
                }
                if (take) {
                    w->end = e;
                    w->sealed = 1;
                }
                v[k++] = w;
                if (take)
                    continue;
            }
            p->wins[keep++] = w;
        }
        p->nwins = keep;
    }
    if (take)
        a->nopen -= k;
    /* sort by the end as shown (an open session's end follows its events;
     * its end field is not read until it is sealed) */
    for (uint32_t i = 0; i < k; i++)
        v[i]->end = win_end(a, v[i]);
    if (k > 1)
        qsort(v, k, sizeof(*v), cmp_win);
    *out = v;
    *n = k;
    return 0;
}

/* Close (emit unless the rows are out already, and free) the windows the
 * watermark passed, or all of them at finish. */
static int close_windows(struct window *a, int all)
{
    struct win **v;
    uint32_t n;
    int rc = collect(a, all, 1, &v, &n);
    if (rc)
        return op_ctx_fail(a->op.ctx, rc, "out of memory closing windows");
    int final = a->sp.emit == OP_EMIT_WATERMARK || a->sp.emit == OP_EMIT_PERIODIC;
    for (uint32_t i = 0; i < n; i++) {
        if (!rc && final && (rc = emit_win(a, v[i], 0)) < 0 && !a->op.ctx->err[0])
            op_ctx_fail(a->op.ctx, rc, "window aggregation failed while producing its result");
        a->hint = v[i]->ngroups;
        win_free(a, v[i]);
    }
    free(v);
    counters(a);
    if (rc >= 0) {
        int c = charge(a);
        if (c)
            return c;
    }
    return rc;
}

/* ON UPDATE / CHANGELOG: the groups this block changed, window by window. */
static int emit_updates(struct window *a)
{
    struct win **v;
    uint32_t n;
    int rc = collect(a, 1, 0, &v, &n);
    if (rc)
        return op_ctx_fail(a->op.ctx, rc, "out of memory");
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (v[i]->ndirty)
            rc = a->sp.emit == OP_EMIT_CHANGELOG ? emit_changes(a, v[i]) : emit_win(a, v[i], 1);
    }
    free(v);
    return rc;
}

static void clear_dirty(struct window *a)
{
    for (uint32_t i = 0; i < a->np; i++)
        for (uint32_t j = 0; j < a->p[i].nwins; j++) {
            struct win *w = a->p[i].wins[j];
            for (uint32_t k = 0; k < w->ndirty; k++)
                w->dirty[w->dlist[k]] = 0;
            w->ndirty = 0;
        }
}

/* ---- input ---- */

static int scratch(struct window *a, uint32_t n)
{
    if (n <= a->rows_cap)
        return 0;
    free(a->pid);
    a->pid = malloc((size_t)n * sizeof(*a->pid));
    a->rows_cap = a->pid ? n : 0;
    return a->pid ? 0 : -ENOMEM;
}

/* Room in pend for every partition. */
static int pend_room(struct window *a)
{
    if (a->np <= a->pend_cap)
        return 0;
    uint32_t *p = realloc(a->pend, a->np * sizeof(*p));
    if (!p)
        return -ENOMEM;
    a->pend = p;
    a->pend_cap = a->np;
    return 0;
}

static int part_ids(struct window *a, const struct blk *b)
{
    const struct col *pc[FN_MAX_ARGS];
    struct col *cols[FN_MAX_ARGS];
    int owned[FN_MAX_ARGS], rc = 0;
    uint32_t done = 0;
    if (!a->nparts) {
        memset(a->pid, 0, (size_t)b->nrows * sizeof(*a->pid));
        return 0;
    }
    for (; done < a->nparts; done++) {
        if ((rc = xpr_eval(a->parts[done], &a->op.ctx->fn, b, &cols[done], &owned[done]))) {
            rc = op_eval_failed(a->op.ctx, rc);
            goto out;
        }
        pc[done] = cols[done];
    }
    if ((rc = keytab_rows(&a->ptab, pc, b->nrows, a->pid)))
        goto out;
    if (a->ptab.n > a->np) {
        if (a->ptab.n > a->pcap) {
            uint32_t cap = a->pcap ? a->pcap : 4;
            while (cap < a->ptab.n)
                cap *= 2;
            struct part *np = realloc(a->p, cap * sizeof(*np));
            if (!np) {
                rc = -ENOMEM;
                goto out;
            }
            a->p = np;
            a->pcap = cap;
        }
        memset(a->p + a->np, 0, (a->ptab.n - a->np) * sizeof(*a->p));
        a->np = a->ptab.n;
    }
out:
    for (uint32_t i = 0; i < done; i++)
        if (owned[i])
            col_delete(cols[i]);
    return rc;
}

/* With a delta column: count the segment's pairs into their groups, and
 * give a group whose rows are all gone fresh states (exact zero sums). */
static void count_live(struct window *a, const struct col *d)
{
    for (uint32_t k = 0; k < a->npairs; k++)
        *live_of(a, a->pstate[k]) += COL_AT(d, int8_t, a->prow[k]) == -1 ? -1 : 1;
    for (uint32_t k = 0; k < a->npairs; k++) {
        char *s = a->pstate[k];
        if (*live_of(a, s) <= 0 && COL_AT(d, int8_t, a->prow[k]) == -1)
            op_agg_reset(a->aggs, a->naggs, a->state_off, s, a->stride);
    }
}

/* Add the segment's pairs to aggregate ai, whose arguments are args
 * (retract those whose delta d is -1, with a delta column). */
static int add_call(struct window *a, uint32_t ai, const struct col *const *args,
                    const struct col *d)
{
    struct op_agg_call *c = &a->aggs[ai];
    uint32_t n = 0, off = a->state_off[ai];
    int rc = 0;
    for (uint32_t k = 0; k < a->npairs; k++) {
        uint32_t r = a->prow[k];
        int null = 0;
        if (!(c->bind.flags & AGG_OWN_NULLS))
            for (uint32_t i = 0; i < c->nargs; i++)
                null |= col_is_null(args[i], r);
        if (null)
            continue;
        a->sel[n] = r;
        a->states[n++] = a->pstate[k] + off;
        if (a->flag_off[ai] != UINT32_MAX)
            a->pstate[k][a->flag_off[ai]] = 1;
    }
    if (d)
        rc = op_agg_runs(c, a->states, args, a->sel, n, d);
    else if (n)
        rc = c->bind.ops.add(&c->bind, a->states, args, a->sel, n);
    if (rc)
        if (!a->op.ctx->err[0])
            op_ctx_fail(a->op.ctx, rc, "aggregate function %s failed", c->fn ? c->fn->name : "call");
    return rc;
}

/* Whether some open window of p ends at or before its watermark. */
static int closable(const struct window *a, const struct part *p)
{
    for (uint32_t i = 0; i < p->nwins; i++)
        if (win_end(a, p->wins[i]) <= p->wm)
            return 1;
    return 0;
}

/* Move partition pi's watermark to its largest event minus the delay;
 * whether a window of it can close now. */
static int advance(struct window *a, uint32_t pi)
{
    struct part *p = &a->p[pi];
    int64_t nwm = p->max_t - a->sp.delay_ns;
    if (p->has_wm && nwm <= p->wm)
        return 0;
    p->wm = nwm;
    p->has_wm = 1;
    return closable(a, p);
}

/* The windows of row r (time t) of partition pi, against its watermark;
 * *taken: whether some window took it (else it is late). */
static int take_row(struct window *a, const struct col *const *keys, uint32_t pi, int64_t t,
                    uint32_t r, int *taken)
{
    struct part *p = &a->p[pi];
    int64_t wm = p->has_wm ? p->wm : INT64_MIN;
    uint32_t before = a->npairs;
    int rc = 0;
    if (a->sp.kind == OP_WIN_SESSION) {
        struct win *w;
        if (!(rc = session_for(a, pi, t, wm, &w)) && w)
            rc = add_pair(a, w, keys, r);
    } else if (a->sp.kind == OP_WIN_GLOBAL) {
        struct win *w; /* one window that never closes */
        if (!(rc = win_get(a, pi, 0, INT64_MAX, &w)))
            rc = add_pair(a, w, keys, r);
    } else {
        int64_t size = a->sp.size_ns, slide = a->sp.kind == OP_WIN_HOP ? a->sp.slide_ns : size;
        for (int64_t s = dt_floor_div(t, slide) * slide; s + size > t && !rc; s -= slide) {
            if (s + size <= wm)
                break; /* this window and every earlier one closed */
            struct win *w;
            if (!(rc = win_get(a, pi, s, s + size, &w)))
                rc = add_pair(a, w, keys, r);
        }
    }
    *taken = a->npairs > before;
    return rc;
}

/* Rows [from, nrows) of b until the watermark lets a window close: *to is
 * the row after the segment. Tumble and hop move watermarks per write (at
 * each of b->wends, as Proton does per block: the rows of one write are
 * taken against the watermarks from before it); sessions, and blocks that
 * do not say where their writes end, per row. ON UPDATE and CHANGELOG end
 * a segment at each write's end too: one update per write, however the
 * writes were gathered. *wi: the next write end. */
static int assign(struct window *a, const struct blk *b, const struct col *tc,
                  const struct col *const *keys, uint32_t from, int64_t now, uint32_t *wi,
                  uint32_t *to)
{
    int per_write = b->wends && (a->sp.kind == OP_WIN_TUMBLE || a->sp.kind == OP_WIN_HOP);
    int updates = b->wends && (a->sp.emit == OP_EMIT_ON_UPDATE ||
                               (a->sp.emit == OP_EMIT_CHANGELOG && !a->sp.periodic_ns));
    int rc = 0;
    *to = b->nrows;
    for (uint32_t r = from; r < b->nrows && !rc; r++) {
        int close = 0;
        if (!col_is_null(tc, r)) {
            int64_t t = time_ns(a, tc, r);
            uint32_t pi = a->pid[r];
            struct part *p = &a->p[pi];
            int taken;
            if ((rc = take_row(a, keys, pi, t, r, &taken)))
                break;
            if (!taken) {
                a->late++;
            } else {
                if (!p->has_event || t > p->max_t)
                    p->max_t = t;
                p->has_event = 1;
                p->arrival = now;
                if (!per_write)
                    close = advance(a, pi);
                else if (!p->pending) {
                    p->pending = 1;
                    a->pend[a->npend++] = pi;
                }
            }
        }
        if (b->wends) {
            while (*wi < b->nwends && b->wends[*wi] <= r)
                (*wi)++;
            if ((*wi < b->nwends && b->wends[*wi] == r + 1) || r + 1 == b->nrows) { /* a write ends */
                for (uint32_t i = 0; i < a->npend; i++) {
                    a->p[a->pend[i]].pending = 0;
                    close |= advance(a, a->pend[i]);
                }
                a->npend = 0;
                close |= updates;
            }
        }
        if (close) {
            *to = r + 1;
            break;
        }
    }
    return rc;
}

static int window_push(struct op *o, struct blk *b)
{
    struct window *a = (struct window *)o;
    const struct col *keys[FN_MAX_ARGS];
    struct col *kcols[FN_MAX_ARGS], *tc = NULL;
    struct col **acols = NULL;
    uint8_t *aowned = NULL;
    int owned[FN_MAX_ARGS], towned = 0, rc;
    uint32_t done = 0, nargs = 0, adone = 0, wi = 0;

    if (!b->nrows)
        return 0;
    int64_t now = clk_now_ns();
    if (!a->last_periodic)
        a->last_periodic = now;
    if ((rc = scratch(a, b->nrows)) || (rc = part_ids(a, b)) || (rc = pend_room(a)))
        return rc;
    if ((rc = xpr_eval(a->time, &o->ctx->fn, b, &tc, &towned)))
        return op_eval_failed(o->ctx, rc);
    for (; done < a->nkeys; done++) {
        if ((rc = xpr_eval(a->keys[done], &o->ctx->fn, b, &kcols[done], &owned[done]))) {
            rc = op_eval_failed(o->ctx, rc);
            goto out;
        }
        keys[done] = kcols[done];
    }
    for (uint32_t i = 0; i < a->naggs; i++)
        nargs += a->aggs[i].nargs;
    acols = calloc(nargs + 1, sizeof(*acols));
    aowned = calloc(nargs + 1, 1);
    if (!acols || !aowned) {
        rc = -ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < a->naggs; i++)
        for (uint32_t j = 0; j < a->aggs[i].nargs; j++, adone++) {
            int ow;
            if ((rc = xpr_eval(a->aggs[i].args[j], &o->ctx->fn, b, &acols[adone], &ow))) {
                rc = op_eval_failed(o->ctx, rc);
                goto out;
            }
            aowned[adone] = (uint8_t)ow;
        }
    const struct col *dcol = a->delta_col >= 0 ? &b->cols[a->delta_col] : NULL;
    for (uint32_t from = 0, to; from < b->nrows; from = to) {
        a->npairs = 0;
        if ((rc = assign(a, b, tc, keys, from, now, &wi, &to)))
            goto out;
        for (uint32_t i = 0, at = 0; i < a->naggs && !rc; at += a->aggs[i++].nargs)
            rc = add_call(a, i, (const struct col *const *)acols + at, dcol);
        if (!rc && dcol)
            count_live(a, dcol);
        if (rc || (rc = charge(a)))
            goto out;
        if ((a->sp.emit == OP_EMIT_ON_UPDATE || a->sp.emit == OP_EMIT_CHANGELOG) &&
            !a->sp.periodic_ns) {
            rc = emit_updates(a);
            clear_dirty(a);
        }
        if (rc || (rc = close_windows(a, 0)))
            goto out;
    }
out:
    counters(a);
    if (towned)
        col_delete(tc);
    for (uint32_t i = 0; i < done; i++)
        if (owned[i])
            col_delete(kcols[i]);
    for (uint32_t i = 0; i < adone; i++)
        if (aowned[i])
            col_delete(acols[i]);
    free(acols);
    free(aowned);
    return rc;
}

static int window_tick(struct op *o, int64_t now_ns)
{
    struct window *a = (struct window *)o;
    int64_t idle = a->sp.idle_ns ? a->sp.idle_ns : a->sp.size_ns;
    int rc = 0, moved = 0;
    if (a->finished)
        return 0;
    for (uint32_t i = 0; i < a->np && idle > 0; i++) {
        struct part *p = &a->p[i];
        if (!p->has_event || now_ns - p->arrival < idle)
            continue;
        int64_t wm = p->max_t + (now_ns - p->arrival) - a->sp.delay_ns;
        if (!p->has_wm || wm > p->wm) {
            p->wm = wm;
            p->has_wm = 1;
            moved = 1;
        }
    }
    if (a->sp.periodic_ns) {
        if (!a->last_periodic)
            a->last_periodic = now_ns;
        if (now_ns - a->last_periodic >= a->sp.periodic_ns) {
            struct win **v;
            uint32_t n;
            a->last_periodic = now_ns;
            if (a->sp.emit == OP_EMIT_CHANGELOG) { /* CHANGELOG PERIODIC (global): the changes */
                rc = emit_updates(a);
                clear_dirty(a);
                if (rc)
                    return rc;
            } else if (a->sp.emit == OP_EMIT_PERIODIC) {
                if ((rc = collect(a, 1, 0, &v, &n)))
                    return op_ctx_fail(o->ctx, rc, "out of memory");
                for (uint32_t i = 0; i < n && !rc; i++)
                    rc = emit_win(a, v[i], 0);
                free(v);
                if (rc)
                    return rc;
            }
        }
    }
    if (moved && (rc = close_windows(a, 0)))
        return rc;
    counters(a);
    return op_tick(o->next, now_ns);
}

static int window_finish(struct op *o)
{
    struct window *a = (struct window *)o;
    int rc = 0;
    if (!a->finished) {
        a->finished = 1;
        if (a->sp.emit == OP_EMIT_CHANGELOG && a->sp.periodic_ns) { /* the changes not shown yet */
            rc = emit_updates(a);
            clear_dirty(a);
        }
        if (!rc)
            rc = close_windows(a, 1);
    }
    if (rc < 0)
        return rc;
    return op_finish(o->next);
}

/* ---- checkpoints ---- */

static int put(struct buf *b, const void *p, size_t n)
{
    return buf_append(b, p, n);
}
static int put_u32(struct buf *b, uint32_t v)
{
    return put(b, &v, sizeof v);
}
static int put_i64(struct buf *b, int64_t v)
{
    return put(b, &v, sizeof v);
}

static int save_win(struct window *a, const struct win *w, struct buf *out)
{
    uint8_t sealed = w->sealed;
    int rc;
    if ((rc = put_i64(out, w->start)) || (rc = put_i64(out, w->end)) ||
        (rc = put_i64(out, w->last)) || (rc = put(out, &sealed, 1)) ||
        (rc = keytab_save(&w->groups, out)) || (rc = put_u32(out, w->ngroups)))
        return rc;
    struct buf st = {0};
    for (uint32_t g = 0; g < w->ngroups && !rc; g++) {
        char *s = w->gstate[g];
        if (!(rc = put(out, &w->shown[g], 1)))
            rc = put_i64(out, *live_of(a, s));
        for (uint32_t i = 0; i < a->naggs && !rc; i++) {
            struct agg_bind *bd = &a->aggs[i].bind;
            uint8_t flag = a->flag_off[i] != UINT32_MAX ? (uint8_t)s[a->flag_off[i]] : 1;
            buf_reset(&st);
            if (!(rc = put(out, &flag, 1)) && !(rc = bd->ops.serialize(bd, s + a->state_off[i], &st)) &&
                !(rc = put_u32(out, (uint32_t)st.len)))
                rc = put(out, st.data, st.len);
        }
    }
    buf_free(&st);
    if (rc)
        return rc;
    if (!w->shown_rows)
        return put_u32(out, 0);
    struct buf bb = {0};
    if (!(rc = blk_serialize(w->shown_rows, &bb)) && !(rc = put_u32(out, (uint32_t)bb.len)))
        rc = put(out, bb.data, bb.len);
    buf_free(&bb);
    return rc;
}

int op_window_save(struct op *o, struct buf *out)
{
    struct window *a = (struct window *)o;
    int rc;
    if ((rc = put_u32(out, SAVE_MAGIC)) || (rc = put_u32(out, (uint32_t)a->sp.kind)) ||
        (rc = put_u32(out, a->nparts)) || (rc = put_u32(out, a->nkeys)) ||
        (rc = put_u32(out, a->naggs)) || (rc = put_i64(out, (int64_t)a->late)) ||
        (rc = put_i64(out, a->last_periodic)) || (rc = keytab_save(&a->ptab, out)) ||
        (rc = put_u32(out, a->np)))
        return rc;
    for (uint32_t i = 0; i < a->np && !rc; i++) {
        const struct part *p = &a->p[i];
        uint8_t f[2] = {p->has_wm, p->has_event};
        if ((rc = put_i64(out, p->wm)) || (rc = put_i64(out, p->max_t)) ||
            (rc = put_i64(out, p->arrival)) || (rc = put(out, f, 2)) ||
            (rc = put_u32(out, p->nwins)))
            return rc;
        for (uint32_t k = 0; k < p->nwins && !rc; k++)
            rc = save_win(a, p->wins[k], out);
    }
    return rc;
}

static int take_u32(struct agg_rd *rd, uint32_t *v)
{
    return agg_rd_take(rd, v, sizeof *v);
}
static int take_i64(struct agg_rd *rd, int64_t *v)
{
    return agg_rd_take(rd, v, sizeof *v);
}

static int load_win(struct window *a, uint32_t pi, struct agg_rd *rd)
{
    int64_t start, end, last;
    uint8_t sealed;
    uint32_t ng, len;
    size_t used;
    struct win *w;
    int rc;
    if ((rc = take_i64(rd, &start)) || (rc = take_i64(rd, &end)) || (rc = take_i64(rd, &last)) ||
        (rc = agg_rd_take(rd, &sealed, 1)))
        return rc;
    if ((rc = win_new(a, pi, start, end, &w)))
        return rc;
    w->last = last;
    w->sealed = sealed;
    if (a->nkeys) {
        if ((rc = keytab_load(&w->groups, rd->p, rd->n, &used)))
            return rc;
        rd->p += used;
        rd->n -= used;
    } else if ((rc = take_u32(rd, &ng)) || ng != 0) { /* an empty key table: count 0 */
        return rc ? rc : ERR_CORRUPT;
    }
    if ((rc = take_u32(rd, &ng)))
        return rc;
    if (ng != (a->nkeys ? w->groups.n : 1))
        return ERR_CORRUPT;
    while (w->ngroups < ng)
        if ((rc = new_group(a, w)))
            return rc;
    for (uint32_t g = 0; g < ng; g++) {
        char *s = w->gstate[g];
        if ((rc = agg_rd_take(rd, &w->shown[g], 1)) || (rc = take_i64(rd, live_of(a, s))))
            return rc;
        for (uint32_t i = 0; i < a->naggs; i++) {
            struct agg_bind *bd = &a->aggs[i].bind;
            uint8_t flag;
            if ((rc = agg_rd_take(rd, &flag, 1)) || (rc = take_u32(rd, &len)))
                return rc;
            if (len > rd->n)
                return ERR_CORRUPT;
            if ((rc = bd->ops.deserialize(bd, s + a->state_off[i], rd->p, len)))
                return rc;
            rd->p += len;
            rd->n -= len;
            if (a->flag_off[i] != UINT32_MAX)
                s[a->flag_off[i]] = (char)flag;
        }
    }
    if ((rc = take_u32(rd, &len)))
        return rc;
    if (len) {
        if (len > rd->n)
            return ERR_CORRUPT;
        if ((rc = blk_deserialize(rd->p, len, &w->shown_rows)))
            return rc;
        if (w->shown_rows->ncols != a->nout - 1 || w->shown_rows->nrows > ng)
            return ERR_CORRUPT;
        rd->p += len;
        rd->n -= len;
    }
    return 0;
}

int op_window_load(struct op *o, const void *p, size_t n)
{
    struct window *a = (struct window *)o;
    struct agg_rd rd = {p, n};
    uint32_t v[5], np;
    int64_t late;
    size_t used;
    int rc;
    for (uint32_t i = 0; i < a->np; i++)
        if (a->p[i].has_event || a->p[i].nwins)
            return -EBUSY;
    if (a->ptab.n)
        return -EBUSY;
    for (int i = 0; i < 5; i++)
        if ((rc = take_u32(&rd, &v[i])))
            return rc;
    if (v[0] != SAVE_MAGIC || v[1] != (uint32_t)a->sp.kind || v[2] != a->nparts ||
        v[3] != a->nkeys || v[4] != a->naggs)
        return ERR_CORRUPT;
    if ((rc = take_i64(&rd, &late)) || (rc = take_i64(&rd, &a->last_periodic)))
        return rc;
    a->late = (uint64_t)late;
    if ((rc = keytab_load(&a->ptab, rd.p, rd.n, &used)))
        return rc;
    rd.p += used;
    rd.n -= used;
    if ((rc = take_u32(&rd, &np)))
        return rc;
    if (a->nparts ? np != a->ptab.n : np != 1)
        return ERR_CORRUPT;
    if (np) {
        free(a->p);
        a->np = a->pcap = 0;
        if (!(a->p = calloc(np, sizeof(*a->p))))
            return -ENOMEM;
        a->np = a->pcap = np;
    }
    for (uint32_t i = 0; i < np; i++) {
        struct part *pt = &a->p[i];
        uint8_t f[2];
        uint32_t nw;
        if ((rc = take_i64(&rd, &pt->wm)) || (rc = take_i64(&rd, &pt->max_t)) ||
            (rc = take_i64(&rd, &pt->arrival)) || (rc = agg_rd_take(&rd, f, 2)) ||
            (rc = take_u32(&rd, &nw)))
            return rc;
        pt->has_wm = f[0];
        pt->has_event = f[1];
        for (uint32_t k = 0; k < nw; k++)
            if ((rc = load_win(a, i, &rd)))
                return rc;
    }
    if ((rc = agg_rd_end(&rd)))
        return rc;
    counters(a);
    return charge(a);
}

/* ---- creation ---- */

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

static void free_exprs(struct xpr **x, uint32_t n)
{
    for (uint32_t i = 0; x && i < n; i++)
        xpr_destroy(x[i]);
    free(x);
}

static void window_destroy(struct op *o)
{
    struct window *a = (struct window *)o;
    for (uint32_t i = 0; i < a->np; i++) {
        for (uint32_t k = 0; k < a->p[i].nwins; k++)
            win_free(a, a->p[i].wins[k]);
        free(a->p[i].wins);
    }
    free(a->p);
    keytab_free(&a->ptab);
    if (a->charged)
        op_ctx_charge(o->ctx, -(int64_t)a->charged);
    xpr_destroy(a->time);
    free_exprs(a->parts, a->nparts);
    free_exprs(a->keys, a->nkeys);
    free_calls(a->aggs, a->naggs);
    free(a->key_ty);
    free(a->part_ty);
    free(a->out_ty);
    free(a->state_off);
    free(a->flag_off);
    free(a->pid);
    free(a->pend);
    free(a->prow);
    free(a->pstate);
    free(a->sel);
    free(a->states);
    free(a);
}

static const struct op_vt window_vt = {window_push, window_finish, window_destroy, window_tick};

int op_window_set_delta(struct op *o, uint32_t col)
{
    struct window *a = (struct window *)o;
    int rc = op_agg_can_retract(a->op.ctx, a->aggs, a->naggs);
    if (!rc)
        a->delta_col = (int32_t)col;
    return rc;
}

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

static int layout(struct window *a)
{
    a->nout = 2 + a->nkeys + a->naggs + (a->sp.emit == OP_EMIT_CHANGELOG);
    a->out_ty = calloc(a->nout, sizeof(*a->out_ty));
    a->key_ty = calloc(a->nkeys + 1, sizeof(*a->key_ty));
    a->part_ty = calloc(a->nparts + 1, sizeof(*a->part_ty));
    a->state_off = calloc(a->naggs + 1, sizeof(*a->state_off));
    a->flag_off = calloc(a->naggs + 1, sizeof(*a->flag_off));
    if (!a->out_ty || !a->key_ty || !a->part_ty || !a->state_off || !a->flag_off)
        return -ENOMEM;
    struct ty tt = a->time->ty;
    tt.nullable = 0;
    a->out_ty[0] = a->out_ty[1] = tt;
    for (uint32_t i = 0; i < a->nkeys; i++)
        a->out_ty[2 + i] = a->key_ty[i] = a->keys[i]->ty;
    for (uint32_t i = 0; i < a->nparts; i++)
        a->part_ty[i] = a->parts[i]->ty;
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
        a->out_ty[2 + a->nkeys + i] = c->bind.ret;
        a->out_ty[2 + a->nkeys + i].nullable |= (uint8_t)track;
    }
    if (a->sp.emit == OP_EMIT_CHANGELOG)
        a->out_ty[a->nout - 1] = (struct ty){TY_INT8, 0, 0};
    at = (at + 7) & ~(size_t)7;
    a->live_off = (uint32_t)at;
    a->stride = at + sizeof(int64_t);
    return 0;
}

int op_window_create(struct op_ctx *ctx, const struct op_window_spec *spec, struct xpr *time,
                     struct xpr **parts, uint32_t nparts, struct xpr **keys, uint32_t nkeys,
                     struct op_agg_call *aggs, uint32_t naggs, struct op *next, struct op **out)
{
    struct window *a = calloc(1, sizeof(*a));
    int rc = -ENOMEM;
    if (!a) {
        xpr_destroy(time);
        free_exprs(parts, nparts);
        free_exprs(keys, nkeys);
        free_calls(aggs, naggs);
        op_destroy(next);
        return rc;
    }
    a->op = (struct op){&window_vt, next, ctx};
    atomic_store(&ctx->windowed, 1);
    a->sp = *spec;
    a->time = time;
    a->parts = parts;
    a->nparts = nparts;
    a->keys = keys;
    a->nkeys = nkeys;
    a->aggs = aggs;
    a->naggs = naggs;
    a->delta_col = -1;
    keytab_init(&a->ptab, NULL, 0);
    if (nkeys > FN_MAX_ARGS || nparts > FN_MAX_ARGS) {
        rc = op_ctx_fail(ctx, -EINVAL, "too many GROUP BY or PARTITION BY keys (at most %d)",
                         FN_MAX_ARGS);
        goto fail;
    }
    if (!time || (time->ty.kind != TY_DATETIME && time->ty.kind != TY_DATETIME64)) {
        rc = op_ctx_fail(ctx, -EINVAL, "the window's time column must be a datetime or datetime64");
        goto fail;
    }
    a->tick_ns = time->ty.kind == TY_DATETIME ? 1000000000 : dt_pow10(9 - time->ty.prec);
    if ((a->sp.kind != OP_WIN_GLOBAL && a->sp.size_ns <= 0) || (a->sp.kind == OP_WIN_HOP &&
                               (a->sp.slide_ns <= 0 || a->sp.slide_ns > a->sp.size_ns))) {
        rc = op_ctx_fail(ctx, -EINVAL, "invalid window size or slide");
        goto fail;
    }
    if (a->sp.kind == OP_WIN_SESSION && a->sp.max_len_ns <= 0)
        a->sp.max_len_ns = 5 * a->sp.size_ns;
    if (a->sp.emit == OP_EMIT_PERIODIC && a->sp.periodic_ns <= 0) {
        rc = op_ctx_fail(ctx, -EINVAL, "EMIT PERIODIC needs a positive interval");
        goto fail;
    }
    if (a->sp.delay_ns < 0)
        a->sp.delay_ns = 0;
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
    keytab_init(&a->ptab, a->part_ty, nparts);
    if (!nparts) { /* one partition: the whole stream */
        if (!(a->p = calloc(1, sizeof(*a->p))))
            goto fail;
        a->np = a->pcap = 1;
    }
    *out = &a->op;
    return 0;
fail:
    op_destroy(&a->op);
    return rc;
}
