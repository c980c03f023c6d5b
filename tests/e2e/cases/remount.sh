# Unmount and remount keeps streams, rows and sequence numbers.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM s (a int32, b string)" > "$MNT/ctl"
mkdir "$MNT/raw"
for i in $(seq 1 50); do echo "{\"a\":$i,\"b\":\"row $i\"}"; done > "$MNT/s/ingest"
echo "line one" >> "$MNT/raw/ingest"
cp "$MNT/s/data" "$SFS_T/before.s"
cp "$MNT/raw/data" "$SFS_T/before.raw"
cp "$MNT/s/schema" "$SFS_T/before.schema"

sfs_stop
mountpoint -q "$MNT" && fail "still mounted after fusermount3 -u"
sfs_start

expect_eq "$(ls "$MNT" | tr '\n' ' ')" "ctl queries raw s " "streams after remount"
cmp -s "$MNT/s/data" "$SFS_T/before.s" || fail "typed rows changed across remount"
cmp -s "$MNT/raw/data" "$SFS_T/before.raw" || fail "raw rows changed across remount"
cmp -s "$MNT/s/schema" "$SFS_T/before.schema" || fail "schema changed across remount"
echo '{"a":51,"b":"after"}' >> "$MNT/s/ingest"
grep -q '^sequence: 51$' "$MNT/s/stats" || fail "sequence does not follow on: $(cat "$MNT/s/stats")"

# inode numbers are stable across remounts
ino1=$(stat -c %i "$MNT/s/data")
sfs_stop
sfs_start
expect_eq "$(stat -c %i "$MNT/s/data")" "$ino1" "inode number"

# SIGTERM unmounts cleanly too
pid=$(sfs_pid)
kill -TERM "$pid"
sfs_wait_gone "$pid"
mountpoint -q "$MNT" && fail "still mounted after SIGTERM"
sfs_start
expect_eq "$(wc -l < "$MNT/s/data")" 51 "rows after SIGTERM and remount"
