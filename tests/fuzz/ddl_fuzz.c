/*
 * ddl_fuzz.c — libFuzzer harness for the SQL front end (sql/lexer.h,
 * sql/parser.h).
 *
 * The input is treated as text written to ctl: it is framed with sql_split
 * into statements, and each piece, the unterminated tail and the whole
 * input are parsed. Beyond "no crash, no leak, no read past len" (ASan,
 * UBSan; libFuzzer hands over a buffer of exactly size bytes), it checks the
 * contracts callers rely on: a statement on success and none on failure,
 * errors that carry their code and a "line L, column C: " message on one
 * line, and framing that always makes progress within the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sql/lexer.h"
#include "sql/parser.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_stmt(const struct sql_stmt *s)
{
    uint32_t i;

    if (s->kind == SQL_DROP_STREAM) {
        check(s->u.drop.name != NULL);
        return;
    }
    if (s->kind == SQL_SELECT) {
        check(s->u.select != NULL && s->u.select->nitems > 0);
        return;
    }
    if (s->kind == SQL_INSERT) {
        check(s->u.insert.target != NULL);
        check(s->u.insert.select != NULL || s->u.insert.nrows > 0);
        return;
    }
    check(s->kind == SQL_CREATE_STREAM && s->u.create.name != NULL);
    check(s->u.create.ncols > 0);
    for (i = 0; i < s->u.create.ncols; i++) {
        check(s->u.create.cols[i].name != NULL);
        check(s->u.create.cols[i].ty.kind > 0 && s->u.create.cols[i].ty.kind < TY_KIND_END);
    }
    for (i = 0; i < s->u.create.nsettings; i++) {
        const struct sql_setting *st = &s->u.create.settings[i];
        check(st->name != NULL);
        check((st->kind != SQL_V_STRING && st->kind != SQL_V_IDENT) || st->str != NULL);
    }
}

static void parse_one(const char *text, size_t len)
{
    struct sql_stmt *s = (struct sql_stmt *)1;
    struct sql_error err;
    int rc = sql_parse(text, len, &s, &err);

    if (rc == 0) {
        check(s != NULL);
        check_stmt(s);
        sql_stmt_destroy(s);
        return;
    }
    check(s == NULL);
    check(err.code == rc);
    check(strncmp(err.msg, "line ", 5) == 0);
    check(strchr(err.msg, '\n') == NULL);
    check(err.line >= 1 && err.col >= 1);
    if (sql_is_blank(text, len))
        check(rc == ERR_INCOMPLETE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t off = 0, stmt_len, used;

    while (off < size && sql_split(text + off, size - off, &stmt_len, &used)) {
        check(used > 0 && used <= size - off && stmt_len + 1 == used);
        check(text[off + stmt_len] == ';');
        parse_one(text + off, stmt_len);
        off += used;
    }
    if (off < size)
        parse_one(text + off, size - off);
    parse_one(text, size);
    return 0;
}
