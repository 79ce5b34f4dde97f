"""The period of every insights page and API (dashboards, drill-down, findings, reports): one parser, one set of
Chinese messages.

`start` / `end` (YYYY-MM-DD, inclusive) — or `date_from` / `date_to` like the rest of the project (core.http's
period_param reads both). Default: the last four complete weeks ending yesterday. Only `end`: the four weeks up
to it; only `start`: from it to yesterday (today when it is today). A bad value raises PeriodError, whose `field`
names the parameter ("start" or "end") for an API that reports errors by parameter.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from jishi.core.http import period_param
from jishi.org.calendar import local_today

DEFAULT_DAYS = 28  # four weeks
MAX_DAYS = 366  # the longest period unless a caller allows more (reports: three years)


class PeriodError(ValueError):
    """A period parameter a reader can correct: the message is Chinese; `field` is "start" or "end"."""

    def __init__(self, message: str, field: str = "start") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def weeks(self) -> list[datetime.date]:
        """The Mondays of the weeks the period touches (DuckDB's date_trunc('week') is Monday-based)."""
        first = self.start - datetime.timedelta(days=self.start.weekday())
        return [first + datetime.timedelta(weeks=n) for n in range((self.end - first).days // 7 + 1)]


def default_period(today: datetime.date | None = None) -> Period:
    """The last four complete weeks ending yesterday."""
    end = (today or local_today()) - datetime.timedelta(days=1)
    return Period(end - datetime.timedelta(days=DEFAULT_DAYS - 1), end)


def _date(raw: str, label: str, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        message = _("%(name)s不是有效日期（格式：2026-01-31）：%(value)s")
        raise PeriodError(message % {"name": label, "value": raw[:20]}, field) from None


def parse_period(params: Any, *, today: datetime.date | None = None, max_days: int = MAX_DAYS) -> Period:
    """The period of a query string (a QueryDict or a plain dict); raises PeriodError."""
    today = today or local_today()
    raw_start = (period_param(params, "date_from") or "").strip()
    raw_end = (period_param(params, "date_to") or "").strip()
    if not raw_start and not raw_end:
        return default_period(today)
    start = _date(raw_start, _("起始日期"), "start") if raw_start else None
    end = _date(raw_end, _("结束日期"), "end") if raw_end else None
    span = datetime.timedelta(days=DEFAULT_DAYS - 1)
    if end is None:
        assert start is not None
        if start > today:
            raise PeriodError(_("起始日期不能晚于今天。"), "start")
        end = max(start, default_period(today).end)
    if start is None:
        start = end - span
    if end > today:
        raise PeriodError(_("结束日期不能晚于今天。"), "end")
    if start > end:
        raise PeriodError(_("起始日期不能晚于结束日期。"), "start")
    if (end - start).days + 1 > max_days:
        raise PeriodError(_("时间段最长 %(days)s 天。") % {"days": max_days}, "start")
    return Period(start, end)
