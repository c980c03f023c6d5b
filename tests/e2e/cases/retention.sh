# Retention on a real mount. A stream with 64 KiB segments and
# retention_bytes keeps its log bounded as writes roll segments: the oldest
# segment files leave DATADIR, stats and data agree on the rows left (whole,
# consecutive, from first_sequence on), a `tail -f` reader across the drops
# sees whole lines in order, and a remount keeps it all with sequence
# numbers following on. retention_ms drops segments of old event times.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

PAD=$(printf 'p%.0s' $(seq 1 100))
ROWS=200    # rows per write, ~120 bytes each: ~24 KiB a record
# batch FIRST [TIME]: ROWS rows i = FIRST.., with _tp_time TIME if given
batch() {
    awk -v f="$1" -v r="$ROWS" -v pad="$PAD" -v t="${2:-}" 'BEGIN { for (i = f; i < f + r; i++)
        if (t == "") printf "{\"i\":%d,\"pad\":\"%s\"}\n", i, pad
        else printf "{\"i\":%d,\"pad\":\"%s\",\"_tp_time\":\"%s\"}\n", i, pad, t }'
}
stat_of() { # stream key
    awk -v k="$2:" '$1 == k { print $2 }' "$MNT/$1/stats"
}

echo "CREATE STREAM r (i int64, pad string) SETTINGS codec='none', segment_bytes='64KiB', retention_bytes='256KiB'" > "$MNT/ctl"
expect_eq "$(tail -1 "$MNT/ctl")" "ok: created stream r" "create"
expect_eq "$(cat "$MNT/r/schema")" \
    "CREATE STREAM r (i int64, pad string) SETTINGS codec='none', segment_bytes=65536, retention_bytes=262144" \
    "schema shows the settings"
LOG=$DATA/streams/1/log
[ -d "$LOG" ] || fail "no log directory at $LOG"

tail -n +1 -s 0.05 -f "$MNT/r/data" > "$SFS_T/followed" &
sfs_bg $!

N=40
for b in $(seq 0 $((N - 1))); do
    batch $((b * ROWS)) > "$SFS_T/batch"
    cat "$SFS_T/batch" > "$MNT/r/ingest" || fail "write $b failed"
done
TOTAL=$((N * ROWS))

# The data file holds rows first..last, each once, in order, whole.
check_rows() { # what first last file
    local what=$1 first=$2 last=$3 file=$4
    jq -r .i "$file" > "$SFS_T/ids" || fail "$what: a line that is not a JSON row"
    awk -v f="$first" -v l="$last" 'NR == 1 && $1 != f { print "starts at " $1; exit 1 }
        NR > 1 && $1 != p + 1 { print "row " $1 " after " p; exit 1 } { p = $1 }
        END { if (p != l) { print "ends at " p; exit 1 } }' "$SFS_T/ids" > "$SFS_T/why" ||
        fail "$what: expected rows $first..$last: $(cat "$SFS_T/why")"
}

# what stats says, against the files in DATADIR and the data file
check_stream() { # what
    local what=$1 seq first rows bytes segs
    seq=$(stat_of r sequence)
    first=$(stat_of r first_sequence)
    rows=$(stat_of r rows)
    bytes=$(stat_of r bytes)
    segs=$(stat_of r segments)
    expect_eq "$rows" $((seq - first)) "$what: rows = sequence - first_sequence"
    [ "$first" -gt 0 ] || fail "$what: nothing was dropped: $(cat "$MNT/r/stats")"
    [ "$bytes" -le 262144 ] || fail "$what: $bytes bytes on disk, over retention_bytes"
    [ "$segs" -ge 2 ] || fail "$what: $segs segments"
    [ ! -e "$LOG/00000000000000000000.seg" ] || fail "$what: the first segment is still there"
    expect_eq "$(ls "$LOG" | grep -c '\.seg$')" "$segs" "$what: segment files"
    expect_eq "$(cat "$LOG"/*.seg | wc -c)" "$bytes" "$what: bytes of the segment files"
    expect_eq "$(ls "$LOG" | head -1)" "$(printf '%020d.seg' "$first")" \
        "$what: the oldest file left starts at first_sequence"
    cp "$MNT/r/data" "$SFS_T/rdata"
    expect_eq "$(wc -l < "$SFS_T/rdata")" "$rows" "$what: rows in data"
    check_rows "$what" "$first" $((seq - 1)) "$SFS_T/rdata"
}

