/*
 * window_test.c — the window operator (exec/window.h) driven directly with
 * hand-built blocks: each event one block of (ts datetime64(3), k string,
 * v int64), the wall clock a fake one (util/clock.h) moved by hand, ticks
 * given explicit times. No test sleeps.
 *
 * The SPEC's worked examples exactly (tumble with the quiet-stream close,
 * WITH DELAY and its late event, hop membership, sessions per partition
 * with the gap and the max_length cut), then the emit policies (PERIODIC,
 * ON UPDATE, CHANGELOG), hop windows before the first event, boundaries,
 * the watermark never moving back, late counting, the memory limit,
 * the save / load round trip, and retraction (a fourth int8 delta column).
 *
 * Output rows are rendered as text: "start-end keys... aggregates..." with
 * times in milliseconds since BASE, and "+1"/"-1" before a CHANGELOG row.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/agg.h"
#include "exec/window.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/err.h"

#define BASE_MS 1704067200000LL /* 2024-01-01 00:00:00 UTC, a multiple of every size here */
#define SEC 1000000000LL
#define WALL0 (1800000000LL * SEC)

static const struct ty TS = {TY_DATETIME64, 0, 3}, STR = {TY_STRING, 0, 0},
                       I64 = {TY_INT64, 0, 0};

static struct op_ctx ctx;

/* --- the collector: every row as a line of text ------------------------------ */

struct collector {
    struct op op;
    struct buf text;
    uint32_t rows;
    int finished;
};

static void render(struct buf *out, const struct blk *b, uint32_t r)
{
    uint32_t c = 0, n = b->ncols;
    if (b->cols[n - 1].ty.kind == TY_INT8) { /* _tp_delta */
        buf_printf(out, "%+d ", COL_AT(&b->cols[n - 1], int8_t, r));
        n--;
    }
    buf_printf(out, "%lld-%lld", (long long)(COL_AT(&b->cols[0], int64_t, r) - BASE_MS),
               (long long)(COL_AT(&b->cols[1], int64_t, r) - BASE_MS));
    for (c = 2; c < n; c++) {
        const struct col *col = &b->cols[c];
        if (col_is_null(col, r)) {
            buf_puts(out, " NULL");
        } else if (col->ty.kind == TY_STRING) {
            size_t len;
            const char *s = col_str(col, r, &len);
            buf_printf(out, " %.*s", (int)len, s);
        } else if (col->ty.kind == TY_UINT64) {
            buf_printf(out, " %llu", (unsigned long long)COL_AT(col, uint64_t, r));
        } else {
            buf_printf(out, " %lld", (long long)COL_AT(col, int64_t, r));
        }
    }
    buf_putc(out, '\n');
}

static int coll_push(struct op *o, struct blk *b)
{
    struct collector *c = (struct collector *)o;
    cr_assert_gt(b->nrows, 0, "no empty blocks downstream");
    for (uint32_t r = 0; r < b->nrows; r++)
        render(&c->text, b, r);
    c->rows += b->nrows;
    return 0;
}

static int coll_finish(struct op *o)
{
    ((struct collector *)o)->finished++;
    return 0;
}

static void coll_destroy(struct op *o)
{
    struct collector *c = (struct collector *)o;
    buf_free(&c->text);
    free(c);
}

static const struct op_vt coll_vt = {coll_push, coll_finish, coll_destroy, NULL};

/* What reached c since the last call, as text. */
static char *take(struct collector *c)
{
    static char out[8192];
    snprintf(out, sizeof out, "%.*s", (int)c->text.len, c->text.data ? c->text.data : "");
    buf_reset(&c->text);
    return out;
}

/* --- building the operator ---------------------------------------------------- */

static struct xpr *colx(uint32_t i, struct ty t)
{
    struct xpr *x;
    cr_assert_eq(xpr_col(i, t, &x), 0);
    return x;
}

static struct op_agg_call call(const char *name, int arg_v)
{
    struct op_agg_call c = {.nargs = arg_v ? 1 : 0};
    c.fn = agg_find(name, strlen(name));
    cr_assert_not_null(c.fn);
    c.args = calloc(1, sizeof(*c.args));
    c.bind.nargs = c.nargs;
    if (arg_v) {
        c.args[0] = colx(2, I64);
        c.bind.arg_ty[0] = I64;
    }
    cr_assert_eq(c.fn->bind(&c.bind), 0, "%s: %s", name, c.bind.err);
    return c;
}

