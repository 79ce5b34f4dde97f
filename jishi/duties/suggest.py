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
from itertools import chain
from operator import add

from jishi.duties.lexicon import LEXICON, STOPWORDS
from jishi.duties.text import CJK_RUN, TermMatcher, base_title, bigrams, latin_tokens

OWN_WEIGHT = 1.0  # a feature of the duty's own title or description
EXPANSION_WEIGHT = 0.6  # a lexicon word for that kind of work
EXPANSION_BIGRAM_WEIGHT = 0.2  # a fragment of a lexicon word
LEARNED_WEIGHT = 2.5
TEXT_WEIGHT = 1.0  # the catalogue words' score, as a share of the best candidate's
NGRAM_WEIGHT = 1.2  # the learned model's posterior (character n-grams of records filed under each duty)
HABIT_WEIGHT = 0.25  # the share of the person's (and their unit's) records under each duty
NGRAM_ALPHA = 0.1
UNTESTED_RELIABILITY = 0.5  # a model too small to test on its own newest records
MIN_TEST = 10
MIN_SCORE = 0.55  # of the weight of a word found in one duty only: below it, a match is a stray character pair


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
    """One suggested duty with its score and the words that matched; `from_text` is False when nothing in the text
    pointed at it (it is offered for what the person and their unit usually do)."""

    duty: DutyText
    score: float
    because: list[str] = field(default_factory=list)
    from_text: bool = True


def char_ngrams(text: str) -> set[str]:
    """Characters, character pairs and triples of each run of Chinese characters, and Latin tokens: abbreviations
    and jargon (危废, 集访, 一模) are caught whole without a dictionary."""
    return ngrams_and_pairs(text)[0]


def ngrams_and_pairs(text: str) -> tuple[set[str], set[str]]:
    """char_ngrams(text), and the character pairs among them (text.bigrams(text)): a record is read once for both."""
    grams: set[str] = set()
    pairs: set[str] = set()
    for run in CJK_RUN.findall(text):
        # map(add, …) joins neighbours in C (no Python frame per n-gram): most of a History's build is here.
        two = list(map(add, run, run[1:]))
        grams.update(run)
        grams.update(two)
        grams.update(map(add, two, run[2:]))
        pairs.update(two)
    grams.difference_update(STOPWORDS)
    pairs.difference_update(STOPWORDS)
    grams.update("l:" + t for t in latin_tokens(text))
    return grams, pairs


def _weighted_counts(examples: Iterable[tuple[set[str], int, float]]) -> dict[int, Counter[str]]:
    """Per key (a duty, or 0 for all), the weighted count of each feature over examples (features, duty id, weight).

    Counted per key and weight by Counter's C loop, then weighted: building a person's History is most of their
    first suggestion. The weights are 1.0 and 0.5, so the sums are exact in any order."""
    groups: dict[tuple[int, float], list[set[str]]] = defaultdict(list)
    for features, key, weight in examples:
        groups[key, weight].append(features)
    result: dict[int, Counter[str]] = {}
    for (key, weight), sets in groups.items():
        found = Counter(chain.from_iterable(sets))
        result.setdefault(key, Counter()).update({feature: n * weight for feature, n in found.items()})
    return result


