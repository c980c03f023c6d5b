/*
 * json_in.c — one JSON line into one block row (format/json_in.h).
 *
 * This is the ingest hot path: millions of ~100-byte rows per second per
 * core. jsmn (header-only; this is the one file that compiles its body)
 * splits the line into tokens in a reused array; no allocation per row.
 *
 * jsmn is lax even in strict mode: it does not check the commas and colons
 * between tokens, the spelling of numbers and literals, control characters
 * or UTF-8 in strings, or surrogate escapes, and on some bad input its
 * parent/size links come out odd (`{"a":1 "b":2}` makes "b" a child of "a").
 * So the walk over the tokens checks the bytes between each pair of tokens
 * (whitespace and exactly the separator the grammar wants there) and every
 * scalar (as it is converted, or skipped for unknown fields and nested
 * values). Every byte of the line is then either inside a checked token or
 * in a checked gap, so a line that passes is valid JSON whatever jsmn's
 * links said; odd links only make some gap fail, at the culprit's byte.
 * Only the top-level object's fields touch columns; nested containers are
 * walked iteratively (no recursion, so deep nesting cannot blow the stack).
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
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "format/json_in.h"

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/datetime.h"
#include "util/buf.h"
#include "util/err.h"

struct fmt_json_in {
    const struct schema *s;
    uint32_t ncols;
    int tp_col;          /* _tp_time, or -1 */
    int time_col;        /* event_time_column, or -1 */
    uint8_t *name_len;   /* per column */
    int32_t *hash;       /* open addressing over names: column index or -1 */
    uint32_t hash_mask;
    jsmntok_t *tok;
    uint32_t *stack;     /* (token, children seen) pairs for nested walks */
    unsigned tok_cap;
    uint32_t hint;       /* the column the next field probably names */
    int at;              /* walk cursor: the next token */
    size_t pos;          /* walk cursor: the byte after the last token */
    struct buf scratch;  /* unescaped strings, compact JSON, strtod copies */
    locale_t c_locale;
    /* The row in progress (for error positions and reasons). */
    const char *line;
    char *why;
    size_t why_len;
};

/* Numbers: |value| = mant * 10^exp10 + a tail below mant's last digit,
 * nonzero when sticky. Once mant is full (the next digit would overflow),
 * digits are dropped; the first dropped digit weighs 10^(exp10 - 1). */
struct num {
    uint64_t mant;
    int64_t exp10;
    uint8_t neg;
    uint8_t sticky; /* nonzero digits were dropped */
    uint8_t full;   /* mant has stopped taking digits */
};

enum { NUM_OK = 0, NUM_RANGE = 1, NUM_NOT_INT = 2 };

/* Deepest nesting accepted. jsmn closes a bracket by walking up from the
 * newest token, which costs up to the depth: this bounds a line's work. */
#define MAX_DEPTH 128

/* 0000-01-01 00:00:00 and 9999-12-31 23:59:59, the range text can carry. */
#define DT_MIN_SECS (-62167219200LL)
#define DT_MAX_SECS 253402300799LL

enum { PRIM_BAD, PRIM_TRUE, PRIM_FALSE, PRIM_NULL, PRIM_NUMBER };

