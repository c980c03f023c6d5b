/*
 * bench.c — streamfs-bench: named workloads, each printing one line with
 * its figure and a baseline measured in the same run.
 *
 *   bench/streamfs-bench [-b path/to/streamfs] [-d bench dir] [-r rows] [workload...]
 *
 * Workloads:
 *   ingest_json         100-byte JSON rows through a real mount, written
 *                       like `cat f > ingest` (128 KiB writes), durable at
 *                       close; baseline: the same bytes to a plain file with
 *                       fsync at close, on the same file system.
 *   ingest_json_inproc  the same rows through the engine without FUSE
 *                       (parse + log append + sync): the pipeline's own rate.
 *   log_append          pre-parsed blocks appended to a NativeLog and synced,
 *                       per codec; baseline: their bytes to a plain file.
 *   log_tail_latency    from an append to the wake-up of a reader blocked in
 *                       log_wait, per codec (median and p99).
 *   query_roundtrip     `SELECT 1` written to queries/new through the mount,
 *                       its id read back, its result read to the end
 *                       (median and p99 of 200); baseline: open + read +
 *                       close of a small generated file on the same mount
 *                       (the FUSE round trips a query cannot avoid).
 *   scan_aggregate      `SELECT device, avg(x) FROM table(s) GROUP BY device`
 *                       through queries/new over 10 M rows (2,400 devices),
 *                       rows/s (median of 5); baseline: the same hash
 *                       aggregation hand-written in C over the same values
 *                       in memory (this machine's ceiling for it).
 *   mutable_seed        the Timeplus mutable-stream post's workload verbatim
 *                       (seeds/003): CREATE MUTABLE STREAM device_metrics,
 *                       INSERT ... SELECT of 50 M random rows onto 120,000
 *                       keys, then count(), count() WHERE batch_id=5 and
 *                       SELECT * WHERE device_id='device_1' AND timestamp >
 *                       now()-1h through queries/new (median of 5); baseline:
 *                       the post's own figures (11.532 s, 0.092 s, 0.078 s,
 *                       0.015 s on a 20-core machine).
 *   mutable_keys        on the same data: cat of one key file (open, read,
 *                       close; median and p99 of 500) and ls of a 50-row
 *                       prefix directory (median of 200); baseline: the same
 *                       read of the stream's small generated `schema` file
 *                       (the FUSE round trips any file read pays).
 *   window_throughput   a tumble(5s) count/avg/max query by 2,400 devices:
 *                       rows/s of the query alone over the stored rows
 *                       (seek_to='earliest'), and while it follows the rows
 *                       being ingested through the mount (until it has read
 *                       them all); baseline: the same ingest with no query.
 *   live_latency        write() of one row to ingest returning -> the row
 *                       readable in a filter query's result (median, p99).
 *   many_queries        100 such window queries on one stream: the ingest
 *                       rate while they run (baseline: with none), the time
 *                       for all to catch up, and the daemon's memory.
 *   random_stream       a random stream (CREATE RANDOM STREAM) read by
 *                       streaming queries: with eps=1000, the rows a
 *                       count() query read in 5 s per second (eps
 *                       honoured: about 1000); without eps, the rows/s a
 *                       query over a DEFAULT string, a random int and a
 *                       random float reads; baseline: the same query over
 *                       numbers() (the expressions without the generator).
 *   history_*           the columnar store: 10 M rows (device string with
 *                       2,400 values, temp float64, ts datetime64(3) 10 ms
 *                       apart) loaded by INSERT ... SELECT and compacted into
 *                       parts, then four queries through queries/new, median
 *                       of 5 after a warm-up: history_count (count, sum, avg),
 *                       history_group (GROUP BY device), history_range (a 1%
 *                       ts range), history_minute (to_start_of_minute
 *                       buckets); baseline: DuckDB on the same rows in the
 *                       same run (bench/duckdb_peer.mjs, when node and
 *                       @duckdb/node-api are installed in bench/), with the
 *                       ratio.
 * Every line also reports the daemon's resident memory (idle after mount,
 * and its peak during the workload).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec/engine.h"
#include "format/json_in.h"
#include "store/log.h"
#include "exec/ingest.h"
#include "os/os.h"
#include "sql/sql.h"
#include "util/buf.h"

#define WRITE_CHUNK (128 * 1024)
#define RUNS 3

static const char *bin = "src/streamfs";
static const char *bench_dir = "bench"; /* where duckdb_peer.mjs is (-d) */
static long nrows = 1000000;
static char tmpdir[256];

/* snprintf that refuses to truncate (bench paths are short; fail loudly) */
#define FMT(buf, ...)                                                              \
    do {                                                                           \
        if (snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf)) {        \
            fprintf(stderr, "streamfs-bench: path too long\n");                    \
            exit(1);                                                               \
        }                                                                          \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[n / 2];
}

/* ~100-byte JSON rows, like a sensor feed. */
static void make_rows(struct buf *out, long n)
{
    for (long i = 0; i < n; i++)
        buf_printf(out,
                   "{\"device\":\"dev_%04ld\",\"temp\":%.2f,\"n\":%ld,"
                   "\"ts\":\"2024-07-10 11:%02ld:%02ld.%03ld\",\"ok\":true,\"site\":\"edge-01\"}\n",
                   i % 2400, 20.0 + (double)(i % 1000) / 100.0, i, (i / 60000) % 60,
                   (i / 1000) % 60, i % 1000);
}

static int write_file(const char *path, const struct buf *data, int trunc, double *secs)
{
    double t0 = now_s();
    int fd = open(path, O_WRONLY | O_CREAT | (trunc ? O_TRUNC : O_APPEND), 0644);
    if (fd < 0)
        return -errno;
    for (size_t off = 0; off < data->len;) {
        size_t n = data->len - off < WRITE_CHUNK ? data->len - off : WRITE_CHUNK;
        ssize_t w = write(fd, data->data + off, n);
        if (w < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        off += (size_t)w;
    }
    if (fsync(fd) < 0) { /* durable at close, like ingest */
        int e = errno;
        close(fd);
        return -e;
    }
    if (close(fd) < 0)
        return -errno;
    *secs = now_s() - t0;
    return 0;
}

static long rss_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    FMT(path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, field, strlen(field)))
            kb = strtol(line + strlen(field) + 1, NULL, 10);
    fclose(f);
    return kb;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static pid_t mount_daemon(const char *data, const char *mnt)
{
    char cmd[1024], lock[512];
    FMT(cmd, "mkdir -p %s %s && %s %s %s", data, mnt, bin, data, mnt);
    if (run(cmd))
        return -1;
    FMT(lock, "%s/LOCK", data);
    long pid = -1;
    /* the daemon rewrites LOCK with its own pid once it has detached */
    for (int i = 0; i < 100 && pid <= 0; i++) {
        FILE *f = fopen(lock, "r");
        if (f) {
            if (fscanf(f, "%ld", &pid) != 1)
                pid = -1;
            fclose(f);
        }
        if (pid <= 0)
            usleep(10 * 1000);
    }
    return (pid_t)pid;
}

