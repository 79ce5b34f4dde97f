"""周报 / 月报: the period, the draft, the submission. The web page, the API and tests go through these.

A submission writes a new SummaryVersion (append-only: a correction is a new version) and an audit event whose data
carries the version's digest, so the integrity chain seals the text. Errors are Chinese ValidationErrors by field.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.core.services import audit
from jishi.org.calendar import local_today
from jishi.org.models import Assignment, Person, Unit, path_unit_ids
from jishi.org.rules import leading_posts_q, superiors_of
from jishi.org.selectors import by_precedence, current_posts
from jishi.summaries.drafting import Draft, draft_from_records
from jishi.summaries.models import Kind, Summary, SummaryVersion

BODY_MAX_CHARS = 20_000
PLAN_MAX_CHARS = 2_000


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        if self.kind == Kind.MONTH:
            return _("%(year)d年%(month)d月") % {"year": self.start.year, "month": self.start.month}
        return _("%(start)s—%(end)s") % {
            "start": _("%(month)d月%(day)d日") % {"month": self.start.month, "day": self.start.day},
            "end": _("%(month)d月%(day)d日") % {"month": self.end.month, "day": self.end.day},
        }

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - datetime.timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.kind, self.end + datetime.timedelta(days=1))


def _kind(kind: str) -> str:
    if kind not in Kind.values:
        raise ValidationError({"kind": _("报告类型只能是周报（week）或月报（month）。")})
    return kind


def period_containing(kind: str, day: datetime.date) -> Period:
    """The week (Monday to Sunday) or calendar month containing `day`."""
    if _kind(kind) == Kind.MONTH:
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(kind, day.replace(day=1), day.replace(day=last))
    start = day - datetime.timedelta(days=day.weekday())
    return Period(kind, start, start + datetime.timedelta(days=6))


def period_of(kind: str, period_start: datetime.date, *, today: datetime.date | None = None) -> Period:
    """The period starting on `period_start`: a Monday for a week, the 1st for a month, and not in the future."""
    period = period_containing(kind, period_start)
    if period.start != period_start:
        message = _("周报的起始日期须为星期一。") if kind == Kind.WEEK else _("月报的起始日期须为当月1日。")
        raise ValidationError({"period_start": message})
    if period.start > (today or local_today()):
        raise ValidationError({"period_start": _("这一期尚未开始，不能起草或提交。")})
    return period


def latest_version(summary: Summary) -> SummaryVersion | None:
    return summary.versions.order_by("-number").first()


def previous_plan(*, person: Person, period: Period) -> str:
    """The 下期计划 of the person's report of the period before, as last submitted ("" without one)."""
    before = period.previous()
    version = (
        SummaryVersion.objects.filter(
            summary__author=person, summary__kind=period.kind, summary__period_start=before.start
        )
        .order_by("-number")
        .first()
    )
    return version.plan if version else ""


def summary_draft(*, person: Person, kind: str, period_start: datetime.date) -> Draft:
    """The draft of `person`'s 周报/月报 starting `period_start`, complete from their records, the last plan on top."""
    period = period_of(kind, period_start)
    return draft_from_records(
        person=person, start=period.start, end=period.end, previous_plan=previous_plan(person=person, period=period)
    )


def current_unit(person: Person) -> Unit | None:
    posts = by_precedence(current_posts(person))
    return posts[0].position.unit if posts else None


def recipients(summary_or_person: Summary | Person) -> list[Person]:
    """Who a report goes to: the author's superiors today (org.rules.superiors_of), nearest first — the head of their
    section before the department's leaders, the jurisdiction's last."""
    if isinstance(summary_or_person, Summary):
        person_id, unit = summary_or_person.author_id, summary_or_person.unit
    else:
        found = current_unit(summary_or_person)
        if found is None:
            return []
        person_id, unit = summary_or_person.pk, found
    today = local_today()
    ids = set(superiors_of(person_id, [unit.pk], today))
    if not ids:
        return []
    rank: dict[int, int] = {}
    levels = list(reversed(path_unit_ids(unit.path)))  # nearest first
    leading = Assignment.objects.active_on(today).filter(person_id__in=ids)
    for level, unit_id in enumerate(levels):
        for holder in leading.filter(leading_posts_q([unit_id], prefix="position__")).values_list(
            "person_id", flat=True
        ):
            rank.setdefault(holder, level)
    people = Person.objects.filter(pk__in=ids)
    return sorted(people, key=lambda p: (rank.get(p.pk, len(levels)), p.full_name))


def digest(body: str, plan: str) -> str:
    return hashlib.sha256(f"{body}\x00{plan}".encode()).hexdigest()


def summary_submit(
    *, user: Any, kind: str, period_start: datetime.date, body: str | None = None, plan: str = ""
) -> SummaryVersion:
    """Submit (or correct) the user's own report of a period. `body` None submits the draft as it stands.

    The first submission creates the report; each later one appends a version. Submitting the same text and plan
    again writes nothing and returns the latest version (a double tap)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    period = period_of(kind, period_start)
    if body is None:
        body = summary_draft(person=user, kind=kind, period_start=period.start).text()
    body, plan = (body or "").strip(), (plan or "").strip()
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = _("报告内容不能为空。")
    elif len(body) > BODY_MAX_CHARS:
        errors["body"] = _("报告内容不能超过 %(n)d 字。") % {"n": BODY_MAX_CHARS}
    if len(plan) > PLAN_MAX_CHARS:
        errors["plan"] = _("下期计划不能超过 %(n)d 字。") % {"n": PLAN_MAX_CHARS}
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        summary = Summary.objects.select_for_update().filter(author=user, kind=kind, period_start=period.start).first()
        if summary is None:
            unit = current_unit(user)
            if unit is None:
                raise ValidationError({"__all__": _("您当前没有任职，报告无处提交。")})
            try:
                with transaction.atomic():  # two first submissions at once: the second becomes a version of the first
                    summary = Summary.objects.create(
                        author=user,
                        unit=unit,
                        kind=kind,
                        period_start=period.start,
                        period_end=period.end,
                        version=0,
                        submitted_at=now,
                    )
            except IntegrityError:
                summary = Summary.objects.select_for_update().get(author=user, kind=kind, period_start=period.start)
        last = latest_version(summary) if summary.version else None
        if last is not None and last.body == body and last.plan == plan:
            return last
        summary.version += 1
        summary.submitted_at = now
        summary.save(update_fields=["version", "submitted_at"])
        version = SummaryVersion.objects.create(
            summary=summary, number=summary.version, body=body, plan=plan, submitted_by=user, submitted_at=now
        )
        audit(
            actor=user,
            verb="summary.submit" if version.number == 1 else "summary.correct",
            target=summary,
            data={
                "version": version.pk,
                "number": version.number,
                "kind": kind,
                "period_start": period.start.isoformat(),
                "digest": digest(body, plan),
            },
            history=[version],  # integrity.canonical's "summary" kind: the chain seals the text itself
        )
    return version
