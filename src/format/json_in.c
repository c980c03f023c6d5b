/*
 * json_in.c — one JSON line into one block row (format/json_in.h).
 *
 * This is the ingest hot path: millions of ~100-byte rows per second per
 * core. Most lines are a flat object of scalars, so a one-pass scanner
 * takes those: it checks the grammar, the strings (UTF-8, no control
 * bytes) and the numbers as it goes and converts each value into its
 * column at once; a key is first compared with the column that came next
 * in the schema (rows usually name columns in one order). Whatever the
 * scanner is not sure of, it leaves: nested values, escaped keys, long
 * numbers, and every line that is invalid or does not fit the schema. The
 * block is then rolled back and the general path in json_walk.c parses the
 * line from scratch, so refusals and their reasons come from one place,
 * and the scanner only has to be right about the lines it accepts: each
 * of them is valid JSON that the general path takes into the same row.
 *
 * Values go straight into the block's columns in the order the fields come;
 * a column already holding this row's value means a duplicate field (an
 * error, as in ClickHouse). Columns the row did not name get their default
 * at the end, then _tp_time. Any failure truncates every column back to the
 * row count on entry, so the block is exactly as it was.
 *
 * Numbers are decomposed once (sign, up to 19-20 significant digits, decimal
 * exponent) and that decomposition serves integers (exact range checks),
 * floats (exact fast path, strtod_l in the C locale otherwise) and times.
 */
#include "json_internal.h"

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/datetime.h"
#include "types/decimal.h"
#include "util/buf.h"
#include "util/err.h"

enum { NUM_OK = 0, NUM_RANGE = 1, NUM_NOT_INT = 2 };

/* 0000-01-01 00:00:00 and 9999-12-31 23:59:59, the range text can carry. */
#define DT_MIN_SECS (-62167219200LL)
#define DT_MAX_SECS 253402300799LL

static const double pow10_dbl[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
static const float pow10_flt[11] = {
    1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f,
};

/* ---- errors ---------------------------------------------------------- */

int fmt_json_fail(struct fmt_json_in *p, const char *fmt, ...)
{
    if (p->why && p->why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->why, p->why_len, fmt, ap);
        va_end(ap);
    }
    return ERR_MALFORMED;
}

