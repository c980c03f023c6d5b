/*
 * dump.h — MNT/STREAM/data: the stream's log rendered as JSON lines.
 *
 * The rendered file is never stored. An index of each record's rendered
 * end offset (built lazily, extended as the log grows) gives the file its
 * size and maps a read offset to the record to render, so `cat data` and
 * `tail -f data` cost one rendering per record they actually read.
 *
 * Retention: the file starts at the log's first retained record. Records
 * dropped while mounted keep their offsets' place (the size never
 * shrinks); a cursor whose next offset falls among them skips forward to
 * the first record left, after finishing the record it was in, so readers
 * see whole lines and never fail for what was dropped.
 *
 * Ownership: a cursor belongs to one open file and caches the last
 * rendered record; dump_cursor_destroy frees it.
 */
#ifndef SFS_EXEC_DUMP_H
#define SFS_EXEC_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "exec/engine.h"
#include "util/buf.h"

struct dump_cursor;

int dump_cursor_create(struct dump_cursor **out);
void dump_cursor_destroy(struct dump_cursor *c);
/* The rendered size of the whole stream so far. */
int dump_size(struct eng_stream *s, uint64_t *size);
/* Append up to n bytes of the rendering from offset off to out. */
int dump_read(struct eng_stream *s, struct dump_cursor *c, uint64_t off, size_t n,
              struct buf *out);
/* Free the stream's index (when the stream goes). */
void dump_index_free(struct eng_stream *s);

#endif
