"""Turning what a villager typed into the canonical text the matcher compares.

The same question arrives as 遭騙了咋個辦！！！, 遭骗了咋个办 or 被骗了怎么办: this
module makes them one string. It runs on the FAQ examples at load time and on
every message, so both sides always agree.

Courtesy openers (你好律师，请问…) are dropped from the start of a message that
says something after them: they name no topic, yet a model that learned 你好
as the greeting intent would let them outweigh a short question behind them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from intents.faq import Lexicon

_KEEP_CATEGORIES = frozenset("LN")  # letters (CJK included) and digits; all else becomes a space
MIN_AFTER_OPENERS = 2  # characters that must follow the openers for them to be dropped


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def shared_normaliser(lexicon: Lexicon) -> Normaliser:
    """The one Normaliser of this lexicon in this process: a reload of the FAQ that kept its lexicon (an admin added
    an example) finds every unchanged text already normalised instead of redoing the ~7,000 (a third of a start
    from cached models)."""
    # the replacements in their file order, as Normaliser reads them: the first of two spellings of a word wins
    return _normaliser_of(tuple(lexicon.replace.items()), lexicon.particles, lexicon.terms, lexicon.openers)


@lru_cache(maxsize=4)
def _normaliser_of(replace: tuple[tuple[str, str], ...], particles: str, terms: tuple[str, ...],
                   openers: tuple[str, ...]) -> Normaliser:
    return Normaliser(Lexicon(dict(replace), particles, terms, openers))


class Normaliser:
    """Callable: raw text -> canonical text (simplified, half-width, lower case, dialect rewritten).

    >>> Normaliser(Lexicon(replace={"咋个办": "怎么办", "遭骗": "被骗"}, particles="嘛"))("遭騙了咋個辦嘛！！！")
    '被骗了怎么办'
    >>> opening = Normaliser(Lexicon(openers=("你好", "请问", "律师，")))
    >>> opening("你好律师，请问工伤咋认定"), opening("律师费谁出"), opening("你好！")
    ('工伤咋认定', '律师费谁出', '你好')
    """

    def __init__(self, lexicon: Lexicon):
        self._converter = _traditional_to_simplified()
        # Keys are matched in their simplified form, so an admin may write either script.
        table: dict[str, str] = {}
        for written, meaning in lexicon.replace.items():
            table.setdefault(self._canonical_script(written), self._canonical_script(meaning))
        self._replace = table
        self._replace_pattern = (
            re.compile("|".join(re.escape(key) for key in sorted(table, key=len, reverse=True)))
            if table
            else None
        )
        particles = "".join(sorted(set(lexicon.particles)))
        # A particle ends a clause: drop it before a space, the end, or another particle.
        self._particle_pattern = (
            re.compile(f"[{re.escape(particles)}]+(?=\\s|$)") if particles else None
        )
        self._opener_pattern = self._openers(lexicon.openers)
        # A start normalises the FAQ's examples for the intent model and again for the danger model, and a message
        # is normalised by the danger check and again by the matcher: recent texts are kept (bounded; the FAQ's
        # ~7,000 and the recent messages, for as long as the lexicon is unchanged: see `shared_normaliser`).
        self._recent = lru_cache(maxsize=16384)(self._normalised)

    def _openers(self, openers: tuple[str, ...]) -> re.Pattern | None:
        """A run of openers at the start; one written with a trailing ， (律师，) only before a pause, so that
        律师费 keeps its 律师. Latin openers (hello) always need a pause after them."""
        alternatives = []
        for written in sorted(openers, key=len, reverse=True):
            canonical = self.phrase(written)
            if not canonical:
                continue
            needs_pause = unicodedata.category(written[-1]).startswith("P") or canonical.isascii()
            alternatives.append(re.escape(canonical) + (r"(?=\s|$)" if needs_pause else ""))
        return re.compile(f"^(?:(?:{'|'.join(alternatives)})\\s*)+") if alternatives else None

    def _canonical_script(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text)
        return self._converter.convert(text).casefold()

    def __call__(self, text: str) -> str:
        return self._recent(text)

    def _normalised(self, text: str) -> str:
        text = self.phrase(text)
        if self._particle_pattern:
            text = " ".join(self._particle_pattern.sub("", text).split())
        if self._opener_pattern:
            rest = self._opener_pattern.sub("", text, count=1)
            if len(rest.replace(" ", "")) >= MIN_AFTER_OPENERS:  # an opener alone is a greeting: kept
                text = rest
        return text

    def phrase(self, text: str) -> str:
        """The canonical form of a word or phrase from a rule file: as `__call__`, but particles are kept
        (a pattern word such as 喝了 must still match inside 喝了农药)."""
        text = self._canonical_script(text)
        text = "".join(char if unicodedata.category(char)[0] in _KEEP_CATEGORIES else " " for char in text)
        if self._replace_pattern:
            text = self._replace_pattern.sub(lambda match: self._replace[match[0]], text)
        return " ".join(text.split())
