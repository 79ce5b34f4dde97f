"""The visibility matrix: every viewer against every surface that shows records (PRODUCT.md, "Visibility levels")."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.org.models import Person
from jishi.records.models import Visibility, WorkRecord
from jishi.testing import Org, write_record

VIEWERS = [
    "anonymous",
    "author",
    "subordinate",
    "same_unit",
    "other_deputy_same_unit",
    "superior_deputy",
    "unit_head",
    "district_leader_in_charge",
    "district_leader_not_in_charge",
    "principal_leader",
    "unrelated",
    "other_unit_head",
    "inspector",
    "scoped_inspector_elsewhere",
    "scoped_inspector_here",
    "hr",
    "admin",
    "social_worker",
]


def scoped_inspector_over_finance(org: Org) -> Person:
    """An inspector of the 派驻纪检组 at 财政局: a post in 民政局, a scope over 财政局 and its sections."""
    from jishi.org.models import Role, RoleGrant
    from jishi.testing import LONG_AGO, PersonFactory, make_post

    person = Person.objects.filter(username="scoped_here").first()
    if person is None:
        person = PersonFactory(full_name="冯刚", username="scoped_here")
        make_post(person, org.relief)
        grant = RoleGrant.objects.create(person=person, role=Role.INSPECTOR, granted_on=LONG_AGO)
        grant.units.set([org.finance])
    return person


def viewer(org: Org, name: str) -> Person | None:
    if name == "scoped_inspector_here":
        return scoped_inspector_over_finance(org)
    return {
        "anonymous": None,
        "author": org.section_head,  # the matrix's author is the head of 预算科 …
        "subordinate": org.author,  # … so a staff member of 预算科 is their subordinate
        "same_unit": org.sibling,  # 国库科, same 本单位
        "other_deputy_same_unit": org.deputy_not_in_charge,
        "superior_deputy": org.deputy_in_charge,
        "unit_head": org.unit_head,
        "district_leader_in_charge": org.district_deputy,
        "district_leader_not_in_charge": org.other_district_deputy,
        "principal_leader": org.secretary,
        "unrelated": org.unrelated,
        "other_unit_head": org.civil_head,
        "inspector": org.inspector,
        "scoped_inspector_elsewhere": org.scoped_inspector,
        "hr": org.hr,
        "admin": org.admin,
        "social_worker": org.social_worker,
    }[name]


EVERYONE = set(VIEWERS) - {"anonymous"}
OWN_UNIT = {"author", "subordinate", "same_unit", "other_deputy_same_unit", "superior_deputy", "unit_head"}
SUPERIORS = {"superior_deputy", "unit_head", "district_leader_in_charge", "principal_leader"}
SCOPED = {"inspector", "hr", "scoped_inspector_here"}
LEADERS = {"district_leader_in_charge", "district_leader_not_in_charge", "principal_leader"}

CASES = {
    # (visibility, sensitive): (who reads the record, who reads its content)
    (Visibility.PUBLIC, False): (EVERYONE, EVERYONE),
    (Visibility.INTERNAL, False): (EVERYONE, EVERYONE),
    (Visibility.UNIT, False): (
        OWN_UNIT | SUPERIORS | LEADERS | SCOPED,
        OWN_UNIT | SUPERIORS | LEADERS | SCOPED,
    ),
    (Visibility.SUPERIORS, False): ({"author"} | SUPERIORS | SCOPED, {"author"} | SUPERIORS | SCOPED),
    (Visibility.INTERNAL, True): (EVERYONE, OWN_UNIT | SUPERIORS | SCOPED),
    (Visibility.UNIT, True): (OWN_UNIT | SUPERIORS | LEADERS | SCOPED, OWN_UNIT | SUPERIORS | SCOPED),
}

SECRET_WORD = "甲乙丙协调事项"


def _client(person: Person | None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


def _bearer(person: Person | None) -> dict[str, str]:
    if person is None:
        return {}
    _, secret = token_create(person=person, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def page_detail(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    response = _client(person).get(f"/records/{record.pk}/")
    if response.status_code in (302, 404):
        return False, False
    assert response.status_code == 200
    return True, SECRET_WORD in response.content.decode()


def page_list(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    response = _client(person).get("/records/")
    if response.status_code == 302:
        return False, False
    body = response.content.decode()
    return f"/records/{record.pk}/" in body, SECRET_WORD in body


def api_detail(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    response = Client().get(f"/api/v1/records/{record.pk}", **_bearer(person))
    if response.status_code in (401, 404):
        return False, False
    assert response.status_code == 200
    data = response.json()
    return True, data["content"] is not None and SECRET_WORD in data["content"]


def api_list(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    response = Client().get("/api/v1/records", **_bearer(person))
    if response.status_code == 401:
        return False, False
    items = [i for i in response.json()["items"] if i["id"] == record.pk]
    return bool(items), bool(items) and items[0]["content"] is not None


def api_list_participants(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    """A record's participants are part of its content: listed only where the content shows."""
    response = Client().get("/api/v1/records", **_bearer(person))
    if response.status_code == 401:
        return False, False
    items = [i for i in response.json()["items"] if i["id"] == record.pk]
    return bool(items), bool(items) and bool(items[0]["participants"])


