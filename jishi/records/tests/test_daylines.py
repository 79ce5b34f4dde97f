"""整天录入's parsing: pure, so every wrong line is tried here without a database."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.utils import translation

from jishi.records.daylines import MAX_LINES, parse_day, parse_line

NAMES = ["会议", "调研", "办文", "办事服务", "办事", "其他"]


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    """The messages in Chinese whatever a test before left active (a request with the English interface does)."""
    with translation.override("zh-hans"):
        yield


def test_a_line_gives_times_category_content_and_participants() -> None:
    line = parse_line(1, "09:00-10:30 会议 与@王宁 讨论预算调整方案 @国库科", NAMES)
    assert line.errors == []
    assert (line.start, line.end) == (datetime.time(9), datetime.time(10, 30))
    assert line.category == "会议"
    assert (
        line.content == "与王宁讨论预算调整方案"
    )  # the inline mention stays a name; the trailing one is only a participant
    assert line.mentions == ["王宁", "国库科"]


@pytest.mark.parametrize(
    ("text", "start", "end", "category", "content"),
    [
        ("9:00-10:30 会议 讨论预算", datetime.time(9), datetime.time(10, 30), "会议", "讨论预算"),
        ("09：00～10：30 办文起草通知", datetime.time(9), datetime.time(10, 30), "办文", "起草通知"),
        ("14:00至15:00 办事服务 为群众办理补贴", datetime.time(14), datetime.time(15), "办事服务", "为群众办理补贴"),
        ("14:00 - 15:00 办事 代办证明", datetime.time(14), datetime.time(15), "办事", "代办证明"),
    ],
)
def test_the_ways_people_write_a_line(
    text: str, start: datetime.time, end: datetime.time, category: str, content: str
) -> None:
    line = parse_line(1, text, NAMES)
    assert (line.start, line.end, line.category, line.content, line.errors) == (start, end, category, content, [])


def test_the_night_shift_ends_the_next_day() -> None:
    line = parse_line(1, "22:00-次日08:00 其他 夜间值守", NAMES)
    assert line.ends_next_day and line.end == datetime.time(8) and line.errors == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("会议 讨论预算", "起止时间"),
        ("9-10 会议 讨论预算", "起止时间"),
        ("25:00-26:00 会议 讨论预算", "时间写法有误"),
        ("09:00-10:70 会议 讨论预算", "时间写法有误"),
        ("09:00-10:00 开会 讨论预算", "类别"),
        ("09:00-10:00 会议", "工作内容"),
        ("09:00-10:00 会议 @王宁", "工作内容"),
        ("09:00-10:00 会议 讨论\x00预算", "控制字符"),
    ],
)
def test_a_wrong_line_says_what_is_wrong(text: str, says: str) -> None:
    line = parse_line(3, text, NAMES)
    assert line.number == 3 and line.errors and says in " ".join(line.errors)


def test_a_day_skips_blank_and_comment_lines_and_keeps_the_typed_numbers() -> None:
    lines = parse_day("\n09:00-10:00 会议 讨论预算\n# 下午\n\n14:00-15:00 调研 到陆家村了解救助\n乱写一行", NAMES)
    assert [line.number for line in lines] == [2, 5, 6]
    assert [bool(line.errors) for line in lines] == [False, False, True]


def test_too_many_lines_are_refused_one_by_one() -> None:
    text = "\n".join(f"08:{n:02d}-08:{n + 1:02d} 其他 事项{n}" for n in range(MAX_LINES + 2))
    lines = parse_day(text, NAMES)
    assert len(lines) == MAX_LINES + 2
    assert [bool(line.errors) for line in lines[-3:]] == [False, True, True]


def test_nothing_typed_is_no_line() -> None:
    assert parse_day("   \n\n", NAMES) == []


def test_a_start_left_out_follows_the_line_before() -> None:
    text = "-10:30 会议 讨论预算\n-12:00 办文 起草说明\n14:00-15:00 调研 走访\n至16:00 其他 整理"
    lines = parse_day(text, NAMES, after=datetime.time(9))
    assert [(line.start, line.end) for line in lines] == [
        (datetime.time(9), datetime.time(10, 30)),
        (datetime.time(10, 30), datetime.time(12)),
        (datetime.time(14), datetime.time(15)),
        (datetime.time(15), datetime.time(16)),
    ]
    assert all(not line.errors for line in lines)


def test_a_start_left_out_with_nothing_before_is_an_error() -> None:
    (line,) = parse_day("-10:30 会议 讨论预算", NAMES)
    assert line.start is None and "开始时间" in " ".join(line.errors)
    after_night = parse_day("22:00-次日06:00 其他 值班\n-07:00 其他 交接", NAMES)[1]
    assert "开始时间" in " ".join(after_night.errors)  # a night shift's end is the next day: nothing to follow
