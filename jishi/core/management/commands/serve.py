"""Serve Jishi with gunicorn (static files by WhiteNoise) and the background-task worker beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.core.worker import SupervisedProcess


def child_environment() -> dict[str, str]:
    """The server's and the worker's environment: DEBUG off whatever the settings module (no URL list on a 404, no
    traceback on a 500) — `jishi runserver` is the development server."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    env["JISHI_DEBUG"] = "0"
    return env


def control_socket_arguments() -> list[str]:
    """gunicorn's control socket in the data directory: at its default path (one per user) a second server on the
    machine took it over, and stopping either deleted the other's."""
    return ["--control-socket", str(settings.DATA_DIR / "gunicorn.ctl")]


class Command(BaseCommand):
    help = "Run the production server (gunicorn) on 127.0.0.1:8000 with the background-task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on (default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        parser.add_argument("--no-worker", action="store_true", help="do not start the background-task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"]
        host, _, port = bind.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise CommandError(f"--bind 应为 HOST:PORT，例如 127.0.0.1:8000（收到 {bind!r}）。")
        if options["workers"] < 1:
            raise CommandError("--workers 至少为 1。")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        env = child_environment()
        # The worker waits out database outages itself; if it exits anyway it is reaped and restarted (with backoff).
        worker: SupervisedProcess | None = None
        if not options["no_worker"]:
            worker = SupervisedProcess(
                [sys.executable, "-m", "jishi", "worker", "--interval", "2"], name="worker", env=env
            )
            worker.start()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["workers"]),
                "--access-logfile",
                "-",
                *control_socket_arguments(),
            ],
            env=env,
        )
        self.stdout.write(self.style.SUCCESS(f"记实已启动：http://{bind}/  （Ctrl+C 停止）"))
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True
            if server.poll() is None:
                server.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                try:
                    server.wait(timeout=1)
                    break
                except subprocess.TimeoutExpired:
                    if worker is not None:
                        worker.check()
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            if worker is not None:
                worker.stop()
            server.wait(timeout=10)
