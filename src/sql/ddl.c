/*
 * ddl.c — binding and executing DDL: CREATE [MUTABLE | RANDOM] STREAM and
 * DROP STREAM (sql/sql.h). Binding turns the parsed statement into a schema, checking
 * names, types and settings, with positioned errors; execution hands the
 * schema to the engine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bind_int.h"
#include "sql/sql.h"
#include "store/codec.h"
#include "util/err.h"

static const char *const setting_names[] = {"event_time_column", "format",        "fsync",
                                            "on_error",          "codec",         "segment_bytes",
                                            "retention_bytes",   "retention_ms",  "ttl",
                                            "shards"};
#define NSETTINGS (int)(sizeof(setting_names) / sizeof(setting_names[0]))

int sql_reserved_name(const char *name)
{
    return !strcmp(name, "ctl") || !strcmp(name, "queries");
}

static int check_stream_name(const char *name, struct sql_pos pos, struct sql_error *err)
{
    if (!sch_valid_name(name, strlen(name)))
        return sql_fail(err, -EINVAL, pos.line, pos.col,
                        "invalid stream name '%s': names are [A-Za-z_][A-Za-z0-9_]*, at most %d "
                        "characters",
                        name, SCH_MAX_NAME - 1);
    if (sql_reserved_name(name))
        return sql_fail(err, -EINVAL, pos.line, pos.col, "'%s' is a reserved name", name);
    return 0;
}

/* One of choices (case-insensitive) or an error naming them. */
static int pick(const struct sql_setting *st, const char *const *choices, int n, int *out,
                struct sql_error *err)
{
    if (st->kind == SQL_V_STRING || st->kind == SQL_V_IDENT)
        for (int i = 0; i < n; i++)
            if (!strcasecmp(st->str, choices[i])) {
                *out = i;
                return 0;
            }
    char list[128] = "";
    for (int i = 0; i < n; i++) {
        strcat(list, i ? ", '" : "'");
        strcat(list, choices[i]);
        strcat(list, "'");
    }
    return sql_fail(err, -EINVAL, st->value_pos.line, st->value_pos.col,
                    "setting '%s' must be one of %s", st->name, list);
}

/* An amount (types/schema.h): an integer literal >= 0 in bytes or ms, or a
 * string with a unit ('512MiB', '7d'). */
static int bind_amount(struct schema *s, const struct sch_amount *a, const struct sql_setting *st,
                       struct sql_error *err)
{
    int rc = -EINVAL;
    if (st->kind == SQL_V_INT && st->i >= 0)
        rc = sch_amount_set(s, a, (uint64_t)st->i);
    else if (st->kind == SQL_V_STRING)
        rc = sch_amount_parse(s, a, st->str);
    if (rc)
        return sql_fail(err, -EINVAL, st->value_pos.line, st->value_pos.col,
                        "setting '%s' must be %s", a->name, a->desc);
    return 0;
}

static int bind_setting(struct schema *s, const struct sql_setting *st, struct sql_error *err)
{
    static const char *const formats[] = {"json", "raw"};
    static const char *const on_errors[] = {"fail", "skip"};
    const struct sch_amount *a = sch_amount_find(st->name);
    int v, rc;
    if (a)
        return bind_amount(s, a, st, err);
    if (!strcasecmp(st->name, "event_time_column")) {
        int i = -1;
        if (st->kind == SQL_V_STRING || st->kind == SQL_V_IDENT)
            i = sch_find(s, st->str, strlen(st->str));
        if (i < 0)
            return sql_fail(err, -EINVAL, st->value_pos.line, st->value_pos.col,
                            "event_time_column: unknown column '%s'",
                            st->kind == SQL_V_STRING || st->kind == SQL_V_IDENT ? st->str : "?");
        uint8_t k = s->cols[i].ty.kind;
        if (k != TY_DATETIME && k != TY_DATETIME64)
            return sql_fail(err, -EINVAL, st->value_pos.line, st->value_pos.col,
                            "event_time_column '%s' must be a datetime or datetime64 column",
                            st->str);
        s->time_col = i;
        return 0;
    }
    if (!strcasecmp(st->name, "format")) {
        rc = pick(st, formats, 2, &v, err);
        s->format = (enum sch_format)v;
        return rc;
    }
    if (!strcasecmp(st->name, "fsync")) {
        if ((st->kind == SQL_V_STRING || st->kind == SQL_V_IDENT) && !sch_fsync_parse(s, st->str))
            return 0;
        return sql_fail(err, -EINVAL, st->value_pos.line, st->value_pos.col,
                        "setting 'fsync' must be one of 'close', 'always', 'never', "
                        "'interval:<N>ms'");
    }
    if (!strcasecmp(st->name, "codec")) {
        const char *codecs[CODEC_END]; /* the store's own names */
        for (int i = 0; i < CODEC_END; i++)
            codecs[i] = codec_name((enum codec_id)i);
        rc = pick(st, codecs, CODEC_END, &v, err);
        s->codec = (uint8_t)v;
        return rc;
    }
    if (!strcasecmp(st->name, "shards") && s->is_mutable) {
        if (st->kind != SQL_V_INT || st->i < 1 || st->i > SCH_MAX_SHARDS)
            return sql_fail(err, -EINVAL, st->value_pos.line, st->value_pos.col,
                            "setting 'shards' must be an integer from 1 to %d", SCH_MAX_SHARDS);
        s->shards = (uint32_t)st->i;
        return 0;
    }
    if (!strcasecmp(st->name, "on_error")) {
        rc = pick(st, on_errors, 2, &v, err);
        s->on_error = (enum sch_on_error)v;
        return rc;
    }
    const char *hint = sql_closest(st->name, setting_names, NSETTINGS);
    if (hint)
        return sql_fail(err, -EINVAL, st->name_pos.line, st->name_pos.col,
                        "unknown setting '%s', did you mean '%s'?", st->name, hint);
    return sql_fail(err, -EINVAL, st->name_pos.line, st->name_pos.col, "unknown setting '%s'",
                    st->name);
}

