# A bad statement fails the writing command; `cat ctl` explains it with
# line and column; the same descriptor reads back its own outcomes.
. "$(dirname "$0")/../lib/common.sh"
sfs_start

# (through cat: shell builtins report every write error as "I/O error")
expect_fail sh -c "echo 'CREATE STREM x (a int32)' | cat > '$MNT/ctl'"
echo "$ERR" | grep -q "Invalid argument" || fail "expected EINVAL: $ERR"
tail -1 "$MNT/ctl" | grep -qx "error: line 1, column 8: expected STREAM after CREATE, got 'STREM'" \
    || fail "ctl says: $(cat "$MNT/ctl")"

expect_fail sh -c "printf 'CREATE STREAM t (\n  a int33)' | cat > '$MNT/ctl'"
tail -1 "$MNT/ctl" | grep -q "line 2, column 5: unknown type 'int33', did you mean 'int32'?" \
    || fail "ctl says: $(tail -1 "$MNT/ctl")"

echo "CREATE STREAM t (a int32)" > "$MNT/ctl"
expect_fail sh -c "echo 'CREATE STREAM t (b string)' | cat > '$MNT/ctl'"
echo "$ERR" | grep -q "File exists" || fail "expected EEXIST: $ERR"
expect_fail sh -c "echo 'DROP STREAM nope' | cat > '$MNT/ctl'"
echo "$ERR" | grep -q "No such file" || fail "expected ENOENT: $ERR"

# the writing descriptor reads its own outcomes (read-write open); positions
# count in all the text written to that open file
out=$(python3 - "$MNT/ctl" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.write(fd, b"CREATE STREAM u (a int32); CREATE STREAM IF NOT EXISTS u (a int32)")
sys.stdout.write(os.read(fd, 4096).decode())
try:
    os.write(fd, b"DROP STREAM missing")
except OSError as e:
    sys.stdout.write("errno=%d\n" % e.errno)
sys.stdout.write(os.read(fd, 4096).decode())
PY
)
expect_eq "$out" "ok: created stream u
ok: stream u already exists
errno=2
error: line 1, column 79: unknown stream 'missing'" "own outcomes"

# a statement spread over writes: unfinished pieces wait for the rest
python3 - "$MNT/ctl" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
for piece in [b"CREATE STREAM", b" v (a", b" int32,", b" b string)"]:
    os.write(fd, piece)
os.close(fd)
PY
[ -d "$MNT/v" ] || fail "statement split over writes did not run"
expect_eq "$(cat "$MNT/v/schema")" "CREATE STREAM v (a int32, b string)" "split statement schema"
