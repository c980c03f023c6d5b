/*
 * source.h — where a query's blocks come from, behind one interface: a
 * stream's log, numbers(N), random streams; later column parts, LevelDB
 * scans and Kafka.
 *
 * next() yields the next block (the caller unrefs it) or *out = NULL at
 * the end of a bounded source. Unbounded sources (the streaming issue)
 * return -EAGAIN when nothing is ready and offer a wait.
 *
 * Ownership: a source holds references on what it reads (the stream) and
 * releases them in destroy.
 */
#ifndef SFS_EXEC_SOURCE_H
#define SFS_EXEC_SOURCE_H

#include <stdint.h>

#include "exec/engine.h"
#include "store/enc.h"
#include "types/block.h"

struct xpr;
struct fn_ctx;

struct src;

struct src_vt {
    int (*next)(struct src *s, struct blk **out);
    void (*destroy)(struct src *s);
};

struct src {
    const struct src_vt *vt;
    uint64_t rows;               /* rows yielded so far */
    uint64_t total_rows;         /* rows a bounded source will yield, when known (progress) */
    /* unbounded sources: next() says -EAGAIN when nothing is ready and
     * never ends; appends to `stream` (borrowed: the source holds its
     * reference) are what make more ready (eng_stream_subscribe);
     * next_sn is the sequence number of the next row it will read. */
    int unbounded;
    struct eng_stream *stream;
    uint64_t next_sn;
    /* unbounded sources driven by time rather than appends (a random
     * stream): the period (ns) at which the query task should be woken to
     * call next() again; 0: appends (and the 1 s tick) are enough. */
    int64_t wake_ns;
};

static inline int src_next(struct src *s, struct blk **out)
{
    return s->vt->next(s, out);
}
void src_destroy(struct src *s); /* NULL is a no-op */

#define SRC_NUMBERS_BLOCK 8192
/* numbers(N) / numbers(offset, N): one uint64 column `number`. */
int src_numbers_create(uint64_t offset, uint64_t count, struct src **out);

/*
 * The rows of stream s committed when the source is created (a bounded,
 * historical scan of the log). cols: the stream columns to keep, in order
 * (schema positions; _tp_time is the last one); with_sn appends a uint64
 * `_tp_sn` column after them. Holds a reference on s.
 */
int src_log_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                   struct src **out);

/*
 * The rows of stream s's log from sequence number from_sn to the log's end
 * when the source is created (bounded); rows before from_sn in its first
 * record are dropped. Projected like src_log_create. Holds a reference on s.
 */
int src_log_range_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                         uint64_t from_sn, struct src **out);


/*
 * The historical scan of stream s, `table(s)` (src_table.c): the stream's
 * column parts, then the log rows they do not hold yet, every row committed
 * before the call exactly once, in sequence order; blocks projected like
 * src_log_create's. preds (copied; may be NULL) are conjuncts of the
 * query's WHERE by stream column (store/enc.h): granules whose statistics
 * show that no row can satisfy one of them are not read. where, when not
 * NULL, is the whole WHERE (taken, also on failure; src_table_preds said
 * it is exactly the AND of preds, which cannot fail to evaluate): the
 * source then filters itself, skipping the evaluation for granules whose
 * statistics show that every row passes, and the caller plans no filter.
 * Holds a reference on s.
 */
int src_table_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                     const struct enc_pred *preds, uint32_t npreds, struct xpr *where,
                     struct src **out);
/*
 * The conjuncts `column OP constant` of a WHERE expression over a scan's
 * block (column i of the block is stream column cols[i]) that statistics
 * can decide, as stream-column predicates; *out (caller frees) borrows the
 * constants' strings from where. Conjuncts it cannot use are left out,
 * which is always safe; *exact says whether there were none.
 */
int src_table_preds(const struct xpr *where, const uint32_t *cols, uint32_t ncols,
                    struct enc_pred **out, uint32_t *n, int *exact);

/* Where an unbounded log source starts (SETTINGS seek_to, backfill). */
enum src_seek {
    SRC_SEEK_END = 0,            /* new rows only: those appended after creation */
    SRC_SEEK_EARLIEST,           /* the first retained row */
    SRC_SEEK_SN,                 /* the row with sequence number `sn` (or the first retained) */
    SRC_SEEK_TIME,               /* the first record holding a row with _tp_time >= time_ms */
};

