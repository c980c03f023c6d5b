/*
 * sql_fuzz.c — libFuzzer harness for the SQL front end with names and
 * types: lexer, parser and binder (sql_check), against an engine holding
 * one stream of every common column kind and a random stream (rnd), whose
 * DEFAULTs a query over it binds again.
 *
 * Beyond "no crash, no leak, no read past len", a rejected statement must
 * carry a "line L, column C: " message on one line, and the binder must
 * never accept what the parser rejected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/engine.h"
#include "sql/parser.h"
#include "sql/sql.h"
#include "util/err.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct engine *eng;

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[] = "/tmp/sfs-sqlfuzz-XXXXXX";
    struct buf out = {0};
    struct sql_error err;
    check(mkdtemp(dir) != NULL);
    check(eng_open(dir, &eng) == 0);
    const char *ddl = "CREATE STREAM m (device string, temp float64, n nullable(int64), "
                      "ts datetime64(3), d date, b bool, u uint8)";
    check(sql_run(eng, ddl, strlen(ddl), &err, &out) == 0);
    const char *rnd = "CREATE RANDOM STREAM rnd (k string DEFAULT 'k' || to_string(rand() % 3), "
                      "v int32, x float64 DEFAULT rand_uniform(0, 1)) SETTINGS eps=10";
    check(sql_run(eng, rnd, strlen(rnd), &err, &out) == 0);
    buf_free(&out);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sql_error err;
    const char *text = (const char *)data;
    int rc = sql_check(eng, text, size, &err);
    if (rc) {
        check(err.code == rc);
        check(strncmp(err.msg, "line ", 5) == 0);
        check(strchr(err.msg, '\n') == NULL);
    } else {
        struct sql_stmt *st = NULL;
        struct sql_error perr;
        check(sql_parse(text, size, &st, &perr) == 0);
        sql_stmt_destroy(st);
    }
    return 0;
}
