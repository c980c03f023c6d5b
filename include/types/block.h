/*
 * block.h — the column block, the one unit rows travel in.
 *
 * A block holds up to a few thousand rows of one schema, by column. Ingest
 * parses straight into blocks, the log stores them, readers render them.
 *
 * Column layout:
 *   - fixed-width kinds: data is an array of n values of ty_width(ty) bytes;
 *   - strings: data is an array of n+1 uint32_t offsets into chars
 *     (value i is chars[off[i] .. off[i+1])); strings may hold any bytes;
 *   - nullable columns: nulls[i] is 1 when row i is NULL (its value slot
 *     holds the type's zero). Non-nullable columns have nulls == NULL.
 *   - arrays (array(T)): data is n+1 uint32_t offsets into the elements,
 *     child, a column of T owned by this column (value i is child rows
 *     off[i] .. off[i+1]); the default value is the empty array. Build a
 *     value by pushing its elements onto child, then col_arr_end. Arrays
 *     are never nullable; their elements may be.
 *
 * Ownership: a block owns its columns and their memory. Blocks are built by
 * one thread, then published read-only; a published block is shared by
 * reference count (blk_ref / blk_unref), never modified again.
 */
#ifndef SFS_TYPES_BLOCK_H
#define SFS_TYPES_BLOCK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "types/type.h"
#include "util/buf.h"

struct col {
    struct ty ty;
    uint32_t n;      /* rows */
    uint32_t cap;    /* rows the data/nulls arrays have room for */
    void *data;      /* values, or n+1 offsets for strings */
    uint8_t *nulls;  /* nullable only */
    char *chars;     /* strings only */
    size_t chars_len;
    size_t chars_cap;
    uint8_t borrowed; /* memory belongs to another block (blk.base) */
    struct col *child; /* arrays only: the elements (created by col_reserve) */
    /* Optional, non-nullable strings only: each row's dictionary code, set
     * by a reader that decoded a dictionary-encoded chunk (store/enc.h).
     * Equal codes mean equal values; code k < ndict. Valid only while
     * dcodes_n == n (a push or truncation makes them stale), so consumers
     * check col_dcodes(). Owned like data (not when borrowed). dict says which
 * dictionary the codes index: two columns with equal dict bytes map codes
 * to the same values. */
    uint16_t *dcodes;
    uint32_t dcodes_n;
    uint32_t ndict;
    char *dict;        /* the dictionary's bytes, comparable between columns: */
    size_t dict_len;   /* equal bytes, equal code-to-value mapping */
};

struct blk {
    atomic_int refs;
    uint32_t ncols;
    uint32_t nrows;
    struct col *cols;
    struct blk *base; /* referenced while borrowed columns point into it */
    /* Where the writes (ingest records) its rows came from end: ascending
     * row indexes, the last one nrows; NULL when not known (operators'
     * outputs). Window operators move watermarks per write with it
     * (exec/window.h). */
    uint32_t *wends;
    uint32_t nwends, wcap;
};

/* A block with ncols empty columns of the given types (refs = 1). */
int blk_create(const struct ty *types, uint32_t ncols, struct blk **out);
void blk_ref(struct blk *b);
/* Drop a reference; the last one frees. NULL is a no-op. */
void blk_unref(struct blk *b);
/* Empty every column, keeping capacity (for reuse by the builder). */
void blk_clear(struct blk *b);
/* Set nrows from the columns after filling them; -EINVAL if they differ.
 * A block without columns keeps the nrows set by hand. */
int blk_seal(struct blk *b);
/* Drop rows from n on (n <= nrows), e.g. to roll back a half-added row. */
void blk_truncate(struct blk *b, uint32_t n);
/* The rows so far end one write (a no-op when no row came since the last
 * end, so writes without rows leave no trace). */
int blk_end_write(struct blk *b);
/* dst holds the n rows of src at the ascending indexes rows (NULL: the
 * first n): it gets the write ends of src that some kept row falls before. */
int blk_keep_write_ends(struct blk *dst, const struct blk *src, const uint32_t *rows, uint32_t n);
/* Append rows [from, to) of src (same types) to dst (and seal it). */
int blk_append_rows(struct blk *dst, const struct blk *src, uint32_t from, uint32_t to);

/*
 * Blocks assembled from columns (operators' outputs): blk_create with the
 * types, then each column either adopted (a standalone column's memory
 * moves into the block; *c is left empty) or borrowed from another block
 * (no copy: the new block holds a reference on src, and every borrowed
 * column of one block must come from the same src). Seal afterwards.
 */
