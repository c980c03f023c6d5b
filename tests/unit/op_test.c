/*
 * op_test.c — the operators (exec/op.h) on small blocks built by hand,
 * each chain ending in a collector that records what reaches it: how many
 * pushes, the rows (copied), the first block (to see whether a block went
 * through untouched), the largest block, and finish.
 *
 * filter: passing, dropping and copying blocks, NULL conditions. project:
 * borrowed and computed columns outliving their input. limit: offsets
 * across blocks, OP_DONE from itself and from its successor, LIMIT 0.
 * distinct: first occurrences across blocks, NULLs and strings.
 * aggregate: thousands of groups over several blocks against a naive
 * computation, composite and NULL keys, the global group of an empty
 * input, nullable arguments, output blocks of 8192 rows, and
 * max_memory_usage failing the query with its message while the account
 * returns to zero. sort: several keys, NULL and NaN placement, stability,
 * top-N equal to the full sort's slice on random data, and memory.
 * Expressions are column references and constants only (xpr_col,
 * xpr_const), so these tests do not depend on the scalar library.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/agg.h"
#include "exec/op.h"
#include "types/value.h"

static const struct ty I32 = {TY_INT32, 0, 0}, I64 = {TY_INT64, 0, 0}, F64 = {TY_FLOAT64, 0, 0},
                       STR = {TY_STRING, 0, 0}, BOOL = {TY_BOOL, 0, 0};

static struct ty nul(struct ty t)
{
    t.nullable = 1;
    return t;
}

static struct op_ctx ctx;

static void ctx_reset(uint64_t limit)
{
    memset(&ctx, 0, sizeof(ctx));
    ctx.mem_limit = limit;
}

/* --- the collector --------------------------------------------------------- */

struct collector {
    struct op op;
    struct blk *rows;      /* every row received, copied */
    struct blk *first;     /* the first block received (a reference) */
    uint32_t pushes, finishes, max_block;
    uint64_t done_after;   /* answer OP_DONE once this many rows came; 0: never */
};

static int coll_push(struct op *o, struct blk *b)
{
    struct collector *c = (struct collector *)o;
    c->pushes++;
    cr_assert_gt(b->nrows, 0, "no empty blocks downstream");
    if (b->nrows > c->max_block)
        c->max_block = b->nrows;
    if (!c->first) {
        blk_ref(b);
        c->first = b;
        struct ty t[16];
        for (uint32_t i = 0; i < b->ncols; i++)
            t[i] = b->cols[i].ty;
        cr_assert_eq(blk_create(t, b->ncols, &c->rows), 0);
    }
    cr_assert_eq(blk_append_rows(c->rows, b, 0, b->nrows), 0);
    return c->done_after && c->rows->nrows >= c->done_after ? OP_DONE : 0;
}

static int coll_finish(struct op *o)
{
    ((struct collector *)o)->finishes++;
    return 0;
}

static void coll_destroy(struct op *o)
{
    struct collector *c = (struct collector *)o;
    blk_unref(c->rows);
    blk_unref(c->first);
    free(c);
}

static const struct op_vt coll_vt = {coll_push, coll_finish, coll_destroy, NULL};

static struct collector *collector(void)
{
    struct collector *c = calloc(1, sizeof(*c));
    c->op = (struct op){&coll_vt, NULL, &ctx};
    return c;
}

static uint32_t nrows(const struct collector *c)
{
    return c->rows ? c->rows->nrows : 0;
}

/* --- blocks and values ----------------------------------------------------- */

static struct blk *block(const struct ty *types, uint32_t ncols)
{
    struct blk *b;
    cr_assert_eq(blk_create(types, ncols, &b), 0);
    return b;
}

static void put_i(struct col *c, int64_t v)
{
    struct val x = {.ty = c->ty, .v.i = v};
    x.ty.nullable = 0;
    cr_assert_eq(val_push(&x, c), 0);
}

static void put_f(struct col *c, double v)
{
    cr_assert_eq(col_push_fixed(c, &v), 0);
}

static void put_s(struct col *c, const char *s)
{
    cr_assert_eq(s ? col_push_str(c, s, strlen(s)) : col_push_null(c), 0);
}

static void put_null(struct col *c)
{
    cr_assert_eq(col_push_null(c), 0);
}

/* A nullable integer: negative values stand for NULL. */
static void put_ni(struct col *c, int64_t v)
{
    if (v < 0)
        put_null(c);
    else
        put_i(c, v);
}

static void seal(struct blk *b)
{
    cr_assert_eq(blk_seal(b), 0);
}

/* Seal b, push it into o (which must take it), drop it. */
static void feed(struct op *o, struct blk *b)
{
    seal(b);
    cr_assert_eq(op_push(o, b), 0);
    blk_unref(b);
}

static int is_null(const struct blk *b, uint32_t col, uint32_t r)
{
    return col_is_null(&b->cols[col], r);
}

static int64_t get_i(const struct blk *b, uint32_t col, uint32_t r)
{
    struct val v;
    val_from_col(&b->cols[col], r, &v);
    return v.v.i;
}

