"""The labelled question files the matcher is measured on, in one list that `make eval`, `make bench` and the
accuracy gates all read.

`python -m tests.support.eval_sets` prints the paths of those present (the shared ones need ../shared), one a
line, for the Makefile.
"""

from __future__ import annotations

from tests.support import ROOT, SHARED

DATA = ROOT / "tests" / "data"
EVAL_SETS = {
    "dev": SHARED / "eval" / "dev_cases.jsonl",
    "heldout": DATA / "heldout.jsonl",
    "colloquial": DATA / "heldout_colloquial.jsonl",
    "hard": DATA / "heldout_hard.jsonl",
    "fresh": DATA / "heldout_fresh.jsonl",
    "typos": DATA / "heldout_typos.jsonl",
    "stories": DATA / "heldout_stories.jsonl",
    "real": SHARED / "eval" / "real_questions.jsonl",
}

if __name__ == "__main__":
    print("\n".join(str(path) for path in EVAL_SETS.values() if path.exists()))
