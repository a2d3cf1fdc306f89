"""Matcher figures for the README: latency, start-up time, peak memory, and accuracy versus a plain baseline.

Run with `make bench`. Each measurement runs in a fresh subprocess so start-up
time and peak memory are those of a process that does only that.

    python bench/match_bench.py [--queries N]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _eval_files() -> list[Path]:
    """The labelled files present (tests.support.eval_sets), imported when needed: not in a timed start-up."""
    from tests.support.eval_sets import EVAL_SETS

    return [path for path in EVAL_SETS.values() if path.exists()]


def _questions() -> list[str]:
    texts = []
    for path in _eval_files():
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def _synthetic_faq(n_intents: int, n_examples: int):
    """A large FAQ made of the shipped FAQ's own words, recombined at random (seeded)."""
    from intents.faq import Faq, Intent, Text
    from intents.faq_loader import read_faq
    from intents.features import FeatureExtractor

    shipped = read_faq(ROOT / "faq")
    words = FeatureExtractor(shipped.lexicon.terms).words
    vocabulary = sorted({w for i in shipped for e in i.examples["zh"] for w in words(e) if len(w) > 1})
    rng = random.Random(7)
    intents = {}
    for number in range(n_intents):
        topic = rng.sample(vocabulary, 6)  # each intent has its own few topic words
        examples = tuple(
            "".join(rng.sample(topic, 2) + rng.sample(vocabulary, rng.randint(2, 5))) for _ in range(n_examples)
        )
        intent_id = f"synthetic.i{number}"
        intents[intent_id] = Intent(
            id=intent_id, group="synthetic", title=Text(intent_id, intent_id),
            examples={"zh": examples, "en": ()}, answer=Text("答", "answer"), kind="chat",
        )
    return Faq(intents, lexicon=shipped.lexicon)



def _edited(faq):
    """The shipped FAQ after an admin's edit: one example added to the first intent."""
    intent = next(iter(faq))
    examples = {**intent.examples, "zh": (*intent.examples["zh"], intent.examples["zh"][0] + "，我该怎么办")}
    return dataclasses.replace(faq, intents={**faq.intents, intent.id: dataclasses.replace(intent, examples=examples)})