def api_feed(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    """The 关注 feed of someone who follows the author (the author reads their own 本单位 feed)."""
    from jishi.feeds.services import follow

    if person is None:
        return False, False
    feed = "unit" if person.pk == record.author_id else "following"
    if feed == "following":
        follow(follower=person, person_id=record.author_id)
    response = Client().get(f"/api/v1/feeds/{feed}", **_bearer(person))
    assert response.status_code == 200
    items = [i for i in response.json()["items"] if i["id"] == record.pk]
    return bool(items), bool(items) and items[0]["content"] is not None and bool(items[0]["participants"])


def search(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    """Search finds the record by a word of its content only where the reader may see that content."""
    response = _client(person).get("/records/", {"q": "甲乙丙"})
    if response.status_code == 302:
        return False, False
    found = f"/records/{record.pk}/" in response.content.decode()
    api = Client().get("/api/v1/records", {"q": "甲乙丙"}, **_bearer(person))
    api_found = api.status_code == 200 and any(i["id"] == record.pk for i in api.json()["items"])
    assert found == api_found
    return found, found


SURFACES: dict[str, Callable[[Person | None, WorkRecord], tuple[bool, bool]]] = {
    "page": page_detail,
    "list": page_list,
    "api_detail": api_detail,
    "api_list": api_list,
    "api_list_participants": api_list_participants,
    "api_feed": api_feed,
}


@pytest.mark.parametrize(("visibility", "sensitive"), list(CASES))
def test_every_surface_follows_the_one_rule(org: Org, visibility: str, sensitive: bool) -> None:
    record = write_record(
        org.section_head,
        visibility=visibility,
        is_sensitive=sensitive,
        content=f"与预算科同事讨论{SECRET_WORD}，形成三条意见报局长",
        participant_ids=[org.colleague.pk],  # not a viewer here: naming someone grants them nothing
    )
    readers, content_readers = CASES[(visibility, sensitive)]
    failures = []
    for name in VIEWERS:
        person = viewer(org, name)
        for surface, probe in SURFACES.items():
            sees, sees_content = probe(person, record)
            if sees != (name in readers) or sees_content != (name in content_readers):
                failures.append(f"{surface}: {name} sees={sees} content={sees_content}")
        found, _ = search(person, record)
        if found != (name in content_readers):
            failures.append(f"search: {name} found={found}")
    assert not failures, "\n".join(failures)


def test_restricted_record_is_404_not_403(org: Org) -> None:
    record = write_record(org.author, visibility=Visibility.SUPERIORS)
    client = _client(org.unrelated)
    assert client.get(f"/records/{record.pk}/").status_code == 404
    assert client.get("/records/999999/").status_code == 404
    assert Client().get(f"/api/v1/records/{record.pk}", **_bearer(org.unrelated)).status_code == 404


def test_a_leader_who_left_the_post_no_longer_sees_through_it(org: Org) -> None:
    import datetime

    from django.utils import timezone

    record = write_record(org.author, visibility=Visibility.SUPERIORS)
    assert WorkRecord.objects.visible_to(org.unit_head).filter(pk=record.pk).exists()
    org.unit_head.assignments.update(end=timezone.localdate() - datetime.timedelta(days=1))
    fresh = Person.objects.get(pk=org.unit_head.pk)
    assert not WorkRecord.objects.visible_to(fresh).filter(pk=record.pk).exists()


def test_a_record_stays_with_the_unit_of_its_date_after_a_move(org: Org) -> None:
    import datetime

    from django.utils import timezone

    from jishi.org.services import move_person

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    old = write_record(org.author, date=yesterday - datetime.timedelta(days=1), visibility=Visibility.SUPERIORS)
    position = org.unrelated.assignments.first().position
    move_person(actor=org.admin, person=org.author, position_id=position.pk, on=yesterday)
    new = write_record(org.author, visibility=Visibility.SUPERIORS)
    assert old.unit == org.budget and new.unit == org.relief
    head = Person.objects.get(pk=org.unit_head.pk)
    civil_head = Person.objects.get(pk=org.civil_head.pk)
    assert set(WorkRecord.objects.visible_to(head).filter(author=org.author).values_list("pk", flat=True)) == {old.pk}
    assert set(WorkRecord.objects.visible_to(civil_head).filter(author=org.author).values_list("pk", flat=True)) == {
        new.pk
    }


def test_admin_site_shows_records_read_only_through_the_rule(org: Org) -> None:
    hidden = write_record(org.author, visibility=Visibility.SUPERIORS)
    shown = write_record(
        org.author, start_time=__import__("datetime").time(11, 0), end_time=__import__("datetime").time(12, 0)
    )
    client = _client(org.admin)
    listing = client.get("/admin/records/workrecord/").content.decode()
    assert f"/admin/records/workrecord/{shown.pk}/" in listing
    assert f"/admin/records/workrecord/{hidden.pk}/" not in listing
    assert client.get(f"/admin/records/workrecord/{hidden.pk}/change/").status_code in (302, 404)
    page = client.get(f"/admin/records/workrecord/{shown.pk}/change/")
    assert page.status_code == 200 and 'name="content"' not in page.content.decode()
    assert client.post(f"/admin/records/workrecord/{shown.pk}/change/", {"content": "改写"}).status_code == 403
    assert client.get("/admin/records/workrecord/add/").status_code == 403


def test_only_administrators_enter_the_admin_site(org: Org) -> None:
    assert _client(org.admin).get("/admin/").status_code == 200
    assert _client(org.unit_head).get("/admin/").status_code == 302
    assert _client(None).get("/admin/").status_code == 302


# ---- Group surfaces (insights): figures about a group, never the records themselves ---------------------------------
# A dashboard or report counts every record of the group, so it is shown only to readers whose group scope covers
# the group (insights.rules.group_scope); everyone else gets the 404 of a missing page, and anonymous visitors the
# sign-in page.
COVERS_FINANCE = {
    "unit_head",
    "district_leader_in_charge",
    "district_leader_not_in_charge",  # a jurisdiction leader, as for who has not filed
    "principal_leader",
    "inspector",
    "hr",
    "scoped_inspector_here",
}
HAS_A_SCOPE = (
    COVERS_FINANCE
    | {"author", "superior_deputy", "other_deputy_same_unit", "other_unit_head"}
    | {"scoped_inspector_elsewhere"}
)


def _group_world(org: Org, settings: object, tmp_path: object) -> None:
    from jishi.insights import store
    from jishi.org.calendar import local_today

    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"  # type: ignore[attr-defined, operator]
    settings.JISHI_MIN_GROUP_SIZE = 3  # type: ignore[attr-defined]
    yesterday = local_today() - datetime.timedelta(days=1)
    settings.JISHI_LATE_ENTRY_DAYS = 100  # type: ignore[attr-defined]
    for person in (org.section_head, org.author, org.colleague, org.sibling):
        write_record(person, date=yesterday, content=f"与预算科同事讨论{SECRET_WORD}，形成三条意见报局长")
    for back in range(2, 7):  # the matrix's author files the same words day after day: a copy_paste finding
        write_record(
            org.section_head,
            date=yesterday - datetime.timedelta(days=back),
            content=f"与预算科同事讨论{SECRET_WORD}，形成三条意见报局长",
        )
    store.rebuild()


def _shown(person: Person | None, url: str) -> bool:
    response = _client(person).get(url)
    if person is None:
        assert response.status_code == 302, url
        return False
    assert response.status_code in (200, 404), f"{url}: {response.status_code}"
    if response.status_code == 200:
        assert SECRET_WORD not in response.content.decode()  # figures, never a record's words
    return response.status_code == 200


def test_group_surfaces_follow_the_group_scope(org: Org, settings: object, tmp_path: object) -> None:
    _group_world(org, settings, tmp_path)
    surfaces = {
        "dashboard of 财政局": (f"/insights/units/{org.finance.pk}/", COVERS_FINANCE),
        "staffing report, 财政局": (f"/insights/reports/staffing/?unit={org.finance.pk}", COVERS_FINANCE),
        "staffing report, own scope": ("/insights/reports/staffing/", HAS_A_SCOPE),
        "findings of 财政局": (f"/insights/findings/?unit={org.finance.pk}", COVERS_FINANCE),
        "findings, own scope": ("/insights/findings/", HAS_A_SCOPE),
    }
    failures = []
    for name in VIEWERS:
        person = viewer(org, name)
        for surface, (url, shown_to) in surfaces.items():
            if _shown(person, url) != (name in shown_to):
                failures.append(f"{surface}: {name}")
    assert not failures, "\n".join(failures)


def test_the_managers_day_follows_the_group_scope_and_lists_only_readable_words(org: Org, settings: object) -> None:
    """今天 of a unit (insights.managers_day): the page for readers whose scope covers it (who has not filed follows
    can_see_filing_status); its records of the day through visible_to, their words only where content_visible."""
    from jishi.org.calendar import local_today

    settings.JISHI_LATE_ENTRY_DAYS = 100  # type: ignore[attr-defined]
    day = local_today() - datetime.timedelta(days=1)
    for person in (org.section_head, org.author, org.sibling):
        write_record(person, date=day, content=f"与预算科同事讨论{SECRET_WORD}，形成三条意见报局长")
    url = f"/insights/today/?unit={org.finance.pk}&day={day.isoformat()}"
    failures = []
    for name in VIEWERS:
        person = viewer(org, name)
        response = _client(person).get(url)
        if person is None:
            assert response.status_code == 302
            continue
        if (response.status_code == 200) != (name in COVERS_FINANCE):
            failures.append(f"page: {name} {response.status_code}")
            continue
        if response.status_code == 200:
            mine = WorkRecord.objects.visible_to(person).filter(date=day, unit__path__startswith=org.finance.path)
            readable = any(r.content_visible for r in mine)
            if (SECRET_WORD in response.content.decode()) != readable:
                failures.append(f"words: {name}")
    assert not failures, "\n".join(failures)


# Person-level findings only for readers who already read that person's records as a superior or scoped role
# (insights.rules.can_see_person) — not the person themself, not a jurisdiction leader without them in charge.
PERSON_READERS = {
    "superior_deputy",
    "unit_head",
    "district_leader_in_charge",
    "principal_leader",
    "inspector",
    "hr",
    "scoped_inspector_here",
}


def test_findings_api_and_person_findings_follow_the_rules(org: Org, settings: object, tmp_path: object) -> None:
    _group_world(org, settings, tmp_path)
    failures = []
    for name in VIEWERS:
        person = viewer(org, name)
        headers = _bearer(person)
        scoped = Client().get(f"/api/v1/insights/findings?unit={org.finance.pk}", **headers)  # type: ignore[arg-type]
        expected = 401 if person is None else 200 if name in COVERS_FINANCE else 404
        if scoped.status_code != expected:
            failures.append(f"findings API of 财政局: {name} {scoped.status_code}")
        answer = Client().get("/api/v1/insights/findings?kind=copy_paste", **headers)  # type: ignore[arg-type]
        if person is None or name not in HAS_A_SCOPE:
            if answer.status_code not in (401, 404):
                failures.append(f"findings API: {name} {answer.status_code}")
            continue
        about_author = [
            f
            for f in answer.json()["findings"]
            if f["subject_type"] == "person" and f["subject_id"] == org.section_head.pk
        ]
        if bool(about_author) != (name in PERSON_READERS):
            failures.append(f"person finding about the author: {name} sees={bool(about_author)}")
        if SECRET_WORD in answer.content.decode():
            failures.append(f"findings API: {name} reads the record's words")
    assert not failures, "\n".join(failures)


# ---- Assessment (考核) surfaces — A-core's block (issue 17) ----------------------------------------------------------
# The matrix's author (预算科 科长) is assessed in a quarter. Their assessment — page and API, detail and list — is seen
# by them, their superiors (the deputy in charge, the 局长, the district leader in charge, the principal leader) and
# HR; nobody else, inspectors and administrators included (a 404, as for a missing one; anonymous: sign-in / 401).
# During 公示 the unit's 公示 list is seen by the whole 本单位 (财政局), its superiors and HR — never with reasons.
ASSESSMENT_READERS = {"author", "superior_deputy", "unit_head", "district_leader_in_charge", "principal_leader", "hr"}
NOTICE_READERS = OWN_UNIT | {"district_leader_in_charge", "principal_leader", "hr"}
ASSESSMENT_REASON = "甲乙丙考核理由"


def _assessed_author(org: Org) -> tuple[int, int]:
    from jishi.assessment.models import Assessment, PeriodKind
    from jishi.assessment.services import grade_decide, grade_propose, notice_start, period_open, summary_submit

    period = period_open(
        actor=org.hr, kind=PeriodKind.EVERYDAY, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 12, 31)
    )
    for assessment in Assessment.objects.filter(period=period, unit=org.finance).select_related("period", "person"):
        summary_submit(person=assessment.person, assessment=assessment, body="本季度完成预算编制等各项工作任务。")
        head = assessment.person_id == org.unit_head.pk
        grade_propose(
            actor=org.district_deputy if head else org.unit_head, assessment=assessment, grade="好", reason="表现突出"
        )
        grade_decide(
            actor=org.hr if head else org.unit_head, assessment=assessment, grade="好", reason=ASSESSMENT_REASON
        )
    notice_start(actor=org.unit_head, period=period, unit=org.finance)
    return Assessment.objects.get(period=period, person=org.section_head).pk, period.pk


def test_assessment_surfaces_follow_the_assessment_rule(org: Org) -> None:
    assessment_id, period_id = _assessed_author(org)
    notice = f"/api/v1/assessment/periods/{period_id}/units/{org.finance.pk}/notice"
    failures = []
    for name in VIEWERS:
        person = viewer(org, name)
        headers = _bearer(person)
        sees = name in ASSESSMENT_READERS
        page = _client(person).get(f"/assessment/{assessment_id}/")
        if (page.status_code == 200) != sees or page.status_code not in (200, 302, 404):
            failures.append(f"assessment page: {name} {page.status_code}")
        detail = Client().get(f"/api/v1/assessment/{assessment_id}", **headers)  # type: ignore[arg-type]
        expected = 401 if person is None else 200 if sees else 404
        if detail.status_code != expected:
            failures.append(f"assessment API: {name} {detail.status_code}")
        listed = Client().get("/api/v1/assessment", **headers)  # type: ignore[arg-type]
        in_list = listed.status_code == 200 and assessment_id in {a["id"] for a in listed.json()["items"]}
        if in_list != sees:
            failures.append(f"assessment list API: {name} in list={in_list}")
        shown = Client().get(notice, **headers)  # type: ignore[arg-type]
        expected = 401 if person is None else 200 if name in NOTICE_READERS else 404
        if shown.status_code != expected:
            failures.append(f"公示 list API: {name} {shown.status_code}")
        elif ASSESSMENT_REASON in shown.content.decode():
            failures.append(f"公示 list API: {name} reads a reason")
    assert not failures, "\n".join(failures)


# ---- Portal (政务公开) surfaces — P-pages' block (issue 18): the anonymous reader -----------------------------------
# A record reaches the public only as a live Publication (public_q at query time: 公开, not withdrawn, not sensitive;
# published, not held), and then only its redacted content and result. Each case below has a Publication row — as if
# published before the change — so the portal's own rule, not the absence of a row, is what hides it.

PORTAL_SECRET = "戊己庚公开事项"  # in the published text: shown exactly when the record is live
UNPUBLISHED_SECRET = "辛壬癸未公开"  # in the place, reflection and an addendum: never shown anonymously
REDACTED_SECRET = "赵钱孙"  # in the original content only (the redacted copy replaces it): never shown

PORTAL_CASES = {
    # name: (record fields, publication fields, live)
    "public": ({"visibility": Visibility.PUBLIC}, {}, True),
    "internal": ({"visibility": Visibility.INTERNAL}, {}, False),
    "unit": ({"visibility": Visibility.UNIT}, {}, False),
    "superiors": ({"visibility": Visibility.SUPERIORS}, {}, False),
    "public_sensitive": ({"visibility": Visibility.PUBLIC, "is_sensitive": True}, {}, False),
    "public_withdrawn": ({"visibility": Visibility.PUBLIC, "withdrawn": True}, {}, False),
    "public_held": ({"visibility": Visibility.PUBLIC}, {"held": True}, False),
    "public_not_yet": ({"visibility": Visibility.PUBLIC}, {"later": True}, False),
}


def _portal_surfaces(org: Org, record: WorkRecord) -> dict[str, Callable[[Client], str | None]]:
    """Each portal surface as a probe: the body a reader gets (None for a 404)."""

    def get(url: str, **params: str) -> Callable[[Client], str | None]:
        def probe(client: Client) -> str | None:
            response = client.get(url, params)
            if response.status_code == 404:
                return None
            assert response.status_code == 200, (url, response.status_code)
            if getattr(response, "streaming", False):
                return b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
            if response["Content-Type"].startswith("application/json"):
                return json.dumps(response.json(), ensure_ascii=False)
            return response.content.decode()

        return probe

    return {
        "list": get("/public/"),
        "list_by_unit": get("/public/", unit=str(org.finance.pk)),
        "list_leaders": get("/public/", leaders="1"),
        "record": get(f"/public/records/{record.pk}/"),
        "unit": get(f"/public/units/{org.finance.pk}/"),
        "leader": get(f"/public/leaders/{record.author_id}/"),
        "search": get("/public/search", q="戊己庚"),
        "search_unpublished": get("/public/search", q="辛壬癸"),
        "search_redacted": get("/public/search", q=REDACTED_SECRET),
        "unit_rss": get(f"/public/units/{org.finance.pk}/feed.rss"),
        "unit_atom": get(f"/public/units/{org.root.pk}/feed.atom"),
        "leader_rss": get(f"/public/leaders/{record.author_id}/feed.rss"),
        "leader_atom": get(f"/public/leaders/{record.author_id}/feed.atom"),
        "api_list": get("/public/api/publications", limit="100"),
        "api_detail": get(f"/public/api/publications/{record.pk}"),
        "stats": get("/public/stats/"),
        "data": get("/public/data/publications.csv"),
    }


@pytest.mark.parametrize("case", list(PORTAL_CASES))
def test_portal_surfaces_show_a_record_to_the_anonymous_reader_only_while_it_is_live(
    org: Org, case: str, settings: object, tmp_path: object
) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from jishi.portal import cache
    from jishi.portal.models import Publication
    from jishi.records.models import Addendum

    settings.JISHI_PORTAL_DUMP_DIR = str(tmp_path)  # type: ignore[attr-defined]
    fields, publication_fields, live = PORTAL_CASES[case]
    record = write_record(
        org.unit_head,
        visibility=Visibility.PUBLIC,
        content=f"主持研究{PORTAL_SECRET}，群众{REDACTED_SECRET}到场反映意见",
        place=f"{UNPUBLISHED_SECRET}会议室",
        reflection=f"{UNPUBLISHED_SECRET}的体会",
    )
    now = timezone.now()
    Addendum.objects.create(record=record, author=org.unit_head, content=f"补充：{UNPUBLISHED_SECRET}", created_at=now)
    Publication.objects.create(
        record=record,
        unit=record.unit,
        department=record.department,
        author=record.author,
        date=record.date,
        author_name=org.unit_head.full_name,
        post_title="局长",
        is_leader=True,
        content_redacted=f"主持研究{PORTAL_SECRET}，群众【姓名】到场反映意见",
        result_redacted="",
        redactions={"name": 1},
        published_at=now + datetime.timedelta(hours=1) if publication_fields.get("later") else now,
        held=bool(publication_fields.get("held")),
    )
    changes = {k: v for k, v in fields.items() if k != "withdrawn"}
    if fields.get("withdrawn"):
        changes["withdrawn_at"] = now
    WorkRecord.objects.filter(pk=record.pk).update(**changes)
    call_command("portal", "dump", stdout=open("/dev/null", "w"))  # noqa: SIM115 — the command's own output
    cache.bump()
    failures = []
    readers = {"anonymous": Client(), "admin": _client(org.admin)}  # staff read the same public pages
    for reader, client in readers.items():
        for surface, probe in _portal_surfaces(org, record).items():
            body = probe(client)
            shown = body is not None and PORTAL_SECRET in body
            expected = live and surface not in ("search_unpublished", "search_redacted", "stats")
            if surface in ("leader", "leader_rss", "leader_atom") and not live:
                expected = False  # no live public work: not a leader page at all (404)
            if shown != expected:
                failures.append(f"{reader} {surface}: shown={shown}")
            echoed = 1 if surface == "search_redacted" else 0  # the search box shows what was typed
            if body is not None and (UNPUBLISHED_SECRET in body or body.count(REDACTED_SECRET) > echoed):
                failures.append(f"{reader} {surface}: unpublished or redacted text")
            if body is not None and f"/records/{record.pk}/attachments" in body:
                failures.append(f"{reader} {surface}: links an attachment")
    assert not failures, "\n".join(failures)


# ---- Portal 留言 (citizens' messages) — P-feedback's block (issue 18): the message form shows what it is about -----
# The form page (/public/messages/new?record=<id>) shows the record's redacted text to anyone, so it follows the
# portal's rule: a live Publication only; any other record is a 404 for the form and for a submission.


@pytest.mark.parametrize("case", list(PORTAL_CASES))
def test_the_message_form_follows_the_portal_rule(org: Org, case: str) -> None:
    from django.utils import timezone

    from jishi.portal.models import Message, Publication

    fields, publication_fields, live = PORTAL_CASES[case]
    record = write_record(
        org.unit_head,
        visibility=Visibility.PUBLIC,
        content=f"主持研究{PORTAL_SECRET}，群众{REDACTED_SECRET}到场反映意见",
        reflection=f"{UNPUBLISHED_SECRET}的体会",
    )
    now = timezone.now()
    Publication.objects.create(
        record=record,
        unit=record.unit,
        department=record.department,
        author=record.author,
        date=record.date,
        author_name=org.unit_head.full_name,
        content_redacted=f"主持研究{PORTAL_SECRET}，群众【姓名】到场反映意见",
        published_at=now + datetime.timedelta(hours=1) if publication_fields.get("later") else now,
        held=bool(publication_fields.get("held")),
    )
    changes = {k: v for k, v in fields.items() if k != "withdrawn"}
    if fields.get("withdrawn"):
        changes["withdrawn_at"] = now
    WorkRecord.objects.filter(pk=record.pk).update(**changes)
    for reader, client in {"anonymous": Client(), "admin": _client(org.admin)}.items():
        response = client.get("/public/messages/new", {"record": record.pk})
        assert response.status_code == (200 if live else 404), (reader, case)
        body = response.content.decode()
        assert (PORTAL_SECRET in body) == live, (reader, case)
        assert UNPUBLISHED_SECRET not in body and REDACTED_SECRET not in body, (reader, case)
        posted = client.post(f"/public/messages/new?record={record.pk}", {"text": "请问这项工作的进展如何？"})
        assert posted.status_code == (200 if live else 404), (reader, case)  # live: refused for its missing token
    assert not Message.objects.exists()


# ---- Portal review queue — P-pub's block (issue 18): a unit's publishers read its public records before publication
# The queue (/public/review/) shows the original text of the unit's 公开 records to its reviewers: the principal of the
# department-level unit, administrators and Role.PUBLISHER grants (tested in jishi/portal/tests/test_publication.py).
# Only records the public rule admits are there — never a restricted or sensitive one — and everyone else gets a 404.
REVIEWERS = {"unit_head", "admin"}


@pytest.mark.parametrize(("visibility", "sensitive"), list(CASES))
def test_the_review_queue_follows_the_reviewers_scope_and_the_public_rule(
    org: Org, visibility: str, sensitive: bool
) -> None:
    content = f"与区民政局研究{SECRET_WORD}，明确三项分工和完成时限"
    record = write_record(org.section_head, visibility=visibility, is_sensitive=sensitive, content=content)
    shown = REVIEWERS if visibility == Visibility.PUBLIC and not sensitive else set()
    for name in VIEWERS:
        client = _client(viewer(org, name))
        detail = client.get(f"/public/review/{record.pk}/")
        listing = client.get("/public/review/")
        assert (detail.status_code == 200 and SECRET_WORD in detail.content.decode()) == (name in shown), name
        assert (listing.status_code == 200 and SECRET_WORD in listing.content.decode()) == (name in shown), name
        if name not in shown:
            assert detail.status_code in (302, 404), name  # the anonymous are sent to sign in


@pytest.mark.parametrize(("visibility", "sensitive"), [*CASES, ("withdrawn", False)])
def test_a_held_record_changed_later_follows_the_same_rule_in_the_queue(
    org: Org, visibility: str, sensitive: bool
) -> None:
    # Review (HIGH): the 暂缓公开 tab listed a record held while 公开 with its text after the author restricted it, made
    # it sensitive or withdrew it. Every tab reads through the record rule, as the record's own page does.
    from django.utils import timezone

    from jishi.portal.publication import hold

    content = f"与区民政局研究{SECRET_WORD}，明确三项分工和完成时限"
    record = write_record(org.section_head, visibility=Visibility.PUBLIC, content=content)
    hold(actor=org.unit_head, record=record, reason="先暂缓")
    if visibility == "withdrawn":
        WorkRecord.objects.filter(pk=record.pk).update(withdrawn_at=timezone.now())
    else:
        WorkRecord.objects.filter(pk=record.pk).update(visibility=visibility, is_sensitive=sensitive)
    shown = REVIEWERS if visibility == Visibility.PUBLIC and not sensitive else set()
    for name in VIEWERS:
        client = _client(viewer(org, name))
        detail = client.get(f"/public/review/{record.pk}/")
        listing = client.get("/public/review/?view=held")
        assert (detail.status_code == 200 and SECRET_WORD in detail.content.decode()) == (name in shown), name
        assert (listing.status_code == 200 and SECRET_WORD in listing.content.decode()) == (name in shown), name


# The unit's surfaces of the same period: the sheet (its superiors and HR), the Excel roll (those who decide the unit's
# grades: its 局长 and HR), the 公示 page (the 本单位, its superiors and HR), the printable page and the dossier (as the
# assessment).
SHEET_READERS = {"unit_head", "district_leader_in_charge", "principal_leader", "hr"}  # deputies lead sections only
EXPORTERS = {"unit_head", "hr"}


def test_assessment_unit_surfaces_follow_their_rules(org: Org) -> None:
    assessment_id, period_id = _assessed_author(org)
    unit = f"/assessment/periods/{period_id}/units/{org.finance.pk}/"
    surfaces = {
        f"/assessment/{assessment_id}/print/": ASSESSMENT_READERS,
        f"/assessment/people/{org.section_head.pk}/": ASSESSMENT_READERS,  # the dossier (干部实绩档案)
        unit: SHEET_READERS,
        unit + "export.xlsx": EXPORTERS,
        unit + "notice/": NOTICE_READERS,
    }
    failures = []
    for name in VIEWERS:
        person = viewer(org, name)
        for url, readers in surfaces.items():
            answer = _client(person).get(url)
            shown = answer.status_code == 200
            if shown != (name in readers) or answer.status_code not in (200, 302, 404):
                failures.append(f"{url}: {name} {answer.status_code}")
            elif shown and url.endswith("notice/") and ASSESSMENT_REASON in answer.content.decode():
                failures.append(f"{url}: {name} reads a reason")
    assert not failures, "\n".join(failures)