static void unmount_daemon(const char *mnt)
{
    char cmd[512];
    FMT(cmd, "fusermount3 -u %s", mnt);
    run(cmd);
}

static int ctl(const char *mnt, const char *stmt)
{
    char path[512];
    FMT(path, "%s/ctl", mnt);
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    ssize_t w = write(fd, stmt, strlen(stmt));
    int rc = w < 0 ? -errno : 0;
    close(fd);
    return rc;
}

#define SCHEMA "(device string, temp float64, n int64, ts datetime64(3), ok bool)"

static int bench_ingest_json(const struct buf *rows)
{
    char data[512], mnt[512], ingest[600], plain[512];
    FMT(data, "%s/ingest_json/data", tmpdir);
    FMT(mnt, "%s/ingest_json/mnt", tmpdir);
    FMT(plain, "%s/ingest_json/plain", tmpdir);
    pid_t pid = mount_daemon(data, mnt);
    if (pid <= 0) {
        fprintf(stderr, "ingest_json: cannot mount\n");
        return 1;
    }
    usleep(200 * 1000);
    long idle = rss_kb(pid, "VmRSS:");
    int rc = ctl(mnt, "CREATE STREAM bench " SCHEMA);
    FMT(ingest, "%s/bench/ingest", mnt);
    double fuse_t[RUNS], plain_t[RUNS];
    for (int i = 0; i < RUNS && !rc; i++) {
        rc = write_file(ingest, rows, 0, &fuse_t[i]);
        if (!rc)
            rc = write_file(plain, rows, 1, &plain_t[i]);
    }
    long peak = rss_kb(pid, "VmHWM:");
    unmount_daemon(mnt);
    if (rc) {
        fprintf(stderr, "ingest_json: %s\n", strerror(-rc));
        return 1;
    }
    double f = median(fuse_t, RUNS), p = median(plain_t, RUNS);
    double mb = (double)rows->len / 1e6;
    printf("ingest_json: %.2f M rows/s (%.0f MB/s) through the mount | baseline plain file "
           "%.0f MB/s (%.2fx of it) | rss idle %.1f MB, peak %.1f MB\n",
           (double)nrows / f / 1e6, mb / f, mb / p, p / f, (double)idle / 1024.0,
           (double)peak / 1024.0);
    return 0;
}

static int bench_ingest_inproc(const struct buf *rows)
{
    char data[512];
    struct engine *e = NULL;
    struct eng_stream *s = NULL;
    struct sql_error err;
    struct buf outcome = BUF_INIT;
    FMT(data, "%s/inproc", tmpdir);
    int rc = eng_open(data, &e);
    const char *stmt = "CREATE STREAM bench " SCHEMA;
    if (!rc)
        rc = sql_run(e, stmt, strlen(stmt), &err, &outcome);
    if (!rc)
        rc = eng_stream_get(e, "bench", &s);
    double t[RUNS];
    for (int i = 0; i < RUNS && !rc; i++) {
        struct ing_handle *h;
        double t0 = now_s();
        rc = ing_open(s, &h);
        for (size_t off = 0; !rc && off < rows->len; off += WRITE_CHUNK) {
            size_t n = rows->len - off < WRITE_CHUNK ? rows->len - off : WRITE_CHUNK;
            rc = ing_write(h, rows->data + off, n);
        }
        if (!rc)
            rc = ing_close(h);
        t[i] = now_s() - t0;
    }
    eng_stream_put(s);
    eng_close(e);
    buf_free(&outcome);
    if (rc) {
        fprintf(stderr, "ingest_json_inproc: %d\n", rc);
        return 1;
    }
    double m = median(t, RUNS);
    printf("ingest_json_inproc: %.2f M rows/s (%.0f MB/s) parse + log append + sync, no FUSE\n",
           (double)nrows / m / 1e6, (double)rows->len / 1e6 / m);
    return 0;
}

/* Blocks of ~1,300 parsed rows each, as one 128 KiB write of the rows makes. */
static int parse_blocks(const struct buf *rows, struct blk ***out, size_t *n)
{
    struct schema *s = NULL;
    struct fmt_json_in *p = NULL;
    struct ty *types = NULL;
    int rc = sch_create("bench", &s);
    static const char *const names[] = {"device", "temp", "n", "ts", "ok"};
    const struct ty tys[] = {{TY_STRING, 0, 0}, {TY_FLOAT64, 0, 0}, {TY_INT64, 0, 0},
                             {TY_DATETIME64, 0, 3}, {TY_BOOL, 0, 0}};
    for (int i = 0; i < 5 && !rc; i++)
        rc = sch_add_col(s, names[i], tys[i]);
    if (!rc)
        rc = sch_finish(s);
    if (!rc)
        rc = fmt_json_in_create(s, &p);
    if (!rc)
        rc = sch_types(s, &types);
    size_t cap = rows->len / WRITE_CHUNK + 2, k = 0;
    struct blk **blocks = calloc(cap, sizeof(*blocks));
    const char *line = rows->data, *end = rows->data + rows->len;
    while (!rc && line < end && k < cap) {
        rc = blk_create(types, s->ncols, &blocks[k]);
        const char *stop = line + WRITE_CHUNK < end ? line + WRITE_CHUNK : end;
        while (!rc && line < stop) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            char why[128];
            rc = fmt_json_in_row(p, line, (size_t)(nl - line), 0, blocks[k], why, sizeof(why));
            line = nl + 1;
        }
        if (!rc)
            rc = blk_seal(blocks[k]);
        k++;
    }
    fmt_json_in_destroy(p);
    free(types);
    sch_destroy(s);
    *out = blocks;
    *n = k;
    return rc;
}

static void free_blocks(struct blk **b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        blk_unref(b[i]);
    free(b);
}

/* log_append: pre-parsed blocks appended and synced, per codec; baseline:
 * the same serialized bytes written to a plain file. */
