# common.sh — shared setup for end-to-end cases on a real FUSE mount.
#
# A case is a small bash script that sources this file, calls sfs_start,
# and uses $MNT (the mount point) and $DATA (the data directory), both in a
# private temporary directory. Cleanup is guaranteed by an EXIT trap: the
# case's background jobs (sfs_bg) are ended, the mount is detached, the
# daemon killed if still alive, extra file systems (sfs_mount_tmpfs)
# unmounted, the directory removed.
# Sanitizer reports of the daemon are collected there and fail the case.
#
# Environment: SFS_BIN is the streamfs binary (set by tests/e2e/run).

set -euo pipefail

: "${SFS_BIN:?SFS_BIN must point at src/streamfs}"
SFS_T=$(mktemp -d /tmp/sfs-e2e.XXXXXX)
DATA=$SFS_T/data
MNT=$SFS_T/mnt
mkdir -p "$MNT"
export ASAN_OPTIONS="log_path=$SFS_T/asan:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$SFS_T/ubsan:print_stacktrace=1:halt_on_error=1"
SFS_BG_PIDS=()  # background jobs of the case, killed first at cleanup
SFS_MOUNTS=()   # extra file systems, unmounted at cleanup once the daemon is gone

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The daemon's pid, from the lock file it holds ("<pid> <state> <mnt>").
sfs_pid() {
    cut -d' ' -f1 "$DATA/LOCK" 2>/dev/null || true
}

sfs_start() {
    "$SFS_BIN" "$@" "$DATA" "$MNT" || fail "streamfs did not mount"
    mountpoint -q "$MNT" || fail "$MNT is not a mount point after streamfs returned"
}

# Unmount and wait for the daemon to finish its flush and exit.
sfs_stop() {
    local pid
    pid=$(sfs_pid)
    fusermount3 -u "$MNT" || fail "fusermount3 -u failed"
    sfs_wait_gone "$pid"
}

# A daemon is gone once it no longer runs (a zombie waiting for its reaper
# counts as gone) and its data directory's lock is free.
sfs_gone() {
    local pid=$1 state
    state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    { [ -z "$state" ] || [ "$state" = Z ]; } && flock -n "$DATA/LOCK" true
}

sfs_wait_gone() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    for i in $(seq 1 200); do
        sfs_gone "$pid" && return 0
        sleep 0.05
    done
    fail "daemon $pid still running 10 s after unmount"
}

# Wait (bounded) until a command succeeds; the bound only limits failure.
wait_for() {
    local i
    for i in $(seq 1 200); do
        if "$@"; then return 0; fi
        sleep 0.05
    done
    fail "timed out waiting for: $*"
}

expect_eq() {
    [ "$1" = "$2" ] || fail "${3:-values differ}: expected [$2], got [$1]"
}

# Run a command that must fail; sets $ERR to its stderr.
expect_fail() {
    if ERR=$("$@" 2>&1 >/dev/null); then
        fail "expected failure: $*"
    fi
}

# Remember a background job of the case (its $!): cleanup ends it first.
sfs_bg() {
    SFS_BG_PIDS+=("$1")
}

# Mount a size-limited tmpfs at DIR (made if missing), for a DATADIR on a
# small file system; cleanup unmounts it after the daemon has exited.
sfs_mount_tmpfs() {
    local dir=$1 size=$2
    mkdir -p "$dir"
    mount -t tmpfs -o "size=$size,mode=0755" tmpfs "$dir" || fail "cannot mount a tmpfs at $dir"
    SFS_MOUNTS+=("$dir")
}

sfs_cleanup() {
    local rc=$? pid p m
    for p in "${SFS_BG_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    pid=$(sfs_pid)
    if mountpoint -q "$MNT" 2>/dev/null || grep -q " $MNT " /proc/mounts; then
        fusermount3 -u -z "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
    fi
    if [ -n "$pid" ]; then
        for _ in $(seq 1 100); do sfs_gone "$pid" && break; sleep 0.05; done
        # the lock may name a daemon killed long ago whose pid was reused
        if tr '\0' '\n' 2>/dev/null < "/proc/$pid/cmdline" | grep -qxF "$DATA"; then
            kill -9 "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do sfs_gone "$pid" && break; sleep 0.05; done
        fi
    fi
    for m in "${SFS_MOUNTS[@]}"; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    # (one report of either kind is enough: `ls asan.* ubsan.*` fails when
    # one of the two patterns matches nothing). A report is an error or a
    # runtime error; LeakSanitizer's note that a thread it could not stop
    # was running at exit (LevelDB's background thread is never joined) is
    # not one.
    if { compgen -G "$SFS_T/asan.*" >/dev/null || compgen -G "$SFS_T/ubsan.*" >/dev/null; } &&
        cat "$SFS_T"/asan.* "$SFS_T"/ubsan.* 2>/dev/null | grep -qE 'ERROR: |runtime error|SUMMARY: '; then
        echo "sanitizer reports from the daemon:" >&2
        cat "$SFS_T"/asan.* "$SFS_T"/ubsan.* >&2 2>/dev/null || true
        rc=1
    fi
    rm -rf "$SFS_T"
    exit $rc
}
trap sfs_cleanup EXIT
