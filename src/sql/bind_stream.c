/*
 * bind_stream.c — the streaming parts of binding a SELECT (bind_int.h):
 * windows (FROM tumble / hop / session), the global kind of the window
 * operator for streaming aggregations with EMIT or PARTITION BY, the EMIT
 * policies, the query's SETTINGS (seek_to, formats, limits) and where a
 * streaming query starts (seek_to, and Proton's event predicates on
 * _tp_time / _tp_sn as backfill). binder.c calls these at their places in
 * bind_select; they share its struct binder and helpers (sql_b_*).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bind_int.h"
#include "exec/agg.h"
#include "exec/expr.h"
#include "exec/func.h"
#include "types/datetime.h"
#include "util/buf.h"
#include "util/err.h"

/* The window of FROM tumble / hop / session over the stream just bound:
 * the time column and the operator's spec (EMIT and PARTITION BY are
 * bound with the rest of the select). */
int sql_b_window(struct binder *bd, const struct sql_from *f)
{
    const struct sql_window *w = f->win;
    struct bsel *b = bd->b;
    const char *tname = w->time_col ? w->time_col : w->time_expr ? "expression" : "_tp_time";
    struct sql_pos tp = w->time_col || w->time_expr ? w->time_pos : w->pos;
    int idx = -1, rc;
    for (uint32_t i = 0; i < bd->nin && !w->time_expr; i++)
        if (strcmp(bd->in_names[i], tname) == 0)
            idx = (int)i;
    if (w->time_expr) { /* the time as an expression over the row (Proton) */
        bd->clause = "the window's time";
        if (sql_b_contains_agg(w->time_expr))
            return sql_b_fail(bd, sql_b_find_agg(w->time_expr), -EINVAL,
                         "aggregate functions are not allowed in the window's time");
        if ((rc = sql_b_expr(bd, w->time_expr, 0, &b->win_time)))
            return rc;
    } else if (idx < 0) {
        const char *hint = sql_closest(tname, bd->in_names, (int)bd->nin);
        if (hint)
            return sql_fail(bd->err, -EINVAL, tp.line, tp.col,
                            "unknown time column '%s' in %s, did you mean '%s'?", tname,
                            bd->in_desc, hint);
        return sql_fail(bd->err, -EINVAL, tp.line, tp.col, "unknown time column '%s' in %s", tname,
                        bd->in_desc);
    }
    struct ty t = w->time_expr ? b->win_time->ty : bd->in_types[idx];
    if (t.kind != TY_DATETIME && t.kind != TY_DATETIME64) {
        char tn[TY_MAX_NAME];
        ty_name(t, tn);
        if (w->time_expr)
            return sql_fail(bd->err, -EINVAL, tp.line, tp.col,
                            "the window's time must be datetime or datetime64, got %s", tn);
        return sql_fail(bd->err, -EINVAL, tp.line, tp.col,
                        "the time column '%s' must be datetime or datetime64, got %s", tname, tn);
    }
    /* Proton refuses intervals finer than the time column holds (1ms over
     * a datetime): such windows could not be told apart */
    int prec = t.kind == TY_DATETIME ? 0 : (int)t.prec;
    int64_t tick = dt_pow10(9 - prec);
    if (w->size_ns % tick || w->slide_ns % tick || w->max_len_ns % tick) {
        char tn[TY_MAX_NAME], unit[16] = "1", what[96] = "its time";
        ty_name(t, tn);
        if (prec)
            snprintf(unit, sizeof(unit), "0.%0*d", prec, 1);
        if (!w->time_expr)
            snprintf(what, sizeof(what), "its time column '%s'", tname);
        return sql_fail(bd->err, -EINVAL, w->pos.line, w->pos.col,
                        "the intervals of %s must be whole multiples of %ss, the precision of "
                        "%s (%s)",
                        w->kind == SQL_WIN_TUMBLE ? "tumble" : w->kind == SQL_WIN_HOP ? "hop" : "session",
                        unit, what, tn);
    }
    if (!w->time_expr) {
        bd->used[idx] = 1;
        if (xpr_col((uint32_t)idx, t, &b->win_time))
            return sql_fail(bd->err, -ENOMEM, tp.line, tp.col, "out of memory");
    }
    b->windowed = 1;
    b->key_base = 2;
    memset(&b->win, 0, sizeof(b->win));
    b->win.kind = w->kind == SQL_WIN_TUMBLE ? OP_WIN_TUMBLE
                : w->kind == SQL_WIN_HOP    ? OP_WIN_HOP
                                            : OP_WIN_SESSION;
    b->win.size_ns = w->size_ns;
    b->win.slide_ns = w->slide_ns;
    b->win.max_len_ns = w->max_len_ns;
    return 0;
}

