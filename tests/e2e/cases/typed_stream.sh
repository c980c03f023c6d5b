# A typed stream made through ctl: JSON rows into typed columns, read back.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

cat > "$MNT/ctl" <<'SQL'
CREATE STREAM sensors (
    device string, temp float64, n nullable(int32), ok bool,
    small int8, big uint64, at datetime, ts datetime64(3)
) SETTINGS event_time_column = 'ts'
SQL
grep -q "ok: created stream sensors" "$MNT/ctl" || fail "ctl outcome: $(cat "$MNT/ctl")"
[ -d "$MNT/sensors" ] || fail "no stream directory"

cat > "$SFS_T/rows" <<'ROWS'
{"device":"d1","temp":21.5,"n":3,"ok":true,"small":-128,"big":18446744073709551615,"at":"2024-07-10 11:38:14","ts":"2024-07-10 11:38:14.878"}
{"ts":"2024-07-10 11:38:15.000","device":"d\u00e9v \"2\"","temp":1e3,"extra":{"ignored":1},"n":null}
{"device":{"nested":[1, 2]},"temp":-0.25,"ts":"2024-07-10 11:38:16.5"}
ROWS
cat "$SFS_T/rows" > "$MNT/sensors/ingest" || fail "ingest failed"

expect_eq "$(sed -n 1p "$MNT/sensors/data")" \
 '{"device":"d1","temp":21.5,"n":3,"ok":true,"small":-128,"big":18446744073709551615,"at":"2024-07-10 11:38:14","ts":"2024-07-10 11:38:14.878","_tp_time":"2024-07-10 11:38:14.878"}' "row 1"
expect_eq "$(sed -n 2p "$MNT/sensors/data")" \
 '{"device":"dév \"2\"","temp":1000,"n":null,"ok":false,"small":0,"big":0,"at":"1970-01-01 00:00:00","ts":"2024-07-10 11:38:15.000","_tp_time":"2024-07-10 11:38:15.000"}' "row 2"
expect_eq "$(sed -n 3p "$MNT/sensors/data" | jq -c '[.device, .temp, ._tp_time]')" \
 '["{\"nested\":[1,2]}",-0.25,"2024-07-10 11:38:16.500"]' "row 3"

grep -q '^rows: 3$' "$MNT/sensors/stats" || fail "stats rows"
grep -q '^min_time: 2024-07-10 11:38:14.878$' "$MNT/sensors/stats" || fail "stats min_time"
grep -q '^max_time: 2024-07-10 11:38:16.500$' "$MNT/sensors/stats" || fail "stats max_time"
expect_eq "$(cat "$MNT/sensors/schema")" \
 "CREATE STREAM sensors (device string, temp float64, n nullable(int32), ok bool, small int8, big uint64, at datetime, ts datetime64(3)) SETTINGS event_time_column='ts'" "schema"

# sizes are true: what stat says is what cat reads
expect_eq "$(stat -c %s "$MNT/sensors/data")" "$(cat "$MNT/sensors/data" | wc -c)" "data size"
expect_eq "$(stat -c %s "$MNT/sensors/stats")" "$(cat "$MNT/sensors/stats" | wc -c)" "stats size"

echo "DROP STREAM sensors" > "$MNT/ctl"
[ ! -e "$MNT/sensors" ] || fail "dropped stream still visible"
grep -q "ok: dropped stream sensors" "$MNT/ctl" || fail "drop outcome"
