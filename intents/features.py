"""The countable features of a normalised text: words, character bigrams and characters.

Chinese has no spaces, and villagers' typos break whole words, so a text is
described three ways at once: jieba words (with the FAQ's legal terms kept
whole) carry meaning, character bigrams survive a wrong segmentation, and
single characters survive a homophone typo (法律缘助 still shares 法, 律, 助).
English words are stemmed crudely and stop words dropped.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
from collections import Counter
from pathlib import Path

import jieba

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
# Only words that never carry a question's meaning; IDF takes care of the merely common ones.
_ENGLISH_STOP_WORDS = frozenset("a an the is am are was were be been being of to and or".split())
_ENGLISH_SUFFIXES = ("ing", "ed", "es", "s")

_jieba_lock = threading.Lock()
_SOURCE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _stem(word: str) -> str:
    for suffix in _ENGLISH_SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class FeatureExtractor:
    """Callable: normalised text -> Counter of features such as 'w:诈骗', 'b:骗了', 'c:骗', 'e:scam'."""

    def __init__(self, terms: tuple[str, ...] = ()):
        #: What a model cache must match: this file's code, jieba's version and the kept-whole terms.
        self.fingerprint = hashlib.sha256("\n".join([_SOURCE_DIGEST, jieba.__version__, *terms]).encode()).hexdigest()
        self._tokenizer = jieba.Tokenizer()
        with _jieba_lock:
            jieba.setLogLevel(logging.WARNING)
            self._tokenizer.initialize()
            for term in terms:
                self._tokenizer.add_word(term, freq=200_000)

    def words(self, text: str) -> list[str]:
        """jieba's search-mode words of the CJK runs in `text` (for --explain and for features)."""
        words: list[str] = []
        for run in _CJK_RUN.findall(text):
            words.extend(word for word in self._tokenizer.cut_for_search(run) if word.strip())
        return words

    def feature_list(self, text: str) -> list[str]:
        """The features with repeats, as scikit-learn's vectoriser wants them. Cached: the intent and danger
        models both learn from the FAQ's examples, and segmenting is most of the start-up."""
        return self._cached(text)

    @functools.lru_cache(maxsize=50_000)
    def _cached(self, text: str) -> list[str]:
        return list(self(text).elements())

    def __call__(self, text: str) -> Counter:
        features: Counter = Counter()
        for word in self.words(text):
            if len(word) > 1:
                features["w:" + word] += 1
        for run in _CJK_RUN.findall(text):
            for index, char in enumerate(run):
                features["c:" + char] += 1
                if index + 1 < len(run):
                    features["b:" + run[index : index + 2]] += 1
        for word in _LATIN_WORD.findall(text):
            if word not in _ENGLISH_STOP_WORDS:
                features["e:" + _stem(word)] += 1
        return features
