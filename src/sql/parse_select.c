/*
 * parse_select.c — SELECT and INSERT statements (sql/parser.h).
 *
 * SELECT follows ClickHouse's clause order, with Proton's streaming
 * clauses: [WITH ...] SELECT [DISTINCT] items [FROM source] [WHERE]
 * [PARTITION BY] [GROUP BY] [PARTITION BY] [HAVING] [EMIT] [ORDER BY]
 * [LIMIT [OFFSET]] [EMIT] [SETTINGS] [FORMAT] (PARTITION BY and EMIT once
 * each, at either place). A source is a stream (streaming), table(s)
 * (historical), a window over either (tumble, hop, session), a table
 * function such as numbers(N), or a subquery, with an optional alias.
 * Meaning (names, types) is the binder's job; this file only builds the
 * tree, except that window and EMIT intervals are checked and converted
 * to nanoseconds here (their errors point at the interval).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "util/err.h"

static int peek_kw(struct parser *p, const char *kw, int *yes)
{
    const struct sql_tok *la;
    int rc = sql_p_peek(p, &la);
    *yes = rc == 0 && sql_p_is_kw(la, kw);
    return rc;
}

/* Consume keyword kw when it is next. */
static int accept_kw(struct parser *p, const char *kw, int *yes)
{
    int rc = peek_kw(p, kw, yes);
    return rc || !*yes ? rc : sql_p_next(p, NULL);
}

/* [AS] alias after an item or source; bare words that are keywords end it. */
static int alias(struct parser *p, const char **name, struct sql_pos *pos)
{
    const struct sql_tok *la;
    int rc, as;
    *name = NULL;
    if ((rc = accept_kw(p, "AS", &as)))
        return rc;
    if (as)
        return sql_p_take_name(p, "an alias after AS", name, pos);
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind == TK_QIDENT || (la->kind == TK_IDENT && !sql_p_reserved(la)))
        return sql_p_take_name(p, "an alias", name, pos);
    return 0;
}

static int expr_list(struct parser *p, struct sql_expr ***out, uint32_t *n)
{
    uint32_t cap = 0;
    int rc, more;
    *n = 0;
    for (;;) {
        if (*n == cap && (rc = sql_p_grow(p, (void **)out, &cap, sizeof(**out))))
            return rc;
        if ((rc = sql_p_expr(p, &(*out)[(*n)++])) || (rc = sql_p_accept(p, TK_COMMA, &more)))
            return rc;
        if (!more)
            return 0;
    }
}

static int parse_items(struct parser *p, struct sql_select *s)
{
    uint32_t cap = 0;
    int rc, more;
    for (;;) {
        if (s->nitems == cap && (rc = sql_p_grow(p, (void **)&s->items, &cap, sizeof(*s->items))))
            return rc;
        struct sql_select_item *it = &s->items[s->nitems++];
        if ((rc = sql_p_expr(p, &it->e)))
            return rc;
        if (it->e->kind != SX_STAR && (rc = alias(p, &it->alias, &it->alias_pos)))
            return rc;
        if ((rc = sql_p_accept(p, TK_COMMA, &more)) || !more)
            return rc;
    }
}

/* ---- windows and EMIT ---- */

static const struct {
    const char *fn;
    int64_t ns;
} interval_units[] = {
    {"to_interval_nanosecond", 1},          {"to_interval_microsecond", 1000},
    {"to_interval_millisecond", 1000000},   {"to_interval_second", 1000000000LL},
    {"to_interval_minute", 60000000000LL},  {"to_interval_hour", 3600000000000LL},
    {"to_interval_day", 86400000000000LL},  {"to_interval_week", 604800000000000LL},
};

static int is_interval(const struct sql_expr *x)
{
    return x->kind == SX_CALL && strncasecmp(x->str, "to_interval_", 12) == 0;
}

