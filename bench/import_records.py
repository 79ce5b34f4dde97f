"""Import benchmark: 100,000 records from one CSV into the Jiading-scale world, through `import_records`.

Usage:
  .venv/bin/python bench/import_records.py --world /tmp/jiading/jishi.sqlite3     SQLite: imports into a copy
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/jishi_jiading .venv/bin/python bench/import_records.py

The file is what a migration from an earlier system looks like: 1,000 filers × 100 working days, one timed record
a day each (an evening meeting, so that it does not overlap the demo's own records), realistic Chinese content,
original submission times. It is imported twice: a dry run
(reading and validating every row: the record rules, people, duties, overlaps) and the real import (the same
validation, then the set-based write with versions). Target (issue 3): the import ≤ 30 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ACTIVITIES = [
    "召开{t}工作推进会，梳理存在问题并明确下一步分工",
    "赴{t}现场检查，核对台账记录并提出整改意见",
    "起草{t}情况报告，汇总各科室数据后报送分管领导",
    "接待群众来访反映{t}问题，登记诉求并转交相关科室办理",
    "参加区里组织的{t}专题培训，做好学习笔记并传达",
]
TOPICS = ["预算执行", "安全生产", "河道保洁", "老旧小区改造", "养老服务", "营商环境", "垃圾分类", "防汛防台"]


def build_csv(numbers: list[str], days: list[datetime.date], rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["工号", "日期", "开始", "结束", "类别", "工作内容", "地点", "结果/进展", "可见范围", "提交时间"])
    n = 0
    for day in days:
        for number in numbers:
            if n == rows:
                break
            activity = ACTIVITIES[n % len(ACTIVITIES)].format(t=TOPICS[(n // 5) % len(TOPICS)])
            writer.writerow(
                [
                    number,
                    day.isoformat(),
                    "19:00",
                    "20:30",
                    "会议" if n % 5 == 0 else "其他",
                    f"{activity}（第{n % 97 + 1}项）",
                    "区政府会议室" if n % 3 == 0 else "",
                    "已完成" if n % 2 else "持续跟进",
                    "政府内部",
                    f"{day.isoformat()} 21:{n % 60:02d}",
                ]
            )
            n += 1
    return out.getvalue().encode("utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", help="SQLite demo world to copy (default: DATABASE_URL in place)")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="jishi-import-"))
    if args.world:
        shutil.copy(args.world, workdir / "world.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'world.sqlite3'}"
    elif not os.environ.get("DATABASE_URL"):
        sys.exit("give --world FILE.sqlite3 or set DATABASE_URL")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jishi.org.calendar import WorkingCalendar, local_today
    from jishi.org.models import Assignment, FilingObligation, Person
    from jishi.records.imports import import_records
    from jishi.records.models import WorkRecord

    call_command("migrate", verbosity=0)
    admin = Person.objects.get(username="admin")
    numbers = list(
        Person.objects.filter(filing_obligation=FilingObligation.REQUIRED, employee_number__isnull=False)
        .order_by("pk")
        .values_list("employee_number", flat=True)[:1000]
    )
    first = Assignment.objects.order_by("-start").values_list("start", flat=True)[0]  # everyone holds a post by then
    calendar = WorkingCalendar(first, local_today() + datetime.timedelta(days=30))
    days = [d for d in calendar.working_days() if first <= d < local_today()]
    per_day = len(numbers)
    days = days[: -(-args.rows // per_day)]
    data = build_csv(numbers, days, args.rows)
    before = WorkRecord.objects.count()
    print(
        f"import benchmark — {connection.vendor}, {before:,} records already there; file: {args.rows:,} rows, "
        f"{len(data) / 1e6:.1f} MB CSV, {len(numbers)} people × {len(days)} days"
    )
    started = time.perf_counter()
    report = import_records(actor=admin, data=data, filename="bench.csv", dry_run=True)
    checked = time.perf_counter() - started
    assert not report.errors, report.errors[:5]
    started = time.perf_counter()
    report = import_records(actor=admin, data=data, filename="bench.csv")
    imported = time.perf_counter() - started
    assert not report.errors and report.imported == args.rows, (report.errors[:5], report.imported)
    print(f"dry run (read + validate)   {checked:6.1f} s   {args.rows / checked:8,.0f} rows/s")
    print(f"import (validate + write)   {imported:6.1f} s   {args.rows / imported:8,.0f} rows/s   (target ≤ 30 s)")
    print(f"records now: {WorkRecord.objects.count():,}")
    if args.world:
        connection.close()
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
