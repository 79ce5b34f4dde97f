"""Attachments are reachable only through the record's permission check, stored under random names, always handed
out as downloads, and pages, drawings and scripts are refused at upload (issue 13, "Attachments served to anyone")."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import clear_url_caches

import config.urls
from jishi.records.models import Attachment
from jishi.records.services import attachment_add
from jishi.testing import Org, write_record

REFUSED = "不能上传网页、SVG 图形、XML 或脚本文件"


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def upload(org: Org, name: str, content: bytes, **kwargs: Any) -> Client:
    record = write_record(org.author, **kwargs)
    client = login(org.author)
    client.post(f"/records/{record.pk}/attachments/", {"file": SimpleUploadedFile(name, content)})
    return client


def test_media_url_serves_nothing_even_with_debug_on(org: Org, tmp_path: Path) -> None:
    """The old layout's path, on disk under MEDIA_ROOT: with DEBUG on, static() used to hand it to anyone."""
    stored = tmp_path / "attachments" / "2026" / "12" / "evil.html"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"<script>alert(document.cookie)</script>")
    try:
        with override_settings(DEBUG=True, MEDIA_ROOT=tmp_path):
            importlib.reload(config.urls)
            clear_url_caches()
            response = Client().get("/media/attachments/2026/12/evil.html")
            assert response.status_code == 404
            assert b"alert(document.cookie)" not in b"".join(getattr(response, "streaming_content", [response.content]))
            assert login(org.admin).get("/media/attachments/2026/12/evil.html").status_code == 404
    finally:
        importlib.reload(config.urls)
        clear_url_caches()


def test_stored_names_are_random_and_carry_nothing_the_uploader_typed(org: Org) -> None:
    record = write_record(org.author)
    client = login(org.author)
    for _ in range(2):
        upload = SimpleUploadedFile("2026年预算调整方案.txt", "预算调整方案正文".encode())
        client.post(f"/records/{record.pk}/attachments/", {"file": upload})
    first, second = Attachment.objects.order_by("id")
    for attachment in (first, second):
        assert re.fullmatch(r"attachments/[0-9a-f]{32}", attachment.file.name), attachment.file.name
        assert attachment.original_name == "2026年预算调整方案.txt"
    assert first.file.name != second.file.name


def test_downloads_are_attachments_with_the_chinese_name_and_no_sniffing(org: Org) -> None:
    client = upload(org, "会议纪要.txt", "会议纪要正文".encode())
    attachment = Attachment.objects.get()
    response = client.get(f"/records/{attachment.record_id}/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == "会议纪要正文".encode()
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.txt" in disposition
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_of_unknown_kind_is_served_as_octet_stream(org: Org) -> None:
    """Kept before this check (or of a kind not on the passive list): a browser is told only that it is bytes."""
    record = write_record(org.author)
    attachment = attachment_add(actor=org.author, record=record, upload=SimpleUploadedFile("数据.bin", b"\x00\x01"))
    Attachment.objects.filter(pk=attachment.pk).update(original_name="旧系统导出.html")  # as if uploaded long ago
    response = login(org.author).get(f"/records/{record.pk}/attachments/{attachment.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("evil.html", b"<script>alert(1)</script>", "text/html"),
        ("EVIL.HTM. ", b"<p>hello", "application/octet-stream"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        ("app.js", b"alert(1)", "text/javascript"),
        ("module.mjs", b"alert(1)", "application/octet-stream"),
        ("data.xml", b"<?xml version='1.0'?><a/>", "text/xml"),
        ("innocent.txt", b"<!DOCTYPE html><html><body><script>alert(1)</script>", "text/plain"),
        ("photo.jpg", b"\xef\xbb\xbf  <?xml version='1.0'?>\n<svg onload='alert(1)'>", "image/jpeg"),
        ("report.pdf", b"%PDF-1.7 made up", "text/html"),
    ],
)
def test_pages_drawings_and_scripts_are_refused_at_upload(org: Org, name: str, content: bytes, declared: str) -> None:
    record = write_record(org.author)
    with pytest.raises(ValidationError) as refused:
        attachment_add(actor=org.author, record=record, upload=SimpleUploadedFile(name, content, declared))
    assert REFUSED in refused.value.message_dict["file"][0]
    assert not Attachment.objects.exists()


def test_the_upload_page_says_why_an_html_file_is_refused(org: Org) -> None:
    record = write_record(org.author)
    page = login(org.author).post(
        f"/records/{record.pk}/attachments/", {"file": SimpleUploadedFile("evil.html", b"<h1>hi</h1>")}, follow=True
    )
    assert REFUSED in page.content.decode() and "evil.html" in page.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("纪要.txt", "会议纪要：<b>不是网页</b>的一段文字".encode()),
        ("方案.pdf", b"%PDF-1.7\n<html>"),
        ("表格.xlsx", b"PK\x03\x04 zipped"),
        ("照片.png", b"\x89PNG\r\n\x1a\n"),
    ],
)
def test_ordinary_files_are_accepted(org: Org, name: str, content: bytes) -> None:
    record = write_record(org.author)
    attachment_add(actor=org.author, record=record, upload=SimpleUploadedFile(name, content))
    assert Attachment.objects.get().original_name == name


@pytest.mark.parametrize("visibility", ["unit", "superiors"])
def test_a_hidden_records_attachment_is_404_for_an_outsider(org: Org, visibility: str) -> None:
    upload(org, "内部.txt", "仅本单位".encode(), visibility=visibility)
    attachment = Attachment.objects.get()
    url = f"/records/{attachment.record_id}/attachments/{attachment.pk}/"
    assert login(org.unrelated).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert login(org.author).get(url).status_code == 200


@pytest.mark.parametrize("storage", ["django.core.files.storage.FileSystemStorage", "in-memory"])
def test_files_stored_under_their_old_names_move_to_random_ones(
    org: Org, tmp_path: Path, storage: str, django_capture_on_commit_callbacks: Any
) -> None:
    stores = {"default": {"BACKEND": storage}} if storage != "in-memory" else {}
    with override_settings(MEDIA_ROOT=tmp_path, STORAGES={**settings.STORAGES, **stores}):
        record = write_record(org.author)
        attachment = attachment_add(actor=org.author, record=record, upload=SimpleUploadedFile("x.txt", b"x"))
        old = default_storage.save("attachments/2026/12/预算方案.txt", ContentFile("预算方案正文".encode()))
        Attachment.objects.filter(pk=attachment.pk).update(file=old)
        migration = importlib.import_module("jishi.records.migrations.0009_attachment_rename_stored_files")
        with django_capture_on_commit_callbacks(execute=True):
            migration.rename_stored_files(django_apps, None)
        moved = Attachment.objects.get(pk=attachment.pk)
        assert re.fullmatch(r"attachments/[0-9a-f]{32}", moved.file.name)
        assert moved.file.open("rb").read() == "预算方案正文".encode()
        assert not default_storage.exists(old)
        response = login(org.author).get(f"/records/{record.pk}/attachments/{attachment.pk}/")
        assert b"".join(response.streaming_content) == "预算方案正文".encode()
