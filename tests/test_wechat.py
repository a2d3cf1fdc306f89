"""The WeChat channel as a villager on WeChat meets it: a fake WeChat pushing signed XML, the real core and SQLite."""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
import time

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.wechat import WeChatSettings, setup_wechat
from bot.channels.wechat_format import CUT_SHORT
from bot.core.service import ChatService
from bot.settings import Settings
from conftest import ROOT
from tests.fake_wechat import UNAVAILABLE, Clock, FakeWeChat

TOKEN = "mingbai-test-token"
WAGES = "包工头跑了，工钱一直不给咋个办"
HOUR = 3600


class World:
    """The bot's aiohttp server with the WeChat channel, the fake WeChat around it, and one clock for both."""

    def __init__(self, tmp_path, *, reply_seconds=4.0, timeout=5.0, aes_key=None, api=True):
        self.tmp_path, self.clock = tmp_path, Clock()
        self.fake = FakeWeChat(TOKEN, aes_key=aes_key, timeout=timeout, clock=self.clock)
        self.options = dict(reply_seconds=reply_seconds, aes_key=aes_key or "", api=api)

    async def __aenter__(self):
        await self.fake.start()
        settings = Settings.from_env({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(self.tmp_path)})
        self.service = ChatService.open(settings)
        app = web.Application()
        api = self.options["api"]
        self.channel = setup_wechat(app, self.service, WeChatSettings(
            token=TOKEN, app_id=self.fake.app_id if api or self.options["aes_key"] else "",
            secret=self.fake.secret if api else "", aes_key=self.options["aes_key"], api_base=self.fake.api_base,
            reply_seconds=self.options["reply_seconds"]))
        self.channel.clock = self.clock
        self.server = TestServer(app)
        await self.server.start_server()
        self.fake.bot_url = str(self.server.make_url("/wechat"))
        return self

    async def __aexit__(self, *exc):
        await self.server.close()
        await self.fake.close()
        await self.service.close()
        assert self.fake.problems == []

    def busy(self, seconds: float) -> asyncio.Future:
        """Keep the core's one worker busy (as a long answer to another villager would): messages queue behind."""
        return asyncio.get_running_loop().run_in_executor(self.service._worker, time.sleep, seconds)

    def handled(self, open_id: str) -> int:
        with sqlite3.connect(self.service.store.path) as db:
            return db.execute("select count(*) from messages where user_key = ? and direction = 'in'",
                              [f"wechat:{open_id}"]).fetchone()[0]


def option(text: str, words: str) -> str:
    """The number of the choice containing `words` ("【3】法律援助" → "3")."""
    return next(line[1:].split("】")[0] for line in text.splitlines() if line.startswith("【") and words in line)


async def test_handshake_echoes_echostr_only_with_our_signature(tmp_path):
    async with World(tmp_path) as world:
        assert await world.fake.verify("echo-5830") == (200, "echo-5830")
        status, body = await world.fake.verify("echo-5830", token="someone-else")
        assert status == 403 and "echo-5830" not in body


async def test_post_with_wrong_signature_is_refused_and_not_handled(tmp_path):
    async with World(tmp_path) as world:
        xml = f"<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime>" \
              f"<MsgType>text</MsgType><Content>{WAGES}</Content><MsgId>77</MsgId></xml>"
        query = world.fake.signed_query()
        query["signature"] = "0" * 40
        assert (await world.fake.post_raw(xml, query))[0] == 403
        assert (await world.fake.post_raw(xml, {}))[0] == 403
        assert world.handled("oX") == 0


async def test_quick_answer_is_a_passive_reply_with_numbered_choices(tmp_path):
    async with World(tmp_path) as world:
        push = await world.fake.text("oA", "调解")
        assert push.attempts == 1 and push.reply.startswith("您是想问") and world.fake.sent == []
        choices = push.reply.split("回复数字即可选择：\n")[1].splitlines()
        assert len(choices) >= 2 and choices[0].startswith("【1】") and choices[1].startswith("【2】")


async def test_digit_presses_the_numbered_choice(tmp_path, shipped_faq):
    async with World(tmp_path) as world:
        await world.fake.text("oB", WAGES)
        await world.fake.until_sent(1)
        follow = shipped_faq[shipped_faq["labor.wage"].follow_ups[0]]
        number = option(world.fake.seen("oB")[-1], follow.title("zh"))
        reply = (await world.fake.text("oB", number)).reply
        assert reply.startswith(follow.answer.zh.strip().replace("**", "")[:15])


async def test_welcome_on_follow_and_a_flow_answered_with_digits(tmp_path):
    async with World(tmp_path) as world:
        welcome = (await world.fake.event("oC", "subscribe")).reply
        assert welcome.startswith("您好") and "回复数字即可选择" in welcome
        question = (await world.fake.text("oC", option(welcome, "法律援助"))).reply
        assert "\n【1】" in question and "【1】1." not in question
        next_question = (await world.fake.text("oC", "1")).reply
        assert next_question and next_question != question and UNAVAILABLE not in world.fake.seen("oC")


async def test_long_answer_arrives_whole_in_order_without_markup(tmp_path, shipped_faq):
    async with World(tmp_path) as world:
        push = await world.fake.text("oD", WAGES)
        await world.fake.until_sent(1)
        shown = world.fake.seen("oD")
        assert shown[0] == push.reply and len(shown) == 2 and world.fake.sent[0]["text"]["content"] == shown[1]
        answer = shipped_faq["labor.wage"].full_answer("zh").replace("**", "")
        assert "\n\n".join(shown).startswith(answer.strip()) and "**" not in "".join(shown)
        choices = shown[1].split("回复数字即可选择：\n")[1].splitlines()
        assert [line.split("】")[0] for line in choices] == [f"【{n}" for n in range(1, len(choices) + 1)]
        assert "找人工" in choices[-1]