__attribute__((format(printf, 3, 4)))
static int fail_field(struct fmt_json_in *p, int col, const char *fmt, ...)
{
    if (p->why && p->why_len) {
        int k = snprintf(p->why, p->why_len, "field '%s': ", p->s->cols[col].name);
        if (k >= 0 && (size_t)k < p->why_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->why + k, p->why_len - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return ERR_MALFORMED;
}

int fmt_json_bad(struct fmt_json_in *p, const char *at)
{
    return fmt_json_fail(p, "invalid JSON at byte %zu", (size_t)(at - p->line) + 1);
}

/* Up to 40 bytes of s for a message (not cutting a UTF-8 sequence),
 * control bytes shown as '?'. */
static const char *snip(const char *s, size_t n, char out[48])
{
    size_t k = n < 40 ? n : 40;
    while (k > 0 && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    for (size_t i = 0; i < k; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (k < n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

static int wrong_type(struct fmt_json_in *p, int col, const struct jval *v)
{
    char tn[TY_MAX_NAME];
    struct ty t = p->s->cols[col].ty;
    t.nullable = 0;
    ty_name(t, tn);
    const char *got = v->type == JV_STRING                        ? "a string"
                      : v->type == JV_OBJECT                      ? "an object"
                      : v->type == JV_ARRAY                       ? "an array"
                      : v->type == JV_TRUE || v->type == JV_FALSE ? "a bool"
                                                                  : "a number";
    return fail_field(p, col, "wrong type: expected %s, got %s", tn, got);
}

/* ---- strings --------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n > 0, s[0] >= 0x80), or 0:
 * no overlongs, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

static int hex4(const unsigned char *s, size_t n, uint32_t *v)
{
    uint32_t x = 0;
    if (n < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        x = x << 4 | d;
    }
    *v = x;
    return 0;
}

static char *put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* The \u escape at s (s[0] == '\\', s[1] == 'u'): a code point, pairing
 * surrogates. Returns the bytes consumed, or 0 if malformed. */
static size_t unicode_escape(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t hi, lo;
    if (hex4(s + 2, n - 2, &hi))
        return 0;
    if (hi < 0xD800 || hi > 0xDFFF) {
        *cp = hi;
        return 6;
    }
    if (hi > 0xDBFF || n < 12 || s[6] != '\\' || s[7] != 'u' || hex4(s + 8, n - 8, &lo) ||
        lo < 0xDC00 || lo > 0xDFFF)
        return 0; /* a lone or reversed surrogate */
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return 12;
}

/* One escape at u[i] into o; returns the bytes consumed, or 0. */
static size_t escape(const unsigned char *u, size_t n, char **o)
{
    static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
    if (n < 2)
        return 0;
    for (const char *e = simple; *e; e += 2) {
        if (u[1] == (unsigned char)e[0]) {
            *(*o)++ = e[1];
            return 2;
        }
    }
    uint32_t cp;
    size_t used = u[1] == 'u' ? unicode_escape(u, n, &cp) : 0;
    if (used)
        *o = put_utf8(*o, cp);
    return used;
}

static int bad_string_byte(struct fmt_json_in *p, const char *s)
{
    size_t at = (size_t)(s - p->line) + 1;
    unsigned char c = (unsigned char)*s;
    if (c == '\\')
        return fmt_json_fail(p, "invalid escape in string at byte %zu", at);
    if (c < 0x20)
        return fmt_json_fail(p, "control character in string at byte %zu", at);
    return fmt_json_fail(p, "invalid UTF-8 in string at byte %zu", at);
}

/* Unescape s[i..n) into o (room for n - i bytes: unescaping never
 * lengthens); returns the end of the output, or NULL with *bad at the
 * offending byte (a bad escape, a control byte, invalid UTF-8). */
static char *unescape_from(const char *s, size_t n, size_t i, char *o, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    while (i < n) {
        size_t used = 1;
        if (u[i] == '\\') {
            used = escape(u + i, n - i, &o);
        } else if (u[i] >= 0x80) {
            used = utf8_seq(u + i, n - i);
            memcpy(o, s + i, used);
            o += used;
        } else if (u[i] >= 0x20) {
            *o++ = s[i];
        } else {
            used = 0;
        }
        if (!used) {
            *bad = i;
            return NULL;
        }
        i += used;
    }
    return o;
}

/* The unescaped string from the slow path: u[i] is the first backslash. */
static int decode_rest(struct fmt_json_in *p, const char *s, size_t n, size_t i,
                       const char **out, size_t *out_n)
{
    size_t bad;
    buf_reset(&p->scratch);
    int rc = buf_reserve(&p->scratch, n);
    if (rc)
        return rc;
    char *base = p->scratch.data;
    memcpy(base, s, i);
    char *end = unescape_from(s, n, i, base + i, &bad);
    if (!end)
        return bad_string_byte(p, s + bad);
    *out = base;
    *out_n = (size_t)(end - base);
    return 0;
}

int fmt_json_unescape(const char *s, size_t n, struct buf *out)
{
    size_t bad;
    int rc = buf_reserve(out, n);
    if (rc)
        return rc;
    char *end = unescape_from(s, n, 0, out->data + out->len, &bad);
    if (!end)
        return ERR_MALFORMED;
    out->len = (size_t)(end - out->data);
    return 0;
}

/* Bytes before the first that is not printable ASCII or is a backslash,
 * eight at a time (SWAR: a byte's high bit flags each condition). */
static size_t plain_prefix(const unsigned char *u, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, bs;
        memcpy(&x, u + i, 8);
        bs = x ^ (ones * '\\');
        /* high bit set: x >= 0x80, x < 0x20, or x == '\\' */
        uint64_t bad = (x | ((x - ones * 0x20) & ~x) | ((bs - ones) & ~bs)) & highs;
        if (bad)
            break;
    }
    return i;
}

/* Validate a string token's body (json_internal.h); no copy without an
 * escape, the common case. */
int fmt_json_str_decode(struct fmt_json_in *p, const char *s, size_t n, const char **out,
                        size_t *out_n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = plain_prefix(u, n);
    while (i < n) {
        if (u[i] >= 0x20 && u[i] < 0x80 && u[i] != '\\') {
            i++;
        } else if (u[i] >= 0x80) {
            size_t len = utf8_seq(u + i, n - i);
            if (!len)
                return bad_string_byte(p, s + i);
            i += len;
        } else if (u[i] == '\\') {
            return decode_rest(p, s, n, i, out, out_n);
        } else {
            return bad_string_byte(p, s + i);
        }
    }
    *out = s;
    *out_n = n;
    return 0;
}

/* ---- numbers and literals -------------------------------------------- */

static void add_digit(struct num *x, unsigned d, int int_part)
{
    if (!x->full && x->mant <= (UINT64_MAX - d) / 10) {
        x->mant = x->mant * 10 + d;
        x->exp10 -= !int_part;
        return;
    }
    x->full = 1;
    x->exp10 += int_part;
    x->sticky |= d != 0;
}

static size_t scan_digits(const char *s, size_t i, size_t n, struct num *x, int int_part,
                          int *taken)
{
    /* 19 digits always fit in 64 bits: no overflow checks for those */
    uint64_t m = x->mant;
    size_t i0 = i;
    while (i < n && *taken < 19 && (unsigned)(s[i] - '0') <= 9) {
        m = m * 10 + (unsigned)(s[i++] - '0');
        (*taken)++;
    }
    x->mant = m;
    if (!int_part)
        x->exp10 -= (int64_t)(i - i0);
    while (i < n && (unsigned)(s[i] - '0') <= 9)
        add_digit(x, (unsigned)(s[i++] - '0'), int_part);
    return i;
}

/* JSON number grammar; 0 or -1 when s is not a number. */
int fmt_json_scan_number(const char *s, size_t n, struct num *x)
{
    size_t i = 0, d0;
    int taken = 0;
    memset(x, 0, sizeof *x);
    if (i < n && s[i] == '-')
        x->neg = 1, i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        i = scan_digits(s, i, n, x, 1, &taken);
    else
        return -1;
    if (i < n && s[i] == '.') {
        d0 = ++i;
        if ((i = scan_digits(s, i, n, x, 0, &taken)) == d0)
            return -1;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        int64_t e = 0;
        if (++i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        for (d0 = i; i < n && (unsigned)(s[i] - '0') <= 9; i++)
            if (e < 1000000000)
                e = e * 10 + (s[i] - '0');
        if (i == d0)
            return -1;
        x->exp10 += eneg ? -e : e;
    }
    return i == n ? 0 : -1;
}

/* The integer magnitude of x, exactly. */
static int num_to_int(const struct num *x, uint64_t *mag)
{
    uint64_t m = x->mant;
    int64_t e = x->exp10;
    /* A dropped digit in the units place or above: mant * 10 + d already
     * overflowed, so |value| > UINT64_MAX. Below it, digits are fractional. */
    if (x->full && e >= 1)
        return NUM_RANGE;
    if (x->sticky)
        return NUM_NOT_INT;
    if (m == 0) {
        *mag = 0;
        return NUM_OK;
    }
    while (e < 0 && m % 10 == 0)
        m /= 10, e++;
    if (e < 0)
        return NUM_NOT_INT;
    for (; e > 0; e--) {
        if (m > UINT64_MAX / 10)
            return NUM_RANGE;
        m *= 10;
    }
    *mag = m;
    return NUM_OK;
}

/* x * 10^prec rounded toward minus infinity, as int64 ticks. */
static int num_to_ticks(const struct num *x, int prec, int64_t *ticks)
{
    int64_t e = x->exp10 + prec;
    uint64_t mag = x->mant;
    int frac = x->sticky;
    if (mag == 0 && !frac) { /* zero with any exponent ("0e999999999") */
        *ticks = 0;
        return NUM_OK;
    }
    if (e >= 0) { /* mag >= 1 here, so this overflows within 20 steps */
        for (; e > 0; e--) {
            if (mag > UINT64_MAX / 10)
                return NUM_RANGE;
            mag *= 10;
        }
    } else if (e < -19) {
        frac |= mag != 0;
        mag = 0;
    } else {
        uint64_t div = 1;
        for (; e < 0; e++)
            div *= 10;
        frac |= mag % div != 0;
        mag /= div;
    }
    if (!x->neg) {
        if (mag > INT64_MAX)
            return NUM_RANGE;
        *ticks = (int64_t)mag;
        return NUM_OK;
    }
    if (mag + (uint64_t)frac > (uint64_t)INT64_MAX + 1 || mag + (uint64_t)frac < mag)
        return NUM_RANGE;
    *ticks = (int64_t)(0 - mag - (uint64_t)frac);
    return NUM_OK;
}

/* A NUL-terminated copy of s in scratch, for the libc parsers. */
static const char *cstr_copy(struct fmt_json_in *p, const char *s, size_t n)
{
    buf_reset(&p->scratch);
    if (buf_append(&p->scratch, s, n) || buf_cstr(&p->scratch))
        return NULL;
    return p->scratch.data;
}

static int num_to_double(struct fmt_json_in *p, const struct num *x, const char *s, size_t n,
                         double *out)
{
    if (!x->sticky && x->mant <= (1ULL << 53) && x->exp10 >= -22 && x->exp10 <= 22 &&
        FLT_EVAL_METHOD == 0) {
        /* Both operands are exact doubles: one correctly rounded operation. */
        double d = (double)x->mant;
        d = x->exp10 < 0 ? d / pow10_dbl[-x->exp10] : d * pow10_dbl[x->exp10];
        *out = x->neg ? -d : d;
        return 0;
    }
    const char *c = cstr_copy(p, s, n);
    if (!c)
        return -ENOMEM;
    *out = strtod_l(c, NULL, p->c_locale);
    return 0;
}

static int num_to_float(struct fmt_json_in *p, const struct num *x, const char *s, size_t n,
                        float *out)
{
    if (!x->sticky && x->mant <= (1U << 24) && x->exp10 >= -10 && x->exp10 <= 10 &&
        FLT_EVAL_METHOD == 0) {
        float f = (float)x->mant;
        f = x->exp10 < 0 ? f / pow10_flt[-x->exp10] : f * pow10_flt[x->exp10];
        *out = x->neg ? -f : f;
        return 0;
    }
    const char *c = cstr_copy(p, s, n);
    if (!c)
        return -ENOMEM;
    *out = strtof_l(c, NULL, p->c_locale);
    return 0;
}

/* ---- conversions into columns ---------------------------------------- */

/* Every conversion below pushes at most one value, into a column that has
 * room for it (fmt_json_convert and put_value see to that). */

static int push_int(struct col *c, int neg, uint64_t mag)
{
    int64_t sv = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    switch (c->ty.kind) {
    case TY_INT8: { int8_t v = (int8_t)sv; col_put_fixed(c, &v, 1); break; }
    case TY_INT16: { int16_t v = (int16_t)sv; col_put_fixed(c, &v, 2); break; }
    case TY_INT32: { int32_t v = (int32_t)sv; col_put_fixed(c, &v, 4); break; }
    case TY_INT64: col_put_fixed(c, &sv, 8); break;
    case TY_UINT8: { uint8_t v = (uint8_t)mag; col_put_fixed(c, &v, 1); break; }
    case TY_UINT16: { uint16_t v = (uint16_t)mag; col_put_fixed(c, &v, 2); break; }
    case TY_UINT32: { uint32_t v = (uint32_t)mag; col_put_fixed(c, &v, 4); break; }
    default: col_put_fixed(c, &mag, 8); break;
    }
    return 0;
}

static int int_fits(uint8_t kind, int neg, uint64_t mag)
{
    uint64_t max = UINT64_MAX;
    switch (kind) {
    case TY_INT8: case TY_UINT8: max = UINT8_MAX; break;
    case TY_INT16: case TY_UINT16: max = UINT16_MAX; break;
    case TY_INT32: case TY_UINT32: max = UINT32_MAX; break;
    }
    if (kind >= TY_INT8 && kind <= TY_INT64) /* signed: [-(max/2+1), max/2] */
        return neg ? mag <= max / 2 + 1 : mag <= max / 2;
    return !neg || mag == 0 ? mag <= max : 0;
}

static int conv_int(struct fmt_json_in *p, int col, struct col *c, const struct jval *v)
{
    char tn[TY_MAX_NAME], sn[48];
    if (v->type == JV_TRUE || v->type == JV_FALSE) /* ClickHouse reads bools as 1/0 */
        return push_int(c, 0, v->type == JV_TRUE);
    if (v->type != JV_NUMBER)
        return wrong_type(p, col, v);
    uint64_t mag;
    int r = num_to_int(&v->num, &mag);
    if (r == NUM_OK && !int_fits(c->ty.kind, v->num.neg, mag))
        r = NUM_RANGE;
    if (r == NUM_OK)
        return push_int(c, v->num.neg, mag);
    struct ty t = c->ty;
    t.nullable = 0;
    ty_name(t, tn);
    if (r == NUM_RANGE)
        return fail_field(p, col, "number %s out of range for %s", snip(v->s, v->n, sn), tn);
    return fail_field(p, col, "number %s is not an integer (%s)", snip(v->s, v->n, sn), tn);
}

static int conv_bool(struct fmt_json_in *p, int col, struct col *c, const struct jval *v)
{
    char sn[48];
    uint8_t b = v->type == JV_TRUE;
    if (v->type == JV_NUMBER) {
        uint64_t mag = 2;
        if (num_to_int(&v->num, &mag) != NUM_OK || mag > 1 || (v->num.neg && mag))
            return fail_field(p, col, "number %s is not a bool (0 or 1)", snip(v->s, v->n, sn));
        b = (uint8_t)mag;
    } else if (v->type != JV_TRUE && v->type != JV_FALSE) {
        return wrong_type(p, col, v);
    }
    col_put_fixed(c, &b, 1);
    return 0;
}

static int conv_float(struct fmt_json_in *p, int col, struct col *c, const struct jval *v)
{
    char sn[48];
    struct num one = {0};
    const struct num *x = &v->num;
    int rc;
    if (v->type == JV_TRUE || v->type == JV_FALSE) {
        one.mant = v->type == JV_TRUE;
        x = &one;
    } else if (v->type != JV_NUMBER) {
        return wrong_type(p, col, v);
    }
    if (c->ty.kind == TY_FLOAT32) {
        float f;
        if ((rc = num_to_float(p, x, v->s, v->n, &f)))
            return rc;
        if (isinf(f))
            return fail_field(p, col, "number %s out of range for float32",
                              snip(v->s, v->n, sn));
        col_put_fixed(c, &f, 4);
        return 0;
    }
    double d;
    if ((rc = num_to_double(p, x, v->s, v->n, &d)))
        return rc;
    if (isinf(d))
        return fail_field(p, col, "number %s out of range for float64", snip(v->s, v->n, sn));
    col_put_fixed(c, &d, 8);
    return 0;
}

/* Compact JSON text of a container: whitespace outside strings removed. */
static int compact(struct fmt_json_in *p, const char *s, size_t n)
{
    buf_reset(&p->scratch);
    int rc = buf_reserve(&p->scratch, n);
    if (rc)
        return rc;
    char *o = p->scratch.data;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_str) {
            *o++ = ch;
            if (ch == '\\')
                *o++ = s[++i]; /* the escaped byte, even if it is a quote */
            else if (ch == '"')
                in_str = 0;
        } else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            *o++ = ch;
            in_str = ch == '"';
        }
    }
    p->scratch.len = (size_t)(o - p->scratch.data);
    return 0;
}

/* A string value's text: checked and unescaped unless the scanner did. */
static int str_text(struct fmt_json_in *p, const struct jval *v, const char **out,
                    size_t *out_n)
{
    if (v->plain) {
        *out = v->s;
        *out_n = v->n;
        return 0;
    }
    return fmt_json_str_decode(p, v->s, v->n, out, out_n);
}

static int conv_string(struct fmt_json_in *p, struct col *c, const struct jval *v)
{
    const char *out;
    size_t out_n;
    int rc;
    switch (v->type) {
    case JV_STRING:
        if ((rc = str_text(p, v, &out, &out_n)))
            return rc;
        return col_put_str(c, out, out_n);
    case JV_OBJECT:
    case JV_ARRAY: /* already validated by the walk */
        if ((rc = compact(p, v->s, v->n)))
            return rc;
        return col_put_str(c, p->scratch.data, p->scratch.len);
    default: /* numbers and bools as their text, as ClickHouse reads them */
        return col_put_str(c, v->s, v->n);
    }
}

/* decimal(p, s) from a number or a numeric string, read from its digits
 * (no double in between): extra fraction digits are discarded as
 * ClickHouse does; too many integer digits make the row malformed. */
static int conv_decimal(struct fmt_json_in *p, int col, struct col *c, const struct jval *v)
{
    const char *t = v->s;
    size_t tn = v->n;
    char tname[TY_MAX_NAME], sn[48];
    int64_t x;
    int rc;
    if (v->type == JV_STRING) {
        if ((rc = str_text(p, v, &t, &tn)))
            return rc;
    } else if (v->type != JV_NUMBER) {
        return wrong_type(p, col, v);
    }
    struct ty ty = c->ty;
    ty.nullable = 0;
    rc = dec_parse(t, tn, ty, &x);
    if (rc == 0) {
        col_put_fixed(c, &x, 8);
        return 0;
    }
    ty_name(ty, tname);
    if (rc == -ERANGE)
        return fail_field(p, col, "number %s out of range for %s", snip(t, tn, sn), tname);
    return fail_field(p, col, "cannot parse '%s' as %s", snip(t, tn, sn), tname);
}

static int time_range_error(struct fmt_json_in *p, int col, const char *s, size_t n)
{
    char sn[48];
    return fail_field(p, col, "datetime %s out of range", snip(s, n, sn));
}

/* Whole seconds of ticks (rounded down) within what the text form shows:
 * the range scaled to ticks instead of a division per value. */
static int secs_in_range(int64_t ticks, int prec)
{
    static const int64_t scale[10] = {
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
    };
    int64_t lo, hi;
    if (prec < 0 || prec > 9) { /* not a type ty_parse makes */
        int64_t secs = dt_rescale(ticks, prec, 0);
        return secs >= DT_MIN_SECS && secs <= DT_MAX_SECS;
    }
    if (__builtin_mul_overflow(DT_MIN_SECS, scale[prec], &lo))
        lo = INT64_MIN;
    if (__builtin_mul_overflow(DT_MAX_SECS + 1, scale[prec], &hi))
        hi = INT64_MAX;
    else
        hi -= 1;
    return ticks >= lo && ticks <= hi;
}

/* datetime (uint32 seconds) and datetime64(p) (int64 ticks). */
static int conv_time(struct fmt_json_in *p, int col, struct col *c, const struct jval *v)
{
    const char *t;
    size_t tn;
    int prec = c->ty.kind == TY_DATETIME64 ? c->ty.prec : 0, rc;
    int64_t ticks;
    char sn[48];
    if (v->type == JV_STRING) {
        if ((rc = str_text(p, v, &t, &tn)))
            return rc;
        if (dt_parse(t, tn, prec, &ticks))
            return fail_field(p, col, "cannot parse datetime '%s'", snip(t, tn, sn));
    } else if (v->type == JV_NUMBER) {
        if (num_to_ticks(&v->num, prec, &ticks))
            return time_range_error(p, col, v->s, v->n);
    } else {
        return wrong_type(p, col, v);
    }
    if (!secs_in_range(ticks, prec)) /* what the text form can show */
        return time_range_error(p, col, v->s, v->n);
    if (c->ty.kind == TY_DATETIME) {
        if (ticks < 0 || ticks > (int64_t)UINT32_MAX)
            return time_range_error(p, col, v->s, v->n);
        uint32_t v32 = (uint32_t)ticks;
        col_put_fixed(c, &v32, 4);
        return 0;
    }
    if (c->ty.kind == TY_DATE) { /* days; a number is a day count */
        int64_t days = v->type == JV_STRING ? (ticks >= 0 ? ticks / 86400 : -1) : ticks;
        if (days < 0 || days > UINT16_MAX)
            return time_range_error(p, col, v->s, v->n);
        uint16_t v16 = (uint16_t)days;
        col_put_fixed(c, &v16, 2);
        return 0;
    }
    col_put_fixed(c, &ticks, 8);
    return 0;
}

static int is_ws(char c);
static size_t skip_ws(const char *l, size_t i, size_t n);
static size_t scan_str(const unsigned char *u, size_t i, size_t n, int *esc);

/* One scalar value into c (room for a row reserved). */
static int conv_scalar(struct fmt_json_in *p, int col, struct col *c, const struct jval *v)
{
    switch (c->ty.kind) {
    case TY_BOOL: return conv_bool(p, col, c, v);
    case TY_FLOAT32:
    case TY_FLOAT64: return conv_float(p, col, c, v);
    case TY_STRING: return conv_string(p, c, v);
    case TY_DATETIME:
    case TY_DATETIME64:
    case TY_DATE: return conv_time(p, col, c, v);
    case TY_DECIMAL: return conv_decimal(p, col, c, v);
    default:
        if (ty_is_int(c->ty))
            return conv_int(p, col, c, v);
        return -EINVAL;
    }
}

/* A JSON array into an array column: each element converted into the
 * child column as a scalar of the element type (a nested array or object,
 * or an element that does not convert, makes the row malformed; null is
 * NULL for nullable elements, the default otherwise, as for columns). The
 * text was validated by the walk, so only its shape is followed here. */
static int conv_array(struct fmt_json_in *p, int col, struct col *c, const struct jval *v)
{
    if (v->type != JV_ARRAY)
        return wrong_type(p, col, v);
    const char *l = v->s;
    size_t n = v->n, i = 1;
    struct col *e = c->child;
    int rc;
    for (;;) {
        i = skip_ws(l, i, n);
        if (i >= n)
            return fmt_json_bad(p, l + n - 1);
        if (l[i] == ']')
            break;
        if (l[i] == ',') {
            i++;
            continue;
        }
        struct jval x = {0};
        size_t end;
        x.s = l + i;
        if (l[i] == '[' || l[i] == '{')
            return fail_field(p, col, "array elements must be scalars, got a nested %s",
                              l[i] == '[' ? "array" : "object");
        if (l[i] == '"') {
            int esc = 0;
            end = scan_str((const unsigned char *)l, i + 1, n, &esc);
            if (end >= n)
                return fmt_json_bad(p, l + i);
            x.type = JV_STRING;
            x.s = l + i + 1;
            x.n = end - i - 1;
            x.plain = !esc;
            end++;
        } else {
            end = i;
            while (end < n && l[end] != ',' && l[end] != ']' && !is_ws(l[end]))
                end++;
            x.n = end - i;
            if (x.n == 4 && !memcmp(x.s, "true", 4))
                x.type = JV_TRUE;
            else if (x.n == 5 && !memcmp(x.s, "false", 5))
                x.type = JV_FALSE;
            else if (x.n == 4 && !memcmp(x.s, "null", 4))
                x.type = JV_NULL;
            else if (fmt_json_scan_number(x.s, x.n, &x.num) == 0)
                x.type = JV_NUMBER;
            else
                return fmt_json_bad(p, x.s);
        }
        if ((rc = col_reserve(e, e->n + 1)))
            return rc;
        rc = x.type == JV_NULL ? col_push_null(e) : conv_scalar(p, col, e, &x);
        if (rc)
            return rc;
        i = end;
    }
    return col_arr_end(c);
}

int fmt_json_convert(struct fmt_json_in *p, int col, const struct jval *v, struct blk *b,
                     uint32_t start, int *tp_null)
{
    struct col *c = &b->cols[col];
    int rc;
    if (c->n != start || (col == p->tp_col && *tp_null))
        return fmt_json_fail(p, "duplicate field '%s'", p->s->cols[col].name);
    if (!col_has_room(c) && (rc = col_reserve(c, c->n + 1)))
        return rc;
    if (v->type == JV_BAD)
        return fmt_json_bad(p, v->s);
    if (v->type == JV_NULL) {
        if (col == p->tp_col) { /* null _tp_time: taken as if missing */
            *tp_null = 1;
            return 0;
        }
        return col_push_null(c);
    }
    if (c->ty.kind == TY_ARRAY)
        return conv_array(p, col, c, v);
    return conv_scalar(p, col, c, v);
}

/* _tp_time for a row that did not give one. */
static int64_t event_ms(const struct fmt_json_in *p, const struct blk *b, uint32_t row,
                        int64_t now_ms)
{
    if (p->time_col < 0)
        return now_ms;
    const struct col *c = &b->cols[p->time_col];
    if (col_is_null(c, row))
        return now_ms;
    if (c->ty.kind == TY_DATETIME)
        return (int64_t)COL_AT(c, uint32_t, row) * 1000;
    if (c->ty.kind == TY_DATETIME64)
        return dt_rescale(COL_AT(c, int64_t, row), c->ty.prec, 3);
    return now_ms;
}

/* _tp_time's default, when the row did not give it. */
static int tp_default(struct fmt_json_in *p, struct blk *b, uint32_t start, int64_t now_ms)
{
    if (p->tp_col < 0 || b->cols[p->tp_col].n != start)
        return 0;
    /* a row without its event-time field happened now, not at the epoch */
    int time_missing = p->time_col >= 0 && b->cols[p->time_col].n == start;
    struct col *c = &b->cols[p->tp_col];
    int64_t ms = time_missing ? now_ms : event_ms(p, b, start, now_ms);
    if (c->ty.kind != TY_DATETIME64 || !col_has_room(c)) /* it is, in a finished schema */
        return col_push_fixed(c, &ms);
    col_put_fixed(c, &ms, 8);
    return 0;
}

int fmt_json_fill_defaults(struct fmt_json_in *p, struct blk *b, uint32_t start,
                           int64_t now_ms)
{
    int rc = 0;
    if (p->time_col >= 0 && b->cols[p->time_col].n == start)
        rc = tp_default(p, b, start, now_ms); /* before time_col gets its default */
    for (uint32_t i = 0; i < p->ncols && !rc; i++)
        if ((int)i != p->tp_col && b->cols[i].n == start)
            rc = col_push_null(&b->cols[i]);
    return rc ? rc : tp_default(p, b, start, now_ms);
}

/* ---- the one-pass scanner --------------------------------------------- */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The scanner's outcome when it leaves the line to the general path. */
#define SCAN_LEAVE 1

#define HOT inline __attribute__((always_inline))

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whitespace from l[i]: none at all in the usual compact line. */
static HOT size_t skip_ws(const char *l, size_t i, size_t n)
{
    if (i < n && (unsigned char)l[i] > ' ')
        return i;
    while (i < n && is_ws(l[i]))
        i++;
    return i;
}

/* Offset of the first flagged byte of a SWAR mask (bit 7 of each byte; the
 * lowest flag is exact, borrows only run upward). Big-endian hosts: 0, and
 * the caller steps bytewise. */
static HOT size_t first_flag(uint64_t mask)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(mask) / 8;
#else
    (void)mask;
    return 0;
#endif
}

/* The body of a string from u[i] (after its opening quote): the offset of
 * its closing quote, or n when the scanner leaves it (unterminated, a
 * control byte, bad UTF-8). *esc is set when it holds a backslash: the
 * escaped byte is skipped here, the escapes are checked by str_decode. */
static HOT size_t scan_str(const unsigned char *u, size_t i, size_t n, int *esc)
{
    for (;;) {
        for (; i + 8 <= n; i += 8) {
            uint64_t x, bs, q;
            memcpy(&x, u + i, 8);
            bs = x ^ (ONES * '\\');
            q = x ^ (ONES * '"');
            /* high bit set: x >= 0x80, x < 0x20, x == '\\' or x == '"' */
            uint64_t flag = (x | ((x - ONES * 0x20) & ~x) | ((bs - ONES) & ~bs) |
                             ((q - ONES) & ~q)) & HIGHS;
            if (flag) {
                i += first_flag(flag);
                break;
            }
        }
        if (i >= n)
            return n;
        unsigned c = u[i];
        if (c == '"') {
            return i;
        } else if (c == '\\') {
            *esc = 1;
            i += 2;
        } else if (c >= 0x80) {
            size_t len = utf8_seq(u + i, n - i);
            if (!len)
                return n;
            i += len;
        } else if (c < 0x20) {
            return n;
        } else {
            i++;
        }
    }
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_DIGITS 1
#else
#define SWAR_DIGITS 0
#endif

/* A run of digits from s[i] appended to *m, counted in *taken; past 19,
 * *m is no longer exact and the caller gives up. Eight bytes at a time on
 * little-endian hosts: no branch per digit to mispredict. */
static HOT size_t digit_run(const char *s, size_t i, size_t n, uint64_t *m, int *taken)
{
    static const uint64_t scale[9] = {
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
    };
    while (SWAR_DIGITS && i + 8 <= n) {
        const uint64_t lo4 = 0x0F0F0F0F0F0F0F0FULL, hi4 = 0xF0F0F0F0F0F0F0F0ULL;
        uint64_t x, bad;
        memcpy(&x, s + i, 8);
        /* nonzero byte: not a digit (high nibble 3, low nibble at most 9) */
        bad = ((x & hi4) ^ (ONES * 0x30)) | (((x & lo4) + ONES * 6) & hi4);
        bad = (((bad & ~HIGHS) + ~HIGHS) | bad) & HIGHS;
        size_t k = bad ? first_flag(bad) : 8;
        if (k == 0)
            return i;
        *taken += (int)k;
        if (*taken > 19)
            return i;
        /* the k digits as the last of eight (leading zeros), then pairs,
         * quads and the octet combined by multiplications */
        if (k < 8)
            x <<= 8 * (8 - k);
        x = (x & lo4) * (10 * 256 + 1) >> 8;
        x = (x & 0x00FF00FF00FF00FFULL) * (100 * 65536 + 1) >> 16;
        x = (x & 0x0000FFFF0000FFFFULL) * (10000ULL * 4294967296ULL + 1) >> 32;
        *m = *m * scale[k] + x;
        i += k;
        if (k < 8)
            return i;
    }
    unsigned d;
    for (; i < n && (d = (unsigned)(s[i] - '0')) <= 9; i++) {
        if (++*taken > 19)
            return i;
        *m = *m * 10 + d;
    }
    return i;
}

/* A number at s[i..n) decomposed as fmt_json_scan_number would (with
 * 19 significant digits at most): the offset after it, or 0 when the
 * scanner leaves it. What follows is the caller's to check. */
static HOT size_t scan_num(const char *s, size_t i, size_t n, struct num *x)
{
    uint64_t m = 0;
    int64_t e10 = 0;
    int taken = 0;
    x->neg = s[i] == '-';
    i += x->neg;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && (unsigned)(s[i] - '1') <= 8)
        i = digit_run(s, i, n, &m, &taken);
    else
        return 0;
    if (i < n && s[i] == '.') {
        size_t d0 = ++i;
        i = digit_run(s, i, n, &m, &taken);
        if (i == d0)
            return 0;
        e10 = -(int64_t)(i - d0);
    }
    if (taken > 19)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        int64_t e = 0;
        unsigned d;
        if (++i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        size_t d0 = i;
        for (; i < n && (d = (unsigned)(s[i] - '0')) <= 9; i++)
            if (e < 1000000000)
                e = e * 10 + d;
        if (i == d0)
            return 0;
        e10 += eneg ? -e : e;
    }
    x->mant = m;
    x->exp10 = e10;
    x->sticky = 0;
    x->full = 0;
    return i;
}

/* The key bytes at s (after its quote, avail bytes left) are k's, closing
 * quote included: compared a word at a time. */
static HOT int key_is(const struct fmt_json_key *k, const char *s, size_t avail)
{
    uint64_t w0, w1;
    if (avail >= 16) {
        memcpy(&w0, s, 8);
        memcpy(&w1, s + 8, 8);
        return k->len &&
               (((w0 & k->mask[0]) ^ k->word[0]) | ((w1 & k->mask[1]) ^ k->word[1])) == 0;
    }
    /* near the end of the line */
    return k->len && avail >= k->len && memcmp(s, k->word, k->len) == 0;
}

/* Word compare for the key bytes s[0..n) and their closing quote; len 0
 * (never matches) when they do not fit in two words. */
static void set_key(struct fmt_json_key *k, const char *s, size_t n)
{
    unsigned char bytes[16] = {0}, mask[16] = {0};
    memset(k, 0, sizeof *k);
    if (n + 1 > sizeof bytes)
        return;
    memcpy(bytes, s, n);
    bytes[n] = '"';
    memset(mask, 0xff, n + 1);
    memcpy(k->word, bytes, 16);
    memcpy(k->mask, mask, 16);
    k->len = (uint8_t)(n + 1);
}

/* The key at l[k0..n) (after its quote): its column or -1, and where its
 * closing quote is; SCAN_LEAVE for an escaped or bad key. Rows tend to
 * repeat their layout: the column expected next (the hint) is tried first,
 * then the unknown key last met at this hint. */
static HOT int scan_key(struct fmt_json_in *p, const char *l, size_t k0, size_t n, int *col,
                        size_t *k1)
{
    uint32_t h = p->hint;
    int esc = 0;
    if (h < p->ncols && key_is(&p->key[h], l + k0, n - k0)) {
        *col = (int)h;
        p->hint = h + 1;
        *k1 = k0 + p->key[h].len - 1;
        return 0;
    }
    if (key_is(&p->miss[h], l + k0, n - k0)) {
        *col = -1;
        *k1 = k0 + p->miss[h].len - 1;
        return 0;
    }
    *k1 = scan_str((const unsigned char *)l, k0, n, &esc);
    if (*k1 >= n || esc)
        return SCAN_LEAVE;
    if ((*col = fmt_json_col_hint(p, l + k0, *k1 - k0)) < 0 &&
        (*col = fmt_json_col_lookup(p, l + k0, *k1 - k0)) < 0)
        set_key(&p->miss[h], l + k0, *k1 - k0); /* checked: no quote, no backslash */
    return 0;
}

/* The value at l[i] (i < n): *v and the offset after it, or 0 when the
 * scanner leaves it. A primitive ends where the grammar says; if it ran
 * into anything but a delimiter, the caller's check after it fails, as
 * jsmn's token would not be the same. */
static HOT size_t scan_value(const char *l, size_t i, size_t n, struct jval *v)
{
    size_t e;
    int esc = 0;
    v->s = l + i;
    switch (l[i]) {
    case '"':
        e = scan_str((const unsigned char *)l, i + 1, n, &esc);
        if (e >= n)
            return 0;
        v->type = JV_STRING;
        v->s = l + i + 1;
        v->n = e - i - 1;
        v->plain = !esc;
        return e + 1;
    case 't':
        if (n - i < 4 || memcmp(l + i, "true", 4) != 0)
            return 0;
        v->type = JV_TRUE;
        v->n = 4;
        return i + 4;
    case 'f':
        if (n - i < 5 || memcmp(l + i, "false", 5) != 0)
            return 0;
        v->type = JV_FALSE;
        v->n = 5;
        return i + 5;
    case 'n':
        if (n - i < 4 || memcmp(l + i, "null", 4) != 0)
            return 0;
        v->type = JV_NULL;
        v->n = 4;
        return i + 4;
    default: /* a number, or the scanner leaves it: containers too */
        if ((e = scan_num(l, i, n, &v->num)) == 0)
            return 0;
        v->type = JV_NUMBER;
        v->n = e - i;
        return e;
    }
}

/* fmt_json_convert, with the usual cases first: a plain string into a
 * string, an integer into an integer, a short decimal into a float64, a
 * bool, a datetime64 text. */
static HOT int put_value(struct fmt_json_in *p, int col, const struct jval *v, struct blk *b,
                         uint32_t start, int *tp_null)
{
    struct col *c = &b->cols[col];
    if (c->n == start && col != p->tp_col && col_has_room(c)) {
        switch (c->ty.kind) {
        case TY_STRING:
            if (v->type == JV_STRING && v->plain)
                return col_put_str(c, v->s, v->n);
            break;
        case TY_INT64:
            if (v->type == JV_NUMBER && v->num.exp10 == 0 &&
                v->num.mant <= (uint64_t)INT64_MAX) {
                int64_t x = v->num.neg ? -(int64_t)v->num.mant : (int64_t)v->num.mant;
                col_put_fixed(c, &x, 8);
                return 0;
            }
            break;
        case TY_FLOAT64:
            if (v->type == JV_NUMBER && v->num.mant <= (1ULL << 53) && v->num.exp10 >= -22 &&
                v->num.exp10 <= 0 && FLT_EVAL_METHOD == 0) {
                double d = (double)v->num.mant / pow10_dbl[-v->num.exp10];
                d = v->num.neg ? -d : d;
                col_put_fixed(c, &d, 8);
                return 0;
            }
            break;
        case TY_BOOL:
            if (v->type == JV_TRUE || v->type == JV_FALSE) {
                uint8_t x = v->type == JV_TRUE;
                col_put_fixed(c, &x, 1);
                return 0;
            }
            break;
        case TY_DATETIME64:
            if (v->type == JV_STRING)
                return conv_time(p, col, c, v);
            break;
        }
    }
    return fmt_json_convert(p, col, v, b, start, tp_null);
}

/* A flat object of scalars straight into the row, or SCAN_LEAVE (some
 * values may be in the block then: the caller rolls back). */
static int scan_row(struct fmt_json_in *p, const char *l, size_t n, int64_t now_ms,
                    struct blk *b, uint32_t start)
{
    uint32_t named = 0; /* columns but _tp_time given a value */
    int tp_null = 0;
    size_t i = skip_ws(l, 0, n);
    if (n > INT_MAX / 2 || i == n || l[i] != '{')
        return SCAN_LEAVE;
    p->hint = 0;
    i = skip_ws(l, i + 1, n);
    if (i < n && l[i] == '}')
        goto end;
    for (;;) {
        struct jval v;
        int col;
        size_t k1;
        if (i >= n || l[i] != '"' || scan_key(p, l, i + 1, n, &col, &k1))
            return SCAN_LEAVE;
        i = k1 + 1;
        if (i < n && l[i] == ':') { /* the compact case */
            i++;
        } else {
            i = skip_ws(l, i, n);
            if (i >= n || l[i] != ':')
                return SCAN_LEAVE;
            i++;
        }
        i = skip_ws(l, i, n);
        if (i >= n || (i = scan_value(l, i, n, &v)) == 0)
            return SCAN_LEAVE;
        if (col >= 0) {
            if (put_value(p, col, &v, b, start, &tp_null))
                return SCAN_LEAVE;
            named += col != p->tp_col;
        } else if (v.type == JV_STRING && !v.plain) { /* unknown field: still checked */
            const char *o;
            size_t on;
            if (fmt_json_str_decode(p, v.s, v.n, &o, &on))
                return SCAN_LEAVE;
        }
        if (i < n && l[i] == ',') { /* the compact case */
            i++;
            continue;
        }
        i = skip_ws(l, i, n);
        if (i >= n)
            return SCAN_LEAVE;
        if (l[i] == '}')
            break;
        if (l[i] != ',')
            return SCAN_LEAVE;
        i = skip_ws(l, i + 1, n);
    }
end:
    if (skip_ws(l, i + 1, n) != n)
        return SCAN_LEAVE;
    if (named + (p->tp_col >= 0) == p->ncols) /* nothing missing but _tp_time */
        return tp_default(p, b, start, now_ms) ? SCAN_LEAVE : 0;
    return fmt_json_fill_defaults(p, b, start, now_ms) ? SCAN_LEAVE : 0;
}

/* ---- rows ------------------------------------------------------------- */

static void roll_back(struct blk *b, uint32_t start)
{
    for (uint32_t i = 0; i < b->ncols; i++)
        col_truncate(&b->cols[i], start);
}

int fmt_json_in_row(struct fmt_json_in *p, const char *line, size_t n, int64_t now_ms,
                    struct blk *b, char *why, size_t why_len)
{
    p->why = why;
    p->why_len = why_len;
    p->line = line;
    if (why && why_len)
        why[0] = '\0';
    if (b->ncols != p->ncols)
        return -EINVAL;
    if (n && line[n - 1] == '\r')
        n--;
    uint32_t start = b->cols[0].n;
    if (scan_row(p, line, n, now_ms, b, start) == 0) {
        b->nrows = start + 1;
        return 0;
    }
    roll_back(b, start);
    if (why && why_len)
        why[0] = '\0';
    int rc = fmt_json_walk_row(p, n, now_ms, b, start);
    if (rc) {
        roll_back(b, start);
        return rc;
    }
    b->nrows = start + 1;
    return 0;
}

int fmt_raw_in_row(const char *line, size_t n, int64_t now_ms, struct blk *b)
{
    if (b->ncols < 2 || b->cols[0].ty.kind != TY_STRING)
        return -EINVAL;
    uint32_t start = b->cols[0].n, last = b->ncols - 1;
    int rc = col_push_str(&b->cols[0], line, n);
    for (uint32_t i = 1; i < last && !rc; i++)
        rc = col_push_null(&b->cols[i]);
    if (!rc)
        rc = col_push_fixed(&b->cols[last], &now_ms);
    if (rc) {
        roll_back(b, start);
        return rc;
    }
    b->nrows = start + 1;
    return 0;
}

/* ---- columns by name -------------------------------------------------- */

/* Key bytes equal to column c's name (names are short: no memcmp call). */
static int name_is(const struct fmt_json_in *p, uint32_t c, const char *k, size_t n)
{
    const char *name = p->s->cols[c].name;
    if (p->name_len[c] != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] != k[i])
            return 0;
    return 1;
}

int fmt_json_col_hint(struct fmt_json_in *p, const char *k, size_t n)
{
    uint32_t h = p->hint;
    if (h < p->ncols && name_is(p, h, k, n)) {
        p->hint = h + 1;
        return (int)h;
    }
    return -1;
}

static uint32_t name_hash(const char *k, size_t n)
{
    uint32_t x = 2166136261u;
    for (size_t i = 0; i < n; i++)
        x = (x ^ (unsigned char)k[i]) * 16777619u;
    return x;
}

int fmt_json_col_lookup(struct fmt_json_in *p, const char *k, size_t n)
{
    for (uint32_t x = name_hash(k, n) & p->hash_mask;; x = (x + 1) & p->hash_mask) {
        int32_t e = p->hash[x];
        if (e < 0)
            return -1;
        if (name_is(p, (uint32_t)e, k, n)) {
            p->hint = (uint32_t)e + 1;
            return e;
        }
    }
}

/* ---- lifetime --------------------------------------------------------- */

/* The scanner's word compare for a column name of printable ASCII (any
 * other name never matches it: the scanner then scans the key). */
static void build_key(struct fmt_json_key *k, const char *name, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (name[i] < 0x20 || name[i] >= 0x7f || name[i] == '"' || name[i] == '\\') {
            memset(k, 0, sizeof *k);
            return;
        }
    }
    set_key(k, name, n);
}

