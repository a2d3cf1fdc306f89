"""The Telegram channel end to end, as a villager sees it: the real PTB Application and the real ChatService
talking HTTP to a fake Bot API (tests/support/telegram/).

Every test ends by checking that the fake never had to refuse a request as Telegram would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

import pytest

from bot.settings import Settings
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS,
    CHAT,
    GROUP,
    actions,
    fake,
    labels,
    press,
    running_bot,
    settings,
)

# --- answering ------------------------------------------------------------------------------


async def test_a_question_gets_its_answer_with_buttons_and_a_follow_up_button_answers_that(fake, settings, shipped_faq):
    async with running_bot(settings):
        fake.push_text(CHAT, "老板欠我工资不给怎么办")
        [answer] = await fake.wait_for_messages(CHAT, 1)
        wage = shipped_faq["labor.wage"]
        assert answer["text"].startswith(wage.short("zh").split("\n")[0].replace("**", ""))
        assert "**" not in answer["text"]  # emphasis is shown bold, not as asterisks
        assert {"📖 详细说明", "👍 有帮助", "👎 没帮助", "🙋 找人工"} <= set(labels(answer))
        assert "12348" in answer["text"] and "依据：" in answer["text"] and len(answer["text"]) < len(wage.full_answer("zh"))
        follow_up = wage.follow_ups[0]
        assert f"intent:{follow_up}" in actions(answer)

        fake.push_callback(CHAT, answer["message_id"], f"intent:{follow_up}")
        messages = await fake.wait_for_messages(CHAT, 2)
        first_line = shipped_faq[follow_up].short("zh").split("\n")[0].replace("**", "")
        assert messages[1]["text"].startswith(first_line)
        assert len(fake.answered_callbacks) == 1  # the button's spinner stopped


async def test_a_vague_question_is_asked_back_with_the_candidates_as_buttons(fake, settings, matcher):
    decision = matcher.match("钱")
    assert decision.kind == "clarify", "pick another vague question: the matcher now decides this one"
    async with running_bot(settings):
        fake.push_text(CHAT, "钱")
        [clarify] = await fake.wait_for_messages(CHAT, 1)
    assert clarify["text"].startswith("您是想问")
    assert actions(clarify) == [f"intent:{choice}" for choice in decision.choices] + ["none:1"]


async def test_a_question_outside_the_faq_gets_the_fallback_with_12348(fake, settings):
    async with running_bot(settings):
        fake.push_text(CHAT, "明天天气怎么样")
        [fallback] = await fake.wait_for_messages(CHAT, 1)
    assert "12348" in fallback["text"]
    assert actions(fallback) == ["handoff", "topics"]  # not a legal question: a person, or the topics


# --- the eligibility flow -------------------------------------------------------------------


async def test_the_eligibility_check_from_the_start_menu_to_a_result(fake, settings):
    async with running_bot(settings):
        fake.push_text(CHAT, "/start")
        [welcome] = await fake.wait_for_messages(CHAT, 1)
        messages = await press(fake, welcome, "测一测", expect=2)
        messages = await press(fake, messages[-1], "劳动", expect=3)
        fake.push_text(CHAT, "不是")
        await fake.wait_for_messages(CHAT, 4)
        fake.push_text(CHAT, "是")
        messages = await fake.wait_for_messages(CHAT, 5)
    assert "结果" in messages[-1]["text"]


async def test_danger_in_the_middle_of_the_flow_puts_110_first_and_keeps_the_flow(fake, settings):
    async with running_bot(settings):
        fake.push_text(CHAT, "/start")
        [welcome] = await fake.wait_for_messages(CHAT, 1)
        await press(fake, welcome, "测一测", expect=2)
        fake.push_text(CHAT, "他正在打我")
        messages = await fake.wait_for_messages(CHAT, 3)
        assert "110" in messages[2]["text"].split("\n")[0]
        messages = await fake.wait_for_messages(CHAT, 4)
        assert "点「退出」" in messages[3]["text"]  # the flow is still open


async def test_a_restart_in_the_middle_of_the_flow_continues_where_the_villager_was(fake, settings):
    async with running_bot(settings):
        fake.push_text(CHAT, "/start")
        [welcome] = await fake.wait_for_messages(CHAT, 1)
        messages = await press(fake, welcome, "测一测", expect=2)
        messages = await press(fake, messages[-1], "劳动", expect=3)
    question = messages[-1]
    async with running_bot(settings):
        messages = await press(fake, question, "不是", expect=4)
    assert "农民工" in messages[-1]["text"]  # the next question of the same walk, not a fresh start


# --- what else villagers send ----------------------------------------------------------------


@pytest.mark.parametrize("content", [
    {"sticker": {"file_id": "s1", "file_unique_id": "s", "type": "regular", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False}},
    {"voice": {"file_id": "v1", "file_unique_id": "v", "duration": 4}},
    {"location": {"latitude": 29.55, "longitude": 103.76}},
])
async def test_a_sticker_voice_or_location_gets_a_polite_reply(fake, settings, content, caplog):
    async with running_bot(settings):
        fake.push_update({"message": fake.message(CHAT, **content)})
        [reply] = await fake.wait_for_messages(CHAT, 1)
    assert "文字" in reply["text"] and actions(reply) == ["handoff"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_very_long_message_is_fine(fake, settings):
    async with running_bot(settings):
        fake.push_text(CHAT, "老板欠我工资不给。" * 600)
        [reply] = await fake.wait_for_messages(CHAT, 1)
    assert reply["text"]


# --- privacy ----------------------------------------------------------------------------------


async def test_forget_asks_first_and_then_the_villagers_data_is_gone_from_the_database(fake, settings):
    async with running_bot(settings):
        fake.push_text(CHAT, "老板欠我工资不给怎么办")
        fake.push_text(CHAT, "/forget")
        messages = await fake.wait_for_messages(CHAT, 2)
        assert "users" in tables_mentioning(settings, CHAT)
        messages = await press(fake, messages[1], "确定删除", expect=3)
    assert "已删除" in messages[2]["text"]
    assert tables_mentioning(settings, CHAT) == []


def tables_mentioning(settings: Settings, chat_id: int) -> list[str]:
    """Every table of the SQLite file with a row that mentions this villager's chat id, however it is keyed."""
    with contextlib.closing(sqlite3.connect(settings.database)) as db:
        tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table'")]
        found = []
        for table in tables:
            columns = [row[1] for row in db.execute(f"pragma table_info('{table}')")]
            where = " or ".join(f"cast(\"{c}\" as text) in (?, ?) or cast(\"{c}\" as text) like ?" for c in columns)
            patterns = [str(chat_id), f"telegram:{chat_id}", f"%telegram:{chat_id}:%"] * len(columns)
            if db.execute(f"select count(*) from '{table}' where {where}", patterns).fetchone()[0]:
                found.append(table)
        return found


# --- groups -----------------------------------------------------------------------------------


async def test_in_a_group_the_bot_speaks_only_when_addressed(fake, settings):
    async with running_bot(settings):
        fake.push_text(GROUP, "大家好，明天村里开会")
        fake.push_text(GROUP, "/help@some_other_bot")
        fake.push_text(GROUP, "@mingbai_test_bot 老板欠我工资不给怎么办")
        [answer] = await fake.wait_for_messages(GROUP, 1)
        fake.push_text(GROUP, "谢谢")
        fake.push_text(GROUP, "借钱不还怎么办", reply_to_message=answer)
        messages = await fake.wait_for_messages(GROUP, 2)
        fake.push_text(ADVISERS, "/start")
        fake.push_text(GROUP, "/help@mingbai_test_bot")
        messages = await fake.wait_for_messages(GROUP, 3)
        await asyncio.sleep(0.2)
    assert "工资" in messages[0]["text"] and "借" in messages[1]["text"]
    assert messages[2]["text"].startswith("怎么用") and "topics" in actions(messages[2])
    assert len(fake.sent(GROUP)) == 3
    assert fake.sent(ADVISERS) == []  # the advisers' group is not this channel's business
