import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jishi.accounts.services import token_create
from jishi.feeds.models import Follow
from jishi.feeds.selectors import Feed, feed_page
from jishi.feeds.services import follow, unfollow
from jishi.records.models import Visibility
from jishi.records.selectors import RecordFilters
from jishi.records.services import record_create
from jishi.testing import Org, record_input, write_record

pytestmark = pytest.mark.django_db


def _contents(user, feed, **kwargs) -> set[str]:
    page = feed_page(user=user, feed=feed, filters=RecordFilters(**kwargs))
    return {r.content for r in page.items}


def _hour(h: int) -> dict:
    return {"start_time": datetime.time(h, 0), "end_time": datetime.time(h, 30)}


@pytest.fixture
def world(org: Org) -> dict[str, str]:
    """One record from each corner of the tree, by name."""
    texts = {
        "colleague": "预算科同事整理年度预算编制材料并报送",
        "sibling": "国库科同事核对国库集中支付台账数据",
        "head": "财政局局长主持召开局务会研究预算执行",
        "district": "副区长调研财政预算执行和重点项目进展",
        "secretary": "区委书记主持召开区委常委会研究全区工作",
        "unrelated": "民政局救助科走访困难家庭核实救助申请",
        "civil_head": "民政局局长部署养老服务设施建设推进工作",
    }
    write_record(org.colleague, content=texts["colleague"], **_hour(8))
    write_record(org.sibling, content=texts["sibling"], **_hour(9))
    write_record(org.unit_head, content=texts["head"], **_hour(10))
    write_record(org.district_deputy, content=texts["district"], **_hour(11))
    write_record(org.secretary, content=texts["secretary"], **_hour(13))
    write_record(org.unrelated, content=texts["unrelated"], **_hour(14))
    write_record(org.civil_head, content=texts["civil_head"], **_hour(15))
    return texts


def test_unit_feed_is_own_department_and_superiors(org: Org, world: dict[str, str]) -> None:
    seen = _contents(org.author, Feed.UNIT)
    # 本单位: both sections of 财政局, its head; superiors above: the deputy in charge and the secretary.
    assert {world["colleague"], world["sibling"], world["head"], world["district"], world["secretary"]} <= seen
    assert world["unrelated"] not in seen and world["civil_head"] not in seen


def test_unit_feed_of_a_leader_shows_the_units_in_their_charge(org: Org, world: dict[str, str]) -> None:
    seen = _contents(org.district_deputy, Feed.UNIT)
    assert world["colleague"] in seen and world["head"] in seen
    assert world["unrelated"] not in seen  # 民政局 is in another deputy's charge


def test_cross_feed_is_other_departments_and_can_be_narrowed(org: Org, world: dict[str, str]) -> None:
    seen = _contents(org.author, Feed.CROSS)
    assert world["unrelated"] in seen and world["civil_head"] in seen
    assert world["colleague"] not in seen
    narrowed = feed_page(user=org.author, feed=Feed.CROSS, filters=RecordFilters(), units=[org.town.pk])
    assert narrowed.items == []


def test_leaders_feed_is_jurisdiction_and_department_leaders(org: Org, world: dict[str, str]) -> None:
    write_record(org.section_head, content="预算科科长审核科室本周预算调整材料", **_hour(16))
    seen = _contents(org.unrelated, Feed.LEADERS)
    assert "预算科科长审核科室本周预算调整材料" not in seen  # a section chief is not a leader here
    assert {world["head"], world["district"], world["secretary"], world["civil_head"]} <= seen
    assert world["colleague"] not in seen and world["sibling"] not in seen


def test_following_feed(org: Org, world: dict[str, str]) -> None:
    assert _contents(org.author, Feed.FOLLOWING) == set()
    follow(follower=org.author, person_id=org.unrelated.pk)
    follow(follower=org.author, unit_id=org.finance.pk)  # the unit with its sections
    follow(follower=org.author, person_id=org.unrelated.pk)  # twice is once
    assert Follow.objects.filter(follower=org.author).count() == 2
    seen = _contents(org.author, Feed.FOLLOWING)
    assert {world["unrelated"], world["colleague"], world["sibling"], world["head"]} <= seen
    assert world["civil_head"] not in seen
    unfollow(follower=org.author, person_id=org.unrelated.pk)
    assert world["unrelated"] not in _contents(org.author, Feed.FOLLOWING)


