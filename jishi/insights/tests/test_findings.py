"""Findings as their readers meet them: who sees which, the API's answers to good and bad parameters, the page,
people's decisions with their reasons, and that no finding moves when views or logins do.

The small district of planted.py (imported from files) is the world: nine bureaus of six filers, March 2025."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone, translation

from jishi.core.models import AuditEvent
from jishi.insights import findings, store
from jishi.insights.models import FindingReview
from jishi.insights.services import finding_review_create
from jishi.insights.tests import planted
from jishi.org.models import Person, Unit
from jishi.records.models import WorkRecord
from jishi.supervision.services import view_log

PERIOD = "start=2025-03-03&end=2025-03-28"
API = "/api/v1/insights/findings"


@pytest.fixture
def people(db: Any, settings: Any, tmp_path: Any) -> dict[str, Person]:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    planted.build()
    store.rebuild()
    findings._cache.clear()
    return {p.employee_number: p for p in Person.objects.all()}


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def answer(person: Person, query: str = PERIOD) -> Any:
    return client_for(person).get(f"{API}?{query}")


def subjects(response: Any) -> set[tuple[str, str]]:
    assert response.status_code == 200, response.content
    out = set()
    for f in response.json()["findings"]:
        if f["subject_type"] == "person":
            code = Person.objects.get(pk=f["subject_id"]).employee_number
        elif f["subject_type"] == "unit":
            code = Unit.objects.get(pk=f["subject_id"]).code
        else:
            code = f["subject_name"].split()[0]
        out.add((f["kind"], code))
    return out


def everything() -> set[tuple[str, str]]:
    return {(kind, code) for kind, codes in planted.PLANTED.items() for code in codes}


def test_a_jurisdiction_leader_sees_every_finding_with_strength_explanation_and_evidence(
    people: dict[str, Person],
) -> None:
    response = answer(people["PD-SEC"])
    assert subjects(response) == everything()
    body = response.json()
    assert body["start"] == "2025-03-03" and body["end"] == "2025-03-28" and body["as_of"]
    for f in body["findings"]:
        assert f["strength_word"] in {"强", "中", "弱"} and f["explanation"] and f["review"] is None
        group = ("/insights/records/?unit=", "/records/?unit=")  # the drill-down, or the list where it is not installed
        assert f["evidence"].startswith(("/records/?author=",) if f["subject_type"] == "person" else group)


def test_each_findings_evidence_opens_for_its_reader(people: dict[str, Person]) -> None:
    for number in ("PD-SEC", "B4H", "B8H", "B6H"):
        client = client_for(people[number])
        for f in answer(people[number]).json()["findings"]:
            response = client.get(f["evidence"])
            assert response.status_code == 200, (number, f["kind"], f["evidence"])


def test_a_unit_head_sees_their_units_findings_and_their_people_only(people: dict[str, Person]) -> None:
    assert subjects(answer(people["B8H"])) == {("long_hours", "B8P1"), ("copy_paste", "B8P3")}
    assert subjects(answer(people["B4H"])) == {("off_duty", "B4")}
    assert subjects(answer(people["B6H"])) == {("idle_duty", "B6-03"), ("backfill", "B6P4")}


def test_staff_and_administrators_without_a_reading_grant_get_a_404(people: dict[str, Person]) -> None:
    for number in ("B1P1", "B8P1", "PD-ADMIN"):
        assert answer(people[number]).status_code == 404
        assert client_for(people[number]).get(f"/insights/findings/?{PERIOD}").status_code == 404
    assert Client().get(f"{API}?{PERIOD}").status_code in (401, 403)


def test_group_findings_need_a_group_of_min_group_people_and_person_findings_do_not(
    people: dict[str, Person], settings: Any
) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 7  # every bureau has six filers
    got = subjects(answer(people["PD-SEC"]))
    assert got == {(k, c) for k, c in everything() if k in findings.PERSON_KINDS}


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("start=2025-02-30", "start", "日期"),
        ("end=yesterday", "end", "日期"),
        ("start=2025-03-28&end=2025-03-03", "start", "不能晚于结束日期"),
        ("start=2023-01-01&end=2025-03-28", "start", "最长"),
        ("end=2999-01-01", "end", "今天"),
        ("unit=abc", "unit", "单位"),
        ("unit=-3", "unit", "单位"),
        ("unit=%C2%B2", "unit", "单位"),  # "²": a digit to str.isdigit, not to int() — it was a 500
        ("kind=nonsense", "kind", "发现类型"),
        ("kind=silo,%00%27", "kind", "发现类型"),
    ],
)
def test_bad_parameters_get_a_422_with_a_chinese_message(
    people: dict[str, Person], query: str, field: str, words: str
) -> None:
    response = answer(people["PD-SEC"], query)
    assert response.status_code == 422
    assert words in " ".join(response.json()["errors"][field])
    page = client_for(people["PD-SEC"]).get(f"/insights/findings/?{query}")
    assert page.status_code == 200 and words in page.content.decode()


def test_a_unit_outside_the_scope_is_a_404_and_filters_narrow_the_list(people: dict[str, Person]) -> None:
    b4 = Unit.objects.get(code="B4")
    assert answer(people["B8H"], f"{PERIOD}&unit={b4.pk}").status_code == 404
    assert answer(people["PD-SEC"], f"{PERIOD}&unit=999999").status_code == 404
    assert subjects(answer(people["PD-SEC"], f"{PERIOD}&unit={b4.pk}")) == {("off_duty", "B4")}
    assert subjects(answer(people["PD-SEC"], f"{PERIOD}&kind=silo,idle_duty")) == {
        (k, c) for k, c in everything() if k in ("silo", "idle_duty")
    }
    assert subjects(answer(people["PD-SEC"], f"{PERIOD}&kind=silo&kind=backfill")) == {
        (k, c) for k, c in everything() if k in ("silo", "backfill")
    }


def test_the_page_lists_findings_and_a_decision_needs_a_reason(people: dict[str, Person]) -> None:
    leader = client_for(people["PD-SEC"])
    page = leader.get(f"/insights/findings/?{PERIOD}")
    text = page.content.decode()
    assert page.status_code == 200 and "数据截至" in text and "人手偏紧" in text and "尚未研判" in text
    b1 = Unit.objects.get(code="B1")
    form = {"kind": "understaffed", "subject_id": b1.pk, "start": "2025-03-03", "end": "2025-03-28"}
    leader.post("/insights/findings/review/", form | {"decision": "confirmed", "reason": "  "})
    assert not FindingReview.objects.exists()
    leader.post(
        "/insights/findings/review/", form | {"decision": "confirmed", "reason": "核实：该局承担专项任务，需增编"}
    )
    leader.post("/insights/findings/review/", form | {"decision": "noted", "reason": "已转组织部研究"})
    assert FindingReview.objects.count() == 2  # appended, never overwritten
    assert AuditEvent.objects.filter(verb="insights.finding_review").count() == 2
    text = leader.get(f"/insights/findings/?{PERIOD}").content.decode()
    assert "已转组织部研究" in text and "已知悉" in text
    mine = [f for f in answer(people["PD-SEC"]).json()["findings"] if f["kind"] == "understaffed"]
    assert mine[0]["review"]["decision"] == "noted" and mine[0]["review"]["reason"] == "已转组织部研究"


def test_without_a_kind_chosen_the_page_lists_the_strongest_of_each_kind_and_links_to_the_rest(
    people: dict[str, Person], monkeypatch: Any
) -> None:
    from jishi.insights import findings_views

    monkeypatch.setattr(findings_views, "PER_KIND", 1)
    text = client_for(people["PD-SEC"]).get(f"/insights/findings/?{PERIOD}").content.decode()
    assert text.count('class="card finding ') == len(planted.PLANTED)  # one of each kind
    assert "协作孤岛：另有 1 项，只看此类" in text and "kind=silo" in text
    text = client_for(people["PD-SEC"]).get(f"/insights/findings/?{PERIOD}&kind=silo").content.decode()
    assert text.count('class="card finding ') == 2 and "另有" not in text


def test_a_decision_on_a_finding_the_reader_cannot_see_is_refused(people: dict[str, Person]) -> None:
    b1 = Unit.objects.get(code="B1")
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        finding_review_create(
            user=people["B8H"],
            kind="understaffed",
            subject_id=b1.pk,
            period_start=today,
            period_end=today,
            decision="dismissed",
            reason="不属实",
        )
    with pytest.raises(PermissionDenied):
        finding_review_create(
            user=people["B8H"],
            kind="backfill",
            subject_id=people["B9P2"].pk,
            period_start=today,
            period_end=today,
            decision="dismissed",
            reason="不属实",
        )
    with pytest.raises(ValidationError) as error:
        finding_review_create(
            user=people["PD-SEC"],
            kind="no-such-kind",
            subject_id=b1.pk,
            period_start=today,
            period_end=today,
            decision="maybe",
            reason="",
        )
    assert set(error.value.message_dict) == {"kind", "decision", "reason"}
    response = client_for(people["B8H"]).post(
        "/insights/findings/review/",
        {"kind": "understaffed", "subject_id": b1.pk, "decision": "dismissed", "reason": "不属实"},
    )
    assert response.status_code == 404 and not FindingReview.objects.exists()


def test_views_and_logins_change_no_finding(people: dict[str, Person]) -> None:
    """No finding reads views, likes or logins: a flood of cross-unit views of the silos' and the overstaffed
    bureau's records, and everyone logging in, leave every finding and its strength as it was."""

    def snapshot() -> list[tuple[str, int, float, str]]:
        findings._cache.clear()
        return [
            (f.kind, f.subject_id, f.strength, f.explanation) for f in findings.compute(planted.FIRST, planted.LAST)
        ]

    before = snapshot()
    viewers = [people[n] for n in ("B1P1", "B2P2", "B4P3", "B6P1", "B9P5")]
    watched = WorkRecord.objects.filter(author__employee_number__regex=r"^B[235]")[:60]
    for record in watched:
        for viewer in viewers:
            view_log(viewer=viewer, record=record)
    Person.objects.update(last_login=timezone.now())
    store.rebuild()
    assert snapshot() == before


