/*
 * catalog_test.c — the persistent stream list (store/catalog.h): an empty
 * load, add/remove persisting across reloads with every setting and type,
 * ids never reused (also after remove + reload), duplicate names, the file
 * text exactly as the header documents it, failed saves leaving memory and
 * disk in agreement, and corrupt files refused; the optional amounts
 * (segment_bytes, retention_bytes, retention_ms) written only when set,
 * read back, absent from older catalogs, refused when damaged.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/os.h"
#include "store/catalog.h"
#include "util/err.h"

static char tmpdir[64];
static char catfile[128];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_cat_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(catfile, sizeof(catfile), "%s/catalog", tmpdir);
}

static void teardown(void)
{
    os_fault_clear();
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

TestSuite(catalog, .init = setup, .fini = teardown);

static struct catalog *load(void)
{
    struct catalog *c = NULL;
    int rc = cat_load(tmpdir, &c);
    cr_assert_eq(rc, 0, "cat_load: %d", rc);
    cr_assert_not_null(c);
    return c;
}

/* A finished schema: name (a int32, b nullable(string)). */
static struct schema *simple(const char *name)
{
    struct schema *s = NULL;
    cr_assert_eq(sch_create(name, &s), 0);
    cr_assert_eq(sch_add_col(s, "a", (struct ty){TY_INT32, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "b", (struct ty){TY_STRING, 1, 0}), 0);
    cr_assert_eq(sch_finish(s), 0);
    return s;
}

static uint32_t add(struct catalog *c, struct schema *s)
{
    uint32_t id = 0;
    int rc = cat_add(c, s, &id);
    cr_assert_eq(rc, 0, "cat_add: %d", rc);
    return id;
}

static char *read_text(void)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(os_read_file(catfile, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data;
}

static void write_text(const char *text)
{
    int fd = open(catfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    cr_assert_eq(close(fd), 0);
}

static void expect_text(const char *want)
{
    char *got = read_text();
    cr_assert_str_eq(got, want);
    free(got);
}

/* cat_load with stderr muted: it logs each corrupt file it refuses. */
static int quiet_load(struct catalog **c)
{
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    cr_assert(saved >= 0 && null >= 0);
    dup2(null, 2);
    int rc = cat_load(tmpdir, c);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(null);
    return rc;
}

/* cat_load must refuse text. */
static void expect_load_fails(const char *text)
{
    write_text(text);
    struct catalog *c = (struct catalog *)0x1;
    int rc = quiet_load(&c);
    cr_assert_lt(rc, 0, "loaded a corrupt catalog:\n%s", text);
    cr_assert_eq(rc, ERR_CORRUPT, "rc %d for:\n%s", rc, text);
    cr_assert_eq(c, (struct catalog *)0x1, "out untouched on failure");
}

static void expect_same_schema(const struct schema *a, const struct schema *b)
{
    cr_assert_str_eq(a->name, b->name);
    cr_assert_eq(a->format, b->format);
    cr_assert_eq(a->fsync, b->fsync);
    cr_assert_eq(a->on_error, b->on_error);
    cr_assert_eq(a->time_col, b->time_col);
    cr_assert_eq(a->codec, b->codec);
    cr_assert_eq(a->segment_bytes, b->segment_bytes);
    cr_assert_eq(a->retention_bytes, b->retention_bytes);
    cr_assert_eq(a->retention_ms, b->retention_ms);
    cr_assert_eq(a->ncols, b->ncols);
    for (uint32_t i = 0; i < a->ncols; i++) {
        cr_assert_str_eq(a->cols[i].name, b->cols[i].name);
        cr_assert(ty_equal(a->cols[i].ty, b->cols[i].ty), "column %s", a->cols[i].name);
        cr_assert_eq(a->cols[i].ty.scale, b->cols[i].ty.scale, "column %s", a->cols[i].name);
        cr_assert_eq(a->cols[i].ty.prec, b->cols[i].ty.prec);
    }
}

Test(catalog, empty_load)
{
    struct catalog *c = load();
    cr_assert_eq(c->n, 0);
    cr_assert_eq(c->next_id, 1);
    cr_assert_str_eq(c->path, catfile);
    cr_assert_null(cat_find(c, "anything"));
    cr_assert_eq(os_exists(catfile), 0, "loading does not create the file");
    cr_assert_eq(cat_remove(c, 1), -ENOENT);
    cat_destroy(c);
    cat_destroy(NULL);
}

Test(catalog, file_text_as_documented)
{
    struct catalog *c = load();
    struct schema *s = NULL;
    cr_assert_eq(sch_create("sensors", &s), 0);
    cr_assert_eq(sch_add_col(s, "temp", (struct ty){TY_FLOAT64, 0, 0}), 0);
    cr_assert_eq(sch_finish(s), 0);
    cr_assert_eq(add(c, s), 1);
    cr_assert_eq(add(c, simple("b2")), 2);
    expect_text("streamfs-catalog 1\n"
                "next_id 3\n"
                "stream 1 sensors format=json fsync=close on_error=fail time_col=-1 codec=lz4\n"
                "col temp float64\n"
                "col _tp_time datetime64(3)\n"
                "end\n"
                "stream 2 b2 format=json fsync=close on_error=fail time_col=-1 codec=lz4\n"
                "col a int32\n"
                "col b nullable(string)\n"
                "col _tp_time datetime64(3)\n"
                "end\n");
    char tmp[160];
    snprintf(tmp, sizeof(tmp), "%s.tmp", catfile);
    cr_assert_eq(os_exists(tmp), 0, "no temp file left behind");
    cat_destroy(c);
}

Test(catalog, settings_and_types_persist)
{
    struct catalog *c = load();
    struct schema *s = NULL;
    cr_assert_eq(sch_create("events", &s), 0);
    cr_assert_eq(sch_add_col(s, "at", (struct ty){TY_DATETIME64, 1, 6}), 0);
    cr_assert_eq(sch_add_col(s, "dt", (struct ty){TY_DATETIME, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "u", (struct ty){TY_UINT64, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "ok", (struct ty){TY_BOOL, 1, 0}), 0);
    /* "decimal(9, 2)": a type name with a space in it */
    cr_assert_eq(sch_add_col(s, "price", (struct ty){TY_DECIMAL, 0, 9, 2}), 0);
    cr_assert_eq(sch_add_col(s, "big", (struct ty){TY_DECIMAL, 1, 18, 18}), 0);
    cr_assert_eq(sch_finish(s), 0);
    s->time_col = 1;
    s->fsync = SCH_FSYNC_ALWAYS;
    s->on_error = SCH_ON_ERROR_SKIP;
    struct schema *keep = NULL;
    cr_assert_eq(sch_clone(s, &keep), 0);
    add(c, s);

    struct schema *r = NULL;
    cr_assert_eq(sch_create("logs", &r), 0);
    r->format = SCH_FMT_RAW;
    r->fsync = SCH_FSYNC_NEVER;
    cr_assert_eq(sch_add_col(r, "raw", (struct ty){TY_STRING, 0, 0}), 0);
    cr_assert_eq(sch_finish(r), 0);
    struct schema *keep_r = NULL;
    cr_assert_eq(sch_clone(r, &keep_r), 0);
    add(c, r);
    cat_destroy(c);

    c = load();
    cr_assert_eq(c->n, 2);
    const struct cat_entry *e = cat_find(c, "events");
    cr_assert_not_null(e);
    cr_assert_eq(e->id, 1);
    expect_same_schema(keep, e->schema);
    e = cat_find(c, "logs");
    cr_assert_not_null(e);
    cr_assert_eq(e->id, 2);
    expect_same_schema(keep_r, e->schema);
    sch_destroy(keep);
    sch_destroy(keep_r);
    cat_destroy(c);
}

Test(catalog, add_remove_persist)
{
    struct catalog *c = load();
    cr_assert_eq(add(c, simple("a")), 1);
    cr_assert_eq(add(c, simple("b")), 2);
    cr_assert_eq(add(c, simple("c")), 3);
    cr_assert_eq(cat_remove(c, 2), 0);
    cr_assert_eq(c->n, 2);
    cr_assert_null(cat_find(c, "b"));
    cat_destroy(c);

    c = load();
    cr_assert_eq(c->n, 2);
    cr_assert_eq(c->next_id, 4);
    cr_assert_eq(c->entries[0].id, 1, "order kept");
    cr_assert_str_eq(c->entries[0].schema->name, "a");
    cr_assert_eq(c->entries[1].id, 3);
    cr_assert_str_eq(c->entries[1].schema->name, "c");
    cr_assert_null(cat_find(c, "b"));
    cr_assert_eq(cat_remove(c, 2), -ENOENT, "already gone");
    cr_assert_eq(cat_remove(c, 1), 0);
    cr_assert_eq(cat_remove(c, 3), 0);
    cr_assert_eq(c->n, 0);
    cat_destroy(c);

    c = load();
    cr_assert_eq(c->n, 0);
    cr_assert_eq(c->next_id, 4);
    expect_text("streamfs-catalog 1\nnext_id 4\n");
    cat_destroy(c);
}

Test(catalog, ids_never_reused)
{
    struct catalog *c = load();
    cr_assert_eq(add(c, simple("x")), 1);
    cr_assert_eq(add(c, simple("y")), 2);
    cr_assert_eq(cat_remove(c, 2), 0);
    cr_assert_eq(add(c, simple("y")), 3, "a removed id is not given out again");
    cr_assert_eq(cat_remove(c, 3), 0);
    cat_destroy(c);

    c = load();
    cr_assert_eq(add(c, simple("y")), 4, "not after a reload either");
    cr_assert_eq(cat_remove(c, 1), 0);
    cr_assert_eq(cat_remove(c, 4), 0);
    cat_destroy(c);

    c = load();
    cr_assert_eq(c->n, 0);
    cr_assert_eq(add(c, simple("x")), 5, "nor once the catalog is empty");
    cat_destroy(c);
}

Test(catalog, duplicate_name)
{
    struct catalog *c = load();
    cr_assert_eq(add(c, simple("dup")), 1);
    char *before = read_text();
    uint32_t id = 77;
    cr_assert_eq(cat_add(c, simple("dup"), &id), -EEXIST); /* takes the schema: no leak */
    cr_assert_eq(id, 77);
    cr_assert_eq(c->n, 1);
    cr_assert_eq(c->next_id, 2, "a refused add uses no id");
    char *after = read_text();
    cr_assert_str_eq(after, before);
    cr_assert_eq(add(c, simple("other")), 2);
    free(before);
    free(after);
    cat_destroy(c);
}

Test(catalog, find)
{
    struct catalog *c = load();
    add(c, simple("alpha"));
    add(c, simple("beta"));
    const struct cat_entry *e = cat_find(c, "beta");
    cr_assert_not_null(e);
    cr_assert_eq(e->id, 2);
    cr_assert_str_eq(e->schema->name, "beta");
    cr_assert_null(cat_find(c, "Beta"));
    cr_assert_null(cat_find(c, "bet"));
    cr_assert_null(cat_find(c, ""));
    cat_destroy(c);
}

Test(catalog, failed_save_on_add_changes_nothing)
{
    struct catalog *c = load();
    add(c, simple("a"));
    char *before = read_text();
    const enum os_fault_op ops[] = {OS_FAULT_WRITE, OS_FAULT_SHORT, OS_FAULT_FSYNC, OS_FAULT_OPEN};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        os_fault_set(ops[i], 1, EIO);
        uint32_t id = 0;
        cr_assert_eq(cat_add(c, simple("b"), &id), -EIO, "fault %zu", i);
        os_fault_clear();
        cr_assert_eq(c->n, 1);
        cr_assert_eq(c->next_id, 2);
        cr_assert_null(cat_find(c, "b"));
        char *after = read_text();
        cr_assert_str_eq(after, before, "fault %zu: the file is unchanged", i);
        free(after);
    }
    cr_assert_eq(add(c, simple("b")), 2);
    cat_destroy(c);
    c = load();
    cr_assert_eq(c->n, 2);
    cat_destroy(c);
    free(before);
}

Test(catalog, failed_save_on_remove_changes_nothing)
{
    struct catalog *c = load();
    add(c, simple("a"));
    add(c, simple("b"));
    add(c, simple("c"));
    char *before = read_text();
    os_fault_set(OS_FAULT_WRITE, 1, ENOSPC);
    cr_assert_eq(cat_remove(c, 2), -ENOSPC);
    os_fault_clear();
    cr_assert_eq(c->n, 3);
    cr_assert_eq(c->entries[1].id, 2, "put back where it was");
    cr_assert_str_eq(c->entries[1].schema->name, "b");
    cr_assert_str_eq(c->entries[2].schema->name, "c");
    char *after = read_text();
    cr_assert_str_eq(after, before);
    cr_assert_eq(cat_remove(c, 2), 0);
    cat_destroy(c);
    c = load();
    cr_assert_eq(c->n, 2);
    cr_assert_null(cat_find(c, "b"));
    cat_destroy(c);
    free(before);
    free(after);
}

Test(catalog, loads_hand_written_file)
{
    write_text("streamfs-catalog 1\n"
               "next_id 10\n"
               "stream 7 sensors format=json fsync=never on_error=skip time_col=1\n"
               "col temp float64\n"
               "col ts datetime64(6)\n"
               "col _tp_time datetime64(3)\n"
               "end\n");
    struct catalog *c = load();
    cr_assert_eq(c->n, 1);
    cr_assert_eq(c->next_id, 10);
    const struct cat_entry *e = cat_find(c, "sensors");
    cr_assert_not_null(e);
    cr_assert_eq(e->id, 7);
    cr_assert_eq(e->schema->ncols, 3);
    cr_assert_eq(e->schema->time_col, 1);
    cr_assert_eq(e->schema->fsync, SCH_FSYNC_NEVER);
    cr_assert_eq(e->schema->on_error, SCH_ON_ERROR_SKIP);
    cr_assert_eq(e->schema->cols[1].ty.prec, 6);
    cr_assert_eq(add(c, simple("more")), 10);
    cat_destroy(c);
}

Test(catalog, tp_time_added_when_missing_from_file)
{
    write_text("streamfs-catalog 1\nnext_id 2\n"
               "stream 1 s format=json fsync=close on_error=fail time_col=-1\n"
               "col a int32\nend\n");
    struct catalog *c = load();
    cr_assert_eq(c->entries[0].schema->ncols, 2);
    cr_assert_str_eq(c->entries[0].schema->cols[1].name, "_tp_time");
    cat_destroy(c);
}

Test(catalog, corrupt_files_refused)
{
    const char *head = "streamfs-catalog 1\nnext_id 2\n";
    const char *stream = "stream 1 s format=json fsync=close on_error=fail time_col=-1\n";
    char text[1024];
    expect_load_fails("");
    expect_load_fails("\n");
    expect_load_fails("streamfs-catalog 2\nnext_id 1\n");
    expect_load_fails("streamfs-catalog\n");
    expect_load_fails("not a catalog at all\n");
    expect_load_fails("\x7f" "ELF\x02\x01\x01");
    snprintf(text, sizeof(text), "%s%s", head, "col a int32\n"); /* col outside a stream */
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%s%scol a int32\n", head, stream); /* no end */
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%s%scol a int33\nend\n", head, stream); /* bad type */
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%s%scol 1a int32\nend\n", head, stream); /* bad column name */
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%s%scol a int32\ncol a string\nend\n", head, stream);
    expect_load_fails(text); /* duplicate column */
    snprintf(text, sizeof(text), "%s%scol a\nend\n", head, stream); /* no type */
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%s%scol a int32\nbogus line\nend\n", head, stream);
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%sstream 1 s format=xml fsync=close on_error=fail time_col=-1\n"
                                 "col a int32\nend\n", head);
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%sstream 1 s format=json fsync=sometimes on_error=fail "
                                 "time_col=-1\ncol a int32\nend\n", head);
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%sstream 1 s format=json fsync=close on_error=retry "
                                 "time_col=-1\ncol a int32\nend\n", head);
    expect_load_fails(text);
    snprintf(text, sizeof(text), "%sstream 1 s format=json fsync=close\ncol a int32\nend\n", head);
    expect_load_fails(text); /* truncated stream line */
    snprintf(text, sizeof(text), "%sstream 1 9s format=json fsync=close on_error=fail "
                                 "time_col=-1\ncol a int32\nend\n", head);
    expect_load_fails(text); /* bad stream name */
    snprintf(text, sizeof(text), "%sstream 1 s format=json fsync=close on_error=fail "
                                 "time_col=5\ncol a int32\nend\n", head);
    expect_load_fails(text); /* time_col beyond the columns */
    snprintf(text, sizeof(text), "%s%scol _tp_time datetime64(3)\ncol a int32\nend\n", head,
             stream);
    expect_load_fails(text); /* _tp_time not last */
    snprintf(text, sizeof(text), "%s%scol a int32\nstream 2 t format=json fsync=close "
                                 "on_error=fail time_col=-1\nend\n", head, stream);
    expect_load_fails(text); /* a stream inside a stream */
}

/* Complete streams in the first n bytes of text: lines that are exactly
 * "end", whether or not their newline made it. */
static uint32_t ends_in_prefix(const char *text, size_t n)
{
    uint32_t k = 0;
    for (size_t i = 0; i + 4 <= n + 1; i++)
        if (!strncmp(text + i, "\nend", 4) && i + 4 <= n && (i + 4 == n || text[i + 4] == '\n'))
            k++;
    return k;
}

Test(catalog, truncated_file_refused)
{
    /* every cut of a real catalog either loads exactly the streams whose
     * "end" line survived, or is refused: nothing is half-loaded */
    struct catalog *c = load();
    add(c, simple("a"));
    add(c, simple("b"));
    cat_destroy(c);
    char *full = read_text();
    size_t n = strlen(full);
    cr_assert_eq(ends_in_prefix(full, n), 2);
    for (size_t cut = 0; cut < n; cut++) {
        char *t = strndup(full, cut);
        write_text(t);
        struct catalog *x = NULL;
        int rc = quiet_load(&x);
        uint32_t complete = ends_in_prefix(full, cut);
        if (rc == 0) {
            cr_assert_eq(x->n, complete, "cut at %zu loaded %u streams", cut, x->n);
            for (uint32_t i = 0; i < x->n; i++)
                cr_assert_eq(x->entries[i].schema->ncols, 3, "cut at %zu", cut);
            cat_destroy(x);
        } else {
            cr_assert_eq(rc, ERR_CORRUPT, "cut at %zu", cut);
        }
        /* a cut right after a complete stream is a valid, shorter catalog */
        if (cut > 4 && full[cut - 1] == '\n' && !strncmp(full + cut - 4, "end", 3))
            cr_assert_eq(rc, 0, "cut at %zu after an end line", cut);
        free(t);
    }
    free(full);
}

/* A catalog that contradicts itself (duplicate ids or names, an id at or
 * above next_id) is refused: loading it would give two streams one
 * directory, or hand an existing id out again. */
Test(catalog, inconsistent_ids_refused)
{
    expect_load_fails("streamfs-catalog 1\nnext_id 3\n"
                      "stream 1 a format=json fsync=close on_error=fail time_col=-1\nend\n"
                      "stream 1 b format=json fsync=close on_error=fail time_col=-1\nend\n");
    expect_load_fails("streamfs-catalog 1\nnext_id 2\n"
                      "stream 5 a format=json fsync=close on_error=fail time_col=-1\nend\n");
    expect_load_fails("streamfs-catalog 1\nnext_id 3\n"
                      "stream 1 a format=json fsync=close on_error=fail time_col=-1\nend\n"
                      "stream 2 a format=json fsync=close on_error=fail time_col=-1\nend\n");
}

/* A time_col that is negative (other than -1) or names a column that is
 * not a datetime is refused: the binder never writes one. */
Test(catalog, bad_time_col_refused)
{
    expect_load_fails("streamfs-catalog 1\nnext_id 2\n"
                      "stream 1 s format=json fsync=close on_error=fail time_col=-7\n"
                      "col a int32\nend\n");
    expect_load_fails("streamfs-catalog 1\nnext_id 2\n"
                      "stream 1 s format=json fsync=close on_error=fail time_col=0\n"
                      "col a string\nend\n");
}

/* The amounts round-trip; written only when set, so a stream without them
 * reads as before (and older catalogs without them load). */
Test(catalog, retention_amounts_persist)
{
    struct catalog *c = load();
    struct schema *s = simple("r");
    s->segment_bytes = 1 << 20;
    s->retention_bytes = 5ull << 30;
    s->retention_ms = 604800000;
    s->codec = 2;
    struct schema *keep = NULL;
    cr_assert_eq(sch_clone(s, &keep), 0);
    add(c, s);
    struct schema *t = simple("t");
    t->retention_ms = 1;
    struct schema *keep_t = NULL;
    cr_assert_eq(sch_clone(t, &keep_t), 0);
    add(c, t);
    add(c, simple("plain"));
    cat_destroy(c);
    expect_text("streamfs-catalog 1\n"
                "next_id 4\n"
                "stream 1 r format=json fsync=close on_error=fail time_col=-1 codec=zstd "
                "segment_bytes=1048576 retention_bytes=5368709120 retention_ms=604800000\n"
                "col a int32\ncol b nullable(string)\ncol _tp_time datetime64(3)\nend\n"
                "stream 2 t format=json fsync=close on_error=fail time_col=-1 codec=lz4 "
                "retention_ms=1\n"
                "col a int32\ncol b nullable(string)\ncol _tp_time datetime64(3)\nend\n"
                "stream 3 plain format=json fsync=close on_error=fail time_col=-1 codec=lz4\n"
                "col a int32\ncol b nullable(string)\ncol _tp_time datetime64(3)\nend\n");
    c = load();
    expect_same_schema(keep, cat_find(c, "r")->schema);
    expect_same_schema(keep_t, cat_find(c, "t")->schema);
    const struct schema *p = cat_find(c, "plain")->schema;
    cr_assert_eq(p->segment_bytes + p->retention_bytes + p->retention_ms, 0);
    sch_destroy(keep);
    sch_destroy(keep_t);
    cat_destroy(c);
}

Test(catalog, bad_amounts_refused)
{
    static const char *const bad[] = {
        "retention_bytes=", "retention_bytes=x", "retention_bytes=-1", "retention_ms=1e3",
        "segment_bytes=100", "segment_bytes=2147483648", "retention_ms=9223372036854775808",
        "colour=5", "retention_bytes", "codec=lz4", "retention_bytes=18446744073709551616"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "streamfs-catalog 1\nnext_id 2\n"
                 "stream 1 s format=json fsync=close on_error=fail time_col=-1 codec=lz4 %s\n"
                 "col a int32\nend\n",
                 bad[i]);
        expect_load_fails(text);
    }
}

