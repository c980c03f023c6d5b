/*
 * parse_expr.c — SQL expressions by precedence climbing (sql/parser.h).
 *
 * Levels, loosest first (ClickHouse's order): c ? a : b; OR; AND; NOT;
 * IS [NOT] NULL, [NOT] BETWEEN, comparisons, [NOT] LIKE/ILIKE, [NOT] IN;
 * ||; + -; * / % DIV MOD; unary -; postfix ::type; primaries (literals,
 * names, calls, CASE, CAST, INTERVAL, (expr), (SELECT ...)). Operators
 * become calls of registry names here, so the binder has one case.
 * Nesting is bounded (MAX_DEPTH) so no input can exhaust the stack.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parse_int.h"
#include "util/err.h"

#define MAX_DEPTH 256

static int expr_at(struct parser *p, int level, struct sql_expr **out);

static struct sql_expr *node(struct parser *p, enum sql_expr_kind kind, struct sql_pos pos)
{
    struct sql_expr *e = sql_p_arena_alloc(p->arena, sizeof(*e));
    if (e) {
        e->kind = kind;
        e->pos = pos;
    }
    return e;
}

static int call_of(struct parser *p, const char *name, struct sql_pos pos, struct sql_expr **args,
                   uint32_t n, struct sql_expr **out)
{
    struct sql_expr *e = node(p, SX_CALL, pos);
    struct sql_expr **a = sql_p_arena_alloc(p->arena, (n ? n : 1) * sizeof(*a));
    if (!e || !a)
        return sql_p_no_memory(p);
    if (n) /* [] has no arguments (args NULL) */
        memcpy(a, args, n * sizeof(*a));
    e->str = name;
    e->args = a;
    e->nargs = n;
    e->is_operator = 1;
    *out = e;
    return 0;
}

static int call1(struct parser *p, const char *name, struct sql_pos pos, struct sql_expr *a,
                 struct sql_expr **out)
{
    return call_of(p, name, pos, &a, 1, out);
}

static int call2(struct parser *p, const char *name, struct sql_pos pos, struct sql_expr *a,
                 struct sql_expr *b, struct sql_expr **out)
{
    struct sql_expr *args[2] = {a, b};
    return call_of(p, name, pos, args, 2, out);
}

/* Words that end an expression or a select item instead of naming a column. */
static const char *const reserved[] = {
    "FROM",  "WHERE",  "GROUP",   "HAVING", "ORDER",  "LIMIT",     "OFFSET", "SETTINGS", "FORMAT",
    "UNION", "AND",    "OR",      "NOT",    "AS",     "ASC",       "DESC",   "ON",       "JOIN",
    "INNER", "LEFT",   "RIGHT",   "FULL",   "CROSS",  "EMIT",      "PARTITION", "BETWEEN", "LIKE",
    "ILIKE", "IN",     "IS",      "THEN",   "WHEN",   "ELSE",      "END",    "NULLS",    "WITH",
    "INTO",  "VALUES", "SELECT",  "LATEST", "ASOF",   "SEMI",      "ANTI",   "USING",    "DIV",
    "MOD",   "BY",     "COLLATE", "WINDOW", "EXCEPT", "INTERSECT", "FINAL",  "SAMPLE",   "PREWHERE",
};

/* Reserved words that are also function names (a call when '(' follows). */
static const char *const kw_functions[] = {"AND", "OR", "LEFT", "RIGHT", "LATEST", "LIKE", "ILIKE"};

int sql_p_reserved(const struct sql_tok *t)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (sql_p_is_kw(t, reserved[i]))
            return 1;
    return 0;
}

