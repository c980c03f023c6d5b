/*
 * func_conv.c — conversions between types by ClickHouse's rules: the one
 * engine behind CAST, the implicit conversions bindings ask for, INSERT
 * ... SELECT (fn_convert), and the to_* functions.
 *
 * Every conversion is a whole-column loop picked once per call by the
 * (source, target) kinds: numbers to numbers are stamped out per pair of
 * C types by macros (integers wrap, floats truncate toward zero, NaN and
 * out-of-range floats saturate instead of invoking C's undefined cast);
 * times go through int64 units in two tight passes (load, then rescale
 * and store); text is parsed by one parser per target kind and written by
 * the output formats' fmt_fixed_text, so CAST(x AS string) reads exactly
 * as the result file shows x.
 *
 * Strings parse strictly ("cannot parse 'abc' as int32"); the _or_null and
 * _or_zero variants turn a failure into NULL or zero instead. Numbers to
 * dates follow ClickHouse: an integer up to 65535 is a day number, a
 * larger one a Unix time in seconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "func_impl.h"
#include "format/json_out.h"
#include "format/out.h"
#include "types/datetime.h"
#include "types/decimal.h"

/* ---- float to integer without undefined behaviour --------------------- */

static inline int64_t f2i(double x)
{
    if (x >= -9223372036854775808.0 && x < 9223372036854775808.0)
        return (int64_t)x;
    return x != x ? 0 : x < 0 ? INT64_MIN : INT64_MAX;
}

static inline uint64_t f2u(double x)
{
    if (x >= 0 && x < 18446744073709551616.0)
        return (uint64_t)x;
    return x < 0 ? (uint64_t)f2i(x) : x != x ? 0 : UINT64_MAX;
}

#define AS_I64(x) _Generic((x), float: f2i(x), double: f2i(x), default: (int64_t)(x))
#define AS_U64(x) _Generic((x), float: f2u(x), double: f2u(x), default: (uint64_t)(x))
/* x converted to the C type Tt by ClickHouse's rules. */
#define CVT(Tt, x)                                                                      \
    _Generic((Tt)0, float: (float)(x), double: (double)(x), uint64_t: (Tt)AS_U64(x), \
             default: (Tt)AS_I64(x))

/* ---- numbers to numbers ------------------------------------------------ */

#define NUM_SRC_CASE(kf, Tf, sf)                   \
    case kf: {                                     \
        const Tf *a = in->data;                    \
        for (uint32_t i = 0; i < n; i++)           \
            o[i] = CVT(__typeof__(o[0]), a[i]);    \
        break;                                     \
    }

#define NUM_TO(kt, Tt, st)                                                   \
    static void num_to_##st(const struct col *in, uint32_t n, void *out)   \
    {                                                                        \
        Tt *o = out;                                                         \
        switch (in->ty.kind) {                                               \
            FN_NUM_KINDS(NUM_SRC_CASE)                                       \
        case TY_BOOL: {                                                      \
            const uint8_t *a = in->data;                                     \
            for (uint32_t i = 0; i < n; i++)                                 \
                o[i] = (Tt)a[i];                                             \
            break;                                                           \
        }                                                                    \
        }                                                                    \
    }
NUM_TO(TY_INT8, int8_t, i8)
NUM_TO(TY_INT16, int16_t, i16)
NUM_TO(TY_INT32, int32_t, i32)
NUM_TO(TY_INT64, int64_t, i64)
NUM_TO(TY_UINT8, uint8_t, u8)
NUM_TO(TY_UINT16, uint16_t, u16)
NUM_TO(TY_UINT32, uint32_t, u32)
NUM_TO(TY_UINT64, uint64_t, u64)
NUM_TO(TY_FLOAT32, float, f32)
NUM_TO(TY_FLOAT64, double, f64)

#define BOOL_SRC_CASE(kf, Tf, sf)        \
    case kf: {                           \
        const Tf *a = in->data;          \
        for (uint32_t i = 0; i < n; i++) \
            o[i] = a[i] != 0;            \
        break;                           \
    }
static void num_to_b(const struct col *in, uint32_t n, void *out)
{
    uint8_t *o = out;
    switch (in->ty.kind) {
        FN_NUM_KINDS(BOOL_SRC_CASE)
    case TY_BOOL: memcpy(o, in->data, n); break;
    }
}

typedef void (*num_conv_fn)(const struct col *in, uint32_t n, void *out);
#define NUM_TO_ENTRY(k, T, s) [k] = num_to_##s,
static const num_conv_fn num_to[TY_KIND_END] = {FN_NUM_KINDS(NUM_TO_ENTRY)[TY_BOOL] = num_to_b};

/* ---- times (and intervals) through int64 units ------------------------- */

#define LOAD_CASE(kf, Tf, sf)            \
    case kf: {                           \
        const Tf *a = in->data;          \
        for (uint32_t i = 0; i < n; i++) \
            v[i] = (int64_t)a[i];        \
        break;                           \
    }
