"""'算一算还有多久': the bot understands when it happened and counts the time left honestly."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from bot.core.deadlines import TimeLeft, ask, describe, is_leaving, parse_when, reply, time_left
from bot.core.service import ChatService
from bot.messages import Incoming
from intents.faq import Deadline, Text
from intents.faq_loader import load_faq
from tests.support import ROOT, settings_for
from tests.support.faq_files import copy_shipped_faq, valid_intent, write_group

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



# --- parts of a year or a month: the earliest day they can mean -------------------------------------------------

@pytest.mark.parametrize(
    "said, expected",
    [
        ("去年年底", D(2025, 12, 1)),  # was 1 January 2025: the doubled 年 hid the 底
        ("前年年底", D(2024, 12, 1)),
        ("2025年年底", D(2025, 12, 1)),
        ("2025年底", D(2025, 12, 1)),
        ("去年年末", D(2025, 12, 1)),
        ("年底", D(2025, 12, 1)),  # said in March: this year's end is still to come
        ("今年年初", D(2026, 1, 1)),
        ("去年年初", D(2025, 1, 1)),
        ("年中", D(2025, 6, 1)),
        ("去年年中", D(2025, 6, 1)),
        ("上半年", D(2026, 1, 1)),
        ("下半年", D(2025, 7, 1)),
        ("去年下半年", D(2025, 7, 1)),
        ("前年上半年", D(2024, 1, 1)),
        ("月初", D(2026, 3, 1)),
        ("月底", D(2026, 2, 21)),  # the 15th: this month's end has not come, so last month's 下旬
        ("上个月底", D(2026, 2, 21)),
        ("上个月初", D(2026, 2, 1)),
        ("3月底", D(2025, 3, 21)),
        ("2月底", D(2026, 2, 21)),
        ("去年12月底", D(2025, 12, 21)),
        ("2025年3月中旬", D(2025, 3, 11)),
        ("三月上旬", D(2026, 3, 1)),
        ("我是去年年底离职的，老板还欠我两个月工资", D(2025, 12, 1)),
        ("去年年底", D(2025, 12, 1)),
    ],
)
def test_parts_of_a_year_or_month_are_their_earliest_day(said, expected):
    assert parse_when(said, TODAY) == expected


def test_a_year_end_read_in_december_is_this_years():
    assert parse_when("年底", D(2026, 12, 20)) == D(2026, 12, 1)
    assert parse_when("月底", D(2026, 12, 25)) == D(2026, 12, 21)


def test_the_worker_whose_year_ends_now_is_not_told_it_ended_months_ago(shipped_faq):
    """The usability review's case: 去年年底 was 1 January, so 'passed 11 months ago'."""
    step = reply(shipped_faq["labor.wage"], "去年年底离职的", D(2026, 12, 1), "zh")
    assert step.done and "期限到2026年12月1日为止" in step.text
    assert "今天就是最后一天" in step.text and "马上行动" in step.text
    assert "「年底」是一段时间，我按最早的一天（2025年12月1日）算的" in step.text  # and how to count it exactly
    assert "已经过去" not in step.text


# --- lunar dates: ask, never convert ----------------------------------------------------------------------------

LUNAR = ["去年腊月", "冬月", "去年冬月", "正月", "正月初八", "去年腊月二十三", "农历三月", "阴历八月十五", "过年前", "去年春节",
         "十冬腊月的时候", "臘月", "lunar new year"]


@pytest.mark.parametrize("said", LUNAR)
def test_a_lunar_date_is_never_read_as_a_gregorian_one(said):
    assert parse_when(said, TODAY) is None


@pytest.mark.parametrize("said", LUNAR[:6])
def test_a_lunar_date_gets_a_request_for_the_gregorian_date(shipped_faq, said):
    step = reply(shipped_faq["labor.wage"], said, TODAY, "zh")
    assert step.kind == "lunar" and not step.done
    first = step.text.splitlines()[0]
    assert "农历" in first and "公历" in first and "不替您换算" in first
    assert "「" in first and ("腊月" in first or "冬月" in first or "正月" in first)  # the villager's own word
    assert "点「退出」或发「退出」" in step.text


def test_a_lunar_date_in_english_asks_for_the_gregorian_date(shipped_faq):
    step = reply(shipped_faq["civil.debt"], "last year, lunar 12th month", TODAY, "en")
    assert step.kind == "lunar"
    assert "Gregorian date or month" in step.text and "press Exit" in step.text


