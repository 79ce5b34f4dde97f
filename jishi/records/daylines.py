"""整天录入: a day's work typed as lines, one record a line — "09:00-10:30 会议 与@王宁讨论预算".

Parsing is pure (text in, lines out; the category names are given), so it is tested without a database. A line
holds its times, a category by name, the content, and optionally participants as @name (a colleague or a partner
unit, resolved by the view). Only the shape of a line is checked here: whether the record may be saved is the one
service's decision (record_create), made when the lines are saved.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_LINES = 30
_TIME = r"(\d{1,2})\s*[:：.]\s*(\d{2})"
# "09:00-10:30", or "-10:30": the start left out follows the line before (or the day's last record).
_SPAN = re.compile(rf"^(?:{_TIME})?\s*(?:-|–|—|－|~|～|至|到)\s*(次日\s*)?{_TIME}\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MENTION = re.compile(r"[@＠]([^\s@＠，,。；;、]+)")
_MENTION_IN_TEXT = re.compile(r"[@＠]([^\s@＠，,。；;、]+)\s?")


@dataclass
class DayLine:
    """One typed line: what it says, and what is wrong with its shape."""

    number: int
    text: str
    start: datetime.time | None = None
    end: datetime.time | None = None
    ends_next_day: bool = False
    follows: bool = False  # the start was left out: it is the previous end
    category: str = ""
    content: str = ""
    mentions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _time(hour: str, minute: str) -> datetime.time | None:
    h, m = int(hour), int(minute)
    if h == 24 and m == 0:
        return None
    if h > 23 or m > 59:
        return None
    return datetime.time(h, m)


def parse_line(number: int, text: str, category_names: list[str]) -> DayLine:
    """Parse one non-blank line: times first, then a category name (a space after it optional), then the content."""
    line = DayLine(number=number, text=text)
    if _CONTROL.search(text):
        # The form refuses them too (Django's null-character validator); PostgreSQL cannot store NUL at all.
        line.errors.append(_("这一行含有无法保存的控制字符。"))
        line.text = _CONTROL.sub("", text)
        return line
    rest = text.strip()
    span = _SPAN.match(rest)
    if span is None:
        line.errors.append(_("行首请写起止时间，如 09:00-10:30（接着上一条时可只写 -10:30）。"))
    else:
        line.follows = span.group(1) is None
        line.start = None if line.follows else _time(span.group(1), span.group(2))
        line.end = _time(span.group(4), span.group(5))
        line.ends_next_day = bool(span.group(3))
        if (line.start is None and not line.follows) or line.end is None:
            line.errors.append(_("时间写法有误：小时 0–23，分钟 00–59。"))
        rest = rest[span.end() :]
    # The longest name first, so that a name that begins another is not taken for it.
    for name in sorted(category_names, key=len, reverse=True):
        if rest.startswith(name):
            line.category = name
            rest = rest[len(name) :].strip()
            break
    else:
        line.errors.append(_("时间后面请写类别（%(names)s）。") % {"names": "、".join(category_names)})
    # Mentions at the end of the line are the participants only; one inside the text stays a name in the content.
    words = rest.split()
    while words and _MENTION.fullmatch(words[-1]):
        words.pop()
    line.mentions = list(dict.fromkeys(_MENTION.findall(rest)))
    # "与@王宁 讨论": a name ends at a space or a mark, and that space is not part of the content.
    line.content = _MENTION_IN_TEXT.sub(r"\1", " ".join(words)).strip()
    if not line.content and not line.errors:
        line.errors.append(_("请写工作内容。"))
    return line


def parse_day(text: str, category_names: list[str], *, after: datetime.time | None = None) -> list[DayLine]:
    """The lines of `text` that say something (blank lines and lines starting with # are skipped), numbered as
    typed. A line that leaves its start out ("-10:30 办文 …") starts where the line before ended — the first such
    line at `after` (where the day's records so far end). More than MAX_LINES lines: the extra ones come back with an
    error, unparsed."""
    lines: list[DayLine] = []
    previous_end = after
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(lines) >= MAX_LINES:
            lines.append(DayLine(number=number, text=stripped, errors=[_("一次最多 %(n)d 条。") % {"n": MAX_LINES}]))
            continue
        line = parse_line(number, stripped, category_names)
        if line.follows:
            line.start = previous_end
            if previous_end is None:
                line.errors.append(_("请写开始时间：前面没有可以接着的记录。"))
        if line.end is not None:
            previous_end = None if line.ends_next_day else line.end
        lines.append(line)
    return lines