/* Integers, bool, times, intervals as int64 (uint64 wraps, as in C). */
static void load_i64(const struct col *in, uint32_t n, int64_t *v)
{
    switch (in->ty.kind) {
        FN_INT_KINDS(LOAD_CASE)
        FN_OTHER_FIXED_KINDS(LOAD_CASE)
    }
}

static inline int64_t sat_mul(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
    return r;
}

static inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* A time or interval as the number it stands for: seconds of a datetime,
 * days of a date, a datetime64 truncated toward zero to seconds. */
static void time_to_int(const struct col *in, uint32_t n, int64_t *v)
{
    load_i64(in, n, v);
    if (in->ty.kind == TY_DATETIME64) {
        int64_t s = dt_pow10(in->ty.prec);
        for (uint32_t i = 0; i < n; i++)
            v[i] /= s;
    }
}

#define STORE_CASE(kt, Tt, st)                    \
    case kt: {                                    \
        Tt *o = out->data;                        \
        for (uint32_t i = 0; i < n; i++)          \
            o[i] = (Tt)v[i];                      \
        break;                                    \
    }
/* Store int64 values (already in range) into out's storage. */
static void store_i64(const int64_t *v, uint32_t n, struct col *out)
{
    switch (out->ty.kind) {
        FN_INT_KINDS(STORE_CASE)
        FN_OTHER_FIXED_KINDS(STORE_CASE)
    case TY_FLOAT32: {
        float *o = out->data;
        for (uint32_t i = 0; i < n; i++)
            o[i] = (float)v[i];
        break;
    }
    case TY_FLOAT64: {
        double *o = out->data;
        for (uint32_t i = 0; i < n; i++)
            o[i] = (double)v[i];
        break;
    }
    }
}

/* Numbers (ints, bool, floats) into a time kind; v is scratch. */
static void num_to_time(const struct col *in, uint32_t n, struct col *out, int64_t *v)
{
    uint8_t tk = out->ty.kind;
    int p = tk == TY_DATETIME64 ? out->ty.prec : 0;
    int64_t scale = dt_pow10(p);
    if (ty_is_float(in->ty)) {
        for (uint32_t i = 0; i < n; i++) {
            double x = in->ty.kind == TY_FLOAT32 ? COL_AT(in, float, i) : COL_AT(in, double, i);
            v[i] = tk == TY_DATETIME64 ? f2i(nearbyint(x * (double)scale)) : f2i(x);
        }
        if (tk == TY_DATETIME64) {
            store_i64(v, n, out);
            return;
        }
    } else {
        load_i64(in, n, v);
        if (in->ty.kind == TY_UINT64)
            for (uint32_t i = 0; i < n; i++)
                v[i] = v[i] < 0 ? INT64_MAX : v[i]; /* above INT64_MAX: saturate */
        if (tk == TY_DATETIME64) {
            for (uint32_t i = 0; i < n; i++)
                v[i] = sat_mul(v[i], scale);
            store_i64(v, n, out);
            return;
        }
    }
    if (tk == TY_DATETIME) {
        for (uint32_t i = 0; i < n; i++)
            v[i] = clamp64(v[i], 0, UINT32_MAX);
    } else { /* date: a day number, or a Unix time when above 65535 */
        for (uint32_t i = 0; i < n; i++)
            v[i] = clamp64(v[i] > 65535 ? v[i] / 86400 : v[i], 0, 65535);
    }
    store_i64(v, n, out);
}

/* Times into times: rescale through ticks. */
static void time_to_time(const struct col *in, uint32_t n, struct col *out, int64_t *v)
{
    load_i64(in, n, v);
    uint8_t fk = in->ty.kind, tk = out->ty.kind;
    int fp = fk == TY_DATETIME64 ? in->ty.prec : 0, tp = tk == TY_DATETIME64 ? out->ty.prec : 0;
    if (fk == TY_DATE)
        for (uint32_t i = 0; i < n; i++)
            v[i] *= 86400;
    if (tk == TY_DATE) {
        int64_t s = dt_pow10(fp) * 86400;
        for (uint32_t i = 0; i < n; i++)
            v[i] = clamp64(dt_floor_div(v[i], s), 0, 65535);
    } else {
        for (uint32_t i = 0; i < n; i++)
            v[i] = dt_rescale(v[i], fp, tp);
        if (tk == TY_DATETIME)
            for (uint32_t i = 0; i < n; i++)
                v[i] = clamp64(v[i], 0, UINT32_MAX);
    }
    store_i64(v, n, out);
}

/* Times and intervals into numbers. */
static void time_to_num(const struct col *in, uint32_t n, struct col *out, int64_t *v)
{
    if (in->ty.kind == TY_DATETIME64 && ty_is_float(out->ty)) {
        double s = (double)dt_pow10(in->ty.prec);
        for (uint32_t i = 0; i < n; i++) {
            double x = (double)COL_AT(in, int64_t, i) / s;
            if (out->ty.kind == TY_FLOAT32)
                ((float *)out->data)[i] = (float)x;
            else
                ((double *)out->data)[i] = x;
        }
        return;
    }
    time_to_int(in, n, v);
    if (out->ty.kind == TY_BOOL)
        for (uint32_t i = 0; i < n; i++)
            v[i] = v[i] != 0;
    store_i64(v, n, out);
}

