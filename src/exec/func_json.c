/*
 * func_json.c — JSON functions with ClickHouse's JSONExtract* semantics:
 * json_has, json_extract_string, json_extract_int, json_extract_uint,
 * json_extract_float, json_extract_bool, json_extract_raw, and Proton's
 * json_value (a '$.a.b[0]' path).
 *
 * The path is the extra arguments: a string names an object key, an
 * integer a 1-based array (or object) position, negative counting from
 * the end. A value that is missing, of the wrong kind, or in a document
 * that is not JSON gives the type's default (0, '', false) — never an
 * error, as in ClickHouse.
 *
 * Each row's document is tokenized by jsmn (the tokenizer JSON ingest
 * uses) into a token array the call keeps and reuses; walking the path
 * skips a subtree by its byte span (tokens come in document order, so a
 * subtree is the run of tokens starting inside it). Strings are unescaped
 * by the ingest path's decoder (fmt_json_unescape).
 */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include <stdlib.h>
#include <string.h>

#include "format/json_in.h"
#include "func_impl.h"
#include "util/buf.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

enum jfn { J_HAS, J_STRING, J_INT, J_UINT, J_FLOAT, J_BOOL, J_RAW, J_VALUE };

/* A step of a json_value path: a key, or a 0-based index. */
struct step {
    const char *key; /* NULL: index */
    size_t key_n;
    int64_t index;
};

struct jcall {
    enum jfn fn;
    jsmntok_t *tok;
    unsigned tok_cap;
    struct buf scratch; /* unescaped strings; a padded document while tokenizing */
    int padded;         /* tokenize is working on the padded copy */
    struct step *steps; /* json_value */
    uint32_t nsteps;
    char *path;         /* json_value: the path's bytes the steps point into */
};

static void jcall_free(void *p)
{
    struct jcall *c = p;
    if (!c)
        return;
    free(c->tok);
    buf_free(&c->scratch);
    free(c->steps);
    free(c->path);
    free(c);
}

/* Tokens of s[0..n) in c->tok; the count, or -1 when it is not JSON. */
static int tokenize(struct jcall *c, const char *s, size_t n)
{
    for (;;) {
        jsmn_parser p;
        jsmn_init(&p);
        /* (no token array at all would make jsmn only count) */
        int r = c->tok ? jsmn_parse(&p, s, n, c->tok, c->tok_cap) : JSMN_ERROR_NOMEM;
        if (r == JSMN_ERROR_PART && n && !c->padded) {
            /* strict jsmn wants a delimiter after a primitive, so a document
             * that is one ('5', 'true') parses with a space appended; the
             * tokens' offsets still index s */
            buf_reset(&c->scratch);
            if (buf_append(&c->scratch, s, n) || buf_putc(&c->scratch, ' '))
                return -1;
            c->padded = 1;
            r = tokenize(c, c->scratch.data, n + 1);
            c->padded = 0;
            return r;
        }
        if (r != JSMN_ERROR_NOMEM)
            return r > 0 ? r : -1;
        unsigned cap = c->tok_cap ? c->tok_cap * 2 : 64;
        if (cap > (1u << 24))
            return -1;
        jsmntok_t *t = realloc(c->tok, cap * sizeof(*t));
        if (!t)
            return -1;
        c->tok = t;
        c->tok_cap = cap;
    }
}

/* The token after token i's subtree. */
static int skip(const jsmntok_t *t, int ntok, int i)
{
    int end = t[i].end, j = i + 1;
    while (j < ntok && t[j].start < end)
        j++;
    return j;
}

/* Does the key token k (a JSON string) equal want? */
static int key_is(struct jcall *c, const char *doc, const jsmntok_t *k, const char *want,
                  size_t want_n)
{
    const char *s = doc + k->start;
    size_t n = (size_t)(k->end - k->start);
    if (!memchr(s, '\\', n))
        return n == want_n && memcmp(s, want, n) == 0;
    buf_reset(&c->scratch);
    return fmt_json_unescape(s, n, &c->scratch) == 0 && c->scratch.len == want_n &&
           memcmp(c->scratch.data, want, want_n) == 0;
}

/* The child of container token i named by key, or at position pos
 * (0-based; negative from the end); -1 when there is none. */
static int child(struct jcall *c, const char *doc, int ntok, int i, const char *key,
                 size_t key_n, int64_t pos)
{
    const jsmntok_t *t = c->tok;
    int is_obj = t[i].type == JSMN_OBJECT;
    if (!is_obj && t[i].type != JSMN_ARRAY)
        return -1;
    if (key && !is_obj)
        return -1;
    int64_t size = t[i].size;
    if (!key) {
        if (pos < 0)
            pos += size;
        if (pos < 0 || pos >= size)
            return -1;
    }
    int j = i + 1;
    for (int64_t k = 0; k < size && j < ntok; k++) {
        int v = is_obj ? j + 1 : j;
        if (v >= ntok)
            return -1;
        if (key ? key_is(c, doc, &t[j], key, key_n) : k == pos)
            return v;
        j = skip(t, ntok, v);
    }
    return -1;
}

/* ---- values ------------------------------------------------------------- */

