/*
 * func_str.c — string functions: length, length_utf8, empty, not_empty,
 * lower, upper, reverse, concat, substring (substr), left, right, trim,
 * ltrim, rtrim, starts_with, ends_with, position, replace_all (replace),
 * replace_one.
 *
 * ClickHouse's byte semantics: lengths, offsets and positions count bytes
 * (length_utf8 counts code points); substring is 1-based, a negative offset
 * counts from the end, offset 0 gives '', a negative length stops that many
 * bytes before the end; lower and upper change ASCII letters only; trim
 * removes spaces. Arguments that should be strings and are not (concat's,
 * for one) are converted by to_string's rules first.
 *
 * Kernels reserve the result's bytes once from the input sizes where the
 * result cannot be longer, then append with col_put_str; each is one
 * loop over the rows.
 */
#include <stdlib.h>
#include <string.h>

#include "func_impl.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

/* ---- binding ------------------------------------------------------------ */

static int want_string(struct fn_bind *b, const char *name, uint32_t i)
{
    return fn_want_strings(b, name, i, 1);
}

static int want_int(struct fn_bind *b, const char *name, uint32_t i)
{
    struct ty t = b->arg_ty[i];
    if (!ty_is_int(t))
        return fn_bad_arg(b, name, i, "an integer");
    b->cast_to[i] = fn_ty(TY_INT64);
    return 0;
}

/* Every argument a string; ret and kernel as given. */
static int bind_strings(struct fn_bind *b, const char *name, struct ty ret, fn_kernel k)
{
    int rc = fn_want_strings(b, name, 0, b->nargs);
    if (rc)
        return rc;
    b->ret = ret;
    b->kernel = k;
    return 0;
}

/* ---- lengths and emptiness ----------------------------------------------- */

static int k_length(KERNEL_ARGS)
{
    const uint32_t *off = col_offsets(args[0]);
    uint64_t *o = out->data;
    for (uint32_t i = 0; i < n; i++)
        o[i] = off[i + 1] - off[i];
    fn_fixed_done(out, n);
    return 0;
}

static int k_length_utf8(KERNEL_ARGS)
{
    uint64_t *o = out->data;
    for (uint32_t i = 0; i < n; i++) {
        size_t len, cnt = 0;
        const unsigned char *s = (const unsigned char *)col_str(args[0], i, &len);
        for (size_t j = 0; j < len; j++)
            cnt += (s[j] & 0xC0) != 0x80;
        o[i] = cnt;
    }
    fn_fixed_done(out, n);
    return 0;
}

static int k_empty(KERNEL_ARGS)
{
    const uint32_t *off = col_offsets(args[0]);
    uint8_t *o = out->data, want = b->state != NULL; /* not_empty */
    for (uint32_t i = 0; i < n; i++)
        o[i] = (off[i + 1] != off[i]) == want;
    fn_fixed_done(out, n);
    return 0;
}

static const int not_marker = 1;

/* length, empty, not_empty: of a string (bytes) or an array (elements);
 * both are offsets. */
static int bind_len_like(struct fn_bind *b, const char *name, struct ty ret, fn_kernel k)
{
    if (b->arg_ty[0].kind != TY_ARRAY)
        return bind_strings(b, name, ret, k);
    b->ret = ret;
    b->kernel = k;
    return 0;
}

static int bind_length(struct fn_bind *b)
{
    return bind_len_like(b, "length", fn_ty(TY_UINT64), k_length);
}
static int bind_length_utf8(struct fn_bind *b)
{
    return bind_strings(b, "length_utf8", fn_ty(TY_UINT64), k_length_utf8);
}
static int bind_empty(struct fn_bind *b)
{
    return bind_len_like(b, "empty", fn_ty(TY_UINT8), k_empty);
}
static int bind_not_empty(struct fn_bind *b)
{
    b->state = (void *)&not_marker;
    return bind_len_like(b, "not_empty", fn_ty(TY_UINT8), k_empty);
}

/* ---- byte maps: lower, upper, reverse ------------------------------------ */

