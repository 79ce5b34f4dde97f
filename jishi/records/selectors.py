"""Reads of work records. Every function starts from WorkRecord.objects.visible_to(user)."""

from __future__ import annotations

import calendar as pycalendar
import datetime
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import ngettext

from jishi.core.cache import GenerationCache
from jishi.core.http import ID_MAX
from jishi.org.calendar import WorkingCalendar, local_today, owed_days
from jishi.org.models import Absence, Assignment, AssignmentKind, FilingObligation, Person, Unit
from jishi.org.rules import Reader, reader_for
from jishi.org.selectors import subtree_ids
from jishi.records.hooks import records_text_condition
from jishi.records.models import Category, RecordParticipant, RecordQuerySet, Visibility, WorkRecord
from jishi.records.rules import with_content_visible

PAGE_SIZE = 20
PARTICIPANTS = Prefetch("participants", queryset=RecordParticipant.objects.select_related("person", "unit"))


# The categories (ten by default), per worker, while an administrator has not changed them (jishi.core.cache).
_categories: GenerationCache[str, list[Category]] = GenerationCache(maxsize=1)


def categories() -> list[Category]:
    """Every category, retired ones included, in display order. Callers must not change the instances."""
    return _categories.get("all", lambda: list(Category.objects.all())) or []


def active_categories() -> list[Category]:
    """The categories in use, in display order (the filter forms' choices): no query while the worker's are current."""
    return [c for c in categories() if c.is_active]


def active_category(code: str) -> Category | None:
    """The category in use with this code, or None."""
    return next((c for c in categories() if c.code == code and c.is_active), None)


@dataclass
class RecordFilters:
    """Filters shared by the list page, the unit page and the API list."""

    author_id: int | None = None
    unit_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    category_id: int | None = None
    duty_id: int | None = None
    q: str = ""


@dataclass
class Page:
    """One page of a keyset-paginated list: no COUNT over the table, a stable order (date, id) descending.

    `participants` holds each item's participants when the page was asked for them (the API lists them). `items` are
    records, or — for a page asked `as_rows` (the API) — each record's LISTED_VALUES and its content_visible as a dict.
    """

    items: list[Any]
    next_cursor: str | None
    filters: RecordFilters = field(default_factory=RecordFilters)
    participants: dict[int, list[Participant]] = field(default_factory=dict)


def _with_related(queryset: RecordQuerySet, *, participants: bool = True) -> RecordQuerySet:
    queryset = queryset.select_related("author", "unit", "category", "duty")
    if not participants:
        return queryset
    return queryset.prefetch_related(PARTICIPANTS)


@dataclass(frozen=True)
class Participant:
    """A participant as lists and the API show one: a named person, or a partner unit with its contact."""

    person_id: int | None
    person_name: str
    unit_id: int | None
    unit_name: str
    contact_name: str


def participants_in(record: WorkRecord) -> list[Participant]:
    """One record's participants from its prefetched rows (record_detail loads them with PARTICIPANTS)."""
    return [
        Participant(
            p.person_id,
            p.person.full_name if p.person else "",
            p.unit_id,
            p.unit.name if p.unit else "",
            p.contact_name,
        )
        for p in record.participants.all()
    ]


def participants_of(records: list[WorkRecord] | list[int]) -> dict[int, list[Participant]]:
    """Each record's participants, in one query (the caller has already decided the records may be read): records
    or their ids.

    Their names only, as rows: prefetch_related would build a queryset per record and an instance per row, which
    cost an API page more than the page's own query.
    """
    found: dict[int, list[Participant]] = {r if isinstance(r, int) else r.pk: [] for r in records}
    if not found:
        return found
    rows = (
        RecordParticipant.objects.filter(record_id__in=list(found))
        .order_by("id")
        .values_list("record_id", "person_id", "person__full_name", "unit_id", "unit__name", "contact_name")
    )
    for record_id, person_id, person_name, unit_id, unit_name, contact_name in rows:
        found[record_id].append(Participant(person_id, person_name or "", unit_id, unit_name or "", contact_name))
    return found


def parse_cursor(cursor: str | None) -> tuple[datetime.date, int] | None:
    """A cursor is "YYYY-MM-DD_ID" of the last row of the previous page; a bad one is treated as none."""
    if not cursor:
        return None
    try:
        day, pk = cursor.split("_", 1)
        position = datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None
    return position if 0 < position[1] <= ID_MAX else None


