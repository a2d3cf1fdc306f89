"""Which intent a message is about, how sure we are, and what to do about it.

Scoring, per intent, in [0, 1]:

* a TF-IDF cosine between the message and each example (words, bigrams and
  characters, see `intents.features`), so distinctive terms (刷单, 赡养) count
  more than common ones (怎么办);
* the same cosine against the intent's centroid (all its examples together),
  which lets a message that uses the vocabulary of an intent, but no single
  example's phrasing, still find it;
* rapidfuzz's `ratio` on the normalised strings of the best examples, which
  rewards near-verbatim matches and survives word-splitting mistakes;
* a naive Bayes posterior (`intents.bayes`), which knows which words belong
  to which topic even when no example uses them together.

IDF is counted over intents, not examples: a word in every example of one
intent (欠条) is as distinctive as a word in one example, and the centroid
then rewards the intent that uses it often.

The decision then follows Rasa's fallback rule: a confidence threshold *and*
an ambiguity margin between the top candidates. Everything is built once, in
the constructor; `match` only reads, so one Matcher serves every thread.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from intents.faq import Faq
from intents.bayes import NaiveBayes
from intents.features import FeatureExtractor
from intents.normalise import Normaliser
from intents.vectors import CosineIndex, inverse_document_frequencies, unit_vector


@dataclass(frozen=True)
class Thresholds:
    """Where answer, clarify and fallback meet.

    `fallback_below` is the lowest score that rejects at least 95 % of the out-of-scope
    calibration questions under 5-fold cross-validation of the FAQ (`bench/calibrate.py`);
    no evaluation set was used to choose it.
    """

    fallback_below: float = 0.22  # no candidate this good: say we don't know
    answer_from: float = 0.28  # a lone candidate below this is offered, not asserted
    ambiguity_margin: float = 0.04  # candidates this close to the top are offered together
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


#: How the similarities combine into an intent's score (they sum to 1, so scores stay in [0, 1]).
EXAMPLE_WEIGHT, CENTROID_WEIGHT, FUZZ_WEIGHT, BAYES_WEIGHT = 0.3, 0.38, 0.07, 0.25
#: Only the examples with the best cosine are compared with rapidfuzz.
FUZZ_SHORTLIST = 30
MAX_QUERY_CHARS = 500  # a long story is matched on its first 500 characters


@lru_cache(maxsize=2)
def _feature_extractor(terms: tuple[str, ...]) -> FeatureExtractor:
    return FeatureExtractor(terms)


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
        self._exact: dict[str, int] = {}  # normalised example -> index of its intent
        example_counts = []
        for intent in faq:
            for examples in intent.examples.values():
                for example in examples:
                    normalised = self.normalise(example)
                    self._example_intents.append(intent.id)
                    self._example_texts.append(example)
                    self._example_normalised.append(normalised)
                    self._exact.setdefault(normalised, intent.id)
                    example_counts.append(self._features(normalised))
        self._intent_ids = list(faq.intents)
        intent_index = {intent_id: index for index, intent_id in enumerate(self._intent_ids)}
        self._example_intent_index = [intent_index[intent_id] for intent_id in self._example_intents]
        self._exact = {text: intent_index[self._exact[text]] for text in self._exact}
        intent_counts: dict[str, defaultdict] = {intent_id: defaultdict(float) for intent_id in self._intent_ids}
        for intent_id, counts in zip(self._example_intents, example_counts):
            for feature, count in counts.items():
                intent_counts[intent_id][feature] += count
        centroids = [intent_counts[intent_id] for intent_id in self._intent_ids]
        self._idf, self._unseen_idf = inverse_document_frequencies(centroids)
        self._examples = CosineIndex(example_counts, self._idf)
        self._centroids = CosineIndex(centroids, self._idf)
        self._bayes = NaiveBayes(centroids)

    def match(self, text: str, *, explain: bool = False) -> Decision:
        normalised = self.normalise(text[:MAX_QUERY_CHARS])
        ranked, best_examples = self._score_intents(normalised, explain)
        candidates = tuple(Candidate(intent, score) for intent, score in ranked[:5])
        evidence = None
        if explain:
            evidence = Evidence(normalised, tuple(self._features.words(normalised)), best_examples)
        return self._decide(candidates, evidence)

    def _score_intents(self, normalised: str, explain: bool):
        features = self._features(normalised)
        query = unit_vector(features, self._idf, self._unseen_idf)
        example_cosines = self._examples.cosine(query)
        count = min(FUZZ_SHORTLIST, len(example_cosines))
        shortlist = np.argpartition(-example_cosines, count - 1)[:count] if count else []
        best_example = np.zeros(len(self._intent_ids))
        matched = []
        for example_id in shortlist:
            cosine = float(example_cosines[example_id])
            if cosine <= 0:
                continue
            similarity = fuzz.ratio(normalised, self._example_normalised[example_id]) / 100
            intent_index = self._example_intent_index[example_id]
            best_example[intent_index] = max(best_example[intent_index], EXAMPLE_WEIGHT * cosine + FUZZ_WEIGHT * similarity)
            if explain:
                matched.append((self._intent_ids[intent_index], self._example_texts[example_id], round(cosine, 4)))
        centroid_cosines = self._centroids.cosine(query)
        # The share of the message the FAQ's vocabulary explains: Bayes is sure of a topic after a
        # single known word ("tell me a joke" -> "how can I tell a scam call"), so it is scaled by it.
        known_share = sum(weight * weight for weight in query.values())
        totals = best_example + CENTROID_WEIGHT * centroid_cosines + BAYES_WEIGHT * known_share * self._bayes.posteriors(features)
        totals[centroid_cosines <= 0] = 0.0  # nothing in common with the intent at all
        if normalised in self._exact:  # an admin's own example is answered as they labelled it
            totals[self._exact[normalised]] = 1.0
        top = np.argsort(-totals, kind="stable")[:5]
        ranked = [(self._intent_ids[i], float(totals[i])) for i in top if totals[i] > 0]
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
