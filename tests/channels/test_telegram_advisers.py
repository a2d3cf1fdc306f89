"""The advisers' Telegram group end to end: a villager on Telegram, advisers in a forum supergroup, and the
real PTB Application, ChatService, HandoffDesk and Relay between them, talking HTTP to the fake Bot API.

What is asserted is what people see: topics and cards in the group, what reaches the villager, what does not.
Busy mornings, lost topics and restarts are in test_telegram_advisers_busy.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3

from tests.support.faq_files import copy_shipped_faq
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADMIN,
    ADVISERS,
    CHAT,
    LI,
    OTHER_VILLAGER,
    OUTSIDER,
    THIRD_VILLAGER,
    ZHANG,
    adviser,
    card_of,
    fake,
    general,
    labels,
    open_case,
    posts,
    running_with_advisers,
    settings,
    texts,
    topic_of,
    until,
)

# --- a case appears ---------------------------------------------------------------------------


async def test_asking_for_a_person_opens_a_topic_with_a_card(fake, settings):
    async with running_with_advisers(settings):
        thread, card = await open_case(fake)
    topic = fake.topics[ADVISERS][thread]
    assert topic["name"].startswith("#1 ") and "老板欠我工资不给怎么办" in topic["name"] and "🆘" not in topic["name"]
    assert "老板欠我工资不给怎么办" in card["text"]  # the conversation that led here
    assert "等待认领" in card["text"] and "Telegram 村民 …4242" in card["text"]
    assert labels(card) == ["🙋 认领 Claim", "✅ 关闭 Close"]
    assert "人工" in texts(fake)[1]
    assert len(fake.called("createForumTopic")) == 1


async def test_first_adviser_message_claims_and_the_villager_sees_the_display_name_not_the_account(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang San")
    async with running_with_advisers(settings):
        thread, _ = await open_case(fake)
        fake.push_in_topic(ADVISERS, thread, zhang, text="您好，请问欠了多久？")
        await fake.wait_for_messages(CHAT, 3)
        card = await until(lambda: "处理中" in card_of(fake, 1)["text"] and card_of(fake, 1))
        fake.push_in_topic(ADVISERS, thread, zhang, text="/setname 张律师")
        await until(lambda: any("张律师" in post for post in posts(fake, thread)))
        fake.push_in_topic(ADVISERS, thread, zhang, text="有没有欠条？")
        received = await fake.wait_for_messages(CHAT, 4)
        fake.push_text(CHAT, "欠了三个月，有欠条")
        await until(lambda: "👤 欠了三个月，有欠条" in posts(fake, thread), what="the villager's answer in the topic")
    assert [m["text"] for m in received[2:]] == ["👩‍⚖️ 法律顾问：您好，请问欠了多久？", "👩‍⚖️ 张律师：有没有欠条？"]
    assert not any("Zhang" in text for text in texts(fake))
    assert labels(card) == ["✅ 关闭 Close"]  # claimed: no claim button any more


async def test_the_claim_button_claims_and_a_colleague_cannot_answer_a_taken_case(fake, settings):
    zhang, li = adviser(fake, ZHANG, "Zhang"), adviser(fake, LI, "Li")
    async with running_with_advisers(settings):
        thread, card = await open_case(fake)
        fake.push_callback(ADVISERS, card["message_id"], "case:claim:1", user=li)
        await until(lambda: "处理中" in card_of(fake, 1)["text"])
        fake.push_in_topic(ADVISERS, thread, zhang, text="我来回答")
        await until(lambda: any("这个求助已经由" in post and "接手了" in post for post in posts(fake, thread)))
    assert "你已认领案件 #1" in fake.answered_callbacks[0]["text"]
    assert len(fake.sent(CHAT)) == 2  # Zhang's words did not reach the villager


async def test_photos_and_voice_go_both_ways(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang")
    small = {"file_id": "iou-small", "file_unique_id": "s1", "width": 90, "height": 60}
    large = {"file_id": "iou-large", "file_unique_id": "s2", "width": 1280, "height": 960}
    async with running_with_advisers(settings):
        thread, _ = await open_case(fake)
        fake.push_update({"message": fake.message(CHAT, photo=[small, large], caption="这是欠条")})
        voice = {"file_id": "voice-1", "file_unique_id": "v", "duration": 5}
        fake.push_update({"message": fake.message(CHAT, voice=voice)})
        await until(lambda: len(fake.called("sendVoice")) == 1, what="the villager's voice message in the topic")
        fake.push_in_topic(ADVISERS, thread, zhang, caption="欠条要写清楚金额和日期，像这样",
                           photo=[{"file_id": "sample-iou", "file_unique_id": "a1", "width": 800, "height": 600}])
        received = await until(lambda: [m for m in fake.sent(CHAT) if "photo" in m], what="the adviser's photo")
    in_topic = fake.topic_messages(ADVISERS, thread)
    photo = next(m for m in in_topic if "photo" in m)
    assert photo["photo"][0]["file_id"] == "iou-large" and photo["caption"] == "👤 这是欠条"
    voice = next(m for m in in_topic if "voice" in m)
    assert voice["voice"]["file_id"] == "voice-1"
    assert received[0]["photo"][0]["file_id"] == "sample-iou"
    assert received[0]["caption"] == "👩‍⚖️ 法律顾问：欠条要写清楚金额和日期，像这样"


# --- commands in a case ---------------------------------------------------------------------


async def test_note_stays_with_advisers_template_reaches_the_villager_transfer_requeues(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings) as bot:
        thread, _ = await open_case(fake)
        fake.push_in_topic(ADVISERS, thread, zhang, text="/note 村民情绪激动，先安抚")
        await until(lambda: any("已记下" in post for post in posts(fake, thread)))
        fake.push_in_topic(ADVISERS, thread, zhang, text="/template greeting")
        await fake.wait_for_messages(CHAT, 3)
        await until(lambda: "处理中" in card_of(fake, 1)["text"])
        fake.push_in_topic(ADVISERS, thread, zhang, text="/transfer")
        card = await until(lambda: "等待认领" in card_of(fake, 1)["text"] and card_of(fake, 1))
        await asyncio.sleep(0.3)
        case = await bot.service.call(bot.service.conversation.desk.case, 1)
    assert texts(fake)[2].startswith("👩‍⚖️ 法律顾问：您好，我是法律顾问，已经看到您前面的对话。")
    assert len(fake.sent(CHAT)) == 3 and not any("安抚" in text for text in texts(fake))
    assert any(post.startswith("📤 已发送模板 greeting") for post in posts(fake, thread))
    assert labels(card) == ["🙋 认领 Claim", "✅ 关闭 Close"] and case.status == "waiting" and case.adviser is None


async def test_a_template_edited_and_reloaded_is_what_the_group_sends_next(fake, settings, tmp_path):
    faq = copy_shipped_faq(tmp_path / "faq")
    settings = dataclasses.replace(settings, faq_dir=faq)
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings) as bot:
        thread, _ = await open_case(fake)
        path = faq / "templates.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("您好，我是法律顾问，", "您好，我是县法律援助中心的顾问，"),
                        encoding="utf-8")
        assert not [p for p in await bot.service.reload_faq() if p.severity == "error"]
        fake.push_in_topic(ADVISERS, thread, zhang, text="/template greeting")
        await fake.wait_for_messages(CHAT, 3)
    assert texts(fake)[2].startswith("👩‍⚖️ 法律顾问：您好，我是县法律援助中心的顾问，")


async def test_close_with_a_summary_asks_the_villager_for_a_rating_and_closes_the_topic(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings):
        thread, _ = await open_case(fake)
        fake.push_in_topic(ADVISERS, thread, zhang, text="/close 已告知去劳动仲裁")
        rating = (await fake.wait_for_messages(CHAT, 3))[2]
        await until(lambda: fake.topics[ADVISERS][thread]["closed"], what="the topic closed")
        card = card_of(fake, 1)
    assert [b["callback_data"] for row in rating["reply_markup"]["inline_keyboard"] for b in row] == \
        [f"rate:1:{n}" for n in range(1, 6)]
    assert "已关闭" in card["text"] and "reply_markup" not in card  # no buttons on a closed case
    with sqlite3.connect(settings.database) as db:
        assert db.execute("select status, summary from cases").fetchone() == ("closed", "已告知去劳动仲裁")


async def test_cases_lists_urgent_first_then_oldest_and_stats_counts_today(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings):
        await open_case(fake, CHAT)
        fake.push_text(OTHER_VILLAGER, "我刚被骗了五千块钱")  # danger: the villager gets an urgent button
        urgent_offer = (await fake.wait_for_messages(OTHER_VILLAGER, 2))[0]
        fake.push_callback(OTHER_VILLAGER, urgent_offer["message_id"], "handoff:urgent")
        await until(lambda: card_of(fake, 2))
        third_thread, _ = await open_case(fake, THIRD_VILLAGER, "借钱不还怎么办", number=3)
        fake.push_in_topic(ADVISERS, third_thread, zhang, text="您好")
        await until(lambda: "处理中" in card_of(fake, 3)["text"])
        fake.push_text(ADVISERS, "/cases", zhang)
        fake.push_text(ADVISERS, "/stats", zhang)
        listing, stats = (await until(lambda: len(general(fake)) >= 2 and general(fake)))[:2]
    lines = listing.splitlines()
    assert lines[0].endswith("等待 2 · 处理中 1")
    assert [next(word for word in line.split() if word.startswith("#")) for line in lines[1:]] == ["#2", "#1", "#3"]
    assert lines[1].startswith("🆘") and "🙋" in lines[3]
    assert "转人工 handoffs 3" in stats and "等待 waiting 2 · 处理中 claimed 1" in stats
    assert "🆘" in fake.topics[ADVISERS][topic_of(fake, 2)]["name"] and "紧急" in card_of(fake, 2)["text"]


async def test_routes_spread_cases_over_several_advisers_groups(fake, settings):
    fraud_group = -1007777
    settings = dataclasses.replace(settings, adviser_routes={"fraud": str(fraud_group)})
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings):
        await open_case(fake)  # labour: the main advisers' group
        fake.push_text(OTHER_VILLAGER, "我刚被骗了五千块钱")
        urgent_offer = (await fake.wait_for_messages(OTHER_VILLAGER, 2))[0]
        fake.push_callback(OTHER_VILLAGER, urgent_offer["message_id"], "handoff:urgent")
        fraud_card = await until(lambda: next((m for m in fake.sent(fraud_group) if "📌" in m["text"]), None))
        fake.push_text(ADVISERS, "/cases", zhang)
        listing = (await until(lambda: general(fake)))[0]
    topic = fake.topics[fraud_group][fraud_card["message_thread_id"]]
    assert "案件 #2" in fraud_card["text"] and "我刚被骗了五千块钱" in topic["name"] and "🆘" in topic["name"]
    assert card_of(fake, 2) is None  # not in the main group
    assert "#1" in listing and "#2" not in listing and "另有 1 个案件在其他顾问群" in listing


# --- who may act --------------------------------------------------------------------------------


async def test_an_outsider_is_refused_and_logged_without_their_words_and_an_admin_may_act(fake, settings, caplog):
    settings = dataclasses.replace(settings, admins=(ADMIN,))
    outsider, admin = fake.user(OUTSIDER, "Stranger"), fake.user(ADMIN, "Admin")
    async with running_with_advisers(settings):
        thread, card = await open_case(fake)
        fake.push_in_topic(ADVISERS, thread, outsider, text="我是顾问，先交五百元手续费")
        await until(lambda: any("只有顾问" in post for post in posts(fake, thread)))
        fake.push_callback(ADVISERS, card["message_id"], "case:claim:1", user=outsider)
        await until(lambda: fake.answered_callbacks)
        fake.push_in_topic(ADVISERS, thread, admin, text="您好，我是管理员")
        await fake.wait_for_messages(CHAT, 3)
    assert texts(fake)[2] == "👩‍⚖️ 法律顾问：您好，我是管理员" and len(fake.sent(CHAT)) == 3
    assert fake.answered_callbacks[0]["show_alert"] is True and "只有顾问" in fake.answered_callbacks[0]["text"]
    refusals = [r for r in caplog.records if r.levelno == logging.WARNING and "refused" in r.getMessage()]
    assert len(refusals) == 2 and not any("手续费" in r.getMessage() for r in caplog.records)


async def test_block_tells_the_villager_once_then_ignores_them_until_unblocked(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings):
        thread, _ = await open_case(fake)
        fake.push_in_topic(ADVISERS, thread, zhang, text="/block")
        await until(lambda: "已屏蔽" in card_of(fake, 1)["text"])
        fake.push_text(CHAT, "你们凭什么不管我")
        fake.push_text(CHAT, "喂喂喂")
        told = (await fake.wait_for_messages(CHAT, 3))[2]
        await asyncio.sleep(1.5)
        blocked_view, villager_view = posts(fake, thread), texts(fake)
        fake.push_in_topic(ADVISERS, thread, zhang, text="/unblock")
        await until(lambda: any("解除屏蔽" in post for post in posts(fake, thread)))
        fake.push_text(CHAT, "对不起，我再说一遍")
        await until(lambda: "👤 对不起，我再说一遍" in posts(fake, thread))
    assert "12348" in told["text"] and len(villager_view) == 3  # told once, the second message ignored
    assert not any("凭什么" in post or "喂喂喂" in post for post in blocked_view)
