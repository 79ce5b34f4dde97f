"""Ranking a person's duties against what they wrote: pure functions, no database (selectors feed them).

A duty is described by its title and description, widened by the lexicon (the words people use for that work);
a record's text is matched as character bigrams, Latin tokens (12345, OA) and known terms found as substrings.
Each shared feature counts by its rarity across the whole duty catalogue (idf). On top comes what the person and
their unit chose before: the words of past records filed under each duty, counted only where they say more about
that duty than about the person's records in general (so habits that carry no signal, or duties chosen at random,
add nothing), and a small prior for the duties chosen most. The person chooses; nothing here assigns a duty.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from jishi.duties.lexicon import LEXICON, STOPWORDS
from jishi.duties.text import TermMatcher, base_title, bigrams, latin_tokens

OWN_WEIGHT = 1.0  # a feature of the duty's own title or description
EXPANSION_WEIGHT = 0.6  # a lexicon word for that kind of work
EXPANSION_BIGRAM_WEIGHT = 0.2  # a fragment of a lexicon word
LEARNED_WEIGHT = 2.5
PRIOR_WEIGHT = 1.5
MIN_SCORE = 0.55  # of the weight of a word found in one duty only: below it, a match is a stray character pair
KEEP_RATIO = 0.2  # drop suggestions far below the best one


@dataclass(frozen=True)
class DutyText:
    """What the ranker needs of a duty: its id, code, title and description, and how specific it is to the person
    (0 a duty of their post, 1 a function of their own unit, 2 of their 本单位)."""

    id: int
    code: str
    title: str
    description: str = ""
    specificity: int = 1


@dataclass(frozen=True)
class PastRecord:
    """A record filed earlier under a duty: its text, the duty, and how much it counts (own 1.0, colleagues less)."""

    content: str
    duty_id: int
    weight: float = 1.0


@dataclass
class Ranked:
    """One suggested duty with its score and the words that matched."""

    duty: DutyText
    score: float
    because: list[str] = field(default_factory=list)


def _doc_key(title: str, description: str) -> str:
    return base_title(title) + "\n" + description.strip()


class CatalogueIndex:
    """Features of every duty text in a catalogue, and how rare each feature is across it."""

    def __init__(
        self, texts: Iterable[tuple[str, str]], *, segment: Callable[[str], Iterable[str]] | None = None
    ) -> None:
        # `segment` (e.g. jieba) adds a duty's own words as terms; measured, it adds nothing to bigrams and the lexicon.
        self.segment = segment
        self.docs: dict[str, dict[str, float]] = {}
        vocabulary: set[str] = set()
        for title, description in texts:
            key = _doc_key(title, description)
            if key not in self.docs:
                self.docs[key] = self._features(base_title(title), description, self.segment)
                vocabulary.update(f[2:] for f in self.docs[key] if f.startswith("t:"))
        self.vocabulary = frozenset(vocabulary)
        self.match_terms = TermMatcher(self.vocabulary)
        df: Counter[str] = Counter()
        for features in self.docs.values():
            df.update(features.keys())
        n = max(len(self.docs), 1)
        self.default_idf = math.log(1 + n)
        self.idf = {f: math.log(1 + n / c) for f, c in df.items()}

    @staticmethod
    def _features(
        title: str, description: str, segment: Callable[[str], Iterable[str]] | None = None
    ) -> dict[str, float]:
        text = f"{title}\n{description}"
        features: dict[str, float] = {}

        def put(feature: str, weight: float) -> None:
            if weight > features.get(feature, 0.0):
                features[feature] = weight

        for gram in bigrams(text):
            put("b:" + gram, OWN_WEIGHT)
        for word in segment(text) if segment else ():
            put("t:" + word, OWN_WEIGHT)
        for token in latin_tokens(text):
            put("l:" + token, OWN_WEIGHT)
        for keys, related in LEXICON:
            if any(k in text for k in keys):
                for key in keys:
                    put("t:" + key, OWN_WEIGHT)
                for term in related.split():
                    if term in STOPWORDS:
                        continue
                    if term.isascii():
                        put("l:" + term.upper(), EXPANSION_WEIGHT)
                        continue
                    put("t:" + term, EXPANSION_WEIGHT)
                    for gram in bigrams(term):
                        put("b:" + gram, EXPANSION_BIGRAM_WEIGHT)
        return features

    def features_of(self, duty: DutyText) -> dict[str, float]:
        key = _doc_key(duty.title, duty.description)
        features = self.docs.get(key)
        if features is None:  # a duty added since the index was built: describe it, rarity as if unseen
            features = self.docs[key] = self._features(base_title(duty.title), duty.description, self.segment)
        return features

    def query(self, text: str) -> set[str]:
        """The features of a record's text."""
        found = {"b:" + g for g in bigrams(text)}
        found.update("l:" + t for t in latin_tokens(text))
        found.update("t:" + t for t in self.match_terms(text))
        return found

    def weight(self, feature: str) -> float:
        return self.idf.get(feature, self.default_idf)