void blk_adopt_col(struct blk *b, uint32_t i, struct col *c);
int blk_borrow_col(struct blk *b, uint32_t i, struct blk *src, uint32_t j);

/* Standalone columns (expression results, aggregate outputs). */
int col_new(struct ty ty, struct col **out);
void col_delete(struct col *c); /* NULL is a no-op */
/* Free a column's memory (not borrowed ones) and leave it empty. */
void col_release(struct col *c);

/* Column building. Each push appends one row to one column. */
int col_reserve(struct col *c, uint32_t rows);
int col_push_null(struct col *c); /* NULL for nullable, the zero value otherwise */
int col_push_fixed(struct col *c, const void *value); /* ty_width bytes */
int col_push_str(struct col *c, const char *s, size_t n);
/* Room for n more bytes of string data (a loop of col_put_str then never
 * reallocates); -E2BIG past the 4 GiB a column's offsets can address. */
int col_reserve_chars(struct col *c, size_t n);
/* Start a string value to be filled by col_str_grow/col_str_append, then end it. */
int col_str_append(struct col *c, const char *s, size_t n);
int col_str_end(struct col *c);
void col_truncate(struct col *c, uint32_t n);
/* End an array value whose elements were pushed onto c->child. */
int col_arr_end(struct col *c);
/* Append rows [from, to) of src to dst (the same type; any kind). */
int col_append_rows(struct col *dst, const struct col *src, uint32_t from, uint32_t to);
/* The element range [*lo, *hi) of array row i in c->child. */
static inline void col_arr(const struct col *c, uint32_t i, uint32_t *lo, uint32_t *hi)
{
    *lo = ((const uint32_t *)c->data)[i];
    *hi = ((const uint32_t *)c->data)[i + 1];
}

/*
 * Hot-path pushes (ingest converts millions of values a second): for a
 * column with room for one more row, i.e. col_has_room(c) or after
 * col_reserve(c, c->n + 1). width is ty_width(c->ty), a constant at the
 * call site. col_put_str falls back to col_push_str when chars must grow.
 */
static inline int col_has_room(const struct col *c)
{
    return c->data && c->n + 1u + ty_has_offsets(c->ty) <= c->cap;
}
static inline __attribute__((always_inline)) void col_put_fixed(struct col *c, const void *value,
                                                                size_t width)
{
    memcpy((char *)c->data + (size_t)c->n * width, value, width);
    if (c->nulls)
        c->nulls[c->n] = 0;
    c->n++;
}
static inline int col_put_str(struct col *c, const char *s, size_t n)
{
    if (c->chars_cap - c->chars_len < n || c->chars_len + n > UINT32_MAX)
        return col_push_str(c, s, n);
    if (n)
        memcpy(c->chars + c->chars_len, s, n);
    c->chars_len += n;
    ((uint32_t *)c->data)[c->n + 1] = (uint32_t)c->chars_len;
    if (c->nulls)
        c->nulls[c->n] = 0;
    c->n++;
    return 0;
}

/* The column's dictionary codes, or NULL when it has none (or stale ones). */
static inline const uint16_t *col_dcodes(const struct col *c)
{
    return c->dcodes && c->dcodes_n == c->n && !c->nulls ? c->dcodes : NULL;
}

static inline int col_is_null(const struct col *c, uint32_t i)
{
    return c->nulls && c->nulls[i];
}
static inline const uint32_t *col_offsets(const struct col *c)
{
    return (const uint32_t *)c->data;
}
static inline const char *col_str(const struct col *c, uint32_t i, size_t *len)
{
    const uint32_t *off = col_offsets(c);
    *len = off[i + 1] - off[i];
    return c->chars ? c->chars + off[i] : ""; /* no bytes yet: all values empty */
}
#define COL_AT(c, T, i) (((const T *)(c)->data)[i])

/*
 * Serialization (the log's record payload): little-endian, self-checking.
 *   u32 ncols, u32 nrows, then per column: u8 kind, u8 nullable, u8 prec,
 *   u8 0, [nulls: nrows bytes], fixed: nrows*width bytes | string: u64
 *   chars_len, (nrows+1)*u32 offsets, chars | array: (nrows+1)*u32
 *   offsets, then the child column the same way (its header, then its
 *   off[nrows] rows). The element type is the child's header.
 */
int blk_serialize(const struct blk *b, struct buf *out);
/* Parse n bytes; -ERR_CORRUPT if they do not form a block. */
int blk_deserialize(const void *p, size_t n, struct blk **out);

#endif