static int bench_log_append(const struct buf *rows)
{
    struct blk **blocks;
    size_t n;
    int rc = parse_blocks(rows, &blocks, &n);
    struct buf ser = BUF_INIT;
    for (size_t i = 0; i < n && !rc; i++)
        rc = blk_serialize(blocks[i], &ser);
    double plain_t = 0;
    char path[512];
    FMT(path, "%s/log_append.plain", tmpdir);
    if (!rc)
        rc = write_file(path, &ser, 1, &plain_t);
    for (int c = 0; c < CODEC_END && !rc; c++) {
        char dir[512];
        double t[RUNS];
        struct log_info li;
        for (int r = 0; r < RUNS && !rc; r++) {
            FMT(dir, "%s/log_append.%s.%d", tmpdir, codec_name((enum codec_id)c), r);
            struct log_opts o = {1, (enum codec_id)c, 0};
            struct log *l;
            if ((rc = log_open(dir, &o, &l)))
                break;
            double t0 = now_s();
            for (size_t i = 0; i < n && !rc; i++)
                rc = log_append(l, blocks[i], NULL);
            if (!rc)
                rc = log_sync(l);
            t[r] = now_s() - t0;
            log_get_info(l, &li);
            log_close(l);
        }
        if (rc)
            break;
        double m = median(t, RUNS);
        printf("log_append[%s]: %.2f M rows/s, %.0f MB/s of blocks, %.1f MB on disk (%.1fx) | "
               "baseline plain file of the same blocks %.0f MB/s\n",
               codec_name((enum codec_id)c), (double)nrows / m / 1e6, (double)ser.len / 1e6 / m,
               (double)li.bytes / 1e6, (double)ser.len / (double)li.bytes,
               (double)ser.len / 1e6 / plain_t);
    }
    buf_free(&ser);
    free_blocks(blocks, n);
    if (rc)
        fprintf(stderr, "log_append: %d\n", rc);
    return rc != 0;
}

struct tail_arg {
    struct log *l;
    uint64_t have;
    double woke;
};

static void *tail_reader(void *p)
{
    struct tail_arg *a = p;
    if (log_wait(a->l, a->have, 5000) == 0)
        a->woke = now_s();
    return NULL;
}

/* log_tail_latency: from an append's start to a waiting reader's wake-up. */
static int bench_log_tail(const struct buf *rows)
{
    struct blk **blocks;
    size_t n;
    int rc = parse_blocks(rows, &blocks, &n);
    enum { SAMPLES = 200 };
    for (int c = 0; c < CODEC_END && !rc; c++) {
        char dir[512];
        FMT(dir, "%s/log_tail.%s", tmpdir, codec_name((enum codec_id)c));
        struct log_opts o = {1, (enum codec_id)c, 0};
        struct log *l;
        if ((rc = log_open(dir, &o, &l)))
            break;
        double lat[SAMPLES];
        for (int i = 0; i < SAMPLES && !rc; i++) {
            struct tail_arg a = {l, (uint64_t)i, 0};
            pthread_t th;
            pthread_create(&th, NULL, tail_reader, &a);
            usleep(200); /* let the reader block first (spacing, not a measurement) */
            double t0 = now_s();
            rc = log_append(l, blocks[(size_t)i % n], NULL);
            pthread_join(th, NULL);
            lat[i] = (a.woke - t0) * 1e6;
        }
        log_close(l);
        if (rc)
            break;
        qsort(lat, SAMPLES, sizeof(double), cmp_double);
        printf("log_tail_latency[%s]: median %.0f us, p99 %.0f us (append of ~%ld rows to a "
               "blocked reader's wake-up)\n",
               codec_name((enum codec_id)c), lat[SAMPLES / 2], lat[SAMPLES * 99 / 100],
               nrows / (long)(n ? n : 1));
    }
    free_blocks(blocks, n);
    if (rc)
        fprintf(stderr, "log_tail_latency: %d\n", rc);
    return rc != 0;
}

/* Start a query through queries/new; its directory in dir. */
static int start_query(const char *mnt, const char *sql, char *dir, size_t dirlen)
{
    char path[600], id[128];
    FMT(path, "%s/queries/new", mnt);
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return -errno;
    if (write(fd, sql, strlen(sql)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    ssize_t n = pread(fd, id, sizeof(id) - 1, 0);
    close(fd);
    if (n <= 0)
        return -EIO;
    id[n] = 0;
    id[strcspn(id, "\n")] = 0;
    if (snprintf(dir, dirlen, "%s/queries/%s", mnt, id) >= (int)dirlen)
        return -ENAMETOOLONG;
    return 0;
}

/* Start a query through queries/new and read its whole result; seconds in *secs. */
static int mount_query(const char *mnt, const char *sql, struct buf *result, double *secs)
{
    char dir[600], path[700];
    double t0 = now_s();
    int fd, rc = start_query(mnt, sql, dir, sizeof(dir));
    if (rc)
        return rc;
    FMT(path, "%s/result", dir);
    if ((fd = open(path, O_RDONLY)) < 0)
        return -errno;
    char chunk[65536];
    buf_reset(result);
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (r == 0)
            break;
        buf_append(result, chunk, (size_t)r);
    }
    close(fd);
    *secs = now_s() - t0;
    rmdir(dir);
    return 0;
}

#define RT_RUNS 200

static int bench_query_roundtrip(void)
{
    char data[512], mnt[512], schema[600];
    FMT(data, "%s/query_roundtrip/data", tmpdir);
    FMT(mnt, "%s/query_roundtrip/mnt", tmpdir);
    pid_t pid = mount_daemon(data, mnt);
    if (pid <= 0) {
        fprintf(stderr, "query_roundtrip: cannot mount\n");
        return 1;
    }
    usleep(200 * 1000);
    long idle = rss_kb(pid, "VmRSS:");
    int rc = ctl(mnt, "CREATE STREAM rt (a int32)");
    FMT(schema, "%s/rt/schema", mnt);
    static double q[RT_RUNS], base[RT_RUNS];
    struct buf res = BUF_INIT;
    for (int i = 0; i < RT_RUNS && !rc; i++) {
        rc = mount_query(mnt, "SELECT 1", &res, &q[i]);
        if (!rc && (res.len != 8 || memcmp(res.data, "{\"1\":1}\n", 8) != 0)) {
            fprintf(stderr, "query_roundtrip: wrong result '%.*s'\n", (int)res.len, res.data);
            rc = -EINVAL;
        }
        double t0 = now_s();
        int fd = open(schema, O_RDONLY);
        char b[4096];
        if (fd < 0 || read(fd, b, sizeof(b)) < 0)
            rc = -errno;
        if (fd >= 0)
            close(fd);
        base[i] = now_s() - t0;
    }
    long peak = rss_kb(pid, "VmHWM:");
    unmount_daemon(mnt);
    buf_free(&res);
    if (rc) {
        fprintf(stderr, "query_roundtrip: %s\n", strerror(-rc));
        return 1;
    }
    double m = median(q, RT_RUNS), p99 = q[RT_RUNS * 99 / 100], b = median(base, RT_RUNS);
    printf("query_roundtrip: median %.0f us, p99 %.0f us (SELECT 1 through queries/new) | "
           "baseline open+read of a generated file %.0f us | rss idle %.1f MB, peak %.1f MB\n",
           m * 1e6, p99 * 1e6, b * 1e6, (double)idle / 1024.0, (double)peak / 1024.0);
    return 0;
}

#define SA_ROWS 10000000L
#define SA_GROUPS 2400

/* The baseline: group 10 M (device, x) pairs by device string with a
 * hand-written open-addressing hash table; returns seconds. */
static double c_group_avg(const char *chars, const uint32_t *off, const double *x, long n,
                          double *check)
{
    enum { SLOTS = 8192 };
    static struct {
        const char *key;
        uint32_t len;
        double sum;
        long cnt;
    } tab[SLOTS];
    memset(tab, 0, sizeof(tab));
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        const char *k = chars + off[i];
        uint32_t len = off[i + 1] - off[i];
        uint64_t h = 1469598103934665603ull;
        for (uint32_t j = 0; j < len; j++)
            h = (h ^ (unsigned char)k[j]) * 1099511628211ull;
        for (uint32_t s = (uint32_t)h & (SLOTS - 1);; s = (s + 1) & (SLOTS - 1)) {
            if (!tab[s].key) {
                tab[s].key = k;
                tab[s].len = len;
            } else if (tab[s].len != len || memcmp(tab[s].key, k, len)) {
                continue;
            }
            tab[s].sum += x[i];
            tab[s].cnt++;
            break;
        }
    }
    double sum = 0;
    for (int s = 0; s < SLOTS; s++)
        if (tab[s].key)
            sum += tab[s].sum / (double)tab[s].cnt;
    *check = sum;
    return now_s() - t0;
}

