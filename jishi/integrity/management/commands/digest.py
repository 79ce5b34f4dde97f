"""jishi digest — export the day's chain heads (signed when a key is set), to keep outside the database."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.integrity.services import digest_export
from jishi.org.calendar import local_today


class Command(BaseCommand):
    help = (
        "导出每日摘要：每条哈希链在当天结束时的链头；配置了 JISHI_CHAIN_KEY 时用 HMAC 签名。"
        "把文件保存在数据库之外（打印、报送纪检、公开），jishi verify --digests 据此核对。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="日期 YYYY-MM-DD（默认今天；每天零点后导出前一天）")
        parser.add_argument("--out", type=Path, help="写入的目录（默认只在数据库中保留一份副本）")

    def handle(self, *args: Any, date: str | None, out: Path | None, **options: Any) -> None:
        try:
            day = datetime.date.fromisoformat(date) if date else local_today()
        except ValueError as exc:
            raise CommandError("日期格式应为 YYYY-MM-DD。") from exc
        if day > local_today():
            raise CommandError("不能导出未来日期的摘要。")
        try:
            document, path = digest_export(day=day, out_dir=out)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        signed = "已签名" if document["signature"] else "未签名（未配置 JISHI_CHAIN_KEY）"
        where = f"，写入 {path}" if path else ""
        self.stdout.write(f"{day} 的摘要：{len(document['chains'])} 条链，{signed}{where}。")
