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
/* The canonical CREATE statement for this schema (no trailing newline). */
int sch_render_ddl(const struct schema *s, struct buf *out);

#endif
