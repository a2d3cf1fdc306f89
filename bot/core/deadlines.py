"""'算一算还有多久': when did it happen, and how long is left under an FAQ deadline.

Villagers answer "when did it happen?" the way they talk (去年三月, 三个月前,
去年年底, 2025.5.3), so `parse_when` reads the usual forms and returns None rather than
guess. Where a phrase covers a span (a month, 年底, 月底, 上半年, 一年多, 十几天) it
resolves to the *earliest* plausible day: an early date can only make the bot report
less time left, never more, and a villager wrongly told "4 months left" loses the claim.
So "2025年5月" is 1 May 2025, "去年年底" is 1 December of last year, "3月底" is 21 March
(下旬), "一年多前" is one day short of two years ago and "十几天前" is 19 days ago; the
answer then says the count started from that earliest day.

Lunar dates (腊月, 冬月, 正月, 农历三月, 过年) are never converted: the lunar year drifts
against the Gregorian one by up to a month, and a wrong month could hide a lost claim.
The calculator asks for the Gregorian date instead (`reply`).

What the calculator asks first comes from the FAQ (`Deadline.ask`), because only the
legal content knows which day starts the clock: the leaving date for a worker who has
left, the agreed repayment date for a loan.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import opencc

from bot.core.texts import text
from intents.faq import Deadline, Intent

_T2S = opencc.OpenCC("t2s")  # villagers' relatives' phones send traditional characters
_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_NUMERAL_RUN = re.compile("[零〇一二两三四五六七八九十]+")
_MONTHS_EN = "January February March April May June July August September October November December".split()
_WORDS_EN = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
#: One unit and half a unit as (months, days); half a week rounds up so the date stays early.
_UNITS = {"年": ((12, 0), (6, 0)), "月": ((1, 0), (0, 15)), "周": ((0, 7), (0, 4)), "天": ((0, 1), (0, 1))}
_UNIT_ALIASES = {"日": "天", "星期": "周", "礼拜": "周", "year": "年", "month": "月", "week": "周", "day": "天"}
_YEARS_BACK = {"大前年": 3, "前年": 2, "去年": 1, "今年": 0, "last year": 1, "this year": 0}
_DAYS_BACK_TABLE = {"大前天": 3, "前天": 2, "昨天": 1, "昨日": 1, "今天": 0,
                    "the day before yesterday": 2, "yesterday": 1, "today": 0}
_UNITS_ZH = {"day": "天", "month": "个月", "year": "年"}
_MONTHS_EN_SHORT = tuple(name[:3].lower() for name in _MONTHS_EN)

_FULL_DATE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*(?:年|[-./])\s*([0-9]{1,2})(?![0-9])\s*"
                        r"(?:月份?|[-./])?\s*(?:([0-9]{1,2})(?![0-9])\s*[日号]?)?")
_SHORT_YEAR = re.compile(r"(?<![0-9])([0-9]{2})\s*年\s*([0-9]{1,2})\s*月(?:\s*([0-9]{1,2})\s*[日号])?")
_YEAR_ONLY = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年")
_YEAR_WORD = re.compile(r"(大前年|前年|去年|今年|last year|this year)的?(?:([0-9]{1,2})月份?(?:([0-9]{1,2})[日号])?)?")
_MONTH_DAY = re.compile(r"(?<![0-9个])([0-9]{1,2})\s*月份?\s*([0-9]{1,2})\s*[日号]")
_MONTH = re.compile(r"(?<![0-9个])([0-9]{1,2})\s*月")
_AGO = re.compile(r"(?:(?P<n>[0-9]{1,3})(?P<more>多|几)?|(?P<vague>好几|几|多))?个?(?P<more2>多)?(?P<half>半)?个?"
                  r"(?P<unit>天|日|周|星期|礼拜|月|年)(?P<tail>多|半)?(?:以前|之前|前)")
_AGO_EN = re.compile(r"(?P<more>more than |over )?\b(?P<n>[0-9]{1,3}|an?|one|two|three|four|five|six|seven|"
                     r"eight|nine|ten|eleven|twelve|half a) (?P<unit>year|month|week|day)s? ago")
_THIS_OR_LAST = re.compile(r"(上个?月|这个?月|本月|last month|this month)(?:([0-9]{1,2})[日号])?"
                           r"|(上个?(?:周|星期|礼拜)|这个?(?:周|星期|礼拜)|本周|last week|this week)")
_DAYS_BACK = re.compile("|".join(sorted(_DAYS_BACK_TABLE, key=len, reverse=True)))
#: Lunar-calendar words: months, days, festivals. The bot asks for the Gregorian date instead of converting.
_LUNAR = re.compile(r"十冬腊月|腊月|冬月|正月|农历|阴历|旧历|老历|初[一二三四五六七八九十]|廿|过年|春节|除夕|大年|元宵|端午|"
                    r"中秋|重阳|腊八|小年|\blunar\b|chinese new year|spring festival")
#: Parts of a year as the month they start in; "年?" swallows the doubled 年 of 去年年底 and 2025年年初.
_YEAR_PART_MONTH = {"年底": 12, "年末": 12, "年尾": 12, "年根": 12, "年初": 1, "年头": 1, "年中": 6,
                    "上半年": 1, "下半年": 7}
_YEAR_PART = re.compile(f"年?({'|'.join(_YEAR_PART_MONTH)})")
#: Parts of a month as the day they start on: 上旬 1-10, 中旬 11-20, 下旬 (月底) 21 to the end.
_MONTH_PART_DAY = {"上旬": 1, "中旬": 11, "下旬": 21, "初": 1, "头": 1, "中": 11, "底": 21, "末": 21, "尾": 21}
_MONTH_PART = re.compile(f"((?<![0-9])[0-9]{{1,2}}月份?|上个?月|这个?月|本月|(?<!个)月)的?({'|'.join(_MONTH_PART_DAY)})")
_MONTH_EN = re.compile(r"\b(january|february|march|april|may|june|july|august|september|sept|october|"
                       r"november|december|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\b")


def _arabic(run: str) -> str:
    """二〇二五 -> 2025, 十二 -> 12, 二十 -> 20; anything odder is left as it was."""
    if "十" not in run:
        return "".join(str(_DIGITS[char]) for char in run)
    tens, _, units = run.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return run
    return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0))


def _normalise(text: str) -> str:
    """One script and one width: traditional characters and full-width digits read like the rest."""
    return _T2S.convert(unicodedata.normalize("NFKC", text)).lower()


def _lunar_word(normalised: str) -> str | None:
    """The lunar-calendar word a villager used (腊月, 农历, 过年...), or None."""
    match = _LUNAR.search(normalised)
    return match[0] if match else None


def _part_word(text: str) -> str | None:
    """The part of a year or month a villager named (年底, 上半年, 3月底...), to tell them it was counted early."""
    digits = _NUMERAL_RUN.sub(lambda match: _arabic(match[0]), _normalise(text))
    if match := _YEAR_PART.search(digits):
        return match[1]
    match = _MONTH_PART.search(digits)
    return match[0] if match else None


def _month_part(match: re.Match, today: dt.date) -> str:
    """'3月底' -> '3月21日'; a bare '月底' is the latest one that has come (this month's or last month's)."""
    month, day = match[1], _MONTH_PART_DAY[match[2]]
    if month == "月":
        month = "这个月" if today.day >= day else "上个月"
    return f"{month}{day}日"


def _prepare(text: str, today: dt.date) -> str:
    """Digits for Chinese numerals, and parts of years and months (年底, 月初) as their earliest day."""
    text = _NUMERAL_RUN.sub(lambda match: _arabic(match[0]), _normalise(text))
    text = _YEAR_PART.sub(lambda match: f"年{_YEAR_PART_MONTH[match[1]]}月", text)  # 去年年底 -> 去年12月
    return _MONTH_PART.sub(lambda match: _month_part(match, today), text)


def shift_months(day: dt.date, months: int) -> dt.date:
    """Move by whole months; a day the target month lacks becomes its last day (Jan 31 + 1 month = Feb 28)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def _past(year: int, month: int, day: int | None, today: dt.date) -> dt.date | None:
    """A date with its year given: None if it is impossible or still to come."""
    day = 1 if day is None else day
    if not (1900 <= year <= today.year and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return dt.date(year, month, day) if dt.date(year, month, day) <= today else None


def _recent(month: int, day: int | None, today: dt.date) -> dt.date | None:
    """A month (and day) said without a year: this year's, or last year's if that is still to come."""
    return _past(today.year, month, day, today) or _past(today.year - 1, month, day, today)


def _ago(n: int, unit: str, half: bool, more: bool, today: dt.date) -> dt.date | None:
    """n units (plus half a unit) back; 'more than n' reaches back to just short of the next step."""
    (months, days), (half_months, half_days) = _UNITS[_UNIT_ALIASES.get(unit, unit)]
    if more:
        n += 10 if n >= 10 and n % 10 == 0 else 1
    total_months, total_days = n * months + half * half_months, n * days + half * half_days
    if total_months > 1200 or total_days > 36500:
        return None
    return shift_months(today, -total_months) - dt.timedelta(days=total_days - more)


def _from_ago(match: re.Match, today: dt.date) -> dt.date | None:
    if match["vague"] or not (match["n"] or match["half"]):
        return None  # 几天前, 多年前, 过年前: no number to count with
    more = bool(match["more"] or match["more2"] or match["tail"] == "多")
    half = bool(match["half"] or match["tail"] == "半")
    return _ago(int(match["n"] or 0), match["unit"], half, more, today)


def _from_ago_en(match: re.Match, today: dt.date) -> dt.date | None:
    n, half = match["n"], match["n"] == "half a"
    count = 0 if half else int(n) if n.isdigit() else _WORDS_EN[n]
    return _ago(count, match["unit"], half, bool(match["more"]), today)


def _from_this_or_last(match: re.Match, today: dt.date) -> dt.date | None:
    last = (match[1] or match[3]).startswith(("上", "last"))
    if match[1]:
        start = shift_months(today.replace(day=1), -1 if last else 0)
        return _past(start.year, start.month, match[2] and int(match[2]), today)
    return today - dt.timedelta(days=today.weekday() + (7 if last else 0))


def _from_month_en(match: re.Match, today: dt.date) -> dt.date | None:
    text, month = match.string, _MONTHS_EN_SHORT.index(match[1][:3]) + 1
    year = re.search(r"\b((?:19|20)[0-9]{2})\b", text)
    day = re.search(r"\b([0-9]{1,2})(?:st|nd|rd|th)?\b", text)
    if year:
        return _past(int(year[1]), month, day and int(day[1]), today)
    return _recent(month, int(day[1]), today) if day else None


#: Tried in order; the first pattern found decides, even when what it found is impossible.
_RULES = (
    (_FULL_DATE, lambda m, today: _past(int(m[1]), int(m[2]), m[3] and int(m[3]), today)),
    (_SHORT_YEAR, lambda m, today: _past(2000 + int(m[1]), int(m[2]), m[3] and int(m[3]), today)),
    (_YEAR_ONLY, lambda m, today: _past(int(m[1]), 1, 1, today)),
    (_YEAR_WORD, lambda m, today: _past(today.year - _YEARS_BACK[m[1]], int(m[2] or 1), m[3] and int(m[3]), today)),
    (_MONTH_DAY, lambda m, today: _recent(int(m[1]), int(m[2]), today)),
    (_AGO, _from_ago),
    (_AGO_EN, _from_ago_en),
    (_THIS_OR_LAST, _from_this_or_last),
    (_DAYS_BACK, lambda m, today: today - dt.timedelta(days=_DAYS_BACK_TABLE[m[0]])),
    (_MONTH_EN, _from_month_en),
    (_MONTH, lambda m, today: _recent(int(m[1]), None, today)),
)


def parse_when(text: str, today: dt.date) -> dt.date | None:
    """The day something happened, from how a villager said it; None when it cannot be told.

    Month-only answers resolve to the 1st, year-only answers to 1 January and 年底
    to 1 December (the earliest plausible day, see the module docstring). Dates in
    the future and lunar dates are None.
    """
    if _lunar_word(_normalise(text)):
        return None  # a lunar month read as a Gregorian one could be a month off
    prepared = _prepare(text, today)
    for pattern, read in _RULES:
        if match := pattern.search(prepared):
            return read(match, today)
    return None


@dataclass(frozen=True)
class TimeLeft:
    """Where a villager stands against a deadline: its last day, and how far away that is."""

    ends: dt.date  # the last day on which acting is still in time
    days_left: int  # negative when passed
    status: str  # "ok", "close" or "passed"


def time_left(deadline: Deadline, happened: dt.date, today: dt.date) -> TimeLeft:
    """Count the period like a calendar: 1 year from 3 May ends on 3 May, from 29 Feb on 28 Feb.

    The day it happened does not count and the corresponding day of the end month
    is the last day, as Civil Code arts. 201-202 say (shared/laws); a missing day
    (31 Jan + 1 month) becomes the month's last day. "Close" means within 30 days,
    or 7 for periods under 90 days, where 30 days would always be "close".
    """
    months = deadline.amount * {"day": 0, "month": 1, "year": 12}[deadline.unit]
    ends = shift_months(happened, months) if months else happened + dt.timedelta(days=deadline.amount)
    days_left = (ends - today).days
    close_within = 7 if (ends - happened).days < 90 else 30
    status = "passed" if days_left < 0 else "close" if days_left <= close_within else "ok"
    return TimeLeft(ends, days_left, status)


def _date(day: dt.date, lang: str) -> str:
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}" if lang == "en" else f"{day.year}年{day.month}月{day.day}日"


