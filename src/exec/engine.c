/*
 * engine.c — streams of a data directory and their shared state
 * (exec/engine.h).
 *
 * The engine mutex guards the catalog, the stream table and the ctl
 * outcomes; it is never held across log I/O. Each stream has its own mutex
 * for its stats and errors file.
 */
#include "exec/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/dump.h"
#include "exec/query.h"
#include "os/os.h"
#include "store/catalog.h"
#include "types/datetime.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/msg.h"

struct engine {
    char *datadir;
    int64_t start_ns;
    pthread_mutex_t mu;          /* guards everything below */
    struct catalog *cat;
    struct eng_stream **streams; /* parallel to cat->entries */
    uint32_t nstreams;
    char *outcomes[ENG_OUTCOMES];
    uint32_t outcome_next;       /* total outcomes ever added */
    pthread_t syncer;            /* fsync='interval' streams; started on first use */
    int syncer_on;
    atomic_int stopping;         /* eng_close has begun (read by the background threads) */
    pthread_cond_t syncer_cv;
    struct qry_reg *queries;     /* its own locks; threads start with the first query */
    pthread_t compactor;         /* columnar store work; started on first use */
    atomic_int compactor_on;
    pthread_cond_t compactor_cv;
};

const char *eng_datadir(const struct engine *e)
{
    return e->datadir;
}

int64_t eng_start_ns(const struct engine *e)
{
    return e->start_ns;
}

struct qry_reg *eng_queries(struct engine *e)
{
    return e->queries;
}

static void stream_free(struct eng_stream *s)
{
    if (!s)
        return;
    kv_close(s->kv);
    log_close(s->log);
    cst_close(s->cs);
    pthread_mutex_destroy(&s->app_mu);
    if (s->err_fd >= 0)
        os_close(s->err_fd);
    dump_index_free(s);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->sub_mu);
    sch_destroy((struct schema *)s->schema);
    free(s);
}

/* Rows on record in one errors file: its lines. */
static uint64_t count_lines(const char *path)
{
    struct buf b = BUF_INIT;
    uint64_t n = 0;
    if (os_read_file(path, &b) == 0)
        for (size_t i = 0; i < b.len; i++)
            n += b.data[i] == '\n';
    buf_free(&b);
    return n;
}

static void count_errors(struct eng_stream *s)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/errors", s->dir);
    s->err_rows = count_lines(path);
    snprintf(path, sizeof(path), "%s/errors.1", s->dir);
    s->err_rows += count_lines(path);
}

/* The stream's columnar store, in its directory's parts/. */
static int open_parts(struct eng_stream *s)
{
    char dir[PATH_MAX];
    struct ty *types = NULL;
    struct cst_opts o = {(enum codec_id)s->schema->codec, s->schema->ttl_ms};
    int rc = sch_types(s->schema, &types);
    if (rc)
        return rc;
    snprintf(dir, sizeof(dir), "%s/parts", s->dir);
    rc = cst_open(dir, types, s->schema->ncols, &o, &s->cs);
    free(types);
    return rc;
}

/* A mutable stream's key table: open it, then replay the log rows it
 * does not have yet (those at or past its applied mark), so every row the
 * log acknowledged before a crash is in the table again. */
static int open_kv(struct eng_stream *s)
{
    char dir[PATH_MAX];
    struct log_info li;
    uint64_t idx, replayed = 0;
    snprintf(dir, sizeof dir, "%s/kv", s->dir);
    int rc = kv_open(dir, s->schema, &s->kv);
    if (rc)
        return rc;
    log_get_info(s->log, &li);
    if ((rc = log_find_sn(s->log, kv_applied_sn(s->kv), &idx)))
        return rc;
    for (; idx < li.records && !rc; idx++) {
        struct blk *b;
        uint64_t first;
        if ((rc = log_read(s->log, idx, &b, &first)))
            break;
        rc = kv_apply(s->kv, b, first);
        replayed += b->nrows;
        blk_unref(b);
    }
    if (!rc)
        rc = kv_flush(s->kv);
    if (replayed)
        msg_info("stream %s: replayed %llu log rows into its key table", s->schema->name,
                 (unsigned long long)replayed);
    return rc;
}

