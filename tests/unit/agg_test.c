/*
 * agg_test.c — the aggregate functions (exec/agg.h) by themselves, driven
 * the way the aggregate operator drives them: bound through the registry,
 * states placed by the test, NULL rows skipped by the caller unless the
 * function owns its NULLs.
 *
 * Every aggregate, over a table of argument types and parameters: the
 * result of no row, merging two halves equals one pass, a serialized
 * state restores to the same result while every cut of its bytes is
 * refused, and many groups added in one call (a state pointer per row)
 * equal each group computed alone. Then the semantics one by one:
 * ClickHouse's result types, NULLs, NaN, ties, parameters and bind
 * errors, the array results of group_array and top_k, and the memory
 * account of what states hold.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/agg.h"
#include "exec/agg_impl.h"
#include "format/json_out.h"
#include "types/value.h"

static const struct ty I8 = {TY_INT8, 0, 0}, I16 = {TY_INT16, 0, 0}, I32 = {TY_INT32, 0, 0},
                       I64 = {TY_INT64, 0, 0}, U8 = {TY_UINT8, 0, 0}, U64 = {TY_UINT64, 0, 0},
                       F64 = {TY_FLOAT64, 0, 0}, STR = {TY_STRING, 0, 0},
                       DT = {TY_DATETIME, 0, 0}, DATE = {TY_DATE, 0, 0},
                       BOOL = {TY_BOOL, 0, 0}, NOTHING = {TY_NOTHING, 1, 0};

static struct ty nul(struct ty t)
{
    t.nullable = 1;
    return t;
}

static struct val pf(double f)
{
    return (struct val){.ty = F64, .v.f = f};
}
static struct val pu(uint64_t u)
{
    return (struct val){.ty = U64, .v.u = u};
}

/* --- binding and driving states -------------------------------------------- */

static struct agg_bind *bind_try(const char *name, const struct ty *tys, uint32_t nargs,
                                 const struct val *params, uint32_t np, int *rc)
{
    const struct agg_fn *f = agg_find(name, strlen(name));
    cr_assert_not_null(f, "no aggregate %s", name);
    struct agg_bind *b = calloc(1, sizeof(*b));
    b->nargs = nargs;
    for (uint32_t i = 0; i < nargs; i++)
        b->arg_ty[i] = tys[i];
    b->nparams = np;
    for (uint32_t i = 0; i < np; i++)
        b->params[i] = params[i];
    b->err_arg = -1;
    *rc = f->bind(b);
    return b;
}

static void unbind(struct agg_bind *b)
{
    if (b->cfg_free)
        b->cfg_free(b->cfg);
    free(b);
}

static struct agg_bind *bind_ok(const char *name, const struct ty *tys, uint32_t nargs,
                                const struct val *params, uint32_t np)
{
    int rc;
    struct agg_bind *b = bind_try(name, tys, nargs, params, np, &rc);
    cr_assert_eq(rc, 0, "bind %s: %s", name, b->err);
    cr_assert_eq(b->ops.state_size % 8 == 0 || b->ops.state_size < 8, 1);
    return b;
}

/* A state and what the caller tracks for it. */
struct st {
    void *s;
    int added;
};

static struct st st_new(const struct agg_bind *b)
{
    struct st x = {calloc(1, (b->ops.state_size + 15) & ~(size_t)15), 0};
    b->ops.init(b, x.s);
    return x;
}

static void st_free(const struct agg_bind *b, struct st *x)
{
    if (b->ops.destroy)
        b->ops.destroy(b, x->s);
    free(x->s);
    x->s = NULL;
}

static int row_has_null(const struct col *const *args, uint32_t nargs, uint32_t r)
{
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i]->ty.kind == TY_NOTHING || col_is_null(args[i], r))
            return 1;
    return 0;
}

/* Add rows [from, to) with group[r] choosing the state (NULL: all to sts[0]),
 * skipping NULL rows as the operator does; or take them back out (retract). */
static void drive(const struct agg_bind *b, struct st *sts, const uint32_t *group,
                  const struct col *const *args, uint32_t from, uint32_t to, int retract)
{
    uint32_t n = to - from, k = 0;
    void **states = calloc(n ? n : 1, sizeof(*states));
    uint32_t *rows = calloc(n ? n : 1, sizeof(*rows));
    for (uint32_t r = from; r < to; r++) {
        if (!(b->flags & AGG_OWN_NULLS) && row_has_null(args, b->nargs, r))
            continue;
        struct st *x = &sts[group ? group[r] : 0];
        rows[k] = r;
        states[k++] = x->s;
        x->added = 1;
    }
    if (k)
        cr_assert_eq((retract ? b->ops.retract : b->ops.add)(b, states, args, rows, k), 0);
    free(states);
    free(rows);
}

static void add_groups(const struct agg_bind *b, struct st *sts, const uint32_t *group,
                       const struct col *const *args, uint32_t from, uint32_t to)
{
    drive(b, sts, group, args, from, to, 0);
}

static void add_all(const struct agg_bind *b, struct st *x, const struct col *const *args,
                    uint32_t from, uint32_t to)
{
    add_groups(b, x, NULL, args, from, to);
}

/* The result as JSON text (malloc'd), "null" where the caller gives NULL. */
static char *result(const struct agg_bind *b, const struct st *x)
{
    struct col *c;
    struct buf out = BUF_INIT;
    cr_assert_eq(col_new(b->ret, &c), 0);
    int tracked = !(b->flags & AGG_OWN_NULLS) && b->ret.nullable;
    if (tracked && !x->added)
        cr_assert_eq(col_push_null(c), 0);
    else
        cr_assert_eq(b->ops.finalize(b, x->s, c), 0);
    cr_assert_eq(c->n, 1, "finalize pushes one value");
    cr_assert_eq(fmt_json_value(c, 0, &out), 0);
    cr_assert_eq(buf_cstr(&out), 0);
    col_delete(c);
    return out.data;
}

/* got's result equals want's; what names the case. */
#define same(b, want, got, ...)                                                                    \
    do {                                                                                           \
        char *w_ = result((b), (want)), *g_ = result((b), (got));                                  \
        cr_expect_str_eq(g_, w_, __VA_ARGS__);                                                     \
        free(w_);                                                                                  \
        free(g_);                                                                                  \
    } while (0)