/* x as a positive fixed interval in nanoseconds (5s, INTERVAL 2 MINUTE). */
static int interval_ns(struct parser *p, const struct sql_expr *x, const char *what, int64_t *ns)
{
    if (!is_interval(x))
        return sql_fail(p->err, -EINVAL, x->pos.line, x->pos.col,
                        "%s must be an interval such as 5s, 1m or INTERVAL 5 SECOND", what);
    const struct sql_expr *n = x->nargs == 1 ? x->args[0] : NULL;
    for (size_t i = 0; i < sizeof interval_units / sizeof interval_units[0]; i++) {
        if (strcasecmp(x->str, interval_units[i].fn) != 0)
            continue;
        double v = !n || n->kind != SX_LIT ? -1
                   : n->vkind == SQL_V_INT ? (double)n->i
                   : n->vkind == SQL_V_FLOAT ? n->f : -1;
        if (!(v > 0))
            return sql_fail(p->err, -EINVAL, x->pos.line, x->pos.col,
                            "%s must be a positive interval", what);
        if (v * (double)interval_units[i].ns > 9.2e18)
            return sql_fail(p->err, -EINVAL, x->pos.line, x->pos.col, "%s is too long", what);
        *ns = (int64_t)(v * (double)interval_units[i].ns);
        if (*ns <= 0)
            return sql_fail(p->err, -EINVAL, x->pos.line, x->pos.col,
                            "%s must be a positive interval", what);
        return 0;
    }
    return sql_fail(p->err, -EINVAL, x->pos.line, x->pos.col,
                    "%s must be a fixed interval (ns, us, ms, s, m, h, d, w), not months or years", what);
}

/* An interval as text for messages: 10s, 1500ms, 2m. */
static void interval_text(int64_t ns, char out[32])
{
    if (ns % 1000000000LL == 0)
        snprintf(out, 32, "%" PRId64 "s", (int64_t)(ns / 1000000000));
    else if (ns % 1000000 == 0)
        snprintf(out, 32, "%" PRId64 "ms", (int64_t)(ns / 1000000));
    else if (ns % 1000 == 0)
        snprintf(out, 32, "%" PRId64 "us", (int64_t)(ns / 1000));
    else
        snprintf(out, 32, "%" PRId64 "ns", (int64_t)ns);
}

