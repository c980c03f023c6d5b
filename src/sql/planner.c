/*
 * planner.c — bound statements become running pipelines: a source and a
 * chain of operators ending in a sink (a query's result file, or a
 * stream's log for INSERT).
 *
 * A SELECT's chain, from the source: WHERE filter -> aggregate (GROUP BY),
 * or the window operator for FROM tumble / hop / session -> HAVING filter -> project (select list and hidden ORDER BY columns)
 * -> DISTINCT -> sort (top-N with LIMIT) or limit -> project dropping the
 * hidden columns -> the next stage. A subquery in FROM is planned with the
 * outer chain as its next stage, so one source feeds both.
 *
 * Entry points: sql_query_start (queries/new: SELECT, INSERT ... SELECT,
 * run on the query pool) and sql_exec_insert (ctl: INSERT ... VALUES and
 * INSERT ... SELECT, run to completion before the write returns).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_int.h"
#include "exec/query.h"
#include "exec/run.h"
#include "sql/sql.h"
#include "types/datetime.h"
#include "util/clock.h"
#include "util/err.h"

/* A projection keeping columns [0, n) of types. Like every operator
 * constructor, it owns next from the call on, also when it fails. */
static int take_first(struct op_ctx *ctx, const struct ty *types, uint32_t n, struct op *next,
                      struct op **out)
{
    struct xpr **cols = calloc(n ? n : 1, sizeof(*cols));
    int rc = cols ? 0 : -ENOMEM;
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = xpr_col(i, types[i], &cols[i]);
    if (rc) {
        for (uint32_t i = 0; cols && i < n; i++)
            xpr_destroy(cols[i]);
        free(cols);
        op_destroy(next);
        return rc;
    }
    return op_project_create(ctx, cols, n, next, out);
}

/*
 * The chain of b in front of next, and its source. Operator constructors
 * own what they are given (expressions and the chain after them) from the
 * call on, also when they fail; so on failure everything built here, next
 * included, is gone, and b no longer holds what it handed over.
 */
static int plan_select(struct bsel *b, struct op_ctx *ctx, struct op *next, struct src **src,
                       struct op **head)
{
    struct op *cur = next;
    int rc = 0;

    if (b->nproj > b->nout && (rc = take_first(ctx, b->types, b->nout, cur, &cur)))
        return rc;
    if (b->norder && !(b->has_limit && b->limit == 0)) {
        uint64_t lim = b->has_limit ? b->limit : 0;
        if ((rc = op_sort_create(ctx, b->order, b->norder, lim, b->offset, cur, &cur)))
            return rc;
    } else if (b->has_limit || b->offset) {
        if ((rc = op_limit_create(ctx, b->has_limit ? b->limit : UINT64_MAX, b->offset, cur, &cur)))
            return rc;
    }
    if (b->distinct && (rc = op_distinct_create(ctx, cur, &cur)))
        return rc;
    struct xpr **proj = b->proj;
    uint32_t nproj = b->nproj;
    b->proj = NULL; /* the operator owns them now */
    b->nproj = 0;
    if ((rc = op_project_create(ctx, proj, nproj, cur, &cur)))
        return rc;
    if (b->having) {
        struct xpr *h = b->having;
        b->having = NULL;
        if ((rc = op_filter_create(ctx, h, cur, &cur)))
            return rc;
    }
    if (b->windowed) {
        struct xpr **keys = b->keys, **parts = b->parts, *time = b->win_time;
        struct op_agg_call *aggs = b->aggs;
        uint32_t nkeys = b->nkeys, naggs = b->naggs, nparts = b->nparts;
        b->keys = b->parts = NULL;
        b->win_time = NULL;
        b->nkeys = b->nparts = b->naggs = 0;
        b->aggs = NULL;
        if ((rc = op_window_create(ctx, &b->win, time, parts, nparts, keys, nkeys, aggs, naggs, cur,
                                   &cur)))
            return rc;
    } else if (b->aggregating) {
        struct xpr **keys = b->keys;
        struct op_agg_call *aggs = b->aggs;
        uint32_t nkeys = b->nkeys, naggs = b->naggs;
        b->keys = NULL;
        b->nkeys = 0;
        b->aggs = NULL;
        b->naggs = 0;
        if ((rc = op_aggregate_create(ctx, keys, nkeys, aggs, naggs, cur, &cur)))
            return rc;
    }
    if (b->where) {
        struct xpr *w = b->where;
        b->where = NULL;
        if ((rc = op_filter_create(ctx, w, cur, &cur)))
            return rc;
    }
    switch (b->src_kind) {
    case BS_ONE: rc = src_numbers_create(0, 1, src); break;
    case BS_NUMBERS: rc = src_numbers_create(b->num_offset, b->num_count, src); break;
    case BS_TABLE: rc = src_log_create(b->stream, b->scan_cols, b->nscan, b->with_sn, src); break;
    case BS_SUBQUERY: return plan_select(b->sub, ctx, cur, src, head);
    }
    if (rc) {
        op_destroy(cur);
        return rc;
    }
    *head = cur;
    return 0;
}

