/*
 * out.c — result formats (format/out.h): the one place a query's blocks
 * become text.
 *
 * JSONEachRow is json_out.c's renderer. The text formats follow
 * ClickHouse's output rules, so files read the same as clickhouse-client's:
 *   CSV  strings in double quotes with '"' doubled (newlines stay inside
 *        the quotes), dates and datetimes quoted, numbers and true/false
 *        bare, NULL
 *        as \N, ',' between values;
 *   TSV  strings and datetimes bare with \b \f \r \n \t \0 \' \\ escaped,
 *        NULL as \N, a tab between values.
 * Numbers in both are the text form json_out.c writes (shortest floats,
 * nan, inf). *WithNames adds a first line of column names, escaped as
 * strings of that format.
 */
#include "format/out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/json_out.h"

const char *const fmt_kind_names[] = {"JSONEachRow", "CSV", "CSVWithNames", "TSV",
                                      "TSVWithNames"};
const int fmt_kind_count = (int)(sizeof(fmt_kind_names) / sizeof(fmt_kind_names[0]));

/* ClickHouse's other names for the same formats. */
static const struct {
    const char *name;
    enum fmt_kind kind;
} aliases[] = {
    {"JSONLines", FMT_JSONEACHROW},
    {"NDJSON", FMT_JSONEACHROW},
    {"TabSeparated", FMT_TSV},
    {"TabSeparatedWithNames", FMT_TSVWITHNAMES},
};

int fmt_kind_parse(const char *name, size_t len, enum fmt_kind *out)
{
    for (int i = 0; i < fmt_kind_count; i++)
        if (strlen(fmt_kind_names[i]) == len && !strncasecmp(name, fmt_kind_names[i], len)) {
            *out = (enum fmt_kind)i;
            return 0;
        }
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strlen(aliases[i].name) == len && !strncasecmp(name, aliases[i].name, len)) {
            *out = aliases[i].kind;
            return 0;
        }
    return -EINVAL;
}

const char *fmt_kind_name(enum fmt_kind k)
{
    return (int)k >= 0 && (int)k < fmt_kind_count ? fmt_kind_names[k] : "?";
}

static int is_csv(enum fmt_kind k)
{
    return k == FMT_CSV || k == FMT_CSVWITHNAMES;
}

static int csv_string(const char *s, size_t n, struct buf *out)
{
    int rc = buf_reserve(out, 2 * n + 2);
    if (rc)
        return rc;
    char *p = out->data + out->len;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    out->len = (size_t)(p - out->data);
    return 0;
}

static int tsv_string(const char *s, size_t n, struct buf *out)
{
    int rc = buf_reserve(out, 2 * n);
    if (rc)
        return rc;
    char *p = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        char e = 0;
        switch (s[i]) {
        case '\b': e = 'b'; break;
        case '\f': e = 'f'; break;
        case '\r': e = 'r'; break;
        case '\n': e = 'n'; break;
        case '\t': e = 't'; break;
        case '\0': e = '0'; break;
        case '\'': e = '\''; break;
        case '\\': e = '\\'; break;
        }
        if (e) {
            *p++ = '\\';
            *p++ = e;
        } else {
            *p++ = s[i];
        }
    }
    out->len = (size_t)(p - out->data);
    return 0;
}

static int put_string(enum fmt_kind k, const char *s, size_t n, struct buf *out)
{
    return is_csv(k) ? csv_string(s, n, out) : tsv_string(s, n, out);
}

int fmt_array_text(const struct col *c, uint32_t r, struct buf *out)
{
    uint32_t lo, hi;
    col_arr(c, r, &lo, &hi);
    const struct col *e = c->child;
    int rc = buf_putc(out, '[');
    for (uint32_t i = lo; i < hi && !rc; i++) {
        if (i > lo && (rc = buf_putc(out, ',')))
            break;
        if (col_is_null(e, i)) {
            rc = buf_append(out, "NULL", 4);
        } else if (e->ty.kind == TY_STRING) {
            size_t len;
            const char *s = col_str(e, i, &len);
            if (!(rc = buf_putc(out, '\'')) && !(rc = tsv_string(s, len, out)))
                rc = buf_putc(out, '\'');
        } else if (e->ty.kind == TY_ARRAY) {
            rc = fmt_array_text(e, i, out);
        } else {
            char text[FMT_FIXED_MAX];
            size_t n = fmt_fixed_text(e, i, text);
            int q = e->ty.kind == TY_DATETIME || e->ty.kind == TY_DATETIME64 ||
                    e->ty.kind == TY_DATE;
            if (!(rc = q ? buf_putc(out, '\'') : 0) && !(rc = buf_append(out, text, n)) && q)
                rc = buf_putc(out, '\'');
        }
    }
    return rc ? rc : buf_putc(out, ']');
}

static int put_value(enum fmt_kind k, const struct col *c, uint32_t r, struct buf *out)
{
    if (col_is_null(c, r))
        return buf_append(out, "\\N", 2);
    if (c->ty.kind == TY_ARRAY) { /* ClickHouse: [1,2] / ['a','b']; CSV quotes it whole */
        if (!is_csv(k))
            return fmt_array_text(c, r, out);
        struct buf t = BUF_INIT;
        int rc = fmt_array_text(c, r, &t);
        if (!rc)
            rc = csv_string(t.data ? t.data : "", t.len, out);
        buf_free(&t);
        return rc;
    }
    if (c->ty.kind == TY_STRING) {
        size_t len;
        const char *s = col_str(c, r, &len);
        return put_string(k, s, len, out);
    }
    char text[FMT_FIXED_MAX];
    size_t n = fmt_fixed_text(c, r, text);
    int dt = c->ty.kind == TY_DATETIME || c->ty.kind == TY_DATETIME64 || c->ty.kind == TY_DATE;
    if (dt && is_csv(k))
        return csv_string(text, n, out);
    return buf_append(out, text, n);
}

int fmt_out_header(enum fmt_kind k, const char *const *names, uint32_t ncols, struct buf *out)
{
    if (k != FMT_CSVWITHNAMES && k != FMT_TSVWITHNAMES)
        return 0;
    size_t start = out->len;
    char sep = is_csv(k) ? ',' : '\t';
    int rc = 0;
    for (uint32_t i = 0; i < ncols && !rc; i++) {
        if (i)
            rc = buf_putc(out, sep);
        if (!rc)
            rc = put_string(k, names[i], strlen(names[i]), out);
    }
    if (!rc)
        rc = buf_putc(out, '\n');
    if (rc)
        out->len = start;
    return rc;
}

int fmt_out_rows(enum fmt_kind k, const char *const *names, const struct blk *b, uint32_t from,
                 uint32_t to, struct buf *out)
{
    if (k == FMT_JSONEACHROW)
        return fmt_json_out_rows(names, b, from, to, out);
    if ((int)k < 0 || (int)k >= fmt_kind_count)
        return -EINVAL;
    size_t start = out->len;
    char sep = is_csv(k) ? ',' : '\t';
    int rc = 0;
    for (uint32_t r = from; r < to && !rc; r++) {
        for (uint32_t i = 0; i < b->ncols && !rc; i++) {
            if (i)
                rc = buf_putc(out, sep);
            if (!rc)
                rc = put_value(k, &b->cols[i], r, out);
        }
        if (!rc)
            rc = buf_putc(out, '\n');
    }
    if (rc)
        out->len = start;
    return rc;
}