/* tumble / hop / session '(' is read; f->name is the window's name. */
static int parse_window(struct parser *p, struct sql_from *f, const struct sql_tok *name_tok)
{
    const struct sql_tok *la;
    struct sql_tok t;
    struct sql_window *w = sql_p_arena_alloc(p->arena, sizeof(*w));
    struct sql_expr *args[4];
    uint32_t nargs = 0;
    int rc, found;
    if (!w)
        return sql_p_no_memory(p);
    w->pos = f->name_pos;
    w->kind = strcasecmp(f->name, "tumble") == 0 ? SQL_WIN_TUMBLE
            : strcasecmp(f->name, "hop") == 0    ? SQL_WIN_HOP
                                                 : SQL_WIN_SESSION;
    const char *fn = f->name;
    /* the stream: s or table(s) */
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind != TK_IDENT && la->kind != TK_QIDENT)
        return sql_p_unexpected(p, la, "a stream name or table(stream) as the first argument");
    t = *la;
    if ((rc = sql_p_take_name(p, "a stream name", &f->name, &f->name_pos)) ||
        (rc = sql_p_accept(p, TK_LPAREN, &found)))
        return rc;
    f->kind = SF_STREAM;
    if (found) {
        if (!(t.kind == TK_IDENT && sql_p_is_kw(&t, "table")))
            return sql_p_fail_at(p, &t, -EINVAL, "the first argument of %s must be a stream or table(stream)", fn);
        f->kind = SF_TABLE;
        if ((rc = sql_p_take_name(p, "a stream name in table(...)", &f->name, &f->name_pos)) ||
            (rc = sql_p_expect(p, TK_RPAREN, "')' after table(stream")))
            return rc;
    }
    for (;;) {
        if ((rc = sql_p_accept(p, TK_RPAREN, &found)))
            return rc;
        if (found)
            break;
        if ((rc = sql_p_expect(p, TK_COMMA, "',' or ')' in the window's arguments")))
            return rc;
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        if (nargs == 4)
            return sql_p_fail_at(p, la, -EINVAL, "too many arguments for %s", fn);
        if ((rc = sql_p_expr(p, &args[nargs++])))
            return rc;
    }
    uint32_t at = 0;
    if (nargs && args[0]->kind == SX_COL) {
        w->time_col = args[0]->str;
        w->time_pos = args[0]->pos;
        at = 1;
    } else if (nargs && !is_interval(args[0]) && nargs > (w->kind == SQL_WIN_HOP ? 2u : 1u)) {
        w->time_expr = args[0]; /* to_datetime(json_extract_string(j, 't')), ... */
        w->time_pos = args[0]->pos;
        at = 1;
    }
    uint32_t left = nargs - at;
    switch (w->kind) {
    case SQL_WIN_TUMBLE:
        if (left != 1)
            return sql_fail(p->err, -EINVAL, w->pos.line, w->pos.col,
                            "tumble takes (stream, [time_column,] size)");
        return (rc = interval_ns(p, args[at], "the window size", &w->size_ns)) ? rc : (f->win = w, 0);
    case SQL_WIN_HOP:
        if (left != 2)
            return sql_fail(p->err, -EINVAL, w->pos.line, w->pos.col,
                            "hop takes (stream, [time_column,] slide, size)");
        if ((rc = interval_ns(p, args[at], "the hop slide", &w->slide_ns)) ||
            (rc = interval_ns(p, args[at + 1], "the window size", &w->size_ns)))
            return rc;
        if (w->slide_ns > w->size_ns) {
            char a[32], b[32];
            interval_text(w->slide_ns, a);
            interval_text(w->size_ns, b);
            return sql_fail(p->err, -EINVAL, args[at]->pos.line, args[at]->pos.col,
                            "hop slide %s is larger than size %s", a, b);
        }
        break;
    case SQL_WIN_SESSION:
        if (left < 1 || left > 2)
            return sql_fail(p->err, -EINVAL, w->pos.line, w->pos.col,
                            "session takes (stream, [time_column,] timeout [, max_length])");
        if ((rc = interval_ns(p, args[at], "the session timeout", &w->size_ns)) ||
            (left == 2 && (rc = interval_ns(p, args[at + 1], "the session max_length", &w->max_len_ns))))
            return rc;
        if (left == 2 && w->max_len_ns < w->size_ns) {
            char a[32], b[32];
            interval_text(w->max_len_ns, a);
            interval_text(w->size_ns, b);
            return sql_fail(p->err, -EINVAL, args[at + 1]->pos.line, args[at + 1]->pos.col,
                            "session max_length %s is shorter than the timeout %s", a, b);
        }
        break;
    }
    f->win = w;
    return 0;
}

/* Unit words of intervals in EMIT: suffixes (5s) and INTERVAL words. */
static const struct {
    const char *word;
    int64_t ns;
} emit_units[] = {
    {"ms", 1000000},          {"s", 1000000000LL},       {"m", 60000000000LL},
    {"h", 3600000000000LL},   {"d", 86400000000000LL},   {"w", 604800000000000LL},
    {"millisecond", 1000000}, {"milliseconds", 1000000}, {"second", 1000000000LL},
    {"seconds", 1000000000LL}, {"minute", 60000000000LL}, {"minutes", 60000000000LL},
    {"hour", 3600000000000LL}, {"hours", 3600000000000LL}, {"day", 86400000000000LL},
    {"days", 86400000000000LL}, {"week", 604800000000000LL}, {"weeks", 604800000000000LL},
};

/* An interval after DELAY / PERIODIC / TIMEOUT: 5s, 1.5s or INTERVAL 5
 * SECOND. (Not a whole expression: AND continues the EMIT clause.) */
