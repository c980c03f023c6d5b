/*
 * op_impl.h — what the operators (src/exec/op_*.c) share; internal to
 * src/exec: copying selected rows into new blocks, the memory a block
 * holds, and turning an expression error into the query's error.
 */
#ifndef SFS_EXEC_OP_IMPL_H
#define SFS_EXEC_OP_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "exec/op.h"
#include "types/block.h"

/* Output blocks of operators that build their own (aggregate, sort). */
#define OP_BLOCK_ROWS 8192

/* A new block (refs 1) with in's types and the rows rows[0..n) of in;
 * rows NULL: the rows [from, from + n). */
int op_gather(const struct blk *in, const uint32_t *rows, uint32_t from, uint32_t n,
              struct blk **out);
/* Append row r of src to dst (same kind). */
int op_push_row(struct col *dst, const struct col *src, uint32_t r);
/* Bytes b's columns hold (what keeping it costs). */
size_t op_blk_bytes(const struct blk *b);
/* An expression or kernel failed with rc: the query's error is the
 * kernel's text (ctx->fn.err) unless one is set already. Returns rc. */
int op_eval_failed(struct op_ctx *ctx, int rc);

/* Retraction in the aggregation operators (op_aggregate_set_delta,
 * op_window_set_delta). runs: rows[0..n) with their states, in runs of one
 * sign of the int8 delta column d, added, or retracted where d is -1, in
 * order. reset: the stride's states destroyed, zeroed (size bytes) and
 * init'ed again. can_retract: 0, or the query's error naming the first
 * aggregate without retract. */
int op_agg_runs(struct op_agg_call *c, void *const *states, const struct col *const *args,
                const uint32_t *rows, uint32_t n, const struct col *d);
void op_agg_reset(const struct op_agg_call *aggs, uint32_t naggs, const uint32_t *state_off,
                  char *stride, size_t size);
int op_agg_can_retract(struct op_ctx *ctx, const struct op_agg_call *aggs, uint32_t naggs);

#endif
