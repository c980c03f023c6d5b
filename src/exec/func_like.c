/*
 * func_like.c — pattern matching: like, not_like, ilike, not_ilike (SQL
 * LIKE: % any run, _ one character, backslash escapes the next one),
 * match (a regular expression anywhere in the string) and extract (the
 * first match, or its first group).
 *
 * A constant pattern is compiled once at bind time into the call's state;
 * a pattern that varies per row is compiled per row, reusing the last
 * compilation while the pattern repeats. LIKE patterns are sorted into
 * the shapes most queries use — exact, 'abc%', '%abc', '%abc%' — which
 * run as memcmp or memmem; the rest run a backtracking matcher over
 * tokens that is linear for a single '%' and O(n * m) at worst. _ matches
 * one UTF-8 character, as ClickHouse's does. ilike folds ASCII case.
 *
 * Regular expressions are POSIX extended (regcomp), the closest the C
 * library has to ClickHouse's re2 syntax; re2's class escapes (\d, \w, \s
 * and their negations, also inside brackets), control escapes (\t, \n) and
 * a leading (?i) are rewritten into POSIX first. Strings are passed
 * NUL-ended, so a NUL byte ends the subject.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "func_impl.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

/* ---- LIKE ----------------------------------------------------------------- */

enum { T_LIT, T_ONE, T_ANY };
enum shape { S_GENERAL, S_EXACT, S_PREFIX, S_SUFFIX, S_CONTAINS, S_ALL };

struct like {
    uint8_t *type;  /* token types */
    char *lit;      /* token bytes (T_LIT) */
    size_t ntok;
    enum shape shape;
    char *needle;   /* literal of the fast shapes (folded for ilike) */
    size_t needle_n;
    int icase;
    char *fold;     /* scratch: a folded subject */
    size_t fold_cap;
};

static inline char lower_ascii(char c)
{
    return (unsigned char)(c - 'A') < 26 ? (char)(c | 0x20) : c;
}

/* Tokens of p (folded when icase) and the pattern's shape. */
static int like_compile(struct like *l, const char *p, size_t n)
{
    free(l->type);
    free(l->lit);
    free(l->needle);
    l->type = malloc(n + 1);
    l->lit = malloc(n + 1);
    l->needle = malloc(n + 1);
    if (!l->type || !l->lit || !l->needle)
        return -ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\\' && i + 1 < n) {
            l->type[k] = T_LIT;
            l->lit[k++] = l->icase ? lower_ascii(p[++i]) : p[++i];
        } else if (c == '%') {
            if (k == 0 || l->type[k - 1] != T_ANY)
                l->type[k++] = T_ANY;
        } else if (c == '_') {
            l->type[k++] = T_ONE;
        } else {
            l->type[k] = T_LIT;
            l->lit[k++] = l->icase ? lower_ascii(c) : c;
        }
    }
    l->ntok = k;
    /* the shape: literals with % only at the ends */
    size_t a = 0, z = k;
    int lead = a < z && l->type[a] == T_ANY, trail = z > a + lead && l->type[z - 1] == T_ANY;
    a += (size_t)lead;
    z -= (size_t)trail;
    int literal = 1;
    for (size_t i = a; i < z; i++)
        literal &= l->type[i] == T_LIT;
    l->shape = S_GENERAL;
    if (literal) {
        l->needle_n = z - a;
        memcpy(l->needle, l->lit + a, z - a);
        l->shape = lead && trail ? (z == a ? S_ALL : S_CONTAINS)
                   : lead        ? S_SUFFIX
                   : trail       ? S_PREFIX
                                 : S_EXACT;
        if (k == 1 && lead)
            l->shape = S_ALL;
    }
    return 0;
}

/* Bytes of the UTF-8 character at s (1 for stray bytes). */
static inline size_t char_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0xC0 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    return len <= n ? len : 1;
}

