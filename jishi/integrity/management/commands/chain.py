"""jishi chain build — seal the rows registered bulk loads wrote (a demo world, an import) into the hash chain."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.integrity.canonical import KINDS
from jishi.integrity.services import LinkReport, chain_reseal, link_rows
from jishi.integrity.verification import KIND_NAMES


class Command(BaseCommand):
    help = (
        "哈希链维护。build：把已登记的批量写入（演示数据、导入）中尚未入链的行入链；"
        "没有登记的行一概不入链，并作为可疑的行列出（jishi verify 也会报告它们）。"
        "build --reseal：在清空的链上把全部行重新入链（换数据库或换算法之后），此前导出的摘要将不再相符。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["build"])
        parser.add_argument("--reseal", action="store_true", help="链为空时，把全部行重新入链")

    def handle(self, *args: Any, action: str, reseal: bool, **options: Any) -> None:
        if reseal:
            try:
                report = chain_reseal(workers=2)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
        else:
            report = link_rows(workers=2, find_stray=True)
        self._report(report)

    def _report(self, report: LinkReport) -> None:
        for load, reason in report.refused:
            self.stdout.write(f"[不予入链] 批量写入登记 #{load.pk}（{load.source}）：{reason}")
        for name, (count, first) in report.stray.items():
            ids = "、".join(f"#{pk}" for pk in first) + ("……" if count > len(first) else "")
            self.stdout.write(
                f"[可疑] {KIND_NAMES.get(name, name)} {count:,} 行未入链，且不属于任何登记的批量写入：{ids}。"
                "它们不是记实写入的，不会入链。"
            )
        if report.total:
            kinds = "，".join(f"{KIND_NAMES.get(n, n)} {c:,}" for n, c in report.linked.items() if n in KINDS)
            loads = "、".join(f"#{load.pk}（{load.source}）" for load in report.loads)
            self.stdout.write(
                f"入链 {report.total:,} 行（{kinds}），来自批量写入登记 {loads}，用时 {report.seconds:.1f} 秒。"
            )
        else:
            self.stdout.write("没有需要入链的已登记批量写入：未入链任何行。")
        if report.refused or report.stray:
            raise CommandError("有未入链的可疑行或不予入链的登记；运行 jishi verify 查看详情。", returncode=1)
