"""TF-IDF vectors and an inverted index for cosine search over sparse features."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np

from intents.features import FEATURE_WEIGHTS


def inverse_document_frequencies(documents: Iterable[Mapping[str, float]]) -> tuple[dict[str, float], float]:
    """IDF of every feature over `documents`, and the IDF to give a feature none of them has."""
    frequency: dict[str, int] = defaultdict(int)
    total = 0
    for counts in documents:
        total += 1
        for feature in counts:
            frequency[feature] += 1
    idf = {feature: math.log((total + 1) / (count + 0.5)) for feature, count in frequency.items()}
    return idf, math.log((total + 1) / 0.5)


#: The kinds of feature that count against a message when the FAQ has never seen them: whole words.
#: An unseen character bigram is mostly a join across two words (邻居因, 为过) and says nothing.
UNSEEN_PENALISED = frozenset("we")


def unit_vector(counts: Mapping[str, float], idf: Mapping[str, float], unseen_idf: float = 0.0) -> dict[str, float]:
    """Unit-length TF-IDF vector of `counts`, keeping only features in `idf`.

    A word outside `idf` still counts towards the length with `unseen_idf`:
    words the FAQ never uses (天气, 猪价) make a message *less* like every
    intent instead of being ignored.
    """
    vector = {
        feature: FEATURE_WEIGHTS[feature[0]] * (1 + math.log(count)) * idf.get(feature, unseen_idf if feature[0] in UNSEEN_PENALISED else 0.0)
        for feature, count in counts.items()
        if count > 0
    }
    norm = math.sqrt(sum(weight * weight for weight in vector.values())) or 1.0
    return {feature: weight / norm for feature, weight in vector.items() if feature in idf}


class CosineIndex:
    """Documents as unit TF-IDF vectors, searchable by cosine through an inverted index.

    Each feature's postings are two numpy arrays (document ids, weights), so a
    query costs one `bincount` over the postings of its own features: C loops,
    compact memory, and no Python work per document.
    """

    def __init__(self, documents: Iterable[Mapping[str, float]], idf: Mapping[str, float]):
        ids: dict[str, list[int]] = defaultdict(list)
        weights: dict[str, list[float]] = defaultdict(list)
        self.size = 0
        for doc_id, counts in enumerate(documents):
            self.size += 1
            for feature, weight in unit_vector(counts, idf).items():
                ids[feature].append(doc_id)
                weights[feature].append(weight)
        self._postings = {
            feature: (np.array(ids[feature], dtype=np.int32), np.array(weights[feature], dtype=np.float32))
            for feature in ids
        }

    def cosine(self, query: Mapping[str, float]) -> np.ndarray:
        """Cosine of a unit query vector with every document (a dense array, one entry per document)."""
        hits = [(self._postings[f], w) for f, w in query.items() if f in self._postings]
        if not hits:
            return np.zeros(self.size, dtype=np.float64)
        doc_ids = np.concatenate([postings[0] for postings, _ in hits])
        weights = np.concatenate([postings[1] * query_weight for postings, query_weight in hits])
        return np.bincount(doc_ids, weights=weights, minlength=self.size)