static int bench_scan_aggregate(void)
{
    char data[512], mnt[512];
    FMT(data, "%s/scan_aggregate/data", tmpdir);
    FMT(mnt, "%s/scan_aggregate/mnt", tmpdir);
    pid_t pid = mount_daemon(data, mnt);
    if (pid <= 0) {
        fprintf(stderr, "scan_aggregate: cannot mount\n");
        return 1;
    }
    usleep(200 * 1000);
    long idle = rss_kb(pid, "VmRSS:");
    int rc = ctl(mnt, "CREATE STREAM sa (device string, x float64)");
    char ins[256];
    FMT(ins, "INSERT INTO sa SELECT 'device_' || to_string(number %% %d), "
             "to_float64(number %% 1000) / 10 FROM numbers(%ld)", SA_GROUPS, SA_ROWS);
    double load_t0 = now_s();
    if (!rc)
        rc = ctl(mnt, ins);
    double load = now_s() - load_t0;
    double t[RUNS + 2];
    struct buf res = BUF_INIT;
    int runs = RUNS + 2;
    for (int i = 0; i <= runs && !rc; i++) { /* run 0 warms up */
        double s;
        rc = mount_query(mnt, "SELECT device, avg(x) FROM table(sa) GROUP BY device", &res, &s);
        if (i > 0)
            t[i - 1] = s;
    }
    long lines = 0;
    for (size_t i = 0; i < res.len; i++)
        lines += res.data[i] == '\n';
    long peak = rss_kb(pid, "VmHWM:");
    unmount_daemon(mnt);
    buf_free(&res);
    if (!rc && lines != SA_GROUPS) {
        fprintf(stderr, "scan_aggregate: %ld groups, want %d\n", lines, SA_GROUPS);
        rc = -EINVAL;
    }
    if (rc) {
        fprintf(stderr, "scan_aggregate: %s\n", strerror(-rc));
        return 1;
    }
    /* the same values in memory, for the hand-written baseline */
    struct buf chars = BUF_INIT;
    uint32_t *off = malloc((SA_ROWS + 1) * sizeof(*off));
    double *x = malloc(SA_ROWS * sizeof(*x)), check, ct[RUNS];
    off[0] = 0;
    for (long i = 0; i < SA_ROWS; i++) {
        buf_printf(&chars, "device_%ld", i % SA_GROUPS);
        off[i + 1] = (uint32_t)chars.len;
        x[i] = (double)(i % 1000) / 10;
    }
    for (int i = 0; i < RUNS; i++)
        ct[i] = c_group_avg(chars.data, off, x, SA_ROWS, &check);
    buf_free(&chars);
    free(off);
    free(x);
    double m = median(t, runs), c = median(ct, RUNS);
    printf("scan_aggregate: %.1f M rows/s (%.0f ms for 10 M rows, GROUP BY device through "
           "queries/new; loaded by INSERT ... SELECT in %.1f s) | baseline hand-written C hash "
           "aggregation in memory %.1f M rows/s (%.0f ms; %.2fx of it) | rss idle %.1f MB, "
           "peak %.1f MB\n",
           (double)SA_ROWS / m / 1e6, m * 1e3, load, (double)SA_ROWS / c / 1e6, c * 1e3, c / m,
           (double)idle / 1024.0, (double)peak / 1024.0);
    return 0;
}

static const char seed_create[] =
    "CREATE MUTABLE STREAM device_metrics (device_id string, timestamp datetime64(3), "
    "batch_id uint32, region string, city string, lat float32, lon float32, battery float32, "
    "humidity uint16, temperature float32) PRIMARY KEY (device_id, timestamp, batch_id)";
static const char seed_insert[] =
    "INSERT INTO device_metrics\n"
    "SELECT\n"
    "'device_' || to_string(floor(rand_uniform(0, 2400))) AS device_id,\n"
    "now64(9) AS timestamp,\n"
    "floor(rand_uniform(0, 50)) AS batch_id,\n"
    "'region_'||to_string(rand()%5) AS region,\n"
    "'city_'||to_string(rand()%10) AS city,\n"
    "rand()%1000/10 AS lat,\n"
    "rand()%1000/10 AS lon,\n"
    "rand_uniform(0,100) AS battery,\n"
    "floor(rand_uniform(0,80)) AS humidity,\n"
    "rand_uniform(0,100) AS temperature,\n"
    "now64() AS _tp_time\n"
    "FROM numbers(50_000_000)";

static char seed_mnt[512];
static pid_t seed_pid;

/* Mount and load the seed's data once for both mutable workloads. */
static int seed_load(double *secs)
{
    char data[512];
    FMT(data, "%s/mutable/data", tmpdir);
    FMT(seed_mnt, "%s/mutable/mnt", tmpdir);
    if (seed_pid > 0) {
        *secs = 0;
        return 0;
    }
    seed_pid = mount_daemon(data, seed_mnt);
    if (seed_pid <= 0)
        return -EIO;
    usleep(200 * 1000);
    int rc = ctl(seed_mnt, seed_create);
    double t0 = now_s();
    if (!rc)
        rc = ctl(seed_mnt, seed_insert);
    *secs = now_s() - t0;
    return rc;
}

static int seed_query(const char *sql, int runs, double *med, struct buf *res)
{
    double t[8];
    int rc = 0;
    for (int i = 0; i <= runs && !rc; i++) { /* run 0 warms up */
        double s;
        rc = mount_query(seed_mnt, sql, res, &s);
        if (i > 0)
            t[i - 1] = s;
    }
    *med = rc ? 0 : median(t, runs);
    return rc;
}

