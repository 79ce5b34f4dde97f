"""jishi backup — an online backup: the database, the uploads and a manifest, while Jishi serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.integrity.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "在线备份：数据库（SQLite 用其备份接口，PostgreSQL 用 pg_dump）、上传文件和备份清单（各表行数、哈希链链头、"
        "每个文件的 SHA-256），服务运行、有人写入时也能得到一致的备份。每次新建一个 jishi-backup-日期-时间 目录。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, default=None, help="备份放在哪个目录下（默认：数据目录下的 backups/）")

    def handle(self, *args: Any, to: Path | None, **options: Any) -> None:
        target = to if to is not None else Path(settings.DATA_DIR) / "backups"
        try:
            path, manifest = backup_create(to=target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest["counts"]
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(
            f"记实 {counts.get('records.WorkRecord', 0):,} 条，人员 {counts.get('org.Person', 0):,} 人，"
            f"哈希链 {len(manifest['chain_heads'])} 条（链节 {counts.get('integrity.ChainEntry', 0):,}），"
            f"上传文件 {media:,} 个；用时 {manifest['seconds']:.1f} 秒。"
        )
        self.stdout.write(self.style.SUCCESS(f"备份完成：{path}"))