/* Interval units: suffixes (5s) and INTERVAL words, to to_interval_<unit>. */
static const struct {
    const char *word;
    const char *fn;
} units[] = {
    {"ms", "to_interval_millisecond"}, {"s", "to_interval_second"}, {"m", "to_interval_minute"},
    {"h", "to_interval_hour"},         {"d", "to_interval_day"},    {"w", "to_interval_week"},
    {"us", "to_interval_microsecond"}, {"ns", "to_interval_nanosecond"},
    {"nanosecond", "to_interval_nanosecond"}, {"nanoseconds", "to_interval_nanosecond"},
    {"microsecond", "to_interval_microsecond"}, {"microseconds", "to_interval_microsecond"},
    {"millisecond", "to_interval_millisecond"}, {"milliseconds", "to_interval_millisecond"},
    {"second", "to_interval_second"},  {"seconds", "to_interval_second"},
    {"minute", "to_interval_minute"},  {"minutes", "to_interval_minute"},
    {"hour", "to_interval_hour"},      {"hours", "to_interval_hour"},
    {"day", "to_interval_day"},        {"days", "to_interval_day"},
    {"week", "to_interval_week"},      {"weeks", "to_interval_week"},
    {"month", "to_interval_month"},    {"months", "to_interval_month"},
    {"quarter", "to_interval_quarter"}, {"quarters", "to_interval_quarter"},
    {"year", "to_interval_year"},      {"years", "to_interval_year"},
};
#define N_SUFFIX 8 /* the first entries are the short suffixes */

static const char *unit_fn(const struct sql_tok *t, int suffix_only)
{
    size_t n = suffix_only ? N_SUFFIX : sizeof units / sizeof units[0];
    for (size_t i = suffix_only ? 0 : N_SUFFIX; i < n; i++)
        if (suffix_only ? (t->kind == TK_IDENT && t->len == strlen(units[i].word) &&
                           memcmp(t->p, units[i].word, t->len) == 0)
                        : sql_p_is_kw(t, units[i].word))
            return units[i].fn;
    return NULL;
}

/* A decimal number literal's text ("-1.50", '_' dropped) in the arena, so
 * that a decimal column can read it exactly; NULL for other spellings. */
static const char *number_text(struct parser *p, const struct sql_tok *t, int neg)
{
    char *s = sql_p_arena_alloc(p->arena, (size_t)t->len + 2);
    size_t n = 0;
    if (!s)
        return NULL;
    if (neg)
        s[n++] = '-';
    for (uint32_t i = 0; i < t->len; i++) {
        char c = t->p[i];
        if (c == '_')
            continue;
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return NULL;
        s[n++] = c;
    }
    s[n] = '\0';
    return s;
}

