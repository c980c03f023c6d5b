/*
 * session.c — statement framing for `ctl`, `queries/new` and a query's
 * `sql` file (sql/sql.h).
 *
 * Text accumulates in `pending`. After each write, complete statements
 * (ended by ';', found by the lexer so that ';' in strings and comments
 * does not count) run in order; the text after the last ';' runs too,
 * unless the parser says it is unfinished, in which case it waits.
 * The two kinds of session differ only in how one statement runs: ctl
 * parses and executes it; a query session hands it to sql_query_start,
 * which sees the statement alone, so its error positions are moved to
 * where the statement stands in the session's text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/lexer.h"
#include "sql/sql.h"
#include "util/err.h"

struct sql_session {
    struct engine *e;
    int query;            /* statements start queries */
    char *name;           /* query session: the query's chosen name, or NULL */
    struct buf pending;   /* text not yet run */
    struct buf outcomes;  /* this session's outcome lines */
    struct sql_pos pos;   /* position of pending[0] in all text written */
};

int sql_session_create(struct engine *e, struct sql_session **out)
{
    struct sql_session *ss = calloc(1, sizeof(*ss));
    if (!ss)
        return -ENOMEM;
    ss->e = e;
    ss->pos.line = ss->pos.col = 1;
    *out = ss;
    return 0;
}

int sql_session_create_query(struct engine *e, const char *name, struct sql_session **out)
{
    struct sql_session *ss;
    int rc = sql_session_create(e, &ss);
    if (rc)
        return rc;
    ss->query = 1;
    if (name && !(ss->name = strdup(name))) {
        sql_session_destroy(ss);
        return -ENOMEM;
    }
    *out = ss;
    return 0;
}

void sql_session_destroy(struct sql_session *ss)
{
    if (!ss)
        return;
    free(ss->name);
    buf_free(&ss->pending);
    buf_free(&ss->outcomes);
    free(ss);
}

const struct buf *sql_session_outcomes(const struct sql_session *ss)
{
    return &ss->outcomes;
}

static void record(struct sql_session *ss, const char *line)
{
    buf_printf(&ss->outcomes, "%s\n", line);
    eng_outcome_add(ss->e, line);
}

/*
 * An error positioned within one statement, moved to the statement's
 * place in the session's text (which starts at ss->pos): the message's
 * "line L, column C: " prefix is rewritten.
 */
static void shift_error(const struct sql_session *ss, struct sql_error *err)
{
    unsigned line, col;
    int used = 0;
    if (!err->line || (ss->pos.line == 1 && ss->pos.col == 1))
        return;
    if (sscanf(err->msg, "line %u, column %u: %n", &line, &col, &used) != 2 || !used)
        return;
    if (err->line == 1)
        err->col += ss->pos.col - 1;
    err->line += ss->pos.line - 1;
    char head[48];
    size_t hl = (size_t)snprintf(head, sizeof(head), "line %u, column %u: ", err->line, err->col);
    size_t rest = strlen(err->msg + used);
    if (hl + rest >= sizeof(err->msg))
        rest = sizeof(err->msg) - 1 - hl;
    memmove(err->msg + hl, err->msg + used, rest);
    memcpy(err->msg, head, hl);
    err->msg[hl + rest] = '\0';
}

/* A query session's statement: start it, and note its id. */
static int start_query(struct sql_session *ss, const char *text, size_t len,
                       struct sql_error *err, struct buf *outcome)
{
    char id[64];
    int rc = sql_query_start(ss->e, text, len, ss->name, id, err);
    if (rc) {
        shift_error(ss, err);
        return rc;
    }
    return buf_printf(outcome, "%s", id);
}

/*
 * Run one statement's text. When allow_wait is set and the parser reached
 * the end of input, return ERR_INCOMPLETE without recording anything.
 */
static int run_one(struct sql_session *ss, const char *text, size_t len, int allow_wait)
{
    struct sql_error err = {0};
    struct buf outcome = BUF_INIT;
    struct sql_stmt *st = NULL;
    if (sql_is_blank(text, len))
        return 0;
    int rc;
    if (ss->query) {
        rc = start_query(ss, text, len, &err, &outcome);
    } else {
        rc = sql_parse_at(text, len, ss->pos, &st, &err);
        if (!rc)
            rc = sql_exec(ss->e, st, &err, &outcome);
        sql_stmt_destroy(st);
    }
    if (rc == ERR_INCOMPLETE && allow_wait) {
        buf_free(&outcome);
        return rc;
    }
    if (rc) {
        struct buf line = BUF_INIT;
        buf_printf(&line, "error: %s", err.msg[0] ? err.msg : err_str(rc));
        if (buf_cstr(&line) == 0)
            record(ss, line.data);
        buf_free(&line);
    } else if (ss->query && buf_cstr(&outcome) == 0) {
        /* the descriptor reads the id; ctl's list says what happened */
        buf_printf(&ss->outcomes, "%s\n", outcome.data);
        struct buf line = BUF_INIT;
        if (buf_printf(&line, "ok: started query %s", outcome.data) == 0)
            eng_outcome_add(ss->e, line.data);
        buf_free(&line);
    } else if (buf_cstr(&outcome) == 0) {
        record(ss, outcome.data);
    }
    buf_free(&outcome);
    return rc;
}

/* Drop n bytes of pending text, keeping the position of what follows
 * (columns count characters, as the lexer does). */
static void consume(struct sql_session *ss, size_t n)
{
    for (size_t i = 0; i < n && i < ss->pending.len; i++) {
        unsigned char c = (unsigned char)ss->pending.data[i];
        if (c == '\n') {
            ss->pos.line++;
            ss->pos.col = 1;
        } else if ((c & 0xC0) != 0x80) {
            ss->pos.col++;
        }
    }
    buf_consume(&ss->pending, n);
}

/* Run what pending holds; at_close runs an unfinished tail as well. */
static int drain(struct sql_session *ss, int at_close)
{
    int rc = 0;
    size_t stmt_len, consumed;
    while (!rc && sql_split(ss->pending.data, ss->pending.len, &stmt_len, &consumed)) {
        rc = run_one(ss, ss->pending.data, stmt_len, 0);
        consume(ss, consumed);
    }
    if (!rc && ss->pending.len) {
        rc = run_one(ss, ss->pending.data, ss->pending.len, !at_close);
        if (rc == ERR_INCOMPLETE && !at_close)
            return 0; /* wait for the rest of the statement */
        consume(ss, ss->pending.len);
    }
    if (rc)
        consume(ss, ss->pending.len); /* the rest of a failed write is discarded */
    return rc;
}

int sql_session_write(struct sql_session *ss, const char *p, size_t n)
{
    int rc = buf_append(&ss->pending, p, n);
    return rc ? rc : drain(ss, 0);
}

int sql_session_finish(struct sql_session *ss)
{
    return ss->pending.len ? drain(ss, 1) : 0;
}
