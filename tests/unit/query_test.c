/*
 * query_test.c — queries (exec/query.h) and what they are built from: the
 * operator context and chain (exec/op.h), numbers(N) (exec/source.h), the
 * worker pool (exec/qpool.h).
 *
 * Queries run on the engine's real pool. Nothing sleeps: a test source
 * behind a gate yields a block only when the test grants one, and a test
 * that needs a reader to be parked spins (yielding) until the query says
 * it has a waiter. The fake clock makes elapsed_ms exact.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/engine.h"
#include "exec/op.h"
#include "exec/qpool.h"
#include "exec/query.h"
#include "exec/source.h"
#include "os/os.h"
#include "util/clock.h"

#define T0_NS (1720569600LL * 1000000000LL)

static char tmpdir[64];
static char datadir[128];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_qry_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(datadir, sizeof(datadir), "%s/data", tmpdir);
    clk_fake_set(T0_NS);
}

static void teardown(void)
{
    clk_fake_off();
    os_fault_clear();
    cr_assert_eq(os_rmtree(tmpdir), 0);
}

static struct engine *open_engine(void)
{
    struct engine *e = NULL;
    int rc = eng_open(datadir, &e);
    cr_assert_eq(rc, 0, "eng_open: %d", rc);
    return e;
}

/* --- a test source: blocks of k rows of `number`, optionally gated ------- */

struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int permits;       /* blocks the source may yield */
    int end;           /* the source may end */
    atomic_int entered; /* calls of next() so far */
};

static void gate_init(struct gate *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->permits = g->end = 0;
    atomic_init(&g->entered, 0);
}

static void gate_open(struct gate *g, int permits, int end)
{
    pthread_mutex_lock(&g->mu);
    g->permits += permits;
    g->end |= end;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static void spin_until_entered(struct gate *g, int n)
{
    while (atomic_load(&g->entered) < n)
        sched_yield();
}

struct tsrc {
    struct src base;
    struct gate *gate;   /* NULL: no gate */
    uint32_t rows;       /* per block */
    uint32_t blocks;     /* to yield */
    int fail_after;      /* fail with -EIO after this many blocks (-1: never) */
    uint64_t next;
};

static int tsrc_next(struct src *s, struct blk **out)
{
    struct tsrc *t = (struct tsrc *)s;
    *out = NULL;
    if (!t->blocks)
        return 0;
    if (t->gate) {
        struct gate *g = t->gate;
        pthread_mutex_lock(&g->mu);
        atomic_fetch_add(&g->entered, 1);
        while (!g->permits && !g->end)
            pthread_cond_wait(&g->cv, &g->mu);
        int go = g->permits > 0;
        g->permits -= go;
        pthread_mutex_unlock(&g->mu);
        if (!go)
            return 0;
    }
    if (t->fail_after >= 0 && s->rows >= (uint64_t)t->fail_after * t->rows)
        return -EIO;
    static const struct ty u64 = {TY_UINT64, 0, 0};
    struct blk *b = NULL;
    cr_assert_eq(blk_create(&u64, 1, &b), 0);
    for (uint32_t i = 0; i < t->rows; i++) {
        uint64_t v = t->next++;
        cr_assert_eq(col_push_fixed(&b->cols[0], &v), 0);
    }
    cr_assert_eq(blk_seal(b), 0);
    t->blocks--;
    s->rows += t->rows;
    *out = b;
    return 0;
}

static void tsrc_destroy(struct src *s)
{
    free(s);
}

static const struct src_vt tsrc_vt = {tsrc_next, tsrc_destroy};

static struct src *tsrc_new(struct gate *g, uint32_t rows, uint32_t blocks, int fail_after)
{
    struct tsrc *t = calloc(1, sizeof(*t));
    cr_assert_not_null(t);
    t->base.vt = &tsrc_vt;
    t->base.total_rows = (uint64_t)rows * blocks;
    t->gate = g;
    t->rows = rows;
    t->blocks = blocks;
    t->fail_after = fail_after;
    return &t->base;
}

/* --- helpers --------------------------------------------------------------- */

static const char *const number_names[] = {"number"};
static const struct ty number_types[] = {{TY_UINT64, 0, 0}};

static struct qry *create(struct engine *e, const char *name, const char *sql,
                          enum fmt_kind format, uint64_t max_result_bytes)
{
    struct qry_spec spec = {name, sql, strlen(sql), QRY_HISTORICAL, format, 1,
                            number_names, number_types, max_result_bytes, 0, 0};
    struct qry *q = NULL;
    int rc = qry_create(e, &spec, &q);
    cr_assert_eq(rc, 0, "qry_create: %d", rc);
    return q;
}

/* Create and run a query over src; returns it (a reference). */
static struct qry *start(struct engine *e, const char *name, struct src *src)
{
    struct qry *q = create(e, name, "SELECT number FROM t", FMT_JSONEACHROW, 0);
    cr_assert_eq(qry_run(q, src, qry_sink(q)), 0);
    return q;
}

/* The whole result, read as a reader would (blocking until the end). */
static char *read_all(struct qry *q, ssize_t *last)
{
    struct buf b = BUF_INIT;
    char chunk[7]; /* small: reads cross row boundaries */
    ssize_t n;
    while ((n = qry_result_read(q, b.len, sizeof(chunk), 1, chunk, NULL)) > 0)
        cr_assert_eq(buf_append(&b, chunk, (size_t)n), 0);
    *last = n;
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data ? b.data : strdup("");
}

static char *render(int (*fn)(struct qry *, struct buf *), struct qry *q)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(fn(q, &b), 0);
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data ? b.data : strdup("");
}