static int bench_mutable_seed(void)
{
    double load, q1, q2, q3;
    struct buf r1 = BUF_INIT, r2 = BUF_INIT, r3 = BUF_INIT;
    long idle = 0;
    int rc = seed_load(&load);
    if (!rc)
        idle = rss_kb(seed_pid, "VmRSS:");
    if (!rc)
        rc = seed_query("SELECT count() FROM table(device_metrics)", 5, &q1, &r1);
    if (!rc)
        rc = seed_query("SELECT count() FROM table(device_metrics) WHERE batch_id=5", 5, &q2, &r2);
    if (!rc)
        rc = seed_query("SELECT * FROM table(device_metrics) WHERE device_id='device_1' AND "
                        "timestamp>now()-1h", 5, &q3, &r3);
    long rows3 = 0;
    for (size_t i = 0; i < r3.len; i++)
        rows3 += r3.data[i] == '\n';
    if (!rc && (buf_cstr(&r1) || buf_cstr(&r2) ||
                strcmp(r1.data, "{\"count()\":120000}\n") || strcmp(r2.data, "{\"count()\":2400}\n") ||
                rows3 != 50)) {
        fprintf(stderr, "mutable_seed: unexpected answers: %s %s %ld rows\n", r1.data, r2.data,
                rows3);
        rc = -EINVAL;
    }
    long peak = rss_kb(seed_pid, "VmHWM:");
    buf_free(&r1);
    buf_free(&r2);
    buf_free(&r3);
    if (rc) {
        fprintf(stderr, "mutable_seed: %s\n", strerror(rc < 0 ? -rc : rc));
        return 1;
    }
    printf("mutable_seed: insert 50 M rows -> 120000 keys %.3f s (%.1f M rows/s) | count() "
           "%.3f s | WHERE batch_id=5 %.3f s | device_id='device_1' AND timestamp>now()-1h "
           "%.3f s (%ld rows) | baseline seed post 11.532 s, 0.092 s, 0.078 s, 0.015 s | rss "
           "after load %.1f MB, peak %.1f MB\n",
           load, 50.0 / load, q1, q2, q3, rows3, (double)idle / 1024.0, (double)peak / 1024.0);
    return 0;
}

static int read_whole(const char *path, char *buf, size_t n, double *secs)
{
    double t0 = now_s();
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    ssize_t r = read(fd, buf, n);
    close(fd);
    *secs = now_s() - t0;
    return r < 0 ? -errno : 0;
}

static int bench_mutable_keys(void)
{
    double load, t[500], b[500];
    char dir[700], path[900], buf[4096], ts[256] = "";
    int rc = seed_load(&load), n = 0;
    FMT(dir, "%s/device_metrics/keys/device_1", seed_mnt);
    DIR *d = rc ? NULL : opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.')
            FMT(ts, "%s", de->d_name);
    if (d)
        closedir(d);
    if (rc || !ts[0]) {
        fprintf(stderr, "mutable_keys: no key directory under %s\n", dir);
        return 1;
    }
    FMT(dir, "%s/device_metrics/keys/device_1/%s", seed_mnt, ts);
    FMT(path, "%s/5", dir);
    for (int i = 0; i < 500 && !rc; i++)
        rc = read_whole(path, buf, sizeof buf, &t[i]);
    char schema[700];
    FMT(schema, "%s/device_metrics/schema", seed_mnt);
    for (int i = 0; i < 500 && !rc; i++)
        rc = read_whole(schema, buf, sizeof buf, &b[i]);
    double ls[200];
    for (int i = 0; i < 200 && !rc; i++) {
        double t0 = now_s();
        n = 0;
        if (!(d = opendir(dir))) {
            rc = -errno;
            break;
        }
        while ((de = readdir(d)))
            n += de->d_name[0] != '.';
        closedir(d);
        ls[i] = now_s() - t0;
    }
    long peak = rss_kb(seed_pid, "VmHWM:");
    unmount_daemon(seed_mnt);
    seed_pid = 0;
    if (rc || n != 50) {
        fprintf(stderr, "mutable_keys: %s, %d entries\n", strerror(rc < 0 ? -rc : EINVAL), n);
        return 1;
    }
    double tm = median(t, 500), bm = median(b, 500);
    qsort(t, 500, sizeof t[0], cmp_double);
    printf("mutable_keys: cat one key file %.0f us (p99 %.0f us) | ls of a 50-row prefix %.0f us "
           "| baseline cat of schema %.0f us | rss peak %.1f MB\n",
           tm * 1e6, t[494] * 1e6, median(ls, 200) * 1e6, bm * 1e6, (double)peak / 1024.0);
    return 0;
}

/* --- streaming ----------------------------------------------------------- */

/* A number from a query's status ("key: N"); -1 when absent. */
static long long status_num(const char *qdir, const char *key)
{
    char path[700], line[256];
    FMT(path, "%s/status", qdir);
    FILE *f = fopen(path, "r");
    long long v = -1;
    size_t kl = strlen(key);
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, kl) && line[kl] == ':')
            v = strtoll(line + kl + 1, NULL, 10);
    fclose(f);
    return v;
}

/* Wait until every query in dirs has read want rows; seconds waited. */
static int wait_rows(char (*dirs)[600], int n, long long want, double *secs)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        while (status_num(dirs[i], "rows_read") < want) {
            if (status_num(dirs[i], "rows_read") < 0 || now_s() - t0 > 600)
                return -ETIMEDOUT;
            usleep(1000);
        }
    *secs = now_s() - t0;
    return 0;
}

#define WINDOW_SQL                                                                       \
    "SELECT window_start, device, count(), avg(temp), max(temp) FROM tumble(w, ts, 5s) " \
    "GROUP BY window_start, device"

/*
 * window_throughput: the rows through the mount (cat f > ingest) with a
 * tumble(5s) query over 2,400 devices following the stream; the figure is
 * rows / (time from the first write until the query has read them all);
 * the baseline is the ingest alone in the same run (the query must not be
 * the bottleneck: the two should be about equal).
 */
