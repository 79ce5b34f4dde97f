"""Always a top three, the district's own words learned from filed records, never from content the reader could not
read; the 'matched nothing' flag and bad input through the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.test import Client

from jishi.accounts.services import token_create
from jishi.duties import training
from jishi.duties.lexicon import LEXICON
from jishi.duties.selectors import clear_caches, suggest_duties, text_matched
from jishi.duties.tests.conftest import Duties
from jishi.org.models import Person
from jishi.testing import Org, Visibility, write_record

pytestmark = pytest.mark.django_db
NEW_WORD = "化隐"  # 化解隐性债务: in no duty title and not in the lexicon


def codes(person: Person, text: str) -> list[str]:
    return [s.duty.code for s in suggest_duties(person=person, content=text)]


def file_under(person: Person, duty_id: int, texts: list[str], first_hour: int = 8, **extra: object) -> None:
    at = datetime.time
    for n, text in enumerate(texts):
        hour = first_hour + n
        write_record(person, duty_id=duty_id, start_time=at(hour), end_time=at(hour, 30), content=text, **extra)


USES = [f"梳理{place}{NEW_WORD}台账，报分管领导" for place in ("城投", "新城公司", "工业区", "南翔镇")]


def test_never_empty_while_the_person_has_three_duties(org: Org, duties: Duties) -> None:
    for text in ["审核预算追加申请", "今天跑了一趟", "？？？", "asdf", "x" * 3000, "🙂", NEW_WORD]:
        found = suggest_duties(person=org.author, content=text)
        assert len(found) == 3, text
        assert len({s.duty.pk for s in found}) == 3
    assert suggest_duties(person=org.author, content="  ") == []


def test_a_word_absent_from_the_lexicon_is_learned_from_filed_records(
    org: Org, duties: Duties, django_capture_on_commit_callbacks
) -> None:
    assert not any(NEW_WORD in keys or NEW_WORD in related for keys, related in LEXICON)
    text = f"{NEW_WORD}工作推进"
    before = suggest_duties(person=org.author, content=text)
    assert not text_matched(before)
    # A colleague of the same section files records using it, under 国库集中支付; the worker relearns the unit
    # (immediate backend in tests, once the records' transactions commit).
    with django_capture_on_commit_callbacks(execute=True):
        file_under(org.colleague, duties.treasury.pk, USES)
    clear_caches()
    after = suggest_duties(person=org.author, content=text)
    assert after[0].duty.code == "CZJ-02" and after[0].from_text and text_matched(after)


def test_the_train_command_relearns_every_unit(org: Org, duties: Duties, capsys) -> None:
    assert not training.unit_model(org.budget.pk).counts  # learned now, from nothing, and kept
    file_under(org.colleague, duties.treasury.pk, USES)  # no commit, so no worker: the kept model is stale
    assert not training.unit_model(org.budget.pk).counts
    call_command("duties", "train")
    assert "个单位" in capsys.readouterr().out
    model = training.unit_model(org.budget.pk)
    assert set(model.counts) == {duties.treasury.pk} and model.counts[duties.treasury.pk][NEW_WORD] == len(USES)


def test_never_learns_from_content_the_reader_could_not_read(
    org: Org, duties: Duties, django_capture_on_commit_callbacks
) -> None:
    # A colleague of the same section files records with the new word for superiors only: the author may not read
    # them, so nothing they say may reach the author's suggestions — neither through the unit's shared model
    # (which also leaves out every sensitive record) nor through the colleagues' records read per person.
    with django_capture_on_commit_callbacks(execute=True):
        file_under(org.colleague, duties.treasury.pk, USES, visibility=Visibility.SUPERIORS)
        file_under(org.colleague, duties.treasury.pk, USES, 13, is_sensitive=True, visibility=Visibility.SUPERIORS)
    call_command("duties", "train")
    clear_caches()
    found = suggest_duties(person=org.author, content=f"{NEW_WORD}推进")
    assert not text_matched(found)
    # The writer's own suggestions do learn from them (they wrote them).
    mine = suggest_duties(person=org.colleague, content=f"{NEW_WORD}推进")
    assert mine[0].duty.code == "CZJ-02" and mine[0].from_text
    # The unit's shared model never held them.
    assert not training.unit_model(org.budget.pk).counts


def api_for(person: Person) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_api_says_plainly_when_the_text_matched_nothing(org: Org, duties: Duties) -> None:
    api = api_for(org.author)
    body = api.post("/api/v1/duties/suggest", {"content": "今天跑了一趟"}, content_type="application/json").json()
    assert len(body["suggestions"]) == 3 and body["matched"] is False
    assert "没有匹配到" in body["message"] and not any(s["from_text"] for s in body["suggestions"])
    hit = api.post("/api/v1/duties/suggest", {"content": "审核年中预算追加申请"}, content_type="application/json")
    assert hit.json()["matched"] is True and hit.json()["message"] == ""
    assert hit.json()["suggestions"][0]["from_text"] is True


def test_the_chips_say_so_too(org: Org, duties: Duties) -> None:
    client = Client()
    client.force_login(org.author)
    html = client.post("/duties/suggest/", {"content": "今天跑了一趟"}).content.decode()
    assert "没有匹配到任何职责" in html and html.count("duty-pick") == 3


@pytest.mark.parametrize(
    "payload",
    [
        {"content": "预算", "date": "昨天"},
        {"content": 12},
        {"content": None},
        {},
        {"content": "预算", "date": "2026-13-40"},
        {"content": ["预算"]},
    ],
)
def test_bad_input_is_a_422_in_chinese_never_a_500(org: Org, duties: Duties, payload: dict[str, object]) -> None:
    response = api_for(org.author).post("/api/v1/duties/suggest", payload, content_type="application/json")
    assert response.status_code == 422
    message = response.json()["detail"][0]["msg"]
    assert any("\u4e00" <= c <= "\u9fff" for c in message), message


def test_odd_but_valid_input_is_answered(org: Org, duties: Duties) -> None:
    api = api_for(org.author)
    for content in ["\x01\x02", "<script>", "　" * 10, "预算" * 5000, "2026-01-01"]:
        response = api.post("/api/v1/duties/suggest", {"content": content}, content_type="application/json")
        assert response.status_code == 200, content
    # A NUL is refused by the API for every body (a2eab06: PostgreSQL cannot store it), in Chinese.
    nul = api.post("/api/v1/duties/suggest", {"content": "\x00\x01"}, content_type="application/json")
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]
    broken = api.post("/api/v1/duties/suggest", "{not json", content_type="application/json")
    assert broken.status_code in (400, 422)
