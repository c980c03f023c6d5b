/*
 * func_list.c — which arrays of built-in functions the registry searches
 * (exec/func_list.h). One line per func_*.c / agg_*.c file.
 */
#include "exec/func_list.h"

const struct fn_scalar_list fn_scalar_lists[] = {
    {NULL, NULL},
};
const size_t FN_SCALAR_LISTS_N = 0;

const struct fn_agg_list fn_agg_lists[] = {
    {agg_basic_fns, &agg_basic_fns_n},
    {agg_minmax_fns, &agg_minmax_fns_n},
    {agg_distinct_fns, &agg_distinct_fns_n},
    {agg_quantile_fns, &agg_quantile_fns_n},
    {agg_collect_fns, &agg_collect_fns_n},
};
const size_t FN_AGG_LISTS_N = sizeof(fn_agg_lists) / sizeof(fn_agg_lists[0]);
