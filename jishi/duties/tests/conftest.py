from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import timezone

from jishi.duties.selectors import clear_caches
from jishi.org.models import Duty
from jishi.testing import Org, Visibility, write_record


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    cache.clear()  # the units' learned models (locmem in tests)
    clear_caches()
    yield
    clear_caches()
    cache.clear()


@dataclass
class Duties:
    budget: Duty  # 区财政局 function (from build_org)
    treasury: Duty  # 区财政局 function
    budget_section: Duty  # 预算科's own duty
    retired: Duty  # 区财政局 function, retired today
    treasury_section: Duty  # 国库科's own duty
    relief: Duty  # 区民政局 function (another unit)


@pytest.fixture
def duties(org: Org) -> Duties:
    return Duties(
        budget=Duty.objects.get(code="CZJ-01"),
        treasury=Duty.objects.create(unit=org.finance, code="CZJ-02", title="国库集中支付"),
        budget_section=Duty.objects.create(unit=org.budget, code="CZJ-1-01", title="政府债务管理（预算科）"),
        retired=Duty.objects.create(unit=org.finance, code="CZJ-09", title="财政资金绩效评价"),
        treasury_section=Duty.objects.create(unit=org.treasury, code="CZJ-2-01", title="政府采购监管（国库科）"),
        relief=Duty.objects.get(code="MZJ-01"),
    )


@dataclass
class Records:
    """Hand-made records for coverage: today, in the finance bureau."""

    hidden_minutes: int


@pytest.fixture
def records(org: Org, duties: Duties) -> Records:
    today = timezone.localdate()
    at = datetime.time
    write_record(
        org.author,
        duty_id=duties.budget.pk,
        start_time=at(8, 0),
        end_time=at(9, 0),
        content="审核教育局年中预算追加申请，建议先调剂",
    )
    write_record(
        org.author,
        duty_id=duties.budget.pk,
        start_time=at(9, 0),
        end_time=at(9, 30),
        content="汇总各部门一上预算，核对三公经费",
    )
    write_record(org.author, start_time=at(10, 0), end_time=at(11, 0), content="参加局机关支部主题党日活动")
    write_record(
        org.author,
        duty_id=duties.retired.pk,
        start_time=at(13, 0),
        end_time=at(15, 0),
        content="汇总各部门绩效自评表，核对目标值",
    )
    # 国库科's record, restricted to superiors: the author's colleague must not count it.
    write_record(
        org.sibling,
        duty_id=duties.treasury_section.pk,
        start_time=at(9, 0),
        end_time=at(10, 45),
        visibility=Visibility.SUPERIORS,
        content="参加框架协议采购开标，全程监督",
    )
    Duty.objects.filter(pk=duties.retired.pk).update(retired_on=today)
    return Records(hidden_minutes=105)