Test(catalog, array_columns_persist)
{
    struct catalog *c = load();
    struct schema *s = NULL;
    cr_assert_eq(sch_create("arrs", &s), 0);
    cr_assert_eq(sch_add_col(s, "xs", ty_array_of((struct ty){TY_INT32, 0, 0})), 0);
    cr_assert_eq(sch_add_col(s, "tags", ty_array_of((struct ty){TY_STRING, 1, 0})), 0);
    cr_assert_eq(sch_add_col(s, "ts", ty_array_of((struct ty){TY_DATETIME64, 1, 9})), 0);
    cr_assert_eq(sch_finish(s), 0);
    struct schema *keep = NULL;
    cr_assert_eq(sch_clone(s, &keep), 0);
    add(c, s);
    cat_destroy(c);
    char *text = read_text();
    cr_expect(strstr(text, "col xs array(int32)\n"), "%s", text);
    cr_expect(strstr(text, "col tags array(nullable(string))\n"), "%s", text);
    cr_expect(strstr(text, "col ts array(nullable(datetime64(9)))\n"), "%s", text);
    free(text);

    c = load();
    const struct cat_entry *e = cat_find(c, "arrs");
    cr_assert_not_null(e);
    expect_same_schema(keep, e->schema);
    cr_expect_eq(e->schema->cols[2].ty.elem, TY_DATETIME64);
    cr_expect_eq(e->schema->cols[2].ty.elem_nullable, 1);
    sch_destroy(keep);
    cat_destroy(c);
}

