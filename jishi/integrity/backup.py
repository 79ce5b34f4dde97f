"""Online backups and their restore: the database, the uploads, and a manifest of what the copy holds.

A backup is one directory, `jishi-backup-YYYYMMDD-HHMMSS`:
  database.sqlite3 | database.pgdump   the database at one instant, taken while Jishi serves and writes —
                                       SQLite's backup API in one step (one read transaction; WAL lets writers go on),
                                       or `pg_dump --format=custom` of a snapshot exported by a REPEATABLE READ
                                       transaction that also reads the manifest's figures, so both describe the
                                       same instant;
  media/                               the uploads (MEDIA_ROOT), copied after the database, so every attachment the
                                       copy names has its file (a file is written before its row commits);
  manifest.json                        format, time, database vendor, Jishi's applied migrations, the row count of
                                       every Jishi table, every hash chain's head, and a SHA-256 of every file.
It is written under a `.partial` name and renamed when complete: a backup that stopped half-way is never mistaken
for a whole one. A restore checks every checksum before it touches anything, writes only into an empty database,
then compares the restored counts and chain heads with the manifest; `jishi restore` then runs `jishi verify`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from jishi.integrity.models import ChainHead

FORMAT = "jishi-backup/1"
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# A database holding any of these rows is in use: a restore would mix two histories.
OCCUPYING = {"org.Unit": "单位", "org.Person": "人员", "records.WorkRecord": "记实", "core.AuditEvent": "审计事件"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore refused or failed, with the reason in words for the operator."""


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    files: int = 0
    mismatches: list[str] = field(default_factory=list)
    unapplied_migrations: list[str] = field(default_factory=list)


# Facts about a database: read from a DB-API cursor, so the same code reads a SQLite copy and a PostgreSQL snapshot.


def _jishi_tables() -> dict[str, str]:
    """Every table of Jishi's own models, by model label (unmanaged ones, such as the search index, are derived)."""
    tables = {}
    for model in apps.get_models():
        meta = model._meta
        if model.__module__.startswith("jishi.") and meta.managed and not meta.proxy:
            tables[meta.label] = meta.db_table
    return dict(sorted(tables.items()))


def _existing_tables(cursor: Any, vendor: str) -> set[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in cursor.fetchall()}


def _facts(cursor: Any, vendor: str) -> dict[str, Any]:
    """Row counts of every Jishi table, the chains' heads and the applied migrations, as this cursor sees them."""
    existing = _existing_tables(cursor, vendor)
    counts = {}
    for label, table in _jishi_tables().items():
        if table in existing:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # a model's table name, not input
            counts[label] = int(cursor.fetchone()[0])
    heads = []
    if ChainHead._meta.db_table in existing:
        cursor.execute(f'SELECT shard, seq, entry_hash FROM "{ChainHead._meta.db_table}" ORDER BY shard')
        heads = [{"shard": int(shard), "seq": int(seq), "hash": entry_hash} for shard, seq, entry_hash in cursor]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in existing:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    return {"counts": counts, "chain_heads": heads, "migrations": migrations}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files_under(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


# Backup ------------------------------------------------------------------------------------------------------------


def _sqlite_copy(target: Path) -> dict[str, Any]:
    """Copy the live database in one step of SQLite's backup API, then read the facts from the copy itself."""
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        # One step is one read transaction on the source: a consistent instant, while writers go on (WAL).
        connection.connection.backup(copy)
        # A plain rollback-journal file: opening the backup later creates no -wal or -shm files beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        with closing(copy.cursor()) as cursor:
            return _facts(cursor, "sqlite")


def _pg_tool(name: str) -> str:
    """The path of a PostgreSQL client tool whose major version is at least the server's."""
    found = shutil.which(name)
    server = connection.pg_version // 10000  # type: ignore[attr-defined]
    if found is None:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL {server} 的客户端程序"
            f"（Debian：apt-get install postgresql-client-{server}）。"
        )
    printed = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", printed)
    if match is None or int(match.group(1)) < server:
        raise BackupError(
            f"{name} 的版本（{printed.strip() or '未知'}）低于数据库服务器的 PostgreSQL {server}："
            "请安装相同主版本的客户端。"
        )
    return found


