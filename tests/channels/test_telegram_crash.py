"""What a villager notices when mingbai goes down at the worst moment: updates Telegram considers delivered but
nobody answered, replies decided but not sent, a webhook acknowledged just before a crash, and a kill -9 in the
middle of a burst. After the restart every message is answered, once, in order.

Real parts throughout: the PTB Application and ChatService against the fake Bot API (tests/support/telegram/) on
real SQLite files; for the kill test, `python -m bot.cli run` in a subprocess, killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sqlite3

import pytest
from telegram import Bot

from bot.channels.telegram.application import build_application, run_telegram
from bot.channels.telegram.format import to_calls
from bot.core.service import ChatService
from bot.messages import Button, Incoming, Reply
from bot.storage.store import Store
from tests.support.telegram.api import visible_text
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS,
    CHAT,
    DEBT,
    HELP,
    OTHER_VILLAGER,
    STARTS,
    WAGES,
    ZHANG,
    actions,
    adviser,
    bot_process,
    fake,
    free_port,
    open_case,
    rows,
    running_bot,
    running_with_advisers,
    settings,
    starts,
    texts,
    until,
    webhook_server,
)

# --- restarts ---------------------------------------------------------------------------------


async def fetch_and_store_then_die(fake, settings) -> None:
    """What a bot killed at the worst moment had done: fetched the updates, stored them, confirmed them."""
    store = Store(settings.database)
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        updates = await bot.get_updates(timeout=0)
        store.telegram_inbox.store([update.to_dict() for update in updates])
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    store.close()


async def test_updates_stored_but_unanswered_before_a_crash_are_each_answered_once_after_restart(fake, settings):
    async with running_bot(settings):
        answered = fake.push_text(CHAT, WAGES)
        await fake.wait_for_messages(CHAT, 1)
    with contextlib.closing(sqlite3.connect(settings.database)) as db, db:  # it crashed before marking it done
        db.execute("update telegram_inbox set status = 'pending', raw = ? where update_id = ?",
                   [json.dumps(answered), answered["update_id"]])
    fake.push_text(CHAT, HELP)
    fake.push_text(OTHER_VILLAGER, DEBT)
    await fetch_and_store_then_die(fake, settings)
    assert fake.unconfirmed == 0  # Telegram will not send them again: only SQLite has them
    async with running_bot(settings):
        await fake.wait_for_messages(CHAT, 2)
        await fake.wait_for_messages(OTHER_VILLAGER, 1)
        await asyncio.sleep(0.5)
    assert starts(fake) == [STARTS[WAGES], STARTS[HELP]]
    assert starts(fake, OTHER_VILLAGER) == [STARTS[DEBT]]
    assert rows(settings, "telegram_inbox where status = 'pending'") == 0


async def test_messages_left_in_the_outbox_by_a_crash_are_sent_once_in_order_after_restart(fake, settings):
    store = Store(settings.database)
    replies = [Reply("第一条"), Reply("第二条", ((Button("🙋 找人工", "handoff"),),))]
    store.telegram_outbox.add(CHAT, None, to_calls(replies))  # as the core's transaction wrote them
    store.close()
    async with running_bot(settings):
        await fake.wait_for_messages(CHAT, 2)
        await asyncio.sleep(0.5)
    assert [m["text"] for m in fake.sent(CHAT)] == ["第一条", "第二条"]
    assert actions(fake.sent(CHAT)[1]) == ["handoff"]
    assert rows(settings, "telegram_outbox") == 0


async def test_replies_that_cannot_be_written_are_answered_unsaved_and_not_marked_handled(settings):
    """The dedupe mark commits with the replies: a failed write rolls it back, so the villager gets an answer
    marked `unsaved` (sent directly, not through the outbox) and a redelivery is handled again, not as a duplicate."""
    service = ChatService.open(settings)
    incoming = Incoming("telegram", str(CHAT), text=WAGES, message_id=f"{CHAT}:1")

    def full_disk(outcome) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    try:
        unsaved = await service.handle(incoming, record=full_disk)
        assert [effect.kind for effect in unsaved.effects] == ["unsaved"] and "没能保存" in unsaved.replies[-1].text
        assert (await service.handle(incoming)).replies
        assert (await service.handle(incoming)).replies == ()
    finally:
        await service.close()


async def test_a_webhook_update_answered_200_survives_a_crash_and_a_redelivery_is_answered_once(fake, settings):
    port, secret = free_port(), "s3cret-Token_1"
    settings = dataclasses.replace(settings, webhook_url=f"http://127.0.0.1:{port}", webhook_secret=secret)
    service = ChatService.open(settings)  # the first run acknowledges the update, then dies before handling it
    async with webhook_server(build_application(settings, service), settings, port) as url:
        fake.webhook = {"url": f"{url}/telegram/webhook", "secret_token": secret}
        update = fake.push_text(CHAT, HELP)
        await until(lambda: fake.webhook_deliveries == [200])
    await service.close()
    assert fake.sent(CHAT) == []
    service = ChatService.open(settings)
    application = build_application(settings, service)
    async with webhook_server(application, settings, port):
        task = asyncio.create_task(run_telegram(application, settings))
        try:
            await fake.wait_for_messages(CHAT, 1)
            fake.push_update(update)  # Telegram sends it again, as after a timeout
            await until(lambda: len(fake.webhook_deliveries) == 2)
            await asyncio.sleep(0.3)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await service.close()
    assert starts(fake) == [STARTS[HELP]]
    assert fake.webhook_deliveries == [200, 200]


# --- kill -9 ----------------------------------------------------------------------------------

BURST = [WAGES, DEBT, HELP, "离婚孩子归谁", "邻居占了我家宅基地怎么办"]


async def expected_conversation(settings) -> list[str]:
    """What one villager sees for BURST when nothing goes wrong, from the core itself on a scratch database."""
    scratch = dataclasses.replace(settings, data_dir=settings.data_dir.parent / "reference")
    service = ChatService.open(scratch)
    try:
        seen = []
        for number, question in enumerate(BURST):
            outcome = await service.handle(Incoming("telegram", "1", text=question, message_id=f"1:{number}"))
            seen += [visible_text(call["html"], "HTML") for call in to_calls(outcome.replies)]
        return seen
    finally:
        await service.close()


@pytest.mark.timeout(60)
async def test_a_bot_killed_mid_burst_answers_every_message_once_after_restart(fake, settings, tmp_path):
    """100 messages from 20 villagers, SIGKILL while they are being answered, a restart: every villager sees each
    answer once and in order. The one exception no bot can rule out (see telegram_sending): a message Telegram
    took in the very instant of the kill, before the bot could write that down, goes out again; at most one per
    chat, and only that one."""
    expected = await expected_conversation(settings)
    chats = [5000 + n for n in range(20)]
    data = tmp_path / "bot-data"
    data.mkdir()

    def answered() -> int:
        return sum(len(fake.sent(chat)) for chat in chats)

    async with bot_process(fake, data, tmp_path / "bot.log") as first:
        await until(lambda: fake.called("getUpdates"), timeout=20, what="the bot polling")
        for question in BURST:
            for chat in chats:
                fake.push_text(chat, question)
        await until(lambda: answered() >= 15, timeout=20, what="the first answers")
        first.kill()  # SIGKILL: no cleanup of any kind
        await first.wait()
    await asyncio.sleep(0.3)  # requests that reached Telegram before the kill are still carried out
    at_kill = {chat: len(fake.sent(chat)) for chat in chats}
    assert sum(at_kill.values()) < len(chats) * len(expected), "the burst was over before the kill"
    assert fake.unconfirmed == 0, "Telegram still held updates, so the restart would not depend on SQLite"
    async with bot_process(fake, data, tmp_path / "bot.log") as second:
        await until(lambda: all(len(fake.sent(chat)) >= len(expected) for chat in chats), timeout=30,
                    what=f"every answer (log: {tmp_path / 'bot.log'})")
        await asyncio.sleep(1.0)  # room for a duplicate to show
        second.terminate()
        assert await second.wait() == 0
    for chat in chats:
        seen, sent_before = [m["text"] for m in fake.sent(chat)], at_kill[chat]
        in_flight = expected[:sent_before] + expected[sent_before - 1:] if sent_before else expected
        assert seen in (expected, in_flight), f"chat {chat}: {[text[:6] for text in seen]}, {sent_before} at the kill"


async def test_an_adviser_reply_whose_write_failed_reaches_the_villager_after_the_restart(fake, settings):
    """The reply is marked seen and written in one transaction: a write that fails (a full disk, played by a
    trigger) and a crash before the update is marked handled leave it unseen, so the restart sends it."""
    zhang = adviser(fake, ZHANG, "Zhang")
    async with running_with_advisers(settings):
        thread, _ = await open_case(fake)
        with sqlite3.connect(settings.database) as db:
            db.execute("create trigger full_disk before insert on case_events begin select raise(abort, 'disk full'); end")
        update = fake.push_in_topic(ADVISERS, thread, zhang, text="您好，请把欠条拍给我看看")
        await asyncio.sleep(1.5)
    with sqlite3.connect(settings.database) as db:
        db.execute("drop trigger full_disk")
        # what a crash at that moment leaves in the inbox: the update stored, not marked handled
        db.execute("update telegram_inbox set status = 'pending', raw = ? where update_id = ?",
                   [json.dumps(update, ensure_ascii=False), update["update_id"]])
    assert not any("欠条拍给我" in text for text in texts(fake))
    async with running_with_advisers(settings):  # the restart replays the update
        await until(lambda: any("欠条拍给我" in text for text in texts(fake)), what="the adviser's reply")
