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
    {NULL, NULL},
};
const size_t FN_AGG_LISTS_N = 0;
