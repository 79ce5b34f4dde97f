"""The visibility matrix of records/tests/test_visibility.py, against the search page and the search API.

A record is found by a word of its content exactly by those who may read its content; it is highlighted only
for them; and with every query shape (the index-driven join, the date-index walk for common words, and the
widening date windows between them).
"""

from __future__ import annotations

import pytest
from django.test import Client

from jishi.org.models import Person
from jishi.records.models import WorkRecord
from jishi.records.tests.test_visibility import CASES, SECRET_WORD, VIEWERS, _bearer, _client, viewer
from jishi.search import selectors
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def page_search(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    response = _client(person).get("/search/", {"q": "甲乙丙"})
    if response.status_code == 302:
        return False, False
    body = response.content.decode()
    return f"/records/{record.pk}/" in body, "<mark>甲乙丙</mark>" in body


def api_search(person: Person | None, record: WorkRecord) -> tuple[bool, bool]:
    response = Client().get("/api/v1/search", {"q": "甲乙丙"}, **_bearer(person))
    if response.status_code == 401:
        return False, False
    items = [i for i in response.json()["items"] if i["id"] == record.pk]
    return bool(items), bool(items) and bool(items[0]["snippets"][0]["highlights"])


# RANK_LIMIT 0: the words count as too common to rank, so the page comes newest first, in the shape chosen.
SHAPES = {
    "ranked": {},
    "newest, join": {"RANK_LIMIT": 0},
    "newest, walk": {"RANK_LIMIT": 0, "WINDOWS_FROM": 0, "WALK_SHARE": 0.0},
    "newest, windows": {"RANK_LIMIT": 0, "WINDOWS_FROM": 0, "WALK_SHARE": 2.0},
}


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize(("visibility", "sensitive"), list(CASES))
def test_search_follows_the_one_rule(
    org: Org, visibility: str, sensitive: bool, shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SHAPES[shape].items():
        monkeypatch.setattr(selectors, name, value)
    record = write_record(
        org.section_head,
        visibility=visibility,
        is_sensitive=sensitive,
        content=f"与预算科同事讨论{SECRET_WORD}，形成三条意见报局长",
    )
    _, content_readers = CASES[(visibility, sensitive)]
    failures = []
    for name in VIEWERS:
        person = viewer(org, name)
        for surface, probe in {"page": page_search, "api": api_search}.items():
            found, highlighted = probe(person, record)
            expected = name in content_readers
            if found != expected or highlighted != expected:
                failures.append(f"{surface}: {name} found={found} highlighted={highlighted}")
    assert not failures, "\n".join(failures)