static double get_f(const struct blk *b, uint32_t col, uint32_t r)
{
    return COL_AT(&b->cols[col], double, r);
}

static int str_is(const struct blk *b, uint32_t col, uint32_t r, const char *want)
{
    size_t n;
    const char *s = col_str(&b->cols[col], r, &n);
    return n == strlen(want) && !memcmp(s, want, n);
}

static struct xpr *colx(uint32_t i, struct ty t)
{
    struct xpr *x;
    cr_assert_eq(xpr_col(i, t, &x), 0);
    return x;
}

static struct xpr **xprs1(struct xpr *a)
{
    struct xpr **v = malloc(sizeof(*v));
    v[0] = a;
    return v;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* --- filter ------------------------------------------------------------------ */

Test(op_filter, keeps_true_rows_only)
{
    ctx_reset(0);
    struct ty t[3] = {nul(BOOL), I32, STR};
    struct blk *b = block(t, 3);
    int cond[] = {1, 0, -1, 1, 1}; /* -1: NULL */
    const char *s[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++) {
        put_ni(&b->cols[0], cond[i]);
        put_i(&b->cols[1], i * 10);
        put_s(&b->cols[2], s[i]);
    }
    seal(b);
    struct collector *c = collector();
    struct op *f;
    cr_assert_eq(op_filter_create(&ctx, colx(0, t[0]), &c->op, &f), 0);
    cr_assert_eq(op_push(f, b), 0);
    cr_assert_eq(nrows(c), 3);
    cr_expect_neq(c->first, b, "a copy of the passing rows");
    cr_expect_eq(get_i(c->rows, 1, 0), 0);
    cr_expect_eq(get_i(c->rows, 1, 1), 30);
    cr_expect_eq(get_i(c->rows, 1, 2), 40);
    cr_expect(str_is(c->rows, 2, 1, "d"));
    cr_assert_eq(op_finish(f), 0);
    cr_expect_eq(c->finishes, 1);
    blk_unref(b);
    op_destroy(f);
}

Test(op_filter, whole_blocks_pass_untouched_empty_results_vanish)
{
    ctx_reset(0);
    struct ty t[2] = {BOOL, I64};
    struct blk *all = block(t, 2), *none = block(t, 2);
    for (int i = 0; i < 100; i++) {
        put_i(&all->cols[0], 1);
        put_i(&all->cols[1], i);
        put_i(&none->cols[0], 0);
        put_i(&none->cols[1], i);
    }
    seal(all);
    seal(none);
    struct collector *c = collector();
    struct op *f;
    cr_assert_eq(op_filter_create(&ctx, colx(0, BOOL), &c->op, &f), 0);
    cr_assert_eq(op_push(f, none), 0);
    cr_expect_eq(c->pushes, 0, "nothing passes: nothing is pushed");
    cr_assert_eq(op_push(f, all), 0);
    cr_expect_eq(c->pushes, 1);
    cr_expect_eq(c->first, all, "every row passes: the same block goes on");
    op_destroy(f);

    /* constant conditions: true passes, NULL drops */
    c = collector();
    struct val vt = {.ty = BOOL, .v.u = 1}, vn = {.ty = {TY_NOTHING, 1, 0}, .is_null = 1};
    struct xpr *xt, *xn;
    cr_assert_eq(xpr_const(&vt, &xt), 0);
    cr_assert_eq(xpr_const(&vn, &xn), 0);
    struct op *f2;
    cr_assert_eq(op_filter_create(&ctx, xt, &c->op, &f), 0);
    cr_assert_eq(op_filter_create(&ctx, xn, f, &f2), 0);
    cr_assert_eq(op_push(f2, all), 0);
    cr_expect_eq(c->pushes, 0);
    cr_assert_eq(op_push(f, all), 0);
    cr_expect_eq(c->first, all);
    op_destroy(f2);
    blk_unref(all);
    blk_unref(none);
}

/* --- project ------------------------------------------------------------------- */

Test(op_project, borrows_references_and_adopts_computed_columns)
{
    ctx_reset(0);
    struct ty t[2] = {I32, STR};
    struct blk *b = block(t, 2);
    for (int i = 0; i < 3; i++) {
        put_i(&b->cols[0], i + 1);
        put_s(&b->cols[1], i == 1 ? "" : "xyz");
    }
    seal(b);
    struct val k = {.ty = I64, .v.i = 42};
    struct xpr **e = malloc(3 * sizeof(*e));
    e[0] = colx(1, STR);
    e[1] = colx(0, I32);
    cr_assert_eq(xpr_const(&k, &e[2]), 0);
    struct collector *c = collector();
    struct op *p;
    cr_assert_eq(op_project_create(&ctx, e, 3, &c->op, &p), 0);
    cr_assert_eq(op_push(p, b), 0);
    const struct blk *out = c->first;
    cr_assert_eq(out->ncols, 3);
    cr_assert_eq(out->nrows, 3);
    cr_expect_eq(out->cols[0].borrowed, 1, "a column reference is borrowed");
    cr_expect_eq(out->cols[0].data, b->cols[1].data);
    cr_expect_eq(out->cols[1].data, b->cols[0].data);
    cr_expect_eq(out->cols[2].borrowed, 0, "a computed column is the output's own");
    cr_expect_eq(out->cols[2].ty.kind, TY_INT64);
    /* the input may go: the output keeps it alive */
    blk_unref(b);
    cr_expect(str_is(out, 0, 0, "xyz"));
    cr_expect(str_is(out, 0, 1, ""));
    cr_expect_eq(get_i(out, 1, 2), 3);
    cr_expect_eq(get_i(out, 2, 1), 42);
    op_destroy(p);
}

/* --- limit --------------------------------------------------------------------- */

static struct blk *seq_block(int64_t from, uint32_t n)
{
    struct blk *b = block(&I64, 1);
    for (uint32_t i = 0; i < n; i++)
        put_i(&b->cols[0], from + i);
    seal(b);
    return b;
}

Test(op_limit, offset_and_limit_across_blocks)
{
    ctx_reset(0);
    struct collector *c = collector();
    struct op *l;
    cr_assert_eq(op_limit_create(&ctx, 15, 7, &c->op, &l), 0);
    int rc = 0, pushed = 0;
    for (int i = 0; i < 5 && rc == 0; i++, pushed++) {
        struct blk *b = seq_block(i * 10, 10);
        rc = op_push(l, b);
        blk_unref(b);
    }
    cr_expect_eq(rc, OP_DONE);
    cr_expect_eq(pushed, 3, "done with the block that reached the limit");
    cr_assert_eq(nrows(c), 15);
    for (uint32_t i = 0; i < 15; i++)
        cr_expect_eq(get_i(c->rows, 0, i), 7 + i);
    struct blk *more = seq_block(100, 10);
    cr_expect_eq(op_push(l, more), OP_DONE, "after the limit: OP_DONE, nothing passes");
    cr_expect_eq(nrows(c), 15);
    cr_assert_eq(op_finish(l), 0);
    cr_expect_eq(c->finishes, 1);
    op_destroy(l);

    /* LIMIT 0: nothing, done at once */
    c = collector();
    cr_assert_eq(op_limit_create(&ctx, 0, 0, &c->op, &l), 0);
    cr_expect_eq(op_push(l, more), OP_DONE);
    cr_expect_eq(c->pushes, 0);
    op_destroy(l);

    /* OFFSET alone (no limit); whole blocks pass untouched */
    c = collector();
    cr_assert_eq(op_limit_create(&ctx, UINT64_MAX, 0, &c->op, &l), 0);
    cr_expect_eq(op_push(l, more), 0);
    cr_expect_eq(c->first, more);
    op_destroy(l);
    c = collector();
    cr_assert_eq(op_limit_create(&ctx, UINT64_MAX, 25, &c->op, &l), 0);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(op_push(l, more), 0);
    cr_expect_eq(nrows(c), 5);
    cr_expect_eq(get_i(c->rows, 0, 0), 105);
    op_destroy(l);
    blk_unref(more);
}

Test(op_limit, done_from_the_successor)
{
    ctx_reset(0);
    struct collector *c = collector();
    c->done_after = 4;
    struct op *l;
    cr_assert_eq(op_limit_create(&ctx, 100, 0, &c->op, &l), 0);
    struct blk *b = seq_block(0, 5);
    cr_expect_eq(op_push(l, b), OP_DONE);
    cr_expect_eq(op_push(l, b), OP_DONE);
    cr_expect_eq(c->pushes, 1);
    blk_unref(b);
    op_destroy(l);
}

/* --- distinct ------------------------------------------------------------------- */

Test(op_distinct, first_occurrences_across_blocks)
{
    ctx_reset(0);
    struct collector *c = collector();
    struct op *d;
    cr_assert_eq(op_distinct_create(&ctx, &c->op, &d), 0);
    struct ty t[2] = {STR, nul(I32)};
    /* (s, v) rows; v -1 is NULL */
    const char *s[] = {"a", "b", "a", "a", "", "b", "a", "c", ""};
    int v[] = {1, 1, 1, -1, 0, 1, -1, 2, 0};
    uint32_t per[] = {4, 5};
    uint32_t at = 0;
    for (int k = 0; k < 2; k++) {
        struct blk *b = block(t, 2);
        for (uint32_t i = 0; i < per[k]; i++, at++) {
            put_s(&b->cols[0], s[at]);
            put_ni(&b->cols[1], v[at]);
        }
        feed(d, b);
    }
    cr_assert_eq(op_finish(d), 0);
    /* (a,1) (b,1) (a,NULL) (,0) (c,2) */
    cr_assert_eq(nrows(c), 5);
    cr_expect(str_is(c->rows, 0, 2, "a"));
    cr_expect(is_null(c->rows, 1, 2));
    cr_expect(str_is(c->rows, 0, 3, ""));
    cr_expect(str_is(c->rows, 0, 4, "c"));
    cr_expect_eq(get_i(c->rows, 1, 4), 2);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0, "released at finish");
    op_destroy(d);
}