enum { KEYED = 1, PARTED = 2, SUMV = 4 };

/* count() [, sum(v)], grouped by k when KEYED, partitioned by k when PARTED. */
static struct op *mk(const struct op_window_spec *sp, int flags, struct collector **cout)
{
    struct collector *c = calloc(1, sizeof(*c));
    c->op = (struct op){&coll_vt, NULL, &ctx};
    uint32_t naggs = flags & SUMV ? 2 : 1;
    struct op_agg_call *aggs = calloc(naggs, sizeof(*aggs));
    aggs[0] = call("count", 0);
    if (flags & SUMV)
        aggs[1] = call("sum", 1);
    struct xpr **keys = NULL, **parts = NULL;
    if (flags & KEYED) {
        keys = calloc(1, sizeof(*keys));
        keys[0] = colx(1, STR);
    }
    if (flags & PARTED) {
        parts = calloc(1, sizeof(*parts));
        parts[0] = colx(1, STR);
    }
    struct op *o;
    int rc = op_window_create(&ctx, sp, colx(0, TS), parts, flags & PARTED ? 1 : 0, keys,
                              flags & KEYED ? 1 : 0, aggs, naggs, &c->op, &o);
    cr_assert_eq(rc, 0, "create: %s", ctx.err);
    *cout = c;
    return o;
}

/* One event (one write): time in milliseconds since BASE; with d, a
 * fourth column: the int8 delta *d (retraction). */
static int ev_delta(struct op *o, int64_t ms, const char *k, int64_t v, const int8_t *d)
{
    struct ty t[4] = {TS, STR, I64, {TY_INT8, 0, 0}};
    struct blk *b;
    cr_assert_eq(blk_create(t, d ? 4 : 3, &b), 0);
    int64_t ts = BASE_MS + ms;
    col_push_fixed(&b->cols[0], &ts);
    col_push_str(&b->cols[1], k, strlen(k));
    col_push_fixed(&b->cols[2], &v);
    if (d)
        col_push_fixed(&b->cols[3], d);
    cr_assert_eq(blk_seal(b), 0);
    int rc = op_push(o, b);
    blk_unref(b);
    return rc;
}

static int ev(struct op *o, int64_t ms, const char *k, int64_t v)
{
    return ev_delta(o, ms, k, v, NULL);
}

static void setup(void)
{
    memset(&ctx, 0, sizeof(ctx));
    clk_fake_set(WALL0);
}

static void teardown(void)
{
    clk_fake_off();
}

TestSuite(window, .init = setup, .fini = teardown);

static struct op_window_spec tumble(int64_t size_s)
{
    return (struct op_window_spec){.kind = OP_WIN_TUMBLE, .size_ns = size_s * SEC};
}

/* --- the SPEC's worked examples ------------------------------------------------ */

Test(window, spec_tumble_default_emit_and_quiet_stream)
{
    struct op_window_spec sp = tumble(5);
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    cr_assert_eq(ev(o, 1000, "x", 0), 0);
    clk_fake_advance(SEC);
    cr_assert_eq(ev(o, 4000, "x", 0), 0);
    clk_fake_advance(SEC);
    cr_expect_str_eq(take(c), "");
    cr_assert_eq(ev(o, 6000, "x", 0), 0);
    cr_expect_str_eq(take(c), "0-5000 2\n", "06 closes [00,05) with 2");
    clk_fake_advance(SEC);
    cr_assert_eq(ev(o, 12000, "x", 0), 0);
    cr_expect_str_eq(take(c), "5000-10000 1\n", "12 closes [05,10) with 1");
    cr_expect_eq(atomic_load(&ctx.windows_open), 1);
    cr_expect_eq(atomic_load(&ctx.watermark_ns), (BASE_MS + 12000) * 1000000);
    int64_t last = clk_now_ns();
    /* quiet: nothing before T = 5 s of wall clock */
    cr_assert_eq(op_tick(o, last + 4 * SEC), 0);
    cr_expect_str_eq(take(c), "", "4 s quiet: [10,15) stays open");
    cr_assert_eq(op_tick(o, last + 5 * SEC), 0);
    cr_expect_str_eq(take(c), "10000-15000 1\n", "5 s quiet: 12 + 5 = 17 >= 15");
    cr_expect_eq(atomic_load(&ctx.windows_open), 0);
    cr_expect_eq(atomic_load(&ctx.late_events), 0);
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "", "nothing left at finish");
    cr_expect_eq(c->finished, 1);
    op_destroy(o);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0);
}

