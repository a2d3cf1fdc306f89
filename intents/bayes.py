"""A multinomial naive Bayes view of the FAQ: which intent's examples would most likely produce these words.

Nearest-example similarity is good at "this is almost an example"; naive Bayes
is good at "these words belong to that topic" (欠条 and 借 to debts), which is
what generalises to questions nobody wrote down. The matcher blends both.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from intents.features import FEATURE_WEIGHTS

SMOOTHING = 0.2  # additive (Lidstone) smoothing of feature counts
SHARPNESS = 4.0  # scales per-feature log-likelihoods before the softmax


class NaiveBayes:
    """Posterior probability of each intent given a message's features."""

    def __init__(self, intent_counts: Sequence[Mapping[str, float]]):
        vocabulary = set()
        weighted = []
        for counts in intent_counts:
            weighted.append({f: FEATURE_WEIGHTS[f[0]] * n for f, n in counts.items()})
            vocabulary.update(counts)
        self._vocabulary = vocabulary
        denominator = SMOOTHING * len(vocabulary)
        self._log_totals = [math.log(sum(counts.values()) + denominator) for counts in weighted]
        # log P(f | intent) = log(SMOOTHING) + log(1 + count / SMOOTHING) - log_total; only the middle
        # term depends on whether the intent has seen f, so it is all the postings need to hold.
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for intent_index, counts in enumerate(weighted):
            for feature, count in counts.items():
                self._postings[feature].append((intent_index, math.log1p(count / SMOOTHING)))

    def posteriors(self, features: Mapping[str, float]) -> list[float]:
        known = {f: FEATURE_WEIGHTS[f[0]] * n for f, n in features.items() if f in self._vocabulary}
        total_weight = sum(known.values())
        if not total_weight:
            return [1 / len(self._log_totals)] * len(self._log_totals)
        log_likelihood = [-total_weight * log_total for log_total in self._log_totals]
        for feature, weight in known.items():
            for intent_index, gain in self._postings[feature]:
                log_likelihood[intent_index] += weight * gain
        # Per unit of feature weight, so a long story is not more "certain" than a short question.
        scaled = [SHARPNESS * value / total_weight for value in log_likelihood]
        peak = max(scaled)
        exponentials = [math.exp(value - peak) for value in scaled]
        total = sum(exponentials)
        return [value / total for value in exponentials]
