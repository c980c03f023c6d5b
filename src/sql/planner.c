/*
 * planner.c — bound statements become running pipelines: a source and a
 * chain of operators ending in a sink (a query's result file, or a
 * stream's log for INSERT).
 *
 * A SELECT's chain, from the source: WHERE filter -> aggregate (GROUP BY),
 * or the window operator for FROM tumble / hop / session -> HAVING filter
 * -> project (select list and hidden ORDER BY columns)
 * -> DISTINCT -> sort (top-N with LIMIT) or limit -> project dropping the
 * hidden columns -> the next stage. A subquery in FROM is planned with the
 * outer chain as its next stage, so one source feeds both. A streaming
 * SELECT (FROM s) is planned by plan_stream: the tail of the stream's log
 * (after the column parts when a backfill starts below what the log
 * retains: src_stream_create) and a chain whose aggregation emits
 * periodically. table(s) reads parts then the log (src_table_create), and
 * a WHERE made only of column-to-constant comparisons is handed to it.
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
 * The output end of b's chain, in front of next: [hidden-column drop] <-
 * sort or limit <- DISTINCT <- project <- HAVING; *cur gets its head.
 * Operator constructors own what they are given (expressions and the
 * chain after them) from the call on, also when they fail; so on failure
 * everything built here, next included, is gone, and b no longer holds
 * what it handed over.
 */
static int plan_output(struct bsel *b, struct op_ctx *ctx, struct op *next, struct op **cur_out)
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
    *cur_out = cur;
    return 0;
}

/* GROUP BY / aggregates in front of cur (when b aggregates); periodic_ns
 * > 0 makes it emit its live result that often (streaming). */
static int plan_aggregate(struct bsel *b, struct op_ctx *ctx, int64_t periodic_ns, struct op *cur,
                          struct op **out)
{
    *out = cur;
    if (b->windowed) { /* FROM tumble / hop / session: the window operator */
        struct xpr **keys = b->keys, **parts = b->parts, *time = b->win_time;
        struct op_agg_call *aggs = b->aggs;
        uint32_t nkeys = b->nkeys, naggs = b->naggs, nparts = b->nparts;
        b->keys = b->parts = NULL;
        b->win_time = NULL;
        b->nkeys = b->nparts = b->naggs = 0;
        b->aggs = NULL;
        return op_window_create(ctx, &b->win, time, parts, nparts, keys, nkeys, aggs, naggs, cur,
                                out);
    }
    if (!b->aggregating)
        return 0;
    struct xpr **keys = b->keys;
    struct op_agg_call *aggs = b->aggs;
    uint32_t nkeys = b->nkeys, naggs = b->naggs;
    b->keys = NULL;
    b->nkeys = 0;
    b->aggs = NULL;
    b->naggs = 0;
    int rc = op_aggregate_create(ctx, keys, nkeys, aggs, naggs, cur, out);
    if (!rc && periodic_ns > 0)
        op_aggregate_set_periodic(*out, periodic_ns);
    return rc;
}

/* WHERE in front of cur. */
static int plan_where(struct bsel *b, struct op_ctx *ctx, struct op *cur, struct op **out)
{
    *out = cur;
    if (!b->where)
        return 0;
    struct xpr *w = b->where;
    b->where = NULL;
    return op_filter_create(ctx, w, cur, out);
}

static int plan_select(struct bsel *b, struct op_ctx *ctx, struct op *next, struct src **src,
                       struct op **head);

/*
 * A streaming SELECT (FROM s): the one place that picks the source and
 * the chain of an unbounded query. Rows flow as they arrive: WHERE and
 * the select list pass each block on at once; an aggregation without
 * windows emits its live result periodically (Proton: EMIT PERIODIC 2s
 * for global aggregations); LIMIT ends the query. The source is the tail
 * of the stream's log from b->start (new rows, seek_to, or the backfill
 * that WHERE _tp_time > ... asks for). Windows (tumble, hop, session)
 * with their watermarks and EMIT policies take the aggregation's place
 * (plan_aggregate). Over a mutable stream an aggregation reads the log
 * as a changelog and retracts each replaced or deleted row.
 */
