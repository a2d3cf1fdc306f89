"""Questions the bot could not help with, grouped so an admin sees what the FAQ is missing.

The same gap arrives as many phrasings (工钱不给 / 老板不发工资咋个办), so
questions are clustered: each is normalised with the matcher's own normaliser
(dialect, script, punctuation), split into characters, since Chinese has no
spaces for rapidfuzz's token scorers to use, and joins the first group whose
first question is similar enough (greedy, newest first). Each group carries
the intent the matcher thought closest most often: usually the intent to add
the phrasings to, or a sign a new intent is needed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import yaml
from rapidfuzz import fuzz

SIMILAR = 68  # token_set_ratio on characters; below this, two questions are about different things
SIMILAR_IN_ORDER = 60  # plain ratio too, so shared filler alone (了怎么办) never joins two questions
REASONS = {"fallback": "没答上", "not_helpful": "答了没帮上", "none_of_these": "选项都不对"}
_TOKENS = re.compile(r"[\u3400-\u9fff]|[^\s\u3400-\u9fff]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#]*$")


def tokens(normalised: str) -> str:
    """'老板不发工资 ok' -> '老 板 不 发 工 资 ok': every Chinese character a token, other words whole."""
    return " ".join(_TOKENS.findall(normalised))


@dataclass
class QuestionGroup:
    key: str  # the first question's tokens, which later questions are compared with
    texts: Counter = field(default_factory=Counter)
    intents: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    latest: float = 0.0
    rows: list[dict] = field(default_factory=list)  # the unanswered rows themselves (id, user, time), newest first

    @property
    def size(self) -> int:
        return sum(self.texts.values())

    @property
    def closest_intent(self) -> str | None:
        return self.intents.most_common(1)[0][0] if self.intents else None


def yaml_scalar(text: str) -> str:
    """`text` as a YAML scalar on one line: plain when YAML reads it back as the same text, else double-quoted
    (JSON's escapes are YAML's), so "=", "<<", "2024-01-01", "0x10", "3.14" or control characters stay text."""
    one_line = " ".join(text.split())
    if _PLAIN.match(one_line) and not _CONTROL.search(one_line):
        try:
            if yaml.safe_load(one_line) == one_line:
                return one_line
        except yaml.YAMLError:
            pass
    return json.dumps(one_line, ensure_ascii=False)


def group_questions(rows: list[dict], normalise: Callable[[str], str], similar: int = SIMILAR) -> list[QuestionGroup]:
    """Rows of `Store.unanswered()` (newest first) into groups, biggest first."""
    groups: list[QuestionGroup] = []
    for row in rows:
        text = (row.get("text") or "").strip()
        if not text:
            continue
        key = tokens(normalise(text)) or text
        home = None
        for group in groups:
            if fuzz.token_set_ratio(key, group.key) >= similar and fuzz.ratio(key, group.key) >= SIMILAR_IN_ORDER:
                home = group
                break
        if home is None:
            home = QuestionGroup(key)
            groups.append(home)
        home.texts[text] += 1
        home.rows.append(row)
        if row.get("best_intent"):
            home.intents[row["best_intent"]] += 1
        home.reasons[row.get("reason") or "fallback"] += 1
        home.latest = max(home.latest, row.get("created_at") or 0.0)
    return sorted(groups, key=lambda group: (-group.size, -group.latest))