Test(window, spec_tumble_with_delay_and_late_event)
{
    struct op_window_spec sp = tumble(5);
    sp.delay_ns = 2 * SEC;
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    ev(o, 1000, "x", 0);
    ev(o, 4000, "x", 0);
    ev(o, 6000, "x", 0);
    cr_expect_str_eq(take(c), "", "at 06 the watermark is 04: nothing closes");
    cr_expect_eq(atomic_load(&ctx.watermark_ns), (BASE_MS + 4000) * 1000000);
    ev(o, 12000, "x", 0);
    cr_expect_str_eq(take(c), "0-5000 2\n5000-10000 1\n", "at 12 the watermark is 10");
    ev(o, 3000, "x", 0);
    cr_expect_str_eq(take(c), "", "03 is late: dropped");
    cr_expect_eq(atomic_load(&ctx.late_events), 1);
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "10000-15000 1\n");
    op_destroy(o);
}

Test(window, spec_hop_membership)
{
    struct op_window_spec sp = {.kind = OP_WIN_HOP, .slide_ns = 5 * SEC, .size_ns = 10 * SEC};
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    ev(o, 7000, "x", 0);
    cr_expect_eq(atomic_load(&ctx.windows_open), 2);
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "0-10000 1\n5000-15000 1\n", "07 is in [00,10) and [05,15)");
    op_destroy(o);
}

Test(window, spec_session_partition_by)
{
    struct op_window_spec sp = {.kind = OP_WIN_SESSION, .size_ns = 2 * SEC, .max_len_ns = 10 * SEC};
    struct collector *c;
    struct op *o = mk(&sp, KEYED | PARTED, &c);
    ev(o, 0, "a", 0);
    ev(o, 1000, "a", 0);
    ev(o, 2500, "a", 0);
    cr_expect_str_eq(take(c), "");
    ev(o, 5000, "a", 0);
    cr_expect_str_eq(take(c), "0-4500 a 3\n", "gap 2.5 >= 2 closes [00.0, 04.5) with 3");
    static const int64_t b[] = {0, 1500, 3000, 4500, 6000, 7500, 9000};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        ev(o, b[i], "b", 0);
    cr_expect_str_eq(take(c), "", "b has its own watermark: its old times are not late");
    cr_expect_eq(atomic_load(&ctx.late_events), 0);
    ev(o, 10500, "b", 0);
    cr_expect_str_eq(take(c), "0-10000 b 7\n", "cut at 00 + 10 with 7 events");
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "5000-7000 a 1\n10500-12500 b 1\n",
                     "05.0 and 10.5 started the next sessions");
    op_destroy(o);
}

/* --- more windows ----------------------------------------------------------------- */

Test(window, hop_windows_before_the_first_event)
{
    struct op_window_spec sp = {.kind = OP_WIN_HOP, .slide_ns = 2 * SEC, .size_ns = 6 * SEC};
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    ev(o, 1000, "x", 0);
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "-4000-2000 1\n-2000-4000 1\n0-6000 1\n");
    op_destroy(o);
}

Test(window, event_at_window_end_belongs_to_the_next)
{
    struct op_window_spec sp = tumble(5);
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    ev(o, 4999, "x", 0);
    ev(o, 5000, "x", 0);
    cr_expect_str_eq(take(c), "0-5000 1\n", "watermark 05 >= 05 closes [00,05)");
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "5000-10000 1\n");
    op_destroy(o);
}

Test(window, watermark_never_moves_back_and_late_counting)
{
    struct op_window_spec sp = {.kind = OP_WIN_HOP, .slide_ns = 5 * SEC, .size_ns = 10 * SEC};
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    ev(o, 12000, "x", 0);
    cr_expect_str_eq(take(c), "");
    ev(o, 7000, "x", 0);
    cr_expect_str_eq(take(c), "", "07 is in [05,15), still open: not late");
    cr_expect_eq(atomic_load(&ctx.late_events), 0);
    cr_expect_eq(atomic_load(&ctx.watermark_ns), (BASE_MS + 12000) * 1000000, "never back");
    ev(o, 3000, "x", 0);
    cr_expect_eq(atomic_load(&ctx.late_events), 1, "03: [-5,5) and [0,10) both closed");
    ev(o, 9000, "x", 0);
    cr_expect_eq(atomic_load(&ctx.late_events), 1);
    ev(o, 15000, "x", 0);
    cr_expect_str_eq(take(c), "5000-15000 3\n");
    cr_expect_eq(atomic_load(&ctx.watermark_ns), (BASE_MS + 15000) * 1000000);
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "10000-20000 2\n15000-25000 1\n", "no empty window");
    op_destroy(o);
}

