"""Entry at the speed of habit: reads that let the next record start from what the person usually does.

- the next entry starts where the day's last one ended, in its category (`next_entry`);
- 常用: the person's frequent recent entries, derived rather than kept as saved templates (`frequent_entries`);
- the days worth repeating ("same as yesterday", "last week's Monday") and their records (`repeatable_days`);
- who the person works with, for the people autocomplete (hook people.worked_with) and for @names in 整天录入.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _

from jishi.org.models import Person, Unit
from jishi.org.selectors import worked_with_rank
from jishi.records.daylines import DayLine
from jishi.records.models import Category, RecordParticipant, WorkRecord

WORKED_WITH_DAYS = 90
FREQUENT_DAYS = 60
FREQUENT_SCAN = 300  # the person's latest records read to find their habits: a few months of an ordinary post


def worked_with_q(*, person: Person) -> Q:
    """People named on the person's records, or who named the person on theirs, in the last WORKED_WITH_DAYS days
    (listener of people.worked_with)."""
    since = timezone.localdate() - datetime.timedelta(days=WORKED_WITH_DAYS)
    named_by_them = RecordParticipant.objects.filter(
        record__author=person, record__date__gte=since, person__isnull=False
    ).values("person_id")
    named_them = RecordParticipant.objects.filter(person=person, record__date__gte=since).values("record__author_id")
    return Q(pk__in=named_by_them) | Q(pk__in=named_them)


def next_entry(timeline: list[WorkRecord]) -> dict[str, Any]:
    """Initial values for the next entry of a day already holding `timeline` (my_day): its start is where the last
    timed record ended (unless that ran into the next day), its category the last record's."""
    filed = [r for r in timeline if not r.withdrawn_at]
    if not filed:
        return {}
    initial: dict[str, Any] = {"category": filed[-1].category_id}
    ends = [timezone.localtime(r.end_at) for r in filed if r.end_at]
    if ends:
        last = max(ends)
        if last.date() == filed[-1].date:
            initial["start_time"] = last.time().replace(second=0, microsecond=0)
    return initial


@dataclass
class Habit:
    """A kind of entry the person makes often: the latest record of it (to copy) and how often it came."""

    record: WorkRecord
    times: int


def frequent_entries(*, person: Person, day: datetime.date, limit: int = 4) -> list[Habit]:
    """常用: the entries the person made at least twice in the last FREQUENT_DAYS days — same category, duty and
    opening words — most frequent first. Derived, not saved: it needs no upkeep and follows a change of post."""
    rows = list(
        WorkRecord.objects.visible_to(person)
        .filed()
        .filter(author=person, date__gte=day - datetime.timedelta(days=FREQUENT_DAYS), date__lte=day)
        .select_related("category")
        .order_by("-date", "-id")[:FREQUENT_SCAN]
    )
    counts: Counter[tuple[int, int | None, str]] = Counter()
    latest: dict[tuple[int, int | None, str], WorkRecord] = {}
    for record in rows:
        key = (record.category_id, record.duty_id, record.content[:6])
        counts[key] += 1
        latest.setdefault(key, record)
    return [Habit(latest[key], n) for key, n in counts.most_common() if n >= 2][:limit]


@dataclass
class RepeatableDay:
    """A day whose records may be repeated today: its label (同昨天, 同上周一) and its date."""

    label: str
    day: datetime.date


def repeatable_days(*, person: Person, today: datetime.date) -> list[RepeatableDay]:
    """The person's latest earlier day with records in the last month (同昨天 when it is yesterday) and last week's
    Monday when it had records."""
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)
    own = WorkRecord.objects.visible_to(person, flag_content=False).filed().filter(author=person)
    recent = own.filter(date__lt=today, date__gte=today - datetime.timedelta(days=31))
    previous = recent.order_by("-date").values_list("date", flat=True).first()
    found: list[RepeatableDay] = []
    if previous is not None:
        label = (
            _("同昨天")
            if previous == today - datetime.timedelta(days=1)
            else _("同%(day)s") % {"day": format_date(previous, _("n月j日"))}
        )
        found.append(RepeatableDay(label, previous))
    if previous != last_monday and own.filter(date=last_monday).exists():
        found.append(RepeatableDay(_("同上周一"), last_monday))
    return found


def day_to_repeat(*, person: Person, day: datetime.date) -> list[WorkRecord]:
    """The person's own filed records of a day, in time order, to repeat today (times kept)."""
    rows = (
        WorkRecord.objects.visible_to(person)
        .filed()
        .filter(author=person, date=day)
        .select_related("category")
        .prefetch_related("participants__person", "participants__unit")
    )
    return sorted(rows, key=lambda r: (r.start_at is None, r.start_at or r.submitted_at, r.pk))


def categories_by_name() -> dict[str, Category]:
    return {c.name: c for c in Category.objects.filter(is_active=True)}


def resolve_mentions(*, author: Person, lines: list[DayLine]) -> dict[str, Person | Unit | str]:
    """Each @name of the lines as a colleague (exact name; among namesakes the one the author works with most
    closely, worked_with_rank) or a current unit (exact name, else the one unit whose name holds it) — or, when it is
    neither or cannot be told apart, the error to show on the line. Two queries for people and units, whatever the
    number of lines."""
    names = {name for line in lines for name in line.mentions}
    if not names:
        return {}
    today = timezone.localdate()
    people: dict[str, list[tuple[int, Person]]] = {}
    for person in (
        Person.objects.filter(is_active=True, full_name__in=names)
        .exclude(pk=author.pk)
        .annotate(rank=worked_with_rank(author, today))
    ):
        people.setdefault(person.full_name, []).append((person.rank, person))
    units = {u.name: u for u in Unit.objects.filter(name__in=names, valid_to__isnull=True)}
    found: dict[str, Person | Unit | str] = {}
    for name in names:
        namesakes = sorted(people.get(name, []), key=lambda pair: pair[0])
        if namesakes and (len(namesakes) == 1 or namesakes[0][0] < namesakes[1][0]):
            found[name] = namesakes[0][1]
        elif namesakes:
            found[name] = _("有 %(n)d 位同名的“%(name)s”，请用上面的表单选择。") % {"n": len(namesakes), "name": name}
        elif name in units:
            found[name] = units[name]
        else:
            partial = list(Unit.objects.filter(name__contains=name, valid_to__isnull=True)[:2])
            found[name] = (
                partial[0] if len(partial) == 1 else _("找不到“%(name)s”：请写全名或单位全称。") % {"name": name}
            )
    return found