static void init_ctx(struct op_ctx *ctx, int64_t now_ns)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->fn.now_ns = now_ns;
    ctx->fn.rand_state = (uint64_t)now_ns ^ 0x9E3779B97F4A7C15ull;
}

/* ---- INSERT ---- */

/* A column's default when an INSERT does not give it. */
static int default_of(struct ty ty, int64_t now_ns, struct xpr **out)
{
    struct val v;
    memset(&v, 0, sizeof(v));
    v.ty = ty;
    if (ty.nullable)
        v.is_null = 1;
    else if (ty.kind == TY_STRING)
        v.v.s.p = "";
    else if (ty.kind == TY_DATETIME64)
        v.v.i = now_ns / dt_pow10(9 - ty.prec); /* _tp_time: the insert's time */
    return xpr_const(&v, out);
}

/* Target columns of an INSERT: for each stream column, the position in the
 * inserted tuple that feeds it, or -1 for its default. */
static int map_columns(const struct sql_stmt *st, const struct schema *sc, uint32_t given,
                       int *src_of, struct sql_error *err)
{
    const struct sql_pos *tp = &st->u.insert.target_pos;
    for (uint32_t i = 0; i < sc->ncols; i++)
        src_of[i] = -1;
    if (st->u.insert.ncols) {
        if (given != st->u.insert.ncols)
            return sql_fail(err, -EINVAL, tp->line, tp->col,
                            "INSERT lists %u columns but gives %u values", st->u.insert.ncols,
                            given);
        for (uint32_t k = 0; k < st->u.insert.ncols; k++) {
            const char *name = st->u.insert.cols[k];
            int c = sch_find(sc, name, strlen(name));
            const struct sql_pos *cp = &st->u.insert.col_pos[k];
            if (c < 0) {
                const char *names[SCH_MAX_COLS];
                for (uint32_t i = 0; i < sc->ncols && i < SCH_MAX_COLS; i++)
                    names[i] = sc->cols[i].name;
                const char *hint = sql_closest(name, names, (int)sc->ncols);
                if (hint)
                    return sql_fail(err, -EINVAL, cp->line, cp->col,
                                    "unknown column '%s' in stream %s, did you mean '%s'?", name,
                                    sc->name, hint);
                return sql_fail(err, -EINVAL, cp->line, cp->col, "unknown column '%s' in stream %s",
                                name, sc->name);
            }
            if (src_of[c] >= 0)
                return sql_fail(err, -EINVAL, cp->line, cp->col, "column '%s' is listed twice", name);
            src_of[c] = (int)k;
        }
        return 0;
    }
    /* by position onto the user columns, then _tp_time (SPEC rule 10) */
    if (given > sc->ncols)
        return sql_fail(err, -EINVAL, tp->line, tp->col,
                        "INSERT gives %u values but stream %s has %u columns (with _tp_time)",
                        given, sc->name, sc->ncols);
    for (uint32_t k = 0; k < given; k++)
        src_of[k] = (int)k;
    return 0;
}

/* The expressions converting an inserted tuple (input columns of types
 * in_ty) into the stream's columns. */
