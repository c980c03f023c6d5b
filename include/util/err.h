/*
 * err.h — error codes shared by every layer.
 *
 * Functions return 0 on success or a negative code: either a negated errno
 * (-EINVAL, -ENOENT, ...) that the FUSE layer hands straight back to the
 * kernel, or a project code in the reserved range below ERR_BASE, which
 * err_to_errno() maps to the errno a system call should report.
 */
#ifndef SFS_UTIL_ERR_H
#define SFS_UTIL_ERR_H

#include <stddef.h>

#include <errno.h>

enum {
    ERR_BASE = 10000,
    ERR_CORRUPT = -(ERR_BASE + 1),    /* checksum or framing does not validate */
    ERR_SYNTAX = -(ERR_BASE + 2),     /* SQL or input text does not parse */
    ERR_INCOMPLETE = -(ERR_BASE + 3), /* input ended inside a statement */
    ERR_MALFORMED = -(ERR_BASE + 4),  /* an ingested row does not fit the schema */
    ERR_LOCKED = -(ERR_BASE + 5),     /* DATADIR is served by another daemon */
};

/* Human-readable text for any code this project returns (static string). */
const char *err_str(int code);
/* Copy src into dst (cap bytes, NUL-terminated) as one line: newlines,
 * tabs and other control characters become \n, \t, \xHH (error messages
 * quote user text and must stay one line). */
void err_one_line(char *dst, size_t cap, const char *src);

/* The positive errno a system call should report for code (EIO for unknowns). */
int err_to_errno(int code);

#endif
