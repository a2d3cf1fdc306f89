"""Choosing the matcher's fallback threshold without looking at any evaluation set.

In-scope questions come from the FAQ itself by k-fold cross-validation: each
fold's examples are matched against a matcher built from the other folds, as
if a villager had asked them fresh. Out-of-scope questions come from
tests/data/calibration_out_of_scope.txt. The script prints, for a range of
thresholds, how many of each would be answered, so the trade-off is visible:

    python bench/calibrate.py [--folds 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intents.faq import Faq  # noqa: E402
from intents.faq_loader import read_faq  # noqa: E402
from intents.matcher import Matcher  # noqa: E402


def _without_fold(faq: Faq, fold: int, folds: int) -> tuple[Faq, list[tuple[str, str]]]:
    kept, held = {}, []
    for intent in faq:
        examples = {}
        for lang, items in intent.examples.items():
            examples[lang] = tuple(e for n, e in enumerate(items) if n % folds != fold)
            held += [(intent.id, e) for n, e in enumerate(items) if n % folds == fold]
        kept[intent.id] = dataclasses.replace(intent, examples=examples)
    return Faq(kept, faq.groups, faq.lexicon), held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    faq = read_faq(ROOT / "faq")
    in_scope: list[tuple[bool, float]] = []  # (top intent right?, top score)
    out_of_scope: list[float] = []
    oos_lines = (ROOT / "tests" / "data" / "calibration_out_of_scope.txt").read_text(encoding="utf-8").splitlines()
    oos_questions = [line for line in oos_lines if line.strip() and not line.startswith("#")]
    for fold in range(args.folds):
        partial, held = _without_fold(faq, fold, args.folds)
        matcher = Matcher(partial)
        for intent_id, text in held:
            decision = matcher.match(text)
            in_scope.append((decision.intent == intent_id, decision.score))
        out_of_scope += [matcher.match(text).score for text in oos_questions]
    right = sum(ok for ok, _ in in_scope)
    print(f"{len(in_scope)} held-out FAQ examples ({args.folds} folds), top-1 right before any threshold: {right / len(in_scope):.3f}")
    print(f"{len(oos_questions)} out-of-scope questions x {args.folds} folds")
    print(f"{'threshold':>9} {'in-scope answered right':>24} {'false fallback':>15} {'out-of-scope rejected':>22}")
    for step in range(10, 40, 2):
        threshold = step / 100
        answered_right = sum(ok and score >= threshold for ok, score in in_scope) / len(in_scope)
        false_fallback = sum(score < threshold for _, score in in_scope) / len(in_scope)
        rejected = sum(score < threshold for score in out_of_scope) / len(out_of_scope)
        print(f"{threshold:>9.2f} {answered_right:>24.3f} {false_fallback:>15.3f} {rejected:>22.3f}")


if __name__ == "__main__":
    main()