/*
 * A streaming aggregation without a window that asks for an EMIT policy
 * or PARTITION BY (Proton's global aggregation: `SELECT count() FROM s
 * EMIT CHANGELOG`): the window operator's global kind, one window that
 * never closes, timed by _tp_time; window_start / window_end stay unknown
 * names. Plain ones keep the aggregate operator (EMIT PERIODIC 2s).
 */
int sql_b_global(struct binder *bd)
{
    const struct sql_select *s = bd->sel;
    struct bsel *b = bd->b;
    int idx = -1;
    for (uint32_t i = 0; i < bd->nin; i++)
        if (strcmp(bd->in_names[i], "_tp_time") == 0)
            idx = (int)i;
    if (idx < 0) /* every stream has it; a subquery may not */
        return sql_fail(bd->err, -EINVAL, s->emit.given ? s->emit.pos.line : s->partition_pos.line,
                        s->emit.given ? s->emit.pos.col : s->partition_pos.col,
                        "EMIT and PARTITION BY without a window need a stream (FROM s)");
    bd->used[idx] = 1;
    if (xpr_col((uint32_t)idx, bd->in_types[idx], &b->win_time))
        return sql_b_fail(bd, NULL, -ENOMEM, "out of memory");
    b->windowed = 1;
    b->key_base = 2;
    memset(&b->win, 0, sizeof(b->win));
    b->win.kind = OP_WIN_GLOBAL;
    return 0;
}

/* EMIT and PARTITION BY: windows and streaming aggregations. */
int sql_b_emit(struct binder *bd)
{
    const struct sql_select *s = bd->sel;
    struct bsel *b = bd->b;
    int rc;
    if (!b->windowed) {
        int plain = s->emit.stream && s->emit.kind == SQL_EMIT_NONE && !s->emit.delay_ns &&
                    !s->emit.timeout_ns; /* EMIT STREAM alone: rows as they come */
        if (s->emit.given && !plain)
            return sql_fail(bd->err, -EINVAL, s->emit.pos.line, s->emit.pos.col,
                            "EMIT needs a window (FROM tumble(...), hop(...) or session(...)) "
                            "or an aggregation over a stream");
        if (s->npartition)
            return sql_fail(bd->err, -EINVAL, s->partition_pos.line, s->partition_pos.col,
                            "PARTITION BY needs a window (FROM tumble(...), hop(...) or "
                            "session(...)) or an aggregation over a stream");
        return 0;
    }
    if (b->win.kind == OP_WIN_GLOBAL &&
        (s->emit.kind == SQL_EMIT_WATERMARK || s->emit.timeout_ns || s->emit.delay_ns))
        return sql_fail(bd->err, -EINVAL, s->emit.pos.line, s->emit.pos.col,
                        "this EMIT needs a window: a global aggregation emits PERIODIC, ON UPDATE "
                        "or CHANGELOG");
    if (b->win.kind != OP_WIN_GLOBAL && s->emit.kind == SQL_EMIT_CHANGELOG && s->emit.periodic_ns)
        return sql_fail(bd->err, -EINVAL, s->emit.pos.line, s->emit.pos.col,
                        "EMIT CHANGELOG PERIODIC needs a global aggregation (a window's changes "
                        "come as it updates and closes)");
    switch (s->emit.kind) {
    case SQL_EMIT_NONE:
    case SQL_EMIT_WATERMARK: b->win.emit = OP_EMIT_WATERMARK; break;
    case SQL_EMIT_PERIODIC: b->win.emit = OP_EMIT_PERIODIC; break;
    case SQL_EMIT_ON_UPDATE: b->win.emit = OP_EMIT_ON_UPDATE; break;
    case SQL_EMIT_CHANGELOG: b->win.emit = OP_EMIT_CHANGELOG; break;
    }
    b->win.delay_ns = s->emit.delay_ns;
    b->win.periodic_ns = s->emit.periodic_ns;
    b->win.idle_ns = s->emit.timeout_ns;
    if (b->win.kind == OP_WIN_GLOBAL && b->win.emit == OP_EMIT_WATERMARK) {
        b->win.emit = OP_EMIT_PERIODIC; /* PARTITION BY alone: the streaming default */
        b->win.periodic_ns = OP_DEFAULT_PERIODIC_NS;
    }
    if (!s->npartition)
        return 0;
    bd->clause = "PARTITION BY";
    if (!(b->parts = calloc(s->npartition, sizeof(*b->parts))))
        return sql_b_fail(bd, NULL, -ENOMEM, "out of memory");
    for (uint32_t i = 0; i < s->npartition; i++) {
        const struct sql_expr *x = sql_b_alias(bd, s->partition[i]);
        if (sql_b_contains_agg(x))
            return sql_b_fail(bd, sql_b_find_agg(x), -EINVAL, "aggregate functions are not allowed in PARTITION BY");
        if ((rc = sql_b_expr(bd, x, 0, &b->parts[i])))
            return rc;
        b->nparts++;
    }
    return 0;
}
/* ---- settings ---- */

