/*
 * bench.c — streamfs-bench: named workloads, each printing one line with
 * its figure and a baseline measured in the same run.
 *
 *   bench/streamfs-bench [-b path/to/streamfs] [-r rows] [workload...]
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
 * Every line also reports the daemon's resident memory (idle after mount,
 * and its peak during the workload).
 */
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
    FILE *f = fopen(lock, "r");
    long pid = -1;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = -1;
        fclose(f);
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

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "b:r:")) != -1) {
        if (opt == 'b')
            bin = optarg;
        else if (opt == 'r')
            nrows = atol(optarg);
        else {
            fprintf(stderr, "usage: streamfs-bench [-b streamfs] [-r rows] [workload...]\n");
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
        if (all)
            break;
    }
    buf_free(&rows);
    char cmd[300];
    FMT(cmd, "rm -rf %s", tmpdir);
    run(cmd);
    return failed;
}
