"""Chinese text features for matching records to duties: character bigrams, Latin tokens and known terms.

No word segmenter: known terms (the lexicon's and each duty's own words) are found as substrings, which keeps terms
like 河长制 or 12345 whole without a dictionary, and bigrams cover the rest. jieba was measured on the held-out set
(bench/duty_suggest.py --jieba): it changed top-3 accuracy by nothing and costs one to three seconds per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams - STOPWORDS


def latin_tokens(text: str) -> set[str]:
    """Latin words and numbers of three or more digits (OA, PM2.5, 12345, 12315), upper-cased."""
    return {t.upper().rstrip(".") for t in LATIN_RUN.findall(text)}


def terms_in(text: str, vocabulary: Iterable[str]) -> set[str]:
    """The vocabulary's terms that occur in `text` as substrings (robust where segmentation would split them)."""
    upper = text.upper()
    return {t for t in vocabulary if t in text or t in upper}
