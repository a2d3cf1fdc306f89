"""What the Telegram end-to-end tests share: the fake Bot API, settings pointing at it, a running bot, buttons.

Test modules import the `fake` and `settings` fixtures from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path

import pytest

from bot.channels.telegram import build_application, run_telegram
from bot.core.service import ChatService
from bot.settings import Settings
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
CHAT = 4242
GROUP = -1001234
ADVISERS = -1009999


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        yield server
    assert server.errors == [], f"the bot sent requests Telegram refuses: {server.errors}"


@pytest.fixture
def settings(fake, tmp_path) -> Settings:
    base = Settings.from_env({}, config_file=tmp_path / "none.toml")
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
