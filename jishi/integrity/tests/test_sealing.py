"""Sealing does not launder: a row forged by SQL stays unsealed through `jishi chain build`, and `jishi verify` names
it — also when the forger registers a bulk load by hand, or seals the row afterwards by other means."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from jishi.integrity import services
from jishi.integrity.models import BulkLoad, ChainEntry
from jishi.integrity.services import digest_export, link, link_rows, load_register
from jishi.integrity.verification import CHAIN, CHANGED, INSERTED, LATE, verify
from jishi.records.models import RecordVersion, WorkRecord
from jishi.testing import Org, write_record


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def forge_copy(record: WorkRecord, *, days_earlier: int = 0) -> tuple[int, int]:
    """Insert a copy of `record` and of its first version by plain SQL (new ids), as a forger would."""
    quote = connection.ops.quote_name
    columns = [f.column for f in WorkRecord._meta.concrete_fields if f.column != "id"]
    names = ", ".join(quote(c) for c in columns)
    sql(
        f"INSERT INTO {quote(WorkRecord._meta.db_table)} ({names}) SELECT {names} "
        f"FROM {quote(WorkRecord._meta.db_table)} WHERE id = %s",
        [record.pk],
    )
    forged = WorkRecord.objects.exclude(pk=record.pk).order_by("-pk").values_list("pk", flat=True).first()
    version = RecordVersion.objects.get(record=record, number=1)
    changed_at = version.changed_at - datetime.timedelta(days=days_earlier)
    sql(
        f"INSERT INTO {quote(RecordVersion._meta.db_table)} (record_id, number, data, changed_by_id, changed_at) "
        f"SELECT %s, number, data, changed_by_id, %s FROM {quote(RecordVersion._meta.db_table)} WHERE id = %s",
        [forged, changed_at, version.pk],
    )
    forged_version = RecordVersion.objects.get(record_id=forged).pk
    return forged, forged_version  # type: ignore[return-value]


def run(command: str, *args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(command, *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def test_chain_build_does_not_seal_a_forged_copy_and_verify_names_it(org: Org, tmp_path: Path) -> None:
    """The attack of issue 13: copy a record and its version by SQL, run `jishi chain build`, then
    `jishi verify --digests`. It used to pass; now the build seals nothing and verify fails, naming the row."""
    record = write_record(org.author)
    digest_export(day=timezone.localdate(), out_dir=tmp_path)  # digests kept outside, as the README asks
    forged, forged_version = forge_copy(record)

    code, out = run("chain", "build")
    assert code == 1
    assert "没有需要入链的已登记批量写入：未入链任何行" in out
    assert f"[可疑] 记实版本 1 行未入链，且不属于任何登记的批量写入：#{forged_version}" in out
    assert not ChainEntry.objects.filter(kind="version", object_id=forged_version).exists()

    code, out = run("verify", "--digests", str(tmp_path))
    assert code == 1
    assert f"[插入] 记实 #{forged} 记实版本 #{forged_version}" in out
    assert "完整性校验失败" in out


def test_a_load_registered_by_sql_is_not_trusted(org: Org, tmp_path: Path) -> None:
    """The forger also writes the registration a bulk load would have made: it is not in the chain, so the build
    refuses it, and verify reports both the registration and the row."""
    record = write_record(org.author)
    _, forged_version = forge_copy(record)
    rows = json.dumps({"version": {"runs": [[forged_version, forged_version]], "count": 1}})
    sql(
        f"INSERT INTO {BulkLoad._meta.db_table} (source, registered_by_id, registered_at, rows, signature) "
        "VALUES (%s, %s, %s, %s, %s)",
        ["records.import", org.admin.pk, timezone.now(), rows, ""],
    )
    fake = BulkLoad.objects.get()

    code, out = run("chain", "build")
    assert code == 1
    assert f"[不予入链] 批量写入登记 #{fake.pk}（records.import）：登记不在链中" in out
    assert not ChainEntry.objects.filter(kind="version", object_id=forged_version).exists()

    report = verify()
    assert {(p.what, p.kind, p.object_id) for p in report.problems} >= {
        (INSERTED, "load", fake.pk),
        (INSERTED, "version", forged_version),
    }


def test_a_row_sealed_afterwards_by_other_means_is_reported_as_sealed_late(org: Org) -> None:
    """Suppose the forged row gets sealed anyway (the bulk sealing called on it directly, say): verify compares
    when the row says it was written with when it entered the chain, and no registered load explains the gap."""
    record = write_record(org.author)
    forged, forged_version = forge_copy(record, days_earlier=3)
    report = services.LinkReport()
    services._link_all(pending={"version": [(forged_version, forged_version)]}, batch=100, pool=None, report=report)
    assert report.linked["version"] == 1

    problems = [p for p in verify().problems if p.what == LATE]
    assert [(p.kind, p.object_id, p.record_id) for p in problems] == [("version", forged_version, forged)]
    assert "不属于任何登记的批量写入" in problems[0].line()


def test_an_entry_appended_with_an_earlier_time_is_reported(org: Org) -> None:
    """A forger who appends an entry by hand can give it any time — but not one earlier than the entries before it
    on that chain (and those are pinned by the digests)."""
    first = write_record(org.author)
    write_record(org.author, start_time=datetime.time(14, 0), end_time=datetime.time(15, 0))
    _, forged_version = forge_copy(first, days_earlier=3)
    claimed = RecordVersion.objects.get(pk=forged_version).changed_at
    with mock.patch.object(services.timezone, "now", return_value=claimed):
        link(actor_id=org.author.pk, instances=[RecordVersion.objects.get(pk=forged_version)])
    problems = [p for p in verify().problems if p.what == CHAIN]
    assert [(p.kind, p.object_id) for p in problems] == [("version", forged_version)]
    assert "倒填" in problems[0].detail


@override_settings(JISHI_CHAIN_KEY="the-key-kept-in-settings")
def test_with_a_key_only_a_signed_registration_is_sealed(org: Org) -> None:
    record = write_record(org.author)
    _, forged_version = forge_copy(record)
    # A registration sealed into the chain but made without the key (by hand, or by code run without the settings).
    unsigned = BulkLoad.objects.create(
        source="records.import",
        registered_at=timezone.now(),
        rows={"version": {"runs": [[forged_version, forged_version]], "count": 1}},
    )
    link(actor_id=None, instances=[unsigned])
    report = link_rows()
    assert report.total == 0 and [(load, "没有签名" in why) for load, why in report.refused] == [(unsigned, True)]

    # A registration made by Jishi with the key is signed; changing what it names breaks the signature.
    signed = load_register(actor=org.admin, source="test", runs={"version": [(forged_version, forged_version)]})
    assert signed.signature
    BulkLoad.objects.filter(pk=signed.pk).update(rows={"version": {"runs": [[1, 10**6]], "count": 1}})
    assert any(p.what == CHANGED and p.kind == "load" for p in verify().problems)


def test_a_registered_load_is_refused_when_rows_were_added_in_its_runs(org: Org) -> None:
    record = write_record(org.author)
    _, forged_version = forge_copy(record)
    load = load_register(actor=org.admin, source="test", runs={"version": [(forged_version, forged_version + 1)]})
    assert load.count("version") == 1
    _, another = forge_copy(record)  # takes the next id, inside the registered run
    assert another == forged_version + 1
    report = link_rows()
    assert report.total == 0
    [(refused, why)] = report.refused
    assert refused == load and "登记 1 行，未入链 2 行" in why


@pytest.mark.parametrize("reseal_twice", [False, True])
def test_reseal_is_only_for_an_empty_chain(org: Org, reseal_twice: bool) -> None:
    from django.core.exceptions import ValidationError

    write_record(org.author)
    if reseal_twice:
        with pytest.raises(ValidationError, match="链不为空"):
            services.chain_reseal()
        return
    from jishi.integrity.models import ChainHead

    ChainEntry.objects.all().delete()
    ChainHead.objects.all().delete()
    report = services.chain_reseal()
    assert report.linked["version"] == RecordVersion.objects.count() == 1
    assert [load.source for load in report.loads] == ["chain.reseal"]
    assert verify().ok  # every row is inside the re-seal's registered runs


def test_an_upgrade_adopts_what_was_sealed_before_and_nothing_unsealed(org: Org) -> None:
    """Before registrations, imports and demo builds sealed their rows afterwards: the upgrade (migration 0003)
    vouches for the rows sealed so far — and for nothing that was not sealed, which chain build still refuses."""
    record = write_record(org.author)
    _, old_import = forge_copy(record, days_earlier=30)  # stands for an import sealed by the old link_rows
    report = services.LinkReport()
    services._link_all(pending={"version": [(old_import, old_import)]}, batch=100, pool=None, report=report)
    _, unsealed = forge_copy(record, days_earlier=30)
    assert {(p.what, p.object_id) for p in verify().problems if p.kind == "version"} == {
        (LATE, old_import),
        (INSERTED, unsealed),
    }

    load = services.adopt_sealed_rows()
    assert load is not None and load.adopted("version") and load.source == "upgrade"
    assert {(p.what, p.object_id) for p in verify().problems if p.kind == "version"} == {(INSERTED, unsealed)}
    assert link_rows().total == 0
    # A row sealed late after the upgrade is not covered by it.
    services._link_all(pending={"version": [(unsealed, unsealed)]}, batch=100, pool=None, report=report)
    assert {(p.what, p.object_id) for p in verify().problems if p.kind == "version"} == {(LATE, unsealed)}


@override_settings(JISHI_CHAIN_KEY="the-key-kept-in-settings")
def test_with_a_key_an_unsigned_registration_vouches_only_behind_a_digest(org: Org, tmp_path: Path) -> None:
    """Someone without the key computes a chain entry for a registration by hand and seals their row behind it: the
    registration is in the chain, but unsigned, and no digest says it existed before — verify does not accept it.
    A registration made before the key was set, and pinned by a signed digest since, still vouches for its rows."""
    record = write_record(org.author)
    _, forged_version = forge_copy(record, days_earlier=3)
    unsigned = BulkLoad.objects.create(
        source="records.import",
        registered_at=timezone.now(),
        rows={"version": {"runs": [[forged_version, forged_version]], "count": 1}},
    )
    link(actor_id=None, instances=[unsigned])  # stands for the entry computed by hand
    report = services.LinkReport()
    services._link_all(pending={"version": [(forged_version, forged_version)]}, batch=100, pool=None, report=report)

    [late] = [p for p in verify().problems if p.what == LATE]
    assert late.object_id == forged_version and f"批量写入登记 #{unsigned.pk} 没有签名" in late.detail

    # Had it been a real registration from before the key, a signed digest exported since would prove it.
    digest_export(day=timezone.localdate(), out_dir=tmp_path)
    from jishi.integrity.verification import load_digests

    assert not [p for p in verify(digests=load_digests(tmp_path)).problems if p.what == LATE]
