/*
 * mutable.c — one row of a mutable stream at a time (exec/mutable.h):
 * what the keys/ namespace needs from the engine. Writes go through the
 * stream's log like every other row (eng_stream_append), so a key file
 * written or removed is seen by SQL, by streaming queries and by crash
 * recovery exactly as an ingested row is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec/expr.h"
#include "exec/mutable.h"
#include "format/json_in.h"
#include "format/json_out.h"
#include "util/clock.h"
#include "util/err.h"

static int unescape(const char *name, struct buf *out)
{
    if (!strcmp(name, "%"))
        return 0; /* the empty value */
    for (const char *p = name; *p; p++) {
        int rc;
        if (*p != '%') {
            rc = buf_putc(out, *p);
        } else {
            unsigned v;
            char hex[3] = {p[1], p[1] ? p[2] : 0, 0};
            char *end;
            if (!hex[0] || !hex[1])
                return -EINVAL;
            v = (unsigned)strtoul(hex, &end, 16);
            if (*end)
                return -EINVAL;
            rc = buf_putc(out, (char)v);
            p += 2;
        }
        if (rc)
            return rc;
    }
    return 0;
}

int mut_key_parse(const struct eng_stream *s, uint32_t k, const char *name, struct buf *out)
{
    const struct schema *sc = s->schema;
    struct ty ty = sc->cols[sc->key[k]].ty;
    struct buf text = BUF_INIT;
    struct col *c = NULL;
    struct xpr *x = NULL;
    char *str = NULL;
    int rc = unescape(name, &text);
    if (rc || (rc = col_new(ty, &c)))
        goto out;
    if (ty.kind == TY_STRING) {
        rc = col_push_str(c, text.data ? text.data : "", text.len);
    } else {
        struct val v = {.ty = {TY_STRING, 0, 0}};
        struct val r;
        struct fn_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        v.v.s.p = text.data ? text.data : "";
        v.v.s.n = text.len;
        if (memchr(v.v.s.p, 0, v.v.s.n) || (rc = xpr_const(&v, &x)) ||
            (rc = xpr_cast(x, ty, &x)) || (rc = xpr_fold(x, &ctx, &r, &str)) || r.is_null) {
            rc = -EINVAL;
            goto out;
        }
        rc = val_push(&r, c);
    }
    if (!rc)
        rc = kv_key_append(out, c, 0);
out:
    if (rc && rc != -ENOMEM)
        rc = -EINVAL;
    free(str);
    xpr_destroy(x);
    col_delete(c);
    buf_free(&text);
    return rc;
}

static int escape(const char *p, size_t n, struct buf *out)
{
    int rc = 0;
    if (n == 0)
        return buf_putc(out, '%');
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '%' || ch == '/' || ch == 0 || (i == 0 && ch == '.'))
            rc = buf_printf(out, "%%%02X", ch);
        else
            rc = buf_putc(out, (char)ch);
    }
    return rc;
}

int mut_key_render(const struct eng_stream *s, uint32_t k, const uint8_t **p, const uint8_t *end,
                   struct buf *out)
{
    struct ty ty = s->schema->cols[s->schema->key[k]].ty;
    struct col *c = NULL;
    int rc = col_new(ty, &c);
    if (!rc)
        rc = kv_key_decode(p, end, c, ty);
    if (!rc && ty.kind == TY_STRING) {
        size_t n;
        const char *str = col_str(c, 0, &n);
        rc = escape(str, n, out);
    } else if (!rc) {
        char text[FMT_FIXED_MAX];
        size_t n = fmt_fixed_text(c, 0, text);
        rc = escape(text, n, out);
    }
    col_delete(c);
    return rc;
}