static int bench_window_throughput(const struct buf *rows)
{
    char data[512], mnt[512], ingest[600];
    static char dirs[1][600];
    FMT(data, "%s/window_throughput/data", tmpdir);
    FMT(mnt, "%s/window_throughput/mnt", tmpdir);
    pid_t pid = mount_daemon(data, mnt);
    if (pid <= 0) {
        fprintf(stderr, "window_throughput: cannot mount\n");
        return 1;
    }
    usleep(200 * 1000);
    long idle = rss_kb(pid, "VmRSS:");
    int rc = ctl(mnt, "CREATE STREAM base " SCHEMA);
    if (!rc)
        rc = ctl(mnt, "CREATE STREAM w " SCHEMA);
    double base_t = 0, ing_t = 0, wait_t = 0;
    FMT(ingest, "%s/base/ingest", mnt);
    if (!rc)
        rc = write_file(ingest, rows, 0, &base_t);
    if (!rc)
        rc = start_query(mnt, WINDOW_SQL, dirs[0], sizeof(dirs[0]));
    FMT(ingest, "%s/w/ingest", mnt);
    if (!rc)
        rc = write_file(ingest, rows, 0, &ing_t);
    if (!rc)
        rc = wait_rows(dirs, 1, nrows, &wait_t);
    long long out = rc ? 0 : status_num(dirs[0], "rows_out");
    /* the query alone: the same query over the stored rows from the start */
    double alone_t0 = now_s(), alone_t = 0;
    if (!rc)
        rc = start_query(mnt, WINDOW_SQL " SETTINGS seek_to='earliest'", dirs[0], sizeof(dirs[0]));
    if (!rc)
        rc = wait_rows(dirs, 1, nrows, &alone_t);
    alone_t = now_s() - alone_t0;
    long peak = rss_kb(pid, "VmHWM:");
    unmount_daemon(mnt);
    if (rc) {
        fprintf(stderr, "window_throughput: %s\n", strerror(-rc));
        return 1;
    }
    double total = ing_t + wait_t;
    printf("window_throughput: %.2f M rows/s by the query alone (tumble(5s) count/avg/max by "
           "2,400 devices over the stored rows, %lld window rows); following the ingest "
           "%.2f M rows/s (ingest %.2f s, caught up %.3f s after it) | baseline ingest alone "
           "%.2f M rows/s (query alone %.2fx of it) | rss idle %.1f MB, peak %.1f MB\n",
           (double)nrows / alone_t / 1e6, out, (double)nrows / total / 1e6, ing_t, wait_t,
           (double)nrows / base_t / 1e6, base_t / alone_t, (double)idle / 1024.0,
           (double)peak / 1024.0);
    return 0;
}

#define LL_SAMPLES 500

/*
 * live_latency: one row written to ingest (an open descriptor, one
 * write() per row) until its line is readable in a filter query's result
 * (pread at the end, spinning); median and p99 of LL_SAMPLES. Baseline:
 * the same write() and a read-back through a plain file's page cache.
 */
