"""The Telegram channel's delivery guarantees end to end: order within a chat, duplicates, 429s, failures,
webhooks, and what Telegram accepts (message length, callback_data size).

Real PTB Application and real ChatService against the fake Bot API, as in test_telegram.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging

import aiohttp
import pytest
from aiohttp import web

from bot.channels.telegram.application import build_application, run_telegram, send_outcome, webhook_routes
from bot.channels.telegram.format import keyboard, to_outgoing
from bot.core import replies
from bot.core.service import ChatService
from bot.messages import Button, Outcome, Reply
from tests.support.telegram.bots import CHAT, actions, fake, press, running_bot, settings  # noqa: F401  (fixtures)


async def test_quick_messages_from_one_villager_are_answered_in_the_order_sent(fake, settings):
    """A sticker in the middle of the flow gets two replies; a /help sent right after must not land between them."""
    sticker = {"file_id": "s1", "file_unique_id": "s", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False}
    async with running_bot(settings):
        fake.push_text(CHAT, "/start")
        [welcome] = await fake.wait_for_messages(CHAT, 1)
        await press(fake, welcome, "测一测", expect=2)
        for _ in range(4):
            fake.push_update({"message": fake.message(CHAT, sticker=sticker)})
            fake.push_text(CHAT, "/help")
        messages = await fake.wait_for_messages(CHAT, 2 + 4 * 3)
    starts = [m["text"][:3] for m in messages[2:]]
    assert starts == ["我暂时", "（刚才", "怎么用"] * 4


async def test_an_update_delivered_twice_is_answered_once(fake, settings):
    async with running_bot(settings):
        update = fake.push_text(CHAT, "老板欠我工资不给怎么办")
        fake.push_update(update)
        fake.push_text(CHAT, "/help")  # one chat is answered in order, so this comes after the duplicate
        messages = await fake.wait_for_messages(CHAT, 2)
        await asyncio.sleep(0.2)
    assert len(fake.sent(CHAT)) == 2
    assert messages[1]["text"].startswith("怎么用")


async def test_a_429_from_telegram_is_waited_out_and_the_reply_still_arrives(fake, settings):
    fake.fail_next("sendMessage", status=429, retry_after=1)
    async with running_bot(settings):
        fake.push_text(CHAT, "/help")
        [help_message] = await fake.wait_for_messages(CHAT, 1, timeout=6)
    assert help_message["text"].startswith("怎么用")
    assert len(fake.called("sendMessage")) == 2


async def test_a_500_on_a_reply_is_retried_in_order_and_logged_without_text(fake, settings, caplog):
    caplog.set_level(logging.INFO)
    fake.fail_next("sendMessage", status=500)
    async with running_bot(settings):
        fake.push_text(CHAT, "老板欠我工资不给怎么办")
        fake.push_text(CHAT, "/help")
        wages, help_message = await fake.wait_for_messages(CHAT, 2)
    assert "12333" in wages["text"] or "仲裁" in wages["text"], "the reply that met the 500 still arrives, first"
    assert help_message["text"].startswith("怎么用")
    assert "工资" not in caplog.text and fake.token not in caplog.text  # no villager's words, no token in URLs


# --- webhook ----------------------------------------------------------------------------------


async def test_webhook_answers_telegram_and_refuses_a_wrong_secret(fake, settings):
    app = web.Application()
    runner = web.AppRunner(app, access_log=None)
    secret = "s3cret-Token_1"
    site_port = await _free_port()
    settings = dataclasses.replace(settings, webhook_url=f"http://127.0.0.1:{site_port}", webhook_secret=secret)
    service = ChatService.open(settings)
    application = build_application(settings, service)
    app.add_routes(webhook_routes(application, settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", site_port).start()
    task = asyncio.create_task(run_telegram(application, settings))
    try:
        url = f"http://127.0.0.1:{site_port}/telegram/webhook"
        forged = {"update_id": 999, "message": fake.message(CHAT, text="/help")}
        async with aiohttp.ClientSession() as session:
            for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
                async with session.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
        while not fake.webhook:
            await asyncio.sleep(0.02)
        assert fake.webhook["url"] == url
        fake.push_text(CHAT, "/help")
        [help_message] = await fake.wait_for_messages(CHAT, 1)
        await asyncio.sleep(0.2)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await runner.cleanup()
        await service.close()
    assert help_message["text"].startswith("怎么用")
    assert len(fake.sent(CHAT)) == 1  # the forged update was never answered
    assert fake.webhook_deliveries == [200]
    assert fake.called("getUpdates") == []


async def _free_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


# --- what Telegram accepts --------------------------------------------------------------------


async def test_a_reply_longer_than_telegram_allows_arrives_in_parts_split_at_line_breaks(fake, settings):
    lines = [f"第{n}条：" + "请保留好欠条、转账记录和聊天记录。" * 5 for n in range(60)]
    reply = Reply("\n".join(lines), ((Button("🙋 找人工", "handoff"),),))
    service = ChatService.open(settings)
    try:
        async with build_application(settings, service) as application:
            await send_outcome(application.bot, CHAT, Outcome((reply,)))
    finally:
        await service.close()
    parts = fake.sent(CHAT)
    assert len(parts) > 1
    assert "\n".join(part["text"] for part in parts) == reply.text
    assert all(actions(part) == [] for part in parts[:-1]) and actions(parts[-1]) == ["handoff"]


def test_a_button_action_longer_than_64_bytes_fails_loudly():
    with pytest.raises(ValueError, match="64"):
        keyboard(((Button("太长", "intent:" + "很长的意图" * 5),),))


def test_every_button_the_faq_produces_fits_telegram(shipped_faq):
    """callback_data holds 64 bytes: every answer, topic menu and the welcome must convert without error."""
    replies_to_check = [replies.answer(shipped_faq, intent, lang) for intent in shipped_faq for lang in ("zh", "en")]
    replies_to_check += [replies.group_questions(shipped_faq, group.id, "zh") for group in shipped_faq.groups]
    replies_to_check += [replies.welcome(shipped_faq, "zh"), replies.topics(shipped_faq, "en")]
    for reply in replies_to_check:
        to_outgoing(reply)