int mut_row_json(struct eng_stream *s, const uint8_t *key, size_t key_len, struct buf *out,
                 int *found)
{
    const struct schema *sc = s->schema;
    uint32_t cols[SCH_MAX_COLS];
    const char *names[SCH_MAX_COLS];
    struct ty types[SCH_MAX_COLS];
    const uint8_t *fv[SCH_MAX_GROUPS];
    size_t fl[SCH_MAX_GROUPS];
    struct buf row = BUF_INIT;
    struct blk *b = NULL;
    uint32_t n = 0;
    for (uint32_t c = 0; c < sc->ncols; c++)
        if (c != sch_delta_col(sc)) {
            cols[n] = c;
            names[n] = sc->cols[c].name;
            types[n++] = sc->cols[c].ty;
        }
    int rc = kv_get(s->kv, key, key_len, ~0u, found, &row);
    if (rc || !*found)
        goto out;
    const uint8_t *val;
    size_t vn;
    if ((rc = kv_get_parts(s->kv, &row, &val, &vn, fv, fl)) || (rc = blk_create(types, n, &b)) ||
        (rc = kv_row_decode(sc, key, key_len, val, vn, fv, fl, cols, n, b)) ||
        (rc = blk_seal(b)))
        goto out;
    rc = fmt_json_out_rows(names, b, 0, 1, out);
out:
    blk_unref(b);
    buf_free(&row);
    return rc;
}

/* Append b to s and make it durable. */
static int commit(struct eng_stream *s, struct blk *b)
{
    int rc = blk_seal(b);
    if (!rc)
        rc = eng_stream_append(s, b, NULL);
    if (!rc) {
        eng_stream_accepted(s, b->nrows, 0);
        rc = log_sync(s->log);
    }
    return rc;
}

/* The key columns of a new row from key; *p ends after it. */
static int push_key(const struct schema *sc, const uint8_t *key, size_t key_len, struct blk *b)
{
    const uint8_t *p = key, *end = key + key_len;
    for (uint32_t k = 0; k < sc->nkey; k++) {
        int rc = kv_key_decode(&p, end, &b->cols[sc->key[k]], sc->cols[sc->key[k]].ty);
        if (rc)
            return rc;
    }
    return p == end ? 0 : -EINVAL;
}

int mut_put_json(struct eng_stream *s, const uint8_t *key, size_t key_len, const char *line,
                 size_t n, char *why, size_t why_len)
{
    const struct schema *sc = s->schema;
    struct fmt_json_in *in = NULL;
    struct blk *parsed = NULL, *b = NULL;
    int64_t now_ms = clk_now_ns() / 1000000;
    int8_t upsert = 1;
    int rc;
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if ((rc = fmt_json_in_create(sc, &in)) || (rc = sch_block(sc, &parsed)) ||
        (rc = sch_block(sc, &b)) ||
        (rc = fmt_json_in_row(in, line, n, now_ms, parsed, why, why_len)) ||
        (rc = blk_seal(parsed)) || (rc = push_key(sc, key, key_len, b)))
        goto out;
    for (uint32_t c = 0; c < sc->ncols && !rc; c++) {
        if (sch_is_key(sc, c))
            continue;
        rc = c == sch_delta_col(sc) ? col_push_fixed(&b->cols[c], &upsert)
                                    : col_append_rows(&b->cols[c], &parsed->cols[c], 0, 1);
    }
    if (!rc)
        rc = commit(s, b);
out:
    blk_unref(parsed);
    blk_unref(b);
    fmt_json_in_destroy(in);
    return rc;
}

int mut_delete(struct eng_stream *s, const uint8_t *key, size_t key_len)
{
    const struct schema *sc = s->schema;
    struct blk *b = NULL;
    struct buf row = BUF_INIT;
    int found, rc = kv_get(s->kv, key, key_len, 0, &found, &row);
    int8_t del = -1;
    int64_t now = clk_now_ns() / 1000000;
    buf_free(&row);
    if (rc || !found)
        return rc ? rc : -ENOENT;
    if ((rc = sch_block(sc, &b)) || (rc = push_key(sc, key, key_len, b)))
        goto out;
    for (uint32_t c = 0; c < sc->ncols && !rc; c++) {
        if (sch_is_key(sc, c))
            continue;
        if (c == sch_delta_col(sc))
            rc = col_push_fixed(&b->cols[c], &del);
        else if (c == sc->ncols - 1)
            rc = col_push_fixed(&b->cols[c], &now);
        else
            rc = col_push_null(&b->cols[c]);
    }
    if (!rc)
        rc = commit(s, b);
out:
    blk_unref(b);
    return rc;
}

