"""An FAQ edit that hurts matching fails the build: the targets of the FAQ engine issue, checked on every run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED

TARGETS = {"top1": 0.92, "oos_rejection": 0.85}


@pytest.mark.parametrize(
    "cases", [SHARED / "eval" / "dev_cases.jsonl", ROOT / "tests" / "data" / "heldout.jsonl"], ids=["dev", "heldout"]
)
def test_matcher_meets_its_targets(cases):
    assert cases.exists(), f"{cases} is missing; set MINGBAI_SHARED to the shared/ folder"
    result = subprocess.run([sys.executable, "-m", "bot.cli", "eval", "--json", str(cases)],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    report = json.loads(result.stdout)
    misses = "\n".join(f"{m['text']} -> {m['predicted']} ({m['decision']}), wanted {m['intent']}" for m in report["misses"])
    for key, target in TARGETS.items():
        assert report[key] >= target, f"{key} {report[key]} < {target} on {cases.name}; misses:\n{misses}"