/* --- emit policies ---------------------------------------------------------------- */

Test(window, emit_periodic)
{
    struct op_window_spec sp = tumble(5);
    sp.emit = OP_EMIT_PERIODIC;
    sp.periodic_ns = SEC;
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    int64_t t0 = clk_now_ns();
    ev(o, 1000, "x", 0);
    ev(o, 2000, "x", 0);
    cr_assert_eq(op_tick(o, t0 + SEC / 2), 0);
    cr_expect_str_eq(take(c), "", "half an interval");
    cr_assert_eq(op_tick(o, t0 + SEC), 0);
    cr_expect_str_eq(take(c), "0-5000 2\n", "the current result after 1 s");
    ev(o, 3000, "x", 0);
    cr_assert_eq(op_tick(o, t0 + SEC + SEC / 2), 0);
    cr_expect_str_eq(take(c), "");
    cr_assert_eq(op_tick(o, t0 + 2 * SEC), 0);
    cr_expect_str_eq(take(c), "0-5000 3\n");
    ev(o, 7000, "x", 0);
    cr_expect_str_eq(take(c), "0-5000 3\n", "closing still emits the final rows");
    cr_assert_eq(op_tick(o, t0 + 3 * SEC), 0);
    cr_expect_str_eq(take(c), "5000-10000 1\n");
    op_destroy(o);
}

Test(window, emit_on_update)
{
    struct op_window_spec sp = tumble(5);
    sp.emit = OP_EMIT_ON_UPDATE;
    struct collector *c;
    struct op *o = mk(&sp, KEYED, &c);
    ev(o, 1000, "a", 0);
    cr_expect_str_eq(take(c), "0-5000 a 1\n");
    ev(o, 2000, "b", 0);
    cr_expect_str_eq(take(c), "0-5000 b 1\n", "only the changed group");
    ev(o, 3000, "a", 0);
    cr_expect_str_eq(take(c), "0-5000 a 2\n");
    ev(o, 6000, "a", 0);
    cr_expect_str_eq(take(c), "5000-10000 a 1\n", "closing [0,5) emits nothing more");
    cr_expect_eq(atomic_load(&ctx.windows_open), 1);
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "");
    op_destroy(o);
}

Test(window, emit_changelog)
{
    struct op_window_spec sp = tumble(5);
    sp.emit = OP_EMIT_CHANGELOG;
    struct collector *c;
    struct op *o = mk(&sp, KEYED | SUMV, &c);
    ev(o, 1000, "a", 10);
    cr_expect_str_eq(take(c), "+1 0-5000 a 1 10\n");
    ev(o, 2000, "a", 5);
    cr_expect_str_eq(take(c), "-1 0-5000 a 1 10\n+1 0-5000 a 2 15\n", "retract, then add");
    ev(o, 3000, "b", 1);
    cr_expect_str_eq(take(c), "+1 0-5000 b 1 1\n", "a new group: no retraction");
    ev(o, 4000, "a", 1);
    cr_expect_str_eq(take(c), "-1 0-5000 a 2 15\n+1 0-5000 a 3 16\n");
    ev(o, 4500, "b", 1);
    cr_expect_str_eq(take(c), "-1 0-5000 b 1 1\n+1 0-5000 b 2 2\n");
    op_destroy(o);
}

/* --- memory and checkpoints --------------------------------------------------------- */