def test_feeds_never_widen_visibility(org: Org) -> None:
    write_record(org.colleague, content="只给上级看的预算调整请示材料起草", visibility=Visibility.SUPERIORS, **_hour(8))
    follow(follower=org.unrelated, person_id=org.colleague.pk)
    for feed in Feed.values:
        assert "只给上级看的预算调整请示材料起草" not in _contents(org.unrelated, feed)
        assert "只给上级看的预算调整请示材料起草" not in _contents(org.author, feed)  # same section, not a superior
    assert "只给上级看的预算调整请示材料起草" in _contents(org.section_head, Feed.UNIT)


def test_sensitive_content_stays_hidden_in_feeds(org: Org) -> None:
    write_record(org.colleague, content="涉及人事调整的谈话准备材料整理", is_sensitive=True, **_hour(8))
    page = feed_page(user=org.unrelated, feed=Feed.CROSS, filters=RecordFilters())
    record = next(r for r in page.items if r.author_id == org.colleague.pk)
    assert record.content_visible is False


def test_feed_filters_by_category_and_date(org: Org, world: dict[str, str]) -> None:
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    assert _contents(org.author, Feed.UNIT, date_to=yesterday) == set()


def test_follow_bad_input(org: Org) -> None:
    with pytest.raises(ValidationError):
        follow(follower=org.author, person_id=org.author.pk)
    with pytest.raises(ValidationError):
        follow(follower=org.author)
    with pytest.raises(ValidationError):
        follow(follower=org.author, person_id=999999)
    with pytest.raises(ValidationError):
        follow(follower=org.author, unit_id=999999)
    with pytest.raises(ValidationError):
        unfollow(follower=org.author)
    assert not Follow.objects.exists()


def test_feed_pages(client, org: Org, world: dict[str, str], django_assert_max_num_queries) -> None:
    client.force_login(org.author)
    client.get(reverse("feeds:feed"))  # the worker now holds the reader's organisation (jishi.core.cache)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("feeds:feed"))
    assert response.status_code == 200
    assert world["colleague"] in response.content.decode()
    for feed in Feed.values:
        assert client.get(reverse("feeds:feed_named", args=[feed])).status_code == 200
    cross = client.get(reverse("feeds:feed_named", args=["cross"])).content.decode()
    assert f">{org.civil.name}</option>" in cross and f">{org.budget.name}</option>" not in cross  # not sections
    assert client.get(reverse("feeds:feed_named", args=["nope"])).status_code == 404
    client.logout()
    assert client.get(reverse("feeds:feed")).status_code == 302


