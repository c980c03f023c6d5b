/*
 * parser.c — the recursive-descent SQL parser (sql/parser.h).
 *
 * Layout, top to bottom: an arena (every node of a statement lives in one
 * and is freed at once, so no error path can leak); the parser context (the
 * lexer, one token of lookahead, the error, the arena) with its
 * peek/next/expect helpers and error builders; then one function per grammar
 * rule. The SQL issue adds SELECT/INSERT, with expressions by precedence
 * climbing, as more rules over the same context.
 *
 * Errors name the token that cannot continue the statement (the culprit),
 * quoted as written. Reaching the end of the text where the grammar needs
 * more is ERR_INCOMPLETE, so statement framing waits for the next write()
 * (SPEC precise rule 1); other syntax errors are ERR_SYNTAX, and errors of
 * meaning (unknown type, bad type parameter, out-of-range number) -EINVAL.
 *
 * Nothing recurses on input: nullable(T) is one fixed extra level.
 */
#include "sql/parser.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/lexer.h"
#include "parse_int.h"
#include "util/err.h"

/* ---- arena ---- */

static void arena_destroy(struct arena *a)
{
    struct chunk *c, *next;

    if (!a)
        return;
    for (c = a->head; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

/* n zeroed bytes, aligned for any type; NULL when memory runs out. */
void *sql_p_arena_alloc(struct arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    struct chunk *c = a->head;
    void *p;

    if (n > SIZE_MAX / 2)
        return NULL;
    n = n ? (n + align - 1) / align * align : align;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = calloc(1, sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    p = (char *)c->mem + c->used;
    c->used += n;
    return p;
}

/* ---- the parser context ---- */

int sql_p_peek(struct parser *p, const struct sql_tok **t)
{
    if (!p->has_la) {
        int rc = sql_lex_next(&p->lx, &p->la, p->err);
        if (rc)
            return rc;
        p->has_la = 1;
    }
    *t = &p->la;
    return 0;
}

/* Consume the lookahead token, copying it to t when t is not NULL. */
int sql_p_next(struct parser *p, struct sql_tok *t)
{
    const struct sql_tok *la;
    int rc = sql_p_peek(p, &la);

    if (rc)
        return rc;
    if (t)
        *t = *la;
    p->has_la = 0;
    return 0;
}

struct sql_pos sql_p_pos_of(const struct sql_tok *t)
{
    struct sql_pos pos = {t->line, t->col};
    return pos;
}

static int same_word(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y)
            return 0;
    }
    return 1;
}

/* Keywords are unquoted identifiers, compared without regard to case. */
int sql_p_is_kw(const struct sql_tok *t, const char *kw)
{
    size_t n = strlen(kw);
    return t->kind == TK_IDENT && t->len == n && same_word(t->p, kw, n);
}

/* Whether the token after the lookahead is keyword kw (two-token lookahead
 * on a copy of the lexer; a lexer error there reads as "no" and surfaces
 * when that token is really read). Call after peek. */
int sql_p_second_is_kw(const struct parser *p, const char *kw)
{
    struct sql_lexer lx = p->lx;
    struct sql_tok t;
    struct sql_error scratch;

    return sql_lex_next(&lx, &t, &scratch) == 0 && sql_p_is_kw(&t, kw);
}

/* ---- error builders ---- */

static void put_escaped(char *out, size_t *o, unsigned char c)
{
    if (c == '\n' || c == '\t' || c == '\r') {
        out[(*o)++] = '\\';
        out[(*o)++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
    } else if (c < 0x20 || c == 0x7f) {
        *o += (size_t)snprintf(out + *o, 5, "\\x%02X", c);
    } else {
        out[(*o)++] = (char)c;
    }
}

/*
 * The culprit as it reads in a message: 'word', or a string or quoted name
 * with its own quotes, or "end of input"; long tokens are cut (never inside
 * a UTF-8 sequence) and control characters escaped, so a message is one line.
 */
const char *sql_p_culprit(const struct parser *p, const struct sql_tok *t, char out[CULPRIT_MAX])
{
    const char *s = p->src + t->offset;
    int quoted = t->kind == TK_STRING || t->kind == TK_QIDENT;
    size_t n = (size_t)(t->p - s) + t->len + (quoted ? 1 : 0);
    size_t i, o = 0;

    if (t->kind == TK_EOF)
        return "end of input";
    if (!quoted)
        out[o++] = '\'';
    for (i = 0; i < n && (i < CULPRIT_BYTES ||
                          (i < CULPRIT_BYTES + 3 && ((unsigned char)s[i] & 0xC0) == 0x80));
         i++)
        put_escaped(out, &o, (unsigned char)s[i]);
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
        if (quoted)
            out[o++] = s[0];
    }
    if (!quoted)
        out[o++] = '\'';
    out[o] = '\0';
    return out;
}

int sql_p_fail_at(const struct parser *p, const struct sql_tok *t, int code, const char *fmt, ...)
{
    char what[SQL_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return sql_fail(p->err, code, t->line, t->col, "%s", what);
}

/* "expected <what>, got 'x'"; at the end of the text, ERR_INCOMPLETE. */
int sql_p_unexpected(const struct parser *p, const struct sql_tok *t, const char *what)
{
    char c[CULPRIT_MAX];

    return sql_p_fail_at(p, t, t->kind == TK_EOF ? ERR_INCOMPLETE : ERR_SYNTAX, "expected %s, got %s",
                   what, sql_p_culprit(p, t, c));
}

int sql_p_no_memory(const struct parser *p)
{
    return sql_fail(p->err, -ENOMEM, p->lx.line, p->lx.col, "out of memory");
}

/* "<lead> 'x'<tail>", with ", did you mean 'y'?" when a candidate is close. */
int sql_p_unknown_word(const struct parser *p, const struct sql_tok *t, int code, const char *lead,
                        const char *tail, const char *const *candidates, int n)
{
    char c[CULPRIT_MAX], word[65];
    const char *hint = NULL;

    if (t->kind == TK_IDENT && t->len < sizeof word) {
        memcpy(word, t->p, t->len);
        word[t->len] = '\0';
        hint = sql_closest(word, candidates, n);
    }
    if (hint)
        return sql_p_fail_at(p, t, code, "%s %s%s, did you mean '%s'?", lead, sql_p_culprit(p, t, c), tail,
                       hint);
    return sql_p_fail_at(p, t, code, "%s %s%s", lead, sql_p_culprit(p, t, c), tail);
}

/* ---- token helpers ---- */

int sql_p_expect(struct parser *p, enum sql_tok_kind kind, const char *what)
{
    const struct sql_tok *t;
    int rc = sql_p_peek(p, &t);

    if (rc)
        return rc;
    if (t->kind != kind)
        return sql_p_unexpected(p, t, what);
    return sql_p_next(p, NULL);
}

int sql_p_expect_kw(struct parser *p, const char *kw, const char *what)
{
    const struct sql_tok *t;
    int rc = sql_p_peek(p, &t);

    if (rc)
        return rc;
    if (!sql_p_is_kw(t, kw))
        return sql_p_unexpected(p, t, what);
    return sql_p_next(p, NULL);
}

/* Consume the lookahead when it is of kind; *found says whether it was. */
int sql_p_accept(struct parser *p, enum sql_tok_kind kind, int *found)
{
    const struct sql_tok *t;
    int rc = sql_p_peek(p, &t);

    *found = 0;
    if (rc || t->kind != kind)
        return rc;
    *found = 1;
    return sql_p_next(p, NULL);
}

/*
 * A quoted name's body: a doubled quote character stands for one, and
 * backslash escapes are those of strings. sql_unescape also reads '' as
 * one quote, which inside "..." or `...` is two, so the body is handed to
 * it in pieces cut at doubled quotes of either kind.
 */
static size_t unquote_name(const char *s, size_t n, char q, char *out)
{
    size_t i = 0, start = 0, o = 0;

    while (i < n) {
        if (s[i] == '\\') {
            i += 2;
        } else if (i + 1 < n && s[i + 1] == s[i] && (s[i] == q || s[i] == '\'')) {
            o += sql_unescape(s + start, i - start, out + o);
            out[o++] = s[i];
            if (s[i] != q)
                out[o++] = s[i];
            i += 2;
            start = i;
        } else {
            i++;
        }
    }
    if (start < n)
        o += sql_unescape(s + start, n - start, out + o);
    out[o] = '\0';
    return o;
}

/* The text of a name or string token as a NUL-terminated arena copy. */
int sql_p_tok_text(struct parser *p, const struct sql_tok *t, const char **text)
{
    char *s = sql_p_arena_alloc(p->arena, (size_t)t->len + 1);
    char c[CULPRIT_MAX];
    size_t n;

    if (!s)
        return sql_p_no_memory(p);
    if (t->kind == TK_STRING) {
        n = sql_unescape(t->p, t->len, s);
    } else if (t->kind == TK_QIDENT) {
        n = unquote_name(t->p, t->len, p->src[t->offset], s);
    } else {
        memcpy(s, t->p, t->len);
        n = t->len;
    }
    if (strlen(s) != n)
        return sql_p_fail_at(p, t, ERR_SYNTAX, "NUL character in %s", sql_p_culprit(p, t, c));
    *text = s;
    return 0;
}

/* A name: an identifier or a quoted identifier (the caller validates it). */
int sql_p_take_name(struct parser *p, const char *what, const char **name, struct sql_pos *pos)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc = sql_p_peek(p, &la);

    if (rc)
        return rc;
    if (la->kind != TK_IDENT && la->kind != TK_QIDENT)
        return sql_p_unexpected(p, la, what);
    if ((rc = sql_p_next(p, &t)))
        return rc;
    *pos = sql_p_pos_of(&t);
    return sql_p_tok_text(p, &t, name);
}

/* Double an arena array of elem-sized items holding *cap of them. */
int sql_p_grow(struct parser *p, void **items, uint32_t *cap, size_t elem)
{
    uint32_t ncap = *cap ? *cap * 2 : 4;
    void *n = sql_p_arena_alloc(p->arena, (size_t)ncap * elem);

    if (!n)
        return sql_p_no_memory(p);
    if (*cap)
        memcpy(n, *items, (size_t)*cap * elem);
    *items = n;
    *cap = ncap;
    return 0;
}

/* ---- literals ---- */

int sql_p_is_float_text(const struct sql_tok *t)
{
    return memchr(t->p, '.', t->len) || memchr(t->p, 'e', t->len) || memchr(t->p, 'E', t->len);
}

/* An integer literal (digits and '_'), negated when neg. */
int sql_p_int_value(const struct parser *p, const struct sql_tok *t, int neg, int64_t *out)
{
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    char c[CULPRIT_MAX];
    uint32_t i;

    if (sql_p_is_float_text(t))
        return sql_p_fail_at(p, t, ERR_SYNTAX, "expected an integer, got %s", sql_p_culprit(p, t, c));
    for (i = 0; i < t->len; i++) {
        unsigned d = (unsigned)(t->p[i] - '0');
        if (t->p[i] == '_')
            continue;
        if (v > (limit - d) / 10)
            return sql_p_fail_at(p, t, -EINVAL, "number %s is out of range", sql_p_culprit(p, t, c));
        v = v * 10 + d;
    }
    *out = neg ? (v ? -(int64_t)(v - 1) - 1 : 0) : (int64_t)v;
    return 0;
}

int sql_p_float_value(struct parser *p, const struct sql_tok *t, int neg, double *out)
{
    char *digits = sql_p_arena_alloc(p->arena, (size_t)t->len + 1), *end;
    char c[CULPRIT_MAX];
    size_t n = 0;
    uint32_t i;

    if (!digits)
        return sql_p_no_memory(p);
    for (i = 0; i < t->len; i++)
        if (t->p[i] != '_')
            digits[n++] = t->p[i];
    digits[n] = '\0';
    *out = strtod(digits, &end);
    if (end != digits + n || isinf(*out))
        return sql_p_fail_at(p, t, -EINVAL, "number %s is out of range", sql_p_culprit(p, t, c));
    if (neg)
        *out = -*out;
    return 0;
}

/* ---- types ---- */

/* Canonical names ty_from_name knows; "nullable" last, for hints only. */
static const char *const type_names[] = {
    "bool",   "int8",    "int16",   "int32",  "int64",    "uint8",      "uint16",  "uint32",
    "uint64", "float32", "float64", "string", "datetime", "datetime64", "date", "decimal",
    "decimal32", "decimal64", "decimal128", "nullable",
};
#define N_TYPE_NAMES ((int)(sizeof type_names / sizeof type_names[0]))

/* Spellings from ClickHouse and standard SQL, mapped to canonical names. */
static const char *const type_aliases[][2] = {
    {"boolean", "bool"},    {"tinyint", "int8"},     {"smallint", "int16"}, {"int", "int32"},
    {"integer", "int32"},   {"bigint", "int64"},     {"float", "float32"},  {"real", "float32"},
    {"double", "float64"},  {"text", "string"},      {"varchar", "string"},
    {"timestamp", "datetime"}, {"numeric", "decimal"},
};

/* The canonical name for a type token, or NULL when it names no type. */
static const char *type_name(const struct sql_tok *t)
{
    size_t i;

    for (i = 0; i + 1 < (size_t)N_TYPE_NAMES; i++)
        if (sql_p_is_kw(t, type_names[i]))
            return type_names[i];
    for (i = 0; i < sizeof type_aliases / sizeof type_aliases[0]; i++)
        if (sql_p_is_kw(t, type_aliases[i][0]))
            return type_aliases[i][1];
    return NULL;
}

/* Optional "(n, ...)" after a type name; *first is the first parameter.
 * With tz, a last parameter may be a time zone ('UTC', the only one:
 * datetime64(3, 'UTC'), datetime('UTC') as Proton writes them). */
static int type_params(struct parser *p, int tz, int64_t *params, int *n, struct sql_tok *first)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc, found;

    *n = 0;
    if ((rc = sql_p_accept(p, TK_LPAREN, &found)) || !found)
        return rc;
    for (;;) {
        if ((rc = sql_p_peek(p, &la)))
            return rc;
        if (tz && la->kind == TK_STRING) {
            if (!((la->len == 3 && !memcmp(la->p, "UTC", 3)) ||
                  (la->len == 7 && !memcmp(la->p, "Etc/UTC", 7))))
                return sql_p_fail_at(p, la, -EINVAL,
                                     "time zone '%.*s' is not supported: times are UTC",
                                     (int)la->len, la->p);
            if ((rc = sql_p_next(p, NULL)))
                return rc;
            return sql_p_expect(p, TK_RPAREN, "')' after the time zone");
        }
        if (la->kind != TK_NUMBER)
            return sql_p_unexpected(p, la, "a number in type parameters");
        if ((rc = sql_p_next(p, &t)))
            return rc;
        if (*n == MAX_TYPE_PARAMS)
            return sql_p_fail_at(p, &t, -EINVAL, "too many type parameters");
        if ((rc = sql_p_int_value(p, &t, 0, &params[*n])))
            return rc;
        if ((*n)++ == 0)
            *first = t;
        if ((rc = sql_p_accept(p, TK_COMMA, &found)))
            return rc;
        if (!found)
            return sql_p_expect(p, TK_RPAREN, "',' or ')' after type parameter");
    }
}

