/*
 * schema.h — a stream's columns and settings.
 *
 * Every stream's schema ends with _tp_time datetime64(3); raw streams
 * (SETTINGS format='raw') have one user column of type string. _tp_sn (the row's sequence number) is not a
 * stored column: the log assigns it.
 *
 * Ownership: a schema owns its names and settings; sch_destroy frees all.
 * A schema is immutable once published to the engine (streams share it).
 */
#ifndef SFS_TYPES_SCHEMA_H
#define SFS_TYPES_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "types/type.h"
#include "util/buf.h"

#define SCH_MAX_NAME 64    /* longest stream or column name, with NUL */
#define SCH_MAX_COLS 1024

/* How ingest reads lines: JSON objects, or each whole line into the one
 * string column (a raw stream, as `mkdir MNT/NAME` makes). */
enum sch_format { SCH_FMT_JSON = 0, SCH_FMT_RAW = 1 };
enum sch_fsync { SCH_FSYNC_CLOSE = 0, SCH_FSYNC_ALWAYS, SCH_FSYNC_NEVER, SCH_FSYNC_INTERVAL };
enum sch_on_error { SCH_ON_ERROR_FAIL = 0, SCH_ON_ERROR_SKIP };

#define SCH_CODEC_DEFAULT 1 /* lz4 */

/* SETTINGS segment_bytes: the log's segment size; 0 means the store's
 * default (64 MiB). Small segments make retention finer-grained. */
#define SCH_SEGMENT_MIN (64ull << 10)
#define SCH_SEGMENT_MAX (1ull << 30)

struct sch_col {
    char name[SCH_MAX_NAME];
    struct ty ty;
};

struct schema {
    char name[SCH_MAX_NAME];
    enum sch_format format;
    uint32_t ncols;          /* including _tp_time, which is last */
    struct sch_col *cols;
    int time_col;            /* index of the event_time_column, or -1 */
    enum sch_fsync fsync;
    uint32_t fsync_interval_ms; /* SCH_FSYNC_INTERVAL */
    enum sch_on_error on_error;
    uint8_t codec;           /* enum codec_id of store/codec.h: log compression */
    uint64_t segment_bytes;  /* 0, or SCH_SEGMENT_MIN..SCH_SEGMENT_MAX */
    uint64_t retention_bytes; /* drop old segments past this size; 0: no limit */
    uint64_t retention_ms;   /* drop segments whose rows are all older; 0: no limit */
    uint64_t ttl_ms;         /* drop column parts whose rows are all older; 0: keep */
};

/* Valid stream/column name: [A-Za-z_][A-Za-z0-9_]*, shorter than SCH_MAX_NAME. */
int sch_valid_name(const char *s, size_t n);

/* A new schema with name and no columns; add them with sch_add_col. */
int sch_create(const char *name, struct schema **out);
void sch_destroy(struct schema *s);
/* Append a column; -EEXIST on a duplicate name, -EINVAL on a bad name. */
int sch_add_col(struct schema *s, const char *name, struct ty ty);
/* Append _tp_time datetime64(3) if the user did not declare it. */
int sch_finish(struct schema *s);
/* Column index by name, or -1. */
int sch_find(const struct schema *s, const char *name, size_t n);
/* Deep copy. */
int sch_clone(const struct schema *s, struct schema **out);
/* Column types in order, for blk_create (array of ncols, caller frees). */
int sch_types(const struct schema *s, struct ty **out);
/* The fsync setting as text: close, always, never or interval:<N>ms. */
void sch_fsync_format(const struct schema *s, char out[32]);
/* Set s->fsync (and its interval) from that text; -EINVAL otherwise.
 * Intervals take ms or s: 'interval:100ms', 'interval:2s'. */
int sch_fsync_parse(struct schema *s, const char *text);
/*
 * The settings that are amounts, each a uint64_t member of struct schema:
 * segment_bytes, retention_bytes (bytes) and retention_ms (ms); 0 is the
 * default (no limit). The DDL, the catalog and sch_render_ddl all go
 * through this table.
 */
struct sch_amount {
    const char *name;
    size_t field;    /* offsetof(struct schema, <member>) */
    int ms;          /* a duration (units ms, s, m, h, d), else a size (B, KiB ... TiB) */
    uint64_t min, max; /* the valid range besides 0 */
    const char *desc; /* what the value must be, for error messages */
};
#define SCH_NAMOUNTS 4
extern const struct sch_amount sch_amounts[SCH_NAMOUNTS];
/* The amount setting called name (any case), or NULL. */
const struct sch_amount *sch_amount_find(const char *name);
uint64_t sch_amount_get(const struct schema *s, const struct sch_amount *a);
/* Set a to v; -EINVAL when v is neither 0 nor in a's range. */
int sch_amount_set(struct schema *s, const struct sch_amount *a, uint64_t v);
/* Set a from text: digits with an optional unit, any case ('512MiB',
 * '7d'; none means bytes or ms); -EINVAL for anything else. */
int sch_amount_parse(struct schema *s, const struct sch_amount *a, const char *text);
/* The canonical CREATE statement for this schema (no trailing newline). */
int sch_render_ddl(const struct schema *s, struct buf *out);

#endif