int eng_stream_append(struct eng_stream *s, struct blk *b, uint64_t *first_sn)
{
    uint64_t first;
    if (!s->kv)
        return log_append(s->log, b, first_sn);
    struct col *d = &b->cols[sch_delta_col(s->schema)];
    for (uint32_t i = 0; i < b->nrows; i++) /* the log says +1 or -1 */
        if (((int8_t *)d->data)[i] != -1)
            ((int8_t *)d->data)[i] = 1;
    pthread_mutex_lock(&s->app_mu);
    int rc = log_append(s->log, b, &first);
    if (!rc)
        rc = kv_apply(s->kv, b, first);
    pthread_mutex_unlock(&s->app_mu);
    if (!rc && first_sn)
        *first_sn = first;
    return rc;
}

/* Open the runtime side of catalog entry (id, schema); clones the schema. */
static int stream_open(struct engine *e, uint32_t id, const struct schema *schema,
                       struct eng_stream **out)
{
    struct eng_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->id = id;
    s->engine = e;
    s->err_fd = -1;
    s->mtime_ns = clk_now_ns();
    s->synced_ns = clk_mono_ns();
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->sub_mu, NULL);
    pthread_mutex_init(&s->app_mu, NULL);
    struct schema *copy = NULL;
    int rc = sch_clone(schema, &copy);
    if (rc)
        goto fail;
    s->schema = copy;
    rc = -ENAMETOOLONG;
    if (snprintf(s->dir, sizeof(s->dir), "%s/streams/%u", e->datadir, id) >= (int)sizeof(s->dir))
        goto fail;
    char logdir[PATH_MAX];
    struct log_opts lo = {id, (enum codec_id)s->schema->codec, s->schema->segment_bytes};
    snprintf(logdir, sizeof(logdir), "%s/log", s->dir);
    rc = os_mkdir(s->dir, 0755);
    if (!rc)
        rc = log_open(logdir, &lo, &s->log);
    if (!rc)
        rc = open_parts(s);
    if (!rc && s->schema->is_mutable)
        rc = open_kv(s);
    if (rc)
        goto fail;
    eng_stream_retain(s); /* what expired while unmounted; a failure is logged, not fatal */
    count_errors(s);
    *out = s;
    return 0;
fail:
    stream_free(s);
    return rc;
}

int eng_open(const char *datadir, struct engine **out)
{
    struct engine *e = calloc(1, sizeof(*e));
    char path[PATH_MAX];
    if (!e)
        return -ENOMEM;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->syncer_cv, NULL);
    pthread_cond_init(&e->compactor_cv, NULL);
    e->start_ns = clk_now_ns();
    int rc = -ENOMEM;
    e->datadir = strdup(datadir);
    if (!e->datadir)
        goto fail;
    rc = os_mkdir(datadir, 0755);
    snprintf(path, sizeof(path), "%s/streams", datadir);
    if (!rc)
        rc = os_mkdir(path, 0755);
    if (!rc)
        rc = cat_load(datadir, &e->cat);
    if (rc)
        goto fail;
    rc = -ENOMEM;
    e->streams = calloc(e->cat->n ? e->cat->n : 1, sizeof(*e->streams));
    if (!e->streams)
        goto fail;
    for (uint32_t i = 0; i < e->cat->n; i++) {
        rc = stream_open(e, e->cat->entries[i].id, e->cat->entries[i].schema, &e->streams[i]);
        if (rc) {
            msg_error("stream %s: %s", e->cat->entries[i].schema->name, err_str(rc));
            goto fail;
        }
        e->nstreams++;
    }
    rc = qry_registry_open(datadir, &e->queries);
    if (rc) {
        msg_error("queries: %s", err_str(rc));
        goto fail;
    }
    *out = e;
    return 0;