static int is_literal(const char *doc, const jsmntok_t *t, const char *lit)
{
    size_t n = strlen(lit);
    return t->type == JSMN_PRIMITIVE && (size_t)(t->end - t->start) == n &&
           memcmp(doc + t->start, lit, n) == 0;
}

/* A number token as double, int64 or uint64; -1 when not a number. */
static int number(const char *doc, const jsmntok_t *t, double *f, int64_t *i, uint64_t *u,
                  int *is_int)
{
    char tmp[64], *end;
    size_t n = (size_t)(t->end - t->start);
    if (t->type != JSMN_PRIMITIVE || n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, doc + t->start, n);
    tmp[n] = 0;
    if (tmp[0] != '-' && (tmp[0] < '0' || tmp[0] > '9'))
        return -1;
    *f = strtod(tmp, &end);
    if (end != tmp + n)
        return -1;
    *is_int = strpbrk(tmp, ".eE") == NULL;
    if (*is_int) {
        *i = strtoll(tmp, NULL, 10);
        *u = tmp[0] == '-' ? (uint64_t)*i : strtoull(tmp, NULL, 10);
    } else {
        *i = *f >= -9223372036854775808.0 && *f < 9223372036854775808.0 ? (int64_t)*f : 0;
        *u = *f >= 0 && *f < 18446744073709551616.0 ? (uint64_t)*f : (uint64_t)*i;
    }
    return 0;
}

/* Append the compact text of token v's subtree (whitespace outside strings dropped). */
static int raw_text(const char *doc, const jsmntok_t *v, struct col *out)
{
    const char *s = doc + v->start - (v->type == JSMN_STRING);
    size_t n = (size_t)(v->end - v->start) + 2 * (v->type == JSMN_STRING);
    int in_str = 0, rc = 0;
    size_t run = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            rc = col_str_append(out, s + run, i - run);
            run = i + 1;
        }
    }
    if (rc == 0)
        rc = col_str_append(out, s + run, n - run);
    return rc ? rc : col_str_end(out);
}

/* The string value of token v (unescaped), or NULL. */
static const char *string_of(struct jcall *c, const char *doc, const jsmntok_t *v, size_t *len)
{
    if (v->type != JSMN_STRING)
        return NULL;
    buf_reset(&c->scratch);
    if (fmt_json_unescape(doc + v->start, (size_t)(v->end - v->start), &c->scratch))
        return NULL;
    *len = c->scratch.len;
    return c->scratch.len ? c->scratch.data : "";
}

/* Row i's result from value token v (-1: none) into out. */
static int emit(struct jcall *c, const char *doc, int v, struct col *out, uint32_t i)
{
    const jsmntok_t *t = v >= 0 ? &c->tok[v] : NULL;
    double f = 0;
    int64_t iv = 0;
    uint64_t uv = 0;
    int is_int = 0;
    size_t len = 0;
    const char *s;
    switch (c->fn) {
    case J_HAS: ((uint8_t *)out->data)[i] = t != NULL; return 0;
    case J_BOOL:
        ((uint8_t *)out->data)[i] = t && is_literal(doc, t, "true");
        return 0;
    case J_STRING:
        s = t ? string_of(c, doc, t, &len) : NULL;
        return col_put_str(out, s ? s : "", s ? len : 0);
    case J_RAW:
        return t ? raw_text(doc, t, out) : col_put_str(out, "", 0);
    case J_VALUE: /* scalars as text: strings unescaped, others as written */
        if (t && t->type == JSMN_STRING && (s = string_of(c, doc, t, &len)))
            return col_put_str(out, s, len);
        if (t && t->type == JSMN_PRIMITIVE)
            return col_put_str(out, doc + t->start, (size_t)(t->end - t->start));
        return col_put_str(out, "", 0);
    default: break;
    }
    if (t && is_literal(doc, t, "true"))
        f = 1, iv = 1, uv = 1;
    else if (t)
        number(doc, t, &f, &iv, &uv, &is_int);
    if (c->fn == J_INT)
        ((int64_t *)out->data)[i] = iv;
    else if (c->fn == J_UINT)
        ((uint64_t *)out->data)[i] = uv;
    else
        ((double *)out->data)[i] = f;
    return 0;
}

static int fixed_result(enum jfn fn)
{
    return fn == J_HAS || fn == J_BOOL || fn == J_INT || fn == J_UINT || fn == J_FLOAT;
}

static int k_json(KERNEL_ARGS)
{
    struct jcall *c = b->state;
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t dn;
        const char *doc = col_str(args[0], i, &dn);
        int v = -1, ntok = nulls && nulls[i] ? -1 : tokenize(c, doc, dn);
        if (ntok > 0) {
            v = 0;
            if (c->fn == J_VALUE) {
                for (uint32_t k = 0; k < c->nsteps && v >= 0; k++)
                    v = child(c, doc, ntok, v, c->steps[k].key, c->steps[k].key_n,
                              c->steps[k].index);
            } else {
                for (uint32_t k = 1; k < b->nargs && v >= 0; k++) {
                    const struct col *p = args[k];
                    if (p->ty.kind == TY_STRING) {
                        size_t kn;
                        const char *key = col_str(p, i, &kn);
                        v = child(c, doc, ntok, v, key, kn, 0);
                    } else {
                        int64_t pos = COL_AT(p, int64_t, i);
                        v = pos == 0 ? -1 : child(c, doc, ntok, v, NULL, 0, pos > 0 ? pos - 1 : pos);
                    }
                }
            }
        }
        rc = emit(c, doc, v, out, i);
    }
    if (rc == 0 && fixed_result(c->fn))
        fn_fixed_done(out, n);
    return rc;
}

