"""jishi verify — walk the hash chain and every history row; report anything changed behind Jishi's back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.integrity.services import verification_record
from jishi.integrity.verification import DigestError, load_digests, verify


class Command(BaseCommand):
    help = (
        "校验完整性：重算哈希链和每一条历史记录（版本、补充说明、点评、审计事件），对照导出的每日摘要；"
        "发现被直接改动、删除或插入的行，以及写入很久之后才入链、又不属于任何登记的批量写入的行时，"
        "逐条列出（记实编号、时间），并以非零状态退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--digests", type=Path, help="导出的每日摘要所在目录（jishi digest --out）")
        parser.add_argument("--limit", type=int, default=200, help="最多列出多少条问题（默认 200，全部计入总数）")

    def handle(self, *args: Any, digests: Path | None, limit: int, **options: Any) -> None:
        documents = None
        if digests is not None:
            try:
                documents = load_digests(digests)
            except DigestError as exc:
                raise CommandError(str(exc), returncode=2) from exc
        report = verify(digests=documents, workers=2)
        verification_record(report)
        for problem in report.problems[:limit]:
            self.stdout.write(problem.line())
        if len(report.problems) > limit:
            self.stdout.write(f"……另有 {len(report.problems) - limit} 条问题未列出。")
        rows = "，".join(f"{name} {count:,}" for name, count in report.rows.items())
        self.stdout.write(
            f"链节 {report.entries:,}；行：{rows}；记实 {report.records:,}；核对摘要 {report.digests} 份；"
            f"用时 {report.seconds['total']:.1f} 秒。"
        )
        if not report.ok:
            raise CommandError(f"完整性校验失败：发现 {len(report.problems)} 处问题。", returncode=1)
        self.stdout.write(self.style.SUCCESS("完整性校验通过：没有发现被改动、删除或插入的记录。"))
