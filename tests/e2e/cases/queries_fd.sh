# queries/new read back on the descriptor that wrote: the id of each
# query it started, at any offset; errors too, race-free.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

# bash: one descriptor open for reading and writing
exec 3<>"$MNT/queries/new"
echo "SELECT number FROM numbers(3)" >&3
read -r id <&3
exec 3>&-
expect_eq "$id" 1 "id read back with exec 3<>"
expect_eq "$(wc -l < "$MNT/queries/$id/result")" 3 "its rows"

out=$(python3 - "$MNT/queries/new" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.write(fd, b"SELECT number FROM numbers(5); SELECT number FROM numbers(6)")
first = os.read(fd, 4096).decode()
# a statement over several writes: unfinished pieces wait for the rest
for piece in [b"SELECT number FROM", b" numbers(", b"7) FORMAT CSV"]:
    os.write(fd, piece)
second = os.pread(fd, 4096, 12345).decode()   # any offset
try:
    os.write(fd, b"\nSELECT numbr FROM numbers(1)")
except OSError as e:
    second += "errno=%d\n" % e.errno
second += os.read(fd, 4096).decode()
os.close(fd)
print(first + second, end="")
fd = os.open(sys.argv[1], os.O_RDONLY)
print("fresh:[%s]" % os.read(fd, 4096).decode())
PY
)
expect_eq "$out" "2
3
4
errno=22
error: line 2, column 8: unknown column 'numbr' in numbers(), did you mean 'number'?
fresh:[]" "ids and errors on the writing descriptor"
expect_eq "$(wc -l < "$MNT/queries/3/result")" 6 "second statement of one write"
expect_eq "$(cat "$MNT/queries/4/result" | tr '\n' ' ')" "0 1 2 3 4 5 6 " "split statement ran"
expect_eq "$(cat "$MNT/queries/4/sql")" "SELECT number FROM numbers(7) FORMAT CSV" "split statement text"

# a statement without a newline ends with its write
printf 'SELECT number FROM numbers(2)' | cat > "$MNT/queries/new"
expect_eq "$(readlink "$MNT/queries/last")" 5 "statement without newline"
