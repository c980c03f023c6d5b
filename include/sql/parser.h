/*
 * parser.h — recursive-descent SQL parser producing statements.
 *
 * This statements are the DDL: CREATE STREAM, DROP STREAM. The
 * SQL issue grows the grammar (SELECT, INSERT, expressions by precedence
 * climbing) on the same lexer, error and arena machinery.
 *
 * Ownership: a statement and everything it points to live in the statement's
 * arena; sql_stmt_destroy frees it all. Text fields are unescaped,
 * NUL-terminated copies.
 */
#ifndef SFS_SQL_PARSER_H
#define SFS_SQL_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "sql/error.h"
#include "types/type.h"

enum sql_stmt_kind { SQL_CREATE_STREAM = 1, SQL_DROP_STREAM };

enum sql_value_kind { SQL_V_STRING = 1, SQL_V_INT, SQL_V_FLOAT, SQL_V_IDENT, SQL_V_BOOL };

struct sql_pos {
    uint32_t line;
    uint32_t col;
};

/* A literal in SETTINGS (k = 'x' | 42 | 1.5 | ident | true). */
struct sql_setting {
    const char *name;
    struct sql_pos name_pos;
    enum sql_value_kind kind;
    const char *str;      /* SQL_V_STRING / SQL_V_IDENT text */
    int64_t i;            /* SQL_V_INT / SQL_V_BOOL */
    double f;             /* SQL_V_FLOAT */
    struct sql_pos value_pos;
};

struct sql_column_def {
    const char *name;
    struct sql_pos pos;
    struct ty ty;
    struct sql_pos type_pos;
};

struct sql_stmt {
    enum sql_stmt_kind kind;
    struct sql_pos pos;
    union {
        struct {
            const char *name;
            struct sql_pos name_pos;
            int if_not_exists;
            uint32_t ncols;
            struct sql_column_def *cols;
            uint32_t nsettings;
            struct sql_setting *settings;
        } create;
        struct {
            const char *name;
            struct sql_pos name_pos;
            int if_exists;
        } drop;
    } u;
    void *arena; /* private */
};

/*
 * Parse exactly one statement from text (a trailing ';' and whitespace /
 * comments are allowed). Returns 0 with *out set; ERR_INCOMPLETE when the
 * text ended where more was expected (e.g. "CREATE STREAM s ("), so framing
 * can wait for the next write; ERR_SYNTAX or -EINVAL otherwise, with err
 * filled: "line 1, column 24: unknown type 'int33', did you mean 'int32'?".
 */
int sql_parse(const char *text, size_t len, struct sql_stmt **out, struct sql_error *err);
/* The same, for text that starts at position start of a larger input (a
 * statement inside a script): errors name positions in the whole input. */
int sql_parse_at(const char *text, size_t len, struct sql_pos start, struct sql_stmt **out,
                 struct sql_error *err);
void sql_stmt_destroy(struct sql_stmt *s);

#endif
