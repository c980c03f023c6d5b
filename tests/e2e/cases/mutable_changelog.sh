# Streaming aggregations over a mutable stream follow its changes: an
# update retracts the old row and adds the new one, a delete (ingested
# _tp_delta -1, or rm of the key file) retracts it, so avg per device is
# always that of the current rows. EMIT CHANGELOG shows each change as the
# group's old row (-1) and new row (+1); a device whose rows are all gone
# gives its -1 only. The default (EMIT PERIODIC 2s) shows the current
# groups. Aggregates that cannot retract are refused.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE MUTABLE STREAM m (device_id string, seq int32, temperature float64) PRIMARY KEY (device_id, seq)" > "$MNT/ctl"
echo "SELECT device_id, avg(temperature) AS t FROM m GROUP BY device_id EMIT CHANGELOG FORMAT TSV" > "$MNT/queries/new"
c=$MNT/queries/$(readlink "$MNT/queries/last")
echo "SELECT device_id, avg(temperature) AS t, count() AS n FROM m GROUP BY device_id FORMAT TSV" > "$MNT/queries/new"
p=$MNT/queries/$(readlink "$MNT/queries/last")
grep -qx 'state: running' "$c/status" || fail "changelog query: $(cat "$c/status")"

tail -f -s 0.1 "$c/result" > "$SFS_T/tail" &
sfs_bg $!
lines() { [ "$(wc -l < "$SFS_T/tail")" -ge "$1" ]; }
changes() { tr '\t\n' ', ' < "$SFS_T/tail"; }

cat > "$SFS_T/rows" <<'ROWS'
{"device_id":"a","seq":1,"temperature":10}
{"device_id":"a","seq":2,"temperature":20}
{"device_id":"b","seq":1,"temperature":5}
ROWS
cat "$SFS_T/rows" > "$MNT/m/ingest" # one write: one change per group
wait_for lines 2
expect_eq "$(changes)" "a,15,1 b,5,1 " "first rows"

# an update: the old 10 out, 30 in
echo '{"device_id":"a","seq":1,"temperature":30}' >> "$MNT/m/ingest"
wait_for lines 4
expect_eq "$(changes)" "a,15,1 b,5,1 a,15,-1 a,25,1 " "update"

# a delete through ingest: b's only row, so b is gone
echo '{"device_id":"b","seq":1,"_tp_delta":-1}' >> "$MNT/m/ingest"
wait_for lines 5
expect_eq "$(changes)" "a,15,1 b,5,1 a,15,-1 a,25,1 b,5,-1 " "delete"

# a delete as rm of the key file
rm "$MNT/m/keys/a/2"
wait_for lines 7
expect_eq "$(changes)" "a,15,1 b,5,1 a,15,-1 a,25,1 b,5,-1 a,25,-1 a,30,1 " "rm"

# the periodic default shows the current groups only: a (first seen)
# last, so b is left out
has() { tail -1 "$p/result" | grep -qx "$1"; }
wait_for has "$(printf 'a\t30\t1')"
echo '{"device_id":"b","seq":2,"temperature":8}' >> "$MNT/m/ingest"
wait_for lines 8
expect_eq "$(tail -1 "$SFS_T/tail")" "$(printf 'b\t8\t1')" "b back"

# what cannot retract is refused, at its place
expect_fail sh -c "echo 'SELECT device_id, max(temperature) FROM m GROUP BY device_id' | cat > '$MNT/queries/new'"
tail -1 "$MNT/ctl" | grep -q "^error: line 1, column 19: max cannot retract rows: over a mutable stream" ||
    fail "ctl: $(tail -1 "$MNT/ctl")"
# the current rows: table(m) takes any aggregate
echo "SELECT max(temperature) AS x FROM table(m)" > "$MNT/queries/new"
expect_eq "$(cat "$MNT/queries/last/result")" '{"x":30}' "table(m)"
