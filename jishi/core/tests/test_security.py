"""Security headers and production settings: what a browser is told, and what production refuses to start with."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from config.env import DEV_SECRET_KEY, strong_secret_key
from jishi.testing import PersonFactory

ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "k3Jq9-xVb2Lr_Tz8Wm4Yp7Hs1Nd6Fg0Qc5Ue8Ra2Zi9Ko3Mt7Xw1Bj4Gv6Ey0Sl"


def prod_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "JISHI_SECRET_KEY": STRONG_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "JISHI_ALLOWED_HOSTS": "jishi.example.gov.cn",
        "JISHI_DATA_DIR": str(tmp_path),
    }
    env.update(overrides)
    return env


def run_python(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# What a production server answers over plain HTTP, over HTTPS, and which settings it started with.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
host = "jishi.example.gov.cn"
plain = Client().get("/login/", HTTP_HOST=host)
secure = Client().get("/login/", HTTP_HOST=host, secure=True)
forwarded = Client().get("/login/", HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "secure": [secure.status_code, secure.get("Strict-Transport-Security")],
    "forwarded": [forwarded.status_code, forwarded.get("Strict-Transport-Security")],
    "session_age": settings.SESSION_COOKIE_AGE,
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def probe(tmp_path: Path, **overrides: str) -> dict[str, Any]:
    result = run_python(prod_env(tmp_path, **overrides), PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Headers every page carries ---


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy() -> None:
    response = Client().get(reverse("login"))
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_refuse_browser_features_framing_and_leaking_the_referrer() -> None:
    response = Client().get(reverse("login"))
    features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# Inline code the policy would block: a <script> without src, on…= handlers, style attributes, javascript: URLs,
# htmx's evaluated attributes. Python-rendered markup is held to the same rule by the browser test.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:|hx-on|hx-vars|js:",
    re.IGNORECASE,
)


def test_no_template_holds_inline_script_handlers_or_styles() -> None:
    offenders = []
    for template in sorted((ROOT / "jishi").rglob("templates/**/*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert offenders == []


def test_htmx_injects_no_style_and_evaluates_nothing() -> None:
    base = (ROOT / "jishi/core/templates/base.html").read_text(encoding="utf-8")
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", base)
    assert config is not None
    assert json.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }
    css = (ROOT / "jishi/core/static/jishi/app.css").read_text(encoding="utf-8")
    assert ".htmx-request .htmx-indicator" in css


# --- Sessions ---


@pytest.mark.django_db
def test_a_sign_in_lasts_one_working_day() -> None:
    PersonFactory(username="clerk")
    response = Client().post(reverse("login"), {"username": "clerk", "password": "pw"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 10 * 3600 == settings.SESSION_COOKIE_AGE
    assert cookie["httponly"]


def test_the_session_length_is_set_in_hours(tmp_path: Path) -> None:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    env = {**prod_env(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    assert run_python({**env, "JISHI_SESSION_HOURS": "8"}, code).stdout.strip() == str(8 * 3600)
    assert run_python({**env, "JISHI_SESSION_HOURS": "11.5"}, code).stdout.strip() == str(41400)
    refused = run_python({**env, "JISHI_SESSION_HOURS": "0"}, code)
    assert refused.returncode != 0 and "JISHI_SESSION_HOURS" in refused.stderr


# --- Production settings ---


def test_production_passes_djangos_deploy_checks(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=prod_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_sends_plain_http_to_https_and_pins_it(tmp_path: Path) -> None:
    seen = probe(tmp_path)
    assert seen["plain"] == [301, "https://jishi.example.gov.cn/login/"]
    assert seen["secure"] == [200, "max-age=31536000; includeSubDomains"]
    # X-Forwarded-Proto is not trusted unless the proxy is named: anyone could send it.
    assert seen["forwarded"][0] == 301
    assert seen["session_age"] == 36000
    assert seen["cookies_secure"] == [True, True]


def test_behind_a_tls_proxy_the_forwarded_scheme_is_trusted_once_named(tmp_path: Path) -> None:
    seen = probe(tmp_path, JISHI_PROXY_SSL_HEADER="X-Forwarded-Proto", JISHI_HSTS_INCLUDE_SUBDOMAINS="0")
    assert seen["forwarded"] == [200, "max-age=31536000"]
    assert seen["plain"][0] == 301
    # A proxy that redirects to HTTPS itself: Django no longer does.
    assert probe(tmp_path, JISHI_SSL_REDIRECT="0")["plain"] == [200, None]


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("short-but-random-Zq8#Lm2", "fewer than 50"),
        ("ab" * 40, "fewer than 5 distinct"),
        ("django-insecure-" + STRONG_KEY, "django-insecure"),
        (DEV_SECRET_KEY, "development key"),
    ],
)
def test_weak_secret_keys_are_refused(key: str, reason: str) -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        strong_secret_key(key)
    message = str(refused.value)
    assert reason in message
    assert "太弱" in message
    assert 'python -c "import secrets; print(secrets.token_urlsafe(50))"' in message


def test_a_strong_key_is_accepted() -> None:
    assert strong_secret_key(STRONG_KEY) == STRONG_KEY


def test_production_does_not_start_with_a_weak_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=prod_env(tmp_path, JISHI_SECRET_KEY="change-me"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "JISHI_SECRET_KEY 太弱" in result.stderr and "secrets.token_urlsafe(50)" in result.stderr
