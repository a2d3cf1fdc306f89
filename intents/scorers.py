"""The scoring half of the matcher: label probabilities for a message, from named scorers.

One calibrated linear model (`intents.classifier`) learns the FAQ's examples
plus two "not ours" labels from faq/out_of_scope.yaml: `none.legal` (a legal
question the FAQ does not cover) and `none.other` (not a legal question). Its
probabilities measure how sure we are of the intent, not how much of the
message the FAQ's vocabulary covers, so a long story is judged by the words
that decide it.

Two scorers read a message with that model, and their rows are blended with
the weights of intents/data/matcher.json ("scorers"):
- `whole_message`: the whole text;
- `asking_clause`: the likeliest clause among those that ask something
  (吗, 怎么, 咋, 能不能 ...), because the question is often one sentence inside
  a story ("... 我该咋个办"). A message of one clause has only the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from intents.classifier import TextClassifier
from intents.faq import Faq
from intents.features import FeatureExtractor

#: The labels of the "not ours" side.
NOT_OURS_LEGAL, NOT_OURS_OTHER = "none.legal", "none.other"
_CLAUSE_END = re.compile(r"[。！？!?；;\n]+|[，,、]\s*|\s{2,}")
MIN_CLAUSE_CHARS = 5
#: A clause that asks something: the question of a story is the one to weigh beside the whole ("...我该咋个办").
_ASKING = re.compile(r"吗|么|怎|咋|能不能|可不可以|可以|会不会|是不是|有没有|要不要|该|哪|啥|什么|谁|多少|几|如何|\?|？|呢")


def clauses(text: str) -> list[str]:
    """The clauses of a message worth scoring alone (only when it has more than one).

    >>> clauses("老板跑了三个月了，欠我八千块工钱，我该咋个办")
    ['老板跑了三个月了', '欠我八千块工钱', '我该咋个办']
    >>> clauses("工钱不给咋办")
    []
    """
    parts = [part.strip() for part in _CLAUSE_END.split(text) if len(part.strip()) >= MIN_CLAUSE_CHARS]
    return parts if len(parts) > 1 else []


@dataclass(frozen=True)
class TrainingSet:
    """What the model learns: normalised texts, labels, weights, and each text as the admin wrote it."""

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    weights: tuple[float, ...]
    shown: tuple[str, ...]

    @classmethod
    def from_faq(cls, faq: Faq, normalise, out_of_scope_weight: float) -> "TrainingSet":
        rows = [(normalise(example), intent.id, 1.0, example)
                for intent in faq for examples in intent.examples.values() for example in examples]
        for label, questions in ((NOT_OURS_LEGAL, faq.out_of_scope.legal), (NOT_OURS_OTHER, faq.out_of_scope.other)):
            rows += [(normalise(question), label, out_of_scope_weight, question) for question in questions]
        return cls(*(tuple(column) for column in zip(*rows, strict=True))) if rows else cls((), (), (), ())


SCORERS = ("whole_message", "asking_clause")


def checked_weights(weights: dict[str, float]) -> dict[str, float]:
    """The scorers' weights, or a ValueError saying what intents/data/matcher.json must hold."""
    if set(weights) != set(SCORERS) or any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1) > 1e-9:
        raise ValueError(f"intents/data/matcher.json: \"scorers\" must give each of {', '.join(SCORERS)} a weight "
                         f">= 0, summing to 1; found {weights}")
    return weights


class MessageScorer:
    """Label probabilities for a message: the named scorers' rows, blended. Read-only once built."""

    def __init__(self, training: TrainingSet, features: FeatureExtractor, *, regularisation: float,
                 weights: dict[str, float]):
        self.weights = checked_weights(weights)
        self.model = (TextClassifier(features, regularisation=regularisation)
                      .fit(list(training.texts), list(training.labels), list(training.weights))
                      if len(set(training.labels)) > 1 else None)
        self.labels: list[str] = self.model.labels if self.model else sorted(set(training.labels))
        #: the columns of the FAQ's intents (the rest are the "not ours" labels)
        self.intent_columns = np.array([i for i, label in enumerate(self.labels) if not label.startswith("none.")])

    def probabilities(self, message: str, normalised: str, normalise) -> tuple[np.ndarray, str]:
        """One probability per label (in `labels` order) and the asking clause that was weighed ("" if none)."""
        parts = clauses(message)
        rows = self.model.probabilities([normalised] + [normalise(part) for part in parts])
        if not parts:
            return rows[0], ""
        peaks = rows[1:, self.intent_columns].max(axis=1)
        asking = [i for i, part in enumerate(parts) if _ASKING.search(part)] or range(len(parts))
        best = max(asking, key=lambda i: peaks[i])  # the likeliest clause among those that ask
        blended = self.weights["whole_message"] * rows[0] + self.weights["asking_clause"] * rows[1 + best]
        return blended, parts[best]