def measure(kind: str, n_queries: int) -> dict:
    """Runs inside the subprocess: build one matcher, then time queries."""
    started, started_cpu = time.perf_counter(), time.process_time()
    from intents.faq_loader import read_faq
    from intents.matcher import Matcher

    imported = time.perf_counter()
    faq = _synthetic_faq(2000, 20) if kind == "synthetic" else read_faq(ROOT / "faq")
    faq = _edited(faq) if kind == "edited" else faq
    loaded = time.perf_counter()
    matcher = Matcher(faq)
    built, built_cpu = time.perf_counter(), time.process_time()
    questions = _questions()
    if kind == "synthetic":
        rng = random.Random(11)
        questions += [rng.choice(e) for i in faq for e in [i.examples["zh"]]][:500]
    latencies = []
    for index in range(n_queries):
        text = questions[index % len(questions)]
        begin = time.perf_counter()
        matcher.match(text)
        latencies.append((time.perf_counter() - begin) * 1000)
    return {
        "faq": kind,
        "intents": len(faq),
        "examples": sum(len(e) for i in faq for e in i.examples.values()),
        "import_s": round(imported - started, 3),
        "load_s": round(loaded - imported, 3),
        "index_s": round(built - loaded, 3),
        "startup_s": round(built - started, 3),
        "startup_cpu_s": round(built_cpu - started_cpu, 3),  # what a busy machine's other processes do not inflate
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def baseline_accuracy() -> list[dict]:
    """The baseline a data scientist would try first: TF-IDF over character 1-3-grams of the raw text plus logistic
    regression, trained on the same FAQ examples; it falls back below a probability cut-off, chosen per file so
    that it rejects as many out-of-scope questions as mingbai does there (equal rejection, then compare top-1)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from intents.evaluate import OUT_OF_SCOPE, evaluate, read_cases
    from intents.faq_loader import read_faq
    from intents.matcher import Matcher

    faq = read_faq(ROOT / "faq")
    texts = [text for intent in faq for examples in intent.examples.values() for text in examples]
    labels = [intent.id for intent in faq for examples in intent.examples.values() for _ in examples]
    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    model = LogisticRegression(C=10, max_iter=2000).fit(vectoriser.fit_transform(texts), labels)
    matcher = Matcher(faq)
    rows = []
    for path in _eval_files():
        cases = read_cases(path)
        target = evaluate(matcher, cases)["oos_rejection"]
        probabilities = model.predict_proba(vectoriser.transform([case.text for case in cases]))
        top, confidence = model.classes_[probabilities.argmax(axis=1)], probabilities.max(axis=1)
        outside = [i for i, case in enumerate(cases) if case.intent == OUT_OF_SCOPE]
        inside = [i for i, case in enumerate(cases) if case.intent != OUT_OF_SCOPE]
        cut = 0.0
        if outside and target:  # the lowest cut-off that rejects at least as many as mingbai
            ranked = np.sort(confidence[outside])
            cut = float(ranked[min(len(ranked) - 1, int(np.ceil(target * len(ranked))) - 1)]) + 1e-9
        right = sum(confidence[i] >= cut and top[i] in cases[i].acceptable for i in inside)
        rejected = sum(confidence[i] < cut for i in outside)
        rows.append({"file": path.name, "cutoff": round(cut, 3), "top1": round(right / len(inside), 3),
                     "oos_rejection": round(rejected / len(outside), 3) if outside else None})
    return rows


def mingbai_accuracy() -> list[dict]:
    from intents.evaluate import evaluate, read_cases
    from intents.faq_loader import read_faq
    from intents.matcher import Matcher

    matcher = Matcher(read_faq(ROOT / "faq"))
    rows = []
    for path in _eval_files():
        report = evaluate(matcher, read_cases(path))
        rows.append({"file": path.name, "top1": report["top1"], "top3": report["top3"],
                     "oos_rejection": report["oos_rejection"], "false_fallback": report["false_fallback"]})
    return rows


def _in_subprocess(*args: str, cache: str | None = None) -> dict | list:
    environment = dict(os.environ, MINGBAI_CACHE_DIR=cache) if cache else None
    output = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT,
                            env=environment)
    return json.loads(output.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        result = {"baseline": baseline_accuracy, "mingbai": mingbai_accuracy}.get(args.child)
        print(json.dumps(result() if result else measure(args.child, args.queries)))
        return
    print("Matcher speed and size (each in a fresh process; 2-core machine). The shipped FAQ three times: with an empty")
    print("cache folder (a first start ever: jieba's dictionary built, every text segmented, both models fitted), then with")
    print("one example added (the first start after an FAQ edit: the models fitted again, the words of all texts but the")
    print("new one read from the cache), then again (every other start: the models read from the cache)")
    print(f"load average {os.getloadavg()[0]:.1f}; start-up is wall-clock, then the process's CPU time")
    print(f"{'FAQ':18} {'intents':>7} {'examples':>8} {'start-up s':>10} {'CPU s':>6} {'(import/load/index)':>20} {'p50 ms':>7} {'p99 ms':>7} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as cache:
        for kind, name in (("shipped", "shipped, first ever"), ("edited", "shipped, FAQ edited"),
                           ("edited", "shipped, cached"), ("synthetic", "synthetic")):
            r = _in_subprocess("--child", kind, "--queries", str(args.queries), cache=cache)
            split = f"{r['import_s']}/{r['load_s']}/{r['index_s']}"
            print(f"{name:18} {r['intents']:>7} {r['examples']:>8} {r['startup_s']:>10} {r['startup_cpu_s']:>6} {split:>20} "
                  f"{r['p50_ms']:>7} {r['p99_ms']:>7} {r['peak_mb']:>8}")
    print("\nAccuracy: mingbai's matcher")
    for row in _in_subprocess("--child", "mingbai"):
        print(f"  {row['file']:22} top-1 {row['top1']:.3f}  top-3 {row['top3']:.3f}  "
              f"out-of-scope rejected {row['oos_rejection']:.3f}  false fallbacks {row['false_fallback']:.3f}")
    print("Accuracy: baseline TF-IDF char 1-3-grams + logistic regression on the same examples, at mingbai's rejection")
    for row in _in_subprocess("--child", "baseline"):
        oos = f"{row['oos_rejection']:.3f}" if row["oos_rejection"] is not None else "n/a"
        print(f"  {row['file']:22} cut-off {row['cutoff']:.3f}: top-1 {row['top1']:.3f}  out-of-scope rejected {oos}")


if __name__ == "__main__":
    main()
