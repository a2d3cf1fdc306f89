"""Keeping villagers' identifying numbers out of storage and logs.

Phone, ID-card and bank-card numbers are replaced before anything is stored
(messages, the user's state, unanswered questions, case notes and summaries)
and in every log line, so a database copy or an adviser's screen never
carries them in full. Numbers are found however they are typed: full-width
digits (１３８…), Chinese numerals (一三八 / 幺三八), and dots, dashes or runs
of spaces between the digits (138.1234.5678, 6222  0212 …).
"""

from __future__ import annotations

import logging
import re
import unicodedata

_CHINESE_DIGITS = {"〇": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
                   "六": "6", "七": "7", "八": "8", "九": "9"}
_SEPARATORS = " .-·\u3000"
#: A run of digits (and a final X of an ID number), with at most two separator characters between any two.
_RUN = re.compile(r"\+?\d(?:[ .\-·]{0,2}[\dX])+")
_ID_18 = re.compile(r"\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]")
_ID_15 = re.compile(r"\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")
_PHONE = re.compile(r"(?:86)?1[3-9]\d{9}")
ID, CARD, PHONE = "[身份证号]", "[银行卡号]", "[手机号]"


def _view(text: str) -> str:
    """`text` with one character per character: digits as ASCII digits, separators as themselves, X as X, the rest #."""
    view = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        folded = _CHINESE_DIGITS.get(folded, folded)
        if len(folded) == 1 and folded.isascii() and folded.isdigit():
            view.append(folded)
        elif folded in ("x", "X", "+"):
            view.append(folded.upper())
        elif folded in _SEPARATORS or char in _SEPARATORS:
            view.append(" " if folded.isspace() or char.isspace() else folded)
        else:
            view.append("#")
    return "".join(view)


def _kind(digits: str) -> str | None:
    """What a run of digits is, by its digits alone."""
    if _ID_18.fullmatch(digits) or _ID_15.fullmatch(digits):
        return ID
    if _PHONE.fullmatch(digits):
        return PHONE
    if "X" not in digits and 16 <= len(digits) <= 19:
        return CARD
    return None


def _parts(run: str) -> list[tuple[int, int]]:
    """(start, end) of the digit groups of a run, split at its separators."""
    return [(m.start(), m.end()) for m in re.finditer(r"[\dX]+", run)]


def _numbers(view: str) -> list[tuple[int, int, str]]:
    """(start, end, placeholder) of every identifying number in the view, left to right."""
    found = []
    for run in _RUN.finditer(view):
        digits = re.sub(r"[^\dX]", "", run[0])
        kind = _kind(digits)
        if kind:
            found.append((run.start(), run.end(), kind))
            continue
        # two numbers side by side ("13812345678 110101199003071234"): join groups left to right until one fits
        groups, start = _parts(run[0]), 0
        while start < len(groups):
            for end in range(len(groups), start, -1):
                joined = "".join(run[0][a:b] for a, b in groups[start:end])
                kind = _kind(joined)
                if kind:
                    found.append((run.start() + groups[start][0], run.start() + groups[end - 1][1], kind))
                    start = end
                    break
            else:
                start += 1
    return found


def redact(text: str) -> str:
    """`text` with phone, ID-card and bank-card numbers replaced by placeholders.

    >>> redact("我电话13812345678，卡号6222 0212 3456 7890 123")
    '我电话[手机号]，卡号[银行卡号]'
    >>> redact("电话１３８.1234.5678，幺三八一二三四五六七八")
    '电话[手机号]，[手机号]'
    """
    if not text:
        return text
    for start, end, placeholder in reversed(_numbers(_view(text))):
        text = text[:start] + placeholder + text[end:]
    return text


def redact_values(value):
    """A JSON-like value (the user's state) with every string in it redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_values(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """Masks phone, ID-card and bank-card numbers in every log record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def phone_numbers(text: str) -> list[str]:
    """The mobile numbers in `text`, as 11 ASCII digits, however they were typed (for a villager's own request
    to be called back; everything stored keeps them masked).

    >>> phone_numbers("请打给我：幺三八 1234 5678，谢谢")
    ['13812345678']
    """
    view = _view(text or "")
    return [re.sub(r"\D", "", view[start:end])[-11:] for start, end, kind in _numbers(view) if kind == PHONE]
