# A malformed row fails the write that carries it, commits nothing of that
# write, keeps earlier writes, and is explained in `errors`.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM s (a int8, b string)" > "$MNT/ctl"
echo '{"a":1,"b":"good"}' >> "$MNT/s/ingest" || fail "good row failed"

# one write: a good row, then a bad one: neither is committed
# (through cat: shell builtins report every write error as "I/O error")
expect_fail sh -c "printf '{\"a\":2,\"b\":\"x\"}\n{\"a\":300,\"b\":\"y\"}\n' | cat > '$MNT/s/ingest'"
echo "$ERR" | grep -q "Invalid argument" || fail "expected EINVAL: $ERR"
expect_eq "$(jq -c . "$MNT/s/data" | jq -s -c 'map(.a)')" '[1]' "rows after the bad write"
expect_eq "$(wc -l < "$MNT/s/errors")" 1 "one error line"
IFS=$'\t' read -r when line reason row < "$MNT/s/errors"
expect_eq "$line" "line 2" "error line number"
echo "$reason" | grep -q "'a'" || fail "reason names the field: $reason"
expect_eq "$row" '{"a":300,"b":"y"}' "rejected row text"
grep -q '^errors: 1$' "$MNT/s/stats" || fail "stats errors"

# a file whose third line is bad: cat fails; the next writes still work
printf '{"a":3}\n{"a":4}\nnot json\n' > "$SFS_T/f"
if cat "$SFS_T/f" > "$MNT/s/ingest" 2>/dev/null; then fail "cat of a bad file exited 0"; fi
echo '{"a":5}' >> "$MNT/s/ingest" || fail "write after error failed"
expect_eq "$(jq -s -c 'map(.a)' "$MNT/s/data")" '[1,5]' "rows after everything"
expect_eq "$(tail -1 "$MNT/s/errors" | cut -f2)" "line 3" "line within its open file"

# on_error='skip' keeps the good rows and logs the bad
echo "CREATE STREAM k (a int8) SETTINGS on_error='skip'" > "$MNT/ctl"
printf '{"a":1}\n{"a":"x"}\n{"a":2}\n' > "$MNT/k/ingest" || fail "skip mode failed the write"
expect_eq "$(jq -s -c 'map(.a)' "$MNT/k/data")" '[1,2]' "skip mode rows"
expect_eq "$(wc -l < "$MNT/k/errors")" 1 "skip mode error line"

# an unterminated last line: a bad one fails the close, so cat fails; a
# good one becomes a row when the file is released
printf '{"a":6}\n{"a":' > "$SFS_T/tail_bad"
if cat "$SFS_T/tail_bad" > "$MNT/s/ingest" 2>/dev/null; then
    fail "cat of a file ending in a bad unterminated line exited 0"
fi
printf '{"a":7}' | cat > "$MNT/s/ingest" || fail "a good unterminated line failed"
wait_for grep -q '"a":7' "$MNT/s/data"
expect_eq "$(jq -s -c 'map(.a)' "$MNT/s/data")" '[1,5,6,7]' "rows after unterminated lines"
wait_for grep -q 'truncated\|unterminated\|end of' "$MNT/s/errors"