static int convert_exprs(const struct schema *sc, const int *src_of, const struct ty *in_ty,
                         int64_t now_ns, struct xpr **out, struct sql_error *err,
                         const struct sql_pos *pos)
{
    int rc = 0;
    for (uint32_t c = 0; c < sc->ncols && !rc; c++) {
        struct ty want = sc->cols[c].ty;
        if (src_of[c] < 0) {
            int tc = sc->time_col;
            if (c == sc->ncols - 1 && tc >= 0 && src_of[tc] >= 0) { /* event_time_column */
                if ((rc = xpr_col((uint32_t)src_of[tc], in_ty[src_of[tc]], &out[c])) == 0)
                    rc = xpr_cast(out[c], want, &out[c]);
            } else {
                rc = default_of(want, now_ns, &out[c]);
            }
            continue;
        }
        struct ty have = in_ty[src_of[c]];
        if ((rc = xpr_col((uint32_t)src_of[c], have, &out[c])))
            break;
        if (!ty_equal(have, want) || have.nullable != want.nullable) {
            if (have.nullable && !want.nullable && have.kind != TY_NOTHING) {
                char hn[TY_MAX_NAME], wn[TY_MAX_NAME];
                ty_name(have, hn);
                ty_name(want, wn);
                xpr_destroy(out[c]);
                out[c] = NULL;
                return sql_fail(err, -EINVAL, pos->line, pos->col,
                                "cannot insert %s into column '%s' of type %s", hn,
                                sc->cols[c].name, wn);
            }
            if ((rc = xpr_cast(out[c], want, &out[c]))) {
                char hn[TY_MAX_NAME], wn[TY_MAX_NAME];
                out[c] = NULL;
                ty_name(have, hn);
                ty_name(want, wn);
                return sql_fail(err, -EINVAL, pos->line, pos->col,
                                "cannot convert %s to %s for column '%s'", hn, wn, sc->cols[c].name);
            }
        }
    }
    return rc ? sql_fail(err, rc, pos->line, pos->col, "out of memory") : 0;
}

static void free_exprs(struct xpr **x, uint32_t n)
{
    for (uint32_t i = 0; x && i < n; i++)
        xpr_destroy(x[i]);
    free(x);
}