static char *file_text(const char *id, const char *name)
{
    char path[256];
    struct buf b = BUF_INIT;
    snprintf(path, sizeof(path), "%s/queries/%s/%s", datadir, id, name);
    if (os_read_file(path, &b))
        return NULL;
    cr_assert_eq(buf_cstr(&b), 0);
    return b.data ? b.data : strdup("");
}

static int exists(const char *id)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/queries/%s", datadir, id);
    return os_exists(path);
}

static char *listing(struct engine *e)
{
    char **ids;
    uint32_t n;
    struct buf b = BUF_INIT;
    cr_assert_eq(qry_list(e, &ids, &n), 0);
    for (uint32_t i = 0; i < n; i++) {
        buf_printf(&b, "%s%s", i ? " " : "", ids[i]);
        free(ids[i]);
    }
    free(ids);
    buf_cstr(&b);
    return b.data ? b.data : strdup("");
}

#define EXPECT_TEXT(got_expr, want)                                                               \
    do {                                                                                          \
        char *got_ = (got_expr);                                                                  \
        cr_expect_str_eq(got_ ? got_ : "(null)", want);                                           \
        free(got_);                                                                               \
    } while (0)

/* --- op_ctx, op chains, numbers, the pool ----------------------------------- */

Test(op_ctx, charge_and_fail)
{
    struct op_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.mem_limit = 100;
    cr_expect_eq(op_ctx_charge(&ctx, 60), 0);
    cr_expect_eq(op_ctx_charge(&ctx, 40), 0);
    cr_expect_eq(op_ctx_charge(&ctx, 1), -ENOMEM);
    cr_expect_eq(atomic_load(&ctx.mem_used), 100, "a refused charge is not kept");
    cr_expect_str_eq(ctx.err, "memory limit exceeded: would use 101 bytes (attempt to allocate 1 more), maximum: 100 "
                     "bytes; raise max_memory_usage or make the query hold less");
    cr_expect_eq(op_ctx_charge(&ctx, -50), 0);
    cr_expect_eq(op_ctx_charge(&ctx, 50), 0);
    cr_expect_eq(atomic_load(&ctx.mem_used), 100);
    ctx.mem_limit = 0;
    cr_expect_eq(op_ctx_charge(&ctx, 1 << 30), 0, "no limit");
    cr_expect_eq(op_ctx_fail(&ctx, -EINVAL, "bad %s %d", "thing", 7), -EINVAL);
    cr_expect_str_eq(ctx.err, "bad thing 7");
}

static int destroyed;

struct counted_op {
    struct op base;
    int id;
};

static int pass_push(struct op *o, struct blk *b)
{
    return o->next ? op_push(o->next, b) : 0;
}

static int pass_finish(struct op *o)
{
    return o->next ? op_finish(o->next) : 0;
}

static void counted_destroy(struct op *o)
{
    cr_expect_eq(((struct counted_op *)o)->id, destroyed, "destroyed in chain order");
    destroyed++;
    free(o);
}

static const struct op_vt counted_vt = {pass_push, pass_finish, counted_destroy, NULL};

Test(op_ctx, destroy_walks_the_chain)
{
    struct op *next = NULL;
    for (int i = 2; i >= 0; i--) {
        struct counted_op *o = calloc(1, sizeof(*o));
        cr_assert_not_null(o);
        o->base.vt = &counted_vt;
        o->base.next = next;
        o->id = i;
        next = &o->base;
    }
    destroyed = 0;
    op_destroy(next);
    cr_expect_eq(destroyed, 3);
    op_destroy(NULL);
}

Test(numbers, blocks_and_total)
{
    struct src *s;
    cr_assert_eq(src_numbers_create(5, SRC_NUMBERS_BLOCK + 10, &s), 0);
    cr_expect_eq(s->total_rows, SRC_NUMBERS_BLOCK + 10);
    struct blk *b;
    cr_assert_eq(src_next(s, &b), 0);
    cr_assert_not_null(b);
    cr_expect_eq(b->nrows, SRC_NUMBERS_BLOCK);
    cr_expect_eq(b->ncols, 1);
    cr_expect_eq(b->cols[0].ty.kind, TY_UINT64);
    cr_expect_eq(COL_AT(&b->cols[0], uint64_t, 0), 5);
    cr_expect_eq(COL_AT(&b->cols[0], uint64_t, SRC_NUMBERS_BLOCK - 1), SRC_NUMBERS_BLOCK + 4);
    blk_unref(b);
    cr_assert_eq(src_next(s, &b), 0);
    cr_assert_not_null(b);
    cr_expect_eq(b->nrows, 10);
    cr_expect_eq(COL_AT(&b->cols[0], uint64_t, 9), SRC_NUMBERS_BLOCK + 14);
    blk_unref(b);
    cr_expect_eq(s->rows, SRC_NUMBERS_BLOCK + 10);
    cr_assert_eq(src_next(s, &b), 0);
    cr_expect_null(b, "the end");
    src_destroy(s);
    cr_assert_eq(src_numbers_create(0, 0, &s), 0);
    cr_assert_eq(src_next(s, &b), 0);
    cr_expect_null(b);
    src_destroy(s);
    src_destroy(NULL);
}

