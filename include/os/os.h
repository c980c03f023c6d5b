/*
 * os.h — the only layer that makes file system calls.
 *
 * Everything above goes through these wrappers, so tests can make any of
 * them fail on purpose (fault injection) and so the storage code reads as
 * a sequence of named steps. All functions return 0 or a negated errno.
 * Writes are complete or fail: os_pwrite/os_write retry short writes and
 * EINTR themselves.
 */
#ifndef SFS_OS_OS_H
#define SFS_OS_OS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"

int os_open(const char *path, int flags, int mode, int *fd);
int os_close(int fd);
int os_pwrite(int fd, const void *p, size_t n, off_t off);
int os_write(int fd, const void *p, size_t n);
/* Read up to n bytes at off; *got is what was read (0 at end of file). */
int os_pread(int fd, void *p, size_t n, off_t off, size_t *got);
int os_fsync(int fd);
int os_fdatasync(int fd);
int os_ftruncate(int fd, off_t len);
int os_fsize(int fd, off_t *size);
/* Map the first n bytes of fd read-only and shared (immutable files such
 * as column parts: reads become memory accesses); os_munmap undoes it. */
int os_mmap_ro(int fd, size_t n, const void **out);
void os_munmap(const void *p, size_t n);
/* Let go of the mapping's resident pages (the file's page cache keeps
 * them; the next access maps them again): a mapping no reader uses stops
 * counting in the daemon's RSS. */
void os_mmap_drop(const void *p, size_t n);
int os_rename(const char *from, const char *to);
int os_unlink(const char *path);
/* mkdir; an existing directory is success. */
int os_mkdir(const char *path, int mode);
/* Remove a directory tree (no symlinks followed). */
int os_rmtree(const char *path);
/* fsync a directory so renames and creates in it are durable. */
int os_fsync_dir(const char *path);
/* Non-blocking exclusive flock; -EWOULDBLOCK when another holds it. */
int os_flock_ex(int fd);
/* 1 if path exists, 0 if not. */
int os_exists(const char *path);
/* stat(2)'s outcome: 0, or -errno (-ENOTCONN for a dead FUSE mount). */
int os_stat_err(const char *path);
/* Lazily detach whatever is mounted at path (umount2 MNT_DETACH). */
int os_detach_mount(const char *path);
/* statvfs(2) of the file system holding path. */
struct statvfs;
int os_statvfs(const char *path, struct statvfs *out);
/* The file system type of the topmost mount at mount point path (exact,
 * absolute), e.g. "fuse.streamfs", from /proc/self/mountinfo; -ENOENT when
 * nothing is mounted there. */
int os_mount_fstype(const char *path, char *fstype, size_t n);
/* n random bytes from the kernel (getrandom). */
int os_random(void *p, size_t n);
/* Names in directory path, in no particular order; *names is one
 * allocation of NUL-separated names, *n their count (caller frees). */
int os_list_dir(const char *path, char **names, size_t *n);
/* Whole file into out (appended). */
int os_read_file(const char *path, struct buf *out);
/* Replace path atomically: write path.tmp, fsync, rename, fsync the dir. */
int os_write_file_atomic(const char *path, const void *p, size_t n);
/* The same without the syncs: readers see the old or the new file, never a
 * mix, but a crash may lose the change (metadata that may be lost). */
int os_write_file(const char *path, const void *p, size_t n);

/*
 * Fault injection (tests only). The nth matching call from now (1 = the
 * next one) fails with -err; OS_FAULT_SHORT makes the nth write store only
 * half of its bytes and then fail with -err, as a crash mid-write would.
 */
enum os_fault_op { OS_FAULT_WRITE, OS_FAULT_FSYNC, OS_FAULT_SHORT, OS_FAULT_OPEN, OS_FAULT_NOPS };
void os_fault_set(enum os_fault_op op, long nth, int err);
void os_fault_clear(void);

/*
 * Power-loss simulation (tests only). While tracking is on, every file
 * opened for writing remembers its size at its last fsync/fdatasync (0 if
 * never synced); os_crash_drop_unsynced() then cuts each such file still
 * open back to that size, as a power loss drops data not yet synced.
 */
void os_track_syncs(int on);
int os_crash_drop_unsynced(void);

#endif