/* INSERT ... VALUES: one block built from constant rows, appended once. */
static int insert_values(struct engine *e, const struct sql_stmt *st, struct eng_stream *s,
                         int64_t now_ns, uint64_t *rows, struct sql_error *err)
{
    const struct schema *sc = s->schema;
    uint32_t nv = st->u.insert.nvalues;
    int src_of[SCH_MAX_COLS + 1];
    struct op_ctx ctx;
    struct blk *tuple = NULL, *conv = NULL;
    struct ty *tys = NULL, *out_ty = NULL;
    struct xpr **conv_x = NULL, **vals = NULL;
    int rc;

    init_ctx(&ctx, now_ns);
    if ((rc = map_columns(st, sc, nv, src_of, err)))
        return rc;
    /* bind every value; the column type of a tuple position is the common
     * type of its values, so rows of mixed literals (1, 300, NULL) fit */
    vals = calloc((size_t)st->u.insert.nrows * nv + 1, sizeof(*vals));
    tys = calloc(nv + 1, sizeof(*tys));
    if (!vals || !tys) {
        rc = -ENOMEM;
        goto fail;
    }
    for (uint32_t r = 0; r < st->u.insert.nrows; r++)
        for (uint32_t k = 0; k < nv; k++) {
            const struct sql_expr *x = st->u.insert.values[(size_t)r * nv + k];
            struct xpr **v = &vals[(size_t)r * nv + k];
            if ((rc = sql_bind_const(e, x, &ctx.fn, v, err)))
                goto fail_msg;
            if ((*v)->kind != XPR_CONST) {
                rc = sql_fail(err, -EINVAL, x->pos.line, x->pos.col,
                              "VALUES must be constant expressions");
                goto fail_msg;
            }
            struct ty t = (*v)->ty;
            if (r == 0) {
                tys[k] = t;
            } else if (fn_common_type(tys[k], t, &tys[k])) {
                char a[TY_MAX_NAME], b[TY_MAX_NAME];
                ty_name(tys[k], a);
                ty_name(t, b);
                rc = sql_fail(err, -EINVAL, x->pos.line, x->pos.col,
                              "value of type %s does not fit with %s in the rows above", b, a);
                goto fail_msg;
            }
        }
    if ((rc = blk_create(tys, nv, &tuple)))
        goto fail;
    for (uint32_t r = 0; r < st->u.insert.nrows; r++)
        for (uint32_t k = 0; k < nv; k++) {
            struct xpr *v = vals[(size_t)r * nv + k];
            struct val cv = v->cval;
            if (!ty_equal(v->ty, tys[k]) || v->ty.nullable != tys[k].nullable) {
                struct xpr *c;
                char *str;
                vals[(size_t)r * nv + k] = NULL;
                if ((rc = xpr_cast(v, tys[k], &c))) {
                    const struct sql_expr *x = st->u.insert.values[(size_t)r * nv + k];
                    rc = sql_fail(err, -EINVAL, x->pos.line, x->pos.col, "cannot convert value");
                    goto fail_msg;
                }
                vals[(size_t)r * nv + k] = c;
                if ((rc = xpr_fold(c, &ctx.fn, &cv, &str))) {
                    const struct sql_expr *x = st->u.insert.values[(size_t)r * nv + k];
                    rc = sql_fail(err, rc, x->pos.line, x->pos.col, "%s", fn_error(&ctx.fn));
                    goto fail_msg;
                }
                rc = val_push(&cv, &tuple->cols[k]);
                free(str);
            } else {
                rc = val_push(&cv, &tuple->cols[k]);
            }
            if (rc)
                goto fail;
        }
    if ((rc = blk_seal(tuple)))
        goto fail;
    if (nv == 0)
        tuple->nrows = st->u.insert.nrows;
    conv_x = calloc(sc->ncols, sizeof(*conv_x));
    if (!conv_x) {
        rc = -ENOMEM;
        goto fail;
    }
    if ((rc = convert_exprs(sc, src_of, tys, now_ns, conv_x, err, &st->u.insert.target_pos)))
        goto fail_msg;
    /* evaluate the conversions over the tuple block: the stream's block */
    if ((rc = sch_types(sc, &out_ty)) || (rc = blk_create(out_ty, sc->ncols, &conv)))
        goto fail;
    for (uint32_t c = 0; c < sc->ncols; c++) {
        struct col *col;
        int owned;
        if ((rc = xpr_eval(conv_x[c], &ctx.fn, tuple, &col, &owned))) {
            rc = sql_fail(err, rc, st->pos.line, st->pos.col, "%s", fn_error(&ctx.fn));
            goto fail_msg;
        }
        if (owned) {
            blk_adopt_col(conv, c, col);
            col_delete(col);
        } else if ((rc = blk_borrow_col(conv, c, tuple, conv_x[c]->col))) {
            goto fail;
        }
    }
    conv->nrows = tuple->nrows;
    if ((rc = log_append(s->log, conv, NULL))) {
        rc = sql_fail(err, rc, st->pos.line, st->pos.col, "cannot append to %s: %s", sc->name,
                      err_str(rc));
        goto fail_msg;
    }
    eng_stream_accepted(s, conv->nrows, 0);
    *rows = conv->nrows;
    if (sc->fsync == SCH_FSYNC_CLOSE || sc->fsync == SCH_FSYNC_ALWAYS)
        rc = log_sync(s->log);
    else if (sc->fsync == SCH_FSYNC_INTERVAL)
        eng_sync_later(s);
    if (rc) {
        rc = sql_fail(err, rc, st->pos.line, st->pos.col, "cannot sync %s: %s", sc->name, err_str(rc));
        goto fail_msg;
    }
    goto done;
fail:
    rc = sql_fail(err, rc, st->pos.line, st->pos.col, "%s", err_str(rc));
fail_msg:
done:
    blk_unref(tuple);
    blk_unref(conv);
    free(out_ty);
    free(tys);
    free_exprs(conv_x, conv_x ? sc->ncols : 0);
    free_exprs(vals, vals ? st->u.insert.nrows * nv : 0);
    return rc;
}

