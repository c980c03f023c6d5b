/*
 * source.h — where a query's blocks come from, behind one interface: a
 * stream's log, numbers(N); later column parts, LevelDB scans, random
 * streams and Kafka.
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
#include "types/block.h"

struct src;

struct src_vt {
    int (*next)(struct src *s, struct blk **out);
    void (*destroy)(struct src *s);
};

struct src {
    const struct src_vt *vt;
    uint64_t rows;               /* rows yielded so far */
    uint64_t total_rows;         /* rows a bounded source will yield, when known (progress) */
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

#endif
