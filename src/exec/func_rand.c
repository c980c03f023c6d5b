/*
 * func_rand.c — random numbers, a new one per row (SPEC rule 10): rand
 * (uint32), rand64 (uint64), rand_uniform(min, max) (float64 in [min,
 * max)).
 *
 * The generator is splitmix64 over the query's fn_ctx.rand_state: fast,
 * well mixed, and reproducible when a test seeds the state. The functions
 * are FN_NONDETERMINISTIC, so they are never folded into constants; an
 * optional argument of rand / rand64 is ignored (ClickHouse accepts one to
 * keep two calls from being merged).
 */
#include "func_impl.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

static inline uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int k_rand(KERNEL_ARGS)
{
    uint32_t *o = out->data;
    uint64_t s = ctx->rand_state;
    for (uint32_t i = 0; i < n; i++)
        o[i] = (uint32_t)(splitmix64(&s) >> 32);
    ctx->rand_state = s;
    fn_fixed_done(out, n);
    return 0;
}

static int k_rand64(KERNEL_ARGS)
{
    uint64_t *o = out->data, s = ctx->rand_state;
    for (uint32_t i = 0; i < n; i++)
        o[i] = splitmix64(&s);
    ctx->rand_state = s;
    fn_fixed_done(out, n);
    return 0;
}

static int k_rand_uniform(KERNEL_ARGS)
{
    const double *lo = args[0]->data, *hi = args[1]->data;
    double *o = out->data;
    uint64_t s = ctx->rand_state;
    for (uint32_t i = 0; i < n; i++) {
        double u = (double)(splitmix64(&s) >> 11) * 0x1.0p-53; /* [0, 1) */
        o[i] = lo[i] + (hi[i] - lo[i]) * u;
    }
    ctx->rand_state = s;
    fn_fixed_done(out, n);
    return 0;
}

static int bind_rand(struct fn_bind *b)
{
    b->ret = fn_ty(TY_UINT32);
    b->kernel = k_rand;
    return 0;
}

static int bind_rand64(struct fn_bind *b)
{
    b->ret = fn_ty(TY_UINT64);
    b->kernel = k_rand64;
    return 0;
}

static int bind_rand_uniform(struct fn_bind *b)
{
    for (uint32_t i = 0; i < 2; i++) {
        if (!fn_is_num(b->arg_ty[i]) || b->arg_ty[i].kind == TY_BOOL)
            return fn_bad_arg(b, "rand_uniform", i, "a number");
        b->cast_to[i] = fn_ty(TY_FLOAT64);
    }
    b->ret = fn_ty(TY_FLOAT64);
    b->kernel = k_rand_uniform;
    return 0;
}

const struct fn_scalar fn_rand_fns[] = {
    {"rand", 0, 1, FN_NONDETERMINISTIC, bind_rand},
    {"rand32", 0, 1, FN_NONDETERMINISTIC, bind_rand},
    {"rand64", 0, 1, FN_NONDETERMINISTIC, bind_rand64},
    {"rand_uniform", 2, 2, FN_NONDETERMINISTIC, bind_rand_uniform},
};
const size_t fn_rand_fns_n = sizeof(fn_rand_fns) / sizeof(fn_rand_fns[0]);
