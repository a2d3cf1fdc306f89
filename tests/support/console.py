"""A running mingbai for the console tests: real server, ChatService, HandoffDesk and Relay on a temp SQLite file.

Villagers reach it through the real web chat endpoints, or through a "telegram"
channel on the relay whose sender records what it was asked to send (the
boundary where Telegram itself would start). Accounts alice and bob (advisers)
and root (admin) exist, all with PASSWORD.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.webchat.chat import setup_web_chat
from bot.console import Console, setup_console
from bot.console.accounts import hash_password
from bot.core.service import ChatService
from bot.handoff.relay import Relay
from bot.messages import Reply
from tests.support import settings_for
from tests.support.faq_files import copy_shipped_faq

PASSWORD = "correct horse battery"
HASH = hash_password(PASSWORD)  # once: scrypt is slow on purpose
SAME_SITE = {"X-Mingbai": "1"}
WAGES = "包工头跑了，工钱一直不给咋个办"


class TelegramBoundary:
    """Where the relay hands Telegram villagers' messages over; records them instead of calling Telegram."""

    def __init__(self):
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, villager_id: str, reply: Reply) -> None:
        self.sent.append((villager_id, reply))


@dataclass
class Site:
    server: TestServer
    service: ChatService
    console: Console
    telegram: TelegramBoundary
    faq_dir: Path
    data_dir: Path


@contextlib.asynccontextmanager
async def served_console(faq_dir: Path, data_dir: Path, accounts=(("alice", "adviser", ()), ("bob", "adviser", ()),
                                                                  ("root", "admin", ())), timezone: str = "Asia/Shanghai",
                         database_url: str = ""):
    """The web chat, the console and the relay on one test server, as `mingbai run` mounts them, with `accounts`
    (name, role, counties) that log in with PASSWORD; a fake Telegram villager channel records what it is given.
    `timezone` is MINGBAI_TIMEZONE, `database_url` MINGBAI_DATABASE_URL (PostgreSQL; '' the SQLite file)."""
    settings = settings_for({"MINGBAI_FAQ_DIR": str(faq_dir), "MINGBAI_DATA_DIR": str(data_dir),
                             "MINGBAI_TIMEZONE": timezone, "MINGBAI_DATABASE_URL": database_url})
    service = ChatService.open(settings)
    relay = Relay(service.relay_port, settings.handoff_timeout)
    service.effect_listeners.append(lambda outcome: relay.wake())
    app = web.Application(client_max_size=64 * 1024)
    relay.add_villager_channel("web", setup_web_chat(app, service).push, keeps_transcript=True)
    telegram = TelegramBoundary()
    relay.add_villager_channel("telegram", telegram.send)
    console = setup_console(app, service, relay, faq_dir, watch_seconds=None, timezone=settings.timezone)
    server = TestServer(app)
    await server.start_server()
    for name, role, counties in accounts:
        await service.call(console.accounts.save, name, role, HASH, counties)
    running = asyncio.create_task(relay.run())
    try:
        yield Site(server, service, console, telegram, faq_dir, data_dir)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await server.close()
        await service.close()


@pytest.fixture
async def site(tmp_path):
    async with served_console(copy_shipped_faq(tmp_path / "faq"), tmp_path / "data") as served:
        yield served


class Client:
    """One browser: its own cookies, speaking to the server as the console's (or chat page's) script does."""

    def __init__(self, site: Site):
        self.site = site
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    def url(self, path: str) -> str:
        return str(self.site.server.make_url(path))

    async def post(self, path: str, payload=None, headers=SAME_SITE, raw: bytes | None = None) -> tuple[int, dict]:
        body = raw if raw is not None else json.dumps(payload or {}, ensure_ascii=False).encode()
        async with self.session.post(self.url(path), data=body, headers={**headers, "Content-Type": "application/json"},
                                     allow_redirects=False) as response:
            return response.status, await response.json()

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.url(path), allow_redirects=False) as response:
            return response.status, await response.text()

    async def login(self, name: str, password: str = PASSWORD) -> tuple[int, dict]:
        return await self.post("/login", {"name": name, "password": password})

    async def state(self, case: int | None = None) -> dict:
        status, text = await self.get(f"/adviser/api/state{f'?case={case}' if case else ''}")
        assert status == 200, text
        return json.loads(text)

    async def act(self, case: int, action: str, payload=None, **options) -> tuple[int, dict]:
        return await self.post(f"/adviser/api/cases/{case}/{action}", payload, **options)


@pytest.fixture
async def browsers(site):
    opened: list[Client] = []

    async def open_browser(login: str | None = None, kind=None) -> Client:
        client = (kind or Client)(site)
        opened.append(client)
        if login:
            assert (await client.login(login))[0] == 200
        return client

    yield open_browser
    for client in opened:
        await client.session.close()


class WebVillager(Client):
    async def start(self) -> "WebVillager":
        await self.get("/")
        return self

    async def says(self, text: str | None = None, action: str | None = None) -> dict:
        status, body = await self.post("/api/message", {"text": text} if text else {"action": action})
        assert status == 200, body
        return body

    seen = 0

    async def pushed(self, wait: float = 5) -> list[dict]:
        """What advisers sent since the last look, waiting up to `wait` seconds for something (the page's long poll)."""
        status, text = await self.get(f"/api/poll?after={self.seen}&wait={wait}")
        messages = json.loads(text)["messages"]
        self.seen = max([self.seen] + [message["seq"] for message in messages])
        return [message["reply"] for message in messages]


async def eventually(check, timeout: float = 5.0):
    for _ in range(int(timeout / 0.05)):
        if result := await check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")