static int number_lit(struct parser *p, const struct sql_tok *t, int neg, struct sql_expr **out)
{
    struct sql_expr *e = node(p, SX_LIT, sql_p_pos_of(t));
    int rc;
    if (!e)
        return sql_p_no_memory(p);
    e->str = number_text(p, t, neg); /* NULL is fine: decimals then go through the value */
    if (sql_p_is_float_text(t)) {
        e->vkind = SQL_V_FLOAT;
        rc = sql_p_float_value(p, t, neg, &e->f);
    } else {
        e->vkind = SQL_V_INT;
        rc = sql_p_int_value(p, t, neg, &e->i);
        if (rc == -EINVAL && !neg) { /* above INT64_MAX: uint64 */
            uint64_t v = 0;
            int over = 0;
            for (uint32_t i = 0; i < t->len; i++) {
                if (t->p[i] == '_')
                    continue;
                unsigned d = (unsigned)(t->p[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                    over = 1;
                v = v * 10 + d;
            }
            if (!over) {
                e->vkind = SQL_V_UINT;
                e->u = v;
                rc = 0;
            }
        }
    }
    *out = e;
    return rc;
}

/* A number, then an adjacent unit suffix makes an interval (5s, 100ms). */
static int number_or_interval(struct parser *p, int neg, struct sql_expr **out)
{
    struct sql_tok t;
    const struct sql_tok *la;
    int rc;
    if ((rc = sql_p_next(p, &t)) || (rc = number_lit(p, &t, neg, out)) || (rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind == TK_IDENT && la->offset == t.offset + t.len) {
        const char *fn = unit_fn(la, 1);
        char c[CULPRIT_MAX];
        if (!fn)
            return sql_p_fail_at(p, la, ERR_SYNTAX,
                                 "unknown interval unit %s, expected ns, us, ms, s, m, h, d or w",
                                 sql_p_culprit(p, la, c));
        if ((rc = sql_p_next(p, NULL)))
            return rc;
        return call1(p, fn, sql_p_pos_of(&t), *out, out);
    }
    return 0;
}

/* args ')' — the '(' is read; DISTINCT and * allowed when call is set. */
static int arg_list(struct parser *p, int call, struct sql_expr ***args, uint32_t *n, int *distinct)
{
    const struct sql_tok *la;
    uint32_t cap = 0;
    int rc, found;

    *n = 0;
    *args = NULL;
    if (distinct)
        *distinct = 0;
    if ((rc = sql_p_accept(p, TK_RPAREN, &found)) || found)
        return rc;
    if (call && distinct && (rc = sql_p_peek(p, &la)) == 0 && sql_p_is_kw(la, "DISTINCT")) {
        *distinct = 1;
        if ((rc = sql_p_next(p, NULL)))
            return rc;
    }
    if (rc)
        return rc;
    for (;;) {
        if (*n == cap && (rc = sql_p_grow(p, (void **)args, &cap, sizeof(**args))))
            return rc;
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        if (call && la->kind == TK_STAR) {
            struct sql_expr *e = node(p, SX_STAR, sql_p_pos_of(la));
            if (!e)
                return sql_p_no_memory(p);
            (*args)[(*n)++] = e;
            if ((rc = sql_p_next(p, NULL)))
                return rc;
        } else if ((rc = expr_at(p, 0, &(*args)[(*n)++]))) {
            return rc;
        }
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        if (la->kind == TK_RPAREN)
            return sql_p_next(p, NULL);
        if (la->kind != TK_COMMA)
            return sql_p_unexpected(p, la, "',' or ')' in argument list");
        if ((rc = sql_p_next(p, NULL)))
            return rc;
    }
}

/* CASE [x] WHEN c THEN r ... [ELSE e] END -> multi_if(c1, r1, ..., e). */
static int parse_case(struct parser *p, struct sql_pos pos, struct sql_expr **out)
{
    struct sql_expr *subject = NULL, **args = NULL, *w, *t;
    const struct sql_tok *la;
    uint32_t n = 0, cap = 0;
    int rc, found;

    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (!sql_p_is_kw(la, "WHEN") && (rc = expr_at(p, 0, &subject)))
        return rc;
    for (;;) {
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        if (!sql_p_is_kw(la, "WHEN"))
            break;
        struct sql_pos wpos = sql_p_pos_of(la);
        if ((rc = sql_p_next(p, NULL)) || (rc = expr_at(p, 0, &w)) ||
            (rc = sql_p_expect_kw(p, "THEN", "THEN after WHEN condition")) ||
            (rc = expr_at(p, 0, &t)))
            return rc;
        if (subject && (rc = call2(p, "equals", wpos, subject, w, &w)))
            return rc;
        while (n + 3 > cap)
            if ((rc = sql_p_grow(p, (void **)&args, &cap, sizeof(*args))))
                return rc;
        args[n++] = w;
        args[n++] = t;
    }
    if (n == 0)
        return sql_p_unexpected(p, la, "WHEN in CASE");
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (sql_p_is_kw(la, "ELSE")) {
        if ((rc = sql_p_next(p, NULL)) || (rc = expr_at(p, 0, &args[n++])))
            return rc;
    } else {
        struct sql_expr *nul = node(p, SX_LIT, sql_p_pos_of(la));
        if (!nul)
            return sql_p_no_memory(p);
        nul->vkind = SQL_V_NULL;
        args[n++] = nul;
    }
    if ((rc = sql_p_expect_kw(p, "END", "END or ELSE in CASE")))
        return rc;
    (void)found;
    return call_of(p, "multi_if", pos, args, n, out);
}

/* A type name as a string literal for cast(x, 'T'). */
static int type_lit(struct parser *p, struct sql_expr **out)
{
    struct ty ty;
    struct sql_pos pos;
    char name[TY_MAX_NAME];
    const struct sql_tok *la;
    int rc = sql_p_peek(p, &la);
    if (rc)
        return rc;
    if (la->kind != TK_IDENT)
        return sql_p_unexpected(p, la, "a type after AS");
    if ((rc = sql_p_parse_type(p, &ty, &pos)))
        return rc;
    ty_name(ty, name);
    struct sql_expr *e = node(p, SX_LIT, pos);
    char *s = sql_p_arena_alloc(p->arena, strlen(name) + 1);
    if (!e || !s)
        return sql_p_no_memory(p);
    strcpy(s, name);
    e->vkind = SQL_V_STRING;
    e->str = s;
    *out = e;
    return 0;
}

static int primary(struct parser *p, struct sql_expr **out)
{
    const struct sql_tok *la;
    struct sql_tok t;
    struct sql_expr *e;
    char c[CULPRIT_MAX];
    int rc, found;

    if ((rc = sql_p_peek(p, &la)))
        return rc;
    struct sql_pos pos = sql_p_pos_of(la);
    switch (la->kind) {
    case TK_NUMBER:
        return number_or_interval(p, 0, out);
    case TK_STRING:
        if ((rc = sql_p_next(p, &t)))
            return rc;
        if (!(e = node(p, SX_LIT, pos)))
            return sql_p_no_memory(p);
        e->vkind = SQL_V_STRING;
        if ((rc = sql_p_tok_text(p, &t, &e->str)))
            return rc;
        *out = e;
        return 0;
    case TK_LBRACKET: { /* [a, b, ...] is array(a, b, ...) */
        struct sql_expr **args = NULL;
        uint32_t n = 0, cap = 0;
        if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_accept(p, TK_RBRACKET, &found)))
            return rc;
        while (!found) {
            if (n == cap && (rc = sql_p_grow(p, (void **)&args, &cap, sizeof(*args))))
                return rc;
            if ((rc = expr_at(p, 0, &args[n++])) || (rc = sql_p_peek(p, &la)))
                return rc;
            if (la->kind == TK_RBRACKET)
                found = 1;
            else if (la->kind != TK_COMMA)
                return sql_p_unexpected(p, la, "',' or ']' in array literal");
            if ((rc = sql_p_next(p, NULL)))
                return rc;
        }
        if ((rc = call_of(p, "array", pos, args, n, out)))
            return rc;
        (*out)->is_operator = 0;
        return 0;
    }
    case TK_LPAREN:
        if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_peek(p, &la)))
            return rc;
        if (sql_p_is_kw(la, "SELECT") || sql_p_is_kw(la, "WITH")) {
            if (!(e = node(p, SX_SUBQUERY, pos)))
                return sql_p_no_memory(p);
            if ((rc = sql_p_select(p, &e->sub)))
                return rc;
            *out = e;
        } else if ((rc = expr_at(p, 0, out))) {
            return rc;
        }
        return sql_p_expect(p, TK_RPAREN, "')'");
    case TK_STAR:
        if ((rc = sql_p_next(p, NULL)))
            return rc;
        if (!(*out = node(p, SX_STAR, pos)))
            return sql_p_no_memory(p);
        return 0;
    case TK_IDENT:
    case TK_QIDENT:
        break;
    default:
        return sql_p_unexpected(p, la, "an expression");
    }
    if ((rc = sql_p_next(p, &t)))
        return rc;
    if (t.kind == TK_IDENT) {
        if (sql_p_is_kw(&t, "NULL") || sql_p_is_kw(&t, "TRUE") || sql_p_is_kw(&t, "FALSE")) {
            if (!(e = node(p, SX_LIT, pos)))
                return sql_p_no_memory(p);
            e->vkind = sql_p_is_kw(&t, "NULL") ? SQL_V_NULL : SQL_V_BOOL;
            e->i = sql_p_is_kw(&t, "TRUE");
            *out = e;
            return 0;
        }
        if (sql_p_is_kw(&t, "INF") || sql_p_is_kw(&t, "NAN")) { /* ClickHouse's float literals */
            if (!(e = node(p, SX_LIT, pos)))
                return sql_p_no_memory(p);
            e->vkind = SQL_V_FLOAT;
            e->f = sql_p_is_kw(&t, "INF") ? HUGE_VAL : NAN;
            *out = e;
            return 0;
        }
        if (sql_p_is_kw(&t, "CASE"))
            return parse_case(p, pos, out);
        if (sql_p_is_kw(&t, "INTERVAL")) {
            struct sql_expr *n;
            int neg;
            if ((rc = sql_p_accept(p, TK_MINUS, &neg)) || (rc = sql_p_peek(p, &la)))
                return rc;
            if (la->kind != TK_NUMBER)
                return sql_p_unexpected(p, la, "a number after INTERVAL");
            if ((rc = sql_p_next(p, &t)) || (rc = number_lit(p, &t, neg, &n)) ||
                (rc = sql_p_peek(p, &la)))
                return rc;
            const char *fn = unit_fn(la, 0);
            if (!fn)
                return sql_p_unexpected(p, la, "an interval unit (SECOND, MINUTE, HOUR, DAY, ...)");
            if ((rc = sql_p_next(p, NULL)))
                return rc;
            return call1(p, fn, pos, n, out);
        }
        if (sql_p_is_kw(&t, "CAST") && (rc = sql_p_peek(p, &la)) == 0 && la->kind == TK_LPAREN) {
            struct sql_expr *x, *ty;
            if ((rc = sql_p_next(p, NULL)) || (rc = expr_at(p, 0, &x)) || (rc = sql_p_peek(p, &la)))
                return rc;
            if (sql_p_is_kw(la, "AS")) {
                if ((rc = sql_p_next(p, NULL)) || (rc = type_lit(p, &ty)))
                    return rc;
            } else if (la->kind == TK_COMMA) {
                if ((rc = sql_p_next(p, NULL)) || (rc = expr_at(p, 0, &ty)))
                    return rc;
            } else {
                return sql_p_unexpected(p, la, "AS in CAST");
            }
            if ((rc = sql_p_expect(p, TK_RPAREN, "')' after CAST")))
                return rc;
            return call2(p, "cast", pos, x, ty, out);
        }
        if (rc)
            return rc;
        /* keywords that also name functions when a '(' follows: and(a, b),
         * left(s, n), latest(x), like(s, p), ... */
        int kw_call = 0;
        for (size_t i = 0; i < sizeof kw_functions / sizeof kw_functions[0]; i++)
            kw_call |= sql_p_is_kw(&t, kw_functions[i]);
        kw_call = kw_call && (rc = sql_p_peek(p, &la)) == 0 && la->kind == TK_LPAREN;
        if (rc)
            return rc;
        if (sql_p_reserved(&t) && !kw_call)
            return sql_p_fail_at(p, &t, ERR_SYNTAX, "expected an expression, got keyword %s",
                                 sql_p_culprit(p, &t, c));
    }
    const char *name;
    if ((rc = sql_p_tok_text(p, &t, &name)) || (rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind == TK_LPAREN && t.kind == TK_IDENT) { /* a call */
        if (!(e = node(p, SX_CALL, pos)))
            return sql_p_no_memory(p);
        e->str = name;
        if ((rc = sql_p_next(p, NULL)) || (rc = arg_list(p, 1, &e->args, &e->nargs, &e->distinct)) ||
            (rc = sql_p_accept(p, TK_LPAREN, &found)))
            return rc;
        if (found) { /* name(params)(args) */
            e->params = e->args;
            e->nparams = e->nargs;
            if (e->distinct)
                return sql_p_fail_at(p, &t, ERR_SYNTAX, "DISTINCT belongs in the argument list");
            if ((rc = arg_list(p, 1, &e->args, &e->nargs, &e->distinct)))
                return rc;
        }
        *out = e;
        return 0;
    }
    if (la->kind == TK_DOT) { /* qualifier.name or qualifier.* */
        if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_peek(p, &la)))
            return rc;
        if (la->kind == TK_STAR) {
            if (!(e = node(p, SX_STAR, pos)))
                return sql_p_no_memory(p);
            e->qualifier = name;
            *out = e;
            return sql_p_next(p, NULL);
        }
        if (!(e = node(p, SX_COL, pos)))
            return sql_p_no_memory(p);
        e->qualifier = name;
        struct sql_pos npos;
        if ((rc = sql_p_take_name(p, "a column name after '.'", &e->str, &npos)))
            return rc;
        *out = e;
        return 0;
    }
    if (!(e = node(p, SX_COL, pos)))
        return sql_p_no_memory(p);
    e->str = name;
    *out = e;
    return 0;
}

