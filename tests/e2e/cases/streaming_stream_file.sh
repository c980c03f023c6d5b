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
exec 5< "$q/stream" # opened here, so the reader's position is fixed before the writes
cat <&5 | while read -r row; do echo "$row" >> "$SFS_T/got"; done &
sfs_bg $!
exec 5<&-
# each row arrives before the next is written: no buffering, no polling
# (wait_for has a local i of its own: the row number is `row`)
for row in 1 2 3 4 5; do
    echo "{\"v\":$row}" >> "$MNT/s/ingest"
    has() { grep -qx "{\"w\":$((2 * row))}" "$SFS_T/got"; }
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
exec 5< "$q/stream"
cat <&5 > "$SFS_T/last" &
reader=$!
exec 5<&-
sfs_bg $reader
echo '{"v":9}' >> "$MNT/s/ingest"
has9() { grep -qx '{"w":18}' "$SFS_T/last"; }
wait_for has9
rmdir "$q"
wait "$reader" || fail "the reader failed when the query went"

# SIGTERM stops the daemon even while a reader waits on a quiet stream
echo "SELECT v FROM s" > "$MNT/queries/new"
exec 5< "$MNT/queries/$(readlink "$MNT/queries/last")/stream"
cat <&5 > /dev/null 2>&1 &
sfs_bg $!
exec 5<&-
reading() { grep -q '^State:[[:space:]]*S' "/proc/$(jobs -p | tail -1)/status" 2>/dev/null; }
wait_for reading
pid=$(sfs_pid)
kill -TERM "$pid"
sfs_wait_gone "$pid"