/* ---- text --------------------------------------------------------------- */

/* Numbers and times as text, fmt_fixed_text's forms (ClickHouse's text
 * formats: shortest floats, true/false, datetimes unquoted); NULL rows
 * become empty strings. */
static int to_text(const struct col *in, uint32_t n, struct col *out)
{
    char buf[FMT_FIXED_MAX];
    int rc = col_reserve_chars(out, (size_t)n * 12);
    if (in->ty.kind == TY_STRING || in->ty.kind == TY_NOTHING)
        return -EINVAL;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t len = col_is_null(in, i) ? 0 : fmt_fixed_text(in, i, buf);
        rc = col_put_str(out, buf, len);
    }
    return rc;
}

/* ---- parsing text ------------------------------------------------------- */

/* [+-]digits: sign and magnitude; -1 when not an integer or too long. */
static int parse_int(const char *s, size_t n, int *neg, uint64_t *mag)
{
    size_t i = 0;
    uint64_t m = 0;
    *neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        *neg = s[i++] == '-';
    if (i == n)
        return -1;
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || m > (UINT64_MAX - d) / 10)
            return -1;
        m = m * 10 + d;
    }
    *mag = m;
    return 0;
}

static int parse_f64(const char *s, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp || s[0] == ' ' || (unsigned)(s[0] - '\t') < 5)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end;
    *out = strtod(tmp, &end);
    return end == tmp + n ? 0 : -1;
}

static int parse_bool(const char *s, size_t n, uint8_t *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on", "t", "y", "enable"};
    static const char *const no[] = {"false", "0", "no", "off", "f", "n", "disable"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0)
            return *out = 1, 0;
        if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0)
            return *out = 0, 0;
    }
    return -1;
}

/* Ticks at prec of a datetime text, or of a Unix time ("1700000000[.5]"). */
static int parse_ticks(const char *s, size_t n, int prec, int64_t *out)
{
    if (dt_parse(s, n, prec, out) == 0)
        return 0;
    size_t dot = 0;
    while (dot < n && s[dot] != '.')
        dot++;
    int neg;
    uint64_t secs, frac = 0;
    if (dot == 0 || parse_int(s, dot, &neg, &secs) || neg || s[0] == '+' || secs > INT64_MAX)
        return -1;
    int64_t t = sat_mul((int64_t)secs, dt_pow10(prec));
    if (dot < n) {
        size_t nd = n - dot - 1;
        if (nd == 0)
            return -1;
        int kept = 0;
        for (size_t i = dot + 1; i < n; i++) {
            unsigned d = (unsigned)(s[i] - '0');
            if (d > 9)
                return -1;
            if (kept < prec)
                frac = frac * 10 + d, kept++;
        }
        t += (int64_t)frac * dt_pow10(prec - kept);
    }
    if (t == INT64_MAX)
        return -1;
    *out = t;
    return 0;
}

/* One value of s[0..n) into row i of out (fixed kinds); -1 when it does not parse. */
static int parse_one(const char *s, size_t n, struct col *out, uint32_t i)
{
    int neg, r;
    uint64_t m;
    struct ty t = out->ty;
    if (ty_is_int(t)) {
        if (parse_int(s, n, &neg, &m))
            return -1;
        size_t w = ty_width(t);
        if (ty_is_signed(t)) {
            uint64_t lim = (uint64_t)1 << (8 * w - 1);
            if (m > lim - !neg)
                return -1;
            int64_t v = neg ? (int64_t)(0 - m) : (int64_t)m;
            switch (w) {
            case 1: ((int8_t *)out->data)[i] = (int8_t)v; break;
            case 2: ((int16_t *)out->data)[i] = (int16_t)v; break;
            case 4: ((int32_t *)out->data)[i] = (int32_t)v; break;
            default: ((int64_t *)out->data)[i] = v; break;
            }
        } else {
            if ((neg && m) || (w < 8 && m >> (8 * w)))
                return -1;
            switch (w) {
            case 1: ((uint8_t *)out->data)[i] = (uint8_t)m; break;
            case 2: ((uint16_t *)out->data)[i] = (uint16_t)m; break;
            case 4: ((uint32_t *)out->data)[i] = (uint32_t)m; break;
            default: ((uint64_t *)out->data)[i] = m; break;
            }
        }
        return 0;
    }
    double d;
    int64_t tk;
    switch (t.kind) {
    case TY_FLOAT32:
        if (parse_f64(s, n, &d))
            return -1;
        ((float *)out->data)[i] = (float)d;
        return 0;
    case TY_FLOAT64:
        if (parse_f64(s, n, &d))
            return -1;
        ((double *)out->data)[i] = d;
        return 0;
    case TY_BOOL: return parse_bool(s, n, (uint8_t *)out->data + i);
    case TY_DATETIME:
        if (parse_ticks(s, n, 0, &tk) || tk < 0 || tk > UINT32_MAX)
            return -1;
        ((uint32_t *)out->data)[i] = (uint32_t)tk;
        return 0;
    case TY_DATETIME64:
        if (parse_ticks(s, n, t.prec, &tk))
            return -1;
        ((int64_t *)out->data)[i] = tk;
        return 0;
    case TY_DATE:
        if (dt_parse(s, n, 0, &tk) || tk < 0 || tk / 86400 > 65535)
            return -1;
        ((uint16_t *)out->data)[i] = (uint16_t)(tk / 86400);
        return 0;
    case TY_DECIMAL: /* -2: a number, but out of range */
        if ((r = dec_parse(s, n, t, &tk)))
            return r == -ERANGE ? -2 : -1;
        ((int64_t *)out->data)[i] = tk;
        return 0;
    }
    return -1;
}