def test_before_the_store_is_built_the_list_is_empty_and_says_so(org: Any, settings: Any, tmp_path: Any) -> None:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "never-built"
    findings._cache.clear()
    body = answer(org.secretary).json()
    assert body["count"] == 0 and body["as_of"] is None
    page = client_for(org.secretary).get("/insights/findings/")
    assert page.status_code == 200 and "数据尚未生成" in page.content.decode()


def test_the_findings_speak_english_with_the_english_interface(people: dict[str, Person], settings: Any) -> None:
    assert "人手偏紧" in client_for(people["PD-SEC"]).get(f"/insights/findings/?{PERIOD}").content.decode()
    client = client_for(people["PD-SEC"])  # the same period and store, computed already: in English all the same
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get(f"/insights/findings/?{PERIOD}").content.decode()
    assert "Findings" in text and "Understaffed" in text and "possibly short of staff" in text
    assert "Not decided yet" in text and "人手偏紧" not in text
    body = client.get(f"{API}?{PERIOD}&kind=backfill").json()
    assert all("submitted in batches" in f["explanation"] for f in body["findings"])
    assert "choose from" in " ".join(client.get(f"{API}?kind=nope").json()["errors"]["kind"])
    translation.activate(settings.LANGUAGE_CODE)  # the client's request left English active in this thread


def test_findings_are_computed_again_only_when_the_periods_months_change(
    people: dict[str, Person], monkeypatch: Any
) -> None:
    """The worker refreshes the store every few minutes; a past period's findings (seconds to compute) are kept until
    a write reaches one of its months or the store is rebuilt."""
    calls: list[tuple[datetime.date, datetime.date]] = []
    real = findings.compute

    def counting(start: datetime.date, end: datetime.date) -> list[findings.Finding]:
        calls.append((start, end))
        return real(start, end)

    monkeypatch.setattr(findings, "compute", counting)
    leader = people["PD-SEC"]
    start, end = datetime.date(2025, 3, 3), datetime.date(2025, 3, 28)
    first = findings.findings_for(leader, start=start, end=end)
    findings.findings_for(leader, start=start, end=end)
    assert len(calls) == 1

    store.refresh([datetime.date(2025, 5, 1)])  # a month outside the period
    assert findings.findings_for(leader, start=start, end=end) == first
    assert len(calls) == 1

    store.refresh([datetime.date(2025, 3, 1)])  # a late entry into March
    findings.findings_for(leader, start=start, end=end)
    assert len(calls) == 2

    store.rebuild()
    findings.findings_for(leader, start=start, end=end)
    assert len(calls) == 3