/* Backtracking over tokens; only the last % is ever retried. */
static int like_general(const struct like *l, const char *s, size_t n)
{
    size_t t = 0, i = 0, star_t = (size_t)-1, star_i = 0;
    while (i < n) {
        if (t < l->ntok && l->type[t] == T_LIT && l->lit[t] == s[i]) {
            t++, i++;
        } else if (t < l->ntok && l->type[t] == T_ONE) {
            t++;
            i += char_len((const unsigned char *)s + i, n - i);
        } else if (t < l->ntok && l->type[t] == T_ANY) {
            star_t = t++;
            star_i = i;
        } else if (star_t != (size_t)-1) {
            t = star_t + 1;
            i = ++star_i;
        } else {
            return 0;
        }
    }
    while (t < l->ntok && l->type[t] == T_ANY)
        t++;
    return t == l->ntok;
}

static int like_match(const struct like *l, const char *s, size_t n)
{
    const char *nd = l->needle;
    size_t m = l->needle_n;
    switch (l->shape) {
    case S_ALL: return 1;
    case S_EXACT: return n == m && memcmp(s, nd, m) == 0;
    case S_PREFIX: return n >= m && memcmp(s, nd, m) == 0;
    case S_SUFFIX: return n >= m && memcmp(s + n - m, nd, m) == 0;
    case S_CONTAINS: return memmem(s, n, nd, m) != NULL;
    default: return like_general(l, s, n);
    }
}

/* s folded to lower case in l's scratch (ilike). */
static const char *fold(struct like *l, const char *s, size_t n)
{
    if (n > l->fold_cap) {
        char *p = realloc(l->fold, n);
        if (!p)
            return NULL;
        l->fold = p;
        l->fold_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        l->fold[i] = lower_ascii(s[i]);
    return l->fold;
}

struct like_call {
    struct like pat;
    int negate;
    int constant;     /* pat was compiled at bind time */
    char *last;       /* the pattern pat holds, when per row */
    size_t last_n;
    int have_last;
};

static void like_call_free(void *p)
{
    struct like_call *c = p;
    if (!c)
        return;
    free(c->pat.type);
    free(c->pat.lit);
    free(c->pat.needle);
    free(c->pat.fold);
    free(c->last);
    free(c);
}

static int k_like(KERNEL_ARGS)
{
    struct like_call *c = b->state; /* the call's own: one thread evaluates a tree */
    uint8_t *o = out->data;
    int rc;
    for (uint32_t i = 0; i < n; i++) {
        size_t ls, lp;
        const char *s = col_str(args[0], i, &ls);
        if (nulls && nulls[i]) {
            o[i] = 0;
            continue;
        }
        if (!c->constant) {
            const char *p = col_str(args[1], i, &lp);
            if (!c->have_last || lp != c->last_n || memcmp(p, c->last, lp) != 0) {
                char *copy = malloc(lp + 1);
                if (!copy)
                    return -ENOMEM;
                memcpy(copy, p, lp);
                free(c->last);
                c->last = copy;
                c->last_n = lp;
                c->have_last = 1;
                if ((rc = like_compile(&c->pat, p, lp)))
                    return rc;
            }
        }
        if (c->pat.icase && !(s = fold(&c->pat, s, ls)))
            return -ENOMEM;
        o[i] = (uint8_t)(like_match(&c->pat, s, ls) != c->negate);
    }
    fn_fixed_done(out, n);
    return 0;
}

static int bind_like_as(struct fn_bind *b, const char *name, int icase, int negate)
{
    int rc = fn_want_strings(b, name, 0, 2);
    if (rc)
        return rc;
    struct like_call *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    b->state = c;
    b->state_free = like_call_free;
    c->negate = negate;
    c->pat.icase = icase;
    const struct val *p = fn_const(b, 1);
    if (p) {
        c->constant = 1;
        if (like_compile(&c->pat, p->v.s.p, p->v.s.n))
            return -ENOMEM;
    }
    b->ret = fn_ty(TY_UINT8);
    b->kernel = k_like;
    return 0;
}

static int bind_like(struct fn_bind *b) { return bind_like_as(b, "like", 0, 0); }
static int bind_not_like(struct fn_bind *b) { return bind_like_as(b, "not_like", 0, 1); }
static int bind_ilike(struct fn_bind *b) { return bind_like_as(b, "ilike", 1, 0); }
static int bind_not_ilike(struct fn_bind *b) { return bind_like_as(b, "not_ilike", 1, 1); }

/* ---- regular expressions ---------------------------------------------------- */

struct regex_call {
    regex_t re;
    int compiled;
    int constant;
    char *last; /* the per-row pattern re holds */
    size_t last_n;
    char *subject; /* scratch: a NUL-ended copy of the row */
    size_t subject_cap;
};

static void regex_call_free(void *p)
{
    struct regex_call *c = p;
    if (!c)
        return;
    if (c->compiled)
        regfree(&c->re);
    free(c->last);
    free(c->subject);
    free(c);
}

/* re2's spellings that POSIX ERE lacks, rewritten into out (room for 16n+1
 * bytes): the class escapes \d \D \w \W \s \S (inside brackets too) and
 * the control escapes \t \n \r \f \v; other escapes stay as they are. */
static void re2_to_posix(const char *p, size_t n, char *out)
{
    static const struct {
        char esc;
        const char *outside, *inside;
    } cls[] = {
        {'d', "[0-9]", "0-9"},
        {'D', "[^0-9]", NULL},
        {'w', "[[:alnum:]_]", "[:alnum:]_"},
        {'W', "[^[:alnum:]_]", NULL},
        {'s', "[[:space:]]", "[:space:]"},
        {'S', "[^[:space:]]", NULL},
        {'t', "\t", "\t"}, {'n', "\n", "\n"}, {'r', "\r", "\r"},
        {'f', "\f", "\f"}, {'v', "\v", "\v"},
    };
    size_t o = 0;
    int in_bracket = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '\\' && i + 1 < n) {
            const char *rep = NULL;
            char e = p[i + 1];
            for (size_t k = 0; k < sizeof cls / sizeof cls[0]; k++)
                if (cls[k].esc == e)
                    rep = in_bracket ? cls[k].inside : cls[k].outside;
            if (rep) {
                size_t len = strlen(rep);
                memcpy(out + o, rep, len);
                o += len;
                i++;
                continue;
            }
            if (!in_bracket) { /* keep the escape and what it escapes */
                out[o++] = ch;
                out[o++] = e;
                i++;
                continue;
            }
        } else if (!in_bracket && ch == '[') {
            in_bracket = 1;
            out[o++] = ch;
            /* a leading ^ and a leading ] belong to the bracket */
            if (i + 1 < n && p[i + 1] == '^')
                out[o++] = p[++i];
            if (i + 1 < n && p[i + 1] == ']')
                out[o++] = p[++i];
            continue;
        } else if (in_bracket && ch == '[' && i + 1 < n &&
                   (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
            /* [:class:] inside a bracket: copy through its closing ":]" */
            char d = p[i + 1];
            size_t j = i + 2;
            while (j + 1 < n && !(p[j] == d && p[j + 1] == ']'))
                j++;
            size_t end = j + 1 < n ? j + 2 : n;
            memcpy(out + o, p + i, end - i);
            o += end - i;
            i = end - 1;
            continue;
        } else if (in_bracket && ch == ']') {
            in_bracket = 0;
        }
        out[o++] = ch;
    }
    out[o] = 0;
}