struct ptask {
    struct qpool_task t;
    struct gate *gate;   /* wait for a permit first (NULL: none) */
    atomic_int *ran;
    atomic_int started;
};

static void ptask_run(struct qpool_task *t)
{
    struct ptask *p = (struct ptask *)t;
    atomic_store(&p->started, 1);
    if (p->gate) {
        pthread_mutex_lock(&p->gate->mu);
        while (!p->gate->permits)
            pthread_cond_wait(&p->gate->cv, &p->gate->mu);
        p->gate->permits--;
        pthread_mutex_unlock(&p->gate->mu);
    }
    atomic_fetch_add(p->ran, 1);
}

Test(qpool, lazy_threads_cancel_and_drain, .timeout = 60)
{
    struct qpool *p;
    cr_assert_eq(qpool_create(1, &p), 0);
    cr_expect_eq(qpool_threads(p), 0, "no thread before the first task");
    struct gate g;
    gate_init(&g);
    atomic_int ran;
    atomic_init(&ran, 0);
    struct ptask a = {{ptask_run, NULL}, &g, &ran, 0};
    struct ptask b = {{ptask_run, NULL}, NULL, &ran, 0};
    struct ptask c = {{ptask_run, NULL}, NULL, &ran, 0};
    cr_assert_eq(qpool_submit(p, &a.t), 0);
    cr_expect_eq(qpool_threads(p), 1);
    while (!atomic_load(&a.started))
        sched_yield();
    cr_assert_eq(qpool_submit(p, &b.t), 0);
    cr_assert_eq(qpool_submit(p, &c.t), 0);
    cr_expect_eq(qpool_cancel(p, &a.t), 0, "a runs: too late");
    cr_expect_eq(qpool_cancel(p, &b.t), 1, "b waits behind a");
    cr_expect_eq(qpool_cancel(p, &b.t), 0, "b is gone");
    gate_open(&g, 1, 0);
    qpool_destroy(p); /* runs c, joins */
    cr_expect_eq(atomic_load(&ran), 2);
    cr_expect_eq(atomic_load(&b.started), 0);
    cr_expect_eq(atomic_load(&c.started), 1);
    qpool_destroy(NULL);
}

/* --- queries --------------------------------------------------------------- */

TestSuite(query, .init = setup, .fini = teardown, .timeout = 60);

Test(query, numbers_to_result)
{
    struct engine *e = open_engine();
    char last[QRY_ID_MAX];
    cr_expect_eq(qry_last(e, last), -ENOENT);
    struct src *src;
    cr_assert_eq(src_numbers_create(0, 3, &src), 0);
    struct qry *q = create(e, NULL, "  SELECT number FROM numbers(3)\n", FMT_JSONEACHROW, 0);
    cr_expect_str_eq(qry_id(q), "1");
    cr_expect_eq(qry_num(q), 1);
    cr_assert_eq(qry_run(q, src, qry_sink(q)), 0);
    ssize_t end;
    EXPECT_TEXT(read_all(q, &end), "{\"number\":0}\n{\"number\":1}\n{\"number\":2}\n");
    cr_expect_eq(end, 0);
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    cr_expect_eq(qry_get_state(q), QRY_FINISHED);
    cr_expect_eq(qry_result_size(q), 39);
    EXPECT_TEXT(render(qry_sql_render, q), "SELECT number FROM numbers(3)\n");
    EXPECT_TEXT(render(qry_error_render, q), "");
    const char *status = "state: finished\nkind: historical\nrows_read: 3\nrows_out: 3\n"
                         "bytes_out: 39\nelapsed_ms: 0\nprogress: 1.000\n";
    EXPECT_TEXT(render(qry_status_render, q), status);
    /* the files in DATADIR say the same */
    EXPECT_TEXT(file_text("1", "sql"), "SELECT number FROM numbers(3)\n");
    EXPECT_TEXT(file_text("1", "result"), "{\"number\":0}\n{\"number\":1}\n{\"number\":2}\n");
    EXPECT_TEXT(file_text("1", "status"), status);
    cr_expect_null(file_text("1", "error"), "no error file for a finished query");
    cr_expect_eq(qry_last(e, last), 0);
    cr_expect_str_eq(last, "1");
    EXPECT_TEXT(listing(e), "1");
    qry_put(q);
    eng_close(e);
}

