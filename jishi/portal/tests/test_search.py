"""Public search: the staff search's index and query rules, over live publications only, matching only the text the
public can read — never a non-public record, an unpublished field, or a part the redaction removed."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from jishi.portal import cache, selectors
from jishi.portal.tests.pages_support import public_record, publish
from jishi.records.models import Visibility, WorkRecord
from jishi.search.terms import QueryError, parse_query
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def found(text: str) -> list[int]:
    return [hit.publication["record_id"] for hit in selectors.search(text).hits]


@pytest.fixture
def records(org: Org) -> dict[str, WorkRecord]:
    """Records carrying distinctive words in every place a word could hide."""
    published = public_record(
        org.author,
        content="走访陆家村独居老人王秀英，了解冬季取暖困难，电话13912345678",
        place="陆家村七组",
        result="协调送去电暖器两台",
        reflection="独居老人关爱机制仍需完善",
        date=TODAY - datetime.timedelta(days=3),
    )
    publish(
        published,
        content="走访陆家村独居老人【姓名】，了解冬季取暖困难，电话【电话】",
        result="协调送去电暖器两台",
        redactions={"name": 1, "phone": 1},
    )
    internal = write_record(
        org.colleague,
        content="研究取暖补贴发放名单，核对困难家庭信息",
        visibility=Visibility.INTERNAL,
        date=TODAY - datetime.timedelta(days=3),
    )
    public_not_published = public_record(org.sibling, content="研究取暖设备采购预算，比较三家报价")
    sensitive = public_record(org.section_head, content="处理取暖补贴信访件，约谈相关责任人", is_sensitive=True)
    publish(sensitive)  # published before it was marked sensitive: live() must drop it anyway
    return {
        "published": published,
        "internal": internal,
        "public_not_published": public_not_published,
        "sensitive": sensitive,
    }


def test_finds_published_text(records: dict[str, WorkRecord]) -> None:
    assert found("冬季取暖") == [records["published"].pk]
    assert found("电暖器") == [records["published"].pk]  # the result is published
    assert found("陆家村 电暖器") == [records["published"].pk]  # words AND
    assert found("取") == [records["published"].pk]  # one character: a prefix, as inside


def test_never_matches_a_record_that_is_not_public(records: dict[str, WorkRecord]) -> None:
    # 取暖 is in all four records; only the published one is found.
    assert found("取暖") == [records["published"].pk]
    assert found("困难家庭") == []  # internal
    assert found("三家报价") == []  # public but not published
    assert found("信访件") == []  # sensitive


def test_never_matches_a_redacted_part(records: dict[str, WorkRecord]) -> None:
    assert found("王秀英") == []
    assert found("13912345678") == []
    assert found("王秀英 冬季取暖") == []  # AND: one word only in the original is enough to miss


def test_never_matches_an_unpublished_field(records: dict[str, WorkRecord]) -> None:
    assert found("七组") == []  # place
    assert found("关爱机制") == []  # reflection


def test_placeholders_are_not_matched(records: dict[str, WorkRecord], org: Org) -> None:
    # The original says 姓名 nowhere but 电话 once; the placeholder words never count.
    assert found("姓名") == []
    other = public_record(org.colleague, content="登记来访群众张建国姓名和诉求，约定三日内答复")
    publish(other, content="登记来访群众【姓名】姓名和诉求，约定三日内答复", redactions={"name": 1})
    assert found("姓名") == [other.pk]  # written in the record itself, outside the placeholder


def test_a_record_restricted_later_is_not_found(records: dict[str, WorkRecord]) -> None:
    WorkRecord.objects.filter(pk=records["published"].pk).update(visibility=Visibility.UNIT)
    assert found("冬季取暖") == []


def test_snippets_come_from_the_published_text(records: dict[str, WorkRecord]) -> None:
    hit = selectors.search("冬季取暖").hits[0]
    shown = "".join(text for s in hit.snippets for text, _ in s.pieces)
    assert "冬季取暖" in shown and "王秀英" not in shown and "13912345678" not in shown
    assert any(matched for s in hit.snippets for _, matched in s.pieces)


def test_verification_follows_the_index_rules() -> None:
    query = parse_query("abc 取暖")
    assert selectors.public_text_matches("ABC 冬季取暖", query)
    assert not selectors.public_text_matches("abcd 冬季取暖", query)  # ASCII words whole, as the index
    assert not selectors.public_text_matches("取，暖 abc", query)  # a phrase does not cross punctuation
    shown = selectors.public_text("联系【电话】", "【姓名】同意")
    assert "电话" not in shown and "姓名" not in shown and "联系" in shown


def test_common_words_walk_and_still_verify(
    records: dict[str, WorkRecord], org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "WALK_SHARE", 0.0)  # take the newest-first walk (EXISTS per record)
    assert found("取暖") == [records["published"].pk]
    assert found("王秀英") == []
    assert found("七组") == []


def test_rare_words_join_the_index_and_still_verify(
    records: dict[str, WorkRecord], org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "WALK_SHARE", 2.0)  # never walk: join the index's matches
    assert found("取暖") == [records["published"].pk]
    assert found("王秀英") == []
    assert found("七组") == []
    assert found("困难家庭") == []


def test_the_walk_is_chosen_by_the_words_share_of_the_publications(org: Org) -> None:
    """村一 was in 6 % of the latest records but few public ones: walking the publications for it took 0.4 s. The share
    that decides is the publications'."""
    for n in range(3):
        publish(public_record(org.author, content=f"走访村一组困难家庭第{n}户，了解取暖情况"))
        publish(public_record(org.author, content=f"召开第{n}次预算编制会议，布置重点支出"))
    for n in range(6):  # many more records with the words, none of them public
        write_record(
            org.colleague,
            content=f"走访村一组困难家庭第{n}户，核对低保材料",
            visibility=Visibility.INTERNAL,
            start_time=None,
            end_time=None,
            duration_minutes=30,
        )
    assert selectors.public_share(parse_query("村一")) == pytest.approx(0.5)
    assert selectors.public_share(parse_query("预算")) == pytest.approx(0.5)
    assert selectors.public_share(parse_query("消防")) == 0.0