class NgramModel:
    """A multinomial Naive Bayes over character n-grams (1-3), one class per duty, learned from filed records (each
    one labelled by its author's choice). Pure Python; n-grams never seen in training are left out (they say
    nothing), n-grams found under most duties too (habit, not signal)."""

    def __init__(self, examples: Iterable[tuple[str, int, float]] = ()) -> None:
        self.counts: dict[int, Counter[str]] = defaultdict(Counter)
        self.totals: dict[int, float] = defaultdict(float)
        self.duty_freq: Counter[str] = Counter()
        # How far its choices beat always guessing the commonest duty, on its newest records (0 when the labels carry
        # no signal, as when duties are chosen without regard to the words); see learn().
        self.reliability = UNTESTED_RELIABILITY
        self._count((char_ngrams(content), duty_id, weight) for content, duty_id, weight in examples)

    @classmethod
    def of_ngrams(cls, examples: Iterable[tuple[set[str], int, float]]) -> NgramModel:
        """A model of examples already read: (char_ngrams of a record, its duty id, its weight)."""
        model = cls()
        model._count(examples)
        return model

    @property
    def vocabulary(self) -> int:
        return len(self.duty_freq) or 1

    def _count(self, examples: Iterable[tuple[set[str], int, float]]) -> None:
        rows = list(examples)
        for grams, duty_id, weight in rows:
            self.totals[duty_id] += weight * len(grams)
        self.counts.update(_weighted_counts(rows))
        self.duty_freq.update(chain.from_iterable(self.counts.values()))

    def compact(self) -> NgramModel:
        """Without the n-grams filed only once in all (most of a model's size, little of its signal)."""
        keep = {g for g, f in self.duty_freq.items() if f > 1 or any(c[g] >= 2 for c in self.counts.values() if g in c)}
        model = NgramModel()
        for duty_id, counts in self.counts.items():
            model.counts[duty_id] = Counter({g: c for g, c in counts.items() if g in keep})
            model.totals[duty_id] = self.totals[duty_id]
        model.duty_freq = Counter({g: f for g, f in self.duty_freq.items() if g in keep})
        model.reliability = self.reliability
        return model

    def posterior(self, text: str, duty_ids: Sequence[int]) -> tuple[dict[int, float], bool]:
        """P(duty | text) over `duty_ids` from the n-grams seen in training, and whether any distinctive n-gram of
        two or more characters was found (the text itself said something the model knows)."""
        trained = [d for d in duty_ids if d in self.counts]
        if len(trained) < 1:
            return {}, False
        spread = max(2, len(trained) // 2)
        known = [
            g for g in char_ngrams(text) if g in self.duty_freq and (self.duty_freq[g] <= spread or len(trained) < 3)
        ]
        if not known:
            return {}, False
        distinctive = any(len(g) >= 2 for g in known)
        logs: dict[int, float] = {}
        for duty_id in trained:  # a duty without records has no evidence either way: the text score speaks for it
            counts = self.counts[duty_id]
            denominator = math.log(self.totals.get(duty_id, 0.0) + NGRAM_ALPHA * self.vocabulary)
            logs[duty_id] = sum(math.log(counts.get(g, 0.0) + NGRAM_ALPHA) - denominator for g in known)
        # Tempered: many n-grams of one record are not independent evidence.
        temperature = max(1.0, math.sqrt(len(known)))
        top = max(logs.values())
        weights = {d: math.exp((v - top) / temperature) for d, v in logs.items()}
        total = sum(weights.values())
        return {d: w / total for d, w in weights.items()}, distinctive


def _doc_key(title: str, description: str) -> str:
    return base_title(title) + "\n" + description.strip()


class CatalogueIndex:
    """Features of every duty text in a catalogue, and how rare each feature is across it."""

    def __init__(
        self,
        texts: Iterable[tuple[str, str]],
        *,
        segment: Callable[[str], Iterable[str]] | None = None,
        lexicon: Sequence[tuple[tuple[str, ...], str]] = LEXICON,
    ) -> None:
        self.lexicon = lexicon  # the hand lexicon; bench/duty_suggest.py --no-lexicon measures what it adds
        # `segment` (e.g. jieba) adds a duty's own words as terms; measured, it adds nothing to bigrams and the lexicon.
        self.segment = segment
        self.docs: dict[str, dict[str, float]] = {}
        vocabulary: set[str] = set()
        for title, description in texts:
            key = _doc_key(title, description)
            if key not in self.docs:
                self.docs[key] = self._features(base_title(title), description, self.segment, self.lexicon)
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
        title: str,
        description: str,
        segment: Callable[[str], Iterable[str]] | None = None,
        lexicon: Sequence[tuple[tuple[str, ...], str]] = LEXICON,
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
        for keys, related in lexicon:
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
            features = self.docs[key] = self._features(
                base_title(duty.title), duty.description, self.segment, self.lexicon
            )
        return features

    def query(self, text: str, pairs: set[str] | None = None) -> set[str]:
        """The features of a record's text; `pairs`, its bigrams if already found (ngrams_and_pairs)."""
        found = {"b:" + g for g in (bigrams(text) if pairs is None else pairs)}
        found.update("l:" + t for t in latin_tokens(text))
        found.update("t:" + t for t in self.match_terms(text))
        return found

    def weight(self, feature: str) -> float:
        return self.idf.get(feature, self.default_idf)


class History:
    """What a person and their unit chose before, reduced once to per-duty word counts (so each keystroke's
    suggestion only looks up the words it has)."""

    def __init__(self, index: CatalogueIndex, past: Sequence[PastRecord], shared: Sequence[NgramModel] = ()) -> None:
        # shared: the models of the person's units (records every member may read), beside their own choices.
        self.shared = list(shared)
        self.per_duty: dict[int, Counter[str]] = defaultdict(Counter)
        self.mass: dict[int, float] = defaultdict(float)
        self.background: Counter[str] = Counter()
        self.total = 0.0
        examples: list[tuple[set[str], int, float]] = []
        features: list[tuple[set[str], int, float]] = []
        for record in past:
            grams, pairs = ngrams_and_pairs(record.content)  # read once, for the model and the catalogue's features
            examples.append((grams, record.duty_id, record.weight))
            features.append((index.query(record.content, pairs), record.duty_id, record.weight))
            self.mass[record.duty_id] += record.weight
            self.total += record.weight
        self.per_duty.update(_weighted_counts(features))
        self.background.update(_weighted_counts((f, 0, w) for f, _, w in features).get(0, {}))
        self.model = NgramModel.of_ngrams(examples)

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


def learn(examples: Sequence[tuple[str, int]]) -> NgramModel:
    """A compact model of `examples` (content, duty id), newest first, with its reliability measured on the newest
    fifth by a model of the rest: (accuracy − share of the commonest duty) / (1 − that share), at least 0."""
    test = examples[: min(len(examples) // 5, 300)]
    if len(test) >= MIN_TEST:
        trial = NgramModel((c, d, 1.0) for c, d in examples[len(test) :])
        duty_ids = list(trial.counts)
        shares = Counter(d for _, d in examples[len(test) :])
        base = max(shares.values()) / sum(shares.values())
        right = 0
        for content, duty_id in test:
            posterior, _ = trial.posterior(content, duty_ids)
            right += bool(posterior) and max(posterior, key=posterior.__getitem__) == duty_id
        reliability = max(0.0, (right / len(test) - base) / (1 - base)) if base < 1 else UNTESTED_RELIABILITY
    else:
        reliability = UNTESTED_RELIABILITY
    model = NgramModel((c, d, 1.0) for c, d in examples).compact()
    model.reliability = round(reliability, 3)
    return model


def _learned_posterior(history: History, text: str, duty_ids: list[int]) -> tuple[dict[int, float], bool, float]:
    """The person's own model and their units' shared models, averaged over those that know the text's n-grams
    (own choices count double)."""
    total: dict[int, float] = defaultdict(float)
    weight_sum, matched = 0.0, False
    # The person's own model is trusted as far as their units' models proved reliable (the district's habit of
    # choosing); a model whose choices beat no guess counts for nothing.
    trust = max((m.reliability for m in history.shared), default=UNTESTED_RELIABILITY)
    for model, weight in [(history.model, 2.0 * trust), *((m, m.reliability) for m in history.shared)]:
        if weight <= 0:
            continue
        posterior, distinctive = model.posterior(text, duty_ids)
        if not posterior:
            continue
        matched = matched or distinctive
        weight_sum += weight
        for duty_id, p in posterior.items():
            total[duty_id] += weight * p
    if not weight_sum:
        return {}, False, 0.0
    # Averaged by weight; the caller scales it by the best reliability (unreliable models move little).
    scale = max(trust, max((m.reliability for m in history.shared), default=0.0))
    return {d: p / weight_sum for d, p in total.items()}, matched, scale


def rank(
    index: CatalogueIndex,
    text: str,
    candidates: Sequence[DutyText],
    *,
    past: Sequence[PastRecord] | History = (),
    limit: int = 3,
    prior: dict[int, float] | None = None,
) -> list[Ranked]:
    """Every candidate ranked for `text`, best first, `limit` of them: the text's evidence first (catalogue words
    and the n-grams of records filed before), then what the person and their unit usually do. Empty only for empty
    text or no candidates; when nothing in the text matched, every result has from_text False. `prior` replaces the
    share of past records under each duty as the habit weighed beside the text."""
    text = (text or "").strip()
    if not text or not candidates:
        return []
    # The same work named by a section and by its department: offer the more specific one only.
    chosen: dict[str, DutyText] = {}
    for duty in sorted(candidates, key=lambda d: d.specificity):
        chosen.setdefault(_doc_key(duty.title, duty.description), duty)
    duties = list(chosen.values())
    query = index.query(text)
    history = past if isinstance(past, History) else History(index, past)
    given = prior
    learned, prior = history.learned(index, query, {d.id for d in duties}) if query else ({}, {})
    if given is not None:  # another habit to weigh (bench/duty_suggest.py --world --by-time: the same time of day)
        prior = given
    elif not prior:
        total = sum(history.mass[d.id] for d in duties if d.id in history.mass)
        prior = {d.id: history.mass[d.id] / total for d in duties if d.id in history.mass} if total else {}
    posterior, learned_text, trust = _learned_posterior(history, text, [d.id for d in duties])
    even = 1.0 / max(len(duties), 1)
    bar = MIN_SCORE * index.default_idf
    words: dict[int, tuple[float, list[str]]] = {}
    for duty in duties:
        features = index.features_of(duty)
        contributions = {f: index.weight(f) * features[f] for f in query if f in features}
        from_words = sum(contributions.values()) + LEARNED_WEIGHT * learned.get(duty.id, 0.0)
        terms = sorted((f for f in contributions if f[0] in "tl"), key=lambda f: -contributions[f])
        words[duty.id] = (from_words, [f[2:] for f in terms[:3]])
    best_words = max((w for w, _ in words.values()), default=0.0)
    text_matched = best_words >= bar
    ranked: list[Ranked] = []
    for duty in duties:
        from_words, because = words[duty.id]
        score = TEXT_WEIGHT * (from_words / best_words if text_matched else 0.0)
        score += NGRAM_WEIGHT * trust * posterior.get(duty.id, 0.0) if learned_text else 0.0
        score += HABIT_WEIGHT * prior.get(duty.id, 0.0)
        # Learned evidence says something of a duty it makes at least twice as likely as an even guess.
        from_text = (text_matched and from_words >= bar) or (
            learned_text and trust > 0 and posterior.get(duty.id, 0.0) >= 2 * even
        )
        ranked.append(Ranked(duty=duty, score=round(score, 3), because=because, from_text=from_text))
    ranked.sort(key=lambda r: (-r.score, r.duty.specificity, r.duty.code))
    return ranked[:limit]
