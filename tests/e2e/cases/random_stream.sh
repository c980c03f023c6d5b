# A random stream (CREATE RANDOM STREAM ... SETTINGS eps): a tumble query
# over it, followed with `tail -f`, shows window rows as they close; its
# rows are generated, never stored: ingest and INSERT are refused with a
# reason, `data` stays empty; table(r) is one second of rows; the
# definition survives a remount; DROP STREAM removes it.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

cat > "$MNT/ctl" <<'SQL'
CREATE RANDOM STREAM devices (device string DEFAULT 'device' || to_string(rand() % 4), temperature float DEFAULT rand() % 1000 / 10) SETTINGS eps=50, interval_time=50
SQL
expect_eq "$(tail -1 "$MNT/ctl")" "ok: created stream devices" "create"
expect_eq "$(cat "$MNT/devices/schema")" \
    "CREATE RANDOM STREAM devices (device string DEFAULT 'device' || to_string(rand() % 4), temperature float32 DEFAULT rand() % 1000 / 10) SETTINGS eps=50, interval_time=50" \
    "schema"

echo "SELECT window_start, device, count() AS n, max(temperature) AS hottest FROM tumble(devices, 1s) GROUP BY window_start, device" > "$MNT/queries/new"
q=$MNT/queries/$(readlink "$MNT/queries/last")
grep -qx 'kind: streaming' "$q/status" || fail "kind: $(cat "$q/status")"
tail -f -s 0.1 "$q/result" > "$SFS_T/tail" &
tailpid=$!
sfs_bg $tailpid
windows() { [ "$(cut -d, -f1 "$SFS_T/tail" | sort -u | wc -l)" -ge "$1" ]; }
wait_for windows 2
grep -qE '^\{"window_start":"[0-9-]+ [0-9:]+\.000","device":"device[0-3]","n":[0-9]+,"hottest":[0-9.]+\}$' \
    "$SFS_T/tail" || fail "window rows: $(head -3 "$SFS_T/tail")"
# every window past the first holds one second of rows: eps of them
per_window=$(awk -F'"n":' '{split($2, a, ","); n[substr($0, 1, 40)] += a[1]} END {for (w in n) print n[w]}' "$SFS_T/tail" | sort -n | tail -1)
[ "$per_window" -le 50 ] || fail "a 1 s window with $per_window rows at eps=50"

# LIMIT ends a query over it
echo "SELECT * FROM devices LIMIT 5" > "$MNT/queries/new"
l=$MNT/queries/$(readlink "$MNT/queries/last")
finished() { grep -qx 'state: finished' "$l/status"; }
wait_for finished
expect_eq "$(wc -l < "$l/result")" 5 "LIMIT 5"

# table(r): one second of rows
echo "SELECT count() AS n FROM table(devices)" > "$MNT/queries/new"
expect_eq "$(cat "$MNT/queries/last/result")" '{"n":50}' "table(devices)"

# nothing is stored, nothing can be appended
expect_fail sh -c "echo '{\"device\":\"x\"}' | cat >> '$MNT/devices/ingest'"
grep -q "devices is a random stream: its rows are generated" "$MNT/devices/errors" || fail "errors: $(cat "$MNT/devices/errors")"
expect_fail sh -c "echo \"INSERT INTO devices (device) VALUES ('x')\" | cat > '$MNT/ctl'"
expect_eq "$(tail -1 "$MNT/ctl")" "error: line 1, column 13: devices is a random stream: its rows are generated" "INSERT"
expect_eq "$(wc -c < "$MNT/devices/data")" 0 "data"

kill "$tailpid"
wait "$tailpid" 2>/dev/null || true
rmdir "$q"
sfs_stop
sfs_start
grep -q "SETTINGS eps=50, interval_time=50" "$MNT/devices/schema" || fail "after remount: $(cat "$MNT/devices/schema")"
echo "SELECT count() AS n FROM table(devices)" > "$MNT/queries/new"
expect_eq "$(cat "$MNT/queries/last/result")" '{"n":50}' "table(devices) after remount"
echo "DROP STREAM devices" > "$MNT/ctl"
[ ! -e "$MNT/devices" ] || fail "devices still there"
