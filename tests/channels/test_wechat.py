"""The WeChat channel as a villager on WeChat meets it: a fake WeChat pushing signed XML, the real core and SQLite."""

from __future__ import annotations

import re

from aiohttp import web
from hypothesis import example, given, settings, strategies as st

from bot.channels.wechat.channel import WeChatSettings, setup_wechat
from bot.channels.wechat.format import CHOICE_HINT, CUT_SHORT, render
from bot.handoff.relay import Relay
from bot.messages import Button, Reply
from tests.support.wechat import UNAVAILABLE
from tests.support.wechat_world import WAGES, World, option


async def test_only_our_signature_gets_through(tmp_path):
    async with World(tmp_path) as world:
        assert await world.fake.verify("echo-5830") == (200, "echo-5830")
        assert (await world.fake.verify("echo-5830", token="someone-else"))[0] == 403
        xml = f"<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime>" \
              f"<MsgType>text</MsgType><Content>{WAGES}</Content><MsgId>77</MsgId></xml>"
        assert (await world.fake.post_raw(xml, world.fake.signed_query(token="someone-else")))[0] == 403
        assert (await world.fake.post_raw(xml, {}))[0] == 403
        assert world.handled("oX") == 0 and (await world.fake.post_raw(xml))[0] == 200


async def test_an_old_or_replayed_signed_url_is_refused(tmp_path):
    def push(open_id: str, content: str, msg_id: int) -> str:
        return f"<xml><ToUserName>gh</ToUserName><FromUserName>{open_id}</FromUserName><CreateTime>1</CreateTime>" \
               f"<MsgType>text</MsgType><Content>{content}</Content><MsgId>{msg_id}</MsgId></xml>"

    async with World(tmp_path) as world:
        old = world.fake.signed_query()
        world.clock.advance(365 * 86400)  # a signed URL captured a year ago
        assert (await world.fake.post_raw(push("oVictim", "/forget", 9101), old))[0] == 403
        fresh = world.fake.signed_query()
        assert (await world.fake.post_raw(push("oA", WAGES, 9102), fresh))[0] == 200
        assert (await world.fake.post_raw(push("oA", WAGES, 9102), fresh))[0] == 200, "WeChat's own retry: same body"
        assert (await world.fake.post_raw(push("oVictim", "/forget", 9103), fresh))[0] == 403, "same URL, new body"
        assert world.handled("oVictim") == 0 and world.handled("oA") == 1


async def test_welcome_on_follow_and_a_flow_answered_with_digits(tmp_path):
    async with World(tmp_path) as world:
        welcome = (await world.fake.event("oC", "subscribe")).reply  # short: one passive reply, choices numbered
        assert welcome.startswith("您好") and "回复数字即可选择：\n【1】" in welcome and world.fake.sent == []
        question = (await world.fake.text("oC", option(welcome, "法律援助"))).reply
        assert "\n【1】" in question and "【1】1." not in question
        next_question = (await world.fake.text("oC", "1")).reply
        assert next_question and next_question != question and UNAVAILABLE not in world.fake.seen["oC"]


async def test_long_answer_arrives_whole_in_order_and_a_digit_presses_its_choice(tmp_path, shipped_faq):
    async with World(tmp_path) as world:
        first = (await world.fake.text("oD", WAGES)).reply  # the short first bubble fits one passive reply
        wage = shipped_faq["labor.wage"]
        assert first.startswith(wage.short.zh.strip().replace("**", "")[:20]) and "**" not in first
        choices = first.split("回复数字即可选择：\n")[1].splitlines()
        assert [line.split("】")[0] for line in choices] == [f"【{n}" for n in range(1, len(choices) + 1)]
        follow = shipped_faq[wage.follow_ups[0]]
        reply = (await world.fake.text("oD", option(first, follow.title("zh")))).reply
        assert reply.startswith(follow.short.zh.strip().replace("**", "")[:15])
        again = (await world.fake.text("oD", WAGES)).reply
        push = await world.fake.text("oD", option(again, "详细说明"))  # the full answer: longer than one message
        await world.fake.until_sent(1)
        shown = world.fake.seen["oD"][3:]
        assert shown == [push.reply, world.fake.sent[0]["text"]["content"]]
        assert "\n\n".join(shown).startswith(wage.full_answer("zh").replace("**", "").strip()[:60])