/* A type other than nullable(T): name and parameters, resolved by ty_from_name. */
static int plain_type(struct parser *p, const struct sql_tok *name, struct ty *ty)
{
    const char *canon = type_name(name);
    size_t canon_len = canon ? strlen(canon) : name->len;
    int64_t params[MAX_TYPE_PARAMS];
    struct sql_tok first;
    char c[CULPRIT_MAX], c2[CULPRIT_MAX];
    int rc, n;

    if (!canon) { /* a name types/ learnt after this table was written */
        if (ty_from_name(name->p, name->len, NULL, 0, ty) != 0 || ty->kind == TY_NOTHING ||
            ty->kind == TY_INTERVAL)
            return sql_p_unknown_word(p, name, -EINVAL, "unknown type", "", type_names, N_TYPE_NAMES);
        canon = name->p;
    }
    int tz = canon_len >= 8 && !strncasecmp(canon, "datetime", 8);
    if ((rc = type_params(p, tz, params, &n, &first)))
        return rc;
    if ((rc = ty_from_name(canon, canon_len, params, n, ty)) == 0)
        return 0;
    if (rc == -ERANGE)
        return sql_p_fail_at(p, n > 0 ? &first : name, -EINVAL,
                             "decimal precision above %d is not supported (decimal128 and wider)",
                             TY_DECIMAL_MAX_PREC);
    if (n > 0)
        return sql_p_fail_at(p, &first, -EINVAL, "invalid parameter %s for type %s",
                       sql_p_culprit(p, &first, c), sql_p_culprit(p, name, c2));
    return sql_p_fail_at(p, name, -EINVAL, "type %s needs parameters", sql_p_culprit(p, name, c));
}

