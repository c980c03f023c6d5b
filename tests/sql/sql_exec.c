/*
 * sql_exec.c — the SQL case runner's in-process engine (tests/sql/slt.py
 * drives it; through the mount the same cases go to ctl and queries/new).
 *
 * Usage: sql_exec DATADIR. Requests on stdin, each a header line then the
 * statement's bytes:
 *   stmt N\n<N bytes>    run on a ctl session (DDL, INSERT)
 *   query N\n<N bytes>   start a query as queries/new does, wait for it
 * Replies on stdout: "ok N\n<outcome>", "result N\n<result bytes>" or
 * "error N\n<message>" (the query's error when it failed; the bytes it
 * produced first are not shown). With SFS_COMPACT=1 in the environment,
 * each statement is followed by a full compaction (eng_compact_all).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/engine.h"
#include "exec/query.h"
#include "sql/sql.h"
#include "util/buf.h"
#include "util/err.h"

static void reply(const char *kind, const char *p, size_t n)
{
    printf("%s %zu\n", kind, n);
    fwrite(p, 1, n, stdout);
    fflush(stdout);
}

static void run_stmt(struct engine *e, const char *sql, size_t n)
{
    struct sql_session *ss;
    if (sql_session_create(e, &ss)) {
        reply("error", "cannot create session", 21);
        return;
    }
    int rc = sql_session_write(ss, sql, n);
    if (!rc)
        rc = sql_session_finish(ss);
    const struct buf *out = sql_session_outcomes(ss);
    if (rc) {
        /* the last outcome line is the error */
        const char *s = out->data ? out->data : "";
        size_t len = out->len;
        while (len && s[len - 1] == '\n')
            len--;
        const char *line = s + len;
        while (line > s && line[-1] != '\n')
            line--;
        if (len - (size_t)(line - s) > 7 && strncmp(line, "error: ", 7) == 0)
            line += 7;
        reply("error", line, len - (size_t)(line - s));
    } else {
        /* SFS_COMPACT=1: every committed row goes to column parts at once,
         * so the cases check table(s) over parts (and merges) too */
        const char *compact = getenv("SFS_COMPACT");
        if (compact && !strcmp(compact, "1") && (rc = eng_compact_all(e))) {
            const char *why = err_str(rc);
            reply("error", why, strlen(why));
            sql_session_destroy(ss);
            return;
        }
        reply("ok", out->data ? out->data : "", out->len);
    }
    sql_session_destroy(ss);
}

static void run_query(struct engine *e, const char *sql, size_t n)
{
    char id[QRY_ID_MAX];
    struct sql_error err;
    struct qry *q;
    struct buf res = {0};
    int rc = sql_query_start(e, sql, n, NULL, id, &err);
    if (rc) {
        reply("error", err.msg, strlen(err.msg));
        return;
    }
    if ((rc = qry_get(e, id, &q))) {
        reply("error", "query vanished", 14);
        return;
    }
    char chunk[65536];
    qry_wait(q); /* the query ended and its task stopped */
    for (;;) {
        ssize_t got = qry_result_read(q, res.len, sizeof chunk, 1, chunk, NULL);
        if (got <= 0) {
            rc = (int)got;
            break;
        }
        buf_append(&res, chunk, (size_t)got);
    }
    if (qry_get_state(q) == QRY_FAILED || rc < 0) {
        struct buf msg = {0};
        qry_error_render(q, &msg);
        while (msg.len && msg.data[msg.len - 1] == '\n')
            msg.len--;
        reply("error", msg.data ? msg.data : "", msg.len);
        buf_free(&msg);
    } else {
        reply("result", res.data ? res.data : "", res.len);
    }
    buf_free(&res);
    qry_remove(e, id);
    qry_put(q);
}

int main(int argc, char **argv)
{
    struct engine *e;
    char line[128];
    if (argc != 2) {
        fprintf(stderr, "usage: sql_exec DATADIR\n");
        return 2;
    }
    int rc = eng_open(argv[1], &e);
    if (rc) {
        fprintf(stderr, "sql_exec: cannot open %s: %s\n", argv[1], err_str(rc));
        return 1;
    }
    while (fgets(line, sizeof line, stdin)) {
        char kind[16];
        size_t n;
        if (sscanf(line, "%15s %zu", kind, &n) != 2)
            break;
        char *sql = malloc(n + 1);
        if (!sql || fread(sql, 1, n, stdin) != n) {
            free(sql);
            break;
        }
        sql[n] = 0;
        if (strcmp(kind, "stmt") == 0)
            run_stmt(e, sql, n);
        else
            run_query(e, sql, n);
        free(sql);
    }
    eng_close(e);
    return 0;
}