Test(op_distinct, new_blocks_pass_untouched_and_memory_is_charged)
{
    ctx_reset(0);
    struct collector *c = collector();
    struct op *d;
    cr_assert_eq(op_distinct_create(&ctx, &c->op, &d), 0);
    struct blk *b = seq_block(0, 1000);
    cr_assert_eq(op_push(d, b), 0);
    cr_expect_eq(c->first, b);
    cr_expect_gt(atomic_load(&ctx.mem_used), 8000);
    cr_assert_eq(op_push(d, b), 0);
    cr_expect_eq(c->pushes, 1, "all seen: nothing more");
    blk_unref(b);
    op_destroy(d);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0);
}

/* --- aggregate ------------------------------------------------------------------ */

/* An aggregate call over column references. */
static struct op_agg_call call(const char *name, const uint32_t *cols, const struct ty *types,
                               uint32_t nargs, const struct val *params, uint32_t np)
{
    struct op_agg_call c = {.nargs = nargs};
    c.fn = agg_find(name, strlen(name));
    cr_assert_not_null(c.fn);
    c.args = calloc(nargs ? nargs : 1, sizeof(*c.args));
    c.bind.nargs = nargs;
    for (uint32_t i = 0; i < nargs; i++) {
        c.args[i] = colx(cols[i], types[i]);
        c.bind.arg_ty[i] = types[i];
    }
    c.bind.nparams = np;
    for (uint32_t i = 0; i < np; i++)
        c.bind.params[i] = params[i];
    cr_assert_eq(c.fn->bind(&c.bind), 0, "%s: %s", name, c.bind.err);
    return c;
}

