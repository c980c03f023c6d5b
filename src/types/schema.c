/*
 * schema.c — stream schemas and their canonical CREATE statement
 * (types/schema.h). The rendered DDL is what MNT/STREAM/schema shows.
 */
#include "types/schema.h"

#include "types/block.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int sch_valid_name(const char *s, size_t n)
{
    if (n == 0 || n >= SCH_MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return 0;
    }
    return 1;
}

int sch_create(const char *name, struct schema **out)
{
    if (!sch_valid_name(name, strlen(name)))
        return -EINVAL;
    struct schema *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    strcpy(s->name, name);
    s->time_col = -1;
    s->codec = SCH_CODEC_DEFAULT;
    s->interval_ms = SCH_RANDOM_INTERVAL_MS;
    *out = s;
    return 0;
}

void sch_destroy(struct schema *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->ndefaults; i++)
        free(s->defaults[i]);
    free(s->defaults);
    free(s->cols);
    free(s);
}

int sch_set_default(struct schema *s, uint32_t i, const char *text)
{
    if (i >= s->ncols)
        return -EINVAL;
    if (i >= s->ndefaults) {
        char **d = realloc(s->defaults, s->ncols * sizeof(*d));
        if (!d)
            return -ENOMEM;
        memset(d + s->ndefaults, 0, (s->ncols - s->ndefaults) * sizeof(*d));
        s->defaults = d;
        s->ndefaults = s->ncols;
    }
    char *copy = text ? strdup(text) : NULL;
    if (text && !copy)
        return -ENOMEM;
    free(s->defaults[i]);
    s->defaults[i] = copy;
    return 0;
}

const char *sch_default(const struct schema *s, uint32_t i)
{
    return i < s->ndefaults ? s->defaults[i] : NULL;
}

int sch_find(const struct schema *s, const char *name, size_t n)
{
    for (uint32_t i = 0; i < s->ncols; i++)
        if (strlen(s->cols[i].name) == n && memcmp(s->cols[i].name, name, n) == 0)
            return (int)i;
    return -1;
}

int sch_add_col(struct schema *s, const char *name, struct ty ty)
{
    size_t n = strlen(name);
    if (!sch_valid_name(name, n))
        return -EINVAL;
    if (sch_find(s, name, n) >= 0)
        return -EEXIST;
    if (s->ncols >= SCH_MAX_COLS)
        return -E2BIG;
    struct sch_col *c = realloc(s->cols, (s->ncols + 1) * sizeof(*c));
    if (!c)
        return -ENOMEM;
    s->cols = c;
    memset(&c[s->ncols], 0, sizeof(*c));
    strcpy(c[s->ncols].name, name);
    c[s->ncols].ty = ty;
    s->ncols++;
    return 0;
}

int sch_finish(struct schema *s)
{
    int i = sch_find(s, "_tp_time", 8);
    if (i >= 0) {
        struct ty want = {TY_DATETIME64, 0, 3};
        if (!ty_equal(s->cols[i].ty, want) || i != (int)s->ncols - 1)
            return -EINVAL;
        return 0;
    }
    return sch_add_col(s, "_tp_time", (struct ty){TY_DATETIME64, 0, 3});
}

int sch_is_key(const struct schema *s, uint32_t c)
{
    for (uint32_t i = 0; i < s->nkey; i++)
        if (s->key[i] == c)
            return 1;
    return 0;
}

int sch_family_of(const struct schema *s, uint32_t c)
{
    for (uint32_t f = 0; f < s->nfamily; f++)
        for (uint32_t i = 0; i < s->family[f].ncols; i++)
            if (s->family[f].cols[i] == c)
                return (int)f;
    return -1;
}

static int render_group(const struct schema *s, const char *what, const struct sch_group *g,
                        struct buf *out)
{
    int rc = buf_printf(out, ", %s %s (", what, g->name);
    for (uint32_t k = 0; k < g->ncols && !rc; k++)
        rc = buf_printf(out, "%s%s", k ? ", " : "", s->cols[g->cols[k]].name);
    return rc ? rc : buf_putc(out, ')');
}

