/*
 * manifest.h — the list of a stream's live column parts, in
 * DATADIR/streams/<id>/parts/MANIFEST.
 *
 * A text file, replaced atomically (temp, fsync, rename, fsync dir), so
 * that a crash leaves the old list or the new one:
 *
 *   streamfs-parts 1
 *   covered 1048576
 *   part 0000000000000000-0000000000080000.prt
 *   part 0000000000080000-0000000000100000.prt
 *   end
 *
 * `covered` is the sequence number below which every row is in a listed
 * part or was dropped on purpose (ttl): the log holds the rest. Parts are
 * listed in sequence order and cover consecutive ranges. A part file in
 * the directory that the manifest does not list is debris of a compaction
 * or merge that did not commit, and is removed when the store opens.
 *
 * Ownership: struct mfst owns its names array; mfst_free releases it.
 */
#ifndef SFS_STORE_MANIFEST_H
#define SFS_STORE_MANIFEST_H

#include <stdint.h>

#include "store/part.h"

#define MFST_FILE "MANIFEST"

struct mfst {
    uint64_t covered_sn;
    uint32_t n;
    char (*names)[PRT_NAME_MAX];
};

/* Load dir/MANIFEST; a missing file is an empty manifest (covered 0).
 * ERR_CORRUPT when the text does not parse. */
int mfst_load(const char *dir, struct mfst *out);
/* Replace dir/MANIFEST with m, durably. */
int mfst_save(const char *dir, const struct mfst *m);
/* Append a name (copied). */
int mfst_add(struct mfst *m, const char *name);
void mfst_free(struct mfst *m);

#endif
