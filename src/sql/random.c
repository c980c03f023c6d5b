/*
 * random.c — random streams in the language layer (bind_int.h): the
 * DEFAULT expressions of CREATE RANDOM STREAM, bound at CREATE time to
 * check them and again, from the text the schema keeps, for each query
 * that reads the stream; and the source such a query reads
 * (src_random_create).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_int.h"
#include "exec/expr.h"
#include "util/clock.h"
#include "util/err.h"

int sql_bind_random_default(struct engine *e, const struct sql_expr *x, struct ty ty,
                            const char *col, struct xpr **out, struct sql_error *err)
{
    struct fn_ctx fctx;
    struct xpr *bx = NULL, *cast = NULL;
    memset(&fctx, 0, sizeof(fctx));
    fctx.now_ns = clk_now_ns();
    *out = NULL;
    int rc = sql_bind_const(e, x, &fctx, &bx, err);
    if (rc)
        return rc;
    if (ty_equal(bx->ty, ty) && bx->ty.nullable == ty.nullable) {
        *out = bx;
        return 0;
    }
    char from[TY_MAX_NAME], to[TY_MAX_NAME];
    ty_name(bx->ty, from);
    ty_name(ty, to);
    if (xpr_cast(bx, ty, &cast))
        return sql_fail(err, -EINVAL, x->pos.line, x->pos.col,
                        "DEFAULT of column '%s': cannot convert %s to %s", col, from, to);
    if (xpr_is_const(cast)) { /* a constant that does not convert fails now, not per row */
        struct val v;
        char *str = NULL;
        rc = xpr_fold(cast, &fctx, &v, &str);
        free(str);
        if (rc) {
            xpr_destroy(cast);
            return sql_fail(err, -EINVAL, x->pos.line, x->pos.col,
                            "DEFAULT of column '%s': cannot convert it to %s%s%s", col, to,
                            fctx.err[0] ? ": " : "", fctx.err);
        }
    }
    *out = cast;
    return 0;
}

/* Column `idx` of random stream sc: its DEFAULT bound from the kept text
 * (checked when the stream was created), or NULL when it has none. */
static int bind_kept_default(struct engine *e, const struct schema *sc, uint32_t idx,
                             struct xpr **out, struct sql_error *err)
{
    const char *text = sch_default(sc, idx);
    struct sql_stmt *st = NULL;
    char *sql = NULL;
    *out = NULL;
    if (!text)
        return 0;
    size_t n = strlen(text) + 8;
    if (!(sql = malloc(n)))
        return sql_fail(err, -ENOMEM, 1, 1, "out of memory");
    snprintf(sql, n, "SELECT %s", text);
    int rc = sql_parse(sql, strlen(sql), &st, err);
    if (!rc && (st->kind != SQL_SELECT || st->u.select->nitems != 1))
        rc = sql_fail(err, -EINVAL, 1, 1, "stream %s: the DEFAULT of '%s' does not parse",
                      sc->name, sc->cols[idx].name);
    if (!rc)
        rc = sql_bind_random_default(e, st->u.select->items[0].e, sc->cols[idx].ty,
                                     sc->cols[idx].name, out, err);
    sql_stmt_destroy(st);
    free(sql);
    return rc;
}

int sql_bind_random_cols(struct engine *e, struct bsel *b, struct sql_error *err)
{
    const struct schema *sc = b->stream->schema;
    b->rand_defs = calloc(b->nscan ? b->nscan : 1, sizeof(*b->rand_defs));
    if (!b->rand_defs)
        return sql_fail(err, -ENOMEM, 1, 1, "out of memory");
    for (uint32_t k = 0; k < b->nscan; k++) {
        int rc = bind_kept_default(e, sc, b->scan_cols[k], &b->rand_defs[k], err);
        if (rc)
            return rc;
    }
    return 0;
}

int sql_random_src(struct bsel *b, int bounded, struct fn_ctx *fctx, struct src **out)
{
    const struct schema *sc = b->stream->schema;
    struct src_random_col *cols = calloc(b->nscan ? b->nscan : 1, sizeof(*cols));
    if (!cols)
        return -ENOMEM;
    for (uint32_t k = 0; k < b->nscan; k++) {
        uint32_t idx = b->scan_cols[k];
        cols[k].ty = sc->cols[idx].ty;
        cols[k].is_time = idx + 1 == sc->ncols; /* _tp_time is last */
        cols[k].def = b->rand_defs ? b->rand_defs[k] : NULL;
        if (b->rand_defs)
            b->rand_defs[k] = NULL; /* the source takes it */
    }
    struct src_random_spec spec = {
        .eps = sc->eps,
        .interval_ms = sc->interval_ms,
        .bounded_rows = bounded ? (sc->eps ? sc->eps : SQL_RANDOM_TABLE_ROWS) : 0,
        .with_sn = b->with_sn,
        .fn = fctx,
    };
    int rc = src_random_create(&spec, cols, b->nscan, out);
    free(cols);
    return rc;
}
