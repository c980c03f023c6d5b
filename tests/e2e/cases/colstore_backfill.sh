# History and live data are one: a stream whose log is trimmed by
# retention keeps its history in column parts, and a streaming query with
# seek_to='earliest' (or a time before the log's first row) reads it all from
# there, then follows new rows from the log: every row once, in order.
# table(s) sees the same rows.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM b (v int64, pad string) SETTINGS codec='none', segment_bytes='64KiB', retention_bytes='256KiB'" > "$MNT/ctl"
PAD=$(printf 'p%.0s' $(seq 1 80))
N=0
for i in $(seq 1 30); do
    awk -v f="$N" -v pad="$PAD" 'BEGIN { for (i = f; i < f + 1000; i++) printf "{\"v\":%d,\"pad\":\"%s\"}\n", i, pad }' \
        > "$SFS_T/batch"
    cat "$SFS_T/batch" > "$MNT/b/ingest" || fail "write $i"
    N=$((N + 1000))
done
stat_of() { awk -v k="$1:" '$1 == k { print $2 }' "$MNT/b/stats"; }
[ "$(stat_of first_sequence)" -gt 0 ] || fail "retention did not trim the log: $(cat "$MNT/b/stats")"
[ "$(stat_of bytes)" -le 262144 ] || fail "log over retention_bytes: $(cat "$MNT/b/stats")"
[ "$(stat_of compacted_sequence)" -ge "$(stat_of first_sequence)" ] || fail "trimmed rows not in parts"

id=$(echo "SELECT v FROM b SETTINGS seek_to='earliest'" | { exec 3<>"$MNT/queries/new"; cat >&3; cat <&3; })
lines() { wc -l < "$MNT/queries/$id/result"; }
lines_ge() { [ "$(lines)" -ge "$1" ]; }  # evaluated on each try of wait_for
wait_for lines_ge "$N"
awk '{ if ($0 != "{\"v\":" NR - 1 "}") { print "line " NR ": " $0; exit 1 } }' "$MNT/queries/$id/result" ||
    fail "backfill is not rows 0..$((N - 1)) in order"
printf '{"v":%d,"pad":"x"}\n' "$N" "$((N + 1))" > "$MNT/b/ingest"
wait_for lines_ge $((N + 2))
expect_eq "$(tail -1 "$MNT/queries/$id/result")" "{\"v\":$((N + 1))}" "new rows follow"
rmdir "$MNT/queries/$id"

# a seek by time below what the log keeps starts in the parts as well
id=$(echo "SELECT v FROM b SETTINGS seek_to='2000-01-01 00:00:00'" | { exec 3<>"$MNT/queries/new"; cat >&3; cat <&3; })
wait_for lines_ge $((N + 2))
awk '{ if ($0 != "{\"v\":" NR - 1 "}") { print "line " NR ": " $0; exit 1 } }' "$MNT/queries/$id/result" ||
    fail "a seek by time is not rows 0..$((N + 1)) in order"
rmdir "$MNT/queries/$id"

out=$(echo "SELECT count() AS n, sum(v) AS s FROM table(b)" | { exec 3<>"$MNT/queries/new"; cat >&3; cat <&3; })
expect_eq "$(cat "$MNT/queries/$out/result")" "{\"n\":$((N + 2)),\"s\":$(( (N + 2) * (N + 1) / 2 ))}" "table(b)"