/* A mutable stream's key, indexes, families and shards survive a reload,
 * written as the header documents; a key line naming no column is refused. */
Test(catalog, mutable_stream_persists)
{
    struct catalog *c = load();
    struct schema *s = NULL;
    cr_assert_eq(sch_create("m", &s), 0);
    cr_assert_eq(sch_add_col(s, "device_id", (struct ty){TY_STRING, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "ts", (struct ty){TY_DATETIME64, 0, 3}), 0);
    cr_assert_eq(sch_add_col(s, "lat", (struct ty){TY_FLOAT32, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "lon", (struct ty){TY_FLOAT32, 0, 0}), 0);
    cr_assert_eq(sch_add_col(s, "region", (struct ty){TY_STRING, 0, 0}), 0);
    s->is_mutable = 1;
    s->shards = 3;
    s->nkey = 2;
    s->key[0] = 0;
    s->key[1] = 1;
    s->nindex = 1;
    strcpy(s->index[0].name, "sidx1");
    s->index[0].ncols = 1;
    s->index[0].cols[0] = 4;
    s->nfamily = 1;
    strcpy(s->family[0].name, "cf1");
    s->family[0].ncols = 2;
    s->family[0].cols[0] = 2;
    s->family[0].cols[1] = 3;
    cr_assert_eq(sch_add_col(s, "_tp_delta", (struct ty){TY_INT8, 0, 0}), 0);
    cr_assert_eq(sch_finish(s), 0);
    add(c, s);
    cat_destroy(c);

    char *text = read_text();
    cr_assert_not_null(strstr(text, "col _tp_delta int8\ncol _tp_time datetime64(3)\nmutable shards=3\n"
                                    "key device_id ts\nindex sidx1 region\nfamily cf1 lat lon\nend\n"),
                       "%s", text);
    free(text);
    c = load();
    const struct schema *l = cat_find(c, "m")->schema;
    cr_assert(l->is_mutable);
    cr_assert_eq(l->shards, 3);
    cr_assert_eq(l->nkey, 2);
    cr_assert(l->key[0] == 0 && l->key[1] == 1);
    cr_assert_eq(l->nindex, 1);
    cr_assert_str_eq(l->index[0].name, "sidx1");
    cr_assert(l->index[0].ncols == 1 && l->index[0].cols[0] == 4);
    cr_assert_eq(l->nfamily, 1);
    cr_assert(l->family[0].ncols == 2 && l->family[0].cols[1] == 3);
    cr_assert_eq(sch_family_of(l, 3), 0);
    cr_assert_eq(sch_family_of(l, 4), -1);
    cr_assert(sch_is_key(l, 1) && !sch_is_key(l, 2));
    struct buf ddl = BUF_INIT;
    cr_assert_eq(sch_render_ddl(l, &ddl), 0);
    cr_assert_eq(buf_cstr(&ddl), 0);
    cr_assert_str_eq(ddl.data, "CREATE MUTABLE STREAM m (device_id string, ts datetime64(3), lat float32, "
                               "lon float32, region string, INDEX sidx1 (region), FAMILY cf1 (lat, lon)) "
                               "PRIMARY KEY (device_id, ts) SETTINGS shards=3");
    buf_free(&ddl);
    cat_destroy(c);

    /* damaged: a key naming an unknown column */
    const char *bad = "streamfs-catalog 1\nnext_id 2\nstream 1 m format=json fsync=close "
                      "on_error=fail time_col=-1 codec=lz4\ncol k int32\ncol _tp_delta int8\n"
                      "col _tp_time datetime64(3)\nmutable shards=1\nkey nope\nend\n";
    cr_assert_eq(os_write_file_atomic(catfile, bad, strlen(bad)), 0);
    struct catalog *d = NULL;
    cr_assert_eq(cat_load(tmpdir, &d), ERR_CORRUPT);
}

/* A random stream: random=1 eps interval_time on its line, each DEFAULT
 * on a line after its column, escaped; both read back. */
Test(catalog, random_stream_persists)
{
    struct catalog *c = load();
    struct schema *s = simple("r");
    s->random = 1;
    s->eps = 50;
    s->interval_ms = 250;
    cr_assert_eq(sch_set_default(s, 0, "'x\\y' || '\n' ||\n'z'"), 0);
    cr_assert_eq(add(c, s), 1);
    expect_text("streamfs-catalog 1\n"
                "next_id 2\n"
                "stream 1 r format=json fsync=close on_error=fail time_col=-1 codec=lz4 random=1 "
                "eps=50 interval_time=250\n"
                "col a int32\n"
                "default 'x\\\\y' || '\\n' ||\\n'z'\n"
                "col b nullable(string)\n"
                "col _tp_time datetime64(3)\n"
                "end\n");
    cat_destroy(c);
    c = load();
    const struct cat_entry *e = cat_find(c, "r");
    cr_assert_not_null(e);
    cr_expect(e->schema->random);
    cr_expect_eq(e->schema->eps, 50);
    cr_expect_eq(e->schema->interval_ms, 250);
    cr_expect_str_eq(sch_default(e->schema, 0), "'x\\y' || '\n' ||\n'z'");
    cr_expect_null(sch_default(e->schema, 1));
    cat_destroy(c);
}

Test(catalog, bad_random_lines_refused)
{
    static const char *const bad[] = {
        "stream 1 r format=json fsync=close on_error=fail time_col=-1 codec=lz4 random=2\n",
        "stream 1 r format=json fsync=close on_error=fail time_col=-1 codec=lz4 eps=x\n",
        "stream 1 r format=json fsync=close on_error=fail time_col=-1 codec=lz4 "
        "interval_time=0\n",
    };
    for (size_t i = 0; i < 3; i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "streamfs-catalog 1\nnext_id 2\n%scol a int32\ncol _tp_time "
                 "datetime64(3)\nend\n",
                 bad[i]);
        cr_assert_eq(os_write_file_atomic(catfile, text, strlen(text)), 0);
        struct catalog *c = NULL;
        cr_expect_eq(cat_load(tmpdir, &c), ERR_CORRUPT, "%s", bad[i]);
        cat_destroy(c);
    }
    static const char dangling[] = "streamfs-catalog 1\nnext_id 2\n"
                                   "stream 1 r format=json fsync=close on_error=fail time_col=-1 "
                                   "codec=lz4\ndefault 1\ncol a int32\nend\n";
    cr_assert_eq(os_write_file_atomic(catfile, dangling, strlen(dangling)), 0);
    struct catalog *c = NULL;
    cr_expect_eq(cat_load(tmpdir, &c), ERR_CORRUPT, "a default before any column");
    cat_destroy(c);
}
