/*
 * out.h — result formats: column blocks rendered as JSONEachRow (the
 * default), CSV, CSVWithNames, TSV, TSVWithNames, following ClickHouse's
 * output rules (SPEC precise rule 5).
 */
#ifndef SFS_FORMAT_OUT_H
#define SFS_FORMAT_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "types/block.h"
#include "util/buf.h"

enum fmt_kind { FMT_JSONEACHROW = 0, FMT_CSV, FMT_CSVWITHNAMES, FMT_TSV, FMT_TSVWITHNAMES };

/* The format named name (case-insensitive); -EINVAL for an unknown one. */
int fmt_kind_parse(const char *name, size_t len, enum fmt_kind *out);
const char *fmt_kind_name(enum fmt_kind k);
/* The known format names, for hints. */
extern const char *const fmt_kind_names[];
extern const int fmt_kind_count;

/* What comes before the first row (the names line of *WithNames). */
/* Array row r of c as ClickHouse's text formats write it: [1,2,3],
 * ['a','b\'c'] (strings and datetimes quoted and escaped), NULL. */
int fmt_array_text(const struct col *c, uint32_t r, struct buf *out);
int fmt_out_header(enum fmt_kind k, const char *const *names, uint32_t ncols, struct buf *out);
/* Rows [from, to) of b. */
int fmt_out_rows(enum fmt_kind k, const char *const *names, const struct blk *b, uint32_t from,
                 uint32_t to, struct buf *out);

#endif
