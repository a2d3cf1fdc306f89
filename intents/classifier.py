"""A calibrated linear model of which label a normalised text belongs to.

TF-IDF over the features of `intents.features` (jieba words, character
bigrams and characters, English stems) feeding a multinomial logistic
regression (scikit-learn). Unlike a similarity to the closest example, its
probabilities say how sure the model is of the label: words it never saw
carry no weight instead of diluting the score, so a three-sentence story
is judged by the words that do decide it. The same class serves the intent
matcher and the danger triage. Training is deterministic (the saga solver
with a fixed seed), so the same FAQ always gives the same answers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

#: Above this many labels a logistic regression's dense weights (labels × features) and its training time grow
#: past what one small server has (2,000 intents: 8 GB, 3 minutes), so the model becomes a sparse TF-IDF centroid
#: per label with a softmax over cosines: linear in the examples, a fraction of the memory, less sharp.
MAX_LOGISTIC_LABELS = 300
CENTROID_TEMPERATURE = 0.05


@dataclass(frozen=True)
class Contribution:
    """One feature's push towards a label (for `--explain`)."""

    feature: str
    weight: float


class _Centroids:
    """Each label's examples summed and normalised (a sparse row); probabilities a softmax over cosines."""

    def fit(self, examples, labels: list[str], sample_weight=None) -> "_Centroids":
        self.classes_ = np.array(sorted(set(labels)))
        index = {label: row for row, label in enumerate(self.classes_)}
        weights = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight)
        membership = sparse.csr_matrix((weights, ([index[label] for label in labels], np.arange(len(labels)))),
                                       shape=(len(self.classes_), len(labels)))
        self.coef_ = normalize(membership @ examples).tocsr()
        return self

    def predict_proba(self, vectors) -> np.ndarray:
        scores = (vectors @ self.coef_.T).toarray() / CENTROID_TEMPERATURE
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)


class TextClassifier:
    """fit(texts, labels, weights) once; then `probabilities(texts)` and `explain(text, label)` read only."""

    def __init__(self, features: Callable[[str], list[str]], *, regularisation: float = 30.0):
        self._vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True)
        self._regularisation = regularisation  # scikit-learn's C: higher trusts the examples more
        self._model = None
        self.labels: list[str] = []
        self._examples = None

    def fit(self, texts: list[str], labels: list[str], weights: list[float] | None = None) -> "TextClassifier":
        self._examples = self._vectoriser.fit_transform(texts)
        if len(set(labels)) > MAX_LOGISTIC_LABELS:
            self._model = _Centroids()
        else:
            self._model = LogisticRegression(C=self._regularisation, solver="saga", tol=1e-2, max_iter=300, random_state=0)
        with warnings.catch_warnings():  # a few hundred saga passes are plenty at this size; exact optimum not needed
            warnings.simplefilter("ignore", ConvergenceWarning)
            self._model.fit(self._examples, labels, sample_weight=None if weights is None else np.asarray(weights))
        self.labels = list(self._model.classes_)
        return self

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """One row per text, one column per label (in `self.labels` order), rows summing to 1."""
        return self._model.predict_proba(self._vectoriser.transform(texts))

    def nearest_examples(self, text: str, count: int) -> list[tuple[int, float]]:
        """(index of a training text, cosine) for the training texts closest to `text`, best first."""
        cosines = (self._examples @ self._vectoriser.transform([text]).T).toarray().ravel()
        best = np.argsort(-cosines, kind="stable")[:count]
        return [(int(index), float(cosines[index])) for index in best if cosines[index] > 0]

    def explain(self, text: str, label: str, count: int = 8) -> list[Contribution]:
        """The features of `text` that pushed hardest towards `label` (weight × TF-IDF value)."""
        vector = self._vectoriser.transform([text]).tocoo()
        if len(self.labels) == 2:  # a binary model keeps one row, for its second label
            row = self._model.coef_[0] * (1 if label == self.labels[1] else -1)
        else:
            row = self._model.coef_[self.labels.index(label)]
        if sparse.issparse(row):
            row = row.toarray().ravel()
        names = self._vectoriser.get_feature_names_out()
        pushes = sorted(((str(names[column]), float(row[column] * value)) for column, value in zip(vector.col, vector.data)),
                        key=lambda item: -item[1])
        return [Contribution(name, round(weight, 3)) for name, weight in pushes[:count]]
