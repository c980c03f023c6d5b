/*
 * catalog.c — streams persisted as a small text file (store/catalog.h).
 *
 * The whole file is rewritten on every change: catalogs are small and
 * changes rare, and an atomic rewrite needs no recovery logic of its own.
 */
#include "store/catalog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "store/codec.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/msg.h"

static const char *const on_error_names[] = {"fail", "skip"};
static const char *const format_names[] = {"json", "raw"};

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

static int render_group(const struct schema *s, const char *what, const struct sch_group *g,
                        struct buf *out)
{
    int rc = buf_printf(out, "%s%s%s", what, g->name[0] ? " " : "", g->name);
    for (uint32_t k = 0; k < g->ncols && !rc; k++)
        rc = buf_printf(out, " %s", s->cols[g->cols[k]].name);
    return rc ? rc : buf_putc(out, '\n');
}

/* A mutable stream's lines, after its columns (names, so they read well). */
static int render_mutable(const struct schema *s, struct buf *out)
{
    struct sch_group key = {.ncols = s->nkey};
    memcpy(key.cols, s->key, sizeof s->key);
    int rc = buf_printf(out, "mutable shards=%u\n", s->shards);
    if (!rc)
        rc = render_group(s, "key", &key, out);
    for (uint32_t i = 0; i < s->nindex && !rc; i++)
        rc = render_group(s, "index", &s->index[i], out);
    for (uint32_t i = 0; i < s->nfamily && !rc; i++)
        rc = render_group(s, "family", &s->family[i], out);
    return rc;
}

/* "key a b", "index name a b", "family name a b" into g; 0 or ERR_CORRUPT. */
static int parse_group(const struct schema *s, char *rest, int named, struct sch_group *g)
{
    char *save_ptr = NULL;
    memset(g, 0, sizeof *g);
    for (char *tok = strtok_r(rest, " ", &save_ptr); tok; tok = strtok_r(NULL, " ", &save_ptr)) {
        if (named && !g->name[0]) {
            if (strlen(tok) >= SCH_MAX_NAME)
                return ERR_CORRUPT;
            strcpy(g->name, tok);
            continue;
        }
        int c = sch_find(s, tok, strlen(tok));
        if (c < 0 || g->ncols >= SCH_GROUP_COLS)
            return ERR_CORRUPT;
        g->cols[g->ncols++] = (uint16_t)c;
    }
    return g->ncols && (!named || g->name[0]) ? 0 : ERR_CORRUPT;
}

static int parse_mutable_line(struct schema *s, char *line)
{
    struct sch_group g;
    unsigned shards;
    if (sscanf(line, "mutable shards=%u", &shards) == 1) {
        if (shards < 1 || shards > SCH_MAX_SHARDS)
            return ERR_CORRUPT;
        s->is_mutable = 1;
        s->shards = shards;
        return 0;
    }
    if (!s->is_mutable)
        return ERR_CORRUPT;
    if (!strncmp(line, "key ", 4)) {
        if (parse_group(s, line + 4, 0, &g) || g.ncols > SCH_MAX_KEY)
            return ERR_CORRUPT;
        s->nkey = g.ncols;
        memcpy(s->key, g.cols, sizeof s->key);
        return 0;
    }
    if (!strncmp(line, "index ", 6) && s->nindex < SCH_MAX_GROUPS)
        return parse_group(s, line + 6, 1, &s->index[s->nindex++]);
    if (!strncmp(line, "family ", 7) && s->nfamily < SCH_MAX_GROUPS)
        return parse_group(s, line + 7, 1, &s->family[s->nfamily++]);
    return ERR_CORRUPT;
}

/* "default TEXT" after its column's line: the text with backslashes and
 * line breaks escaped (\\, \n, \r), so it stays one line. */
static int render_default(struct buf *out, const char *text)
{
    int rc = buf_puts(out, "default ");
    for (const char *p = text; *p && !rc; p++) {
        if (*p == '\\')
            rc = buf_puts(out, "\\\\");
        else if (*p == '\n')
            rc = buf_puts(out, "\\n");
        else if (*p == '\r')
            rc = buf_puts(out, "\\r");
        else
            rc = buf_putc(out, *p);
    }
    return rc ? rc : buf_putc(out, '\n');
}

/* The text of a "default " line, unescaped in place. */
static int parse_default(char *text)
{
    char *w = text;
    for (char *p = text; *p; p++) {
        if (*p != '\\') {
            *w++ = *p;
            continue;
        }
        p++;
        if (*p == '\\')
            *w++ = '\\';
        else if (*p == 'n')
            *w++ = '\n';
        else if (*p == 'r')
            *w++ = '\r';
        else
            return ERR_CORRUPT;
    }
    *w = '\0';
    return 0;
}

