# kill -9 of the daemon under a writer appending batches with `cat batch >
# ingest`, then a remount, 24 times: every batch whose cat exited 0 is there
# exactly once and whole, nothing is duplicated, torn or reordered, rows
# seen once stay, and sequence numbers follow on.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

CYCLES=24
ROWS=120  # rows per batch, ~100 bytes each: one cat is one write()
PAD=$(printf 'x%.0s' $(seq 1 60))
echo "CREATE STREAM c (batch int64, i int32, pad string)" > "$MNT/ctl"

# Batch N: ROWS rows (batch N, i 0..ROWS-1, a pad naming both).
batch_rows() {
    awk -v b="$1" -v r="$ROWS" -v pad="$PAD" 'BEGIN { for (i = 0; i < r; i++)
        printf "{\"batch\":%d,\"i\":%d,\"pad\":\"b%d-i%d-%s\"}\n", b, i, b, i, pad }'
}

# The writer: N goes to `attempted` before its cat and to `acked` only
# when the cat exited 0 (while the mount is dead, cats fail). Between batches it obeys `pause` (holding a token)
# by writing the token to `paused`, and stops at `stop`.
writer() {
    trap - EXIT
    local n=0 f=$SFS_T/batch tok
    while [ -d "$SFS_T" ] && [ ! -e "$SFS_T/stop" ]; do
        if tok=$(cat "$SFS_T/pause" 2>/dev/null); then
            echo "$tok" > "$SFS_T/paused.tmp" && mv "$SFS_T/paused.tmp" "$SFS_T/paused"
            sleep 0.01
            continue
        fi
        n=$((n + 1))
        batch_rows "$n" > "$f"
        echo "$n" >> "$SFS_T/attempted"
        if cat "$f" > "$MNT/c/ingest"; then
            echo "$n" >> "$SFS_T/acked"
        else
            sleep 0.01  # the mount is dead: do not spin
        fi
    done
}
: > "$SFS_T/attempted"
: > "$SFS_T/acked"
writer 2> "$SFS_T/writer.err" &
writer_pid=$!
sfs_bg "$writer_pid"

# Stop the writer between two batches (no cat in flight), or let it go on.
token=0
pause_writer() {
    token=$((token + 1))
    echo "$token" > "$SFS_T/pause.tmp" && mv "$SFS_T/pause.tmp" "$SFS_T/pause"
    wait_for grep -qsx "$token" "$SFS_T/paused"
}
resume_writer() {
    rm -f "$SFS_T/pause"
}

# With the writer paused: check the stream against the writer's lists.
# The rows checked last time must be an unchanged prefix (nothing seen is
# lost or rewritten); the rows after it are parsed: whole batches of
# increasing number, each attempted, each row's pad intact. Every acked
# batch is present, and `sequence` counts the rows.
prev=$SFS_T/prev
: > "$prev"
: > "$SFS_T/present"
last=
verify() {
    local what=$1 cur=$SFS_T/cur size rows seq
    cp "$MNT/c/data" "$cur" || fail "$what: cannot read data"
    [ ! -s "$cur" ] || [ -z "$(tail -c 1 "$cur")" ] || fail "$what: data ends in a partial line"
    size=$(stat -c %s "$prev")
    cmp -s -n "$size" "$prev" "$cur" || fail "$what: rows seen before changed or vanished"
    tail -c +$((size + 1)) "$cur" | jq -r '"\(.batch) \(.i) \(.pad)"' > "$SFS_T/rows" ||
        fail "$what: data holds a line that is not a JSON row"
    awk -v R="$ROWS" -v pad="$PAD" -v att="$SFS_T/attempted" -v ack="$SFS_T/acked" \
        -v present="$SFS_T/present" -v last="$last" '
        function bad(m) { print m; err = 1; exit 1 }
        BEGIN {
            while ((getline b < att) > 0) A[b] = 1
            while ((getline b < ack) > 0) K[b] = 1
            while ((getline b < present) > 0) seen[b] = 1
            close(present)
            have = last != ""; cur = last; next_i = R
        }
        {
            if ($3 != "b" $1 "-i" $2 "-" pad) bad("row " NR " is corrupt: " $0)
            if ($2 == 0) {
                if (have && next_i != R) bad("batch " cur " cut after " next_i " of " R " rows")
                if (have && $1 + 0 <= cur + 0) bad("batch " $1 " again after batch " cur " (duplicate or reordered)")
                if (!($1 in A)) bad("batch " $1 " was never attempted")
                cur = $1; next_i = 0; have = 1; seen[$1] = 1
                print $1 >> present
                if (!($1 in K)) unacked = unacked " " $1
            } else if (!have || $1 != cur || $2 != next_i) {
                bad("new row " NR ": expected batch " cur " row " next_i ", got batch " $1 " row " $2)
            }
            next_i++
        }
        END {
            if (err) exit 1
            if (have && next_i != R) { print "batch " cur " cut after " next_i " of " R " rows"; exit 1 }
            for (b in K) if (!(b in seen)) { print "acked batch " b " is missing"; exit 1 }
            if (unacked != "") print "whole though their cat failed (allowed):" unacked > "/dev/stderr"
        }' "$SFS_T/rows" > "$SFS_T/verdict" 2> "$SFS_T/unacked" ||
        fail "$what: $(cat "$SFS_T/verdict")"
    cat "$SFS_T/unacked"
    last=$(tail -1 "$SFS_T/present")
    rows=$(wc -l < "$cur")
    seq=$(awk '/^sequence:/ { print $2 }' "$MNT/c/stats")
    expect_eq "$seq" "$rows" "$what: sequence against rows in data"
    mv "$cur" "$prev"
}

acked_beyond() {
    [ "$(wc -l < "$SFS_T/acked")" -gt "$1" ]
}
# Seeded, so the kill points are spread the same way on every run; the
# delays only spread them, nothing depends on their length.
RANDOM=4711
for cycle in $(seq 1 "$CYCLES"); do
    # at least one batch acked on this mount, then a kill at a spread point
    wait_for acked_beyond "$(wc -l < "$SFS_T/acked")"
    sleep "$(printf 0.%02d $((RANDOM % 25)))"
    pid=$(sfs_pid)
    kill -9 "$pid" || fail "cycle $cycle: daemon $pid died before it was killed"
    wait_for sfs_gone "$pid"
    sfs_start
    pause_writer
    verify "cycle $cycle"
    resume_writer
done

touch "$SFS_T/stop"
wait "$writer_pid" || fail "writer failed"
verify "after the writer stopped"
echo "acked $(wc -l < "$SFS_T/acked") of $(wc -l < "$SFS_T/attempted") batches, $(wc -l < "$prev") rows"

# new writes follow on: sequence grows by exactly their rows, at the end
seq0=$(awk '/^sequence:/ { print $2 }' "$MNT/c/stats")
n=$(tail -1 "$SFS_T/attempted")
for b in $((n + 1)) $((n + 2)); do
    batch_rows "$b" > "$SFS_T/batch"
    echo "$b" >> "$SFS_T/attempted"
    cat "$SFS_T/batch" > "$MNT/c/ingest" || fail "write after the last cycle failed"
    echo "$b" >> "$SFS_T/acked"
done
expect_eq "$(awk '/^sequence:/ { print $2 }' "$MNT/c/stats")" $((seq0 + 2 * ROWS)) "sequence after new writes"
verify "after new writes"
expect_eq "$(tail -1 "$prev" | jq -r '"\(.batch) \(.i)"')" "$((n + 2)) $((ROWS - 1))" "last row"
sfs_stop
sfs_start
verify "after a clean remount"