Test(query, formats_and_empty_results)
{
    struct engine *e = open_engine();
    struct src *src;
    cr_assert_eq(src_numbers_create(7, 2, &src), 0);
    struct qry *q = create(e, NULL, "x", FMT_CSVWITHNAMES, 0);
    cr_assert_eq(qry_run(q, src, qry_sink(q)), 0);
    ssize_t end;
    EXPECT_TEXT(read_all(q, &end), "\"number\"\n7\n8\n");
    qry_put(q);
    /* no rows: the names line all the same; JSON: nothing */
    cr_assert_eq(src_numbers_create(0, 0, &src), 0);
    q = create(e, NULL, "x", FMT_TSVWITHNAMES, 0);
    cr_assert_eq(qry_run(q, src, qry_sink(q)), 0);
    EXPECT_TEXT(read_all(q, &end), "number\n");
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    EXPECT_TEXT(render(qry_status_render, q),
                "state: finished\nkind: historical\nrows_read: 0\nrows_out: 0\nbytes_out: 7\n"
                "elapsed_ms: 0\nprogress: 1.000\n");
    qry_put(q);
    cr_assert_eq(src_numbers_create(0, 0, &src), 0);
    q = create(e, NULL, "x", FMT_JSONEACHROW, 0);
    cr_assert_eq(qry_run(q, src, qry_sink(q)), 0);
    EXPECT_TEXT(read_all(q, &end), "");
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    qry_put(q);
    EXPECT_TEXT(listing(e), "1 2 3");
    eng_close(e);
}

struct reader {
    struct qry *q;
    uint64_t off;
    atomic_int flag;
    ssize_t n;
    char data[256];
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    r->n = qry_result_read(r->q, r->off, sizeof(r->data), 1, r->data, &r->flag);
    return NULL;
}

static void spin_until_waiting(struct qry *q, unsigned n)
{
    while (qry_result_waiters(q) < n)
        sched_yield();
}

/* Start a reader of q at off on its own thread; return once n readers wait. */
static void park_reader(struct reader *r, struct qry *q, uint64_t off, pthread_t *t, unsigned n)
{
    memset(r, 0, sizeof(*r));
    r->q = q;
    r->off = off;
    cr_assert_eq(pthread_create(t, NULL, reader_main, r), 0);
    spin_until_waiting(q, n);
}

Test(query, blocking_read_waits_for_bytes_then_the_end)
{
    struct engine *e = open_engine();
    struct gate g;
    gate_init(&g);
    struct qry *q = start(e, NULL, tsrc_new(&g, 2, 3, -1));
    /* a reader at offset 0 parks until the first block is rendered */
    struct reader r1, r2, r3, r4;
    pthread_t t, t2, t3;
    park_reader(&r1, q, 0, &t, 1);
    cr_expect_eq(qry_result_size(q), 0);
    cr_expect_eq(qry_get_state(q), QRY_RUNNING);
    gate_open(&g, 1, 0);
    pthread_join(t, NULL);
    cr_assert_eq(r1.n, 26, "got %zd", r1.n);
    cr_expect_eq(memcmp(r1.data, "{\"number\":0}\n{\"number\":1}\n", 26), 0);
    EXPECT_TEXT(render(qry_status_render, q),
                "state: running\nkind: historical\nrows_read: 2\nrows_out: 2\nbytes_out: 26\n"
                "elapsed_ms: 0\nprogress: 0.333\nmemory_bytes: 0\n");
    clk_fake_advance(1500 * 1000000LL);
    /* two readers at the end park; the end of the source wakes both with 0 */
    park_reader(&r2, q, 26, &t2, 1);
    park_reader(&r3, q, 26, &t3, 2);
    gate_open(&g, 1, 0); /* one more block: both wake with it */
    pthread_join(t2, NULL);
    pthread_join(t3, NULL);
    cr_expect_eq(r2.n, 26);
    cr_expect_eq(r3.n, 26);
    cr_expect_eq(memcmp(r2.data, "{\"number\":2}\n{\"number\":3}\n", 26), 0);
    park_reader(&r4, q, 52, &t, 1);
    gate_open(&g, 0, 1); /* the source ends early */
    pthread_join(t, NULL);
    cr_expect_eq(r4.n, 0, "the end of a finished query");
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    EXPECT_TEXT(render(qry_status_render, q),
                "state: finished\nkind: historical\nrows_read: 4\nrows_out: 4\nbytes_out: 52\n"
                "elapsed_ms: 1500\nprogress: 1.000\n");
    /* non-blocking and past-the-end reads of a finished query */
    char buf[8];
    cr_expect_eq(qry_result_read(q, 52, sizeof(buf), 0, buf, NULL), 0);
    cr_expect_eq(qry_result_read(q, 1000, sizeof(buf), 1, buf, NULL), 0);
    cr_expect_eq(qry_result_read(q, 50, sizeof(buf), 1, buf, NULL), 2);
    qry_put(q);
    eng_close(e);
}

