/*
 * json_in_fuzz.c — libFuzzer harness for the JSON ingest parser.
 *
 * The input is split into lines; each goes to fmt_json_in_row for a schema
 * with a column of every type, nullable and not (one of them the event-time
 * column). Beyond "no crash, no leak" (ASan/UBSan), it checks the parser's
 * promises on every line:
 *   - success adds exactly one row to every column; failure adds none and
 *     leaves the block byte-for-byte as before (a row is already in it, so
 *     string bytes and nulls are really rolled back), with a one-line reason;
 *   - an accepted row rendered by json_out parses back to the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json_in.h"
#include "format/json_out.h"
#include "types/block.h"
#include "types/schema.h"
#include "util/err.h"

static const char *const col_types[] = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "string", "datetime", "datetime64(0)", "datetime64(3)",
    "datetime64(9)",
};
#define NTYPES (sizeof col_types / sizeof *col_types)

static struct schema *schema;
static struct fmt_json_in *parser;
static struct blk *blk, *back;
static const char **names;

static void die(const char *what, const char *line, size_t n)
{
    fprintf(stderr, "json_in_fuzz: %s\nline: %.*s\n", what, (int)n, line);
    abort();
}

static void setup(void)
{
    char name[16];
    struct ty *types;
    if (sch_create("fuzz", &schema))
        abort();
    for (size_t i = 0; i < 2 * NTYPES; i++) {
        struct ty t;
        if (ty_parse(col_types[i / 2], &t))
            abort();
        t.nullable = (uint8_t)(i % 2);
        /* c0..c15 plain, n0..n15 nullable, in the order of col_types */
        snprintf(name, sizeof name, "%s%zu", i % 2 ? "n" : "c", i / 2);
        if (sch_add_col(schema, name, t))
            abort();
    }
    /* arrays: a0..a4 */
    static const char *const arr_types[] = {"array(int32)", "array(nullable(string))",
                                            "array(float64)", "array(datetime64(3))",
                                            "array(nullable(bool))"};
    for (size_t i = 0; i < sizeof arr_types / sizeof *arr_types; i++) {
        struct ty t;
        snprintf(name, sizeof name, "a%zu", i);
        if (ty_parse(arr_types[i], &t) || sch_add_col(schema, name, t))
            abort();
    }
    struct ty ts = {TY_DATETIME64, 1, 3};
    if (sch_add_col(schema, "ts", ts) || sch_add_col(schema, "s", (struct ty){TY_STRING, 0, 0}) ||
        sch_finish(schema))
        abort();
    schema->time_col = (int)schema->ncols - 3; /* ts */
    if (sch_types(schema, &types) || blk_create(types, schema->ncols, &blk) ||
        blk_create(types, schema->ncols, &back) || fmt_json_in_create(schema, &parser))
        abort();
    free(types);
    names = calloc(schema->ncols, sizeof *names);
    for (uint32_t i = 0; i < schema->ncols; i++)
        names[i] = schema->cols[i].name;
}

static int same_value(const struct col *a, uint32_t i, const struct col *b, uint32_t j)
{
    if (col_is_null(a, i) != col_is_null(b, j))
        return 0;
    if (a->ty.kind == TY_ARRAY) {
        uint32_t la, ha, lb, hb;
        col_arr(a, i, &la, &ha);
        col_arr(b, j, &lb, &hb);
        if (ha - la != hb - lb)
            return 0;
        for (; la < ha; la++, lb++)
            if (!same_value(a->child, la, b->child, lb))
                return 0;
        return 1;
    }
    if (a->ty.kind == TY_STRING) { /* offsets, not col_str(): chars may be NULL */
        const uint32_t *oa = col_offsets(a), *ob = col_offsets(b);
        size_t la = oa[i + 1] - oa[i], lb = ob[j + 1] - ob[j];
        return la == lb && (la == 0 || memcmp(a->chars + oa[i], b->chars + ob[j], la) == 0);
    }
    size_t w = ty_width(a->ty);
    return memcmp((const char *)a->data + w * i, (const char *)b->data + w * j, w) == 0;
}

/* Render row 1 of blk, read it back into `back`: the same values. */
static void check_round_trip(const char *line, size_t n)
{
    struct buf out = BUF_INIT;
    char why[256];
    if (blk_seal(blk) || fmt_json_out_rows(names, blk, 1, 2, &out) || out.len == 0)
        die("render failed", line, n);
    blk_clear(back);
    if (fmt_json_in_row(parser, out.data, out.len - 1, 0, back, why, sizeof why))
        die(why, out.data, out.len);
    for (uint32_t c = 0; c < blk->ncols; c++)
        if (!same_value(&blk->cols[c], 1, &back->cols[c], 0))
            die(schema->cols[c].name, out.data, out.len);
    buf_free(&out);
}

static void one_line(const char *line, size_t n)
{
    static const char seed[] = "{\"c11\":\"keep me\",\"n11\":\"x\",\"c0\":true,\"n3\":-5}";
    struct buf before = BUF_INIT, after = BUF_INIT;
    char why[128];
    blk_clear(blk);
    if (fmt_json_in_row(parser, seed, sizeof seed - 1, 1, blk, why, sizeof why))
        die(why, seed, sizeof seed - 1);
    if (blk_seal(blk) || blk_serialize(blk, &before))
        abort();
    memset(why, 'x', sizeof why);
    int rc = fmt_json_in_row(parser, line, n, 1720614896789LL, blk, why, sizeof why);
    if (rc == 0) {
        for (uint32_t c = 0; c < blk->ncols; c++)
            if (blk->cols[c].n != 2)
                die("a column missed the row", line, n);
        check_round_trip(line, n);
    } else if (rc == ERR_MALFORMED) {
        if (!memchr(why, '\0', sizeof why) || why[0] == '\0' || strchr(why, '\n'))
            die("bad reason text", line, n);
        if (blk_seal(blk) || blk_serialize(blk, &after) || after.len != before.len ||
            memcmp(after.data, before.data, before.len) != 0)
            die("block changed by a refused row", line, n);
    } else {
        die(err_str(rc), line, n);
    }
    buf_free(&before);
    buf_free(&after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!schema)
        setup();
    /* the line is copied so ASan sees reads past its end */
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *copy = malloc(n ? n : 1);
        if (!copy)
            abort();
        memcpy(copy, p, n);
        one_line(copy, n);
        free(copy);
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}