Test(window, memory_limit)
{
    struct op_window_spec sp = tumble(5);
    struct collector *c;
    ctx.mem_limit = 256 * 1024;
    struct op *o = mk(&sp, KEYED, &c);
    struct ty t[3] = {TS, STR, I64};
    int rc = 0;
    for (int blkno = 0; blkno < 100 && !rc; blkno++) {
        struct blk *b;
        cr_assert_eq(blk_create(t, 3, &b), 0);
        for (int i = 0; i < 1000; i++) {
            char key[64];
            int64_t ts = BASE_MS + 1000, v = i;
            int n = snprintf(key, sizeof key, "key-%d-%d-padding-padding-padding", blkno, i);
            col_push_fixed(&b->cols[0], &ts);
            col_push_str(&b->cols[1], key, (size_t)n);
            col_push_fixed(&b->cols[2], &v);
        }
        cr_assert_eq(blk_seal(b), 0);
        rc = op_push(o, b);
        blk_unref(b);
    }
    cr_expect_eq(rc, -ENOMEM);
    cr_expect(strstr(ctx.err, "memory limit exceeded") != NULL, "%s", ctx.err);
    op_destroy(o);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0, "everything released");
}

static void feed_first(struct op *o)
{
    ev(o, 0, "a", 1);
    ev(o, 1000, "a", 2);
    ev(o, 1200, "b", 4);
    ev(o, 2500, "a", 8);
    ev(o, 3000, "b", 16);
}

static void feed_rest(struct op *o)
{
    ev(o, 5000, "a", 32);
    ev(o, 4000, "b", 64);
    ev(o, 9000, "b", 128);
}

static void round_trip(struct op_window_spec sp, int flags)
{
    struct collector *c1, *c2;
    struct op *a = mk(&sp, flags, &c1);
    feed_first(a);
    take(c1);
    struct buf state = {0};
    cr_assert_eq(op_window_save(a, &state), 0);
    struct op *b = mk(&sp, flags, &c2);
    cr_assert_eq(op_window_load(b, state.data, state.len), 0, "%s", ctx.err);
    cr_expect_eq(op_window_load(b, state.data, state.len), -EBUSY, "only into a fresh one");
    feed_rest(a);
    feed_rest(b);
    cr_assert_eq(op_finish(a), 0);
    cr_assert_eq(op_finish(b), 0);
    char want[8192];
    snprintf(want, sizeof want, "%s", take(c1));
    cr_expect_gt(strlen(want), 0);
    cr_expect_str_eq(take(c2), want);
    /* a cut state is refused */
    struct collector *c3;
    struct op *d = mk(&sp, flags, &c3);
    cr_expect_eq(op_window_load(d, state.data, state.len - 3), ERR_CORRUPT);
    op_destroy(d);
    /* an operator of another shape refuses it */
    struct op *e = mk(&sp, flags ^ SUMV, &c3);
    cr_expect_eq(op_window_load(e, state.data, state.len), ERR_CORRUPT);
    op_destroy(e);
    buf_free(&state);
    op_destroy(a);
    op_destroy(b);
}

Test(window, save_load_tumble)
{
    round_trip(tumble(5), KEYED | SUMV);
}

Test(window, save_load_hop_changelog)
{
    struct op_window_spec sp = {.kind = OP_WIN_HOP, .slide_ns = 2 * SEC, .size_ns = 4 * SEC,
                                .emit = OP_EMIT_CHANGELOG};
    round_trip(sp, KEYED | SUMV);
}

Test(window, save_load_session_partitioned)
{
    struct op_window_spec sp = {.kind = OP_WIN_SESSION, .size_ns = 2 * SEC, .delay_ns = SEC};
    round_trip(sp, KEYED | PARTED | SUMV);
}

Test(window, late_count_survives_save_load)
{
    struct op_window_spec sp = tumble(5);
    struct collector *c1, *c2;
    struct op *a = mk(&sp, 0, &c1);
    ev(a, 12000, "x", 0);
    ev(a, 1000, "x", 0);
    cr_expect_eq(atomic_load(&ctx.late_events), 1);
    struct buf state = {0};
    cr_assert_eq(op_window_save(a, &state), 0);
    op_destroy(a);
    memset(&ctx, 0, sizeof(ctx));
    struct op *b = mk(&sp, 0, &c2);
    cr_assert_eq(op_window_load(b, state.data, state.len), 0);
    cr_expect_eq(atomic_load(&ctx.late_events), 1);
    cr_expect_eq(atomic_load(&ctx.watermark_ns), (BASE_MS + 12000) * 1000000);
    ev(b, 2000, "x", 0);
    cr_expect_eq(atomic_load(&ctx.late_events), 2, "the restored watermark still drops");
    buf_free(&state);
    op_destroy(b);
}

/* Many writes in one block (a table scan) give what one write each gives:
 * the watermark moves row by row. */
