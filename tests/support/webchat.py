"""The villagers' web chat served on a test server as `mingbai run` mounts it, for the page tests."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.webchat.chat import setup_web_chat
from bot.core.service import ChatService
from bot.handoff.relay import Relay
from tests.support import ROOT, settings_for


@dataclass(frozen=True)
class WebChat:
    server: TestServer
    service: ChatService
    relay: Relay | None  # given with_relay: the adviser's replies reach the page as `mingbai run` delivers them

    def url(self, path: str = "/") -> str:
        return str(self.server.make_url(path))


@contextlib.asynccontextmanager
async def served_web_chat(data_dir: Path, faq_dir: Path = ROOT / "faq", *, with_relay: bool = False,
                          **environ: str) -> AsyncIterator[WebChat]:
    """A real core on `faq_dir` with its database in `data_dir`, and the chat page in front of it; `environ` adds
    MINGBAI_* settings (e.g. MINGBAI_OFFICE_HOURS="Mon-Sun 00:00-23:59")."""
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(faq_dir), "MINGBAI_DATA_DIR": str(data_dir),
                                             **environ}))
    app = web.Application()
    chat = setup_web_chat(app, service)
    relay = None
    if with_relay:
        relay = Relay(service.relay_port, 600)
        relay.add_villager_channel("web", chat.push, keeps_transcript=True)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield WebChat(server, service, relay)
    finally:
        await server.close()
        await service.close()
