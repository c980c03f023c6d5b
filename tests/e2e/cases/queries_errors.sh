# A bad statement fails the write and creates no query; the error, with
# line and column, is in ctl. A query that fails keeps what it produced:
# reading its result gives those bytes, then EIO; error says why.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

expect_fail sh -c "echo 'SELECT numbr FROM numbers(3)' | cat > '$MNT/queries/new'"
echo "$ERR" | grep -q "Invalid argument" || fail "expected EINVAL: $ERR"
tail -1 "$MNT/ctl" | grep -qx "error: line 1, column 8: unknown column 'numbr' in numbers(), did you mean 'number'?" \
    || fail "ctl says: $(tail -1 "$MNT/ctl")"
expect_fail sh -c "echo 'SELECT number FROM nowhere' | cat > '$MNT/queries/new'"
echo "$ERR" | grep -q "No such file" || fail "expected ENOENT: $ERR"
tail -1 "$MNT/ctl" | grep -q "column 20: unknown stream 'nowhere'" || fail "ctl: $(tail -1 "$MNT/ctl")"
expect_fail sh -c "echo 'SELEKT 1' | cat > '$MNT/queries/new'"
tail -1 "$MNT/ctl" | grep -q "^error: line 1, column 1: " || fail "ctl: $(tail -1 "$MNT/ctl")"
# an unfinished statement at close is an error too
expect_fail sh -c "printf 'SELECT number FROM' | cat > '$MNT/queries/new'"
tail -1 "$MNT/ctl" | grep -q "got end of input" || fail "ctl: $(tail -1 "$MNT/ctl")"
expect_eq "$(ls "$MNT/queries" | tr '\n' ' ')" "new " "no query was created"
# ctl and queries/new share the outcome list
echo "CREATE STREAM s (a int32)" > "$MNT/ctl"
echo "SELECT number FROM numbers(1)" > "$MNT/queries/new"
expect_eq "$(tail -2 "$MNT/ctl" | tr '\n' '|')" "ok: created stream s|ok: started query 1|" "shared outcomes"

# over max_result_bytes: the blocks that fit, then EIO (numbers come in
# blocks of 8192 rows: the first renders to 129962 bytes, two to 269226)
echo "SELECT number FROM numbers(100000) SETTINGS max_result_bytes = 200000" > "$MNT/queries/new"
id=$(readlink "$MNT/queries/last")
if cat "$MNT/queries/$id/result" > "$SFS_T/partial" 2> "$SFS_T/err"; then
    fail "reading a failed query's result succeeded"
fi
grep -q "Input/output error" "$SFS_T/err" || fail "cat said: $(cat "$SFS_T/err")"
expect_eq "$(cat "$MNT/queries/$id/error")" "result exceeds max_result_bytes (200000)" "error"
grep -qx 'state: failed' "$MNT/queries/$id/status" || fail "status: $(cat "$MNT/queries/$id/status")"
expect_eq "$(stat -c %s "$MNT/queries/$id/result")" 129962 "what was produced"
expect_eq "$(wc -c < "$SFS_T/partial")" 129962 "bytes read before EIO"
expect_eq "$(jq -s 'length' "$SFS_T/partial")" 8192 "whole rows"
