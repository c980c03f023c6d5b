/*
 * ddl.c — binding and executing DDL: CREATE STREAM and DROP STREAM
 * (sql/sql.h). Binding turns the parsed statement into a schema, checking
 * names, types and settings, with positioned errors; execution hands the
 * schema to the engine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bind_int.h"
#include "sql/sql.h"
#include "store/codec.h"
#include "util/err.h"

static const char *const setting_names[] = {"event_time_column", "format",        "fsync",
                                            "on_error",          "codec",         "segment_bytes",
                                            "retention_bytes",   "retention_ms",  "ttl"};
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

static int bind_create(const struct sql_stmt *st, struct schema **out, struct sql_error *err)
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
    for (uint32_t i = 0; i < st->u.create.nsettings; i++) {
        rc = bind_setting(s, &st->u.create.settings[i], err);
        if (rc)
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
    int rc = bind_create(st, &s, err);
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
