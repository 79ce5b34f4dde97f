"""`jishi insights rebuild|refresh|status` — the analytics store beside the database (jishi/insights/store.py).

rebuild   rewrite every month from the first record's to this one and every table (after a restore, a load made
          behind the services' back, or a change of definitions); `--date-from`/`--date-to` rewrite only the
          months they span
refresh   what the worker does after writes: the months marked dirty, this month and the previous one, and every
          small table
status    when the store was last refreshed, its months, and the months waiting for a refresh
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.insights import refresh, store
from jishi.insights.models import DirtyMonth


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式不对：“{value}”，应为 YYYY-MM-DD，例如 2026-11-02。") from None


class Command(BaseCommand):
    help = "Rebuild or refresh the insights store (Parquet + DuckDB), or show its status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "refresh", "status"], help="rebuild, refresh or status")
        parser.add_argument("--date-from", "--from", dest="date_from", help="rebuild: first date, YYYY-MM-DD")
        parser.add_argument("--date-to", "--to", dest="date_to", help="rebuild: last date, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        date_from = _date(options["date_from"]) if options["date_from"] else None
        date_to = _date(options["date_to"]) if options["date_to"] else None
        if (date_from or date_to) and action != "rebuild":
            raise CommandError("--date-from 和 --date-to 只用于 rebuild。")
        if date_from and date_to and date_from > date_to:
            raise CommandError("起始日期不能晚于结束日期。")
        if action == "status":
            self._status()
            return
        began = time.perf_counter()
        rebuild = action == "rebuild"
        months = (
            store.rebuild(date_from=date_from, date_to=date_to, parallel=True) if rebuild else refresh.refresh_now()
        )
        seconds = time.perf_counter() - began
        span = f"{store.month_key(months[0])} 至 {store.month_key(months[-1])}" if months else "无"
        verb = "重建" if rebuild else "刷新"
        self.stdout.write(f"分析数据已{verb}：{len(months)} 个月（{span}），用时 {seconds:.1f} 秒。")
        self.stdout.write(f"目录：{store.store_dir()}")

    def _status(self) -> None:
        meta = store.read_meta()
        if not meta.get("as_of"):
            self.stdout.write(f"分析数据尚未建立（目录：{store.store_dir()}）。请运行 jishi insights rebuild。")
            return
        self.stdout.write(f"目录：{store.store_dir()}")
        self.stdout.write(f"数据截至：{meta['as_of']}")
        if meta.get("rebuilt_at"):
            self.stdout.write(f"上次全部重建：{meta['rebuilt_at']}")
        months = meta.get("months", {})
        self.stdout.write(f"月份（{len(months)} 个）：")
        for month, refreshed in months.items():
            self.stdout.write(f"  {month}  刷新于 {refreshed}")
        dirty = [m.strftime("%Y-%m") for m in DirtyMonth.objects.values_list("month", flat=True)]
        self.stdout.write(f"待刷新月份：{'、'.join(dirty) if dirty else '无'}")