static int parse_error(struct fn_ctx *ctx, const char *s, size_t n, struct ty t)
{
    char tn[TY_MAX_NAME];
    t.nullable = 0;
    ty_name(t, tn);
    return fn_errorf(ctx, "cannot parse '%.*s%s' as %s", (int)(n > 60 ? 60 : n), s,
                     n > 60 ? "..." : "", tn);
}

static int from_text(struct fn_ctx *ctx, const struct col *in, const uint8_t *skip, uint32_t n,
                     enum fn_conv_mode mode, struct col *out)
{
    size_t w = ty_width(out->ty);
    memset(out->data, 0, (size_t)n * w);
    if (out->nulls)
        memset(out->nulls, 0, n);
    for (uint32_t i = 0; i < n; i++) {
        if ((skip && skip[i]) || col_is_null(in, i))
            continue;
        size_t len;
        const char *s = col_str(in, i, &len);
        int r = parse_one(s, len, out, i);
        if (r == 0)
            continue;
        if (mode == FN_CONV_STRICT && r == -2) {
            char tn[TY_MAX_NAME];
            return fn_errorf(ctx, "decimal overflow: '%.*s%s' out of range for %s",
                             (int)(len > 60 ? 60 : len), s, len > 60 ? "..." : "",
                             fn_ty_str(fn_plain(out->ty), tn));
        }
        if (mode == FN_CONV_STRICT)
            return parse_error(ctx, s, len, out->ty);
        memset((char *)out->data + (size_t)i * w, 0, w);
        if (mode == FN_CONV_OR_NULL && out->nulls)
            out->nulls[i] = 1;
    }
    return 0;
}

/* ---- decimals ------------------------------------------------------------ */

/* Row i's value of a number or decimal column into decimal type t:
 * 0 or -ERANGE (ClickHouse's "decimal overflow"). */
static int to_dec_one(const struct col *in, uint32_t i, struct ty t, int64_t *out)
{
    int64_t v;
    switch (in->ty.kind) {
    case TY_DECIMAL:
        if (dec_rescale(COL_AT(in, int64_t, i), in->ty.scale, t.scale, &v))
            return -ERANGE;
        break;
    case TY_FLOAT32: return dec_from_double(COL_AT(in, float, i), t, out);
    case TY_FLOAT64: return dec_from_double(COL_AT(in, double, i), t, out);
    case TY_UINT64:
        if (COL_AT(in, uint64_t, i) > (uint64_t)INT64_MAX)
            return -ERANGE;
        v = (int64_t)COL_AT(in, uint64_t, i);
        goto scale;
    default:
        v = 0; /* other kinds do not get here: convertible() */
        switch (in->ty.kind) {
#define ONE_CASE(kf, Tf, sf) case kf: v = (int64_t)COL_AT(in, Tf, i); break;
            FN_INT_KINDS(ONE_CASE)
        case TY_BOOL: v = COL_AT(in, uint8_t, i); break;
#undef ONE_CASE
        }
    scale:
        if (__builtin_mul_overflow(v, ty_pow10(t.scale), &v))
            return -ERANGE;
    }
    if (!dec_fits(v, t))
        return -ERANGE;
    *out = v;
    return 0;
}

/* Row i of a decimal column into row i of number column out: integers
 * truncate toward zero and must fit (-ERANGE), floats divide. */
static int from_dec_one(const struct col *in, uint32_t i, struct col *out)
{
    int64_t v = COL_AT(in, int64_t, i), q = v / ty_pow10(in->ty.scale);
    struct ty t = out->ty;
    switch (t.kind) {
    case TY_FLOAT32: ((float *)out->data)[i] = (float)dec_to_double(v, in->ty.scale); return 0;
    case TY_FLOAT64: ((double *)out->data)[i] = dec_to_double(v, in->ty.scale); return 0;
    case TY_BOOL: ((uint8_t *)out->data)[i] = v != 0; return 0;
    }
    size_t w = ty_width(t);
    if (ty_is_signed(t)) {
        int64_t lim = w >= 8 ? INT64_MAX : ((int64_t)1 << (8 * w - 1)) - 1;
        if (q > lim || q < -lim - 1)
            return -ERANGE;
    } else if (q < 0 || (w < 8 && (uint64_t)q >> (8 * w))) {
        return -ERANGE;
    }
    store_i64(&q, 1, &(struct col){.ty = t, .data = (char *)out->data + i * w});
    return 0;
}