/*
 * INSERT ... SELECT: the select's chain, then a projection converting its
 * columns to the stream's, then the insert sink. The head and source are ready to
 * drive; the caller's ctx is used by every operator.
 */
static int plan_insert_select(struct engine *e, const struct sql_stmt *st, struct eng_stream *s,
                              struct op_ctx *ctx, struct op *after, uint64_t *rows,
                              struct src **src, struct op **head, struct sql_error *err)
{
    const struct schema *sc = s->schema;
    int src_of[SCH_MAX_COLS + 1];
    struct bsel *b = NULL;
    struct xpr **conv = NULL;
    struct op *ins = NULL, *proj = NULL;
    int rc;

    if ((rc = sql_bind_select(e, st->u.insert.select, &ctx->fn, &b, err)))
        return rc;
    if ((rc = map_columns(st, sc, b->nout, src_of, err)))
        goto out;
    if (!(conv = calloc(sc->ncols, sizeof(*conv)))) {
        rc = sql_fail(err, -ENOMEM, st->pos.line, st->pos.col, "out of memory");
        goto out;
    }
    if ((rc = convert_exprs(sc, src_of, b->types, ctx->fn.now_ns, conv, err,
                            &st->u.insert.target_pos)))
        goto out;
    if ((rc = op_insert_create(ctx, s, rows, &ins)))
        goto oom;
    ins->next = after;
    struct xpr **cv = conv;
    conv = NULL; /* the projection owns them, and the insert sink, from here */
    if ((rc = op_project_create(ctx, cv, sc->ncols, ins, &proj)))
        goto oom;
    if ((rc = plan_select(b, ctx, proj, src, head)))
        goto oom;
    goto out;
oom:
    rc = sql_fail(err, rc, st->pos.line, st->pos.col, "cannot plan the insert: %s", err_str(rc));
out:
    if (ins && conv) /* failed before the projection took it */
        op_destroy(ins);
    free_exprs(conv, conv ? sc->ncols : 0);
    sql_bsel_destroy(b);
    return rc;
}

static int target_stream(struct engine *e, const struct sql_stmt *st, struct eng_stream **s,
                         struct sql_error *err)
{
    int rc = eng_stream_get(e, st->u.insert.target, s);
    if (rc == -ENOENT)
        return sql_fail(err, rc, st->u.insert.target_pos.line, st->u.insert.target_pos.col,
                        "unknown stream '%s'", st->u.insert.target);
    if (rc)
        return sql_fail(err, rc, st->u.insert.target_pos.line, st->u.insert.target_pos.col,
                        "cannot open stream '%s': %s", st->u.insert.target, err_str(rc));
    return 0;
}

int sql_exec_insert(struct engine *e, const struct sql_stmt *st, struct sql_error *err,
                    struct buf *outcome)
{
    struct eng_stream *s;
    uint64_t rows = 0;
    int64_t now_ns = clk_now_ns();
    int rc = target_stream(e, st, &s, err);
    if (rc)
        return rc;
    if (!st->u.insert.select) {
        rc = insert_values(e, st, s, now_ns, &rows, err);
    } else {
        struct op_ctx ctx;
        struct src *src = NULL;
        struct op *head = NULL;
        init_ctx(&ctx, now_ns);
        if ((rc = plan_insert_select(e, st, s, &ctx, NULL, &rows, &src, &head, err)) == 0) {
            if ((rc = op_drive(src, head, &ctx)))
                rc = sql_fail(err, rc, st->pos.line, st->pos.col, "%s", ctx.err);
            src_destroy(src);
            op_destroy(head);
        }
    }
    if (!rc)
        rc = buf_printf(outcome, "ok: inserted %llu row%s into %s", (unsigned long long)rows,
                        rows == 1 ? "" : "s", s->schema->name);
    eng_stream_put(s);
    return rc;
}

/* ---- queries/new ---- */

