/*
 * run.h — driving a pipeline, and the sink that writes into a stream.
 *
 * op_drive pulls a bounded source to its end and pushes every block into
 * the head of an operator chain, then finishes the chain; it stops early
 * when an operator answers OP_DONE (LIMIT) or the context is cancelled.
 * Query tasks and synchronous statements (INSERT ... SELECT on ctl) both
 * use it.
 *
 * op_insert is the sink of INSERT: each block (already converted to the
 * target's column types, _tp_time last) is appended to the stream's log as
 * one record; at finish the log is synced when the stream's fsync setting
 * says so (close or always), so the statement's rows are durable when it
 * returns.
 */
#ifndef SFS_EXEC_RUN_H
#define SFS_EXEC_RUN_H

#include <stdint.h>

#include "exec/engine.h"
#include "exec/op.h"
#include "exec/source.h"

int op_drive(struct src *src, struct op *head, struct op_ctx *ctx);

/* Takes a reference on s. *rows (optional) counts the rows appended. */
int op_insert_create(struct op_ctx *ctx, struct eng_stream *s, uint64_t *rows, struct op **out);

#endif