/* key int64, v int32, s string: 4 blocks of 8192 rows over nkeys keys. */
static void keyed_blocks(struct op *a, uint32_t nkeys, int64_t **keys_out, int32_t **v_out)
{
    enum { N = 4 * 8192 };
    struct ty t[3] = {I64, I32, STR};
    int64_t *keys = malloc(N * sizeof(*keys));
    int32_t *v = malloc(N * sizeof(*v));
    uint64_t s = 88172645463325252ULL;
    for (uint32_t blkno = 0; blkno < 4; blkno++) {
        struct blk *b = block(t, 3);
        for (uint32_t i = 0; i < 8192; i++) {
            uint32_t r = blkno * 8192 + i;
            /* every key shows up in the first block, in order, then at random */
            keys[r] = r < nkeys ? (int64_t)r * 1000003 : (int64_t)(rnd(&s) % nkeys) * 1000003;
            v[r] = (int32_t)(rnd(&s) % 1000) - 500;
            char str[16];
            snprintf(str, sizeof(str), "s%d", v[r]);
            put_i(&b->cols[0], keys[r]);
            put_i(&b->cols[1], v[r]);
            put_s(&b->cols[2], str);
        }
        feed(a, b);
    }
    *keys_out = keys;
    *v_out = v;
}

Test(op_aggregate, thousands_of_groups_over_blocks)
{
    enum { NKEYS = 5000, N = 4 * 8192 };
    ctx_reset(0);
    struct collector *c = collector();
    uint32_t c0 = 0, c1 = 1, c2 = 2;
    struct ty t[3] = {I64, I32, STR};
    struct op_agg_call *aggs = calloc(4, sizeof(*aggs));
    aggs[0] = call("count", NULL, NULL, 0, NULL, 0);
    aggs[1] = call("sum", &c1, &t[1], 1, NULL, 0);
    aggs[2] = call("max", &c1, &t[1], 1, NULL, 0);
    aggs[3] = call("count_distinct", &c2, &t[2], 1, NULL, 0);
    struct op *a;
    cr_assert_eq(op_aggregate_create(&ctx, xprs1(colx(c0, I64)), 1, aggs, 4, &c->op, &a), 0);
    int64_t *keys;
    int32_t *v;
    keyed_blocks(a, NKEYS, &keys, &v);
    cr_expect_gt(atomic_load(&ctx.mem_used), NKEYS * 16);
    cr_assert_eq(op_finish(a), 0);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0, "released at finish");
    cr_expect_eq(c->finishes, 1);
    cr_assert_eq(nrows(c), NKEYS);
    cr_expect_eq(c->max_block, NKEYS, "5000 groups fit one output block");
    cr_assert_eq(c->rows->ncols, 5);
    cr_expect_eq(c->rows->cols[1].ty.kind, TY_UINT64);
    cr_expect_eq(c->rows->cols[2].ty.kind, TY_INT64);
    cr_expect_eq(c->rows->cols[3].ty.kind, TY_INT32);
    /* naive: per key (key k is group k: they first appear in order) */
    uint64_t *cnt = calloc(NKEYS, sizeof(*cnt));
    int64_t *sum = calloc(NKEYS, sizeof(*sum));
    int32_t *max = malloc(NKEYS * sizeof(*max));
    uint8_t(*seen)[1000] = calloc(NKEYS, sizeof(*seen));
    uint32_t *nd = calloc(NKEYS, sizeof(*nd));
    for (uint32_t k = 0; k < NKEYS; k++)
        max[k] = INT32_MIN;
    for (uint32_t r = 0; r < N; r++) {
        uint32_t k = (uint32_t)(keys[r] / 1000003);
        cnt[k]++;
        sum[k] += v[r];
        if (v[r] > max[k])
            max[k] = v[r];
        if (!seen[k][v[r] + 500]++)
            nd[k]++;
    }
    for (uint32_t k = 0; k < NKEYS; k++) {
        cr_assert_eq(get_i(c->rows, 0, k), (int64_t)k * 1000003, "group order");
        cr_expect_eq((uint64_t)get_i(c->rows, 1, k), cnt[k], "count of key %u", k);
        cr_expect_eq(get_i(c->rows, 2, k), sum[k], "sum of key %u", k);
        cr_expect_eq(get_i(c->rows, 3, k), max[k], "max of key %u", k);
        cr_expect_eq((uint32_t)get_i(c->rows, 4, k), nd[k], "count_distinct of key %u", k);
    }
    free(cnt);
    free(sum);
    free(max);
    free(seen);
    free(nd);
    free(keys);
    free(v);
    op_destroy(a);
}

