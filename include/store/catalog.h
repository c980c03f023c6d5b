/*
 * catalog.h — the persistent list of streams in DATADIR/catalog.
 *
 * A text file, rewritten atomically (temp, fsync, rename, fsync dir) on each
 * change, so it is readable with cat and survives power loss:
 *
 *   streamfs-catalog 1
 *   next_id 3
 *   stream 1 sensors format=json fsync=close on_error=fail time_col=-1 codec=lz4
 *   col temp float64
 *   col _tp_time datetime64(3)
 *   end
 *
 * A mutable stream adds, after its columns:
 *
 *   mutable shards=1
 *   key device_id timestamp
 *   index sidx1 region
 *   family cf1 lat lon
 *
 * A stream line ends with optional amounts, written only when set (so
 * older catalogs load): segment_bytes=N retention_bytes=N retention_ms=N,
 * and for a random stream random=1 eps=N interval_time=N. A column with a
 * DEFAULT (random streams) is followed by its text on a line of its own,
 * backslashes and line breaks escaped:
 *
 *   stream 2 devices format=json ... codec=lz4 random=1 eps=50 interval_time=100
 *   col temperature float64
 *   default rand() % 1000 / 10
 *
 * Stream ids are never reused (next_id only grows), so inode numbers and
 * directories derived from them stay unique for the data directory's life.
 * Ownership: the catalog owns its schemas; cat_add takes the one it is given.
 * Not thread-safe: the engine serializes access.
 */
#ifndef SFS_STORE_CATALOG_H
#define SFS_STORE_CATALOG_H

#include <stdint.h>

#include "types/schema.h"

struct cat_entry {
    uint32_t id;
    struct schema *schema;
};

struct catalog {
    char *path;
    uint32_t next_id;
    uint32_t n;
    struct cat_entry *entries;
};

/* Load DATADIR/catalog (an empty catalog when the file does not exist). */
int cat_load(const char *datadir, struct catalog **out);
void cat_destroy(struct catalog *c);
/* Add a stream and persist; takes s (freed on failure too); *id is its new id. */
int cat_add(struct catalog *c, struct schema *s, uint32_t *id);
/* Remove stream id and persist. */
int cat_remove(struct catalog *c, uint32_t id);
/* Entry by name, or NULL. */
const struct cat_entry *cat_find(const struct catalog *c, const char *name);

#endif
