# Queries started at the same time from several processes each get their
# own id and their whole answer; rmdir cancels a long query whose reader
# is waiting, and frees its files.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

for w in $(seq 1 8); do
    python3 - "$MNT/queries/new" "$w" > "$SFS_T/out.$w" <<'PY' &
import json, os, sys
path, w = sys.argv[1], int(sys.argv[2])
n = 20000 + w
fd = os.open(path, os.O_RDWR)
os.write(fd, b"SELECT number FROM numbers(%d)" % n)
qid = os.read(fd, 64).decode().strip()
os.close(fd)
total = rows = 0
with open(os.path.join(os.path.dirname(path), qid, "result")) as f:
    for line in f:
        total += json.loads(line)["number"]
        rows += 1
print(qid, rows == n and total == n * (n - 1) // 2)
PY
done
wait
cat "$SFS_T"/out.* | sort -n > "$SFS_T/all"
expect_eq "$(cut -d' ' -f2 "$SFS_T/all" | sort -u)" "True" "every answer whole: $(cat "$SFS_T/all")"
expect_eq "$(cut -d' ' -f1 "$SFS_T/all" | tr '\n' ' ')" "1 2 3 4 5 6 7 8 " "distinct ids"

# a long query: rmdir cancels it while a reader follows its result
echo "SELECT number FROM numbers(2000000000)" > "$MNT/queries/new"
id=$(readlink "$MNT/queries/last")
cat "$MNT/queries/$id/result" > /dev/null &
reader=$!
sfs_bg "$reader"
wait_for grep -qx 'state: running' "$MNT/queries/$id/status"
rmdir "$MNT/queries/$id"
wait "$reader" || true # the reader ends: its query is gone
[ -e "$MNT/queries/$id" ] && fail "query still listed"
[ -e "$DATA/queries/$id" ] && fail "its files are still in DATADIR"
ls "$DATA/queries" | grep -q gone && fail "leftovers: $(ls -a "$DATA/queries")"
echo "SELECT number FROM numbers(3)" > "$MNT/queries/new"
expect_eq "$(wc -l < "$MNT/queries/last/result")" 3 "the daemon goes on"