/* primary, then ::type casts and [i] subscripts (array_element) */
static int postfix(struct parser *p, struct sql_expr **out)
{
    const struct sql_tok *la;
    int rc = primary(p, out);
    while (rc == 0 && (rc = sql_p_peek(p, &la)) == 0 &&
           (la->kind == TK_LBRACKET ||
            (la->kind == TK_COLON && la->offset + 1 < p->lx.len && p->src[la->offset + 1] == ':'))) {
        struct sql_pos pos = sql_p_pos_of(la);
        if (la->kind == TK_LBRACKET) {
            struct sql_expr *i;
            if ((rc = sql_p_next(p, NULL)) || (rc = expr_at(p, 0, &i)) ||
                (rc = sql_p_expect(p, TK_RBRACKET, "']' after subscript")))
                return rc;
            rc = call2(p, "array_element", pos, *out, i, out);
            continue;
        }
        struct sql_expr *ty;
        if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_expect(p, TK_COLON, "'::' before a type")) ||
            (rc = type_lit(p, &ty)))
            return rc;
        rc = call2(p, "cast", pos, *out, ty, out);
    }
    return rc;
}

static int unary(struct parser *p, int depth, struct sql_expr **out)
{
    const struct sql_tok *la;
    int rc;
    if (depth > MAX_DEPTH)
        return sql_fail(p->err, -EINVAL, p->lx.line, p->lx.col, "expression nested too deeply");
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind == TK_MINUS || la->kind == TK_PLUS) {
        struct sql_tok t;
        const struct sql_tok *la2;
        if ((rc = sql_p_next(p, &t)) || (rc = sql_p_peek(p, &la2)))
            return rc;
        if (t.kind == TK_MINUS && la2->kind == TK_NUMBER) /* -5 is a literal (INT64_MIN fits) */
            return number_or_interval(p, 1, out);
        if ((rc = unary(p, depth + 1, out)))
            return rc;
        return t.kind == TK_MINUS ? call1(p, "negate", sql_p_pos_of(&t), *out, out) : 0;
    }
    return postfix(p, out);
}