static void expect(const struct agg_bind *b, const struct st *x, const char *want)
{
    char *got = result(b, x);
    cr_expect_str_eq(got, want);
    free(got);
}

/* --- columns --------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    x ^= x >> 29;
    return x;
}

/* Deterministic data of any type: repeats (so distinct and top_k have
 * work), NULLs every so often for nullable types, a NaN now and then, and
 * floats that are multiples of 1/4 so that sums are exact in any order. */
static struct col *gen(struct ty t, uint32_t n, uint64_t seed)
{
    struct col *c;
    cr_assert_eq(col_new(t, &c), 0);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = mix(seed * 1000003 + i);
        struct val v = {.ty = t};
        if (t.kind == TY_NOTHING || (t.nullable && h % 7 == 0)) {
            cr_assert_eq(col_push_null(c), 0);
            continue;
        }
        char s[32];
        switch (agg_cls(t)) {
        case AGG_I: v.v.i = (int64_t)(h % 61) - 20; break;
        case AGG_U: v.v.u = h % 53; break;
        case AGG_F: v.v.f = h % 97 == 0 ? NAN : (double)(int64_t)(h % 400 - 100) / 4; break;
        case AGG_S:
            v.v.s.n = (size_t)snprintf(s, sizeof(s), h % 11 ? "s%u" : "", (unsigned)(h % 41));
            v.v.s.p = s;
            break;
        }
        if (t.kind == TY_BOOL)
            v.v.u &= 1;
        if (t.kind == TY_DATETIME || t.kind == TY_DATE)
            v.v.i += 100;
        if (t.kind == TY_DATETIME64)
            v.v.i = v.v.i * 1000 + 1720569600000LL;
        v.is_null = 0;
        cr_assert_eq(val_push(&v, c), 0);
    }
    return c;
}

static struct col *ints(struct ty t, const int64_t *v, uint32_t n)
{
    struct col *c;
    cr_assert_eq(col_new(t, &c), 0);
    for (uint32_t i = 0; i < n; i++) {
        struct val x = {.ty = t, .v.i = v[i]};
        cr_assert_eq(val_push(&x, c), 0);
    }
    return c;
}

static struct col *floats(const double *v, uint32_t n)
{
    struct col *c;
    cr_assert_eq(col_new(F64, &c), 0);
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(col_push_fixed(c, &v[i]), 0);
    return c;
}

/* Strings; NULL entries are NULLs (the column is then nullable). */
static struct col *strs(const char *const *v, uint32_t n, int nullable)
{
    struct col *c;
    cr_assert_eq(col_new(nullable ? nul(STR) : STR, &c), 0);
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(v[i] ? col_push_str(c, v[i], strlen(v[i])) : col_push_null(c), 0);
    return c;
}

/* Nullable int32s; INT64_MIN entries are NULLs. */
static struct col *nints(const int64_t *v, uint32_t n)
{
    struct col *c;
    cr_assert_eq(col_new(nul(I32), &c), 0);
    for (uint32_t i = 0; i < n; i++) {
        int32_t x = (int32_t)v[i];
        cr_assert_eq(v[i] == INT64_MIN ? col_push_null(c) : col_push_fixed(c, &x), 0);
    }
    return c;
}

/* One call over one column (or none), one state: the result text. */
static char *run1(const char *name, struct col *arg, const struct val *params, uint32_t np)
{
    const struct col *args[1] = {arg};
    struct agg_bind *b = bind_ok(name, arg ? &arg->ty : NULL, arg ? 1 : 0, params, np);
    struct st x = st_new(b);
    if (arg)
        add_all(b, &x, args, 0, arg->n);
    char *r = result(b, &x);
    st_free(b, &x);
    unbind(b);
    return r;
}

static void expect1(const char *name, struct col *arg, const struct val *params, uint32_t np,
                    const char *want)
{
    char *got = run1(name, arg, params, np);
    cr_expect_str_eq(got, want, "%s", name);
    free(got);
}

/* --- properties of every aggregate ---------------------------------------------- */

struct spec {
    const char *name;
    uint32_t nargs;
    struct ty ty[2];
    uint32_t np;
    struct val params[2];
    const char *empty; /* result for no row */
};