/* An interval like 1h, 30m, 10s, 2d, 500ms in ms; -1 when it is none. */
static int64_t seek_interval_ms(const char *p)
{
    char *end;
    if (*p < '0' || *p > '9')
        return -1;
    double n = strtod(p, &end);
    static const struct { const char *unit; int64_t ms; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].unit) == 0)
            return (int64_t)(n * (double)units[i].ms);
    return -1;
}

/* SETTINGS seek_to='earliest'|'latest'|'-1h'|'2024-07-10 00:00:00'|<sequence>. */
static int bind_seek(struct binder *bd, const struct sql_setting *st)
{
    struct src_start *sk = &bd->b->start;
    bd->b->has_seek = 1;
    if (st->kind == SQL_V_INT && st->i >= 0) {
        sk->seek = SRC_SEEK_SN;
        sk->sn = (uint64_t)st->i;
        return 0;
    }
    if (st->kind == SQL_V_STRING) {
        const char *v = st->str;
        int64_t ms, ticks;
        if (!strcasecmp(v, "earliest")) {
            sk->seek = SRC_SEEK_EARLIEST;
            return 0;
        }
        if (!strcasecmp(v, "latest")) {
            sk->seek = SRC_SEEK_END;
            return 0;
        }
        if (v[0] == '-' && (ms = seek_interval_ms(v + 1)) >= 0) {
            sk->seek = SRC_SEEK_TIME;
            sk->time_ms = bd->fctx->now_ns / 1000000 - ms;
            return 0;
        }
        if (v[0] >= '0' && v[0] <= '9' && strspn(v, "0123456789") == strlen(v)) {
            sk->seek = SRC_SEEK_SN;
            sk->sn = strtoull(v, NULL, 10);
            return 0;
        }
        if (dt_parse(v, strlen(v), 3, &ticks) == 0) {
            sk->seek = SRC_SEEK_TIME;
            sk->time_ms = ticks;
            return 0;
        }
    }
    return sql_fail(bd->err, -EINVAL, st->value_pos.line, st->value_pos.col,
                    "seek_to takes 'earliest', 'latest', a relative time like '-1h', "
                    "a time like '2024-07-10 00:00:00', or a sequence number");
}