fail:
    eng_close(e);
    return rc;
}

void eng_close(struct engine *e)
{
    if (!e)
        return;
    qry_registry_close(e->queries); /* queries may hold streams */
    pthread_mutex_lock(&e->mu);
    int joined = e->syncer_on, compactor = atomic_load(&e->compactor_on);
    e->stopping = 1;
    pthread_cond_signal(&e->syncer_cv);
    pthread_cond_signal(&e->compactor_cv);
    pthread_mutex_unlock(&e->mu);
    if (joined)
        pthread_join(e->syncer, NULL);
    if (compactor)
        pthread_join(e->compactor, NULL);
    pthread_cond_destroy(&e->syncer_cv);
    pthread_cond_destroy(&e->compactor_cv);
    for (uint32_t i = 0; i < e->nstreams; i++)
        eng_stream_put(e->streams[i]);
    free(e->streams);
    cat_destroy(e->cat);
    for (int i = 0; i < ENG_OUTCOMES; i++)
        free(e->outcomes[i]);
    pthread_mutex_destroy(&e->mu);
    free(e->datadir);
    free(e);
}

int eng_create_stream(struct engine *e, struct schema *s, int if_not_exists, int *created)
{
    struct eng_stream *st = NULL;
    uint32_t id;
    *created = 0;
    pthread_mutex_lock(&e->mu);
    int rc = -EEXIST;
    if (cat_find(e->cat, s->name)) {
        sch_destroy(s);
        rc = if_not_exists ? 0 : -EEXIST;
        goto out;
    }
    struct eng_stream **grown = realloc(e->streams, (e->nstreams + 1) * sizeof(*grown));
    rc = -ENOMEM;
    if (!grown) {
        sch_destroy(s);
        goto out;
    }
    e->streams = grown;
    rc = cat_add(e->cat, s, &id); /* takes s */
    if (rc)
        goto out;
    rc = stream_open(e, id, s, &st);
    if (rc) {
        cat_remove(e->cat, id);
        goto out;
    }
    e->streams[e->nstreams++] = st;
    *created = 1;
out:
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int eng_drop_stream(struct engine *e, const char *name, int if_exists)
{
    pthread_mutex_lock(&e->mu);
    uint32_t i = 0;
    while (i < e->nstreams && strcmp(e->streams[i]->schema->name, name))
        i++;
    int rc = if_exists ? 0 : -ENOENT;
    if (i == e->nstreams)
        goto out;
    struct eng_stream *s = e->streams[i];
    rc = cat_remove(e->cat, s->id);
    if (rc)
        goto out;
    memmove(&e->streams[i], &e->streams[i + 1], (e->nstreams - i - 1) * sizeof(s));
    e->nstreams--;
    atomic_store(&s->dropped, 1);
    /* The catalog no longer names it: its data goes now; open handles keep
     * their descriptors until they let go. */
    rc = os_rmtree(s->dir);
    if (rc)
        msg_warn("drop stream %s: removing %s: %s", name, s->dir, err_str(rc));
    rc = 0;
    eng_stream_put(s);
out:
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static int get_where(struct engine *e, const char *name, uint32_t id, struct eng_stream **out)
{
    pthread_mutex_lock(&e->mu);
    for (uint32_t i = 0; i < e->nstreams; i++) {
        struct eng_stream *s = e->streams[i];
        if (name ? !strcmp(s->schema->name, name) : s->id == id) {
            atomic_fetch_add(&s->refs, 1);
            *out = s;
            pthread_mutex_unlock(&e->mu);
            return 0;
        }
    }
    pthread_mutex_unlock(&e->mu);
    return -ENOENT;
}

int eng_stream_get(struct engine *e, const char *name, struct eng_stream **out)
{
    return get_where(e, name, 0, out);
}

int eng_stream_get_id(struct engine *e, uint32_t id, struct eng_stream **out)
{
    return get_where(e, NULL, id, out);
}

void eng_stream_put(struct eng_stream *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        stream_free(s);
}

int eng_list(struct engine *e, uint32_t **ids, uint32_t *n)
{
    pthread_mutex_lock(&e->mu);
    uint32_t *a = malloc((e->nstreams ? e->nstreams : 1) * sizeof(*a));
    if (!a) {
        pthread_mutex_unlock(&e->mu);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < e->nstreams; i++)
        a[i] = e->streams[i]->id;
    *n = e->nstreams;
    pthread_mutex_unlock(&e->mu);
    *ids = a;
    return 0;
}

/* --- errors and stats ----------------------------------------------------- */

#define ERR_ROW_BYTES 200

void eng_stream_reject(struct eng_stream *s, uint64_t line_no, const char *reason,
                       const char *row, size_t row_len)
{
    struct buf b = BUF_INIT;
    char when[DT_MAX_TEXT];
    dt_format(clk_now_ns() / 1000000, 3, when);
    buf_printf(&b, "%s\tline %llu\t%s\t", when, (unsigned long long)line_no, reason);
    if (row_len > ERR_ROW_BYTES)
        row_len = ERR_ROW_BYTES;
    for (size_t i = 0; i < row_len; i++) {
        unsigned char c = (unsigned char)row[i];
        if (c < 0x20 || c == 0x7f)
            buf_printf(&b, "\\x%02x", c);
        else
            buf_putc(&b, (char)c);
    }
    buf_putc(&b, '\n');

    char path[PATH_MAX], old[PATH_MAX];
    snprintf(path, sizeof(path), "%s/errors", s->dir);
    snprintf(old, sizeof(old), "%s/errors.1", s->dir);
    pthread_mutex_lock(&s->mu);
    s->err_rows++;
    int rc = 0;
    if (s->err_fd >= 0 && s->err_size + b.len > ENG_ERRORS_MAX) {
        /* rotate, like logrotate: the bound holds and tail -F follows */
        os_close(s->err_fd);
        s->err_fd = -1;
        s->err_rows -= count_lines(old);
        rc = os_rename(path, old);
    }
    if (!rc && s->err_fd < 0 && !atomic_load(&s->dropped)) {
        off_t size = 0;
        rc = os_open(path, O_WRONLY | O_CREAT | O_APPEND, 0644, &s->err_fd);
        if (!rc)
            rc = os_fsize(s->err_fd, &size);
        s->err_size = (uint64_t)size;
    }
    if (!rc && s->err_fd >= 0 && b.data) {
        rc = os_write(s->err_fd, b.data, b.len);
        if (!rc)
            s->err_size += b.len;
    }
    if (rc)
        msg_warn("stream %s: cannot record a rejected row: %s", s->schema->name, err_str(rc));
    pthread_mutex_unlock(&s->mu);
    buf_free(&b);
}

void eng_stream_accepted(struct eng_stream *s, uint64_t rows, uint64_t bytes)
{
    int64_t sec = clk_mono_ns() / 1000000000;
    int slot = (int)(sec % ENG_RATE_SLOTS);
    pthread_mutex_lock(&s->mu);
    if (s->rate_sec[slot] != sec) {
        s->rate_sec[slot] = sec;
        s->rate_rows[slot] = 0;
    }
    s->rate_rows[slot] += rows;
    s->ingest_bytes += bytes;
    s->mtime_ns = clk_now_ns();
    pthread_mutex_unlock(&s->mu);
    if (!atomic_load(&s->engine->compactor_on))
        eng_compactor_start(s->engine);
    pthread_mutex_lock(&s->sub_mu);
    for (struct eng_sub *sub = s->subs; sub; sub = sub->next)
        sub->wake(sub);
    pthread_mutex_unlock(&s->sub_mu);
}

void eng_stream_subscribe(struct eng_stream *s, struct eng_sub *sub)
{
    pthread_mutex_lock(&s->sub_mu);
    sub->next = s->subs;
    s->subs = sub;
    pthread_mutex_unlock(&s->sub_mu);
}

void eng_stream_unsubscribe(struct eng_stream *s, struct eng_sub *sub)
{
    pthread_mutex_lock(&s->sub_mu);
    for (struct eng_sub **p = &s->subs; *p; p = &(*p)->next)
        if (*p == sub) {
            *p = sub->next;
            break;
        }
    sub->next = NULL;
    pthread_mutex_unlock(&s->sub_mu);
}

/* --- retention ----------------------------------------------------------- */

uint64_t eng_stream_safe_sn(struct eng_stream *s)
{
    struct log_info li;
    log_get_info(s->log, &li);
    if (s->kv) { /* a mutable stream's log carries rows until LevelDB has them */
        uint64_t a = kv_applied_sn(s->kv);
        return a < li.next_sn ? a : li.next_sn;
    }
    uint64_t sn = cst_safe_sn(s->cs); /* rows in column parts no scan still reads from the log */
    return sn < li.next_sn ? sn : li.next_sn;
}

/* Compact every row waiting in the log (whole parts of up to
 * CST_COMPACT_ROWS rows). */
static int compact_waiting(struct eng_stream *s, uint64_t min_rows)
{
    uint64_t rows;
    int rc;
    do
        rc = cst_compact(s->cs, s->log, min_rows, &rows);
    while (!rc && rows);
    return rc;
}

int eng_stream_retain(struct eng_stream *s)
{
    struct log_retention r = {s->schema->retention_bytes, s->schema->retention_ms};
    struct log_dropped d;
    struct log_info li;
    if (!r.bytes && !r.ms)
        return 0;
    log_get_info(s->log, &li);
    int over = (r.bytes && li.bytes > r.bytes) ||
               (r.ms && li.min_time_ms <= li.max_time_ms &&
                li.min_time_ms < clk_now_ns() / 1000000 - (int64_t)r.ms);
    if (over && !s->kv && li.segments > 1 && cst_safe_sn(s->cs) < li.next_sn) {
        int rc = compact_waiting(s, 0); /* what retention would drop must be in parts */
        if (rc)
            msg_warn("stream %s: compaction before retention: %s", s->schema->name, err_str(rc));
    }
    int rc = log_retain(s->log, &r, eng_stream_safe_sn(s), &d);
    if (d.segments)
        msg_info("stream %s: retention dropped %llu segments (%llu rows, %llu bytes)",
                 s->schema->name, (unsigned long long)d.segments, (unsigned long long)d.rows,
                 (unsigned long long)d.bytes);
    if (rc)
        msg_warn("stream %s: retention: %s", s->schema->name, err_str(rc));
    return rc;
}

int eng_stream_stats(struct eng_stream *s, struct buf *out)
{
    struct log_info li;
    log_get_info(s->log, &li);
    int64_t now = clk_mono_ns() / 1000000000;
    uint64_t recent = 0, err_rows, bytes_in;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < ENG_RATE_SLOTS; i++)
        if (s->rate_sec[i] > now - ENG_RATE_SLOTS && s->rate_sec[i] <= now)
            recent += s->rate_rows[i];
    err_rows = s->err_rows;
    bytes_in = s->ingest_bytes;
    pthread_mutex_unlock(&s->mu);

    /* rows and records: what the log holds now (retention drops old ones) */
    int rc = buf_printf(out,
                        "rows: %llu\nbytes: %llu\nsequence: %llu\nfirst_sequence: %llu\n"
                        "records: %llu\nsegments: %llu\ncodec: %s\n",
                        (unsigned long long)(li.next_sn - li.first_sn), (unsigned long long)li.bytes,
                        (unsigned long long)li.next_sn, (unsigned long long)li.first_sn,
                        (unsigned long long)(li.records - li.first_record),
                        (unsigned long long)li.segments, codec_name((enum codec_id)s->schema->codec));
    struct cst_info ci;
    cst_get_info(s->cs, &ci);
    if (!rc) /* the columnar store: rows below compacted_sequence are in parts */
        rc = buf_printf(out,
                        "parts: %u\npart_rows: %llu\npart_bytes: %llu\ncompacted_sequence: %llu\n"
                        "compactions: %llu\nmerges: %llu\n",
                        ci.parts, (unsigned long long)ci.rows, (unsigned long long)ci.bytes,
                        (unsigned long long)ci.covered_sn, (unsigned long long)ci.compactions,
                        (unsigned long long)ci.merges);
    if (!rc && li.min_time_ms <= li.max_time_ms) { /* absent where they do not apply */
        char tmin[DT_MAX_TEXT], tmax[DT_MAX_TEXT];
        dt_format(li.min_time_ms, 3, tmin);
        dt_format(li.max_time_ms, 3, tmax);
        rc = buf_printf(out, "min_time: %s\nmax_time: %s\n", tmin, tmax);
    }
    if (!rc)
        rc = buf_printf(out, "errors: %llu\ningest_bytes: %llu\ningest_rows_per_s: %.1f\n",
                        (unsigned long long)err_rows, (unsigned long long)bytes_in,
                        (double)recent / ENG_RATE_SLOTS);
    return rc;
}

int eng_errors_size(struct eng_stream *s, uint64_t *size)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/errors", s->dir);
    int fd = -1;
    int rc = os_open(path, O_RDONLY, 0, &fd);
    if (rc == -ENOENT) {
        *size = 0;
        return 0;
    }
    if (rc)
        return rc;
    off_t sz;
    rc = os_fsize(fd, &sz);
    os_close(fd);
    if (!rc)
        *size = (uint64_t)sz;
    return rc;
}

