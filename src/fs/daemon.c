/*
 * daemon.c — the data directory's lock and the mount's life cycle
 * (SPEC precise rule 13).
 *
 * DATADIR/LOCK is held with flock for the daemon's whole life and says
 * "<pid> serving <mountpoint>" or "<pid> exiting". A second daemon finding
 * it locked refuses when the holder is serving and waits (up to 30 s) when
 * it is exiting; a lock left by a killed daemon is simply free again.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "os/os.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/msg.h"

#define EXIT_WAIT_S 30

static int read_lock_text(int fd, char *out, size_t n)
{
    size_t got = 0;
    int rc = os_pread(fd, out, n - 1, 0, &got);
    out[rc ? 0 : got] = '\0';
    char *nl = strchr(out, '\n');
    if (nl)
        *nl = '\0';
    return rc;
}

int dmn_lock(const char *datadir, int *lock_fd, char *why, size_t why_len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/LOCK", datadir);
    int fd = -1;
    int rc = os_open(path, O_RDWR | O_CREAT, 0644, &fd);
    if (rc) {
        snprintf(why, why_len, "cannot open %s: %s", path, err_str(rc));
        return rc;
    }
    for (int waited = 0;; waited++) {
        rc = os_flock_ex(fd);
        if (rc != -EWOULDBLOCK)
            break;
        char text[PATH_MAX + 64];
        read_lock_text(fd, text, sizeof(text));
        if (!strstr(text, " exiting") || waited >= EXIT_WAIT_S * 10) {
            snprintf(why, why_len, "%s is already in use (%s)", datadir,
                     text[0] ? text : "another daemon holds its lock");
            os_close(fd);
            return ERR_LOCKED;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (rc) {
        snprintf(why, why_len, "cannot lock %s: %s", path, err_str(rc));
        os_close(fd);
        return rc;
    }
    *lock_fd = fd;
    return 0;
}

int dmn_lock_state(int lock_fd, const char *state, const char *mountpoint)
{
    struct buf b = BUF_INIT;
    int rc = buf_printf(&b, "%ld %s %s\n", (long)getpid(), state, mountpoint ? mountpoint : "");
    if (!rc)
        rc = os_ftruncate(lock_fd, 0);
    if (!rc)
        rc = os_pwrite(lock_fd, b.data, b.len, 0);
    buf_free(&b);
    return rc;
}

#define MAX_STACKED 16

int dmn_prepare_mountpoint(const char *mountpoint, char *why, size_t why_len)
{
    for (int i = 0; i < MAX_STACKED; i++) {
        char fstype[64];
        if (os_mount_fstype(mountpoint, fstype, sizeof(fstype)))
            return 0; /* nothing mounted there */
        if (strncmp(fstype, "fuse", 4))
            return 0; /* another file system: mounting over it is the user's call */
        /* statfs always reaches the daemon (stat may be answered from cache) */
        struct statvfs sv;
        int rc = os_statvfs(mountpoint, &sv);
        if (rc != -ENOTCONN) {
            if (strcmp(fstype, "fuse.streamfs"))
                return 0;
            snprintf(why, why_len, "%s is already a live streamfs mount", mountpoint);
            return -EBUSY;
        }
        msg_warn("%s: a dead mount (its daemon was killed): detaching it", mountpoint);
        rc = os_detach_mount(mountpoint);
        if (rc) {
            snprintf(why, why_len, "cannot detach the dead mount at %s: %s", mountpoint,
                     err_str(rc));
            return rc;
        }
    }
    snprintf(why, why_len, "%s: too many dead mounts stacked", mountpoint);
    return -EBUSY;
}
