"""Turning what a villager typed into the canonical text the matcher compares.

The same question arrives as 遭騙了咋個辦！！！, 遭骗了咋个办 or 被骗了怎么办: this
module makes them one string. It runs on the FAQ examples at load time and on
every message, so both sides always agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from intents.faq import Lexicon

_KEEP_CATEGORIES = frozenset("LN")  # letters (CJK included) and digits; all else becomes a space


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


class Normaliser:
    """Callable: raw text -> canonical text (simplified, half-width, lower case, dialect rewritten).

    >>> Normaliser(Lexicon(replace={"咋个办": "怎么办", "遭骗": "被骗"}, particles="嘛"))("遭騙了咋個辦嘛！！！")
    '被骗了怎么办'
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
        # A start normalises the FAQ's examples for the intent model and again for the danger model, and a message
        # is normalised by the danger check and again by the matcher: recent texts are kept (bounded, per FAQ).
        self._recent = lru_cache(maxsize=8192)(self._normalised)

    def _canonical_script(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text)
        return self._converter.convert(text).casefold()

    def __call__(self, text: str) -> str:
        return self._recent(text)

    def _normalised(self, text: str) -> str:
        text = self.phrase(text)
        if self._particle_pattern:
            text = " ".join(self._particle_pattern.sub("", text).split())
        return text

    def phrase(self, text: str) -> str:
        """The canonical form of a word or phrase from a rule file: as `__call__`, but particles are kept
        (a pattern word such as 喝了 must still match inside 喝了农药)."""
        text = self._canonical_script(text)
        text = "".join(char if unicodedata.category(char)[0] in _KEEP_CATEGORIES else " " for char in text)
        if self._replace_pattern:
            text = self._replace_pattern.sub(lambda match: self._replace[match[0]], text)
        return " ".join(text.split())