/* int32 | datetime64(3) | nullable(T), where T is not nullable | array(T). */
/* A scalar type, or nullable(scalar). */
static int scalar_or_nullable(struct parser *p, struct sql_tok *t, struct ty *ty, const char *inside)
{
    const struct sql_tok *la;
    char c[CULPRIT_MAX];
    int rc;

    if (sql_p_is_kw(t, "array"))
        return sql_p_fail_at(p, t, -EINVAL, "%s cannot be nested inside %s (arrays of arrays are not supported)",
                             sql_p_culprit(p, t, c), inside);
    if (!sql_p_is_kw(t, "nullable"))
        return plain_type(p, t, ty);
    if ((rc = sql_p_expect(p, TK_LPAREN, "'(' after nullable")) || (rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind != TK_IDENT)
        return sql_p_unexpected(p, la, "a type inside nullable");
    if ((rc = sql_p_next(p, t)))
        return rc;
    if (sql_p_is_kw(t, "nullable") || sql_p_is_kw(t, "array"))
        return sql_p_fail_at(p, t, -EINVAL, "%s cannot be nested inside nullable", sql_p_culprit(p, t, c));
    if ((rc = plain_type(p, t, ty)))
        return rc;
    ty->nullable = 1;
    return sql_p_expect(p, TK_RPAREN, "')' after nullable type");
}

int sql_p_parse_type(struct parser *p, struct ty *ty, struct sql_pos *pos)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc;

    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind != TK_IDENT)
        return sql_p_unexpected(p, la, "a type after column name");
    if ((rc = sql_p_next(p, &t)))
        return rc;
    *pos = sql_p_pos_of(&t);
    if (!sql_p_is_kw(&t, "array"))
        return scalar_or_nullable(p, &t, ty, "nullable");
    if ((rc = sql_p_expect(p, TK_LPAREN, "'(' after array")) || (rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind != TK_IDENT)
        return sql_p_unexpected(p, la, "an element type inside array");
    if ((rc = sql_p_next(p, &t)) || (rc = scalar_or_nullable(p, &t, ty, "array")))
        return rc;
    if (ty->kind == TY_NOTHING || ty->kind == TY_INTERVAL) {
        char c[CULPRIT_MAX];
        return sql_p_fail_at(p, &t, -EINVAL, "%s is not an array element type", sql_p_culprit(p, &t, c));
    }
    *ty = ty_array_of(*ty);
    return sql_p_expect(p, TK_RPAREN, "')' after array element type");
}

