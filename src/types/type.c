/*
 * type.c — SQL column types: widths, names, parsing (types/type.h).
 *
 * The name table here is the one place that maps SQL type names to kinds;
 * the SQL parser (via ty_from_name) and the catalog (via ty_parse) share it.
 * Interval types are named by their unit ("interval_minute"), the unit
 * table also serving interval literals and date_diff's unit argument.
 */
#include "types/type.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    uint8_t kind;
} kinds[] = {
    {"bool", TY_BOOL},         {"int8", TY_INT8},         {"int16", TY_INT16},
    {"int32", TY_INT32},       {"int64", TY_INT64},       {"uint8", TY_UINT8},
    {"uint16", TY_UINT16},     {"uint32", TY_UINT32},     {"uint64", TY_UINT64},
    {"float32", TY_FLOAT32},   {"float64", TY_FLOAT64},   {"string", TY_STRING},
    {"datetime", TY_DATETIME}, {"datetime64", TY_DATETIME64}, {"date", TY_DATE},
    {"nothing", TY_NOTHING},   {"decimal", TY_DECIMAL},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Aliases ClickHouse and Proton users write. */
static const struct {
    const char *alias;
    uint8_t kind;
} aliases[] = {
    {"boolean", TY_BOOL}, {"float", TY_FLOAT32}, {"double", TY_FLOAT64},
    {"tinyint", TY_INT8}, {"smallint", TY_INT16}, {"int", TY_INT32},
    {"integer", TY_INT32}, {"bigint", TY_INT64},
};

/* Indexed by kind: ty_width runs for every value pushed, so no search. */
static const uint8_t widths[TY_KIND_END] = {
    [TY_BOOL] = 1,    [TY_INT8] = 1,     [TY_INT16] = 2,    [TY_INT32] = 4,
    [TY_INT64] = 8,   [TY_UINT8] = 1,    [TY_UINT16] = 2,   [TY_UINT32] = 4,
    [TY_UINT64] = 8,  [TY_FLOAT32] = 4,  [TY_FLOAT64] = 8,  [TY_STRING] = 0,
    [TY_DATETIME] = 4, [TY_DATETIME64] = 8, [TY_DATE] = 2, [TY_NOTHING] = 1,
    [TY_INTERVAL] = 8, [TY_DECIMAL] = 8, [TY_ARRAY] = 0,
};

/* Interval units: the names ("interval_" + name is the type's name) and
 * the short forms of Proton's literals (5s, 1M). */
static const struct {
    const char *name;
    const char *abbr;
} units[TY_UNIT_END] = {
    [TY_UNIT_NANOSECOND] = {"nanosecond", "ns"}, [TY_UNIT_MICROSECOND] = {"microsecond", "us"},
    [TY_UNIT_MILLISECOND] = {"millisecond", "ms"}, [TY_UNIT_SECOND] = {"second", "s"},
    [TY_UNIT_MINUTE] = {"minute", "m"},          [TY_UNIT_HOUR] = {"hour", "h"},
    [TY_UNIT_DAY] = {"day", "d"},                [TY_UNIT_WEEK] = {"week", "w"},
    [TY_UNIT_MONTH] = {"month", "M"},            [TY_UNIT_QUARTER] = {"quarter", "q"},
    [TY_UNIT_YEAR] = {"year", "y"},
};
#define INTERVAL_PREFIX "interval_"

int ty_unit_from_name(const char *name, size_t len, uint8_t *unit)
{
    for (uint8_t u = 0; u < TY_UNIT_END; u++) {
        size_t n = strlen(units[u].name);
        if ((len == n || (len == n + 1 && (name[n] == 's' || name[n] == 'S'))) &&
            strncasecmp(name, units[u].name, n) == 0) {
            *unit = u;
            return 0;
        }
    }
    for (uint8_t u = 0; u < TY_UNIT_END; u++) {
        if (strlen(units[u].abbr) == len && memcmp(name, units[u].abbr, len) == 0) {
            *unit = u;
            return 0;
        }
    }
    return -EINVAL;
}

const char *ty_unit_name(uint8_t unit)
{
    return unit < TY_UNIT_END ? units[unit].name : "unknown";
}

size_t ty_width(struct ty t)
{
    return t.kind < TY_KIND_END ? widths[t.kind] : 0;
}

int ty_is_int(struct ty t)
{
    return t.kind >= TY_INT8 && t.kind <= TY_UINT64;
}

int ty_is_signed(struct ty t)
{
    return t.kind >= TY_INT8 && t.kind <= TY_INT64;
}

int ty_is_float(struct ty t)
{
    return t.kind == TY_FLOAT32 || t.kind == TY_FLOAT64;
}

int ty_equal(struct ty a, struct ty b)
{
    if (a.kind == TY_ARRAY)
        return b.kind == TY_ARRAY && ty_equal(ty_elem(a), ty_elem(b));
    return a.kind == b.kind && a.nullable == b.nullable &&
           ((a.kind != TY_DATETIME64 && a.kind != TY_INTERVAL && a.kind != TY_DECIMAL) ||
            a.prec == b.prec) &&
           (a.kind != TY_DECIMAL || a.scale == b.scale);
}

int64_t ty_pow10(int e)
{
    static const int64_t p10[19] = {
        1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
        1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
        100000000000000LL, 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
        1000000000000000000LL,
    };
    return e >= 0 && e <= 18 ? p10[e] : 0;
}

/* decimal(p, s), decimal(p) = decimal(p, 0), decimal = decimal(10, 0), and
 * ClickHouse's decimal32(s) / decimal64(s) / decimal128(s) (p = 9, 18, 38).
 * -ERANGE for precisions ClickHouse has but we do not store (19..76). */
static int decimal_from(int64_t p, const int64_t *params, int nparams, int fixed, struct ty *out)
{
    int64_t s;
    if (fixed) {
        if (nparams != 1)
            return -EINVAL;
        s = params[0];
    } else {
        if (nparams > 2)
            return -EINVAL;
        p = nparams ? params[0] : 10;
        s = nparams == 2 ? params[1] : 0;
    }
    if (p < 1 || p > 76 || s < 0 || s > p)
        return -EINVAL;
    if (p > TY_DECIMAL_MAX_PREC)
        return -ERANGE;
    *out = ty_decimal((int)p, (int)s);
    return 0;
}

static int name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

int ty_from_name(const char *name, size_t name_len, const int64_t *params, int nparams,
                 struct ty *out)
{
    struct ty t = {0, 0, 0, 0};
    static const struct {
        const char *name;
        int prec;
    } dec_fixed[] = {{"decimal32", 9}, {"decimal64", 18}, {"decimal128", 38}, {"decimal256", 76}};
    for (size_t i = 0; i < sizeof(dec_fixed) / sizeof(dec_fixed[0]); i++)
        if (name_is(name, name_len, dec_fixed[i].name))
            return decimal_from(dec_fixed[i].prec, params, nparams, 1, out);
    size_t np = strlen(INTERVAL_PREFIX);
    if (name_len > np && strncasecmp(name, INTERVAL_PREFIX, np) == 0) {
        for (uint8_t u = 0; u < TY_UNIT_END && !t.kind; u++)
            if (name_is(name + np, name_len - np, units[u].name))
                t = (struct ty){TY_INTERVAL, 0, u};
        if (!t.kind || nparams)
            return -EINVAL;
        *out = t;
        return 0;
    }
    for (size_t i = 0; i < NKINDS && !t.kind; i++)
        if (name_is(name, name_len, kinds[i].name))
            t.kind = kinds[i].kind;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]) && !t.kind; i++)
        if (name_is(name, name_len, aliases[i].alias))
            t.kind = aliases[i].kind;
    if (!t.kind)
        return -EINVAL;
    if (t.kind == TY_DATETIME64) {
        if (nparams > 1)
            return -EINVAL;
        int64_t p = nparams ? params[0] : 3;
        if (p < 0 || p > 9)
            return -EINVAL;
        t.prec = (uint8_t)p;
    } else if (t.kind == TY_DECIMAL) {
        return decimal_from(0, params, nparams, 0, out);
    } else if (nparams) {
        return -EINVAL;
    }
    *out = t;
    return 0;
}