static const struct spec specs[] = {
    {.name = "count", .empty = "0"},
    {.name = "count", .nargs = 1, .ty = {{TY_INT32, 1, 0}}, .empty = "0"},
    {.name = "sum", .nargs = 1, .ty = {{TY_INT32, 0, 0}}, .empty = "0"},
    {.name = "sum", .nargs = 1, .ty = {{TY_UINT16, 1, 0}}, .empty = "null"},
    {.name = "sum", .nargs = 1, .ty = {{TY_FLOAT64, 0, 0}}, .empty = "0"},
    {.name = "sum", .nargs = 1, .ty = {{TY_BOOL, 0, 0}}, .empty = "0"},
    {.name = "avg", .nargs = 1, .ty = {{TY_INT64, 0, 0}}, .empty = "null"}, /* nan: null */
    {.name = "avg", .nargs = 1, .ty = {{TY_FLOAT32, 1, 0}}, .empty = "null"},
    {.name = "min", .nargs = 1, .ty = {{TY_STRING, 0, 0}}, .empty = "\"\""},
    {.name = "min", .nargs = 1, .ty = {{TY_FLOAT64, 1, 0}}, .empty = "null"},
    {.name = "max", .nargs = 1, .ty = {{TY_DATETIME64, 0, 3}},
     .empty = "\"1970-01-01 00:00:00.000\""},
    {.name = "max", .nargs = 1, .ty = {{TY_INT8, 0, 0}}, .empty = "0"},
    {.name = "any", .nargs = 1, .ty = {{TY_STRING, 1, 0}}, .empty = "null"},
    {.name = "earliest", .nargs = 1, .ty = {{TY_UINT64, 0, 0}}, .empty = "0"},
    {.name = "any_last", .nargs = 1, .ty = {{TY_INT32, 0, 0}}, .empty = "0"},
    {.name = "latest", .nargs = 1, .ty = {{TY_STRING, 0, 0}}, .empty = "\"\""},
    {.name = "arg_min", .nargs = 2, .ty = {{TY_STRING, 0, 0}, {TY_INT32, 0, 0}},
     .empty = "\"\""},
    {.name = "arg_max", .nargs = 2, .ty = {{TY_INT64, 0, 0}, {TY_FLOAT64, 1, 0}},
     .empty = "null"},
    {.name = "count_distinct", .nargs = 1, .ty = {{TY_STRING, 0, 0}}, .empty = "0"},
    {.name = "count_distinct", .nargs = 2, .ty = {{TY_INT32, 0, 0}, {TY_STRING, 1, 0}},
     .empty = "0"},
    {.name = "unique", .nargs = 1, .ty = {{TY_UINT64, 0, 0}}, .empty = "0"},
    {.name = "uniq_exact", .nargs = 1, .ty = {{TY_FLOAT64, 1, 0}}, .empty = "0"},
    {.name = "quantile", .nargs = 1, .ty = {{TY_FLOAT64, 0, 0}}, .empty = "null"},
    {.name = "quantile", .nargs = 1, .ty = {{TY_INT32, 0, 0}}, .np = 1,
     .params = {{.ty = {TY_FLOAT64, 0, 0}, .v.f = 0.9}}, .empty = "null"},
    {.name = "quantile_exact", .nargs = 1, .ty = {{TY_INT64, 0, 0}}, .np = 1,
     .params = {{.ty = {TY_FLOAT64, 0, 0}, .v.f = 0.25}}, .empty = "0"},
    {.name = "median", .nargs = 1, .ty = {{TY_DATETIME, 0, 0}},
     .empty = "\"1970-01-01 00:00:00\""},
    {.name = "p90", .nargs = 1, .ty = {{TY_UINT8, 1, 0}}, .empty = "null"},
    {.name = "p99", .nargs = 1, .ty = {{TY_FLOAT32, 0, 0}}, .empty = "null"},
    {.name = "group_array", .nargs = 1, .ty = {{TY_STRING, 0, 0}}, .empty = "[]"},
    {.name = "group_array", .nargs = 1, .ty = {{TY_INT32, 1, 0}}, .np = 1,
     .params = {{.ty = {TY_UINT64, 0, 0}, .v.u = 5}}, .empty = "[]"},
    {.name = "top_k", .nargs = 1, .ty = {{TY_STRING, 1, 0}}, .np = 1,
     .params = {{.ty = {TY_UINT64, 0, 0}, .v.u = 3}}, .empty = "[]"},
    {.name = "top_k", .nargs = 1, .ty = {{TY_INT16, 0, 0}}, .np = 2,
     .params = {{.ty = {TY_UINT64, 0, 0}, .v.u = 2}, {.ty = {TY_BOOL, 0, 0}, .v.u = 0}},
     .empty = "[]"},
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

struct fixture {
    struct agg_bind *b;
    struct col *cols[2];
    const struct col *args[2];
    uint32_t n;
};

static void fixture(const struct spec *sp, uint32_t n, uint64_t seed, struct fixture *f)
{
    f->b = bind_ok(sp->name, sp->ty, sp->nargs, sp->params, sp->np);
    f->n = n;
    for (uint32_t i = 0; i < 2; i++) {
        f->cols[i] = i < sp->nargs ? gen(sp->ty[i], n, seed + i) : NULL;
        f->args[i] = f->cols[i];
    }
}

static void fixture_free(struct fixture *f)
{
    col_delete(f->cols[0]);
    col_delete(f->cols[1]);
    unbind(f->b);
}

/* count() has no argument column: give add() the row count only. */
static uint32_t rows_of(const struct fixture *f)
{
    return f->n;
}

Test(agg_props, empty_input)
{
    for (size_t i = 0; i < NSPECS; i++) {
        struct fixture f;
        fixture(&specs[i], 0, 1, &f);
        struct st x = st_new(f.b);
        char *got = result(f.b, &x);
        cr_expect_str_eq(got, specs[i].empty, "%s (spec %zu)", specs[i].name, i);
        free(got);
        st_free(f.b, &x);
        fixture_free(&f);
    }
}

Test(agg_props, merge_equals_one_pass)
{
    for (size_t i = 0; i < NSPECS; i++) {
        for (uint32_t cut = 0; cut <= 1000; cut += 250) {
            struct fixture f;
            fixture(&specs[i], 1000, 7 + i, &f);
            struct st one = st_new(f.b), a = st_new(f.b), b = st_new(f.b);
            add_all(f.b, &one, f.args, 0, rows_of(&f));
            add_all(f.b, &a, f.args, 0, cut);
            add_all(f.b, &b, f.args, cut, rows_of(&f));
            cr_assert_eq(f.b->ops.merge(f.b, a.s, b.s), 0);
            a.added |= b.added;
            same(f.b, &one, &a, "%s (spec %zu) cut at %u", specs[i].name, i, cut);
            st_free(f.b, &one);
            st_free(f.b, &a);
            st_free(f.b, &b);
            fixture_free(&f);
        }
    }
}

/* Retraction (a mutable stream's changelog): adding every row and taking
 * rows [cut, n) back out equals adding [0, cut); taking rows out and
 * adding them again equals one pass. Data floats are multiples of 1/4, so
 * float sums are exact in any order. */
Test(agg_props, retract_takes_rows_back)
{
    size_t tried = 0;
    for (size_t i = 0; i < NSPECS; i++) {
        for (uint32_t cut = 250; cut < 1000; cut += 374) {
            struct fixture f;
            fixture(&specs[i], 1000, 11 + i, &f);
            if (!f.b->ops.retract) {
                fixture_free(&f);
                break;
            }
            tried++;
            struct st want = st_new(f.b), got = st_new(f.b), again = st_new(f.b);
            add_all(f.b, &want, f.args, 0, cut);
            add_all(f.b, &got, f.args, 0, rows_of(&f));
            drive(f.b, &got, NULL, f.args, cut, rows_of(&f), 1);
            same(f.b, &want, &got, "%s (spec %zu) retracted from %u", specs[i].name, i, cut);
            add_all(f.b, &want, f.args, cut, rows_of(&f));
            add_all(f.b, &again, f.args, 0, rows_of(&f));
            drive(f.b, &again, NULL, f.args, 0, cut, 1);
            add_all(f.b, &again, f.args, 0, cut);
            same(f.b, &want, &again, "%s (spec %zu) taken out and added again", specs[i].name,
                 i);
            st_free(f.b, &want);
            st_free(f.b, &got);
            st_free(f.b, &again);
            fixture_free(&f);
        }
    }
    cr_expect_geq(tried, 13, "count, sum, avg and the distinct counts retract");
}

/* Which aggregates retract: those that can take a row back exactly. */
Test(agg_basic, retract_is_there_where_exact)
{
    static const char *const yes[] = {"count", "sum", "avg", "count_distinct", "uniq",
                                      "uniq_exact", "unique", "unique_exact"};
    static const char *const no[] = {"min", "max", "any", "latest", "earliest", "arg_max",
                                     "quantile", "group_array"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        struct agg_bind *b = bind_ok(yes[i], &I64, 1, NULL, 0);
        cr_expect_not_null(b->ops.retract, "%s retracts", yes[i]);
        unbind(b);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        struct ty two[2] = {I64, I64};
        struct agg_bind *b = bind_ok(no[i], two, !strcmp(no[i], "arg_max") ? 2 : 1, NULL, 0);
        cr_expect_null(b->ops.retract, "%s keeps no record of what it dropped", no[i]);
        unbind(b);
    }
    /* a distinct value counts while some row holds it */
    int64_t d[] = {3, 4, 3};
    struct col *dc = ints(I64, d, 3);
    const struct col *dargs[1] = {dc};
    struct agg_bind *u = bind_ok("uniq", &I64, 1, NULL, 0);
    struct st ux = st_new(u);
    add_all(u, &ux, dargs, 0, 3);
    expect(u, &ux, "2");
    drive(u, &ux, NULL, dargs, 0, 1, 1);
    expect(u, &ux, "2");
    drive(u, &ux, NULL, dargs, 1, 3, 1);
    expect(u, &ux, "0");
    add_all(u, &ux, dargs, 1, 2);
    expect(u, &ux, "1");
    st_free(u, &ux);
    unbind(u);
    col_delete(dc);
    /* the integers wrap back exactly; decimals are checked both ways */
    int64_t v[] = {INT64_MAX, 5, -7};
    struct col *c = ints(I64, v, 3);
    struct agg_bind *b = bind_ok("sum", &I64, 1, NULL, 0);
    struct st x = st_new(b);
    const struct col *args[1] = {c};
    add_all(b, &x, args, 0, 3);
    drive(b, &x, NULL, args, 0, 1, 1);
    expect(b, &x, "-2");
    st_free(b, &x);
    unbind(b);
    col_delete(c);
}

Test(agg_props, serialize_round_trip_and_cuts)
{
    for (size_t i = 0; i < NSPECS; i++) {
        for (uint32_t n = 0; n <= 300; n += 150) {
            struct fixture f;
            fixture(&specs[i], n, 3 + i, &f);
            struct st x = st_new(f.b), y = st_new(f.b);
            add_all(f.b, &x, f.args, 0, rows_of(&f));
            struct buf saved = BUF_INIT;
            cr_assert_eq(f.b->ops.serialize(f.b, x.s, &saved), 0);
            cr_assert_eq(f.b->ops.deserialize(f.b, y.s, saved.data, saved.len), 0, "%s",
                         specs[i].name);
            y.added = x.added;
            same(f.b, &x, &y, "%s (spec %zu) %u rows", specs[i].name, i, n);
            /* the restored state keeps working: add the rows again to both */
            add_all(f.b, &x, f.args, 0, rows_of(&f));
            add_all(f.b, &y, f.args, 0, rows_of(&f));
            same(f.b, &x, &y, "%s after more rows", specs[i].name);
            /* every cut of the bytes is refused, and so is a byte too many */
            for (size_t cut = 0; cut < saved.len; cut += 1 + cut / 8) {
                struct st z = st_new(f.b);
                cr_expect_neq(f.b->ops.deserialize(f.b, z.s, saved.data, cut), 0,
                              "%s: %zu of %zu bytes accepted", specs[i].name, cut, saved.len);
                st_free(f.b, &z);
            }
            struct st z = st_new(f.b);
            cr_assert_eq(buf_putc(&saved, 0), 0);
            cr_expect_neq(f.b->ops.deserialize(f.b, z.s, saved.data, saved.len), 0, "%s",
                          specs[i].name);
            st_free(f.b, &z);
            buf_free(&saved);
            st_free(f.b, &x);
            st_free(f.b, &y);
            fixture_free(&f);
        }
    }
}

Test(agg_props, many_groups_in_one_call)
{
    enum { G = 97, N = 5000 };
    for (size_t i = 0; i < NSPECS; i++) {
        struct fixture f;
        fixture(&specs[i], N, 11 + i, &f);
        uint32_t *group = malloc(N * sizeof(*group));
        struct st *sts = calloc(G, sizeof(*sts));
        for (uint32_t r = 0; r < N; r++)
            group[r] = (uint32_t)(mix(r) % G);
        for (uint32_t g = 0; g < G; g++)
            sts[g] = st_new(f.b);
        add_groups(f.b, sts, group, f.args, 0, N);
        /* each group alone, its rows passed through a rows[] selection */
        for (uint32_t g = 0; g < G; g++) {
            struct st alone = st_new(f.b);
            uint32_t *rows = malloc(N * sizeof(*rows));
            void **states = malloc(N * sizeof(*states));
            uint32_t k = 0;
            for (uint32_t r = 0; r < N; r++) {
                if (group[r] != g)
                    continue;
                if (!(f.b->flags & AGG_OWN_NULLS) && row_has_null(f.args, f.b->nargs, r))
                    continue;
                rows[k] = r;
                states[k++] = alone.s;
                alone.added = 1;
            }
            if (k)
                cr_assert_eq(f.b->ops.add(f.b, states, f.args, rows, k), 0);
            same(f.b, &alone, &sts[g], "%s (spec %zu) group %u", specs[i].name, i, g);
            free(rows);
            free(states);
            st_free(f.b, &alone);
        }
        for (uint32_t g = 0; g < G; g++)
            st_free(f.b, &sts[g]);
        free(sts);
        free(group);
        fixture_free(&f);
    }
}

/* What a binding's states hold comes back to zero when they are destroyed. */
Test(agg_props, held_memory_returns_to_zero)
{
    for (size_t i = 0; i < NSPECS; i++) {
        struct fixture f;
        fixture(&specs[i], 2000, 5 + i, &f);
        struct st x = st_new(f.b), y = st_new(f.b);
        add_all(f.b, &x, f.args, 0, rows_of(&f));
        add_all(f.b, &y, f.args, 0, 100);
        cr_assert_eq(f.b->ops.merge(f.b, y.s, x.s), 0);
        cr_expect_geq(agg_held(f.b), 0);
        st_free(f.b, &x);
        st_free(f.b, &y);
        cr_expect_eq(agg_held(f.b), 0, "%s (spec %zu) still holds %lld", specs[i].name, i,
                     (long long)agg_held(f.b));
        fixture_free(&f);
    }
}

/* --- count, sum, avg ------------------------------------------------------------- */

Test(agg_basic, count_rows_and_non_null_values)
{
    int64_t v[] = {1, INT64_MIN, 3, INT64_MIN, 5};
    struct col *c = nints(v, 5);
    struct agg_bind *b = bind_ok("count", NULL, 0, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_UINT64);
    cr_expect_eq(b->ret.nullable, 0);
    struct st x = st_new(b);
    const struct col *args[1] = {c};
    void *states[5] = {x.s, x.s, x.s, x.s, x.s};
    cr_assert_eq(b->ops.add(b, states, args, NULL, 5), 0);
    expect(b, &x, "5");
    st_free(b, &x);
    unbind(b);

    struct ty t = c->ty;
    b = bind_ok("count", &t, 1, NULL, 0);
    cr_expect(b->flags & AGG_OWN_NULLS, "count(x) skips NULLs itself and is never NULL");
    cr_expect_eq(b->ret.nullable, 0);
    x = st_new(b);
    add_all(b, &x, args, 0, 5);
    expect(b, &x, "3");
    st_free(b, &x);
    unbind(b);
    col_delete(c);

    /* count(NULL) is 0 */
    struct col *nothing = gen(NOTHING, 4, 1);
    expect1("count", nothing, NULL, 0, "0");
    col_delete(nothing);
}

Test(agg_basic, sum_types_and_wrapping)
{
    int64_t small[] = {-5, 7, 100};
    struct col *c = ints(I8, small, 3);
    struct agg_bind *b = bind_ok("sum", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_INT64, "int8 sums to int64");
    unbind(b);
    expect1("sum", c, NULL, 0, "102");
    col_delete(c);

    int64_t big[] = {INT64_MAX, 2};
    c = ints(I64, big, 2);
    expect1("sum", c, NULL, 0, "-9223372036854775807"); /* wraps as ClickHouse's does */
    col_delete(c);

    int64_t u[] = {200, 100};
    c = ints(U8, u, 2);
    b = bind_ok("sum", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_UINT64, "uint8 sums to uint64");
    unbind(b);
    expect1("sum", c, NULL, 0, "300");
    col_delete(c);

    double f[] = {0.5, 0.25, 1e300, -1e300};
    c = floats(f, 4);
    b = bind_ok("sum", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_FLOAT64);
    unbind(b);
    expect1("sum", c, NULL, 0, "0");
    col_delete(c);

    int64_t bools[] = {1, 0, 1, 1};
    c = ints(BOOL, bools, 4);
    expect1("sum", c, NULL, 0, "3");
    col_delete(c);
}

Test(agg_basic, sum_and_avg_of_nullable_skip_nulls)
{
    int64_t v[] = {INT64_MIN, 4, INT64_MIN, 8};
    struct col *c = nints(v, 4);
    struct agg_bind *b = bind_ok("sum", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.nullable, 1, "a nullable argument makes a nullable result");
    unbind(b);
    expect1("sum", c, NULL, 0, "12");
    expect1("avg", c, NULL, 0, "6");
    col_delete(c);
    int64_t all_null[] = {INT64_MIN, INT64_MIN};
    c = nints(all_null, 2);
    expect1("sum", c, NULL, 0, "null");
    expect1("avg", c, NULL, 0, "null");
    col_delete(c);
}

Test(agg_basic, avg_is_float64)
{
    int64_t v[] = {1, 2, 4};
    struct col *c = ints(I32, v, 3);
    struct agg_bind *b = bind_ok("avg", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_FLOAT64);
    struct st x = st_new(b);
    const struct col *args[1] = {c};
    add_all(b, &x, args, 0, 3);
    struct col *out;
    cr_assert_eq(col_new(b->ret, &out), 0);
    cr_assert_eq(b->ops.finalize(b, x.s, out), 0);
    cr_expect_float_eq(COL_AT(out, double, 0), 7.0 / 3, 1e-15);
    col_delete(out);
    /* no row: nan (ClickHouse) */
    struct st e = st_new(b);
    cr_assert_eq(col_new(b->ret, &out), 0);
    cr_assert_eq(b->ops.finalize(b, e.s, out), 0);
    cr_expect(isnan(COL_AT(out, double, 0)));
    col_delete(out);
    st_free(b, &e);
    st_free(b, &x);
    unbind(b);
    col_delete(c);
}

Test(agg_basic, bind_errors)
{
    int rc;
    struct agg_bind *b = bind_try("sum", &STR, 1, NULL, 0, &rc);
    cr_expect_eq(rc, -EINVAL);
    cr_expect_str_eq(b->err, "sum expects a number, got string");
    cr_expect_eq(b->err_arg, 0);
    unbind(b);
    b = bind_try("avg", &DT, 1, NULL, 0, &rc);
    cr_expect_eq(rc, -EINVAL);
    cr_expect_str_eq(b->err, "avg expects a number, got datetime");
    unbind(b);
    /* a NULL literal argument makes the aggregate NULL */
    b = bind_ok("sum", &NOTHING, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_NOTHING);
    cr_expect_eq(b->ret.nullable, 1);
    unbind(b);
}

Test(agg_basic, camel_case_and_case_insensitive_names)
{
    cr_expect_eq(agg_find("argMin", 6), agg_find("arg_min", 7));
    cr_expect_eq(agg_find("COUNT", 5), agg_find("count", 5));
    cr_expect_eq(agg_find("topK", 4), agg_find("top_k", 5));
    cr_expect_null(agg_find("no_such_aggregate", 17));
    const char *const *names;
    int n;
    cr_assert_eq(agg_names(&names, &n), 0);
    int found = 0;
    for (int i = 0; i < n; i++)
        found += !strcmp(names[i], "count_distinct") || !strcmp(names[i], "p99");
    cr_expect_eq(found, 2);
}

/* --- min, max, any, latest, arg_min, arg_max -------------------------------------- */

Test(agg_minmax, numbers_strings_and_times)
{
    int64_t v[] = {5, -3, 9, 0};
    struct col *c = ints(I32, v, 4);
    expect1("min", c, NULL, 0, "-3");
    expect1("max", c, NULL, 0, "9");
    col_delete(c);

    const char *s[] = {"pear", "apple", "apples", "", "zebra", "Zebra"};
    c = strs(s, 6, 0);
    expect1("min", c, NULL, 0, "\"\"");
    expect1("max", c, NULL, 0, "\"zebra\"");
    col_delete(c);
    const char *s2[] = {"b", "ab", "abc", "abd"};
    c = strs(s2, 4, 0);
    expect1("min", c, NULL, 0, "\"ab\"");
    col_delete(c);

    int64_t t[] = {1720569600, 1720569599, 1720569661};
    c = ints(DT, t, 3);
    struct agg_bind *b = bind_ok("max", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_DATETIME, "min and max keep the argument's type");
    unbind(b);
    expect1("max", c, NULL, 0, "\"2024-07-10 00:01:01\"");
    expect1("min", c, NULL, 0, "\"2024-07-09 23:59:59\"");
    col_delete(c);

    int64_t d[] = {19914, 19000};
    c = ints(DATE, d, 2);
    expect1("min", c, NULL, 0, "\"2022-01-08\"");
    col_delete(c);

    int64_t u[] = {1ULL << 63, 1};
    c = ints(U64, u, 2);
    expect1("max", c, NULL, 0, "9223372036854775808"); /* unsigned order */
    col_delete(c);
}

Test(agg_minmax, nan_loses_to_numbers)
{
    double a[] = {NAN, 2, -1, NAN};
    struct col *c = floats(a, 4);
    expect1("min", c, NULL, 0, "-1");
    expect1("max", c, NULL, 0, "2");
    col_delete(c);
    double all[] = {NAN, NAN};
    c = floats(all, 2);
    expect1("min", c, NULL, 0, "null"); /* NaN renders as null */
    col_delete(c);
}

Test(agg_minmax, first_and_last_in_input_order)
{
    const char *s[] = {NULL, "first", "middle", "last", NULL};
    struct col *c = strs(s, 5, 1);
    expect1("any", c, NULL, 0, "\"first\"");
    expect1("earliest", c, NULL, 0, "\"first\"");
    expect1("any_last", c, NULL, 0, "\"last\"");
    expect1("latest", c, NULL, 0, "\"last\"");
    expect1("min", c, NULL, 0, "\"first\"");
    col_delete(c);
}

Test(agg_minmax, arg_min_arg_max_keep_the_first_of_ties)
{
    const char *who[] = {"a", "b", "c", "d", "e"};
    int64_t score[] = {3, 1, 7, 1, 7};
    struct col *w = strs(who, 5, 0), *sc = ints(I64, score, 5);
    struct ty tys[2] = {w->ty, sc->ty};
    const struct col *args[2] = {w, sc};
    struct agg_bind *b = bind_ok("arg_min", tys, 2, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_STRING, "the first argument's type");
    struct st x = st_new(b);
    add_all(b, &x, args, 0, 5);
    expect(b, &x, "\"b\"");
    st_free(b, &x);
    unbind(b);
    b = bind_ok("arg_max", tys, 2, NULL, 0);
    x = st_new(b);
    add_all(b, &x, args, 0, 5);
    expect(b, &x, "\"c\"");
    /* merging a state whose best only ties keeps dst's (earlier) row */
    struct st later = st_new(b);
    add_all(b, &later, args, 4, 5);
    cr_assert_eq(b->ops.merge(b, x.s, later.s), 0);
    expect(b, &x, "\"c\"");
    st_free(b, &later);
    st_free(b, &x);
    unbind(b);
    col_delete(w);
    col_delete(sc);
}

Test(agg_minmax, strings_are_held_and_released)
{
    const char *s[] = {"m", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "a"};
    struct col *c = strs(s, 3, 0);
    const struct col *args[1] = {c};
    struct agg_bind *b = bind_ok("max", &c->ty, 1, NULL, 0);
    struct st x = st_new(b);
    add_all(b, &x, args, 0, 3);
    cr_expect_eq(agg_held(b), 30, "the held copy of the longest string");
    st_free(b, &x);
    cr_expect_eq(agg_held(b), 0);
    unbind(b);
    col_delete(c);
}

/* --- distinct values ------------------------------------------------------------- */

Test(agg_distinct, exact_counts)
{
    const char *s[] = {"a", "b", NULL, "a", "", "", "c", NULL};
    struct col *c = strs(s, 8, 1);
    struct agg_bind *b = bind_ok("count_distinct", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_UINT64);
    cr_expect_eq(b->ret.nullable, 0, "never NULL: NULLs are not counted");
    unbind(b);
    expect1("count_distinct", c, NULL, 0, "4");
    expect1("unique", c, NULL, 0, "4");
    expect1("unique_exact", c, NULL, 0, "4");
    expect1("uniq", c, NULL, 0, "4");
    expect1("uniqExact", c, NULL, 0, "4");
    col_delete(c);

    /* 100000 distinct integers, each twice */
    struct col *big;
    cr_assert_eq(col_new(I64, &big), 0);
    for (int64_t i = 0; i < 200000; i++) {
        int64_t v = (i % 100000) * 7919 - 12345;
        cr_assert_eq(col_push_fixed(big, &v), 0);
    }
    expect1("count_distinct", big, NULL, 0, "100000");
    col_delete(big);

    /* floats compare bit for bit: 0.0 and -0.0 are two values */
    double f[] = {0.0, -0.0, 1.5, 1.5};
    c = floats(f, 4);
    expect1("count_distinct", c, NULL, 0, "3");
    col_delete(c);
}

Test(agg_distinct, tuples_of_arguments)
{
    int64_t a[] = {1, 1, 2, 2, 1, INT64_MIN};
    const char *s[] = {"x", "y", "x", "x", "x", "x"};
    struct col *ca = nints(a, 6), *cs = strs(s, 6, 0);
    struct ty tys[2] = {ca->ty, cs->ty};
    const struct col *args[2] = {ca, cs};
    struct agg_bind *b = bind_ok("count_distinct", tys, 2, NULL, 0);
    struct st x = st_new(b);
    add_all(b, &x, args, 0, 6);
    expect(b, &x, "3"); /* (1,x) (1,y) (2,x); the NULL row is not counted */
    st_free(b, &x);
    unbind(b);
    col_delete(ca);
    col_delete(cs);
}

/* --- quantiles --------------------------------------------------------------------- */

Test(agg_quantile, interpolated_and_exact)
{
    int64_t v[] = {40, 10, 30, 20}; /* sorted: 10 20 30 40 */
    struct col *c = ints(I32, v, 4);
    struct val lv[] = {pf(0.5), pf(0.9), pf(0), pf(1), pf(0.25)};
    expect1("quantile", c, &lv[0], 1, "25");   /* 20 + (30 - 20) * 0.5 */
    expect1("quantile", c, &lv[1], 1, "37");   /* pos 2.7: 30 + 10 * 0.7 */
    expect1("quantile", c, &lv[2], 1, "10");
    expect1("quantile", c, &lv[3], 1, "40");
    expect1("quantile", c, NULL, 0, "25");     /* level 0.5 by default */
    expect1("median", c, NULL, 0, "25");
    expect1("p50", c, NULL, 0, "25");
    expect1("p90", c, NULL, 0, "37");
    expect1("p99", c, NULL, 0, "39.699999999999996"); /* as ClickHouse computes it */
    expect1("quantile_exact", c, &lv[0], 1, "30"); /* floor(0.5 * 4) = 2 */
    expect1("quantile_exact", c, &lv[4], 1, "20");
    expect1("quantile_exact", c, &lv[3], 1, "40");
    expect1("quantile_exact", c, &lv[2], 1, "10");
    struct agg_bind *b = bind_ok("quantile", &c->ty, 1, lv, 1);
    cr_expect_eq(b->ret.kind, TY_FLOAT64);
    unbind(b);
    b = bind_ok("quantile_exact", &c->ty, 1, lv, 1);
    cr_expect_eq(b->ret.kind, TY_INT32, "quantile_exact keeps the type");
    unbind(b);
    col_delete(c);

    double f[] = {NAN, 1, NAN, 3};
    c = floats(f, 4);
    expect1("median", c, NULL, 0, "2"); /* NaN skipped */
    col_delete(c);

    int64_t t[] = {1720569600, 1720569601};
    c = ints(DT, t, 2);
    b = bind_ok("median", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_DATETIME, "times stay times");
    unbind(b);
    expect1("median", c, NULL, 0, "\"2024-07-10 00:00:00\"");
    col_delete(c);
}

/* Quickselect against a full sort, on random data with many repeats. */
Test(agg_quantile, matches_sorting)
{
    for (uint32_t n = 1; n < 400; n += 37) {
        struct col *c = gen(I64, n, n);
        int64_t *sorted = malloc(n * sizeof(*sorted));
        memcpy(sorted, c->data, n * sizeof(*sorted));
        for (uint32_t i = 1; i < n; i++) /* insertion sort: obviously right */
            for (uint32_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
                int64_t t = sorted[j];
                sorted[j] = sorted[j - 1];
                sorted[j - 1] = t;
            }
        for (double level = 0; level <= 1.0001; level += 0.125) {
            struct val lv = pf(level);
            char want[64];
            uint32_t k = level < 1 ? (uint32_t)(level * n) : n - 1;
            snprintf(want, sizeof(want), "%lld", (long long)sorted[k]);
            char *got = run1("quantile_exact", c, &lv, 1);
            cr_expect_str_eq(got, want, "n %u level %g", n, level);
            free(got);
        }
        free(sorted);
        col_delete(c);
    }
}

Test(agg_quantile, bind_errors)
{
    int rc;
    struct val bad[] = {pf(1.5), pf(-0.1)};
    struct agg_bind *b = bind_try("quantile", &F64, 1, &bad[0], 1, &rc);
    cr_expect_eq(rc, -EINVAL);
    cr_expect_str_eq(b->err, "quantile level must be in [0, 1], got 1.5");
    unbind(b);
    b = bind_try("quantile", &F64, 1, &bad[1], 1, &rc);
    cr_expect_eq(rc, -EINVAL);
    unbind(b);
    b = bind_try("quantile", &STR, 1, NULL, 0, &rc);
    cr_expect_eq(rc, -EINVAL);
    cr_expect_str_eq(b->err, "quantile expects a number, date or time, got string");
    unbind(b);
    struct val s = {.ty = STR, .v.s = {"x", 1}};
    b = bind_try("quantile", &F64, 1, &s, 1, &rc);
    cr_expect_eq(rc, -EINVAL);
    cr_expect_str_eq(b->err, "the quantile level must be a number");
    unbind(b);
    b = bind_try("p90", &F64, 1, &bad[0], 1, &rc);
    cr_expect_eq(rc, -EINVAL, "p90 has its level");
    unbind(b);
}

/* --- group_array and top_k ----------------------------------------------------------- */

Test(agg_collect, group_array_is_an_array)
{
    const char *s[] = {"a", NULL, "say \"hi\"", ""};
    struct col *c = strs(s, 4, 1);
    expect1("group_array", c, NULL, 0, "[\"a\",\"say \\\"hi\\\"\",\"\"]");
    struct agg_bind *b = bind_ok("group_array", &c->ty, 1, NULL, 0);
    cr_expect_eq(b->ret.kind, TY_ARRAY);
    cr_expect_eq(b->ret.elem, TY_STRING);
    cr_expect_eq(b->ret.elem_nullable, 0, "NULLs are skipped: array(string)");
    unbind(b);
    col_delete(c);

    /* the elements themselves */
    int64_t v[] = {3, 1, 2, 5};
    c = ints(I32, v, 4);
    b = bind_ok("group_array", &c->ty, 1, NULL, 0);
    struct st x = st_new(b);
    const struct col *args[1] = {c};
    add_all(b, &x, args, 0, 4);
    struct col *out;
    cr_assert_eq(col_new(b->ret, &out), 0);
    cr_assert_eq(b->ops.finalize(b, x.s, out), 0);
    cr_expect_eq(out->n, 1);
    cr_expect_eq(col_offsets(out)[1], 4);
    for (uint32_t i = 0; i < 4; i++)
        cr_expect_eq(COL_AT(out->child, int32_t, i), v[i]);
    col_delete(out);
    st_free(b, &x);
    unbind(b);

    struct val max = pu(2);
    char *got = run1("group_array", c, &max, 1);
    cr_expect_str_eq(got, "[3,1]");
    free(got);
    col_delete(c);

    double f[] = {0.5, NAN};
    c = floats(f, 2);
    expect1("group_array", c, NULL, 0, "[0.5,null]");
    col_delete(c);
    int64_t t[] = {1720569600};
    c = ints(DT, t, 1);
    expect1("group_array", c, NULL, 0, "[\"2024-07-10 00:00:00\"]");
    col_delete(c);
}

Test(agg_collect, group_array_max_size_holds_across_merge)
{
    int64_t v[] = {1, 2, 3, 4, 5, 6};
    struct col *c = ints(I64, v, 6);
    const struct col *args[1] = {c};
    struct val max = pu(4);
    struct agg_bind *b = bind_ok("group_array", &c->ty, 1, &max, 1);
    struct st a = st_new(b), d = st_new(b);
    add_all(b, &a, args, 0, 3);
    add_all(b, &d, args, 3, 6);
    cr_assert_eq(b->ops.merge(b, a.s, d.s), 0);
    expect(b, &a, "[1,2,3,4]");
    st_free(b, &a);
    st_free(b, &d);
    unbind(b);
    col_delete(c);
}

Test(agg_collect, top_k_counts_and_ties)
{
    const char *s[] = {"b", "a", "c", "a", "b", "d", "a", NULL, NULL, NULL, "c"};
    struct col *c = strs(s, 11, 1);
    /* a 3, b 2, c 2 (b first seen before c), d 1; NULLs skipped */
    expect1("top_k", c, NULL, 0, "[\"a\",\"b\",\"c\",\"d\"]");
    struct val two[] = {pu(2), {.ty = BOOL, .v.u = 0}};
    expect1("top_k", c, two, 1, "[\"a\",\"b\"]");
    expect1("top_k", c, two, 2, "[\"a\",\"b\"]");
    struct agg_bind *b = bind_ok("top_k", &c->ty, 1, two, 1);
    cr_expect_eq(b->ret.kind, TY_ARRAY);
    cr_expect_eq(b->ret.elem, TY_STRING);
    cr_expect_eq(b->ret.nullable, 0, "never NULL");
    unbind(b);
    col_delete(c);

    int64_t v[] = {7, 7, -1, 7, -1, 3};
    c = ints(I16, v, 6);
    struct val one = pu(1);
    expect1("top_k", c, &one, 1, "[7]");
    col_delete(c);
}

Test(agg_collect, top_k_bind_errors)
{
    int rc;
    struct val zero = pu(0), huge = pu(1u << 25);
    struct agg_bind *b = bind_try("top_k", &STR, 1, &zero, 1, &rc);
    cr_expect_eq(rc, -EINVAL);
    cr_expect_str_eq(b->err, "k of top_k must be in [1, 16777215]");
    unbind(b);
    b = bind_try("top_k", &STR, 1, &huge, 1, &rc);
    cr_expect_eq(rc, -EINVAL);
    unbind(b);
    struct val neg = {.ty = I32, .v.i = -3};
    b = bind_try("top_k", &STR, 1, &neg, 1, &rc);
    cr_expect_eq(rc, -EINVAL);
    cr_expect_str_eq(b->err, "k must be a non-negative integer");
    unbind(b);
    /* (value, count) pairs would need tuples */
    struct val with_count[] = {pu(2), {.ty = BOOL, .v.u = 1}};
    b = bind_try("top_k", &STR, 1, with_count, 2, &rc);
    cr_expect_eq(rc, -EINVAL);
    unbind(b);
}

/* A state restored from damaged bytes is refused, never trusted. */
Test(agg_collect, corrupt_states_refused)
{
    const char *s[] = {"a", "b", "a"};
    struct col *c = strs(s, 3, 0);
    const struct col *args[1] = {c};
    struct val k = pu(2);
    struct agg_bind *b = bind_ok("top_k", &c->ty, 1, &k, 1);
    struct st x = st_new(b);
    add_all(b, &x, args, 0, 3);
    struct buf saved = BUF_INIT;
    cr_assert_eq(b->ops.serialize(b, x.s, &saved), 0);
    /* a key count larger than the keys present */
    saved.data[0] = 9;
    struct st y = st_new(b);
    cr_expect_neq(b->ops.deserialize(b, y.s, saved.data, saved.len), 0);
    st_free(b, &y);
    buf_free(&saved);
    st_free(b, &x);
    unbind(b);

    b = bind_ok("group_array", &c->ty, 1, NULL, 0);
    x = st_new(b);
    add_all(b, &x, args, 0, 3);
    cr_assert_eq(b->ops.serialize(b, x.s, &saved), 0);
    saved.data[8] = 100; /* the block's first column header: no such kind */
    y = st_new(b);
    cr_expect_neq(b->ops.deserialize(b, y.s, saved.data, saved.len), 0);
    st_free(b, &y);
    buf_free(&saved);
    st_free(b, &x);
    unbind(b);
    col_delete(c);
}
