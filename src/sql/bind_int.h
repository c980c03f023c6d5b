/*
 * bind_int.h — a bound SELECT: names resolved, types known, expressions
 * compiled to exec/expr.h trees, aggregates extracted; private to src/sql
 * (binder.c builds it, planner.c turns it into a source and operators).
 *
 * Column spaces. Input expressions (WHERE, GROUP BY keys, aggregate
 * arguments, and the select list of a query without aggregation) refer to
 * the source's block, whose columns are the used stream columns only (the
 * scan reads nothing else). Post-aggregation expressions (HAVING, the
 * select list and ORDER BY of an aggregating query) refer to the
 * aggregate operator's output: keys, then aggregates. A window query
 * (FROM tumble / hop / session) aggregates in the window operator
 * (exec/window.h), whose output is window_start, window_end, the keys,
 * then the aggregates: key_base is 2 there, 0 otherwise. Its time and
 * PARTITION BY expressions are in the input space.
 *
 * Ownership: a bsel owns its expressions, aggregate calls, names, its
 * stream reference and its subquery; bsel_destroy frees all of it.
 */
#ifndef SFS_SQL_BIND_INT_H
#define SFS_SQL_BIND_INT_H

#include <stdint.h>

#include "exec/engine.h"
#include "exec/op.h"
#include "exec/source.h"
#include "exec/window.h"
#include "format/out.h"
#include "sql/error.h"
#include "sql/parser.h"

enum bsrc_kind { BS_ONE = 1, BS_NUMBERS, BS_TABLE, BS_SUBQUERY, BS_STREAM };

struct bsel {
    enum bsrc_kind src_kind;
    uint64_t num_offset, num_count;  /* BS_NUMBERS */
    struct eng_stream *stream;       /* BS_TABLE, BS_STREAM (a reference) */
    uint32_t *scan_cols;             /* BS_TABLE, BS_STREAM: stream columns read, in block order */
    uint32_t nscan;
    int with_sn;                     /* _tp_sn appended after scan_cols */
    struct src_start start;          /* BS_STREAM: where it starts (seek_to, backfill) */
    int has_seek;                    /* SETTINGS seek_to given */
    uint32_t *rand_gen;              /* a random stream's generated columns (schema indexes): */
    uint32_t rand_ngen;              /* those scanned and those their DEFAULTs read */
    struct xpr **rand_defs;          /* per generated column, its DEFAULT or NULL */
    struct bsel *sub;                /* BS_SUBQUERY */

    struct xpr *where;
    int changelog;                   /* aggregates a mutable stream's changes (changelog.c) */
    uint32_t cl_keys[SCH_MAX_KEY];   /* changelog: the key columns in the scan's block */
    uint32_t cl_nkeys, cl_delta;     /* and _tp_delta's */
    int aggregating;
    int windowed;                    /* FROM tumble / hop / session */
    uint32_t key_base;               /* first key column of the aggregation's output */
    struct op_window_spec win;
    struct xpr *win_time;            /* the event time */
    struct xpr **parts;              /* PARTITION BY */
    uint32_t nparts;
    struct xpr **keys;
    uint32_t nkeys;
    struct op_agg_call *aggs;
    uint32_t naggs;
    struct xpr *having;
    struct xpr **proj;               /* output columns, then hidden ORDER BY columns */
    uint32_t nproj;
    uint32_t nout;                   /* visible output columns */
    char **names;                    /* nout */
    struct ty *types;                /* nout */
    int distinct;
    struct op_sort_key *order;
    uint32_t norder;
    int has_limit;
    uint64_t limit, offset;

    enum fmt_kind format;
    uint64_t max_memory_usage;       /* 0: the engine default */
    uint64_t max_result_bytes;       /* 0: the default */
    uint64_t result_rotate_bytes;    /* streaming: 0 is the default */
};

/* Whether b reads a stream unboundedly (FROM s, directly or in a subquery). */
int sql_bsel_streaming(const struct bsel *b);

/* Bind s; fctx gives now() for folding. */
int sql_bind_select(struct engine *e, const struct sql_select *s, struct fn_ctx *fctx,
                    struct bsel **out, struct sql_error *err);
void sql_bsel_destroy(struct bsel *b);
/* Bind an expression over one row of n columns (names, types; x's
 * column references become their positions); desc names them in
 * messages ("unknown column 'x' in <desc>"). */
int sql_bind_row_expr(struct engine *e, const struct sql_expr *x, const char *const *names,
                      const struct ty *types, uint32_t n, const char *desc, struct fn_ctx *fctx,
                      struct xpr **out, struct sql_error *err);
/* Bind a constant expression (VALUES): no columns in scope. */
int sql_bind_const(struct engine *e, const struct sql_expr *x, struct fn_ctx *fctx,
                   struct xpr **out, struct sql_error *err);

