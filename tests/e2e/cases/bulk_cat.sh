# cat of a 100k-line file into ingest, twice, gives 200k rows.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

echo "CREATE STREAM m (id int64, device string, temp float64)" > "$MNT/ctl"
awk 'BEGIN { for (i = 0; i < 100000; i++)
    printf "{\"id\":%d,\"device\":\"dev_%04d\",\"temp\":%.2f}\n", i, i % 2400, (i % 1000) / 10 }' \
    > "$SFS_T/rows"
cat "$SFS_T/rows" > "$MNT/m/ingest" || fail "first cat failed"
cat "$SFS_T/rows" > "$MNT/m/ingest" || fail "second cat failed"

grep -q '^rows: 200000$' "$MNT/m/stats" || fail "stats: $(cat "$MNT/m/stats")"
expect_eq "$(wc -l < "$MNT/m/data")" 200000 "data rows"
# each id exactly twice, values intact
expect_eq "$(jq -r .id "$MNT/m/data" | sort -n | uniq -c | awk '$1 != 2' | wc -l)" 0 "ids twice"
expect_eq "$(jq -c 'select(.id == 99999) | [.device, .temp]' "$MNT/m/data" | sort -u)" \
    '["dev_1599",99.9]' "last row"
