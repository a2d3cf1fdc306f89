"""Danger triage: does this message need the emergency number before anything else?

Run on every message, in every state, before matching. The rules are data
(faq/triage.yaml, read by `intents.triage_rules`): figures of speech are taken
out first (气死了, 打电话), then each kind's patterns are tried in the file's
order. A hit in a clause that tells a past story (去年他打过我) is skipped unless
that clause also says it is happening now. Patterns and messages go through the
same normaliser, so 遭打 / 被打 and traditional characters count alike.

Patterns miss the wordings nobody wrote down, so a small learned model
(`intents.classifier`, trained on faq/triage_examples.yaml with its
look-alikes) stands beside them: a message it gives the kinds together at
least `learned_from` probability counts as the likeliest of them (a story of
an empty pill bottle beside a girl who won't wake is poison or self-harm, and
either way an emergency). Either may raise the alarm; when in doubt, lean to
safety.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intents.classifier import TextClassifier
from intents.features import FeatureExtractor
from intents.normalise import Normaliser
from intents.triage_rules import GAP, NOT_DANGER, DangerKind, TriageRules

_WORD_LIST = re.compile(r"\{([a-z_]+)\}")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z0-9]")
ORDINARY_WEIGHT = 0.5  # an FAQ example counts half as much as a written look-alike
FIGURE_WEIGHT = 0.25  # a figure of speech of triage.yaml, a few characters long, counts a quarter


def _whole_words(option: str, regex: str) -> str:
    """An option that starts or ends with an English letter matches whole words there: `ate` is not in `create`."""
    written = option.strip().lower()
    return "".join(((r"(?<![a-z0-9])" if _LATIN.match(written[:1]) else ""), regex,
                    (r"(?![a-z0-9])" if _LATIN.match(written[-1:]) else "")))


@dataclass(frozen=True)
class Danger:
    """A detected emergency: its kind and the evidence (`mingbai match --explain`, the adviser's card)."""

    kind: DangerKind
    pattern: str
    matched: str

    def __repr__(self) -> str:
        return f"Danger({self.kind.id!r}, pattern={self.pattern!r}, matched={self.matched!r})"


class Triage:
    """Callable: raw message -> Danger or None. Built once per FAQ; read-only afterwards."""

    def __init__(self, rules: TriageRules, normalise: Normaliser, features: FeatureExtractor | None = None,
                 ordinary: tuple[str, ...] = ()):
        """`ordinary`: messages known to need no emergency step (the FAQ's non-urgent examples, the out-of-scope
        list); the model learns them as look-alikes too, so a weather question cannot sound like a crisis."""
        self._normalise = normalise
        self._learned_from = rules.learned_from
        self._model = self._train(rules, features, ordinary) if features and rules.examples else None
        self._safe_from = rules.safe_from
        self._safe_column = self._model.labels.index(NOT_DANGER) if self._model and NOT_DANGER in self._model.labels else None
        self._gap, self._gap_words = rules.gap, rules.gap_words
        self._figures = self._alternation(rules.figures_of_speech)
        self._past = self._alternation(rules.past)
        self._now = self._alternation(rules.now)
        self._intention = self._alternation(rules.intention)
        self._kinds = [
            (kind, [(pattern, self._compile(pattern, rules.words or {})) for pattern, _ in kind.patterns])
            for kind in rules.kinds
        ]

    def kind(self, kind_id: str) -> DangerKind | None:
        return next((kind for kind, _ in self._kinds if kind.id == kind_id), None)

    def __call__(self, message: str) -> Danger | None:
        whole = text = self._normalise(message)
        if self._figures:
            text = self._figures.sub(" ", text)
        probabilities = self._model.probabilities([whole])[0] if self._model is not None and whole.strip() else None
        if self._safe(probabilities) < self._safe_from:  # the model may overrule a pattern only when it is very sure
            for kind, patterns in self._kinds:
                for written, pattern in patterns:
                    for hit in pattern.finditer(text):
                        if not self._told_as_past(text, hit.start(), hit.end()):
                            return self._intended(kind, text, hit.start()) or Danger(kind, written, hit[0])
        return self._learned(whole, probabilities)  # the model learned from whole messages, figures of speech included

    def _intended(self, kind: DangerKind, text: str, start: int) -> Danger | None:
        """想喝农药 is an intention, not a deed: a hit right after an intention word is that kind's `if_intended`."""
        target = self.kind(kind.if_intended) if kind.if_intended else None
        if target and self._intention and self._intention.search(text[max(0, start - 3):start]):
            return Danger(target, "intention", text[max(0, start - 3):start + 6])
        return None

    def _train(self, rules: TriageRules, features: FeatureExtractor, ordinary: tuple[str, ...]) -> TextClassifier | None:
        texts, labels, weights = [], [], []
        for label, messages in (rules.examples or {}).items():
            texts += [self._normalise(message) for message in messages]
            labels += [label] * len(messages)
            weights += [1.0] * len(messages)
        if len(set(labels)) < 2:
            return None
        texts += [self._normalise(message) for message in ordinary]
        labels += [NOT_DANGER] * len(ordinary)
        weights += [ORDINARY_WEIGHT] * len(ordinary)
        # the figures of speech (气得我想死, 笑死) are look-alikes by definition, learned lightly: at full weight 打死也不
        # taught the model that 我要被打死了 was safe
        texts += [self._normalise(figure) for figure in rules.figures_of_speech]
        labels += [NOT_DANGER] * len(rules.figures_of_speech)
        weights += [FIGURE_WEIGHT] * len(rules.figures_of_speech)
        return TextClassifier(features, regularisation=10.0).fit(texts, labels, weights)

    def _safe(self, probabilities) -> float:
        """How sure the model is that the message is no emergency (0 without a model or look-alikes)."""
        return 0.0 if probabilities is None or self._safe_column is None else float(probabilities[self._safe_column])

    def _learned(self, text: str, probabilities) -> Danger | None:
        danger = 1 - self._safe(probabilities)
        if probabilities is None or danger < self._learned_from:
            return None
        kinds = [(float(p), label) for label, p in zip(self._model.labels, probabilities, strict=True) if label != NOT_DANGER]
        likeliest, label = max(kinds)
        return Danger(self.kind(label), f"learned ({likeliest:.2f} of {danger:.2f})", text[:40])

    def _told_as_past(self, text: str, start: int, end: int) -> bool:
        """True when the clause around a hit talks about the past and not about now."""
        if not _CJK.search(text[start:end]):  # English: spaces separate words, not clauses
            clause_start, clause_end = 0, -1
        else:
            clause_start = text.rfind(" ", 0, start) + 1
            clause_end = text.find(" ", end)
        clause = text[clause_start: len(text) if clause_end < 0 else clause_end]
        before = text[max(0, clause_start - 12): clause_start]  # "去年 他打过我": the marker may stand just before
        past = bool(self._past and (self._past.search(clause) or self._past.search(before)))
        return past and not (self._now and self._now.search(clause))

    def _phrase(self, word: str) -> str:
        return re.escape(self._normalise.phrase(word))

    def _alternation(self, words) -> re.Pattern | None:
        phrases = sorted({self._normalise.phrase(word) for word in words if word.strip()} - {""}, key=len, reverse=True)
        return re.compile("|".join(re.escape(phrase) for phrase in phrases)) if phrases else None

    def _compile(self, pattern: str, words: dict[str, tuple[str, ...]]) -> re.Pattern:
        pieces = []
        for piece in pattern.split(GAP):
            options = []
            for option in piece.split("|"):
                if not option.strip():
                    continue
                parts = _WORD_LIST.split(option)  # text, list name, text, list name, ...
                regex = "".join(
                    "(?:" + "|".join(self._phrase(w) for w in sorted(words.get(part, ()), key=len, reverse=True)) + ")"
                    if index % 2 else self._phrase(part)
                    for index, part in enumerate(parts) if part
                )
                options.append(_whole_words(option, regex))
            pieces.append("(?:" + "|".join(options) + ")")
        # Chinese: up to `gap` characters inside one clause; English (a space between Latin letters): up to
        # `gap_words` whole words, since the normaliser drops English punctuation and words, not characters, count
        english = rf"(?<=[a-z0-9]) (?:[a-z0-9]+ ){{0,{self._gap_words}}}(?=[a-z0-9])"
        return re.compile(f"(?:[^ ]{{0,{self._gap}}}?|{english})".join(pieces))