/*
 * Random streams (random.c). The DEFAULT x of column idx of s bound with
 * the columns before it in scope (their positions are their schema
 * indexes) and converted to the column's type; errors name x's position.
 */
int sql_bind_random_default(struct engine *e, const struct sql_expr *x, const struct schema *s,
                            uint32_t idx, struct xpr **out, struct sql_error *err);
/* When b reads a random stream: the columns to generate (rand_gen) and
 * their DEFAULTs bound again from the text the schema keeps (rand_defs,
 * reading positions among the generated columns). */
int sql_bind_random_cols(struct engine *e, struct bsel *b, struct sql_error *err);
/* The source of b over its random stream: FROM r (unbounded) or table(r)
 * (bounded: one second of rows, eps of them, or SQL_RANDOM_TABLE_ROWS
 * without eps). Takes b->rand_defs. */
#define SQL_RANDOM_TABLE_ROWS 1000
int sql_random_src(struct bsel *b, int bounded, struct fn_ctx *fctx, struct src **out);

/*
 * Aggregations over a mutable stream (changelog.c). wanted: b reads one
 * (FROM m); mark: its key columns and _tp_delta are read (used: per input
 * column) and b->changelog set; map: their places in the scan's block
 * (map: input column -> block column); refuse: the error for aggregate fn
 * (or fn(DISTINCT ...)) without retract, at pos; plan: set the delta on
 * agg (the aggregation operator, which *cur leads to) and put the
 * changelog operator in front of *cur (on failure *cur and what follows
 * are destroyed).
 */
int sql_changelog_wanted(const struct bsel *b);
void sql_changelog_mark(struct bsel *b, uint8_t *used);
void sql_changelog_map(struct bsel *b, const int32_t *map);
int sql_changelog_refuse(const char *fn, int distinct, const struct sql_pos *pos,
                         struct sql_error *err);
int sql_changelog_plan(struct bsel *b, struct op_ctx *ctx, struct op *agg, struct op **cur);

/* "unknown stream 'name'" at pos, with the closest stream name as a hint;
 * returns -ENOENT. */
int sql_unknown_stream(struct engine *e, struct sql_error *err, const char *name,
                       struct sql_pos pos);

/* ---- shared by binder.c and bind_stream.c (one SELECT's binding) ---- */

/* The WITH subqueries a FROM can name: those of the select being bound,
 * then, outwards, the first n of each enclosing select's (a CTE sees the
 * ones before it, never itself, so no chain of names loops). */
struct cte_scope {
    const struct sql_select *sel;
    uint32_t n;
    const struct cte_scope *up;
};

struct binder {
    const struct cte_scope *scope; /* the enclosing selects' WITH subqueries */
    struct engine *e;
    struct sql_error *err;
    struct fn_ctx *fctx;
    const struct sql_select *sel;
    struct bsel *b;

    /* the input: names and types of the source's columns (schema order) */
    uint32_t nin;
    const char **in_names;
    struct ty *in_types;
    const char *qual1, *qual2;   /* stream or function name, alias */
    char in_desc[96];            /* "stream m" for messages */
    uint8_t *used;               /* per input column */
    int nvisible;                /* columns * expands to */
    int hide;                    /* an input column * skips (a mutable stream's _tp_delta), or -1 */

    uint8_t *alias_busy;         /* per select item, while expanding it */
    const struct sql_expr **group; /* GROUP BY keys with aliases and positions resolved */
    const struct sql_select *sub_sel; /* FROM (SELECT ...) or a WITH name: its AST */
    const struct sql_expr **wconds; /* WHERE conditions on window_start / window_end only */
    uint32_t nwconds, wcap;
    int in_agg;                  /* binding an aggregate's arguments */
    const char *clause;          /* "WHERE", "GROUP BY", ... */
    int time_idx;                /* windows: the time column's input index */
    int depth;                   /* alias and WITH expansion depth */
};

/* binder.c's helpers: a positioned error at x (NULL: the statement);
 * an expression bound over the input (post: after aggregation); a
 * select-list alias resolved to its expression; the first aggregate call
 * inside x (NULL: none) and whether there is one. */
int sql_b_fail(struct binder *bd, const struct sql_expr *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int sql_b_expr(struct binder *bd, const struct sql_expr *x, int post, struct xpr **out);
const struct sql_expr *sql_b_alias(struct binder *bd, const struct sql_expr *x);
const struct sql_expr *sql_b_find_agg(const struct sql_expr *x);
int sql_b_contains_agg(const struct sql_expr *x);

/* Streaming parts of bind_select (bind_stream.c). */
int sql_b_window(struct binder *bd, const struct sql_from *f);
int sql_b_global(struct binder *bd);
int sql_b_emit(struct binder *bd);
int sql_b_settings(struct binder *bd, const struct sql_select *s);
int sql_b_streaming(struct binder *bd);

#endif
