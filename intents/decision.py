"""From label probabilities to what the villager gets: answer, ask which, or fall back.

The last step of the matcher's pipeline, kept apart from the scoring so that
either can change alone. It follows Rasa's fallback rule: a probability
threshold *and* an ambiguity margin between the top candidates, with "not
ours" winning when it is the likelier reading. The numbers are data:
`fallback_below` and `not_ours_from` in intents/data/thresholds.json, written
by `bench/calibrate.py --write`; the rest in intents/data/matcher.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from intents.classifier import Contribution

DATA = Path(__file__).resolve().parent / "data"
THRESHOLDS_FILE = DATA / "thresholds.json"
SETTINGS_FILE = DATA / "matcher.json"


def calibrated(path: Path = THRESHOLDS_FILE) -> dict:
    """The thresholds `bench/calibrate.py --write` chose (see `intents.calibration`)."""
    return json.loads(path.read_text(encoding="utf-8"))


def settings(path: Path = SETTINGS_FILE) -> dict:
    """The matcher's hand-chosen settings: scorer weights, C, the out-of-scope weight, the clarify rules."""
    return json.loads(path.read_text(encoding="utf-8"))


#: Both files read once, at import: every Matcher (a reload builds a new one) uses the same values.
_CALIBRATED, SETTINGS = calibrated(), settings()


@dataclass(frozen=True)
class Thresholds:
    """Where answer, clarify and fallback meet (no evaluation set was used to choose the calibrated pair)."""

    fallback_below: float = _CALIBRATED["fallback_below"]  # no intent this likely: say we don't know
    not_ours_from: float = _CALIBRATED["not_ours_from"]  # "not ours" this likely (and likelier than the top intent): fall back
    answer_from: float = SETTINGS["answer_from"]  # a best guess below this is offered (with the others above fallback_below), not asserted
    ambiguity_margin: float = SETTINGS["ambiguity_margin"]  # candidates this close to the top are offered together
    max_choices: int = SETTINGS["max_choices"]
    assert_from_chars: int = SETTINGS["assert_from_chars"]  # a shorter message (钱, 打) is offered, never asserted
    out_of_scope_weight: float = SETTINGS["out_of_scope_weight"]  # one out-of-scope example against one FAQ example


@dataclass(frozen=True)
class Candidate:
    intent: str
    score: float


@dataclass(frozen=True)
class Evidence:
    """Why the matcher decided as it did (`mingbai match --explain`)."""

    normalised: str
    words: tuple[str, ...]
    examples: tuple[tuple[str, str, float], ...]  # (label, example, cosine), closest first
    features: tuple[Contribution, ...] = ()  # what pushed towards the top intent
    clause: str = ""  # the clause that scored best, when the message has several
    not_ours: float = 0.0  # the probability of the "not ours" side
    read_as: tuple[tuple[str, str], ...] = ()  # (typed, read as) for each sound-alike typo: (剧绝, 拒绝)


@dataclass(frozen=True)
class Decision:
    """The outcome for one message: answer the top intent, ask which of `choices`, or fall back."""

    kind: str  # "answer" | "clarify" | "fallback"
    candidates: tuple[Candidate, ...]  # best first, at most 5
    choices: tuple[str, ...] = ()  # intents to offer when kind == "clarify"
    evidence: Evidence | None = field(default=None, compare=False)
    out_of_scope: str | None = None  # on fallback: "legal" (a legal question we don't cover) or "other"

    @property
    def intent(self) -> str | None:
        return self.candidates[0].intent if self.candidates else None

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0

    def as_json(self) -> dict:
        return {
            "intent": self.intent,
            "score": round(self.score, 4),
            "decision": self.kind,
            "out_of_scope": self.out_of_scope,
            "alternatives": [{"intent": c.intent, "score": round(c.score, 4)} for c in self.candidates[1:]],
        }


def decide(candidates: tuple[Candidate, ...], legal: float, other: float, limits: Thresholds,
           evidence: Evidence | None = None, *, brief: bool = False) -> Decision:
    """`candidates` best first; `legal` and `other` the probabilities of the two "not ours" labels; `brief` when
    the message is too short to name one topic however likely its best guess (钱 is a debt, wages or a scam)."""
    scope = "legal" if legal >= other else "other"
    top = candidates[0].score if candidates else 0.0
    if not candidates or top < limits.fallback_below or (legal + other >= limits.not_ours_from and legal + other > top):
        return Decision("fallback", candidates, evidence=evidence, out_of_scope=scope)
    plausible = tuple(c for c in candidates[: limits.max_choices] if c.score >= limits.fallback_below)
    close = tuple(c.intent for c in plausible if top - c.score <= limits.ambiguity_margin)
    if len(close) > 1:
        return Decision("clarify", candidates, close, evidence)
    if top < limits.answer_from or brief:  # unsure of even the best: let the villager pick among the plausible ones
        return Decision("clarify", candidates, tuple(c.intent for c in plausible), evidence)
    return Decision("answer", candidates, evidence=evidence)
