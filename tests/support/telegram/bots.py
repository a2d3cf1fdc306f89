"""What the Telegram end-to-end tests share: the fake Bot API, settings pointing at it, a running bot (alone, with
the advisers' group and the relay, or as a `mingbai run` subprocess), a webhook server, buttons, and a few
questions whose answers are easy to tell apart.

Test modules import the `fake` and `settings` fixtures from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import sqlite3
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp import web

from bot.channels.telegram.advisers.group import add_adviser_handlers
from bot.channels.telegram.application import build_application, run_telegram, villager_sender, webhook_routes
from bot.core.service import ChatService
from bot.handoff.relay import Relay
from bot.settings import Settings
from tests.support import ROOT, settings_for
from tests.support.telegram.server import FakeTelegram

CHAT = 4242
GROUP = -1001234
ADVISERS = -1009999
OTHER_VILLAGER, THIRD_VILLAGER = 4343, 4444
ZHANG, LI, OUTSIDER, ADMIN = 501, 502, 666, 900  # Telegram users in (or outside) the advisers' group


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        yield server
    assert server.errors_of_every_bot == [], f"the bots sent requests Telegram refuses: {server.errors_of_every_bot}"


@pytest.fixture
def settings(fake, tmp_path) -> Settings:
    base = settings_for({}, config_file=tmp_path / "none.toml")
    return dataclasses.replace(base, faq_dir=ROOT / "faq", data_dir=tmp_path / "data", telegram_token=fake.token,
                               telegram_base_url=fake.base_url, telegram_base_file_url=fake.base_file_url,
                               adviser_chat=str(ADVISERS))


@contextlib.asynccontextmanager
async def running_bot(settings: Settings):
    """mingbai's Telegram side as `mingbai run` starts it, stopped as SIGTERM would stop it."""
    service = ChatService.open(settings)
    application = build_application(settings, service)
    task = asyncio.create_task(run_telegram(application, settings, poll_timeout=1))
    try:
        yield service
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await service.close()


@contextlib.asynccontextmanager
async def running_with_advisers(settings: Settings, budget=None):
    """Villagers, the advisers' group and the relay on one Application, wired as `mingbai run` wires them;
    stopped as SIGTERM would stop them. Yields the service, relay and advisers' desk."""
    service = ChatService.open(settings)
    relay = Relay(service.relay_port, settings.handoff_timeout)
    service.effect_listeners.append(lambda outcome: relay.wake())
    application = build_application(settings, service)
    desk = add_adviser_handlers(application, settings, service, relay, budget=budget)
    relay.add_villager_channel("telegram", villager_sender(application))
    tasks = [asyncio.create_task(run_telegram(application, settings, poll_timeout=1)), asyncio.create_task(relay.run())]
    try:
        yield SimpleNamespace(service=service, relay=relay, desk=desk)
    finally:
        for task in reversed(tasks):  # the relay first: it may be using the bot
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await service.close()


@contextlib.asynccontextmanager
async def bot_process(fake: FakeTelegram, data_dir: Path, log_file: Path, burst_seconds: float = 0):
    """`python -m bot.cli run` in a subprocess, talking to `fake`; killed at exit if the test left it running.
    Each message is answered at once unless `burst_seconds` sets the burst window."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MINGBAI_", "TELEGRAM_"))}
    env.update(MINGBAI_BURST_SECONDS=str(burst_seconds), TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_BASE_URL=fake.base_url,
               TELEGRAM_BASE_FILE_URL=fake.base_file_url, MINGBAI_DATA_DIR=str(data_dir),
               MINGBAI_FAQ_DIR=str(ROOT / "faq"), MINGBAI_WEB_PORT=str(free_port()), PYTHONPATH=str(ROOT))
    with log_file.open("ab") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=data_dir, env=env,
                                                       stdout=log, stderr=log)
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def webhook_server(application, settings: Settings, port: int):
    """mingbai's aiohttp server with only the Telegram webhook route, on 127.0.0.1:`port`."""
    app = web.Application()
    app.add_routes(webhook_routes(application, settings))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


WAGES, DEBT, HELP = "老板欠我工资不给怎么办", "借钱不还怎么办", "/help"
STARTS = {WAGES: "工资被拖欠", DEBT: "借钱不还", HELP: "怎么用："}  # how each one's first bubble begins


def starts(fake, chat: int = CHAT) -> list[str]:
    """The beginning of each message the villager sees, to tell the answers apart (and count them)."""
    return [next((start for start in STARTS.values() if m["text"].startswith(start)), m["text"][:5])
            for m in fake.sent(chat)]


def rows(settings, table: str) -> int:
    with contextlib.closing(sqlite3.connect(settings.database)) as db:
        return db.execute(f"select count(*) from {table}").fetchone()[0]


def actions(message: dict) -> list[str]:
    return [b["callback_data"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def labels(message: dict) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def action_labelled(message: dict, label: str) -> str:
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    return next(b["callback_data"] for b in buttons if label in b["text"])


async def press(fake: FakeTelegram, message: dict, label: str, expect: int) -> list[dict]:
    """Press the button whose label contains `label`, and wait until the chat holds `expect` bot messages."""
    fake.push_callback(message["chat"]["id"], message["message_id"], action_labelled(message, label))
    return await fake.wait_for_messages(message["chat"]["id"], expect)


# --- the advisers' group: what people see there -------------------------------------------------


async def until(check, timeout: float = 8.0, what: str = "the expected state"):
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.05)
    return result


def adviser(fake, user_id: int, name: str) -> dict:
    fake.set_member(ADVISERS, user_id, "member")
    return fake.user(user_id, name)


def card_of(fake, number: int) -> dict | None:
    return next((m for m in fake.sent(ADVISERS) if f"案件 #{number}" in m.get("text", "") and "📌" in m["text"]), None)


def topic_of(fake, number: int) -> int | None:
    return next((thread for thread, topic in fake.topics[ADVISERS].items() if topic["name"].startswith(f"#{number} ")),
                None)


def posts(fake, thread: int | None) -> list[str]:
    """What the bot posted in a topic (or the whole group for None), cards aside: text or caption."""
    messages = fake.topic_messages(ADVISERS, thread) if thread else fake.sent(ADVISERS)
    return [m.get("text") or m.get("caption") or "" for m in messages if "📌" not in m.get("text", "")]


def texts(fake, chat: int = CHAT) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in fake.sent(chat)]


async def open_case(fake, chat: int = CHAT, question: str = "老板欠我工资不给怎么办", number: int = 1):
    """A villager asks, then asks for a person; returns (topic id, card) once the advisers see the case."""
    before = len(fake.sent(chat))
    fake.push_text(chat, question)
    await fake.wait_for_messages(chat, before + 1)
    fake.push_text(chat, "/human")
    await fake.wait_for_messages(chat, before + 2)
    card = await until(lambda: card_of(fake, number), what=f"the card of case #{number}")
    return card.get("message_thread_id"), card


def expect_refusals(fake, *descriptions: str) -> None:
    """Telegram's refusals a test provoked on purpose (a deleted topic...), taken out of the fixture's check."""
    for description in descriptions:
        found = next(error for error in fake.errors if description in error[1])
        fake.errors.remove(found)


def general(fake) -> list[str]:
    """The bot's messages outside every topic (the group's General)."""
    return [m["text"] for m in fake.sent(ADVISERS) if "message_thread_id" not in m]


class ManualClock:
    """Time that passes only when a test says so (`clock.now += 60`): a sending budget refills on cue."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