def record_page(
    *,
    user: Any,
    filters: RecordFilters,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    participants: bool = True,
    scope: Q | list[Q] | None = None,
    as_rows: bool = False,
) -> Page:
    """A page of records `user` may read, newest first. Search matches only content the reader may see.

    Pages that list records without their participants pass participants=False and save a query. A feed narrows
    what the reader may read (never widens it) with `scope`: one condition, or a list of branches — each a narrow,
    indexed condition such as one 本单位 or one author — whose union is the feed.

    One statement: the page's ids are chosen on the record table alone (visible_to, the filters, the cursor) in a
    subquery, and its rows read with their author, unit, category and duty around it. With the joins in the query
    that chooses, SQLite's planner may sort the whole table instead of walking the (date, id) index.

    `as_rows` (the API, which writes each record through its schema): the items are dicts of LISTED_VALUES and
    content_visible, read with .values() — no model instance for the record and its four relations.
    """
    if filters.author_id and not 0 < filters.author_id <= ID_MAX:
        return Page(items=[], next_cursor=None, filters=filters)  # no one has that id (SQLite's driver refuses it)
    chosen = filtered_records(user=user, filters=filters, flag_content=False)
    position = parse_cursor(cursor)
    if position:
        day, pk = position
        chosen = chosen.filter(Q(date__lt=day) | Q(date=day, id__lt=pk))
    if isinstance(scope, list):
        if not scope:
            return Page(items=[], next_cursor=None, filters=filters)
        ids = _newest_of_branches(chosen, scope, size + 1)
    else:
        ids = _newest(chosen if scope is None else chosen.filter(scope), size + 1)
    # The rows were chosen through visible_to: they need only their content flag (rules.with_content_visible).
    rows = _reader_records(user, flagged=True).filter(id__in=ids).order_by("-date", "-id")
    if as_rows:
        values = list(rows.values(*LISTED_VALUES, "content_visible")[: size + 1])
        more, items = len(values) > size, values[:size]
        last = (items[-1]["date"], items[-1]["id"]) if more else None
        shown = [r["id"] for r in items if r["content_visible"]]
    else:
        records = list(_listed(rows)[: size + 1])
        more, items = len(records) > size, records[:size]
        last = (items[-1].date, items[-1].pk) if more else None
        shown = [r.pk for r in items if r.content_visible]  # type: ignore[attr-defined]
    next_cursor = f"{last[0].isoformat()}_{last[1]}" if last else None
    page = Page(items=items, next_cursor=next_cursor, filters=filters)
    if participants:  # only for rows whose content shows: a hidden record's participants are never listed
        page.participants = participants_of(shown)
    return page


# What a list shows of a record's relations: names, the category, the duty's code and title (a person row alone has
# two dozen columns).
_LISTED_RELATED = (
    "author__full_name",
    "author__username",
    "unit__name",
    "category__code",
    "category__name",
    "duty__code",
    "duty__title",
)


# What a list item shows of the record itself (records/_record_items.html): who, where, when, what, its tags. The
# pages' lists read only these (the API reads every column, as rows: LISTED_VALUES); the texts a list does not show
# (result, reflection) and the times it does not (submitted, updated, locks) stay in the database.
_LISTED_OWN = (
    "author",
    "unit",
    "date",
    "start_at",
    "end_at",
    "duration_minutes",
    "category",
    "content",
    "duty",
    "visibility",
    "is_sensitive",
    "is_late",
    "withdrawn_at",
    "withdrawal_reason",
)


def _listed(records: RecordQuerySet) -> RecordQuerySet:
    """Records with the columns a list shows of them and of their author, unit, category and duty, in one query."""
    return records.select_related("author", "unit", "category", "duty").only(*_LISTED_OWN, *_LISTED_RELATED)


# The same columns as plain values, for a page asked as rows: the record's own (by attname, "author_id") and its
# relations' (record_page(as_rows=True); listed_values gives the same dict for a record read as an instance).
LISTED_VALUES = (*(f.attname for f in WorkRecord._meta.concrete_fields), *_LISTED_RELATED)


