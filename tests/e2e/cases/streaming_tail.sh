# A streaming query (FROM s) runs until cancelled; its result grows as rows
# are ingested and `tail -f` shows them; a read at the end returns at once;
# a global aggregation emits its running result every 2 s.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM s (v int64, msg string)" > "$MNT/ctl"
echo '{"v":100,"msg":"before"}' >> "$MNT/s/ingest" # before the query: not in it
echo "SELECT v, msg FROM s WHERE v % 2 = 0" > "$MNT/queries/new"
q=$MNT/queries/$(readlink "$MNT/queries/last")
grep -qx 'kind: streaming' "$q/status" || fail "kind: $(cat "$q/status")"
grep -qx 'state: running' "$q/status" || fail "state"

tail -f -s 0.1 "$q/result" > "$SFS_T/tail" &
sfs_bg $!
for i in 1 2 3 4; do
    echo "{\"v\":$i,\"msg\":\"m$i\"}" >> "$MNT/s/ingest"
done
lines() { [ "$(wc -l < "$SFS_T/tail")" -ge "$1" ]; }
wait_for lines 2
expect_eq "$(cat "$SFS_T/tail" | tr '\n' ' ')" '{"v":2,"msg":"m2"} {"v":4,"msg":"m4"} ' "tail -f"
printf '{"v":6,"msg":"m6"}\n{"v":7,"msg":"m7"}\n' >> "$MNT/s/ingest"
wait_for lines 3
expect_eq "$(tail -1 "$SFS_T/tail")" '{"v":6,"msg":"m6"}' "a later row"
expect_eq "$(stat -c %s "$q/result")" "$(wc -c < "$SFS_T/tail")" "st_size is the bytes produced"

# a reader at the end of an unbounded result is not kept waiting
start=$(date +%s%N)
expect_eq "$(timeout 10 cat "$q/result" | wc -l)" 3 "cat returns what exists"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || fail "cat waited at the end"
grep -qx 'rows_read: 6' "$q/status" || fail "rows_read: $(cat "$q/status")"
grep -qx 'rows_out: 3' "$q/status" || fail "rows_out"
grep -qx 'lag: 0' "$q/status" || fail "lag"
grep -qE '^memory_bytes: [0-9]+$' "$q/status" || fail "memory_bytes"

# a global aggregation: its running result every 2 s (EMIT PERIODIC 2s)
echo "SELECT count() AS c, sum(v) AS t FROM s" > "$MNT/queries/new"
a=$MNT/queries/$(readlink "$MNT/queries/last")
for i in 1 2 3; do echo "{\"v\":$i,\"msg\":\"x\"}" >> "$MNT/s/ingest"; done
has_count() { grep -qx "{\"c\":$1,\"t\":$2}" "$a/result"; }
wait_for has_count 3 6
echo '{"v":10,"msg":"y"}' >> "$MNT/s/ingest"
wait_for has_count 4 16
grep -qx 'kind: streaming' "$a/status" || fail "aggregation kind"
