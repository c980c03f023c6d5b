/*
 * error.c — positioned SQL errors and "did you mean" hints (sql/error.h).
 *
 * Every layer of the SQL front end (lexer, parser, later the binder) reports
 * through sql_fail, so every message has the same "line L, column C: "
 * prefix that SPEC precise rule 4 promises. sql_closest picks a hint by
 * Levenshtein distance, ignoring ASCII case, and only when the candidate is
 * close enough that the suggestion is more likely help than noise.
 */
#include "sql/error.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Words longer than this get no hint (keeps the distance table on the stack). */
#define CLOSEST_MAX 64

int sql_fail(struct sql_error *err, int code, uint32_t line, uint32_t col, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err)
        return code;
    err->code = code;
    err->line = line;
    err->col = col;
    n = snprintf(err->msg, sizeof err->msg, "line %" PRIu32 ", column %" PRIu32 ": ", line, col);
    if (n < 0 || (size_t)n >= sizeof err->msg)
        return code;
    va_start(ap, fmt);
    vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
    va_end(ap);
    return code;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Edit distance between a and b (both at most CLOSEST_MAX bytes). */
static size_t distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t row[CLOSEST_MAX + 1];
    size_t i, j;

    for (j = 0; j <= nb; j++)
        row[j] = j;
    for (i = 1; i <= na; i++) {
        size_t diag = row[0]; /* row[i-1][j-1] */
        row[0] = i;
        for (j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (lower((unsigned char)a[i - 1]) != lower((unsigned char)b[j - 1]));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[nb];
}

const char *sql_closest(const char *word, const char *const *candidates, int n)
{
    const char *best = NULL;
    size_t wl, limit, best_d;
    int i;

    if (!word || !candidates)
        return NULL;
    wl = strlen(word);
    if (wl == 0 || wl > CLOSEST_MAX)
        return NULL;
    limit = wl / 3 > 1 ? wl / 3 : 1;
    best_d = limit + 1;
    for (i = 0; i < n; i++) {
        const char *c = candidates[i];
        size_t cl, d;
        if (!c)
            continue;
        cl = strlen(c);
        if (cl > CLOSEST_MAX || (cl > wl ? cl - wl : wl - cl) > limit)
            continue;
        d = distance(word, wl, c, cl);
        if (d < best_d) {
            best = c;
            best_d = d;
        }
    }
    return best;
}
