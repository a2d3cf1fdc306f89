"""The FAQ as the rest of mingbai sees it: immutable intents, grouped by topic.

The YAML files admins edit are turned into these records by `intents.faq_loader`;
everything downstream (matcher, conversation, exports) reads only these.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

LANGUAGES = ("zh", "en")

DISCLAIMER = {
    "zh": "以上是一般性法律信息，不是针对您个人情况的法律意见；具体情况可拨打12348公共法律服务热线咨询。",
    "en": "This is general legal information, not advice on your own case; for that, call the 12348 public legal service hotline.",
}
BASIS_LABEL = {"zh": "依据：", "en": "Legal basis: "}
#: The reminder under the first, short bubble: the same message as DISCLAIMER, in one short line.
SHORT_DISCLAIMER = {
    "zh": "以上是一般法律信息，不是对您个人情况的法律意见；具体情况请打12348咨询。",
    "en": "General legal information, not advice on your own case; for that, call 12348.",
}
#: How much of the legal basis the first bubble shows; the full list is behind 「📖 详细说明」.
SHORT_BASIS_LIMIT = {"zh": 34, "en": 80}
SHORT_BASIS_ARTICLES = 3


@dataclass(frozen=True)
class Text:
    """The same words in Chinese and English."""

    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Deadline:
    """A time limit that runs against the villager, e.g. one year to apply for labour arbitration.

    `ask` is the question the calculator opens with when "when did it happen?"
    would get the wrong day (a worker's leaving date, a loan's repayment date);
    it lives here, beside the start rule it serves, so a legal reviewer edits both.
    """

    amount: int
    unit: str  # "day", "month" or "year"
    starts: Text
    source: Text
    exceptions: Text | None = None
    ask: Text | None = None

    @property
    def period(self) -> str:
        return f"{self.amount} {self.unit}{'s' if self.amount != 1 else ''}"


@dataclass(frozen=True)
class Intent:
    """One question the bot can answer, with everything needed to answer it."""

    id: str
    group: str
    title: Text
    examples: dict[str, tuple[str, ...]]
    answer: Text
    sources: tuple[Text, ...] = ()
    follow_ups: tuple[str, ...] = ()
    kind: str = "legal"
    urgent: bool = False
    handoff: str = "offer"
    reviewed_by: str = ""
    review_due: dt.date | None = None
    deadline: Deadline | None = None
    short: Text | None = None  # the first bubble: what to do now and who to call (faq/README.md)
    bring: Text | None = None  # 「要带什么」: the papers and evidence the answer names, as one list (faq/README.md)
    office: str | None = None  # the kind of office the answer sends the villager to (faq/places.yaml), named after it
    flow: str | None = None  # the guided check (faq/flows/<id>.yaml) its answer offers to start, with a button
    file: str = ""
    line: int = 0

    def full_answer(self, lang: str) -> str:
        """The answer as a villager reads it: the text, its legal basis, and the disclaimer."""
        parts = [self.answer(lang).strip()]
        if self.kind == "legal":
            separator = "；" if lang == "zh" else "; "
            basis = separator.join(source(lang) for source in self.sources)
            parts.append(f"{BASIS_LABEL[lang]}{basis}\n{DISCLAIMER[lang]}")
        return "\n\n".join(parts)

    def basis_list(self, lang: str) -> str:
        """「法律依据」: every source on a line of its own, and the reminder that this is general information."""
        lines = "\n".join(f"• {source(lang).strip()}" for source in self.sources)
        return f"{BASIS_LABEL[lang]}\n{lines}\n\n{DISCLAIMER[lang]}"

    def basis_line(self, lang: str) -> str:
        """The legal basis in one short line: the first laws and articles of `sources`, "等" when some are left out."""
        return f"{BASIS_LABEL[lang]}{short_basis(self.sources, lang)}"

    def first_bubble(self, lang: str) -> str:
        """What a villager reads first: `short` (or the whole answer, for chat intents and intents without one),
        then for a legal intent one basis line and the 12348 reminder. The full answer is `full_answer`."""
        if self.short is None:
            return self.full_answer(lang)
        parts = [self.short(lang).strip()]
        if self.kind == "legal":
            parts.append(f"{self.basis_line(lang)}\n{SHORT_DISCLAIMER[lang]}")
        return "\n\n".join(parts)


def short_basis(sources: tuple[Text, ...], lang: str) -> str:
    """Law names and their first articles, as many as fit SHORT_BASIS_LIMIT (always the first one)."""
    pieces = [piece.strip() for source in sources for piece in re.split(r"[；;]\s*", source(lang)) if piece.strip()]
    pieces = [re.sub(r"\s*[（(][^）)]*[）)]", "", _abbreviate(piece, lang)) for piece in pieces]  # no glosses
    kept: list[str] = []
    separator = "；" if lang == "zh" else "; "
    cut = False
    for piece in pieces:
        piece, trimmed = _first_articles(piece, lang)
        cut = cut or trimmed
        if kept and len(separator.join(kept + [piece])) > SHORT_BASIS_LIMIT[lang]:
            cut = True
            break
        if piece not in kept:
            kept.append(piece)
    more = "等" if lang == "zh" else " etc."
    return separator.join(kept) + (more if cut or len(kept) < len(dict.fromkeys(pieces)) else "")


def _abbreviate(piece: str, lang: str) -> str:
    """The Supreme People's Court's long titles shortened to 最高法司法解释 (the full title is in the details)."""
    if lang == "zh":
        return re.sub(r"《最高人民法院关于[^》]*》", "最高法司法解释", piece)
    return piece


def _first_articles(piece: str, lang: str) -> tuple[str, bool]:
    """A source with at most SHORT_BASIS_ARTICLES articles; True when some were left out."""
    if lang == "zh":
        items = piece.split("、")
        if len(items) > SHORT_BASIS_ARTICLES:
            return "、".join(items[:SHORT_BASIS_ARTICLES]), True
        return piece, False
    items = piece.split(", ")
    if len(items) > SHORT_BASIS_ARTICLES:
        return ", ".join(items[:SHORT_BASIS_ARTICLES]), True
    return piece, False


@dataclass(frozen=True)
class Group:
    """A topic group: one YAML file in faq/, shown as one entry of the topic menu."""

    id: str
    title: Text
    intent_ids: tuple[str, ...]
    file: str = ""


@dataclass(frozen=True)
class Lexicon:
    """What the matcher must know about how villagers write (faq/lexicon/)."""

    replace: dict[str, str] = field(default_factory=dict)  # dialect word or typo -> standard word
    particles: str = ""  # sentence particles that carry no meaning
    terms: tuple[str, ...] = ()  # legal terms the word splitter must keep whole
    openers: tuple[str, ...] = ()  # courtesy words that open a message (你好, 请问); one ending in ， only before a pause


@dataclass(frozen=True)
class OutOfScope:
    """Questions that are not ours (faq/out_of_scope.yaml): the matcher learns the "not ours" side from them."""

    legal: tuple[str, ...] = ()  # legal questions the FAQ does not cover: offer a person and 12348
    other: tuple[str, ...] = ()  # not legal questions: say what mingbai can help with


def _no_triage():
    from intents.triage_rules import TriageRules

    return TriageRules()


def _no_out_of_scope() -> OutOfScope:
    return OutOfScope()


@dataclass(frozen=True)
class Faq:
    """Every intent and group, plus the lexicon the matcher reads."""

    intents: dict[str, Intent]
    groups: tuple[Group, ...] = ()
    lexicon: Lexicon = field(default_factory=Lexicon)
    triage: "TriageRules" = field(default_factory=lambda: _no_triage())
    out_of_scope: "OutOfScope" = field(default_factory=lambda: _no_out_of_scope())

    def __getitem__(self, intent_id: str) -> Intent:
        return self.intents[intent_id]

    def __contains__(self, intent_id: object) -> bool:
        return intent_id in self.intents

    def __len__(self) -> int:
        return len(self.intents)

    def __iter__(self):
        return iter(self.intents.values())
