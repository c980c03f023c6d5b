/*
 * mutable.h — a mutable stream's rows one key at a time, for the keys/
 * namespace: key path components to and from key encodings, a row as a
 * JSON line, upserts from a JSON line, deletes, and listings of one key
 * column under a prefix in key order.
 *
 * Key components as text (SPEC rule 11): the output rendering of the value
 * (datetimes also accepted without their fraction) with '%', '/', NUL and
 * a leading '.' written %XX; an empty value is a lone '%'.
 *
 * Every function borrows its arguments; outputs are appended to buffers
 * the caller owns. Thread-safe (the key table is).
 */
#ifndef SFS_EXEC_MUTABLE_H
#define SFS_EXEC_MUTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "exec/engine.h"
#include "util/buf.h"

/* Longest rendered component a path may hold (NAME_MAX). */
#define MUT_NAME_MAX 255

/* Key column k's value written as path component name, appended to out
 * in the key encoding; -EINVAL when name is not a value of that column. */
int mut_key_parse(const struct eng_stream *s, uint32_t k, const char *name, struct buf *out);
/* Key column k's encoded value at *p (advanced) as a path component
 * appended to out (escaped). */
int mut_key_render(const struct eng_stream *s, uint32_t k, const uint8_t **p, const uint8_t *end,
                   struct buf *out);
/* The row with full key `key` as one JSON line (every column but
 * _tp_delta); *found 0 when there is none. */
int mut_row_json(struct eng_stream *s, const uint8_t *key, size_t key_len, struct buf *out,
                 int *found);
/* Upsert the row given as a JSON object (line, n bytes, no newline needed)
 * under key (its key columns come from the key, whatever the object says);
 * ERR_MALFORMED with why filled for a bad object. Durable on return. */
int mut_put_json(struct eng_stream *s, const uint8_t *key, size_t key_len, const char *line,
                 size_t n, char *why, size_t why_len);
/* Delete the row with this key (a _tp_delta -1 row through the log);
 * -ENOENT when there is none. Durable on return. */
int mut_delete(struct eng_stream *s, const uint8_t *key, size_t key_len);
/* Whether some row's key starts with prefix. */
int mut_prefix_exists(struct eng_stream *s, const uint8_t *prefix, size_t len, int *exists);

/*
 * The distinct values of key column `depth` among rows whose key starts
 * with prefix (the encodings of columns 0..depth-1), in key order; the
 * n-th (from 1) is passed to each(arg, name, component key, n) for n >
 * after; each returns nonzero to stop. The component key is the key up to
 * and including that value. With resume (resume_len > 0: the component
 * key of entry `after`, as given to each before), the listing continues
 * right after it by a seek instead of counting from the start. Streams
 * through the key table (never loads the listing); names longer than
 * MUT_NAME_MAX are skipped.
 */
typedef int (*mut_each_fn)(void *arg, const char *name, const uint8_t *key, size_t key_len,
                           uint64_t n);
int mut_list(struct eng_stream *s, const uint8_t *prefix, size_t len, uint32_t depth,
             const uint8_t *resume, size_t resume_len, uint64_t after, mut_each_fn each,
             void *arg);

#endif
