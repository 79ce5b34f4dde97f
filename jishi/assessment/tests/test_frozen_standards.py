"""A period keeps the standards it opened under: a later change to a Standard (HR's API, the admin site) moves
neither an open period's 优秀 quota nor a running 公示 nor the windows of results already known; only an approved
QuotaRaise raises an open period's share, and the changed standard applies to periods opened later."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

from django.apps import apps

from jishi.assessment import quota
from jishi.assessment.models import Assessment, Period, PeriodKind, RankGroup, Standard
from jishi.assessment.selectors import notice_for_unit
from jishi.assessment.services import (
    appeal_deadline,
    notice_start,
    period_open,
    quota_raise,
    review_deadline,
    standard_save,
)
from jishi.assessment.standards import standard_for
from jishi.assessment.tests.helpers import AFTER_Q4, more_staff, of, open_quarter, open_year, take_to_decided
from jishi.testing import Org


def default() -> Standard:
    return Standard.objects.get(category="", rank_group="")


def test_an_open_periods_share_rises_only_by_an_approved_raise(org: Org) -> None:
    more_staff(org, 5)
    period = open_year(org)
    before = quota.status(period, org.finance.pk, RankGroup.STAFF)
    assert (before.share, before.limit) == (Decimal("0.20"), 2)
    standard_save(actor=org.hr, values={"excellent_share": "1.00"}, standard=default())
    again = quota.status(Period.objects.get(pk=period.pk), org.finance.pk, RankGroup.STAFF)
    assert (again.share, again.limit, again.raised) == (Decimal("0.20"), 2, False)
    quota_raise(
        actor=org.hr, period=period, unit=org.finance, rank_group="staff", share="0.40", reason="经区委组织部批准"
    )
    raised = quota.status(period, org.finance.pk, RankGroup.STAFF)
    assert (raised.share, raised.raised) == (Decimal("0.40"), True)
    # The next period opens under the changed standard.
    later = period_open(
        actor=org.hr, kind=PeriodKind.ANNUAL, start=datetime.date(2027, 1, 1), end=datetime.date(2027, 12, 31)
    )
    assert quota.status(later, org.finance.pk, RankGroup.STAFF).share == Decimal("1.00")


def test_a_running_notice_and_its_windows_ignore_a_changed_standard(org: Org) -> None:
    period = open_quarter(org)
    for assessment in Assessment.objects.filter(period=period, unit=org.finance).select_related("period", "person"):
        take_to_decided(org, assessment, "好" if assessment.person_id == org.author.pk else "较好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    mine = of(period, org.author)
    review_until, appeal_until = review_deadline(mine), appeal_deadline(mine)
    standard_save(
        actor=org.hr,
        values={
            "notice_shows": "all_grades",
            "notice_working_days": 20,
            "review_window_days": 3,
            "appeal_window_days": 3,
        },
        standard=default(),
    )
    shown = notice_for_unit(org.colleague, Period.objects.get(pk=period.pk), org.finance, today=AFTER_Q4)
    assert [(e.person_name, e.grade) for e in shown.entries] == [(org.author.full_name, "好")]
    assert not shown.shows_all
    mine = of(period, org.author)
    assert (review_deadline(mine), appeal_deadline(mine)) == (review_until, appeal_until)
    assert standard_for(mine).notice_working_days == 5
    assert standard_for(org.author).notice_working_days == 20  # a person's live standard: for periods to come


def test_periods_open_before_the_change_get_the_standards_of_the_day(org: Org) -> None:
    period = open_quarter(org)
    Period.objects.filter(pk=period.pk).update(standards=[])
    migration = importlib.import_module("jishi.assessment.migrations.0003_period_standards")
    migration.fill(apps, None)
    frozen = Period.objects.get(pk=period.pk).frozen_standards
    assert [(s.category, s.rank_group, s.excellent_share) for s in frozen] == [("", "", Decimal("0.20"))]