Test(window, one_block_is_many_writes)
{
    struct op_window_spec sp = tumble(5);
    sp.delay_ns = 2 * SEC;
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    static const int64_t ms[] = {1000, 4000, 6000, 12000, 3000};
    struct ty t[3] = {TS, STR, I64};
    struct blk *b;
    cr_assert_eq(blk_create(t, 3, &b), 0);
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        int64_t ts = BASE_MS + ms[i], v = 0;
        col_push_fixed(&b->cols[0], &ts);
        col_push_str(&b->cols[1], "x", 1);
        col_push_fixed(&b->cols[2], &v);
    }
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(op_push(o, b), 0);
    blk_unref(b);
    cr_expect_str_eq(take(c), "0-5000 2\n5000-10000 1\n");
    cr_expect_eq(atomic_load(&ctx.late_events), 1, "03 came after [00,05) closed");
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "10000-15000 1\n");
    op_destroy(o);
}

/* EMIT TIMEOUT replaces the size as the quiet time; the watermark then
 * keeps pace with the wall clock from the last arrival, minus the delay. */
Test(window, emit_timeout_and_quiet_delay)
{
    struct op_window_spec sp = tumble(10);
    sp.idle_ns = 2 * SEC;
    sp.delay_ns = SEC;
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    ev(o, 3000, "x", 0);
    int64_t t0 = clk_now_ns();
    cr_assert_eq(op_tick(o, t0 + 2 * SEC - 1), 0);
    cr_expect_eq(atomic_load(&ctx.watermark_ns), (BASE_MS + 2000) * 1000000, "not quiet yet");
    cr_assert_eq(op_tick(o, t0 + 2 * SEC), 0);
    cr_expect_eq(atomic_load(&ctx.watermark_ns), (BASE_MS + 4000) * 1000000, "03 + 2 - 1");
    cr_expect_str_eq(take(c), "");
    cr_assert_eq(op_tick(o, t0 + 7 * SEC), 0);
    cr_expect_str_eq(take(c), "", "03 + 7 - 1 = 9 < 10");
    cr_assert_eq(op_tick(o, t0 + 8 * SEC), 0);
    cr_expect_str_eq(take(c), "0-10000 1\n", "03 + 8 - 1 = 10 >= 10");
    cr_assert_eq(op_tick(o, t0 + 8 * SEC - 1), 0);
    cr_expect_eq(atomic_load(&ctx.watermark_ns), (BASE_MS + 10000) * 1000000, "never back");
    op_destroy(o);
}

/* A quiet partition closes its windows; a busy one does not hold it up,
 * and the busy one's watermark is its own. */
Test(window, quiet_partition_and_session_timeout)
{
    struct op_window_spec sp = {.kind = OP_WIN_SESSION, .size_ns = 2 * SEC};
    struct collector *c;
    struct op *o = mk(&sp, KEYED | PARTED, &c);
    int64_t t0 = clk_now_ns();
    ev(o, 0, "a", 0);
    ev(o, 500, "a", 0);
    for (int i = 1; i <= 3; i++) {
        clk_fake_advance(SEC);
        ev(o, 100000 + i * 1000, "b", 0);
        cr_assert_eq(op_tick(o, clk_now_ns()), 0);
    }
    cr_expect_str_eq(take(c), "0-2500 a 2\n", "a was quiet for 2 s of wall clock: 0.5 + 2 >= 2.5");
    cr_expect_eq(atomic_load(&ctx.windows_open), 1);
    cr_assert_eq(op_tick(o, t0 + 5 * SEC), 0);
    cr_expect_str_eq(take(c), "101000-105000 b 3\n", "b quiet for 2 s: 103 + 2 >= 105");
    op_destroy(o);
}

/* A global aggregation (no window): nothing closes, PERIODIC shows the
 * running result, finish gives the last one; CHANGELOG retracts. */
