"""The working-day calendar: China's official holidays and 调休 (chinesecalendar), under admin overrides.

Years the package does not know yet fall back to Monday–Friday until an administrator adds overrides.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

import chinese_calendar
from django.utils import timezone

from jishi.core.cache import GenerationCache
from jishi.org.models import Absence, Assignment, CalendarOverride, FilingObligation, Person


def local_today() -> datetime.date:
    return timezone.localdate(timezone=timezone.get_default_timezone())


def day_of(moment: datetime.datetime) -> datetime.date:
    """The jurisdiction's calendar day of an aware moment: time rules follow the jurisdiction's clock."""
    return moment.astimezone(timezone.get_default_timezone()).date()


def at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """The aware moment of a wall-clock time on a day in the jurisdiction."""
    return datetime.datetime.combine(day, time, tzinfo=timezone.get_default_timezone())


def _official_is_workday(day: datetime.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def _days(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


# Every override (a few dozen a year), per worker, while none has changed (jishi.core.cache).
_override_cache: GenerationCache[str, dict[datetime.date, bool]] = GenerationCache(maxsize=1)


def _overrides() -> dict[datetime.date, bool]:
    def read() -> dict[datetime.date, bool]:
        return {day: bool(working) for day, working in CalendarOverride.objects.values_list("date", "is_working_day")}

    return _override_cache.get("all", read) or {}


class WorkingCalendar:
    """Answers "is this a working day?" for a span of dates from the overrides (read once per worker and change)."""

    def __init__(self, start: datetime.date, end: datetime.date) -> None:
        self.start, self.end = start, end
        self._known: dict[datetime.date, bool] = {
            day: working for day, working in _overrides().items() if start <= day <= end
        }

    def is_working_day(self, day: datetime.date) -> bool:
        known = self._known.get(day)
        if known is None:  # the package's answer, remembered: it is slow, and bulk writers ask often
            known = self._known[day] = _official_is_workday(day)
        return known

    def working_days(self) -> list[datetime.date]:
        return [d for d in _days(self.start, self.end) if self.is_working_day(d)]


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar(day, day).is_working_day(day)


def next_working_day(after: datetime.date) -> datetime.date:
    """The first official working day strictly after `after` (looks at most 60 days ahead)."""
    calendar = WorkingCalendar(after + datetime.timedelta(days=1), after + datetime.timedelta(days=60))
    for day in _days(calendar.start, calendar.end):
        if calendar.is_working_day(day):
            return day
    raise ValueError(f"no working day within 60 days after {after}")


def working_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return WorkingCalendar(start, end).working_days()


def _covered(day: datetime.date, spans: Iterable[tuple[datetime.date, datetime.date | None]]) -> bool:
    return any(s <= day and (e is None or day <= e) for s, e in spans)


def owed_days(person: Person, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Working days in [start, end] for which `person` owes a record.

    A day is owed when it is an official working day, the person must file, holds a post that day,
    and is not absent. Weekends and holidays are never owed, even if the person worked (加班, 值班).
    """
    if person.filing_obligation != FilingObligation.REQUIRED:
        return []
    end = min(end, local_today())
    posts = list(Assignment.objects.filter(person=person, start__lte=end).values_list("start", "end"))
    absences = list(Absence.objects.filter(person=person, start__lte=end, end__gte=start).values_list("start", "end"))
    return [day for day in working_days(start, end) if _covered(day, posts) and not _covered(day, absences)]