static int plan_stream(struct bsel *b, struct op_ctx *ctx, struct op *next, struct src **src,
                       struct op **head)
{
    struct op *cur = next, *agg;
    int rc;
    if ((rc = plan_output(b, ctx, cur, &cur)) ||
        (rc = plan_aggregate(b, ctx, OP_DEFAULT_PERIODIC_NS, cur, &cur)))
        return rc;
    agg = cur;
    if ((rc = plan_where(b, ctx, cur, &cur)))
        return rc;
    /* a mutable stream's changes, retracted by the aggregation (changelog.c) */
    if (b->changelog && (rc = sql_changelog_plan(b, ctx, agg, &cur)))
        return rc;
    if (b->stream->schema->random)
        rc = sql_random_src(b, 0, &ctx->fn, src);
    else
        rc = src_stream_create(b->stream, b->scan_cols, b->nscan, b->with_sn, &b->start, src);
    if (rc) {
        op_destroy(cur);
        return rc;
    }
    *head = cur;
    return 0;
}

/*
 * The chain of b in front of next, and its source: source -> WHERE ->
 * aggregate -> output stage (plan_output) -> next. A subquery is planned
 * with the outer chain as its next stage.
 */
static int plan_select(struct bsel *b, struct op_ctx *ctx, struct op *next, struct src **src,
                       struct op **head)
{
    struct op *cur = next;
    struct enc_pred *preds = NULL; /* WHERE conjuncts for pruning table(s) granules */
    uint32_t npreds = 0;
    struct xpr *scan_where = NULL; /* a WHERE the table(s) scan applies itself */
    int rc = 0, exact = 0;

