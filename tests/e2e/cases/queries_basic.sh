# A SELECT into queries/new starts a query; `cat queries/last/result`
# right after prints the whole answer; sql, status and error describe it;
# queries survive a remount with their numbers and inode numbers.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

expect_eq "$(ls "$MNT/queries" | tr '\n' ' ')" "new " "an empty queries/"
[ -L "$MNT/queries/last" ] && fail "last exists before any query"
expect_eq "$(stat -c %s "$MNT/queries/new")" 0 "queries/new reports size 0"

echo "SELECT number FROM numbers(10)" > "$MNT/queries/new"
cat "$MNT/queries/last/result" > "$SFS_T/result"
expect_eq "$(wc -l < "$SFS_T/result")" 10 "rows"
expect_eq "$(jq -c . "$SFS_T/result" | head -2 | tr '\n' ' ')" '{"number":0} {"number":1} ' "first rows"
expect_eq "$(jq -s 'map(.number) | add' "$SFS_T/result")" 45 "sum"
expect_eq "$(readlink "$MNT/queries/last")" 1 "last"
expect_eq "$(ls "$MNT/queries" | tr '\n' ' ')" "1 last new " "listing"
expect_eq "$(ls "$MNT/queries/1" | tr '\n' ' ')" "error result sql status stream " "a query's files"
expect_eq "$(cat "$MNT/queries/1/sql")" "SELECT number FROM numbers(10)" "sql"
expect_eq "$(stat -c %s "$MNT/queries/1/result")" "$(wc -c < "$SFS_T/result")" "st_size of result"
expect_eq "$(stat -c %s "$MNT/queries/1/error")" 0 "error is empty"
grep -qx 'state: finished' "$MNT/queries/1/status" || fail "status: $(cat "$MNT/queries/1/status")"
grep -qx 'kind: historical' "$MNT/queries/1/status" || fail "kind"
grep -qx 'rows_read: 10' "$MNT/queries/1/status" || fail "rows_read"
grep -qx 'rows_out: 10' "$MNT/queries/1/status" || fail "rows_out"
grep -qx "bytes_out: $(wc -c < "$SFS_T/result")" "$MNT/queries/1/status" || fail "bytes_out"
grep -qx 'progress: 1.000' "$MNT/queries/1/status" || fail "progress"
grep -qE '^elapsed_ms: [0-9]+$' "$MNT/queries/1/status" || fail "elapsed_ms"
expect_eq "$(stat -c %s "$MNT/queries/1/status")" "$(wc -c < "$MNT/queries/1/status")" \
    "status reports its true size"
grep -qx 'ok: started query 1' "$MNT/ctl" || fail "ctl: $(cat "$MNT/ctl")"

# a bigger answer, several blocks long, read while it is produced
echo "SELECT number FROM numbers(100000)" > "$MNT/queries/new"
expect_eq "$(readlink "$MNT/queries/last")" 2 "last follows"
expect_eq "$(wc -l < "$MNT/queries/last/result")" 100000 "all rows at once"
expect_eq "$(jq -s 'map(.number) | add' "$MNT/queries/2/result")" 4999950000 "sum of 100000"

# files are fixed; results are read-only
expect_fail sh -c "echo x > '$MNT/queries/1/result'"
expect_fail rm "$MNT/queries/1/result"
expect_fail touch "$MNT/queries/1/newfile"

ino_dir=$(stat -c %i "$MNT/queries/1")
ino_res=$(stat -c %i "$MNT/queries/1/result")
[ "$ino_dir" != "$ino_res" ] || fail "a query's inode numbers collide"
cp "$MNT/queries/1/result" "$SFS_T/before"
sfs_stop
sfs_start
expect_eq "$(ls "$MNT/queries" | tr '\n' ' ')" "1 2 last new " "queries after remount"
cmp -s "$MNT/queries/1/result" "$SFS_T/before" || fail "result changed across remount"
grep -qx 'state: finished' "$MNT/queries/1/status" || fail "status after remount"
expect_eq "$(stat -c %i "$MNT/queries/1")" "$ino_dir" "directory inode after remount"
expect_eq "$(stat -c %i "$MNT/queries/1/result")" "$ino_res" "result inode after remount"
echo "SELECT number FROM numbers(1)" > "$MNT/queries/new"
expect_eq "$(readlink "$MNT/queries/last")" 3 "numbers go on after a remount"