def _pg_command(tool: str, parameters: list[str]) -> tuple[list[str], dict[str, str]]:
    """A client tool's command line and environment for this database, as `jishi dbshell` would connect."""
    args, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, parameters)
    return [tool, *args[1:]], {**os.environ, **(env or {})}


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{what}失败（退出码 {done.returncode}）：{tail}")


def _postgresql_dump(target: Path) -> dict[str, Any]:
    """pg_dump of a snapshot that this transaction exports after reading the manifest's facts in it."""
    tool = _pg_tool("pg_dump")
    if connection.in_atomic_block:  # the snapshot's isolation level must be the transaction's first statement
        raise BackupError("PostgreSQL 的备份不能在一个数据库事务之内进行。")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        facts = _facts(cursor, "postgresql")
        command, env = _pg_command(tool, ["--format=custom", f"--snapshot={snapshot}", f"--file={target}"])
        _run(command, env, "pg_dump ")  # while the transaction holds the snapshot
    return facts


def backup_create(*, to: Path, now: datetime.datetime | None = None) -> tuple[Path, dict[str, Any]]:
    """Write a backup directory under `to` and return its path and manifest."""
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"不支持备份 {vendor} 数据库（只支持 SQLite 和 PostgreSQL）。")
    now = now or timezone.now()
    name = f"jishi-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}"
    final, partial = to / name, to / f"{name}.partial"
    if final.exists() or partial.exists():
        raise BackupError(f"备份目录已存在：{final}。请稍后再试或换一个目录。")
    try:
        partial.mkdir(parents=True)
    except OSError as exc:
        raise BackupError(f"无法创建备份目录 {partial}：{exc.strerror or exc}") from exc
    started = timezone.now()
    try:
        database = partial / DATABASE_FILES[vendor]
        facts = _sqlite_copy(database) if vendor == "sqlite" else _postgresql_dump(database)
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.is_dir():
            for source in _files_under(media_root):
                copy = partial / MEDIA / source.relative_to(media_root)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)
        files = {path.relative_to(partial).as_posix(): _sha256(path) for path in _files_under(partial)}
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    manifest = {
        "format": FORMAT,
        "created_at": timezone.localtime(now).isoformat(),
        "jishi_version": _jishi_version(),
        "database": {"vendor": vendor, "file": DATABASE_FILES[vendor]},
        **facts,
        "files": files,
        "seconds": round((timezone.now() - started).total_seconds(), 3),
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    partial.rename(final)
    return final, manifest


def _jishi_version() -> str:
    try:
        return version("jishi")
    except PackageNotFoundError:
        return "unknown"


# Restore -----------------------------------------------------------------------------------------------------------


def backup_check(source: Path) -> dict[str, Any]:
    """The manifest of a backup directory, once every file it lists is there with its checksum, and the backup is of
    this database's kind and from this version of Jishi or an earlier one."""
    if not source.is_dir():
        raise BackupError(f"备份目录不存在：{source}")
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        inside = sorted(path for path in source.glob("jishi-backup-*") if (path / MANIFEST).is_file())
        hint = f"它下面有 {len(inside)} 份备份，最新的是 {inside[-1]}。" if inside else "或备份没有完成。"
        raise BackupError(f"{source} 中没有备份清单 {MANIFEST}，不是一份记实的备份：{hint}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"备份清单 {MANIFEST} 无法读取：{exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"备份清单格式不对：应为 {FORMAT}。")
    database, files = manifest.get("database"), manifest.get("files")
    if not isinstance(database, dict) or not isinstance(files, dict) or database.get("file") not in files:
        raise BackupError("备份清单不完整：缺少数据库文件或校验和。")
    expected_kinds = (("counts", dict), ("chain_heads", list), ("migrations", dict))
    if not all(isinstance(manifest.get(key), kind) for key, kind in expected_kinds):
        raise BackupError("备份清单不完整：缺少行数、哈希链链头或迁移记录。")
    vendor = str(database.get("vendor"))
    if vendor != connection.vendor:
        raise BackupError(
            f"这是 {VENDOR_NAMES.get(vendor, vendor)} 数据库的备份，当前配置的是 "
            f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)}：请用同一种数据库恢复（DATABASE_URL）。"
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    newer = sorted(
        f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names if (app, name) not in known
    )
    if newer:
        raise BackupError(f"这份备份来自更新版本的记实（本版本没有的迁移：{'、'.join(newer[:5])}）：请先升级记实。")
    # Last, as hashing a large database and its uploads takes minutes: the refusals above come at once.
    root = source.resolve()
    for name, expected in sorted(files.items()):
        path = (source / name).resolve()
        if not path.is_relative_to(root):
            raise BackupError(f"备份清单中的文件名无效：{name}")
        if not path.is_file():
            raise BackupError(f"备份缺少文件：{name}")
        if _sha256(path) != expected:
            raise BackupError(f"校验和不符：{name}（文件已损坏或被改动），不能用这份备份恢复。")
    return manifest


def database_occupants() -> dict[str, int]:
    """The rows that make the configured database one in use (none: it may take a restore)."""
    with connection.cursor() as cursor:
        existing = _existing_tables(cursor, connection.vendor)
    found = {}
    for label, word in OCCUPYING.items():
        model = apps.get_model(label)
        if model._meta.db_table in existing and model._default_manager.exists():
            found[word] = model._default_manager.count()
    return found


def _media_occupied(media_root: Path) -> bool:
    return media_root.is_dir() and any(path.is_file() for path in media_root.rglob("*"))


def restore_preflight(source: Path) -> dict[str, Any]:
    """Everything a restore checks before it writes: the backup (`backup_check`), an empty database, empty uploads."""
    manifest = backup_check(source)
    occupants = database_occupants()
    if occupants:
        held = "、".join(f"{word} {count:,}" for word, count in occupants.items())
        raise BackupError(
            f"目标数据库不是空的（已有{held}）：恢复只写入空数据库，以免两份历史混在一起。"
            "请新建一个空数据库（PostgreSQL：createdb；SQLite：DATABASE_URL 指向一个新文件）后再恢复。"
        )
    media_root = Path(settings.MEDIA_ROOT)
    if any(name.startswith(f"{MEDIA}/") for name in manifest["files"]) and _media_occupied(media_root):
        raise BackupError(f"上传文件目录 {media_root} 不是空的：恢复只写入空目录。")
    return manifest


def backup_restore(source: Path) -> RestoreReport:
    """Restore a backup into the empty configured database and MEDIA_ROOT; compare what arrived with the manifest."""
    manifest = restore_preflight(source)
    report = RestoreReport(manifest=manifest)
    database = source / manifest["database"]["file"]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as backup:
            backup.backup(connection.connection)
    else:
        tool = _pg_tool("pg_restore")
        options = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        command, env = _pg_command(tool, [*options, str(database), "--dbname"])
        connection.close()
        _run(command, env, "pg_restore ")
    connection.close()  # the next query opens a connection onto the restored database
    media_root = Path(settings.MEDIA_ROOT)
    for name in manifest["files"]:
        if name.startswith(f"{MEDIA}/"):
            target = media_root / name.removeprefix(f"{MEDIA}/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target)
            report.files += 1
    with connection.cursor() as cursor:
        restored = _facts(cursor, connection.vendor)
    for label, count in manifest["counts"].items():
        if restored["counts"].get(label) != count:
            report.mismatches.append(f"{label}：备份清单 {count:,} 行，恢复后 {restored['counts'].get(label, 0):,} 行")
    if restored["chain_heads"] != manifest["chain_heads"]:
        report.mismatches.append("哈希链链头与备份清单不一致")
    applied = {(app, name) for app, names in restored["migrations"].items() for name in names}
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    report.unapplied_migrations = sorted(f"{app}.{name}" for app, name in known if (app, name) not in applied)
    return report
