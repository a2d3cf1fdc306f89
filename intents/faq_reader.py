"""Reading one intent of an FAQ group file, field by field, into an `Intent` plus problems.

Every message names the intent and the field and says what to write instead,
because the reader is an admin, not a programmer.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from intents.faq import LANGUAGES, Deadline, Intent, Text
from intents.problems import Problem
from intents.yaml_lines import LineDict

MIN_EXAMPLES = {"zh": 20, "en": 5}
MAX_FOLLOW_UPS = 3
EMERGENCY_NUMBERS = ("110", "96110", "120")
#: Chinese characters of `short`: the first bubble must fit one 360×740 phone screen with its buttons. The shipped
#: ones of up to 181 do (tests/channels/test_first_bubble_browser.py measures every intent in Chromium, the real guard).
SHORT_LIMIT = 185
BRING_LIMIT = 300  # Chinese characters of `bring`: a list to read at the counter, on one screen

INTENT_FIELDS = {
    "id", "title", "kind", "urgent", "handoff", "examples", "answer", "sources",
    "follow_ups", "reviewed_by", "review_due", "deadline", "short", "bring", "office",
    "flow",
}
KINDS = ("legal", "chat")
HANDOFF_POLICIES = ("offer", "priority", "start")
OFFICE_PATTERN = re.compile(r"^[a-z][a-z_]*$")
FLOW_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
PERIOD_PATTERN = re.compile(r"^\s*(\d+)\s*(day|month|year)s?\s*$")
DEADLINE_FIELDS = ("period", "from", "exceptions", "source", "ask")
QUESTION_MARKS = {"zh": ("？", "?"), "en": ("?",)}


class IntentReader:
    """Collects problems while turning one file's YAML into records."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.file = str(path)
        self.problems = problems

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message, "warning"))

    def text(self, parent: LineDict, key: str, where: str) -> Text | None:
        """A {zh, en} pair of non-empty strings at parent[key]."""
        value = parent.get(key)
        line = parent.line_of(key)
        if value is None:
            self.error(parent.line, f"{where}: missing field `{key}` (needs `zh:` and `en:`)")
            return None
        if not isinstance(value, dict):
            self.error(line, f"{where}.{key}: must have `zh:` and `en:` lines below it")
            return None
        texts = {}
        for lang in LANGUAGES:
            entry = value.get(lang)
            if not isinstance(entry, str) or not entry.strip():
                self.error(value.line_of(lang), f"{where}.{key}.{lang}: empty or missing text")
                return None
            texts[lang] = entry
        return Text(**texts)

    def intent(self, raw, group_id: str, index_line: int, today: dt.date) -> Intent | None:
        if not isinstance(raw, LineDict):
            self.error(index_line, "each item under `intents:` must be an intent (a block starting `- id: ...`)")
            return None
        intent_id = raw.get("id")
        if not isinstance(intent_id, str) or not ID_PATTERN.match(intent_id):
            self.error(raw.line_of("id"), f"intent id {intent_id!r} must look like `{group_id}.name` (lower case)")
            return None
        where = intent_id
        if intent_id.split(".")[0] != group_id:
            self.error(raw.line_of("id"), f"{where}: id must start with the file's group `{group_id}.`")
        for unknown in sorted(set(raw) - INTENT_FIELDS, key=str):
            self.error(raw.line_of(unknown), f"{where}: unknown field `{unknown}` (allowed: {', '.join(sorted(INTENT_FIELDS))})")
        kind = self.choice(raw, "kind", KINDS, "legal", where)
        handoff = self.choice(raw, "handoff", HANDOFF_POLICIES, "offer", where)
        urgent = raw.get("urgent", False)
        if not isinstance(urgent, bool):
            self.error(raw.line_of("urgent"), f"{where}.urgent: must be true or false")
            urgent = False
        if (handoff == "priority") != urgent and handoff != "start":
            self.error(raw.line_of("handoff") if "handoff" in raw else raw.line,
                       f"{where}.handoff: `priority` goes with `urgent: true` and only with it (write "
                       f"{'handoff: priority' if urgent else 'handoff: offer, or urgent: true if someone is in danger now'})")
        title = self.text(raw, "title", where)
        answer = self.text(raw, "answer", where)
        short = self.short(raw, where, required=kind == "legal")
        bring = self.bring(raw, where, kind) if "bring" in raw else None
        office = raw.get("office")
        if office is not None and (not isinstance(office, str) or not OFFICE_PATTERN.match(office)):
            self.error(raw.line_of("office"), f"{where}.office: a kind of office from faq/places.yaml, e.g. `legal_aid_centre`")
            office = None
        flow = raw.get("flow")
        if flow is not None and (not isinstance(flow, str) or not FLOW_PATTERN.match(flow)):
            self.error(raw.line_of("flow"),
                       f"{where}.flow: the id of a guided check in faq/flows/, e.g. `legal_aid_eligibility`")
            flow = None
        examples = self.examples(raw, where)
        sources = self.sources(raw, where, required=kind == "legal")
        follow_ups = self.follow_ups(raw, where)
        reviewed_by = raw.get("reviewed_by")
        if not isinstance(reviewed_by, str) or not reviewed_by.strip():
            self.error(raw.line, f"{where}: missing field `reviewed_by` (who checked this answer)")
        review_due = self.review_due(raw, where, today)
        deadline = self.deadline(raw, where) if "deadline" in raw else None
        if None in (title, answer, examples, sources):
            return None
        if urgent:
            self.check_emergency_first(raw, answer, where)
            if short is not None:
                self.check_emergency_first(raw, short, where, field="short")
        return Intent(
            id=intent_id, group=group_id, title=title, examples=examples, answer=answer,
            sources=sources, follow_ups=follow_ups, kind=kind, urgent=urgent, handoff=handoff,
            reviewed_by=reviewed_by or "", review_due=review_due, deadline=deadline, short=short,
            bring=bring, office=office, flow=flow, file=self.file, line=raw.line,
        )

    def short(self, raw: LineDict, where: str, required: bool) -> Text | None:
        """The first bubble (zh and en): required for a legal intent, at most SHORT_LIMIT Chinese characters."""
        if "short" not in raw:
            if required:
                self.error(raw.line, f"{where}: missing field `short` (the first bubble: what to do now and who to "
                           f"call, in at most {SHORT_LIMIT} Chinese characters; `zh:` and `en:`)")
            return None
        short = self.text(raw, "short", where)
        if short is not None:
            length = len(short.zh.replace("**", "").strip())
            if length > SHORT_LIMIT:
                self.error(raw["short"].line_of("zh"), f"{where}.short.zh: {length} characters; the first bubble must "
                           f"fit one phone screen: at most {SHORT_LIMIT} (aim at 170), the rest stays in `answer`")
        return short

    def bring(self, raw: LineDict, where: str, kind: str) -> Text | None:
        """「要带什么」 (zh and en), optional: only for a legal answer, at most BRING_LIMIT Chinese characters. It
        gathers what `answer` already says to bring or keep, so it adds no legal content of its own."""
        bring = self.text(raw, "bring", where)
        if bring is None:
            return None
        if kind != "legal":
            self.error(raw.line_of("bring"), f"{where}.bring: only a legal answer has 「要带什么」; remove it")
            return None
        length = len(bring.zh.replace("**", "").strip())
        if length > BRING_LIMIT:
            self.error(raw["bring"].line_of("zh"), f"{where}.bring.zh: {length} characters; keep the list to "
                       f"{BRING_LIMIT} so it fits one phone screen")
        return bring

    def choice(self, raw: LineDict, key: str, allowed: tuple[str, ...], default: str, where: str) -> str:
        value = raw.get(key, default)
        if value not in allowed:
            self.error(raw.line_of(key), f"{where}.{key}: {value!r} is not one of {', '.join(allowed)}")
            return default
        return value

    def examples(self, raw: LineDict, where: str) -> dict[str, tuple[str, ...]] | None:
        value = raw.get("examples")
        if not isinstance(value, dict):
            self.error(raw.line_of("examples"), f"{where}: missing field `examples` (needs `zh:` and `en:` lists)")
            return None
        examples = {}
        for lang in LANGUAGES:
            items = value.get(lang)
            if not isinstance(items, list) or not items:
                self.error(value.line_of(lang), f"{where}.examples.{lang}: needs a list of example questions")
                return None
            kept = []
            for index, item in enumerate(items):
                if not isinstance(item, str) or not item.strip():
                    self.error(items.line_of(index), f"{where}.examples.{lang}: item {index + 1} is empty or not text")
                else:
                    kept.append(item.strip())
            if len(kept) < MIN_EXAMPLES[lang]:
                self.warn(value.line_of(lang), f"{where}.examples.{lang}: only {len(kept)} examples; write at least {MIN_EXAMPLES[lang]} so the bot recognises varied questions")
            examples[lang] = tuple(kept)
        return examples

    def text_list(self, raw: LineDict, key: str, *, listed: str, entry: str) -> tuple[str, ...]:
        """`key:`'s list of texts, stripped (out_of_scope.yaml's questions, dialect.yaml's openers); a value that
        is not a list, or an entry that is empty or not text, is an error on its own line."""
        items = raw.get(key) or []
        if not isinstance(items, list):
            self.error(raw.line_of(key), f"`{key}:` must be {listed}")
            return ()
        kept = []
        for index, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                self.error(items.line_of(index), f"{key}: each entry must be {entry} as text")
            else:
                kept.append(item.strip())
        return tuple(kept)

    def sources(self, raw: LineDict, where: str, required: bool) -> tuple[Text, ...] | None:
        items = raw.get("sources", [])
        if not isinstance(items, list):
            self.error(raw.line_of("sources"), f"{where}.sources: must be a list of `- zh: ... en: ...` items")
            return None
        if required and not items:
            self.error(raw.line_of("sources"), f"{where}: a legal answer needs `sources` (law and article); use `kind: chat` for small talk")
            return None
        sources = []
        for index, item in enumerate(items):
            if not isinstance(item, LineDict):
                self.error(items.line_of(index), f"{where}.sources: item {index + 1} needs `zh:` and `en:`")
                return None
            source = self.text(_wrap(item), "source", f"{where}.sources[{index + 1}]")
            if source is None:
                return None
            sources.append(source)
        return tuple(sources)

    def follow_ups(self, raw: LineDict, where: str) -> tuple[str, ...]:
        items = raw.get("follow_ups", [])
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            self.error(raw.line_of("follow_ups"), f"{where}.follow_ups: must be a list of intent ids, e.g. [legal_aid.apply]")
            return ()
        if len(items) > MAX_FOLLOW_UPS:
            self.error(raw.line_of("follow_ups"), f"{where}.follow_ups: at most {MAX_FOLLOW_UPS} (they become buttons)")
        return tuple(items)

    def review_due(self, raw: LineDict, where: str, today: dt.date) -> dt.date | None:
        value = raw.get("review_due")
        line = raw.line_of("review_due")
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                pass
        if not isinstance(value, dt.date):
            self.error(line, f"{where}.review_due: needs a date like 2027-06-30 (when the answer must be checked again)")
            return None
        if value < today:
            self.warn(line, f"{where}.review_due: {value} has passed; have the answer checked against current law and set a new date")
        return value

    def deadline(self, raw: LineDict, where: str) -> Deadline | None:
        value = raw["deadline"]
        line = raw.line_of("deadline")
        if not isinstance(value, LineDict):
            self.error(line, f"{where}.deadline: needs `period`, `from` and `source`")
            return None
        for unknown in sorted(set(value) - set(DEADLINE_FIELDS), key=str):  # a misspelt `ask:` would vanish silently
            allowed = ", ".join(DEADLINE_FIELDS)
            self.error(value.line_of(unknown), f"{where}.deadline: unknown field `{unknown}` (allowed: {allowed})")
        match = PERIOD_PATTERN.match(str(value.get("period", "")))
        if not match:
            self.error(value.line_of("period"), f"{where}.deadline.period: write a number and day(s), month(s) or year(s), e.g. `1 year`")
            return None
        starts = self.text(value, "from", f"{where}.deadline")
        source = self.text(value, "source", f"{where}.deadline")
        exceptions = self.text(value, "exceptions", f"{where}.deadline") if "exceptions" in value else None
        ask = self.deadline_ask(value, where) if "ask" in value else None
        if starts is None or source is None:
            return None
        return Deadline(int(match[1]), match[2], starts, source, exceptions, ask)

    def deadline_ask(self, value: LineDict, where: str) -> Text | None:
        """The calculator's opening question: a question in each language, since the villager answers it with a date.

        The bot adds the examples and how to leave (/cancel, 退出) itself, so the
        admin writes only what decides the start day.
        """
        ask = self.text(value, "ask", f"{where}.deadline")
        if ask is None:
            return None
        for lang in LANGUAGES:
            if not any(mark in ask(lang) for mark in QUESTION_MARKS[lang]):
                self.error(value["ask"].line_of(lang), f"{where}.deadline.ask.{lang}: write the question the villager "
                           "answers with a date, with a question mark (e.g. 您是哪天离职的？)")
                return None
        return ask

    def check_emergency_first(self, raw: LineDict, answer: Text, where: str, field: str = "answer") -> None:
        for lang in LANGUAGES:
            first_line = answer(lang).strip().splitlines()[0]
            if not any(number in first_line for number in EMERGENCY_NUMBERS):
                self.error(raw.line_of(field), f"{where}.{field}.{lang}: an urgent answer must start with the emergency step (110 / 96110 / 120) on its first line")


def _wrap(item: LineDict) -> LineDict:
    """Present a bare {zh, en} item as the field `source`, so `_Reader.text` can check it."""
    wrapper = LineDict(source=item)
    wrapper.line, wrapper.key_lines = item.line, {"source": item.line}
    return wrapper