/* '$.a.b[0]["c d"]' into steps; -1 when malformed. */
static int parse_path(struct jcall *c, const char *p, size_t n)
{
    if (!(c->path = malloc(n + 1)) || !(c->steps = calloc(n + 1, sizeof(*c->steps))))
        return -ENOMEM;
    memcpy(c->path, p, n);
    p = c->path;
    size_t i = 0;
    if (i < n && p[i] == '$')
        i++;
    while (i < n) {
        struct step *s = &c->steps[c->nsteps++];
        if (p[i] == '.') {
            size_t a = ++i;
            while (i < n && p[i] != '.' && p[i] != '[')
                i++;
            if (i == a)
                return -1;
            s->key = p + a;
            s->key_n = i - a;
        } else if (p[i] == '[' && i + 1 < n && p[i + 1] == '"') {
            size_t a = i + 2, z = a;
            while (z < n && p[z] != '"')
                z++;
            if (z + 1 >= n || p[z + 1] != ']')
                return -1;
            s->key = p + a;
            s->key_n = z - a;
            i = z + 2;
        } else if (p[i] == '[') {
            int64_t v = 0;
            size_t a = ++i;
            while (i < n && p[i] >= '0' && p[i] <= '9' && v < 1000000000)
                v = v * 10 + (p[i++] - '0');
            if (i == a || i >= n || p[i] != ']')
                return -1;
            s->index = v;
            i++;
        } else {
            return -1;
        }
    }
    return 0;
}

static int bind_json(struct fn_bind *b, const char *name, enum jfn fn)
{
    if (b->arg_ty[0].kind != TY_STRING)
        return fn_bad_arg(b, name, 0, "a JSON string");
    struct jcall *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    b->state = c;
    b->state_free = jcall_free;
    c->fn = fn;
    if (fn == J_VALUE) {
        const struct val *p = fn_const(b, 1);
        if (!p || p->ty.kind != TY_STRING)
            return fn_bad_arg(b, name, 1, "a constant JSON path ('$.a.b')");
        int rc = parse_path(c, p->v.s.p, p->v.s.n);
        if (rc == -1)
            return fn_bind_fail(b, 1, "%s: bad JSON path '%.*s'", name, (int)p->v.s.n, p->v.s.p);
        if (rc)
            return rc;
    } else {
        for (uint32_t i = 1; i < b->nargs; i++) {
            struct ty t = b->arg_ty[i];
            if (ty_is_int(t))
                b->cast_to[i] = fn_ty(TY_INT64);
            else if (t.kind != TY_STRING)
                return fn_bad_arg(b, name, i, "a key string or an index");
        }
    }
    static const uint8_t ret[] = {[J_HAS] = TY_UINT8,   [J_STRING] = TY_STRING, [J_INT] = TY_INT64,
                                  [J_UINT] = TY_UINT64, [J_FLOAT] = TY_FLOAT64, [J_BOOL] = TY_UINT8,
                                  [J_RAW] = TY_STRING,  [J_VALUE] = TY_STRING};
    b->ret = fn_ty(ret[fn]);
    b->kernel = k_json;
    return 0;
}

#define JSON_BIND(fn, id) \
    static int bind_##fn(struct fn_bind *b) { return bind_json(b, #fn, id); }
JSON_BIND(json_has, J_HAS)
JSON_BIND(json_extract_string, J_STRING)
JSON_BIND(json_extract_int, J_INT)
JSON_BIND(json_extract_uint, J_UINT)
JSON_BIND(json_extract_float, J_FLOAT)
JSON_BIND(json_extract_bool, J_BOOL)
JSON_BIND(json_extract_raw, J_RAW)
JSON_BIND(json_value, J_VALUE)

const struct fn_scalar fn_json_fns[] = {
    {"json_has", 1, FN_MAX_ARGS, 0, bind_json_has},
    {"json_extract_string", 1, FN_MAX_ARGS, 0, bind_json_extract_string},
    {"json_extract_int", 1, FN_MAX_ARGS, 0, bind_json_extract_int},
    {"json_extract_uint", 1, FN_MAX_ARGS, 0, bind_json_extract_uint},
    {"json_extract_float", 1, FN_MAX_ARGS, 0, bind_json_extract_float},
    {"json_extract_bool", 1, FN_MAX_ARGS, 0, bind_json_extract_bool},
    {"json_extract_raw", 1, FN_MAX_ARGS, 0, bind_json_extract_raw},
    {"json_value", 2, 2, 0, bind_json_value},
};
const size_t fn_json_fns_n = sizeof(fn_json_fns) / sizeof(fn_json_fns[0]);
