# queries/ID/stream is pipe-like: each open sees rows from then on, a read
# blocks until rows come, `cat stream | while read` gets each row at once,
# and Ctrl-C interrupts a blocked read.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM s (v int64)" > "$MNT/ctl"
echo "SELECT v * 2 AS w FROM s" > "$MNT/queries/new"
q=$MNT/queries/$(readlink "$MNT/queries/last")
echo '{"v":0}' >> "$MNT/s/ingest"
expect_eq "$(stat -c %s "$q/stream")" 0 "stream reports size 0"

: > "$SFS_T/got"
cat "$q/stream" | while read -r row; do echo "$row" >> "$SFS_T/got"; done &
sfs_bg $!
# each row arrives before the next is written: no buffering, no polling
for i in 1 2 3 4 5; do
    echo "{\"v\":$i}" >> "$MNT/s/ingest"
    has() { grep -qx "{\"w\":$((2 * i))}" "$SFS_T/got"; }
    wait_for has
done
expect_eq "$(cat "$SFS_T/got" | tr '\n' ' ')" '{"w":2} {"w":4} {"w":6} {"w":8} {"w":10} ' \
    "rows from the open on, each once"

# Ctrl-C (SIGINT) ends a reader blocked on a quiet stream at once
start=$(date +%s%N)
rc=0
timeout -s INT 1 cat "$q/stream" > /dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "cat of a quiet stream ended by itself"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || fail "SIGINT did not interrupt the read"

# the end of the query ends its readers (EOF)
cat "$q/stream" > "$SFS_T/last" &
reader=$!
sfs_bg $reader
echo '{"v":9}' >> "$MNT/s/ingest"
has9() { grep -qx '{"w":18}' "$SFS_T/last"; }
wait_for has9
rmdir "$q"
wait "$reader" || fail "the reader failed when the query went"
