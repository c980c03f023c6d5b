/*
 * os.c — file system calls and the fault-injection point (os/os.h).
 *
 * Kept deliberately thin: one wrapper per call, each consulting the fault
 * table first. The counters are atomics so tests can arm a fault while a
 * multi-threaded engine runs.
 */
#include "os/os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static _Atomic long fault_left[OS_FAULT_NOPS];
static _Atomic int fault_err[OS_FAULT_NOPS];

/* --- power-loss simulation ------------------------------------------------ */

#define MAX_TRACKED 256

static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int tracking; /* read unlocked on hot paths; set by tests */
static struct {
    int fd;
    off_t synced;
    char path[PATH_MAX];
} tracked[MAX_TRACKED]; /* fd -1: free slot; guarded by track_mu */

void os_track_syncs(int on)
{
    pthread_mutex_lock(&track_mu);
    tracking = on;
    for (int i = 0; i < MAX_TRACKED; i++)
        tracked[i].fd = -1;
    pthread_mutex_unlock(&track_mu);
}

static void track_open(int fd, const char *path, int flags)
{
    if (!(flags & (O_WRONLY | O_RDWR)))
        return;
    struct stat st;
    pthread_mutex_lock(&track_mu);
    for (int i = 0; tracking && i < MAX_TRACKED; i++)
        if (tracked[i].fd < 0) {
            tracked[i].fd = fd;
            /* what an existing file held is taken as synced */
            tracked[i].synced = (flags & O_TRUNC) || fstat(fd, &st) ? 0 : st.st_size;
            snprintf(tracked[i].path, sizeof(tracked[i].path), "%s", path);
            break;
        }
    pthread_mutex_unlock(&track_mu);
}

static void track_sync(int fd)
{
    struct stat st;
    pthread_mutex_lock(&track_mu);
    for (int i = 0; tracking && i < MAX_TRACKED; i++)
        if (tracked[i].fd == fd && fstat(fd, &st) == 0)
            tracked[i].synced = st.st_size;
    pthread_mutex_unlock(&track_mu);
}

static void track_close(int fd)
{
    pthread_mutex_lock(&track_mu);
    for (int i = 0; tracking && i < MAX_TRACKED; i++)
        if (tracked[i].fd == fd)
            tracked[i].fd = -1;
    pthread_mutex_unlock(&track_mu);
}

int os_crash_drop_unsynced(void)
{
    int rc = 0;
    pthread_mutex_lock(&track_mu);
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i].fd >= 0 && ftruncate(tracked[i].fd, tracked[i].synced) < 0 && !rc)
            rc = -errno;
    pthread_mutex_unlock(&track_mu);
    return rc;
}

void os_fault_set(enum os_fault_op op, long nth, int err)
{
    atomic_store(&fault_err[op], err);
    atomic_store(&fault_left[op], nth);
}

void os_fault_clear(void)
{
    for (int i = 0; i < OS_FAULT_NOPS; i++)
        atomic_store(&fault_left[i], 0);
}

/* 0, or the injected error when this call is the armed one. */
static int fault(enum os_fault_op op)
{
    long left = atomic_load(&fault_left[op]);
    while (left > 0) {
        if (atomic_compare_exchange_weak(&fault_left[op], &left, left - 1))
            return left == 1 ? -atomic_load(&fault_err[op]) : 0;
    }
    return 0;
}

int os_open(const char *path, int flags, int mode, int *fd)
{
    int rc = fault(OS_FAULT_OPEN);
    if (rc)
        return rc;
    int f = open(path, flags | O_CLOEXEC, mode);
    if (f < 0)
        return -errno;
    if (tracking)
        track_open(f, path, flags);
    *fd = f;
    return 0;
}

int os_close(int fd)
{
    if (tracking)
        track_close(fd);
    return close(fd) < 0 ? -errno : 0;
}

