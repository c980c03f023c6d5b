/*
 * buf.h — a growable byte buffer.
 *
 * A buf owns its memory; buf_free releases it. Appending may move the
 * storage, so pointers into data are valid only until the next append.
 * Allocation failures return -ENOMEM and leave the buffer as it was.
 */
#ifndef SFS_UTIL_BUF_H
#define SFS_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_free(struct buf *b);
/* Make room for at least extra more bytes after len. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_putc(struct buf *b, char c);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes, moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);
static inline void buf_reset(struct buf *b) { b->len = 0; }
/* NUL-terminate without counting the NUL in len. */
int buf_cstr(struct buf *b);

#endif
