"""Build a demo world and serve it: `jishi demo [--scale S] [--years N] [--seed N] [--no-serve] [--rebuild]`.

`--years 5.5` is the Jiading world over five and a half years up to yesterday — ten times its records (about 7.5
million, 13 GB on SQLite): the world in which bench/ measures what grows with the data (bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.demo.world import DEMO_LOGINS, DEMO_PASSWORD, SCALES, build_world, progress_bar, world_exists
from jishi.insights import store as insights_store
from jishi.org.models import Person
from jishi.search.services import index_ready, index_rebuild


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD（收到 {value!r}）") from exc


MAX_YEARS = 20


def _years(value: str) -> float:
    try:
        years = float(value)
    except ValueError:
        years = -1.0
    if not 0 < years <= MAX_YEARS:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"年数应为 0 到 {MAX_YEARS} 之间的数，例如 5.5（收到 {value!r}）")
    return years


def years_back(years: float, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of `--years`: the last `years` years (of 365.25 days) up to yesterday."""
    end = today - datetime.timedelta(days=1)
    return end - datetime.timedelta(days=round(years * 365.25) - 1), end


class Command(BaseCommand):
    help = "Migrate, build a demo world (units, people, duties, records), print one login per role, then serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            default="jiading",
            choices=list(SCALES),
            help="size of the world: jiading (default: 5,270 filers, ~725,000 records over the 133 "
            "working days up to yesterday), medium, small, tiny",
        )
        # --start/--end: the options' earlier names, accepted until the next release.
        parser.add_argument("--date-from", "--start", dest="start", type=_date, help="first day of records, 2014-01-01")
        parser.add_argument("--date-to", "--end", dest="end", type=_date, help="last day of records, e.g. 2014-07-15")
        parser.add_argument(
            "--years",
            type=_years,
            help="records over this many years up to yesterday instead of the scale's days (5.5: the 10x Jiading "
            "world, ~7.5 million records)",
        )
        parser.add_argument("--seed", type=int, default=2014, help="random seed; the same seed gives the same world")
        parser.add_argument("--no-serve", action="store_true", help="only build; do not start the server")
        parser.add_argument("--rebuild", action="store_true", help="empty the database and build again")
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address for the server (default 127.0.0.1:8000)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seed"] < 0:
            raise CommandError("--seed 须为零或正整数。")
        start, end = options["start"], options["end"]
        if options["years"] is not None:
            if start or end:
                raise CommandError("--years 与 --date-from/--date-to 只能选一种。")
            start, end = years_back(options["years"], datetime.date.today())
        if (start is None) != (end is None):
            raise CommandError("--date-from 和 --date-to 须同时给出。")
        if start and end and (start > end or end >= datetime.date.today()):
            raise CommandError("--date-from 须早于 --date-to，且 --date-to 须早于今天。")
        call_command("migrate", interactive=False, verbosity=0)
        if options["rebuild"]:
            self.stdout.write("清空数据库…")
            call_command("flush", interactive=False, verbosity=0)
            from django.apps import apps as global_apps

            from jishi.records.migrations import _categories

            _categories.add_defaults(global_apps, None)
        # The world is ready to use before its search index, which is then filled beside live writes (issue 3:
        # "indexes that may finish in the background (search) timed separately").
        started = time.monotonic()
        if world_exists():
            self.stdout.write("演示数据已存在（加 --rebuild 重新生成）。")
        else:
            world = build_world(
                scale=options["scale"],
                seed=options["seed"],
                start=start,
                end=end,
                progress=self._progress,
                search_index=False,
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示世界已生成：{world.units} 个单位，{world.people} 人，{world.records} 条记实，"
                    f"用时 {time.monotonic() - started:.1f} 秒。"
                )
            )
            phases = {
                "organisation": "组织",
                "records": "记实",
                "inserting": "其中写入",
                "indexing": "其中建索引",
                "supervision": "监督",
                "tasks": "督办",
                "assessment": "考核",
                "portal": "政务公开",
                "chain": "完整性链",
                "search": "检索索引",
            }
            self.stdout.write(
                "  "
                + "，".join(
                    f"{label} {world.timings[key]:.1f} 秒" for key, label in phases.items() if key in world.timings
                )
            )
            for note in world.notes:
                self.stdout.write(f"  {note}")
            self.stdout.write(f"演示数据说明（画像、刻意植入的重复记录、协作与工作量差异）：{world.manifest}")
        self._print_logins()
        if not index_ready():
            if options["no_serve"]:
                report = index_rebuild(live=True)
                self.stdout.write(
                    f"检索索引已建立：{report.records} 条记实，用时 {report.seconds_total:.1f} 秒"
                    f"（从开始生成起共 {time.monotonic() - started:.1f} 秒）。"
                )
            else:
                self.stdout.write("检索索引正在后台建立，完成前检索结果可能不全。\n")
                subprocess.Popen([sys.executable, "-m", "jishi", "search_index", "--live"])
        # The dashboards read the analytics store: built here, so that no leader's first visit waits for it.
        if not insights_store.is_built():
            if options["no_serve"]:
                begun = time.monotonic()
                months = insights_store.rebuild(parallel=True)
                self.stdout.write(f"分析数据已建立：{len(months)} 个月，用时 {time.monotonic() - begun:.1f} 秒。")
            else:
                self.stdout.write("分析数据正在后台建立，完成前看板会稍慢。\n")
                subprocess.Popen([sys.executable, "-m", "jishi", "insights", "rebuild"])
        if not options["no_serve"]:
            call_command("serve", bind=options["bind"])

    def _progress(self, label: str, done: int, total: int) -> None:
        line = progress_bar(label, done, total)
        if self.stdout.isatty():
            self.stdout.write(f"\r  {line}", ending="" if done < total else "\n")
            self.stdout.flush()
        elif done >= total or done % 100_000 < 20_000:
            self.stdout.write(f"  {line}")

    def _print_logins(self) -> None:
        names = dict(
            Person.objects.filter(username__in=[u for u, _ in DEMO_LOGINS]).values_list("username", "full_name")
        )
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, label in DEMO_LOGINS:
            if username in names:
                self.stdout.write(f"  {username:<14} {names[username]:<6} {label}")
        self.stdout.write("")