async def test_slow_answer_says_success_at_once_and_comes_through_the_api(tmp_path):
    async with World(tmp_path, reply_seconds=0.3) as world:
        world.busy(1.5)
        push = await world.fake.text("oE", WAGES)
        assert push.body == "success" and push.attempts == 1 and push.seconds < 1.0
        await world.fake.until_sent(1)
        assert "12348" in "\n".join(world.fake.seen["oE"]) and world.handled("oE") == 1


async def test_retries_are_answered_once(tmp_path):
    async with World(tmp_path, reply_seconds=4.0, timeout=1.0) as world:
        world.busy(2.5)  # the first two requests time out while the core is still at it; the third gets it
        push = await world.fake.text("oF", WAGES)
        assert push.attempts == 3 and push.reply and "12348" in push.reply
        assert world.fake.seen["oF"][0] == push.reply and world.handled("oF") == 1
        world.fake.lose_replies = 1  # a reply lost on the way: the retry gets the same reply again
        push = await world.fake.text("oG", WAGES)
        assert push.attempts == 2 and "12348" in push.reply and world.handled("oG") == 1


async def test_answer_ready_after_wechat_gave_up_comes_through_the_api(tmp_path):
    async with World(tmp_path, reply_seconds=3.0, timeout=0.4) as world:
        world.fake.attempts = 1
        world.busy(1.0)
        push = await world.fake.text("oP", WAGES)
        assert push.status is None and world.fake.seen["oP"] == [UNAVAILABLE]
        await world.fake.until_sent(1)
        assert "12348" in world.fake.seen["oP"][1] and world.handled("oP") == 1
        world.fake.problems.clear()  # the reply WeChat waited for in vain; reply_seconds is set too long on purpose


async def test_unfollow_marks_inactive_and_nothing_reaches_them(tmp_path):
    async with World(tmp_path) as world:
        await world.fake.event("oH", "subscribe")
        await world.fake.text("oH", WAGES)
        assert await world.push("oH", "顾问：您好，我看了您的情况。")
        assert (await world.fake.event("oH", "unsubscribe")).body == "success"
        assert world.service.store.user("wechat:oH").extra.get("inactive")
        assert await world.push("oH", "顾问：还在吗？") is False
        assert "顾问：还在吗？" not in world.fake.seen["oH"] and world.fake.refused == []
        await world.fake.event("oH", "subscribe")
        await world.fake.text("oH", "你好")
        assert await world.push("oH", "顾问：**欢迎回来**")
        assert world.fake.seen["oH"][-1] == "顾问：欢迎回来"


async def test_an_adviser_reaches_the_villager_and_a_digit_gives_the_rating(tmp_path):
    async with World(tmp_path) as world:
        relay, desk = Relay(world.service.relay_port, 3600), world.service.conversation.desk
        relay.add_villager_channel("wechat", world.channel.send_reply)
        welcome = (await world.fake.event("oQ", "subscribe")).reply
        await world.fake.text("oQ", option(welcome, "找人工"))
        case = await world.service.call(desk.open_case_for, "wechat:oQ")
        await world.service.call(desk.claim, case.id, "web:alice")
        await world.service.call(desk.from_adviser, case.id, "web:alice", "您好，我是**法律顾问**。")
        await world.service.call(desk.close, case.id, "web:alice", None)
        await relay.run_once()
        assert any("您好，我是法律顾问。" in seen for seen in world.fake.seen["oQ"])
        assert "【5】⭐⭐⭐⭐⭐" in world.fake.seen["oQ"][-1]
        await world.fake.text("oQ", "4")
        assert (await world.service.call(desk.case, case.id)).rating == 4