/* ---- statements ---- */

/* An optional ';', then only comments to the end of the text. */
int sql_p_finish(struct parser *p, const char *what)
{
    const struct sql_tok *t;
    int rc, semi;

    if ((rc = sql_p_accept(p, TK_SEMI, &semi)) || (rc = sql_p_peek(p, &t)))
        return rc;
    if (t->kind == TK_EOF)
        return 0;
    return sql_p_unexpected(p, t, semi ? "end of statement after ';'" : what);
}

/*
 * IF EXISTS (or IF NOT EXISTS when negated) before a name. IF is taken as
 * the keyword only when NOT (or EXISTS) follows, so a stream may be called
 * "if".
 */
static int if_exists(struct parser *p, int negated, int *flag)
{
    const struct sql_tok *t;
    int rc;

    *flag = 0;
    if ((rc = sql_p_peek(p, &t)))
        return rc;
    if (!sql_p_is_kw(t, "IF") || !sql_p_second_is_kw(p, negated ? "NOT" : "EXISTS"))
        return 0;
    if ((rc = sql_p_next(p, NULL)) || (negated && (rc = sql_p_next(p, NULL))))
        return rc;
    if ((rc = sql_p_expect_kw(p, "EXISTS", negated ? "EXISTS after IF NOT" : "EXISTS after IF")))
        return rc;
    *flag = 1;
    return 0;
}

