"""Open data: `jishi portal dump` writes the live publications as CSV and Parquet with a data dictionary, served under
/public/data/; nothing that is not live, nothing unredacted."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from jishi.portal import dumps
from jishi.portal.tests.pages_support import public_record, publish
from jishi.records.models import Visibility, WorkRecord
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def dump_dir(tmp_path: Path, settings: Any) -> Path:
    settings.JISHI_PORTAL_DUMP_DIR = str(tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def world(org: Org) -> dict[str, WorkRecord]:
    shown = public_record(org.author, content="为企业办理退税，联系人手机13712345678已回访", result="退税款已到账")
    publish(shown, content="为企业办理退税，联系人手机【电话】已回访", result="退税款已到账", redactions={"phone": 1})
    leader = public_record(org.unit_head, content="听取各科室年度预算执行情况汇报，部署下阶段工作")
    publish(leader, is_leader=True, post_title="局长")
    withdrawn = public_record(org.colleague, content="起草政府采购管理办法修订稿，征求各科室意见")
    publish(withdrawn)
    WorkRecord.objects.filter(pk=withdrawn.pk).update(visibility=Visibility.INTERNAL)
    internal = write_record(
        org.sibling, content="核对国库支付清算数据，发现两笔差异已更正", visibility=Visibility.INTERNAL
    )
    return {"shown": shown, "leader": leader, "withdrawn": withdrawn, "internal": internal}


def test_dump_writes_csv_parquet_and_dictionary(dump_dir: Path, world: dict[str, WorkRecord]) -> None:
    out = io.StringIO()
    call_command("portal", "dump", stdout=out)
    assert "已写出 2 条公开记实" in out.getvalue()
    with (dump_dir / dumps.CSV_NAME).open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["record_id"]) for r in rows] == sorted([world["shown"].pk, world["leader"].pk])
    shown = next(r for r in rows if int(r["record_id"]) == world["shown"].pk)
    assert shown["content"] == "为企业办理退税，联系人手机【电话】已回访"
    assert shown["department"] == "区财政局" and shown["unit"] == "预算科" and shown["post_title"] == "科员"
    assert shown["url"] == f"/public/records/{world['shown'].pk}/"
    assert shown["published_at"].endswith("Z")
    raw = (dump_dir / dumps.CSV_NAME).read_text(encoding="utf-8-sig")
    assert "13712345678" not in raw and "政府采购管理办法" not in raw and "国库支付清算" not in raw
    table = pq.read_table(dump_dir / dumps.PARQUET_NAME)
    assert table.num_rows == 2
    assert table.column_names == [f.name for f in dumps.FIELDS]
    assert sorted(table.column("record_id").to_pylist()) == sorted([world["shown"].pk, world["leader"].pk])
    assert table.schema.field("is_leader").type == "bool"
    with (dump_dir / dumps.DICTIONARY_NAME).open(encoding="utf-8-sig") as handle:
        dictionary = list(csv.DictReader(handle))
    assert [d["field"] for d in dictionary] == [f.name for f in dumps.FIELDS]
    assert all(d["meaning"] for d in dictionary)
    manifest = json.loads((dump_dir / dumps.MANIFEST_NAME).read_text())
    assert manifest["records"] == 2 and set(manifest["files"]) == set(dumps.FILES)


def test_dump_to_a_chosen_directory(tmp_path: Path, world: dict[str, WorkRecord]) -> None:
    call_command("portal", "dump", "--out", str(tmp_path / "elsewhere"), stdout=io.StringIO())
    assert (tmp_path / "elsewhere" / dumps.PARQUET_NAME).is_file()


def test_dump_refuses_a_file_as_directory(tmp_path: Path, world: dict[str, WorkRecord]) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    with pytest.raises(CommandError, match="应为目录"):
        call_command("portal", "dump", "--out", str(target), stdout=io.StringIO())


def test_empty_dump(dump_dir: Path, org: Org) -> None:
    call_command("portal", "dump", stdout=io.StringIO())
    assert pq.read_table(dump_dir / dumps.PARQUET_NAME).num_rows == 0
    assert (dump_dir / dumps.CSV_NAME).read_text(encoding="utf-8-sig").startswith("record_id,")


def test_data_page_and_downloads(client: Client, dump_dir: Path, world: dict[str, WorkRecord]) -> None:
    before = client.get("/public/data/")
    assert before.status_code == 200 and "开放数据尚未生成" in before.content.decode()
    assert "content" in before.content.decode()  # the dictionary is on the page anyway
    assert client.get("/public/data/publications.csv").status_code == 404
    call_command("portal", "dump", stdout=io.StringIO())  # a new dump makes the cached page stale
    page = client.get("/public/data/").content.decode()
    assert "/public/data/publications.csv" in page and "/public/data/publications.parquet" in page
    download = client.get("/public/data/publications.csv")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    body = b"".join(download.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "为企业办理退税" in body
    again = client.get("/public/data/publications.csv", headers={"If-None-Match": download["ETag"]})
    assert again.status_code == 304
    for name in ("../settings.py", "manifest.jsonx", "publications.CSV", "%2e%2e"):
        assert client.get(f"/public/data/{name}").status_code == 404


def test_a_record_held_back_after_the_dump_is_not_downloadable_from_it(
    client: Client, dump_dir: Path, world: dict[str, WorkRecord], org: Org
) -> None:
    from jishi.portal.publication import hold

    dumps.write_dump()
    hold(actor=org.unit_head, record=world["shown"], reason="漏脱敏，暂缓公开")
    for name in (dumps.CSV_NAME, dumps.PARQUET_NAME):
        response = client.get(f"/public/data/{name}")
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert "为企业办理退税".encode() not in body
        assert "听取各科室年度预算执行情况汇报".encode() in body or name == dumps.PARQUET_NAME
    assert not dumps.is_stale()
    rows = pq.read_table(dump_dir / dumps.PARQUET_NAME).column("record_id").to_pylist()
    assert rows == [world["leader"].pk]


@pytest.mark.parametrize("odd", ["²", "١٢", "１２"])
def test_odd_digits_in_ids_and_pages_are_refused_not_a_500(
    client: Client, world: dict[str, WorkRecord], odd: str
) -> None:
    for url in (f"/public/?unit={odd}", f"/public/?leader={odd}", f"/public/?page={odd}", f"/public/stats/?unit={odd}"):
        assert client.get(url).status_code < 500, url
