"""jishi backup and jishi restore: a consistent online copy with its uploads and manifest; a restore that checks
before it writes, writes only into an empty database, and ends with a passing `jishi verify`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from jishi.integrity.backup import DATABASE_FILES, FORMAT, MANIFEST
from jishi.integrity.models import ChainHead
from jishi.org.models import Unit
from jishi.testing import Org, write_record

REPOSITORY = Path(settings.BASE_DIR)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def handmade_backup(directory: Path, **changes: Any) -> Path:
    """A backup directory written by hand: a database file (any bytes: checks come before reading it) and a manifest
    that names it with its checksum, changed as the test says."""
    directory.mkdir(parents=True)
    database = DATABASE_FILES[connection.vendor]
    (directory / database).write_bytes(b"not read before every check has passed")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": "2026-12-01T02:00:00+08:00",
        "database": {"vendor": connection.vendor, "file": database},
        "counts": {},
        "chain_heads": [],
        "migrations": {"org": ["0001_initial"]},
        "files": {database: sha256((directory / database).read_bytes())},
    }
    manifest.update(changes)
    (directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return directory


def restore_refused(source: Path, *args: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(source), *args)
    return str(refused.value)


# The backup ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # pg_dump reads what has committed
def test_a_backup_holds_the_database_the_uploads_and_a_manifest(org: Org, tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = settings.MEDIA_ROOT / "attachments" / "3f9a"
    upload.parent.mkdir(parents=True)
    upload.write_bytes("会议纪要".encode())
    write_record(org.author)
    call_command("backup", "--to", str(tmp_path / "backups"), stdout=(out := _Output()))
    [backup] = (tmp_path / "backups").iterdir()
    assert backup.name.startswith("jishi-backup-") and f"备份完成：{backup}" in out.text
    manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format"] == FORMAT and manifest["database"]["vendor"] == connection.vendor
    assert manifest["counts"]["records.WorkRecord"] == 1 and manifest["counts"]["org.Unit"] == Unit.objects.count()
    heads = [{"shard": h.shard, "seq": h.seq, "hash": h.entry_hash} for h in ChainHead.objects.order_by("shard")]
    assert manifest["chain_heads"] == heads and heads
    assert "0001_initial" in manifest["migrations"]["records"]
    database = manifest["database"]["file"]
    assert set(manifest["files"]) == {database, "media/attachments/3f9a"}
    for name, checksum in manifest["files"].items():
        assert sha256((backup / name).read_bytes()) == checksum


def test_a_backup_into_a_place_that_cannot_hold_it_says_so(db: None, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CommandError, match="无法创建备份目录"):
        call_command("backup", "--to", str(blocker / "backups"))


# What a restore refuses, each before writing anything ---------------------------------------------------------------


def test_a_missing_directory(db: None, tmp_path: Path) -> None:
    assert "备份目录不存在" in restore_refused(tmp_path / "nowhere")


def test_a_directory_without_a_manifest(db: None, tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    assert "没有备份清单" in restore_refused(tmp_path / "half")
    # The directory the backups are written to, given instead of one of them: the newest is named.
    for name in ("jishi-backup-20261201-021500", "jishi-backup-20261202-021500"):
        handmade_backup(tmp_path / "backups" / name)
    said = restore_refused(tmp_path / "backups")
    assert "有 2 份备份" in said and "jishi-backup-20261202-021500" in said


@pytest.mark.parametrize(
    ("manifest", "said"),
    [
        ("{", "无法读取"),
        ('{"format": "someone-else/1"}', "格式不对"),
        (json.dumps({"format": FORMAT, "database": {"file": "x"}, "files": {}}), "不完整"),
        (
            json.dumps(
                {
                    "format": FORMAT,
                    "database": {"file": "x"},
                    "files": {"x": "0"},
                    "counts": {},
                    "chain_heads": [],
                    "migrations": ["records.0001_initial"],
                }
            ),
            "不完整",
        ),
    ],
)
def test_a_bad_manifest(db: None, tmp_path: Path, manifest: str, said: str) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / MANIFEST).write_text(manifest, encoding="utf-8")
    assert said in restore_refused(tmp_path / "bad")


def test_a_file_whose_checksum_does_not_match(db: None, tmp_path: Path) -> None:
    source = handmade_backup(tmp_path / "b")
    with (source / DATABASE_FILES[connection.vendor]).open("ab") as database:
        database.write(b"!")
    said = restore_refused(source)
    assert "校验和不符" in said and DATABASE_FILES[connection.vendor] in said


def test_a_missing_file_or_one_outside_the_backup(db: None, tmp_path: Path) -> None:
    database = DATABASE_FILES[connection.vendor]
    lost = handmade_backup(tmp_path / "lost")
    (lost / database).unlink()
    assert "备份缺少文件" in restore_refused(lost)
    (tmp_path / "secret").write_bytes(b"x")
    outside = handmade_backup(
        tmp_path / "outside", files={database: sha256(b"not read before every check has passed"), "../secret": "0"}
    )
    assert "文件名无效" in restore_refused(outside)


def test_another_kind_of_database_or_a_newer_jishi(db: None, tmp_path: Path) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    database = DATABASE_FILES[connection.vendor]
    foreign = handmade_backup(tmp_path / "foreign", database={"vendor": other, "file": database})
    assert "请用同一种数据库" in restore_refused(foreign)
    newer = handmade_backup(tmp_path / "newer", migrations={"org": ["0001_initial", "0999_from_the_future"]})
    assert "更新版本" in restore_refused(newer) and "org.0999_from_the_future" in restore_refused(newer)


def test_a_database_in_use_is_never_restored_into(org: Org, tmp_path: Path) -> None:
    said = restore_refused(handmade_backup(tmp_path / "b"), "--dry-run")
    assert "目标数据库不是空的" in said and "单位 8" in said


def test_uploads_are_never_restored_over_others(db: None, tmp_path: Path, settings: Any) -> None:
    source = handmade_backup(tmp_path / "b")
    (source / "media").mkdir()
    (source / "media" / "a").write_bytes(b"upload")
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["media/a"] = sha256(b"upload")
    (source / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "attachments").mkdir(parents=True)
    call_command("restore", str(source), "--dry-run", stdout=_Output())  # empty folders hold nothing
    (tmp_path / "media" / "attachments" / "someone-elses").write_bytes(b"x")
    assert "上传文件目录" in restore_refused(source, "--dry-run")


def test_a_dry_run_checks_everything_and_writes_nothing(db: None, tmp_path: Path) -> None:
    call_command("restore", str(handmade_backup(tmp_path / "b")), "--dry-run", stdout=(out := _Output()))
    assert "检查通过" in out.text and "未写入" in out.text
    assert not Unit.objects.exists()


class _Output:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# The whole round trip, with a writer running -------------------------------------------------------------------------


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two new databases of the kind the suite runs on: one to write and back up, one to restore into."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    server = urlsplit(os.environ["DATABASE_URL"])
    names = [f"jishi_backup_{kind}_{os.getpid()}" for kind in ("source", "restored")]
    admin = psycopg.connect(urlunsplit(server._replace(path="/postgres")), autocommit=True)
    for name in names:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(urlunsplit(server._replace(path=f"/{name}")) for name in names)  # type: ignore[misc]
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def jishi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jishi", *args], cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=300
    )


def rows(env: dict[str, str], sql: str) -> list[list[Any]]:
    """Rows of a query on the database `env` names, read by a process of its own (the test's database is another)."""
    script = (
        "import json, django; django.setup(); from django.db import connection; c = connection.cursor(); "
        f"c.execute({sql!r}); print(json.dumps([list(r) for r in c.fetchall()]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_backup_taken_while_records_are_written_restores_every_committed_record(
    tmp_path: Path, databases: tuple[str, str]
) -> None:
    source_url, restored_url = databases
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base["DJANGO_SETTINGS_MODULE"] = "jishi.integrity.tests.backup_settings"
    source = {**base, "DATABASE_URL": source_url, "JISHI_TEST_MEDIA_ROOT": str(tmp_path / "media")}
    restored = {**base, "DATABASE_URL": restored_url, "JISHI_TEST_MEDIA_ROOT": str(tmp_path / "restored-media")}
    migrated = jishi(source, "migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr

    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-m", "jishi.integrity.tests.backup_writer", str(stop)],
        cwd=REPOSITORY,
        env=source,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    written: list[int] = []
    enough = threading.Event()

    def read() -> None:
        assert writer.stdout is not None
        for line in writer.stdout:
            if line.strip().isdigit():
                written.append(int(line))
                if len(written) >= 30:
                    enough.set()
        enough.set()  # the writer stopped: the test fails below rather than waiting

    reader = threading.Thread(target=read)
    reader.start()
    try:
        assert enough.wait(240) and len(written) >= 30, "the writer did not write"
        committed = list(written)  # every record whose transaction had committed when the backup started
        backed_up = jishi(source, "backup", "--to", str(tmp_path / "backups"))
        during = len(written) - len(committed)
    finally:
        stop.touch()
        writer.wait(60)
        reader.join(60)
    assert backed_up.returncode == 0, backed_up.stderr
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    [backup] = (tmp_path / "backups").iterdir()

    done = jishi(restored, "restore", str(backup))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "完整性校验通过" in done.stdout and "恢复完成" in done.stdout

    ids = {row[0] for row in rows(restored, "SELECT id FROM records_workrecord")}
    assert set(committed) <= ids  # every record committed before the backup began
    assert ids <= set(written)  # and nothing that was never written
    manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["counts"]["records.WorkRecord"] == len(ids)
    # The uploads of the restored records are there, byte for byte.
    attachments = rows(restored, "SELECT record_id, file FROM records_attachment")
    assert set(committed[::10]) <= {record for record, _ in attachments}  # the writer attached to every tenth
    for _, name in attachments:
        assert (tmp_path / "restored-media" / name).read_bytes() == (tmp_path / "media" / name).read_bytes()
    print(f"records committed before the backup: {len(committed)}, written while it ran: {during}")