static int dec_conv(struct fn_ctx *ctx, const struct col *in, const uint8_t *skip, uint32_t n,
                    enum fn_conv_mode mode, struct col *out)
{
    size_t w = ty_width(out->ty);
    memset(out->data, 0, (size_t)n * w);
    if (out->nulls)
        memset(out->nulls, 0, n);
    for (uint32_t i = 0; i < n; i++) {
        if ((skip && skip[i]) || col_is_null(in, i))
            continue;
        int64_t v;
        int rc = out->ty.kind == TY_DECIMAL ? to_dec_one(in, i, out->ty, &v)
                                            : from_dec_one(in, i, out);
        if (rc == 0) {
            if (out->ty.kind == TY_DECIMAL)
                ((int64_t *)out->data)[i] = v;
            continue;
        }
        if (mode == FN_CONV_STRICT) {
            char a[TY_MAX_NAME], b[TY_MAX_NAME], txt[FMT_FIXED_MAX];
            size_t len = fmt_fixed_text(in, i, txt);
            return fn_errorf(ctx, "decimal overflow: %.*s (%s) out of range for %s", (int)len, txt,
                             fn_ty_str(fn_plain(in->ty), a), fn_ty_str(fn_plain(out->ty), b));
        }
        memset((char *)out->data + (size_t)i * w, 0, w);
        if (mode == FN_CONV_OR_NULL && out->nulls)
            out->nulls[i] = 1;
    }
    out->n = n;
    if (out->nulls)
        for (uint32_t i = 0; i < n; i++)
            out->nulls[i] |= col_is_null(in, i);
    return 0;
}

/* ---- the conversion ------------------------------------------------------ */

/* 1 when fn_conv converts from into to. */
static int convertible(struct ty from, struct ty to)
{
    uint8_t f = from.kind, t = to.kind;
    if (f == TY_ARRAY && t == TY_ARRAY)
        return convertible(ty_elem(from), ty_elem(to));
    if (t == TY_ARRAY) /* NULL as an array is [] */
        return f == TY_NOTHING;
    if (f == TY_ARRAY)
        return t == TY_STRING;
    if (t == TY_NOTHING)
        return 0;
    if (f == TY_NOTHING || t == TY_STRING)
        return 1;
    if (f == t)
        return f != TY_INTERVAL || from.prec == to.prec;
    if (f == TY_DECIMAL || t == TY_DECIMAL) /* numbers and text (above) only */
        return (f == TY_DECIMAL || fn_is_num(from) || f == TY_STRING) &&
               (t == TY_DECIMAL || fn_is_num(to));
    if (t == TY_INTERVAL)
        return ty_is_int(from) || ty_is_float(from);
    if (f == TY_INTERVAL)
        return fn_is_num(to);
    if (f == TY_STRING)
        return 1;
    if (f == TY_BOOL || t == TY_BOOL)
        return fn_is_num(from) && fn_is_num(to);
    return 1; /* numbers and times, either way */
}

/* Array to array: the same offsets, the elements converted (an element
 * that does not convert fails the whole value, as in ClickHouse). */
static int conv_array(struct fn_ctx *ctx, const struct col *in, uint32_t n, enum fn_conv_mode mode,
                      struct col *out)
{
    const uint32_t *off = col_offsets(in);
    uint32_t base = off[0], nel = off[n] - off[0];
    struct col view = *in->child, *tmp = NULL;
    int rc;
    /* rows [base, base + nel) of the elements, as a column of their own */
    if (ty_has_offsets(view.ty))
        view.data = (uint32_t *)view.data + base;
    else
        view.data = (char *)view.data + (size_t)base * ty_width(view.ty);
    if (view.nulls)
        view.nulls += base;
    view.n = nel;
    view.child = NULL;
    if ((rc = col_new(out->child->ty, &tmp)) ||
        (rc = fn_conv(ctx, &view, NULL, nel, mode == FN_CONV_OR_NULL ? FN_CONV_OR_ZERO : mode, tmp)))
        goto done;
    if ((rc = col_append_rows(out->child, tmp, 0, nel)))
        goto done;
    uint32_t *o = out->data, start = out->n ? o[out->n] : 0;
    for (uint32_t i = 0; i < n; i++)
        o[out->n + i + 1] = start + off[i + 1] - base;
    out->n += n;
done:
    col_delete(tmp);
    return rc;
}

int fn_conv(struct fn_ctx *ctx, const struct col *in, const uint8_t *skip, uint32_t n,
            enum fn_conv_mode mode, struct col *out)
{
    struct ty from = in->ty, to = out->ty;
    int64_t *v = NULL;
    int rc;

