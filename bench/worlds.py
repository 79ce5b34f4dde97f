"""A benchmark's own copy of a demo world, for the benchmarks that write beside it (the insights store's and its
dashboards' and reports'): copied once into a directory of the benchmark's, Django set up on it."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser, *, work: str, keep: str) -> None:
    """--source (the demo world's database), --work (this benchmark's directory) and --keep."""
    parser.add_argument("--source", default="/tmp/jiading/jishi.sqlite3", help="the demo world's database")
    parser.add_argument("--work", default=work, help="a directory of this benchmark's own")
    parser.add_argument("--keep", action="store_true", help=keep)


def set_up(args: argparse.Namespace) -> Path:
    """Copy --source into --work (unless --keep finds a copy there), point Jishi's data and insights directories and
    database at it (dev settings) and set Django up. Returns the copy's path."""
    work = Path(args.work).resolve()
    if str(work).startswith("/tmp/jiading"):
        sys.exit("--work must be a directory of its own, never the demo world's.")
    database = work / "jishi.sqlite3"
    if not (args.keep and database.exists()):
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        started = time.perf_counter()
        shutil.copyfile(args.source, database)
        print(f"copied {args.source} in {time.perf_counter() - started:.1f} s")
    os.environ["JISHI_DATA_DIR"] = str(work)
    os.environ["JISHI_INSIGHTS_DIR"] = str(work / "insights")
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    import django

    django.setup()
    return database
