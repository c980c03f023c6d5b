/*
 * agg.h — aggregate functions as states with add, merge, finalize and
 * serialize, so hash GROUP BY, windows, parallel scans and checkpoints all
 * reuse them.
 *
 * Binding: like scalars (exec/func.h), an aggregate binds to its argument
 * types and to its parameters — the constant arguments of parametric
 * aggregates: quantile(0.9)(x) and quantile(x, 0.9) both give level 0.9,
 * top_k(x, 10) gives k = 10. Binding chooses the result type and the
 * state layout.
 *
 * States are fixed-size blocks of memory (state_size bytes, aligned to 8)
 * that the caller places (e.g. in a hash table's arena); variable-size
 * parts (count_distinct's set, group_array's values) hang off them and are
 * freed by destroy.
 *
 * NULLs (ClickHouse): unless AGG_OWN_NULLS, rows where an argument is NULL
 * are skipped by the caller; a nullable argument makes a nullable result
 * that is NULL when no row was added (the caller tracks that). count()
 * and count(x) are never NULL.
 *
 * Ownership: the registry is static; agg_bind.cfg belongs to the binding
 * and is freed with cfg_free.
 */
#ifndef SFS_EXEC_AGG_H
#define SFS_EXEC_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "exec/func.h"
#include "types/block.h"
#include "util/buf.h"

enum agg_flags {
    AGG_OWN_NULLS = 1,  /* add() sees NULL rows and decides itself (count) */
};

struct agg_bind;

struct agg_ops {
    size_t state_size;
    void (*init)(const struct agg_bind *b, void *state);
    /* Add rows [0, n) of args; states[i] is row i's state (rows of one
     * group share a pointer). rows: when not NULL, only rows[0..n) are
     * added and states[k] is the state of row rows[k]. */
    int (*add)(const struct agg_bind *b, void *const *states, const struct col *const *args,
               const uint32_t *rows, uint32_t n);
    /* dst += src (src stays valid and is destroyed by the caller). */
    int (*merge)(const struct agg_bind *b, void *dst, const void *src);
    /* Push the result onto out (type agg_bind.ret). */
    int (*finalize)(const struct agg_bind *b, const void *state, struct col *out);
    /* Free what hangs off the state (may be NULL when nothing does). */
    void (*destroy)(const struct agg_bind *b, void *state);
    /* Checkpoints: append the state / restore it into an init'ed state. */
    int (*serialize)(const struct agg_bind *b, const void *state, struct buf *out);
    int (*deserialize)(const struct agg_bind *b, void *state, const void *p, size_t n);
    /* Optional: add like add, every row into the one state (an aggregation
     * without GROUP BY), in the same order, so the result is the same. */
    int (*add_one)(const struct agg_bind *b, void *state, const struct col *const *args,
                   const uint32_t *rows, uint32_t n);
    /* Take rows back out (the changelog of a mutable stream: a row with
     * _tp_delta -1 retracts one added before), same arguments as add.
     * Only each row that was added may be retracted, once; a state whose
     * rows were all retracted finalizes as a fresh one would (float sums
     * up to rounding, which is why the aggregate operators re-init a
     * group whose rows are all gone). NULL: the
     * aggregate cannot retract (min, max, ... keep no record of what they
     * dropped), and a query that would need it is refused. */
    int (*retract)(const struct agg_bind *b, void *const *states, const struct col *const *args,
                   const uint32_t *rows, uint32_t n);
};

struct agg_bind {
    /* in */
    uint32_t nargs;
    struct ty arg_ty[FN_MAX_ARGS];
    uint32_t nparams;
    struct val params[8];        /* constant parameters, in order */
    /* out */
    struct ty ret;
    struct ty cast_to[FN_MAX_ARGS]; /* kind 0: keep the argument's type */
    struct agg_ops ops;
    uint32_t flags;              /* enum agg_flags */
    void *cfg;                   /* e.g. quantile level, top_k's k */
    void (*cfg_free)(void *cfg);
    int err_arg;
    char err[FN_ERR_MAX];
};

struct agg_fn {
    const char *name;
    uint32_t min_args, max_args;
    uint32_t max_params;         /* trailing constant arguments taken as parameters */
    int (*bind)(struct agg_bind *b);
};

/* Turn a bound aggregate into its DISTINCT form (sum(DISTINCT x)): the
 * states collect the distinct argument tuples (NULLs skipped) and finalize
 * runs the aggregate over them once. b's cfg moves into the new one. */
int agg_make_distinct(struct agg_bind *b);

/* The aggregate called name (case-insensitive), or NULL. */
const struct agg_fn *agg_find(const char *name, size_t len);
/* All aggregate names (for hints). */
int agg_names(const char *const **names, int *n);

#endif