int ty_parse(const char *s, struct ty *out)
{
    int nullable = 0;
    size_t n = strlen(s);
    if (n > 6 && strncasecmp(s, "array(", 6) == 0 && s[n - 1] == ')') {
        char inner[TY_MAX_NAME];
        struct ty e;
        if (n - 7 >= sizeof(inner))
            return -EINVAL;
        memcpy(inner, s + 6, n - 7);
        inner[n - 7] = 0;
        if (ty_parse(inner, &e) || e.kind == TY_ARRAY || e.kind == TY_NOTHING ||
            e.kind == TY_INTERVAL)
            return -EINVAL;
        *out = ty_array_of(e);
        return 0;
    }
    if (n > 9 && strncasecmp(s, "nullable(", 9) == 0 && s[n - 1] == ')') {
        nullable = 1;
        s += 9;
        n -= 10;
    }
    size_t name_len = 0;
    while (name_len < n && s[name_len] != '(')
        name_len++;
    int64_t param[2] = {0, 0};
    int nparams = 0;
    if (name_len < n) {
        const char *digits = s + name_len + 1;
        for (;;) {
            char *end;
            while (*digits == ' ')
                digits++;
            if (nparams == 2 || *digits < '0' || *digits > '9')
                return -EINVAL;
            param[nparams++] = strtoll(digits, &end, 10);
            while (*end == ' ')
                end++;
            if (*end == ')' && end == s + n - 1)
                break;
            if (*end != ',')
                return -EINVAL;
            digits = end + 1;
        }
    }
    int rc = ty_from_name(s, name_len, param, nparams, out);
    if (rc)
        return rc;
    out->nullable = (uint8_t)nullable;
    return 0;
}

void ty_name(struct ty t, char out[TY_MAX_NAME])
{
    if (t.kind == TY_ARRAY) {
        char inner[TY_MAX_NAME];
        struct ty e = ty_elem(t);
        if (e.kind == TY_ARRAY) /* not built: keep the recursion finite */
            e.kind = 0;
        ty_name(e, inner);
        snprintf(out, TY_MAX_NAME, "array(%.*s)", TY_MAX_NAME - 8, inner);
        return;
    }
    const char *base = "unknown";
    for (size_t i = 0; i < NKINDS; i++)
        if (kinds[i].kind == t.kind)
            base = kinds[i].name;
    const char *open = t.nullable ? "nullable(" : "";
    const char *close = t.nullable ? ")" : "";
    if (t.kind == TY_DECIMAL)
        snprintf(out, TY_MAX_NAME, "%s%s(%d, %d)%s", open, base, t.prec, t.scale, close);
    else if (t.kind == TY_DATETIME64)
        snprintf(out, TY_MAX_NAME, "%s%s(%d)%s", open, base, t.prec, close);
    else if (t.kind == TY_INTERVAL)
        snprintf(out, TY_MAX_NAME, "%s" INTERVAL_PREFIX "%s%s", open, ty_unit_name(t.prec), close);
    else
        snprintf(out, TY_MAX_NAME, "%s%s%s", open, base, close);
}
