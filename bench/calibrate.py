"""Choosing the matcher's thresholds without looking at any evaluation set.

In-scope questions come from the FAQ itself by k-fold cross-validation: each
fold's examples are matched against a matcher built from the other folds, as
if a villager had asked them fresh. Out-of-scope questions come from
faq/out_of_scope.yaml, folded the same way (a question is never judged by a
model that learned it). The script prints, for a grid of thresholds, how many
of each would be answered, so the trade-off is visible, and the pair that
answers the most in-scope questions right while rejecting at least
--rejection of the out-of-scope ones:

    python bench/calibrate.py [--folds 5] [--rejection 0.9]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intents.faq import Faq, OutOfScope  # noqa: E402
from intents.faq_loader import read_faq  # noqa: E402
from intents.matcher import Matcher, Thresholds  # noqa: E402


def _fold(items, fold: int, folds: int) -> tuple[tuple, list]:
    return tuple(e for n, e in enumerate(items) if n % folds != fold), [e for n, e in enumerate(items) if n % folds == fold]


def _without_fold(faq: Faq, fold: int, folds: int) -> tuple[Faq, list[tuple[str, str]], list[str]]:
    kept, held = {}, []
    for intent in faq:
        examples = {}
        for lang, items in intent.examples.items():
            examples[lang], out = _fold(items, fold, folds)
            held += [(intent.id, e) for e in out]
        kept[intent.id] = dataclasses.replace(intent, examples=examples)
    legal, held_legal = _fold(faq.out_of_scope.legal, fold, folds)
    other, held_other = _fold(faq.out_of_scope.other, fold, folds)
    partial = dataclasses.replace(faq, intents=kept, out_of_scope=OutOfScope(legal, other))
    return partial, held, held_legal + held_other


def _not_ours(decision) -> float:
    return decision.evidence.not_ours if decision.evidence else 1.0  # an empty message has no evidence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--rejection", type=float, default=0.9, help="out-of-scope rejection to reach")
    parser.add_argument("--faq", type=Path, default=ROOT / "faq", help="FAQ folder (default: the shipped one)")
    args = parser.parse_args()
    faq = read_faq(args.faq)
    in_scope, out_of_scope = [], []  # decisions' (right intent?, top score, not-ours score)
    for fold in range(args.folds):
        partial, held, held_out = _without_fold(faq, fold, args.folds)
        matcher = Matcher(partial)
        for intent_id, text in held:
            decision = matcher.match(text, explain=True)
            in_scope.append((decision.intent == intent_id, decision.score, _not_ours(decision)))
        for text in held_out:
            decision = matcher.match(text, explain=True)
            out_of_scope.append((False, decision.score, _not_ours(decision)))
    right = sum(ok for ok, _, _ in in_scope)
    print(f"{len(in_scope)} held-out FAQ examples, {len(out_of_scope)} out-of-scope questions ({args.folds} folds); "
          f"top-1 right before any threshold: {right / len(in_scope):.3f}")
    print(f"{'fallback_below':>14} {'not_ours_from':>13} {'answered right':>15} {'false fallback':>15} {'rejected':>9}")
    best = None
    for low in (0.06, 0.08, 0.10, 0.12, 0.15, 0.18, 0.2, 0.25):
        for not_ours in (0.3, 0.4, 0.5, 0.6, 0.7):
            def rejected(score, none):
                return score < low or (none >= not_ours and none > score)
            answered = sum(ok and not rejected(s, n) for ok, s, n in in_scope) / len(in_scope)
            false_fallback = sum(rejected(s, n) for _, s, n in in_scope) / len(in_scope)
            rejection = sum(rejected(s, n) for _, s, n in out_of_scope) / len(out_of_scope)
            print(f"{low:>14.2f} {not_ours:>13.2f} {answered:>15.3f} {false_fallback:>15.3f} {rejection:>9.3f}")
            if rejection >= args.rejection and (best is None or answered > best[0]):
                best = (answered, low, not_ours, rejection)
    defaults = Thresholds()
    print(f"\nin force: fallback_below={defaults.fallback_below} not_ours_from={defaults.not_ours_from}")
    if best:
        print(f"best at >= {args.rejection:.0%} rejection: fallback_below={best[1]} not_ours_from={best[2]} "
              f"(answered right {best[0]:.3f}, rejected {best[3]:.3f})")


if __name__ == "__main__":
    main()
