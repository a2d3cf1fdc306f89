"""The countable features of a normalised text: words, character bigrams and characters.

Chinese has no spaces, and villagers' typos break whole words, so a text is
described three ways at once: jieba words (with the FAQ's legal terms kept
whole) carry meaning, character bigrams survive a wrong segmentation, and
single characters survive a homophone typo (法律缘助 still shares 法, 律, 助).
English words are stemmed crudely and stop words dropped.

jieba's dictionary (half a million words and their prefixes) is read on
every start. jieba keeps it as one marshalled dict in the system's temp
folder, which takes 0.7-0.9 s to read; this module keeps it in the cache
folder (`intents.cache`) as one string of words and one array of counts,
which read in a fifth of that and give the same dict. A fit's training
texts' words are kept there too (`training_counts`), so the first start
after an FAQ edit segments only the texts the edit changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jieba
import numpy as np

from intents.cache import cache_dir

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
# Only words that never carry a question's meaning; IDF takes care of the merely common ones.
_ENGLISH_STOP_WORDS = frozenset("a an the is am are was were be been being of to and or".split())
_ENGLISH_SUFFIXES = ("ing", "ed", "es", "s")

_jieba_lock = threading.Lock()
_SOURCE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
_DICTIONARY_FORMAT = 1  # bump when the dictionary file's layout changes
WORDS_FILES_KEPT = 4  # the newest training-words files kept; older ones are removed


def _stem(word: str) -> str:
    for suffix in _ENGLISH_SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class FeatureExtractor:
    """Callable: normalised text -> Counter of features such as 'w:诈骗', 'b:骗了', 'c:骗', 'e:scam'."""

    def __init__(self, terms: tuple[str, ...] = (), rewritten: tuple[tuple[str, str], ...] = ()):
        """`terms`: kept whole by the word splitter; `rewritten`: (spelling, meaning) for what the normaliser
        rewrites before any feature is counted (法援 -> 法律援助), which no model ever sees (`intents.sound_alike`
        minds them)."""
        self.rewritten = dict(rewritten)
        #: What a model cache must match: this file's code, jieba's version and the kept-whole terms.
        self.fingerprint = hashlib.sha256("\n".join([_SOURCE_DIGEST, jieba.__version__, *terms]).encode()).hexdigest()
        self._tokenizer = jieba.Tokenizer()
        self._training: _Training | None = None  # while models are fitted
        self._training_lock = threading.Lock()
        with _jieba_lock:
            jieba.setLogLevel(logging.WARNING)
            _load_dictionary(self._tokenizer)
            for term in terms:
                self._tokenizer.add_word(term, freq=200_000)

    def is_word(self, text: str) -> bool:
        """Whether jieba's dictionary (or the kept-whole terms) has `text` as a word (发电, not 社宝)."""
        return self._tokenizer.FREQ.get(text, 0) > 0

    def words(self, text: str) -> list[str]:
        """jieba's search-mode words of the CJK runs in `text` (for --explain and for features)."""
        return self._words(_CJK_RUN.findall(text))

    def _words(self, runs: list[str]) -> list[str]:
        words: list[str] = []
        for run in runs:
            words.extend(word for word in self._tokenizer.cut_for_search(run) if word.strip())
        return words

    def __call__(self, text: str) -> Counter:
        """The features of `text` (the same Counter for the same text while it is recent: read it, don't change
        it). A message is read by the danger model and then by the intent model, so the last few are kept."""
        return self._recent(text)

    @functools.lru_cache(maxsize=256)
    def _recent(self, text: str) -> Counter:
        runs = _CJK_RUN.findall(text)
        return self._count(text, runs, self._words(runs))

    @staticmethod
    def _count(text: str, runs: list[str], words: list[str]) -> Counter:
        """The features in a fixed order (words, then each run's characters and bigrams in turn, then English):
        the order a model's columns are summed in, so the same text always gives the same bits."""
        keys = ["w:" + word for word in words if len(word) > 1]
        for run in runs:
            pieces: list[str] = [""] * (2 * len(run) - 1)
            pieces[0::2] = ["c:" + char for char in run]
            pieces[1::2] = ["b:" + run[index:index + 2] for index in range(len(run) - 1)]
            keys += pieces
        keys += ["e:" + _stem(word) for word in _LATIN_WORD.findall(text) if word not in _ENGLISH_STOP_WORDS]
        return Counter(keys)

    def training_counts(self, texts: list[str]) -> Iterator[Counter]:
        """The features of each training text, for a fit. Segmenting is most of a fit's start-up, and the texts
        barely change between starts (an FAQ edit changes a few examples; the intent and danger models learn
        mostly the same ones), so each text's words are segmented once: remembered until `end_training`, and
        kept in the cache folder for the next fit. One text's counts at a time: a fit's matrix is built from them
        without all of them in memory at once."""
        with self._training_lock:
            if self._training is None:
                self._training = _Training(self._words_file(), self._words_file_read())
            training = self._training
        for text in texts:
            runs = _CJK_RUN.findall(text)
            words = training.words.get(text)
            if words is None:  # one string a text, not a list: held until the last fit, whose solver is the peak
                words = training.words[text] = " ".join(self._words(runs))  # a word holds no whitespace
                training.segmented = True
            training.asked.add(text)
            yield self._count(text, runs, words.split())

    def end_training(self) -> None:
        """Forget the training texts' words (the models keep only their arrays), after writing them to the cache
        folder if any were new: the asked ones only, so the file holds one FAQ's texts, not every FAQ's."""
        with self._training_lock:
            training, self._training = self._training, None
        if training is None or not training.segmented or training.path is None:
            return
        kept = {text: training.words[text] for text in training.asked}
        try:
            training.path.parent.mkdir(parents=True, exist_ok=True)
            partial = training.path.with_name(f".{training.path.name}.{os.getpid()}")
            partial.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, training.path)  # readers never see half a file
            stored = sorted(training.path.parent.glob("words-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in stored[WORDS_FILES_KEPT:]:  # another lexicon's words (its kept-whole terms changed)
                old.unlink(missing_ok=True)
        except (OSError, ValueError):  # unwritable, or a text no encoding can write
            pass  # no cache: the next fit segments again

    def _words_file(self) -> Path | None:
        folder = cache_dir()
        return folder / f"words-{self.fingerprint[:32]}.json" if folder else None

    def _words_file_read(self) -> dict[str, str]:
        path = self._words_file()
        try:
            stored = json.loads(path.read_text(encoding="utf-8")) if path else {}
        except (OSError, ValueError):
            return {}
        if not isinstance(stored, dict) or not all(isinstance(words, str) for words in stored.values()):
            return {}
        return stored


@dataclass
class _Training:
    """One start's fitting: the training texts' words, space-separated (read from the cache folder, then
    segmented), which texts were asked for, and whether any had to be segmented."""

    path: Path | None
    words: dict[str, str]
    asked: set[str] = field(default_factory=set)
    segmented: bool = False


def _load_dictionary(tokenizer: jieba.Tokenizer) -> None:
    """Give `tokenizer` jieba's default dictionary (FREQ, total) from the cache folder, writing it there first if
    it is missing; without a cache folder, jieba's own initialize (and its cache in the temp folder)."""
    folder = cache_dir()
    if folder is None:
        tokenizer.initialize()
        return
    source = tokenizer.get_dict_file()
    try:
        digest = hashlib.sha256(source.read()).hexdigest()[:32]
    finally:
        source.close()
    path = folder / f"jieba-{_DICTIONARY_FORMAT}-{jieba.__version__}-{digest}.bin"
    read = _read_dictionary(path)
    if read is None:
        read = jieba.Tokenizer.gen_pfdict(tokenizer.get_dict_file())
        _write_dictionary(path, *read)
    tokenizer.FREQ, tokenizer.total = read
    tokenizer.initialized = True


def _read_dictionary(path: Path) -> tuple[dict[str, int], int] | None:
    """The dictionary file: a header of three int64 (total, number of entries, bytes of words), the words joined by
    newlines in UTF-8 (a jieba word holds no whitespace), then one int64 count per word. None if missing or damaged."""
    try:
        data = path.read_bytes()
        total, entries, size = (int(n) for n in np.frombuffer(data, dtype="<i8", count=3))
        words = data[24:24 + size].decode("utf-8").split("\n")
        counts = np.frombuffer(data, dtype="<i8", offset=24 + size).tolist()
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not (len(words) == len(counts) == entries):
        return None
    return dict(zip(words, counts, strict=True)), total


def _write_dictionary(path: Path, freq: dict[str, int], total: int) -> None:
    words = "\n".join(freq).encode("utf-8")
    data = (np.array([total, len(freq), len(words)], dtype="<i8").tobytes() + words
            + np.fromiter(freq.values(), dtype="<i8", count=len(freq)).tobytes())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(data)
        os.replace(partial, path)  # readers never see half a file
    except OSError:
        pass  # no cache: the next start builds the dictionary again