static int write_loop(int fd, const char *p, size_t n, off_t off, int positional)
{
    int rc = fault(OS_FAULT_WRITE);
    if (rc)
        return rc;
    rc = fault(OS_FAULT_SHORT);
    if (rc) {
        size_t half = n / 2;
        ssize_t w = positional ? pwrite(fd, p, half, off) : write(fd, p, half);
        (void)w;
        return rc;
    }
    while (n) {
        ssize_t w = positional ? pwrite(fd, p, n, off) : write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

int os_pwrite(int fd, const void *p, size_t n, off_t off)
{
    return write_loop(fd, p, n, off, 1);
}

int os_write(int fd, const void *p, size_t n)
{
    return write_loop(fd, p, n, 0, 0);
}

int os_pread(int fd, void *p, size_t n, off_t off, size_t *got)
{
    size_t total = 0;
    while (total < n) {
        ssize_t r = pread(fd, (char *)p + total, n - total, off + (off_t)total);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            break;
        total += (size_t)r;
    }
    *got = total;
    return 0;
}

int os_fsync(int fd)
{
    int rc = fault(OS_FAULT_FSYNC);
    if (rc)
        return rc;
    if (fsync(fd) < 0)
        return -errno;
    if (tracking)
        track_sync(fd);
    return 0;
}

int os_fdatasync(int fd)
{
    int rc = fault(OS_FAULT_FSYNC);
    if (rc)
        return rc;
    if (fdatasync(fd) < 0)
        return -errno;
    if (tracking)
        track_sync(fd);
    return 0;
}

int os_ftruncate(int fd, off_t len)
{
    return ftruncate(fd, len) < 0 ? -errno : 0;
}

int os_fsize(int fd, off_t *size)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    *size = st.st_size;
    return 0;
}

int os_mmap_ro(int fd, size_t n, const void **out)
{
    int rc = fault(OS_FAULT_OPEN);
    if (rc)
        return rc;
    void *p = mmap(NULL, n ? n : 1, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    *out = p;
    return 0;
}

void os_mmap_drop(const void *p, size_t n)
{
    if (p)
        madvise((void *)p, n ? n : 1, MADV_DONTNEED);
}

void os_munmap(const void *p, size_t n)
{
    if (p)
        munmap((void *)p, n ? n : 1);
}

int os_rename(const char *from, const char *to)
{
    return rename(from, to) < 0 ? -errno : 0;
}

int os_unlink(const char *path)
{
    return unlink(path) < 0 ? -errno : 0;
}

int os_mkdir(const char *path, int mode)
{
    if (mkdir(path, (mode_t)mode) == 0)
        return 0;
    if (errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        return -ENOTDIR;
    }
    return -errno;
}

int os_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL && !rc) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char sub[PATH_MAX];
        if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub)) {
            rc = -ENAMETOOLONG;
            break;
        }
        struct stat st;
        if (lstat(sub, &st) < 0)
            rc = -errno;
        else if (S_ISDIR(st.st_mode))
            rc = os_rmtree(sub);
        else if (unlink(sub) < 0)
            rc = -errno;
    }
    closedir(d);
    if (!rc && rmdir(path) < 0)
        rc = -errno;
    return rc;
}

int os_fsync_dir(const char *path)
{
    int fd = -1;
    int rc = os_open(path, O_RDONLY | O_DIRECTORY, 0, &fd);
    if (rc)
        return rc;
    rc = os_fsync(fd);
    close(fd);
    return rc;
}

int os_flock_ex(int fd)
{
    return flock(fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
}

int os_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int os_stat_err(const char *path)
{
    struct stat st;
    return stat(path, &st) < 0 ? -errno : 0;
}

int os_detach_mount(const char *path)
{
    return umount2(path, MNT_DETACH) < 0 ? -errno : 0;
}

int os_statvfs(const char *path, struct statvfs *out)
{
    return statvfs(path, out) < 0 ? -errno : 0;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_mount_path(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

int os_mount_fstype(const char *path, char *fstype, size_t n)
{
    struct buf text = BUF_INIT;
    int rc = os_read_file("/proc/self/mountinfo", &text);
    if (!rc)
        rc = buf_cstr(&text);
    if (rc) {
        buf_free(&text);
        return rc;
    }
    int found = 0;
    char *save = NULL;
    for (char *line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* id parent major:minor root mountpoint options... - fstype source ... */
        char mnt[PATH_MAX], type[64];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
            sscanf(dash + 3, "%63s", type) != 1)
            continue;
        unescape_mount_path(mnt);
        if (strcmp(mnt, path) == 0) { /* later lines are mounted on top */
            snprintf(fstype, n, "%s", type);
            found = 1;
        }
    }
    buf_free(&text);
    return found ? 0 : -ENOENT;
}

int os_random(void *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t r = getrandom((char *)p + done, n - done, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += (size_t)r;
    }
    return 0;
}

int os_list_dir(const char *path, char **names, size_t *n)
{
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    struct buf b = BUF_INIT;
    struct dirent *de;
    size_t count = 0;
    int rc = 0;
    while (!rc && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        rc = buf_append(&b, de->d_name, strlen(de->d_name) + 1);
        count++;
    }
    closedir(d);
    if (rc) {
        buf_free(&b);
        return rc;
    }
    *names = b.data;
    *n = count;
    return 0;
}

int os_read_file(const char *path, struct buf *out)
{
    int fd = -1;
    int rc = os_open(path, O_RDONLY, 0, &fd);
    if (rc)
        return rc;
    for (;;) {
        rc = buf_reserve(out, 65536);
        if (rc)
            break;
        ssize_t r = read(fd, out->data + out->len, 65536);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
    }
    close(fd);
    return rc;
}

static int replace_file(const char *path, const void *p, size_t n, int durable);

int os_write_file_atomic(const char *path, const void *p, size_t n)
{
    return replace_file(path, p, n, 1);
}

int os_write_file(const char *path, const void *p, size_t n)
{
    return replace_file(path, p, n, 0);
}

static int replace_file(const char *path, const void *p, size_t n, int durable)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int fd = -1;
    int rc = os_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd);
    if (rc)
        return rc;
    rc = os_write(fd, p, n);
    if (!rc && durable)
        rc = os_fsync(fd);
    close(fd);
    if (!rc)
        rc = os_rename(tmp, path);
    if (!rc && durable)
        rc = os_fsync_dir(dir);
    if (rc)
        unlink(tmp);
    return rc;
}