static int emit_interval(struct parser *p, const char *what, int64_t *ns)
{
    const struct sql_tok *la;
    struct sql_tok num, unit;
    const char *word;
    double v;
    int rc, spelled;
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    spelled = la->kind == TK_IDENT && sql_p_is_kw(la, "INTERVAL");
    if (spelled && ((rc = sql_p_next(p, NULL)) || (rc = sql_p_peek(p, &la))))
        return rc;
    if (la->kind != TK_NUMBER)
        return sql_p_unexpected(p, la, spelled ? "a number after INTERVAL" : what);
    if ((rc = sql_p_next(p, &num)))
        return rc;
    if (sql_p_is_float_text(&num)) {
        if ((rc = sql_p_float_value(p, &num, 0, &v)))
            return rc;
    } else {
        int64_t i;
        if ((rc = sql_p_int_value(p, &num, 0, &i)))
            return rc;
        v = (double)i;
    }
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind != TK_IDENT || (!spelled && la->offset != num.offset + num.len))
        return sql_p_unexpected(p, la, "an interval unit (5s, 100ms, 1m, INTERVAL 5 SECOND)");
    if ((rc = sql_p_next(p, &unit)) || (rc = sql_p_tok_text(p, &unit, &word)))
        return rc;
    for (size_t i = 0; i < sizeof emit_units / sizeof emit_units[0]; i++)
        if (strcasecmp(word, emit_units[i].word) == 0 && (spelled || strlen(word) <= 2)) {
            double x = v * (double)emit_units[i].ns;
            if (!(x >= 1) || x > 9.2e18)
                return sql_p_fail_at(p, &num, -EINVAL, "%s must be a positive interval", what);
            *ns = (int64_t)x;
            return 0;
        }
    return sql_p_fail_at(p, &unit, -EINVAL, "%s: unknown interval unit '%s'", what, word);
}

static int emit_policy(struct parser *p, struct sql_emit *e, const struct sql_tok *at,
                       enum sql_emit_kind k)
{
    if (e->kind && e->kind != k)
        return sql_p_fail_at(p, at, -EINVAL, "EMIT takes one policy (AFTER WATERMARK, PERIODIC, "
                                             "ON UPDATE or CHANGELOG)");
    e->kind = k;
    return 0;
}