expect_eq "$(stat_of r sequence)" "$TOTAL" "sequence"
check_stream "after the writes"
FIRST=$(stat_of r first_sequence)

# the follower: whole lines, in order, ending with the last row, and every
# row still retained among them
wait_for grep -q "\"i\":$((TOTAL - 1))," "$SFS_T/followed"
jq -r .i "$SFS_T/followed" > "$SFS_T/fids" || fail "tail -f saw a line that is not a JSON row"
awk 'NR > 1 && $1 <= p { print "row " $1 " after " p; exit 1 } { p = $1 }' "$SFS_T/fids" \
    > "$SFS_T/why" || fail "tail -f: $(cat "$SFS_T/why")"
awk -v f="$FIRST" '$1 >= f' "$SFS_T/fids" > "$SFS_T/fids.kept"
expect_eq "$(head -1 "$SFS_T/fids.kept")" "$FIRST" "tail -f saw the first retained row"
expect_eq "$(wc -l < "$SFS_T/fids.kept")" $((TOTAL - FIRST)) "tail -f saw every retained row"

# a remount keeps what is left, and sequence numbers follow on
cp "$SFS_T/rdata" "$SFS_T/before"
kill "${SFS_BG_PIDS[0]}" 2>/dev/null || true
wait "${SFS_BG_PIDS[0]}" 2>/dev/null || true
sfs_stop
sfs_start
expect_eq "$(stat_of r sequence)" "$TOTAL" "sequence after remount"
expect_eq "$(stat_of r first_sequence)" "$FIRST" "first_sequence after remount"
cmp -s "$MNT/r/data" "$SFS_T/before" || fail "data changed across remount"
check_stream "after remount"
for b in $N $((N + 1)) $((N + 2)); do
    batch $((b * ROWS)) > "$SFS_T/batch"
    cat "$SFS_T/batch" > "$MNT/r/ingest" || fail "write $b after remount failed"
done
TOTAL=$(((N + 3) * ROWS))
expect_eq "$(stat_of r sequence)" "$TOTAL" "sequence follows on"
check_stream "after writes on the new mount"
[ "$(stat_of r first_sequence)" -ge "$FIRST" ] || fail "first_sequence went back"

# by time: segments whose rows are all older than an hour go
echo "CREATE STREAM t (i int64, pad string) SETTINGS codec='none', segment_bytes='64KiB', retention_ms='1h'" > "$MNT/ctl"
expect_eq "$(tail -1 "$MNT/ctl")" "ok: created stream t" "create t"
for b in $(seq 0 9); do
    batch $((b * ROWS)) "2020-01-01 00:00:00.000" > "$SFS_T/batch"
    cat "$SFS_T/batch" > "$MNT/t/ingest" || fail "old write $b failed"
done
# each roll sealed a segment of old rows, and the next write dropped it
expect_eq "$(stat_of t segments)" 1 "only the newest segment is left"
first=$(stat_of t first_sequence)
[ "$first" -gt 0 ] || fail "segments of old rows are still there: $(cat "$MNT/t/stats")"
cp "$MNT/t/data" "$SFS_T/tdata"
check_rows "time retention" "$first" $((10 * ROWS - 1)) "$SFS_T/tdata"
[ ! -e "$DATA/streams/2/log/00000000000000000000.seg" ] || fail "t's first segment is still there"
# new rows: none of them goes (the old rows before them may, as rolls seal them)
for b in $(seq 10 19); do
    batch $((b * ROWS)) > "$SFS_T/batch"
    cat "$SFS_T/batch" > "$MNT/t/ingest" || fail "new write $b failed"
done
[ "$(stat_of t segments)" -gt 1 ] || fail "the new writes did not roll: $(cat "$MNT/t/stats")"
first2=$(stat_of t first_sequence)
[ "$first2" -ge "$first" ] && [ "$first2" -le $((10 * ROWS)) ] ||
    fail "first_sequence $first2 after new writes (was $first)"
cp "$MNT/t/data" "$SFS_T/tdata"
check_rows "time retention, new rows" "$first2" $((20 * ROWS - 1)) "$SFS_T/tdata"
