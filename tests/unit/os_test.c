/*
 * os_test.c — the OS layer (os/os.h): read/write round trips, sizes and
 * truncation, directories, os_read_file, os_write_file_atomic (and that a
 * failure at any step leaves the old file whole), os_rmtree (nested, and
 * never following symlinks), flock, and fault injection: the Nth write,
 * fsync, short write or open fails exactly once, and os_fault_clear
 * disarms everything.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/os.h"

static char tmpdir[64];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sfs_os_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
    os_fault_clear();
    cr_assert_eq(os_rmtree(tmpdir), 0);
    cr_assert_eq(os_exists(tmpdir), 0);
}

TestSuite(os, .init = setup, .fini = teardown);

/* tmpdir/name in a static buffer (one at a time per slot). */
static const char *path_in(int slot, const char *name)
{
    static char paths[4][PATH_MAX];
    snprintf(paths[slot], PATH_MAX, "%s/%s", tmpdir, name);
    return paths[slot];
}

static int open_rw(const char *path)
{
    int fd = -1;
    cr_assert_eq(os_open(path, O_RDWR | O_CREAT, 0644, &fd), 0, "open %s", path);
    cr_assert(fd >= 0);
    return fd;
}

/* The whole file as a NUL-terminated buffer (caller frees with buf_free). */
static struct buf slurp(const char *path)
{
    struct buf b = BUF_INIT;
    cr_assert_eq(os_read_file(path, &b), 0, "read %s", path);
    cr_assert_eq(buf_cstr(&b), 0);
    return b;
}

static off_t size_of(int fd)
{
    off_t sz = -1;
    cr_assert_eq(os_fsize(fd, &sz), 0);
    return sz;
}

static void write_file(const char *path, const char *text)
{
    int fd = open_rw(path);
    cr_assert_eq(os_ftruncate(fd, 0), 0);
    cr_assert_eq(os_write(fd, text, strlen(text)), 0);
    cr_assert_eq(os_close(fd), 0);
}

static void expect_file(const char *path, const char *want)
{
    struct buf b = slurp(path);
    cr_assert_eq(b.len, strlen(want), "%s: %zu bytes, want %zu", path, b.len, strlen(want));
    cr_assert_str_eq(b.data, want);
    buf_free(&b);
}

/* --- plain calls ------------------------------------------------------- */

