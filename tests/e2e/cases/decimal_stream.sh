# decimal(p, s) columns end to end: JSON numbers and numeric strings read
# exactly, out-of-range values refused as malformed rows, the data file
# and query results showing exactly s fraction digits as JSON numbers, and
# the types and values surviving a remount (catalog and log).
. "$(dirname "$0")/../lib/common.sh"
sfs_start

q() { # statement -> the path of its result
    echo "$1" > "$MNT/queries/new" || fail "query failed: $1"
    echo "$MNT/queries/$(readlink "$MNT/queries/last")/result"
}

echo "CREATE STREAM prices (sym string, px decimal(9, 2), qty nullable(decimal64(4)))" > "$MNT/ctl"
grep -q "ok: created stream prices" "$MNT/ctl" || fail "ctl outcome: $(cat "$MNT/ctl")"
printf '%s\n' '{"sym":"a","px":1.5,"qty":"0.12345"}' \
    '{"sym":"b","px":"324.46","qty":12345678901234.5678}' \
    '{"sym":"a","px":-0.01,"qty":null}' > "$MNT/prices/ingest" || fail "ingest failed"
expect_fail sh -c "echo '{\"sym\":\"c\",\"px\":10000000}' | cat > '$MNT/prices/ingest'"
grep -q "out of range for decimal(9, 2)" "$MNT/prices/errors" || fail "errors: $(cat "$MNT/prices/errors")"

expect_eq "$(jq -c -r '[.sym, .px, .qty] | @json' "$MNT/prices/data" | head -1)" '["a",1.5,0.1234]' "jq reads numbers"
expect_eq "$(sed 's/,"_tp_time":.*//' "$MNT/prices/data")" \
'{"sym":"a","px":1.50,"qty":0.1234
{"sym":"b","px":324.46,"qty":12345678901234.5678
{"sym":"a","px":-0.01,"qty":null' "data file"

check() {
    r=$(q "SELECT sym, sum(px), max(qty) FROM table(prices) GROUP BY sym ORDER BY sym FORMAT CSV")
    wait_for grep -qx 'state: finished' "$(dirname "$r")/status"
    expect_eq "$(cat "$r")" '"a",1.49,0.1234
"b",324.46,12345678901234.5678' "sums $1"
    expect_eq "$(cat "$MNT/prices/schema")" \
        "CREATE STREAM prices (sym string, px decimal(9, 2), qty nullable(decimal(18, 4)))" "schema $1"
}
check "before the remount"
sfs_stop
sfs_start
check "after the remount"
