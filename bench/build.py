"""Build benchmark: `jishi demo` (the Jiading world) from nothing to ready, beside its floor.

Usage:
  .venv/bin/python bench/build.py                                                  SQLite, a temporary file
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/jishi_build .venv/bin/python bench/build.py
                                                                   PostgreSQL: that database is emptied first

1. Runs `jishi demo --no-serve --rebuild` in a fresh process and reports its wall time and the phases it prints
   (organisation, records with their inserting and indexing, the search index, the integrity chain).
2. The floor, measured in the same run: the rows the build wrote to the three record tables (records, versions,
   participants), read back into memory, then inserted with a raw DB-API `executemany` into empty copies of the
   tables without secondary indexes, in one transaction — what the load costs with no Python composing, no rule,
   no index. Target (issue 3): ready to log in within 60 s; everything, background indexes included, within 120 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TABLES = ("records_workrecord", "records_recordversion", "records_recordparticipant")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="jiading")
    parser.add_argument("--years", help="jishi demo --years: records over this many years (5.5: the 10x world)")
    parser.add_argument("--keep", help="SQLite: keep the built world at this path (otherwise it is deleted)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="jishi-build-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'world.sqlite3'}")
    os.environ.setdefault("JISHI_DATA_DIR", str(workdir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"

    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "jishi", "demo", "--no-serve", "--rebuild", "--scale", args.scale]
        + (["--years", args.years] if args.years else []),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - started
    summary = [line.strip() for line in out.splitlines() if re.search(r"用时|秒", line) and "[" not in line]

    import django

    django.setup()
    from django.db import connection, transaction

    print(
        f"build benchmark — {connection.vendor}, scale {args.scale}" + (f", {args.years} years" if args.years else "")
    )
    print(f"jishi demo, process start to exit: {wall:.1f} s")
    for line in summary:
        print("  " + line)

    rows: dict[str, tuple[list[str], list[tuple]]] = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            rows[table] = (columns, cursor.fetchall())
    total = sum(len(r) for _, r in rows.values())

    connection.ensure_connection()
    raw = connection.connection  # the DB-API connection itself: no Django in the loop
    cursor = raw.cursor()
    for table in TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE TABLE floor_{table} AS SELECT * FROM {table} WHERE 0")
        else:
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table})")
    mark = "?" if connection.vendor == "sqlite" else "%s"
    started = time.perf_counter()
    with transaction.atomic():  # one transaction, as the build's own load
        for table, (columns, values) in rows.items():
            marks = ", ".join([mark] * len(columns))
            cursor.executemany(f"INSERT INTO floor_{table} ({', '.join(columns)}) VALUES ({marks})", values)
    floor = time.perf_counter() - started
    print(f"floor: raw executemany of the same {total:,} rows into unindexed tables: {floor:.1f} s")
    for table in TABLES:
        cursor.execute(f"DROP TABLE floor_{table}")
    cursor.close()
    connection.close()
    world = workdir / "world.sqlite3"
    if args.keep and world.exists():
        shutil.move(world, args.keep)
        shutil.move(workdir / "demo-manifest.json", Path(args.keep).with_name("demo-manifest.json"))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