Test(os, write_then_pread)
{
    int fd = open_rw(path_in(0, "f"));
    cr_assert_eq(os_write(fd, "hello ", 6), 0);
    cr_assert_eq(os_write(fd, "world", 5), 0);
    cr_assert_eq(size_of(fd), 11);
    char got[32];
    size_t n = 99;
    cr_assert_eq(os_pread(fd, got, 11, 0, &n), 0);
    cr_assert_eq(n, 11);
    cr_assert(memcmp(got, "hello world", 11) == 0);
    cr_assert_eq(os_pread(fd, got, 32, 6, &n), 0);
    cr_assert_eq(n, 5, "short read at end of file");
    cr_assert(memcmp(got, "world", 5) == 0);
    cr_assert_eq(os_pread(fd, got, 8, 11, &n), 0);
    cr_assert_eq(n, 0, "read at end of file gets 0");
    cr_assert_eq(os_pread(fd, got, 8, 1000, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, pwrite_at_offsets)
{
    int fd = open_rw(path_in(0, "f"));
    cr_assert_eq(os_pwrite(fd, "BBBB", 4, 4), 0);
    cr_assert_eq(os_pwrite(fd, "AAAA", 4, 0), 0);
    cr_assert_eq(os_pwrite(fd, "xy", 2, 3), 0);
    cr_assert_eq(size_of(fd), 8);
    char got[8];
    size_t n;
    cr_assert_eq(os_pread(fd, got, 8, 0, &n), 0);
    cr_assert_eq(n, 8);
    cr_assert(memcmp(got, "AAAxyBBB", 8) == 0);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, large_write_round_trip)
{
    size_t n = 3u << 20;
    char *data = malloc(n);
    cr_assert_not_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)(i * 131 + (i >> 9));
    int fd = open_rw(path_in(0, "big"));
    cr_assert_eq(os_write(fd, data, n), 0);
    cr_assert_eq(os_close(fd), 0);
    struct buf b = BUF_INIT;
    cr_assert_eq(os_read_file(path_in(0, "big"), &b), 0);
    cr_assert_eq(b.len, n);
    cr_assert(memcmp(b.data, data, n) == 0);
    buf_free(&b);
    free(data);
}

Test(os, read_file_appends)
{
    write_file(path_in(0, "f"), "tail");
    struct buf b = BUF_INIT;
    cr_assert_eq(buf_puts(&b, "head:"), 0);
    cr_assert_eq(os_read_file(path_in(0, "f"), &b), 0);
    cr_assert_eq(b.len, 9);
    cr_assert(memcmp(b.data, "head:tail", 9) == 0);
    cr_assert_eq(os_read_file(path_in(0, "missing"), &b), -ENOENT);
    buf_free(&b);
}

Test(os, read_empty_file)
{
    write_file(path_in(0, "empty"), "");
    struct buf b = BUF_INIT;
    cr_assert_eq(os_read_file(path_in(0, "empty"), &b), 0);
    cr_assert_eq(b.len, 0);
    buf_free(&b);
}

Test(os, open_missing_and_errors)
{
    int fd = -1;
    cr_assert_eq(os_open(path_in(0, "nope"), O_RDONLY, 0, &fd), -ENOENT);
    cr_assert_eq(fd, -1, "fd untouched on failure");
    cr_assert_eq(os_open(path_in(0, "no/such/dir"), O_RDWR | O_CREAT, 0644, &fd), -ENOENT);
    cr_assert_eq(os_unlink(path_in(0, "nope")), -ENOENT);
    cr_assert_eq(os_rename(path_in(0, "nope"), path_in(1, "other")), -ENOENT);
    cr_assert_eq(os_close(-1), -EBADF);
}

Test(os, ftruncate_and_fsize)
{
    int fd = open_rw(path_in(0, "f"));
    cr_assert_eq(size_of(fd), 0);
    cr_assert_eq(os_write(fd, "0123456789", 10), 0);
    cr_assert_eq(os_ftruncate(fd, 4), 0);
    cr_assert_eq(size_of(fd), 4);
    cr_assert_eq(os_ftruncate(fd, 6), 0);
    cr_assert_eq(size_of(fd), 6);
    char got[6];
    size_t n;
    cr_assert_eq(os_pread(fd, got, 6, 0, &n), 0);
    cr_assert_eq(n, 6);
    cr_assert(memcmp(got, "0123\0\0", 6) == 0);
    cr_assert_eq(os_fsync(fd), 0);
    cr_assert_eq(os_fdatasync(fd), 0);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, rename_unlink_exists)
{
    write_file(path_in(0, "a"), "A");
    write_file(path_in(1, "b"), "B");
    cr_assert_eq(os_exists(path_in(0, "a")), 1);
    cr_assert_eq(os_stat_err(path_in(0, "a")), 0);
    cr_assert_eq(os_rename(path_in(0, "a"), path_in(1, "b")), 0, "rename replaces");
    cr_assert_eq(os_exists(path_in(0, "a")), 0);
    cr_assert_eq(os_stat_err(path_in(0, "a")), -ENOENT);
    expect_file(path_in(1, "b"), "A");
    cr_assert_eq(os_unlink(path_in(1, "b")), 0);
    cr_assert_eq(os_exists(path_in(1, "b")), 0);
}

Test(os, mkdir_is_idempotent)
{
    cr_assert_eq(os_mkdir(path_in(0, "d"), 0755), 0);
    cr_assert_eq(os_mkdir(path_in(0, "d"), 0755), 0, "an existing directory is success");
    struct stat st;
    cr_assert_eq(stat(path_in(0, "d"), &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    write_file(path_in(1, "file"), "x");
    cr_assert_eq(os_mkdir(path_in(1, "file"), 0755), -ENOTDIR);
    cr_assert_eq(os_mkdir(path_in(2, "no/parent"), 0755), -ENOENT);
    cr_assert_eq(os_fsync_dir(path_in(0, "d")), 0);
    cr_assert_eq(os_fsync_dir(path_in(2, "missing")), -ENOENT);
}

Test(os, flock_is_exclusive)
{
    const char *p = path_in(0, "LOCK");
    int a = open_rw(p), b = open_rw(p);
    cr_assert_eq(os_flock_ex(a), 0);
    int rc = os_flock_ex(b);
    cr_assert_eq(rc, -EWOULDBLOCK, "second lock: %d", rc);
    cr_assert_eq(os_close(a), 0);
    cr_assert_eq(os_flock_ex(b), 0, "free again once the holder closes");
    cr_assert_eq(os_close(b), 0);
}

/* --- os_write_file_atomic ---------------------------------------------- */

Test(os, write_file_atomic_creates_and_replaces)
{
    const char *p = path_in(0, "cat");
    cr_assert_eq(os_write_file_atomic(p, "first\n", 6), 0);
    expect_file(p, "first\n");
    cr_assert_eq(os_write_file_atomic(p, "second, longer\n", 15), 0);
    expect_file(p, "second, longer\n");
    cr_assert_eq(os_write_file_atomic(p, "3", 1), 0, "shorter content leaves no old tail");
    expect_file(p, "3");
    cr_assert_eq(os_write_file_atomic(p, "", 0), 0);
    expect_file(p, "");
    cr_assert_eq(os_exists(path_in(1, "cat.tmp")), 0, "no temp file left behind");
}

/* Arm one fault, try an atomic replace, and check the old content survived. */
static void atomic_fault_keeps_old(enum os_fault_op op, int err)
{
    const char *p = path_in(0, "cat");
    cr_assert_eq(os_write_file_atomic(p, "old content\n", 12), 0);
    os_fault_set(op, 1, err);
    cr_assert_eq(os_write_file_atomic(p, "new content that is longer\n", 28), -err);
    os_fault_clear();
    expect_file(p, "old content\n");
    cr_assert_eq(os_exists(path_in(1, "cat.tmp")), 0, "the temp file is removed on failure");
    /* and the next attempt works */
    cr_assert_eq(os_write_file_atomic(p, "new\n", 4), 0);
    expect_file(p, "new\n");
}

Test(os, write_file_atomic_write_fault_keeps_old)
{
    atomic_fault_keeps_old(OS_FAULT_WRITE, ENOSPC);
}

Test(os, write_file_atomic_short_write_keeps_old)
{
    atomic_fault_keeps_old(OS_FAULT_SHORT, EIO);
}

Test(os, write_file_atomic_fsync_fault_keeps_old)
{
    atomic_fault_keeps_old(OS_FAULT_FSYNC, EIO);
}

Test(os, write_file_atomic_open_fault_keeps_old)
{
    atomic_fault_keeps_old(OS_FAULT_OPEN, EMFILE);
}

Test(os, write_file_atomic_no_dir)
{
    cr_assert_eq(os_write_file_atomic(path_in(0, "missing/cat"), "x", 1), -ENOENT);
}

/* --- os_rmtree ---------------------------------------------------------- */

Test(os, rmtree_nested)
{
    cr_assert_eq(os_mkdir(path_in(0, "t"), 0755), 0);
    cr_assert_eq(os_mkdir(path_in(0, "t/a"), 0755), 0);
    cr_assert_eq(os_mkdir(path_in(0, "t/a/b"), 0755), 0);
    cr_assert_eq(os_mkdir(path_in(0, "t/empty"), 0755), 0);
    write_file(path_in(0, "t/f1"), "1");
    write_file(path_in(0, "t/a/f2"), "2");
    write_file(path_in(0, "t/a/b/f3"), "3");
    write_file(path_in(0, "t/a/b/.hidden"), "4");
    cr_assert_eq(os_rmtree(path_in(0, "t")), 0);
    cr_assert_eq(os_exists(path_in(0, "t")), 0);
    cr_assert_eq(os_rmtree(path_in(0, "t")), 0, "a missing tree is success");
}

Test(os, rmtree_does_not_follow_symlinks)
{
    cr_assert_eq(os_mkdir(path_in(0, "keep"), 0755), 0);
    write_file(path_in(0, "keep/precious"), "data");
    cr_assert_eq(os_mkdir(path_in(0, "t"), 0755), 0);
    char target[PATH_MAX];
    snprintf(target, sizeof(target), "%s/keep", tmpdir);
    cr_assert_eq(symlink(target, path_in(1, "t/link")), 0);
    cr_assert_eq(symlink(path_in(2, "keep/precious"), path_in(3, "t/filelink")), 0);
    cr_assert_eq(os_rmtree(path_in(0, "t")), 0);
    cr_assert_eq(os_exists(path_in(0, "t")), 0);
    expect_file(path_in(0, "keep/precious"), "data");
}

Test(os, rmtree_single_file_dir)
{
    cr_assert_eq(os_mkdir(path_in(0, "d"), 0755), 0);
    cr_assert_eq(os_rmtree(path_in(0, "d")), 0);
    cr_assert_eq(os_exists(path_in(0, "d")), 0);
}

/* --- fault injection ---------------------------------------------------- */

Test(os, nth_write_fails_once)
{
    int fd = open_rw(path_in(0, "f"));
    os_fault_set(OS_FAULT_WRITE, 3, ENOSPC);
    cr_assert_eq(os_write(fd, "a", 1), 0);
    cr_assert_eq(os_pwrite(fd, "b", 1, 1), 0, "pwrite counts as a write too");
    cr_assert_eq(os_pwrite(fd, "ccc", 3, 2), -ENOSPC);
    cr_assert_eq(size_of(fd), 2, "a failed write stores nothing");
    cr_assert_eq(os_pwrite(fd, "d", 1, 2), 0, "the fault fires once");
    cr_assert_eq(os_pwrite(fd, "e", 1, 3), 0);
    cr_assert_eq(size_of(fd), 4);
    char got[4];
    size_t n;
    cr_assert_eq(os_pread(fd, got, 4, 0, &n), 0);
    cr_assert(memcmp(got, "abde", 4) == 0);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, first_write_fails)
{
    int fd = open_rw(path_in(0, "f"));
    os_fault_set(OS_FAULT_WRITE, 1, EIO);
    cr_assert_eq(os_pwrite(fd, "x", 1, 0), -EIO);
    cr_assert_eq(os_pwrite(fd, "x", 1, 0), 0);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, nth_fsync_fails_once)
{
    int fd = open_rw(path_in(0, "f"));
    os_fault_set(OS_FAULT_FSYNC, 2, EIO);
    cr_assert_eq(os_fsync(fd), 0);
    cr_assert_eq(os_fdatasync(fd), -EIO, "fdatasync counts as an fsync");
    cr_assert_eq(os_fsync(fd), 0);
    cr_assert_eq(os_fdatasync(fd), 0);
    os_fault_set(OS_FAULT_FSYNC, 1, ENOSPC);
    cr_assert_eq(os_fsync(fd), -ENOSPC);
    cr_assert_eq(os_fsync(fd), 0);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, fsync_dir_fault)
{
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(os_fsync_dir(tmpdir), -EIO);
    cr_assert_eq(os_fsync_dir(tmpdir), 0);
}

Test(os, short_write_leaves_half)
{
    int fd = open_rw(path_in(0, "f"));
    cr_assert_eq(os_write(fd, "0123", 4), 0);
    os_fault_set(OS_FAULT_SHORT, 2, EIO);
    cr_assert_eq(os_pwrite(fd, "abcdef", 6, 4), 0);
    cr_assert_eq(os_pwrite(fd, "ABCDEFGHIJ", 10, 10), -EIO);
    cr_assert_eq(size_of(fd), 15, "half of the 10 bytes were stored");
    char got[15];
    size_t n;
    cr_assert_eq(os_pread(fd, got, 15, 0, &n), 0);
    cr_assert_eq(n, 15);
    cr_assert(memcmp(got, "0123abcdefABCDE", 15) == 0);
    cr_assert_eq(os_pwrite(fd, "KLMNO", 5, 15), 0, "the fault fires once");
    cr_assert_eq(size_of(fd), 20);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, short_write_sequential)
{
    int fd = open_rw(path_in(0, "f"));
    os_fault_set(OS_FAULT_SHORT, 1, ENOSPC);
    cr_assert_eq(os_write(fd, "12345678", 8), -ENOSPC);
    cr_assert_eq(size_of(fd), 4);
    cr_assert_eq(os_close(fd), 0);
    expect_file(path_in(0, "f"), "1234");
}

Test(os, open_fault)
{
    write_file(path_in(0, "f"), "x");
    int fd = -1;
    os_fault_set(OS_FAULT_OPEN, 2, EACCES);
    cr_assert_eq(os_open(path_in(0, "f"), O_RDONLY, 0, &fd), 0);
    cr_assert_eq(os_close(fd), 0);
    fd = -1;
    cr_assert_eq(os_open(path_in(0, "f"), O_RDONLY, 0, &fd), -EACCES);
    cr_assert_eq(fd, -1);
    struct buf b = BUF_INIT;
    cr_assert_eq(os_read_file(path_in(0, "f"), &b), 0, "fault fired once");
    buf_free(&b);
    os_fault_set(OS_FAULT_OPEN, 1, EMFILE);
    cr_assert_eq(os_read_file(path_in(0, "f"), &b), -EMFILE, "os_read_file opens through os_open");
    buf_free(&b);
}

Test(os, faults_are_independent)
{
    int fd = open_rw(path_in(0, "f"));
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    cr_assert_eq(os_write(fd, "a", 1), 0, "a write does not consume an fsync fault");
    cr_assert_eq(os_write(fd, "b", 1), 0);
    cr_assert_eq(os_fsync(fd), -EIO);
    os_fault_set(OS_FAULT_WRITE, 1, EIO);
    cr_assert_eq(os_fsync(fd), 0, "an fsync does not consume a write fault");
    cr_assert_eq(os_write(fd, "c", 1), -EIO);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, fault_clear_disarms_all)
{
    int fd = open_rw(path_in(0, "f"));
    os_fault_set(OS_FAULT_WRITE, 1, EIO);
    os_fault_set(OS_FAULT_FSYNC, 1, EIO);
    os_fault_set(OS_FAULT_SHORT, 1, EIO);
    os_fault_set(OS_FAULT_OPEN, 1, EIO);
    os_fault_clear();
    cr_assert_eq(os_write(fd, "abcd", 4), 0);
    cr_assert_eq(size_of(fd), 4);
    cr_assert_eq(os_fsync(fd), 0);
    cr_assert_eq(os_close(fd), 0);
    fd = -1;
    cr_assert_eq(os_open(path_in(0, "f"), O_RDONLY, 0, &fd), 0);
    cr_assert_eq(os_close(fd), 0);
}

Test(os, fault_rearm_replaces)
{
    int fd = open_rw(path_in(0, "f"));
    os_fault_set(OS_FAULT_WRITE, 1, EIO);
    os_fault_set(OS_FAULT_WRITE, 2, ENOSPC); /* the later arming wins */
    cr_assert_eq(os_write(fd, "a", 1), 0);
    cr_assert_eq(os_write(fd, "b", 1), -ENOSPC);
    cr_assert_eq(os_write(fd, "c", 1), 0);
    cr_assert_eq(os_close(fd), 0);
}
