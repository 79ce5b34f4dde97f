"""Chinese text features for matching records to duties: character bigrams, Latin tokens and known terms.

No word segmenter: known terms (the lexicon's and each duty's own words) are found as substrings, which keeps terms
like 河长制 or 12345 whole without a dictionary, and bigrams cover the rest. jieba was measured on the held-out set
(bench/duty_suggest.py --jieba): it changed top-3 accuracy by nothing and costs one to three seconds per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from jishi.duties.lexicon import LEXICON, STOPWORDS

CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9.]*|\d{3,}")
# A section's duty repeats its department's function with the section's name appended: "预算编制（预算科）".
UNIT_SUFFIX = re.compile(r"[（(][^（）()]*[）)]\s*$")


def lexicon_terms() -> set[str]:
    return {t for _, related in LEXICON for t in related.split() if t not in STOPWORDS} | {
        k for keys, _ in LEXICON for k in keys
    }


def base_title(title: str) -> str:
    """A duty title without a trailing unit name in brackets."""
    return UNIT_SUFFIX.sub("", title).strip()


def bigrams(text: str) -> set[str]:
    """Character bigrams of each run of Chinese characters, without stopword bigrams."""
    grams: set[str] = set()
    for run in CJK_RUN.findall(text):
        if len(run) == 1:
            continue
        grams.update([a + b for a, b in pairwise(run)])
    return grams - STOPWORDS


def latin_tokens(text: str) -> set[str]:
    """Latin words and numbers of three or more digits (OA, PM2.5, 12345, 12315), upper-cased."""
    return {t.upper().rstrip(".") for t in LATIN_RUN.findall(text)}


class TermMatcher:
    """Finds known terms in a text: at each position whose first two characters begin some term, looks up only the
    lengths of the terms that begin so — a few dozen set lookups per record instead of one scan per term."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = frozenset(t.upper() if t.isascii() else t for t in terms if t)
        self.singles = frozenset(t for t in self.terms if len(t) == 1)
        lengths: dict[str, set[int]] = {}
        for term in self.terms:
            if len(term) > 1:
                lengths.setdefault(term[:2], set()).add(len(term))
        self.lengths = {head: sorted(sizes) for head, sizes in lengths.items()}

    def __call__(self, text: str) -> set[str]:
        text = text.upper()
        found = {c for c in text if c in self.singles} if self.singles else set()
        terms, lengths = self.terms, self.lengths
        for i in range(len(text) - 1):
            sizes = lengths.get(text[i : i + 2])
            if sizes:
                for size in sizes:
                    piece = text[i : i + size]
                    if len(piece) == size and piece in terms:
                        found.add(piece)
        return found