/* The mutable part: INDEX / FAMILY inside the parentheses, then PRIMARY KEY. */
static int render_mutable(const struct schema *s, struct buf *out)
{
    int rc = 0;
    for (uint32_t i = 0; i < s->nindex && !rc; i++)
        rc = render_group(s, "INDEX", &s->index[i], out);
    for (uint32_t i = 0; i < s->nfamily && !rc; i++)
        rc = render_group(s, "FAMILY", &s->family[i], out);
    if (!rc)
        rc = buf_puts(out, ") PRIMARY KEY (");
    for (uint32_t k = 0; k < s->nkey && !rc; k++)
        rc = buf_printf(out, "%s%s", k ? ", " : "", s->cols[s->key[k]].name);
    return rc;
}

int sch_clone(const struct schema *s, struct schema **out)
{
    struct schema *c = malloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    *c = *s;
    c->cols = malloc((s->ncols ? s->ncols : 1) * sizeof(*c->cols));
    if (!c->cols) {
        free(c);
        return -ENOMEM;
    }
    if (s->ncols)
        memcpy(c->cols, s->cols, s->ncols * sizeof(*c->cols));
    c->defaults = NULL;
    c->ndefaults = 0;
    for (uint32_t i = 0; i < s->ndefaults; i++)
        if (s->defaults[i] && sch_set_default(c, i, s->defaults[i])) {
            sch_destroy(c);
            return -ENOMEM;
        }
    *out = c;
    return 0;
}

int sch_types(const struct schema *s, struct ty **out)
{
    struct ty *t = malloc((s->ncols ? s->ncols : 1) * sizeof(*t));
    if (!t)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->ncols; i++)
        t[i] = s->cols[i].ty;
    *out = t;
    return 0;
}

int sch_block(const struct schema *s, struct blk **out)
{
    struct ty *t = NULL;
    int rc = sch_types(s, &t);
    if (!rc)
        rc = blk_create(t, s->ncols, out);
    free(t);
    return rc;
}

static const char *const fsync_names[] = {"close", "always", "never"};

void sch_fsync_format(const struct schema *s, char out[32])
{
    if (s->fsync == SCH_FSYNC_INTERVAL)
        snprintf(out, 32, "interval:%ums", s->fsync_interval_ms);
    else
        snprintf(out, 32, "%s", fsync_names[s->fsync <= SCH_FSYNC_NEVER ? s->fsync : 0]);
}

int sch_fsync_parse(struct schema *s, const char *text)
{
    for (int i = 0; i < 3; i++)
        if (!strcasecmp(text, fsync_names[i])) {
            s->fsync = (enum sch_fsync)i;
            s->fsync_interval_ms = 0;
            return 0;
        }
    if (strncasecmp(text, "interval:", 9))
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long v = strtoul(text + 9, &end, 10);
    if (end == text + 9 || errno || text[9] == '-')
        return -EINVAL;
    if (!strcasecmp(end, "s"))
        v *= 1000;
    else if (strcasecmp(end, "ms"))
        return -EINVAL;
    if (v == 0 || v > 3600000)
        return -EINVAL;
    s->fsync = SCH_FSYNC_INTERVAL;
    s->fsync_interval_ms = (uint32_t)v;
    return 0;
}

const struct sch_amount sch_amounts[SCH_NAMOUNTS] = {
    {"segment_bytes", offsetof(struct schema, segment_bytes), 0, SCH_SEGMENT_MIN, SCH_SEGMENT_MAX,
     "a size from 65536 (64KiB) to 1073741824 (1GiB), or 0 for the default"},
    {"retention_bytes", offsetof(struct schema, retention_bytes), 0, 1, UINT64_MAX,
     "a size in bytes: an integer >= 0 or a string such as '512MiB' (0: no limit)"},
    {"retention_ms", offsetof(struct schema, retention_ms), 1, 1, INT64_MAX,
     "a duration in milliseconds: an integer >= 0 or a string such as '7d', '12h', '30s' "
     "(0: no limit)"},
    {"ttl", offsetof(struct schema, ttl_ms), 1, 1, INT64_MAX,
     "a duration in milliseconds: an integer >= 0 or a string such as '7d', '12h', '30s' "
     "(0: keep history forever)"},
};

const struct sch_amount *sch_amount_find(const char *name)
{
    for (int i = 0; i < SCH_NAMOUNTS; i++)
        if (!strcasecmp(name, sch_amounts[i].name))
            return &sch_amounts[i];
    return NULL;
}

uint64_t sch_amount_get(const struct schema *s, const struct sch_amount *a)
{
    uint64_t v;
    memcpy(&v, (const char *)s + a->field, sizeof(v));
    return v;
}

