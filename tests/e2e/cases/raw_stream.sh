# A raw stream made with mkdir: every line appended with >> or > is a row.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

mkdir "$MNT/logs"
[ -d "$MNT/logs" ] || fail "mkdir did not make a stream directory"
expect_eq "$(ls "$MNT/logs" | tr '\n' ' ')" "data errors ingest schema stats " "stream files"
expect_eq "$(cat "$MNT/logs/schema")" "CREATE STREAM logs (raw string) SETTINGS format='raw'" "schema"

echo "first line" >> "$MNT/logs/ingest"
printf 'second\nthird "quoted" \\ line\n' > "$MNT/logs/ingest"   # > appends too
printf 'no newline at end' >> "$MNT/logs/ingest"
wait_for grep -q 'no newline at end' "$MNT/logs/data"

expect_eq "$(wc -l < "$MNT/logs/data")" 4 "row count"
expect_eq "$(jq -r .raw "$MNT/logs/data" | tr '\n' '|')" \
    'first line|second|third "quoted" \ line|no newline at end|' "raw values"
# every row carries _tp_time with millisecond precision
jq -e -r '._tp_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}$")' \
    "$MNT/logs/data" >/dev/null || fail "bad _tp_time"
grep -q '^rows: 4$' "$MNT/logs/stats" || fail "stats rows"

# a stream directory is never empty; names are checked; files are fixed
expect_fail rmdir "$MNT/logs"
echo "$ERR" | grep -q "not empty" || fail "rmdir error: $ERR"
expect_fail mkdir "$MNT/bad-name"
echo "$ERR" | grep -q "Invalid argument" || fail "bad name error: $ERR"
expect_fail mkdir "$MNT/$(printf 'n%.0s' $(seq 1 100))"
echo "$ERR" | grep -q "File name too long" || fail "long name error: $ERR"
expect_fail mkdir "$MNT/queries"
expect_fail mkdir "$MNT/ctl"
expect_fail mkdir "$MNT/logs"
echo "$ERR" | grep -q "exists" || fail "duplicate mkdir error: $ERR"
expect_fail touch "$MNT/newfile"
expect_fail rm "$MNT/logs/data"
expect_fail sh -c "echo x > '$MNT/logs/data'"
expect_fail mv "$MNT/logs" "$MNT/logs2"
echo "$ERR" | grep -q "not permitted" || fail "rename error: $ERR"
expect_fail chmod 777 "$MNT/logs/data"
touch "$MNT/logs/ingest" || fail "touch of an existing file should be harmless"
[ -d "$MNT/logs" ] || fail "stream vanished"
