# The columnar store on a real mount, with ingest, compaction, merges and
# queries at the same time. One writer appends rows v = 0, 1, 2, ... in
# order, pausing now and then so that the idle stream is compacted into a
# part; meanwhile queries over table(s) run in a loop. Rows are committed
# in order by one writer, so every answer must describe a prefix 0..n-1
# exactly: count() = n, sum(v) = n(n-1)/2, min 0, max n-1, each v once.
# At the end the answer equals the reference computed by awk, parts and
# merges exist, pruned time-range queries agree with the reference, and a
# remount serves the same rows from the parts.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM m (v int64, d string, x float64)" > "$MNT/ctl"
BATCH=4000
ROUNDS=10   # each: 3 batches, then an idle pause that lets compaction run

writer() {
    trap - EXIT
    local r b first
    for r in $(seq 0 $((ROUNDS - 1))); do
        for b in 0 1 2; do
            first=$(( (r * 3 + b) * BATCH ))
            awk -v f="$first" -v n="$BATCH" 'BEGIN { for (i = f; i < f + n; i++) { ms = i * 10
                printf "{\"v\":%d,\"d\":\"dev%d\",\"x\":%d.5,\"_tp_time\":\"2024-07-10 %02d:%02d:%02d.%03d\"}\n",
                    i, i % 37, i % 100, ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60, ms % 1000 } }' \
                > "$SFS_T/batch" && cat "$SFS_T/batch" > "$MNT/m/ingest" || { echo "write $r/$b failed" > "$SFS_T/writer.err"; return 1; }
        done
        sleep 1.3
    done
    touch "$SFS_T/writer.done"
}
writer &
sfs_bg $!

# A consistent prefix, or fail.
check_prefix() { # json line of count, sum, min, max, uniq
    echo "$1" | jq -e '(.n == 0) or (.s == (.n * (.n - 1) / 2) and .lo == 0 and .hi == .n - 1 and .u == .n)' >/dev/null ||
        fail "not a prefix of the committed rows: $1"
}
q() { # sql -> result
    local id
    id=$(echo "$1" | { exec 3<>"$MNT/queries/new"; cat >&3; cat <&3; }) || fail "query failed: $1"
    cat "$MNT/queries/$id/result"
}

checks=0
while [ ! -e "$SFS_T/writer.done" ]; do
    [ ! -e "$SFS_T/writer.err" ] || fail "$(cat "$SFS_T/writer.err")"
    out=$(q "SELECT count() AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi, count_distinct(v) AS u FROM table(m)")
    check_prefix "$out"
    checks=$((checks + 1))
done
[ "$checks" -gt 3 ] || fail "only $checks checks ran during ingest"

N=$((ROUNDS * 3 * BATCH))
out=$(q "SELECT count() AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi, count_distinct(v) AS u FROM table(m)")
check_prefix "$out"
expect_eq "$(echo "$out" | jq .n)" "$N" "every row"

stat_of() { awk -v k="$1:" '$1 == k { print $2 }' "$MNT/m/stats"; }
stat_is() { [ "$(stat_of "$1")" = "$2" ]; }  # evaluated on each try of wait_for
wait_for stat_is compacted_sequence "$N"
[ "$(stat_of parts)" -ge 1 ] || fail "no parts: $(cat "$MNT/m/stats")"
[ "$(stat_of merges)" -ge 1 ] || fail "no merge ran: $(cat "$MNT/m/stats")"
[ "$(stat_of parts)" -lt "$ROUNDS" ] || fail "merges did not keep parts few: $(cat "$MNT/m/stats")"
ls "$DATA/streams/1/parts" | grep -q '\.prt$' || fail "no part files in DATADIR"

# answers against a reference computed from the same rows
reference() { # lo hi: count and sum of x for v in [lo, hi), per d
    awk -v lo="$1" -v hi="$2" -v n="$N" 'BEGIN { for (i = lo; i < hi && i < n; i++) { c[i % 37]++; s[i % 37] += (i % 100) + 0.5 }
        for (k in c) printf "dev%d %d %.1f\n", k, c[k], s[k] }' | sort
}
ts_of() { # row -> its _tp_time
    local ms=$(( $1 * 10 ))
    printf '2024-07-10 %02d:%02d:%02d.%03d' $((ms / 3600000)) $(( (ms / 60000) % 60 )) $(( (ms / 1000) % 60 )) $((ms % 1000))
}
check_range() { # lo hi
    local lo=$1 hi=$2 t0 t1
    t0=$(ts_of "$lo")
    t1=$(ts_of "$hi")
    q "SELECT d, count() AS c, sum(x) AS s FROM table(m) WHERE _tp_time >= '$t0' AND _tp_time < '$t1' GROUP BY d" |
        jq -r '"\(.d) \(.c) \(.s * 10 | round / 10 | tostring | if test("\\.") then . else . + ".0" end)"' | sort > "$SFS_T/got"
    reference "$lo" "$hi" > "$SFS_T/want"
    diff "$SFS_T/want" "$SFS_T/got" > /dev/null || fail "range [$lo, $hi): $(diff "$SFS_T/want" "$SFS_T/got" | head -5)"
}
check_range 0 "$N"
check_range 1000 1500
check_range 50000 90001
expect_eq "$(q "SELECT count() AS c FROM table(m) WHERE v = 77777" | jq .c)" 1 "equality on a column"
expect_eq "$(q "SELECT count() AS c FROM table(m) WHERE d = 'dev3' AND v < 100" | jq .c)" 3 "string equality"

# a remount serves the same rows from the parts
sfs_stop
sfs_start
out=$(q "SELECT count() AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi, count_distinct(v) AS u FROM table(m)")
check_prefix "$out"
expect_eq "$(echo "$out" | jq .n)" "$N" "every row after remount"
check_range 1000 1500
