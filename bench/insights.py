"""Insights store benchmark at Jiading scale: the full rebuild, then the refresh after a working day's records.

Usage (copies the demo world; never writes to it):
    flock /tmp/bench.lock .venv/bin/python bench/insights.py [--source /tmp/jiading/jishi.sqlite3]
                                                             [--work /tmp/jishi-bench-insights] [--keep]

The source database is copied to <work>/jishi.sqlite3 and migrated; JISHI_DATA_DIR and JISHI_INSIGHTS_DIR point
into <work>. Prints: the full rebuild (target ≤ 30 s at 723k records), then a working day's records — the last
working day's records of the copy written again for today through the bulk writer (the import path, which marks
today's month dirty) — and the refresh the worker would run after them: the dirty month, this month and the
previous one, every small table (target ≤ 10 s); and workload per head over four weeks from DuckDB, warm.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import worlds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    worlds.add_arguments(parser, work="/tmp/jishi-bench-insights", keep="reuse the copy in --work if it is there")
    args = parser.parse_args()
    database = worlds.set_up(args)
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from jishi.insights import engine, figures, refresh, store
    from jishi.insights.models import DirtyMonth
    from jishi.org.calendar import WorkingCalendar, local_today
    from jishi.records.bulk import BulkRecord, write_records
    from jishi.records.models import WorkRecord

    total = WorkRecord.objects.count()
    print(f"database: {database} ({total:,} records); store: {store.store_dir()}")

    DirtyMonth.objects.all().delete()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    started, cpu = time.perf_counter(), time.process_time()
    months = store.rebuild(parallel=True)
    rebuild = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"  CPU: this process {time.process_time() - cpu:.1f} s, its worker processes "
        f"{children.ru_utime + children.ru_stime:.1f} s ({store._workers()} workers)"
    )
    size = sum(p.stat().st_size for p in store.store_dir().rglob("*.parquet"))
    stored = engine.query("SELECT count(*) AS n FROM records")[0]["n"]
    print(f"full rebuild: {rebuild:.1f} s — {len(months)} months, {stored:,} records stored, {size / 1e6:.1f} MB")

    today = local_today()
    calendar = WorkingCalendar(today - datetime.timedelta(days=30), today)
    last_day = max(d for d in calendar.working_days() if d < today and WorkRecord.objects.filter(date=d).exists())
    zone = timezone.get_default_timezone()
    shift = today - last_day

    def moved(moment: datetime.datetime | None) -> datetime.datetime | None:
        return None if moment is None else (moment.astimezone(zone) + shift)

    now = timezone.now()
    day = [
        BulkRecord(
            author_id=r.author_id,
            unit_id=r.unit_id,
            department_id=r.department_id,
            date=today,
            category_id=r.category_id,
            content=r.content,
            submitted_at=now,
            start_at=moved(r.start_at),
            end_at=moved(r.end_at),
            duration_minutes=None if r.start_at else r.duration_minutes,
            duty_id=r.duty_id,
            visibility=r.visibility,
            is_sensitive=r.is_sensitive,
        )
        for r in WorkRecord.objects.filter(date=last_day, withdrawn_at__isnull=True).order_by("id")
    ]
    started = time.perf_counter()
    writer = write_records(day, calendar=calendar, enforce_late_window=False)
    written = len(writer.record_ids)
    dirty = [m.isoformat()[:7] for m in DirtyMonth.objects.values_list("month", flat=True)]
    elapsed = time.perf_counter() - started
    print(
        f"a working day's records ({last_day} again as {today}): {written:,} written in {elapsed:.1f} s; dirty: {dirty}"
    )

    print(f"load average before the refresh: {os.getloadavg()[0]:.1f}")
    started, cpu = time.perf_counter(), time.process_time()
    refreshed = refresh.refresh_now()
    seconds = time.perf_counter() - started
    print(f"  CPU: {time.process_time() - cpu:.1f} s (DuckDB's threads included)")
    now_stored = engine.query("SELECT count(*) AS n FROM records WHERE date = ?", [today])[0]["n"]
    print(
        f"refresh after them: {seconds:.1f} s — months {[store.month_key(m) for m in refreshed]}, "
        f"{now_stored:,} records of {today} in the store"
    )

    end = today - datetime.timedelta(days=1)
    start = end - datetime.timedelta(days=27)
    figures.workload_per_head(start=start, end=end)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        rows = figures.workload_per_head(start=start, end=end)
        timings.append(time.perf_counter() - started)
    print(f"workload per head, {start}..{end}, {len(rows)} 本单位: median {sorted(timings)[2] * 1000:.0f} ms (DuckDB)")


if __name__ == "__main__":
    main()