def test_pages_of_results(org: Org) -> None:
    made: list[tuple[datetime.date, int]] = []
    for n in range(25):
        record = public_record(
            org.author,
            content=f"开展第{n}轮消防安全检查，排查隐患两处",
            date=TODAY - datetime.timedelta(days=n % 6),
        )
        publish(record)
        made.append((record.date, record.pk))
    ids = [pk for _, pk in sorted(made, reverse=True)]  # newest first: by date, then by id
    first = selectors.search("消防安全")
    assert [h.publication["record_id"] for h in first.hits] == ids[:20]
    assert first.next_after
    second = selectors.search("消防安全", after=first.next_after)
    assert [h.publication["record_id"] for h in second.hits] == ids[20:]
    assert second.next_after is None


def test_bad_queries_raise_in_chinese() -> None:
    for bad in ("", "   ", "！！", "字" * 101):
        with pytest.raises(QueryError):
            selectors.search(bad)


def test_search_page(client: Client, records: dict[str, WorkRecord]) -> None:
    page = client.get("/public/search", {"q": "取暖"}).content.decode()
    assert f"/public/records/{records['published'].pk}/" in page
    assert "<mark>取暖</mark>" in page
    assert "困难家庭" not in page and "三家报价" not in page and "信访件" not in page
    none = client.get("/public/search", {"q": "王秀英"}).content.decode()
    assert "没有找到包含这些词的公开工作" in none and "王秀英" in none  # echoed in the box only
    assert none.count("王秀英") == 1


def test_cached_search_forgets_a_withdrawn_record(client: Client, records: dict[str, WorkRecord]) -> None:
    url = "/public/search?q=取暖"
    assert f"/public/records/{records['published'].pk}/" in client.get(url).content.decode()
    WorkRecord.objects.filter(pk=records["published"].pk).update(withdrawn_at=timezone.now())
    cache.bump()
    assert f"/public/records/{records['published'].pk}/" not in client.get(url).content.decode()
