"""Exported digests catch what the database alone cannot: a restored older copy, a chain recomputed without the key."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from jishi.core.models import AuditEvent
from jishi.integrity.models import ChainEntry, ChainHead, Digest, Verification
from jishi.integrity.services import chain_reseal, digest_export
from jishi.integrity.verification import DIGEST, load_digests, verify
from jishi.records.models import RecordParticipant, RecordVersion, WorkRecord
from jishi.testing import Org, write_record

KEY = "the-key-kept-in-settings"


def export(directory: Path) -> dict[str, Any]:
    document, _ = digest_export(day=timezone.localdate(), out_dir=directory)
    return document


def digest_problems(directory: Path) -> list[str]:
    return [p.detail for p in verify(digests=load_digests(directory)).problems if p.what == DIGEST]


def test_a_digest_names_every_chain_head(history: dict[str, Any], tmp_path: Path) -> None:
    document = export(tmp_path)
    heads = {str(h.shard): h for h in ChainHead.objects.all() if h.seq}
    assert set(document["chains"]) == set(heads)
    for shard, pin in document["chains"].items():
        assert (pin["seq"], pin["hash"]) == (heads[shard].seq, heads[shard].entry_hash)
    assert document["signature"] is None
    assert json.loads((tmp_path / f"jishi-digest-{timezone.localdate()}.json").read_text())["chains"]
    assert Digest.objects.get().date == timezone.localdate()
    assert verify(digests=load_digests(tmp_path)).ok


def test_a_restored_older_copy_is_caught_by_a_later_digest(history: dict[str, Any], org: Org, tmp_path: Path) -> None:
    heads = {h.shard: (h.seq, h.entry_hash) for h in ChainHead.objects.all()}
    last = {
        model: model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for model in (WorkRecord, RecordVersion, RecordParticipant, AuditEvent)
    }
    later = write_record(org.sibling)
    export(tmp_path)
    # Bring the database back to the state before `later` — as a restored backup would be.
    with connection.cursor() as cursor:
        for model in (RecordVersion, RecordParticipant, AuditEvent, WorkRecord):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id > %s", [last[model]])
        for shard in set(ChainHead.objects.values_list("shard", flat=True)) - set(heads):
            cursor.execute(f"DELETE FROM {ChainEntry._meta.db_table} WHERE shard = %s", [shard])
            cursor.execute(f"DELETE FROM {ChainHead._meta.db_table} WHERE shard = %s", [shard])
        for shard, (seq, entry_hash) in heads.items():
            cursor.execute(f"DELETE FROM {ChainEntry._meta.db_table} WHERE shard = %s AND seq > %s", [shard, seq])
            cursor.execute(
                f"UPDATE {ChainHead._meta.db_table} SET seq = %s, entry_hash = %s WHERE shard = %s",
                [seq, entry_hash, shard],
            )
    assert not WorkRecord.objects.filter(pk=later.pk).exists()
    assert verify().ok  # consistent on its own …
    problems = digest_problems(tmp_path)  # … but behind the digest exported after it
    assert problems and all("不见了" in p for p in problems)


@override_settings(JISHI_CHAIN_KEY=KEY)
def test_a_chain_recomputed_without_the_key_disagrees_with_signed_digests(
    history: dict[str, Any], tmp_path: Path
) -> None:
    signed = tmp_path / "signed"
    assert export(signed)["signature"]
    # Someone edits a version and rebuilds the whole chain in the database, with Jishi's own re-seal.
    version = RecordVersion.objects.get(record=history["first"], number=1)
    RecordVersion.objects.filter(pk=version.pk).update(data=dict(version.data, content="改写过的内容改写过的内容"))
    ChainEntry.objects.all().delete()
    ChainHead.objects.all().delete()
    chain_reseal()
    WorkRecord.objects.filter(pk=history["first"].pk).update(content="改写过的内容改写过的内容")
    assert verify().ok  # the database agrees with itself …
    assert any("重算" in p for p in digest_problems(signed))  # … not with the digest kept outside
    # Nor can they replace the digests: without the key their digest carries no valid signature.
    forged = tmp_path / "forged"
    with override_settings(JISHI_CHAIN_KEY=""):
        assert export(forged)["signature"] is None
    assert any("没有签名" in p for p in digest_problems(forged))
    with override_settings(JISHI_CHAIN_KEY="a-guessed-key"):
        export(forged)
    assert any("签名不符" in p for p in digest_problems(forged))


def test_a_digest_checked_with_the_wrong_key(history: dict[str, Any], tmp_path: Path) -> None:
    with override_settings(JISHI_CHAIN_KEY=KEY):
        export(tmp_path)
        assert verify(digests=load_digests(tmp_path)).ok
    with override_settings(JISHI_CHAIN_KEY="another-key"):
        assert any("签名不符" in p for p in digest_problems(tmp_path))
    assert any("没有配置密钥" in p for p in digest_problems(tmp_path))


def test_an_edited_digest_file_fails_its_signature(history: dict[str, Any], tmp_path: Path) -> None:
    with override_settings(JISHI_CHAIN_KEY=KEY):
        export(tmp_path)
        path = next(tmp_path.glob("*.json"))
        document = json.loads(path.read_text())
        shard = next(iter(document["chains"]))
        document["chains"][shard]["seq"] -= 1
        path.write_text(json.dumps(document))
        assert any("签名不符" in p for p in digest_problems(tmp_path))


def test_verify_command_passes_on_a_clean_history(history: dict[str, Any], tmp_path: Path) -> None:
    out = StringIO()
    call_command("digest", "--out", str(tmp_path), stdout=out)
    assert "条链" in out.getvalue()
    out = StringIO()
    call_command("verify", "--digests", str(tmp_path), stdout=out)
    assert "完整性校验通过" in out.getvalue()
    run = Verification.objects.get()
    assert (run.problems, run.digests_checked) == (0, 1)


def test_verify_command_fails_and_names_each_row(history: dict[str, Any]) -> None:
    record = history["first"]
    RecordVersion.objects.filter(record=record).update(changed_at=timezone.now())
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify", stdout=out)
    assert failure.value.returncode == 1
    assert f"[改动] 记实 #{record.pk} 记实版本" in out.getvalue()
    assert Verification.objects.get().problems == 2  # the version, and the record whose first version it was


def test_verify_command_refuses_a_missing_or_empty_digest_directory(org: Org, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="摘要目录不存在") as failure:
        call_command("verify", "--digests", str(tmp_path / "nowhere"), stdout=StringIO())
    assert failure.value.returncode == 2
    with pytest.raises(CommandError, match="没有摘要文件"):
        call_command("verify", "--digests", str(tmp_path), stdout=StringIO())


def test_a_file_that_is_not_a_digest(history: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "jishi-digest-2026-01-01.json").write_text('{"hello": 1}')
    assert any("不是记实的摘要文件" in p for p in digest_problems(tmp_path))
    (tmp_path / "jishi-digest-2026-01-01.json").write_text("not json")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("verify", "--digests", str(tmp_path), stdout=StringIO())


def test_digest_command_refuses_bad_dates(org: Org) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("digest", "--date", "2026-13-01", stdout=StringIO())
    with pytest.raises(CommandError, match="未来"):
        call_command("digest", "--date", "2999-01-01", stdout=StringIO())


def test_the_integrity_page_is_for_inspectors_and_administrators(history: dict[str, Any], tmp_path: Path) -> None:
    from django.test import Client

    call_command("digest", "--out", str(tmp_path), stdout=StringIO())
    call_command("verify", stdout=StringIO())
    client = Client()
    for person in (history["first"].author, history["locked"].author):
        client.force_login(person)
        assert client.get("/integrity/").status_code == 404
        assert client.get("/api/v1/integrity/status").status_code == 404
    client.force_login(_inspector())
    page = client.get("/integrity/").content.decode()
    assert "校验" in page and "通过" in page and str(timezone.localdate().year) in page
    status = client.get("/api/v1/integrity/status").json()
    assert status["last_verification"]["problems"] == 0 and status["digest_dates"] == [str(timezone.localdate())]
    assert status["entries"] == ChainEntry.objects.count()


def _inspector() -> Any:
    from jishi.org.models import Person

    return Person.objects.get(username="inspector")


def test_a_digest_that_cannot_be_written_is_a_clear_error_and_stores_nothing(org: Org, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(CommandError, match="无法写入摘要文件"):
        call_command("digest", "--out", str(blocker / "digests"), stdout=StringIO())
    assert not Digest.objects.exists()


def test_a_digest_file_that_is_not_an_object_is_reported(org: Org, tmp_path: Path) -> None:
    write_record(org.author)
    (tmp_path / f"jishi-digest-{timezone.localdate().isoformat()}.json").write_text("[]", encoding="utf-8")
    report = verify(digests=load_digests(tmp_path))
    assert not report.ok and any(p.kind == DIGEST and "不是记实的摘要文件" in p.detail for p in report.problems)
