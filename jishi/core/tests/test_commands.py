"""The `jishi` command line: help, demo, token; bad arguments get a clear error, never a traceback."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from jishi.demo.world import build_world
from jishi.org.models import Person
from jishi.records.models import RecordVersion, WorkRecord
from jishi.records.validation import content_errors


def run_jishi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jishi", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )


def test_help_lists_jishi_commands_first() -> None:
    result = run_jishi("--help")
    assert result.returncode == 0
    for command in ("demo", "serve", "token"):
        assert f"  {command}" in result.stdout
    assert "jishi help --commands" in result.stdout


def test_bad_arguments_are_clear_errors() -> None:
    result = run_jishi("demo", "--scale", "galactic", "--no-serve")
    assert result.returncode != 0 and "invalid choice" in result.stderr and "Traceback" not in result.stderr
    result = run_jishi("serve", "--bind", "nonsense")
    assert result.returncode != 0 and "HOST:PORT" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.django_db
def test_token_command(capsys: pytest.CaptureFixture[str]) -> None:
    Person.objects.create(username="someone", full_name="某人")
    call_command("token", "create", "someone", "--name", "对接")
    assert capsys.readouterr().out.strip().startswith("jsk_")
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("token", "create", "nobody")
    with pytest.raises(CommandError, match="用途"):
        call_command("token", "create", "someone", "--name", " ")


def _build_and_digest(seed: int) -> str:
    """Build a tiny world inside a savepoint, digest what it wrote, and roll it back."""
    with transaction.atomic():
        build_world(scale="tiny", seed=seed)
        rows = WorkRecord.objects.order_by("date", "author__username", "start_at").values_list(
            "author__username", "date", "start_at", "content", "visibility"
        )
        digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
        transaction.set_rollback(True)
    return digest


@pytest.mark.django_db
def test_tiny_demo_world_is_believable() -> None:
    world = build_world(scale="tiny", seed=7)
    assert world.records > 200 and {u for u, _, _ in world.logins} >= {
        "staff",
        "leader",
        "inspector",
        "admin",
        "hr",
        "unit_head",
        "social_worker",
    }
    contents = list(WorkRecord.objects.values_list("content", flat=True))
    assert not any(content_errors(c, []) for c in contents)
    assert len(set(contents)) / len(contents) > 0.5
    assert RecordVersion.objects.count() == WorkRecord.objects.count()
    assert WorkRecord.objects.filter(is_late=True).exists() and WorkRecord.objects.filter(is_sensitive=True).exists()
    assert Person.objects.get(username="staff").check_password("jishi2026")


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_world() -> None:
    assert _build_and_digest(7) == _build_and_digest(7)
    assert _build_and_digest(7) != _build_and_digest(8)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-s", str(os.getsid(server.pid)), "-f", "jishi worker"], capture_output=True, text=True
    )
    return [int(pid) for pid in found.stdout.split()]


def test_serve_runs_gunicorn_with_static_files_and_the_worker(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "JISHI_DATA_DIR": str(tmp_path),
        "JISHI_DEBUG": "false",
    }
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "jishi", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        login = static = None
        for _ in range(120):
            try:
                login = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
                static = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/jishi/app.css", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        assert login is not None and login.status == 200 and "登录记实" in login.read().decode()
        assert static is not None and static.status == 200
        worker = _worker_pids(server)
        assert len(worker) == 1, "the background-task worker runs beside the server"
        # A worker that dies anyway (here: killed) is reaped and started again; nothing is left a zombie.
        os.kill(worker[0], signal.SIGKILL)
        for _ in range(60):
            restarted = _worker_pids(server)
            if restarted and restarted != worker:
                break
            time.sleep(0.5)
        assert restarted and restarted != worker, "jishi serve restarts its worker"
        session = subprocess.run(
            ["ps", "-o", "pid=,stat=", "--sid", str(os.getsid(server.pid))], capture_output=True, text=True
        ).stdout
        assert not [line for line in session.splitlines() if line.split()[1].startswith("Z")], session
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.django_db
def test_records_are_distinct_and_near_duplicates_are_only_the_planted_copies() -> None:
    from jishi.demo.quality import measure
    from jishi.demo.world import manifest

    build_world(scale="small", seed=3)
    quality = measure(WorkRecord.objects.values_list("id", "author_id", "date", "content").iterator())
    assert quality.distinct_share >= 0.95, quality.distinct_share
    planted = set(manifest()["planted_near_duplicates"]["record_ids"])
    assert planted, "the small world plants some copy-paste"
    assert all(later in planted for _, later in quality.near_duplicate_pairs)


@pytest.mark.django_db
def test_a_composer_that_fails_fails_the_build_and_writes_no_record(monkeypatch: pytest.MonkeyPatch) -> None:
    from jishi.demo import world

    def broken(self: Any, weekends: Any) -> Any:
        yield from []
        raise RuntimeError("作文进程出错")

    monkeypatch.setattr(world._Writer, "all_records", broken)
    with pytest.raises(RuntimeError, match="作文进程出错"):
        build_world(scale="tiny", seed=7)
    assert not WorkRecord.objects.exists()
