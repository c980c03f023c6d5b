/*
 * changelog.c — aggregations over a mutable stream (FROM m): the binder's
 * and the planner's part of retraction.
 *
 * A streaming aggregation over a mutable stream reads its log through a
 * changelog operator (exec/op.h, op_changelog_create: each change as the
 * old row -1 and the new row +1), and its aggregate or window operator
 * retracts the -1 rows (op_aggregate_set_delta, op_window_set_delta). The
 * binder marks the primary-key columns and _tp_delta as read
 * (sql_changelog_mark) and records where they land in the scan's block
 * (sql_changelog_map); the planner puts the operator between the source
 * and WHERE (sql_changelog_plan). Aggregates that cannot retract are
 * refused by the binder at the call (sql_changelog_refuse).
 */
#include <errno.h>
#include <stdlib.h>

#include "bind_int.h"
#include "types/schema.h"

int sql_changelog_wanted(const struct bsel *b)
{
    return b->src_kind == BS_STREAM && b->stream && b->stream->schema->is_mutable;
}

void sql_changelog_mark(struct bsel *b, uint8_t *used)
{
    const struct schema *sc = b->stream->schema;
    b->changelog = 1;
    for (uint32_t i = 0; i < sc->nkey; i++)
        used[sc->key[i]] = 1;
    used[sch_delta_col(sc)] = 1;
}

void sql_changelog_map(struct bsel *b, const int32_t *map)
{
    const struct schema *sc = b->stream->schema;
    b->cl_nkeys = sc->nkey;
    for (uint32_t i = 0; i < sc->nkey; i++)
        b->cl_keys[i] = (uint32_t)map[sc->key[i]];
    b->cl_delta = (uint32_t)map[sch_delta_col(sc)];
}

int sql_changelog_refuse(const char *fn, int distinct, const struct sql_pos *pos,
                         struct sql_error *err)
{
    return sql_fail(err, -EINVAL, pos->line, pos->col,
                    "%s%s cannot retract rows: over a mutable stream every update and delete "
                    "takes the old row back out; use count, sum, avg or count_distinct here, "
                    "or read the current rows with table(m)",
                    fn, distinct ? "(DISTINCT ...)" : "");
}

int sql_changelog_plan(struct bsel *b, struct op_ctx *ctx, struct op *agg, struct op **cur)
{
    const struct schema *sc = b->stream->schema;
    uint32_t n = b->nscan + (b->with_sn ? 1 : 0);
    struct ty *types = calloc(n ? n : 1, sizeof(*types));
    int rc = b->windowed ? op_window_set_delta(agg, b->cl_delta)
                         : op_aggregate_set_delta(agg, b->cl_delta);
    if (!rc && !types)
        rc = -ENOMEM;
    if (rc) {
        free(types);
        op_destroy(*cur);
        return rc;
    }
    for (uint32_t i = 0; i < b->nscan; i++)
        types[i] = sc->cols[b->scan_cols[i]].ty;
    if (b->with_sn)
        types[b->nscan] = (struct ty){TY_UINT64, 0, 0};
    rc = op_changelog_create(ctx, types, n, b->cl_keys, b->cl_nkeys, b->cl_delta, *cur, cur);
    free(types);
    return rc;
}