struct src_start {
    enum src_seek seek;
    uint64_t sn;
    int64_t time_ms;
};

/*
 * The unbounded scan of stream s (FROM s): rows from `start` on, forever.
 * The position is fixed at creation (SRC_SEEK_END: the log's end then), so
 * every row whose append returns after this call is read exactly once,
 * whenever next() is called. next() yields what is ready as blocks
 * projected like src_log_create's (small records gathered), -EAGAIN when
 * nothing is; it never blocks. A seek by time starts at a record, so rows
 * before time_ms that share a record with newer ones are read too (a WHERE
 * on _tp_time drops them); a seek by sequence number drops the rows before
 * sn of its first record. Records dropped by retention under it are
 * skipped. Holds a reference on s.
 */
int src_log_tail_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                        const struct src_start *start, struct src **out);

/*
 * The unbounded scan of stream s for FROM s: src_log_tail_create, except
 * when start (earliest, or a sequence number) lies below the rows the log
 * still retains: then the column parts give those rows first (from the
 * start on, in sequence order), and the log's tail follows from where the
 * parts end, so a backfill sees every row once although retention
 * trimmed the log (src_table.c). The parts are held only until they are
 * read. A seek by time reads the log only. Holds a reference on s.
 */
int src_stream_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                      const struct src_start *start, struct src **out);

/*
 * What part of a mutable stream's key table a historical scan reads, as
 * planned from its WHERE (src_kv_plan): the key range [lo, hi) (no_end:
 * to the end; empty: nothing), or, when index >= 0, the rows whose index
 * `index` holds one of the nikeys values in ikeys ((u32 len, bytes)
 * records of key encodings), or, when index is SRC_KV_KEY_IN, the rows
 * whose first key column is one of the values in ikeys (a prefix range
 * each). Free with src_kv_range_free.
 */
#define SRC_KV_KEY_IN (-2)
struct src_kv_range {
    struct buf lo, hi;
    int no_end, empty, bounded;
    uint32_t prefix_cols;        /* leading key columns fixed by equality */
    int index;
    struct buf ikeys;
    uint32_t nikeys;
};
struct xpr;
/* Plan the reading for `where` (bound over the scan's columns; scan_cols
 * gives their schema positions). */
int src_kv_plan(const struct schema *sc, struct xpr *where, const uint32_t *scan_cols,
                struct src_kv_range *r);
void src_kv_range_free(struct src_kv_range *r);
/* The current rows of mutable stream s (one per key) within r (NULL: all),
 * projected as src_log_create's; _tp_sn reads 0. Holds a reference on s. */
int src_kv_create(struct eng_stream *s, const uint32_t *cols, uint32_t ncols, int with_sn,
                  const struct src_kv_range *r, struct src **out);

/*
 * A random stream's rows (CREATE RANDOM STREAM), generated in memory as
 * they are read (src_random.c says how rows are timed). cols are the
 * columns generated, in order: def, a bound expression of the column's
 * type evaluated over the columns generated before it (taken by the
 * source, also on failure), or NULL for a random value of the type;
 * is_time marks _tp_time, which gets the row's time. The blocks yielded
 * hold spec->out_cols of them (then _tp_sn when with_sn).
 */
#define SRC_RANDOM_BLOCK 1024
struct src_random_col {
    struct ty ty;
    struct xpr *def;
    int is_time;
};
struct src_random_spec {
    const uint32_t *out_cols; /* the columns it yields: positions among cols (copied) */
    uint32_t nout;
    uint64_t eps;            /* rows per second; 0: a block at every call */
    uint32_t interval_ms;    /* between batches (eps > 0) */
    uint64_t bounded_rows;   /* > 0: a bounded source of this many rows (table(r)) */
    int with_sn;             /* append a uint64 _tp_sn column (rows counted from 0) */
    /* the query's function context (borrowed; it outlives the source):
     * now() of the defaults and row 0's time, the random generator's
     * state, and where a failing DEFAULT says why */
    struct fn_ctx *fn;
};
int src_random_create(const struct src_random_spec *spec, struct src_random_col *cols,
                      uint32_t ncols, struct src **out);

#endif
