"""Measures of how believable generated records are: distinct contents, and near-duplicates only where planted."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

_NO_DIGITS = str.maketrans("", "", "0123456789")
NEAR_DAYS = 10


@dataclass
class Quality:
    records: int
    distinct: int
    near_duplicate_pairs: list[tuple[int, int]]  # (earlier id, later id)

    @property
    def distinct_share(self) -> float:
        return self.distinct / self.records if self.records else 1.0


def measure(rows: Iterable[tuple[int, int, datetime.date, str]]) -> Quality:
    """rows: (id, author_id, date, content). A near-duplicate pair is two records of one author within
    NEAR_DAYS days whose contents are equal once digits are set aside (copy-paste with the numbers changed)."""
    total = 0
    contents: set[str] = set()
    by_author: dict[int, list[tuple[datetime.date, int, str]]] = {}
    for pk, author, day, content in rows:
        total += 1
        contents.add(content)
        by_author.setdefault(author, []).append((day, pk, content.translate(_NO_DIGITS)))
    pairs: list[tuple[int, int]] = []
    for items in by_author.values():
        items.sort()
        last_seen: dict[str, tuple[datetime.date, int]] = {}
        for day, pk, key in items:
            previous = last_seen.get(key)
            if previous and (day - previous[0]).days <= NEAR_DAYS:
                pairs.append((previous[1], pk))
            last_seen[key] = (day, pk)
    return Quality(records=total, distinct=len(contents), near_duplicate_pairs=pairs)
