"""The bot's aiohttp server with the WeChat channel, the fake WeChat around it and one clock for both: a villager on
WeChat as the channel's tests and the core's meet them."""

from __future__ import annotations

import socket
import time

from aiohttp import web

from bot.channels.wechat.channel import WeChatSettings, setup_wechat
from bot.core.service import ChatService
from bot.errors import DeliveryFailed
from bot.messages import Reply
from tests.support import ROOT, settings_for
from tests.support.database import count_rows
from tests.support.fakes import Clock
from tests.support.wechat import FakeWeChat

TOKEN = "mingbai-test-token"
WAGES = "包工头跑了，工钱一直不给咋个办"


class World:
    """The bot's aiohttp server with the WeChat channel, the fake WeChat around it, and one clock for both."""

    def __init__(self, tmp_path, *, reply_seconds=4.0, timeout=5.0, aes_key="", api=True):
        self.tmp_path, self.clock, self.reply_seconds, self.aes_key, self.api = tmp_path, Clock(), reply_seconds, aes_key, api
        self.fake = FakeWeChat(TOKEN, aes_key=aes_key or None, timeout=timeout, clock=self.clock)

    async def __aenter__(self):
        await self.fake.start()
        self.service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"),
                                                           "MINGBAI_DATA_DIR": str(self.tmp_path)}))
        app = web.Application()
        self.channel = setup_wechat(app, self.service, WeChatSettings(
            TOKEN, self.fake.app_id if self.api or self.aes_key else "", self.fake.secret if self.api else "",
            self.aes_key, api_base=self.fake.api_base, reply_seconds=self.reply_seconds))
        self.channel.clock = self.clock
        # Served as bot/app.py serves it (aiohttp's TestServer would cancel handlers whose client hung up).
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        listening = socket.create_server(("127.0.0.1", 0))
        await web.SockSite(self.runner, listening).start()
        self.fake.bot_url = f"http://127.0.0.1:{listening.getsockname()[1]}/wechat"
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()
        await self.fake.close()
        await self.service.close()
        assert self.fake.problems == []

    def busy(self, seconds: float):
        """Keep the core's one worker busy (as a long answer to another villager would): messages queue behind."""
        return self.service.submit(time.sleep, seconds)

    async def push(self, open_id: str, text: str) -> bool:
        """An adviser's message, sent as the relay sends it: False when WeChat will not let us reach the villager."""
        try:
            await self.channel.send_reply(open_id, Reply(text))
            return True
        except DeliveryFailed:
            return False

    def handled(self, open_id: str) -> int:
        return count_rows(self.service.store.path, "messages", "user_key = ? and direction = 'in'", [f"wechat:{open_id}"])


def option(text: str, words: str) -> str:  # the number of the choice containing `words`: "【3】法律援助" → "3"
    return next(line[1:].split("】")[0] for line in text.splitlines() if line.startswith("【") and words in line)