static int bench_live_latency(void)
{
    char data[512], mnt[512], ingest[600], result[700], plain[600];
    static char dirs[1][600];
    FMT(data, "%s/live_latency/data", tmpdir);
    FMT(mnt, "%s/live_latency/mnt", tmpdir);
    FMT(plain, "%s/live_latency/plain", tmpdir);
    pid_t pid = mount_daemon(data, mnt);
    if (pid <= 0) {
        fprintf(stderr, "live_latency: cannot mount\n");
        return 1;
    }
    usleep(200 * 1000);
    long idle = rss_kb(pid, "VmRSS:");
    int rc = ctl(mnt, "CREATE STREAM ll " SCHEMA);
    if (!rc)
        rc = start_query(mnt, "SELECT n, temp FROM ll WHERE ok", dirs[0], sizeof(dirs[0]));
    FMT(ingest, "%s/ll/ingest", mnt);
    FMT(result, "%s/result", dirs[0]);
    static double lat[LL_SAMPLES], base[LL_SAMPLES];
    int in = rc ? -1 : open(ingest, O_WRONLY | O_APPEND);
    int res = rc ? -1 : open(result, O_RDONLY);
    int pf = open(plain, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (!rc && (in < 0 || res < 0 || pf < 0))
        rc = -errno;
    off_t at = 0, pat = 0;
    char line[256], got[4096];
    for (int i = 0; i < LL_SAMPLES && !rc; i++) {
        int len = snprintf(line, sizeof(line),
                           "{\"device\":\"dev_1\",\"temp\":1.5,\"n\":%d,"
                           "\"ts\":\"2024-07-10 11:00:00.000\",\"ok\":true}\n", i);
        if (write(in, line, (size_t)len) != len) {
            rc = -EIO;
            break;
        }
        double t0 = now_s();
        ssize_t r;
        while ((r = pread(res, got, sizeof(got), at)) == 0)
            if (now_s() - t0 > 10) {
                rc = -ETIMEDOUT;
                break;
            }
        if (r < 0)
            rc = -errno;
        if (rc)
            break;
        lat[i] = now_s() - t0;
        at += r;
        t0 = now_s();
        if (write(pf, line, (size_t)len) != len || pread(pf, got, sizeof(got), pat) <= 0)
            rc = -EIO;
        pat += len;
        base[i] = now_s() - t0;
    }
    if (in >= 0)
        close(in);
    if (res >= 0)
        close(res);
    if (pf >= 0)
        close(pf);
    long peak = rss_kb(pid, "VmHWM:");
    unmount_daemon(mnt);
    if (rc) {
        fprintf(stderr, "live_latency: %s\n", strerror(-rc));
        return 1;
    }
    qsort(lat, LL_SAMPLES, sizeof(double), cmp_double);
    double b = median(base, LL_SAMPLES);
    printf("live_latency: median %.0f us, p99 %.0f us (write() returned -> row readable in a "
           "filter query's result) | baseline write+read of a plain file %.0f us; Proton "
           "reports 4 ms end to end | rss idle %.1f MB, peak %.1f MB\n",
           lat[LL_SAMPLES / 2] * 1e6, lat[LL_SAMPLES * 99 / 100] * 1e6, b * 1e6,
           (double)idle / 1024.0, (double)peak / 1024.0);
    return 0;
}

#define MQ_QUERIES 100

/*
 * many_queries: MQ_QUERIES tumble(5s) queries on one stream while the rows
 * are ingested: the ingest rate with them running, against the rate with
 * none in the same run; the time until all of them have read every row;
 * the daemon's memory.
 */
static int bench_many_queries(const struct buf *rows)
{
    char data[512], mnt[512], ingest[600];
    static char dirs[MQ_QUERIES][600];
    FMT(data, "%s/many_queries/data", tmpdir);
    FMT(mnt, "%s/many_queries/mnt", tmpdir);
    pid_t pid = mount_daemon(data, mnt);
    if (pid <= 0) {
        fprintf(stderr, "many_queries: cannot mount\n");
        return 1;
    }
    usleep(200 * 1000);
    long idle = rss_kb(pid, "VmRSS:");
    int rc = ctl(mnt, "CREATE STREAM base " SCHEMA);
    if (!rc)
        rc = ctl(mnt, "CREATE STREAM w " SCHEMA);
    double base_t = 0, ing_t = 0, wait_t = 0;
    FMT(ingest, "%s/base/ingest", mnt);
    if (!rc)
        rc = write_file(ingest, rows, 0, &base_t);
    for (int i = 0; i < MQ_QUERIES && !rc; i++)
        rc = start_query(mnt, WINDOW_SQL, dirs[i], sizeof(dirs[i]));
    usleep(200 * 1000);
    long with_q = rss_kb(pid, "VmRSS:");
    FMT(ingest, "%s/w/ingest", mnt);
    if (!rc)
        rc = write_file(ingest, rows, 0, &ing_t);
    if (!rc)
        rc = wait_rows(dirs, MQ_QUERIES, nrows, &wait_t);
    long peak = rss_kb(pid, "VmHWM:");
    unmount_daemon(mnt);
    if (rc) {
        fprintf(stderr, "many_queries: %s\n", strerror(-rc));
        return 1;
    }
    printf("many_queries: ingest %.2f M rows/s with %d tumble(5s) queries running (all "
           "caught up %.2f s after the last write; %.2f M query-rows/s) | baseline ingest "
           "with no query %.2f M rows/s (%.2fx of it) | rss idle %.1f MB, with the queries "
           "%.1f MB, peak %.1f MB\n",
           (double)nrows / ing_t / 1e6, MQ_QUERIES, wait_t,
           (double)nrows * MQ_QUERIES / (ing_t + wait_t) / 1e6, (double)nrows / base_t / 1e6,
           base_t / ing_t, (double)idle / 1024.0, (double)with_q / 1024.0,
           (double)peak / 1024.0);
    return 0;
}

#define MNT_PATH 512

/* A daemon serving DATADIR and MNT of workload name (paths into data and
 * mnt, MNT_PATH bytes each), settled; its resident memory then in *idle.
 * The pid, or -1 (said on stderr). */
static pid_t mount_workload(const char *name, char *data, char *mnt, long *idle)
{
    if (snprintf(data, MNT_PATH, "%s/%s/data", tmpdir, name) >= MNT_PATH ||
        snprintf(mnt, MNT_PATH, "%s/%s/mnt", tmpdir, name) >= MNT_PATH)
        return -1;
    pid_t pid = mount_daemon(data, mnt);
    if (pid <= 0) {
        fprintf(stderr, "%s: cannot mount\n", name);
        return -1;
    }
    usleep(200 * 1000);
    *idle = rss_kb(pid, "VmRSS:");
    return pid;
}

/* Rows read by a streaming query started now, after secs seconds. */
static long long rows_after(const char *mnt, const char *sql, double secs, char *dir,
                            size_t dirlen)
{
    if (start_query(mnt, sql, dir, dirlen))
        return -1;
    usleep((useconds_t)(secs * 1e6));
    long long n = status_num(dir, "rows_read");
    rmdir(dir); /* cancels it */
    return n;
}

#define RANDOM_EPS 1000
#define RANDOM_COLS                                                                         \
    "k string DEFAULT 'device' || to_string(rand() % 2400), v int64, x float64"
#define RANDOM_SQL "SELECT k, v, x FROM %s WHERE v = 0 AND x < 0"

/*
 * random_stream: eps honoured (rows per second a query reads from a
 * random stream with eps=1000, over 5 s), and the generation rate without
 * eps (rows/s a filter query that keeps nothing reads over 3 s);
 * baseline: the same columns computed from numbers() in a bounded query.
 */
static int bench_random_stream(void)
{
    char data[MNT_PATH], mnt[MNT_PATH], dir[600], sql[512];
    long idle = 0;
    pid_t pid = mount_workload("random_stream", data, mnt, &idle);
    if (pid <= 0)
        return 1;
    FMT(sql, "CREATE RANDOM STREAM paced (%s) SETTINGS eps=%d", RANDOM_COLS, RANDOM_EPS);
    int rc = ctl(mnt, sql);
    if (!rc)
        rc = ctl(mnt, "CREATE RANDOM STREAM fast (" RANDOM_COLS ")");
    long long paced = -1, fast = -1;
    double base_t = 0;
    if (!rc) {
        FMT(sql, RANDOM_SQL, "paced");
        paced = rows_after(mnt, sql, 5.0, dir, sizeof(dir));
        FMT(sql, RANDOM_SQL, "fast");
        fast = rows_after(mnt, sql, 3.0, dir, sizeof(dir));
        /* the baseline: the same columns from numbers(), bounded */
        FMT(sql, "SELECT count() FROM (SELECT 'device' || to_string(rand() %% 2400) AS k, "
                 "to_int64(rand64()) AS v, rand_uniform(0, 1) AS x FROM numbers(%ld)) "
                 "WHERE v = 0 AND x < 0",
            nrows * 10);
        struct buf res = BUF_INIT;
        rc = mount_query(mnt, sql, &res, &base_t);
        buf_free(&res);
    }
    long peak = rss_kb(pid, "VmHWM:");
    unmount_daemon(mnt);
    if (rc || paced < 0 || fast < 0) {
        fprintf(stderr, "random_stream: failed\n");
        return 1;
    }
    printf("random_stream: eps=%d gives %.0f rows/s; without eps %.2f M rows/s generated and "
           "filtered | baseline the same columns from numbers() %.2f M rows/s | rss idle %.1f "
           "MB, peak %.1f MB\n",
           RANDOM_EPS, (double)paced / 5.0, (double)fast / 3.0 / 1e6,
           (double)nrows * 10 / base_t / 1e6, (double)idle / 1024.0, (double)peak / 1024.0);
    return 0;
}

#define H_ROWS 10000000L

struct h_query {
    const char *name;
    const char *sql;
    long lines; /* result rows expected */
};

static const struct h_query h_queries[] = {
    {"history_count", "SELECT count(), sum(temp), avg(temp) FROM table(h)", 1},
    {"history_group", "SELECT device, avg(temp), max(temp) FROM table(h) GROUP BY device", 2400},
    {"history_range",
     "SELECT count(), avg(temp) FROM table(h) WHERE ts >= '2024-07-10 10:00:00' AND "
     "ts < '2024-07-10 10:16:40'", 1},
    {"history_minute",
     "SELECT to_start_of_minute(ts) AS m, count(), avg(temp) FROM table(h) GROUP BY m", 1667},
};
#define H_NQ (int)(sizeof(h_queries) / sizeof(h_queries[0]))

/* A key's value in the stream's stats file, or -1. */
static long long stat_value(const char *mnt, const char *stream, const char *key)
{
    char path[600], line[256];
    FMT(path, "%s/%s/stats", mnt, stream);
    FILE *f = fopen(path, "r");
    long long v = -1;
    size_t klen = strlen(key);
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, key, klen) && line[klen] == ':')
            v = atoll(line + klen + 1);
    if (f)
        fclose(f);
    return v;
}

/* DuckDB's medians (ms) for the same queries, by running the peer script;
 * 0 when DuckDB is not installed. */
