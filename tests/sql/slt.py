#!/usr/bin/env python3
"""slt.py — run SQL case files (sqllogictest style) against streamfs.

Case file format (tests/sql/cases/*.slt), records separated by blank lines:

    # a comment
    statement ok
    CREATE STREAM s (a int32)

    statement error unknown column 'b'
    INSERT INTO s (b) VALUES (1)

    query rowsort
    SELECT a, a * 2 FROM table(s)
    ----
    1 2

`statement ok` must succeed; `statement error TEXT` must fail with a message
containing TEXT (a query fails the same way, at start or while running);
`query [rowsort]` compares the rows: the result in TSV with each tab shown
as one space, or, when the query names a FORMAT, the result bytes line by
line. `rowsort` sorts both sides first.

Modes: `--exec PATH` runs every file on a fresh in-process engine
(tests/sql/sql_exec); `--daemon PATH` mounts a fresh data directory with
the real daemon for each file and goes through ctl and queries/new.
Prints one line per failure and a summary; exits 1 on any failure.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

FORMAT_RE = re.compile(r"\bFORMAT\s+\w+\s*;?\s*$", re.IGNORECASE)


def parse_cases(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i, cases = 0, []
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        head, lineno = line.strip(), i + 1
        i += 1
        sql = []
        while i < len(lines) and lines[i].strip() and lines[i] != "----":
            sql.append(lines[i])
            i += 1
        expected = None
        if i < len(lines) and lines[i] == "----":
            i += 1
            expected = []
            while i < len(lines) and lines[i] != "":
                expected.append(lines[i])
                i += 1
        words = head.split(None, 2)
        if words[0] == "statement" and len(words) >= 2 and words[1] in ("ok", "error"):
            kind = "ok" if words[1] == "ok" else "error"
            want = head.split(None, 2)[2] if kind == "error" and len(words) > 2 else ""
            cases.append(dict(kind=kind, want=want, sql="\n".join(sql), line=lineno))
        elif words[0] == "query":
            if expected is None:
                raise SystemExit(f"{path}:{lineno}: query without ----")
            cases.append(dict(kind="query", rowsort="rowsort" in words[1:],
                              sql="\n".join(sql), expected=expected, line=lineno))
        else:
            raise SystemExit(f"{path}:{lineno}: unknown record '{head}'")
    return cases


class InProcess:
    def __init__(self, exe, datadir):
        self.p = subprocess.Popen([exe, datadir], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def _ask(self, kind, sql):
        data = sql.encode()
        self.p.stdin.write(f"{kind} {len(data)}\n".encode() + data)
        self.p.stdin.flush()
        head = self.p.stdout.readline().decode()
        if not head:
            raise RuntimeError("sql_exec died")
        what, n = head.split()
        body = self.p.stdout.read(int(n)).decode("utf-8", "replace")
        return what, body

    def statement(self, sql):
        what, body = self._ask("stmt", sql)
        return (None, body) if what == "ok" else (body, None)

    def query(self, sql):
        what, body = self._ask("query", sql)
        return (None, body) if what == "result" else (body, None)

    def close(self):
        self.p.stdin.close()
        if self.p.wait(timeout=60) != 0:
            raise RuntimeError(f"sql_exec exited with status {self.p.returncode}")


class Mounted:
    def __init__(self, daemon, datadir, mnt):
        self.mnt = mnt
        subprocess.run([daemon, datadir, mnt], check=True, timeout=60)

    def _last_error(self):
        out = open(os.path.join(self.mnt, "ctl")).read().rstrip("\n").split("\n")[-1]
        return out[7:] if out.startswith("error: ") else out

    def statement(self, sql):
        fd = os.open(os.path.join(self.mnt, "ctl"), os.O_RDWR)
        try:
            os.write(fd, sql.encode())
            ok = True
        except OSError:
            ok = False
        out = os.pread(fd, 1 << 20, 0).decode("utf-8", "replace")
        try:
            os.close(fd)
        except OSError:
            # an unfinished statement waits for more text; at close it is
            # a statement (SPEC rule 1), and its failure fails the close
            return self._last_error(), None
        last = out.rstrip("\n").split("\n")[-1] if out else ""
        if ok:
            return None, out
        return (last[7:] if last.startswith("error: ") else last), None

    def query(self, sql):
        fd = os.open(os.path.join(self.mnt, "queries", "new"), os.O_RDWR)
        try:
            os.write(fd, sql.encode())
        except OSError:
            os.close(fd)
            return self._last_error(), None
        qid = os.pread(fd, 256, 0).decode().strip()
        try:
            os.close(fd)
        except OSError:
            return self._last_error(), None  # an unfinished statement, failed at close
        qdir = os.path.join(self.mnt, "queries", qid)
        # a streaming query's result never blocks a reader: wait for its end
        # (a case's streaming query is bounded, by LIMIT); the bound only
        # limits a failure
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(os.path.join(qdir, "status")) as f:
                st = f.read()
            if "kind: streaming" not in st or "state: running" not in st:
                break
            time.sleep(0.02)
        try:
            with open(os.path.join(qdir, "result"), "rb") as f:
                body = f.read().decode("utf-8", "replace")
            err = None
        except OSError:
            err = open(os.path.join(qdir, "error")).read().strip()
            body = None
        os.rmdir(qdir)
        return err, body

    def close(self):
        subprocess.run(["fusermount3", "-u", self.mnt], check=False, timeout=60)
        for _ in range(200):
            if not os.path.ismount(self.mnt):
                break
            time.sleep(0.05)


def rows_of(sql, body):
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not FORMAT_RE.search(sql):
        lines = [l.replace("\t", " ") for l in lines]
    return lines


def with_tsv(sql):
    if FORMAT_RE.search(sql):
        return sql
    return sql.rstrip().rstrip(";") + " FORMAT TSV"


def run_file(path, make_engine):
    failures = []
    eng = make_engine()
    try:
        for c in parse_cases(path):
            where = f"{os.path.basename(path)}:{c['line']}"
            sql = c["sql"]
            is_query = re.match(r"\s*(SELECT|WITH)\b", sql, re.IGNORECASE) is not None
            if c["kind"] in ("ok", "error"):
                err, _ = eng.query(sql) if is_query else eng.statement(sql)
                if c["kind"] == "ok" and err is not None:
                    failures.append(f"{where}: expected ok, got error: {err}")
                elif c["kind"] == "error" and err is None:
                    failures.append(f"{where}: expected an error containing '{c['want']}', got ok")
                elif c["kind"] == "error" and c["want"] not in err:
                    failures.append(f"{where}: expected an error containing '{c['want']}', got: {err}")
                continue
            err, body = eng.query(with_tsv(sql))
            if err is not None:
                failures.append(f"{where}: query failed: {err}")
                continue
            got, want = rows_of(sql, body), list(c["expected"])
            if c["rowsort"]:
                got, want = sorted(got), sorted(want)
            if got != want:
                failures.append(f"{where}: rows differ\n  want: {want[:20]}\n  got:  {got[:20]}")
    finally:
        eng.close()
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exec", dest="exe")
    ap.add_argument("--daemon")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    total, failed = 0, 0
    for path in a.files:
        tmp = tempfile.mkdtemp(prefix="sfs-slt-")
        # sanitizer builds: reports go to files we check after each case file
        os.environ["ASAN_OPTIONS"] = f"log_path={tmp}/asan:detect_leaks=1"
        os.environ["UBSAN_OPTIONS"] = f"log_path={tmp}/ubsan:print_stacktrace=1"
        try:
            if a.daemon:
                mnt = os.path.join(tmp, "mnt")
                os.mkdir(mnt)
                make = lambda: Mounted(a.daemon, os.path.join(tmp, "data"), mnt)
            else:
                make = lambda: InProcess(a.exe, os.path.join(tmp, "data"))
            n = len(parse_cases(path))
            try:
                fails = run_file(path, make)
            except RuntimeError as e:
                fails = [f"{os.path.basename(path)}: {e}"]
            for name in sorted(os.listdir(tmp)):
                if name.startswith(("asan", "ubsan")):
                    with open(os.path.join(tmp, name), errors="replace") as f:
                        fails.append(f"{os.path.basename(path)}: sanitizer report:\n{f.read()[:4000]}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        total += n
        failed += len(fails)
        for f in fails:
            print(f"FAIL {f}")
    mode = "mount" if a.daemon else "in-process"
    print(f"sql cases ({mode}): {total - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