/* (c, ...) — a column list of INDEX, FAMILY or PRIMARY KEY. */
static int parse_col_list(struct parser *p, struct sql_col_group *g)
{
    uint32_t cap = 0, pcap = 0;
    int rc, more;

    if ((rc = sql_p_expect(p, TK_LPAREN, "'(' before the column list")))
        return rc;
    for (;;) {
        if ((g->ncols == cap && (rc = sql_p_grow(p, (void **)&g->cols, &cap, sizeof *g->cols))) ||
            (g->ncols == pcap &&
             (rc = sql_p_grow(p, (void **)&g->col_pos, &pcap, sizeof *g->col_pos))) ||
            (rc = sql_p_take_name(p, "a column name", &g->cols[g->ncols], &g->col_pos[g->ncols])))
            return rc;
        g->ncols++;
        if ((rc = sql_p_accept(p, TK_COMMA, &more)))
            return rc;
        if (!more)
            return sql_p_expect(p, TK_RPAREN, "',' or ')' in the column list");
    }
}

/* INDEX name (c, ...) or FAMILY name (c, ...), the keyword read. In a
 * mutable stream these words always start such an item (a column called
 * index is written "index"). */
static int parse_group(struct parser *p, struct sql_stmt *s, int family)
{
    uint32_t *n = family ? &s->u.create.nfamily : &s->u.create.nindex;
    struct sql_col_group **v = family ? &s->u.create.family : &s->u.create.index;
    uint32_t cap = *n; /* grown one at a time: sql_p_grow doubles from cap */
    int rc;

    if ((rc = sql_p_grow(p, (void **)v, &cap, sizeof **v)))
        return rc;
    struct sql_col_group *g = &(*v)[*n];
    memset(g, 0, sizeof *g);
    if ((rc = sql_p_take_name(p, family ? "a family name" : "an index name", &g->name, &g->pos)) ||
        (rc = parse_col_list(p, g)))
        return rc;
    (*n)++;
    return 0;
}

