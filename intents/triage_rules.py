"""Reading faq/triage.yaml: the admin-editable emergency patterns, numbers and texts.

The file's format is described in its own header. Every problem is reported
as `file:line: what is wrong`, like the rest of the FAQ, and a broken file
never replaces a working one (the whole FAQ reload is refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from intents.faq import Text
from intents.faq_reader import IntentReader
from intents.problems import Problem
from intents.yaml_lines import UNREADABLE, LineDict, LineList, load_reported

TRIAGE_FILE = "triage.yaml"
EXAMPLES_FILE = "triage_examples.yaml"
NOT_DANGER = "not_danger"
#: The kinds the conversation core knows how to handle (the reply, the case, the statistics).
DANGER_KINDS = ("poison", "self_harm", "violence", "fraud_now")
GAP = "…"
_WORD_LIST = re.compile(r"\{([a-z_]+)\}")
_KIND_FIELDS = {"title", "reply", "after", "legal_answer", "answers", "patterns", "if_intended"}


@dataclass(frozen=True)
class DangerKind:
    """One kind of emergency: how to recognise it and what to say first."""

    id: str
    title: Text
    reply: Text  # its first line is the emergency number
    after: Text | None  # said with the reply when no legal answer follows
    legal_answer: bool  # may the matching urgent answer follow in the same turn?
    answers: tuple[str, ...]  # the intents that may follow (the matcher's top candidate must be one)
    patterns: tuple[tuple[str, int], ...]  # (pattern as written, its line)
    if_intended: str | None = None  # the kind a hit becomes right after an intention word (想喝农药: self_harm)


@dataclass(frozen=True)
class TriageRules:
    """Everything in faq/triage.yaml, checked."""

    kinds: tuple[DangerKind, ...] = ()
    words: dict[str, tuple[str, ...]] | None = None
    figures_of_speech: tuple[str, ...] = ()
    past: tuple[str, ...] = ()
    now: tuple[str, ...] = ()
    intention: tuple[str, ...] = ()
    gap: int = 8
    gap_words: int = 3  # the same for English, in words
    learned_from: float = 0.6  # the danger model's probability of any kind at which a message counts as the likeliest
    safe_from: float = 0.95  # the model's certainty that a message is no emergency at which it overrules a pattern
    examples: dict[str, tuple[str, ...]] | None = None  # kind (or not_danger) -> messages the model learns from
    file: str = ""


def _strings(reader: IntentReader, raw: LineDict, key: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, (str, int)) for item in value):
        reader.error(raw.line_of(key), f"`{key}:` must be a list of words, e.g. [去年, 以前]")
        return ()
    return tuple(str(item) for item in value)


def _alternatives(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """`a|b|c` lines of a word list, split into words."""
    return tuple(word for line in patterns for word in line.split("|") if word)


def _check_pattern(reader: IntentReader, pattern: str, line: int, words: dict, where: str) -> None:
    for piece in pattern.split(GAP):
        if not piece.strip("|"):
            reader.error(line, f"{where}: pattern {pattern!r} has an empty piece; write words between the … and |")
        for name in _WORD_LIST.findall(piece):
            if name not in words:
                reader.error(line, f"{where}: pattern {pattern!r} uses {{{name}}}, which is not a list under `words:`")


def _kind(reader: IntentReader, kind_id: str, raw, line: int, words: dict) -> DangerKind | None:
    where = f"kinds.{kind_id}"
    if kind_id not in DANGER_KINDS:
        reader.error(line, f"{where}: unknown kind; the bot knows {', '.join(DANGER_KINDS)}")
        return None
    if not isinstance(raw, LineDict):
        reader.error(line, f"{where}: needs `title:`, `reply:` and `patterns:` below it")
        return None
    for unknown in sorted(set(raw) - _KIND_FIELDS, key=str):
        reader.error(raw.line_of(unknown), f"{where}: unknown field `{unknown}` (allowed: {', '.join(sorted(_KIND_FIELDS))})")
    title, reply = reader.text(raw, "title", where), reader.text(raw, "reply", where)
    if reply and not any(number in reply.zh.split("\n")[0] for number in ("110", "120")):
        reader.error(raw.line_of("reply"), f"{where}.reply.zh: the first line must give the emergency number (110 or 120)")
    after = raw.get("after")
    after_text = Text(str(after.get("zh") or ""), str(after.get("en") or "")) if isinstance(after, dict) else None
    patterns = raw.get("patterns")
    if not isinstance(patterns, LineList) or not patterns:
        reader.error(raw.line_of("patterns"), f"{where}: needs a `patterns:` list")
        return None
    checked = []
    for index, pattern in enumerate(patterns):
        if not isinstance(pattern, str) or not pattern.strip():
            reader.error(patterns.line_of(index), f"{where}.patterns: each pattern must be text such as 喝…农药")
            continue
        _check_pattern(reader, pattern, patterns.line_of(index), words, where)
        checked.append((pattern, patterns.line_of(index)))
    legal_answer = raw.get("legal_answer", False)
    if not isinstance(legal_answer, bool):
        reader.error(raw.line_of("legal_answer"), f"{where}.legal_answer: must be true or false")
        legal_answer = False
    answers = _strings(reader, raw, "answers")
    if_intended = raw.get("if_intended")
    if if_intended is not None and if_intended not in DANGER_KINDS:
        reader.error(raw.line_of("if_intended"), f"{where}.if_intended: must be one of {', '.join(DANGER_KINDS)}")
        if_intended = None
    if title is None or reply is None:
        return None
    return DangerKind(kind_id, title, reply, after_text, legal_answer, answers, tuple(checked), if_intended)


def read_triage(directory: Path, problems: list[Problem], intent_ids: set[str]) -> TriageRules:
    """The rules in `directory`/triage.yaml (none when the file is absent), appending problems."""
    path = directory / TRIAGE_FILE
    if not path.exists():
        return TriageRules()
    reader = IntentReader(path, problems)
    raw = load_reported(path, reader.error)
    if raw is UNREADABLE:
        return TriageRules()
    if not isinstance(raw, LineDict) or not isinstance(raw.get("kinds"), LineDict):
        reader.error(getattr(raw, "line", 1), "triage.yaml needs a `kinds:` section (see the comments at its top)")
        return TriageRules()
    words_raw = raw.get("words") or LineDict()
    words = {}
    for name, listed in words_raw.items():
        if not isinstance(listed, list) or not listed:
            reader.error(words_raw.line_of(name), f"words.{name}: must be a list of words, e.g. [农药, 老鼠药]")
            continue
        words[name] = tuple(str(word) for word in listed)
    gap = raw.get("gap", 8)
    if not isinstance(gap, int) or not 0 <= gap <= 30:
        reader.error(raw.line_of("gap"), "`gap:` must be a whole number of characters between 0 and 30")
        gap = 8
    gap_words = raw.get("gap_words", 3)
    if not isinstance(gap_words, int) or not 0 <= gap_words <= 10:
        reader.error(raw.line_of("gap_words"), "`gap_words:` must be a whole number of English words between 0 and 10")
        gap_words = 3
    kinds = []
    for kind_id, kind_raw in raw["kinds"].items():
        kind = _kind(reader, str(kind_id), kind_raw, raw["kinds"].line_of(kind_id), words)
        if kind is None:
            continue
        for intent_id in kind.answers:
            if intent_id not in intent_ids:
                reader.error(raw["kinds"].line_of(kind_id), f"kinds.{kind.id}.answers: {intent_id!r} names no intent")
        kinds.append(kind)
    figures = _alternatives(_strings(reader, raw, "figures_of_speech"))
    learned_from = raw.get("learned_from", 0.6)
    if not isinstance(learned_from, (int, float)) or not 0.3 <= learned_from <= 1:
        reader.error(raw.line_of("learned_from"), "`learned_from:` must be a probability between 0.3 and 1, e.g. 0.6")
        learned_from = 0.6
    safe_from = raw.get("safe_from", 0.95)
    if not isinstance(safe_from, (int, float)) or not 0.5 <= safe_from <= 1:
        reader.error(raw.line_of("safe_from"), "`safe_from:` must be a probability between 0.5 and 1, e.g. 0.95")
        safe_from = 0.95
    examples = _read_examples(directory / EXAMPLES_FILE, problems)
    return TriageRules(tuple(kinds), words, figures, _strings(reader, raw, "past"), _strings(reader, raw, "now"),
                       _strings(reader, raw, "intention"), gap, gap_words, float(learned_from), float(safe_from), examples, str(path))


def _read_examples(path: Path, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """faq/triage_examples.yaml: kind -> messages, and `not_danger` -> look-alikes (none when absent)."""
    if not path.exists():
        return {}
    reader = IntentReader(path, problems)
    raw = load_reported(path, reader.error)
    if raw is UNREADABLE:
        return {}
    if not isinstance(raw, LineDict):
        reader.error(1, f"{EXAMPLES_FILE} needs one list per kind ({', '.join(DANGER_KINDS)}) and `{NOT_DANGER}:`")
        return {}
    examples = {}
    for name, items in raw.items():
        if name not in (*DANGER_KINDS, NOT_DANGER):
            reader.error(raw.line_of(name), f"unknown list `{name}`; use {', '.join(DANGER_KINDS)} or {NOT_DANGER}")
        elif not isinstance(items, list) or not all(isinstance(item, (str, int)) for item in items):
            reader.error(raw.line_of(name), f"`{name}:` must be a list of messages, one `- ...` line each")
        else:
            examples[name] = tuple(str(item) for item in items)
    return examples
