"""Measuring the matcher on labelled questions (`mingbai eval`).

A case is a JSON line `{"text": ..., "intent": ID or "none", "also": [IDs]}`.
An in-scope case is right when the top intent is `intent` (or in `also`) and
the decision is not fallback; an out-of-scope case (`none`) is right when the
decision is fallback.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from intents.matcher import Matcher

OUT_OF_SCOPE = "none"


@dataclass(frozen=True)
class Case:
    text: str
    intent: str
    also: tuple[str, ...] = ()

    @property
    def acceptable(self) -> set[str]:
        return {self.intent, *self.also}


class CaseFileError(ValueError):
    """An evaluation file line that is not a valid case."""


def read_cases(path: Path | str) -> list[Case]:
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cases.append(Case(str(raw["text"]), str(raw["intent"]), tuple(raw.get("also") or ())))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise CaseFileError(f"{path}:{number}: not a case ({error}); expected {{\"text\": ..., \"intent\": ...}}") from error
    return cases


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def evaluate(matcher: Matcher, cases: list[Case]) -> dict:
    """The figures `mingbai eval --json` prints (see the module docstring for the rules)."""
    in_scope = [case for case in cases if case.intent != OUT_OF_SCOPE]
    out_of_scope = [case for case in cases if case.intent == OUT_OF_SCOPE]
    top1 = top3 = false_fallbacks = rejected = 0
    predicted_count: Counter = Counter()
    correct_count: Counter = Counter()
    misses = []
    for case in cases:
        decision = matcher.match(case.text)
        predicted = decision.intent if decision.kind != "fallback" else OUT_OF_SCOPE
        predicted_count[predicted] += 1
        if case.intent == OUT_OF_SCOPE:
            right = decision.kind == "fallback"
            rejected += right
        else:
            right = decision.kind != "fallback" and decision.intent in case.acceptable
            top1 += right
            top3 += any(c.intent in case.acceptable for c in decision.candidates[:3])
            false_fallbacks += decision.kind == "fallback"
        if right:
            correct_count[case.intent] += 1
        else:
            misses.append({"text": case.text, "intent": case.intent, "predicted": predicted,
                           "decision": decision.kind, "score": round(decision.score, 4)})
    gold_count = Counter(case.intent for case in cases)
    per_intent = {
        intent: {
            "n": gold_count[intent],
            "precision": _ratio(correct_count[intent], predicted_count[intent]),
            "recall": _ratio(correct_count[intent], gold_count[intent]),
        }
        for intent in sorted(gold_count)
    }
    return {
        "n": len(cases),
        "n_in_scope": len(in_scope),
        "n_out_of_scope": len(out_of_scope),
        "top1": _ratio(top1, len(in_scope)),
        "top3": _ratio(top3, len(in_scope)),
        "oos_rejection": _ratio(rejected, len(out_of_scope)),
        "false_fallback": _ratio(false_fallbacks, len(in_scope)),
        "per_intent": per_intent,
        "misses": misses,
    }


def format_report(report: dict) -> str:
    """The human-readable form of `evaluate`'s figures."""
    lines = [
        f"cases: {report['n']} ({report['n_in_scope']} in scope, {report['n_out_of_scope']} out of scope)",
        f"top-1 accuracy:        {report['top1']:.3f}",
        f"top-3 recall:          {report['top3']:.3f}",
        f"out-of-scope rejected: {report['oos_rejection']:.3f}",
        f"false fallbacks:       {report['false_fallback']:.3f}",
        "",
        f"{'intent':32} {'n':>3} {'precision':>9} {'recall':>6}",
    ]
    for intent, figures in report["per_intent"].items():
        lines.append(f"{intent:32} {figures['n']:>3} {figures['precision']:>9.2f} {figures['recall']:>6.2f}")
    if report["misses"]:
        lines += ["", f"misses ({len(report['misses'])}):"]
        for miss in report["misses"]:
            lines.append(f"  {miss['text'][:40]!r}: expected {miss['intent']}, got {miss['predicted']} ({miss['decision']}, {miss['score']:.2f})")
    return "\n".join(lines)