/* The columns of one PRIMARY KEY, INDEX or FAMILY list, as positions. */
static int bind_group(struct schema *s, const struct sql_col_group *g, const char *what,
                      struct sch_group *out, struct sql_error *err)
{
    memset(out, 0, sizeof *out);
    if (g->name)
        snprintf(out->name, sizeof out->name, "%s", g->name);
    if (g->ncols > SCH_GROUP_COLS || (!g->name && g->ncols > SCH_MAX_KEY))
        return sql_fail(err, -EINVAL, g->pos.line, g->pos.col, "%s has more than %d columns", what,
                        SCH_GROUP_COLS);
    for (uint32_t i = 0; i < g->ncols; i++) {
        int c = sch_find(s, g->cols[i], strlen(g->cols[i]));
        if (c < 0 || !strncmp(g->cols[i], "_tp_", 4))
            return sql_fail(err, -EINVAL, g->col_pos[i].line, g->col_pos[i].col,
                            "%s: unknown column '%s'", what, g->cols[i]);
        for (uint32_t k = 0; k < out->ncols; k++)
            if (out->cols[k] == c)
                return sql_fail(err, -EINVAL, g->col_pos[i].line, g->col_pos[i].col,
                                "%s names column '%s' twice", what, g->cols[i]);
        out->cols[out->ncols++] = (uint16_t)c;
    }
    return 0;
}

/* SETTINGS of a random stream: eps and interval_time only (its rows are
 * never stored, so the log's settings mean nothing to it). */
static int bind_random_setting(struct schema *s, const struct sql_setting *st,
                               struct sql_error *err)
{
    static const char *const names[] = {"eps", "interval_time"};
    int eps = !strcasecmp(st->name, "eps");
    if (eps || !strcasecmp(st->name, "interval_time")) {
        uint64_t max = eps ? SCH_RANDOM_EPS_MAX : 3600000;
        if (st->kind != SQL_V_INT || st->i < (eps ? 0 : 1) || (uint64_t)st->i > max)
            return sql_fail(err, -EINVAL, st->value_pos.line, st->value_pos.col,
                            "setting '%s' must be an integer from %d to %llu%s", st->name,
                            eps ? 0 : 1, (unsigned long long)max,
                            eps ? " (rows per second; 0: as fast as it can)" : " (ms)");
        if (eps)
            s->eps = (uint64_t)st->i;
        else
            s->interval_ms = (uint32_t)st->i;
        return 0;
    }
    for (int i = 0; i < NSETTINGS; i++)
        if (!strcasecmp(st->name, setting_names[i]))
            return sql_fail(err, -EINVAL, st->name_pos.line, st->name_pos.col,
                            "setting '%s' does not apply to a random stream (it takes eps and "
                            "interval_time)",
                            st->name);
    const char *hint = sql_closest(st->name, names, 2);
    if (hint)
        return sql_fail(err, -EINVAL, st->name_pos.line, st->name_pos.col,
                        "unknown setting '%s', did you mean '%s'?", st->name, hint);
    return sql_fail(err, -EINVAL, st->name_pos.line, st->name_pos.col, "unknown setting '%s'",
                    st->name);
}

/* The DEFAULT expressions: random streams only, checked now (functions,
 * types, references to earlier columns only) so a query never meets a
 * bad one. */
