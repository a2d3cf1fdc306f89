"""Which intent a message is about, how sure we are, and what to do about it.

Scoring, per intent, in [0, 1]:

* a TF-IDF cosine between the message and each example (words, bigrams and
  characters, see `intents.features`), so distinctive terms (刷单, 赡养) count
  more than common ones (怎么办);
* the same cosine against the intent's centroid (all its examples together),
  which lets a message that uses the vocabulary of an intent, but no single
  example's phrasing, still find it;
* rapidfuzz's `ratio` on the normalised strings of the best examples, which
  rewards near-verbatim matches and survives word-splitting mistakes.

The decision then follows Rasa's fallback rule: a confidence threshold *and*
an ambiguity margin between the top candidates. Everything is built once, in
the constructor; `match` only reads, so one Matcher serves every thread.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from intents.faq import Faq
from intents.features import FEATURE_WEIGHTS, FeatureExtractor
from intents.normalise import Normaliser


@dataclass(frozen=True)
class Thresholds:
    """Where answer, clarify and fallback meet; calibrated on held-out questions (README)."""

    fallback_below: float = 0.30  # no candidate this good: say we don't know
    answer_from: float = 0.42  # a lone candidate below this is offered, not asserted
    ambiguity_margin: float = 0.05  # candidates this close to the top are offered together
    max_choices: int = 3


@dataclass(frozen=True)
class Candidate:
    intent: str
    score: float


@dataclass(frozen=True)
class Evidence:
    """Why the matcher decided as it did (`mingbai match --explain`)."""

    normalised: str
    words: tuple[str, ...]
    examples: tuple[tuple[str, str, float], ...]  # (intent, example, similarity), best first


@dataclass(frozen=True)
class Decision:
    """The outcome for one message: answer the top intent, ask which of `choices`, or fall back."""

    kind: str  # "answer" | "clarify" | "fallback"
    candidates: tuple[Candidate, ...]  # best first, at most 5
    choices: tuple[str, ...] = ()  # intents to offer when kind == "clarify"
    evidence: Evidence | None = field(default=None, compare=False)

    @property
    def intent(self) -> str | None:
        return self.candidates[0].intent if self.candidates else None

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0

    def as_json(self) -> dict:
        return {
            "intent": self.intent,
            "score": round(self.score, 4),
            "decision": self.kind,
            "alternatives": [{"intent": c.intent, "score": round(c.score, 4)} for c in self.candidates[1:]],
        }


#: How the three similarities combine into an intent's score.
EXAMPLE_WEIGHT, CENTROID_WEIGHT, FUZZ_WEIGHT = 0.5, 0.3, 0.2
#: Only the examples with the best cosine are compared with rapidfuzz.
FUZZ_SHORTLIST = 30
MAX_QUERY_CHARS = 500  # a long story is matched on its first 500 characters


@lru_cache(maxsize=2)
def _feature_extractor(terms: tuple[str, ...]) -> FeatureExtractor:
    return FeatureExtractor(terms)


class _SparseIndex:
    """Unit-length TF-IDF vectors of documents, searchable by cosine through an inverted index."""

    def __init__(self, documents: list, idf: dict[str, float]):
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc_id, counts in enumerate(documents):
            vector = _weigh(counts, idf)
            for feature, weight in vector.items():
                self.postings[feature].append((doc_id, weight))

    def cosine(self, query: dict[str, float]) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for feature, query_weight in query.items():
            for doc_id, weight in self.postings.get(feature, ()):
                scores[doc_id] += query_weight * weight
        return scores


def _weigh(counts, idf: dict[str, float], unseen_idf: float = 0.0) -> dict[str, float]:
    """Unit-length TF-IDF vector. A feature no example has gets `unseen_idf`: words the FAQ
    never uses (天气, 猪价) make a message *less* like every intent instead of being ignored."""
    vector = {
        feature: FEATURE_WEIGHTS[feature[0]] * (1 + math.log(count)) * idf.get(feature, unseen_idf)
        for feature, count in counts.items()
    }
    norm = math.sqrt(sum(weight * weight for weight in vector.values())) or 1.0
    return {feature: weight / norm for feature, weight in vector.items() if feature in idf}


class Matcher:
    """Built once from a Faq; `match(text)` returns a Decision. Thread-safe for reading."""

    def __init__(self, faq: Faq, thresholds: Thresholds | None = None):
        self.faq = faq
        self.thresholds = thresholds or Thresholds()
        self.normalise = Normaliser(faq.lexicon)
        self._features = _feature_extractor(faq.lexicon.terms)
        self._example_intents: list[str] = []
        self._example_texts: list[str] = []
        self._example_normalised: list[str] = []
        example_counts = []
        for intent in faq:
            for examples in intent.examples.values():
                for example in examples:
                    normalised = self.normalise(example)
                    self._example_intents.append(intent.id)
                    self._example_texts.append(example)
                    self._example_normalised.append(normalised)
                    example_counts.append(self._features(normalised))
        self._idf = self._inverse_document_frequencies(example_counts)
        self._unseen_idf = math.log((len(example_counts) + 1) / 0.5)
        self._examples = _SparseIndex(example_counts, self._idf)
        self._intent_ids = list(faq.intents)
        centroids: dict[str, defaultdict] = {intent_id: defaultdict(float) for intent_id in self._intent_ids}
        for intent_id, counts in zip(self._example_intents, example_counts):
            for feature, count in counts.items():
                centroids[intent_id][feature] += count
        self._centroids = _SparseIndex([centroids[i] for i in self._intent_ids], self._idf)

    @staticmethod
    def _inverse_document_frequencies(documents: list) -> dict[str, float]:
        frequency: dict[str, int] = defaultdict(int)
        for counts in documents:
            for feature in counts:
                frequency[feature] += 1
        total = len(documents)
        return {feature: math.log((total + 1) / (count + 0.5)) for feature, count in frequency.items()}

    def match(self, text: str, *, explain: bool = False) -> Decision:
        normalised = self.normalise(text[:MAX_QUERY_CHARS])
        query = _weigh(self._features(normalised), self._idf, self._unseen_idf)
        scores = self._score_intents(normalised, query, explain)
        ranked, best_examples = scores
        candidates = tuple(Candidate(intent, score) for intent, score in ranked[:5])
        evidence = None
        if explain:
            evidence = Evidence(normalised, tuple(self._features.words(normalised)), best_examples)
        return self._decide(candidates, evidence)

    def _score_intents(self, normalised: str, query: dict[str, float], explain: bool):
        example_cosines = self._examples.cosine(query)
        shortlist = heapq.nlargest(FUZZ_SHORTLIST, example_cosines.items(), key=lambda item: item[1])
        best_example: dict[str, float] = defaultdict(float)
        matched = []
        for example_id, cosine in shortlist:
            similarity = fuzz.ratio(normalised, self._example_normalised[example_id]) / 100
            combined = (EXAMPLE_WEIGHT * cosine + FUZZ_WEIGHT * similarity) / (EXAMPLE_WEIGHT + FUZZ_WEIGHT)
            intent_id = self._example_intents[example_id]
            best_example[intent_id] = max(best_example[intent_id], combined)
            if explain:
                matched.append((intent_id, self._example_texts[example_id], round(combined, 4)))
        centroid_cosines = self._centroids.cosine(query)
        totals = {}
        for intent_index, centroid in centroid_cosines.items():
            intent_id = self._intent_ids[intent_index]
            example_part = best_example.get(intent_id, 0.0) * (EXAMPLE_WEIGHT + FUZZ_WEIGHT)
            totals[intent_id] = example_part + CENTROID_WEIGHT * centroid
        ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        matched.sort(key=lambda item: -item[2])
        return ranked, tuple(matched[:8])

    def _decide(self, candidates: tuple[Candidate, ...], evidence: Evidence | None) -> Decision:
        limits = self.thresholds
        if not candidates or candidates[0].score < limits.fallback_below:
            return Decision("fallback", candidates, evidence=evidence)
        top = candidates[0].score
        close = tuple(
            c.intent for c in candidates[: limits.max_choices]
            if c.score >= limits.fallback_below and top - c.score <= limits.ambiguity_margin
        )
        if len(close) > 1:
            return Decision("clarify", candidates, close, evidence)
        if top < limits.answer_from:
            return Decision("clarify", candidates, (candidates[0].intent,), evidence)
        return Decision("answer", candidates, evidence=evidence)
