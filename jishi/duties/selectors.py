"""Reads for duties: suggestions for a record being written, and duty coverage of a person, position or unit.

Every count of records starts from WorkRecord.objects.visible_to(viewer), and only as aggregates.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from jishi.duties.suggest import CatalogueIndex, DutyText, History, NgramModel, PastRecord, Ranked, rank
from jishi.duties.training import unit_model
from jishi.org.calendar import local_today
from jishi.org.models import DEPARTMENT_LEVEL_KINDS, Assignment, Duty, Person, Position, Unit
from jishi.org.rules import refuse
from jishi.org.selectors import duties_for, subtree_ids
from jishi.records.models import RecordQuerySet, WorkRecord
from jishi.supervision.rules import min_group_size

MAX_CONTENT = 2000  # longer text adds nothing to a suggestion and only costs time
OWN_HISTORY = 200
UNIT_HISTORY = 200
UNIT_WEIGHT = 0.5  # a colleague's choice says less about this person's work than their own
CACHE_SECONDS = 300

K = TypeVar("K")
V = TypeVar("V")


class _TimedCache(Generic[K, V]):
    """A small per-process cache whose entries expire: suggestions may lag a new record or duty by minutes."""

    def __init__(self, seconds: float, size: int) -> None:
        self.seconds, self.size = seconds, size
        self.entries: dict[K, tuple[float, V]] = {}
        self.lock = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        now = time.monotonic()
        hit = self.entries.get(key)
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]
        value = build()
        with self.lock:
            if len(self.entries) >= self.size:
                self.entries.clear()
            self.entries[key] = (now, value)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_index: _TimedCache[str, CatalogueIndex] = _TimedCache(600, 1)
_history: _TimedCache[tuple[Any, ...], History] = _TimedCache(CACHE_SECONDS, 2000)
_unit_models: _TimedCache[int, NgramModel] = _TimedCache(60, 500)
# A person's duties on a day, as the record form's select shows them; the record service still checks the choice.
_candidates: _TimedCache[tuple[int, datetime.date], dict[int, Duty]] = _TimedCache(CACHE_SECONDS, 5000)


def clear_caches() -> None:
    """Forget the cached catalogue and past choices (tests; after a bulk change of duties)."""
    _index.clear()
    _history.clear()
    _candidates.clear()
    _unit_models.clear()


def catalogue_index() -> CatalogueIndex:
    """How rare each word is across the whole duty catalogue; new or renamed duties are described on first use."""
    return _index.get("all", lambda: CatalogueIndex(Duty.objects.values_list("title", "description").distinct()))


def _duty_text(duty: Duty) -> DutyText:
    # A post's own duty is the most specific, then a section's or village's function, then the department's.
    specificity = 0 if duty.position_id is not None else 2 if duty.unit.kind in DEPARTMENT_LEVEL_KINDS else 1
    return DutyText(id=duty.pk, code=duty.code, title=duty.title, description=duty.description, specificity=specificity)


def _history_of(person: Person, duty_ids: list[int], day: datetime.date, index: CatalogueIndex) -> History:
    unit_ids = list(
        Assignment.objects.active_on(day).filter(person=person).values_list("position__unit_id", flat=True).distinct()
    )
    shared = [_unit_models.get(u, lambda u=u: unit_model(u)) for u in unit_ids]  # type: ignore[misc]
    return History(index, _past_choices(person, duty_ids, unit_ids), shared)


def _past_choices(person: Person, duty_ids: list[int], unit_ids: list[int]) -> list[PastRecord]:
    """The person's own records filed under these duties, then those of colleagues in the units of their posts
    (only content the person may read), newest first."""
    # content_visible is visible_to's annotation; it also leaves out withdrawn records.
    own = (
        WorkRecord.objects.visible_to(person)
        .filter(author=person, duty_id__in=duty_ids, content_visible=True)  # type: ignore[misc]
        .order_by("-date", "-id")
        .values_list("content", "duty_id")[:OWN_HISTORY]
    )
    past = [PastRecord(content=c, duty_id=d) for c, d in own]
    colleagues = (
        WorkRecord.objects.visible_to(person)
        .filter(unit_id__in=unit_ids, duty_id__in=duty_ids, content_visible=True)  # type: ignore[misc]
        .exclude(author=person)
        .order_by("-date", "-id")
        .values_list("content", "duty_id")[:UNIT_HISTORY]
    )
    past += [PastRecord(content=c, duty_id=d, weight=UNIT_WEIGHT) for c, d in colleagues]
    return past


@dataclass
class Suggestion:
    """A duty the record probably serves, with a score and the words that matched; the person decides."""

    duty: Duty
    score: float
    because: list[str] = field(default_factory=list)
    from_text: bool = True  # False: nothing in the text pointed at it; offered for what the person usually does


def text_matched(found: list[Suggestion]) -> bool:
    """Whether the text itself matched anything (else the suggestions are only the person's usual duties)."""
    return any(s.from_text for s in found)


def suggest_duties(
    *, person: Person, content: str, day: datetime.date | None = None, limit: int = 3
) -> list[Suggestion]:
    """The person's own duties on `day` that `content` most likely serves, best first: every duty of theirs is ranked
    (the text's evidence, then what they and their unit usually file), so there are `limit` suggestions whenever
    they have that many duties; none for empty text. `from_text` says which ones the text itself pointed at."""
    content = (content or "").strip()[:MAX_CONTENT]
    if not content:
        return []
    day = day or local_today()
    duties = _candidates.get((person.pk, day), lambda: {d.pk: d for d in duties_for(person, day)})
    if not duties:
        return []
    duty_ids = sorted(duties)
    index = catalogue_index()
    history = _history.get((person.pk, day, tuple(duty_ids)), lambda: _history_of(person, duty_ids, day, index))
    ranked: list[Ranked] = rank(index, content, [_duty_text(d) for d in duties.values()], past=history, limit=limit)
    return [Suggestion(duty=duties[r.duty.id], score=r.score, because=r.because, from_text=r.from_text) for r in ranked]


# ---- coverage -------------------------------------------------------------------------------------------------


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def parse_period(
    start: str | None, end: str | None, *, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """A period from two YYYY-MM-DD strings; by default this quarter up to today. Bad input is a ValidationError,
    keyed by the query parameters' names (date_from, date_to)."""
    today = today or local_today()
    errors: dict[str, str] = {}
    parsed: dict[str, datetime.date | None] = {}
    for name, value in (("date_from", start), ("date_to", end)):
        value = (value or "").strip()
        try:
            parsed[name] = datetime.date.fromisoformat(value) if value else None
        except ValueError:
            errors[name] = _("日期“%(value)s”无法识别，请按 YYYY-MM-DD 填写，如 %(example)s。") % {
                "value": value[:20],
                "example": f"{today:%Y-%m-%d}",
            }
    if errors:
        raise ValidationError(errors)
    first = parsed["date_from"] or quarter_start(today)
    last = parsed["date_to"] or max(today, first)
    if last < first:
        raise ValidationError(
            {
                "date_to": _("结束日期（%(end)s）不能早于开始日期（%(start)s）。")
                % {"end": f"{last:%Y-%m-%d}", "start": f"{first:%Y-%m-%d}"}
            }
        )
    if (last - first).days > 3 * 366:
        raise ValidationError({"date_to": _("统计期间最长三年，请缩短期间。")})
    return first, last


@dataclass
class DutyLine:
    """One duty in a coverage table: how many records served it and how many hours, and whether it is retired."""

    duty: Duty | None
    records: int = 0
    minutes: int = 0
    in_catalogue: bool = True

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def retired(self) -> bool:
        return bool(self.duty and self.duty.retired_on)


@dataclass
class Coverage:
    """Duty coverage of a subject over a period, counted from the records the viewer may read."""

    kind: str  # "person" | "position" | "unit"
    subject: Person | Position | Unit
    start: datetime.date
    end: datetime.date
    covered: list[DutyLine]
    uncovered: list[DutyLine]
    elsewhere: list[DutyLine]  # records under a duty outside the subject's catalogue (another post's, say)
    no_duty: DutyLine
    total_records: int
    total_minutes: int
    # For a colleague (not a superior) looking at a unit whose records come from fewer people than the minimum
    # group size, the figures would be a person's own: they are withheld.
    withheld: bool = False
    min_group: int = 0

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 1)

    @property
    def no_duty_percent(self) -> int:
        return round(100 * self.no_duty.records / self.total_records) if self.total_records else 0


def _posts_in(queryset: QuerySet[Assignment], start: datetime.date, end: datetime.date) -> QuerySet[Assignment]:
    return queryset.filter(Q(start__lte=end), Q(end__isnull=True) | Q(end__gte=start))


def _catalogue(
    kind: str, subject: Any, start: datetime.date, end: datetime.date, unit_ids: list[int] | None
) -> QuerySet[Duty]:
    """The duties the subject's work could serve in the period: those of its posts and units, retired ones that were
    still in force for part of it."""
    if kind == "unit":
        duties = Duty.objects.all() if unit_ids is None else Duty.objects.filter(unit_id__in=unit_ids)
    else:
        if kind == "person":
            posts = _posts_in(Assignment.objects.filter(person=subject), start, end)
            position_ids = list(posts.values_list("position_id", flat=True))
        else:
            position_ids = [subject.pk]
        # Their posts' units and those units' 本单位, as duties_for offers them when a record is written.
        pairs = Unit.objects.filter(positions__in=position_ids).values_list("id", "department_id")
        own_units = {pk for pair in pairs for pk in pair if pk is not None}
        duties = Duty.objects.filter(Q(position_id__in=position_ids) | Q(position__isnull=True, unit_id__in=own_units))
    return duties.filter(Q(retired_on__isnull=True) | Q(retired_on__gt=start)).select_related("unit", "position")


def _records(
    viewer: Any, kind: str, subject: Any, start: datetime.date, end: datetime.date, unit_ids: list[int] | None
) -> RecordQuerySet:
    # A withdrawn record (撤回) stays as a tombstone but is no longer work done.
    records = WorkRecord.objects.visible_to(viewer).filter(date__gte=start, date__lte=end, withdrawn_at__isnull=True)
    if kind == "person":
        return records.filter(author=subject)
    if kind == "unit":
        return records if unit_ids is None else records.filter(unit_id__in=unit_ids)
    # A position's work is its holders' records in its unit while they held it.
    held = Assignment.objects.filter(
        position=subject, person_id=OuterRef("author_id"), start__lte=OuterRef("date")
    ).filter(Q(end__isnull=True) | Q(end__gte=OuterRef("date")))
    return records.filter(unit_id=subject.unit_id).filter(Exists(held))


def duty_coverage(
    *,
    viewer: Any,
    kind: str,
    subject: Person | Position | Unit,
    start: datetime.date,
    end: datetime.date,
    min_authors: int = 0,
) -> Coverage:
    """Which duties had work in the period and how much (records, hours), which had none, and how much work had no
    duty — from the records `viewer` may read. The caller checks that the viewer may see the subject (rules.py);
    with `min_authors`, figures drawn from fewer authors than that are withheld."""
    # A unit's subtree, once; the whole jurisdiction needs no list of every unit.
    unit_ids = subtree_ids(subject.pk) if kind == "unit" and getattr(subject, "parent_id", None) else None
    if min_authors:
        authors = _records(viewer, kind, subject, start, end, unit_ids).aggregate(n=Count("author_id", distinct=True))
        if authors["n"] < min_authors:
            return Coverage(
                kind=kind,
                subject=subject,
                start=start,
                end=end,
                covered=[],
                uncovered=[],
                elsewhere=[],
                no_duty=DutyLine(duty=None),
                total_records=0,
                total_minutes=0,
                withheld=True,
                min_group=min_authors,
            )
    per_duty = {
        row["duty_id"]: row
        for row in _records(viewer, kind, subject, start, end, unit_ids)
        .order_by()
        .values("duty_id")
        .annotate(records=Count("id"), minutes=Sum("duration_minutes"))
    }
    catalogue = list(_catalogue(kind, subject, start, end, unit_ids).order_by("unit__path", "position_id", "code"))
    in_catalogue = {d.pk for d in catalogue}
    covered: list[DutyLine] = []
    uncovered: list[DutyLine] = []
    for duty in catalogue:
        row = per_duty.get(duty.pk)
        line = DutyLine(duty=duty, records=row["records"] if row else 0, minutes=(row["minutes"] or 0) if row else 0)
        (covered if row else uncovered).append(line)
    covered.sort(key=lambda line: -line.minutes)
    other_ids = [pk for pk in per_duty if pk is not None and pk not in in_catalogue]
    elsewhere = [
        DutyLine(duty=d, records=per_duty[d.pk]["records"], minutes=per_duty[d.pk]["minutes"] or 0, in_catalogue=False)
        for d in Duty.objects.filter(pk__in=other_ids).select_related("unit")
    ]
    none_row = per_duty.get(None)
    no_duty = DutyLine(
        duty=None, records=none_row["records"] if none_row else 0, minutes=(none_row["minutes"] or 0) if none_row else 0
    )
    return Coverage(
        kind=kind,
        subject=subject,
        start=start,
        end=end,
        covered=covered,
        uncovered=uncovered,
        elsewhere=sorted(elsewhere, key=lambda line: -line.minutes),
        no_duty=no_duty,
        total_records=sum(r["records"] for r in per_duty.values()),
        total_minutes=sum(r["minutes"] or 0 for r in per_duty.values()),
    )


def coverage_for(
    *,
    viewer: Any,
    person_id: int | None = None,
    unit_id: int | None = None,
    position_id: int | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Coverage:
    """Coverage of one subject (the viewer themselves when none is named) over a period given as text.

    A subject the viewer may not see is a 404, like a missing one; a bad period is a ValidationError."""
    from jishi.duties import rules

    named = [n for n in (person_id, unit_id, position_id) if n is not None]
    if len(named) > 1:
        raise ValidationError({"__all__": "请只选择人员、岗位或单位中的一项。"})
    first, last = parse_period(start, end)
    kind: str
    subject: Person | Position | Unit
    min_authors = 0
    if unit_id is not None:
        kind, subject = "unit", Unit.objects.filter(pk=unit_id).first() or _missing()
        allowed = rules.can_view_unit_coverage(viewer, subject)
        if allowed and not rules.watches_unit(viewer, subject):
            min_authors = min_group_size()
    elif position_id is not None:
        kind, subject = "position", Position.objects.select_related("unit").filter(pk=position_id).first() or _missing()
        allowed = rules.can_view_position_coverage(viewer, subject)
    else:
        pk = person_id if person_id is not None else viewer.pk
        kind, subject = "person", Person.objects.filter(pk=pk).first() or _missing()
        allowed = rules.can_view_person_coverage(viewer, subject)
    if not allowed:
        refuse(viewer)  # a 404, or for an administrator without a reading grant a 403 that says so
    return duty_coverage(viewer=viewer, kind=kind, subject=subject, start=first, end=last, min_authors=min_authors)


def _missing() -> Any:
    raise Http404("没有找到，或您无权查看。")
