"""Choosing the matcher's thresholds without looking at any evaluation set (see `intents.calibration`).

Folds the FAQ examples and faq/out_of_scope.yaml k ways, prints for a grid of
thresholds how many of each would be answered, so the trade-off is visible,
and the pair that answers the most in-scope questions right while rejecting at
least --rejection of the out-of-scope ones (the pair in force stays unless
another answers half a point more right). `--write` stores that pair in
intents/data/thresholds.json, where `Thresholds` reads it:

    python bench/calibrate.py [--folds 5] [--rejection 0.9] [--write]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intents import calibration  # noqa: E402
from intents.faq_loader import read_faq  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=calibration.FOLDS)
    parser.add_argument("--rejection", type=float, default=calibration.REJECTION, help="out-of-scope rejection to reach")
    parser.add_argument("--faq", type=Path, default=ROOT / "faq", help="FAQ folder (default: the shipped one)")
    parser.add_argument("--write", action="store_true", help=f"store the chosen pair in {calibration.THRESHOLDS_FILE.relative_to(ROOT)}")
    args = parser.parse_args()
    faq = read_faq(args.faq)
    in_scope, out_of_scope = calibration.held_out_scores(faq, args.folds)
    right = sum(s.right for s in in_scope)
    print(f"{len(in_scope)} held-out FAQ examples, {len(out_of_scope)} out-of-scope questions ({args.folds} folds); "
          f"top-1 right before any threshold: {right / len(in_scope):.3f}")
    print(f"{'fallback_below':>14} {'not_ours_from':>13} {'answered right':>15} {'false fallback':>15} {'rejected':>9}")
    rows = calibration.table(in_scope, out_of_scope)
    for row in rows:
        print(f"{row.fallback_below:>14.2f} {row.not_ours_from:>13.2f} {row.answered_right:>15.3f} "
              f"{row.false_fallback:>15.3f} {row.rejected:>9.3f}")
    fallback_below, not_ours_from = calibration.in_force()
    print(f"\nin force: fallback_below={fallback_below} not_ours_from={not_ours_from}")
    chosen = calibration.best(rows, args.rejection, (fallback_below, not_ours_from))
    if chosen is None:
        sys.exit(f"no pair rejects {args.rejection:.0%} of the folded out-of-scope questions")
    print(f"chosen at >= {args.rejection:.0%} rejection (the pair in force unless another answers "
          f"{calibration.STABLE_WITHIN:.1%} more right): fallback_below={chosen.fallback_below} not_ours_from={chosen.not_ours_from} "
          f"(answered right {chosen.answered_right:.3f}, false fallback {chosen.false_fallback:.3f}, rejected {chosen.rejected:.3f})")
    if args.write:
        calibration.write(calibration.summary(chosen, args.folds, args.rejection, len(in_scope), len(out_of_scope)))
        print(f"written to {calibration.THRESHOLDS_FILE}")


if __name__ == "__main__":
    main()