/* EMIT is read. */
static int parse_emit(struct parser *p, struct sql_emit *e, const struct sql_tok *emit_tok)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc, yes, items = 0;
    e->given = 1;
    e->pos = sql_p_pos_of(emit_tok);
    if ((rc = accept_kw(p, "STREAM", &e->stream)))
        return rc;
    if (e->stream) { /* EMIT STREAM alone: the default policy (Proton) */
        static const char *const heads[] = {"AFTER", "PERIODIC", "ON", "CHANGELOG", "DELAY", "TIMEOUT"};
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        yes = 0;
        for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
            yes |= sql_p_is_kw(la, heads[i]);
        if (!yes)
            return 0;
    }
    for (;;) {
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        t = *la;
        if (sql_p_is_kw(&t, "AFTER")) {
            if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_peek(p, &la)))
                return rc;
            if (sql_p_is_kw(la, "WATERMARK")) {
                if ((rc = sql_p_next(p, NULL)))
                    return rc;
            } else if (sql_p_is_kw(la, "WINDOW")) {
                if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_expect_kw(p, "CLOSE", "CLOSE after AFTER WINDOW")))
                    return rc;
            } else {
                return sql_p_unexpected(p, la, "WATERMARK or WINDOW CLOSE after EMIT AFTER");
            }
            if ((rc = emit_policy(p, e, &t, SQL_EMIT_WATERMARK)) || (rc = accept_kw(p, "WITH", &yes)))
                return rc;
            if (yes && ((rc = sql_p_expect_kw(p, "DELAY", "DELAY after WITH")) ||
                        (rc = emit_interval(p, "the delay", &e->delay_ns))))
                return rc;
        } else if (sql_p_is_kw(&t, "PERIODIC")) {
            if ((rc = sql_p_next(p, NULL)) || (rc = emit_policy(p, e, &t, SQL_EMIT_PERIODIC)) ||
                (rc = emit_interval(p, "the EMIT PERIODIC interval", &e->periodic_ns)))
                return rc;
        } else if (sql_p_is_kw(&t, "ON")) {
            if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_expect_kw(p, "UPDATE", "UPDATE after EMIT ON")) ||
                (rc = emit_policy(p, e, &t, SQL_EMIT_ON_UPDATE)))
                return rc;
        } else if (sql_p_is_kw(&t, "CHANGELOG")) {
            if ((rc = sql_p_next(p, NULL)) || (rc = emit_policy(p, e, &t, SQL_EMIT_CHANGELOG)) ||
                (rc = accept_kw(p, "PERIODIC", &yes)))
                return rc; /* CHANGELOG PERIODIC i: the changes every i (Proton) */
            if (yes && (rc = emit_interval(p, "the EMIT PERIODIC interval", &e->periodic_ns)))
                return rc;
        } else if (sql_p_is_kw(&t, "DELAY")) {
            if (e->delay_ns)
                return sql_p_fail_at(p, &t, -EINVAL, "EMIT gives DELAY twice");
            if ((rc = sql_p_next(p, NULL)) || (rc = emit_interval(p, "the delay", &e->delay_ns)))
                return rc;
        } else if (sql_p_is_kw(&t, "TIMEOUT")) {
            if (e->timeout_ns)
                return sql_p_fail_at(p, &t, -EINVAL, "EMIT gives TIMEOUT twice");
            if ((rc = sql_p_next(p, NULL)) || (rc = emit_interval(p, "the EMIT TIMEOUT", &e->timeout_ns)))
                return rc;
        } else {
            return sql_p_unexpected(p, &t, items ? "DELAY, TIMEOUT or another EMIT item after AND"
                                                 : "AFTER WATERMARK, AFTER WINDOW CLOSE, PERIODIC, "
                                                   "ON UPDATE, CHANGELOG, DELAY or TIMEOUT after EMIT");
        }
        items++;
        if ((rc = accept_kw(p, "AND", &yes)) || !yes)
            break;
    }
    if (rc)
        return rc;
    if (e->delay_ns && e->kind != SQL_EMIT_NONE && e->kind != SQL_EMIT_WATERMARK)
        return sql_fail(p->err, -EINVAL, e->pos.line, e->pos.col,
                        "EMIT DELAY goes with AFTER WATERMARK, not with %s",
                        e->kind == SQL_EMIT_PERIODIC ? "PERIODIC"
                        : e->kind == SQL_EMIT_ON_UPDATE ? "ON UPDATE" : "CHANGELOG");
    return 0;
}

static int maybe_emit(struct parser *p, struct sql_select *s)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc = sql_p_peek(p, &la);
    if (rc || !sql_p_is_kw(la, "EMIT"))
        return rc;
    t = *la;
    if (s->emit.given)
        return sql_p_fail_at(p, &t, -EINVAL, "a query takes one EMIT clause");
    if ((rc = sql_p_next(p, NULL)))
        return rc;
    return parse_emit(p, &s->emit, &t);
}

static int maybe_partition(struct parser *p, struct sql_select *s)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc = sql_p_peek(p, &la);
    if (rc || !sql_p_is_kw(la, "PARTITION"))
        return rc;
    t = *la;
    if (s->npartition)
        return sql_p_fail_at(p, &t, -EINVAL, "a query takes one PARTITION BY");
    s->partition_pos = sql_p_pos_of(&t);
    if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_expect_kw(p, "BY", "BY after PARTITION")))
        return rc;
    return expr_list(p, &s->partition, &s->npartition);
}

