# `tail -f data` follows the stream as rows arrive.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

mkdir "$MNT/events"
echo "before" >> "$MNT/events/ingest"
tail -n +1 -s 0.1 -f "$MNT/events/data" > "$SFS_T/followed" &
tailpid=$!
wait_for grep -q '"before"' "$SFS_T/followed"
for i in 1 2 3; do
    echo "event $i" >> "$MNT/events/ingest"
    wait_for grep -q "\"event $i\"" "$SFS_T/followed"
done
kill "$tailpid"
expect_eq "$(jq -r .raw "$SFS_T/followed" | tr '\n' ' ')" "before event 1 event 2 event 3 " "followed rows"