int sql_b_settings(struct binder *bd, const struct sql_select *s)
{
    static const char *const known[] = {"max_memory_usage", "max_result_bytes", "seek_to",
                                        "result_rotate_bytes"};
    for (uint32_t i = 0; i < s->nsettings; i++) {
        const struct sql_setting *st = &s->settings[i];
        uint64_t *dst = NULL;
        int rc;
        if (strcmp(st->name, "seek_to") == 0) {
            if ((rc = bind_seek(bd, st)))
                return rc;
            continue;
        }
        if (strcmp(st->name, "max_memory_usage") == 0)
            dst = &bd->b->max_memory_usage;
        else if (strcmp(st->name, "max_result_bytes") == 0)
            dst = &bd->b->max_result_bytes;
        else if (strcmp(st->name, "result_rotate_bytes") == 0)
            dst = &bd->b->result_rotate_bytes;
        if (!dst) {
            const char *hint = sql_closest(st->name, known, 4);
            if (hint)
                return sql_fail(bd->err, -EINVAL, st->name_pos.line, st->name_pos.col,
                                "unknown setting '%s', did you mean '%s'?", st->name, hint);
            return sql_fail(bd->err, -EINVAL, st->name_pos.line, st->name_pos.col,
                            "unknown setting '%s'", st->name);
        }
        if (st->kind != SQL_V_INT || st->i <= 0)
            return sql_fail(bd->err, -EINVAL, st->value_pos.line, st->value_pos.col,
                            "setting %s takes a positive number of bytes", st->name);
        *dst = (uint64_t)st->i;
    }
    if (s->format) {
        enum fmt_kind k;
        if (fmt_kind_parse(s->format, strlen(s->format), &k)) {
            const char *hint = sql_closest(s->format, fmt_kind_names, fmt_kind_count);
            if (hint)
                return sql_fail(bd->err, -EINVAL, s->format_pos.line, s->format_pos.col,
                                "unknown format '%s', did you mean '%s'?", s->format, hint);
            return sql_fail(bd->err, -EINVAL, s->format_pos.line, s->format_pos.col,
                            "unknown format '%s'", s->format);
        }
        bd->b->format = k;
    }
    return 0;
}

/* ---- streaming: where the scan starts ---- */

/* x as a constant time in ms, when it is one. */
/* The constant x as t (folded once); -EINVAL when it is not a constant of
 * one of the kinds (k1, k2, k3; TY_STRING: text that converts) or NULL. */
static int const_as(struct binder *bd, const struct sql_expr *x, struct ty t, const int *kinds,
                    int64_t *out)
{
    struct sql_error quiet;
    struct xpr *c = NULL, *cast = NULL;
    struct val v;
    char *str = NULL;
    int rc = sql_bind_const(bd->e, x, bd->fctx, &c, &quiet), ok = 0;
    if (rc)
        return rc;
    for (int i = 0; kinds[i]; i++)
        ok |= c->ty.kind == (enum ty_kind)kinds[i];
    if (!ok) {
        xpr_destroy(c);
        return -EINVAL;
    }
    if ((rc = xpr_cast(c, t, &cast)))
        return rc;
    rc = xpr_fold(cast, bd->fctx, &v, &str);
    if (!rc && v.is_null)
        rc = -EINVAL;
    if (!rc)
        *out = v.v.i;
    free(str);
    xpr_destroy(cast);
    return rc;
}

static int const_time_ms(struct binder *bd, const struct sql_expr *x, int64_t *ms)
{
    static const int kinds[] = {TY_DATETIME, TY_DATETIME64, TY_DATE, TY_STRING, 0};
    return const_as(bd, x, (struct ty){TY_DATETIME64, 0, 3}, kinds, ms);
}

static int const_sn(struct binder *bd, const struct sql_expr *x, int64_t *sn)
{
    static const int kinds[] = {TY_INT8, TY_INT16, TY_INT32, TY_INT64, TY_UINT8,
                                TY_UINT16, TY_UINT32, TY_UINT64, 0};
    int rc = const_as(bd, x, (struct ty){TY_INT64, 0, 0}, kinds, sn);
    return rc ? rc : *sn < 0 ? -EINVAL : 0;
}

/* Where a streaming query's event predicates ask it to start (Proton):
 * the AND-ed conditions of x comparing _tp_time or _tp_sn with a
 * constant. A lower bound (`>`, `>=`, `=`, also written `c < _tp_time`)
 * starts at the latest one, by sequence number before time; a condition
 * that older rows can meet (`<`, `<=`, `!=`) starts at the earliest row. */
struct backfill {
    int64_t ms, sn;     /* INT64_MIN: no bound */
    int earliest;
    const char *tname, *sname; /* the names _tp_time and _tp_sn go by (NULL: none) */
};

