"""'算一算还有多久': the bot understands when it happened and counts the time left honestly."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.deadlines import TimeLeft, describe, parse_when, time_left
from intents.faq import Deadline, Text

TODAY = dt.date(2026, 3, 15)  # a Sunday
D = dt.date


@pytest.mark.parametrize(
    "said, expected",
    [
        ("2025年5月3日", D(2025, 5, 3)),
        ("2025年5月", D(2025, 5, 1)),
        ("2025-05-03", D(2025, 5, 3)),
        ("2025.5.3", D(2025, 5, 3)),
        ("2025/5/3", D(2025, 5, 3)),
        ("二〇二五年五月三日", D(2025, 5, 3)),
        ("25年5月", D(2025, 5, 1)),
        ("5月3号", D(2025, 5, 3)),  # May is still to come this year, so last year's
        ("3月2号", D(2026, 3, 2)),
        ("3月", D(2026, 3, 1)),
        ("五月份", D(2025, 5, 1)),
        ("去年三月", D(2025, 3, 1)),
        ("去年底", D(2025, 12, 1)),
        ("前年", D(2024, 1, 1)),
        ("今年二月", D(2026, 2, 1)),
        ("上个月", D(2026, 2, 1)),
        ("上个月5号", D(2026, 2, 5)),
        ("三个月前", D(2025, 12, 15)),
        ("3个月前", D(2025, 12, 15)),
        ("一个多月前", D(2026, 1, 16)),
        ("半年前", D(2025, 9, 15)),
        ("一年半以前", D(2024, 9, 15)),
        ("一年多前", D(2024, 3, 16)),  # anything short of two years: the earliest plausible day
        ("两年前", D(2024, 3, 15)),
        ("昨天", D(2026, 3, 14)),
        ("前天", D(2026, 3, 13)),
        ("大前天", D(2026, 3, 12)),
        ("上周", D(2026, 3, 2)),  # Monday of last week
        ("两周前", D(2026, 3, 1)),
        ("十几天前", D(2026, 2, 24)),  # up to 19 days
        ("10天前", D(2026, 3, 5)),
        ("我是去年3月份离职的，老板一直不给钱", D(2025, 3, 1)),
        ("遭拖欠都半年前的事了", D(2025, 9, 15)),
    ],
)
def test_chinese_ways_of_saying_when(said, expected):
    assert parse_when(said, TODAY) == expected


@pytest.mark.parametrize(
    "said, expected",
    [
        ("兩年前", D(2024, 3, 15)),  # traditional characters
        ("三個月前", D(2025, 12, 15)),
        ("上個禮拜", D(2026, 3, 2)),
        ("２０２５年５月３日", D(2025, 5, 3)),  # full-width digits
        ("３個月前", D(2025, 12, 15)),
    ],
)
def test_traditional_characters_and_full_width_digits(said, expected):
    assert parse_when(said, TODAY) == expected


@pytest.mark.parametrize(
    "said, expected",
    [
        ("March 2025", D(2025, 3, 1)),
        ("May 3, 2025", D(2025, 5, 3)),
        ("2025-05-03", D(2025, 5, 3)),
        ("3 months ago", D(2025, 12, 15)),
        ("two years ago", D(2024, 3, 15)),
        ("over a year ago", D(2024, 3, 16)),
        ("yesterday", D(2026, 3, 14)),
        ("last month", D(2026, 2, 1)),
    ],
)
def test_english_ways_of_saying_when(said, expected):
    assert parse_when(said, TODAY) == expected


def test_a_month_not_yet_reached_this_year_means_last_year():
    assert parse_when("3月", D(2026, 2, 10)) == D(2025, 3, 1)


@pytest.mark.parametrize(
    "said",
    ["不晓得", "好久了", "几天前", "多年前", "过年前", "", "   ", "hello", "2027年5月", "2025年2月30日", "13月", "5月0号"],
)
def test_what_cannot_be_told_is_none_not_a_guess(said):
    assert parse_when(said, TODAY) is None


@given(st.text())
@settings(max_examples=400, deadline=None)
def test_parse_when_never_raises_and_never_returns_the_future(text):
    found = parse_when(text, TODAY)
    assert found is None or found <= TODAY


def rule(amount: int, unit: str) -> Deadline:
    return Deadline(amount, unit, Text("起算", "from"), Text("《某法》第1条", "Some Law art. 1"))


@pytest.mark.parametrize(
    "deadline, happened, today, expected",
    [
        (rule(1, "year"), D(2025, 7, 24), TODAY, TimeLeft(D(2026, 7, 24), 131, "ok")),
        (rule(1, "year"), D(2025, 4, 14), TODAY, TimeLeft(D(2026, 4, 14), 30, "close")),
        (rule(1, "year"), D(2025, 4, 15), TODAY, TimeLeft(D(2026, 4, 15), 31, "ok")),
        (rule(1, "year"), D(2025, 3, 15), TODAY, TimeLeft(D(2026, 3, 15), 0, "close")),  # last day: still in time
        (rule(1, "year"), D(2025, 3, 14), TODAY, TimeLeft(D(2026, 3, 14), -1, "passed")),
        (rule(30, "day"), D(2026, 3, 1), TODAY, TimeLeft(D(2026, 3, 31), 16, "ok")),
        (rule(30, "day"), D(2026, 2, 20), TODAY, TimeLeft(D(2026, 3, 22), 7, "close")),  # short period: 7 days
        (rule(30, "day"), D(2026, 2, 21), TODAY, TimeLeft(D(2026, 3, 23), 8, "ok")),
    ],
)
def test_time_left(deadline, happened, today, expected):
    assert time_left(deadline, happened, today) == expected


@pytest.mark.parametrize(
    "deadline, happened, ends",
    [
        (rule(1, "month"), D(2025, 1, 31), D(2025, 2, 28)),
        (rule(1, "month"), D(2024, 1, 31), D(2024, 2, 29)),
        (rule(1, "year"), D(2024, 2, 29), D(2025, 2, 28)),
        (rule(3, "year"), D(2023, 12, 31), D(2026, 12, 31)),
    ],
)
def test_a_missing_day_clamps_to_the_end_of_the_month(deadline, happened, ends):
    assert time_left(deadline, happened, TODAY).ends == ends


def test_describe_wage_arrears_in_chinese(shipped_faq):
    text = describe(shipped_faq["labor.wage"], D(2025, 7, 24), TODAY, "zh")
    assert "《劳动争议调解仲裁法》第27条" in text
    assert "2026年7月24日" in text and "还有大约4个月（131天）" in text
    assert "在职期间被拖欠工资的，不受一年限制" in text  # the exception, from the FAQ
    assert "12348" in text and "中断" in text  # the caveat is always there
    assert "马上" not in text  # no alarm while there is time


def test_describe_wage_arrears_in_english(shipped_faq):
    text = describe(shipped_faq["labor.wage"], D(2025, 7, 24), TODAY, "en")
    assert "Labour Dispute Mediation and Arbitration Law art. 27" in text
    assert "24 July 2026" in text and "about 4 months (131 days)" in text
    assert "12348" in text and "interruption" in text
    assert not any("\u4e00" <= char <= "\u9fff" for char in text)


def test_describe_close_says_act_now(shipped_faq):
    text = describe(shipped_faq["mediation.agreement"], D(2026, 2, 20), TODAY, "zh")
    assert "《人民调解法》第33条" in text and "2026年3月22日" in text
    assert "还有7天" in text and "马上行动" in text


def test_describe_passed_says_so_and_points_to_an_adviser(shipped_faq):
    happened = parse_when("去年三月", TODAY)
    text = describe(shipped_faq["labor.injury"], happened, TODAY, "zh")
    assert "《工伤保险条例》第17条" in text and "2026年3月1日" in text
    assert "很可能已经过了" in text and "14天" in text
    assert "不要自己就放弃" in text and "12348" in text
    english = describe(shipped_faq["labor.injury"], happened, TODAY, "en")
    assert "probably passed" in english and "14 days ago" in english and "12348" in english


def test_every_shipped_deadline_can_be_described_in_both_languages(shipped_faq):
    with_deadlines = [intent for intent in shipped_faq if intent.deadline]
    assert len(with_deadlines) >= 5
    for intent in with_deadlines:
        for lang in ("zh", "en"):
            text = describe(intent, D(2025, 6, 1), TODAY, lang)
            assert intent.deadline.source(lang) in text and intent.deadline.starts(lang) in text


def test_describe_refuses_an_intent_without_a_deadline(shipped_faq):
    with pytest.raises(ValueError):
        describe(shipped_faq["chat.greeting"], D(2025, 6, 1), TODAY, "zh")
