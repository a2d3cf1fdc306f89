"""An FAQ edit that hurts matching fails the build: the targets of the FAQ engine issue, checked on every run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ROOT, SHARED

#: The issue's lines where this build reaches them; on the real questions, what it reaches now (the issue asks
#: for top-1 0.80 at 0.80 rejection, which it does not reach yet), so that no change slips below.
TARGETS = {
    "dev": {"top1": 0.92, "oos_rejection": 0.85},
    "heldout": {"top1": 0.92, "oos_rejection": 0.85},
    "colloquial": {"top1": 0.92, "oos_rejection": 0.90, "false_fallback": 0.05},
    "real": {"top1": 0.70, "oos_rejection": 0.44, "false_fallback": 0.13},
}
FILES = {"dev": SHARED / "eval" / "dev_cases.jsonl", "heldout": ROOT / "tests" / "data" / "heldout.jsonl",
         "colloquial": ROOT / "tests" / "data" / "heldout_colloquial.jsonl", "real": SHARED / "eval" / "real_questions.jsonl"}


#: Files outside the repository (../shared): measured by `make gates`, which CI runs after `make test`, so that
#: `make test` passes on a bare clone.
NEEDS_SHARED = {"dev", "real"}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.shared) if name in NEEDS_SHARED else name
                                  for name in TARGETS])
def test_matcher_meets_its_targets(name):
    cases = FILES[name]
    assert cases.exists(), f"{cases} is missing; lay the shared/ folder beside the clone or set MINGBAI_SHARED"
    result = subprocess.run([sys.executable, "-m", "bot.cli", "eval", "--json", str(cases)],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    report = json.loads(result.stdout)
    misses = "\n".join(f"{m['text']} -> {m['predicted']} ({m['decision']}), wanted {m['intent']}" for m in report["misses"])
    for key, target in TARGETS[name].items():
        if key == "false_fallback":
            assert report[key] <= target, f"{key} {report[key]} > {target} on {cases.name}; misses:\n{misses}"
        else:
            assert report[key] >= target, f"{key} {report[key]} < {target} on {cases.name}; misses:\n{misses}"
