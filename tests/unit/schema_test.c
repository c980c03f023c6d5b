/*
 * schema_test.c — stream schemas (types/schema.h): valid names, defaults,
 * columns and duplicates, the column limit, _tp_time appended by
 * sch_finish (and a user-declared one checked), sch_find, sch_types,
 * sch_clone as a deep copy, the exact text of sch_render_ddl, and the
 * amount settings (segment_bytes, retention_bytes, retention_ms): units,
 * limits, overflow.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/schema.h"

static const struct ty T_I32 = {TY_INT32, 0, 0};
static const struct ty T_STR = {TY_STRING, 0, 0};
static const struct ty T_NSTR = {TY_STRING, 1, 0};
static const struct ty T_DT64_6 = {TY_DATETIME64, 0, 6};
static const struct ty T_TP = {TY_DATETIME64, 0, 3};

static struct schema *create(const char *name)
{
    struct schema *s = NULL;
    cr_assert_eq(sch_create(name, &s), 0, "sch_create(%s)", name);
    cr_assert_not_null(s);
    return s;
}

static void add(struct schema *s, const char *name, struct ty ty)
{
    cr_assert_eq(sch_add_col(s, name, ty), 0, "add %s", name);
}

static int valid(const char *s)
{
    return sch_valid_name(s, strlen(s));
}

/* sch_render_ddl into a fresh string (caller frees). */
static char *ddl(const struct schema *s)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(sch_render_ddl(s, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data;
}

static void expect_ddl(const struct schema *s, const char *want)
{
    char *got = ddl(s);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(schema, valid_names)
{
    cr_assert(valid("a"));
    cr_assert(valid("_"));
    cr_assert(valid("_tp_time"));
    cr_assert(valid("Sensors_2024"));
    cr_assert(valid("x9"));
    char longest[SCH_MAX_NAME];
    memset(longest, 'n', SCH_MAX_NAME - 1);
    longest[SCH_MAX_NAME - 1] = '\0';
    cr_assert(valid(longest), "%d characters fit", SCH_MAX_NAME - 1);
}

Test(schema, invalid_names)
{
    cr_assert_not(valid(""));
    cr_assert_not(valid("1a"));
    cr_assert_not(valid("9"));
    cr_assert_not(valid("a-b"));
    cr_assert_not(valid("a b"));
    cr_assert_not(valid("a.b"));
    cr_assert_not(valid("a/b"));
    cr_assert_not(valid("\xc3\xa9t\xc3\xa9"));
    cr_assert_not(valid("ctl\n"));
    cr_assert_not(sch_valid_name("a\0b", 3), "an embedded NUL is not a name character");
    cr_assert(sch_valid_name("ab!", 2), "only n bytes are looked at");
    char too_long[SCH_MAX_NAME + 1];
    memset(too_long, 'n', SCH_MAX_NAME);
    too_long[SCH_MAX_NAME] = '\0';
    cr_assert_not(valid(too_long), "%d characters do not fit", SCH_MAX_NAME);
}

Test(schema, create_defaults)
{
    struct schema *s = create("sensors");
    cr_assert_str_eq(s->name, "sensors");
    cr_assert_eq(s->ncols, 0);
    cr_assert_eq(s->time_col, -1);
    cr_assert_eq(s->format, SCH_FMT_JSON);
    cr_assert_eq(s->fsync, SCH_FSYNC_CLOSE);
    cr_assert_eq(s->on_error, SCH_ON_ERROR_FAIL);
    sch_destroy(s);
    sch_destroy(NULL);
}

Test(schema, create_rejects_bad_names)
{
    const char *bad[] = {"", "1x", "a-b", "has space"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct schema *s = NULL;
        cr_assert_eq(sch_create(bad[i], &s), -EINVAL, "'%s'", bad[i]);
        cr_assert_null(s);
    }
}

Test(schema, columns_and_duplicates)
{
    struct schema *s = create("s");
    add(s, "a", T_I32);
    add(s, "b", T_NSTR);
    add(s, "A", T_STR); /* names are case-sensitive */
    cr_assert_eq(sch_add_col(s, "a", T_STR), -EEXIST);
    cr_assert_eq(sch_add_col(s, "b", T_NSTR), -EEXIST);
    cr_assert_eq(sch_add_col(s, "1bad", T_STR), -EINVAL);
    cr_assert_eq(sch_add_col(s, "", T_STR), -EINVAL);
    cr_assert_eq(sch_add_col(s, "x-y", T_STR), -EINVAL);
    cr_assert_eq(s->ncols, 3, "failed adds change nothing");
    cr_assert_str_eq(s->cols[0].name, "a");
    cr_assert(ty_equal(s->cols[0].ty, T_I32));
    cr_assert_str_eq(s->cols[1].name, "b");
    cr_assert(ty_equal(s->cols[1].ty, T_NSTR));
    cr_assert_str_eq(s->cols[2].name, "A");
    sch_destroy(s);
}

Test(schema, find)
{
    struct schema *s = create("s");
    add(s, "alpha", T_I32);
    add(s, "beta", T_STR);
    cr_assert_eq(sch_find(s, "alpha", 5), 0);
    cr_assert_eq(sch_find(s, "beta", 4), 1);
    cr_assert_eq(sch_find(s, "betamax", 4), 1, "only n bytes of the name count");
    cr_assert_eq(sch_find(s, "bet", 3), -1, "no prefix matches");
    cr_assert_eq(sch_find(s, "Alpha", 5), -1);
    cr_assert_eq(sch_find(s, "gamma", 5), -1);
    cr_assert_eq(sch_find(s, "", 0), -1);
    sch_destroy(s);
}

Test(schema, column_limit)
{
    struct schema *s = create("wide");
    char name[16];
    for (int i = 0; i < SCH_MAX_COLS; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        add(s, name, T_I32);
    }
    cr_assert_eq(s->ncols, SCH_MAX_COLS);
    cr_assert_eq(sch_add_col(s, "one_more", T_I32), -E2BIG);
    cr_assert_eq(s->ncols, SCH_MAX_COLS);
    cr_assert_eq(sch_find(s, "c1023", 5), 1023);
    sch_destroy(s);
}

Test(schema, finish_appends_tp_time)
{
    struct schema *s = create("s");
    add(s, "a", T_I32);
    cr_assert_eq(sch_finish(s), 0);
    cr_assert_eq(s->ncols, 2);
    cr_assert_str_eq(s->cols[1].name, "_tp_time");
    cr_assert_eq(s->cols[1].ty.kind, TY_DATETIME64);
    cr_assert_eq(s->cols[1].ty.prec, 3);
    cr_assert_eq(s->cols[1].ty.nullable, 0);
    cr_assert_eq(sch_finish(s), 0, "finishing twice is harmless");
    cr_assert_eq(s->ncols, 2, "and does not add a second _tp_time");
    cr_assert_eq(sch_find(s, "_tp_time", 8), 1);
    sch_destroy(s);
}

Test(schema, finish_empty_schema)
{
    struct schema *s = create("s");
    cr_assert_eq(sch_finish(s), 0);
    cr_assert_eq(s->ncols, 1);
    cr_assert_str_eq(s->cols[0].name, "_tp_time");
    sch_destroy(s);
}

Test(schema, finish_accepts_declared_tp_time)
{
    struct schema *s = create("s");
    add(s, "a", T_I32);
    add(s, "_tp_time", T_TP);
    cr_assert_eq(sch_finish(s), 0);
    cr_assert_eq(s->ncols, 2);
    sch_destroy(s);
}

Test(schema, finish_rejects_wrong_tp_time)
{
    struct schema *s = create("s");
    add(s, "_tp_time", T_DT64_6);
    cr_assert_eq(sch_finish(s), -EINVAL, "wrong precision");
    sch_destroy(s);

    s = create("s");
    add(s, "_tp_time", (struct ty){TY_DATETIME64, 1, 3});
    cr_assert_eq(sch_finish(s), -EINVAL, "nullable");
    sch_destroy(s);

    s = create("s");
    add(s, "_tp_time", T_TP);
    add(s, "a", T_I32);
    cr_assert_eq(sch_finish(s), -EINVAL, "not last");
    sch_destroy(s);
}

Test(schema, types_in_order)
{
    struct schema *s = create("s");
    add(s, "a", T_I32);
    add(s, "b", T_NSTR);
    add(s, "c", T_DT64_6);
    cr_assert_eq(sch_finish(s), 0);
    struct ty *t = NULL;
    cr_assert_eq(sch_types(s, &t), 0);
    cr_assert(ty_equal(t[0], T_I32));
    cr_assert(ty_equal(t[1], T_NSTR));
    cr_assert(ty_equal(t[2], T_DT64_6));
    cr_assert(ty_equal(t[3], T_TP));
    free(t);
    sch_destroy(s);
}

Test(schema, clone_is_deep)
{
    struct schema *s = create("orig");
    add(s, "a", T_I32);
    add(s, "ts", T_DT64_6);
    cr_assert_eq(sch_finish(s), 0);
    s->time_col = 1;
    s->fsync = SCH_FSYNC_ALWAYS;
    s->on_error = SCH_ON_ERROR_SKIP;
    struct schema *c = NULL;
    cr_assert_eq(sch_clone(s, &c), 0);
    cr_assert_neq(c, s);
    cr_assert_neq(c->cols, s->cols, "columns are copied, not shared");
    cr_assert_str_eq(c->name, "orig");
    cr_assert_eq(c->ncols, 3);
    cr_assert_eq(c->time_col, 1);
    cr_assert_eq(c->fsync, SCH_FSYNC_ALWAYS);
    cr_assert_eq(c->on_error, SCH_ON_ERROR_SKIP);
    cr_assert_eq(c->format, SCH_FMT_JSON);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_str_eq(c->cols[i].name, s->cols[i].name);
        cr_assert(ty_equal(c->cols[i].ty, s->cols[i].ty));
    }
    /* growing the clone leaves the original alone */
    struct schema *c2 = NULL;
    cr_assert_eq(sch_clone(s, &c2), 0);
    add(c2, "extra", T_STR);
    cr_assert_eq(s->ncols, 3);
    cr_assert_eq(sch_find(s, "extra", 5), -1);
    strcpy(c->cols[0].name, "zzz");
    cr_assert_str_eq(s->cols[0].name, "a");
    char *a = ddl(s);
    sch_destroy(s); /* the clone outlives the original */
    cr_assert_eq(c2->ncols, 4);
    strcpy(c->cols[0].name, "a");
    char *b = ddl(c);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    sch_destroy(c);
    sch_destroy(c2);
}

/* Cloning a schema without columns is well defined (no memcpy from NULL). */
Test(schema, clone_empty)
{
    struct schema *s = create("e");
    struct schema *c = NULL;
    cr_assert_eq(sch_clone(s, &c), 0);
    cr_assert_eq(c->ncols, 0);
    add(c, "a", T_I32);
    cr_assert_eq(c->ncols, 1);
    sch_destroy(c);
    sch_destroy(s);
}

Test(schema, render_ddl_plain)
{
    struct schema *s = create("sensors");
    add(s, "device", T_STR);
    add(s, "temp", (struct ty){TY_FLOAT64, 0, 0});
    add(s, "note", T_NSTR);
    add(s, "ts", T_DT64_6);
    add(s, "n", (struct ty){TY_UINT8, 1, 0});
    cr_assert_eq(sch_finish(s), 0);
    expect_ddl(s, "CREATE STREAM sensors (device string, temp float64, note nullable(string), "
                  "ts datetime64(6), n nullable(uint8))");
    sch_destroy(s);
}

Test(schema, render_ddl_one_column)
{
    struct schema *s = create("s");
    add(s, "a", T_I32);
    cr_assert_eq(sch_finish(s), 0);
    expect_ddl(s, "CREATE STREAM s (a int32)");
    sch_destroy(s);
}

Test(schema, render_ddl_raw)
{
    struct schema *s = create("logs");
    s->format = SCH_FMT_RAW;
    add(s, "raw", T_STR);
    cr_assert_eq(sch_finish(s), 0);
    expect_ddl(s, "CREATE STREAM logs (raw string) SETTINGS format='raw'");
    sch_destroy(s);
}

Test(schema, render_ddl_each_setting)
{
    struct schema *s = create("s");
    add(s, "ts", (struct ty){TY_DATETIME, 0, 0});
    cr_assert_eq(sch_finish(s), 0);
    s->time_col = 0;
    expect_ddl(s, "CREATE STREAM s (ts datetime) SETTINGS event_time_column='ts'");
    s->time_col = -1;
    s->fsync = SCH_FSYNC_ALWAYS;
    expect_ddl(s, "CREATE STREAM s (ts datetime) SETTINGS fsync='always'");
    s->fsync = SCH_FSYNC_NEVER;
    expect_ddl(s, "CREATE STREAM s (ts datetime) SETTINGS fsync='never'");
    s->fsync = SCH_FSYNC_CLOSE;
    s->on_error = SCH_ON_ERROR_SKIP;
    expect_ddl(s, "CREATE STREAM s (ts datetime) SETTINGS on_error='skip'");
    sch_destroy(s);
}

Test(schema, render_ddl_all_settings)
{
    struct schema *s = create("events");
    add(s, "at", T_DT64_6);
    add(s, "v", T_I32);
    cr_assert_eq(sch_finish(s), 0);
    s->time_col = 0;
    s->fsync = SCH_FSYNC_NEVER;
    s->on_error = SCH_ON_ERROR_SKIP;
    expect_ddl(s, "CREATE STREAM events (at datetime64(6), v int32) SETTINGS "
                  "event_time_column='at', fsync='never', on_error='skip'");
    sch_destroy(s);
}

Test(schema, render_ddl_appends)
{
    struct schema *s = create("s");
    add(s, "a", T_I32);
    cr_assert_eq(sch_finish(s), 0);
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_puts(&b, "-- "), 0);
    cr_assert_eq(sch_render_ddl(s, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    cr_assert_str_eq(b.data, "-- CREATE STREAM s (a int32)");
    buf_free(&b);
    sch_destroy(s);
}

/* The amounts: defaults 0, rendered as integers after the other settings
 * when set, in table order. */
Test(schema, render_ddl_amounts)
{
    struct schema *s = create("s");
    add(s, "a", T_I32);
    cr_assert_eq(sch_finish(s), 0);
    cr_assert_eq(s->segment_bytes + s->retention_bytes + s->retention_ms, 0, "no limits by default");
    s->retention_ms = 3600000;
    expect_ddl(s, "CREATE STREAM s (a int32) SETTINGS retention_ms=3600000");
    s->codec = 2;
    s->retention_bytes = 1ull << 40;
    s->segment_bytes = 65536;
    expect_ddl(s, "CREATE STREAM s (a int32) SETTINGS codec='zstd', segment_bytes=65536, "
                  "retention_bytes=1099511627776, retention_ms=3600000");
    sch_destroy(s);
}

Test(schema, amounts_parse_and_limits)
{
    struct schema *s = create("s");
    const struct sch_amount *seg = sch_amount_find("SEGMENT_bytes");
    const struct sch_amount *rb = sch_amount_find("retention_bytes");
    const struct sch_amount *rm = sch_amount_find("retention_ms");
    cr_assert(seg && rb && rm);
    cr_assert_null(sch_amount_find("retention"));
    cr_assert_eq(sch_amount_parse(s, rb, "3MiB"), 0);
    cr_assert_eq(s->retention_bytes, 3ull << 20);
    cr_assert_eq(sch_amount_get(s, rb), 3ull << 20);
    cr_assert_eq(sch_amount_parse(s, rb, "18446744073709551615"), 0);
    cr_assert_eq(s->retention_bytes, UINT64_MAX);
    cr_assert_eq(sch_amount_parse(s, rb, "16777216TiB"), -EINVAL, "overflow");
    cr_assert_eq(sch_amount_parse(s, rb, "1ms"), -EINVAL, "a duration is not a size");
    cr_assert_eq(s->retention_bytes, UINT64_MAX, "unchanged by a failure");
    cr_assert_eq(sch_amount_parse(s, rm, "2d"), 0);
    cr_assert_eq(s->retention_ms, 172800000ull);
    cr_assert_eq(sch_amount_parse(s, rm, "1MiB"), -EINVAL, "a size is not a duration");
    cr_assert_eq(sch_amount_parse(s, rm, "9223372036854775807"), 0);
    cr_assert_eq(sch_amount_parse(s, rm, "9223372036854775808"), -EINVAL, "past INT64_MAX ms");
    cr_assert_eq(sch_amount_set(s, seg, SCH_SEGMENT_MIN - 1), -EINVAL);
    cr_assert_eq(sch_amount_set(s, seg, SCH_SEGMENT_MAX + 1), -EINVAL);
    cr_assert_eq(sch_amount_set(s, seg, SCH_SEGMENT_MIN), 0);
    cr_assert_eq(sch_amount_set(s, seg, SCH_SEGMENT_MAX), 0);
    cr_assert_eq(sch_amount_set(s, seg, 0), 0, "0: the default");
    cr_assert_eq(s->segment_bytes, 0);
    static const char *const junk[] = {"", " 1", "1 ", "+1", "-1", "0x10", "1.5KiB", "KiB", "1KB"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        cr_assert_eq(sch_amount_parse(s, rb, junk[i]), -EINVAL, "'%s'", junk[i]);
    sch_destroy(s);
}