static int bind_defaults(struct engine *e, const struct sql_stmt *st, struct schema *s,
                         struct sql_error *err)
{
    for (uint32_t i = 0; i < st->u.create.ncols; i++) {
        const struct sql_column_def *c = &st->u.create.cols[i];
        struct xpr *x = NULL;
        if (!c->def)
            continue;
        if (!st->u.create.random)
            return sql_fail(err, -EINVAL, c->def->pos.line, c->def->pos.col,
                            "DEFAULT is for random streams (CREATE RANDOM STREAM); a stream's "
                            "missing fields take their type's default");
        int rc = sql_bind_random_default(e, c->def, s, i, &x, err);
        xpr_destroy(x);
        if (rc || (rc = sch_set_default(s, i, c->def_text)))
            return rc;
    }
    return 0;
}

/* PRIMARY KEY, INDEX and FAMILY of a mutable stream: the key's columns are
 * neither nullable nor arrays (they are the rows' addresses); a column is
 * in at most one family and never in one when it is a key column. */
static int bind_mutable(const struct sql_stmt *st, struct schema *s, struct sql_error *err)
{
    const struct sql_col_group *kg = &st->u.create.key;
    struct sch_group g;
    int rc = bind_group(s, kg, "PRIMARY KEY", &g, err);
    if (rc)
        return rc;
    s->is_mutable = 1;
    s->shards = 1;
    s->nkey = g.ncols;
    memcpy(s->key, g.cols, sizeof s->key);
    for (uint32_t i = 0; i < s->ncols; i++)
        if (s->cols[i].ty.kind == TY_ARRAY)
            return sql_fail(err, -EINVAL, st->u.create.cols[i].type_pos.line,
                            st->u.create.cols[i].type_pos.col,
                            "array columns are not supported in a mutable stream");
    for (uint32_t i = 0; i < s->nkey; i++)
        if (s->cols[s->key[i]].ty.nullable)
            return sql_fail(err, -EINVAL, kg->col_pos[i].line, kg->col_pos[i].col,
                            "primary key column '%s' cannot be nullable", kg->cols[i]);
    if (st->u.create.nindex > SCH_MAX_GROUPS || st->u.create.nfamily > SCH_MAX_GROUPS)
        return sql_fail(err, -EINVAL, st->pos.line, st->pos.col,
                        "at most %d indexes and %d families", SCH_MAX_GROUPS, SCH_MAX_GROUPS);
    for (uint32_t i = 0; i < st->u.create.nindex; i++) {
        const struct sql_col_group *ig = &st->u.create.index[i];
        for (uint32_t k = 0; k < i; k++)
            if (!strcmp(s->index[k].name, ig->name))
                return sql_fail(err, -EINVAL, ig->pos.line, ig->pos.col, "duplicate index '%s'",
                                ig->name);
        if ((rc = bind_group(s, ig, "INDEX", &s->index[i], err)))
            return rc;
        s->nindex++;
    }
    for (uint32_t i = 0; i < st->u.create.nfamily; i++) {
        const struct sql_col_group *fg = &st->u.create.family[i];
        for (uint32_t k = 0; k < i; k++)
            if (!strcmp(s->family[k].name, fg->name))
                return sql_fail(err, -EINVAL, fg->pos.line, fg->pos.col, "duplicate family '%s'",
                                fg->name);
        if ((rc = bind_group(s, fg, "FAMILY", &g, err)))
            return rc;
        for (uint32_t k = 0; k < g.ncols; k++)
            if (sch_is_key(s, g.cols[k]) || sch_family_of(s, g.cols[k]) >= 0)
                return sql_fail(err, -EINVAL, fg->col_pos[k].line, fg->col_pos[k].col,
                                "column '%s' is already in the primary key or another family",
                                fg->cols[k]);
        s->family[s->nfamily++] = g;
    }
    return sch_add_col(s, "_tp_delta", (struct ty){TY_INT8, 0, 0});
}