static int parse_from(struct parser *p, struct sql_from **out)
{
    const struct sql_tok *la;
    struct sql_tok t;
    struct sql_from *f = sql_p_arena_alloc(p->arena, sizeof(*f));
    int rc, found;
    struct sql_pos apos;

    if (!f)
        return sql_p_no_memory(p);
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    f->pos = sql_p_pos_of(la);
    if (la->kind == TK_LPAREN) {
        f->kind = SF_SUBQUERY;
        if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_peek(p, &la)))
            return rc;
        if (!sql_p_is_kw(la, "SELECT") && !sql_p_is_kw(la, "WITH"))
            return sql_p_unexpected(p, la, "SELECT in a subquery");
        if ((rc = sql_p_select(p, &f->sub)) || (rc = sql_p_expect(p, TK_RPAREN, "')' after subquery")))
            return rc;
    } else {
        if (la->kind != TK_IDENT && la->kind != TK_QIDENT)
            return sql_p_unexpected(p, la, "a stream name, table(...) or a subquery after FROM");
        if (la->kind == TK_IDENT && sql_p_reserved(la))
            return sql_p_unexpected(p, la, "a stream name after FROM");
        t = *la;
        if ((rc = sql_p_take_name(p, "a stream name", &f->name, &f->name_pos)) ||
            (rc = sql_p_accept(p, TK_LPAREN, &found)))
            return rc;
        if (!found) {
            f->kind = SF_STREAM;
        } else if (t.kind == TK_IDENT &&
                   (sql_p_is_kw(&t, "tumble") || sql_p_is_kw(&t, "hop") || sql_p_is_kw(&t, "session"))) {
            if ((rc = parse_window(p, f, &t)))
                return rc;
        } else if (t.kind == TK_IDENT && sql_p_is_kw(&t, "table")) {
            f->kind = SF_TABLE;
            if ((rc = sql_p_take_name(p, "a stream name in table(...)", &f->name, &f->name_pos)) ||
                (rc = sql_p_expect(p, TK_RPAREN, "')' after table(stream")))
                return rc;
        } else {
            f->kind = SF_FUNC;
            uint32_t cap = 0;
            if ((rc = sql_p_accept(p, TK_RPAREN, &found)))
                return rc;
            while (!found) {
                if (f->nargs == cap && (rc = sql_p_grow(p, (void **)&f->args, &cap, sizeof(*f->args))))
                    return rc;
                if ((rc = sql_p_expr(p, &f->args[f->nargs++])) || (rc = sql_p_peek(p, &la)))
                    return rc;
                if (la->kind == TK_RPAREN)
                    found = 1;
                else if (la->kind != TK_COMMA)
                    return sql_p_unexpected(p, la, "',' or ')' in table function arguments");
                if ((rc = sql_p_next(p, NULL)))
                    return rc;
            }
        }
    }
    if ((rc = alias(p, &f->alias, &apos)))
        return rc;
    *out = f;
    return 0;
}

static int parse_order(struct parser *p, struct sql_select *s)
{
    uint32_t cap = 0;
    int rc, more, yes;
    for (;;) {
        if (s->norder == cap && (rc = sql_p_grow(p, (void **)&s->order, &cap, sizeof(*s->order))))
            return rc;
        struct sql_order_item *o = &s->order[s->norder++];
        o->nulls_first = -1;
        if ((rc = sql_p_expr(p, &o->e)) || (rc = accept_kw(p, "DESC", &yes)))
            return rc;
        o->desc = yes;
        if (!yes && (rc = accept_kw(p, "ASC", &yes)))
            return rc;
        if ((rc = accept_kw(p, "NULLS", &yes)))
            return rc;
        if (yes) {
            const struct sql_tok *la;
            if ((rc = sql_p_peek(p, &la)))
                return rc;
            if (!sql_p_is_kw(la, "FIRST") && !sql_p_is_kw(la, "LAST"))
                return sql_p_unexpected(p, la, "FIRST or LAST after NULLS");
            o->nulls_first = sql_p_is_kw(la, "FIRST");
            if ((rc = sql_p_next(p, NULL)))
                return rc;
        }
        if ((rc = sql_p_accept(p, TK_COMMA, &more)) || !more)
            return rc;
    }
}

/* A non-negative integer literal (LIMIT, OFFSET). */
static int count_lit(struct parser *p, const char *what, uint64_t *out, struct sql_pos *pos)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int64_t v;
    int rc;
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind != TK_NUMBER)
        return sql_p_unexpected(p, la, what);
    if ((rc = sql_p_next(p, &t)) || (rc = sql_p_int_value(p, &t, 0, &v)))
        return rc;
    *out = (uint64_t)v;
    if (pos)
        *pos = sql_p_pos_of(&t);
    return 0;
}

