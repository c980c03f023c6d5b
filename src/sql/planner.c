/*
 * planner.c — TEMPORARY stand-in for the SQL planner (sql/sql.h,
 * sql_query_start), so that `queries/` can be built and tested before the
 * SELECT parser, binder and planner exist. It is replaced wholesale by the
 * real planner.
 *
 * It knows one statement, matched token by token with the lexer:
 *   SELECT number FROM numbers(N | OFFSET, N)
 *       [SETTINGS max_result_bytes = N] [FORMAT name] [;]
 * and plans it as numbers → the query's sink. Text that ends before the
 * statement is complete is ERR_INCOMPLETE (the framing waits for more).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/query.h"
#include "exec/source.h"
#include "format/out.h"
#include "sql/lexer.h"
#include "sql/sql.h"
#include "util/err.h"

struct matcher {
    struct sql_lexer lx;
    struct sql_tok tok;    /* the current token */
    struct sql_error *err;
};

static int advance(struct matcher *m)
{
    return sql_lex_next(&m->lx, &m->tok, m->err);
}

static int at_eof(const struct matcher *m)
{
    return m->tok.kind == TK_EOF;
}

static int fail_here(struct matcher *m, int code, const char *what)
{
    if (at_eof(m))
        return sql_fail(m->err, ERR_INCOMPLETE, m->tok.line, m->tok.col,
                        "unexpected end of the statement, expected %s", what);
    return sql_fail(m->err, code, m->tok.line, m->tok.col, "expected %s, got '%.*s'", what,
                    (int)m->tok.len, m->tok.p);
}

static int is_word(const struct matcher *m, const char *w)
{
    return m->tok.kind == TK_IDENT && m->tok.len == strlen(w) &&
           !strncasecmp(m->tok.p, w, m->tok.len);
}

static int expect_word(struct matcher *m, const char *w)
{
    if (!is_word(m, w))
        return fail_here(m, ERR_SYNTAX, w);
    return advance(m);
}

static int expect_kind(struct matcher *m, enum sql_tok_kind k, const char *what)
{
    if (m->tok.kind != k)
        return fail_here(m, ERR_SYNTAX, what);
    return advance(m);
}

static int expect_uint(struct matcher *m, uint64_t *out)
{
    if (m->tok.kind != TK_NUMBER)
        return fail_here(m, ERR_SYNTAX, "a number");
    uint64_t v = 0;
    for (uint32_t i = 0; i < m->tok.len; i++) {
        char c = m->tok.p[i];
        if (c == '_')
            continue;
        if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10)
            return sql_fail(m->err, -EINVAL, m->tok.line, m->tok.col,
                            "expected a whole number, got '%.*s'", (int)m->tok.len, m->tok.p);
        v = v * 10 + (uint64_t)(c - '0');
    }
    *out = v;
    return advance(m);
}

struct plan {
    uint64_t offset, count, max_result_bytes;
    enum fmt_kind format;
};

static int match(struct matcher *m, struct plan *p)
{
    int rc = advance(m);
    if (!rc)
        rc = expect_word(m, "SELECT");
    if (rc)
        return rc;
    if (!is_word(m, "number")) {
        if (m->tok.kind == TK_IDENT)
            return sql_fail(m->err, -EINVAL, m->tok.line, m->tok.col,
                            "unknown column '%.*s', did you mean 'number'?", (int)m->tok.len,
                            m->tok.p);
        return fail_here(m, ERR_SYNTAX, "number");
    }
    if ((rc = advance(m)) || (rc = expect_word(m, "FROM")))
        return rc;
    if (!is_word(m, "numbers")) {
        if (m->tok.kind == TK_IDENT)
            return sql_fail(m->err, -ENOENT, m->tok.line, m->tok.col, "unknown stream '%.*s'",
                            (int)m->tok.len, m->tok.p);
        return fail_here(m, ERR_SYNTAX, "numbers");
    }
    if ((rc = advance(m)) || (rc = expect_kind(m, TK_LPAREN, "(")) ||
        (rc = expect_uint(m, &p->count)))
        return rc;
    if (m->tok.kind == TK_COMMA) {
        p->offset = p->count;
        if ((rc = advance(m)) || (rc = expect_uint(m, &p->count)))
            return rc;
    }
    if ((rc = expect_kind(m, TK_RPAREN, ")")))
        return rc;
    if (is_word(m, "SETTINGS")) {
        if ((rc = advance(m)) || (rc = expect_word(m, "max_result_bytes")) ||
            (rc = expect_kind(m, TK_EQ, "=")) || (rc = expect_uint(m, &p->max_result_bytes)))
            return rc;
    }
    if (is_word(m, "FORMAT")) {
        if ((rc = advance(m)))
            return rc;
        if (m->tok.kind != TK_IDENT)
            return fail_here(m, ERR_SYNTAX, "a format name");
        if (fmt_kind_parse(m->tok.p, m->tok.len, &p->format))
            return sql_fail(m->err, -EINVAL, m->tok.line, m->tok.col, "unknown format '%.*s'",
                            (int)m->tok.len, m->tok.p);
        if ((rc = advance(m)))
            return rc;
    }
    if (m->tok.kind == TK_SEMI && (rc = advance(m)))
        return rc;
    if (!at_eof(m))
        return sql_fail(m->err, ERR_SYNTAX, m->tok.line, m->tok.col,
                        "unexpected '%.*s' after the statement", (int)m->tok.len, m->tok.p);
    return 0;
}

int sql_query_start(struct engine *e, const char *text, size_t len, const char *name,
                    char id[64], struct sql_error *err)
{
    struct matcher m = {.err = err};
    struct plan p = {0, 0, 0, FMT_JSONEACHROW};
    sql_lex_init(&m.lx, text, len);
    int rc = match(&m, &p);
    if (rc)
        return rc;
    static const char *const names[] = {"number"};
    static const struct ty types[] = {{TY_UINT64, 0, 0}};
    struct qry_spec spec = {name, text, len, QRY_HISTORICAL, p.format, 1, names, types,
                            p.max_result_bytes, 0};
    struct qry *q = NULL;
    rc = qry_create(e, &spec, &q);
    if (rc == -EEXIST)
        return sql_fail(err, rc, 1, 1, "query '%s' already exists", name ? name : "");
    if (rc)
        return sql_fail(err, rc, 1, 1, "cannot start the query: %s", err_str(rc));
    struct src *src = NULL;
    rc = src_numbers_create(p.offset, p.count, &src);
    if (rc)
        qry_abort(q, err_str(rc));
    else
        rc = qry_run(q, src, qry_sink(q));
    snprintf(id, 64, "%s", qry_id(q));
    qry_put(q);
    return rc ? sql_fail(err, rc, 1, 1, "cannot run the query: %s", err_str(rc)) : 0;
}
