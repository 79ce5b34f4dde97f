"""`jishi demo --years N`: the Jiading world over N years (5.5: the 10x world the bench measures growth in)."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jishi.demo.management.commands.demo import years_back


def test_five_and_a_half_years_end_yesterday() -> None:
    start, end = years_back(5.5, datetime.date(2026, 12, 6))
    assert end == datetime.date(2026, 12, 5)
    assert start == datetime.date(2021, 6, 6)  # 2,009 days, both ends counted
    assert years_back(1, datetime.date(2026, 12, 6)) == (datetime.date(2025, 12, 6), datetime.date(2026, 12, 5))


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "21"])
def test_bad_years_are_a_chinese_error_not_a_traceback(value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jishi", "demo", "--no-serve", "--years", value],
        capture_output=True,
        text=True,
        timeout=60,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "年数应为 0 到 20 之间的数" in result.stderr and "Traceback" not in result.stderr


def test_years_and_dates_cannot_be_combined() -> None:
    with pytest.raises(CommandError, match="只能选一种"):
        call_command("demo", "--no-serve", "--years", "2", "--date-from", "2026-01-05", "--date-to", "2026-02-05")