Test(query, interrupted_reader)
{
    struct engine *e = open_engine();
    struct gate g;
    gate_init(&g);
    struct qry *q = start(e, NULL, tsrc_new(&g, 1, 1, -1));
    struct reader r;
    pthread_t t;
    park_reader(&r, q, 0, &t, 1);
    atomic_store(&r.flag, 1); /* as the FUSE interrupt callback does */
    qry_result_wake(q);
    pthread_join(t, NULL);
    cr_expect_eq(r.n, -EINTR);
    cr_expect_eq(qry_result_waiters(q), 0);
    cr_expect_eq(qry_get_state(q), QRY_RUNNING, "an interrupted reader does not end the query");
    /* a non-blocking read at the end of a running query returns at once */
    char buf[8];
    cr_expect_eq(qry_result_read(q, 0, sizeof(buf), 0, buf, NULL), 0);
    gate_open(&g, 1, 1);
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    qry_put(q);
    eng_close(e);
}

/* An operator that fails on the second block it sees. */
struct fail_op {
    struct op base;
    int seen;
};

static int fail_push(struct op *o, struct blk *b)
{
    struct fail_op *f = (struct fail_op *)o;
    if (++f->seen == 2)
        return op_ctx_fail(o->ctx, -EINVAL, "boom at block %d", f->seen);
    return op_push(o->next, b);
}

static void fail_destroy(struct op *o)
{
    free(o);
}

static const struct op_vt fail_vt = {fail_push, pass_finish, fail_destroy, NULL};

/* A test operator feeding q's sink. */
static struct op *test_op(const struct op_vt *vt, struct qry *q)
{
    struct fail_op *o = calloc(1, sizeof(*o));
    cr_assert_not_null(o);
    o->base.vt = vt;
    o->base.next = qry_sink(q);
    o->base.ctx = qry_ctx(q);
    return &o->base;
}

Test(query, failed_query_keeps_output_then_eio)
{
    struct engine *e = open_engine();
    struct qry *q = create(e, NULL, "SELECT boom", FMT_CSV, 0);
    cr_assert_eq(qry_run(q, tsrc_new(NULL, 2, 5, -1), test_op(&fail_vt, q)), 0);
    ssize_t end;
    EXPECT_TEXT(read_all(q, &end), "0\n1\n");
    cr_expect_eq(end, -EIO, "after what was produced: EIO");
    cr_expect_eq(qry_wait(q), QRY_FAILED);
    EXPECT_TEXT(render(qry_error_render, q), "boom at block 2\n");
    EXPECT_TEXT(file_text("1", "error"), "boom at block 2");
    char buf[4];
    cr_expect_eq(qry_result_read(q, 0, sizeof(buf), 1, buf, NULL), 4, "reads before the end work");
    EXPECT_TEXT(render(qry_status_render, q),
                "state: failed\nkind: historical\nrows_read: 4\nrows_out: 2\nbytes_out: 4\n"
                "elapsed_ms: 0\nprogress: 0.400\n");
    qry_put(q);
    /* a source's failure without words: the error's text */
    q = start(e, NULL, tsrc_new(NULL, 1, 5, 1));
    cr_expect_eq(qry_wait(q), QRY_FAILED);
    EXPECT_TEXT(render(qry_error_render, q), "Input/output error\n");
    qry_put(q);
    /* both come back failed after a restart, with their output */
    eng_close(e);
    e = open_engine();
    cr_assert_eq(qry_get(e, "1", &q), 0);
    cr_expect_eq(qry_get_state(q), QRY_FAILED);
    EXPECT_TEXT(render(qry_error_render, q), "boom at block 2\n");
    EXPECT_TEXT(render(qry_sql_render, q), "SELECT boom\n");
    EXPECT_TEXT(read_all(q, &end), "0\n1\n");
    cr_expect_eq(end, -EIO);
    EXPECT_TEXT(render(qry_status_render, q),
                "state: failed\nkind: historical\nrows_read: 4\nrows_out: 2\nbytes_out: 4\n"
                "elapsed_ms: 0\nprogress: 0.400\n");
    qry_put(q);
    eng_close(e);
}

Test(query, max_result_bytes)
{
    struct engine *e = open_engine();
    struct qry *q = create(e, NULL, "x", FMT_JSONEACHROW, 100);
    /* 5 rows a block: 65 bytes; the second block would make 130 */
    cr_assert_eq(qry_run(q, tsrc_new(NULL, 5, 4, -1), qry_sink(q)), 0);
    ssize_t end;
    char *text = read_all(q, &end);
    cr_expect_eq(strlen(text), 65);
    free(text);
    cr_expect_eq(end, -EIO);
    cr_expect_eq(qry_wait(q), QRY_FAILED);
    EXPECT_TEXT(render(qry_error_render, q), "result exceeds max_result_bytes (100)\n");
    qry_put(q);
    /* exactly at the limit is fine */
    q = create(e, NULL, "x", FMT_JSONEACHROW, 130);
    cr_assert_eq(qry_run(q, tsrc_new(NULL, 5, 2, -1), qry_sink(q)), 0);
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    cr_expect_eq(qry_result_size(q), 130);
    qry_put(q);
    eng_close(e);
}

/* An operator that wants one block only (as LIMIT does). */
static int done_push(struct op *o, struct blk *b)
{
    int rc = op_push(o->next, b);
    return rc ? rc : OP_DONE;
}

