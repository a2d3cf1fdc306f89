"""A question typed in pieces (老板 / 跑了 / 欠我工钱 / 咋办) is read as one and answered once, on every channel:
the web chat over HTTP and over its WebSocket, Telegram against the fake Bot API (also across a kill -9 while the
bot waits), WeChat against the fake WeChat. Emergencies never wait. Real servers and SQLite throughout."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
import sqlite3
import time

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.webchat.chat import setup_web_chat
from bot.channels.wechat.channel import WeChatSettings, setup_wechat
from bot.core.service import ChatService
from bot.settings import SETTINGS, Settings
from tests.support import ROOT, settings_for
from tests.support.database import count_rows
from tests.support.fakes import Clock
from tests.support.telegram.bots import CHAT, bot_process, fake, running_bot, settings, until  # noqa: F401
from tests.support.wechat import FakeWeChat

BURST = ["老板", "跑了", "欠我工钱", "咋办"]  # alone, 跑了 is asked back and 咋办 falls back
WAGE_START = "工资被拖欠"  # how the wage answer's first bubble begins
TYPING = 0.3  # seconds between two fragments: a quick thumb


def incoming_rows(database, user_key: str) -> list[str]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return [text for (text,) in db.execute(
            "select text from messages where user_key = ? and direction = 'in' order by id", [user_key])]


def test_the_window_is_on_by_default_and_short():
    default = float(next(value for name, value, _ in SETTINGS if name == "MINGBAI_BURST_SECONDS"))
    reply_seconds = float(next(value for name, value, _ in SETTINGS if name == "MINGBAI_WECHAT_REPLY_SECONDS"))
    assert 2 <= default <= 3 and default < reply_seconds  # WeChat's passive reply still has time for the answer
    with pytest.raises(ValueError, match="MINGBAI_BURST_SECONDS"):
        Settings.from_env({"MINGBAI_BURST_SECONDS": "soon"})


# --- the web chat -----------------------------------------------------------------------------


@pytest.fixture
async def web_server(tmp_path):
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path),
                                                  "MINGBAI_BURST_SECONDS": "1.5"}))
    app = web.Application()
    setup_web_chat(app, service)
    server = TestServer(app)
    await server.start_server()
    yield server, service
    await server.close()
    await service.close()


@contextlib.asynccontextmanager
async def browser_session(server: TestServer):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(server.make_url("/")) as page:
            await page.read()
        yield session


async def test_fragments_posted_over_http_get_one_answer_to_the_whole_question(web_server):
    server, service = web_server
    async with browser_session(server) as session:
        async def post(number: int, text: str) -> dict:
            await asyncio.sleep(number * TYPING)  # typed one after another, sent without waiting for answers
            async with session.post(server.make_url("/api/message"), headers={"X-Mingbai": "1"},
                                    data=json.dumps({"text": text, "id": f"f{number}"})) as response:
                assert response.status == 200
                return await response.json()

        bodies = await asyncio.gather(*(post(number, text) for number, text in enumerate(BURST)))
        villager = next(cookie.value for cookie in session.cookie_jar if cookie.key == "mingbai_id")
        async with session.get(server.make_url("/api/history")) as response:
            history = (await response.json())["messages"]
    assert [body["replies"] for body in bodies[:3]] == [[], [], []]  # nothing for the pieces on their own
    [answer] = bodies[3]["replies"][:1]
    assert answer["text"].startswith(WAGE_START)
    assert [message["text"] for message in history if message["from"] == "me"] == BURST  # shown as typed
    assert sum(message["from"] == "bot" for message in history) == len(bodies[3]["replies"])
    assert incoming_rows(service.store.path, f"web:{villager}") == BURST
    assert count_rows(service.store.path, "fragments") == 0


async def test_fragments_sent_on_one_websocket_get_one_answer_and_a_button_does_not_wait(web_server):
    server, _ = web_server
    async with browser_session(server) as session:
        async with session.ws_connect(server.make_url("/ws")) as ws:
            started = time.monotonic()
            for number, text in enumerate(BURST):  # the page writes each at once, never waiting for an answer
                await ws.send_json({"text": text, "id": f"w{number}"})
            answers = {}
            while len(answers) < len(BURST):
                frame = await ws.receive_json(timeout=10)
                answers[frame["id"]] = frame["replies"]
            elapsed = time.monotonic() - started
            assert [answers[f"w{n}"] for n in range(3)] == [[], [], []]
            assert answers["w3"][0]["text"].startswith(WAGE_START) and elapsed < 1.5 + 2.0

            more = next(button["action"] for reply in answers["w3"] for row in reply["buttons"] for button in row
                        if button["action"].startswith("more:"))
            started = time.monotonic()
            await ws.send_json({"action": more, "id": "w4"})
            frame = await ws.receive_json(timeout=10)
            assert frame["replies"] and time.monotonic() - started < 1.0  # a button is answered at once


async def test_an_emergency_after_a_fragment_is_answered_at_once_and_read_with_it(tmp_path):
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path),
                                                  "MINGBAI_BURST_SECONDS": "30"}))
    app = web.Application()
    setup_web_chat(app, service)
    server = TestServer(app)
    await server.start_server()
    try:
        async with browser_session(server) as session:
            async def post(text: str, number: int) -> dict:
                async with session.post(server.make_url("/api/message"), headers={"X-Mingbai": "1"},
                                        data=json.dumps({"text": text, "id": f"e{number}"})) as response:
                    return await response.json()

            started = time.monotonic()
            first = asyncio.create_task(post("我男人", 1))
            await until(lambda: count_rows(service.store.path, "fragments") == 1, what="the fragment stored")
            danger = await post("他拿刀说要砍死我", 2)
            elapsed = time.monotonic() - started
            assert (await first)["replies"] == []
    finally:
        await server.close()
        await service.close()
    assert elapsed < 5, "an emergency must never wait for the window"
    assert "110" in danger["replies"][0]["text"]
    assert "🆘" in json.dumps(danger["replies"][0]["buttons"], ensure_ascii=False)


# --- Telegram ---------------------------------------------------------------------------------


async def test_fragments_on_telegram_get_one_answer(fake, settings):
    async with running_bot(dataclasses.replace(settings, burst_seconds=1.5)):
        for text in BURST:
            fake.push_text(CHAT, text)
            await asyncio.sleep(TYPING)
        [answer] = await fake.wait_for_messages(CHAT, 1, timeout=10)
        await asyncio.sleep(2.0)  # room for a second answer to show
    assert answer["text"].startswith(WAGE_START) and len(fake.sent(CHAT)) == 1
    assert incoming_rows(settings.database, f"telegram:{CHAT}") == BURST


async def test_fragments_stored_when_the_bot_is_killed_are_answered_once_after_the_restart(fake, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    async with bot_process(fake, data, tmp_path / "bot.log", burst_seconds=30) as first:
        await until(lambda: fake.called("getUpdates"), timeout=20, what="the bot polling")
        fake.push_text(CHAT, "老板跑了")
        fake.push_text(CHAT, "欠我工钱咋办")
        database = data / "mingbai.sqlite"
        await until(lambda: database.exists() and rows_in(database, "fragments") == 2, timeout=20,
                    what="both fragments stored")
        first.kill()  # SIGKILL while the bot waits for more
        await first.wait()
    assert fake.sent(CHAT) == []
    async with bot_process(fake, data, tmp_path / "bot.log", burst_seconds=1) as second:
        [answer] = await fake.wait_for_messages(CHAT, 1, timeout=30)
        await asyncio.sleep(1.5)  # room for a duplicate to show
        second.terminate()
        assert await second.wait() == 0
    assert answer["text"].startswith(WAGE_START) and len(fake.sent(CHAT)) == 1
    assert rows_in(database, "fragments") == 0
    assert incoming_rows(database, f"telegram:{CHAT}") == ["老板跑了", "欠我工钱咋办"]


def rows_in(database, table: str) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return db.execute(f"select count(*) from {table}").fetchone()[0]


# --- WeChat -----------------------------------------------------------------------------------


async def test_fragments_on_wechat_get_one_passive_reply_within_wechats_five_seconds(tmp_path):
    clock = Clock()
    fake_wechat = FakeWeChat("burst-token", timeout=5.0, attempts=1, clock=clock)  # one try: no retry hides a miss
    await fake_wechat.start()
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path),
                                                  "MINGBAI_BURST_SECONDS": "2.5"}))
    app = web.Application()
    channel = setup_wechat(app, service, WeChatSettings("burst-token", fake_wechat.app_id, fake_wechat.secret,
                                                        api_base=fake_wechat.api_base, reply_seconds=4.0))
    channel.clock = clock
    runner = web.AppRunner(app)
    await runner.setup()
    listening = socket.create_server(("127.0.0.1", 0))
    await web.SockSite(runner, listening).start()
    fake_wechat.bot_url = f"http://127.0.0.1:{listening.getsockname()[1]}/wechat"
    try:
        async def typed(number: int, text: str):
            await asyncio.sleep(number * TYPING)
            return await fake_wechat.text("oBurst", text)

        pushes = await asyncio.gather(*(typed(number, text) for number, text in enumerate(BURST)))
        await asyncio.sleep(0.5)
    finally:
        await runner.cleanup()
        await fake_wechat.close()
        await service.close()
    assert [push.reply for push in pushes[:3]] == [None, None, None]  # "success": nothing on the phone
    assert pushes[3].reply.startswith(WAGE_START) and pushes[3].seconds < 5
    assert fake_wechat.seen["oBurst"][0].startswith(WAGE_START) and fake_wechat.problems == []
