/*
 * agg_impl.h — what the aggregate functions (src/exec/agg_*.c) share;
 * internal to src/exec.
 *
 * Memory: a state may hold more than its state_size (a string, a set, an
 * array of values), and max_memory_usage must see it. The ops of
 * exec/agg.h have no way to report it, so every binding whose states hold
 * such memory gets a cfg that starts with struct agg_cfg and sets AGG_HELD
 * in its flags; its ops add and subtract what they allocate and free
 * there, and the aggregate operator charges the change after each block
 * (agg_held).
 *
 * Values: aggregates that keep single values of any type (min, max, any,
 * arg_min, ...) hold them as struct agg_val, by class: signed integers
 * and times in i, unsigned integers and bool in u, floats in f (widened),
 * strings as a malloc'd copy.
 */
#ifndef SFS_EXEC_AGG_IMPL_H
#define SFS_EXEC_AGG_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "exec/agg.h"
#include "types/block.h"
#include "util/buf.h"

#define AGG_HELD 0x100u /* flags: cfg starts with struct agg_cfg */

struct agg_cfg {
    int64_t held; /* bytes hanging off every state of the binding */
};

/* A zeroed cfg of size bytes (at least struct agg_cfg) freed with free. */
int agg_cfg_new(struct agg_bind *b, size_t size);
static inline void agg_hold(const struct agg_bind *b, int64_t bytes)
{
    if (b->flags & AGG_HELD)
        ((struct agg_cfg *)b->cfg)->held += bytes;
}
/* What the binding's states hold beyond state_size (0 without AGG_HELD). */
int64_t agg_held(const struct agg_bind *b);

enum agg_cls { AGG_NONE = 0, AGG_I, AGG_U, AGG_F, AGG_S };
int agg_cls(struct ty t);

struct agg_val {
    union {
        int64_t i;
        uint64_t u;
        double f;
        char *s;   /* owned when stored; borrowed from a column by agg_val_get */
    } v;
    uint32_t n;    /* string length */
    uint8_t set;
};

/* Row r of c as a value of class cls (strings borrow c's bytes). */
void agg_val_get(int cls, const struct col *c, uint32_t r, struct agg_val *out);
/* Order of a and b; NaN sorts above every number when nan > 0, below
 * when nan < 0 (min keeps numbers over NaN, and so does max). */
int agg_val_cmp(int cls, const struct agg_val *a, const struct agg_val *b, int nan);
/* dst = a stored copy of src (set). */
int agg_val_store(const struct agg_bind *b, int cls, struct agg_val *dst,
                  const struct agg_val *src);
void agg_val_free(const struct agg_bind *b, int cls, struct agg_val *v);
/* Push v (or the type's zero when unset) onto out. */
int agg_val_push(int cls, const struct agg_val *v, struct col *out);
int agg_val_save(int cls, const struct agg_val *v, struct buf *out);

/* Reading serialized states: every take is bounds-checked (ERR_CORRUPT). */
struct agg_rd {
    const unsigned char *p;
    size_t n;
};
int agg_rd_take(struct agg_rd *rd, void *dst, size_t n);
/* 0 when every byte was read, ERR_CORRUPT otherwise. */
int agg_rd_end(const struct agg_rd *rd);
int agg_val_load(const struct agg_bind *b, int cls, struct agg_val *v, struct agg_rd *rd);

/* serialize / deserialize of states that are plain bytes (no pointers). */
int agg_save_raw(const struct agg_bind *b, const void *state, struct buf *out);
int agg_load_raw(const struct agg_bind *b, void *state, const void *p, size_t n);

/* For add(): run the statements given for each row to add, with r the
 * row of the argument columns and st its state (variadic, so the
 * statements may hold commas; continue skips a row). */
#define AGG_EACH(states, rows, n, ...)                                                             \
    do {                                                                                           \
        if (rows) {                                                                                \
            for (uint32_t k_ = 0; k_ < (n); k_++) {                                                \
                uint32_t r = (rows)[k_];                                                           \
                void *st = (states)[k_];                                                           \
                __VA_ARGS__;                                                                       \
            }                                                                                      \
        } else {                                                                                   \
            for (uint32_t r = 0; r < (n); r++) {                                                   \
                void *st = (states)[r];                                                            \
                __VA_ARGS__;                                                                       \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* For AGG_OWN_NULLS aggregates: 1 when some argument is NULL at row r. */
static inline int agg_any_null(const struct col *const *args, uint32_t nargs, uint32_t r)
{
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i]->ty.kind == TY_NOTHING || col_is_null(args[i], r))
            return 1;
    return 0;
}

/* Bind errors: sets b->err and b->err_arg; returns -EINVAL. */
int agg_bind_fail(struct agg_bind *b, int arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An argument of type nothing (a NULL literal) makes the aggregate NULL
 * (ClickHouse): binds b so and returns 1; 0 when no argument is. */
int agg_bind_null(struct agg_bind *b);
/* ret = t, nullable when some argument is (the caller's NULL skipping). */
void agg_ret(struct agg_bind *b, struct ty t);
/* Parameter i as a number; -EINVAL (bind error) when it is not one. */
int agg_param_f64(struct agg_bind *b, uint32_t i, const char *what, double *out);
int agg_param_u64(struct agg_bind *b, uint32_t i, const char *what, uint64_t *out);

#endif
