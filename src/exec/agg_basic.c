/*
 * agg_basic.c — count, sum and avg (ClickHouse semantics).
 *
 * count() and count(*) count rows, count(x) the rows where x is not NULL;
 * both are uint64 and never NULL, so count sees NULL rows itself
 * (AGG_OWN_NULLS). sum widens: signed integers to int64, unsigned ones
 * and bool to uint64, floats to float64; integer sums wrap on overflow
 * as ClickHouse's do. avg is float64: the sum (kept as sum keeps it)
 * divided by the count, nan for no rows. For a nullable argument the
 * caller skips NULL rows and makes the result NULL when none was left.
 *
 * add() switches on the argument's kind once per call, so each kind's
 * loop is a plain pass over the column. retract() (a mutable stream's
 * changelog taking a row back) is add with the value negated and the row
 * uncounted: integer sums wrap back exactly, decimal sums are checked.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "exec/agg_impl.h"
#include "exec/func_list.h"

union num {
    int64_t i;
    uint64_t u;
    double f;
};

/* --- count ---------------------------------------------------------------- */

static void count_init(const struct agg_bind *b, void *state)
{
    (void)b;
    *(uint64_t *)state = 0;
}

static int count_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                     const uint32_t *rows, uint32_t n)
{
    const struct col *x = b->nargs ? args[0] : NULL;
    if (x && x->ty.kind == TY_NOTHING)
        return 0;
    if (x && x->nulls)
        AGG_EACH(states, rows, n, *(uint64_t *)st += !x->nulls[r]);
    else
        AGG_EACH(states, rows, n, (void)r; *(uint64_t *)st += 1);
    return 0;
}

static int count_retract(const struct agg_bind *b, void *const *states,
                         const struct col *const *args, const uint32_t *rows, uint32_t n)
{
    const struct col *x = b->nargs ? args[0] : NULL;
    if (x && x->ty.kind == TY_NOTHING)
        return 0;
    if (x && x->nulls)
        AGG_EACH(states, rows, n, *(uint64_t *)st -= !x->nulls[r]);
    else
        AGG_EACH(states, rows, n, (void)r; *(uint64_t *)st -= 1);
    return 0;
}

static int count_merge(const struct agg_bind *b, void *dst, const void *src)
{
    (void)b;
    *(uint64_t *)dst += *(const uint64_t *)src;
    return 0;
}

static int count_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    (void)b;
    return col_push_fixed(out, state);
}

static int count_add_one(const struct agg_bind *b, void *state, const struct col *const *args,
                         const uint32_t *rows, uint32_t n)
{
    const struct col *x = b->nargs ? args[0] : NULL;
    uint64_t c = 0;
    if (x && x->ty.kind == TY_NOTHING)
        return 0;
    if (x && x->nulls) {
        for (uint32_t k = 0; k < n; k++)
            c += !x->nulls[rows ? rows[k] : k];
    } else
        c = n;
    *(uint64_t *)state += c;
    return 0;
}

static int count_bind(struct agg_bind *b)
{
    b->ret = (struct ty){TY_UINT64, 0, 0};
    b->flags |= AGG_OWN_NULLS;
    b->ops = (struct agg_ops){sizeof(uint64_t), count_init, count_add, count_merge,
                              count_finalize, NULL, agg_save_raw, agg_load_raw, count_add_one,
                              count_retract};
    return 0;
}

/* --- sum and avg ------------------------------------------------------------ */

struct avg_st {
    union num sum;
    uint64_t n;
};

static void num_init(const struct agg_bind *b, void *state)
{
    memset(state, 0, b->ops.state_size);
}

/* Add column x into each state's leading union num (sum and avg share the
 * layout); with_count also counts rows (avg); sign -1 takes the rows back
 * out (retract), in loops of their own so adding stays a plain pass.
 * Signed values add through uint64 so that overflow wraps instead of
 * being undefined, and a retract wraps back. */
#define SUM_KIND(K, T, FIELD, CAST)                                                                \
    case K:                                                                                        \
        if (with_count && sign > 0)                                                                \
            AGG_EACH(states, rows, n, ((struct avg_st *)st)->sum.FIELD += CAST COL_AT(x, T, r);   \
                     ((struct avg_st *)st)->n++);                                                  \
        else if (with_count)                                                                       \
            AGG_EACH(states, rows, n, ((struct avg_st *)st)->sum.FIELD -= CAST COL_AT(x, T, r);   \
                     ((struct avg_st *)st)->n--);                                                  \
        else if (sign > 0)                                                                         \
            AGG_EACH(states, rows, n, ((union num *)st)->FIELD += CAST COL_AT(x, T, r));           \
        else                                                                                       \
            AGG_EACH(states, rows, n, ((union num *)st)->FIELD -= CAST COL_AT(x, T, r));           \
        break