async def test_slow_answer_says_success_at_once_and_comes_through_the_api(tmp_path):
    async with World(tmp_path, reply_seconds=0.3) as world:
        world.busy(1.5)
        push = await world.fake.text("oE", WAGES)
        assert push.body == "success" and push.attempts == 1 and push.seconds < 1.0
        await world.fake.until_sent(1)
        assert world.fake.sent[0]["touser"] == "oE" and "12348" in "\n".join(world.fake.seen("oE"))
        assert world.handled("oE") == 1


async def test_retry_while_the_first_is_still_handled_is_answered_once(tmp_path):
    async with World(tmp_path, reply_seconds=3.0, timeout=0.5) as world:
        world.busy(1.2)
        push = await world.fake.text("oF", WAGES)
        assert push.attempts == 3 and push.reply and "12348" in push.reply
        assert world.fake.seen("oF")[0] == push.reply and world.handled("oF") == 1


async def test_retry_after_a_lost_reply_gets_the_same_reply_again(tmp_path):
    async with World(tmp_path) as world:
        world.fake.lose_replies = 1
        push = await world.fake.text("oG", WAGES)
        assert push.attempts == 2 and push.reply and "12348" in push.reply
        assert world.handled("oG") == 1


async def test_unfollow_marks_inactive_and_nothing_reaches_them(tmp_path):
    async with World(tmp_path) as world:
        await world.fake.event("oH", "subscribe")
        await world.fake.text("oH", WAGES)
        assert await world.channel.push("oH", "顾问：您好，我看了您的情况。")
        assert (await world.fake.event("oH", "unsubscribe")).body == "success"
        assert world.service.store.user("wechat:oH").extra.get("inactive")
        sent = len(world.fake.sent)
        assert await world.channel.push("oH", "顾问：还在吗？") is False and len(world.fake.sent) == sent
        await world.fake.event("oH", "subscribe")
        await world.fake.text("oH", "你好")
        assert await world.channel.push("oH", "顾问：**欢迎回来**")
        assert world.fake.seen("oH")[-1] == "顾问：欢迎回来"


async def test_voice_uses_wechats_recognition_or_asks_for_text(tmp_path):
    async with World(tmp_path) as world:
        heard = (await world.fake.voice("oI", WAGES)).reply
        assert heard.startswith(f"（语音：{WAGES}）") and "12348" in heard
        unheard = (await world.fake.voice("oI", None)).reply
        assert "文字" in unheard and "12348" not in unheard


async def test_malformed_bodies_are_400_and_the_channel_carries_on(tmp_path):
    async with World(tmp_path) as world:
        bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><xml><Content>&a;</Content></xml>'
        for body in ("<xml><ToUserName>gh", "not xml", "<xml></xml>", "<xml><MsgType>text</MsgType></xml>", bomb,
                     "<xml><FromUserName><a>1</a></FromUserName><ToUserName>g</ToUserName><CreateTime>1</CreateTime>"
                     "<MsgType>text</MsgType></xml>"):
            assert (await world.fake.post_raw(body))[0] == 400, body
        assert "12348" in (await world.fake.text("oJ", WAGES)).reply


async def test_access_token_is_cached_then_refreshed(tmp_path):
    async with World(tmp_path) as world:
        await world.fake.text("oK", "你好")
        assert await world.channel.push("oK", "一")
        assert await world.channel.push("oK", "二")
        assert world.fake.token_fetches == 1
        world.clock.advance(2 * HOUR - 100)  # inside the refresh margin: fetched before WeChat would refuse it
        assert await world.channel.push("oK", "三") and world.fake.token_fetches == 2
        world.fake.revoke_tokens()  # another server took a token for this account
        assert await world.channel.push("oK", "四") and world.fake.token_fetches == 3
        assert world.fake.seen("oK")[-4:] == ["一", "二", "三", "四"]


async def test_push_is_refused_after_48_hours_or_over_the_quota(tmp_path):
    async with World(tmp_path) as world:
        assert await world.channel.push("oL", "没说过话") is False
        await world.fake.text("oL", "你好")
        for count in range(5):
            assert await world.channel.push("oL", f"第{count + 1}条")
        assert await world.channel.push("oL", "第6条") is False  # WeChat allows five per message
        await world.fake.text("oL", "谢谢")
        world.clock.advance(49 * HOUR)
        sent = len(world.fake.sent)
        assert await world.channel.push("oL", "两天后") is False and len(world.fake.sent) == sent


async def test_safe_mode_reads_and_answers_encrypted(tmp_path):
    aes_key = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    async with World(tmp_path, aes_key=aes_key) as world:
        assert "12348" in (await world.fake.text("oM", WAGES)).reply
        query = world.fake.signed_query(encrypt_type="aes", msg_signature="0" * 40)
        body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{world.fake.encrypt('<xml/>')}]]></Encrypt></xml>"
        assert (await world.fake.post_raw(body, query))[0] == 403
        assert world.handled("oM") == 1


async def test_without_app_secret_a_long_answer_is_cut_to_one_message(tmp_path):
    async with World(tmp_path, api=False) as world:
        push = await world.fake.text("oN", WAGES)
        assert push.reply.startswith("工资被拖欠") and push.reply.endswith(CUT_SHORT)
        assert world.fake.seen("oN") == [push.reply] and world.fake.token_fetches == 0
        assert await world.channel.push("oN", "顾问：您好") is False


def test_no_token_no_channel():
    app = web.Application()
    assert setup_wechat(app, None, WeChatSettings(token="")) is None and not list(app.router.routes())