/* DEFAULT expr after a column's type: the expression and its source text
 * (kept verbatim so the catalog and the schema file show what was
 * written). */
static int parse_default(struct parser *p, struct sql_column_def *col)
{
    const struct sql_tok *t;
    int rc;

    if ((rc = sql_p_next(p, NULL)) || (rc = sql_p_peek(p, &t)))
        return rc;
    uint32_t from = t->offset;
    if ((rc = sql_p_expr(p, &col->def)) || (rc = sql_p_peek(p, &t)))
        return rc;
    uint32_t to = t->kind == TK_EOF ? (uint32_t)p->lx.len : t->offset;
    while (to > from && strchr(" \t\r\n", p->lx.src[to - 1]))
        to--;
    char *text = sql_p_arena_alloc(p->arena, (size_t)(to - from) + 1);
    if (!text)
        return sql_p_no_memory(p);
    memcpy(text, p->lx.src + from, to - from);
    text[to - from] = '\0';
    col->def_text = text;
    return 0;
}

/* col type [DEFAULT expr], ... ) — the '(' is already read. A mutable
 * stream also takes INDEX name (c, ...) and FAMILY name (c, ...) items,
 * with or without commas between them (the seed writes both). */
static int parse_columns(struct parser *p, struct sql_stmt *s)
{
    uint32_t cap = 0;
    int rc;

    for (;;) {
        struct sql_column_def *col;
        const struct sql_tok *t;

        if ((rc = sql_p_peek(p, &t)))
            return rc;
        if (s->u.create.is_mutable && (sql_p_is_kw(t, "INDEX") || sql_p_is_kw(t, "FAMILY"))) {
            struct sql_tok kw;
            if ((rc = sql_p_next(p, &kw)) ||
                (rc = parse_group(p, s, sql_p_is_kw(&kw, "FAMILY"))))
                return rc;
        } else {
            if (s->u.create.ncols == cap &&
                (rc = sql_p_grow(p, (void **)&s->u.create.cols, &cap, sizeof *col)))
                return rc;
            col = &s->u.create.cols[s->u.create.ncols];
            if ((rc = sql_p_take_name(p, "a column name", &col->name, &col->pos)) ||
                (rc = sql_p_parse_type(p, &col->ty, &col->type_pos)))
                return rc;
            col->def = NULL;
            col->def_text = NULL;
            s->u.create.ncols++;
            if ((rc = sql_p_peek(p, &t)))
                return rc;
            if (sql_p_is_kw(t, "DEFAULT") && (rc = parse_default(p, col)))
                return rc;
        }
        if ((rc = sql_p_peek(p, &t)))
            return rc;
        if (s->u.create.is_mutable && (sql_p_is_kw(t, "INDEX") || sql_p_is_kw(t, "FAMILY")))
            continue;
        if (t->kind != TK_COMMA && t->kind != TK_RPAREN)
            return sql_p_unexpected(p, t, "',' or ')' after column definition");
        if ((rc = sql_p_next(p, NULL)) || t->kind == TK_RPAREN)
            return rc;
    }
}

