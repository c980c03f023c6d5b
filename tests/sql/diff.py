#!/usr/bin/env python3
"""diff.py — streamfs's answers checked against an independent SQL engine.

Random rows go into a streamfs stream (in-process engine, tests/sql/sql_exec)
and into an SQLite table; a set of query templates, written in the subset
where ClickHouse's semantics and SQLite's agree, is filled with random
constants and run on both; the answers must be equal (floats to 1e-9
relative). A seed makes a failure reproducible: diff.py --seed N.

Windows too: rows arrive in event-time order, so over table(t) no event is
late and every window is emitted at the end; tumble and hop windows must
then equal SQLite's GROUP BY on the window start computed by arithmetic
(hop: each row joined with the starts of the windows that hold it).

Usage: diff.py --exec tests/sql/sql_exec [--seed N] [--rounds N]
"""
import argparse
import datetime
import math
import os
import random
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slt import InProcess  # noqa: E402

COLS = "g string, s string, a int64, b int32, x float64, n nullable(int64), ts datetime64(3)"
T0_MS = 1704067200000  # 2024-01-01 00:00:00 UTC


def ts_text(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def make_rows(rng, count):
    groups = [f"g{i}" for i in range(rng.randint(1, 12))]
    rows = []
    for _ in range(count):
        rows.append((
            rng.choice(groups),
            "".join(rng.choice("abc") for _ in range(rng.randint(0, 4))),
            rng.randint(-1000, 1000),
            rng.randint(-50, 50),
            round(rng.uniform(-100, 100), 3),
            None if rng.random() < 0.2 else rng.randint(-20, 20),
            T0_MS + rng.randint(0, 60000),
        ))
    rows.sort(key=lambda r: r[6])  # in event-time order: nothing is late
    return rows


def sql_value(v):
    if v is None:
        return "NULL"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return repr(v)


# A template is one query, or a pair (streamfs's, SQLite's) where the two
# spell the same answer differently.
TEMPLATES = [
    "SELECT count(*) FROM {t} WHERE a > {i}",
    # over no rows ClickHouse gives the type's default (0) where SQLite gives NULL
    ("SELECT count(*), sum(a), min(a), max(a) FROM {t} WHERE b < {j}",
     "SELECT count(*), coalesce(sum(a), 0), coalesce(min(a), 0), coalesce(max(a), 0) FROM {t} WHERE b < {j}"),
    "SELECT g, count(*), sum(a), min(b), max(b) FROM {t} GROUP BY g ORDER BY g",
    "SELECT g, avg(x), min(x), max(x) FROM {t} GROUP BY g ORDER BY g",
    "SELECT a, b FROM {t} WHERE a BETWEEN {i} AND {i2} ORDER BY a, b, g, s LIMIT {k}",
    "SELECT g, sum(a) FROM {t} WHERE s LIKE '{p}%' GROUP BY g HAVING count(*) > {k0} ORDER BY g",
    "SELECT a + b, a - b, a * b FROM {t} WHERE b = {j} ORDER BY a, b, g, s",
    "SELECT count(n), sum(n), min(n), max(n) FROM {t}",
    "SELECT g, count(n), sum(n) FROM {t} WHERE n IS NOT NULL GROUP BY g ORDER BY g",
    "SELECT count(*) FROM {t} WHERE n IS NULL",
    "SELECT DISTINCT g FROM {t} WHERE a < {i} ORDER BY g",
    "SELECT s, count(*) FROM {t} GROUP BY s ORDER BY s",
    "SELECT b, count(*) AS c FROM {t} GROUP BY b ORDER BY c DESC, b LIMIT {k}",
    "SELECT x FROM {t} WHERE x > {f} ORDER BY x LIMIT {k}",
    "SELECT a % 7, count(*) FROM {t} GROUP BY a % 7 ORDER BY a % 7",
    "SELECT g, b FROM {t} WHERE g IN ('g0', 'g1') AND b > {j} ORDER BY g, b, a, s",
    "SELECT count(*) FROM {t} WHERE NOT (a > {i} OR b < {j})",
    "SELECT n FROM {t} WHERE n > {j2} ORDER BY n NULLS LAST LIMIT {k}",
    "SELECT a / 4.0 FROM {t} WHERE b = {j} ORDER BY a, g, s",
    "SELECT length(s), upper(s), count(*) FROM {t} GROUP BY length(s), upper(s) ORDER BY 1, 2",
    "SELECT abs(a), count(*) FROM {t} WHERE a > {i} GROUP BY abs(a) ORDER BY abs(a) LIMIT {k}",
    ("SELECT sum(x) FROM {t} WHERE a < {i}", "SELECT coalesce(sum(x), 0) FROM {t} WHERE a < {i}"),
    # string functions (ASCII data, so bytes and characters agree)
    "SELECT lower(upper(s)), upper(g), length(g || s), substr(s, 2, 2), substr(g, 2) FROM {t} WHERE b = {j} ORDER BY a, b, g, s",
    "SELECT s || '-' || g, count(*) FROM {t} WHERE length(s) >= {k0} GROUP BY s || '-' || g ORDER BY 1 LIMIT {k}",
    "SELECT upper(s), min(a), max(a) FROM {t} WHERE s LIKE '%{p}%' GROUP BY upper(s) ORDER BY 1",
    "SELECT count(*) FROM {t} WHERE lower(g) = 'g{k0}' AND length(s) < 3",
    # NULL handling
    "SELECT coalesce(n, {j2}), count(*) FROM {t} GROUP BY coalesce(n, {j2}) ORDER BY 1",
    "SELECT a, coalesce(n, -1000) FROM {t} WHERE b > {j} ORDER BY a, g, s, b LIMIT {k}",
    ("SELECT count(*), count(n), sum(coalesce(n, 1)) FROM {t} WHERE a > {i}",
     "SELECT count(*), count(n), coalesce(sum(coalesce(n, 1)), 0) FROM {t} WHERE a > {i}"),
    "SELECT n, count(*) FROM {t} GROUP BY n ORDER BY n NULLS LAST",
    "SELECT n, count(*) FROM {t} GROUP BY n ORDER BY n DESC NULLS FIRST",
    "SELECT n, a FROM {t} WHERE b < {j} ORDER BY n NULLS FIRST, a, g, s, b LIMIT {k}",
    "SELECT n IS NULL, count(*), sum(a) FROM {t} GROUP BY n IS NULL ORDER BY 1",
    # CASE (multi_if)
    "SELECT CASE WHEN a < {i} THEN 'lo' WHEN a < {i2} THEN 'mid' ELSE 'hi' END AS band, count(*) FROM {t} GROUP BY band ORDER BY band",
    "SELECT CASE WHEN n IS NULL THEN 'none' WHEN n > {j2} THEN 'big' ELSE 'small' END, count(*) FROM {t} GROUP BY 1 ORDER BY 1",
    ("SELECT sum(CASE WHEN b > {j} THEN a ELSE 0 END), count(CASE WHEN s = '{p}' THEN 1 END) FROM {t}",
     "SELECT coalesce(sum(CASE WHEN b > {j} THEN a ELSE 0 END), 0), count(CASE WHEN s = '{p}' THEN 1 END) FROM {t}"),
    "SELECT a, CASE b % 3 WHEN 0 THEN 'zero' WHEN 1 THEN 'one' ELSE 'two' END FROM {t} WHERE a > {i} ORDER BY a, b, g, s LIMIT {k}",
    # nested subqueries
    "SELECT g, c FROM (SELECT g, count(*) AS c FROM {t} GROUP BY g) WHERE c > {k0} ORDER BY g",
    ("SELECT count(*), sum(m) FROM (SELECT g, max(a) AS m FROM {t} GROUP BY g) WHERE m > {i}",
     "SELECT count(*), coalesce(sum(m), 0) FROM (SELECT g, max(a) AS m FROM {t} GROUP BY g) WHERE m > {i}"),
    "SELECT k2, count(*) FROM (SELECT b % 5 AS k2, a FROM (SELECT a, b FROM {t} WHERE a > {i}) WHERE b > {j}) GROUP BY k2 ORDER BY k2",
    # avg over no rows is nan in ClickHouse, NULL in SQLite: no row with HAVING
    "SELECT avg(c) FROM (SELECT s, count(*) AS c FROM {t} GROUP BY s) HAVING count(*) > 0",
    # DISTINCT on two columns
    "SELECT DISTINCT g, s FROM {t} WHERE b > {j} ORDER BY g, s",
    "SELECT DISTINCT b % 4, g FROM {t} ORDER BY 1, 2 LIMIT {k}",
    "SELECT count(*) FROM (SELECT DISTINCT g, b % 3 FROM {t} WHERE a < {i})",
    "SELECT count(DISTINCT s), count(DISTINCT g) FROM {t} WHERE a > {i}",
    "SELECT g, sum(DISTINCT b), avg(DISTINCT a), sum(DISTINCT n) FROM {t} GROUP BY g HAVING count(n) > 0 ORDER BY g",
    # HAVING with several aggregates
    "SELECT g, count(*), sum(a), avg(x) FROM {t} GROUP BY g HAVING count(*) > {k0} AND sum(a) > {i} ORDER BY g",
    "SELECT s, min(b), max(b) FROM {t} GROUP BY s HAVING max(b) - min(b) > {k} OR count(*) = 1 ORDER BY s",
    "SELECT b % 10 AS r, count(*), min(g) FROM {t} GROUP BY r HAVING count(*) >= {k0} AND min(a) < {i} ORDER BY r",
    # ORDER BY with several keys and directions, OFFSET
    "SELECT g, s, a FROM {t} ORDER BY g DESC, s ASC, a DESC, b, x LIMIT {k} OFFSET {k0}",
    "SELECT a FROM {t} WHERE x < {f} ORDER BY a DESC, b, g, s LIMIT {k}",
    # windows: tumble aligned to its size, hop to its slide
    ("SELECT to_unix_timestamp64_milli(window_start) AS w, g, count(*), sum(a), min(b), max(x) "
     "FROM tumble({t}, ts, {w}s) GROUP BY window_start, g ORDER BY w, g",
     "SELECT (ts / ({w} * 1000)) * ({w} * 1000) AS w, g, count(*), sum(a), min(b), max(x) "
     "FROM {t} GROUP BY w, g ORDER BY w, g"),
    ("SELECT to_unix_timestamp64_milli(window_end) - to_unix_timestamp64_milli(window_start), "
     "count(*), sum(n) FROM tumble({t}, ts, {w}s) WHERE a > {i} GROUP BY window_start "
     "HAVING count(*) > {k0} ORDER BY window_start",
     "SELECT {w} * 1000, count(*), sum(n) FROM {t} WHERE a > {i} GROUP BY ts / ({w} * 1000) "
     "HAVING count(*) > {k0} ORDER BY ts / ({w} * 1000)"),
    ("SELECT to_unix_timestamp64_milli(window_start) AS w, count(*), max(a) "
     "FROM hop({t}, ts, {sl}s, {sz}s) GROUP BY window_start ORDER BY w",
     "SELECT w, count(*), max(a) FROM (SELECT (ts / ({sl} * 1000) - k) * ({sl} * 1000) AS w, a, ts "
     "FROM {t}, (WITH RECURSIVE r(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM r WHERE k + 1 < "
     "({sz} + {sl} - 1) / {sl}) SELECT k FROM r)) WHERE w + {sz} * 1000 > ts GROUP BY w ORDER BY w"),
]


def fill(tpl, rng, table):
    """The query for streamfs and the one for SQLite, with the same constants."""
    ch, lite = tpl if isinstance(tpl, tuple) else (tpl, tpl)
    state = rng.getstate()
    a = fill1(ch, rng, table)
    rng.setstate(state)
    return a, fill1(lite, rng, table)


def fill1(tpl, rng, table):
    slide = rng.choice([1, 2, 3, 5])
    return tpl.format(
        w=rng.choice([1, 2, 5, 7, 10]), sl=slide, sz=slide * rng.randint(1, 4) + rng.choice([0, 0, 1]),
        t=table, i=rng.randint(-1000, 1000), i2=rng.randint(-1000, 1000) + 1000,
        j=rng.randint(-50, 50), j2=rng.randint(-20, 20), k=rng.randint(1, 30),
        k0=rng.randint(0, 5), f=round(rng.uniform(-100, 100), 2),
        p="".join(rng.choice("abc") for _ in range(rng.randint(0, 2))))


def same(a, b):
    if a == b:
        return True
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if math.isnan(fa) and math.isnan(fb):
        return True
    return abs(fa - fb) <= 1e-9 * max(1.0, abs(fa), abs(fb))


def sqlite_rows(db, q):
    out = []
    for row in db.execute(q):
        vals = []
        for v in row:
            if v is None:
                vals.append("\\N")
            elif isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
                vals.append(str(int(v)))
            else:
                vals.append(str(v))
        out.append(vals)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exec", dest="exe", required=True)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=4)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.SystemRandom().randint(1, 10**9)
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="sfs-diff-")
    os.environ["ASAN_OPTIONS"] = f"log_path={tmp}/asan:detect_leaks=1"
    eng = InProcess(a.exe, os.path.join(tmp, "data"))
    db = sqlite3.connect(":memory:")
    checked, failures = 0, []
    try:
        for r in range(a.rounds):
            t = f"t{r}"
            err, _ = eng.statement(f"CREATE STREAM {t} ({COLS})")
            if err:
                raise SystemExit(f"create failed: {err}")
            db.execute(f"CREATE TABLE {t} (g TEXT, s TEXT, a INTEGER, b INTEGER, x REAL, n INTEGER, "
                       "ts INTEGER)")
            rows = make_rows(rng, rng.randint(0, 400))
            for i in range(0, len(rows), 100):
                chunk = rows[i:i + 100]
                if not chunk:
                    continue
                values = ", ".join("(" + ", ".join(sql_value(v) for v in row[:6]) +
                                   ", '" + ts_text(row[6]) + "')" for row in chunk)
                err, _ = eng.statement(f"INSERT INTO {t} (g, s, a, b, x, n, ts) VALUES {values}")
                if err:
                    raise SystemExit(f"insert failed: {err}")
                db.executemany(f"INSERT INTO {t} VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
            for tpl in TEMPLATES:
                q, lite = fill(tpl, rng, t)
                want = sqlite_rows(db, lite)
                q = q.replace(f"FROM {t}", f"FROM table({t})").replace(f"({t}, ts", f"(table({t}), ts")
                err, body = eng.query(q + " FORMAT TSV")
                checked += 1
                if err is not None:
                    failures.append(f"{q}\n  streamfs failed: {err}")
                    continue
                got = [line.split("\t") for line in body.split("\n") if line != ""]
                ok = len(got) == len(want) and all(
                    len(g) == len(w) and all(same(x, y) for x, y in zip(g, w))
                    for g, w in zip(got, want))
                if not ok:
                    failures.append(f"{q}\n  sqlite:   {want[:8]}\n  streamfs: {got[:8]}")
    finally:
        eng.close()
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL", f)
    print(f"differential (seed {seed}): {checked - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
