"""Times as a Chinese reader types them (issue 16): 24 hours, on the digit keypad, with or without the colon."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from jishi.records.forms import RecordForm


@pytest.mark.parametrize("typed", ["09:30", "9:30", "0930", "930", "9.30", "9：30", " 09:30 "])
def test_a_time_reads_the_same_however_it_is_typed(typed: str) -> None:
    assert RecordForm.base_fields["start_time"].clean(typed) == datetime.time(9, 30)


def test_an_afternoon_time_is_24_hours_and_a_wrong_one_is_a_clear_error() -> None:
    assert RecordForm.base_fields["end_time"].clean("1730") == datetime.time(17, 30)
    with pytest.raises(ValidationError) as refused:
        RecordForm.base_fields["end_time"].clean("25:00")
    assert refused.value.messages == ["输入一个有效的时间。"]
    widget = RecordForm.base_fields["end_time"].widget.render("end_time", datetime.time(17, 5))
    assert 'type="text"' in widget and 'value="17:05"' in widget and 'inputmode="numeric"' in widget
