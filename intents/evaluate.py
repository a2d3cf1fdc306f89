"""Measuring the matcher on labelled questions (`mingbai eval`).

A case is a JSON line `{"text": ..., "intent": ID or "none", "also": [IDs]}`.
An in-scope case is right when the top intent is `intent` (or in `also`) and
the decision is not fallback; an out-of-scope case (`none`) is right when the
decision is fallback. When a file's cases carry `"confidence"` (how sure the
labeller was), the figures are also given for the `"high"` ones alone.
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
    confidence: str | None = None  # the labeller's, when the file says ("high", "medium")

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
            confidence = raw.get("confidence")
            cases.append(Case(str(raw["text"]), str(raw["intent"]), tuple(raw.get("also") or ()),
                              None if confidence is None else str(confidence)))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise CaseFileError(f"{path}:{number}: not a case ({error}); expected {{\"text\": ..., \"intent\": ...}}") from error
    return cases


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


HIGH_CONFIDENCE = "high"


def evaluate(matcher: Matcher, cases: list[Case]) -> dict:
    """The figures `mingbai eval --json` prints (see the module docstring for the rules)."""
    decisions = [matcher.match(case.text) for case in cases]
    report = _figures(cases, decisions)
    predicted_count: Counter = Counter()
    correct_count: Counter = Counter()  # by the case's label (recall)
    right_predictions: Counter = Counter()  # by the predicted label (precision: an `also` intent counts for itself)
    misses = []
    for case, decision in zip(cases, decisions):
        predicted = decision.intent if decision.kind != "fallback" else OUT_OF_SCOPE
        predicted_count[predicted] += 1
        if _right(case, decision):
            correct_count[case.intent] += 1
            right_predictions[predicted] += 1
        else:
            misses.append({"text": case.text, "intent": case.intent, "predicted": predicted,
                           "decision": decision.kind, "score": round(decision.score, 4)})
    gold_count = Counter(case.intent for case in cases)
    report["per_intent"] = {
        intent: {
            "n": gold_count[intent],
            "precision": _ratio(right_predictions[intent], predicted_count[intent]),
            "recall": _ratio(correct_count[intent], gold_count[intent]),
        }
        for intent in sorted(gold_count | predicted_count)
    }
    if any(case.confidence is not None for case in cases):
        sure = [(case, decision) for case, decision in zip(cases, decisions) if case.confidence == HIGH_CONFIDENCE]
        report["high_confidence"] = _figures([c for c, _ in sure], [d for _, d in sure])
    report["misses"] = misses
    return report


def _right(case: Case, decision) -> bool:
    if case.intent == OUT_OF_SCOPE:
        return decision.kind == "fallback"
    return decision.kind != "fallback" and decision.intent in case.acceptable


def _figures(cases: list[Case], decisions: list) -> dict:
    inside = [(case, d) for case, d in zip(cases, decisions) if case.intent != OUT_OF_SCOPE]
    outside = [d for case, d in zip(cases, decisions) if case.intent == OUT_OF_SCOPE]
    return {
        "n": len(cases),
        "n_in_scope": len(inside),
        "n_out_of_scope": len(outside),
        "top1": _ratio(sum(_right(case, d) for case, d in inside), len(inside)),
        "top3": _ratio(sum(any(c.intent in case.acceptable for c in d.candidates[:3]) for case, d in inside), len(inside)),
        "oos_rejection": _ratio(sum(d.kind == "fallback" for d in outside), len(outside)),
        "false_fallback": _ratio(sum(d.kind == "fallback" for _, d in inside), len(inside)),
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
    sure = report.get("high_confidence")
    if sure:
        lines += [
            "",
            f"high-confidence labels only: {sure['n']} ({sure['n_in_scope']} in scope, {sure['n_out_of_scope']} out of scope)",
            f"  top-1 accuracy:        {sure['top1']:.3f}",
            f"  top-3 recall:          {sure['top3']:.3f}",
            f"  out-of-scope rejected: {sure['oos_rejection']:.3f}",
            f"  false fallbacks:       {sure['false_fallback']:.3f}",
        ]
    if report["misses"]:
        lines += ["", f"misses ({len(report['misses'])}):"]
        for miss in report["misses"]:
            lines.append(f"  {miss['text'][:40]!r}: expected {miss['intent']}, got {miss['predicted']} ({miss['decision']}, {miss['score']:.2f})")
    return "\n".join(lines)
