"""`jishi remind [--date YYYY-MM-DD] [--dry-run]`: remind everyone who owes a record for a working day and has none.

Run it from cron every day in the late afternoon (the command itself skips weekends and holidays, and counts
make-up working days); running it again for the same day reminds nobody twice.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.notifications.services import remind_missing
from jishi.org.calendar import local_today


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date 应为 YYYY-MM-DD，例如 {local_today().isoformat()}（收到 {value!r}）。") from None


class Command(BaseCommand):
    help = "Remind everyone who owes a work record for a working day (default today) and has none; once per day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the working day to remind about, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="count who would be reminded; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _date(options["date"]) if options["date"] else local_today()
        try:
            run = remind_missing(day=day, dry_run=options["dry_run"])
        except ValidationError as exc:
            raise CommandError("；".join(m for messages in exc.message_dict.values() for m in messages)) from None
        if not run.working_day:
            self.stdout.write(f"{day} 不是工作日，无需提醒。")
            return
        pending = run.owing - run.already_reminded
        summary = f"{day}：{run.owing} 人尚未填报，其中 {run.already_reminded} 人已提醒过"
        if options["dry_run"]:
            self.stdout.write(f"{summary}；将提醒 {pending} 人（试运行，未写入）。")
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}；已提醒 {run.queued} 人（后台发送）。"))
