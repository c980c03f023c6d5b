# A query the daemon is killed under (kill -9) or unmounted under comes
# back failed after the remount, its error saying so and its result kept;
# numbers are never reused.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "SELECT number FROM numbers(5)" > "$MNT/queries/new"
echo "SELECT number FROM numbers(2000000000)" > "$MNT/queries/new"
wait_for grep -qx 'state: running' "$MNT/queries/2/status"
wait_for test -s "$MNT/queries/2/result"
pid=$(sfs_pid)
kill -9 "$pid"
sfs_wait_gone "$pid"
sfs_start
expect_eq "$(ls "$MNT/queries" | tr '\n' ' ')" "1 2 last new " "queries after kill -9"
grep -qx 'state: failed' "$MNT/queries/2/status" || fail "status: $(cat "$MNT/queries/2/status")"
expect_eq "$(cat "$MNT/queries/2/error")" "the daemon stopped while the query was running" "error"
[ "$(stat -c %s "$MNT/queries/2/result")" -gt 0 ] || fail "its result was not kept"
grep -qx 'state: finished' "$MNT/queries/1/status" || fail "a finished query stays finished"
# the kept result reads to its end, then EIO: the query failed
expect_fail cat "$MNT/queries/2/result"
echo "$ERR" | grep -q "Input/output error" || fail "reading: $ERR"

# unmount under a running query
echo "SELECT number FROM numbers(2000000000)" > "$MNT/queries/new"
expect_eq "$(readlink "$MNT/queries/last")" 3 "numbers go on after a crash"
wait_for grep -qx 'state: running' "$MNT/queries/3/status"
sfs_stop
sfs_start
grep -qx 'state: failed' "$MNT/queries/3/status" || fail "status: $(cat "$MNT/queries/3/status")"
expect_eq "$(cat "$MNT/queries/3/error")" "the daemon stopped while the query was running" "error"
echo "SELECT number FROM numbers(1)" > "$MNT/queries/new"
expect_eq "$(readlink "$MNT/queries/last")" 4 "and after an unmount"
