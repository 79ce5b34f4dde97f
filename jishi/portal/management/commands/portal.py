"""`jishi portal <action>` — the public portal's jobs.

dump [--out DIR]   write the open data (CSV, Parquet, data dictionary) of the live publications (P-pages)
publish [--date D] [--dry-run]   publish the records due on D (default today), redacted (P-pub); run it hourly from
                   cron — the worker also runs it after record writes, at most once an hour
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "The public portal (政务公开): publish due records, dump the open data."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="action")
        # --- dump (P-pages) ---
        dump = actions.add_parser("dump", help="write the open data: CSV, Parquet and the data dictionary")
        dump.add_argument("--out", type=Path, help="directory to write into (default: JISHI_DATA_DIR/portal-data)")
        # --- end dump ---
        # --- publish (P-pub) ---
        publish = actions.add_parser("publish", help="publish the records due (redacted), default today")
        publish.add_argument("--date", help="publish what is due on this day, YYYY-MM-DD (default: today)")
        publish.add_argument("--dry-run", action="store_true", help="count what would be published; write nothing")
        # --- end publish ---

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "dump":
            self.dump(options)
            return
        if action == "publish":
            self.publish(options)
            return
        raise CommandError(f"unknown action {action!r}")

    # --- dump (P-pages) ---
    def dump(self, options: dict[str, Any]) -> None:
        from jishi.portal import dumps

        out: Path | None = options.get("out")
        if out is not None and out.exists() and not out.is_dir():
            raise CommandError(f"--out 应为目录，而 {out} 是文件。")
        started = time.perf_counter()
        try:
            manifest = dumps.write_dump(out)
        except OSError as exc:
            raise CommandError(f"无法写入开放数据：{exc}") from exc
        where = out or dumps.dump_dir()
        self.stdout.write(
            f"已写出 {manifest['records']} 条公开记实到 {where}（CSV、Parquet、数据字典），"
            f"用时 {time.perf_counter() - started:.1f} 秒。"
        )

    # --- end dump ---

    # --- publish (P-pub) ---
    def publish(self, options: dict[str, Any]) -> None:
        import datetime

        from jishi.org.calendar import local_today
        from jishi.portal import publication, redaction

        today = local_today()
        day = today
        if options.get("date") is not None:
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date 应为 YYYY-MM-DD，例如 {today.isoformat()}（收到 {options['date']!r}）。"
                ) from None
            if day > today:
                raise CommandError(f"--date 不能晚于今天（{today.isoformat()}）：未到期的记实不能提前公开。")
        run = publication.publish(today=day, dry_run=options["dry_run"])
        through = run.through.isoformat() if run.through else "—"
        if run.dry_run:
            self.stdout.write(f"{day}：到期待公开 {run.published} 条（记实日期不晚于 {through}；试运行，未写入）。")
            return
        shown = "，".join(f"{redaction.PLACEHOLDERS[k]} {n}" for k, n in sorted(run.redactions.items())) or "无"
        self.stdout.write(
            self.style.SUCCESS(f"{day}：已公开 {run.published} 条（记实日期不晚于 {through}）；脱敏：{shown}。")
        )

    # --- end publish ---
