# A second mount of the same DATADIR is refused; a lock left by a killed
# daemon is taken over and its dead mount detached.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

mkdir -p "$SFS_T/mnt2"
expect_fail "$SFS_BIN" "$DATA" "$SFS_T/mnt2"
echo "$ERR" | grep -q "already in use" || fail "refusal message: $ERR"
mountpoint -q "$SFS_T/mnt2" && fail "second mount happened"
mkdir "$MNT/still_works"

# kill -9: the mount is dead; mounting again detaches it and takes the lock
pid=$(sfs_pid)
kill -9 "$pid"
wait_for sfs_gone "$pid"
if ls "$MNT" >/dev/null 2>&1; then fail "mount still answers after kill -9"; fi
sfs_start
[ -d "$MNT/still_works" ] || fail "stream lost after kill -9 and remount"
expect_eq "$(grep -c " $MNT " /proc/mounts)" 1 "one mount at the mount point"

# the same with the mount point's attributes fresh in the kernel's cache
# (a stat just before the kill): the dead mount is still found, not stacked
for i in 1 2; do
    stat "$MNT" >/dev/null
    pid=$(sfs_pid)
    kill -9 "$pid"
    wait_for sfs_gone "$pid"
    sfs_start
    expect_eq "$(grep -c " $MNT " /proc/mounts)" 1 "mounts after kill -9 #$i"
done

# a live streamfs mount point is not mounted over, even for another DATADIR
expect_fail "$SFS_BIN" "$SFS_T/data2" "$MNT"
echo "$ERR" | grep -q "already a live streamfs mount" || fail "stacking refusal: $ERR"
expect_eq "$(grep -c " $MNT " /proc/mounts)" 1 "mounts after refused stacking"
