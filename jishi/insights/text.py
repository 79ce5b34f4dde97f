"""Near-duplicate contents: how much a record's text repeats the same author's previous records.

A content is reduced to its character 3-grams (lower-cased, whitespace removed); two contents are as similar as the
Jaccard index of their 3-gram sets (shared / all). Chinese has no spaces, so character n-grams are the usual unit;
three characters are long enough that two unrelated work notes share few of them, short enough that a copied note
with a changed date or place still shares most.

`similarity(a, b)` is the definition. The store computes it for every record in one pass
(`similarity_to_previous`, about a microsecond a pair): a record is compared with the author's
records of the PREVIOUS_DAYS days on which they last filed before the record's date (same-day records are left out:
two notes of one day about one meeting are not copying), and keeps the highest similarity and that record's id.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

N = 3
PREVIOUS_DAYS = 3  # the author's last filing days before the record's date that it is compared with

_SPACE = re.compile(r"\s+")
_SLICES = [slice(i, i + N) for i in range(1000)]  # a content's 3-grams by ready-made slices (a quarter faster)


def normalise(text: str) -> str:
    """Lower-cased, without whitespace. Every whitespace character but the space is unprintable, so the regular
    expression only runs on the few contents that have any."""
    text = text.lower()
    return _SPACE.sub("", text) if " " in text or not text.isprintable() else text


def shingles(text: str) -> set[str]:
    """The character 3-grams of a content (the whole text when shorter)."""
    text = normalise(text)
    n = len(text)
    if n <= N:
        return {text} if text else set()
    slices = _SLICES if n - N + 1 <= len(_SLICES) else [slice(i, i + N) for i in range(n - N + 1)]
    return set(map(text.__getitem__, slices[: n - N + 1]))


def similarity(a: str, b: str) -> float:
    """The Jaccard index of two contents' 3-grams, 0..1 (two empty texts: 0)."""
    left, right = shingles(a), shingles(b)
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def similarity_to_previous(
    rows: Iterable[tuple[int, int, Any, str]], *, since: Any = None
) -> Iterator[tuple[int, float, int | None]]:
    """For rows (id, author_id, date, content) sorted by author, date and id: each row's id, its highest similarity
    to the author's records of their PREVIOUS_DAYS last filing days before its date, and that record's id (None
    when nothing before it shares a 3-gram). Rows dated before `since` are only compared with, never scored (the
    context before a month being rebuilt). One pass; a content is cut into 3-grams once, and only when compared."""
    author: int | None = None
    day: Any = None
    earlier: deque[list[list[Any]]] = deque(maxlen=PREVIOUS_DAYS)
    today: list[list[Any]] = []
    for record_id, author_id, date, content in rows:
        if author_id != author:
            author, day, today = author_id, None, []
            earlier.clear()
        if date != day:
            if day is not None:
                earlier.append(today)
            day, today = date, []
        entry: list[Any] = [record_id, content, None]
        today.append(entry)
        if since is not None and date < since:
            continue
        grams = entry[2] = frozenset(shingles(content))
        size = len(grams)
        best, best_id = 0.0, None
        for previous_day in earlier:
            for previous in previous_day:
                if previous[2] is None:
                    previous[2] = frozenset(shingles(previous[1]))
                shared = len(grams & previous[2])
                if shared:
                    score = shared / (size + len(previous[2]) - shared)
                    if score > best:
                        best, best_id = score, previous[0]
        yield record_id, best, best_id