static const double pow10_dbl[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
static const float pow10_flt[11] = {
    1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f,
};

/* ---- errors ---------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int fail(struct fmt_json_in *p, const char *fmt, ...)
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

static int bad_json(struct fmt_json_in *p, const char *at)
{
    return fail(p, "invalid JSON at byte %zu", (size_t)(at - p->line) + 1);
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

static int wrong_type(struct fmt_json_in *p, int col, const jsmntok_t *v)
{
    char tn[TY_MAX_NAME];
    struct ty t = p->s->cols[col].ty;
    t.nullable = 0;
    ty_name(t, tn);
    const char *got = v->type == JSMN_STRING   ? "a string"
                      : v->type == JSMN_OBJECT ? "an object"
                      : v->type == JSMN_ARRAY  ? "an array"
                      : p->line[v->start] == 't' || p->line[v->start] == 'f' ? "a bool"
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
        return fail(p, "invalid escape in string at byte %zu", at);
    if (c < 0x20)
        return fail(p, "control character in string at byte %zu", at);
    return fail(p, "invalid UTF-8 in string at byte %zu", at);
}

/* The unescaped string from the slow path: u[i] is the first backslash. */
static int decode_rest(struct fmt_json_in *p, const char *s, size_t n, size_t i,
                       const char **out, size_t *out_n)
{
    const unsigned char *u = (const unsigned char *)s;
    buf_reset(&p->scratch);
    int rc = buf_reserve(&p->scratch, n); /* unescaping never lengthens */
    if (rc)
        return rc;
    char *base = p->scratch.data, *o = base + i;
    memcpy(base, s, i);
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
        if (!used)
            return bad_string_byte(p, s + i);
        i += used;
    }
    *out = base;
    *out_n = (size_t)(o - base);
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

/* Validate a string token's body; *out is s itself when it holds no escape
 * (the common case, no copy), else the unescaped text in scratch. */
static int str_decode(struct fmt_json_in *p, const char *s, size_t n, const char **out,
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

static int tok_str(struct fmt_json_in *p, const jsmntok_t *t, const char **out, size_t *out_n)
{
    return str_decode(p, p->line + t->start, (size_t)(t->end - t->start), out, out_n);
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
static int scan_number(const char *s, size_t n, struct num *x)
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

static int classify(const char *s, size_t n)
{
    if (s[0] == 't')
        return n == 4 && memcmp(s, "true", 4) == 0 ? PRIM_TRUE : PRIM_BAD;
    if (s[0] == 'f')
        return n == 5 && memcmp(s, "false", 5) == 0 ? PRIM_FALSE : PRIM_BAD;
    if (s[0] == 'n')
        return n == 4 && memcmp(s, "null", 4) == 0 ? PRIM_NULL : PRIM_BAD;
    return PRIM_NUMBER; /* checked by scan_number */
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

static int push_int(struct col *c, int neg, uint64_t mag)
{
    union { int8_t i8; int16_t i16; int32_t i32; int64_t i64;
            uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; } v;
    int64_t sv = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    switch (c->ty.kind) {
    case TY_INT8: v.i8 = (int8_t)sv; break;
    case TY_INT16: v.i16 = (int16_t)sv; break;
    case TY_INT32: v.i32 = (int32_t)sv; break;
    case TY_INT64: v.i64 = sv; break;
    case TY_UINT8: v.u8 = (uint8_t)mag; break;
    case TY_UINT16: v.u16 = (uint16_t)mag; break;
    case TY_UINT32: v.u32 = (uint32_t)mag; break;
    default: v.u64 = mag; break;
    }
    return col_push_fixed(c, &v);
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

static int conv_int(struct fmt_json_in *p, int col, struct col *c, const jsmntok_t *v)
{
    const char *s = p->line + v->start;
    size_t n = (size_t)(v->end - v->start);
    char tn[TY_MAX_NAME], sn[48];
    if (v->type != JSMN_PRIMITIVE)
        return wrong_type(p, col, v);
    int k = classify(s, n);
    if (k == PRIM_TRUE || k == PRIM_FALSE) /* ClickHouse reads bools as 1/0 */
        return push_int(c, 0, k == PRIM_TRUE);
    struct num x;
    uint64_t mag;
    if (k != PRIM_NUMBER || scan_number(s, n, &x))
        return bad_json(p, s);
    int r = num_to_int(&x, &mag);
    if (r == NUM_OK && !int_fits(c->ty.kind, x.neg, mag))
        r = NUM_RANGE;
    if (r == NUM_OK)
        return push_int(c, x.neg, mag);
    struct ty t = c->ty;
    t.nullable = 0;
    ty_name(t, tn);
    if (r == NUM_RANGE)
        return fail_field(p, col, "number %s out of range for %s", snip(s, n, sn), tn);
    return fail_field(p, col, "number %s is not an integer (%s)", snip(s, n, sn), tn);
}

static int conv_bool(struct fmt_json_in *p, int col, struct col *c, const jsmntok_t *v)
{
    const char *s = p->line + v->start;
    size_t n = (size_t)(v->end - v->start);
    char sn[48];
    if (v->type != JSMN_PRIMITIVE)
        return wrong_type(p, col, v);
    int k = classify(s, n);
    uint8_t b = k == PRIM_TRUE;
    if (k == PRIM_NUMBER) {
        struct num x;
        uint64_t mag = 2;
        if (scan_number(s, n, &x))
            return bad_json(p, s);
        if (num_to_int(&x, &mag) != NUM_OK || mag > 1 || (x.neg && mag))
            return fail_field(p, col, "number %s is not a bool (0 or 1)", snip(s, n, sn));
        b = (uint8_t)mag;
    } else if (k != PRIM_TRUE && k != PRIM_FALSE) {
        return bad_json(p, s);
    }
    return col_push_fixed(c, &b);
}

static int conv_float(struct fmt_json_in *p, int col, struct col *c, const jsmntok_t *v)
{
    const char *s = p->line + v->start;
    size_t n = (size_t)(v->end - v->start);
    char sn[48];
    if (v->type != JSMN_PRIMITIVE)
        return wrong_type(p, col, v);
    int k = classify(s, n), rc;
    struct num x;
    if (k == PRIM_TRUE || k == PRIM_FALSE) {
        memset(&x, 0, sizeof x);
        x.mant = k == PRIM_TRUE;
    } else if (k != PRIM_NUMBER || scan_number(s, n, &x)) {
        return bad_json(p, s);
    }
    if (c->ty.kind == TY_FLOAT32) {
        float f;
        if ((rc = num_to_float(p, &x, s, n, &f)))
            return rc;
        if (isinf(f))
            return fail_field(p, col, "number %s out of range for float32", snip(s, n, sn));
        return col_push_fixed(c, &f);
    }
    double d;
    if ((rc = num_to_double(p, &x, s, n, &d)))
        return rc;
    if (isinf(d))
        return fail_field(p, col, "number %s out of range for float64", snip(s, n, sn));
    return col_push_fixed(c, &d);
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

static int conv_string(struct fmt_json_in *p, int col, struct col *c, const jsmntok_t *v)
{
    const char *s = p->line + v->start, *out;
    size_t n = (size_t)(v->end - v->start), out_n;
    struct num x;
    int rc;
    switch (v->type) {
    case JSMN_STRING:
        if ((rc = tok_str(p, v, &out, &out_n)))
            return rc;
        return col_push_str(c, out, out_n);
    case JSMN_OBJECT:
    case JSMN_ARRAY: /* already validated by the walk */
        if ((rc = compact(p, s, n)))
            return rc;
        return col_push_str(c, p->scratch.data, p->scratch.len);
    default: /* numbers and bools as their text, as ClickHouse reads them */
        rc = classify(s, n);
        if (rc == PRIM_BAD || (rc == PRIM_NUMBER && scan_number(s, n, &x)))
            return bad_json(p, s);
        return col_push_str(c, s, n);
    }
}

static int time_range_error(struct fmt_json_in *p, int col, const char *s, size_t n)
{
    char sn[48];
    return fail_field(p, col, "datetime %s out of range", snip(s, n, sn));
}

/* datetime (uint32 seconds) and datetime64(p) (int64 ticks). */
static int conv_time(struct fmt_json_in *p, int col, struct col *c, const jsmntok_t *v)
{
    const char *s = p->line + v->start, *t;
    size_t n = (size_t)(v->end - v->start), tn;
    int prec = c->ty.kind == TY_DATETIME ? 0 : c->ty.prec, rc;
    int64_t ticks;
    char sn[48];
    if (v->type == JSMN_STRING) {
        if ((rc = tok_str(p, v, &t, &tn)))
            return rc;
        if (dt_parse(t, tn, prec, &ticks))
            return fail_field(p, col, "cannot parse datetime '%s'", snip(t, tn, sn));
    } else if (v->type == JSMN_PRIMITIVE && classify(s, n) == PRIM_NUMBER) {
        struct num x;
        if (scan_number(s, n, &x))
            return bad_json(p, s);
        if (num_to_ticks(&x, prec, &ticks))
            return time_range_error(p, col, s, n);
    } else {
        return wrong_type(p, col, v);
    }
    int64_t secs = dt_rescale(ticks, prec, 0);
    if (secs < DT_MIN_SECS || secs > DT_MAX_SECS) /* what the text form can show */
        return time_range_error(p, col, s, n);
    if (c->ty.kind == TY_DATETIME) {
        if (ticks < 0 || ticks > (int64_t)UINT32_MAX)
            return time_range_error(p, col, s, n);
        uint32_t v32 = (uint32_t)ticks;
        return col_push_fixed(c, &v32);
    }
    return col_push_fixed(c, &ticks);
}

/* One top-level field's value into column col (row start of b). */
static int convert(struct fmt_json_in *p, int col, const jsmntok_t *v, struct blk *b,
                   uint32_t start, int *tp_null)
{
    struct col *c = &b->cols[col];
    const char *s = p->line + v->start;
    if (c->n != start || (col == p->tp_col && *tp_null))
        return fail(p, "duplicate field '%s'", p->s->cols[col].name);
    int k = v->type == JSMN_PRIMITIVE ? classify(s, (size_t)(v->end - v->start)) : -1;
    if (k == PRIM_BAD)
        return bad_json(p, s);
    if (k == PRIM_NULL) {
        if (col == p->tp_col) { /* null _tp_time: taken as if missing */
            *tp_null = 1;
            return 0;
        }
        return col_push_null(c);
    }
    switch (c->ty.kind) {
    case TY_BOOL: return conv_bool(p, col, c, v);
    case TY_FLOAT32:
    case TY_FLOAT64: return conv_float(p, col, c, v);
    case TY_STRING: return conv_string(p, col, c, v);
    case TY_DATETIME:
    case TY_DATETIME64: return conv_time(p, col, c, v);
    default:
        if (ty_is_int(c->ty))
            return conv_int(p, col, c, v);
        return -EINVAL;
    }
}

/* ---- structure -------------------------------------------------------- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where a token's text begins and ends, quotes included. */
static size_t tok_begin(const jsmntok_t *t)
{
    return (size_t)t->start - (t->type == JSMN_STRING);
}
static size_t tok_end(const jsmntok_t *t)
{
    return (size_t)t->end + (t->type == JSMN_STRING);
}

/* The bytes [from, to) must be whitespace around exactly one sep (or none
 * when sep is 0): this is what jsmn does not check. */
static int gap(struct fmt_json_in *p, size_t from, size_t to, char sep)
{
    const char *l = p->line;
    size_t i = from;
    if (to - from == (sep != 0) && (!sep || l[from] == sep))
        return 0; /* the usual compact case: just the separator */
    if (from > to)
        return bad_json(p, l + to);
    while (i < to && is_ws(l[i]))
        i++;
    if (sep) {
        if (i == to || l[i] != sep)
            return bad_json(p, l + i);
        for (i++; i < to && is_ws(l[i]);)
            i++;
    }
    return i == to ? 0 : bad_json(p, l + i);
}

/* A scalar that no column takes: still has to be valid JSON. */
static int check_scalar(struct fmt_json_in *p, const jsmntok_t *t)
{
    const char *s = p->line + t->start, *out;
    size_t n = (size_t)(t->end - t->start), out_n;
    struct num x;
    if (t->type == JSMN_STRING)
        return str_decode(p, s, n, &out, &out_n);
    int k = classify(s, n);
    if (k == PRIM_BAD || (k == PRIM_NUMBER && scan_number(s, n, &x)))
        return bad_json(p, s);
    return 0;
}

static int too_deep(struct fmt_json_in *p)
{
    return fail(p, "JSON nested deeper than %d levels", MAX_DEPTH);
}

/* Before jsmn sees a long line: nesting within MAX_DEPTH (see there). */
static int check_depth(struct fmt_json_in *p, const char *l, size_t n)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = l[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > MAX_DEPTH)
                return too_deep(p);
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

/* Walk the container at token p->at to its end, checking everything; the
 * cursor ends on the token after it and the byte after its closing bracket. */
static int check_tree(struct fmt_json_in *p, int ntok)
{
    const jsmntok_t *t = p->tok;
    uint32_t *st = p->stack, depth = 1;
    size_t pos = (size_t)t[p->at].start + 1;
    int j = p->at + 1, rc;
    st[0] = (uint32_t)p->at, st[1] = 0;
    while (depth) {
        uint32_t *f = &st[2 * (depth - 1)];
        const jsmntok_t *c = &t[f[0]];
        int obj = c->type == JSMN_OBJECT;
        if (f[1] == (obj ? 2u : 1u) * (uint32_t)c->size) {
            if ((rc = gap(p, pos, (size_t)c->end - 1, 0)))
                return rc;
            pos = (size_t)c->end;
            depth--;
            continue;
        }
        if (j >= ntok)
            return bad_json(p, p->line + pos);
        const jsmntok_t *v = &t[j];
        int key = obj && f[1] % 2 == 0;
        char sep = f[1] == 0 ? 0 : obj && !key ? ':' : ',';
        if ((rc = gap(p, pos, tok_begin(v), sep)))
            return rc;
        f[1]++;
        if (v->type == JSMN_OBJECT || v->type == JSMN_ARRAY) {
            if (key)
                return bad_json(p, p->line + v->start);
            if (depth + 1 >= MAX_DEPTH) /* the row itself is one level */
                return too_deep(p);
            st[2 * depth] = (uint32_t)j, st[2 * depth + 1] = 0;
            depth++;
            pos = (size_t)v->start + 1;
        } else {
            if (key && v->type != JSMN_STRING)
                return bad_json(p, p->line + v->start);
            if ((rc = check_scalar(p, v)))
                return rc;
            pos = tok_end(v);
        }
        j++;
    }
    p->at = j;
    p->pos = pos;
    return 0;
}

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

/* Column named by the key token, or -1; the next expected column first. */
static int find_col(struct fmt_json_in *p, const jsmntok_t *key, int *col)
{
    const char *k = p->line + key->start;
    size_t n = (size_t)(key->end - key->start);
    uint32_t h = p->hint;
    if (h < p->ncols && name_is(p, h, k, n)) {
        p->hint = h + 1;
        *col = (int)h;
        return 0;
    }
    int escaped = memchr(k, '\\', n) != NULL, rc;
    if (escaped && (rc = str_decode(p, k, n, &k, &n)))
        return rc;
    uint32_t x = 2166136261u;
    for (size_t i = 0; i < n; i++)
        x = (x ^ (unsigned char)k[i]) * 16777619u;
    for (x &= p->hash_mask;; x = (x + 1) & p->hash_mask) {
        int32_t e = p->hash[x];
        if (e < 0)
            break;
        if (name_is(p, (uint32_t)e, k, n)) {
            p->hint = (uint32_t)e + 1;
            *col = e;
            return 0;
        }
    }
    *col = -1; /* unknown: ignored, but it must still be a valid string */
    return escaped ? 0 : str_decode(p, k, n, &k, &n);
}

/* One key:value pair of the top-level object, at the cursor. */
static int field(struct fmt_json_in *p, int ntok, int first, struct blk *b, uint32_t start,
                 int *tp_null)
{
    int col = -1, rc;
    if (p->at + 1 >= ntok)
        return bad_json(p, p->line + p->pos);
    const jsmntok_t *key = &p->tok[p->at], *v = key + 1;
    if (key->type != JSMN_STRING)
        return bad_json(p, p->line + key->start);
    if ((rc = gap(p, p->pos, tok_begin(key), first ? 0 : ',')) ||
        (rc = gap(p, tok_end(key), tok_begin(v), ':')) || (rc = find_col(p, key, &col)))
        return rc;
    p->at++;
    if (v->type == JSMN_OBJECT || v->type == JSMN_ARRAY) {
        rc = check_tree(p, ntok);
    } else {
        p->at++;
        p->pos = tok_end(v);
        rc = col < 0 ? check_scalar(p, v) : 0;
    }
    if (!rc && col >= 0)
        rc = convert(p, col, v, b, start, tp_null);
    return rc;
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

static int fill_defaults(struct fmt_json_in *p, struct blk *b, uint32_t start, int64_t now_ms)
{
    /* a row without its event-time field happened now, not at the epoch */
    int time_missing = p->time_col >= 0 && b->cols[p->time_col].n == start;
    int rc = 0;
    for (uint32_t i = 0; i < p->ncols && !rc; i++)
        if ((int)i != p->tp_col && b->cols[i].n == start)
            rc = col_push_null(&b->cols[i]);
    if (!rc && p->tp_col >= 0 && b->cols[p->tp_col].n == start) {
        int64_t ms = time_missing ? now_ms : event_ms(p, b, start, now_ms);
        rc = col_push_fixed(&b->cols[p->tp_col], &ms);
    }
    return rc;
}

static int fill_row(struct fmt_json_in *p, size_t n, int ntok, int64_t now_ms, struct blk *b,
                    uint32_t start)
{
    const jsmntok_t *root = &p->tok[0];
    int tp_null = 0, rc;
    p->hint = 0;
    p->at = 1;
    p->pos = (size_t)root->start + 1;
    for (int k = 0; k < root->size; k++)
        if ((rc = field(p, ntok, k == 0, b, start, &tp_null)))
            return rc;
    if ((rc = gap(p, p->pos, (size_t)root->end - 1, 0)))
        return rc;
    size_t pos = (size_t)root->end;
    while (pos < n && is_ws(p->line[pos]))
        pos++;
    if (pos < n || p->at != ntok)
        return fail(p, "trailing characters after the JSON object at byte %zu", pos + 1);
    return fill_defaults(p, b, start, now_ms);
}

/* ---- tokenizing ------------------------------------------------------- */

static int grow_tokens(struct fmt_json_in *p)
{
    unsigned cap = p->tok_cap * 2;
    jsmntok_t *t = realloc(p->tok, cap * sizeof *t);
    if (!t)
        return -ENOMEM;
    p->tok = t;
    uint32_t *st = realloc(p->stack, 2 * (size_t)cap * sizeof *st);
    if (!st)
        return -ENOMEM;
    p->stack = st;
    p->tok_cap = cap;
    return 0;
}

/* Tokens of the line into p->tok; returns their count or an error. */
static int tokenize(struct fmt_json_in *p, const char *line, size_t n)
{
    size_t i = 0;
    const char *nul = memchr(line, '\0', n);
    if (nul)
        return fail(p, "NUL byte at byte %zu", (size_t)(nul - line) + 1);
    if (n > INT_MAX / 2)
        return fail(p, "line too long (%zu bytes)", n);
    while (i < n && is_ws(line[i]))
        i++;
    if (i == n)
        return fail(p, "expected a JSON object, got an empty line");
    if (line[i] != '{')
        return fail(p, "expected a JSON object");
    int rc = n > 512 ? check_depth(p, line, n) : 0; /* short lines are cheap anyway */
    if (rc)
        return rc;
    for (;;) {
        jsmn_parser jp;
        jsmn_init(&jp);
        int r = jsmn_parse(&jp, line, n, p->tok, p->tok_cap);
        if (r > 0)
            return r;
        if (r == JSMN_ERROR_NOMEM) {
            if ((r = grow_tokens(p)))
                return r;
            continue;
        }
        if (r == JSMN_ERROR_PART)
            return fail(p, "truncated JSON: the line ends inside a value");
        return fail(p, "invalid JSON at byte %u", jp.pos + 1);
    }
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
    int ntok = tokenize(p, line, n);
    int rc = ntok < 0 ? ntok : fill_row(p, n, ntok, now_ms, b, start);
    if (rc) {
        for (uint32_t i = 0; i < b->ncols; i++)
            col_truncate(&b->cols[i], start);
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
        for (uint32_t i = 0; i < b->ncols; i++)
            col_truncate(&b->cols[i], start);
        return rc;
    }
    b->nrows = start + 1;
    return 0;
}

/* ---- lifetime --------------------------------------------------------- */

static int build_index(struct fmt_json_in *p)
{
    uint32_t size = 16;
    while (size < 2 * p->ncols)
        size *= 2;
    p->hash = malloc(size * sizeof *p->hash);
    p->name_len = malloc(p->ncols);
    if (!p->hash || !p->name_len)
        return -ENOMEM;
    p->hash_mask = size - 1;
    memset(p->hash, 0xff, size * sizeof *p->hash);
    for (uint32_t c = 0; c < p->ncols; c++) {
        const char *name = p->s->cols[c].name;
        size_t n = strnlen(name, SCH_MAX_NAME);
        uint32_t x = 2166136261u;
        p->name_len[c] = (uint8_t)n;
        for (size_t i = 0; i < n; i++)
            x = (x ^ (unsigned char)name[i]) * 16777619u;
        for (x &= p->hash_mask; p->hash[x] >= 0; x = (x + 1) & p->hash_mask)
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
    p->tok_cap = 32;
    p->tok = malloc(p->tok_cap * sizeof *p->tok);
    p->stack = malloc(2 * (size_t)p->tok_cap * sizeof *p->stack);
    p->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (!p->tok || !p->stack || !p->c_locale || (rc = build_index(p)))
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
    buf_free(&p->scratch);
    free(p->tok);
    free(p->stack);
    free(p->hash);
    free(p->name_len);
    free(p);
}