static const struct op_vt done_vt = {done_push, pass_finish, fail_destroy, NULL};

Test(query, op_done_stops_the_source)
{
    struct engine *e = open_engine();
    struct qry *q = create(e, NULL, "x", FMT_TSV, 0);
    cr_assert_eq(qry_run(q, tsrc_new(NULL, 3, 10, -1), test_op(&done_vt, q)), 0);
    ssize_t end;
    EXPECT_TEXT(read_all(q, &end), "0\n1\n2\n");
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    EXPECT_TEXT(render(qry_status_render, q),
                "state: finished\nkind: historical\nrows_read: 3\nrows_out: 3\nbytes_out: 6\n"
                "elapsed_ms: 0\nprogress: 1.000\n");
    qry_put(q);
    eng_close(e);
}

Test(query, names_reserve_and_take_over)
{
    struct engine *e = open_engine();
    cr_expect_eq(qry_reserve(e, "daily"), 0);
    cr_expect_eq(qry_reserve(e, "daily"), -EEXIST);
    cr_expect_eq(qry_reserve(e, "new"), -EEXIST);
    cr_expect_eq(qry_reserve(e, "last"), -EEXIST);
    cr_expect_eq(qry_reserve(e, "9lives"), -EINVAL);
    cr_expect_eq(qry_reserve(e, "a-b"), -EINVAL);
    cr_expect_eq(qry_reserve(e, ""), -EINVAL);
    char last[QRY_ID_MAX];
    cr_expect_eq(qry_last(e, last), -ENOENT, "a reserved query has not started");
    struct qry *q;
    cr_assert_eq(qry_get(e, "daily", &q), 0);
    cr_expect_eq(qry_get_state(q), QRY_PENDING);
    EXPECT_TEXT(render(qry_status_render, q), "");
    EXPECT_TEXT(render(qry_sql_render, q), "");
    char buf[4];
    cr_expect_eq(qry_result_read(q, 0, sizeof(buf), 1, buf, NULL), 0, "nothing, at once");
    uint64_t num = qry_num(q);
    qry_put(q);

    struct qry *n1 = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
    cr_expect_str_eq(qry_id(n1), "2", "a name takes a number too");
    struct qry *d = start(e, "daily", tsrc_new(NULL, 1, 2, -1));
    cr_expect_eq(qry_num(d), num, "the reserved query is taken over");
    ssize_t end;
    EXPECT_TEXT(read_all(d, &end), "{\"number\":0}\n{\"number\":1}\n");
    cr_expect_eq(qry_last(e, last), 0);
    cr_expect_str_eq(last, "daily", "last is the newest start, not the newest number");
    struct qry_spec spec = {"daily", "x", 1, QRY_HISTORICAL, FMT_CSV, 1,
                            number_names, number_types, 0, 0, 0};
    struct qry *dup = NULL;
    cr_expect_eq(qry_create(e, &spec, &dup), -EEXIST);
    spec.name = "no way";
    cr_expect_eq(qry_create(e, &spec, &dup), -EINVAL);
    spec.name = "new";
    cr_expect_eq(qry_create(e, &spec, &dup), -EEXIST);
    spec.name = "2";
    cr_expect_eq(qry_create(e, &spec, &dup), -EEXIST, "a numbered query's sql is written");
    spec.name = "5";
    cr_expect_eq(qry_create(e, &spec, &dup), -EINVAL, "numbers are not names");
    spec.name = "fresh";
    cr_assert_eq(qry_create(e, &spec, &dup), 0, "a name never reserved");
    cr_expect_str_eq(qry_id(dup), "fresh");
    qry_abort(dup, "planning failed");
    cr_expect_eq(qry_wait(dup), QRY_FAILED);
    EXPECT_TEXT(render(qry_error_render, dup), "planning failed\n");
    cr_expect_eq(qry_run(dup, tsrc_new(NULL, 1, 1, -1), qry_sink(dup)), 0,
                 "an aborted query drops what it is given");
    cr_expect_eq(qry_get_state(dup), QRY_FAILED);
    qry_put(dup);
    EXPECT_TEXT(listing(e), "daily 2 fresh");
    cr_expect_eq(qry_wait(n1), QRY_FINISHED);
    cr_expect_eq(qry_wait(d), QRY_FINISHED);
    qry_put(n1);
    qry_put(d);
    cr_assert_eq(qry_get_num(e, num, &q), 0);
    cr_expect_str_eq(qry_id(q), "daily");
    qry_put(q);
    cr_expect_eq(qry_get_num(e, 99, &q), -ENOENT);
    cr_expect_eq(qry_get(e, "nope", &q), -ENOENT);
    eng_close(e);
}

