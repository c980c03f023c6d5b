# An unbounded query's result is bounded on disk: past result_rotate_bytes
# it becomes result.1 and a new result starts (logrotate), and `tail -F`
# follows across every rotation.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM s (v int64)" > "$MNT/ctl"
echo "SELECT v FROM s SETTINGS result_rotate_bytes=40" > "$MNT/queries/new"
q=$MNT/queries/$(readlink "$MNT/queries/last")
tail -F -s 0.1 "$q/result" > "$SFS_T/tail" 2> "$SFS_T/tail.err" &
sfs_bg $!
# rows of 9 bytes: four fit in 40; let tail catch up after each row, as a
# result rotating every few seconds or slower allows
for row in $(seq 10 29); do # (wait_for has a local i of its own)
    echo "{\"v\":$row}" >> "$MNT/s/ingest"
    seen() { grep -qx "{\"v\":$row}" "$SFS_T/tail"; }
    wait_for seen
done
expect_eq "$(wc -l < "$SFS_T/tail")" 20 "tail -F saw every row once"
expect_eq "$(tr -d '\n{}v":' < "$SFS_T/tail")" "$(seq -s '' 10 29)" "in order"
grep -q 'has been replaced' "$SFS_T/tail.err" || fail "tail -F did not see a rotation"
expect_eq "$(ls "$q" | tr '\n' ' ')" "error result result.1 sql status stream " "result.1 is listed"
expect_eq "$(cat "$q/result.1" "$q/result" | tr -d '\n{}v":')" "2223242526272829" \
    "result.1 then result hold the newest rows"
[ "$(stat -c %s "$q/result")" -le 40 ] || fail "result past its bound"
[ "$(stat -c %i "$q/result")" != "$(stat -c %i "$q/result.1")" ] || fail "one inode for both"
grep -qx "bytes_out: 180" "$q/status" || fail "bytes_out counts every byte: $(cat "$q/status")"
