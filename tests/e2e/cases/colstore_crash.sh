# kill -9 of the daemon while the columnar store compacts the log into
# parts and merges them, then a remount, 10 times: every row inserted
# before the kill is served by table(s) exactly once (count, sum and
# distinct count of v match the inserts), no temporary or unlisted part
# file survives the remount, and the store keeps working afterwards.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

CYCLES=10
CHUNK=150000   # rows per INSERT: over the compaction threshold, so a part follows at once
echo "CREATE STREAM c (v int64, d string, x float64)" > "$MNT/ctl"

q() { # sql -> result
    local id
    id=$(echo "$1" | { exec 3<>"$MNT/queries/new"; cat >&3; cat <&3; }) || fail "query failed: $1"
    cat "$MNT/queries/$id/result"
}
check() { # n: rows 0..n-1, each once
    local n=$1 out
    out=$(q "SELECT count() AS n, sum(v) AS s, count_distinct(v) AS u, min(v) AS lo FROM table(c)")
    echo "$out" | jq -e --argjson n "$n" '.n == $n and .u == $n and .s == ($n * ($n - 1) / 2) and ($n == 0 or .lo == 0)' \
        > /dev/null || fail "after $2: expected rows 0..$((n - 1)) once each, got $out"
}
debris() {
    ls "$DATA/streams/1/parts" | grep -v -e '\.prt$' -e '^MANIFEST$' || true
}

n=0
kills_compacting=0
for cycle in $(seq 1 $CYCLES); do
    echo "INSERT INTO c (v, d, x) SELECT number + $n, concat('dev', to_string(number % 100)), number / 7 FROM numbers($CHUNK)" \
        > "$MNT/ctl" || fail "insert $cycle"
    n=$((n + CHUNK))
    # kill at a moment spread over the compaction and merge that follow
    sleep "0.$(( (cycle * 37) % 10 ))"
    pid=$(sfs_pid)
    ls "$DATA/streams/1/parts" | grep -q '\.tmp$' && kills_compacting=$((kills_compacting + 1))
    kill -9 "$pid"
    sfs_wait_gone "$pid"
    sfs_start
    [ -z "$(debris)" ] || fail "cycle $cycle: debris after remount: $(debris)"
    # every listed part exists; no unlisted part file
    awk '$1 == "part" { print $2 }' "$DATA/streams/1/parts/MANIFEST" 2>/dev/null | sort > "$SFS_T/listed" || true
    ls "$DATA/streams/1/parts" | grep '\.prt$' | sort > "$SFS_T/files" || true
    diff "$SFS_T/listed" "$SFS_T/files" > /dev/null || fail "cycle $cycle: manifest and files differ"
    check "$n" "kill $cycle"
done
echo "kills while a part was being written: $kills_compacting of $CYCLES"

# the store goes on: everything compacts, merges keep the parts few
stat_of() { awk -v k="$1:" '$1 == k { print $2 }' "$MNT/c/stats"; }
stat_is() { [ "$(stat_of "$1")" = "$2" ]; }  # evaluated on each try of wait_for
wait_for stat_is compacted_sequence "$n"
[ "$(stat_of parts)" -lt 8 ] || fail "parts not merged: $(cat "$MNT/c/stats")"
check "$n" "the last compaction"