# --- the question comes from the FAQ: when the clock really starts ----------------------------------------------

def test_the_wage_calculator_asks_when_they_left_the_job(shipped_faq):
    text = ask(shipped_faq["labor.wage"], "zh")
    assert text.startswith("您现在还在这个老板（单位）那里干活吗？已经不干了的，是哪天离开（离职）的？")
    assert "在职期间被拖欠的工资不受一年限制" in text  # still employed: the year does not run
    assert "发生" not in text
    english = ask(shipped_faq["labor.wage"], "en")
    assert "on what day did you leave?" in english and "not subject to the one-year limit" in english


def test_the_debt_calculator_asks_for_the_agreed_repayment_day(shipped_faq):
    text = ask(shipped_faq["civil.debt"], "zh")
    assert "还款日是哪天？" in text and "分期还的，写最后一期该还的那天" in text
    assert "第189条" in shipped_faq["civil.debt"].deadline.source("zh")  # the instalment rule is cited
    assert "last one was due" in ask(shipped_faq["civil.debt"], "en")


def test_an_intent_without_its_own_question_asks_when_it_happened(shipped_faq):
    assert shipped_faq["civil.traffic"].deadline.ask is None
    assert ask(shipped_faq["civil.traffic"], "zh").startswith("这件事是什么时候发生的（或者您什么时候知道的）？")
    assert ask(shipped_faq["civil.traffic"], "en").startswith("When did it happen")


def test_every_question_gives_examples_it_can_read_and_the_way_out(shipped_faq):
    for intent in (intent for intent in shipped_faq if intent.deadline):
        zh, en = ask(intent, "zh"), ask(intent, "en")
        assert zh.splitlines()[-1] == "不想算了，点「退出」或发「退出」。"
        assert en.splitlines()[-1] == "To stop, press Exit (or type 退出)."
        if intent.deadline.ask:
            assert zh.startswith(intent.deadline.ask.zh) and en.startswith(intent.deadline.ask.en)
    for example in ("2025年5月3日", "去年年底", "三个月前", "3 May 2025", "May 2025", "3 months ago"):
        assert parse_when(example, TODAY) is not None, example


def test_an_unread_answer_repeats_the_faq_question_and_the_way_out(shipped_faq):
    step = reply(shipped_faq["labor.wage"], "不记得了", TODAY, "zh")
    assert step.kind == "unclear" and not step.done
    lines = step.text.splitlines()
    assert lines[0] == "没看懂这个时间。" and lines[1].startswith("您现在还在这个老板")
    assert "写个大概也行" in step.text and lines[-1] == "不想算了，点「退出」或发「退出」。"
    english = reply(shipped_faq["labor.wage"], "no idea", TODAY, "en")
    assert english.text.startswith("I couldn't read that date.") and "press Exit" in english.text


@pytest.mark.parametrize("said", ["退出", "取消", "算了", "算了。", "不算了", " cancel ", "Stop", "退出！"])
def test_leaving_words(said):
    assert is_leaving(said)


@pytest.mark.parametrize("said", ["算了，我想找个真人问问", "去年年底", "我算了一下是三月", ""])
def test_not_leaving_words(said):
    assert not is_leaving(said)


# --- every result: the last day, and the days left or that it passed --------------------------------------------

@pytest.mark.parametrize(
    "offset, expected, english",
    [(5, "还有5天。", "You have 5 days left."), (0, "今天就是最后一天。", "Today is the last day."),
     (-3, "已经过去3天", "it ended 3 days ago")],
)
def test_every_shipped_result_names_the_last_day_and_the_days(shipped_faq, offset, expected, english):
    for intent in (intent for intent in shipped_faq if intent.deadline):
        happened = D(2025, 1, 10)
        ends = time_left(intent.deadline, happened, TODAY).ends
        today = ends - dt.timedelta(days=offset)
        text = reply(intent, "2025年1月10日", today, "zh").text
        assert text.startswith("算一算还有多久") and f"期限到{ends.year}年{ends.month}月{ends.day}日为止。" in text, intent.id
        assert expected in text, intent.id
        text = reply(intent, "10 January 2025", today, "en").text
        assert f"it ends on {ends.day} {ends.strftime('%B')} {ends.year}." in text and english in text, intent.id