Test(op_aggregate, output_in_blocks_of_8192)
{
    ctx_reset(0);
    struct collector *c = collector();
    struct op_agg_call *aggs = calloc(1, sizeof(*aggs));
    aggs[0] = call("count", NULL, NULL, 0, NULL, 0);
    struct op *a;
    cr_assert_eq(op_aggregate_create(&ctx, xprs1(colx(0, I64)), 1, aggs, 1, &c->op, &a), 0);
    for (int i = 0; i < 3; i++) {
        struct blk *b = seq_block(i * 7000, 7000);
        cr_assert_eq(op_push(a, b), 0);
        blk_unref(b);
    }
    cr_assert_eq(op_finish(a), 0);
    cr_expect_eq(nrows(c), 21000);
    cr_expect_eq(c->pushes, 3);
    cr_expect_eq(c->max_block, 8192);
    for (uint32_t i = 0; i < 21000; i++)
        cr_expect_eq(get_i(c->rows, 0, i), i);
    op_destroy(a);
}

Test(op_aggregate, composite_and_null_keys)
{
    ctx_reset(0);
    struct ty t[3] = {nul(STR), nul(I32), F64};
    struct collector *c = collector();
    struct xpr **keys = malloc(2 * sizeof(*keys));
    keys[0] = colx(0, t[0]);
    keys[1] = colx(1, t[1]);
    uint32_t c2 = 2;
    struct op_agg_call *aggs = calloc(2, sizeof(*aggs));
    aggs[0] = call("count", NULL, NULL, 0, NULL, 0);
    aggs[1] = call("sum", &c2, &t[2], 1, NULL, 0);
    struct op *a;
    cr_assert_eq(op_aggregate_create(&ctx, keys, 2, aggs, 2, &c->op, &a), 0);
    struct blk *b = block(t, 3);
    /* (NULL,1) (a,NULL) (NULL,1) (a,1) (a,NULL) (NULL,NULL) ("",1) */
    const char *s[] = {NULL, "a", NULL, "a", "a", NULL, ""};
    int v[] = {1, -1, 1, 1, -1, -1, 1};
    for (int i = 0; i < 7; i++) {
        put_s(&b->cols[0], s[i]);
        put_ni(&b->cols[1], v[i]);
        put_f(&b->cols[2], i + 0.5);
    }
    feed(a, b);
    cr_assert_eq(op_finish(a), 0);
    cr_assert_eq(nrows(c), 5);
    const struct blk *o = c->rows;
    cr_expect(is_null(o, 0, 0));
    cr_expect_eq(get_i(o, 1, 0), 1);
    cr_expect_eq(get_i(o, 2, 0), 2);
    cr_expect_float_eq(get_f(o, 3, 0), 0.5 + 2.5, 1e-12);
    cr_expect(str_is(o, 0, 1, "a"));
    cr_expect(is_null(o, 1, 1));
    cr_expect_eq(get_i(o, 2, 1), 2);
    cr_expect(str_is(o, 0, 2, "a"));
    cr_expect_eq(get_i(o, 1, 2), 1);
    cr_expect(is_null(o, 0, 3));
    cr_expect(is_null(o, 1, 3));
    cr_expect(str_is(o, 0, 4, ""));
    cr_expect(!is_null(o, 0, 4), "'' is not NULL");
    op_destroy(a);
}

Test(op_aggregate, global_group_of_empty_input)
{
    ctx_reset(0);
    struct ty t[2] = {I32, nul(I32)};
    uint32_t c0 = 0, c1 = 1;
    struct collector *c = collector();
    struct op_agg_call *aggs = calloc(4, sizeof(*aggs));
    aggs[0] = call("count", NULL, NULL, 0, NULL, 0);
    aggs[1] = call("sum", &c0, &t[0], 1, NULL, 0);
    aggs[2] = call("sum", &c1, &t[1], 1, NULL, 0);
    aggs[3] = call("group_array", &c1, &t[1], 1, NULL, 0);
    struct op *a;
    cr_assert_eq(op_aggregate_create(&ctx, NULL, 0, aggs, 4, &c->op, &a), 0);
    cr_assert_eq(op_finish(a), 0);
    cr_assert_eq(nrows(c), 1, "no keys: one row even for no input");
    cr_expect_eq(get_i(c->rows, 0, 0), 0);
    cr_expect_eq(get_i(c->rows, 1, 0), 0);
    cr_expect(is_null(c->rows, 2, 0), "sum of a nullable argument over no row is NULL");
    cr_expect_eq(c->rows->cols[2].ty.nullable, 1);
    cr_expect_eq(c->rows->cols[3].ty.kind, TY_ARRAY, "group_array is array(int32)");
    cr_expect_eq(c->rows->cols[3].ty.elem, TY_INT32);
    cr_expect_eq(col_offsets(&c->rows->cols[3])[1], 0, "of no row: []");
    op_destroy(a);
}

