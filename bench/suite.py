"""The benchmark suite in one command: the Jiading-scale world built once, then every benchmark against it.

Usage:
  .venv/bin/python bench/suite.py                       SQLite and PostgreSQL
  .venv/bin/python bench/suite.py --database sqlite     one of them
  .venv/bin/python bench/suite.py --record              also append the figures to bench/RESULTS.md

SQLite: bench/build.py builds the world (timed, beside its floor) into a scratch directory; every other benchmark
then runs on its own copy, so none sees another's writes. PostgreSQL: the world is built into the database
`jishi_suite` on --postgres (dropped and created again), and each benchmark gets a copy made with
CREATE DATABASE … TEMPLATE. The benchmarks share the machine's two cores with each other's load generators and
with the database server; they run one after another, never two at once. About 7 minutes on SQLite, 12 on PostgreSQL.

What runs, with the target each one measures (the issues' targets; each script prints its own):
  build.py           world ready ≤ 60 s, everything ≤ 120 s (issue 3), beside a raw executemany floor
  pages.py           server time of lists, the unit page, feeds (< 50 ms, issue 4) and record creation
  load.py            gunicorn + wrk + open loop: create ≥ 600 req/s, lists ≥ 800 req/s, p99 ≤ 30 ms, RSS ≤ 300 MB
  import_records.py  100,000 records from CSV ≤ 30 s
  search.py          ranked ~1 % band p95 ≤ 100 ms, very common words newest first ≤ 200 ms (issue 4)
  integrity.py       jishi verify over the whole world < 60 s (issue 5)
  duty_suggest.py    held-out suggestion accuracy, top-3 ≥ 85 % (issue 5; no database)
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


class World:
    """Where the built world lives and how to hand a benchmark its own copy of it."""

    def __init__(self, database: str, postgres: str, scratch: Path) -> None:
        self.database = database
        self.postgres = postgres.rstrip("/")
        self.scratch = scratch
        self.file = scratch / "world.sqlite3"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.file}" if self.database == "sqlite" else f"{self.postgres}/jishi_suite"

    def psql(self, statement: str) -> None:
        subprocess.run(["psql", f"{self.postgres}/postgres", "-qc", statement], check=True)

    @contextmanager
    def copy(self) -> Iterator[str]:
        """A DATABASE_URL of a disposable copy of the world, migrated, removed afterwards."""
        if self.database == "sqlite":
            path = self.scratch / "copy.sqlite3"
            shutil.copy(self.file, path)
            url = f"sqlite:///{path}"
        else:
            self.psql("DROP DATABASE IF EXISTS jishi_suite_copy")
            self.psql("CREATE DATABASE jishi_suite_copy TEMPLATE jishi_suite")
            url = f"{self.postgres}/jishi_suite_copy"
        try:
            run(["-m", "jishi", "migrate", "-v0"], url, quiet=True)
            yield url
        finally:
            if self.database == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.scratch / 'copy.sqlite3'}{suffix}").unlink(missing_ok=True)
            else:
                self.psql("DROP DATABASE IF EXISTS jishi_suite_copy")


def run(arguments: list[str], url: str | None, *, quiet: bool = False) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    if url:
        env["DATABASE_URL"] = url
    started = time.perf_counter()
    result = subprocess.run([PYTHON, *arguments], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    if not quiet:
        print(f"$ {' '.join(arguments)}   ({time.perf_counter() - started:.0f} s)", flush=True)
        print(result.stdout.rstrip() + "\n", flush=True)
    return result.stdout


def suite(world: World) -> list[tuple[str, str]]:
    """Run every benchmark against `world`; returns (command, output) pairs."""
    outputs: list[tuple[str, str]] = []

    def bench(script: str, *arguments: str, url: str | None) -> None:
        command = [f"bench/{script}", *arguments]
        outputs.append((" ".join(command), run(command, url)))

    if world.database == "sqlite":
        bench("build.py", "--keep", str(world.file), url=world.url)
        bench("pages.py", "--world", str(world.file), url=None)
        bench("load.py", "--world", str(world.file), url=None)
        bench("import_records.py", "--world", str(world.file), url=None)
    else:
        world.psql("DROP DATABASE IF EXISTS jishi_suite")
        world.psql("CREATE DATABASE jishi_suite")
        bench("build.py", url=world.url)
        with world.copy() as url:
            bench("pages.py", "--world-in-place", url=url)
        with world.copy() as url:
            bench("load.py", url=url)
        with world.copy() as url:
            bench("import_records.py", url=url)
    with world.copy() as url:
        bench("search.py", "--terms", "6", url=url)
    with world.copy() as url:
        bench("integrity.py", url=url)
    if world.database == "sqlite":
        bench("duty_suggest.py", url=None)
    return outputs


def machine() -> str:
    cpu = "unknown CPU"
    with suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def record(database: str, outputs: list[tuple[str, str]]) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    lines = [
        f"\n## {datetime.date.today().isoformat()} — bench/suite.py, {database} (commit {commit.stdout.strip()})\n",
        f"Machine: {machine()}. The load generators share the cores with the server and the database.\n",
    ]
    for command, output in outputs:
        lines.append(f"`{command}`\n```\n{output.rstrip()}\n```\n")
    with (ROOT / "bench" / "RESULTS.md").open("a") as results:
        results.write("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server for PostgreSQL")
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(f"Jishi benchmark suite — {machine()}\n", flush=True)
    for database in databases:
        scratch = Path(tempfile.mkdtemp(prefix=f"jishi-suite-{database}-"))
        try:
            outputs = suite(World(database, args.postgres, scratch))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if args.record:
            record(database, outputs)


if __name__ == "__main__":
    main()
