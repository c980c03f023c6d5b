/*
 * func.c — the function registry (exec/func.h, exec/agg.h): lookup by
 * name for scalars and aggregates, hints, and registration of functions
 * added at run time (UDFs).
 *
 * Built-in functions live in the func_*.c and agg_*.c files as arrays,
 * listed in the tables below. Names are matched case-insensitively; a
 * ClickHouse camelCase spelling (toStartOfMinute, multiIf) is tried as
 * its snake_case form (to_start_of_minute, multi_if).
 */
#include "exec/func.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/agg.h"
#include "util/err.h"
#include "exec/func_list.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fn_scalar *udfs;
static size_t nudfs;

static int name_eq(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

/* camelCase to snake_case ("toStartOfMinute" -> "to_start_of_minute"): a
 * '_' before a capital that follows a lower-case letter or digit, or that
 * ends a run of capitals ("JSONExtract" -> "json_extract"); ClickHouse's
 * "DateTime" is one word in Proton's names ("toDateTime" -> "to_datetime"). */
static size_t snake(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isupper(ch) && i > 0) {
            unsigned char prev = (unsigned char)s[i - 1];
            int run_end = isupper(prev) && i >= 2 && isupper((unsigned char)s[i - 2]) &&
                          i + 1 < n && islower((unsigned char)s[i + 1]);
            if (islower(prev) || isdigit(prev) || run_end)
                out[k++] = '_';
        }
        out[k++] = (char)tolower(ch);
    }
    out[k] = 0;
    for (char *p = out; (p = strstr(p, "date_time")) != NULL;) {
        memmove(p + 4, p + 5, strlen(p + 5) + 1);
        k--;
    }
    return k;
}

static const struct fn_scalar *find_scalar(const char *name, size_t len)
{
    for (size_t l = 0; l < FN_SCALAR_LISTS_N; l++)
        for (size_t i = 0; i < *fn_scalar_lists[l].n; i++)
            if (name_eq(fn_scalar_lists[l].fns[i].name, name, len))
                return &fn_scalar_lists[l].fns[i];
    const struct fn_scalar *f = NULL;
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < nudfs && !f; i++)
        if (name_eq(udfs[i].name, name, len))
            f = &udfs[i];
    pthread_mutex_unlock(&reg_lock);
    return f;
}

const struct fn_scalar *fn_find(const char *name, size_t len)
{
    char alt[128];
    const struct fn_scalar *f = find_scalar(name, len);
    if (!f && len < sizeof(alt) / 2) {
        size_t n = snake(name, len, alt, sizeof(alt));
        if (n != len)
            f = find_scalar(alt, n);
    }
    return f;
}

static const struct agg_fn *find_agg(const char *name, size_t len)
{
    for (size_t l = 0; l < FN_AGG_LISTS_N; l++)
        for (size_t i = 0; i < *fn_agg_lists[l].n; i++)
            if (name_eq(fn_agg_lists[l].fns[i].name, name, len))
                return &fn_agg_lists[l].fns[i];
    return NULL;
}

const struct agg_fn *agg_find(const char *name, size_t len)
{
    char alt[128];
    const struct agg_fn *f = find_agg(name, len);
    if (!f && len < sizeof(alt) / 2) {
        size_t n = snake(name, len, alt, sizeof(alt));
        if (n != len)
            f = find_agg(alt, n);
    }
    return f;
}

static const char **all_names;
static int n_all_names;
static const char **agg_only;
static int n_agg_only;

static void build_names(void)
{
    size_t n = 0, na = 0;
    for (size_t l = 0; l < FN_SCALAR_LISTS_N; l++)
        n += *fn_scalar_lists[l].n;
    for (size_t l = 0; l < FN_AGG_LISTS_N; l++)
        na += *fn_agg_lists[l].n;
    all_names = calloc(n + na + 1, sizeof(*all_names));
    agg_only = calloc(na + 1, sizeof(*agg_only));
    if (!all_names || !agg_only)
        return;
    for (size_t l = 0; l < FN_SCALAR_LISTS_N; l++)
        for (size_t i = 0; i < *fn_scalar_lists[l].n; i++)
            all_names[n_all_names++] = fn_scalar_lists[l].fns[i].name;
    for (size_t l = 0; l < FN_AGG_LISTS_N; l++)
        for (size_t i = 0; i < *fn_agg_lists[l].n; i++) {
            all_names[n_all_names++] = fn_agg_lists[l].fns[i].name;
            agg_only[n_agg_only++] = fn_agg_lists[l].fns[i].name;
        }
}

static pthread_once_t names_once = PTHREAD_ONCE_INIT;

int fn_names(const char *const **names, int *n)
{
    pthread_once(&names_once, build_names);
    if (!all_names)
        return -ENOMEM;
    *names = all_names;
    *n = n_all_names;
    return 0;
}

int agg_names(const char *const **names, int *n)
{
    pthread_once(&names_once, build_names);
    if (!agg_only)
        return -ENOMEM;
    *names = agg_only;
    *n = n_agg_only;
    return 0;
}

int fn_register(const struct fn_scalar *f)
{
    if (fn_find(f->name, strlen(f->name)) || agg_find(f->name, strlen(f->name)))
        return -EEXIST;
    pthread_mutex_lock(&reg_lock);
    struct fn_scalar *u = realloc(udfs, (nudfs + 1) * sizeof(*u));
    if (!u) {
        pthread_mutex_unlock(&reg_lock);
        return -ENOMEM;
    }
    /* lookups hold pointers into udfs: only grow before queries use them
     * (registration happens at startup and at CREATE FUNCTION, serialized
     * by the catalog). */
    udfs = u;
    udfs[nudfs++] = *f;
    pthread_mutex_unlock(&reg_lock);
    return 0;
}

int fn_errorf(struct fn_ctx *ctx, const char *fmt, ...)
{
    char what[FN_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    err_one_line(ctx->err, sizeof(ctx->err), what);
    return -EINVAL;
}

const char *fn_error(const struct fn_ctx *ctx)
{
    return ctx->err;
}
