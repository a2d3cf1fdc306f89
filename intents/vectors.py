"""TF-IDF vectors and an inverted index for cosine search over sparse features."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

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


def unit_vector(counts: Mapping[str, float], idf: Mapping[str, float], unseen_idf: float = 0.0) -> dict[str, float]:
    """Unit-length TF-IDF vector of `counts`, keeping only features in `idf`.

    A feature outside `idf` still counts towards the length with `unseen_idf`:
    words the FAQ never uses (天气, 猪价) make a message *less* like every
    intent instead of being ignored.
    """
    vector = {
        feature: FEATURE_WEIGHTS[feature[0]] * (1 + math.log(count)) * idf.get(feature, unseen_idf)
        for feature, count in counts.items()
        if count > 0
    }
    norm = math.sqrt(sum(weight * weight for weight in vector.values())) or 1.0
    return {feature: weight / norm for feature, weight in vector.items() if feature in idf}


class CosineIndex:
    """Documents as unit TF-IDF vectors, searchable by cosine through an inverted index."""

    def __init__(self, documents: Iterable[Mapping[str, float]], idf: Mapping[str, float]):
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc_id, counts in enumerate(documents):
            for feature, weight in unit_vector(counts, idf).items():
                self.postings[feature].append((doc_id, weight))

    def cosine(self, query: Mapping[str, float]) -> dict[int, float]:
        """Cosine of a unit query vector with every document that shares a feature with it."""
        scores: dict[int, float] = defaultdict(float)
        for feature, query_weight in query.items():
            for doc_id, weight in self.postings.get(feature, ()):
                scores[doc_id] += query_weight * weight
        return scores