static void backfill_of(struct binder *bd, const struct sql_expr *x, struct backfill *bf)
{
    static const char *const ops[][2] = {
        {"greater", "less"}, {"greater_or_equals", "less_or_equals"}, {"equals", "equals"},
        {"less", "greater"}, {"less_or_equals", "greater_or_equals"}, {"not_equals", "not_equals"},
    };
    if (x->kind != SX_CALL || x->nargs != 2)
        return;
    if (!strcasecmp(x->str, "and")) {
        backfill_of(bd, x->args[0], bf);
        backfill_of(bd, x->args[1], bf);
        return;
    }
    for (int side = 0; side < 2; side++) {
        const struct sql_expr *col = x->args[side], *c = x->args[1 - side];
        if (col->kind != SX_COL || col->qualifier ||
            !((bf->tname && !strcmp(col->str, bf->tname)) || (bf->sname && !strcmp(col->str, bf->sname))))
            continue;
        int op = -1; /* as `col op c` */
        for (int i = 0; i < 6 && op < 0; i++)
            if (!strcasecmp(x->str, ops[i][side]))
                op = i;
        int64_t v;
        int sn = bf->sname && !strcmp(col->str, bf->sname);
        if (op < 0 || (sn ? const_sn(bd, c, &v) : const_time_ms(bd, c, &v)))
            continue;
        if (op >= 3) {
            bf->earliest = 1;
        } else if (sn) {
            if (op == 0)
                v++;
            if (v > bf->sn)
                bf->sn = v;
        } else if (v > bf->ms) {
            bf->ms = v;
        }
    }
}

/* Where bf asks a stream to start, into st. */
static void backfill_start(const struct backfill *bf, struct src_start *st)
{
    if (bf->sn != INT64_MIN) {
        st->seek = SRC_SEEK_SN;
        st->sn = (uint64_t)bf->sn;
    } else if (bf->ms != INT64_MIN) {
        st->seek = SRC_SEEK_TIME;
        st->time_ms = bf->ms;
    } else if (bf->earliest) {
        st->seek = SRC_SEEK_EARLIEST;
    }
}

/* The names a subquery's output gives _tp_time and _tp_sn: `*` (for
 * _tp_time), the column itself, or an alias of it. */
static void event_names(const struct sql_select *sub, struct backfill *bf)
{
    for (uint32_t i = 0; i < sub->nitems; i++) {
        const struct sql_expr *e = sub->items[i].e;
        if (e->kind == SX_STAR && !bf->tname)
            bf->tname = "_tp_time";
        if (e->kind != SX_COL)
            continue;
        if (!strcmp(e->str, "_tp_time"))
            bf->tname = sub->items[i].alias ? sub->items[i].alias : "_tp_time";
        else if (!strcmp(e->str, "_tp_sn"))
            bf->sname = sub->items[i].alias ? sub->items[i].alias : "_tp_sn";
    }
}

int sql_bsel_streaming(const struct bsel *b)
{
    return b->src_kind == BS_STREAM || (b->src_kind == BS_SUBQUERY && sql_bsel_streaming(b->sub));
}

/* Streaming rules: where FROM s starts, and what it cannot do yet. */
int sql_b_streaming(struct binder *bd)
{
    const struct sql_select *s = bd->sel;
    struct bsel *b = bd->b;
    if (b->has_seek && b->src_kind != BS_STREAM) {
        for (uint32_t i = 0; i < s->nsettings; i++)
            if (!strcmp(s->settings[i].name, "seek_to"))
                return sql_fail(bd->err, -EINVAL, s->settings[i].name_pos.line,
                                s->settings[i].name_pos.col,
                                "seek_to applies to a streaming query (FROM stream, not table(stream))");
    }
    if (b->src_kind == BS_STREAM && !b->has_seek && s->where) {
        struct backfill bf = {INT64_MIN, INT64_MIN, 0, "_tp_time", "_tp_sn"};
        backfill_of(bd, s->where, &bf); /* WHERE _tp_time > now() - 1h: read from then */
        backfill_start(&bf, &b->start);
    }
    /* FROM (SELECT ... FROM s) WHERE <event predicate>: the subquery's
     * stream starts there, when its rows pass through one for one */
    struct bsel *sub = b->sub;
    if (b->src_kind == BS_SUBQUERY && bd->sub_sel && s->where && sub->src_kind == BS_STREAM &&
        !sub->has_seek && sub->start.seek == SRC_SEEK_END && !sub->aggregating && !sub->windowed) {
        struct backfill bf = {INT64_MIN, INT64_MIN, 0, NULL, NULL};
        event_names(bd->sub_sel, &bf);
        backfill_of(bd, s->where, &bf);
        backfill_start(&bf, &sub->start);
    }
    if (sql_bsel_streaming(b) && s->norder)
        return sql_b_fail(bd, s->order[0].e, -EINVAL,
                     "ORDER BY is not supported in a streaming query (FROM a stream); "
                     "use table(stream) for a sorted answer over stored rows");
    return 0;
}
