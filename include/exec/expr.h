/*
 * expr.h — bound expressions and their vectorized evaluation.
 *
 * The SQL binder turns AST expressions into these trees: every node has
 * its result type; column references are positions in the input block;
 * calls point at a bound scalar function (exec/func.h). Evaluation takes
 * a whole block and produces a whole column.
 *
 * Ownership: a tree is built by xpr_* constructors and freed by
 * xpr_destroy (children, constants' string bytes and bound function state
 * included). A tree belongs to one query; evaluation caches constant
 * columns in the tree, so one tree is evaluated by one thread at a time.
 */
#ifndef SFS_EXEC_EXPR_H
#define SFS_EXEC_EXPR_H

#include <stdint.h>

#include "exec/func.h"
#include "types/block.h"
#include "types/value.h"

enum xpr_kind { XPR_COL = 1, XPR_CONST, XPR_CALL };

struct xpr {
    enum xpr_kind kind;
    struct ty ty;                  /* result type */
    uint32_t col;                  /* XPR_COL: input column */
    struct val cval;               /* XPR_CONST (string bytes owned) */
    const struct fn_scalar *fn;    /* XPR_CALL */
    struct fn_bind *bind;          /* XPR_CALL: owned */
    uint32_t nargs;
    struct xpr **args;
    struct col *cache;             /* private: materialized constant */
    uint32_t line, col_no;         /* XPR_CALL: where the SQL wrote it (0: unknown);
                                    * a failure while evaluating it is reported there */
};

int xpr_col(uint32_t col, struct ty ty, struct xpr **out);
/* A constant (string bytes copied). */
int xpr_const(const struct val *v, struct xpr **out);
/*
 * A call of f on args (ownership of args and of the array passes to the
 * call, also on failure). Binds f: on a bind error returns -EINVAL with
 * errbuf ("cannot add string and int32") and *err_arg the argument at
 * fault (-1: the call). Inserts conversions the binding asks for.
 */
int xpr_call(const struct fn_scalar *f, struct xpr **args, uint32_t nargs, struct xpr **out,
             char errbuf[FN_ERR_MAX], int *err_arg);
/* A conversion of x to type to (ClickHouse CAST rules). */
int xpr_cast(struct xpr *x, struct ty to, struct xpr **out);
void xpr_destroy(struct xpr *x);

/* 1 when x depends on no column and no per-row function (foldable). */
int xpr_is_const(const struct xpr *x);
/* Evaluate a constant x to a value; strings are copied into *arena_str
 * (malloc'd, caller frees). */
int xpr_fold(const struct xpr *x, struct fn_ctx *ctx, struct val *out, char **arena_str);

/*
 * Evaluate x over the rows of block in: *out gets a column of in->nrows
 * values of type x->ty. When x is a column reference, *out borrows that
 * column of in (*owned = 0); otherwise *out is a new column the caller
 * frees with col_delete (*owned = 1). Errors (division by zero, bad
 * conversion) return a negative code with ctx->err set.
 */
int xpr_eval(struct xpr *x, struct fn_ctx *ctx, const struct blk *in, struct col **out, int *owned);

/* A selection of rows: the indexes where a bool/uint8 column is nonzero
 * and not NULL (WHERE, HAVING). */
int xpr_select(const struct col *cond, uint32_t n, uint32_t **rows, uint32_t *nrows);

#endif
