/*
 * ingest.h — one open `ingest` file: bytes in, rows into the stream's log.
 *
 * SPEC "File semantics": lines may be split across writes (the handle keeps
 * its partial line); each write's complete lines become one block appended
 * as one log record, so concurrent writers never interleave a row; a
 * malformed row fails its whole write (-EINVAL) and nothing of that write
 * is committed, unless the stream says on_error='skip'; a final line
 * without newline becomes a row at ing_close.
 *
 * Ownership: a handle holds a reference on its stream until ing_close.
 * A handle may be used from several threads (dup'd descriptors); calls on
 * it are serialized internally.
 */
#ifndef SFS_EXEC_INGEST_H
#define SFS_EXEC_INGEST_H

#include <stddef.h>

#include "exec/engine.h"

struct ing_handle;

/* Takes a new reference on s. */
int ing_open(struct eng_stream *s, struct ing_handle **out);
/* Append bytes; returns 0, -EINVAL for a malformed row, or a storage error. */
int ing_write(struct ing_handle *h, const char *p, size_t n);
/* A close(2) of a descriptor: make this handle's rows durable as the
 * stream's fsync setting says (close, always; not interval or never). -EINVAL when the kept unterminated
 * last line is malformed (it is recorded in `errors` at ing_close). */
int ing_flush(struct ing_handle *h);
/* An fsync(2): this handle's rows durable now, whatever the setting. */
int ing_sync(struct ing_handle *h);
/* The last descriptor closed: commit the partial line, flush, free h.
 * Returns the error of that last row or of the flush (h is freed anyway). */
int ing_close(struct ing_handle *h);

#endif