int eng_errors_read(struct eng_stream *s, uint64_t off, size_t n, struct buf *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/errors", s->dir);
    int fd = -1;
    int rc = os_open(path, O_RDONLY, 0, &fd);
    if (rc == -ENOENT)
        return 0;
    if (rc)
        return rc;
    size_t got = 0;
    rc = buf_reserve(out, n);
    if (!rc)
        rc = os_pread(fd, out->data + out->len, n, (off_t)off, &got);
    if (!rc)
        out->len += got;
    os_close(fd);
    return rc;
}

/* --- fsync='interval' ----------------------------------------------------- */

#define SYNC_TICK_MS 10

/* Sync each interval stream whose last sync is an interval old. */
static void sync_due(struct engine *e)
{
    uint32_t *ids = NULL, n = 0;
    if (eng_list(e, &ids, &n))
        return;
    int64_t now = clk_mono_ns();
    for (uint32_t i = 0; i < n; i++) {
        struct eng_stream *s;
        if (eng_stream_get_id(e, ids[i], &s))
            continue;
        if (s->schema->fsync == SCH_FSYNC_INTERVAL &&
            now - s->synced_ns >= (int64_t)s->schema->fsync_interval_ms * 1000000) {
            int rc = log_sync(s->log);
            if (rc)
                msg_warn("stream %s: interval sync: %s", s->schema->name, err_str(rc));
            s->synced_ns = now;
        }
        eng_stream_put(s);
    }
    free(ids);
}