async def test_voice_uses_wechats_recognition_or_asks_for_text(tmp_path):
    async with World(tmp_path) as world:
        heard = (await world.fake.voice("oI", WAGES + "]]>")).reply  # echoed back, so XML markup must survive
        assert heard.startswith(f"（语音：{WAGES}]]>）") and "12348" in heard
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
        assert await world.push("oK", "一") and await world.push("oK", "二")
        assert world.fake.token_fetches == 1
        world.clock.advance(7200 - 100)  # inside the refresh margin: fetched before WeChat would refuse it
        assert await world.push("oK", "三") and world.fake.token_fetches == 2
        world.fake.revoke_tokens()  # another server took a token for this account
        assert await world.push("oK", "四") and world.fake.token_fetches == 3
        assert world.fake.seen["oK"][-4:] == ["一", "二", "三", "四"]


async def test_push_is_refused_after_48_hours_or_over_the_quota(tmp_path):
    async with World(tmp_path) as world:
        assert await world.push("oL", "没说过话") is False
        await world.fake.text("oL", "你好")
        assert all([await world.push("oL", f"第{n}条") for n in range(1, 6)])
        assert await world.push("oL", "第6条") is False  # WeChat allows five per message
        await world.fake.text("oL", "谢谢")
        world.clock.advance(49 * 3600)
        refused = list(world.fake.refused)
        assert await world.push("oL", "两天后") is False
        assert world.fake.refused == refused and world.fake.seen["oL"][-1] != "两天后"  # not even tried


async def test_safe_mode_reads_and_answers_encrypted(tmp_path):
    async with World(tmp_path, aes_key="Mingbai0EncodingAESKey0For0Tests0Only0abcde") as world:  # 43 characters
        assert "12348" in (await world.fake.text("oM", WAGES)).reply
        query = world.fake.signed_query(encrypt_type="aes", msg_signature="0" * 40)
        body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{world.fake.encrypt('<xml/>')}]]></Encrypt></xml>"
        assert (await world.fake.post_raw(body, query))[0] == 403
        assert world.handled("oM") == 1


async def test_no_token_no_channel_and_without_app_secret_a_long_answer_is_cut_to_one_message(tmp_path):
    app = web.Application()
    assert setup_wechat(app, None, WeChatSettings(token="")) is None and not list(app.router.routes())
    async with World(tmp_path, api=False) as world:
        first = (await world.fake.text("oN", WAGES)).reply
        push = await world.fake.text("oN", option(first, "详细说明"))  # the full answer needs more than one message
        assert push.reply.startswith("工资被拖欠") and push.reply.endswith(CUT_SHORT)
        assert world.fake.seen["oN"] == [first, push.reply] and world.fake.token_fetches == 0
        assert await world.push("oN", "顾问：您好") is False


CHARS = st.sampled_from("明白法律援助工钱 abc，。") | st.just("😀")  # an emoji is 4 bytes: byte limits matter too
LINE = st.builds(lambda text, times: text * times, st.text(CHARS, max_size=12), st.integers(0, 150))  # up to 1800
LINES = st.lists(LINE, max_size=3).map("\n".join)


@settings(max_examples=300, deadline=None)
@example([("😀" * 800, ["😀" * 30])])
@given(st.lists(st.tuples(LINES, st.lists(st.text(CHARS, min_size=1, max_size=30), max_size=4)), min_size=1, max_size=3))
def test_every_part_fits_one_wechat_message_and_nothing_is_lost(outcome):
    replies = tuple(Reply(text, tuple((Button(label, f"a{i}"),) for i, label in enumerate(labels)))
                    for text, labels in outcome)
    parts = render(replies)
    assert all(len(part.encode()) <= 2000 and len(part) <= 600 for part in parts)
    numbers = [line[1:].split("】")[0] for part in parts for line in part.splitlines() if line.startswith("【")]
    assert numbers == [str(n) for n in range(1, sum(len(labels) for _, labels in outcome) + 1)]
    hints = "|".join(re.escape(hint.replace(" ", "")) for hint in CHOICE_HINT.values())

    def squeezed(text):  # what must survive: every word, in order
        return re.sub(rf"【\d+】|{hints}", "", "".join(text.split()))

    assert squeezed("".join(parts)) == squeezed("".join(text + "".join(labels) for text, labels in outcome))