static int bind_create(struct engine *e, const struct sql_stmt *st, struct schema **out,
                       struct sql_error *err)
{
    struct schema *s = NULL;
    int rc = check_stream_name(st->u.create.name, st->u.create.name_pos, err);
    if (rc)
        return rc;
    rc = sch_create(st->u.create.name, &s);
    if (rc)
        return sql_fail(err, rc, st->pos.line, st->pos.col, "%s", err_str(rc));
    for (uint32_t i = 0; i < st->u.create.ncols; i++) {
        const struct sql_column_def *c = &st->u.create.cols[i];
        if (!strncmp(c->name, "_tp_", 4)) {
            rc = sql_fail(err, -EINVAL, c->pos.line, c->pos.col,
                          "column name '%s' is reserved: names starting with '_tp_' are the "
                          "stream's own",
                          c->name);
            goto fail;
        }
        rc = sch_add_col(s, c->name, c->ty);
        if (rc == -EEXIST)
            rc = sql_fail(err, -EINVAL, c->pos.line, c->pos.col, "duplicate column '%s'", c->name);
        else if (rc == -EINVAL)
            rc = sql_fail(err, -EINVAL, c->pos.line, c->pos.col,
                          "invalid column name '%s': names are [A-Za-z_][A-Za-z0-9_]*", c->name);
        else if (rc)
            rc = sql_fail(err, rc, c->pos.line, c->pos.col, "%s", err_str(rc));
        if (rc)
            goto fail;
    }
    if (st->u.create.is_mutable && (rc = bind_mutable(st, s, err)))
        goto fail;
    s->random = st->u.create.random;
    if ((rc = bind_defaults(e, st, s, err)))
        goto fail;
    for (uint32_t i = 0; i < st->u.create.nsettings; i++) {
        if (s->random)
            rc = bind_random_setting(s, &st->u.create.settings[i], err);
        else
            rc = bind_setting(s, &st->u.create.settings[i], err);
        if (rc)
            goto fail;
    }
    if (s->format == SCH_FMT_RAW && s->is_mutable) {
        rc = sql_fail(err, -EINVAL, st->pos.line, st->pos.col,
                      "a mutable stream cannot have format 'raw'");
        goto fail;
    }
    if (s->format == SCH_FMT_RAW && (s->ncols != 1 || s->cols[0].ty.kind != TY_STRING)) {
        rc = sql_fail(err, -EINVAL, st->pos.line, st->pos.col,
                      "format 'raw' needs exactly one string column");
        goto fail;
    }
    rc = sch_finish(s);
    if (rc) {
        rc = sql_fail(err, rc, st->pos.line, st->pos.col, "%s", err_str(rc));
        goto fail;
    }
    *out = s;
    return 0;
fail:
    sch_destroy(s);
    return rc;
}

static int exec_create(struct engine *e, const struct sql_stmt *st, struct sql_error *err,
                       struct buf *outcome)
{
    struct schema *s = NULL;
    int created;
    int rc = bind_create(e, st, &s, err);
    if (rc)
        return rc;
    rc = eng_create_stream(e, s, st->u.create.if_not_exists, &created);
    if (rc == -EEXIST)
        return sql_fail(err, rc, st->u.create.name_pos.line, st->u.create.name_pos.col,
                        "stream '%s' already exists", st->u.create.name);
    if (rc)
        return sql_fail(err, rc, st->pos.line, st->pos.col, "cannot create stream '%s': %s",
                        st->u.create.name, err_str(rc));
    return buf_printf(outcome, created ? "ok: created stream %s" : "ok: stream %s already exists",
                      st->u.create.name);
}

static int exec_drop(struct engine *e, const struct sql_stmt *st, struct sql_error *err,
                     struct buf *outcome)
{
    int rc = eng_drop_stream(e, st->u.drop.name, 0);
    if (rc == -ENOENT && st->u.drop.if_exists)
        return buf_printf(outcome, "ok: no stream %s", st->u.drop.name);
    if (rc == -ENOENT)
        return sql_unknown_stream(e, err, st->u.drop.name, st->u.drop.name_pos);
    if (rc)
        return sql_fail(err, rc, st->pos.line, st->pos.col, "cannot drop stream '%s': %s",
                        st->u.drop.name, err_str(rc));
    return buf_printf(outcome, "ok: dropped stream %s", st->u.drop.name);
}

int sql_exec(struct engine *e, const struct sql_stmt *st, struct sql_error *err,
             struct buf *outcome)
{
    switch (st->kind) {
    case SQL_CREATE_STREAM: return exec_create(e, st, err, outcome);
    case SQL_DROP_STREAM: return exec_drop(e, st, err, outcome);
    case SQL_INSERT: return sql_exec_insert(e, st, err, outcome);
    case SQL_SELECT:
        return sql_fail(err, -EINVAL, st->pos.line, st->pos.col,
                        "SELECT runs as a query: write it to queries/new");
    }
    return sql_fail(err, -EINVAL, st->pos.line, st->pos.col, "statement not supported here");
}

int sql_run(struct engine *e, const char *text, size_t len, struct sql_error *err,
            struct buf *outcome)
{
    struct sql_stmt *st = NULL;
    int rc = sql_parse(text, len, &st, err);
    if (rc)
        return rc;
    rc = sql_exec(e, st, err, outcome);
    sql_stmt_destroy(st);
    return rc;
}

int sql_create_raw(struct engine *e, const char *name)
{
    struct schema *s = NULL;
    int created;
    if (!sch_valid_name(name, strlen(name)) || sql_reserved_name(name))
        return -EINVAL;
    int rc = sch_create(name, &s);
    if (rc)
        return rc;
    s->format = SCH_FMT_RAW;
    rc = sch_add_col(s, "raw", (struct ty){TY_STRING, 0, 0});
    if (!rc)
        rc = sch_finish(s);
    if (rc) {
        sch_destroy(s);
        return rc;
    }
    return eng_create_stream(e, s, 0, &created);
}