def listed_values(record: WorkRecord) -> dict[str, Any]:
    """A record read as an instance (a detail, a record just written) as the dict of LISTED_VALUES and content_visible
    that a page asked as rows holds: one shape for the API's answer."""
    values: dict[str, Any] = {}
    for name in LISTED_VALUES:
        value: Any = record
        for step in name.split("__"):
            value = getattr(value, step, None) if value is not None else None
        values[name] = value
    values["content_visible"] = bool(getattr(record, "content_visible", False))
    return values


def _newest(records: RecordQuerySet, limit: int) -> QuerySet[WorkRecord, Any]:
    """The ids of the newest `limit` records, as a subquery: walked on the (date, id) index or a (column, date) one."""
    return records.order_by("-date", "-id").values("id")[:limit]


def _newest_of_branches(records: RecordQuerySet, branches: list[Q], limit: int) -> QuerySet[WorkRecord, Any]:
    """The ids of the newest `limit` records of each branch, as one subquery: the union of the branches' heads.

    One OR of the branches lets the planner collect every matching row (a whole 本单位's half year) and sort it;
    each branch alone walks its (department, date) or (author, date) index and stops after `limit` rows. A branch's
    head sits in an `id IN (…)` of its own because SQLite does not allow LIMIT on a member of a UNION; the page
    query keeps the newest `limit` of the union (a followed person in a followed unit is listed once).
    """
    heads = [
        WorkRecord.objects.filter(id__in=_newest(records.filter(branch), limit)).order_by().values("id")
        for branch in branches
    ]
    return heads[0].union(*heads[1:], all=True) if len(heads) > 1 else heads[0]


# Per reader, the two querysets every list starts from — the records the reader may read (visible_to), and all
# records flagged with content_visible for the reader (rules.with_content_visible) — built once and kept while the
# organisation and role grants are unchanged (jishi.core.cache), as the reader is. Both depend on the reader's facts
# alone (org.rules.Reader), so equal readers share them. Never evaluated: each use starts from a copy (.all()).
_reader_querysets: GenerationCache[tuple[Reader, bool], RecordQuerySet] = GenerationCache(maxsize=2_000)


def _reader_records(user: Any, *, flagged: bool) -> RecordQuerySet:
    """visible_to(user) (without the content flag), or every record with the reader's content flag (`flagged`)."""

    def build() -> RecordQuerySet:
        if flagged:
            return with_content_visible(WorkRecord.objects.all(), user)
        return WorkRecord.objects.visible_to(user, flag_content=False)

    # On the request's user too, as its reader is (org.rules.reader_for): a second list in the same request, or a
    # command's second page, does not ask the cache's generation again.
    carried: dict[bool, RecordQuerySet] | None = getattr(user, "_jishi_record_querysets", None)
    if carried is None:
        carried = {}
        if user is not None:
            user._jishi_record_querysets = carried
    kept = carried.get(flagged)
    if kept is None:
        kept = _reader_querysets.get((reader_for(user), flagged), build)
        if kept is None:  # never `or`: a queryset's truth would read the table
            kept = build()
        carried[flagged] = kept
    return kept.all()


