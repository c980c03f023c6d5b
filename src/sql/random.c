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

/* x bound over the columns of s before column idx. */
static int bind_over_earlier(struct engine *e, const struct sql_expr *x, const struct schema *s,
                             uint32_t idx, struct fn_ctx *fctx, struct xpr **out,
                             struct sql_error *err)
{
    const char **names = calloc(idx + 1, sizeof(*names));
    struct ty *types = calloc(idx + 1, sizeof(*types));
    char desc[SCH_MAX_NAME + 32];
    int rc = -ENOMEM;
    if (!names || !types) {
        rc = sql_fail(err, rc, x->pos.line, x->pos.col, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < idx; i++) {
        names[i] = s->cols[i].name;
        types[i] = s->cols[i].ty;
    }
    snprintf(desc, sizeof(desc), "the columns before '%s'", s->cols[idx].name);
    rc = sql_bind_row_expr(e, x, names, types, idx, desc, fctx, out, err);
out:
    free(names);
    free(types);
    return rc;
}

int sql_bind_random_default(struct engine *e, const struct sql_expr *x, const struct schema *s,
                            uint32_t idx, struct xpr **out, struct sql_error *err)
{
    struct fn_ctx fctx;
    struct xpr *bx = NULL, *cast = NULL;
    struct ty ty = s->cols[idx].ty;
    const char *col = s->cols[idx].name;
    memset(&fctx, 0, sizeof(fctx));
    fctx.now_ns = clk_now_ns();
    *out = NULL;
    int rc = bind_over_earlier(e, x, s, idx, &fctx, &bx, err);
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
        rc = sql_bind_random_default(e, st->u.select->items[0].e, sc, idx, out, err);
    sql_stmt_destroy(st);
    free(sql);
    return rc;
}

/* Mark the columns x reads in need (schema indexes). */
static void mark_cols(const struct xpr *x, uint8_t *need)
{
    if (x->kind == XPR_COL)
        need[x->col] = 1;
    for (uint32_t i = 0; i < x->nargs; i++)
        mark_cols(x->args[i], need);
}

/* Schema indexes to positions among the generated columns. */
static void renumber_cols(struct xpr *x, const uint32_t *pos)
{
    if (x->kind == XPR_COL)
        x->col = pos[x->col];
    for (uint32_t i = 0; i < x->nargs; i++)
        renumber_cols(x->args[i], pos);
}

/*
 * The generated columns: those the query reads and those their DEFAULTs
 * read, in schema order (a DEFAULT reads only earlier columns, so one pass
 * from the last column down finds them all).
 */
int sql_bind_random_cols(struct engine *e, struct bsel *b, struct sql_error *err)
{
    const struct schema *sc = b->stream->schema;
    uint8_t *need = calloc(sc->ncols, 1);
    uint32_t *pos = calloc(sc->ncols, sizeof(*pos));
    struct xpr **defs = calloc(sc->ncols, sizeof(*defs));
    int rc = 0;
    if (!need || !pos || !defs) {
        rc = sql_fail(err, -ENOMEM, 1, 1, "out of memory");
        goto out;
    }
    for (uint32_t k = 0; k < b->nscan; k++)
        need[b->scan_cols[k]] = 1;
    for (uint32_t i = sc->ncols; i-- > 0;) {
        if (!need[i])
            continue;
        if ((rc = bind_kept_default(e, sc, i, &defs[i], err)))
            goto out;
        if (defs[i])
            mark_cols(defs[i], need);
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < sc->ncols; i++)
        if (need[i])
            pos[i] = n++;
    b->rand_gen = calloc(n ? n : 1, sizeof(*b->rand_gen));
    b->rand_defs = calloc(n ? n : 1, sizeof(*b->rand_defs));
    if (!b->rand_gen || !b->rand_defs) {
        rc = sql_fail(err, -ENOMEM, 1, 1, "out of memory");
        goto out;
    }
    b->rand_ngen = n;
    for (uint32_t i = 0; i < sc->ncols; i++) {
        if (!need[i])
            continue;
        b->rand_gen[pos[i]] = i;
        if (defs[i])
            renumber_cols(defs[i], pos);
        b->rand_defs[pos[i]] = defs[i];
        defs[i] = NULL;
    }
out:
    for (uint32_t i = 0; defs && i < sc->ncols; i++)
        xpr_destroy(defs[i]);
    free(defs);
    free(pos);
    free(need);
    return rc;
}

int sql_random_src(struct bsel *b, int bounded, struct fn_ctx *fctx, struct src **out)
{
    const struct schema *sc = b->stream->schema;
    uint32_t ngen = b->rand_ngen;
    struct src_random_col *cols = calloc(ngen ? ngen : 1, sizeof(*cols));
    uint32_t *map = calloc(b->nscan ? b->nscan : 1, sizeof(*map));
    if (!cols || !map) {
        free(cols);
        free(map);
        return -ENOMEM;
    }
    for (uint32_t j = 0; j < ngen; j++) {
        uint32_t idx = b->rand_gen[j];
        cols[j].ty = sc->cols[idx].ty;
        cols[j].is_time = idx + 1 == sc->ncols; /* _tp_time is last */
        cols[j].def = b->rand_defs[j];
        b->rand_defs[j] = NULL; /* the source takes it */
    }
    for (uint32_t k = 0; k < b->nscan; k++)
        for (uint32_t j = 0; j < ngen; j++)
            if (b->rand_gen[j] == b->scan_cols[k])
                map[k] = j;
    struct src_random_spec spec = {
        .eps = sc->eps,
        .interval_ms = sc->interval_ms,
        .bounded_rows = bounded ? (sc->eps ? sc->eps : SQL_RANDOM_TABLE_ROWS) : 0,
        .out_cols = map,
        .nout = b->nscan,
        .with_sn = b->with_sn,
        .fn = fctx,
    };
    int rc = src_random_create(&spec, cols, ngen, out);
    free(cols);
    free(map);
    return rc;
}
