# Results as CSV, CSVWithNames, TSV, TSVWithNames and JSONEachRow, read by
# the standard tools.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

q() { # statement -> the path of its result
    echo "$1" > "$MNT/queries/new"
    echo "$MNT/queries/$(readlink "$MNT/queries/last")/result"
}

r=$(q "SELECT number FROM numbers(5, 1000) FORMAT CSVWithNames")
out=$(python3 - "$r" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(len(rows), sum(int(r["number"]) for r in rows), rows[0]["number"])
PY
)
expect_eq "$out" "1000 504500 5" "CSVWithNames read by python's csv"
expect_eq "$(head -1 "$r")" '"number"' "names line"

r=$(q "SELECT number FROM numbers(10) FORMAT CSV")
expect_eq "$(awk -F, '{ s += $1 } END { print NR, s }' "$r")" "10 45" "CSV by awk"
r=$(q "SELECT number FROM numbers(10) FORMAT TabSeparated")
expect_eq "$(awk -F'\t' '{ s += $1 } END { print NR, s }' "$r")" "10 45" "TSV by awk"
r=$(q "SELECT number FROM numbers(3) FORMAT TSVWithNames")
expect_eq "$(cat "$r" | tr '\n' ' ')" "number 0 1 2 " "TSVWithNames"
r=$(q "SELECT number FROM numbers(3) FORMAT JSONEachRow")
expect_eq "$(jq -r .number "$r" | sort -n | tail -1)" 2 "JSONEachRow by jq"
r=$(q "select number from numbers(2) format csvwithnames")
expect_eq "$(cat "$r" | tr '\n' ' ')" '"number" 0 1 ' "keywords and format names in any case"
expect_eq "$(sort -n "$r" | grep -c .)" 3 "sort reads it"

expect_fail sh -c "echo 'SELECT number FROM numbers(3) FORMAT XML' | cat > '$MNT/queries/new'"
tail -1 "$MNT/ctl" | grep -q "column 38: unknown format 'XML'" || fail "ctl: $(tail -1 "$MNT/ctl")"