Test(op_aggregate, nullable_arguments_per_group)
{
    ctx_reset(0);
    struct ty t[2] = {I32, nul(I64)};
    uint32_t c1 = 1;
    struct collector *c = collector();
    struct op_agg_call *aggs = calloc(3, sizeof(*aggs));
    aggs[0] = call("sum", &c1, &t[1], 1, NULL, 0);
    aggs[1] = call("count", &c1, &t[1], 1, NULL, 0);
    aggs[2] = call("min", &c1, &t[1], 1, NULL, 0);
    struct op *a;
    cr_assert_eq(op_aggregate_create(&ctx, xprs1(colx(0, I32)), 1, aggs, 3, &c->op, &a), 0);
    struct blk *b = block(t, 2);
    /* key 1: 5, NULL, 7; key 2: NULL, NULL */
    int k[] = {1, 2, 1, 2, 1};
    int v[] = {5, -1, -1, -1, 7};
    for (int i = 0; i < 5; i++) {
        put_i(&b->cols[0], k[i]);
        put_ni(&b->cols[1], v[i]);
    }
    feed(a, b);
    cr_assert_eq(op_finish(a), 0);
    cr_assert_eq(nrows(c), 2);
    cr_expect_eq(get_i(c->rows, 1, 0), 12);
    cr_expect_eq(get_i(c->rows, 2, 0), 2);
    cr_expect_eq(get_i(c->rows, 3, 0), 5);
    cr_expect(is_null(c->rows, 1, 1), "only NULLs: NULL");
    cr_expect_eq(get_i(c->rows, 2, 1), 0, "count is never NULL");
    cr_expect(is_null(c->rows, 3, 1));
    op_destroy(a);
}

Test(op_aggregate, memory_limit_fails_cleanly)
{
    ctx_reset(256 * 1024);
    struct collector *c = collector();
    struct op_agg_call *aggs = calloc(1, sizeof(*aggs));
    aggs[0] = call("count", NULL, NULL, 0, NULL, 0);
    struct op *a;
    cr_assert_eq(op_aggregate_create(&ctx, xprs1(colx(0, I64)), 1, aggs, 1, &c->op, &a), 0);
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {
        struct blk *b = seq_block(i * 8192, 8192);
        rc = op_push(a, b);
        blk_unref(b);
    }
    cr_expect_eq(rc, -ENOMEM);
    cr_expect(strstr(ctx.err, "memory limit exceeded") && strstr(ctx.err, "max_memory_usage"),
              "%s", ctx.err);
    cr_expect_leq(atomic_load(&ctx.mem_used), 256 * 1024);
    op_destroy(a);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0);
}

/* What states hold (one group's set of distinct strings) counts too. */
Test(op_aggregate, memory_held_by_states_counts)
{
    ctx_reset(1 << 20);
    struct collector *c = collector();
    uint32_t c0 = 0;
    struct op_agg_call *aggs = calloc(1, sizeof(*aggs));
    aggs[0] = call("count_distinct", &c0, &STR, 1, NULL, 0);
    struct op *a;
    cr_assert_eq(op_aggregate_create(&ctx, NULL, 0, aggs, 1, &c->op, &a), 0);
    int rc = 0;
    char s[64];
    for (int i = 0; i < 100 && rc == 0; i++) {
        struct blk *b = block(&STR, 1);
        for (int r = 0; r < 1000; r++) {
            snprintf(s, sizeof(s), "a fairly long distinct string number %d", i * 1000 + r);
            put_s(&b->cols[0], s);
        }
        seal(b);
        rc = op_push(a, b);
        blk_unref(b);
    }
    cr_expect_eq(rc, -ENOMEM, "one group, 100000 strings: over 1 MiB");
    cr_expect(strstr(ctx.err, "max_memory_usage"));
    op_destroy(a);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0);
}

/* --- sort ------------------------------------------------------------------------- */

static struct collector *run_sort(const struct op_sort_key *keys, uint32_t nkeys, uint64_t limit,
                                  uint64_t offset, struct blk **blocks, uint32_t nblocks)
{
    struct collector *c = collector();
    struct op *s;
    cr_assert_eq(op_sort_create(&ctx, keys, nkeys, limit, offset, &c->op, &s), 0);
    for (uint32_t i = 0; i < nblocks; i++)
        cr_assert_eq(op_push(s, blocks[i]), 0);
    cr_assert_eq(op_finish(s), 0);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0, "released at finish");
    cr_expect_eq(c->finishes, 1);
    s->next = NULL; /* keep the collector, drop the sort */
    op_destroy(s);
    return c;
}

