"""Reading and checking the FAQ files admins edit.

Admins are lawyers and clerks, not programmers, so every problem names the
file, the line and the field, and says what to do. `load_faq` never raises on
bad content: it returns what it could read plus the list of problems, and
`read_faq` refuses the whole FAQ if any problem is an error, so a broken edit
never replaces a working FAQ.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from intents.faq import LANGUAGES, Deadline, Faq, Group, Intent, Lexicon, Text
from intents.yaml_lines import LineDict, LineList, YamlError, load_yaml

#: The intents the bot, its flows and the evaluation sets rely on (shared/intents.md).
REQUIRED_INTENTS = frozenset(
    """legal_aid.eligibility legal_aid.apply legal_aid.criminal legal_aid.refused mediation.about
    mediation.apply mediation.agreement dispute.neighbor dispute.land fraud.scammed fraud.officials
    fraud.customer_service fraud.task_rebate fraud.loan fraud.investment_romance fraud.card_lending
    fraud.anti_fraud_tools fraud.elderly labor.wage labor.injury labor.contract family.divorce
    family.domestic_violence family.elder_support family.inheritance family.child_support civil.debt
    civil.traffic civil.consumer service.legal_hotline handoff.request chat.greeting chat.thanks
    chat.help""".split()
)
#: Files in faq/ that are not intent groups.
NOT_GROUP_FILES = frozenset({"places.yaml", "templates.yaml"})

TELEGRAM_MESSAGE_LIMIT = 4096
PHONE_SIZED_ANSWER = 600
MIN_EXAMPLES = {"zh": 20, "en": 5}
MAX_FOLLOW_UPS = 3
EMERGENCY_NUMBERS = ("110", "96110", "120")

INTENT_FIELDS = {
    "id", "title", "kind", "urgent", "handoff", "examples", "answer", "sources",
    "follow_ups", "reviewed_by", "review_due", "deadline",
}
KINDS = ("legal", "chat")
HANDOFF_POLICIES = ("offer", "priority", "start")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
PERIOD_PATTERN = re.compile(r"^\s*(\d+)\s*(day|month|year)s?\s*$")


@dataclass(frozen=True)
class Problem:
    """Something wrong in an FAQ file, as `file:line: message`."""

    file: str
    line: int
    message: str
    severity: str = "error"  # or "warning": reported, fatal only with --strict

    def __str__(self) -> str:
        suffix = " (warning)" if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {self.message}{suffix}"


class FaqError(Exception):
    """The FAQ has errors; `problems` lists them all. The previous FAQ should keep serving."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        listing = "\n".join(str(problem) for problem in problems)
        super().__init__(f"the FAQ has {len(problems)} problem(s):\n{listing}")


class _Reader:
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
        title = self.text(raw, "title", where)
        answer = self.text(raw, "answer", where)
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
        return Intent(
            id=intent_id, group=group_id, title=title, examples=examples, answer=answer,
            sources=sources, follow_ups=follow_ups, kind=kind, urgent=urgent, handoff=handoff,
            reviewed_by=reviewed_by or "", review_due=review_due, deadline=deadline,
            file=self.file, line=raw.line,
        )

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
        match = PERIOD_PATTERN.match(str(value.get("period", "")))
        if not match:
            self.error(value.line_of("period"), f"{where}.deadline.period: write a number and day(s), month(s) or year(s), e.g. `1 year`")
            return None
        starts = self.text(value, "from", f"{where}.deadline")
        source = self.text(value, "source", f"{where}.deadline")
        exceptions = self.text(value, "exceptions", f"{where}.deadline") if "exceptions" in value else None
        if starts is None or source is None:
            return None
        return Deadline(int(match[1]), match[2], starts, source, exceptions)

    def check_emergency_first(self, raw: LineDict, answer: Text, where: str) -> None:
        for lang in LANGUAGES:
            first_line = answer(lang).strip().splitlines()[0]
            if not any(number in first_line for number in EMERGENCY_NUMBERS):
                self.error(raw.line_of("answer"), f"{where}.answer.{lang}: an urgent answer must start with the emergency step (110 / 96110 / 120) on its first line")


def _wrap(item: LineDict) -> LineDict:
    """Present a bare {zh, en} item as the field `source`, so `_Reader.text` can check it."""
    wrapper = LineDict(source=item)
    wrapper.line, wrapper.key_lines = item.line, {"source": item.line}
    return wrapper