/* Decimals add with an overflow check: a sum past int64 fails the query
 * (ClickHouse sums into decimal128 instead; ours stop at 18 digits). */
static int add_decimals(void *const *states, const struct col *x, const uint32_t *rows,
                        uint32_t n, int with_count, int sign)
{
    int bad = 0;
    AGG_EACH(states, rows, n, {
        int64_t *sum = with_count ? &((struct avg_st *)st)->sum.i : &((union num *)st)->i;
        if (sign > 0)
            bad |= __builtin_add_overflow(*sum, COL_AT(x, int64_t, r), sum);
        else
            bad |= __builtin_sub_overflow(*sum, COL_AT(x, int64_t, r), sum);
        if (with_count)
            ((struct avg_st *)st)->n += (uint64_t)(int64_t)sign;
    });
    return bad ? -ERANGE : 0;
}

static int add_nums(void *const *states, const struct col *x, const uint32_t *rows, uint32_t n,
                    int with_count, int sign)
{
    switch (x->ty.kind) {
    case TY_DECIMAL: return add_decimals(states, x, rows, n, with_count, sign);
        SUM_KIND(TY_INT8, int8_t, u, (uint64_t)(int64_t));
        SUM_KIND(TY_INT16, int16_t, u, (uint64_t)(int64_t));
        SUM_KIND(TY_INT32, int32_t, u, (uint64_t)(int64_t));
        SUM_KIND(TY_INT64, int64_t, u, (uint64_t));
        SUM_KIND(TY_BOOL, uint8_t, u, (uint64_t));
        SUM_KIND(TY_UINT8, uint8_t, u, (uint64_t));
        SUM_KIND(TY_UINT16, uint16_t, u, (uint64_t));
        SUM_KIND(TY_UINT32, uint32_t, u, (uint64_t));
        SUM_KIND(TY_UINT64, uint64_t, u, (uint64_t));
        SUM_KIND(TY_FLOAT32, float, f, (double));
        SUM_KIND(TY_FLOAT64, double, f, (double));
    default: return -EINVAL;
    }
    return 0;
}

/* The same sums into one state, with the running sum in a register
 * (add_one; not for decimals, whose adds are checked). */
#define ONE_KIND(K, T, FIELD, CAST)                                                                \
    case K: {                                                                                      \
        __typeof__(acc->FIELD) s_ = acc->FIELD;                                                    \
        if (rows)                                                                                  \
            for (uint32_t k_ = 0; k_ < n; k_++)                                                    \
                s_ += CAST COL_AT(x, T, rows[k_]);                                                 \
        else                                                                                       \
            for (uint32_t r_ = 0; r_ < n; r_++)                                                    \
                s_ += CAST COL_AT(x, T, r_);                                                       \
        acc->FIELD = s_;                                                                           \
        break;                                                                                     \
    }

static int add_nums_one(void *state, const struct col *x, const uint32_t *rows, uint32_t n,
                        int with_count)
{
    union num *acc = state; /* never a decimal: those keep the checked add */
    switch (x->ty.kind) {
        ONE_KIND(TY_INT8, int8_t, u, (uint64_t)(int64_t));
        ONE_KIND(TY_INT16, int16_t, u, (uint64_t)(int64_t));
        ONE_KIND(TY_INT32, int32_t, u, (uint64_t)(int64_t));
        ONE_KIND(TY_INT64, int64_t, u, (uint64_t));
        ONE_KIND(TY_BOOL, uint8_t, u, (uint64_t));
        ONE_KIND(TY_UINT8, uint8_t, u, (uint64_t));
        ONE_KIND(TY_UINT16, uint16_t, u, (uint64_t));
        ONE_KIND(TY_UINT32, uint32_t, u, (uint64_t));
        ONE_KIND(TY_UINT64, uint64_t, u, (uint64_t));
        ONE_KIND(TY_FLOAT32, float, f, (double));
        ONE_KIND(TY_FLOAT64, double, f, (double));
    default: return -EINVAL;
    }
    if (with_count)
        ((struct avg_st *)state)->n += n;
    return 0;
}

static int sum_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                   const uint32_t *rows, uint32_t n)
{
    (void)b;
    return add_nums(states, args[0], rows, n, 0, 1);
}

static int sum_retract(const struct agg_bind *b, void *const *states,
                       const struct col *const *args, const uint32_t *rows, uint32_t n)
{
    (void)b;
    return add_nums(states, args[0], rows, n, 0, -1);
}

static int sum_add_one(const struct agg_bind *b, void *state, const struct col *const *args,
                       const uint32_t *rows, uint32_t n)
{
    (void)b;
    return add_nums_one(state, args[0], rows, n, 0);
}

static void num_merge_into(int is_float, union num *dst, const union num *src)
{
    if (is_float)
        dst->f += src->f;
    else
        dst->u += src->u;
}

