"""Danger-check figures for the README: emergencies caught and look-alikes alarmed on each distress set, and how
many ordinary questions (the eval files' questions not labelled with an urgent intent) get an emergency line first.

An emergency counts as caught when the whole core's first line gives its kind's number, as in
tests/intents/test_triage.py, which gates the same sets.

    python bench/danger_bench.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.dry_run import answers  # noqa: E402
from intents.evaluate import read_cases as read_labelled  # noqa: E402
from intents.faq_loader import read_faq  # noqa: E402
from intents.matcher import Matcher  # noqa: E402
from tests.support.distress_sets import DISTRESS_FILES, NUMBERS, caught, read_cases  # noqa: E402
from tests.support.eval_sets import EVAL_SETS  # noqa: E402


def distress_row(path: Path) -> str:
    cases = read_cases(path)
    found, total, alarmed = Counter(), Counter(), 0
    for case, record in zip(cases, answers(ROOT / "faq", [case["text"] for case in cases]), strict=True):
        if case["danger"] is None:
            alarmed += bool(record["danger"])
        else:
            total[case["danger"]] += 1
            found[case["danger"]] += caught(case, record)
    look_alikes = sum(case["danger"] is None for case in cases)
    kinds = "  ".join(f"{kind} {found[kind]}/{total[kind]}" for kind in NUMBERS)
    return f"{path.name:26} {kinds}  look-alikes alarmed {alarmed}/{look_alikes}"


def ordinary_alarms() -> str:
    faq = read_faq(ROOT / "faq")
    matcher = Matcher(faq)
    urgent = {intent.id for intent in faq if intent.urgent}
    questions = [case.text for path in EVAL_SETS.values() if path.exists() for case in read_labelled(path)
                 if case.intent not in urgent]
    kinds = Counter(danger.kind.id for danger in map(matcher.triage, questions) if danger)
    return (f"eval-file questions not labelled with an urgent intent given an emergency line first: "
            f"{sum(kinds.values())}/{len(questions)} ({', '.join(f'{kind} {n}' for kind, n in kinds.most_common())})")


def main() -> None:
    print("Danger check, through the whole core (a kind is caught when its number is on the first line)")
    for path in DISTRESS_FILES:
        print(distress_row(path))
    print(ordinary_alarms())


if __name__ == "__main__":
    main()
