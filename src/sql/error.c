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
    /* one line (outcomes are lines): a quoted culprit's line breaks and
     * other control bytes show as spaces */
    for (char *p = err->msg; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    return code;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Edit distance between a and b (both at most CLOSEST_MAX bytes), where
 * swapping two neighbours counts as one edit ('tmep' is one from 'temp'):
 * the optimal string alignment distance, over three rolling rows. */
static size_t distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t rows[3][CLOSEST_MAX + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    size_t i, j;

    for (j = 0; j <= nb; j++)
        prev[j] = j;
    for (i = 1; i <= na; i++) {
        cur[0] = i;
        for (j = 1; j <= nb; j++) {
            int ca = lower((unsigned char)a[i - 1]), cb = lower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == lower((unsigned char)b[j - 2]) &&
                lower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
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
