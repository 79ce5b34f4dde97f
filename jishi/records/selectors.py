"""Reads of work records. Every function starts from WorkRecord.objects.visible_to(user)."""

from __future__ import annotations

import calendar as pycalendar
import datetime
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.base import ModelState
from django.http import Http404

from jishi.core.cache import GenerationCache
from jishi.core.http import ID_MAX
from jishi.core.prepared import Prepared, prepare, rows_for_ids
from jishi.org.calendar import WorkingCalendar, local_today, owed_days
from jishi.org.models import Absence, Assignment, Duty, FilingObligation, Person, Unit
from jishi.org.rules import reader_for
from jishi.org.selectors import subtree_ids
from jishi.records.hooks import records_text_condition
from jishi.records.models import Category, RecordParticipant, RecordQuerySet, Visibility, WorkRecord
from jishi.records.rules import can_read_content

PAGE_SIZE = 20
PARTICIPANTS = Prefetch("participants", queryset=RecordParticipant.objects.select_related("person", "unit"))


# The categories (ten by default), per worker, while an administrator has not changed them (jishi.core.cache).
_categories: GenerationCache[str, list[Category]] = GenerationCache(maxsize=1)


def categories() -> list[Category]:
    """Every category, retired ones included, in display order. Callers must not change the instances."""
    return _categories.get("all", lambda: list(Category.objects.all())) or []


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

    `participants` holds each item's participants when the page was asked for them (the API lists them).
    """

    items: list[WorkRecord]
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


def participants_of(records: list[WorkRecord]) -> dict[int, list[Participant]]:
    """Each record's participants, in one query (the caller has already decided the records may be read)."""
    found: dict[int, list[Participant]] = {r.pk: [] for r in records}
    if not found:
        return found
    columns = ("record_id", "person_id", "person__full_name", "unit_id", "unit__name", "contact_name")
    rows = rows_for_ids(
        "participants",
        lambda ids: RecordParticipant.objects.filter(record_id__in=ids).order_by("id").values_list(*columns),
        list(found),
        PAGE_SIZE,
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
) -> Page:
    """A page of records `user` may read, newest first. Search matches only content the reader may see.

    Pages that list records without their participants pass participants=False and save a query. A feed narrows
    what the reader may read (never widens it) with `scope`: one condition, or a list of branches — each a narrow,
    indexed condition such as one 本单位 or one author — whose union is the feed.
    """
    position = parse_cursor(cursor)
    if scope is None and not filters.q.strip():
        rows = _page_rows(user, filters, position, size + 1)
    else:
        queryset = filtered_records(user=user, filters=filters, flag_content=False)
        if position:
            day, pk = position
            queryset = queryset.filter(Q(date__lt=day) | Q(date=day, id__lt=pk))
        if isinstance(scope, list):
            ids = _union_head(queryset, scope, size + 1)
        else:
            if scope is not None:
                queryset = queryset.filter(scope)
            # Find the page's ids on the record table alone, then fetch those rows with their relations: with the
            # joins in the first query SQLite's planner may sort the whole table instead of walking the (date, id)
            # index.
            ids = list(queryset.order_by("-date", "-id").values_list("id", flat=True)[: size + 1])
        rows = _listed_rows(ids)
    # The rows were chosen through visible_to and the filters above; they need only their content flag, which
    # rules.can_read_content gives for rows in hand (the same rule as content_q, without compiling it again).
    records = _listed_records(rows)
    for record in records:
        record.content_visible = can_read_content(user, record)  # type: ignore[attr-defined]
    more = len(records) > size
    items = records[:size]
    next_cursor = f"{items[-1].date.isoformat()}_{items[-1].pk}" if more else None
    page = Page(items=items, next_cursor=next_cursor, filters=filters)
    if participants:  # only for rows whose content shows: a hidden record's participants are never listed
        page.participants = participants_of([r for r in items if r.content_visible])  # type: ignore[attr-defined]
    return page


# A list page's query, compiled once per reader and shape of filters (jishi.core.prepared): the reader's visibility
# condition is most of its SQL, and compiling it was a third of the API list's time. The values that differ from
# page to page — an author, dates, the cursor — are placeholders; the rest (a unit's subtree, a category, a duty, the
# page size) is part of the key. Entries hold while the organisation is unchanged, as the reader does. The page's ids
# are chosen in a subquery on the record table alone and its rows read in the same statement: one round trip.
_page_queries: GenerationCache[tuple[Any, ...], Prepared] = GenerationCache(maxsize=2048)
_AUTHOR, _DAY_PK = -7_391_000_011, -7_391_000_012
_FROM, _TO, _DAY = datetime.date(1001, 1, 1), datetime.date(1002, 1, 1), datetime.date(1003, 1, 1)


