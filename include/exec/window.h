/*
 * window.h — windowed aggregation (tumble, hop, session) with watermarks
 * and emit policies: the operator of streaming GROUP BY (SPEC: windows,
 * precise rules 7, 8 and 9).
 *
 * Input blocks carry the event time (an expression over the block, of
 * type datetime or datetime64(p)). Every row is assigned to its windows:
 *   tumble: [floor(t / size) * size, + size);
 *   hop:    every [s, s + size) with s a multiple of slide and s <= t < s +
 *           size (so windows start before the first event too);
 *   session (per partition): starts at its first event; an event at a gap
 *           of timeout or more after the last one, or at start + max_length
 *           or later, starts the next session; the end is last + timeout, or
 *           start + max_length when cut (rule 9).
 * Each window keeps one aggregate state per group (GROUP BY keys), made
 * with the agg_ops of exec/agg.h.
 *
 * Watermark, per PARTITION BY key (one partition without it): the largest
 * event time seen minus the delay; it never moves back. For tumble and hop
 * it moves after each write (the rows of one ingest record, blk.wends: a
 * scan's block may gather many), as Proton moves it after each block: the
 * rows of a write are taken against the watermark from before it, so an
 * event in the same write as a later one is never late because of it.
 * Sessions (as in Proton) and blocks that do not say where their writes
 * end move it after each row. A window closes when watermark >=
 * window_end: its rows are emitted (default policy) and its state freed.
 * An event is late, dropped and counted, when every window it belongs to
 * has closed. Quiet
 * streams (rule 8): once a partition has seen no event for idle_ns of wall
 * clock (default: the size, or the session timeout), a tick at now_ns
 * moves its watermark to max_event + (now_ns - last_arrival) - delay. The
 * arrival of an event is stamped with clk_now_ns() (util/clock.h; tests
 * drive a fake clock).
 *
 * Emit policies: OP_EMIT_WATERMARK (the default; also AFTER WINDOW CLOSE);
 * OP_EMIT_PERIODIC: as the default, and every periodic_ns of ticks the
 * current results of every open window; OP_EMIT_ON_UPDATE: after each
 * write (blk.wends; else before windows close and after each block) the
 * groups changed since, closing then only frees;
 * OP_EMIT_CHANGELOG: like ON UPDATE, with an int8 _tp_delta column: a
 * changed group that was emitted before gives its old row with -1, then
 * the new one with +1; with periodic_ns (OP_WIN_GLOBAL only: Proton's
 * EMIT CHANGELOG PERIODIC i) the changes gathered over each period come
 * on the tick that ends it, and those not shown yet at finish.
 *
 * Output columns: window_start, window_end (the time expression's type,
 * not nullable), the keys, the aggregates, then _tp_delta for CHANGELOG.
 * Rows come out window by window, in order of (window_end, window_start,
 * partition), groups in order of first appearance. At finish (a bounded
 * source ended) every open window is emitted, as Proton does for
 * historical window queries (not for ON UPDATE / CHANGELOG, whose rows are
 * out already).
 *
 * Memory (window key tables, states and what they hold) is charged to the
 * op_ctx after each block; the counters watermark_ns, late_events and
 * windows_open of struct op_ctx follow the operator.
 *
 * Checkpoints: op_window_save writes the whole state (partitions,
 * watermarks, open windows with their serialized aggregate states,
 * counters); op_window_load restores it into a fresh operator created
 * with the same spec, keys and aggregates.
 *
 * Ownership: as every operator constructor (exec/op.h), op_window_create
 * owns what it is given (expressions, calls, next) from the call on, also
 * when it fails.
 */
#ifndef SFS_EXEC_WINDOW_H
#define SFS_EXEC_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "exec/op.h"
#include "util/buf.h"

/* OP_WIN_GLOBAL: a streaming aggregation without a window (Proton's
 * global aggregation): one window per partition that never closes, shown
 * by the emit policy (PERIODIC, the streaming default of 2s; ON UPDATE;
 * CHANGELOG) and at finish; its window_start / window_end columns are
 * meaningless (0 and the largest time) and not for users. */
enum op_win_kind { OP_WIN_TUMBLE = 1, OP_WIN_HOP, OP_WIN_SESSION, OP_WIN_GLOBAL };

enum op_win_emit {
    OP_EMIT_WATERMARK = 0,
    OP_EMIT_PERIODIC,
    OP_EMIT_ON_UPDATE,
    OP_EMIT_CHANGELOG,
};

struct op_window_spec {
    enum op_win_kind kind;
    int64_t size_ns;      /* tumble, hop: the size; session: the timeout; global: 0 */
    int64_t slide_ns;     /* hop: the slide (<= size) */
    int64_t max_len_ns;   /* session: the longest session; 0: 5 x timeout */
    int64_t delay_ns;     /* WITH DELAY */
    enum op_win_emit emit;
    int64_t periodic_ns;  /* OP_EMIT_PERIODIC */
    int64_t idle_ns;      /* EMIT TIMEOUT: quiet after this; 0: size / timeout */
};

/* time: the event time (datetime or datetime64); parts: PARTITION BY
 * expressions; keys: GROUP BY expressions (without window_start/end). */
int op_window_create(struct op_ctx *ctx, const struct op_window_spec *spec, struct xpr *time,
                     struct xpr **parts, uint32_t nparts, struct xpr **keys, uint32_t nkeys,
                     struct op_agg_call *aggs, uint32_t naggs, struct op *next, struct op **out);

/* A changelog input (a mutable stream's, op_changelog_create): rows whose
 * int8 column col is -1 are retracted from the states of their windows
 * (agg_ops.retract) instead of added; a group whose rows are all retracted
 * leaves the result (CHANGELOG: its -1 row, no new one). Fails (op_ctx
 * error) when an aggregate cannot retract. Groups' live row counts are
 * part of op_window_save. */
int op_window_set_delta(struct op *o, uint32_t col);

/* The state of window operator o, appended to out. */
int op_window_save(struct op *o, struct buf *out);
/* Restore what op_window_save wrote into o, a window operator that has
 * seen no input; ERR_CORRUPT when p is not such a state or was written by
 * an operator of another shape. */
int op_window_load(struct op *o, const void *p, size_t n);

#endif
