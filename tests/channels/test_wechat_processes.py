"""Two `mingbai run` serving one WeChat account on one database behave as one: one access token for both, and a
replayed push refused whichever process it reaches.

Two complete servers (each its own ChatService, worker and WeChat channel) on the SQLite file they share or on
one PostgreSQL database; the fake WeChat (tests/support/wechat.py) pushes to either, as a load balancer would.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from aiohttp import web

from bot.channels.wechat.channel import WeChatSettings, setup_wechat
from bot.core.service import ChatService
from bot.errors import DeliveryError
from bot.messages import Reply
from tests.support import ROOT, settings_for
from tests.support.engines import ENGINES, database_url_of
from tests.support.fakes import Clock
from tests.support.wechat import OLD_TOKEN_GRACE, FakeWeChat

TOKEN = "mingbai-test-token"
WAGES = "包工头跑了，工钱一直不给咋个办"


@pytest.fixture(params=ENGINES)
def database_url(request):
    return database_url_of(request)


class TwoProcesses:
    """Two bots on one database behind one fake WeChat, with one clock for all three."""

    def __init__(self, tmp_path, database_url: str):
        self.clock = Clock()
        self.fake = FakeWeChat(TOKEN, clock=self.clock)
        self.environ = {"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path / "data"),
                        "MINGBAI_DATABASE_URL": database_url}
        self.services, self.channels, self.urls = [], [], []
        self._exit = contextlib.AsyncExitStack()

    async def __aenter__(self):
        await self.fake.start()
        self._exit.push_async_callback(self.fake.close)
        for _ in range(2):
            service = ChatService.open(settings_for(self.environ))
            self._exit.push_async_callback(service.close)
            app = web.Application()
            channel = setup_wechat(app, service, WeChatSettings(TOKEN, self.fake.app_id, self.fake.secret,
                                                                api_base=self.fake.api_base))
            channel.clock = self.clock
            runner = web.AppRunner(app)
            await runner.setup()
            self._exit.push_async_callback(runner.cleanup)
            listening = socket.create_server(("127.0.0.1", 0))
            await web.SockSite(runner, listening).start()
            self.services.append(service)
            self.channels.append(channel)
            self.urls.append(f"http://127.0.0.1:{listening.getsockname()[1]}/wechat")
        self.to(0)
        return self

    async def __aexit__(self, *exc):
        await self._exit.aclose()
        assert self.fake.problems == []

    def to(self, process: int) -> None:
        """WeChat's next pushes reach this process."""
        self.fake.bot_url = self.urls[process]

    async def push_from_both(self, open_id: str, first: str, second: str) -> None:
        """The villager writes (WeChat allows five messages per message), then an adviser's message goes out
        through each process at the same moment."""
        await self.fake.text(open_id, "还在吗")
        await asyncio.gather(self.channels[0].send_reply(open_id, Reply(first)),
                             self.channels[1].send_reply(open_id, Reply(second)))

    async def handled(self, open_id: str) -> int:
        service = self.services[0]
        rows = await service.call(service.store.transcript, f"wechat:{open_id}")
        return sum(row["direction"] == "in" for row in rows)


def signed_push(open_id: str, content: str, msg_id: int) -> str:
    return f"<xml><ToUserName>gh</ToUserName><FromUserName>{open_id}</FromUserName><CreateTime>1</CreateTime>" \
           f"<MsgType>text</MsgType><Content>{content}</Content><MsgId>{msg_id}</MsgId></xml>"


async def test_two_processes_fetch_one_access_token_and_refresh_it_once(tmp_path, database_url):
    async with TwoProcesses(tmp_path, database_url) as both:
        await both.push_from_both("oK", "一", "二")
        assert both.fake.token_fetches == 1
        both.clock.advance(2 * OLD_TOKEN_GRACE)  # a second token would have ended the first one by now
        await both.push_from_both("oK", "三", "四")
        assert both.fake.token_fetches == 1
        both.clock.advance(7200 - 2 * OLD_TOKEN_GRACE - 100)  # inside the refresh margin: one of them refreshes
        await both.push_from_both("oK", "五", "六")
        assert both.fake.token_fetches == 2
        both.fake.revoke_tokens()  # WeChat refuses the token: both notice, one fetches
        await both.push_from_both("oK", "七", "八")
        assert both.fake.token_fetches == 3
        assert sorted(sent["text"]["content"] for sent in both.fake.sent) == sorted("一二三四五六七八")


async def test_a_replay_sent_to_the_other_process_is_refused(tmp_path, database_url):
    async with TwoProcesses(tmp_path, database_url) as both:
        captured = both.fake.signed_query()
        assert (await both.fake.post_raw(signed_push("oA", WAGES, 9102), captured))[0] == 200
        both.to(1)
        assert (await both.fake.post_raw(signed_push("oVictim", "/forget", 9103), captured))[0] == 403
        assert (await both.fake.post_raw(signed_push("oA", WAGES, 9102), captured))[0] == 200, "WeChat's retry"
        assert await both.handled("oVictim") == 0 and await both.handled("oA") == 1
        assert (await both.fake.text("oB", WAGES)).reply  # a new push to the second process is answered


async def test_a_token_fetch_that_fails_in_one_process_leaves_the_other_free_to_fetch(tmp_path, database_url):
    async with TwoProcesses(tmp_path, database_url) as both:
        await both.fake.text("oC", "你好")
        both.channels[0].api.secret = "revoked"  # WeChat refuses this process's fetch
        with pytest.raises(DeliveryError):
            await both.channels[0].send_reply("oC", Reply("一"))
        await both.channels[1].send_reply("oC", Reply("二"))  # at once: it need not wait out the failed refresh
        assert [sent["text"]["content"] for sent in both.fake.sent] == ["二"] and both.fake.token_fetches == 1
