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
from pathlib import Path

from intents.faq import Faq, Group, Intent, Lexicon
from intents.faq_reader import IntentReader
from intents.out_of_scope import read_out_of_scope
from intents.problems import FaqError, Problem
from intents.triage_rules import read_triage
from intents.yaml_lines import UNREADABLE, LineDict, LineList, load_reported

#: The intents the bot, its flows and the evaluation sets rely on (shared/intents.md).
REQUIRED_INTENTS = frozenset(
    """legal_aid.eligibility legal_aid.apply legal_aid.criminal legal_aid.refused mediation.about
    mediation.apply mediation.agreement dispute.neighbor dispute.land fraud.scammed fraud.officials
    fraud.customer_service fraud.task_rebate fraud.loan fraud.investment_romance fraud.card_lending
    fraud.anti_fraud_tools fraud.elderly labor.wage labor.injury labor.contract family.divorce
    family.domestic_violence family.elder_support family.inheritance family.child_support civil.debt
    civil.traffic civil.consumer service.legal_hotline handoff.request chat.greeting chat.thanks
    chat.help family.bride_price family.marital_property dispute.homestead dispute.expropriation
    civil.lawsuit social.insurance civil.injury family.school_bullying""".split()
)
#: Files in faq/ that are not intent groups.
NOT_GROUP_FILES = frozenset({"places.yaml", "templates.yaml", "triage.yaml", "triage_examples.yaml", "out_of_scope.yaml",
                             "site.yaml"})

TELEGRAM_MESSAGE_LIMIT = 4096
PHONE_SIZED_ANSWER = 600


def _read_group(path: Path, problems: list[Problem], today: dt.date) -> tuple[Group | None, list[Intent]]:
    reader = IntentReader(path, problems)
    raw = load_reported(path, reader.error)
    if raw is UNREADABLE:
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
    openers: tuple[str, ...] = ()
    dialect_path = directory / "lexicon" / "dialect.yaml"
    if dialect_path.exists():
        reader = IntentReader(dialect_path, problems)
        raw = load_reported(dialect_path, reader.error)
        if raw is UNREADABLE:
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
        openers = reader.text_list(raw, "openers", listed="a list, one `- 你好` line each", entry="a word or phrase")
    terms_path = directory / "lexicon" / "terms.txt"
    terms: tuple[str, ...] = ()
    if terms_path.exists():
        lines = terms_path.read_text(encoding="utf-8").splitlines()
        terms = tuple(word for line in lines if (word := line.split("#")[0].strip()))
    return Lexicon(replace, particles, terms, openers)


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
    triage = read_triage(directory, problems, set(by_id))
    out_of_scope = read_out_of_scope(directory, problems)
    return Faq(by_id, tuple(groups), _read_lexicon(directory, problems), triage, out_of_scope), problems


def read_faq(directory: Path | str, *, strict: bool = False, today: dt.date | None = None) -> Faq:
    """The FAQ, or FaqError listing every error (and every warning too when `strict`)."""
    faq, problems = load_faq(directory, today=today)
    fatal = [problem for problem in problems if strict or problem.severity == "error"]
    if fatal:
        raise FaqError(fatal)
    return faq