Test(window, global_periodic_and_changelog)
{
    struct op_window_spec sp = {.kind = OP_WIN_GLOBAL, .emit = OP_EMIT_PERIODIC, .periodic_ns = 2 * SEC};
    struct collector *c;
    struct op *o = mk(&sp, KEYED, &c);
    int64_t t0 = clk_now_ns();
    ev(o, 1000, "a", 0);
    ev(o, 900000, "a", 0);
    ev(o, 2000, "b", 0);
    cr_expect_str_eq(take(c), "", "nothing closes, nothing is late");
    cr_expect_eq(atomic_load(&ctx.late_events), 0);
    cr_assert_eq(op_tick(o, t0 + 100 * SEC), 0);
    char want[128];
    snprintf(want, sizeof want, "%lld-%lld a 2\n%lld-%lld b 1\n", -BASE_MS, (long long)(INT64_MAX / 1000000 - BASE_MS),
             -BASE_MS, (long long)(INT64_MAX / 1000000 - BASE_MS));
    cr_expect_str_eq(take(c), want);
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), want, "the final result at the end of input");
    op_destroy(o);

    memset(&ctx, 0, sizeof(ctx));
    sp.emit = OP_EMIT_CHANGELOG;
    sp.periodic_ns = 0;
    o = mk(&sp, KEYED, &c);
    ev(o, 1000, "a", 0);
    ev(o, 1000, "a", 0);
    snprintf(want, sizeof want, "+1 %lld-%lld a 1\n-1 %lld-%lld a 1\n+1 %lld-%lld a 2\n", -BASE_MS,
             (long long)(INT64_MAX / 1000000 - BASE_MS), -BASE_MS,
             (long long)(INT64_MAX / 1000000 - BASE_MS), -BASE_MS,
             (long long)(INT64_MAX / 1000000 - BASE_MS));
    cr_expect_str_eq(take(c), want);
    op_destroy(o);

    /* CHANGELOG PERIODIC: the changes of a period together, on its tick */
    memset(&ctx, 0, sizeof(ctx));
    sp.periodic_ns = 2 * SEC;
    o = mk(&sp, KEYED, &c);
    t0 = clk_now_ns();
    ev(o, 1000, "a", 0);
    ev(o, 1000, "a", 0);
    cr_expect_str_eq(take(c), "");
    cr_assert_eq(op_tick(o, t0 + 2 * SEC), 0);
    snprintf(want, sizeof want, "+1 %lld-%lld a 2\n", -BASE_MS,
             (long long)(INT64_MAX / 1000000 - BASE_MS));
    cr_expect_str_eq(take(c), want);
    ev(o, 1000, "b", 0);
    cr_assert_eq(op_finish(o), 0);
    snprintf(want, sizeof want, "+1 %lld-%lld b 1\n", -BASE_MS,
             (long long)(INT64_MAX / 1000000 - BASE_MS));
    cr_expect_str_eq(take(c), want, "the changes not shown yet at the end of input");
    op_destroy(o);
}

/* ON UPDATE lists a segment's changed groups in order of first
 * appearance, whatever order the rows came in. */
Test(window, on_update_group_order)
{
    struct op_window_spec sp = tumble(5);
    sp.emit = OP_EMIT_ON_UPDATE;
    struct collector *c;
    struct op *o = mk(&sp, KEYED, &c);
    ev(o, 1000, "a", 0);
    ev(o, 1000, "b", 0);
    ev(o, 1000, "c", 0);
    take(c);
    struct ty t[3] = {TS, STR, I64};
    struct blk *b;
    cr_assert_eq(blk_create(t, 3, &b), 0);
    static const char *const ks[] = {"c", "a", "c"};
    for (int i = 0; i < 3; i++) {
        int64_t ts = BASE_MS + 2000, v = 0;
        col_push_fixed(&b->cols[0], &ts);
        col_push_str(&b->cols[1], ks[i], 1);
        col_push_fixed(&b->cols[2], &v);
    }
    cr_assert_eq(blk_seal(b), 0);
    cr_assert_eq(op_push(o, b), 0);
    blk_unref(b);
    cr_expect_str_eq(take(c), "0-5000 a 2\n0-5000 c 3\n");
    op_destroy(o);
}

/* One block of four writes {01, 04} {06, 03} {12} {02}, saying where
 * they end (as a scan's block that gathered four records). */
static struct blk *four_writes(void)
{
    static const int64_t ms[] = {1000, 4000, 6000, 3000, 12000, 2000};
    static const uint32_t ends[] = {2, 4, 5, 6};
    struct ty t[3] = {TS, STR, I64};
    struct blk *b;
    cr_assert_eq(blk_create(t, 3, &b), 0);
    for (size_t i = 0, w = 0; i < sizeof ms / sizeof ms[0]; i++) {
        int64_t ts = BASE_MS + ms[i], v = 0;
        col_push_fixed(&b->cols[0], &ts);
        col_push_str(&b->cols[1], "x", 1);
        col_push_fixed(&b->cols[2], &v);
        cr_assert_eq(blk_seal(b), 0);
        if (i + 1 == ends[w]) {
            cr_assert_eq(blk_end_write(b), 0);
            w++;
        }
    }
    cr_assert_eq(b->nwends, 4);
    return b;
}