static int parse_with(struct parser *p, struct sql_select *s)
{
    uint32_t cap = 0;
    int rc, more;
    for (;;) {
        const struct sql_tok *la;
        if (s->nwith == cap && (rc = sql_p_grow(p, (void **)&s->with, &cap, sizeof(*s->with))))
            return rc;
        struct sql_with *w = &s->with[s->nwith++];
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        w->pos = sql_p_pos_of(la);
        if ((la->kind == TK_IDENT || la->kind == TK_QIDENT) && sql_p_second_is_kw(p, "AS")) {
            /* name AS (SELECT ...) — or an expression aliased as a keyword-free name */
            struct sql_lexer save = p->lx;
            struct sql_tok save_la = p->la;
            int save_has = p->has_la;
            if ((rc = sql_p_take_name(p, "a name", &w->name, &w->pos)) ||
                (rc = sql_p_expect_kw(p, "AS", "AS")) || (rc = sql_p_peek(p, &la)))
                return rc;
            if (la->kind == TK_LPAREN && (sql_p_second_is_kw(p, "SELECT") || sql_p_second_is_kw(p, "WITH"))) {
                if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_select(p, &w->sub)) ||
                    (rc = sql_p_expect(p, TK_RPAREN, "')' after WITH subquery")))
                    return rc;
                goto next;
            }
            p->lx = save; /* `x AS y` where x is an expression: start over */
            p->la = save_la;
            p->has_la = save_has;
            w->name = NULL;
        }
        if ((rc = sql_p_expr(p, &w->e)) || (rc = sql_p_expect_kw(p, "AS", "AS name after WITH expression")) ||
            (rc = sql_p_take_name(p, "a name after AS", &w->name, &w->pos)))
            return rc;
    next:
        if ((rc = sql_p_accept(p, TK_COMMA, &more)) || !more)
            return rc;
    }
}

int sql_p_select(struct parser *p, struct sql_select **out)
{
    const struct sql_tok *la;
    struct sql_select *s = sql_p_arena_alloc(p->arena, sizeof(*s));
    int rc, yes;

    if (!s)
        return sql_p_no_memory(p);
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    s->pos = sql_p_pos_of(la);
    if ((rc = accept_kw(p, "WITH", &yes)) || (yes && (rc = parse_with(p, s))))
        return rc;
    if ((rc = sql_p_expect_kw(p, "SELECT", "SELECT")) || (rc = accept_kw(p, "DISTINCT", &s->distinct)) ||
        (rc = parse_items(p, s)))
        return rc;
    if ((rc = accept_kw(p, "FROM", &yes)) || (yes && (rc = parse_from(p, &s->from))))
        return rc;
    if ((rc = accept_kw(p, "WHERE", &yes)) || (yes && (rc = sql_p_expr(p, &s->where))))
        return rc;
    if ((rc = maybe_partition(p, s)) || (rc = accept_kw(p, "GROUP", &yes)))
        return rc;
    if (yes && ((rc = sql_p_expect_kw(p, "BY", "BY after GROUP")) ||
                (rc = expr_list(p, &s->group, &s->ngroup))))
        return rc;
    if ((rc = maybe_partition(p, s)))
        return rc;
    if ((rc = accept_kw(p, "HAVING", &yes)) || (yes && (rc = sql_p_expr(p, &s->having))))
        return rc;
    if ((rc = maybe_emit(p, s)))
        return rc;
    if ((rc = accept_kw(p, "ORDER", &yes)))
        return rc;
    if (yes && ((rc = sql_p_expect_kw(p, "BY", "BY after ORDER")) || (rc = parse_order(p, s))))
        return rc;
    if ((rc = accept_kw(p, "LIMIT", &yes)))
        return rc;
    if (yes) {
        int comma;
        s->has_limit = 1;
        if ((rc = count_lit(p, "a number after LIMIT", &s->limit, &s->limit_pos)) ||
            (rc = sql_p_accept(p, TK_COMMA, &comma)))
            return rc;
        if (comma) { /* LIMIT offset, count */
            s->offset = s->limit;
            s->has_offset = 1;
            if ((rc = count_lit(p, "a number after LIMIT offset,", &s->limit, NULL)))
                return rc;
        }
    }
    if ((rc = accept_kw(p, "OFFSET", &yes)))
        return rc;
    if (yes) {
        s->has_offset = 1;
        if ((rc = count_lit(p, "a number after OFFSET", &s->offset, NULL)))
            return rc;
        if ((rc = accept_kw(p, "ROWS", &yes)))
            return rc;
    }
    if ((rc = maybe_emit(p, s)))
        return rc;
    if ((rc = accept_kw(p, "SETTINGS", &yes)) || (yes && (rc = sql_p_settings(p, &s->settings, &s->nsettings))))
        return rc;
    if ((rc = accept_kw(p, "FORMAT", &yes)))
        return rc;
    if (yes && (rc = sql_p_take_name(p, "a format name after FORMAT", &s->format, &s->format_pos)))
        return rc;
    *out = s;
    return 0;
}

