# kill -9 of the daemon under a writer upserting and deleting keys of a
# mutable stream, then a remount, 12 times: every acknowledged upsert and
# delete is there (the key table is rebuilt from the log past its applied
# mark), nothing newer than what was attempted, and the secondary index
# agrees with the rows.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

CYCLES=12
KEYS=50
echo "CREATE MUTABLE STREAM kv (k int32, v int64, tag string, INDEX by_tag (tag)) PRIMARY KEY (k) SETTINGS shards=2" > "$MNT/ctl"

q() {
    echo "$1" > "$MNT/queries/new"
    cat "$MNT/queries/last/result"
}

# Batch N, one write(): every key upserted to version N (tag tN), then key
# N % KEYS deleted. After batch N the table is exactly: KEYS-1 rows, all v=N.
batch() {
    awk -v n="$1" -v K="$KEYS" 'BEGIN {
        for (k = 0; k < K; k++) printf "{\"k\":%d,\"v\":%d,\"tag\":\"t%d\"}\n", k, n, n
        printf "{\"k\":%d,\"_tp_delta\":-1}\n", n % K }'
}
writer() {
    trap - EXIT
    local n
    n=$(tail -1 "$SFS_T/attempted" 2>/dev/null || echo 0)
    while [ ! -e "$SFS_T/stop" ]; do
        n=$((n + 1))
        batch "$n" > "$SFS_T/b"
        echo "$n" >> "$SFS_T/attempted"
        if cat "$SFS_T/b" > "$MNT/kv/ingest" 2>/dev/null; then
            echo "$n" >> "$SFS_T/acked"
        else
            break # the daemon is gone
        fi
    done
}
: > "$SFS_T/attempted"
: > "$SFS_T/acked"

verify() {
    local what=$1 acked attempted v rows
    acked=$(tail -1 "$SFS_T/acked" 2>/dev/null || echo 0)
    attempted=$(tail -1 "$SFS_T/attempted" 2>/dev/null || echo 0)
    [ -n "$acked" ] || acked=0
    q "SELECT min(v) AS lo, max(v) AS hi, count() AS n FROM table(kv)" > "$SFS_T/agg"
    v=$(jq -r .lo "$SFS_T/agg")
    expect_eq "$(jq -r .hi "$SFS_T/agg")" "$v" "$what: every key at one version"
    rows=$(jq -r .n "$SFS_T/agg")
    [ "$acked" -eq 0 ] && [ "$rows" -eq 0 ] && return 0
    expect_eq "$rows" $((KEYS - 1)) "$what: rows"
    [ "$v" -ge "$acked" ] || fail "$what: version $v older than the acknowledged batch $acked"
    [ "$v" -le "$attempted" ] || fail "$what: version $v newer than any attempted batch ($attempted)"
    [ -e "$MNT/kv/keys/$((v % KEYS))" ] && fail "$what: key $((v % KEYS)) was deleted by batch $v"
    expect_eq "$(q "SELECT count() FROM table(kv) WHERE tag = 't$v'")" "{\"count()\":$((KEYS - 1))}" \
        "$what: index entries of the current version"
    expect_eq "$(q "SELECT count() FROM table(kv) WHERE tag = 't$((v - 1))'")" '{"count()":0}' \
        "$what: no index entries of the previous version"
    expect_eq "$(jq -r .v "$MNT/kv/keys/$(((v + 1) % KEYS))")" "$v" "$what: a key file"
}

acked_beyond() {
    [ "$(wc -l < "$SFS_T/acked")" -gt "$1" ]
}

RANDOM=1234
for cycle in $(seq 1 "$CYCLES"); do
    rm -f "$SFS_T/stop"
    writer 2> "$SFS_T/writer.err" &
    wpid=$!
    sfs_bg "$wpid"
    start=$(wc -l < "$SFS_T/acked")
    wait_for acked_beyond "$start"
    sleep "$(printf 0.%02d $((RANDOM % 30)))"
    pid=$(sfs_pid)
    kill -9 "$pid" || fail "cycle $cycle: daemon $pid died before it was killed"
    wait_for sfs_gone "$pid"
    touch "$SFS_T/stop"
    wait "$wpid" || true
    sfs_start
    verify "cycle $cycle"
done
echo "acked $(wc -l < "$SFS_T/acked") of $(wc -l < "$SFS_T/attempted") batches"

# a clean unmount keeps the table as it is, and writes go on after it
sfs_stop
sfs_start
verify "after a clean remount"
