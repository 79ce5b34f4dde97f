"""jishi chain build — seal rows written in bulk (a demo world, a load from a dump) into the hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jishi.integrity.services import link_rows


class Command(BaseCommand):
    help = (
        "哈希链维护。build：把尚未入链的历史行（批量写入的版本等）一次性入链。"
        "只在刚由记实自己批量写入之后使用：它把找到的未入链行都当作真实记录；有疑问时先运行 jishi verify。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["build"])
        parser.add_argument("--min-id", type=int, default=0, help="只处理编号不小于此值的行")

    def handle(self, *args: Any, action: str, min_id: int, **options: Any) -> None:
        report = link_rows(min_id=min_id)
        kinds = "，".join(f"{name} {count:,}" for name, count in report.linked.items())
        self.stdout.write(f"入链 {report.total:,} 行（{kinds}），用时 {report.seconds:.1f} 秒。")
