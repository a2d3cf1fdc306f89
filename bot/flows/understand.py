"""Understanding what a villager types during a flow instead of pressing a button.

Villagers answer "每月两千", "一年三万", "莫得", "是的，吃低保" or just "2". This
module turns such text into an option or a number, and returns None when it
cannot be sure: re-asking is better than walking someone down the wrong branch.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from bot.flows.answers import AnswerWords
from bot.flows.model import Option, Step

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUMBER_RUN = re.compile(r"[\d.零〇一二两三四五六七八九十百千万]+")
PERIODS = (  # (pattern, months it covers); matched phrases are removed before reading the amount
    (re.compile(r"[每一1]?个?(年|年收入|年薪)|per year|a year|yearly|annual(ly)?"), 12.0),
    (re.compile(r"[每一1]?个?(月|月收入|月薪)|per month|a month|monthly"), 1.0),
    (re.compile(r"[每一1]?(天|日)|per day|a day|daily"), 1 / 30),
)
PEOPLE_SUFFIX = re.compile(r"([\d零〇一二两三四五六七八九十]+)\s*(口|个人|个|人|位|people|persons?)")
OPTION_NUMBER = re.compile(r"第?\s*(\d{1,2}|[一二三四五六七八九十])\s*(个|项|种|条)?")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def canonical(text: str) -> str:
    """Simplified script, half-width, lower case, punctuation as spaces: 「是的！」 and 是的 read alike."""
    text = _t2s().convert(unicodedata.normalize("NFKC", text)).casefold().replace("'", "")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"(?<=\d)\s*k\b", "千", text)
    text = re.sub(r"(?<=\d)\s*w\b", "万", text)
    kept = "".join(c if unicodedata.category(c)[0] in "LN" or c == "." else " " for c in text)
    kept = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", kept)  # a dot is kept only inside a number: 1.5万
    return " ".join(kept.split())


def _contains(text: str, word: str) -> bool:
    """Chinese words match anywhere; English words only as whole words ('no' is not in 'know')."""
    word = canonical(word)
    if not word:
        return False
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) is not None
    return word in text


def chinese_number(run: str) -> float | None:
    """'两千五' -> 2500, '1.5万' -> 15000, '三万五' -> 35000, '2000' -> 2000; None if it is no number."""
    total, section, digit, last_unit, zero_after_unit = 0.0, 0.0, None, 1, False
    for match in re.finditer(r"\d+(?:\.\d+)?|.", run):
        token = match[0]
        if token[0].isdigit():
            digit = float(token)
        elif token in DIGITS:
            zero_after_unit = zero_after_unit or token in "零〇"
            digit = DIGITS[token]
        elif token in UNITS and token != "万":
            section += (1 if digit is None else digit) * UNITS[token]
            digit, last_unit, zero_after_unit = None, UNITS[token], False
        elif token == "万":
            total += (section + (digit or 0) or 1) * 10000
            section, digit, last_unit, zero_after_unit = 0.0, None, 10000, False
        else:
            return None
    if digit is not None and last_unit >= 100 and digit < 10 and not zero_after_unit:
        digit *= last_unit / 10  # colloquial: 两千五 is 2500, not 2005
    value = total + section + (digit or 0)
    return value if any(c.isdigit() or c in DIGITS or c in UNITS for c in run) else None


def monthly_amount(text: str, words: AnswerWords) -> float | None:
    """Yuan per month from '每月两千', '2000块', '一年三万' (per month unless a year or day is named)."""
    text = canonical(text)
    months = 1.0
    for pattern, covers in PERIODS:
        if pattern.search(text):
            months = covers
            text = pattern.sub(" ", text)
            break
    values = [v for run in NUMBER_RUN.findall(text) if (v := chinese_number(run)) is not None]
    if values:
        return round(max(values) / months, 2)
    return 0.0 if any(_contains(text, word) for word in words.zero) else None


def people_count(text: str) -> int | None:
    """Household size from '3', '三口人', '一家五口', '4 people'."""
    text = canonical(text)
    counted = PEOPLE_SUFFIX.findall(text)
    runs = [run for run, _ in counted] or NUMBER_RUN.findall(text)
    values = [v for run in runs if (v := chinese_number(run)) is not None]
    return int(values[-1]) if values and values[-1] == int(values[-1]) else None


def yes_or_no(text: str, words: AnswerWords) -> str | None:
    """'yes' or 'no' from the earliest yes/no word ('我不是' -> no, '是的，没有工作' -> yes)."""
    text = canonical(text)
    best: tuple[int, int, str] | None = None
    for answer, listed in (("yes", words.yes), ("no", words.no)):
        for word in listed:
            pattern = rf"(?<![a-z]){re.escape(word)}(?![a-z])" if word.isascii() else re.escape(word)
            if found := re.search(pattern, text):
                candidate = (found.start(), -len(word), answer)
                best = candidate if best is None or candidate < best else best
    return best[2] if best else None


def pick_option(step: Step, text: str, words: AnswerWords) -> Option | None:
    """The option the text means, or None when no option, or more than one, fits."""
    text = canonical(text)
    if not text:
        return None
    if step.is_choice and (number := OPTION_NUMBER.fullmatch(text)):
        index = int(chinese_number(number[1]) or 0)
        return step.options[index - 1] if 1 <= index <= len(step.options) else None
    for option in step.options:
        names = (option.id, option.label.zh, option.label.en, *option.words)
        if any(text == canonical(name) for name in names):
            return option
    unsure = any(_contains(text, word) for word in words.unsure)
    if {option.id for option in step.options} == {"yes", "no"}:
        # "我不是低保户" names a yes-word (低保) but means no: the yes/no word decides first.
        if unsure:
            return None
        return step.option(yes_or_no(text, words) or "") or _best_containing(step, text)
    by_words = _best_containing(step, text)
    return None if by_words is None and unsure else by_words


def _best_containing(step: Step, text: str) -> Option | None:
    """The option whose word or label appears in the text, the longest match winning; a tie is unclear."""
    scored: dict[str, int] = {}
    for option in step.options:
        names = option.words if option.id in ("yes", "no") else (*option.words, option.label.zh, option.label.en)
        lengths = [len(canonical(name)) for name in names if _contains(text, name)]
        if lengths:
            scored[option.id] = max(lengths)
    if not scored:
        return None
    best = max(scored.values())
    winners = [option_id for option_id, length in scored.items() if length == best]
    return step.option(winners[0]) if len(winners) == 1 else None