def test_an_exact_date_gets_no_earliest_day_note(shipped_faq):
    text = reply(shipped_faq["labor.wage"], "2025年12月20日", TODAY, "zh").text
    assert "最早的一天" not in text and "期限到2026年12月20日为止。" in text


# --- the FAQ reader checks `ask:` -------------------------------------------------------------------------------

def _deadline_problems(tmp_path, **deadline):
    faq_dir = copy_shipped_faq(tmp_path / "faq")
    block = {"period": "1 year", "from": {"zh": "起算", "en": "from"},
             "source": {"zh": "《某法》第1条", "en": "Some Law art. 1"}}
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", deadline={**block, **deadline})])
    faq_problems = [problem for problem in load_faq(faq_dir)[1] if problem.file == str(path)]
    return path, faq_problems


def test_a_valid_ask_is_read(tmp_path):
    _, problems = _deadline_problems(tmp_path, ask={"zh": "您是哪天离职的？", "en": "When did you leave?"})
    assert problems == []


@pytest.mark.parametrize(
    "deadline, message",
    [
        ({"ask": {"zh": "您是哪天离职的？"}}, "extra.one.deadline.ask.en: empty or missing text"),
        ({"ask": "您是哪天离职的？"}, "extra.one.deadline.ask: must have `zh:` and `en:`"),
        ({"ask": {"zh": "请写离职日期。", "en": "When did you leave?"}}, "extra.one.deadline.ask.zh: write the question"),
        ({"ask": {"zh": "您是哪天离职的？", "en": "Your leaving date."}}, "extra.one.deadline.ask.en: write the question"),
        ({"aks": {"zh": "您是哪天离职的？", "en": "When did you leave?"}}, "extra.one.deadline: unknown field `aks`"),
    ],
)
def test_a_broken_ask_is_named_with_its_line(tmp_path, deadline, message):
    path, problems = _deadline_problems(tmp_path, **deadline)
    [problem] = problems
    assert message in problem.message and problem.severity == "error"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[problem.line - 1].strip().startswith(("ask", "aks", "zh", "en")), str(problem)


# --- through the whole conversation ------------------------------------------------------------------------------

@pytest.fixture
async def villager(tmp_path):
    settings = settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path)})
    service = ChatService.open(settings)
    service.conversation.today = lambda: TODAY
    count = 0

    async def says(text=None, action=None):
        nonlocal count
        count += 1
        incoming = Incoming("test", "7", text=text, action=action, message_id=f"m{count}")
        return [reply.text for reply in (await service.handle(incoming)).replies]

    yield says
    await service.close()


async def test_a_villager_who_left_at_the_end_of_last_year_reads_the_day_it_ends(villager):
    [question] = await villager(action="deadline:labor.wage")
    assert "是哪天离开（离职）的？" in question and "退出" in question
    [answer] = await villager("去年年底就不干了")
    assert "按您说的时间（2025年12月1日）算，期限到2026年12月1日为止。" in answer
    assert "还有大约8个月（261天）" in answer


async def test_a_lunar_month_is_asked_about_then_the_gregorian_date_is_counted(villager):
    await villager(action="deadline:civil.debt")
    [lunar] = await villager("说好去年腊月还")
    assert "「腊月」是按农历（阴历）算的" in lunar and "请告诉我公历的日期或月份" in lunar
    [answer] = await villager("2025年1月20日")
    assert "期限到2028年1月20日为止。" in answer and "《民法典》第188条、第189条、第195条" in answer


async def test_tui_chu_leaves_the_calculator(villager):
    await villager(action="deadline:labor.wage")
    [unclear] = await villager("不记得了")
    assert "没看懂这个时间" in unclear and "点「退出」或发「退出」" in unclear
    [left] = await villager("退出")
    assert left == "好的，已退出。还有什么可以直接问我。"
    [after] = await villager("去年三月")  # no longer read as a date for the calculator
    assert "算一算还有多久" not in after


async def test_asking_for_a_person_while_the_calculator_waits_gets_one(villager):
    await villager(action="deadline:labor.wage")
    replies = await villager("算了，我想找个真人问问")
    assert replies[0].startswith("好的，已为您转接人工法律顾问")
    assert not any("没看懂" in text for text in replies)
