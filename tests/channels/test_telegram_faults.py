"""What a villager notices when Telegram misbehaves under a running bot: error answers, 429 storms, connections
lost before or after Telegram took a message, stalled long polls, a getMe that fails at start-up. The answer
arrives, once (or, where no bot can know better, at most a bounded number of times), in order.

Real parts: the PTB Application and ChatService against the fake Bot API (tests/support/telegram/server.py, whose faults
are in tests/support/telegram/faults.py) on real SQLite files.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from bot.core.service import ChatService
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS,
    CHAT,
    DEBT,
    HELP,
    OTHER_VILLAGER,
    STARTS,
    THIRD_VILLAGER,
    WAGES,
    ZHANG,
    adviser,
    fake,
    open_case,
    posts,
    rows,
    running_bot,
    running_with_advisers,
    settings,
    starts,
    until,
)

# --- sending ----------------------------------------------------------------------------------


async def test_replies_held_up_by_500s_all_arrive_once_telegram_recovers(fake, settings, caplog):
    caplog.set_level(logging.INFO)
    fake.fail_next("sendMessage", status=500, times=5)
    chats = (CHAT, OTHER_VILLAGER, THIRD_VILLAGER)
    async with running_bot(settings):
        for chat in chats:
            fake.push_text(chat, WAGES)
            fake.push_text(chat, HELP)
        for chat in chats:
            await fake.wait_for_messages(chat, 2, timeout=15)
        await asyncio.sleep(0.5)  # room for a duplicate to show
    assert all(starts(fake, chat) == [STARTS[WAGES], STARTS[HELP]] for chat in chats)
    assert len(fake.called("sendMessage")) == 6 + 5  # each failed call was made again, nothing more
    assert "工资" not in caplog.text and fake.token not in caplog.text
    assert rows(settings, "telegram_outbox") == 0


async def test_a_429_storm_on_one_chat_is_waited_out_and_every_reply_arrives_in_order(fake, settings):
    """Six 429s in a row outlast PTB's rate limiter (five retries); the outbox waits out the rest."""
    fake.fail_next("sendMessage", status=429, retry_after=1, times=6)
    async with running_bot(settings):
        for question in (WAGES, HELP, DEBT):
            fake.push_text(CHAT, question)
        await fake.wait_for_messages(CHAT, 3, timeout=20)
        await asyncio.sleep(0.3)
    assert starts(fake) == [STARTS[WAGES], STARTS[HELP], STARTS[DEBT]]
    assert len(fake.called("sendMessage")) == 3 + 6


@pytest.mark.parametrize("after, times, seen", [
    (False, 1, [WAGES, HELP]),  # lost before Telegram took the message: sent again, shown once
    (True, 1, [WAGES, WAGES, HELP]),  # lost after Telegram delivered it: shown twice (no bot can know), never lost
    (True, 3, [WAGES] * 3 + [HELP]),  # lost after delivery again and again: given up after 3 copies, chat goes on
])
async def test_a_dropped_connection_is_retried_and_repeats_a_message_only_if_telegram_had_it(fake, settings, after,
                                                                                              times, seen):
    fake.drop_next("sendMessage", after=after, times=times)
    async with running_bot(settings):
        fake.push_text(CHAT, WAGES)
        fake.push_text(CHAT, HELP)
        await fake.wait_for_messages(CHAT, len(seen))
        await asyncio.sleep(0.5)  # room for another copy to show
    assert starts(fake) == [STARTS[question] for question in seen]
    assert fake.dropped == ["sendMessage"] * times


async def test_a_villager_who_blocked_the_bot_is_not_retried_and_the_next_reply_still_goes(fake, settings, caplog):
    fake.fail_next("sendMessage", status=403)
    async with running_bot(settings):
        fake.push_text(CHAT, WAGES)
        fake.push_text(CHAT, HELP)
        await fake.wait_for_messages(CHAT, 1)
        await asyncio.sleep(0.3)
    assert starts(fake) == [STARTS[HELP]]
    assert len(fake.called("sendMessage")) == 2
    assert "given up" in caplog.text and "工资" not in caplog.text


async def test_advisers_are_told_when_their_words_cannot_reach_a_villager_who_blocked_the_bot(fake, settings):
    zhang = adviser(fake, ZHANG, "Zhang San")
    async with running_with_advisers(settings):
        thread, _ = await open_case(fake)
        fake.fail_next("sendMessage", status=403, chat_id=CHAT)
        fake.push_in_topic(ADVISERS, thread, zhang, text="您好，请问欠了多久？")
        await until(lambda: any("未能送达" in post for post in posts(fake, thread)), what="the advisers told")
    assert len(fake.sent(CHAT)) == 2  # the answer and the handoff notice: the adviser's words never arrived
    assert [call["chat_id"] for call in fake.called("sendMessage")].count(CHAT) == 3  # refused once, not retried


# --- receiving and starting -------------------------------------------------------------------


async def test_polling_goes_on_through_a_stall_a_dropped_connection_a_502_and_a_429(fake, settings):
    fake.stall_next("getUpdates", seconds=4)  # longer than the bot waits for a 1 s long poll
    fake.drop_next("getUpdates")
    fake.fail_next("getUpdates", status=502)
    fake.fail_next("getUpdates", status=429, retry_after=1)
    async with running_bot(settings):
        fake.push_text(CHAT, WAGES)
        await fake.wait_for_messages(CHAT, 1, timeout=15)
        fake.push_text(CHAT, HELP)
        await fake.wait_for_messages(CHAT, 2)
        await asyncio.sleep(0.3)
    assert starts(fake) == [STARTS[WAGES], STARTS[HELP]]
    assert len(fake.called("getUpdates")) >= 6


async def test_start_up_waits_for_telegram_to_answer_getme(fake, settings):
    fake.drop_next("getMe")
    fake.fail_next("getMe", status=500, times=2)
    async with running_bot(settings):
        fake.push_text(CHAT, HELP)
        await fake.wait_for_messages(CHAT, 1, timeout=10)
    assert starts(fake) == [STARTS[HELP]]
    assert len(fake.called("getMe")) == 4


async def test_recording_that_a_message_went_out_does_not_wait_behind_messages_queued_for_the_core(settings):
    """The shorter the time between Telegram taking a message and the outbox knowing it, the rarer a repeat
    after a crash: that record goes ahead of the work still waiting for the core's one thread."""
    service, done, gate = ChatService.open(settings), [], threading.Event()
    try:
        busy = service.submit(gate.wait, 5)  # the core in the middle of one message
        waiting = [service.submit(done.append, f"message {number}") for number in range(3)]
        sent = asyncio.ensure_future(service.call_first(done.append, "sent"))
        await asyncio.sleep(0.05)
        gate.set()
        await asyncio.gather(busy, *waiting, sent)
    finally:
        await service.close()
    assert done == ["sent", "message 0", "message 1", "message 2"]
