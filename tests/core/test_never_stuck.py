"""Never stuck: inside a flow or a prompt, 退出, a request for a person and a new question always get through,
and buttons from old messages act on what they were shown for or say they have expired (UX review 2026-12)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage.stats import service_statistics
from tests.support.core import Villager, actions

FLOW = "legal_aid_eligibility"
STALE = "这个按钮已经过期了"


def labels(replies):
    return [button.label for reply in replies for button in reply.all_buttons()]


def texts(replies):
    return "\n".join(reply.text for reply in replies)


def unanswered(settings):
    return sqlite3.connect(settings.database).execute("select text, reason from unanswered").fetchall()


# --- flows -------------------------------------------------------------------------------------------------------

async def test_every_flow_question_has_a_tui_chu_button_until_the_result(service):
    villager = Villager(service)
    replies = await villager.presses(f"flowstart:{FLOW}")
    for _ in range(12):
        options = [a for a in actions(replies) if a.startswith("flow:") and a != "flow:exit"]
        if not options:
            break
        assert "退出" in labels(replies) and "flow:exit" in actions(replies), texts(replies)
        replies = await villager.presses(options[-1])
    assert "flow:exit" not in actions(replies), "the result ends the flow: nothing left to leave"
    assert "handoff" in actions(replies)


@pytest.mark.parametrize("said, expected", [("退出", "好的，已退出。还有什么可以直接问我。"), ("取消", "好的，已退出。还有什么可以直接问我。"),
                                            ("cancel", "OK, stopped. Ask me anything else.")])
async def test_typing_tui_chu_in_a_flow_leaves_it(service, said, expected):
    villager = Villager(service)
    await villager.presses(f"flowstart:{FLOW}")
    [left] = await villager.says(said)
    assert left.text == expected
    after = await villager.says("借钱不还咋个办")
    assert "依据：" in texts(after) and "flow:exit" not in actions(after)
    assert service.store.user(villager.key).flow is None


async def test_a_bare_suan_le_in_a_flow_leaves_it_without_an_alarm(service):
    """算了 ("never mind") leaves the questions; the triage has learned it is no cry for help (triage_examples.yaml)."""
    villager = Villager(service)
    await villager.presses(f"flowstart:{FLOW}")
    [left] = await villager.says("算了")
    assert left.text == "好的，已退出。还有什么可以直接问我。" and "12356" not in left.text
    assert service.store.user(villager.key).flow is None


async def test_the_tui_chu_button_leaves_and_an_old_one_says_there_is_nothing_to_leave(service):
    villager = Villager(service)
    await villager.presses(f"flowstart:{FLOW}")
    [left] = await villager.presses("flow:exit")
    assert left.text == "好的，已退出。还有什么可以直接问我。"
    [again] = await villager.presses("flow:exit")
    assert again.text.startswith("现在没有进行中的问答")


async def test_the_number_of_the_tui_chu_button_leaves_on_a_channel_without_buttons(service):
    villager = Villager(service)
    first = await villager.presses(f"flowstart:{FLOW}")
    number = actions(first).index("flow:exit") + 1
    [left] = await villager.says(str(number))
    assert left.text == "好的，已退出。还有什么可以直接问我。"


async def test_asking_for_a_person_inside_a_flow_opens_a_case(service):
    villager = Villager(service)
    await villager.presses(f"flowstart:{FLOW}")
    replies = await villager.says("算了，我想找个真人问问")
    assert replies[0].text.startswith("好的，已为您转接人工法律顾问")
    assert "没太明白" not in texts(replies)
    assert service.conversation.desk.open_case_for(villager.key) is not None
    assert service.store.user(villager.key).flow is None


async def test_a_new_legal_question_inside_a_flow_is_answered_and_the_flow_left(service):
    villager = Villager(service)
    await villager.presses(f"flowstart:{FLOW}")
    [question] = await villager.presses("flow:matter:civil")
    assert "flow:no_condition:no" in actions([question])
    replies = await villager.says("借钱不还咋个办")  # holds a 不, but is no answer to 是不是下面任何一种情况
    assert "依据：" in replies[0].text and "没太明白" not in texts(replies)
    assert replies[-1].text == "（刚才的问答已经退出了。）"
    assert service.store.user(villager.key).flow is None


async def test_describing_the_matter_still_answers_the_flow_question(service):
    villager = Villager(service)
    await villager.presses(f"flowstart:{FLOW}")
    [question] = await villager.says("借钱不还")  # one of the flow's own options (民事)
    assert "是不是下面任何一种情况" in question.text and "flow:exit" in actions([question])
    assert service.store.user(villager.key).flow["answers"] == {"matter": "civil"}


async def test_a_flow_button_after_the_flow_ended_says_it_has_expired(service, settings):
    villager = Villager(service)
    await villager.presses(f"flowstart:{FLOW}")
    await villager.says("退出")
    [reply] = await villager.presses("flow:matter:civil")
    assert reply.text.startswith(STALE) and "记下来" not in reply.text
    assert unanswered(settings) == []


async def test_a_button_from_an_earlier_flow_question_says_so_and_asks_the_current_one(service):
    villager = Villager(service)
    await villager.presses(f"flowstart:{FLOW}")
    await villager.presses("flow:matter:civil")
    replies = await villager.presses("flow:matter:labour")
    assert replies[0].text.startswith(STALE)
    assert "是不是下面任何一种情况" in replies[1].text and "flow:exit" in actions(replies)
    assert service.store.user(villager.key).flow["answers"] == {"matter": "civil"}


async def test_the_exit_button_is_in_english_too(service):
    villager = Villager(service)
    await villager.presses("lang:en")
    replies = await villager.presses(f"flowstart:{FLOW}")
    assert "Exit" in labels(replies)


# --- prompts -----------------------------------------------------------------------------------------------------

async def test_the_deadline_prompt_has_a_tui_chu_button(service):
    villager = Villager(service)
    [question] = await villager.presses("deadline:labor.wage")
    assert "退出" in labels([question])
    [unclear] = await villager.says("不记得了")
    assert "没看懂这个时间" in unclear.text and "退出" in labels([unclear])
    [left] = await villager.presses(actions([unclear])[-1])
    assert left.text == "好的，已退出。还有什么可以直接问我。"


async def test_the_where_prompt_has_a_tui_chu_button(service):
    villager = Villager(service)
    [question] = await villager.says("/where")
    assert "退出" in labels([question])
    [left] = await villager.presses(actions([question])[-1])
    assert left.text == "好的，已退出。还有什么可以直接问我。"


# --- 都不是 --------------------------------------------------------------------------------------------------------

async def test_an_old_none_of_these_logs_nothing_after_a_new_question(service, settings):
    villager = Villager(service)
    clarify = await villager.says("钱")
    none = actions(clarify)[-1]
    assert none.startswith("none")
    answered = await villager.says("包工头跑了，工钱一直不给咋个办")
    assert "依据：" in texts(answered)
    [reply] = await villager.presses(none)
    assert reply.text.startswith(STALE)
    assert unanswered(settings) == []


async def test_none_of_these_logs_the_question_it_was_shown_for(service, settings):
    villager = Villager(service)
    first = await villager.says("钱")
    second = await villager.says("打工")
    assert second[0].text.startswith("您是想问"), "pick another vague question: the matcher now decides this one"
    [old] = await villager.presses(actions(first)[-1])
    assert old.text.startswith(STALE)
    [current] = await villager.presses(actions(second)[-1])
    assert "12348" in current.text
    assert unanswered(settings) == [("打工", "none_of_these")]


# --- ratings and withdrawn requests ------------------------------------------------------------------------------

async def test_an_old_rating_button_never_overwrites_the_rating_or_its_comment(service, settings):
    villager = Villager(service)
    await villager.says("/human")
    desk = service.conversation.desk
    case = desk.open_case_for(villager.key)
    await service.call(desk.from_adviser, case.id, "web:zhang", "您好，请说说情况")
    ended = await villager.says("/end")
    assert f"rate:{case.id}:4" in actions(ended)
    [thanks] = await villager.presses(f"rate:{case.id}:4")
    assert thanks.text.startswith("谢谢您的评分")
    await villager.says("顾问很耐心")
    [stale] = await villager.presses(f"rate:{case.id}:1")
    assert stale.text.startswith(STALE)
    row = sqlite3.connect(settings.database).execute("select rating, rating_comment from cases").fetchone()
    assert row == (4, "顾问很耐心")


async def test_a_new_question_after_rating_is_answered_not_taken_as_a_comment(service, settings):
    villager = Villager(service)
    await villager.says("/human")
    desk = service.conversation.desk
    case = desk.open_case_for(villager.key)
    await service.call(desk.from_adviser, case.id, "web:zhang", "您好")
    await villager.says("/end")
    await villager.presses(f"rate:{case.id}:5")
    replies = await villager.says("借钱不还咋个办")
    assert "依据：" in texts(replies)
    row = sqlite3.connect(settings.database).execute("select rating, rating_comment from cases").fetchone()
    assert row == (5, None)


async def test_no_rating_when_no_adviser_replied_and_the_case_counts_as_withdrawn(service):
    villager = Villager(service)
    await villager.says("/human")
    case = service.conversation.desk.open_case_for(villager.key)
    [ended] = await villager.says("/end")
    assert "不用打分" in ended.text and not any(a.startswith("rate:") for a in actions([ended]))
    [forged] = await villager.presses(f"rate:{case.id}:5")
    assert forged.text.startswith(STALE)
    assert service.conversation.desk.case(case.id).rating is None
    figures = await service.call(service_statistics, service.store.db, 30)
    assert figures["withdrawn"] == 1
    assert figures["today"]["withdrawn"] == 1 and figures["today"]["closed"] == 0
    assert figures["median_minutes_to_close"] is None


async def test_a_case_an_adviser_answered_counts_as_closed(service):
    villager = Villager(service)
    await villager.says("/human")
    desk = service.conversation.desk
    case = desk.open_case_for(villager.key)
    await service.call(desk.from_adviser, case.id, "web:zhang", "您好")
    await villager.says("/end")
    figures = await service.call(service_statistics, service.store.db, 30)
    assert figures["withdrawn"] == 0 and figures["today"]["closed"] == 1


async def test_an_old_delete_button_deletes_nothing(service):
    villager = Villager(service)
    await villager.says("/forget")
    [kept] = await villager.presses("forget:no")
    assert "没有删除" in kept.text
    await villager.says("包工头跑了 工钱不给")
    [stale] = await villager.presses("forget:yes")  # the 确定删除 under the earlier question
    assert "过期" in stale.text
    assert service.store.transcript(villager.key), "nothing was deleted"
    await villager.says("/forget")
    [done] = await villager.presses("forget:yes")
    assert "已删除" in done.text