Test(query, numbers_persist_across_restarts)
{
    struct engine *e = open_engine();
    struct qry *a = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
    struct qry *b = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
    cr_expect_eq(qry_wait(a), QRY_FINISHED);
    cr_expect_eq(qry_wait(b), QRY_FINISHED);
    qry_put(a);
    qry_put(b);
    cr_expect_eq(qry_reserve(e, "later"), 0);
    cr_expect_eq(qry_remove(e, "2"), 0);
    cr_expect_eq(qry_remove(e, "2"), -ENOENT);
    cr_expect(!exists("2"));
    eng_close(e);

    e = open_engine();
    EXPECT_TEXT(listing(e), "1 later");
    char last[QRY_ID_MAX];
    cr_expect_eq(qry_last(e, last), 0);
    cr_expect_str_eq(last, "1");
    struct qry *q;
    cr_assert_eq(qry_get(e, "later", &q), 0);
    cr_expect_eq(qry_get_state(q), QRY_PENDING, "still reserved");
    cr_expect_eq(qry_num(q), 3);
    qry_put(q);
    cr_assert_eq(qry_get(e, "1", &q), 0);
    cr_expect_eq(qry_get_state(q), QRY_FINISHED);
    ssize_t end;
    EXPECT_TEXT(read_all(q, &end), "{\"number\":0}\n");
    qry_put(q);
    q = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
    cr_expect_str_eq(qry_id(q), "4", "numbers are never reused");
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    qry_put(q);
    eng_close(e);
}

Test(query, left_running_comes_back_failed)
{
    /* a query the daemon was killed under: a statement, no status */
    struct engine *e = open_engine();
    eng_close(e);
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "%s/queries/7", datadir);
    cr_assert_eq(os_mkdir(dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/sql", dir);
    cr_assert_eq(os_write_file_atomic(path, "SELECT 1\n", 9), 0);
    snprintf(path, sizeof(path), "%s/result", dir);
    cr_assert_eq(os_write_file_atomic(path, "{\"a\":1}\n", 8), 0);
    /* not queries: a stray file, a bad name, a removal cut short */
    snprintf(path, sizeof(path), "%s/queries/notes", datadir);
    cr_assert_eq(os_write_file_atomic(path, "x", 1), 0);
    snprintf(path, sizeof(path), "%s/queries/007", datadir);
    cr_assert_eq(os_mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/queries/.gone.3", datadir);
    cr_assert_eq(os_mkdir(path, 0755), 0);

    e = open_engine();
    EXPECT_TEXT(listing(e), "7");
    cr_expect(!os_exists(path), "a removal cut short is finished");
    struct qry *q;
    cr_assert_eq(qry_get(e, "7", &q), 0);
    cr_expect_eq(qry_get_state(q), QRY_FAILED);
    EXPECT_TEXT(render(qry_error_render, q), QRY_STOPPED_ERROR "\n");
    ssize_t end;
    EXPECT_TEXT(read_all(q, &end), "{\"a\":1}\n");
    cr_expect_eq(end, -EIO);
    qry_put(q);
    EXPECT_TEXT(file_text("7", "error"), QRY_STOPPED_ERROR);
    q = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
    cr_expect_str_eq(qry_id(q), "8");
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    qry_put(q);
    eng_close(e);
}

struct closer {
    struct engine *e;
};

static void *close_main(void *arg)
{
    eng_close(((struct closer *)arg)->e);
    return NULL;
}

Test(query, unmount_while_running)
{
    struct engine *e = open_engine();
    struct gate g;
    gate_init(&g);
    struct qry *q = start(e, NULL, tsrc_new(&g, 1, 10, -1));
    gate_open(&g, 1, 0);
    spin_until_entered(&g, 2); /* one block out, waiting for the next */
    struct closer c = {e};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, close_main, &c), 0);
    while (!atomic_load(&qry_ctx(q)->cancelled))
        sched_yield();
    gate_open(&g, 1, 0); /* the task sees the cancel after this block */
    pthread_join(t, NULL);
    cr_expect_eq(qry_get_state(q), QRY_FAILED);
    qry_put(q);

    e = open_engine();
    cr_assert_eq(qry_get(e, "1", &q), 0);
    cr_expect_eq(qry_get_state(q), QRY_FAILED);
    EXPECT_TEXT(render(qry_error_render, q), QRY_STOPPED_ERROR "\n");
    ssize_t end;
    EXPECT_TEXT(read_all(q, &end), "{\"number\":0}\n{\"number\":1}\n");
    qry_put(q);
    eng_close(e);
}

static struct engine *remove_engine;

static void *remove_main(void *arg)
{
    intptr_t rc = qry_remove(remove_engine, arg);
    return (void *)rc;
}

Test(query, rmdir_cancels_a_running_query)
{
    struct engine *e = open_engine();
    struct gate g;
    gate_init(&g);
    struct qry *q = start(e, "slow", tsrc_new(&g, 1, 10, -1));
    gate_open(&g, 1, 0);
    spin_until_entered(&g, 2);
    struct reader r;
    pthread_t tr, t;
    park_reader(&r, q, 13, &tr, 1);
    remove_engine = e;
    cr_assert_eq(pthread_create(&t, NULL, remove_main, "slow"), 0);
    struct qry *gone;
    while (qry_get(e, "slow", &gone) == 0) {
        qry_put(gone);
        sched_yield();
    }
    /* unlisted at once; the name is free while the task stops */
    cr_expect_eq(qry_reserve(e, "slow"), 0);
    gate_open(&g, 1, 0);
    void *rc;
    pthread_join(t, &rc);
    pthread_join(tr, NULL);
    cr_expect_eq((intptr_t)rc, 0);
    cr_expect_eq(qry_get_state(q), QRY_CANCELLED);
    cr_expect_eq(r.n, 13, "the reader gets the block that was on its way");
    struct qry *again;
    cr_assert_eq(qry_get(e, "slow", &again), 0);
    cr_expect_eq(qry_get_state(again), QRY_PENDING, "the new query survived the removal");
    cr_expect_neq(qry_num(again), qry_num(q));
    qry_put(again);
    cr_expect(exists("slow"));
    qry_put(q);
    char last[QRY_ID_MAX];
    cr_expect_eq(qry_last(e, last), -ENOENT);
    eng_close(e);
}

