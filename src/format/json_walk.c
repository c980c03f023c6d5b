/*
 * json_walk.c — the general path of JSON ingest: any line the one-pass
 * scanner in json_in.c leaves (nested values, escaped keys, and every line
 * that is not valid or does not fit), with the exact reason for a refusal.
 *
 * jsmn (header-only; this is the one file that compiles its body) splits
 * the line into tokens in a reused array; no allocation per row.
 *
 * jsmn is lax even in strict mode: it does not check the commas and colons
 * between tokens, the spelling of numbers and literals, control characters
 * or UTF-8 in strings, or surrogate escapes, and on some bad input its
 * parent/size links come out odd (`{"a":1 "b":2}` makes "b" a child of "a").
 * So the walk over the tokens checks the bytes between each pair of tokens
 * (whitespace and exactly the separator the grammar wants there) and every
 * scalar (as it is converted, or skipped for unknown fields and nested
 * values). Every byte of the line is then either inside a checked token or
 * in a checked gap, so a line that passes is valid JSON whatever jsmn's
 * links said; odd links only make some gap fail, at the culprit's byte.
 * Only the top-level object's fields touch columns; nested containers are
 * walked iteratively (no recursion, so deep nesting cannot blow the stack).
 */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "json_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct fmt_json_walk {
    jsmntok_t *tok;
    uint32_t *stack; /* (token, children seen) pairs for nested walks */
    unsigned tok_cap;
    int at;          /* cursor: the next token */
    size_t pos;      /* cursor: the byte after the last token */
};

enum { PRIM_BAD, PRIM_TRUE, PRIM_FALSE, PRIM_NULL, PRIM_NUMBER };

static int classify(const char *s, size_t n)
{
    if (s[0] == 't')
        return n == 4 && memcmp(s, "true", 4) == 0 ? PRIM_TRUE : PRIM_BAD;
    if (s[0] == 'f')
        return n == 5 && memcmp(s, "false", 5) == 0 ? PRIM_FALSE : PRIM_BAD;
    if (s[0] == 'n')
        return n == 4 && memcmp(s, "null", 4) == 0 ? PRIM_NULL : PRIM_BAD;
    return PRIM_NUMBER; /* checked by fmt_json_scan_number */
}

