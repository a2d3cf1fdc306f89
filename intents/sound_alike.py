"""Reading a word the model never saw as the known word that sounds the same.

Pinyin input and voice-to-text both put the right sound in the wrong
characters: 剧绝 for 拒绝, 人宫 for 人工, 善样 for 赡养. Such a word is a
feature the model never learned, so it counts for nothing, and the question
loses its most telling word. The words the FAQ uses (jieba words, and the
same strings as character bigrams) are indexed by their toneless pinyin; an
unknown word or bigram with the same pinyin is read as that one, unless it
is a dictionary word of its own (发电 is no typo of 法典). A sound that
several known words share is read as the commonest only when it is clearly
the commonest (工伤, not the rarer 工商), else not at all.

Each character's commonest reading comes from intents/data/pinyin.txt
(written by tools/pinyin_table.py from pypinyin), so pypinyin is not needed
at run time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

PINYIN_TABLE = Path(__file__).resolve().parent / "data" / "pinyin.txt"
REPAIRED_KINDS = ("w:", "b:")  # words and bigrams; a single character's sound-alikes are too many to guess from
#: Of the known spellings of one sound, the commonest is read for an unknown one when it is in at least three times
#: as many training texts as the next (an IDF at least ln 3 lower): 社保 over the 社宝 one example has, 工伤 over 工商.
DOMINANCE = math.log(3)


@lru_cache(maxsize=1)
def readings(path: Path = PINYIN_TABLE) -> dict[int, str]:
    """A `str.translate` table: character -> its commonest toneless syllable and a space."""
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            syllable, characters = line.split(" ", 1)
            table.update(dict.fromkeys(map(ord, characters), syllable + " "))
    return table


def sound(text: str, table: dict[int, str]) -> str | None:
    """The toneless pinyin of `text` ('she bao '), or None if a character has no reading (Latin, digits)."""
    key = text.translate(table)
    return key if key.endswith(" ") and key.isascii() else None


class SoundAlikes:
    """Built from a model's feature names; `repair(feature)` names the known feature an unknown one sounds like."""

    def __init__(self, columns: dict[str, int], idf: np.ndarray, is_word: Callable[[str], bool],
                 rewritten: Mapping[str, str]):
        """`columns`: feature name -> column; `idf`: each column's inverse document frequency (rarer: higher);
        `is_word`: whether the dictionary knows a string as a word; `rewritten`: spelling -> meaning for what the
        normaliser rewrites, which no model sees. A spelling that sounds unlike its meaning (法援 -> 法律援助) makes
        its sound a guess between it and the FAQ's words (法源: 法援 or 法院?), so that sound is never repaired; a
        typo fix (善养 -> 赡养) sounds like what it means and changes nothing."""
        table, rarity = readings(), idf.tolist()
        # only into a word the FAQ uses, as a word or as a bigram: a bigram across two words (谁现) is no word's typo
        by_sound: dict[str, list[tuple[float, str]]] = {}
        for word in [name[2:] for name in columns if name.startswith("w:")]:
            if (key := sound(word, table)) is not None:
                for kind in REPAIRED_KINDS:
                    if (column := columns.get(kind + word)) is not None:
                        by_sound.setdefault(kind + key, []).append((rarity[column], kind + word))
        unseen = {kind + key for spelling, meaning in rewritten.items()
                  if (key := sound(spelling, table)) and key != sound(meaning, table) for kind in REPAIRED_KINDS}
        self._known: dict[str, str] = {}
        for key, spellings in by_sound.items():
            if key in unseen:
                continue
            spellings.sort()
            if len(spellings) == 1 or spellings[1][0] - spellings[0][0] >= DOMINANCE:
                self._known[key] = spellings[0][1]
        self._table = table
        self._is_word = is_word

    def repair(self, feature: str) -> str | None:
        """The one known feature that sounds like the unknown `feature`, or None."""
        if not feature.startswith(REPAIRED_KINDS) or self._is_word(feature[2:]):
            return None  # a real word (发电, 交往) the FAQ never used is no typo of one it did
        key = sound(feature[2:], self._table)
        return None if key is None else self._known.get(feature[:2] + key)