/* 'text' | [-]number | true | false | identifier */
static int parse_value(struct parser *p, struct sql_setting *st)
{
    const struct sql_tok *la;
    struct sql_tok t;
    int rc, neg;

    if ((rc = sql_p_peek(p, &la)))
        return rc;
    st->value_pos = sql_p_pos_of(la);
    if ((rc = sql_p_accept(p, TK_MINUS, &neg)) || (rc = sql_p_peek(p, &la)))
        return rc;
    if (neg ? la->kind != TK_NUMBER
            : la->kind != TK_NUMBER && la->kind != TK_STRING && la->kind != TK_IDENT &&
                  la->kind != TK_QIDENT)
        return sql_p_unexpected(p, la, neg ? "a number after '-'" : "a setting value");
    if ((rc = sql_p_next(p, &t)))
        return rc;
    if (t.kind == TK_NUMBER && sql_p_is_float_text(&t)) {
        st->kind = SQL_V_FLOAT;
        return sql_p_float_value(p, &t, neg, &st->f);
    }
    if (t.kind == TK_NUMBER) {
        st->kind = SQL_V_INT;
        return sql_p_int_value(p, &t, neg, &st->i);
    }
    if (sql_p_is_kw(&t, "true") || sql_p_is_kw(&t, "false")) {
        st->kind = SQL_V_BOOL;
        st->i = sql_p_is_kw(&t, "true");
        return 0;
    }
    st->kind = t.kind == TK_STRING ? SQL_V_STRING : SQL_V_IDENT;
    return sql_p_tok_text(p, &t, &st->str);
}

/* k = v, ... — SETTINGS is already read. */
int sql_p_settings(struct parser *p, struct sql_setting **out, uint32_t *n)
{
    uint32_t cap = 0;
    int rc, more;

    *out = NULL;
    *n = 0;
    for (;;) {
        struct sql_setting *st;

        if (*n == cap && (rc = sql_p_grow(p, (void **)out, &cap, sizeof *st)))
            return rc;
        st = &(*out)[*n];
        if ((rc = sql_p_take_name(p, "a setting name", &st->name, &st->name_pos)) ||
            (rc = sql_p_expect(p, TK_EQ, "'=' after setting name")) || (rc = parse_value(p, st)))
            return rc;
        (*n)++;
        if ((rc = sql_p_accept(p, TK_COMMA, &more)) || !more)
            return rc;
    }
}

/* CREATE [MUTABLE | RANDOM] STREAM [IF NOT EXISTS] name (col type
 * [DEFAULT expr], ...) [PRIMARY KEY (c, ...)] [SETTINGS k = v, ...] — a
 * mutable stream needs its PRIMARY KEY. */
static int parse_create(struct parser *p, struct sql_stmt *s)
{
    int rc, settings;
    const struct sql_tok *t;

    s->kind = SQL_CREATE_STREAM;
    if ((rc = sql_p_peek(p, &t)))
        return rc;
    if (sql_p_is_kw(t, "MUTABLE")) {
        s->u.create.is_mutable = 1;
        if ((rc = sql_p_next(p, NULL)))
            return rc;
    } else if (sql_p_is_kw(t, "RANDOM")) {
        s->u.create.random = 1;
        if ((rc = sql_p_next(p, NULL)))
            return rc;
    }
    if ((rc = sql_p_expect_kw(p, "STREAM",
                              s->u.create.is_mutable ? "STREAM after MUTABLE"
                              : s->u.create.random   ? "STREAM after CREATE RANDOM"
                                                     : "STREAM after CREATE")) ||
        (rc = if_exists(p, 1, &s->u.create.if_not_exists)) ||
        (rc = sql_p_take_name(p, "a stream name", &s->u.create.name, &s->u.create.name_pos)) ||
        (rc = sql_p_expect(p, TK_LPAREN, "'(' after stream name")) || (rc = parse_columns(p, s)) ||
        (rc = sql_p_peek(p, &t)))
        return rc;
    if (s->u.create.is_mutable) {
        s->u.create.key.pos = sql_p_pos_of(t);
        if ((rc = sql_p_expect_kw(p, "PRIMARY", "PRIMARY KEY (...) after the columns")) ||
            (rc = sql_p_expect_kw(p, "KEY", "KEY after PRIMARY")) ||
            (rc = parse_col_list(p, &s->u.create.key)) || (rc = sql_p_peek(p, &t)))
            return rc;
    }
    settings = sql_p_is_kw(t, "SETTINGS");
    if (!settings)
        return sql_p_finish(p, "SETTINGS or end of statement");
    if ((rc = sql_p_next(p, NULL)) ||
        (rc = sql_p_settings(p, &s->u.create.settings, &s->u.create.nsettings)))
        return rc;
    return sql_p_finish(p, "',' or end of statement after setting");
}