/* A top-level value token as the conversions take it. */
static void tok_val(const struct fmt_json_in *p, const jsmntok_t *t, struct jval *v)
{
    static const int prim[] = {
        [PRIM_BAD] = JV_BAD, [PRIM_TRUE] = JV_TRUE, [PRIM_FALSE] = JV_FALSE,
        [PRIM_NULL] = JV_NULL, [PRIM_NUMBER] = JV_NUMBER,
    };
    v->s = p->line + t->start;
    v->n = (size_t)(t->end - t->start);
    v->plain = 0;
    if (t->type == JSMN_STRING)
        v->type = JV_STRING;
    else if (t->type == JSMN_OBJECT)
        v->type = JV_OBJECT;
    else if (t->type == JSMN_ARRAY)
        v->type = JV_ARRAY;
    else
        v->type = prim[classify(v->s, v->n)];
    if (v->type == JV_NUMBER && fmt_json_scan_number(v->s, v->n, &v->num))
        v->type = JV_BAD;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where a token's text begins and ends, quotes included. */
static size_t tok_begin(const jsmntok_t *t)
{
    return (size_t)t->start - (t->type == JSMN_STRING);
}
static size_t tok_end(const jsmntok_t *t)
{
    return (size_t)t->end + (t->type == JSMN_STRING);
}

/* The bytes [from, to) must be whitespace around exactly one sep (or none
 * when sep is 0): this is what jsmn does not check. */
static int gap(struct fmt_json_in *p, size_t from, size_t to, char sep)
{
    const char *l = p->line;
    size_t i = from;
    if (to - from == (sep != 0) && (!sep || l[from] == sep))
        return 0; /* the usual compact case: just the separator */
    if (from > to)
        return fmt_json_bad(p, l + to);
    while (i < to && is_ws(l[i]))
        i++;
    if (sep) {
        if (i == to || l[i] != sep)
            return fmt_json_bad(p, l + i);
        for (i++; i < to && is_ws(l[i]);)
            i++;
    }
    return i == to ? 0 : fmt_json_bad(p, l + i);
}

/* A scalar that no column takes: still has to be valid JSON. */
static int check_scalar(struct fmt_json_in *p, const jsmntok_t *t)
{
    const char *s = p->line + t->start, *out;
    size_t n = (size_t)(t->end - t->start), out_n;
    struct num x;
    if (t->type == JSMN_STRING)
        return fmt_json_str_decode(p, s, n, &out, &out_n);
    int k = classify(s, n);
    if (k == PRIM_BAD || (k == PRIM_NUMBER && fmt_json_scan_number(s, n, &x)))
        return fmt_json_bad(p, s);
    return 0;
}

static int too_deep(struct fmt_json_in *p)
{
    return fmt_json_fail(p, "JSON nested deeper than %d levels", FMT_JSON_MAX_DEPTH);
}

/* Before jsmn sees a long line: nesting within the limit (see there). */
static int check_depth(struct fmt_json_in *p, const char *l, size_t n)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = l[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > FMT_JSON_MAX_DEPTH)
                return too_deep(p);
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

/* Walk the container at token w->at to its end, checking everything; the
 * cursor ends on the token after it and the byte after its closing bracket. */
static int check_tree(struct fmt_json_in *p, int ntok)
{
    struct fmt_json_walk *w = p->walk;
    const jsmntok_t *t = w->tok;
    uint32_t *st = w->stack, depth = 1;
    size_t pos = (size_t)t[w->at].start + 1;
    int j = w->at + 1, rc;
    st[0] = (uint32_t)w->at, st[1] = 0;
    while (depth) {
        uint32_t *f = &st[2 * (depth - 1)];
        const jsmntok_t *c = &t[f[0]];
        int obj = c->type == JSMN_OBJECT;
        if (f[1] == (obj ? 2u : 1u) * (uint32_t)c->size) {
            if ((rc = gap(p, pos, (size_t)c->end - 1, 0)))
                return rc;
            pos = (size_t)c->end;
            depth--;
            continue;
        }
        if (j >= ntok)
            return fmt_json_bad(p, p->line + pos);
        const jsmntok_t *v = &t[j];
        int key = obj && f[1] % 2 == 0;
        char sep = f[1] == 0 ? 0 : obj && !key ? ':' : ',';
        if ((rc = gap(p, pos, tok_begin(v), sep)))
            return rc;
        f[1]++;
        if (v->type == JSMN_OBJECT || v->type == JSMN_ARRAY) {
            if (key)
                return fmt_json_bad(p, p->line + v->start);
            if (depth + 1 >= FMT_JSON_MAX_DEPTH) /* the row itself is one level */
                return too_deep(p);
            st[2 * depth] = (uint32_t)j, st[2 * depth + 1] = 0;
            depth++;
            pos = (size_t)v->start + 1;
        } else {
            if (key && v->type != JSMN_STRING)
                return fmt_json_bad(p, p->line + v->start);
            if ((rc = check_scalar(p, v)))
                return rc;
            pos = tok_end(v);
        }
        j++;
    }
    w->at = j;
    w->pos = pos;
    return 0;
}

/* Column named by the key token, or -1; the next expected column first. */
static int find_col(struct fmt_json_in *p, const jsmntok_t *key, int *col)
{
    const char *k = p->line + key->start;
    size_t n = (size_t)(key->end - key->start);
    if ((*col = fmt_json_col_hint(p, k, n)) >= 0)
        return 0;
    int escaped = memchr(k, '\\', n) != NULL, rc;
    if (escaped && (rc = fmt_json_str_decode(p, k, n, &k, &n)))
        return rc;
    if ((*col = fmt_json_col_lookup(p, k, n)) >= 0)
        return 0;
    /* unknown: ignored, but it must still be a valid string */
    return escaped ? 0 : fmt_json_str_decode(p, k, n, &k, &n);
}

/* One key:value pair of the top-level object, at the cursor. */
static int field(struct fmt_json_in *p, int ntok, int first, struct blk *b, uint32_t start,
                 int *tp_null)
{
    struct fmt_json_walk *w = p->walk;
    int col = -1, rc;
    if (w->at + 1 >= ntok)
        return fmt_json_bad(p, p->line + w->pos);
    const jsmntok_t *key = &w->tok[w->at], *v = key + 1;
    if (key->type != JSMN_STRING)
        return fmt_json_bad(p, p->line + key->start);
    if ((rc = gap(p, w->pos, tok_begin(key), first ? 0 : ',')) ||
        (rc = gap(p, tok_end(key), tok_begin(v), ':')) || (rc = find_col(p, key, &col)))
        return rc;
    w->at++;
    if (v->type == JSMN_OBJECT || v->type == JSMN_ARRAY) {
        rc = check_tree(p, ntok);
    } else {
        w->at++;
        w->pos = tok_end(v);
        rc = col < 0 ? check_scalar(p, v) : 0;
    }
    if (!rc && col >= 0) {
        struct jval jv;
        tok_val(p, v, &jv);
        rc = fmt_json_convert(p, col, &jv, b, start, tp_null);
    }
    return rc;
}

static int fill_row(struct fmt_json_in *p, size_t n, int ntok, int64_t now_ms, struct blk *b,
                    uint32_t start)
{
    struct fmt_json_walk *w = p->walk;
    const jsmntok_t *root = &w->tok[0];
    int tp_null = 0, rc;
    p->hint = 0;
    w->at = 1;
    w->pos = (size_t)root->start + 1;
    for (int k = 0; k < root->size; k++)
        if ((rc = field(p, ntok, k == 0, b, start, &tp_null)))
            return rc;
    if ((rc = gap(p, w->pos, (size_t)root->end - 1, 0)))
        return rc;
    size_t pos = (size_t)root->end;
    while (pos < n && is_ws(p->line[pos]))
        pos++;
    if (pos < n || w->at != ntok)
        return fmt_json_fail(p, "trailing characters after the JSON object at byte %zu",
                             pos + 1);
    return fmt_json_fill_defaults(p, b, start, now_ms);
}

/* ---- tokenizing ------------------------------------------------------- */

static int grow_tokens(struct fmt_json_walk *w)
{
    unsigned cap = w->tok_cap * 2;
    jsmntok_t *t = realloc(w->tok, cap * sizeof *t);
    if (!t)
        return -ENOMEM;
    w->tok = t;
    uint32_t *st = realloc(w->stack, 2 * (size_t)cap * sizeof *st);
    if (!st)
        return -ENOMEM;
    w->stack = st;
    w->tok_cap = cap;
    return 0;
}

/* Tokens of the line into w->tok; returns their count or an error. */
static int tokenize(struct fmt_json_in *p, const char *line, size_t n)
{
    size_t i = 0;
    const char *nul = memchr(line, '\0', n);
    if (nul)
        return fmt_json_fail(p, "NUL byte at byte %zu", (size_t)(nul - line) + 1);
    if (n > INT_MAX / 2)
        return fmt_json_fail(p, "line too long (%zu bytes)", n);
    while (i < n && is_ws(line[i]))
        i++;
    if (i == n)
        return fmt_json_fail(p, "expected a JSON object, got an empty line");
    if (line[i] != '{')
        return fmt_json_fail(p, "expected a JSON object");
    int rc = n > 512 ? check_depth(p, line, n) : 0; /* short lines are cheap anyway */
    if (rc)
        return rc;
    for (;;) {
        jsmn_parser jp;
        jsmn_init(&jp);
        int r = jsmn_parse(&jp, line, n, p->walk->tok, p->walk->tok_cap);
        if (r > 0)
            return r;
        if (r == JSMN_ERROR_NOMEM) {
            if ((r = grow_tokens(p->walk)))
                return r;
            continue;
        }
        if (r == JSMN_ERROR_PART)
            return fmt_json_fail(p, "truncated JSON: the line ends inside a value");
        return fmt_json_fail(p, "invalid JSON at byte %u", jp.pos + 1);
    }
}

int fmt_json_walk_row(struct fmt_json_in *p, size_t n, int64_t now_ms, struct blk *b,
                      uint32_t start)
{
    int ntok = tokenize(p, p->line, n);
    return ntok < 0 ? ntok : fill_row(p, n, ntok, now_ms, b, start);
}

int fmt_json_walk_create(struct fmt_json_in *p)
{
    struct fmt_json_walk *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    p->walk = w;
    w->tok_cap = 32;
    w->tok = malloc(w->tok_cap * sizeof *w->tok);
    w->stack = malloc(2 * (size_t)w->tok_cap * sizeof *w->stack);
    return w->tok && w->stack ? 0 : -ENOMEM;
}

void fmt_json_walk_destroy(struct fmt_json_in *p)
{
    if (!p->walk)
        return;
    free(p->walk->tok);
    free(p->walk->stack);
    free(p->walk);
    p->walk = NULL;
}
