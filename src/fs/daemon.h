/*
 * daemon.h — lock file and mount-point housekeeping for the daemon.
 * dmn_ functions return 0 or a negative code; why gets a one-line reason.
 */
#ifndef SFS_FS_DAEMON_H
#define SFS_FS_DAEMON_H

#include <stddef.h>

/* Take DATADIR/LOCK (see daemon.c for the waiting rules). */
int dmn_lock(const char *datadir, int *lock_fd, char *why, size_t why_len);
/* Write "<pid> <state> <mountpoint>" into the lock file. */
int dmn_lock_state(int lock_fd, const char *state, const char *mountpoint);
/*
 * Make mountpoint (absolute, not resolved through a dead mount) ready:
 * detach dead FUSE mounts stacked there by killed daemons; refuse (-EBUSY)
 * when a live streamfs already serves it.
 */
int dmn_prepare_mountpoint(const char *mountpoint, char *why, size_t why_len);

#endif