static int render(const struct catalog *c, struct buf *out)
{
    int rc = buf_printf(out, "streamfs-catalog 1\nnext_id %u\n", c->next_id);
    for (uint32_t i = 0; i < c->n && !rc; i++) {
        const struct schema *s = c->entries[i].schema;
        char fs[32];
        sch_fsync_format(s, fs);
        rc = buf_printf(out, "stream %u %s format=%s fsync=%s on_error=%s time_col=%d codec=%s",
                        c->entries[i].id, s->name, format_names[s->format], fs,
                        on_error_names[s->on_error], s->time_col,
                        codec_name((enum codec_id)s->codec));
        for (int k = 0; k < SCH_NAMOUNTS && !rc; k++) { /* only those set: optional keys */
            uint64_t v = sch_amount_get(s, &sch_amounts[k]);
            if (v)
                rc = buf_printf(out, " %s=%llu", sch_amounts[k].name, (unsigned long long)v);
        }
        if (!rc && s->random)
            rc = buf_printf(out, " random=1 eps=%llu interval_time=%u",
                            (unsigned long long)s->eps, s->interval_ms);
        if (!rc)
            rc = buf_putc(out, '\n');
        for (uint32_t k = 0; k < s->ncols && !rc; k++) {
            char tn[TY_MAX_NAME];
            ty_name(s->cols[k].ty, tn);
            rc = buf_printf(out, "col %s %s\n", s->cols[k].name, tn);
            if (!rc && sch_default(s, k))
                rc = render_default(out, sch_default(s, k));
        }
        if (!rc && s->is_mutable)
            rc = render_mutable(s, out);
        if (!rc)
            rc = buf_puts(out, "end\n");
    }
    return rc;
}

static int save(const struct catalog *c)
{
    struct buf b = BUF_INIT;
    int rc = render(c, &b);
    if (!rc)
        rc = os_write_file_atomic(c->path, b.data, b.len);
    buf_free(&b);
    return rc;
}

static int append_entry(struct catalog *c, uint32_t id, struct schema *s)
{
    struct cat_entry *e = realloc(c->entries, (c->n + 1) * sizeof(*e));
    if (!e)
        return -ENOMEM;
    c->entries = e;
    e[c->n].id = id;
    e[c->n].schema = s;
    c->n++;
    return 0;
}

/* The optional " key=N" amounts after codec, and a random stream's
 * random=1 eps=N interval_time=N (absent in older catalogs). */
static int parse_amounts(char *rest, struct schema *s)
{
    char *save_ptr = NULL;
    for (char *tok = strtok_r(rest, " ", &save_ptr); tok; tok = strtok_r(NULL, " ", &save_ptr)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return ERR_CORRUPT;
        *eq = '\0';
        char *end = NULL;
        unsigned long long v = strtoull(eq + 1, &end, 10);
        int num = eq[1] && !*end;
        if (!strcmp(tok, "random") && num && v == 1) {
            s->random = 1;
            continue;
        }
        if (!strcmp(tok, "eps") && num && v <= SCH_RANDOM_EPS_MAX) {
            s->eps = v;
            continue;
        }
        if (!strcmp(tok, "interval_time") && num && v >= 1 && v <= UINT32_MAX) {
            s->interval_ms = (uint32_t)v;
            continue;
        }
        const struct sch_amount *a = sch_amount_find(tok);
        if (!a || sch_amount_parse(s, a, eq + 1))
            return ERR_CORRUPT;
    }
    return 0;
}

/* Parse one "stream ..." line's settings into s. */
static int parse_stream_line(char *line, uint32_t *id, struct schema **out)
{
    char name[SCH_MAX_NAME], fmt[16], fs[32], oe[16], codec[16] = "lz4";
    int time_col, end = 0;
    int n = sscanf(line,
                   "stream %u %63s format=%15s fsync=%31s on_error=%15s time_col=%d codec=%15s%n",
                   id, name, fmt, fs, oe, &time_col, codec, &end);
    enum codec_id cid;
    if (n < 6 || codec_parse(codec, &cid))
        return ERR_CORRUPT;
    int f = name_index(format_names, 2, fmt), o = name_index(on_error_names, 2, oe);
    if (f < 0 || o < 0)
        return ERR_CORRUPT;
    int rc = sch_create(name, out);
    if (rc)
        return ERR_CORRUPT;
    if (sch_fsync_parse(*out, fs) || (n == 7 && parse_amounts(line + end, *out))) {
        sch_destroy(*out);
        *out = NULL;
        return ERR_CORRUPT;
    }
    (*out)->format = (enum sch_format)f;
    (*out)->on_error = (enum sch_on_error)o;
    (*out)->time_col = time_col;
    (*out)->codec = (uint8_t)cid;
    return 0;
}

/* A loaded entry must agree with itself and with the entries before it. */
static int entry_ok(const struct catalog *c, uint32_t id, const struct schema *s)
{
    if (id == 0 || id >= c->next_id || cat_find(c, s->name))
        return 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (c->entries[i].id == id)
            return 0;
    if (s->time_col < -1 || s->time_col >= (int)s->ncols)
        return 0;
    if (s->time_col >= 0) {
        uint8_t k = s->cols[s->time_col].ty.kind;
        if (k != TY_DATETIME && k != TY_DATETIME64)
            return 0;
    }
    return 1;
}

