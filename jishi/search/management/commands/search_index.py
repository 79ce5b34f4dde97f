"""`jishi search_index` — rebuild the full-text index from every record (after a restore or a load made behind
the services' back); `--records ID …` re-indexes only those records. Record writes keep the index current on
their own; this is for repairs and bulk loads. `--live` fills an emptied index while Jishi serves: the demo world starts
serving before its index is complete.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.search.services import RebuildRunning, index_rebuild, index_records


class Command(BaseCommand):
    help = "Rebuild the full-text search index (or re-index the given records)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--records", nargs="+", type=int, metavar="ID", help="re-index only these records")
        parser.add_argument(
            "--live",
            action="store_true",
            help="fill an emptied index while Jishi serves (records written meanwhile index themselves)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["records"]:
            done = index_records(options["records"])
            self.stdout.write(f"已重建 {done} 条记实的检索索引。")
            return
        try:
            report = index_rebuild(live=options["live"])
        except RebuildRunning as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"检索索引已重建：{report.records} 条记实，用时 {report.seconds_total:.1f} 秒"
            f"（分词 {report.seconds_terms:.1f} 秒，写入 {report.seconds_writing:.1f} 秒）。"
        )
