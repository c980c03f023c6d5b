/*
 * op_ctx.c — what every operator of a query shares (exec/op.h): memory
 * accounting against max_memory_usage, the query's error text, and the
 * destruction of an operator chain.
 *
 * Charges are atomic so an operator may account from any thread; a charge
 * that would pass the limit is not kept, so the caller can fail without
 * undoing it.
 */
#include "exec/op.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int op_ctx_charge(struct op_ctx *ctx, int64_t bytes)
{
    uint64_t used = atomic_fetch_add(&ctx->mem_used, (uint64_t)bytes) + (uint64_t)bytes;
    if (bytes <= 0 || !ctx->mem_limit || used <= ctx->mem_limit)
        return 0;
    atomic_fetch_sub(&ctx->mem_used, (uint64_t)bytes);
    return op_ctx_fail(ctx, -ENOMEM,
                       "memory limit exceeded: would use %llu bytes, max_memory_usage is %llu",
                       (unsigned long long)used, (unsigned long long)ctx->mem_limit);
}

int op_ctx_fail(struct op_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
    va_end(ap);
    return code;
}

void op_destroy(struct op *o)
{
    while (o) {
        struct op *next = o->next;
        o->vt->destroy(o);
        o = next;
    }
}