def filtered_records(*, user: Any, filters: RecordFilters, flag_content: bool = True) -> RecordQuerySet:
    """Records `user` may read, narrowed by the filters (lists, the API and exports share it).

    flag_content=False leaves out the content_visible annotation, for a query that only picks a page's ids.
    """
    queryset = WorkRecord.objects.visible_to(user) if flag_content else _reader_records(user, flagged=False)
    if filters.author_id:
        queryset = queryset.filter(author_id=filters.author_id)
    if filters.unit_id:
        queryset = queryset.filter(unit_id__in=subtree_ids(filters.unit_id))
    if filters.date_from:
        queryset = queryset.filter(date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(date__lte=filters.date_to)
    if filters.category_id:
        queryset = queryset.filter(category_id=filters.category_id)
    if filters.duty_id:
        queryset = queryset.filter(duty_id=filters.duty_id)
    if filters.q.strip():
        queryset = queryset.filter(search_q(user, filters.q))
    return queryset


def search_q(user: Any, text: str) -> Q:
    """Every word must occur in the content, place, result or reflection — and only where the reader may see them.

    Through the Chinese full-text index (jishi.search), so the list, the API, exports and the search page agree.
    """
    (condition,) = records_text_condition.run(user=user, text=text)  # exactly one app provides it
    return condition


def record_detail(*, user: Any, pk: int) -> WorkRecord:
    """One record `user` may read, with its history; a hidden record and a missing one are the same 404."""
    record = (
        _with_related(WorkRecord.objects.visible_to(user))
        .select_related("import_batch__imported_by")
        .prefetch_related("versions__changed_by", "addenda__author", "attachments")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404("记实不存在或无权查看。")
    return record


def my_day(*, person: Person, day: datetime.date) -> list[WorkRecord]:
    """The person's own records on a day, as a timeline (timed work first, by start)."""
    rows = _with_related(WorkRecord.objects.visible_to(person).filter(author=person, date=day))
    return sorted(rows, key=lambda r: (r.start_at is None, r.start_at or r.submitted_at, r.pk))


def recent_own(*, person: Person, before: datetime.date, limit: int = 10) -> list[WorkRecord]:
    """The person's latest records before a day, to copy from."""
    own = WorkRecord.objects.visible_to(person).filed().filter(author=person, date__lt=before)
    return list(own.select_related("category").order_by("-date", "-id")[:limit])


@dataclass
class DayStatus:
    day: datetime.date
    kind: str  # filed, missing, holiday, absent, future, not_owed
    count: int = 0


def month_calendar(*, person: Person, year: int, month: int) -> list[list[DayStatus | None]]:
    """A month as weeks (Monday first) of day statuses: filed, missing, holiday, absent, future, not owed."""
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, pycalendar.monthrange(year, month)[1])
    today = local_today()
    working = WorkingCalendar(first, last)
    counts: dict[datetime.date, int] = {}
    filed_days = WorkRecord.objects.filed().filter(author=person, date__range=(first, last))
    for day in filed_days.values_list("date", flat=True):
        counts[day] = counts.get(day, 0) + 1
    absences = list(Absence.objects.filter(person=person, start__lte=last, end__gte=first).values_list("start", "end"))
    posts = list(Assignment.objects.filter(person=person, start__lte=last).values_list("start", "end"))
    must_file = person.filing_obligation == "required"
    weeks: list[list[DayStatus | None]] = []
    week: list[DayStatus | None] = [None] * first.weekday()
    for n in range(1, last.day + 1):
        day = datetime.date(year, month, n)
        count = counts.get(day, 0)
        if count:
            kind = "filed"
        elif day > today:
            kind = "future"
        elif not working.is_working_day(day):
            kind = "holiday"
        elif any(s <= day <= e for s, e in absences):
            kind = "absent"
        elif must_file and any(s <= day and (e is None or day <= e) for s, e in posts):
            kind = "missing"
        else:
            kind = "not_owed"
        week.append(DayStatus(day, kind, count))
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks


class Member(NamedTuple):
    """Someone who owes a record, as the unit page lists them."""

    pk: int
    full_name: str


def unfiled_on(*, unit: Unit, day: datetime.date) -> list[Member]:
    """Members of `unit` (with its sections) who owe a record on `day` and have none.

    Who owes that day changes with posts and absences only, so each worker keeps it (jishi.core.cache); who has filed
    is then one indexed query on (author, date).
    """
    owing = owing_on(unit=unit, day=day)
    if not owing:
        return []
    if len(owing) > MANY_MEMBERS:
        # A whole town or the jurisdiction: who owes is a subquery, not thousands of parameters (SQLite and
        # PostgreSQL cap them at 32,766 and 65,535).
        authors: Any = _owing(day=day, unit=unit).order_by().values("pk")
    else:
        authors = [p.pk for p in owing]
    filed_rows = WorkRecord.objects.filed().filter(author_id__in=authors, date=day).order_by()
    filed = set(filed_rows.values_list("author_id", flat=True).distinct())
    return [p for p in owing if p.pk not in filed]


@dataclass
class SectionUnfiled:
    """Who has not filed in one section of a unit (`unit_id` None: posts on the unit itself, 本级)."""

    unit_id: int | None
    name: str
    people: list[Member] = field(default_factory=list)

    def count_label(self) -> str:
        """ "12 人" (English: "12 people")."""
        n = len(self.people)
        return ngettext("%(n)s 人", "%(n)s 人", n) % {"n": n}


def unfiled_by_section(*, unit: Unit, day: datetime.date) -> list[SectionUnfiled]:
    """unfiled_on, grouped by the sections right below `unit` (a person by their primary post there), the largest
    group first; a unit without sections is one group. Two queries beyond unfiled_on's."""
    unfiled = unfiled_on(unit=unit, day=day)
    sections = list(Unit.objects.filter(parent=unit, valid_to__isnull=True).order_by("path")) if unfiled else []
    if not sections:
        return [SectionUnfiled(unit.pk, unit.name, unfiled)] if unfiled else []
    where: dict[int, str] = {}
    for start in range(0, len(unfiled), 500):
        chunk = [m.pk for m in unfiled[start : start + 500]]
        posts = Assignment.objects.active_on(day).filter(
            person_id__in=chunk, position__unit__path__startswith=unit.path
        )
        for person_id, path, kind in posts.values_list("person_id", "position__unit__path", "kind"):
            if person_id not in where or kind == AssignmentKind.PRIMARY:
                where[person_id] = path
    groups = {s.path: SectionUnfiled(s.pk, s.name) for s in sections}
    own = SectionUnfiled(None, "")
    for member in unfiled:
        path = where.get(member.pk, "")
        next((g for p, g in groups.items() if path.startswith(p)), own).people.append(member)
    shown = [g for g in [own, *groups.values()] if g.people]
    return sorted(shown, key=lambda g: -len(g.people))


def owing_on(*, unit: Unit, day: datetime.date) -> list[Member]:
    """Members of `unit` (with its sections) who owe a record on `day` (a working day that has begun), in name order:
    the count a filing rate divides by (the manager's day), and where unfiled_on starts."""
    if day > local_today() or not WorkingCalendar(day, day).is_working_day(day):
        return []
    rows = lambda: [Member(*row) for row in _owing(day=day, unit=unit).values_list("pk", "full_name")]  # noqa: E731
    return _owing_members.get((unit.pk, day), rows) or []


MANY_MEMBERS = 1024  # beyond this, unfiled_on asks who has filed with a subquery instead of a list of ids

# Who owes a record in a unit on a day, per worker, while posts, people and absences are unchanged: a few hundred
# recent unit-days (a town is 300–500 people), as plain rows. Read-only.
_owing_members: GenerationCache[tuple[int, datetime.date], list[Member]] = GenerationCache(maxsize=256)


def _owing(*, day: datetime.date, unit: Unit | None) -> QuerySet[Person]:
    """People who owe a record on `day` (a post that day, the obligation to file, no absence), in name order."""
    posts = Assignment.objects.active_on(day)
    if unit is not None:
        posts = posts.filter(position__unit__path__startswith=unit.path)
    absent = Absence.objects.filter(person_id=OuterRef("pk"), start__lte=day, end__gte=day)
    return (
        Person.objects.filter(
            pk__in=posts.values("person_id"), is_active=True, filing_obligation=FilingObligation.REQUIRED
        )
        .exclude(Exists(absent))
        .order_by("name_pinyin", "id")
    )


def owing_without_record(*, day: datetime.date, unit: Unit | None = None) -> QuerySet[Person]:
    """People who owe a record on `day` and have none — in `unit` with its sections, or everywhere — as one query.

    The caller has checked that `day` is a working day that has begun (reminders).
    """
    filed = WorkRecord.objects.filed().filter(author_id=OuterRef("pk"), date=day)
    return _owing(day=day, unit=unit).exclude(Exists(filed))


@dataclass
class RestrictedShare:
    total: int
    restricted: int

    @property
    def percent(self) -> int:
        return round(100 * self.restricted / self.total) if self.total else 0


def restricted_share(*, person: Person, since: datetime.date) -> RestrictedShare:
    """How many of a person's records since a day were restricted (本单位 or 仅上级).

    For leaders this figure is shown to all staff (PRODUCT.md): it counts every record, including those the
    reader cannot open, and reveals nothing about them but their number.
    """
    counts = WorkRecord.objects.filter(author=person, date__gte=since).aggregate(
        total=Count("id"), restricted=Count("id", filter=Q(visibility__in=[Visibility.UNIT, Visibility.SUPERIORS]))
    )
    return RestrictedShare(total=counts["total"], restricted=counts["restricted"])


def missing_days(person: Person, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Owed days (org.calendar.owed_days) on which the person has no filed record."""
    owed = owed_days(person, start, end)
    if not owed:
        return []
    filed = set(
        WorkRecord.objects.filed().filter(author=person, date__range=(owed[0], owed[-1])).values_list("date", flat=True)
    )
    return [day for day in owed if day not in filed]