def _page_rows(user: Any, filters: RecordFilters, position: tuple[datetime.date, int] | None, limit: int) -> list[Any]:
    # The unit's subtree itself, not only its id: the compiled SQL holds that list, and the key must say which.
    shape = (
        bool(filters.author_id),
        tuple(subtree_ids(filters.unit_id)) if filters.unit_id else None,
        filters.date_from is not None,
        filters.date_to is not None,
        filters.category_id or None,
        filters.duty_id or None,
        position is not None,
        limit,
    )

    def compile_shape() -> Prepared:
        placeholders: dict[str, Any] = {}
        shaped = RecordFilters(unit_id=filters.unit_id, category_id=filters.category_id, duty_id=filters.duty_id)
        if filters.author_id:
            shaped.author_id = placeholders["author"] = _AUTHOR
        if filters.date_from is not None:
            shaped.date_from = placeholders["from"] = _FROM
        if filters.date_to is not None:
            shaped.date_to = placeholders["to"] = _TO
        queryset = filtered_records(user=user, filters=shaped, flag_content=False)
        if position is not None:
            placeholders |= {"day": _DAY, "pk": _DAY_PK}
            queryset = queryset.filter(Q(date__lt=_DAY) | Q(date=_DAY, id__lt=_DAY_PK))
        ids = queryset.order_by("-date", "-id").values("id")[:limit]
        return prepare(_rows_query(WorkRecord.objects.filter(id__in=ids)), placeholders)

    if filters.author_id and not 0 < filters.author_id <= ID_MAX:
        return []  # no person has that id (and SQLite's driver refuses the number)
    prepared = _page_queries.get((reader_for(user), shape), compile_shape) or compile_shape()
    day, pk = position or (None, None)
    values = {"author": filters.author_id, "from": filters.date_from, "to": filters.date_to, "day": day, "pk": pk}
    return prepared.rows(values)


# The columns a list shows: of the record, and the names of its author, unit and duty. For ids chosen through
# visible_to by other means (feeds, search), one compiled query per page length, the same for every reader. A person
# row has two dozen columns; building twenty of them, with units and duties, as Django does for select_related, was
# a list page's largest cost after compiling its SQL.
_RECORD_COLUMNS = [f.attname for f in WorkRecord._meta.concrete_fields]
_RELATED_COLUMNS = ("author__full_name", "author__username", "unit__name", "duty__code", "duty__title")


def _rows_query(records: QuerySet[WorkRecord]) -> QuerySet[Any]:
    return records.order_by("-date", "-id").values_list(*_RECORD_COLUMNS, *_RELATED_COLUMNS)


def _listed_rows(ids: list[int]) -> list[Any]:
    """The list rows of the records with these ids, newest first. No visibility rule is applied here: only
    record_page calls it, with ids it chose through visible_to."""
    if not ids:
        return []
    return rows_for_ids(
        "listed records", lambda ids: _rows_query(WorkRecord.objects.filter(id__in=ids)), ids, PAGE_SIZE + 1
    )


def _listed_records(rows: list[Any]) -> list[WorkRecord]:
    """Records from list rows, with their author, unit, category and duty as lists show them.

    The related rows carry only the shown columns (a name, a code, a title).
    """
    by_id = {c.pk: c for c in categories()}
    db = connection.alias
    records = []
    for row in rows:
        record = _loaded(WorkRecord, db, dict(zip(_RECORD_COLUMNS, row, strict=False)))
        author_name, username, unit_name, duty_code, duty_title = row[len(_RECORD_COLUMNS) :]
        duty_id = record.duty_id
        record._state.fields_cache = {
            "author": _loaded(Person, db, {"id": record.author_id, "full_name": author_name, "username": username}),
            "unit": _loaded(Unit, db, {"id": record.unit_id, "name": unit_name}),
            "category": by_id.get(record.category_id),
            "duty": _loaded(Duty, db, {"id": duty_id, "code": duty_code, "title": duty_title}) if duty_id else None,
        }
        records.append(record)
    return records


def _loaded(model: type[Any], db: str, values: dict[str, Any]) -> Any:
    """An instance as the database returned it, with only these columns loaded (the others load on first use, as
    with only()).

    Built without Model.__init__, which sets every column through its descriptor and sends the init signals: for a
    page's twenty records with their authors, units and duties that was a list's largest cost after compiling its
    SQL. No model built here has a field that listens to those signals (file and generic relation fields do).
    """
    instance = object.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = db
    return instance


