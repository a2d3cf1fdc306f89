"""Which intent a message is about, how sure we are, and what to do about it.

A calibrated linear model (`intents.classifier`) is trained on the FAQ's own
examples plus two "not ours" labels learned from faq/out_of_scope.yaml:
`none.legal` (a legal question the FAQ does not cover) and `none.other` (not a
legal question). Its probabilities measure how sure we are of the intent,
not how much of the message the FAQ's vocabulary covers, so a long story is
judged by the words that decide it.

A long message is also read clause by clause: the question is often one
sentence inside a story ("... 我该咋个办"), so the best-scoring clause among
those that ask something (吗, 怎么, 咋, 能不能 ...) gets a say next to the whole
text.

The decision follows Rasa's fallback rule: a probability threshold *and* an
ambiguity margin between the top candidates, with "not ours" winning when it
is the likelier reading. Everything is built once, in the constructor;
`match` only reads, so one Matcher serves every thread.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from intents.classifier import Contribution, TextClassifier
from intents.faq import Faq
from intents.features import FeatureExtractor
from intents.normalise import Normaliser
from intents.triage import Triage

#: The labels of the "not ours" side; `Decision.out_of_scope` says which one won.
NOT_OURS_LEGAL, NOT_OURS_OTHER = "none.legal", "none.other"
MAX_QUERY_CHARS = 1000  # a story longer than this is matched on its first 1,000 characters
_CLAUSE_END = re.compile(r"[。！？!?；;\n]+|[，,、]\s*|\s{2,}")
MIN_CLAUSE_CHARS = 5
CLAUSE_SHARE = 0.2  # how much the asking clause counts beside the whole message
#: A clause that asks something: the question of a story is the one to weigh beside the whole ("...我该咋个办").
_ASKING = re.compile(r"吗|么|怎|咋|能不能|可不可以|可以|会不会|是不是|有没有|要不要|该|哪|啥|什么|谁|多少|几|如何|\?|？|呢")
REGULARISATION = 100.0  # the intent model's C (5-fold CV on the FAQ: 30 -> 100 answers more folded examples right)


THRESHOLDS_FILE = Path(__file__).resolve().parent / "data" / "thresholds.json"


def calibrated(path: Path = THRESHOLDS_FILE) -> dict:
    """The thresholds `bench/calibrate.py --write` chose (see `intents.calibration`)."""
    return json.loads(path.read_text(encoding="utf-8"))


_CALIBRATED = calibrated()


@dataclass(frozen=True)
class Thresholds:
    """Where answer, clarify and fallback meet.

    `fallback_below` and `not_ours_from` are data: intents/data/thresholds.json, written by
    `bench/calibrate.py --write` from 5-fold cross-validation of the FAQ examples and the
    out-of-scope list; no evaluation set was used to choose them.
    """

    fallback_below: float = _CALIBRATED["fallback_below"]  # no intent this likely: say we don't know
    not_ours_from: float = _CALIBRATED["not_ours_from"]  # "not ours" this likely (and likelier than the top intent): fall back
    answer_from: float = 0.30  # a lone candidate below this is offered, not asserted
    ambiguity_margin: float = 0.08  # candidates this close to the top are offered together
    max_choices: int = 3
    out_of_scope_weight: float = 0.25  # how much one out-of-scope example counts against one FAQ example


@dataclass(frozen=True)
class Candidate:
    intent: str
    score: float


@dataclass(frozen=True)
class Evidence:
    """Why the matcher decided as it did (`mingbai match --explain`)."""

    normalised: str
    words: tuple[str, ...]
    examples: tuple[tuple[str, str, float], ...]  # (label, example, cosine), closest first
    features: tuple[Contribution, ...] = ()  # what pushed towards the top intent
    clause: str = ""  # the clause that scored best, when the message has several
    not_ours: float = 0.0  # the probability of the "not ours" side


@dataclass(frozen=True)
class Decision:
    """The outcome for one message: answer the top intent, ask which of `choices`, or fall back."""

    kind: str  # "answer" | "clarify" | "fallback"
    candidates: tuple[Candidate, ...]  # best first, at most 5
    choices: tuple[str, ...] = ()  # intents to offer when kind == "clarify"
    evidence: Evidence | None = field(default=None, compare=False)
    out_of_scope: str | None = None  # on fallback: "legal" (a legal question we don't cover) or "other"

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
            "out_of_scope": self.out_of_scope,
            "alternatives": [{"intent": c.intent, "score": round(c.score, 4)} for c in self.candidates[1:]],
        }


@lru_cache(maxsize=2)
def _feature_extractor(terms: tuple[str, ...]) -> FeatureExtractor:
    return FeatureExtractor(terms)


def clauses(text: str) -> list[str]:
    """The clauses of a message worth scoring alone (only when it has more than one)."""
    parts = [part.strip() for part in _CLAUSE_END.split(text) if len(part.strip()) >= MIN_CLAUSE_CHARS]
    return parts if len(parts) > 1 else []


class Matcher:
    """Built once from a Faq; `match(text)` returns a Decision. Thread-safe for reading."""

    def __init__(self, faq: Faq, thresholds: Thresholds | None = None):
        self.faq = faq
        self.thresholds = thresholds or Thresholds()
        self.normalise = Normaliser(faq.lexicon)
        self._features = _feature_extractor(faq.lexicon.terms)
        # Legal questions outside the FAQ (打架判几年) stay out: too close to real emergencies to learn as safe.
        ordinary = tuple(example for intent in faq if not intent.urgent for examples in intent.examples.values()
                         for example in examples) + faq.out_of_scope.other
        self.triage = Triage(faq.triage, self.normalise, self._features, ordinary)
        self._exact: dict[str, str] = {}  # normalised example -> its intent
        texts, labels, weights, shown = [], [], [], []
        for intent in faq:
            for examples in intent.examples.values():
                for example in examples:
                    normalised = self.normalise(example)
                    self._exact.setdefault(normalised, intent.id)
                    texts.append(normalised), labels.append(intent.id), weights.append(1.0), shown.append(example)
        for label, questions in ((NOT_OURS_LEGAL, faq.out_of_scope.legal), (NOT_OURS_OTHER, faq.out_of_scope.other)):
            for question in questions:
                texts.append(self.normalise(question)), labels.append(label)
                weights.append(self.thresholds.out_of_scope_weight), shown.append(question)
        self._shown, self._labels = shown, labels
        self._model = (TextClassifier(self._features.feature_list, regularisation=REGULARISATION,
                                      fingerprint=self._features.fingerprint).fit(texts, labels, weights)
                       if len(set(labels)) > 1 else None)
        model_labels = self._model.labels if self._model else sorted(set(labels))
        self._intent_columns = np.array([i for i, label in enumerate(model_labels) if not label.startswith("none.")])
        self._legal_column = model_labels.index(NOT_OURS_LEGAL) if NOT_OURS_LEGAL in model_labels else None
        self._other_column = model_labels.index(NOT_OURS_OTHER) if NOT_OURS_OTHER in model_labels else None
        self._model_labels = model_labels

    def match(self, text: str, *, explain: bool = False) -> Decision:
        scored = self.scores(text)
        if scored is None:
            return Decision("fallback", (), out_of_scope="other")
        candidates, legal, other, normalised, clause = scored
        evidence = self._evidence(normalised, candidates, clause, legal + other) if explain else None
        return self._decide(candidates, legal, other, evidence)

    def scores(self, text: str) -> tuple[tuple[Candidate, ...], float, float, str, str] | None:
        """(candidates best first, P(none.legal), P(none.other), normalised text, best clause) before any
        threshold, or None for a message with nothing to match (`bench/calibrate.py` reads these)."""
        read = self.label_probabilities(text)
        if read is None:
            return None
        probabilities, normalised, clause = read
        order = self._intent_columns[np.argsort(-probabilities[self._intent_columns], kind="stable")][:5]
        candidates = tuple(Candidate(self._model_labels[i], float(probabilities[i])) for i in order)
        legal = float(probabilities[self._legal_column]) if self._legal_column is not None else 0.0
        other = float(probabilities[self._other_column]) if self._other_column is not None else 0.0
        return candidates, legal, other, normalised, clause

    @property
    def labels(self) -> list[str]:
        """The model's labels, the intents' and the "not ours" ones, in the columns' order."""
        return self._model_labels

    def label_probabilities(self, text: str) -> tuple[np.ndarray, str, str] | None:
        """(one probability per label in `labels` order, normalised text, best clause), or None for a message with
        nothing to match: what `scores` ranks, whole (bench/semantic_stage.py blends it with another model's)."""
        message = text[:MAX_QUERY_CHARS]
        normalised = self.normalise(message)
        if self._model is None or not normalised:
            return None
        probabilities, clause = self._probabilities(message, normalised)
        if normalised in self._exact:  # an admin's own example is answered as they labelled it
            probabilities = np.zeros_like(probabilities)
            probabilities[self._model_labels.index(self._exact[normalised])] = 1.0
        return probabilities, normalised, clause

    def _probabilities(self, message: str, normalised: str) -> tuple[np.ndarray, str]:
        """The whole message's probabilities, blended with its best asking clause's when it has several."""
        parts = clauses(message)
        texts = [normalised] + [self.normalise(part) for part in parts]
        rows = self._model.probabilities(texts)
        if not parts:
            return rows[0], ""
        intent_peaks = rows[1:, self._intent_columns].max(axis=1)
        asking = [i for i, part in enumerate(parts) if _ASKING.search(part)] or range(len(parts))
        best = max(asking, key=lambda i: intent_peaks[i])  # the likeliest clause among those that ask
        blended = (1 - CLAUSE_SHARE) * rows[0] + CLAUSE_SHARE * rows[1 + best]
        return blended, parts[best]

    def _evidence(self, normalised: str, candidates, clause: str, not_ours: float) -> Evidence:
        nearest = self._model.nearest_examples(normalised, 8)
        examples = tuple((self._labels[i], self._shown[i], round(cosine, 4)) for i, cosine in nearest)
        features = tuple(self._model.explain(normalised, candidates[0].intent)) if candidates else ()
        return Evidence(normalised, tuple(self._features.words(normalised)), examples, features, clause, round(not_ours, 4))

    def _decide(self, candidates: tuple[Candidate, ...], legal: float, other: float, evidence: Evidence | None) -> Decision:
        limits = self.thresholds
        scope = "legal" if legal >= other else "other"
        top = candidates[0].score if candidates else 0.0
        if not candidates or top < limits.fallback_below or (legal + other >= limits.not_ours_from and legal + other > top):
            return Decision("fallback", candidates, evidence=evidence, out_of_scope=scope)
        close = tuple(
            c.intent for c in candidates[: limits.max_choices]
            if c.score >= limits.fallback_below and top - c.score <= limits.ambiguity_margin
        )
        if len(close) > 1:
            return Decision("clarify", candidates, close, evidence)
        if top < limits.answer_from:
            return Decision("clarify", candidates, (candidates[0].intent,), evidence)
        return Decision("answer", candidates, evidence=evidence)
