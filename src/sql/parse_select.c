/*
 * parse_select.c — SELECT and INSERT statements (sql/parser.h).
 *
 * SELECT follows ClickHouse's clause order: [WITH ...] SELECT [DISTINCT]
 * items [FROM source] [WHERE] [GROUP BY] [HAVING] [ORDER BY] [LIMIT
 * [OFFSET]] [SETTINGS] [FORMAT]. A source is a stream (streaming), table(s)
 * (historical), a table function such as numbers(N), or a subquery, with
 * an optional alias. Meaning (names, types) is the binder's job; this file
 * only builds the tree.
 */
#include <errno.h>
#include <string.h>

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
    if ((rc = accept_kw(p, "GROUP", &yes)))
        return rc;
    if (yes && ((rc = sql_p_expect_kw(p, "BY", "BY after GROUP")) ||
                (rc = expr_list(p, &s->group, &s->ngroup))))
        return rc;
    if ((rc = accept_kw(p, "HAVING", &yes)) || (yes && (rc = sql_p_expr(p, &s->having))))
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