/* Binary operator levels above comparison: 0 = ||, 1 = + -, 2 = * / %. */
static const char *arith_op(const struct sql_tok *t, int lvl)
{
    switch (lvl) {
    case 0: return t->kind == TK_CONCAT ? "concat" : NULL;
    case 1: return t->kind == TK_PLUS ? "plus" : t->kind == TK_MINUS ? "minus" : NULL;
    default:
        if (t->kind == TK_STAR)
            return "multiply";
        if (t->kind == TK_SLASH)
            return "divide";
        if (t->kind == TK_PERCENT || sql_p_is_kw(t, "MOD"))
            return "modulo";
        if (sql_p_is_kw(t, "DIV"))
            return "int_div";
        return NULL;
    }
}

static int arith(struct parser *p, int lvl, int depth, struct sql_expr **out)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc;
    if (depth > MAX_DEPTH)
        return sql_fail(p->err, -EINVAL, p->lx.line, p->lx.col, "expression nested too deeply");
    if (lvl == 3)
        return unary(p, depth + 1, out);
    rc = arith(p, lvl + 1, depth + 1, out);
    while (rc == 0 && (rc = sql_p_peek(p, &la)) == 0) {
        const char *fn = arith_op(la, lvl);
        struct sql_expr *rhs;
        if (!fn)
            break;
        if ((rc = sql_p_next(p, &t)) || (rc = arith(p, lvl + 1, depth + 1, &rhs)))
            return rc;
        rc = call2(p, fn, sql_p_pos_of(&t), *out, rhs, out);
    }
    return rc;
}

