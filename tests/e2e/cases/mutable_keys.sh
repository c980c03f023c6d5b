# A mutable stream's rows as files under keys/: cat reads a row, writing a
# key file upserts it (the key from the path), rm deletes it, mkdir -p and
# `>` make a new key, ls lists a prefix in key order; SQL sees file writes
# and files see SQL inserts and ingested upserts and deletes; all of it
# survives a remount.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

q() { # run a SELECT, print its result
    echo "$1" > "$MNT/queries/new"
    cat "$MNT/queries/last/result"
}

echo "CREATE MUTABLE STREAM m (device_id string, timestamp datetime64(3), batch_id uint32, temp float32, note string, INDEX by_note (note)) PRIMARY KEY (device_id, timestamp, batch_id)" > "$MNT/ctl"
expect_eq "$(ls "$MNT/m" | tr '\n' ' ')" "data errors ingest keys schema stats " "stream files"
expect_eq "$(ls "$MNT/m/keys" | wc -l)" 0 "empty keys/"

cat > "$SFS_T/rows" <<'ROWS'
{"device_id":"device_1","timestamp":"2024-07-10 11:38:14.878","batch_id":5,"temp":1.5,"note":"a"}
{"device_id":"device_1","timestamp":"2024-07-10 11:38:14.878","batch_id":7,"temp":2.5,"note":"b"}
{"device_id":"device_2","timestamp":"2024-07-10 11:38:15","batch_id":1,"temp":3.5,"note":"a"}
{"device_id":"a/b","timestamp":"2024-07-10 11:38:15","batch_id":1,"temp":4.5,"note":"s"}
{"device_id":".hidden","timestamp":"2024-07-10 11:38:15","batch_id":1,"temp":4.5,"note":"s"}
ROWS
cat "$SFS_T/rows" > "$MNT/m/ingest"
echo '{"device_id":"device_1","timestamp":"2024-07-10 11:38:14.878","batch_id":5,"temp":9.5,"note":"c"}' >> "$MNT/m/ingest"

# listing: one directory level per key column, in key order, escaped
expect_eq "$(ls -U "$MNT/m/keys" | tr '\n' ' ')" "%2Ehidden a%2Fb device_1 device_2 " "keys/"
expect_eq "$(ls -U "$MNT/m/keys/device_1" | tr '\n' ' ')" "2024-07-10 11:38:14.878 " "timestamps"
expect_eq "$(ls -U "$MNT/m/keys/device_1/2024-07-10 11:38:14.878" | tr '\n' ' ')" "5 7 " "batch ids"
[ -d "$MNT/m/keys/device_1" ] || fail "a prefix is a directory"
[ -f "$MNT/m/keys/device_1/2024-07-10 11:38:14.878/5" ] || fail "a row is a file"

# reading: the row, upserted by the second ingest
row=$(cat "$MNT/m/keys/device_1/2024-07-10 11:38:14.878/5")
expect_eq "$(jq -c '{device_id, timestamp, batch_id, temp, note}' <<<"$row")" \
    '{"device_id":"device_1","timestamp":"2024-07-10 11:38:14.878","batch_id":5,"temp":9.5,"note":"c"}' "row file"
jq -e 'has("_tp_time") and (has("_tp_delta") | not)' <<<"$row" >/dev/null || fail "row columns: $row"
expect_eq "$(stat -c %s "$MNT/m/keys/device_1/2024-07-10 11:38:14.878/5")" "$(printf '%s\n' "$row" | wc -c)" "st_size"
expect_eq "$(jq -r .device_id "$MNT/m/keys/a%2Fb/2024-07-10 11:38:15.000/1")" "a/b" "escaped key"
expect_eq "$(jq -r .temp "$MNT/m/keys/device_2/2024-07-10 11:38:15/1")" "3.5" "datetime without fraction"
[ -e "$MNT/m/keys/device_9" ] && fail "a missing key exists"
[ -e "$MNT/m/keys/device_1/2024-07-10 11:38:14.878/6" ] && fail "a missing row exists"
[ -e "$MNT/m/keys/../keys/device_1" ] || fail ".. inside keys"
expect_fail cat "$MNT/m/keys/device_1/not-a-time/5"

# SQL sees the current rows only
expect_eq "$(q "SELECT count() FROM table(m)")" '{"count()":5}' "count"
expect_eq "$(q "SELECT batch_id, temp FROM table(m) WHERE device_id = 'device_1'" | tr '\n' ' ')" \
    '{"batch_id":5,"temp":9.5} {"batch_id":7,"temp":2.5} ' "prefix query"

# writing a file upserts, the key from the path whatever the row says
echo '{"device_id":"other","batch_id":99,"temp":7,"note":"w"}' > "$MNT/m/keys/device_1/2024-07-10 11:38:14.878/7"
expect_eq "$(q "SELECT device_id, batch_id, temp, note FROM table(m) WHERE device_id = 'device_1' AND batch_id = 7")" \
    '{"device_id":"device_1","batch_id":7,"temp":7,"note":"w"}' "file write seen by SQL"
expect_eq "$(q "SELECT count() FROM table(m)")" '{"count()":5}' "no new key"
expect_eq "$(q "SELECT batch_id FROM table(m) WHERE note = 'w'")" '{"batch_id":7}' "index follows the write"
expect_eq "$(q "SELECT count() FROM table(m) WHERE note = 'b'")" '{"count()":0}' "old index entry gone"
expect_fail sh -c "echo 'not json' > '$MNT/m/keys/device_1/2024-07-10 11:38:14.878/7'"