/* The result has the input's offsets: copy them, map the bytes. */
static int same_shape(const struct col *in, uint32_t n, struct col *out, char **dst,
                      const char **src)
{
    const uint32_t *off = col_offsets(in);
    size_t total = off[n] - off[0];
    int rc = col_reserve_chars(out, total);
    if (rc)
        return rc;
    uint32_t *oo = out->data;
    for (uint32_t i = 0; i <= n; i++)
        oo[i] = off[i] - off[0];
    *dst = out->chars;
    *src = in->chars ? in->chars + off[0] : "";
    out->chars_len = total;
    out->n = n;
    if (out->nulls)
        memset(out->nulls, 0, n);
    return 0;
}

static int k_case(KERNEL_ARGS)
{
    char *d;
    const char *s;
    int rc = same_shape(args[0], n, out, &d, &s);
    if (rc)
        return rc;
    size_t total = out->chars_len;
    unsigned char lo = b->state ? 'a' : 'A', delta = 'a' - 'A';
    for (size_t j = 0; j < total; j++) {
        unsigned char c = (unsigned char)s[j];
        d[j] = (char)((unsigned char)(c - lo) < 26 ? c ^ delta : c);
    }
    return 0;
}

static int k_reverse(KERNEL_ARGS)
{
    char *d;
    const char *s;
    int rc = same_shape(args[0], n, out, &d, &s);
    if (rc)
        return rc;
    const uint32_t *oo = out->data;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t a = oo[i], z = oo[i + 1]; a < z; a++)
            d[a] = s[oo[i] + oo[i + 1] - 1 - a];
    return 0;
}

static const int upper_marker = 1;

static int bind_lower(struct fn_bind *b)
{
    return bind_strings(b, "lower", fn_ty(TY_STRING), k_case);
}
static int bind_upper(struct fn_bind *b)
{
    b->state = (void *)&upper_marker;
    return bind_strings(b, "upper", fn_ty(TY_STRING), k_case);
}
static int bind_reverse(struct fn_bind *b)
{
    return bind_strings(b, "reverse", fn_ty(TY_STRING), k_reverse);
}

/* ---- concat ------------------------------------------------------------ */

static int k_concat(KERNEL_ARGS)
{
    size_t total = 0;
    for (uint32_t k = 0; k < b->nargs; k++) {
        const uint32_t *off = col_offsets(args[k]);
        total += off[n] - off[0];
    }
    int rc = col_reserve_chars(out, total);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        for (uint32_t k = 0; k < b->nargs && rc == 0; k++) {
            size_t len;
            const char *s = col_str(args[k], i, &len);
            rc = col_str_append(out, s, len);
        }
        if (rc == 0)
            rc = col_str_end(out);
    }
    return rc;
}

static int bind_concat(struct fn_bind *b)
{
    for (uint32_t i = 0; i < b->nargs; i++) {
        if (b->arg_ty[i].kind != TY_STRING)
            b->cast_to[i] = fn_ty(TY_STRING); /* concat(1, 'a') = '1a' */
    }
    b->ret = fn_ty(TY_STRING);
    b->kernel = k_concat;
    return 0;
}

/* ---- substring, left, right ----------------------------------------------- */

/* Bytes [*from, *from + *len) of a string of n bytes per ClickHouse. */
static void sub_range(int64_t n, int64_t off, int has_len, int64_t len, int64_t *from,
                      int64_t *cnt)
{
    int64_t start; /* 0-based, may be out of range */
    if (off > 0)
        start = off - 1;
    else if (off < 0)
        start = n + off;
    else {
        *from = *cnt = 0;
        return;
    }
    int64_t end = n;
    if (has_len)
        end = len >= 0 ? (start > INT64_MAX - len ? INT64_MAX : start + len) : n + len;
    if (start < 0)
        start = 0;
    if (end > n)
        end = n;
    *from = start < n ? start : n;
    *cnt = end > *from ? end - *from : 0;
}

static int k_substring(KERNEL_ARGS)
{
    const int64_t *offs = args[1]->data, *lens = b->nargs > 2 ? args[2]->data : NULL;
    const uint32_t *so = col_offsets(args[0]);
    int rc = col_reserve_chars(out, so[n] - so[0]);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t len;
        const char *s = col_str(args[0], i, &len);
        int64_t from, cnt;
        sub_range((int64_t)len, offs[i], lens != NULL, lens ? lens[i] : 0, &from, &cnt);
        rc = col_put_str(out, s + from, (size_t)cnt);
    }
    return rc;
}