/* INSERT INTO name [(cols)] VALUES (...), ... | SELECT ... — INSERT is read. */
int sql_p_insert(struct parser *p, struct sql_stmt *s)
{
    const struct sql_tok *la;
    int rc, found, yes;
    uint32_t cap = 0;

    s->kind = SQL_INSERT;
    if ((rc = sql_p_expect_kw(p, "INTO", "INTO after INSERT")) ||
        (rc = sql_p_take_name(p, "a stream name", &s->u.insert.target, &s->u.insert.target_pos)) ||
        (rc = sql_p_accept(p, TK_LPAREN, &found)))
        return rc;
    while (found) {
        if (s->u.insert.ncols == cap) {
            uint32_t c2 = cap;
            if ((rc = sql_p_grow(p, (void **)&s->u.insert.cols, &cap, sizeof(char *))) ||
                (rc = sql_p_grow(p, (void **)&s->u.insert.col_pos, &c2, sizeof(struct sql_pos))))
                return rc;
        }
        uint32_t i = s->u.insert.ncols++;
        if ((rc = sql_p_take_name(p, "a column name", &s->u.insert.cols[i], &s->u.insert.col_pos[i])) ||
            (rc = sql_p_peek(p, &la)))
            return rc;
        if (la->kind == TK_RPAREN)
            found = 0;
        else if (la->kind != TK_COMMA)
            return sql_p_unexpected(p, la, "',' or ')' in the column list");
        if ((rc = sql_p_next(p, NULL)))
            return rc;
    }
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (sql_p_is_kw(la, "SELECT") || sql_p_is_kw(la, "WITH")) {
        if ((rc = sql_p_select(p, &s->u.insert.select)))
            return rc;
        return sql_p_finish(p, "end of statement");
    }
    if ((rc = accept_kw(p, "VALUES", &yes)))
        return rc;
    if (!yes)
        return sql_p_unexpected(p, la, "VALUES or SELECT");
    cap = 0;
    for (;;) {
        struct sql_expr **row;
        uint32_t n;
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        struct sql_tok open = *la;
        if ((rc = sql_p_expect(p, TK_LPAREN, "'(' before a row of VALUES")) ||
            (rc = expr_list(p, &row, &n)) || (rc = sql_p_expect(p, TK_RPAREN, "',' or ')' in VALUES")))
            return rc;
        if (s->u.insert.nrows == 0)
            s->u.insert.nvalues = n;
        else if (n != s->u.insert.nvalues)
            return sql_p_fail_at(p, &open, -EINVAL, "row %u of VALUES has %u values, the first has %u",
                                 s->u.insert.nrows + 1, n, s->u.insert.nvalues);
        while ((s->u.insert.nrows + 1) * n > cap)
            if ((rc = sql_p_grow(p, (void **)&s->u.insert.values, &cap, sizeof(struct sql_expr *))))
                return rc;
        memcpy(s->u.insert.values + (size_t)s->u.insert.nrows * n, row, n * sizeof(*row));
        s->u.insert.nrows++;
        if ((rc = sql_p_accept(p, TK_COMMA, &found)))
            return rc;
        if (!found)
            return sql_p_finish(p, "',' or end of statement after VALUES row");
    }
}
