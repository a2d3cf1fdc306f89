"""Choosing the matcher's thresholds without looking at any evaluation set.

In-scope questions come from the FAQ itself by k-fold cross-validation: each
fold's examples are matched against a matcher built from the other folds, as
if a villager had asked them fresh. Out-of-scope questions come from
faq/out_of_scope.yaml, folded the same way (a question is never judged by a
model that learned it). Of a grid of (fallback_below, not_ours_from) pairs,
the one that answers the most folded examples right while rejecting at least
`rejection` of the folded out-of-scope questions wins; `bench/calibrate.py
--write` stores it in intents/data/thresholds.json, which `Thresholds` reads.

The pair in force stays while it still rejects enough and no other pair
answers `STABLE_WITHIN` more of the folded examples right. Neighbouring pairs
differ by a tenth of a point, less than the folds' own noise (half a point
on 3,500 examples), so without this an admin's edit of one intent could flip
the thresholds and change how every unrelated message is treated.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from intents.decision import THRESHOLDS_FILE, Thresholds
from intents.faq import Faq, OutOfScope

FALLBACK_BELOW = (0.04, 0.06, 0.08, 0.10, 0.12, 0.15, 0.18, 0.2, 0.25)
NOT_OURS_FROM = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)
FOLDS, REJECTION = 5, 0.9
STABLE_WITHIN = 0.005  # answered right a pair must gain over the pair in force to replace it


@dataclass(frozen=True)
class Scored:
    """One held-out question: was the top intent right, its probability, the "not ours" probability."""

    right: bool
    top: float
    not_ours: float


@dataclass(frozen=True)
class Row:
    fallback_below: float
    not_ours_from: float
    answered_right: float
    false_fallback: float
    rejected: float


def _fold(items, fold: int, folds: int) -> tuple[tuple, list]:
    return tuple(e for n, e in enumerate(items) if n % folds != fold), [e for n, e in enumerate(items) if n % folds == fold]


def without_fold(faq: Faq, fold: int, folds: int) -> tuple[Faq, list[tuple[str, str]], list[str]]:
    """The FAQ less one fold of each intent's examples and of the out-of-scope lists; the held-out questions."""
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


def held_out_scores(faq: Faq, folds: int = FOLDS) -> tuple[list[Scored], list[Scored]]:
    """Every FAQ example and out-of-scope question, scored by a matcher that never saw it."""
    from intents.matcher import Matcher

    in_scope, out_of_scope = [], []
    for fold in range(folds):
        partial, held, held_out = without_fold(faq, fold, folds)
        matcher = Matcher(partial)
        for intent_id, text in held:
            in_scope.append(_scored(matcher, text, intent_id))
        for text in held_out:
            out_of_scope.append(_scored(matcher, text, None))
    return in_scope, out_of_scope


def _scored(matcher, text: str, intent_id: str | None) -> Scored:
    scored = matcher.scores(text)
    if scored is None:  # nothing to match: always a fallback
        return Scored(False, 0.0, 1.0)
    candidates, legal, other, _, _ = scored
    return Scored(bool(candidates) and candidates[0].intent == intent_id, candidates[0].score if candidates else 0.0,
                  legal + other)


def table(in_scope: list[Scored], out_of_scope: list[Scored]) -> list[Row]:
    rows = []
    for low in FALLBACK_BELOW:
        for not_ours in NOT_OURS_FROM:
            def rejected(s: Scored) -> bool:
                return s.top < low or (s.not_ours >= not_ours and s.not_ours > s.top)
            rows.append(Row(low, not_ours,
                            round(sum(s.right and not rejected(s) for s in in_scope) / len(in_scope), 4),
                            round(sum(rejected(s) for s in in_scope) / len(in_scope), 4),
                            round(sum(rejected(s) for s in out_of_scope) / len(out_of_scope), 4)))
    return rows


def best(rows: list[Row], rejection: float = REJECTION, in_force: tuple[float, float] | None = None) -> Row | None:
    """The row answering the most right among those rejecting enough (the first such row on a tie), unless the
    row of the pair in force (fallback_below, not_ours_from) rejects enough and answers within STABLE_WITHIN of it."""
    enough = [row for row in rows if row.rejected >= rejection]
    if not enough:
        return None
    top = max(enough, key=lambda row: row.answered_right)
    kept = next((row for row in enough if (row.fallback_below, row.not_ours_from) == in_force), None)
    return kept if kept and top.answered_right - kept.answered_right < STABLE_WITHIN else top


def in_force() -> tuple[float, float]:
    """The (fallback_below, not_ours_from) pair the matcher uses now, as `Thresholds` read it from thresholds.json."""
    thresholds = Thresholds()
    return thresholds.fallback_below, thresholds.not_ours_from


def summary(chosen: Row, folds: int, rejection: float, examples: int, out_of_scope: int) -> dict:
    """The contents of intents/data/thresholds.json for a chosen row."""
    return {
        "fallback_below": chosen.fallback_below,
        "not_ours_from": chosen.not_ours_from,
        "chosen_by": f"{folds}-fold cross-validation of the FAQ examples and faq/out_of_scope.yaml "
                     f"(bench/calibrate.py --write): most answered right at >= {rejection:.0%} rejection; "
                     f"the pair in force kept unless another answers {STABLE_WITHIN:.1%} more right",
        "folds": folds,
        "rejection_target": rejection,
        "answered_right": chosen.answered_right,
        "false_fallback": chosen.false_fallback,
        "rejected": chosen.rejected,
        "examples": examples,
        "out_of_scope": out_of_scope,
    }


def calibrate(faq: Faq, folds: int = FOLDS, rejection: float = REJECTION) -> dict:
    """What intents/data/thresholds.json should hold for this FAQ, given the pair it holds now."""
    in_scope, out_of_scope = held_out_scores(faq, folds)
    chosen = best(table(in_scope, out_of_scope), rejection, in_force())
    if chosen is None:
        raise ValueError(f"no threshold pair rejects {rejection:.0%} of the folded out-of-scope questions")
    return summary(chosen, folds, rejection, len(in_scope), len(out_of_scope))


def write(calibrated: dict, path: Path = THRESHOLDS_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(calibrated, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