static int k_left_right(KERNEL_ARGS)
{
    const int64_t *k = args[1]->data;
    const uint32_t *so = col_offsets(args[0]);
    int right = b->state != NULL, rc = col_reserve_chars(out, so[n] - so[0]);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t len;
        const char *s = col_str(args[0], i, &len);
        int64_t l = (int64_t)len, m = k[i] >= 0 ? (k[i] < l ? k[i] : l)
                                                : (-k[i] < l ? l + k[i] : 0);
        rc = col_put_str(out, right ? s + (l - m) : s, (size_t)m);
    }
    return rc;
}

static int bind_substring(struct fn_bind *b)
{
    int rc = want_string(b, "substring", 0);
    for (uint32_t i = 1; i < b->nargs && rc == 0; i++)
        rc = want_int(b, "substring", i);
    b->ret = fn_ty(TY_STRING);
    b->kernel = k_substring;
    return rc;
}

static const int right_marker = 1;

static int bind_left(struct fn_bind *b)
{
    int rc = want_string(b, "left", 0);
    if (rc == 0)
        rc = want_int(b, "left", 1);
    b->ret = fn_ty(TY_STRING);
    b->kernel = k_left_right;
    return rc;
}
static int bind_right(struct fn_bind *b)
{
    b->state = (void *)&right_marker;
    int rc = want_string(b, "right", 0);
    if (rc == 0)
        rc = want_int(b, "right", 1);
    b->ret = fn_ty(TY_STRING);
    b->kernel = k_left_right;
    return rc;
}

/* ---- trim ----------------------------------------------------------------- */

enum { TRIM_LEFT = 1, TRIM_RIGHT = 2 };
static const int trim_sides[4] = {0, TRIM_LEFT, TRIM_RIGHT, TRIM_LEFT | TRIM_RIGHT};

static int k_trim(KERNEL_ARGS)
{
    int sides = *(const int *)b->state;
    const uint32_t *so = col_offsets(args[0]);
    int rc = col_reserve_chars(out, so[n] - so[0]);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t len;
        const char *s = col_str(args[0], i, &len);
        size_t a = 0, z = len;
        if (sides & TRIM_LEFT)
            while (a < z && s[a] == ' ')
                a++;
        if (sides & TRIM_RIGHT)
            while (z > a && s[z - 1] == ' ')
                z--;
        rc = col_put_str(out, s + a, z - a);
    }
    return rc;
}

static int bind_trim_sides(struct fn_bind *b, const char *name, int sides)
{
    b->state = (void *)&trim_sides[sides];
    return bind_strings(b, name, fn_ty(TY_STRING), k_trim);
}
static int bind_trim(struct fn_bind *b) { return bind_trim_sides(b, "trim", 3); }
static int bind_ltrim(struct fn_bind *b) { return bind_trim_sides(b, "ltrim", TRIM_LEFT); }
static int bind_rtrim(struct fn_bind *b) { return bind_trim_sides(b, "rtrim", TRIM_RIGHT); }

/* ---- starts_with, ends_with, position ------------------------------------- */

static int k_starts_ends(KERNEL_ARGS)
{
    int ends = b->state != NULL;
    uint8_t *o = out->data;
    for (uint32_t i = 0; i < n; i++) {
        size_t ls, lp;
        const char *s = col_str(args[0], i, &ls), *p = col_str(args[1], i, &lp);
        o[i] = lp <= ls && memcmp(ends ? s + ls - lp : s, p, lp) == 0;
    }
    fn_fixed_done(out, n);
    return 0;
}

static const int ends_marker = 1;

static int bind_starts_with(struct fn_bind *b)
{
    return bind_strings(b, "starts_with", fn_ty(TY_UINT8), k_starts_ends);
}
static int bind_ends_with(struct fn_bind *b)
{
    b->state = (void *)&ends_marker;
    return bind_strings(b, "ends_with", fn_ty(TY_UINT8), k_starts_ends);
}