    if ((rc = col_reserve(out, n)))
        return rc;
    if (from.kind == TY_NOTHING) {
        for (uint32_t i = 0; i < n; i++)
            if ((rc = col_push_null(out)))
                return rc;
        return 0;
    }
    if (!convertible(from, to)) {
        char a[TY_MAX_NAME], b[TY_MAX_NAME];
        return fn_errorf(ctx, "cannot convert %s to %s", fn_ty_str(fn_plain(from), a),
                         fn_ty_str(fn_plain(to), b));
    }
    if (to.kind == TY_ARRAY) /* from an array (convertible) */
        return conv_array(ctx, in, n, mode, out);
    if (to.kind == TY_STRING) {
        if (from.kind == TY_ARRAY) {
            struct buf t = BUF_INIT;
            for (uint32_t i = 0; i < n && !rc; i++) {
                t.len = 0;
                if (!(rc = fmt_array_text(in, i, &t)))
                    rc = col_push_str(out, t.data ? t.data : "", t.len);
            }
            buf_free(&t);
            return rc;
        }
        if (from.kind == TY_STRING) {
            for (uint32_t i = 0; i < n; i++) {
                size_t len;
                const char *s = col_str(in, i, &len);
                if ((rc = col_push_str(out, s, len)))
                    return rc;
            }
        } else if ((rc = to_text(in, n, out))) {
            return rc;
        }
        goto nulls;
    }
    if (from.kind == TY_STRING) {
        if ((rc = from_text(ctx, in, skip, n, mode, out)))
            return rc;
        out->n = n;
        if (out->nulls && in->nulls)
            for (uint32_t i = 0; i < n; i++)
                out->nulls[i] |= in->nulls[i];
        return 0;
    }
    if ((from.kind == TY_DECIMAL || to.kind == TY_DECIMAL) &&
        (from.kind != to.kind || from.scale != to.scale || from.prec > to.prec))
        return dec_conv(ctx, in, skip, n, mode, out);
    if (from.kind == to.kind && (from.kind != TY_DATETIME64 || from.prec == to.prec)) {
        memcpy(out->data, in->data, (size_t)n * ty_width(to));
    } else if (fn_is_num(from) && fn_is_num(to)) {
        num_to[to.kind](in, n, out->data);
    } else {
        if (!(v = malloc((n ? n : 1) * sizeof(*v))))
            return -ENOMEM;
        if (fn_is_time(to) && fn_is_time(from))
            time_to_time(in, n, out, v);
        else if (fn_is_time(to))
            num_to_time(in, n, out, v);
        else if (ty_is_float(from)) { /* float to interval */
            for (uint32_t i = 0; i < n; i++)
                v[i] = from.kind == TY_FLOAT32 ? f2i(COL_AT(in, float, i)) : f2i(COL_AT(in, double, i));
            store_i64(v, n, out);
        } else
            time_to_num(in, n, out, v);
        free(v);
    }
    out->n = n;
nulls:
    if (out->nulls) {
        if (in->nulls)
            memcpy(out->nulls, in->nulls, n);
        else
            memset(out->nulls, 0, n);
    }
    return 0;
}

int fn_convert(struct fn_ctx *ctx, const struct col *in, uint32_t n, struct ty to, struct col *out)
{
    out->ty = to;
    return fn_conv(ctx, in, NULL, n, FN_CONV_STRICT, out);
}

/* ---- cast and the to_* functions ---------------------------------------- */

static int k_conv(const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args,
                  const uint8_t *nulls, uint32_t n, struct col *out)
{
    return fn_conv(ctx, args[0], nulls, n, FN_CONV_STRICT, out);
}
static int k_conv_or_null(const struct fn_bind *b, struct fn_ctx *ctx,
                          const struct col *const *args, const uint8_t *nulls, uint32_t n,
                          struct col *out)
{
    return fn_conv(ctx, args[0], nulls, n, FN_CONV_OR_NULL, out);
}
static int k_conv_or_zero(const struct fn_bind *b, struct fn_ctx *ctx,
                          const struct col *const *args, const uint8_t *nulls, uint32_t n,
                          struct col *out)
{
    return fn_conv(ctx, args[0], nulls, n, FN_CONV_OR_ZERO, out);
}

static int check_convertible(struct fn_bind *b, const char *name, struct ty to)
{
    char a[TY_MAX_NAME], c[TY_MAX_NAME];
    if (!convertible(b->arg_ty[0], to))
        return fn_bind_fail(b, 0, "%s cannot convert %s to %s", name,
                            fn_ty_str(fn_plain(b->arg_ty[0]), a), fn_ty_str(fn_plain(to), c));
    return 0;
}

/* A constant string argument i naming a time zone: only UTC exists here. */
static int utc_only(struct fn_bind *b, const char *name, uint32_t i)
{
    const struct val *v = fn_const(b, i);
    if (i >= b->nargs)
        return 0;
    if (!v || v->ty.kind != TY_STRING)
        return fn_bad_arg(b, name, i, "a constant time zone string");
    if (!(v->v.s.n == 3 && strncasecmp(v->v.s.p, "UTC", 3) == 0) &&
        !(v->v.s.n == 7 && strncasecmp(v->v.s.p, "Etc/UTC", 7) == 0))
        return fn_bind_fail(b, (int)i, "%s: unknown time zone '%.*s' (only UTC is supported)",
                            name, (int)v->v.s.n, v->v.s.p);
    return 0;
}

static int bind_to(struct fn_bind *b, const char *name, struct ty to, enum fn_conv_mode mode)
{
    int rc = check_convertible(b, name, to);
    if (rc)
        return rc;
    b->ret = to;
    b->kernel = k_conv;
    if (mode == FN_CONV_OR_NULL) {
        b->ret.nullable = 1;
        b->kernel = k_conv_or_null;
    } else if (mode == FN_CONV_OR_ZERO) {
        b->kernel = k_conv_or_zero;
    }
    return 0;
}