def _period(deadline: Deadline, lang: str) -> str:
    return deadline.period if lang == "en" else f"{deadline.amount}{_UNITS_ZH[deadline.unit]}"


def _span(days: int, lang: str) -> str:
    """'大约4个月（128天）': months rounded down, so the rough figure never overstates."""
    if days < 60:
        return f"{days} days" if lang == "en" else f"{days}天"
    years, months = divmod(int(days / 30.4375), 12)
    if lang == "en":
        parts = [f"{years} year{'s' * (years > 1)}" * bool(years), f"{months} month{'s' * (months > 1)}" * bool(months)]
        return f"about {' '.join(part for part in parts if part)} ({days} days)"
    return f"大约{f'{years}年' * bool(years)}{f'{months}个月' * bool(months)}（{days}天）"




def describe(intent: Intent, happened: dt.date, today: dt.date, lang: str, part: str | None = None) -> str:
    """The answer to '算一算还有多久': the rule as the FAQ states it, the count, and why to double-check.

    Every legal fact comes from `intent.deadline`, so the text can only be as
    right as the reviewed FAQ; the caveat is always there because the villager's
    own start date and exceptions are exactly what the bot cannot know. `part` is
    the span word the villager used (年底, 月初), said to have been counted from its
    earliest day so they can give the exact one.
    """
    deadline = intent.deadline
    if deadline is None:
        raise ValueError(f"{intent.id} has no deadline to count")
    left = time_left(deadline, happened, today)
    rule = text("deadline_rule", lang, period=_period(deadline, lang), source=deadline.source(lang),
                starts=deadline.starts(lang))
    lines = [text("deadline_title", lang), rule]
    if deadline.exceptions:
        lines.append(text("deadline_exceptions", lang, exceptions=deadline.exceptions(lang)))
    lines.append(text("deadline_ends", lang, happened=_date(happened, lang), ends=_date(left.ends, lang)))
    if part:
        lines.append(text("deadline_part", lang, word=part, happened=_date(happened, lang)))
    if left.status == "passed":
        lines += [text("deadline_passed", lang, span=_span(-left.days_left, lang)), text("deadline_act", lang)]
    else:
        lines.append(text("deadline_today", lang) if left.days_left == 0
                     else text("deadline_left", lang, span=_span(left.days_left, lang)))
        if left.status == "close":
            lines.append(text("deadline_close", lang))
    lines.append(text("deadline_caveat", lang))
    return "\n".join(lines)


