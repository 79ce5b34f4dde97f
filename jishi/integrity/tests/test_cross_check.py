"""The hook integrity.cross_check: `jishi verify` reports what the apps above find in their own rows."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from jishi.integrity.hooks import cross_check
from jishi.integrity.verification import CHANGED, Problem, verify


@pytest.mark.django_db
def test_verify_reports_what_a_listener_finds_and_stays_clean_without() -> None:
    assert verify().ok

    def probe() -> list[Problem]:
        return [Problem(CHANGED, "probe_row", 7, None, "2026-12-01 09:00:00", "探针行被直接改动。", "探针行")]

    cross_check.register(probe)
    try:
        report = verify()
        assert [p.line() for p in report.problems] == ["[改动] 探针行 #7（2026-12-01 09:00:00）：探针行被直接改动。"]
        with pytest.raises(CommandError):
            call_command("verify")
    finally:
        cross_check.unregister(probe)
    assert verify().ok