static const char *cmp_op(enum sql_tok_kind k)
{
    switch (k) {
    case TK_EQ: return "equals";
    case TK_NE: return "not_equals";
    case TK_LT: return "less";
    case TK_LE: return "less_or_equals";
    case TK_GT: return "greater";
    case TK_GE: return "greater_or_equals";
    default: return NULL;
    }
}

/* x [NOT] IN (a, b, ...) -> in_list / not_in_list; x [NOT] IN (SELECT ...) -> in_subquery. */
static int in_list(struct parser *p, struct sql_expr *x, int neg, struct sql_pos pos,
                   int depth, struct sql_expr **out)
{
    struct sql_expr **items, **args;
    const struct sql_tok *la;
    uint32_t n;
    int rc;
    if ((rc = sql_p_expect(p, TK_LPAREN, "'(' after IN")) || (rc = sql_p_peek(p, &la)))
        return rc;
    if (sql_p_is_kw(la, "SELECT") || sql_p_is_kw(la, "WITH")) {
        struct sql_expr *sub = node(p, SX_SUBQUERY, sql_p_pos_of(la));
        if (!sub)
            return sql_p_no_memory(p);
        if ((rc = sql_p_select(p, &sub->sub)) || (rc = sql_p_expect(p, TK_RPAREN, "')'")))
            return rc;
        return call2(p, neg ? "not_in" : "in", pos, x, sub, out);
    }
    (void)depth;
    struct sql_tok first = *la;
    if ((rc = arg_list(p, 0, &items, &n, NULL)))
        return rc;
    if (n == 0)
        return sql_p_fail_at(p, &first, ERR_SYNTAX, "IN needs at least one value");
    if (!(args = sql_p_arena_alloc(p->arena, (n + 1) * sizeof(*args))))
        return sql_p_no_memory(p);
    args[0] = x;
    memcpy(args + 1, items, n * sizeof(*args));
    return call_of(p, neg ? "not_in" : "in", pos, args, n + 1, out);
}