/* Tumble and hop take each write's rows against the watermark from
 * before it and move the watermark at the write's end, as Proton does per
 * block (its smoke case 0000 #12); sessions stay per row. */
Test(window, watermark_moves_per_write_of_a_block)
{
    for (int kind = 0; kind < 2; kind++) {
        struct op_window_spec sp = tumble(5);
        if (kind)
            sp = (struct op_window_spec){.kind = OP_WIN_SESSION, .size_ns = 5 * SEC};
        struct collector *c;
        struct op *o = mk(&sp, 0, &c);
        struct blk *b = four_writes();
        cr_assert_eq(op_push(o, b), 0);
        blk_unref(b);
        if (!kind) /* 03 shares a write with 06: [00,05) is still open for it */
            cr_expect_str_eq(take(c), "0-5000 3\n5000-10000 1\n");
        else /* per row: 12 seals and closes the first session, 03 joined it before */
            cr_expect_str_eq(take(c), "1000-11000 4\n");
        cr_expect_eq(atomic_load(&ctx.late_events), 1, "02 comes after its window closed");
        cr_assert_eq(op_finish(o), 0);
        cr_expect_str_eq(take(c), kind ? "12000-17000 1\n" : "10000-15000 1\n");
        op_destroy(o);
    }
}

/* ON UPDATE: one update per write of the block, as if each came alone. */
Test(window, on_update_per_write_of_a_block)
{
    struct op_window_spec sp = tumble(5);
    sp.emit = OP_EMIT_ON_UPDATE;
    struct collector *c;
    struct op *o = mk(&sp, 0, &c);
    struct blk *b = four_writes();
    cr_assert_eq(op_push(o, b), 0);
    blk_unref(b);
    cr_expect_str_eq(take(c), "0-5000 2\n0-5000 3\n5000-10000 1\n10000-15000 1\n");
    cr_assert_eq(op_finish(o), 0);
    cr_expect_str_eq(take(c), "", "the rows are out already");
    op_destroy(o);
}

/* --- retraction (a mutable stream's changelog) --------------------------------
 * Rows whose int8 delta column is -1 take their value back out of their
 * windows; a group whose rows are all gone leaves the result; the groups'
 * live counts survive a checkpoint (without them the restored group would
 * look empty after one retraction and be reset). */

static int evd(struct op *o, int64_t ms, const char *k, int64_t v, int8_t d)
{
    return ev_delta(o, ms, k, v, &d);
}

Test(window, retract_and_save_load)
{
    struct op_window_spec sp = tumble(5);
    struct collector *c1, *c2;
    struct op *a = mk(&sp, KEYED | SUMV, &c1);
    cr_assert_eq(op_window_set_delta(a, 3), 0);
    cr_assert_eq(evd(a, 0, "a", 1, 1), 0);
    cr_assert_eq(evd(a, 1000, "a", 2, 1), 0);
    cr_assert_eq(evd(a, 1200, "b", 4, 1), 0);
    struct buf state = {0};
    cr_assert_eq(op_window_save(a, &state), 0);
    struct op *b = mk(&sp, KEYED | SUMV, &c2);
    cr_assert_eq(op_window_set_delta(b, 3), 0);
    cr_assert_eq(op_window_load(b, state.data, state.len), 0, "%s", ctx.err);
    struct op *both[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(evd(both[i], 0, "a", 1, -1), 0);
        cr_assert_eq(evd(both[i], 1200, "b", 4, -1), 0);
        cr_assert_eq(evd(both[i], 2000, "c", 8, 1), 0);
        cr_assert_eq(op_finish(both[i]), 0);
    }
    char want[8192];
    snprintf(want, sizeof want, "%s", take(c1));
    cr_expect_str_eq(want, "0-5000 a 1 2\n0-5000 c 1 8\n", "b is gone");
    cr_expect_str_eq(take(c2), want);
    buf_free(&state);
    op_destroy(a);
    op_destroy(b);
}
