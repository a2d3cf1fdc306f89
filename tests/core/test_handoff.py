"""Handoff to a human, channel-agnostic: cases, relay both ways, queue, timeout, hours, rating, nothing lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from bot.core.service import ChatService
from bot.errors import CaseTaken, DeliveryFailed, SettingsError
from bot.handoff.desk import TO_ADVISERS
from bot.handoff.relay import MAX_ATTEMPTS, Relay
from bot.messages import Incoming
from bot.settings import Settings
from tests.support import ROOT, settings_for
from tests.support.fakes import Clock, RecordingChannel

WEDNESDAY_NOON = dt.datetime(2026, 11, 25, 12, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()  # office hours: MINGBAI_TIMEZONE


@pytest.fixture
def settings(tmp_path):
    return settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path),
                              "MINGBAI_OFFICE_HOURS": "Mon-Fri 09:00-17:30", "MINGBAI_HANDOFF_TIMEOUT": "600"})


@pytest.fixture
async def bot(settings):
    clock = Clock(WEDNESDAY_NOON)
    service = ChatService.open(settings, clock=clock)
    relay = Relay(service.relay_port, settings.handoff_timeout, clock=clock)
    phone = RecordingChannel()
    relay.add_villager_channel("test", phone.send)
    yield service, relay, phone, clock
    await service.close()


async def say(service, text=None, action=None, user="9"):
    return (await service.handle(Incoming("test", user, text=text, action=action))).replies


def texts(replies):
    return "\n".join(reply.text for reply in replies)


async def test_villager_messages_reach_the_case_and_not_the_faq(bot):
    service, relay, phone, clock = bot
    opened = await say(service, "/human")
    assert "人工" in texts(opened) and "1" in texts(opened)  # queue position
    relayed = await say(service, "老板欠我三个月工资")
    assert "依据" not in texts(relayed), "no FAQ answer while a human is on the case"
    desk = service.conversation.desk
    [case] = desk.queue()
    kinds = [(e.kind, e.text) for e in desk.events(case.id)]
    assert ("villager", "老板欠我三个月工资") in kinds


async def test_adviser_reply_reaches_the_villager_by_display_name(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    desk = service.conversation.desk
    [case] = desk.queue()
    await service.call(desk.set_display_name, "web:zhang", "张律师")
    await service.call(desk.from_adviser, case.id, "web:zhang", "您好，请说说具体情况")
    await relay.run_once()
    [(villager, reply)] = phone.received
    assert villager == "9" and reply.text == "👩‍⚖️ 张律师：您好，请说说具体情况"
    assert desk.case(case.id).status == "claimed", "the first adviser message claims the case"


async def test_close_asks_for_a_rating_and_faq_answers_again(bot, settings):
    service, relay, phone, clock = bot
    await say(service, "/human")
    desk = service.conversation.desk
    [case] = desk.queue()
    await service.call(desk.claim, case.id, "web:zhang")
    await service.call(desk.close, case.id, "web:zhang", "已告知去仲裁")
    await relay.run_once()
    [(_, rating)] = phone.received
    assert [b.action for b in rating.all_buttons()] == [f"rate:{case.id}:{n}" for n in range(1, 6)]
    await say(service, action=f"rate:{case.id}:4")
    await say(service, "顾问很耐心")
    row = sqlite3.connect(settings.database).execute("select rating, rating_comment, summary from cases").fetchone()
    assert row == (4, "顾问很耐心", "已告知去仲裁")
    answered = await say(service, "包工头跑了工钱不给")
    assert "依据" in texts(answered)


async def test_villager_can_end_the_case(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    desk = service.conversation.desk
    [case] = desk.queue()
    await service.call(desk.from_adviser, case.id, "web:zhang", "您好")
    ended = await say(service, "/end")
    assert any(b.action.startswith("rate:") for r in ended for b in r.all_buttons())
    assert desk.queue() == []


async def test_ending_before_any_adviser_replied_asks_no_rating(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    ended = await say(service, "/end")
    assert "不用打分" in texts(ended)
    assert not any(b.action.startswith("rate:") for r in ended for b in r.all_buttons())
    assert service.conversation.desk.queue() == []


async def test_one_open_case_per_villager_and_urgent_first(bot):
    service, relay, phone, clock = bot
    await say(service, "/human", user="1")
    await say(service, "/human", user="1")
    clock.now += 60
    await say(service, action="handoff:urgent", user="2")
    queue = service.conversation.desk.queue()
    assert [c.user_key for c in queue] == ["test:2", "test:1"]


async def test_a_new_case_says_what_to_write_and_never_to_send_codes(bot):
    service, relay, phone, clock = bot
    [started] = await say(service, "我要找人工")
    assert "验证码" in started.text and "发生了什么" in started.text
    [again] = await say(service, "/human")
    assert "验证码" not in again.text, "said once, when the case opens"


async def test_danger_words_during_a_case_make_it_urgent(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    replies = await say(service, "他正在打我")
    assert "110" in replies[0].text.splitlines()[0]
    assert service.conversation.desk.queue()[0].urgent


async def test_unclaimed_case_gets_an_honest_message_after_the_timeout(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    await relay.run_once()
    assert phone.received == []
    clock.now += 601
    await relay.run_once()
    [(_, told)] = phone.received
    assert "12348" in told.text and "留言" in told.text
    await relay.run_once()
    assert len(phone.received) == 1, "told once, not on every pass"


async def test_out_of_hours_request_says_when_to_expect_an_answer(bot):
    service, relay, phone, clock = bot
    clock.now += 10 * 3600  # 22:00
    replies = await say(service, "/human")
    assert "下班时间" in texts(replies) and "周一至周五 09:00-17:30" in texts(replies)


async def test_failed_delivery_is_retried_then_reported(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    desk = service.conversation.desk
    [case] = desk.queue()
    await service.call(desk.from_adviser, case.id, "web:zhang", "第一条")
    phone.failures = [ConnectionError("network down")]
    await relay.run_once()
    assert phone.received == []
    clock.now += 5
    await relay.run_once()
    assert [r.text for _, r in phone.received] == ["👩‍⚖️ 法律顾问：第一条"]
    await service.call(desk.from_adviser, case.id, "web:zhang", "第二条")
    phone.failures = [DeliveryFailed("bot was blocked by the user")]
    await relay.run_once()
    reported = [e.text for e in desk.events(case.id) if e.destination == TO_ADVISERS]
    assert any("未能送达" in text and "第二条" in text for text in reported)


async def test_gives_up_after_max_attempts(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    desk = service.conversation.desk
    [case] = desk.queue()
    await service.call(desk.from_adviser, case.id, "web:zhang", "试试")
    phone.failures = [TimeoutError("slow")] * MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS):
        await relay.run_once()
        clock.now += 120
    assert phone.received == []
    assert [e.delivery for e in desk.events(case.id) if e.kind == "adviser"] == ["failed"]


async def test_restart_mid_case_delivers_once(settings):
    clock = Clock(WEDNESDAY_NOON)
    first = ChatService.open(settings, clock=clock)
    await say(first, "/human")
    desk = first.conversation.desk
    [case] = desk.queue()
    await first.call(desk.from_adviser, case.id, "web:zhang", "重启前写下的回复")
    await first.close()  # the bot dies before the relay ran
    second = ChatService.open(settings, clock=clock)
    phone = RecordingChannel()
    relay = Relay(second.relay_port, settings.handoff_timeout, clock=clock)
    relay.add_villager_channel("test", phone.send)
    await relay.run_once()
    await relay.run_once()
    assert [r.text for _, r in phone.received] == ["👩‍⚖️ 法律顾问：重启前写下的回复"]
    assert second.conversation.desk.open_case_for("test:9").status == "claimed"
    await second.close()


async def test_a_case_claimed_by_one_adviser_refuses_another(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    desk = service.conversation.desk
    [case] = desk.queue()
    desk.claim(case.id, "web:zhang")
    with pytest.raises(CaseTaken) as refused:
        desk.claim(case.id, "web:li")
    assert (refused.value.case_id, refused.value.holder) == (case.id, "web:zhang")


async def test_blocked_sender_is_told_once_then_ignored(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    service.conversation.desk.block("test:9", "web:zhang")
    first = await say(service, "你们凭什么")
    second = await say(service, "喂")
    assert "12348" in texts(first) and second == ()


async def test_a_blocked_villager_can_still_delete_their_data_and_stays_blocked(bot):
    service, relay, phone, clock = bot
    await say(service, "/human")
    service.conversation.desk.block("test:9", "web:zhang")
    await say(service, "你们凭什么")
    assert "确定要删除" in texts(await say(service, "/forget"))
    assert "已删除" in texts(await say(service, action="forget:yes"))
    assert service.store.transcript("test:9") == [] and service.conversation.desk.blocked("test:9")[0]
    assert await say(service, "喂") == ()  # the block protects advisers: forgetting does not lift it


def test_settings_reject_malformed_office_hours(tmp_path):
    with pytest.raises(SettingsError, match="MINGBAI_OFFICE_HOURS='9 to 5'.*Mon-Fri 09:00-17:30"):
        Settings.from_env({"MINGBAI_OFFICE_HOURS": "9 to 5", "MINGBAI_DATA_DIR": str(tmp_path)})


async def test_a_relay_woken_just_as_it_is_stopped_still_stops(bot):
    """A shutdown that meets a wake-up (a new leader's first deliveries, an adviser's reply) ends the relay: one
    that ran on would keep `mingbai run` from exiting on SIGTERM."""
    _service, relay, _phone, _clock = bot
    running = asyncio.create_task(relay.run())
    await asyncio.sleep(1)  # its first pass is done: it waits to be woken
    relay.wake()
    await asyncio.sleep(0)  # the wake-up is on its way to the relay
    running.cancel()
    stopped, _ = await asyncio.wait([running], timeout=5)
    assert stopped, "the relay ran on after it was cancelled"