static int comparison(struct parser *p, int depth, struct sql_expr **out)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc = arith(p, 0, depth + 1, out);

    while (rc == 0 && (rc = sql_p_peek(p, &la)) == 0) {
        struct sql_expr *rhs, *lo, *hi;
        const char *fn = cmp_op(la->kind);
        struct sql_pos pos = sql_p_pos_of(la);
        if (fn) {
            if ((rc = sql_p_next(p, &t)) || (rc = arith(p, 0, depth + 1, &rhs)))
                return rc;
            rc = call2(p, fn, pos, *out, rhs, out);
            continue;
        }
        if (sql_p_is_kw(la, "IS")) {
            int neg;
            if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_peek(p, &la)))
                return rc;
            neg = sql_p_is_kw(la, "NOT");
            if (neg && (rc = sql_p_next(p, NULL)))
                return rc;
            if ((rc = sql_p_expect_kw(p, "NULL", neg ? "NULL after IS NOT" : "NULL or NOT after IS")))
                return rc;
            rc = call1(p, neg ? "is_not_null" : "is_null", pos, *out, out);
            continue;
        }
        int neg = sql_p_is_kw(la, "NOT");
        if (neg) { /* NOT LIKE / NOT IN / NOT BETWEEN; a bare NOT ends here */
            if (!sql_p_second_is_kw(p, "LIKE") && !sql_p_second_is_kw(p, "ILIKE") &&
                !sql_p_second_is_kw(p, "IN") && !sql_p_second_is_kw(p, "BETWEEN"))
                break;
            if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_peek(p, &la)))
                return rc;
        }
        if (sql_p_is_kw(la, "LIKE") || sql_p_is_kw(la, "ILIKE")) {
            int ci = sql_p_is_kw(la, "ILIKE");
            if ((rc = sql_p_next(p, NULL)) || (rc = arith(p, 0, depth + 1, &rhs)))
                return rc;
            rc = call2(p, neg ? (ci ? "not_ilike" : "not_like") : (ci ? "ilike" : "like"), pos, *out,
                       rhs, out);
        } else if (sql_p_is_kw(la, "IN")) {
            if ((rc = sql_p_next(p, NULL)))
                return rc;
            rc = in_list(p, *out, neg, pos, depth, out);
        } else if (sql_p_is_kw(la, "BETWEEN")) {
            struct sql_expr *a, *b;
            if ((rc = sql_p_next(p, NULL)) || (rc = arith(p, 0, depth + 1, &lo)) ||
                (rc = sql_p_expect_kw(p, "AND", "AND in BETWEEN")) ||
                (rc = arith(p, 0, depth + 1, &hi)))
                return rc;
            if (neg) {
                if ((rc = call2(p, "less", pos, *out, lo, &a)) ||
                    (rc = call2(p, "greater", pos, *out, hi, &b)))
                    return rc;
                rc = call2(p, "or", pos, a, b, out);
            } else {
                if ((rc = call2(p, "greater_or_equals", pos, *out, lo, &a)) ||
                    (rc = call2(p, "less_or_equals", pos, *out, hi, &b)))
                    return rc;
                rc = call2(p, "and", pos, a, b, out);
            }
        } else {
            break;
        }
    }
    return rc;
}

