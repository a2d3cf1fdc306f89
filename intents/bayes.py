"""A multinomial naive Bayes view of the FAQ: which intent's examples would most likely produce these words.

Nearest-example similarity is good at "this is almost an example"; naive Bayes
is good at "these words belong to that topic" (欠条 and 借 to debts), which is
what generalises to questions nobody wrote down. The matcher blends both.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

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
        self.size = len(weighted)
        denominator = SMOOTHING * len(vocabulary)
        self._log_totals = np.log(np.array([sum(counts.values()) for counts in weighted]) + denominator)
        # log P(f | intent) = log(SMOOTHING) + log(1 + count / SMOOTHING) - log_total; only the middle
        # term depends on whether the intent has seen f, so it is all the postings need to hold.
        ids: dict[str, list[int]] = defaultdict(list)
        gains: dict[str, list[float]] = defaultdict(list)
        for intent_index, counts in enumerate(weighted):
            for feature, count in counts.items():
                ids[feature].append(intent_index)
                gains[feature].append(math.log1p(count / SMOOTHING))
        self._postings = {f: (np.array(ids[f], dtype=np.int32), np.array(gains[f])) for f in ids}

    def posteriors(self, features: Mapping[str, float]) -> np.ndarray:
        known = [(self._postings[f], FEATURE_WEIGHTS[f[0]] * n) for f, n in features.items() if f in self._postings]
        total_weight = sum(weight for _, weight in known)
        if not total_weight:
            return np.full(self.size, 1 / self.size)
        intent_ids = np.concatenate([postings[0] for postings, _ in known])
        gains = np.concatenate([postings[1] * weight for postings, weight in known])
        log_likelihood = np.bincount(intent_ids, weights=gains, minlength=self.size) - total_weight * self._log_totals
        # Per unit of feature weight, so a long story is not more "certain" than a short question.
        scaled = SHARPNESS * log_likelihood / total_weight
        exponentials = np.exp(scaled - scaled.max())
        return exponentials / exponentials.sum()