int sql_query_start(struct engine *e, const char *text, size_t len, const char *name, char id[64],
                    struct sql_error *err)
{
    struct sql_stmt *st = NULL;
    struct bsel *b = NULL;
    struct qry *q = NULL;
    struct eng_stream *target = NULL;
    int64_t now_ns = clk_now_ns();
    struct fn_ctx fctx;
    int rc;

    memset(&fctx, 0, sizeof(fctx));
    fctx.now_ns = now_ns;
    if ((rc = sql_parse(text, len, &st, err)))
        return rc;
    struct qry_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.name = name;
    spec.sql = text;
    spec.sql_len = len;
    if (st->kind == SQL_SELECT) {
        if ((rc = sql_bind_select(e, st->u.select, &fctx, &b, err)))
            goto out;
        spec.kind = QRY_HISTORICAL;
        spec.format = b->format;
        spec.ncols = b->nout;
        spec.names = (const char *const *)b->names;
        spec.types = b->types;
        spec.max_result_bytes = b->max_result_bytes;
        spec.max_memory_usage = b->max_memory_usage;
    } else if (st->kind == SQL_INSERT && st->u.insert.select) {
        if ((rc = target_stream(e, st, &target, err)))
            goto out;
        spec.kind = QRY_INSERT;
        spec.format = FMT_JSONEACHROW;
    } else {
        rc = sql_fail(err, -EINVAL, st->pos.line, st->pos.col,
                      "queries/new takes SELECT or INSERT ... SELECT; write other statements to ctl");
        goto out;
    }
    if ((rc = qry_create(e, &spec, &q))) {
        if (rc == -EEXIST)
            rc = sql_fail(err, rc, st->pos.line, st->pos.col, "query '%s' already exists", name ? name : "");
        else
            rc = sql_fail(err, rc, st->pos.line, st->pos.col, "cannot create the query: %s",
                          err_str(rc));
        q = NULL;
        goto out;
    }
    struct op_ctx *ctx = qry_ctx(q);
    ctx->fn.now_ns = now_ns;
    ctx->fn.rand_state = (uint64_t)now_ns ^ 0x9E3779B97F4A7C15ull;
    struct src *src = NULL;
    struct op *head = NULL;
    if (target) {
        rc = plan_insert_select(e, st, target, ctx, qry_sink(q), NULL, &src, &head, err);
    } else {
        rc = plan_select(b, ctx, qry_sink(q), &src, &head);
        if (rc) {
            rc = sql_fail(err, rc, st->pos.line, st->pos.col, "cannot plan the query: %s", err_str(rc));
        }
    }
    if (rc) {
        qry_abort(q, err->msg);
        goto out;
    }
    snprintf(id, 64, "%s", qry_id(q));
    rc = qry_run(q, src, head);
    if (rc)
        rc = sql_fail(err, rc, st->pos.line, st->pos.col, "cannot start the query: %s", err_str(rc));
out:
    if (q)
        qry_put(q);
    if (target)
        eng_stream_put(target);
    sql_bsel_destroy(b);
    sql_stmt_destroy(st);
    return rc;
}

int sql_check(struct engine *e, const char *text, size_t len, struct sql_error *err)
{
    struct sql_stmt *st = NULL;
    struct bsel *b = NULL;
    struct fn_ctx fctx;
    int rc;

    memset(&fctx, 0, sizeof(fctx));
    fctx.now_ns = clk_now_ns();
    if ((rc = sql_parse(text, len, &st, err)))
        return rc;
    if (st->kind == SQL_SELECT) {
        rc = sql_bind_select(e, st->u.select, &fctx, &b, err);
    } else if (st->kind == SQL_INSERT && st->u.insert.select) {
        rc = sql_bind_select(e, st->u.insert.select, &fctx, &b, err);
    } else if (st->kind == SQL_INSERT) {
        for (uint32_t i = 0; i < st->u.insert.nrows * st->u.insert.nvalues && !rc; i++) {
            struct xpr *x = NULL;
            rc = sql_bind_const(e, st->u.insert.values[i], &fctx, &x, err);
            xpr_destroy(x);
        }
    }
    sql_bsel_destroy(b);
    sql_stmt_destroy(st);
    return rc;
}