static int sum_merge(const struct agg_bind *b, void *dst, const void *src)
{
    if (b->ret.kind == TY_DECIMAL) /* checked, as in add_decimals */
        return __builtin_add_overflow(((union num *)dst)->i, ((const union num *)src)->i,
                                      &((union num *)dst)->i)
                   ? -ERANGE
                   : 0;
    num_merge_into(b->ret.kind == TY_FLOAT64, dst, src);
    return 0;
}

static int sum_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    (void)b;
    return col_push_fixed(out, state); /* int64, uint64 and float64 are the union's bytes */
}

/* The argument must be a number (bool counts as one, as in ClickHouse). */
static int numeric_arg(struct agg_bind *b, const char *name)
{
    struct ty t = b->arg_ty[0];
    if (!ty_is_int(t) && !ty_is_float(t) && t.kind != TY_BOOL && t.kind != TY_DECIMAL) {
        char tn[TY_MAX_NAME];
        ty_name(t, tn);
        return agg_bind_fail(b, 0, "%s expects a number, got %s", name, tn);
    }
    return 0;
}

static int sum_bind(struct agg_bind *b)
{
    int rc;
    if (agg_bind_null(b))
        return 0;
    if ((rc = numeric_arg(b, "sum")))
        return rc;
    struct ty t = b->arg_ty[0];
    if (t.kind == TY_DECIMAL) /* ClickHouse: decimal128(s); ours stop at 18 digits */
        agg_ret(b, ty_decimal(TY_DECIMAL_MAX_PREC, t.scale));
    else
        agg_ret(b, (struct ty){ty_is_float(t) ? TY_FLOAT64 : ty_is_signed(t) ? TY_INT64 : TY_UINT64,
                           0, 0});
    b->ops = (struct agg_ops){sizeof(union num), num_init, sum_add, sum_merge, sum_finalize,
                              NULL, agg_save_raw, agg_load_raw,
                              t.kind == TY_DECIMAL ? NULL : sum_add_one, sum_retract};
    return 0;
}

static int avg_add(const struct agg_bind *b, void *const *states, const struct col *const *args,
                   const uint32_t *rows, uint32_t n)
{
    (void)b;
    return add_nums(states, args[0], rows, n, 1, 1);
}

static int avg_retract(const struct agg_bind *b, void *const *states,
                       const struct col *const *args, const uint32_t *rows, uint32_t n)
{
    (void)b;
    return add_nums(states, args[0], rows, n, 1, -1);
}

static int avg_add_one(const struct agg_bind *b, void *state, const struct col *const *args,
                       const uint32_t *rows, uint32_t n)
{
    (void)b;
    return add_nums_one(state, args[0], rows, n, 1);
}

static int avg_merge(const struct agg_bind *b, void *dst, const void *src)
{
    struct avg_st *d = dst;
    const struct avg_st *s = src;
    if (b->arg_ty[0].kind == TY_DECIMAL) {
        if (__builtin_add_overflow(d->sum.i, s->sum.i, &d->sum.i))
            return -ERANGE;
    } else {
        num_merge_into(ty_is_float(b->arg_ty[0]), &d->sum, &s->sum);
    }
    d->n += s->n;
    return 0;
}

static int avg_finalize(const struct agg_bind *b, const void *state, struct col *out)
{
    const struct avg_st *s = state;
    struct ty t = b->arg_ty[0];
    double sum = ty_is_float(t) ? s->sum.f
                 : t.kind == TY_DECIMAL
                     ? (double)s->sum.i / (double)ty_pow10(t.scale) /* ClickHouse: float64 */
                 : ty_is_signed(t) ? (double)s->sum.i
                                   : (double)s->sum.u;
    double v = s->n ? sum / (double)s->n : NAN;
    return col_push_fixed(out, &v);
}

static int avg_bind(struct agg_bind *b)
{
    int rc;
    if (agg_bind_null(b))
        return 0;
    if ((rc = numeric_arg(b, "avg")))
        return rc;
    agg_ret(b, (struct ty){TY_FLOAT64, 0, 0});
    b->ops = (struct agg_ops){sizeof(struct avg_st), num_init, avg_add, avg_merge, avg_finalize,
                              NULL, agg_save_raw, agg_load_raw,
                              b->arg_ty[0].kind == TY_DECIMAL ? NULL : avg_add_one, avg_retract};
    return 0;
}

const struct agg_fn agg_basic_fns[] = {
    {"count", 0, 1, 0, count_bind},
    {"sum", 1, 1, 0, sum_bind},
    {"avg", 1, 1, 0, avg_bind},
};
const size_t agg_basic_fns_n = sizeof(agg_basic_fns) / sizeof(agg_basic_fns[0]);