static int parse(struct catalog *c, char *text)
{
    struct schema *cur = NULL;
    uint32_t cur_id = 0;
    int rc = ERR_CORRUPT;
    char *save_ptr = NULL;
    char *line = strtok_r(text, "\n", &save_ptr);
    if (!line || strcmp(line, "streamfs-catalog 1") != 0)
        return ERR_CORRUPT;
    while ((line = strtok_r(NULL, "\n", &save_ptr)) != NULL) {
        char cname[SCH_MAX_NAME], tname[TY_MAX_NAME];
        struct ty ty;
        rc = ERR_CORRUPT;
        if (!cur && sscanf(line, "next_id %u", &c->next_id) == 1)
            continue;
        if (!cur && !strncmp(line, "stream ", 7)) {
            rc = parse_stream_line(line, &cur_id, &cur);
            if (rc)
                goto fail;
        } else if (cur && !strncmp(line, "col ", 4) && /* the type is the rest: "decimal(9, 2)" */
                   sscanf(line, "col %63s %47[^\n]", cname, tname) == 2) {
            if (ty_parse(tname, &ty) || sch_add_col(cur, cname, ty))
                goto fail;
        } else if (cur && (!strncmp(line, "mutable ", 8) || !strncmp(line, "key ", 4) ||
                           !strncmp(line, "index ", 6) || !strncmp(line, "family ", 7))) {
            if (parse_mutable_line(cur, line))
                goto fail;
        } else if (cur && cur->ncols && !strncmp(line, "default ", 8) &&
                   !sch_default(cur, cur->ncols - 1)) { /* the last column's */
            if (parse_default(line + 8) || sch_set_default(cur, cur->ncols - 1, line + 8))
                goto fail;
        } else if (cur && !strcmp(line, "end")) {
            if (!entry_ok(c, cur_id, cur) || sch_finish(cur) ||
                (cur->is_mutable && (!cur->nkey || cur->ncols < 3 ||
                                     strcmp(cur->cols[sch_delta_col(cur)].name, "_tp_delta"))))
                goto fail;
            rc = append_entry(c, cur_id, cur);
            if (rc)
                goto fail;
            cur = NULL;
        } else {
            goto fail;
        }
    }
    rc = cur ? ERR_CORRUPT : 0;
fail:
    sch_destroy(cur);
    return rc;
}

int cat_load(const char *datadir, struct catalog **out)
{
    struct catalog *c = calloc(1, sizeof(*c));
    struct buf text = BUF_INIT;
    int rc = -ENOMEM;
    if (!c)
        return rc;
    c->next_id = 1;
    if (asprintf(&c->path, "%s/catalog", datadir) < 0) {
        c->path = NULL;
        goto fail;
    }
    rc = os_read_file(c->path, &text);
    if (rc == -ENOENT) {
        *out = c;
        return 0;
    }
    if (!rc)
        rc = buf_cstr(&text);
    if (!rc)
        rc = parse(c, text.data);
    if (rc) {
        msg_error("catalog %s: %s", c->path,
                  rc == ERR_CORRUPT ? "damaged: it does not parse or contradicts itself"
                                    : err_str(rc));
        goto fail;
    }
    buf_free(&text);
    *out = c;
    return 0;
fail:
    buf_free(&text);
    cat_destroy(c);
    return rc;
}

void cat_destroy(struct catalog *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n; i++)
        sch_destroy(c->entries[i].schema);
    free(c->entries);
    free(c->path);
    free(c);
}

const struct cat_entry *cat_find(const struct catalog *c, const char *name)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (!strcmp(c->entries[i].schema->name, name))
            return &c->entries[i];
    return NULL;
}

int cat_add(struct catalog *c, struct schema *s, uint32_t *id)
{
    if (cat_find(c, s->name)) {
        sch_destroy(s);
        return -EEXIST;
    }
    int rc = append_entry(c, c->next_id, s);
    if (rc) {
        sch_destroy(s);
        return rc;
    }
    c->next_id++;
    rc = save(c);
    if (rc) {
        c->n--;
        c->next_id--;
        sch_destroy(s);
        return rc;
    }
    *id = c->next_id - 1;
    return 0;
}

int cat_remove(struct catalog *c, uint32_t id)
{
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->entries[i].id != id)
            continue;
        struct cat_entry gone = c->entries[i];
        memmove(&c->entries[i], &c->entries[i + 1], (c->n - i - 1) * sizeof(gone));
        c->n--;
        int rc = save(c);
        if (rc) {
            /* put it back where it was: memory and disk stay in agreement */
            memmove(&c->entries[i + 1], &c->entries[i], (c->n - i) * sizeof(gone));
            c->entries[i] = gone;
            c->n++;
            return rc;
        }
        sch_destroy(gone.schema);
        return 0;
    }
    return -ENOENT;
}
