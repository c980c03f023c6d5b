/*
 * sql.h — running statements against the engine, and the statement
 * framing of the `ctl` file (SPEC precise rules 1 and 2).
 *
 * A session is one open `ctl` file, or one open `queries/new` or
 * `queries/NAME/sql` file (a query session): text accumulates; a
 * statement ends at ';' or at the end of a write, unless the text so far
 * is an unfinished statement (the parser reached the end of input), which
 * waits for the next write; at close, what remains is a statement. The
 * first failing statement of a write fails that write: its error is
 * returned and the rest of that write's text is discarded. Outcomes go to
 * the engine's shared list that a fresh `cat ctl` shows ("ok: ..." or
 * "error: line L, column C: ...") and to the session: the same lines for
 * ctl; for a query session, each started query's id on a line of its own
 * and the error lines. A query session runs each statement with
 * sql_query_start; error positions count in all the text of the session.
 *
 * Ownership: a session borrows the engine, which must outlive it.
 */
#ifndef SFS_SQL_SQL_H
#define SFS_SQL_SQL_H

#include <stddef.h>

#include "exec/engine.h"
#include "sql/error.h"
#include "sql/parser.h"
#include "util/buf.h"

/* Execute a parsed statement; on success *outcome gets "ok: ..." text. */
int sql_exec(struct engine *e, const struct sql_stmt *st, struct sql_error *err,
             struct buf *outcome);
/* Parse and execute one statement. */
int sql_run(struct engine *e, const char *text, size_t len, struct sql_error *err,
            struct buf *outcome);
/*
 * queries/new and queries/NAME/sql: parse, bind and plan one SELECT (or
 * INSERT ... SELECT) and start it as a query named name (NULL: the next
 * number); id gets its id. A statement that fails to parse or bind starts
 * nothing and returns its positioned error (positions within text);
 * ERR_INCOMPLETE when text ends inside the statement, so the framing can
 * wait for the next write.
 */
int sql_query_start(struct engine *e, const char *text, size_t len, const char *name,
                    char id[64], struct sql_error *err);
/* Parse and bind one statement without running it (SELECT, INSERT):
 * 0, or its positioned error. */
int sql_check(struct engine *e, const char *text, size_t len, struct sql_error *err);
/* INSERT ... VALUES / INSERT ... SELECT, run to completion (ctl). */
int sql_exec_insert(struct engine *e, const struct sql_stmt *st, struct sql_error *err,
                    struct buf *outcome);
/* Create a raw stream (one `raw string` column, format 'raw'), as mkdir does.
 * -EINVAL for an invalid or reserved name, -EEXIST when taken. */
int sql_create_raw(struct engine *e, const char *name);
/* 1 for a name the namespace reserves (ctl, queries). */
int sql_reserved_name(const char *name);

struct sql_session;

int sql_session_create(struct engine *e, struct sql_session **out);
/* A query session: statements start queries, named name (copied; NULL:
 * numbered), as writing queries/NAME/sql does. */
int sql_session_create_query(struct engine *e, const char *name, struct sql_session **out);
void sql_session_destroy(struct sql_session *ss);
/* Feed one write's bytes; 0, or the errno-style code of the first failure. */
int sql_session_write(struct sql_session *ss, const char *p, size_t n);
/* End of input (close): run what remains. */
int sql_session_finish(struct sql_session *ss);
/* This session's outcome lines so far (borrowed): for a query session,
 * "ID\n" per started query and "error: ...\n" per failed statement. */
const struct buf *sql_session_outcomes(const struct sql_session *ss);

#endif