/* Compile pattern p[0..n) (re2 syntax where POSIX ERE can express it: a
 * leading (?i) makes it case-insensitive); on failure, the reason in err. */
static int re_compile(struct regex_call *c, const char *p, size_t n, int nosub, char *err,
                      size_t err_len)
{
    char *pat = malloc(n + 1), *posix = malloc(16 * n + 1);
    int flags = REG_EXTENDED | (nosub ? REG_NOSUB : 0);
    if (!pat || !posix) {
        free(pat);
        free(posix);
        return -ENOMEM;
    }
    memcpy(pat, p, n);
    pat[n] = 0;
    size_t skip = 0;
    if (n >= 4 && memcmp(p, "(?i)", 4) == 0) {
        flags |= REG_ICASE;
        skip = 4;
    }
    re2_to_posix(p + skip, n - skip, posix);
    if (c->compiled)
        regfree(&c->re);
    c->compiled = 0;
    int rc = regcomp(&c->re, posix, flags);
    free(posix);
    if (rc) {
        char why[128];
        regerror(rc, &c->re, why, sizeof why);
        snprintf(err, err_len, "bad regular expression '%.60s': %s", pat, why);
        free(pat);
        return -EINVAL;
    }
    c->compiled = 1;
    free(c->last);
    c->last = pat;
    c->last_n = n;
    return 0;
}

