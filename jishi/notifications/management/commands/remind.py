"""`jishi remind [--date YYYY-MM-DD] [--dry-run]`: remind everyone who owes a record for a working day and has none.

Without --date it reminds about the working day before today, and only when today is a working day: run it from
cron every morning (weekends and holidays stay quiet; Monday covers Friday). Running it again for the same day
reminds nobody twice.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.notifications.services import default_reminder_day, remind_missing
from jishi.org.calendar import local_today


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date 应为 YYYY-MM-DD，例如 {local_today().isoformat()}（收到 {value!r}）。") from None


def _messages(exc: ValidationError) -> str:
    return "；".join(m for messages in exc.message_dict.values() for m in messages)


class Command(BaseCommand):
    help = "Remind everyone who owes a work record for a working day and has none (default: the previous working day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", help="the working day to remind about, YYYY-MM-DD (default: the working day before today)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count who would be reminded; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        today = local_today()
        if options["date"]:
            day = _date(options["date"])
        else:
            default = default_reminder_day(today)
            if default is None:
                self.stdout.write(f"今天（{today}）不是工作日，不发送提醒；可用 --date 指定日期。")
                return
            day = default
        try:
            run = remind_missing(day=day, dry_run=options["dry_run"], today=today)
        except ValidationError as exc:
            if options["date"]:
                raise CommandError(_messages(exc)) from None
            # After a long holiday the previous working day may be past the late-entry window: nothing to do.
            self.stdout.write(f"{_messages(exc)}；不发送提醒。")
            return
        if not run.working_day:
            self.stdout.write(f"{day} 不是工作日，无需提醒。")
            return
        pending = run.owing - run.already_reminded
        summary = f"{day}：{run.owing} 人尚未填报，其中 {run.already_reminded} 人已提醒过"
        if options["dry_run"]:
            self.stdout.write(f"{summary}；将提醒 {pending} 人（试运行，未写入）。")
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}；已提醒 {run.queued} 人（后台发送）。"))