def _read_group(path: Path, problems: list[Problem], today: dt.date) -> tuple[Group | None, list[Intent]]:
    reader = _Reader(path, problems)
    try:
        raw = load_yaml(path)
    except YamlError as error:
        reader.error(error.line, error.message)
        return None, []
    if not isinstance(raw, LineDict) or not isinstance(raw.get("intents"), LineList):
        reader.error(getattr(raw, "line", 1), "an FAQ file needs `group:`, `title:` and an `intents:` list (see faq/README.md)")
        return None, []
    group_id = raw.get("group")
    if not isinstance(group_id, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", group_id):
        reader.error(raw.line_of("group"), f"`group:` must be a lower-case name such as `{path.stem}`")
        return None, []
    title = reader.text(raw, "title", f"group {group_id}")
    items = raw["intents"]
    intents = [
        intent
        for index, item in enumerate(items)
        if (intent := reader.intent(item, group_id, items.line_of(index), today)) is not None
    ]
    group = Group(group_id, title, tuple(intent.id for intent in intents), str(path)) if title else None
    return group, intents


def _example_key(text: str) -> str:
    """What makes two examples 'the same': case, width, spaces and punctuation ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if unicodedata.category(char)[0] in "LN")


def _check_across_files(intents: list[Intent], problems: list[Problem]) -> dict[str, Intent]:
    by_id: dict[str, Intent] = {}
    for intent in intents:
        if intent.id in by_id:
            first = by_id[intent.id]
            problems.append(Problem(intent.file, intent.line, f"{intent.id}: duplicate id, already defined at {first.file}:{first.line}"))
        else:
            by_id[intent.id] = intent
    owner_of_example: dict[str, Intent] = {}
    for intent in by_id.values():
        for lang, examples in intent.examples.items():
            for example in examples:
                key = _example_key(example)
                other = owner_of_example.setdefault(key, intent)
                if other.id != intent.id:
                    problems.append(Problem(intent.file, intent.line, f"{intent.id}.examples.{lang}: {example!r} is also an example of {other.id} ({other.file}:{other.line}); keep it in one intent"))
    for intent in by_id.values():
        for target in intent.follow_ups:
            if target not in by_id:
                problems.append(Problem(intent.file, intent.line, f"{intent.id}.follow_ups: {target!r} names no intent"))
        for lang in ("zh", "en"):
            length = len(intent.full_answer(lang))
            if length > TELEGRAM_MESSAGE_LIMIT:
                problems.append(Problem(intent.file, intent.line, f"{intent.id}.answer.{lang}: {length} characters with its legal basis; Telegram's limit is {TELEGRAM_MESSAGE_LIMIT}: shorten it"))
        if len(intent.answer.zh) > PHONE_SIZED_ANSWER and intent.kind == "legal":
            problems.append(Problem(intent.file, intent.line, f"{intent.id}.answer.zh: {len(intent.answer.zh)} characters; keep it under {PHONE_SIZED_ANSWER} to read on a phone", "warning"))
    return by_id


def _read_lexicon(directory: Path, problems: list[Problem]) -> Lexicon:
    replace: dict[str, str] = {}
    particles = ""
    dialect_path = directory / "lexicon" / "dialect.yaml"
    if dialect_path.exists():
        reader = _Reader(dialect_path, problems)
        try:
            raw = load_yaml(dialect_path)
        except YamlError as error:
            reader.error(error.line, error.message)
            return Lexicon()
        table = raw.get("replace") if isinstance(raw, LineDict) else None
        if not isinstance(table, LineDict):
            reader.error(getattr(raw, "line", 1), "needs a `replace:` mapping of `written: meaning` lines")
            return Lexicon()
        for written, meaning in table.items():
            if not isinstance(written, str) or not written or not isinstance(meaning, str):
                reader.error(table.line_of(written), f"replace: {written!r}: both sides must be text")
            else:
                replace[written] = meaning
        particles = "".join(str(raw.get("particles") or "").split())
    terms_path = directory / "lexicon" / "terms.txt"
    terms: tuple[str, ...] = ()
    if terms_path.exists():
        lines = terms_path.read_text(encoding="utf-8").splitlines()
        terms = tuple(word for line in lines if (word := line.split("#")[0].strip()))
    return Lexicon(replace, particles, terms)


def load_faq(directory: Path | str, *, today: dt.date | None = None) -> tuple[Faq, list[Problem]]:
    """Read every FAQ file under `directory`; return what loaded and every problem found."""
    directory = Path(directory)
    today = today or dt.date.today()
    problems: list[Problem] = []
    if not directory.is_dir():
        problems.append(Problem(str(directory), 0, "no such FAQ folder; set MINGBAI_FAQ_DIR or pass the folder"))
        return Faq({}), problems
    groups, intents = [], []
    for path in sorted(directory.glob("*.yaml")):
        if path.name in NOT_GROUP_FILES:
            continue
        group, group_intents = _read_group(path, problems, today)
        if group:
            groups.append(group)
        intents.extend(group_intents)
    by_id = _check_across_files(intents, problems)
    for missing in sorted(REQUIRED_INTENTS - set(by_id)):
        problems.append(Problem(str(directory), 0, f"required intent {missing} is defined in no file (see shared/intents.md)"))
    return Faq(by_id, tuple(groups), _read_lexicon(directory, problems)), problems


def read_faq(directory: Path | str, *, strict: bool = False, today: dt.date | None = None) -> Faq:
    """The FAQ, or FaqError listing every error (and every warning too when `strict`)."""
    faq, problems = load_faq(directory, today=today)
    fatal = [problem for problem in problems if strict or problem.severity == "error"]
    if fatal:
        raise FaqError(fatal)
    return faq
