# SETTINGS ttl drops column parts by event time: rows two days old leave
# table(s) once compacted, rows of today stay; the setting shows in schema
# and survives a remount.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM t (v int64) SETTINGS ttl='1d'" > "$MNT/ctl"
expect_eq "$(cat "$MNT/t/schema")" "CREATE STREAM t (v int64) SETTINGS ttl=86400000" "schema"
old=$(date -u -d '2 days ago' '+%Y-%m-%d %H:%M:%S')
for i in $(seq 1 100); do printf '{"v":%d,"_tp_time":"%s"}\n' "$i" "$old"; done > "$MNT/t/ingest"
stat_of() { awk -v k="$1:" '$1 == k { print $2 }' "$MNT/t/stats"; }
stat_is() { [ "$(stat_of "$1")" = "$2" ]; }  # evaluated on each try of wait_for
q() { # sql -> result
    local id
    id=$(echo "$1" | { exec 3<>"$MNT/queries/new"; cat >&3; cat <&3; }) || fail "query failed: $1"
    cat "$MNT/queries/$id/result"
}
expect_eq "$(q 'SELECT count() AS n FROM table(t)')" '{"n":100}' "old rows before compaction"
# idle for a second: compacted, then expired by the same round
wait_for stat_is compacted_sequence 100
wait_for stat_is parts 0
expect_eq "$(q 'SELECT count() AS n FROM table(t)')" '{"n":0}' "expired"
for i in $(seq 101 110); do printf '{"v":%d}\n' "$i"; done > "$MNT/t/ingest"
wait_for stat_is compacted_sequence 110
expect_eq "$(q 'SELECT count() AS n, min(v) AS lo FROM table(t)')" '{"n":10,"lo":101}' "new rows stay"
sfs_stop
sfs_start
expect_eq "$(q 'SELECT count() AS n, min(v) AS lo FROM table(t)')" '{"n":10,"lo":101}' "after remount"
expect_eq "$(stat_of parts)" 1 "one part"
