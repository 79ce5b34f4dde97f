"""`jishi serve` is the production server: DEBUG off whatever the settings module, Chinese error pages, and gunicorn's
control socket in the data directory instead of one path shared by every server of the user (issue 13 §1)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

from jishi.core.management.commands.serve import child_environment, control_socket_arguments

ERROR_PAGES = {400: "请求无效", 403: "没有权限", 404: "页面不存在", 500: "服务器出错了"}


def test_children_run_with_debug_off_even_when_asked_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JISHI_DEBUG", "1")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    env = child_environment()
    assert env["JISHI_DEBUG"] == "0"
    probe = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_control_socket_lives_in_the_data_directory() -> None:
    arguments = control_socket_arguments()
    assert arguments == ["--control-socket", str(Path(settings.DATA_DIR) / "gunicorn.ctl")]
    assert "--no-control-socket" not in arguments


def raise_error() -> None:
    raise RuntimeError("secret detail /work/main/jishi")


urlpatterns = [path("boom/", raise_error)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_errors_with_debug_off_are_chinese_pages_without_internals(db) -> None:
    client = Client(raise_request_exception=False)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and ERROR_PAGES[404] in missing.content.decode()
    assert "URLconf" not in missing.content.decode() and "boom/" not in missing.content.decode()
    failed = client.get("/boom/")
    assert failed.status_code == 500 and ERROR_PAGES[500] in failed.content.decode()
    assert "secret detail" not in failed.content.decode() and "Traceback" not in failed.content.decode()
    bad_host = client.get("/no-such-page/", HTTP_HOST="evil.example")
    assert bad_host.status_code == 400 and ERROR_PAGES[400] in bad_host.content.decode()


def test_a_form_posted_without_csrf_token_gets_a_chinese_page(db) -> None:
    page = Client(enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"})
    assert page.status_code == 403 and "页面已过期" in page.content.decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_under_dev_settings_shows_no_debug_pages_and_keeps_its_control_socket_to_itself(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "JISHI_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("JISHI_DEBUG", None)  # dev settings would turn DEBUG on
    server = subprocess.Popen(
        [sys.executable, "-m", "jishi", "serve", "--bind", f"127.0.0.1:{port}", "--no-worker", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        body = None
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=2)
            except urllib.error.HTTPError as error:
                assert error.code == 404
                body = error.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "the server answered"
        assert ERROR_PAGES[404] in body and "URLconf" not in body and "Page not found" not in body
        control = tmp_path / "gunicorn.ctl"
        for _ in range(20):
            if control.exists():
                break
            time.sleep(0.25)
        assert control.is_socket(), "gunicorn's control socket is in JISHI_DATA_DIR"
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(control))  # this server's own, listening
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=30)


def test_error_pages_follow_the_interface_language(db) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/no-such-page/").content.decode()
    assert "Page not found" in page and ERROR_PAGES[404] not in page
