"""jishi restore — restore a backup of `jishi backup` into an empty database, then verify the integrity chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.integrity.backup import BackupError, backup_restore, restore_preflight


class Command(BaseCommand):
    help = (
        "从 jishi backup 的备份目录恢复：先核对每个文件的校验和，只写入空数据库（和空的上传目录），恢复后核对各表行数"
        "和哈希链链头，再运行 jishi verify。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="备份目录（jishi-backup-日期-时间）")
        parser.add_argument("--dry-run", action="store_true", help="只检查备份和目标数据库，不写入")

    def handle(self, *args: Any, source: Path, dry_run: bool, **options: Any) -> None:
        try:
            if dry_run:
                manifest = restore_preflight(source)
                self.stdout.write(
                    self.style.SUCCESS(f"检查通过：{self._describe(manifest)}，可以恢复（未写入任何内容）。")
                )
                return
            report = backup_restore(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已恢复：{self._describe(report.manifest)}；上传文件 {report.files:,} 个。")
        if report.mismatches:
            raise CommandError("恢复后的数据与备份清单不一致：" + "；".join(report.mismatches))
        if report.unapplied_migrations:
            self.stdout.write(f"备份来自较早的版本：运行本版本的 {len(report.unapplied_migrations)} 个迁移。")
            call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("运行完整性校验（jishi verify）……")
        try:
            call_command("verify", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            raise CommandError(f"数据已恢复，但{exc}请勿投入使用，先查明原因。") from exc
        self.stdout.write(self.style.SUCCESS("恢复完成，完整性校验通过。"))

    @staticmethod
    def _describe(manifest: dict[str, Any]) -> str:
        counts = manifest["counts"]
        return (
            f"{manifest['created_at'][:19].replace('T', ' ')} 的备份，记实 {counts.get('records.WorkRecord', 0):,} 条，"
            f"人员 {counts.get('org.Person', 0):,} 人"
        )
