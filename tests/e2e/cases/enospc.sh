# ENOSPC: with DATADIR on a small tmpfs, batches written with `cat batch >
# ingest` until the file system is full: the failing cat reports "No space
# left on device", every acked batch is there exactly once and whole, the
# stream stays readable, and once space is freed writes succeed again with
# sequence numbers that follow on; a remount keeps every acked row.
. "$(dirname "$0")/../lib/common.sh"
sfs_mount_tmpfs "$SFS_T/small" 8m
DATA=$SFS_T/small/data
sfs_start

ROWS=100  # rows per batch, ~100 bytes each: one cat is one write()
PAD=$(printf 'x%.0s' $(seq 1 60))
echo "CREATE STREAM c (batch int64, i int32, pad string)" > "$MNT/ctl"

# leave about 512 KiB free: a few dozen batches fit
avail_kib() {
    df -k --output=avail "$SFS_T/small" | tail -1 | tr -d ' '
}
head -c $(($(avail_kib) - 512))K /dev/zero > "$SFS_T/small/filler" ||
    fail "cannot place the filler"
[ "$(avail_kib)" -le 600 ] || fail "filler left $(avail_kib) KiB free"

batch_rows() {
    awk -v b="$1" -v r="$ROWS" -v pad="$PAD" 'BEGIN { for (i = 0; i < r; i++)
        printf "{\"batch\":%d,\"i\":%d,\"pad\":\"b%d-i%d-%s\"}\n", b, i, b, i, pad }'
}

# Write batch N: N goes to `attempted`, and to `acked` when its cat exits
# 0; else its stderr is in $ERR.
: > "$SFS_T/attempted"
: > "$SFS_T/acked"
write_batch() {
    batch_rows "$1" > "$SFS_T/batch"
    echo "$1" >> "$SFS_T/attempted"
    if ERR=$(cat "$SFS_T/batch" 2>&1 > "$MNT/c/ingest"); then
        echo "$1" >> "$SFS_T/acked"
        return 0
    fi
    return 1
}

# The rows in data are whole batches in the order written, each once, each
# row intact, every acked batch among them; a batch whose cat failed may
# be there only whole (rows that reached the log before the error: only
# what the writer was told matters). `sequence` counts the rows.
check_rows() {
    local what=$1
    cp "$MNT/c/data" "$SFS_T/data" || fail "$what: cannot read data"
    jq -r '"\(.batch) \(.i) \(.pad)"' "$SFS_T/data" > "$SFS_T/rows" ||
        fail "$what: data holds a line that is not a JSON row"
    awk -v R="$ROWS" -v pad="$PAD" -v att="$SFS_T/attempted" -v ack="$SFS_T/acked" '
        function bad(m) { print m; err = 1; exit 1 }
        BEGIN {
            while ((getline b < att) > 0) A[b] = 1
            while ((getline b < ack) > 0) K[b] = 1
        }
        {
            if ($3 != "b" $1 "-i" $2 "-" pad) bad("row " NR " is corrupt: " $0)
            if ($2 == 0) {
                if (have && next_i != R) bad("batch " cur " cut after " next_i " of " R " rows")
                if (have && $1 + 0 <= cur + 0) bad("batch " $1 " again after batch " cur " (duplicate or reordered)")
                if (!($1 in A)) bad("batch " $1 " was never written")
                cur = $1; next_i = 0; have = 1; seen[$1] = 1
                if (!($1 in K)) unacked = unacked " " $1
            } else if (!have || $1 != cur || $2 != next_i) {
                bad("row " NR ": expected batch " cur " row " next_i ", got batch " $1 " row " $2)
            }
            next_i++
        }
        END {
            if (err) exit 1
            if (have && next_i != R) { print "batch " cur " cut after " next_i " of " R " rows"; exit 1 }
            for (b in K) if (!(b in seen)) { print "acked batch " b " is missing"; exit 1 }
            if (unacked != "") print "whole though their cat failed (allowed):" unacked > "/dev/stderr"
        }' "$SFS_T/rows" > "$SFS_T/verdict" || fail "$what: $(cat "$SFS_T/verdict")"
    expect_eq "$(awk '/^sequence:/ { print $2 }' "$MNT/c/stats")" "$(wc -l < "$SFS_T/data")" \
        "$what: sequence against rows in data"
}

# fill it up: the first failure is ENOSPC
n=0
while :; do
    n=$((n + 1))
    [ "$n" -le 1000 ] || fail "1000 batches fit on a full file system"
    write_batch "$n" || break
done
echo "$ERR" | grep -q "No space left on device" || fail "batch $n failed, but not with ENOSPC: $ERR"
full=$(wc -l < "$SFS_T/acked")
[ "$full" -ge 5 ] || fail "only $full batches fit before ENOSPC"
echo "$full batches acked before ENOSPC"
check_rows "when full"
cp "$SFS_T/data" "$SFS_T/data.full"

# completely full now (the filler takes the rest): more writes fail the
# same way and change nothing; reads work
cat /dev/zero >> "$SFS_T/small/filler" 2>/dev/null && fail "the filler did not fill the file system"
expect_eq "$(avail_kib)" 0 "free space"
for k in 1 2 3; do
    n=$((n + 1))
    if write_batch "$n"; then fail "batch $n was accepted on a full file system"; fi
    echo "$ERR" | grep -q "No space left on device" || fail "batch $n on a full fs: $ERR"
done
cat "$MNT/c/schema" "$MNT/c/stats" > /dev/null || fail "stream files unreadable when full"
check_rows "after more failed writes"
cmp -s -n "$(stat -c %s "$SFS_T/data.full")" "$SFS_T/data.full" "$SFS_T/data" ||
    fail "failed writes changed rows written before"
cp "$SFS_T/data" "$SFS_T/data.after"

# kill -9 and a remount on the full file system: what the log holds on
# disk is whole and the same
pid=$(sfs_pid)
kill -9 "$pid" || fail "daemon $pid died before it was killed"
wait_for sfs_gone "$pid"
sfs_start
check_rows "after kill -9 and remount while full"
cmp -s "$SFS_T/data" "$SFS_T/data.after" || fail "rows changed across kill -9 and remount"
n=$((n + 1))
if write_batch "$n"; then fail "batch $n was accepted on a full file system after remount"; fi
echo "$ERR" | grep -q "No space left on device" || fail "batch $n on a full fs after remount: $ERR"

# free the space: writes succeed and follow on, after the rows before
rm "$SFS_T/small/filler"
for k in $(seq 1 10); do
    n=$((n + 1))
    write_batch "$n" || fail "batch $n failed after space was freed: $ERR"
done
check_rows "after space returned"
cmp -s -n "$(stat -c %s "$SFS_T/data.full")" "$SFS_T/data.full" "$SFS_T/data" ||
    fail "rows written before ENOSPC changed"

# a clean remount keeps everything acked
cp "$SFS_T/data" "$SFS_T/data.before"
sfs_stop
sfs_start
check_rows "after remount"
cmp -s "$SFS_T/data" "$SFS_T/data.before" || fail "rows changed across remount"
n=$((n + 1))
write_batch "$n" || fail "batch $n failed after remount: $ERR"
check_rows "write after remount"