/* Row i's pattern compiled (per-row patterns); 0 or an error with ctx set. */
static int re_for_row(struct regex_call *c, struct fn_ctx *ctx, const struct col *pc, uint32_t i,
                      int nosub)
{
    size_t lp;
    const char *p = col_str(pc, i, &lp);
    if (c->constant || (c->compiled && lp == c->last_n && memcmp(p, c->last, lp) == 0))
        return 0;
    int rc = re_compile(c, p, lp, nosub, ctx->err, sizeof ctx->err);
    return rc;
}

static const char *subject(struct regex_call *c, const char *s, size_t n)
{
    if (n + 1 > c->subject_cap) {
        char *p = realloc(c->subject, n + 1);
        if (!p)
            return NULL;
        c->subject = p;
        c->subject_cap = n + 1;
    }
    memcpy(c->subject, s, n);
    c->subject[n] = 0;
    return c->subject;
}

static int k_match(KERNEL_ARGS)
{
    struct regex_call *c = b->state;
    uint8_t *o = out->data;
    for (uint32_t i = 0; i < n; i++) {
        size_t ls;
        const char *s = col_str(args[0], i, &ls);
        int rc;
        if (nulls && nulls[i]) {
            o[i] = 0;
            continue;
        }
        if ((rc = re_for_row(c, ctx, args[1], i, 1)))
            return rc;
        if (!(s = subject(c, s, ls)))
            return -ENOMEM;
        o[i] = regexec(&c->re, s, 0, NULL, 0) == 0;
    }
    fn_fixed_done(out, n);
    return 0;
}

static int k_extract(KERNEL_ARGS)
{
    struct regex_call *c = b->state;
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t ls;
        const char *s = col_str(args[0], i, &ls);
        regmatch_t m[2];
        if (nulls && nulls[i]) {
            rc = col_put_str(out, "", 0);
            continue;
        }
        if ((rc = re_for_row(c, ctx, args[1], i, 0)))
            return rc;
        if (!(s = subject(c, s, ls)))
            return -ENOMEM;
        if (regexec(&c->re, s, 2, m, 0) != 0) {
            rc = col_put_str(out, "", 0);
            continue;
        }
        /* the first group when there is one (empty when it took no part) */
        regmatch_t *g = c->re.re_nsub > 0 ? &m[1] : &m[0];
        rc = g->rm_so < 0 ? col_put_str(out, "", 0)
                          : col_put_str(out, s + g->rm_so, (size_t)(g->rm_eo - g->rm_so));
    }
    return rc;
}

static int bind_regex(struct fn_bind *b, const char *name, int nosub, struct ty ret, fn_kernel k)
{
    int rc = fn_want_strings(b, name, 0, 2);
    if (rc)
        return rc;
    struct regex_call *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    b->state = c;
    b->state_free = regex_call_free;
    const struct val *p = fn_const(b, 1);
    if (p) {
        char why[FN_ERR_MAX - 32];
        rc = re_compile(c, p->v.s.p, p->v.s.n, nosub, why, sizeof why);
        if (rc == -EINVAL)
            return fn_bind_fail(b, 1, "%s: %s", name, why);
        if (rc)
            return rc;
        c->constant = 1;
    }
    b->ret = ret;
    b->kernel = k;
    return 0;
}

static int bind_match(struct fn_bind *b)
{
    return bind_regex(b, "match", 1, fn_ty(TY_UINT8), k_match);
}
static int bind_extract(struct fn_bind *b)
{
    return bind_regex(b, "extract", 0, fn_ty(TY_STRING), k_extract);
}

const struct fn_scalar fn_like_fns[] = {
    {"like", 2, 2, 0, bind_like},
    {"not_like", 2, 2, 0, bind_not_like},
    {"ilike", 2, 2, 0, bind_ilike},
    {"not_ilike", 2, 2, 0, bind_not_ilike},
    {"match", 2, 2, 0, bind_match},
    {"extract", 2, 2, 0, bind_extract},
};
const size_t fn_like_fns_n = sizeof(fn_like_fns) / sizeof(fn_like_fns[0]);
