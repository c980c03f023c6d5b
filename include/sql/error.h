/*
 * error.h — SQL errors with positions.
 *
 * Every SQL error carries the 1-based line and column of the culprit and a
 * message of the form "line L, column C: <what>" naming the culprit in
 * quotes ('tmep') with a hint where one exists. code is ERR_SYNTAX,
 * ERR_INCOMPLETE (the text ended inside a statement), or a negated errno
 * (-ENOENT unknown stream, -EEXIST duplicate, -EINVAL meaning).
 */
#ifndef SFS_SQL_ERROR_H
#define SFS_SQL_ERROR_H

#include <stdint.h>

#define SQL_ERR_MAX 512

struct sql_error {
    int code;
    uint32_t line;
    uint32_t col;
    char msg[SQL_ERR_MAX];
};

/* Fill err (code, position, formatted message with the position prefix);
 * returns code so callers can `return sql_fail(...)`. */
int sql_fail(struct sql_error *err, int code, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The closest of candidates to word by edit distance (for hints), or NULL
 * when none is close enough. */
const char *sql_closest(const char *word, const char *const *candidates, int n);

#endif