#: Answers that mean "stop asking me": every prompt promises 退出 works as a plain word, not only /cancel.
_LEAVING = frozenset({"退出", "取消", "算了", "不算了", "不用算了", "不用了", "不要了", "不想算了", "cancel", "stop", "quit", "exit"})


@dataclass(frozen=True)
class Step:
    """The calculator's reply to one answer: "counted" ends the question; "lunar" and "unclear" ask again."""

    kind: str  # "counted", "lunar" or "unclear"
    text: str

    @property
    def done(self) -> bool:
        return self.kind == "counted"


def _asking(key: str, lang: str, **values: str) -> str:
    return text(f"deadline_{key}", lang, **values)


def _question(intent: Intent, lang: str) -> str:
    """The FAQ's own question where the start day is not 'when it happened', else the general one."""
    deadline = intent.deadline
    return deadline.ask(lang) if deadline and deadline.ask else _asking("ask", lang)


def ask(intent: Intent, lang: str) -> str:
    """What the calculator says when opened: the question, forms it understands, and how to leave."""
    return "\n".join((_question(intent, lang), _asking("examples", lang), _asking("leave", lang)))


def is_leaving(message: str) -> bool:
    """True for 退出, 算了, cancel...: the villager wants out of the calculator, not to give a date."""
    return re.sub(r"[\s\W]+", "", _normalise(message)) in _LEAVING


def reply(intent: Intent, message: str, today: dt.date, lang: str) -> Step:
    """The answer to what the villager wrote when asked for the date: the count, or the question again and why.

    A lunar date gets its own request for the Gregorian one (never a guess); anything
    else unread repeats the FAQ's question, so a worker who has not left reads again
    that the year does not run, and every repeat says how to leave.
    """
    lunar = _lunar_word(_normalise(message))
    if lunar:
        return Step("lunar", "\n".join((_asking("lunar", lang, word=lunar), _asking("leave", lang))))
    happened = parse_when(message, today)
    if happened is None:
        lines = (_asking("unclear", lang), _question(intent, lang), _asking("examples", lang), _asking("vague", lang),
                 _asking("leave", lang))
        return Step("unclear", "\n".join(lines))
    return Step("counted", describe(intent, happened, today, lang, part=_part_word(message)))
