"""Topics of the week (本周热词): the Chinese keywords of records, and those rising against their own baseline.

`terms(content)` gives the store's `terms` table its rows (store.py calls it for records visible to all staff that
are not sensitive, so a topic never reveals restricted text). No word segmenter (see jishi/duties/text.py for why):
the keywords are the working vocabulary of government duties (duties.lexicon — 会议 and 检查 are not there, 防汛,
创文, 12345 are), two to four characters, found as substrings, the longest where two overlap (乱堆物 and not also
乱堆). A fixed vocabulary keeps the table small (a few terms a record, not every n-gram) and every topic a word a
reader knows; a new word nobody listed never rises — say so in the lexicon, which the duty suggestions share.

`rising(...)` compares each term's records in the last seven days of a period with its weekly average over the eight
weeks before: a topic rises when it appears in at least `MIN_RECORDS` records this week and clearly more often than
usual. The score is (this week − usual) / √(usual + 1), so a jump from 2 to 12 outranks one from 40 to 50.
"""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

from jishi.duties.text import TermMatcher, lexicon_terms

MIN_CHARS, MAX_CHARS = 2, 4
MIN_RECORDS = 3  # a topic is at least this many records in the week
BASELINE_WEEKS = 8
RISE = 1.5  # this week at least 1.5 × the usual weekly count
LIMIT = 10


@cache
def _matcher() -> TermMatcher:
    words = {t for t in lexicon_terms() if MIN_CHARS <= len(t) <= MAX_CHARS or (t.isascii() and len(t) >= 3)}
    return TermMatcher(words)


def terms(content: str) -> list[str]:
    """The keywords of one record's content, each once, sorted; a keyword inside a longer one found is dropped."""
    if not content:
        return []
    found = _matcher()(content)
    if len(found) > 1:
        found = {t for t in found if not any(t != other and t in other for other in found)}
    return sorted(found)


def week_of(end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The seven days ending on `end` (the topics' week) and the first day of the baseline before it."""
    start = end - datetime.timedelta(days=6)
    return start, start - datetime.timedelta(weeks=BASELINE_WEEKS)


RISING_SQL = """
WITH counted AS (
    SELECT term,
           count(*) FILTER (WHERE date >= $week_start) AS week,  -- a term is stored once a record
           count(*) FILTER (WHERE date < $week_start) AS baseline
    FROM terms
    WHERE month BETWEEN $first_month AND $last_month AND date BETWEEN $base_start AND $end
      AND ($all OR list_contains($departments, department_id))
    GROUP BY term
)
SELECT term, week, baseline / $weeks AS usual,
       (week - baseline / $weeks) / sqrt(baseline / $weeks + 1) AS score
FROM counted
WHERE week >= $min_records AND week >= $rise * (baseline / $weeks)
ORDER BY score DESC, week DESC, term
LIMIT $limit
"""


def rising(
    query: Any, *, end: datetime.date, department_ids: list[int] | None, limit: int = LIMIT
) -> list[dict[str, Any]]:
    """The terms rising in the week ending `end` among records of these 本单位 (None: the whole jurisdiction):
    term, week (records this week), usual (weekly average over the baseline), score, ratio. `query` is
    engine.query."""
    week_start, base_start = week_of(end)
    rows = query(
        RISING_SQL,
        {
            "week_start": week_start,
            "base_start": base_start,
            "end": end,
            "first_month": base_start.strftime("%Y-%m"),
            "last_month": end.strftime("%Y-%m"),
            "all": department_ids is None,
            "departments": list(department_ids or []),
            "weeks": float(BASELINE_WEEKS),
            "min_records": MIN_RECORDS,
            "rise": RISE,
            "limit": limit,
        },
    )
    for row in rows:
        row["usual"] = round(float(row["usual"]), 1)
        row["score"] = round(float(row["score"]), 2)
        row["new"] = row["usual"] == 0
    return rows
