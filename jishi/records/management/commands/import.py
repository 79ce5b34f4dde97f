"""`jishi import records|units|positions|people|duties FILE --by USERNAME [--dry-run] [--legacy-content]` — all or
nothing.

Every bad row is reported with its row number, column and reason; `--dry-run` only validates (and says what would
be created or updated); the same file never imports twice. Set up an organisation in this order: units, positions,
people, duties; then records. `--help` lists every kind's columns, from the declarations the importers read with.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from jishi.org.models import Person
from jishi.records.imports import KINDS, ImportFileError


def columns_help() -> str:
    """Every kind's columns, as the import page's 各列说明 shows them (in Chinese: the files are Chinese)."""
    with translation.override("zh-hans"):
        parts = [f"{name}（{kind.label}）：{kind.summary}\n{kind.columns_help()}" for name, kind in KINDS.items()]
    return "列（表头用中文，英文亦可；第一行为表头）:\n\n" + "\n\n".join(parts)


class Command(BaseCommand):
    help = "Import records, units, positions, people or duties (.xlsx or .csv): all or nothing, every bad row reported."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = columns_help()
        parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the column list's lines
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=list(KINDS), help="what the file holds")
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--by", dest="username", required=True, help="the administrator or HR account importing")
        parser.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
        parser.add_argument(
            "--legacy-content",
            action="store_true",
            help="records only: import content that fails the substance rule as it stands, marking each such record",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = KINDS[options["what"]]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = Person.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"没有用户名为 {options['username']!r} 的有效账户。")
        chosen = {name: True for name in kind.options if options.get(name)}
        if options["legacy_content"] and "legacy_content" not in kind.options:
            raise CommandError("--legacy-content 只用于导入记实（records）。")
        try:
            report = kind.run(
                actor=actor, data=path.read_bytes(), filename=path.name, dry_run=options["dry_run"], **chosen
            )
        except (ImportFileError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        if report.errors:
            for error in report.errors[:500]:
                self.stderr.write(f"第 {error.row} 行 · {error.column}：{error.message}")
            if len(report.errors) > 500:
                self.stderr.write(f"……另有 {len(report.errors) - 500} 处错误")
            for label, count in report.tallies.items():
                if count:
                    self.stderr.write(f"{label}：{count} 行")
            raise CommandError(f"{report.rows} 行中有 {report.bad_rows} 行有误，未导入任何记录。")
        if options["what"] == "records":
            done = f"{report.rows if report.dry_run else report.imported} 条记实"
        else:
            done = f"{kind.label}：新建 {report.created}，更新 {report.updated}，未变 {report.unchanged}"
        if report.dry_run:
            self.stdout.write(f"校验通过：{report.rows} 行均可导入（--dry-run，未写入）。将导入{done}。")
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入{done}（批次 {report.batch.pk}）。"))
        for label, count in report.tallies.items():
            self.stdout.write(f"  {label}：{count} 行")
