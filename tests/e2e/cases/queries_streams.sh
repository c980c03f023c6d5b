# SQL over stored rows through the mount: typed streams fed by ingest and
# by INSERT, historical queries read with jq, awk and Python's csv module,
# a query over a stream that is being written to, INSERT ... SELECT as a
# query, and a query that runs out of memory without harming the daemon.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM m (device string, temp float64, n int64)" > "$MNT/ctl"
python3 - > "$SFS_T/rows" <<'PY'
for i in range(3000):
    print('{"device":"dev_%d","temp":%d.5,"n":%d}' % (i % 3, i % 10, i))
PY
cat "$SFS_T/rows" > "$MNT/m/ingest"

# jq over the default JSON lines
echo "SELECT device, count() AS c, sum(n) AS s FROM table(m) GROUP BY device ORDER BY device" \
    > "$MNT/queries/new"
expect_eq "$(jq -r '"\(.device) \(.c) \(.s)"' "$MNT/queries/last/result" | tr '\n' ';')" \
    "dev_0 1000 1498500;dev_1 1000 1499500;dev_2 1000 1500500;" "GROUP BY through jq"
# awk over CSV
echo "SELECT device, max(temp) FROM table(m) WHERE n < 10 GROUP BY device ORDER BY device FORMAT CSV" \
    > "$MNT/queries/new"
expect_eq "$(awk -F, '{ print $1 "=" $2 }' "$MNT/queries/last/result" | tr '\n' ' ')" \
    '"dev_0"=9.5 "dev_1"=7.5 "dev_2"=8.5 ' "CSV through awk"
# Python's csv module over CSVWithNames
echo "SELECT n, device FROM table(m) WHERE n % 1000 = 7 ORDER BY n FORMAT CSVWithNames" \
    > "$MNT/queries/new"
expect_eq "$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(";".join(x["n"]+x["device"] for x in r))' \
    "$MNT/queries/last/result")" "7dev_1;1007dev_2;2007dev_0" "CSVWithNames through csv"
expect_eq "$(cut -d: -f1 "$MNT/queries/last/status" | tr "\n" " ")" "state kind rows_read rows_out bytes_out elapsed_ms progress " "status keys"
grep -qx 'rows_read: 3000' "$MNT/queries/last/status" || fail "rows_read: $(cat "$MNT/queries/last/status")"
grep -qx 'state: finished' "$MNT/queries/last/status" || fail "state: $(cat "$MNT/queries/last/status")"

# INSERT through ctl is visible to the next query; _tp_sn follows on
echo "INSERT INTO m (device, temp, n) VALUES ('dev_9', 1.25, -1)" > "$MNT/ctl"
echo "SELECT _tp_sn, temp FROM table(m) WHERE device = 'dev_9'" > "$MNT/queries/new"
expect_eq "$(cat "$MNT/queries/last/result")" '{"_tp_sn":3000,"temp":1.25}' "INSERT then SELECT"

# INSERT ... SELECT started as a query: kind insert, rows land in the target
echo "CREATE STREAM copy (device string, n int64)" > "$MNT/ctl"
echo "INSERT INTO copy SELECT device, n * 2 FROM table(m) WHERE device = 'dev_1'" > "$MNT/queries/new"
id=$(readlink "$MNT/queries/last")
wait_for grep -qx 'state: finished' "$MNT/queries/$id/status"
grep -qx 'kind: insert' "$MNT/queries/$id/status" || fail "kind: $(cat "$MNT/queries/$id/status")"
echo "SELECT count(), sum(n) FROM table(copy)" > "$MNT/queries/new"
expect_eq "$(cat "$MNT/queries/last/result")" '{"count()":1000,"sum(n)":2999000}' "INSERT ... SELECT"

# queries while a writer appends batches of 100 rows: every answer is a
# whole number of batches, never fewer than the one before
echo "CREATE STREAM w (i int64)" > "$MNT/ctl"
( for b in $(seq 1 60); do
      seq $(((b - 1) * 100)) $((b * 100 - 1)) | sed 's/.*/{"i":&}/' > "$MNT/w/ingest" || exit 1
  done ) &
writer=$!
sfs_bg "$writer"
prev=0
while kill -0 "$writer" 2>/dev/null; do
    echo "SELECT count() AS c, sum(i) AS s FROM table(w)" > "$MNT/queries/new"
    line=$(cat "$MNT/queries/last/result")
    c=$(echo "$line" | jq .c)
    s=$(echo "$line" | jq .s)
    [ $((c % 100)) -eq 0 ] || fail "a torn batch: $line"
    [ "$c" -ge "$prev" ] || fail "count went back: $prev then $c"
    [ "$s" -eq $((c * (c - 1) / 2)) ] || fail "rows out of order or missing: $line"
    prev=$c
done
wait "$writer" || fail "the writer failed"
echo "SELECT count() AS c FROM table(w)" > "$MNT/queries/new"
expect_eq "$(cat "$MNT/queries/last/result")" '{"c":6000}' "all batches"

# a query over its memory limit fails alone: error file, EIO after the rows
echo "SELECT number % 1000000 AS k, count() FROM numbers(3000000) GROUP BY k SETTINGS max_memory_usage = 1000000" \
    > "$MNT/queries/new"
id=$(readlink "$MNT/queries/last")
cat "$MNT/queries/$id/result" > /dev/null 2>&1 && fail "reading a failed query's result succeeded"
grep -q 'memory limit exceeded' "$MNT/queries/$id/error" || fail "error: $(cat "$MNT/queries/$id/error")"
grep -qx 'state: failed' "$MNT/queries/$id/status" || fail "status: $(cat "$MNT/queries/$id/status")"
echo "SELECT 1 AS one" > "$MNT/queries/new"
expect_eq "$(cat "$MNT/queries/last/result")" '{"one":1}' "the daemon goes on"

# a statement that fails to bind starts nothing and says why in ctl
before=$(ls "$MNT/queries" | wc -l)
echo "SELECT tmep FROM table(m)" > "$MNT/queries/new" 2>/dev/null && fail "a bad query was accepted"
expect_eq "$(ls "$MNT/queries" | wc -l)" "$before" "no query created"
tail -1 "$MNT/ctl" | grep -q "unknown column 'tmep' in stream m, did you mean 'temp'?" \
    || fail "ctl: $(tail -1 "$MNT/ctl")"
sfs_stop
