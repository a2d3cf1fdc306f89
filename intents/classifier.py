"""A calibrated linear model of which label a normalised text belongs to.

TF-IDF over the features of `intents.features` (jieba words, character
bigrams and characters, English stems) feeding a multinomial logistic
regression (scikit-learn). Unlike a similarity to the closest example, its
probabilities say how sure the model is of the label: words it never saw
carry no weight instead of diluting the score, so a three-sentence story
is judged by the words that do decide it. The same class serves the intent
matcher and the danger triage. Training is deterministic (the saga solver
with a fixed seed), so the same FAQ always gives the same answers.

Once fitted, the model is plain arrays (feature names, IDF, weights) read
with numpy alone, and they are kept in a cache folder as a numpy .npz file
(no pickle; the weights in the solver's single precision) named by the hash
of everything that went into the fit: the texts, labels, weights, the
feature extractor's fingerprint, the settings and the library versions. A second start with the same FAQ reads the file
instead of segmenting ~4,300 texts and fitting again (scikit-learn is then
not even imported). A missing, unwritable or unreadable cache only costs the
fit. The cache folder is `intents.cache.cache_dir()`.

A fit builds the TF-IDF rows itself from the extractor's feature counts
(the same matrix, bit for bit, as scikit-learn's TfidfVectorizer, whose
own loop re-counted every feature of every text) and hands them to
scikit-learn's IDF weighting and solver.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from intents.cache import cache_dir
from intents.features import FeatureExtractor
from intents.sound_alike import SoundAlikes

if TYPE_CHECKING:
    from scipy import sparse

#: Above this many labels a logistic regression's dense weights (labels × features) and its training time grow
#: past what one small server has (2,000 intents: 8 GB, 3 minutes), so the model becomes a sparse TF-IDF centroid
#: per label with a softmax over cosines: linear in the examples, a fraction of the memory, less sharp.
MAX_LOGISTIC_LABELS = 300
CENTROID_TEMPERATURE = 0.05
SAGA_TOLERANCE = 1e-2  # saga stops when the weights move less than this in a pass
CACHE_FORMAT = 2  # bump when what the cache file holds, or how it is computed, changes
_SOURCE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # a change to how models are fitted
CACHE_FILES_KEPT = 16  # the newest model files kept; older ones are removed


@dataclass(frozen=True)
class Contribution:
    """One feature's push towards a label (for `--explain`)."""

    feature: str
    weight: float


