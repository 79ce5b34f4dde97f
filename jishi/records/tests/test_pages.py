"""List pages choose a page's ids in a subquery and read its rows around it: they must list exactly what the plain ORM
query lists, for every filter shape, page size and kind of reader."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from jishi.org.models import Person
from jishi.records.models import Visibility, WorkRecord
from jishi.records.selectors import RecordFilters, filtered_records, record_page
from jishi.testing import Org, category, make_post, write_record


def plain_ids(user: Person, filters: RecordFilters) -> list[int]:
    queryset = filtered_records(user=user, filters=filters, flag_content=False).order_by("-date", "-id")
    return list(queryset.values_list("id", flat=True))


def paged_ids(user: Person, filters: RecordFilters, size: int) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = record_page(user=user, filters=filters, cursor=cursor, size=size, participants=False)
        ids += [r.pk for r in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


@pytest.fixture
def records(org: Org) -> list[WorkRecord]:
    today = timezone.localdate()
    written = []
    authors = [org.author, org.colleague, org.sibling, org.unrelated, org.section_head]
    levels = [Visibility.INTERNAL, Visibility.UNIT, Visibility.SUPERIORS, Visibility.PUBLIC]
    for n in range(24):
        written.append(
            write_record(
                authors[n % len(authors)],
                date=today - datetime.timedelta(days=n % 3),
                start_time=None,
                end_time=None,
                duration_minutes=20 + n,
                content=f"第{n}项：核对预算执行进度，汇总各科室意见并形成报告",
                visibility=levels[n % len(levels)],
                is_sensitive=n % 5 == 0,
                category_id=category("meeting" if n % 2 else "research").pk,
            )
        )
    return written


@pytest.mark.parametrize("who", ["author", "sibling", "unit_head", "district_deputy", "unrelated", "scoped_inspector"])
def test_pages_list_what_the_plain_query_lists_for_every_filter_shape(org: Org, records: list[Any], who: str) -> None:
    user = getattr(org, who)
    today = timezone.localdate()
    shapes = [
        RecordFilters(),
        RecordFilters(author_id=org.author.pk),
        RecordFilters(author_id=org.sibling.pk),
        RecordFilters(unit_id=org.finance.pk),
        RecordFilters(unit_id=org.budget.pk, date_from=today - datetime.timedelta(days=1)),
        RecordFilters(date_from=today - datetime.timedelta(days=2), date_to=today - datetime.timedelta(days=1)),
        RecordFilters(date_to=today),
        RecordFilters(category_id=category("research").pk),
    ]
    for filters in shapes:
        for size in (1, 5, 20):  # keyset pages: every cursor continues where the last page stopped
            assert paged_ids(user, filters, size) == plain_ids(user, filters), (filters, size)


def test_a_new_post_changes_what_the_same_reader_lists(org: Org) -> None:
    hidden = write_record(org.author, visibility=Visibility.UNIT)
    assert hidden.pk not in paged_ids(org.unrelated, RecordFilters(), 20)
    make_post(org.unrelated, org.treasury, kind="concurrent")  # now also in 财政局: the 本单位 may read it
    next_request = Person.objects.get(pk=org.unrelated.pk)  # a request's user carries the reader it started with
    assert hidden.pk in paged_ids(next_request, RecordFilters(), 20)


def test_listed_rows_carry_names_and_content_flags_without_more_queries(
    org: Org, django_assert_num_queries: Any
) -> None:
    duty = org.finance.duties.first()
    write_record(org.author, duty_id=duty.pk if duty else None)
    write_record(org.colleague, is_sensitive=True)
    record_page(user=org.unrelated, filters=RecordFilters())  # the reader's facts, read once per organisation
    # The page's rows with their names and content flags in one statement (its ids chosen in a subquery).
    with django_assert_num_queries(1):
        page = record_page(user=org.unrelated, filters=RecordFilters(), participants=False)
    with django_assert_num_queries(0):
        shown = [(r.author.full_name, r.unit.name, r.category.code, r.content_visible) for r in page.items]
        duties = [r.duty.title for r in page.items if r.duty_id]
    assert shown == [("李娜", "预算科", "meeting", False), ("张伟", "预算科", "meeting", True)]
    assert duties == ([duty.title] if duty else [])