static int duckdb_peer(double ms[H_NQ])
{
    char cmd[700], line[256];
    memset(ms, 0, H_NQ * sizeof(*ms));
    FMT(cmd, "cd %s && node duckdb_peer.mjs %ld 2>&1", bench_dir, H_ROWS);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -errno;
    int found = 0;
    while (fgets(line, sizeof(line), p)) {
        char name[64];
        double v;
        if (sscanf(line, "%63s %lf", name, &v) == 2)
            for (int q = 0; q < H_NQ; q++)
                if (!strcmp(name, h_queries[q].name)) {
                    ms[q] = v;
                    found++;
                }
        if (!found)
            fprintf(stderr, "duckdb_peer: %s", line);
    }
    pclose(p);
    return found == H_NQ ? 0 : -ENOENT;
}

static int bench_history(void)
{
    char data[512], mnt[512], ins[400];
    FMT(data, "%s/history/data", tmpdir);
    FMT(mnt, "%s/history/mnt", tmpdir);
    pid_t pid = mount_daemon(data, mnt);
    if (pid <= 0) {
        fprintf(stderr, "history: cannot mount\n");
        return 1;
    }
    usleep(200 * 1000);
    long idle = rss_kb(pid, "VmRSS:");
    int rc = ctl(mnt, "CREATE STREAM h (device string, temp float64, ts datetime64(3))");
    FMT(ins, "INSERT INTO h (device, temp, ts) SELECT 'device_' || to_string(number %% 2400), "
             "to_float64(number %% 997) / 10 - 20, "
             "to_datetime64(1720569600, 3) + to_interval_millisecond(number * 10) FROM numbers(%ld)",
        H_ROWS);
    double t0 = now_s();
    if (!rc)
        rc = ctl(mnt, ins);
    double load = now_s() - t0;
    /* until every row is in parts and the merges have settled */
    t0 = now_s();
    long long parts = -1, prev = -2;
    while (!rc && (stat_value(mnt, "h", "compacted_sequence") != H_ROWS || parts != prev)) {
        if (now_s() - t0 > 300) {
            rc = -ETIMEDOUT;
            break;
        }
        prev = parts;
        usleep(500 * 1000);
        parts = stat_value(mnt, "h", "parts");
    }
    double compact = now_s() - t0;
    double med[H_NQ];
    struct buf res = BUF_INIT;
    for (int q = 0; q < H_NQ && !rc; q++) {
        double t[RUNS + 2];
        int runs = RUNS + 2;
        for (int i = 0; i <= runs && !rc; i++) { /* run 0 warms up */
            double s;
            rc = mount_query(mnt, h_queries[q].sql, &res, &s);
            if (i > 0)
                t[i - 1] = s;
        }
        long lines = 0;
        for (size_t i = 0; i < res.len; i++)
            lines += res.data[i] == '\n';
        if (!rc && lines != h_queries[q].lines) {
            fprintf(stderr, "%s: %ld rows, want %ld: %.200s\n", h_queries[q].name, lines,
                    h_queries[q].lines, res.data);
            rc = -EINVAL;
        }
        med[q] = median(t, runs);
    }
    long peak = rss_kb(pid, "VmHWM:");
    long long part_bytes = stat_value(mnt, "h", "part_bytes");
    unmount_daemon(mnt);
    buf_free(&res);
    if (rc) {
        fprintf(stderr, "history: %s\n", strerror(-rc));
        return 1;
    }
    double duck[H_NQ];
    int have_duck = duckdb_peer(duck) == 0;
    printf("history_load: 10 M rows by INSERT ... SELECT in %.1f s, in parts %.1f s later: "
           "%lld parts, %.1f MB (%.1f bytes a row) | rss idle %.1f MB, peak %.1f MB\n",
           load, compact, parts, (double)part_bytes / 1e6, (double)part_bytes / H_ROWS,
           (double)idle / 1024.0, (double)peak / 1024.0);
    for (int q = 0; q < H_NQ; q++) {
        if (have_duck)
            printf("%s: %.1f ms | baseline DuckDB %.1f ms (%.2fx of its time)\n", h_queries[q].name,
                   med[q] * 1e3, duck[q], med[q] * 1e3 / duck[q]);
        else
            printf("%s: %.1f ms | baseline DuckDB not installed (npm install @duckdb/node-api "
                   "in bench/)\n", h_queries[q].name, med[q] * 1e3);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "b:d:r:")) != -1) {
        if (opt == 'b')
            bin = optarg;
        else if (opt == 'd')
            bench_dir = optarg;
        else if (opt == 'r')
            nrows = atol(optarg);
        else {
            fprintf(stderr, "usage: streamfs-bench [-b streamfs] [-d benchdir] [-r rows] [workload...]\n");
            return 2;
        }
    }
    FMT(tmpdir, "/tmp/streamfs-bench.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    struct buf rows = BUF_INIT;
    make_rows(&rows, nrows);
    printf("# streamfs-bench: %ld rows of ~%zu bytes, median of %d runs\n", nrows,
           rows.len / (size_t)nrows, RUNS);
    int failed = 0;
    int all = optind == argc;
    for (int i = optind; i <= argc; i++) {
        const char *w = i < argc ? argv[i] : NULL;
        if (!w && !all)
            break;
        if (all || !strcmp(w, "ingest_json"))
            failed |= bench_ingest_json(&rows);
        if (all || !strcmp(w, "ingest_json_inproc"))
            failed |= bench_ingest_inproc(&rows);
        if (all || !strcmp(w, "log_append"))
            failed |= bench_log_append(&rows);
        if (all || !strcmp(w, "log_tail_latency"))
            failed |= bench_log_tail(&rows);
        if (all || !strcmp(w, "query_roundtrip"))
            failed |= bench_query_roundtrip();
        if (all || !strcmp(w, "scan_aggregate"))
            failed |= bench_scan_aggregate();
        if (all || !strcmp(w, "mutable_seed"))
            failed |= bench_mutable_seed();
        if (all || !strcmp(w, "mutable_keys"))
            failed |= bench_mutable_keys();
        if (all || !strcmp(w, "window_throughput"))
            failed |= bench_window_throughput(&rows);
        if (all || !strcmp(w, "live_latency"))
            failed |= bench_live_latency();
        if (all || !strcmp(w, "many_queries"))
            failed |= bench_many_queries(&rows);
        if (all || !strcmp(w, "random_stream"))
            failed |= bench_random_stream();
        if (all || !strcmp(w, "history"))
            failed |= bench_history();
        if (all)
            break;
    }
    if (seed_pid > 0) /* mutable_seed without mutable_keys */
        unmount_daemon(seed_mnt);
    buf_free(&rows);
    char cmd[300];
    FMT(cmd, "rm -rf %s", tmpdir);
    run(cmd);
    return failed;
}
