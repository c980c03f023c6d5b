/*
 * manifest.c — loading and atomically replacing a stream's list of live
 * parts (store/manifest.h). The file is small (a line per part: merges
 * keep parts few), so it is rewritten whole on every commit.
 */
#include "store/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/os.h"
#include "util/err.h"

#define HEADER "streamfs-parts 1"

int mfst_add(struct mfst *m, const char *name)
{
    if (strlen(name) >= PRT_NAME_MAX)
        return -ENAMETOOLONG;
    void *p = realloc(m->names, (m->n + 1) * sizeof(*m->names));
    if (!p)
        return -ENOMEM;
    m->names = p;
    snprintf(m->names[m->n++], PRT_NAME_MAX, "%s", name);
    return 0;
}

void mfst_free(struct mfst *m)
{
    free(m->names);
    memset(m, 0, sizeof(*m));
}

int mfst_load(const char *dir, struct mfst *out)
{
    char path[PATH_MAX];
    struct buf b = BUF_INIT;
    int rc, ended = 0, headed = 0;
    memset(out, 0, sizeof(*out));
    snprintf(path, sizeof(path), "%s/%s", dir, MFST_FILE);
    if (!os_exists(path))
        return 0;
    if ((rc = os_read_file(path, &b)) || (rc = buf_cstr(&b)))
        goto fail;
    char *save = NULL;
    rc = ERR_CORRUPT;
    for (char *line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[PRT_NAME_MAX + 1];
        uint64_t v;
        if (ended)
            goto fail;
        if (!headed) {
            if (strcmp(line, HEADER))
                goto fail;
            headed = 1;
        } else if (sscanf(line, "covered %" SCNu64, &v) == 1) {
            out->covered_sn = v;
        } else if (!strncmp(line, "part ", 5) && strlen(line + 5) < PRT_NAME_MAX &&
                   sscanf(line + 5, "%48s", name) == 1) {
            if ((rc = mfst_add(out, name)))
                goto fail;
            rc = ERR_CORRUPT;
        } else if (!strcmp(line, "end")) {
            ended = 1;
        } else
            goto fail;
    }
    if (!ended)
        goto fail;
    buf_free(&b);
    return 0;
fail:
    buf_free(&b);
    mfst_free(out);
    return rc;
}

int mfst_save(const char *dir, const struct mfst *m)
{
    char path[PATH_MAX];
    struct buf b = BUF_INIT;
    int rc = buf_printf(&b, "%s\ncovered %" PRIu64 "\n", HEADER, m->covered_sn);
    for (uint32_t i = 0; !rc && i < m->n; i++)
        rc = buf_printf(&b, "part %s\n", m->names[i]);
    if (!rc)
        rc = buf_puts(&b, "end\n");
    snprintf(path, sizeof(path), "%s/%s", dir, MFST_FILE);
    if (!rc)
        rc = os_write_file_atomic(path, b.data, b.len);
    buf_free(&b);
    return rc;
}