int mut_prefix_exists(struct eng_stream *s, const uint8_t *prefix, size_t len, int *exists)
{
    struct kv_scan *sc = NULL;
    uint8_t *hi = malloc(len + 1);
    size_t hn = len;
    const uint8_t *key, *val, *fv[SCH_MAX_GROUPS];
    size_t kn, vn, fl[SCH_MAX_GROUPS];
    int rc = -ENOMEM;
    *exists = 0;
    if (!hi)
        return rc;
    if (len)
        memcpy(hi, prefix, len);
    kv_prefix_succ(hi, &hn);
    if (!(rc = kv_scan_open(s->kv, prefix, len, hi, hn, 0, &sc)) &&
        !(rc = kv_scan_next(sc, &key, &kn, &val, &vn, fv, fl)))
        *exists = key != NULL;
    kv_scan_close(sc);
    free(hi);
    return rc;
}

int mut_list(struct eng_stream *s, const uint8_t *prefix, size_t len, uint32_t depth,
             const uint8_t *resume, size_t resume_len, uint64_t after, mut_each_fn each,
             void *arg)
{
    const struct schema *sc = s->schema;
    struct kv_scan *scan = NULL;
    struct buf hi = BUF_INIT, name = BUF_INIT, next = BUF_INIT;
    const uint8_t *key, *val, *fv[SCH_MAX_GROUPS];
    size_t kn, vn, fl[SCH_MAX_GROUPS], hn;
    uint64_t n = 0;
    int rc;
    if (depth >= sc->nkey)
        return -EINVAL;
    if ((rc = buf_append(&hi, prefix, len)))
        goto out;
    hn = hi.len;
    kv_prefix_succ((uint8_t *)hi.data, &hn);
    if ((rc = kv_scan_open(s->kv, prefix, len, (const uint8_t *)hi.data, hn, 0, &scan)))
        goto out;
    if (resume_len) { /* continue after the entry given last time: entry `after` */
        if ((rc = buf_append(&next, resume, resume_len)))
            goto out;
        size_t nn = next.len;
        kv_prefix_succ((uint8_t *)next.data, &nn);
        if (!nn)
            goto out;
        if ((rc = kv_scan_seek(scan, (const uint8_t *)next.data, nn)))
            goto out;
        n = after;
    }
    for (;;) {
        if ((rc = kv_scan_next(scan, &key, &kn, &val, &vn, fv, fl)) || !key)
            break;
        const uint8_t *p = key + len, *end = key + kn;
        name.len = 0;
        if ((rc = mut_key_render(s, depth, &p, end, &name)))
            break;
        size_t comp = (size_t)(p - key);
        n++;
        if (n > after && name.len <= MUT_NAME_MAX) {
            if ((rc = buf_putc(&name, '\0')))
                break;
            if (each(arg, name.data, key, comp, n))
                break;
        }
        if (depth + 1 < sc->nkey) { /* skip the other rows under this value */
            next.len = 0;
            if ((rc = buf_append(&next, key, comp)))
                break;
            size_t nn = next.len;
            kv_prefix_succ((uint8_t *)next.data, &nn);
            if (!nn)
                break;
            if ((rc = kv_scan_seek(scan, (const uint8_t *)next.data, nn)))
                break;
        }
    }
out:
    kv_scan_close(scan);
    buf_free(&hi);
    buf_free(&name);
    buf_free(&next);
    return rc;
}
