/*
 * keytab.h — a hash table of distinct key tuples, each given a dense id
 * in order of first appearance. GROUP BY maps rows to groups with it,
 * DISTINCT finds first occurrences, count_distinct and top_k keep their
 * values in it. Internal to src/exec.
 *
 * Keys are compared bit for bit (ClickHouse's GROUP BY: 0.0 and -0.0 are
 * two keys, NaNs with the same bits are one); NULL is a key like any
 * other. One non-nullable fixed-width key is kept as its own 64 bits (no
 * encoding); any other tuple is encoded, prefix-free, into a byte string:
 * per column a NULL byte when the type is nullable, then the value's
 * bytes (fixed width) or a u32 length and the bytes (strings).
 *
 * Ownership: the table owns its memory; types are borrowed and must
 * outlive it. keytab_free leaves it empty (init again to reuse).
 */
#ifndef SFS_EXEC_KEYTAB_H
#define SFS_EXEC_KEYTAB_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"
#include "util/buf.h"

struct kt_slot {
    uint64_t kh;         /* the key itself (fast) or its hash */
    uint32_t id1;        /* id + 1; 0: empty */
    uint32_t pad;
};

struct keytab {
    const struct ty *types;
    uint32_t nkeys;
    uint8_t fast;        /* one non-nullable fixed-width key */
    uint32_t n;          /* keys held: ids 0..n-1 */
    uint32_t cap;        /* ids with room in fkey / off */
    uint32_t mask;       /* slots - 1; slots NULL before the first key */
    struct kt_slot *slots;
    uint64_t *fkey;      /* fast: the key of each id */
    uint64_t *off;       /* encoded: n+1 offsets into bytes */
    struct buf bytes;    /* encoded keys, back to back */
    struct buf scratch;  /* one row's encoding */
    uint32_t *dmap;      /* a block's dictionary code -> id (col_dcodes keys) */
    uint32_t dmap_cap;
    struct buf dmap_dict; /* the dictionary dmap is for: kept while blocks repeat it */
    size_t mem;          /* bytes allocated, for memory accounting */
};

int keytab_init(struct keytab *t, const struct ty *types, uint32_t nkeys);
void keytab_free(struct keytab *t);
/* Room for about n keys before the first one comes (a hint: a window's
 * table sized like the previous window's); a no-op once keys are held. */
int keytab_reserve(struct keytab *t, uint32_t n);

/* The id of row r's tuple cols[0..nkeys); a new tuple gets id n
 * (*added = 1). */
int keytab_row(struct keytab *t, const struct col *const *cols, uint32_t r, uint32_t *id,
               int *added);
/* ids[i] for rows [0, nrows). */
int keytab_rows(struct keytab *t, const struct col *const *cols, uint32_t nrows, uint32_t *ids);

/* The stored key of id, in the form keytab_add_key takes (merging tables
 * of the same types). */
void keytab_key(const struct keytab *t, uint32_t id, const void **p, size_t *len);
int keytab_add_key(struct keytab *t, const void *p, size_t len, uint32_t *id, int *added);

/* Add every key of src (same types) to t; ids, when not NULL, gets for
 * each id of src its id in t (src->n entries). */
int keytab_merge(struct keytab *t, const struct keytab *src, uint32_t *ids);

/* Append the tuples of ids [from, to) to cols[0..nkeys) (the table's
 * types). */
int keytab_emit(const struct keytab *t, uint32_t from, uint32_t to, struct col *const *cols);

/* Checkpoints: u32 count, then per key a u32 length and its bytes.
 * keytab_load adds the keys read from the start of p (n bytes at most;
 * *used gets how many it read) and returns ERR_CORRUPT for anything that
 * is not such a list of valid keys. */
int keytab_save(const struct keytab *t, struct buf *out);
int keytab_load(struct keytab *t, const void *p, size_t n, size_t *used);

#endif
