"""Write intents/data/pinyin.txt: which characters share a toneless pinyin syllable.

The matcher reads a word the FAQ never used as the FAQ word that sounds the
same (社宝 as 社保: `intents.sound_alike`), the commonest typo of pinyin input
and of voice-to-text. It needs only each character's commonest reading, so
it ships this small table instead of depending on pypinyin at run time.
Run it again (and commit the file) to take a newer pypinyin's readings:

    pip install pypinyin==0.55.0 && python tools/pinyin_table.py
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pypinyin import Style, __version__ as pypinyin_version, lazy_pinyin

TABLE = Path(__file__).resolve().parents[1] / "intents" / "data" / "pinyin.txt"
CJK = range(0x4E00, 0xA000)  # the CJK Unified Ideographs block: every character a villager's phone types


def syllables() -> dict[str, str]:
    """Toneless syllable -> the characters whose commonest reading it is, in code-point order."""
    table: dict[str, list[str]] = defaultdict(list)
    for point in CJK:
        character = chr(point)
        [reading] = lazy_pinyin(character, style=Style.NORMAL, errors="ignore") or [""]
        if reading.isascii() and reading.isalpha():
            table[reading].append(character)
    return {syllable: "".join(characters) for syllable, characters in sorted(table.items())}


def main() -> None:
    lines = [f"# toneless syllable, then the characters whose commonest reading it is (pypinyin {pypinyin_version};"
             " written by tools/pinyin_table.py)"]
    lines += [f"{syllable} {characters}" for syllable, characters in syllables().items()]
    TABLE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{TABLE}: {len(lines) - 1} syllables")


if __name__ == "__main__":
    main()
