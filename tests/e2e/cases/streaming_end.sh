# Streaming queries end by LIMIT, by rmdir (at once, while waiting for
# rows), and by unmount (they come back failed); seek_to and WHERE on
# _tp_time backfill from the log without gap or duplicate.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM s (v int64)" > "$MNT/ctl"
for i in 1 2 3 4 5; do echo "{\"v\":$i}" >> "$MNT/s/ingest"; done

# LIMIT: finished after n rows
echo "SELECT v FROM s LIMIT 3" > "$MNT/queries/new"
lim=$MNT/queries/$(readlink "$MNT/queries/last")
grep -qx 'state: running' "$lim/status" || fail "running before its rows"
printf '{"v":6}\n{"v":7}\n' >> "$MNT/s/ingest"
grep -qx 'state: running' "$lim/status" || fail "running with 2 of 3 rows"
printf '{"v":8}\n{"v":9}\n' >> "$MNT/s/ingest"
done_() { grep -qx 'state: finished' "$lim/status"; }
wait_for done_
expect_eq "$(cat "$lim/result" | tr '\n' ' ')" '{"v":6} {"v":7} {"v":8} ' "LIMIT 3"

# backfill: every stored row, then the new ones, each once
echo "SELECT v FROM s SETTINGS seek_to='earliest'" > "$MNT/queries/new"
bf=$MNT/queries/$(readlink "$MNT/queries/last")
echo '{"v":10}' >> "$MNT/s/ingest"
ten() { grep -qx '{"v":10}' "$bf/result"; }
wait_for ten
expect_eq "$(tr -d '\n{}v":' < "$bf/result")" "12345678910" "seek_to='earliest'"
echo "SELECT v FROM s WHERE _tp_time > now() - 1h" > "$MNT/queries/new"
wh=$MNT/queries/$(readlink "$MNT/queries/last")
echo '{"v":11}' >> "$MNT/s/ingest"
eleven() { grep -qx '{"v":11}' "$wh/result"; }
wait_for eleven
expect_eq "$(tr -d '\n{}v":' < "$wh/result")" "1234567891011" "WHERE _tp_time > now() - 1h"
echo "SELECT v FROM s SETTINGS seek_to=9" > "$MNT/queries/new"
sq=$MNT/queries/$(readlink "$MNT/queries/last")
wait_for grep -q . "$sq/result"
expect_eq "$(tr -d '\n{}v":' < "$sq/result")" "1011" "seek_to=<sequence>"

# rmdir cancels a query that waits for rows, at once
echo "SELECT v FROM s WHERE v > 1000" > "$MNT/queries/new"
id=$(readlink "$MNT/queries/last")
start=$(date +%s%N)
rmdir "$MNT/queries/$id"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || fail "rmdir waited"
[ -e "$MNT/queries/$id" ] && fail "still listed after rmdir"

# unmount with a streaming query running; it comes back failed
echo "SELECT v FROM s" > "$MNT/queries/new"
run=$(readlink "$MNT/queries/last")
echo '{"v":12}' >> "$MNT/s/ingest"
twelve() { grep -qx '{"v":12}' "$MNT/queries/$run/result"; }
wait_for twelve
sfs_stop
sfs_start
grep -qx 'state: failed' "$MNT/queries/$run/status" || fail "after remount: $(cat "$MNT/queries/$run/status")"
grep -q 'the daemon stopped while the query was running' "$MNT/queries/$run/error" || fail "error"
expect_eq "$(cat "$MNT/queries/$run/result")" '{"v":12}' "its result is kept"
grep -qx 'state: finished' "$lim/status" || fail "the finished query stays finished"
