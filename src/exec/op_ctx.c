/*
 * op_ctx.c — what every operator of a query shares (exec/op.h): the
 * memory account that enforces max_memory_usage, the query's error text,
 * and the destruction of an operator chain.
 *
 * Memory is charged when an operator starts holding it and released when
 * it lets go; a charge that would pass the limit is refused whole (the
 * account stays as it was) and names the limit, so the query fails with
 * a message the user can act on while the daemon keeps running.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "exec/op.h"
#include "util/err.h"

int op_ctx_charge(struct op_ctx *ctx, int64_t bytes)
{
    if (bytes <= 0) {
        atomic_fetch_sub(&ctx->mem_used, (uint64_t)-bytes);
        return 0;
    }
    uint64_t was = atomic_fetch_add(&ctx->mem_used, (uint64_t)bytes);
    if (!ctx->mem_limit || was + (uint64_t)bytes <= ctx->mem_limit)
        return 0;
    atomic_fetch_sub(&ctx->mem_used, (uint64_t)bytes);
    return op_ctx_fail(ctx, -ENOMEM,
                       "memory limit exceeded: would use %" PRIu64 " bytes (attempt to "
                       "allocate %" PRId64 " more), maximum: %" PRIu64
                       " bytes; raise max_memory_usage or make the query hold less",
                       was + (uint64_t)bytes, bytes, ctx->mem_limit);
}

int op_ctx_fail(struct op_ctx *ctx, int code, const char *fmt, ...)
{
    char what[OP_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    err_one_line(ctx->err, sizeof(ctx->err), what);
    return code;
}

/* Each vt->destroy frees its own operator only; the chain is walked here. */
void op_destroy(struct op *o)
{
    while (o) {
        struct op *next = o->next;
        o->vt->destroy(o);
        o = next;
    }
}