def _union_head(queryset: RecordQuerySet, branches: list[Q], limit: int) -> list[int]:
    """The newest `limit` ids of the union of branches, each branch read newest-first on its own index.

    One OR of the branches lets the planner collect every matching row (a whole 本单位's half year) and sort it;
    each branch alone walks its (department, date) or (author, date) index and stops after `limit` rows. The
    branches go to the database as one UNION ALL of limited subqueries (Django's union() cannot limit its members
    on SQLite).
    """
    parts: list[str] = []
    params: list[Any] = []
    shapes: dict[str, tuple[str, list[Any], int]] = {}
    for branch in branches:
        lookup = _single_lookup(branch)
        if lookup is not None and lookup[0] not in shapes:
            sql, shape_params = _head(queryset, Q(**{lookup[0]: _SENTINEL}), limit)
            if shape_params.count(_SENTINEL) == 1:
                shapes[lookup[0]] = (sql, shape_params, shape_params.index(_SENTINEL))
        if lookup is not None and lookup[0] in shapes:
            # One 本单位, unit or author: the shape is compiled once, each branch puts its id in the parameter.
            sql, shape_params, at = shapes[lookup[0]]
            branch_params = [*shape_params[:at], lookup[1], *shape_params[at + 1 :]]
        else:
            sql, branch_params = _head(queryset, branch, limit)
        parts.append(f"SELECT * FROM ({sql}) AS b{len(parts)}")
        params.extend(branch_params)
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    # Branches may overlap (a followed person in a followed unit): each id once. SQLite returns dates as text
    # here; ISO dates sort as their text does.
    newest = sorted({(str(day), pk) for day, pk in rows}, reverse=True)
    return [pk for _, pk in newest[:limit]]


# Compiling a branch's query (the visibility condition and the filters) costs about a millisecond; a 分管 leader's
# 本单位 feed has twenty branches that differ only in one id.
_SENTINEL = -7_391_000_003
_SHARED_SHAPES = ("department_id", "unit_id", "author_id")


def _single_lookup(branch: Q) -> tuple[str, int] | None:
    """("department_id", 15) for Q(department_id=15); None for anything else."""
    if branch.negated or branch.connector != Q.AND or len(branch.children) != 1:
        return None
    child = branch.children[0]
    if not isinstance(child, tuple) or child[0] not in _SHARED_SHAPES:
        return None
    value = child[1]
    return (child[0], value) if isinstance(value, int) and not isinstance(value, bool) else None


def _head(queryset: RecordQuerySet, branch: Q, limit: int) -> tuple[str, list[Any]]:
    head = queryset.filter(branch).order_by("-date", "-id").values_list("date", "id")[:limit]
    sql, params = head.query.sql_with_params()
    return sql, list(params)


def filtered_records(*, user: Any, filters: RecordFilters, flag_content: bool = True) -> RecordQuerySet:
    """Records `user` may read, narrowed by the filters (lists, the API and exports share it).

    flag_content=False leaves out the content_visible annotation, for a query that only picks a page's ids.
    """
    queryset = WorkRecord.objects.visible_to(user, flag_content=flag_content)
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
    if day > local_today() or not WorkingCalendar(day, day).is_working_day(day):
        return []
    owing = (
        _owing_members.get(
            (unit.pk, day), lambda: [Member(*row) for row in _owing(day=day, unit=unit).values_list("pk", "full_name")]
        )
        or []
    )
    if not owing:
        return []
    ids = [p.pk for p in owing]
    if len(ids) > MANY_MEMBERS:
        # A whole town or the jurisdiction: who owes is a subquery, not thousands of parameters (SQLite and
        # PostgreSQL cap them at 32,766 and 65,535).
        owing_ids = _owing(day=day, unit=unit).order_by().values("pk")
        filed_rows = WorkRecord.objects.filed().filter(author_id__in=owing_ids, date=day).order_by()
        filed = set(filed_rows.values_list("author_id", flat=True))
    else:
        # Compiled once per power of two of the members' number (a unit of 5 and one of 500 need two compilations).
        rows = rows_for_ids(
            "filed authors",
            lambda ids: (
                WorkRecord.objects.filed()
                .filter(author_id__in=ids, date=_DAY)
                .order_by()
                .values_list("author_id")
                .distinct()
            ),
            ids,
            1 << (len(ids) - 1).bit_length(),
            {"day": _DAY},
            {"day": day},
        )
        filed = {row[0] for row in rows}
    return [p for p in owing if p.pk not in filed]


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