static int bind_cast(struct fn_bind *b)
{
    const struct val *v = fn_const(b, 1);
    char name[TY_MAX_NAME + 16];
    struct ty to;
    if (!v || v->ty.kind != TY_STRING)
        return fn_bad_arg(b, "cast", 1, "a constant type name string");
    if (v->v.s.n >= sizeof name)
        return fn_bind_fail(b, 1, "cast: unknown type '%.*s'", 40, v->v.s.p);
    memcpy(name, v->v.s.p, v->v.s.n);
    name[v->v.s.n] = 0;
    int prc = ty_parse(name, &to);
    if (prc == -ERANGE)
        return fn_bind_fail(b, 1, "cast: decimal precision above %d is not supported ('%s')",
                            TY_DECIMAL_MAX_PREC, name);
    if (prc || to.kind == TY_NOTHING)
        return fn_bind_fail(b, 1, "cast: unknown type '%s'", name);
    /* NULLs stay NULL (the cast is FN_OWN_NULLS so that CAST(NULL AS
     * nullable(int32)) has that type, not nothing) */
    if ((b->arg_ty[0].nullable || b->arg_ty[0].kind == TY_NOTHING) && to.kind != TY_ARRAY)
        to.nullable = 1;
    return bind_to(b, "cast", to, FN_CONV_STRICT);
}

/* to_<type>, to_<type>_or_null, to_<type>_or_zero for each number kind. */
#define TO_BINDS(kind, sfx, tname)                                                  \
    static int bind_to_##sfx(struct fn_bind *b)                                       \
    {                                                                                  \
        return bind_to(b, "to_" tname, fn_ty(kind), FN_CONV_STRICT);                  \
    }                                                                                  \
    static int bind_to_##sfx##_or_null(struct fn_bind *b)                             \
    {                                                                                  \
        return bind_to(b, "to_" tname "_or_null", fn_ty(kind), FN_CONV_OR_NULL);      \
    }                                                                                  \
    static int bind_to_##sfx##_or_zero(struct fn_bind *b)                             \
    {                                                                                  \
        return bind_to(b, "to_" tname "_or_zero", fn_ty(kind), FN_CONV_OR_ZERO);      \
    }
TO_BINDS(TY_INT8, i8, "int8")
TO_BINDS(TY_INT16, i16, "int16")
TO_BINDS(TY_INT32, i32, "int32")
TO_BINDS(TY_INT64, i64, "int64")
TO_BINDS(TY_UINT8, u8, "uint8")
TO_BINDS(TY_UINT16, u16, "uint16")
TO_BINDS(TY_UINT32, u32, "uint32")
TO_BINDS(TY_UINT64, u64, "uint64")
TO_BINDS(TY_FLOAT32, f32, "float32")
TO_BINDS(TY_FLOAT64, f64, "float64")
TO_BINDS(TY_BOOL, b, "bool")
TO_BINDS(TY_DATE, d, "date")

static int bind_to_string(struct fn_bind *b)
{
    int rc = utc_only(b, "to_string", 1);
    return rc ? rc : bind_to(b, "to_string", fn_ty(TY_STRING), FN_CONV_STRICT);
}

/* to_type_name(x): the argument's type as a CREATE STREAM would spell it
 * ("int16", "nullable(string)"); the type is known at bind time, so the
 * kernel repeats one string. */
static int k_type_name(const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args,
                       const uint8_t *nulls, uint32_t n, struct col *out)
{
    (void)ctx, (void)args, (void)nulls;
    const char *name = b->state;
    size_t len = strlen(name);
    int rc = col_reserve_chars(out, (size_t)n * len);
    for (uint32_t i = 0; i < n && rc == 0; i++)
        rc = col_put_str(out, name, len);
    return rc;
}

static int bind_to_type_name(struct fn_bind *b)
{
    char *name = malloc(TY_MAX_NAME);
    if (!name)
        return -ENOMEM;
    ty_name(b->arg_ty[0], name);
    b->state = name;
    b->state_free = free;
    b->ret = fn_ty(TY_STRING);
    b->kernel = k_type_name;
    return 0;
}

/* to_datetime(x [, 'UTC']) and its variants. */
static int bind_dt(struct fn_bind *b, const char *name, enum fn_conv_mode mode)
{
    int rc = utc_only(b, name, 1);
    return rc ? rc : bind_to(b, name, fn_ty(TY_DATETIME), mode);
}
static int bind_to_dt(struct fn_bind *b) { return bind_dt(b, "to_datetime", FN_CONV_STRICT); }
static int bind_to_dt_or_null(struct fn_bind *b)
{
    return bind_dt(b, "to_datetime_or_null", FN_CONV_OR_NULL);
}
static int bind_to_dt_or_zero(struct fn_bind *b)
{
    return bind_dt(b, "to_datetime_or_zero", FN_CONV_OR_ZERO);
}

