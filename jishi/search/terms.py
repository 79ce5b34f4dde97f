"""Text to index terms, and a reader's query to the terms it must match — the same rules for both.

Chinese has no spaces and most words are two characters (信访, 会议, 检查), so words are not segmented:
each run of CJK characters is indexed as its overlapping character pairs (bigrams) followed by the run's
last character on its own, and ASCII letters/digits as lowercased words. Every character therefore starts
exactly one term, so

  - a query of two or more characters is the phrase of its bigrams (信访问 → "信访 访问", adjacent);
  - a one-character query is a prefix match (信 → every term starting with 信);
  - the trailing single character separates runs, so a phrase never matches across punctuation.

The same term string feeds SQLite FTS5 (unicode61 tokenizer, which keeps a CJK pair as one token) and
PostgreSQL (a tsvector built from the positions below), so both find exactly the same records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# CJK unified ideographs (with extension A and compatibility), and the supplementary-plane extensions.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_PIECE = re.compile(f"[{_CJK}]+|[a-z0-9]+")
# One pass over the text: at each CJK character its pair with the next one (or the character alone at the end
# of a run); each ASCII word whole. Rebuilding the index runs this over every record, so it matters that it is
# a single regular expression.
_TERM = re.compile(f"(?=([{_CJK}]{{2}}|[{_CJK}]|[a-z0-9]+))(?:[{_CJK}]|[a-z0-9]+)")
_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_TO_ASCII = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}

QUERY_MAX_CHARS = 100
QUERY_MAX_WORDS = 8


def normalise(text: str) -> str:
    """Full-width letters and digits to ASCII, lowercase: what a reader types and what was written agree.

    Length-preserving for Chinese and ASCII, so highlight positions found here apply to the original text.
    """
    if _FULL_WIDTH.search(text):
        text = text.translate(_TO_ASCII)
    return text.lower()


def index_terms(text: str) -> list[str]:
    """The terms of `text` in order (positions matter: a phrase is adjacent terms)."""
    return _TERM.findall(normalise(text))


def index_text(*texts: str) -> str:
    """Space-separated terms of several fields, as one document (SQLite's FTS5 row).

    Fields are joined by a line break, so no pair spans two fields.
    """
    return " ".join(_TERM.findall(normalise("\n".join(texts))))


def tsvector_literal(terms_text: str) -> str:
    """A PostgreSQL tsvector in its input syntax ('信访':1,5 '访':2 …), built without the text-search parser.

    PostgreSQL's parser depends on the database locale for non-ASCII letters; giving the lexemes and their
    positions directly makes the index the same on every server. Positions stop at 16383 (the tsvector limit).
    """
    positions: dict[str, list[str]] = {}
    for n, term in enumerate(terms_text.split(), start=1):
        positions.setdefault(term, []).append(str(min(n, 16383)))
    return " ".join(f"'{term}':{','.join(at)}" for term, at in positions.items())


@dataclass(frozen=True)
class Piece:
    """One thing the query requires: a CJK run or an ASCII word."""

    text: str

    @property
    def is_single_char(self) -> bool:
        return len(self.text) == 1 and self.text >= "\u3400"

    @property
    def bigrams(self) -> list[str]:
        if self.text[0] < "\u3400":
            return [self.text]
        return [self.text[i : i + 2] for i in range(len(self.text) - 1)]


@dataclass(frozen=True)
class Query:
    """A parsed query: every piece must occur (AND); `words` are what the reader typed, for highlighting."""

    words: tuple[str, ...]
    pieces: tuple[Piece, ...]

    @property
    def has_single_char(self) -> bool:
        """A one-character piece is a prefix match: cheap once over the index, dear when asked record by record."""
        return any(piece.is_single_char for piece in self.pieces)

    def fts5(self) -> str:
        """The SQLite FTS5 MATCH expression."""
        parts = []
        for piece in self.pieces:
            if piece.is_single_char:
                parts.append(f'"{piece.text}" *')
            else:
                parts.append('"' + " ".join(piece.bigrams) + '"')
        return " AND ".join(parts)

    def tsquery(self) -> str:
        """The PostgreSQL tsquery, in its input syntax (no parser, like the index)."""
        parts = []
        for piece in self.pieces:
            if piece.is_single_char:
                parts.append(f"'{piece.text}':*")
            else:
                parts.append("(" + " <-> ".join(f"'{b}'" for b in piece.bigrams) + ")")
        return " & ".join(parts)


class QueryError(ValueError):
    """The query cannot be searched; the message is for the reader."""


def parse_query(text: str) -> Query:
    """Split what the reader typed into words (AND) and the pieces each must match; explain what is wrong."""
    raw = (text or "").strip()
    if not raw:
        raise QueryError("请输入要检索的词语。")
    if len(raw) > QUERY_MAX_CHARS:
        raise QueryError(f"检索词过长：最多 {QUERY_MAX_CHARS} 个字（当前 {len(raw)} 个字）。")
    words = [w for w in normalise(raw).split() if w]
    if len(words) > QUERY_MAX_WORDS:
        raise QueryError(f"检索词最多 {QUERY_MAX_WORDS} 个，请用更少的词。")
    pieces: list[Piece] = []
    kept: list[str] = []
    for word in words:
        found = _PIECE.findall(word)
        if found:
            kept.append(word)
            pieces.extend(Piece(p) for p in found if Piece(p) not in pieces)
    if not pieces:
        raise QueryError("检索词中没有可检索的汉字、字母或数字。")
    return Query(words=tuple(kept), pieces=tuple(pieces))


def highlight_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Character spans of `text` where any of the query's pieces occurs (merged, in order).

    ASCII words are marked only as whole words, as the index matches them.
    """
    folded = normalise(text)
    if len(folded) != len(text):  # a rare letter whose lowercase is longer: mark on the text as written
        folded = text
    spans: list[tuple[int, int]] = []
    for piece in query.pieces:
        if piece.text[0] < "\u3400":
            pattern = re.compile(f"(?<![a-z0-9]){re.escape(piece.text)}(?![a-z0-9])")
            spans.extend(m.span() for m in pattern.finditer(folded))
            continue
        start = folded.find(piece.text)
        while start != -1:
            spans.append((start, start + len(piece.text)))
            start = folded.find(piece.text, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