class _Centroids:
    """Each label's examples summed and normalised (a sparse row); probabilities a softmax over cosines."""

    def fit(self, examples, labels: list[str], sample_weight=None) -> "_Centroids":
        from scipy import sparse
        from sklearn.preprocessing import normalize

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
    """fit(texts, labels, weights) once; then `probabilities(texts)` and `explain(text, label)` read only.

    The extractor's `fingerprint` (its code, jieba's version, the kept-whole terms) is part of the cache key."""

    def __init__(self, features: FeatureExtractor, *, regularisation: float = 30.0):
        self._features = features
        self._regularisation = regularisation  # scikit-learn's C: higher trusts the examples more
        self.labels: list[str] = []
        self._texts: list[str] = []
        self._centroids = None  # the sparse model for very many labels (scikit-learn, never cached)
        self._vectoriser = None
        self._examples = None  # the training texts' TF-IDF rows, built on first need (--explain)
        self._names = self._idf = self._coef = self._intercept = None
        self._column: dict[str, int] = {}
        self._sound_alikes: SoundAlikes | None = None

    def fit(self, texts: list[str], labels: list[str], weights: list[float] | None = None) -> "TextClassifier":
        self._texts = list(texts)
        if len(set(labels)) > MAX_LOGISTIC_LABELS:
            return self._fit_centroids(texts, labels, weights)
        key = self._key(texts, labels, weights)
        if key and self._load(key):
            return self
        self._fit_logistic(texts, labels, weights, key)
        return self

    # --- reading ---

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """One row per text, one column per label (in `self.labels` order), rows summing to 1."""
        if self._centroids is not None:
            return self._centroids.predict_proba(self._vectoriser.transform(texts))
        rows = []
        for text in texts:
            columns, values = self._vector(text)
            rows.append(self._coef[:, columns] @ values + self._intercept)
        scores = np.array(rows)
        if len(self.labels) == 2:  # a binary model keeps one row, for its second label
            second = 1 / (1 + np.exp(-scores[:, 0]))
            return np.column_stack([1 - second, second])
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)

    def _read(self, text: str) -> Iterator[tuple[str, str, int]]:
        """(feature as typed, the known feature it counts as, count) for each feature of `text` the model knows,
        directly or as a sound-alike (社宝 counted as 社保); the rest count for nothing."""
        for feature, n in self._features(text).items():
            known = feature if feature in self._column else self._sound_alikes.repair(feature)
            if known:
                yield feature, known, n

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF vector of `text` as (columns, values), as scikit-learn's sublinear, l2-normalised vectoriser."""
        counts: dict[int, int] = {}
        for _, known, n in self._read(text):
            column = self._column[known]
            counts[column] = counts.get(column, 0) + n
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        values = np.fromiter((1 + math.log(n) for n in counts.values()), dtype=float, count=len(counts)) * self._idf[columns]
        return columns, values / np.sqrt(values @ values)

    def sound_alikes(self, text: str) -> list[tuple[str, str]]:
        """(as typed, as read) for each unknown word or bigram of `text` read as a known one (for `--explain`)."""
        if self._sound_alikes is None:
            return []
        return list(dict.fromkeys((typed[2:], known[2:]) for typed, known, _ in self._read(text) if typed != known))

    def nearest_examples(self, text: str, count: int) -> list[tuple[int, float]]:
        """(index of a training text, cosine) for the training texts closest to `text`, best first."""
        if self._centroids is not None:
            cosines = (self._examples @ self._vectoriser.transform([text]).T).toarray().ravel()
        else:
            columns, values = self._vector(text)
            query = np.zeros(len(self._names))
            query[columns] = values
            cosines = self._training_rows() @ query
        best = np.argsort(-cosines, kind="stable")[:count]
        return [(int(index), float(cosines[index])) for index in best if cosines[index] > 0]

    def _training_rows(self):
        if self._examples is None:
            from scipy import sparse

            rows = [self._vector(text) for text in self._texts]
            indptr = np.cumsum([0] + [len(columns) for columns, _ in rows])
            self._examples = sparse.csr_matrix(
                (np.concatenate([v for _, v in rows] or [np.zeros(0)]), np.concatenate([c for c, _ in rows] or [np.zeros(0, int)]),
                 indptr), shape=(len(rows), len(self._names)))
        return self._examples

    def explain(self, text: str, label: str, count: int = 8) -> list[Contribution]:
        """The features of `text` that pushed hardest towards `label` (weight × TF-IDF value)."""
        if self._centroids is not None:
            vector = self._vectoriser.transform([text]).tocoo()
            columns, values = vector.col, vector.data
            row = self._centroids.coef_[self.labels.index(label)].toarray().ravel()
            names = self._vectoriser.get_feature_names_out()
        else:
            columns, values = self._vector(text)
            if len(self.labels) == 2:  # a binary model keeps one row, for its second label
                row = self._coef[0] * (1 if label == self.labels[1] else -1)
            else:
                row = self._coef[self.labels.index(label)]
            names = self._names
        pushes = sorted(((str(names[column]), float(row[column] * value)) for column, value in zip(columns, values)),
                        key=lambda item: -item[1])
        return [Contribution(name, round(weight, 3)) for name, weight in pushes[:count]]

    # --- fitting ---

    def _fit_logistic(self, texts, labels, weights, key: str | None) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        names, counts = count_matrix(self._features.training_counts(texts))
        weighting = TfidfTransformer(sublinear_tf=True).fit(counts)
        # single precision: a third faster to fit, the same CV figures and thresholds (bench/calibrate.py); the
        # double-precision rows are dropped before the solver's own arrays (the start's peak memory) are made
        examples = weighting.transform(counts, copy=False).astype(np.float32)
        del counts
        model = LogisticRegression(C=self._regularisation, solver="saga", tol=SAGA_TOLERANCE, max_iter=300, random_state=0)
        with warnings.catch_warnings():  # a few hundred saga passes are plenty at this size; exact optimum not needed
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(examples, labels, sample_weight=None if weights is None else np.asarray(weights))
        names = np.asarray(names, dtype=str)
        if key:  # the solver's single-precision weights, before `_set` makes double-precision copies
            self._save(key, names, weighting.idf_, model.coef_, model.intercept_, model.classes_)
        self._set(names, weighting.idf_, model.coef_, model.intercept_, model.classes_)
        # the training rows for --explain are rebuilt by `_vector` when first needed, as after reading the cache

    def _fit_centroids(self, texts, labels, weights) -> "TextClassifier":
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectoriser = TfidfVectorizer(analyzer=lambda text: list(self._features(text).elements()), sublinear_tf=True)
        self._examples = self._vectoriser.fit_transform(texts)
        self._centroids = _Centroids().fit(self._examples, labels, None if weights is None else np.asarray(weights))
        self.labels = list(self._centroids.classes_)
        return self

    def _set(self, names, idf, coef, intercept, classes) -> None:
        self._names = np.asarray(names, dtype=str)
        self._idf = np.asarray(idf, dtype=float)
        self._coef = np.ascontiguousarray(coef, dtype=float)
        self._intercept = np.asarray(intercept, dtype=float)
        self.labels = [str(label) for label in classes]
        self._column = {name: column for column, name in enumerate(self._names.tolist())}
        self._sound_alikes = SoundAlikes(self._column, self._idf, self._features.is_word,
                                         self._features.rewritten)

    # --- the cache ---

    def _key(self, texts, labels, weights) -> str | None:
        if cache_dir() is None:
            return None
        from importlib.metadata import version

        digest = hashlib.sha256()
        digest.update(json.dumps([CACHE_FORMAT, _SOURCE_DIGEST, version("scikit-learn"), np.__version__, self._features.fingerprint,
                                  self._regularisation, texts, labels, weights], ensure_ascii=False).encode())
        return digest.hexdigest()[:32]

    def _load(self, key: str) -> bool:
        path = cache_dir() / f"model-{key}.npz"
        try:
            with np.load(path, allow_pickle=False) as stored:
                names, idf, coef, intercept, classes = (stored[k] for k in ("names", "idf", "coef", "intercept", "classes"))
            if not (coef.ndim == 2 and coef.shape[1] == len(names) == len(idf) and coef.shape[0] == len(intercept)
                    and len(classes) == (2 if coef.shape[0] == 1 else coef.shape[0])):
                return False
        except (OSError, ValueError, KeyError):
            return False
        self._set(names, idf, coef, intercept, classes)
        try:
            os.utime(path)  # the newest files are kept
        except OSError:
            pass
        return True

    def _save(self, key: str, names, idf, coef, intercept, classes) -> None:
        folder = cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".model-{key}.{os.getpid()}.npz"
            with open(partial, "wb") as file:
                np.savez(file, names=names, idf=idf, coef=coef, intercept=intercept, classes=np.asarray(classes, dtype=str))
            os.replace(partial, folder / f"model-{key}.npz")  # readers never see half a file
            stored = sorted(folder.glob("model-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in stored[CACHE_FILES_KEPT:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # no cache: the next start fits again


def count_matrix(counts: Iterable[Counter]) -> tuple[list[str], sparse.csr_matrix]:
    """(feature names sorted, the texts' feature counts as a CSR matrix in those columns), laid out exactly as
    scikit-learn's CountVectorizer lays out its own (each row's entries in the order their features were first seen
    in the corpus), so the solver sums them in the same order and fits the same weights."""
    from scipy import sparse

    first_seen: dict[str, int] = {}
    columns: list[int] = []
    values: list[int] = []
    indptr = [0]
    for row in counts:
        columns += [first_seen.setdefault(feature, len(first_seen)) for feature in row]
        values += row.values()
        indptr.append(len(columns))
    names = sorted(first_seen)
    rank = np.empty(len(names), dtype=np.int32)
    rank[[first_seen[name] for name in names]] = np.arange(len(names), dtype=np.int32)
    matrix = sparse.csr_matrix((np.asarray(values, dtype=np.float64), np.asarray(columns, dtype=np.int32),
                                np.asarray(indptr, dtype=np.int32)), shape=(len(indptr) - 1, len(names)))
    matrix.sort_indices()
    matrix.indices = rank.take(matrix.indices)
    return names, matrix
