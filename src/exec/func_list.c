/*
 * func_list.c — which arrays of built-in functions the registry searches
 * (exec/func_list.h). One line per func_*.c / agg_*.c file.
 */
#include "exec/func_list.h"

const struct fn_scalar_list fn_scalar_lists[] = {
    {fn_conv_fns, &fn_conv_fns_n},
    {fn_arith_fns, &fn_arith_fns_n},
    {fn_cmp_fns, &fn_cmp_fns_n},
    {fn_logic_fns, &fn_logic_fns_n},
    {fn_math_fns, &fn_math_fns_n},
    {fn_str_fns, &fn_str_fns_n},
    {fn_like_fns, &fn_like_fns_n},
    {fn_time_fns, &fn_time_fns_n},
    {fn_json_fns, &fn_json_fns_n},
    {fn_rand_fns, &fn_rand_fns_n},
    {fn_array_fns, &fn_array_fns_n},
};
const size_t FN_SCALAR_LISTS_N = sizeof(fn_scalar_lists) / sizeof(fn_scalar_lists[0]);

const struct fn_agg_list fn_agg_lists[] = {
    {agg_basic_fns, &agg_basic_fns_n},
    {agg_minmax_fns, &agg_minmax_fns_n},
    {agg_distinct_fns, &agg_distinct_fns_n},
    {agg_quantile_fns, &agg_quantile_fns_n},
    {agg_collect_fns, &agg_collect_fns_n},
};
const size_t FN_AGG_LISTS_N = sizeof(fn_agg_lists) / sizeof(fn_agg_lists[0]);