Test(op_sort, several_keys)
{
    ctx_reset(0);
    struct ty t[2] = {I32, STR};
    struct blk *b = block(t, 2);
    int a[] = {2, 1, 2, 1, 3};
    const char *s[] = {"x", "b", "y", "c", "a"};
    for (int i = 0; i < 5; i++) {
        put_i(&b->cols[0], a[i]);
        put_s(&b->cols[1], s[i]);
    }
    seal(b);
    struct op_sort_key k[2] = {{0, 0, 0}, {1, 1, 0}}; /* a ASC, s DESC */
    struct collector *c = run_sort(k, 2, 0, 0, &b, 1);
    const char *want[] = {"c", "b", "y", "x", "a"};
    cr_assert_eq(nrows(c), 5);
    for (int i = 0; i < 5; i++)
        cr_expect(str_is(c->rows, 1, (uint32_t)i, want[i]), "row %d", i);
    coll_destroy(&c->op);
    blk_unref(b);
}

Test(op_sort, nulls_and_nan_placement)
{
    ctx_reset(0);
    struct ty t = nul(F64);
    struct blk *b = block(&t, 1);
    /* 2, NULL, NaN, -1, NULL, NaN, 7 */
    double v[] = {2, 0, NAN, -1, 0, NAN, 7};
    int null[] = {0, 1, 0, 0, 1, 0, 0};
    for (int i = 0; i < 7; i++) {
        if (null[i])
            put_null(&b->cols[0]);
        else
            put_f(&b->cols[0], v[i]);
    }
    seal(b);
    /* expected, as "n" NULL, "x" NaN, else the value */
    struct {
        struct op_sort_key k;
        const char *want[7];
    } cases[] = {
        {{0, 0, 0}, {"-1", "2", "7", "x", "x", "n", "n"}},
        {{0, 1, 0}, {"7", "2", "-1", "x", "x", "n", "n"}},
        {{0, 0, 1}, {"n", "n", "x", "x", "-1", "2", "7"}},
        {{0, 1, 1}, {"n", "n", "x", "x", "7", "2", "-1"}},
    };
    for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
        struct collector *c = run_sort(&cases[ci].k, 1, 0, 0, &b, 1);
        cr_assert_eq(nrows(c), 7);
        for (uint32_t r = 0; r < 7; r++) {
            char got[32];
            if (is_null(c->rows, 0, r))
                snprintf(got, sizeof(got), "n");
            else if (isnan(get_f(c->rows, 0, r)))
                snprintf(got, sizeof(got), "x");
            else
                snprintf(got, sizeof(got), "%g", get_f(c->rows, 0, r));
            cr_expect_str_eq(got, cases[ci].want[r], "case %zu row %u", ci, r);
        }
        coll_destroy(&c->op);
    }
    blk_unref(b);
}

/* Random blocks of (key with few values, arrival number). */
static uint32_t random_blocks(struct blk **blocks, uint32_t nblocks, uint64_t seed, int strings)
{
    struct ty t[2] = {strings ? nul(STR) : nul(I32), I64};
    uint64_t s = seed, seq = 0;
    for (uint32_t i = 0; i < nblocks; i++) {
        blocks[i] = block(t, 2);
        uint32_t n = 1 + (uint32_t)(rnd(&s) % 3000);
        for (uint32_t r = 0; r < n; r++) {
            uint64_t x = rnd(&s) % 50;
            char str[16];
            if (x == 0)
                put_null(&blocks[i]->cols[0]);
            else if (strings) {
                snprintf(str, sizeof(str), "k%02u", (unsigned)(x % 37));
                put_s(&blocks[i]->cols[0], str);
            } else
                put_i(&blocks[i]->cols[0], (int64_t)(x % 37) - 10);
            put_i(&blocks[i]->cols[1], (int64_t)seq++);
        }
        seal(blocks[i]);
    }
    return (uint32_t)seq;
}

static int same_key(const struct blk *o, uint32_t a, uint32_t b)
{
    if (is_null(o, 0, a) || is_null(o, 0, b))
        return is_null(o, 0, a) && is_null(o, 0, b);
    if (o->cols[0].ty.kind != TY_STRING)
        return get_i(o, 0, a) == get_i(o, 0, b);
    size_t la, lb;
    const char *sa = col_str(&o->cols[0], a, &la), *sb = col_str(&o->cols[0], b, &lb);
    return la == lb && !memcmp(sa, sb, la);
}

