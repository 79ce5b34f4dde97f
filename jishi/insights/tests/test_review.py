"""A security review of insights: one period parser for every page, and the holes found on the way."""

from __future__ import annotations

import datetime

import pytest

from jishi.insights import periods

TODAY = datetime.date(2026, 12, 6)
D = datetime.date


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, (D(2026, 11, 8), D(2026, 12, 5))),
        ({"start": "2026-11-01", "end": "2026-11-30"}, (D(2026, 11, 1), D(2026, 11, 30))),
        ({"date_from": "2026-11-01", "date_to": "2026-11-30"}, (D(2026, 11, 1), D(2026, 11, 30))),
        ({"end": "2026-11-28"}, (D(2026, 11, 1), D(2026, 11, 28))),
        ({"date_from": "2026-11-01"}, (D(2026, 11, 1), D(2026, 12, 5))),
        ({"start": "2026-12-06"}, (TODAY, TODAY)),
    ],
)
def test_one_period_parser_reads_start_end_and_date_from_date_to(
    params: dict[str, str], expected: tuple[datetime.date, datetime.date]
) -> None:
    period = periods.parse_period(params, today=TODAY)
    assert (period.start, period.end) == expected


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-13-45"}, "start", "起始日期不是有效日期"),
        ({"date_to": "昨天"}, "end", "结束日期不是有效日期"),
        ({"start": "9" * 5000}, "start", "不是有效日期"),
        ({"start": "2026-12-07"}, "start", "起始日期不能晚于今天"),
        ({"end": "2099-01-01"}, "end", "结束日期不能晚于今天"),
        ({"start": "2026-11-10", "end": "2026-11-01"}, "start", "起始日期不能晚于结束日期"),
        ({"start": "1926-01-01", "end": "2026-11-01"}, "start", "最长 366 天"),
        ({"start": "2000-01-01"}, "start", "最长 366 天"),
    ],
)
def test_a_bad_period_is_one_chinese_message_naming_its_parameter(
    params: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(periods.PeriodError, match=message) as raised:
        periods.parse_period(params, today=TODAY)
    assert raised.value.field == field
    assert len(str(raised.value)) < 80  # a long value is not echoed whole
