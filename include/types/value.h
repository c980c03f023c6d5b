/*
 * value.h — one SQL value outside a column: literals, constant-folded
 * arguments, settings.
 *
 * A value has a type and a payload in the widest C type of its family:
 * signed kinds, datetimes and intervals in i (datetime: seconds,
 * datetime64: ticks, date: days, interval: units), unsigned kinds and
 * bool in u, floats in f, strings as a borrowed (p, n) that the value's
 * creator keeps alive (an AST arena, a column), arrays as a borrowed
 * range of an element column (a.c, which the creator keeps alive; a.c
 * NULL is the empty array). is_null is set only for nullable types.
 */
#ifndef SFS_TYPES_VALUE_H
#define SFS_TYPES_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"
#include "types/type.h"

struct val {
    struct ty ty;
    uint8_t is_null;
    union {
        int64_t i;
        uint64_t u;
        double f;
        struct {
            const char *p;
            size_t n;
        } s;
        struct {
            const struct col *c; /* the elements: rows [lo, hi) of c */
            uint32_t lo, hi;
        } a;
    } v;
};

/* Push v onto column c (same kind; c nullable when v is NULL). */
int val_push(const struct val *v, struct col *c);
/* Row i of column c as a value (strings borrow c's bytes). */
void val_from_col(const struct col *c, uint32_t i, struct val *out);

#endif
