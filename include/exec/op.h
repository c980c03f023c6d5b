/*
 * op.h — push-based operators: the query pipeline between a source and a
 * sink.
 *
 * A source's block is pushed into the first operator, which pushes what it
 * produces into the next, down to the sink (a result file, a stream's
 * log). finish() is the end of input: operators that hold rows (aggregate,
 * sort) emit them then, and every operator finishes its successor.
 * Historical and streaming queries share these operators; a historical
 * query is a streaming one whose source ends. Windowed operators (the
 * streaming issue) add watermarks through the same interface.
 *
 * Blocks passed to push are borrowed for the call: an operator that keeps
 * one takes a reference. An operator returns OP_DONE from push when it
 * needs no more input (LIMIT reached); the driver then stops the source
 * and calls finish.
 *
 * Memory: every operator that holds rows charges them to its op_ctx
 * (op_ctx_charge); over max_memory_usage the query fails with a clear
 * error, never the daemon.
 *
 * Ownership: an operator owns the expressions and states given to its
 * constructor and its successor (destroying the head destroys the chain).
 */
#ifndef SFS_EXEC_OP_H
#define SFS_EXEC_OP_H

#include <stdatomic.h>
#include <stdint.h>

#include "exec/agg.h"
#include "exec/expr.h"
#include "types/block.h"

#define OP_DONE 1
#define OP_ERR_MAX 512

struct op_ctx {
    struct fn_ctx fn;            /* now(), rand state, kernel errors */
    uint64_t mem_limit;          /* max_memory_usage; 0 = none */
    _Atomic uint64_t mem_used;
    atomic_int cancelled;        /* set by another thread; checked between blocks */
    uint64_t rows_read;          /* counted by the driver */
    /* Windowed queries (op_window, exec/window.h) keep these for status;
     * has_watermark is 0 until the first event. Read by other threads. */
    _Atomic int has_watermark;
    _Atomic int64_t watermark_ns;    /* the most advanced partition's watermark */
    _Atomic uint64_t late_events;    /* events dropped: all their windows had closed */
    _Atomic uint64_t windows_open;   /* windows holding state */
    char err[OP_ERR_MAX];        /* why the query failed */
    atomic_int windowed;         /* a window operator is in the chain: status shows the above */
};

/* Account bytes held (negative to release); -ENOMEM with ctx->err set
 * ("memory limit exceeded: ... max_memory_usage ...") when over the limit. */
int op_ctx_charge(struct op_ctx *ctx, int64_t bytes);
/* Set ctx->err; returns code. */
int op_ctx_fail(struct op_ctx *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct op;

struct op_vt {
    int (*push)(struct op *o, struct blk *b);
    int (*finish)(struct op *o);
    void (*destroy)(struct op *o);
    /* Streaming: time passes without rows (the query's clock reads now_ns;
     * a quiet stream's windows may close, periodic emits fire). NULL: the
     * operator holds nothing timed and passes the tick on (op_tick). */
    int (*tick)(struct op *o, int64_t now_ns);
};

struct op {
    const struct op_vt *vt;
    struct op *next;
    struct op_ctx *ctx;
};

static inline int op_push(struct op *o, struct blk *b)
{
    return o->vt->push(o, b);
}
static inline int op_finish(struct op *o)
{
    return o->vt->finish(o);
}
/* Tell o (and through it the chain) that time is now_ns. */
static inline int op_tick(struct op *o, int64_t now_ns)
{
    for (; o; o = o->next)
        if (o->vt->tick)
            return o->vt->tick(o, now_ns);
    return 0;
}
/* Destroy o and its successors; NULL is a no-op. */
void op_destroy(struct op *o);

/* WHERE / HAVING: rows where cond is true (not NULL, nonzero). */
int op_filter_create(struct op_ctx *ctx, struct xpr *cond, struct op *next, struct op **out);
/* SELECT list: one output column per expression (column references are
 * borrowed, not copied). */
int op_project_create(struct op_ctx *ctx, struct xpr **exprs, uint32_t n, struct op *next,
                      struct op **out);

/* One aggregate call: a bound aggregate and its argument expressions. */
struct op_agg_call {
    struct agg_bind bind;        /* bound (agg_fn.bind done by the binder) */
    const struct agg_fn *fn;
    int distinct;                /* f(DISTINCT ...): bind made by agg_make_distinct */
    uint32_t nargs;
    struct xpr **args;           /* owned */
};
/* GROUP BY keys (hash table; no keys: one global group, which emits one
 * row even for empty input, as SQL says). Output columns: keys in order,
 * then one column per aggregate. */
int op_aggregate_create(struct op_ctx *ctx, struct xpr **keys, uint32_t nkeys,
                        struct op_agg_call *aggs, uint32_t naggs, struct op *next,
                        struct op **out);

/* Streaming without windows (EMIT PERIODIC, Proton's default of 2 s for
 * global aggregations): every interval_ns of the query's clock (op_tick)
 * the current result of every group is pushed on, when rows came since
 * the last emit; the state is kept. agg must come from op_aggregate_create. */
#define OP_DEFAULT_PERIODIC_NS 2000000000LL
void op_aggregate_set_periodic(struct op *agg, int64_t interval_ns);

struct op_sort_key {
    uint32_t col;                /* column of the input block */
    uint8_t desc;
    uint8_t nulls_first;         /* ClickHouse default: NULLs last for ASC and DESC */
};
/* ORDER BY (stable); with limit > 0 keeps only the top offset+limit rows
 * (a heap), then skips offset. */
int op_sort_create(struct op_ctx *ctx, const struct op_sort_key *keys, uint32_t nkeys,
                   uint64_t limit, uint64_t offset, struct op *next, struct op **out);
/* LIMIT / OFFSET without ORDER BY; OP_DONE once limit rows passed. */
int op_limit_create(struct op_ctx *ctx, uint64_t limit, uint64_t offset, struct op *next,
                    struct op **out);
/* DISTINCT over all columns (first occurrence order). */
int op_distinct_create(struct op_ctx *ctx, struct op *next, struct op **out);

#endif