# a new key: mkdir -p, then >
mkdir -p "$MNT/m/keys/device_3/2024-07-11 00:00:00.000"
[ -d "$MNT/m/keys/device_3" ] || fail "made directory"
expect_eq "$(ls "$MNT/m/keys/device_3" | tr '\n' ' ')" "2024-07-11 00:00:00.000 " "made directory listed"
expect_eq "$(q "SELECT count() FROM table(m)")" '{"count()":5}' "mkdir adds no row"
echo '{"temp":1,"note":"new"}' > "$MNT/m/keys/device_3/2024-07-11 00:00:00.000/42"
expect_eq "$(q "SELECT device_id, timestamp, batch_id, note FROM table(m) WHERE device_id = 'device_3'")" \
    '{"device_id":"device_3","timestamp":"2024-07-11 00:00:00.000","batch_id":42,"note":"new"}' "created key"
expect_eq "$(ls "$MNT/m/keys/device_3/2024-07-11 00:00:00.000")" "42" "created file listed"
expect_fail mkdir "$MNT/m/keys/device_3/2024-07-11 00:00:00.000/43"
expect_fail mkdir "$MNT/m/keys/device_4/not-a-time"

# SQL inserts show as files
echo "INSERT INTO m (device_id, timestamp, batch_id, temp, note) VALUES ('device_5', '2024-07-12 00:00:00', 3, 5.5, 'sql')" > "$MNT/ctl"
expect_eq "$(jq -r .note "$MNT/m/keys/device_5/2024-07-12 00:00:00.000/3")" "sql" "SQL insert as a file"

# rm deletes; a delete through ingest too
rm "$MNT/m/keys/device_2/2024-07-10 11:38:15.000/1"
[ -e "$MNT/m/keys/device_2" ] && fail "the prefix of a deleted row is gone"
echo '{"device_id":"device_5","timestamp":"2024-07-12 00:00:00","batch_id":3,"_tp_delta":-1}' >> "$MNT/m/ingest"
[ -e "$MNT/m/keys/device_5" ] && fail "deleted by ingest"
expect_fail rm "$MNT/m/keys/device_1/2024-07-10 11:38:14.878/6"
expect_eq "$(q "SELECT device_id, batch_id FROM table(m)" | jq -r '"\(.device_id)/\(.batch_id)"' | tr '\n' ' ')" \
    ".hidden/1 a/b/1 device_1/5 device_1/7 device_3/42 " "rows after deletes"

# a 50-row prefix lists in key order
for i in $(seq 1 50); do
    printf '{"device_id":"many","timestamp":"2024-07-10 00:00:00","batch_id":%d}\n' "$i"
done > "$SFS_T/many"
cat "$SFS_T/many" > "$MNT/m/ingest"
expect_eq "$(ls -U "$MNT/m/keys/many/2024-07-10 00:00:00.000" | tr '\n' ' ')" "$(seq 1 50 | tr '\n' ' ')" "50 rows in key order"

# a large directory lists whole, in key order, over many readdir calls
for i in $(seq 1 3000); do
    printf '{"device_id":"big","timestamp":"2024-07-10 00:00:00","batch_id":%d}\n' "$i"
done > "$SFS_T/big"
cat "$SFS_T/big" > "$MNT/m/ingest"
ls -U "$MNT/m/keys/big/2024-07-10 00:00:00.000" > "$SFS_T/big.ls"
seq 1 3000 | cmp -s - "$SFS_T/big.ls" || fail "3000 rows listed in key order: $(head -3 "$SFS_T/big.ls")"
expect_eq "$(find "$MNT/m/keys/big" -type f | wc -l)" 3000 "find sees every row"
expect_eq "$(q "SELECT count() FROM table(m) WHERE device_id = 'big'")" '{"count()":3000}' "big rows"
echo '{"device_id":"big","timestamp":"2024-07-10 00:00:00","batch_id":0,"_tp_delta":-1}' >> "$MNT/m/ingest"
for i in $(seq 1 3000); do
    printf '{"device_id":"big","timestamp":"2024-07-10 00:00:00","batch_id":%d,"_tp_delta":-1}\n' "$i"
done | cat > "$MNT/m/ingest"
[ -e "$MNT/m/keys/big" ] && fail "every big row deleted"

# a key prefix is a range scan, an indexed column a lookup: only those rows are read
q "SELECT count() FROM table(m) WHERE device_id = 'many' AND timestamp = '2024-07-10 00:00:00' AND batch_id > 40" > /dev/null
grep -qx 'rows_read: 10' "$MNT/queries/last/status" || fail "range scan: $(grep rows_read "$MNT/queries/last/status")"
q "SELECT count() FROM table(m) WHERE device_id IN ('many', 'device_3')" > /dev/null
grep -qx 'rows_read: 51' "$MNT/queries/last/status" || fail "key IN: $(grep rows_read "$MNT/queries/last/status")"
q "SELECT batch_id FROM table(m) WHERE note = 'w'" > /dev/null
grep -qx 'rows_read: 1' "$MNT/queries/last/status" || fail "index lookup: $(grep rows_read "$MNT/queries/last/status")"

# everything survives a remount
sfs_stop
sfs_start
expect_eq "$(q "SELECT count() FROM table(m)")" '{"count()":55}' "count after remount"
expect_eq "$(jq -r .note "$MNT/m/keys/device_1/2024-07-10 11:38:14.878/7")" "w" "row after remount"
expect_eq "$(q "SELECT count() FROM table(m) WHERE note = 'w'")" '{"count()":1}' "index after remount"