static void *syncer_main(void *arg)
{
    struct engine *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += SYNC_TICK_MS * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&e->syncer_cv, &e->mu, &ts);
        pthread_mutex_unlock(&e->mu);
        sync_due(e);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

void eng_sync_later(struct eng_stream *s)
{
    struct engine *e = s->engine;
    pthread_mutex_lock(&e->mu);
    if (!e->syncer_on && !e->stopping &&
        pthread_create(&e->syncer, NULL, syncer_main, e) == 0)
        e->syncer_on = 1;
    pthread_mutex_unlock(&e->mu);
}

/* --- the columnar store's background work ------------------------------ */

/* One stream's round: compaction (all of it when force or idle, else in
 * parts of ENG_COMPACT_ROWS), merges, ttl, retention. */
static int compact_stream(struct engine *e, struct eng_stream *s, int force)
{
    struct log_info li;
    int rc = 0;
    log_get_info(s->log, &li);
    uint64_t covered = cst_safe_sn(s->cs), waiting = li.next_sn > covered ? li.next_sn - covered : 0;
    if (s->kv) /* a mutable stream's history is its key table (store/kv.h) */
        waiting = 0;
    pthread_mutex_lock(&s->mu);
    int64_t idle_ms = (clk_now_ns() - s->mtime_ns) / 1000000;
    pthread_mutex_unlock(&s->mu);
    if (waiting && (force || idle_ms >= ENG_COMPACT_IDLE_MS))
        rc = compact_waiting(s, 0);
    else if (waiting >= ENG_COMPACT_ROWS)
        rc = compact_waiting(s, ENG_COMPACT_ROWS);
    uint32_t merged, dropped;
    int mrc;
    do
        mrc = cst_merge(s->cs, &merged);
    while (!mrc && merged && (force || !e->stopping));
    if (!rc)
        rc = mrc;
    int trc = cst_expire(s->cs, clk_now_ns() / 1000000, &dropped);
    if (dropped)
        msg_info("stream %s: ttl dropped %u parts", s->schema->name, dropped);
    if (!rc)
        rc = trc;
    cst_drop_idle(s->cs, ENG_UNMAP_IDLE_MS * 1000000LL);
    int rrc = eng_stream_retain(s);
    if (rc)
        msg_warn("stream %s: columnar store: %s", s->schema->name, err_str(rc));
    return rc ? rc : rrc;
}

