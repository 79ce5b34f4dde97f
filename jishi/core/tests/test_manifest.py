"""The web app manifest: what a phone needs to install Jishi (添加到主屏幕), open to a browser without a session."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from jishi.testing import Org

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_and_its_icons_with_the_right_type(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "记实" and manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#b3261e"
    pngs = {icon["sizes"]: icon["src"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert set(pngs) == {"192x192", "512x512"}
    for size, src in pngs.items():
        found = finders.find(src.removeprefix("/static/"))
        assert found, src
        with open(found, "rb") as png:
            head = png.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"{int.from_bytes(head[16:20], 'big')}x{int.from_bytes(head[20:24], 'big')}" == size


def test_the_manifest_follows_the_readers_language_and_refuses_a_post(client: Client) -> None:
    client.cookies["django_language"] = "en"
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["lang"] == "en" and manifest["name"] == "Jishi"
    assert client.post("/manifest.webmanifest").status_code == 405


def test_every_page_links_the_manifest_under_the_content_security_policy(org: Org, client: Client) -> None:
    client.force_login(org.author)
    response = client.get("/me/")
    page = response.content.decode()
    assert '<html lang="zh-CN">' in page
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#b3261e">' in page
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "manifest-src" not in policy  # default-src covers the manifest
