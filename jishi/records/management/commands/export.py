"""`jishi export --as USERNAME --format csv|xlsx|parquet -o FILE [--unit CODE] [--date-from D] [--date-to D]`.

--from/--to, the options' earlier names, still work until the next release.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.org.models import Person, Unit
from jishi.records import exports
from jishi.records.selectors import RecordFilters


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期应为 YYYY-MM-DD（收到 {value!r}）。") from exc


class Command(BaseCommand):
    help = "Export the records a user may read to CSV, Excel or Parquet (what that user would download)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", required=True, help="export what this user may read")
        parser.add_argument("--format", choices=list(exports.FORMATS), default="csv")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument("--unit", help="unit code (its sections included)")
        parser.add_argument("--date-from", "--from", dest="date_from", help="first date, YYYY-MM-DD")
        parser.add_argument("--date-to", "--to", dest="date_to", help="last date, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(username=options["username"], is_active=True).first()
        if person is None:
            raise CommandError(f"没有用户名为 {options['username']!r} 的有效账户。")
        unit_id = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"没有代码为 {options['unit']!r} 的单位。")
            unit_id = unit.pk
        filters = RecordFilters(
            unit_id=unit_id,
            date_from=_date(options["date_from"]) if options["date_from"] else None,
            date_to=_date(options["date_to"]) if options["date_to"] else None,
        )
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"目录不存在：{output.parent}")
        kind = options["format"]
        if kind == "csv":
            with output.open("w", encoding="utf-8", newline="") as handle:
                for chunk in exports.csv_chunks(user=person, filters=filters):
                    handle.write(chunk)
        else:
            try:
                made = (exports.xlsx_file if kind == "xlsx" else exports.parquet_file)(user=person, filters=filters)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            with made, output.open("wb") as handle:
                shutil.copyfileobj(made, handle)
        self.stdout.write(f"已导出到 {output}")