static int k_position(KERNEL_ARGS)
{
    const int64_t *from = b->nargs > 2 ? args[2]->data : NULL;
    uint64_t *o = out->data;
    for (uint32_t i = 0; i < n; i++) {
        size_t lh, ln;
        const char *h = col_str(args[0], i, &lh), *nd = col_str(args[1], i, &ln);
        int64_t start = from ? from[i] : 1;
        if (start < 1 || (uint64_t)start > lh + 1) {
            o[i] = 0;
            continue;
        }
        const char *at = memmem(h + start - 1, lh - (size_t)(start - 1), nd, ln);
        o[i] = at ? (uint64_t)(at - h) + 1 : 0;
    }
    fn_fixed_done(out, n);
    return 0;
}

static int bind_position(struct fn_bind *b)
{
    int rc = want_string(b, "position", 0);
    if (rc == 0)
        rc = want_string(b, "position", 1);
    if (rc == 0 && b->nargs > 2)
        rc = want_int(b, "position", 2);
    b->ret = fn_ty(TY_UINT64);
    b->kernel = k_position;
    return rc;
}

/* ---- replace ------------------------------------------------------------- */

static int k_replace(KERNEL_ARGS)
{
    int all = b->state == NULL, rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t ls, lp, lr;
        const char *s = col_str(args[0], i, &ls), *p = col_str(args[1], i, &lp),
                   *r = col_str(args[2], i, &lr);
        size_t at = 0;
        while (lp && at <= ls && rc == 0) {
            const char *hit = memmem(s + at, ls - at, p, lp);
            if (!hit)
                break;
            size_t h = (size_t)(hit - s);
            rc = col_str_append(out, s + at, h - at);
            if (rc == 0)
                rc = col_str_append(out, r, lr);
            at = h + lp;
            if (!all)
                break;
        }
        if (rc == 0)
            rc = col_str_append(out, s + at, ls - at);
        if (rc == 0)
            rc = col_str_end(out);
    }
    return rc;
}

static const int one_marker = 1;

static int bind_replace_all(struct fn_bind *b)
{
    return bind_strings(b, "replace_all", fn_ty(TY_STRING), k_replace);
}
static int bind_replace_one(struct fn_bind *b)
{
    b->state = (void *)&one_marker;
    return bind_strings(b, "replace_one", fn_ty(TY_STRING), k_replace);
}

const struct fn_scalar fn_str_fns[] = {
    {"length", 1, 1, 0, bind_length},
    {"length_utf8", 1, 1, 0, bind_length_utf8},
    {"empty", 1, 1, 0, bind_empty},
    {"not_empty", 1, 1, 0, bind_not_empty},
    {"lower", 1, 1, 0, bind_lower},
    {"upper", 1, 1, 0, bind_upper},
    {"reverse", 1, 1, 0, bind_reverse},
    {"concat", 1, FN_MAX_ARGS, 0, bind_concat},
    {"substring", 2, 3, 0, bind_substring},
    {"substr", 2, 3, 0, bind_substring},
    {"left", 2, 2, 0, bind_left},
    {"right", 2, 2, 0, bind_right},
    {"trim", 1, 1, 0, bind_trim},
    {"trim_both", 1, 1, 0, bind_trim},
    {"ltrim", 1, 1, 0, bind_ltrim},
    {"trim_left", 1, 1, 0, bind_ltrim},
    {"rtrim", 1, 1, 0, bind_rtrim},
    {"trim_right", 1, 1, 0, bind_rtrim},
    {"starts_with", 2, 2, 0, bind_starts_with},
    {"ends_with", 2, 2, 0, bind_ends_with},
    {"position", 2, 3, 0, bind_position},
    {"locate", 2, 3, 0, bind_position},
    {"replace_all", 3, 3, 0, bind_replace_all},
    {"replace", 3, 3, 0, bind_replace_all},
    {"replace_one", 3, 3, 0, bind_replace_one},
};
const size_t fn_str_fns_n = sizeof(fn_str_fns) / sizeof(fn_str_fns[0]);