/* to_datetime64(x, p [, 'UTC']) and its variants. */
static int bind_dt64(struct fn_bind *b, const char *name, enum fn_conv_mode mode)
{
    const struct val *p = fn_const(b, 1);
    if (!p || !(ty_is_int(p->ty)) || fn_val_i64(p) < 0 || fn_val_i64(p) > 9)
        return fn_bad_arg(b, name, 1, "a constant precision 0..9");
    int rc = utc_only(b, name, 2);
    return rc ? rc : bind_to(b, name, (struct ty){TY_DATETIME64, 0, (uint8_t)fn_val_i64(p)}, mode);
}
static int bind_to_dt64(struct fn_bind *b) { return bind_dt64(b, "to_datetime64", FN_CONV_STRICT); }
static int bind_to_dt64_or_null(struct fn_bind *b)
{
    return bind_dt64(b, "to_datetime64_or_null", FN_CONV_OR_NULL);
}
static int bind_to_dt64_or_zero(struct fn_bind *b)
{
    return bind_dt64(b, "to_datetime64_or_zero", FN_CONV_OR_ZERO);
}

/* to_decimal32/64/128(x, s) and variants: decimal(9 | 18 | 38, s). */
static int bind_dec(struct fn_bind *b, const char *name, int prec, enum fn_conv_mode mode)
{
    const struct val *s = fn_const(b, 1);
    int64_t sc = s && ty_is_int(s->ty) ? fn_val_i64(s) : -1;
    if (sc < 0 || sc > prec) {
        char what[40];
        snprintf(what, sizeof what, "a constant scale 0..%d", prec);
        return fn_bad_arg(b, name, 1, what);
    }
    if (prec > TY_DECIMAL_MAX_PREC)
        return fn_bind_fail(b, -1, "%s: decimal precision above %d is not supported", name,
                            TY_DECIMAL_MAX_PREC);
    return bind_to(b, name, ty_decimal(prec, (int)sc), mode);
}
#define DEC_BINDS(bits, prec)                                                                  \
    static int bind_to_dec##bits(struct fn_bind *b)                                            \
    {                                                                                          \
        return bind_dec(b, "to_decimal" #bits, prec, FN_CONV_STRICT);                          \
    }                                                                                          \
    static int bind_to_dec##bits##_or_null(struct fn_bind *b)                                  \
    {                                                                                          \
        return bind_dec(b, "to_decimal" #bits "_or_null", prec, FN_CONV_OR_NULL);              \
    }                                                                                          \
    static int bind_to_dec##bits##_or_zero(struct fn_bind *b)                                  \
    {                                                                                          \
        return bind_dec(b, "to_decimal" #bits "_or_zero", prec, FN_CONV_OR_ZERO);              \
    }
DEC_BINDS(32, 9)
DEC_BINDS(64, 18)
DEC_BINDS(128, 38)
#define DEC_ENTRIES(bits)                                                    \
    {"to_decimal" #bits, 2, 2, 0, bind_to_dec##bits},                        \
    {"to_decimal" #bits "_or_null", 2, 2, 0, bind_to_dec##bits##_or_null},   \
    {"to_decimal" #bits "_or_zero", 2, 2, 0, bind_to_dec##bits##_or_zero},

#define TO_ENTRIES(sfx, tname)                                 \
    {"to_" tname, 1, 1, 0, bind_to_##sfx},                     \
    {"to_" tname "_or_null", 1, 1, 0, bind_to_##sfx##_or_null}, \
    {"to_" tname "_or_zero", 1, 1, 0, bind_to_##sfx##_or_zero},

const struct fn_scalar fn_conv_fns[] = {
    {"cast", 2, 2, FN_OWN_NULLS, bind_cast},
    TO_ENTRIES(i8, "int8")
    TO_ENTRIES(i16, "int16")
    TO_ENTRIES(i32, "int32")
    TO_ENTRIES(i64, "int64")
    TO_ENTRIES(u8, "uint8")
    TO_ENTRIES(u16, "uint16")
    TO_ENTRIES(u32, "uint32")
    TO_ENTRIES(u64, "uint64")
    TO_ENTRIES(f32, "float32")
    TO_ENTRIES(f64, "float64")
    TO_ENTRIES(b, "bool")
    TO_ENTRIES(d, "date")
    {"to_datetime", 1, 2, 0, bind_to_dt},
    {"to_datetime_or_null", 1, 2, 0, bind_to_dt_or_null},
    {"to_datetime_or_zero", 1, 2, 0, bind_to_dt_or_zero},
    {"to_datetime64", 2, 3, 0, bind_to_dt64},
    {"to_datetime64_or_null", 2, 3, 0, bind_to_dt64_or_null},
    {"to_datetime64_or_zero", 2, 3, 0, bind_to_dt64_or_zero},
    {"to_string", 1, 2, 0, bind_to_string},
    {"to_type_name", 1, 1, FN_OWN_NULLS, bind_to_type_name},
    DEC_ENTRIES(32)
    DEC_ENTRIES(64)
    DEC_ENTRIES(128)
};
const size_t fn_conv_fns_n = sizeof(fn_conv_fns) / sizeof(fn_conv_fns[0]);
