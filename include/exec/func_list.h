/*
 * func_list.h — the built-in function arrays the registry (func.c)
 * searches. Each func_*.c / agg_*.c file defines one array and its length;
 * adding a file means adding a line to each table here and in func_list.c.
 * Internal to src/exec.
 */
#ifndef SFS_EXEC_FUNC_LIST_H
#define SFS_EXEC_FUNC_LIST_H

#include <stddef.h>

#include "exec/agg.h"
#include "exec/func.h"

struct fn_scalar_list {
    const struct fn_scalar *fns;
    const size_t *n;
};
struct fn_agg_list {
    const struct agg_fn *fns;
    const size_t *n;
};

/* The scalar arrays (func_*.c). */
extern const struct fn_scalar fn_conv_fns[];
extern const size_t fn_conv_fns_n;
extern const struct fn_scalar fn_arith_fns[];
extern const size_t fn_arith_fns_n;
extern const struct fn_scalar fn_cmp_fns[];
extern const size_t fn_cmp_fns_n;
extern const struct fn_scalar fn_logic_fns[];
extern const size_t fn_logic_fns_n;
extern const struct fn_scalar fn_math_fns[];
extern const size_t fn_math_fns_n;
extern const struct fn_scalar fn_str_fns[];
extern const size_t fn_str_fns_n;
extern const struct fn_scalar fn_like_fns[];
extern const size_t fn_like_fns_n;
extern const struct fn_scalar fn_time_fns[];
extern const size_t fn_time_fns_n;
extern const struct fn_scalar fn_json_fns[];
extern const size_t fn_json_fns_n;
extern const struct fn_scalar fn_rand_fns[];
extern const size_t fn_rand_fns_n;
extern const struct fn_scalar fn_array_fns[];
extern const size_t fn_array_fns_n;
/* Aggregates (agg_*.c). */
extern const struct agg_fn agg_basic_fns[];
extern const size_t agg_basic_fns_n;
extern const struct agg_fn agg_minmax_fns[];
extern const size_t agg_minmax_fns_n;
extern const struct agg_fn agg_distinct_fns[];
extern const size_t agg_distinct_fns_n;
extern const struct agg_fn agg_quantile_fns[];
extern const size_t agg_quantile_fns_n;
extern const struct agg_fn agg_collect_fns[];
extern const size_t agg_collect_fns_n;

extern const struct fn_scalar_list fn_scalar_lists[];
extern const size_t FN_SCALAR_LISTS_N;
extern const struct fn_agg_list fn_agg_lists[];
extern const size_t FN_AGG_LISTS_N;

#endif
