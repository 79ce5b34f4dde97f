"""`jishi portal <action>` — the public portal's jobs.

dump [--out DIR]   write the open data (CSV, Parquet, data dictionary) of the live publications (P-pages)
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "The public portal (政务公开): dump the open data."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="action")
        # --- dump (P-pages) ---
        dump = actions.add_parser("dump", help="write the open data: CSV, Parquet and the data dictionary")
        dump.add_argument("--out", type=Path, help="directory to write into (default: JISHI_DATA_DIR/portal-data)")
        # --- end dump ---

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "dump":
            self.dump(options)
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