/* DROP STREAM [IF EXISTS] name */
static int parse_drop(struct parser *p, struct sql_stmt *s)
{
    int rc;

    s->kind = SQL_DROP_STREAM;
    if ((rc = sql_p_expect_kw(p, "STREAM", "STREAM after DROP")) ||
        (rc = if_exists(p, 0, &s->u.drop.if_exists)) ||
        (rc = sql_p_take_name(p, "a stream name", &s->u.drop.name, &s->u.drop.name_pos)))
        return rc;
    return sql_p_finish(p, "end of statement");
}

static int parse_stmt(struct parser *p, struct sql_stmt *s)
{
    static const char *const statements[] = {"CREATE", "DROP", "SELECT", "INSERT", "WITH"};
    const struct sql_tok *la;
    struct sql_tok t;
    int rc;

    if ((rc = sql_p_peek(p, &la)))
        return rc;
    if (la->kind == TK_EOF)
        return sql_p_unexpected(p, la, "a statement");
    if (sql_p_is_kw(la, "SELECT") || sql_p_is_kw(la, "WITH")) {
        s->kind = SQL_SELECT;
        s->pos = sql_p_pos_of(la);
        if ((rc = sql_p_select(p, &s->u.select)))
            return rc;
        return sql_p_finish(p, "end of statement");
    }
    if ((rc = sql_p_next(p, &t)))
        return rc;
    s->pos = sql_p_pos_of(&t);
    if (sql_p_is_kw(&t, "CREATE"))
        return parse_create(p, s);
    if (sql_p_is_kw(&t, "DROP"))
        return parse_drop(p, s);
    if (sql_p_is_kw(&t, "INSERT"))
        return sql_p_insert(p, s);
    return sql_p_unknown_word(p, &t, ERR_SYNTAX, "unknown statement",
                              ", expected SELECT, INSERT, CREATE or DROP", statements, 5);
}

int sql_parse(const char *text, size_t len, struct sql_stmt **out, struct sql_error *err)
{
    struct sql_pos start = {1, 1};
    return sql_parse_at(text, len, start, out, err);
}

int sql_parse_at(const char *text, size_t len, struct sql_pos start, struct sql_stmt **out,
                 struct sql_error *err)
{
    struct parser p;
    struct sql_stmt *s;
    int rc;

    *out = NULL;
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
    if (len > MAX_TEXT)
        return sql_fail(err, -E2BIG, 1, 1, "statement longer than %u bytes", (unsigned)MAX_TEXT);
    memset(&p, 0, sizeof p);
    p.err = err;
    sql_lex_init(&p.lx, text, len);
    p.lx.line = start.line;
    p.lx.col = start.col;
    p.src = p.lx.src;
    p.arena = calloc(1, sizeof *p.arena);
    if (!p.arena)
        return sql_p_no_memory(&p);
    s = sql_p_arena_alloc(p.arena, sizeof *s);
    if (!s) {
        rc = sql_p_no_memory(&p);
        goto fail;
    }
    if ((rc = parse_stmt(&p, s)))
        goto fail;
    s->arena = p.arena;
    *out = s;
    return 0;
fail:
    arena_destroy(p.arena);
    return rc;
}

void sql_stmt_destroy(struct sql_stmt *s)
{
    if (s)
        arena_destroy(s->arena);
}