int sch_amount_set(struct schema *s, const struct sch_amount *a, uint64_t v)
{
    if (v && (v < a->min || v > a->max))
        return -EINVAL;
    memcpy((char *)s + a->field, &v, sizeof(v));
    return 0;
}

struct unit {
    const char *name;
    uint64_t mul;
};

static const struct unit size_units[] = {{"", 1},          {"b", 1},          {"kib", 1ull << 10},
                                         {"mib", 1ull << 20}, {"gib", 1ull << 30}, {"tib", 1ull << 40},
                                         {NULL, 0}};
static const struct unit ms_units[] = {{"", 1},      {"ms", 1},      {"s", 1000},      {"m", 60000},
                                       {"h", 3600000}, {"d", 86400000}, {NULL, 0}};

int sch_amount_parse(struct schema *s, const struct sch_amount *a, const char *text)
{
    uint64_t v = 0;
    const char *p = text;
    if (*p < '0' || *p > '9')
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
            return -EINVAL;
    for (const struct unit *u = a->ms ? ms_units : size_units; u->name; u++)
        if (!strcasecmp(p, u->name))
            return __builtin_mul_overflow(v, u->mul, &v) ? -EINVAL : sch_amount_set(s, a, v);
    return -EINVAL;
}

int sch_render_ddl(const struct schema *s, struct buf *out)
{
    int rc = buf_printf(out, "CREATE %sSTREAM %s (",
                        s->is_mutable ? "MUTABLE " : s->random ? "RANDOM " : "", s->name);
    /* _tp_time is implicit: every stream has it (and _tp_delta every mutable one) */
    for (uint32_t i = 0; i + 1 + (s->is_mutable ? 1 : 0) < s->ncols && !rc; i++) {
        char tn[TY_MAX_NAME];
        ty_name(s->cols[i].ty, tn);
        rc = buf_printf(out, "%s%s %s", i ? ", " : "", s->cols[i].name, tn);
        if (!rc && sch_default(s, i))
            rc = buf_printf(out, " DEFAULT %s", sch_default(s, i));
    }
    if (rc)
        return rc;
    rc = s->is_mutable ? render_mutable(s, out) : 0;
    if (!rc)
        rc = buf_putc(out, ')');
    const char *sep = " SETTINGS ";
    if (!rc && s->is_mutable && s->shards > 1) {
        rc = buf_printf(out, "%sshards=%u", sep, s->shards);
        sep = ", ";
    }
    if (!rc && s->format == SCH_FMT_RAW) {
        rc = buf_printf(out, "%sformat='raw'", sep);
        sep = ", ";
    }
    if (!rc && s->time_col >= 0) {
        rc = buf_printf(out, "%sevent_time_column='%s'", sep, s->cols[s->time_col].name);
        sep = ", ";
    }
    if (!rc && s->fsync != SCH_FSYNC_CLOSE) {
        char fs[32];
        sch_fsync_format(s, fs);
        rc = buf_printf(out, "%sfsync='%s'", sep, fs);
        sep = ", ";
    }
    if (!rc && s->on_error == SCH_ON_ERROR_SKIP) {
        rc = buf_printf(out, "%son_error='skip'", sep);
        sep = ", ";
    }
    static const char *const codecs[] = {"none", "lz4", "zstd"};
    if (!rc && s->codec != SCH_CODEC_DEFAULT && s->codec < 3) {
        rc = buf_printf(out, "%scodec='%s'", sep, codecs[s->codec]);
        sep = ", ";
    }
    if (!rc && s->random && s->eps) {
        rc = buf_printf(out, "%seps=%llu", sep, (unsigned long long)s->eps);
        sep = ", ";
    }
    if (!rc && s->random && s->interval_ms != SCH_RANDOM_INTERVAL_MS) {
        rc = buf_printf(out, "%sinterval_time=%u", sep, s->interval_ms);
        sep = ", ";
    }
    /* the amounts, as plain integers (bytes, ms) */
    for (int i = 0; i < SCH_NAMOUNTS && !rc; i++) {
        uint64_t v = sch_amount_get(s, &sch_amounts[i]);
        if (v) {
            rc = buf_printf(out, "%s%s=%llu", sep, sch_amounts[i].name, (unsigned long long)v);
            sep = ", ";
        }
    }
    return rc;
}