    if (b->src_kind == BS_STREAM)
        return plan_stream(b, ctx, next, src, head);
    int kv = b->src_kind == BS_TABLE && b->stream->kv;
    /* an append stream's history: column parts, pruned by WHERE's comparisons */
    if (b->src_kind == BS_TABLE && !kv && !b->stream->schema->random &&
        (rc = src_table_preds(b->where, b->scan_cols, b->nscan, &preds, &npreds, &exact)))
        return rc;
    if (exact) { /* only comparisons the statistics decide: no filter operator */
        scan_where = b->where;
        b->where = NULL;
    }
    /* over a streaming subquery an aggregation emits periodically too */
    int64_t periodic = sql_bsel_streaming(b) ? OP_DEFAULT_PERIODIC_NS : 0;
    /* a mutable stream's scan reads the key range or index entries its
     * WHERE asks for (the filter, which takes b->where, still runs) */
    struct src_kv_range r;
    if (kv && (rc = src_kv_plan(b->stream->schema, b->where, b->scan_cols, &r)))
        return rc;
    if ((rc = plan_output(b, ctx, cur, &cur)) ||
        (rc = plan_aggregate(b, ctx, periodic, cur, &cur)) ||
        (rc = plan_where(b, ctx, cur, &cur))) {
        free(preds);
        xpr_destroy(scan_where);
        if (kv)
            src_kv_range_free(&r);
        return rc;
    }
    switch (b->src_kind) {
    case BS_ONE: rc = src_numbers_create(0, 1, src); break;
    case BS_NUMBERS: rc = src_numbers_create(b->num_offset, b->num_count, src); break;
    case BS_TABLE:
        if (kv) { /* a mutable stream: its current rows, by key range or index */
            rc = src_kv_create(b->stream, b->scan_cols, b->nscan, b->with_sn, &r, src);
            src_kv_range_free(&r);
            break;
        }
        if (b->stream->schema->random) { /* generated rows, as table(r) reads them */
            rc = sql_random_src(b, 1, &ctx->fn, src);
            break;
        }
        rc = src_table_create(b->stream, b->scan_cols, b->nscan, b->with_sn, preds, npreds,
                              scan_where, src);
        free(preds); /* the source copied them; they borrowed from the WHERE */
        break;
    case BS_SUBQUERY: return plan_select(b->sub, ctx, cur, src, head);
    case BS_STREAM: rc = -EINVAL; break; /* plan_stream */
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
    if (sc->is_mutable && given >= sc->ncols - 1) { /* user columns, _tp_time, _tp_delta */
        src_of[sc->ncols - 2] = given == sc->ncols ? (int)sc->ncols - 1 : -1;
        src_of[sc->ncols - 1] = (int)sc->ncols - 2;
    }
    return 0;
}

/* *x (nullable) converted to want (not nullable), NULL giving want's
 * default: coalesce(cast(x, nullable(want)), default). On failure *x is
 * freed and NULL. */
static int null_as_default(struct xpr **x, struct ty want, int64_t now_ns)
{
    const struct fn_scalar *co = fn_find("coalesce", 8);
    struct xpr **args = calloc(2, sizeof(*args));
    char errbuf[FN_ERR_MAX];
    int err_arg, rc;
    struct ty nwant = want;
    nwant.nullable = 1;
    if (!co || !args) {
        free(args);
        xpr_destroy(*x);
        *x = NULL;
        return -ENOMEM;
    }
    if ((rc = xpr_cast(*x, nwant, &args[0]))) {
        free(args);
        *x = NULL;
        return rc;
    }
    if ((rc = default_of(want, now_ns, &args[1]))) {
        xpr_destroy(args[0]);
        free(args);
        *x = NULL;
        return rc;
    }
    *x = NULL;
    return xpr_call(co, args, 2, x, errbuf, &err_arg);
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
                /* a NULL into a column that is not nullable is the column's
                 * default (ClickHouse's insert_null_as_default) */
                if ((rc = null_as_default(&out[c], want, now_ns))) {
                    char hn[TY_MAX_NAME], wn[TY_MAX_NAME];
                    ty_name(have, hn);
                    ty_name(want, wn);
                    return sql_fail(err, -EINVAL, pos->line, pos->col,
                                    "cannot convert %s to %s for column '%s'", hn, wn,
                                    sc->cols[c].name);
                }
                continue;
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

static struct ty fn_plain_ty(struct ty t)
{
    t.nullable = 0;
    return t;
}

static int is_number_lit(const struct sql_expr *x)
{
    return x->kind == SX_LIT && x->str &&
           (x->vkind == SQL_V_INT || x->vkind == SQL_V_UINT || x->vkind == SQL_V_FLOAT);
}

/* 1 when every value at position k is a number literal with its text, a
 * string or NULL: then a decimal column reads the numbers from their text
 * (12345678901234.5678 exactly), as ClickHouse's VALUES parser does,
 * instead of through a float64. */
static int decimal_literals(const struct sql_stmt *st, uint32_t k, uint32_t nv)
{
    for (uint32_t r = 0; r < st->u.insert.nrows; r++) {
        const struct sql_expr *x = st->u.insert.values[(size_t)r * nv + k];
        if (!is_number_lit(x) &&
            !(x->kind == SX_LIT && (x->vkind == SQL_V_STRING || x->vkind == SQL_V_NULL)))
            return 0;
    }
    return 1;
}

/* A constant expression's one row appended to dst (arrays: a value
 * cannot hold their elements, so they are computed into the column). */
static int eval_one(struct xpr *x, struct fn_ctx *fctx, struct col *dst)
{
    struct blk one = {.ncols = 0, .nrows = 1, .cols = NULL};
    struct col *c;
    int owned, rc = xpr_eval(x, fctx, &one, &c, &owned);
    if (rc)
        return rc;
    rc = col_append_rows(dst, c, 0, 1);
    if (owned)
        col_delete(c);
    return rc;
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
    uint8_t *as_text = NULL; /* per position: decimal literals read from their text */
    int rc;

    init_ctx(&ctx, now_ns);
    if ((rc = map_columns(st, sc, nv, src_of, err)))
        return rc;
    /* each position of the tuple has the type of the column it feeds, and
     * every value converts to that type on its own, as ClickHouse parses
     * VALUES into the column's type: rows of mixed literals (1, 300, -1,
     * '7') fit, and a NULL for a column that is not nullable is its default */
    vals = calloc((size_t)st->u.insert.nrows * nv + 1, sizeof(*vals));
    tys = calloc(nv + 1, sizeof(*tys));
    as_text = calloc(nv + 1, 1);
    if (!vals || !tys || !as_text) {
        rc = -ENOMEM;
        goto fail;
    }
    for (uint32_t c = 0; c < sc->ncols; c++)
        if (src_of[c] >= 0) {
            tys[src_of[c]] = sc->cols[c].ty;
            if (sc->cols[c].ty.kind == TY_DECIMAL)
                as_text[src_of[c]] = decimal_literals(st, (uint32_t)src_of[c], nv);
        }
    if ((rc = blk_create(tys, nv, &tuple)))
        goto fail;
    for (uint32_t r = 0; r < st->u.insert.nrows; r++)
        for (uint32_t k = 0; k < nv; k++) {
            const struct sql_expr *x = st->u.insert.values[(size_t)r * nv + k];
            struct xpr **v = &vals[(size_t)r * nv + k];
            struct sql_expr text;
            if (as_text[k] && is_number_lit(x)) { /* read exactly, as a string */
                text = *x;
                text.vkind = SQL_V_STRING;
                x = &text;
            }
            if ((rc = sql_bind_const(e, x, &ctx.fn, v, err)))
                goto fail_msg;
            if ((*v)->kind != XPR_CONST && (*v)->ty.kind != TY_ARRAY) {
                rc = sql_fail(err, -EINVAL, x->pos.line, x->pos.col,
                              "VALUES must be constant expressions");
                goto fail_msg;
            }
            struct val cv = (*v)->cval;
            if (tys[k].kind == TY_ARRAY && (*v)->ty.kind != TY_NOTHING) {
                /* computed, not folded: values hold no elements */
                struct xpr *cast = *v;
                if (!ty_equal((*v)->ty, tys[k])) {
                    struct ty from = (*v)->ty;
                    if ((rc = xpr_cast(*v, tys[k], &cast))) {
                        char a[TY_MAX_NAME], b[TY_MAX_NAME];
                        *v = NULL;
                        ty_name(fn_plain_ty(from), a);
                        ty_name(tys[k], b);
                        rc = sql_fail(err, -EINVAL, x->pos.line, x->pos.col,
                                      "cannot convert %s to %s for this column", a, b);
                        goto fail_msg;
                    }
                    *v = cast;
                }
                if ((rc = eval_one(cast, &ctx.fn, &tuple->cols[k]))) {
                    rc = sql_fail(err, rc, x->pos.line, x->pos.col, "%s", fn_error(&ctx.fn));
                    goto fail_msg;
                }
                continue;
            }
            if (!cv.is_null && (*v)->ty.kind != TY_NOTHING &&
                (!ty_equal((*v)->ty, tys[k]) || (*v)->ty.nullable != tys[k].nullable)) {
                struct xpr *cast;
                char *str;
                struct ty from = (*v)->ty;
                if ((rc = xpr_cast(*v, tys[k], &cast))) {
                    char a[TY_MAX_NAME], b[TY_MAX_NAME];
                    *v = NULL;
                    ty_name(fn_plain_ty(from), a);
                    ty_name(fn_plain_ty(tys[k]), b);
                    rc = sql_fail(err, -EINVAL, x->pos.line, x->pos.col,
                                  "cannot convert %s to %s for this column", a, b);
                    goto fail_msg;
                }
                *v = cast;
                if ((rc = xpr_fold(cast, &ctx.fn, &cv, &str))) {
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
    if ((rc = eng_stream_append(s, conv, NULL))) {
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
    free(as_text);
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
    if (!after && sql_bsel_streaming(b)) {
        rc = sql_fail(err, -EINVAL, st->pos.line, st->pos.col,
                      "INSERT ... SELECT from a stream never ends; write it to queries/new "
                      "(or read table(stream) for the stored rows)");
        goto out;
    }
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
        return sql_unknown_stream(e, err, st->u.insert.target, st->u.insert.target_pos);
    if (rc)
        return sql_fail(err, rc, st->u.insert.target_pos.line, st->u.insert.target_pos.col,
                        "cannot open stream '%s': %s", st->u.insert.target, err_str(rc));
    if ((*s)->schema->random) {
        eng_stream_put(*s);
        *s = NULL;
        return sql_fail(err, -EINVAL, st->u.insert.target_pos.line, st->u.insert.target_pos.col,
                        "%s is a random stream: its rows are generated", st->u.insert.target);
    }
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
        spec.kind = sql_bsel_streaming(b) ? QRY_STREAMING : QRY_HISTORICAL;
        spec.format = b->format;
        spec.rotate_bytes = b->result_rotate_bytes;
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