Test(op_sort, stable_and_top_n_equals_full_sort)
{
    enum { NB = 24 };
    struct blk *blocks[NB];
    for (int strings = 0; strings <= 1; strings++) {
        ctx_reset(0);
        uint32_t total = random_blocks(blocks, NB, 12345 + strings, strings);
        for (int desc = 0; desc <= 1; desc++) {
            struct op_sort_key k = {0, (uint8_t)desc, 0};
            struct collector *full = run_sort(&k, 1, 0, 0, blocks, NB);
            cr_assert_eq(nrows(full), total);
            cr_expect_leq(full->max_block, 8192);
            /* stable: equal keys keep arrival order */
            for (uint32_t r = 1; r < total; r++)
                if (same_key(full->rows, r - 1, r))
                    cr_expect_gt(get_i(full->rows, 1, r), get_i(full->rows, 1, r - 1),
                                 "stable at %u", r);
            uint64_t lims[][2] = {{1, 0}, {10, 0}, {10, 5}, {100, 1000}, {5000, 3},
                                  {total, 0}, {total + 10, 0}, {3, total - 2}};
            for (size_t li = 0; li < sizeof(lims) / sizeof(lims[0]); li++) {
                struct collector *top = run_sort(&k, 1, lims[li][0], lims[li][1], blocks, NB);
                uint64_t from = lims[li][1] < total ? lims[li][1] : total;
                uint64_t want = total - from < lims[li][0] ? total - from : lims[li][0];
                cr_assert_eq(nrows(top), want, "limit %llu offset %llu",
                             (unsigned long long)lims[li][0], (unsigned long long)lims[li][1]);
                for (uint32_t r = 0; r < want; r++)
                    cr_expect_eq(get_i(top->rows, 1, r), get_i(full->rows, 1, (uint32_t)from + r),
                                 "limit %llu offset %llu row %u",
                                 (unsigned long long)lims[li][0],
                                 (unsigned long long)lims[li][1], r);
                coll_destroy(&top->op);
            }
            coll_destroy(&full->op);
        }
        for (int i = 0; i < NB; i++)
            blk_unref(blocks[i]);
    }
}

/* A limit over many blocks holds about the limit, not the input: here
 * every block keeps one row in the top 1000 for good, so without
 * compaction all 200 blocks would stay. */
static struct blk *head_block(int i)
{
    struct blk *b = block(&I64, 1);
    put_i(&b->cols[0], -i);
    for (int r = 1; r < 1000; r++)
        put_i(&b->cols[0], 1000000 + (i * 7919 + r * 104729) % 1000003);
    seal(b);
    return b;
}

Test(op_sort, top_n_memory_follows_the_limit)
{
    ctx_reset(0);
    struct collector *c = collector();
    struct op *s;
    struct op_sort_key k = {0, 0, 0};
    cr_assert_eq(op_sort_create(&ctx, &k, 1, 1000, 0, &c->op, &s), 0);
    uint64_t peak = 0;
    struct blk *all[200];
    for (int i = 0; i < 200; i++) {
        all[i] = head_block(i);
        cr_assert_eq(op_push(s, all[i]), 0);
        if (atomic_load(&ctx.mem_used) > peak)
            peak = atomic_load(&ctx.mem_used);
    }
    cr_expect_lt(peak, 1024 * 1024, "peak %llu", (unsigned long long)peak);
    cr_assert_eq(op_finish(s), 0);
    s->next = NULL; /* keep the collector */
    op_destroy(s);
    struct collector *full = run_sort(&k, 1, 0, 0, all, 200);
    cr_assert_eq(nrows(c), 1000);
    for (uint32_t r = 0; r < 1000; r++)
        cr_expect_eq(get_i(c->rows, 0, r), get_i(full->rows, 0, r), "row %u", r);
    cr_expect_eq(get_i(c->rows, 0, 0), -199);
    coll_destroy(&full->op);
    coll_destroy(&c->op);
    for (int i = 0; i < 200; i++)
        blk_unref(all[i]);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0);
}

Test(op_sort, memory_limit_and_done)
{
    ctx_reset(512 * 1024);
    struct collector *c = collector();
    struct op *s;
    struct op_sort_key k = {0, 0, 0};
    cr_assert_eq(op_sort_create(&ctx, &k, 1, 0, 0, &c->op, &s), 0);
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {
        struct blk *b = seq_block(i, 8192);
        rc = op_push(s, b);
        blk_unref(b);
    }
    cr_expect_eq(rc, -ENOMEM);
    cr_expect(strstr(ctx.err, "max_memory_usage"), "%s", ctx.err);
    op_destroy(s);
    cr_expect_eq(atomic_load(&ctx.mem_used), 0);

    /* a successor that is done stops the output */
    ctx_reset(0);
    c = collector();
    c->done_after = 100;
    cr_assert_eq(op_sort_create(&ctx, &k, 1, 0, 0, &c->op, &s), 0);
    struct blk *b = seq_block(0, 20000);
    cr_assert_eq(op_push(s, b), 0);
    blk_unref(b);
    cr_assert_eq(op_finish(s), 0);
    cr_expect_eq(c->pushes, 1, "nothing after OP_DONE");
    cr_expect_eq(c->finishes, 1);
    op_destroy(s);
}

Test(op_chain, destroy_walks_the_chain)
{
    ctx_reset(0);
    op_destroy(NULL);
    struct collector *c = collector();
    struct op *l, *d, *f;
    cr_assert_eq(op_limit_create(&ctx, 5, 0, &c->op, &l), 0);
    cr_assert_eq(op_distinct_create(&ctx, l, &d), 0);
    cr_assert_eq(op_filter_create(&ctx, colx(0, BOOL), d, &f), 0);
    op_destroy(f); /* ASan finds a leak if any link stays */
}
