"""The advisers' Telegram group on a bad day: no topics, topics deleted or closed by hand, a burst of
messages, Telegram's 20-a-minute group limit, a case nobody takes, a restart in the middle of a case.

Same real parts as test_telegram_advisers.py: PTB Application, ChatService, HandoffDesk, Relay, fake Bot API.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from bot.channels.telegram.advisers.budget import Budget
from bot.handoff.desk import TO_ADVISERS
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS,
    CHAT,
    OTHER_VILLAGER,
    ZHANG,
    ManualClock,
    adviser,
    card_of,
    expect_refusals,
    fake,
    general,
    open_case,
    posts,
    running_with_advisers,
    settings,
    texts,
    topic_of,
    until,
)

# --- a group without topics; topics that went away ---------------------------------------------


async def test_without_topics_the_case_is_a_reply_thread_in_the_plain_group(fake, settings):
    fake.no_topics(ADVISERS)
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings):
        thread, card = await open_case(fake)
        fake.push_text(CHAT, "欠了三个月")
        post = await until(lambda: next((m for m in fake.sent(ADVISERS) if m.get("text") == "👤 欠了三个月"), None))
        fake.push_text(ADVISERS, "您好，请把欠条拍给我", zhang, reply_to_message=card)
        fake.push_text(ADVISERS, "/close 已解答", zhang, reply_to_message=post)
        received = await fake.wait_for_messages(CHAT, 4)  # the villager's message gets no queue line after it
        await until(lambda: "已关闭" in card_of(fake, 1)["text"])
    expect_refusals(fake, "the chat is not a forum")
    assert thread is None and post["reply_to_message"]["message_id"] == card["message_id"]
    assert received[2]["text"] == "👩‍⚖️ 法律顾问：您好，请把欠条拍给我"
    assert "rate:1:5" in str(received[3]["reply_markup"])


async def test_a_deleted_topic_is_created_again_and_a_closed_one_reopened(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings):
        first, _ = await open_case(fake)
        fake.delete_topic(ADVISERS, first)  # an admin tidies up by hand
        fake.push_text(CHAT, "还有人在吗")
        second = await until(lambda: next((t for t in fake.topics[ADVISERS] if t != first), None))
        await until(lambda: "👤 还有人在吗" in posts(fake, second))
        fake.push_in_topic(ADVISERS, second, zhang, text="在的，请说")
        await fake.wait_for_messages(CHAT, 3)
        fake.close_topic(ADVISERS, second)
        fake.push_text(CHAT, "好的谢谢")
        await until(lambda: "👤 好的谢谢" in posts(fake, second))
    expect_refusals(fake, "message thread not found", "TOPIC_CLOSED")
    assert card_of(fake, 1)["message_thread_id"] == second and not fake.topics[ADVISERS][second]["closed"]
    assert texts(fake)[2] == "👩‍⚖️ 法律顾问：在的，请说"
    assert len(fake.called("createForumTopic")) == 2


# --- a busy morning -----------------------------------------------------------------------------


async def test_a_burst_of_ten_messages_at_opening_is_one_topic_one_card_one_post(fake, settings, caplog):
    caplog.set_level(logging.DEBUG)
    async with running_with_advisers(settings):
        fake.push_text(CHAT, "老板欠我工资不给怎么办")
        await fake.wait_for_messages(CHAT, 1)
        fake.push_text(CHAT, "/human")
        for n in range(1, 11):
            fake.push_text(CHAT, f"第{n}条消息")
        thread = await until(lambda: topic_of(fake, 1))
        await until(lambda: any("第10条消息" in post for post in posts(fake, thread)))
        fake.push_text(CHAT, "/end")
        await until(lambda: fake.topics[ADVISERS][thread]["closed"], what="the topic closed after /end")
    relayed = [post for post in posts(fake, thread) if "第" in post]
    assert relayed == ["\n".join(f"👤 第{n}条消息" for n in range(1, 11))]
    assert len(fake.called("createForumTopic")) == 1 and sum(1 for m in fake.sent(ADVISERS) if "📌" in m["text"]) == 1
    assert any("村民结束了对话" in post for post in posts(fake, thread)) and "已关闭" in card_of(fake, 1)["text"]
    assert not any("第3条" in record.getMessage() for record in caplog.records if record.levelno >= logging.INFO)


async def test_a_case_waiting_past_the_timeout_is_announced_to_the_whole_group(fake, settings):
    settings = dataclasses.replace(settings, handoff_timeout=1, office_hours="Mon-Sun 00:00-23:59")  # in hours
    async with running_with_advisers(settings):
        thread, _ = await open_case(fake)
        await asyncio.sleep(1.1)
        fake.push_text(CHAT, "有人吗")  # any activity wakes the relay, which also looks for overdue cases
        reminder = await until(lambda: [text for text in general(fake) if text.startswith("⏰")])
        told = await fake.wait_for_messages(CHAT, 3)
    assert "#1" in reminder[0] and "还没有人认领" in reminder[0]
    assert any("12348" in m["text"] for m in told[2:])  # the villager is told honestly too
    assert "👤 有人吗" in posts(fake, thread)


async def test_when_the_groups_budget_is_spent_messages_queue_visibly_urgent_goes_first_nothing_is_lost(fake, settings):
    clock = ManualClock()  # the budget refills only when the test says a minute has passed
    budget = Budget(per_minute=7, period=60, reserve=3, max_wait=0.1, clock=clock)
    iou = [{"file_id": "iou", "file_unique_id": "i", "width": 800, "height": 600}]
    async with running_with_advisers(settings, budget=budget):
        thread, _ = await open_case(fake)  # topic and card: 2 of the 4 ordinary sends
        fake.push_text(CHAT, "第一条")
        await until(lambda: "👤 第一条" in posts(fake, thread))  # the 3rd
        fake.push_text(CHAT, "第二条")
        fake.push_update({"message": fake.message(CHAT, photo=iou, caption="第三条")})
        await until(lambda: "排队中" in card_of(fake, 1)["text"], what="the card saying messages are queued")
        assert posts(fake, thread) == ["👤 第一条", "👤 第二条"]  # the 4th; the photo waits
        fake.push_text(OTHER_VILLAGER, "我刚被骗了五千块钱")
        urgent_offer = (await fake.wait_for_messages(OTHER_VILLAGER, 2))[0]
        fake.push_callback(OTHER_VILLAGER, urgent_offer["message_id"], "handoff:urgent")
        await until(lambda: card_of(fake, 2), what="the urgent case announced from the reserve")
        clock.now += 60  # a minute later the budget is back
        await until(lambda: "👤 第三条" in posts(fake, thread), timeout=12)
        await until(lambda: "排队中" not in card_of(fake, 1)["text"])
    assert "1 条消息排队中" in str(fake.called("editMessageText"))
    assert posts(fake, thread) == ["👤 第一条", "👤 第二条", "👤 第三条"]  # each once, in order
    assert "🆘" in card_of(fake, 2)["text"]


async def test_a_restart_mid_case_loses_nothing_and_sends_nothing_twice(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings) as bot:
        thread, _ = await open_case(fake)
        fake.push_in_topic(ADVISERS, thread, zhang, text="您好，我是张律师")
        await fake.wait_for_messages(CHAT, 3)
        fake.push_text(CHAT, "我在镇上打工")
        fake.push_text(CHAT, "老板跑了")
        desk = bot.service.conversation.desk
        while len(await bot.service.call(desk.pending, TO_ADVISERS)) < 2:  # written down, not yet relayed
            await asyncio.sleep(0.02)
    # the bot stopped before relaying them (they were still being held as one burst)
    async with running_with_advisers(settings) as bot:
        await until(lambda: "👤 我在镇上打工\n👤 老板跑了" in posts(fake, thread), timeout=10)
        fake.push_in_topic(ADVISERS, thread, zhang, text="老板的名字知道吗？")
        await fake.wait_for_messages(CHAT, 4)
        await asyncio.sleep(1.0)
    assert texts(fake)[2:] == ["👩‍⚖️ 法律顾问：您好，我是张律师", "👩‍⚖️ 法律顾问：老板的名字知道吗？"]
    assert posts(fake, thread) == ["👤 我在镇上打工\n👤 老板跑了"]
    assert len(fake.called("createForumTopic")) == 1 and sum(1 for m in fake.sent(ADVISERS) if "📌" in m["text"]) == 1