def test_follow_button_on_person_page(client, org: Org) -> None:
    client.force_login(org.author)
    page = client.get(reverse("records:person", args=[org.unrelated.pk])).content.decode()
    assert "关注" in page
    response = client.post(
        reverse("feeds:follow"), {"person": org.unrelated.pk, "action": "follow"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "已关注" in response.content.decode()
    assert Follow.objects.filter(follower=org.author, person=org.unrelated).exists()
    response = client.post(
        reverse("feeds:follow"), {"person": org.author.pk, "action": "follow"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and "不能关注自己" in response.content.decode()


def test_feed_api(client, org: Org, world: dict[str, str]) -> None:
    _, secret = token_create(person=org.author, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = client.get("/api/v1/feeds/leaders", **auth).json()
    assert world["secretary"] in {i["content"] for i in body["items"]}
    assert client.get("/api/v1/feeds/bogus", **auth).status_code == 422
    assert (
        client.post("/api/v1/follows", {"unit_id": org.civil.pk}, content_type="application/json", **auth).status_code
        == 201
    )
    assert client.get("/api/v1/follows", **auth).json()[0]["unit_name"] == org.civil.name
    bad = client.post("/api/v1/follows", {}, content_type="application/json", **auth)
    assert bad.status_code == 400 and bad.json()["errors"]
    assert client.delete(f"/api/v1/follows?unit_id={org.civil.pk}", **auth).status_code == 204
    assert client.get("/api/v1/follows", **auth).json() == []


def test_branches_page_through_in_date_order(org: Org) -> None:
    """Records from several branches (two followed people, a followed unit) come newest first, each once."""
    today = datetime.date.today()
    made = set()
    for n in range(12):
        day = today - datetime.timedelta(days=n)
        for person, hour in ((org.colleague, 8), (org.unrelated, 9), (org.civil_head, 10)):
            text = f"第{n}天{person.full_name}整理工作台账并报送分管领导审阅"
            filed = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))
            record_create(author=person, data=record_input(content=text, date=day, **_hour(hour)), now=filed)
            made.add(text)
    follow(follower=org.author, person_id=org.colleague.pk)
    follow(follower=org.author, person_id=org.unrelated.pk)
    follow(follower=org.author, unit_id=org.civil.pk)
    seen: list[tuple] = []
    cursor = None
    while True:
        page = feed_page(user=org.author, feed=Feed.FOLLOWING, filters=RecordFilters(), cursor=cursor)
        seen += [(r.date, r.pk, r.content) for r in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len({pk for _, pk, _ in seen}) == len(made)
    assert {c for _, _, c in seen} == made
    assert [(d, pk) for d, pk, _ in seen] == sorted(((d, pk) for d, pk, _ in seen), reverse=True)


def test_a_branch_crowded_with_records_the_reader_cannot_see_still_fills_the_page(org: Org) -> None:
    """The branches are read without visibility, so a branch whose newest rows are hidden is read deeper."""
    today = datetime.date.today()
    for n in range(3):
        day = today - datetime.timedelta(days=6 - n)
        filed = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))
        text = f"第{n}天同事整理预算台账并报送科长审阅"
        record_create(author=org.colleague, data=record_input(content=text, date=day, **_hour(8)), now=filed)
    for n in range(50):  # newer, and only for superiors: the author (same section) cannot see them
        minute = datetime.time(9 + n // 6, (n % 6) * 10)
        end = datetime.time(9 + n // 6, (n % 6) * 10 + 5)
        write_record(
            org.colleague,
            content=f"第{n}份只报上级的人事材料整理",
            visibility=Visibility.SUPERIORS,
            start_time=minute,
            end_time=end,
        )
    page = feed_page(user=org.author, feed=Feed.UNIT, filters=RecordFilters())
    assert [r.content for r in page.items] == [f"第{n}天同事整理预算台账并报送科长审阅" for n in (2, 1, 0)]
    assert page.next_cursor is None


def test_the_follow_form_goes_back_only_to_this_site(client, org: Org) -> None:
    client.force_login(org.author)
    form = {"person": org.unrelated.pk, "action": "follow"}
    response = client.post(reverse("feeds:follow"), {**form, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("feeds:feed")
    back = reverse("records:person", args=[org.unrelated.pk])
    assert client.post(reverse("feeds:follow"), {**form, "next": back})["Location"] == back
    response = client.post(reverse("feeds:follow"), {"person": 10**30, "action": "follow"}, follow=True)
    assert "请选择要关注的一个人或一个单位" in response.content.decode()  # a number that is no id: said, not a 500


@pytest.mark.parametrize("who", ["author", "district_deputy"])
def test_a_feed_page_reads_its_records_in_one_statement(
    client, org: Org, world: dict[str, str], who: str, django_assert_max_num_queries
) -> None:
    """Whatever the feed and however many branches it has (a 分管 leader's units, followed people and units)."""
    reader = getattr(org, who)
    follow(follower=reader, person_id=org.unrelated.pk)
    follow(follower=reader, unit_id=org.civil.pk)
    client.force_login(reader)
    for feed in Feed.values:
        path = reverse("feeds:feed_named", args=[feed])
        client.get(path)  # the worker now holds the reader's organisation (jishi.core.cache)
        # The session, the reference data's generation, the page's records and the header's unread count; the 关注
        # page also reads whom the reader follows (the chips above the list, and its branches).
        with django_assert_max_num_queries(5 if feed == Feed.FOLLOWING else 4):
            response = client.get(path)
        assert response.status_code == 200 and 'class="records"' in response.content.decode()