static int negation(struct parser *p, int depth, struct sql_expr **out)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc;
    if (depth > MAX_DEPTH)
        return sql_fail(p->err, -EINVAL, p->lx.line, p->lx.col, "expression nested too deeply");
    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (sql_p_is_kw(la, "NOT")) {
        if ((rc = sql_p_next(p, &t)) || (rc = negation(p, depth + 1, out)))
            return rc;
        return call1(p, "not", sql_p_pos_of(&t), *out, out);
    }
    return comparison(p, depth + 1, out);
}

/* level 0: ternary, 1: OR, 2: AND, 3: NOT and below */
static int expr_at(struct parser *p, int level, struct sql_expr **out)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc;
    if (level == 0 && ++p->depth > MAX_DEPTH) { /* parentheses, subqueries, arguments */
        p->depth--;
        return sql_fail(p->err, -EINVAL, p->lx.line, p->lx.col, "expression nested too deeply");
    }
    if (level == 3) {
        rc = negation(p, 0, out);
        goto done;
    }
    rc = expr_at(p, level + 1, out);
    while (rc == 0 && (rc = sql_p_peek(p, &la)) == 0) {
        struct sql_expr *rhs, *other;
        if (level == 1 && sql_p_is_kw(la, "OR")) {
            if ((rc = sql_p_next(p, &t)) || (rc = expr_at(p, 2, &rhs)))
                break;
            rc = call2(p, "or", sql_p_pos_of(&t), *out, rhs, out);
        } else if (level == 2 && sql_p_is_kw(la, "AND")) {
            if ((rc = sql_p_next(p, &t)) || (rc = expr_at(p, 3, &rhs)))
                break;
            rc = call2(p, "and", sql_p_pos_of(&t), *out, rhs, out);
        } else if (level == 0 && la->kind == TK_QUESTION) {
            struct sql_expr *args[3];
            if ((rc = sql_p_next(p, &t)) || (rc = expr_at(p, 0, &rhs)) ||
                (rc = sql_p_expect(p, TK_COLON, "':' in ?: expression")) ||
                (rc = expr_at(p, 0, &other)))
                break;
            args[0] = *out;
            args[1] = rhs;
            args[2] = other;
            rc = call_of(p, "if", sql_p_pos_of(&t), args, 3, out);
        } else {
            break;
        }
    }
done:
    if (level == 0)
        p->depth--;
    return rc;
}

int sql_p_expr(struct parser *p, struct sql_expr **out)
{
    return expr_at(p, 0, out);
}