class History:
    """What a person and their unit chose before, reduced once to per-duty word counts (so each keystroke's
    suggestion only looks up the words it has)."""

    def __init__(self, index: CatalogueIndex, past: Sequence[PastRecord]) -> None:
        self.per_duty: dict[int, Counter[str]] = defaultdict(Counter)
        self.mass: dict[int, float] = defaultdict(float)
        self.background: Counter[str] = Counter()
        self.total = 0.0
        for record in past:
            features = index.query(record.content)
            counts = dict.fromkeys(features, record.weight)
            self.per_duty[record.duty_id].update(counts)
            self.background.update(counts)
            self.mass[record.duty_id] += record.weight
            self.total += record.weight

    def learned(
        self, index: CatalogueIndex, query: set[str], duty_ids: set[int]
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Per duty: how much more often the query's features appear in its past records than in the records filed
        under other duties (so habits shared by every duty, or duties chosen at random, add nothing); and the share
        of past records under it."""
        total = sum(self.mass[d] for d in duty_ids if d in self.mass)
        if total == 0:
            return {}, {}
        learned: dict[int, float] = {}
        for duty_id in duty_ids:
            counts = self.per_duty.get(duty_id)
            if not counts:
                continue
            # Two pseudo-records on each side: one past record is a hint, not a rule.
            here, there = self.mass[duty_id] + 2.0, self.total - self.mass[duty_id] + 2.0
            lift = 0.0
            for feature in query:
                count = counts.get(feature)
                if count:
                    elsewhere = (self.background[feature] - count) / there
                    pooled = self.background[feature] / (here + there)
                    # Less one standard error of the difference: chance differences between duties chosen at
                    # random (the demo world's) come to nothing, a word that keeps going with one duty counts.
                    noise = math.sqrt(pooled * (1 - pooled) * (1 / here + 1 / there))
                    gain = count / here - elsewhere - noise
                    if gain > 0:
                        lift += index.weight(feature) * gain
            learned[duty_id] = lift
        prior = {d: self.mass[d] / total for d in duty_ids if d in self.mass}
        return learned, prior


def rank(
    index: CatalogueIndex,
    text: str,
    candidates: Sequence[DutyText],
    *,
    past: Sequence[PastRecord] | History = (),
    limit: int = 3,
) -> list[Ranked]:
    """The candidates that `text` most likely serves, best first; empty when the text matches none of them."""
    text = (text or "").strip()
    if not text or not candidates:
        return []
    # The same work named by a section and by its department: offer the more specific one only.
    chosen: dict[str, DutyText] = {}
    for duty in sorted(candidates, key=lambda d: d.specificity):
        chosen.setdefault(_doc_key(duty.title, duty.description), duty)
    duties = list(chosen.values())
    query = index.query(text)
    if not query:
        return []
    history = past if isinstance(past, History) else History(index, past)
    learned, prior = history.learned(index, query, {d.id for d in duties})
    bar = MIN_SCORE * index.default_idf
    ranked: list[Ranked] = []
    for duty in duties:
        features = index.features_of(duty)
        contributions = {f: index.weight(f) * features[f] for f in query if f in features}
        from_words = sum(contributions.values())
        from_choices = LEARNED_WEIGHT * learned.get(duty.id, 0.0)
        # Past choices alone must clear the same bar as words: a little lift is noise, not a reason to suggest.
        if from_words <= 0 and from_choices < bar:
            continue
        score = from_words + from_choices
        score += PRIOR_WEIGHT * prior.get(duty.id, 0.0)
        terms = sorted((f for f in contributions if f[0] in "tl"), key=lambda f: -contributions[f])
        ranked.append(Ranked(duty=duty, score=round(score, 3), because=[f[2:] for f in terms[:3]]))
    ranked.sort(key=lambda r: (-r.score, r.duty.specificity, r.duty.code))
    if not ranked or ranked[0].score < bar:
        return []
    floor = ranked[0].score * KEEP_RATIO
    return [r for r in ranked if r.score >= floor][:limit]