static int build_index(struct fmt_json_in *p)
{
    uint32_t size = 16;
    while (size < 2 * p->ncols)
        size *= 2;
    p->hash = malloc(size * sizeof *p->hash);
    p->name_len = malloc(p->ncols);
    p->key = malloc(p->ncols * sizeof *p->key);
    p->miss = calloc(p->ncols + 1, sizeof *p->miss);
    if (!p->hash || !p->name_len || !p->key || !p->miss)
        return -ENOMEM;
    p->hash_mask = size - 1;
    memset(p->hash, 0xff, size * sizeof *p->hash);
    for (uint32_t c = 0; c < p->ncols; c++) {
        const char *name = p->s->cols[c].name;
        size_t n = strnlen(name, SCH_MAX_NAME);
        uint32_t x;
        p->name_len[c] = (uint8_t)n;
        build_key(&p->key[c], name, n);
        for (x = name_hash(name, n) & p->hash_mask; p->hash[x] >= 0; x = (x + 1) & p->hash_mask)
            ;
        p->hash[x] = (int32_t)c;
        if (strcmp(name, "_tp_time") == 0)
            p->tp_col = (int)c;
    }
    return 0;
}

int fmt_json_in_create(const struct schema *s, struct fmt_json_in **out)
{
    struct fmt_json_in *p = NULL;
    int rc = -EINVAL;
    if (!s || s->ncols == 0 || s->ncols > SCH_MAX_COLS)
        goto fail;
    rc = -ENOMEM;
    if (!(p = calloc(1, sizeof *p)))
        goto fail;
    p->s = s;
    p->ncols = s->ncols;
    p->tp_col = -1;
    p->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (!p->c_locale || (rc = fmt_json_walk_create(p)) || (rc = build_index(p)))
        goto fail;
    p->time_col = s->time_col >= 0 && (uint32_t)s->time_col < s->ncols &&
                          s->time_col != p->tp_col
                      ? s->time_col
                      : -1;
    *out = p;
    return 0;
fail:
    fmt_json_in_destroy(p);
    return rc;
}

void fmt_json_in_destroy(struct fmt_json_in *p)
{
    if (!p)
        return;
    if (p->c_locale)
        freelocale(p->c_locale);
    fmt_json_walk_destroy(p);
    buf_free(&p->scratch);
    free(p->hash);
    free(p->name_len);
    free(p->key);
    free(p->miss);
    free(p);
}
