# Windows over a stream (FROM tumble(s, ...)) on a real mount: `tail -f`
# of the result shows each window's rows once the watermark passes its
# end; a late event is dropped and counted in status; a quiet stream still
# closes its last window (event time follows the wall clock once idle);
# PARTITION BY and EMIT CHANGELOG end to end.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM s (k string, v int64, ts datetime64(3))" > "$MNT/ctl"
echo "SELECT window_start, k, count() AS c, max(v) AS mx FROM tumble(s, ts, 2s) GROUP BY window_start, k" \
    > "$MNT/queries/new"
q=$MNT/queries/$(readlink "$MNT/queries/last")
grep -qx 'kind: streaming' "$q/status" || fail "kind: $(cat "$q/status")"
grep -qx 'watermark: ' "$q/status" || fail "no watermark before the first event: $(cat "$q/status")"

tail -f -s 0.1 "$q/result" > "$SFS_T/tail" &
sfs_bg $!
row() { echo "{\"k\":\"$1\",\"v\":$2,\"ts\":\"2024-01-01 00:00:$3\"}" >> "$MNT/s/ingest"; }
row a 1 00.500
row b 2 01.000
row a 3 01.999
lines() { [ "$(wc -l < "$SFS_T/tail")" -ge "$1" ]; }
# nothing is emitted while the window [0, 2) is open
open1() { grep -qx 'windows_open: 1' "$q/status"; }
wait_for open1
expect_eq "$(wc -l < "$SFS_T/tail")" 0 "rows before the window closed"
row a 4 02.000 # an event exactly at window_end belongs to the next window
wait_for lines 2
expect_eq "$(sort "$SFS_T/tail" | tr '\n' ' ')" \
    '{"window_start":"2024-01-01 00:00:00.000","k":"a","c":2,"mx":3} {"window_start":"2024-01-01 00:00:00.000","k":"b","c":1,"mx":2} ' \
    "the first window"
row a 9 01.500 # late: [0, 2) was emitted
late() { grep -qx 'late_events: 1' "$q/status"; }
wait_for late
grep -qx 'watermark: 2024-01-01 00:00:02.000' "$q/status" || fail "watermark: $(cat "$q/status")"

# the stream goes quiet: [2, 4) closes by the wall clock all the same
wait_for lines 3
expect_eq "$(tail -1 "$SFS_T/tail")" \
    '{"window_start":"2024-01-01 00:00:02.000","k":"a","c":1,"mx":4}' "the quiet stream's window"
grep -qx 'windows_open: 0' "$q/status" || fail "windows left open: $(cat "$q/status")"

# PARTITION BY: each key has its own watermark, so x's events close x's
# windows only; EMIT CHANGELOG: each update retracts the row it replaces
echo "SELECT window_start, k, sum(v) AS t FROM tumble(s, ts, 2s) PARTITION BY k GROUP BY window_start, k" \
    > "$MNT/queries/new"
p=$MNT/queries/$(readlink "$MNT/queries/last")
echo "SELECT window_start, sum(v) AS t FROM tumble(s, ts, 2s) GROUP BY window_start EMIT CHANGELOG" \
    > "$MNT/queries/new"
c=$MNT/queries/$(readlink "$MNT/queries/last")
grep -qx 'state: running' "$p/status" || fail "partitioned query: $(cat "$p/error" 2>/dev/null)"
grep -qx 'state: running' "$c/status" || fail "changelog query: $(cat "$c/error" 2>/dev/null)"
row x 5 10.000
row x 6 11.000
row y 7 10.500
row x 1 12.000 # closes x's [10, 12); y's watermark has not moved
has() { grep -qxF "$2" "$1/result"; }
wait_for has "$p" '{"window_start":"2024-01-01 00:00:10.000","k":"x","t":11}'
if grep -q '"k":"y"' "$p/result"; then
    fail "y's window closed by x's events: $(cat "$p/result")"
fi
wait_for has "$c" '{"window_start":"2024-01-01 00:00:10.000","t":18,"_tp_delta":1}'
# however the rows were batched: every -1 retracts the row before it, and
# window 10's rows end on its final sum
chk=$(grep '"window_start":"2024-01-01 00:00:10.000"' "$c/result" | awk -F'"t":' '
    { split($2, a, ","); t = a[1]; d = ($0 ~ /"_tp_delta":-1/) ? -1 : 1 }
    d == 1 { if (have) bad = 1; cur = t; have = 1 }
    d == -1 { if (!have || t != cur) bad = 1; have = 0 }
    END { print (bad ? "bad" : "ok"), (have ? cur : "none") }')
expect_eq "$chk" "ok 18" "changelog rows: $(cat "$c/result")"