Test(query, cancel_a_queued_query)
{
    struct engine *e = open_engine();
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cr_assert_gt(cores, 0);
    struct gate g;
    gate_init(&g);
    struct qry **busy = calloc((size_t)cores, sizeof(*busy));
    cr_assert_not_null(busy);
    for (long i = 0; i < cores; i++)
        busy[i] = start(e, NULL, tsrc_new(&g, 1, 1, -1));
    spin_until_entered(&g, (int)cores); /* every pool thread is busy */
    struct qry *q = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
    cr_expect_eq(qry_get_state(q), QRY_RUNNING);
    qry_cancel(q);
    cr_expect_eq(qry_get_state(q), QRY_CANCELLED, "a queued query ends at once");
    cr_expect_eq(qry_wait(q), QRY_CANCELLED);
    EXPECT_TEXT(render(qry_status_render, q),
                "state: cancelled\nkind: historical\nrows_read: 0\nrows_out: 0\nbytes_out: 0\n"
                "elapsed_ms: 0\nprogress: 0.000\n");
    EXPECT_TEXT(render(qry_error_render, q), "");
    qry_put(q);
    gate_open(&g, (int)cores, 0);
    for (long i = 0; i < cores; i++) {
        cr_expect_eq(qry_wait(busy[i]), QRY_FINISHED);
        qry_put(busy[i]);
    }
    free(busy);
    /* cancelling a query that is running: it stops between blocks */
    gate_init(&g);
    q = start(e, NULL, tsrc_new(&g, 1, 5, -1));
    spin_until_entered(&g, 1);
    qry_cancel(q);
    cr_expect_eq(qry_get_state(q), QRY_RUNNING, "until the block on its way is done");
    gate_open(&g, 1, 0);
    cr_expect_eq(qry_wait(q), QRY_CANCELLED);
    cr_expect_eq(qry_result_size(q), 13);
    qry_put(q);
    eng_close(e);
}

Test(query, keeps_max_finished)
{
    struct engine *e = open_engine();
    qry_set_max_finished(e, 3);
    struct gate g;
    gate_init(&g);
    struct qry *running = start(e, NULL, tsrc_new(&g, 1, 1, -1));
    for (int i = 0; i < 5; i++) {
        struct qry *q = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
        cr_expect_eq(qry_wait(q), QRY_FINISHED);
        qry_put(q);
    }
    EXPECT_TEXT(listing(e), "1 4 5 6"); /* the running one stays */
    cr_expect(!exists("2"));
    cr_expect(!exists("3"));
    cr_expect(exists("4"));
    qry_set_max_finished(e, 1);
    EXPECT_TEXT(listing(e), "1 6");
    gate_open(&g, 1, 1);
    cr_expect_eq(qry_wait(running), QRY_FINISHED);
    qry_put(running);
    /* its own end trims 6 (a task's own query stays while it finishes);
     * the next end trims it */
    struct qry *q = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
    cr_expect_eq(qry_wait(q), QRY_FINISHED);
    qry_put(q);
    EXPECT_TEXT(listing(e), "7");
    eng_close(e);
    /* at open, the default keeps 100 */
    e = open_engine();
    for (int i = 0; i < 101; i++) {
        q = start(e, NULL, tsrc_new(NULL, 1, 1, -1));
        cr_expect_eq(qry_wait(q), QRY_FINISHED);
        qry_put(q);
    }
    char **ids;
    uint32_t n;
    cr_assert_eq(qry_list(e, &ids, &n), 0);
    cr_expect_eq(n, QRY_DEFAULT_MAX_FINISHED);
    cr_expect_str_eq(ids[0], "9");
    for (uint32_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    eng_close(e);
}

Test(query, write_failure_fails_the_query)
{
    struct engine *e = open_engine();
    struct gate g;
    gate_init(&g);
    struct qry *q = start(e, NULL, tsrc_new(&g, 1, 2, -1));
    spin_until_entered(&g, 1); /* the result file is open: the next write fails */
    os_fault_set(OS_FAULT_WRITE, 1, ENOSPC);
    gate_open(&g, 2, 0);
    cr_expect_eq(qry_wait(q), QRY_FAILED);
    os_fault_clear();
    EXPECT_TEXT(render(qry_error_render, q), "writing the result: No space left on device\n");
    cr_expect_eq(qry_result_size(q), 0);
    qry_put(q);
    eng_close(e);
}