static int compact_round(struct engine *e, int force)
{
    uint32_t *ids = NULL, n = 0;
    int rc = eng_list(e, &ids, &n), first = 0;
    for (uint32_t i = 0; !rc && i < n && (force || !e->stopping); i++) {
        struct eng_stream *s;
        if (eng_stream_get_id(e, ids[i], &s))
            continue;
        if (!atomic_load(&s->dropped)) {
            int r = compact_stream(e, s, force);
            if (r && !first)
                first = r;
        }
        eng_stream_put(s);
    }
    free(ids);
    return rc ? rc : first;
}

int eng_compact_all(struct engine *e)
{
    return compact_round(e, 1);
}

static void *compactor_main(void *arg)
{
    struct engine *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += ENG_COMPACT_TICK_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&e->compactor_cv, &e->mu, &ts);
        if (e->stopping)
            break;
        pthread_mutex_unlock(&e->mu);
        compact_round(e, 0);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

void eng_compactor_start(struct engine *e)
{
    pthread_mutex_lock(&e->mu);
    if (!atomic_load(&e->compactor_on) && !e->stopping &&
        pthread_create(&e->compactor, NULL, compactor_main, e) == 0)
        atomic_store(&e->compactor_on, 1);
    pthread_mutex_unlock(&e->mu);
}

/* --- ctl outcomes --------------------------------------------------------- */

void eng_outcome_add(struct engine *e, const char *line)
{
    char *copy = strdup(line);
    if (!copy)
        return;
    pthread_mutex_lock(&e->mu);
    uint32_t slot = e->outcome_next++ % ENG_OUTCOMES;
    free(e->outcomes[slot]);
    e->outcomes[slot] = copy;
    pthread_mutex_unlock(&e->mu);
}

int eng_outcomes_render(struct engine *e, struct buf *out)
{
    int rc = 0;
    pthread_mutex_lock(&e->mu);
    uint32_t n = e->outcome_next < ENG_OUTCOMES ? e->outcome_next : ENG_OUTCOMES;
    for (uint32_t i = e->outcome_next - n; i < e->outcome_next && !rc; i++)
        rc = buf_printf(out, "%s\n", e->outcomes[i % ENG_OUTCOMES]);
    pthread_mutex_unlock(&e->mu);
    return rc;
}
