"""RSS and Atom per unit and per leader: the live publications only, redacted, linked to their public pages."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from jishi.portal import cache
from jishi.portal.tests.pages_support import public_record, publish
from jishi.records.models import Visibility, WorkRecord
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(org: Org) -> dict[str, WorkRecord]:
    clerk = public_record(org.author, content="受理低保申请，申请人李四身份证号码已核验，材料齐全")
    publish(clerk, content="受理低保申请，申请人【姓名】身份证号码已核验，材料齐全", redactions={"name": 1})
    leader = public_record(
        org.unit_head,
        content="主持召开局务会，研究部署年终决算工作",
        date=timezone.localdate() - datetime.timedelta(days=1),
    )
    publish(leader, is_leader=True, post_title="局长")
    internal = write_record(
        org.colleague, content="内部研究绩效考核方案，形成征求意见稿", visibility=Visibility.INTERNAL
    )
    return {"clerk": clerk, "leader": leader, "internal": internal}


def test_unit_rss(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    response = client.get(f"/public/units/{org.finance.pk}/feed.rss")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    assert "区财政局" in (channel.findtext("title") or "")
    items = channel.findall("item")
    assert [i.findtext("link") for i in items] == [
        f"http://testserver/public/records/{world['clerk'].pk}/",
        f"http://testserver/public/records/{world['leader'].pk}/",
    ]
    body = response.content.decode()
    assert "李四" not in body and "【姓名】" in body
    assert "绩效考核方案" not in body
    assert "张伟（科员）" in items[0].findtext("title", "")


def test_section_feed_holds_only_its_subtree(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    body = client.get(f"/public/units/{org.budget.pk}/feed.atom").content.decode()
    assert "受理低保申请" in body and "年终决算" not in body


def test_leader_atom(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    response = client.get(f"/public/leaders/{org.unit_head.pk}/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert "年终决算" in (entries[0].findtext(f"{ATOM}title") or "")
    assert client.get(f"/public/leaders/{org.unit_head.pk}/feed.rss").status_code == 200


def test_unknown_or_not_a_leader_is_404(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    assert client.get("/public/units/99999999/feed.rss").status_code == 404
    assert client.get(f"/public/units/{2**63}/feed.atom").status_code == 404
    assert client.get(f"/public/leaders/{org.author.pk}/feed.rss").status_code == 404  # not a leader
    assert client.get("/public/leaders/99999999/feed.atom").status_code == 404


def test_a_withdrawn_record_leaves_the_cached_feed(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    url = f"/public/units/{org.finance.pk}/feed.rss"
    first = client.get(url)
    assert "受理低保申请" in first.content.decode()
    WorkRecord.objects.filter(pk=world["clerk"].pk).update(withdrawn_at=timezone.now())
    cache.bump()
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200  # changed: not a 304
    assert "受理低保申请" not in again.content.decode()
