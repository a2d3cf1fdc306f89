"""The villager chat page over real HTTP and WebSockets: a real aiohttp server and a real ChatService on SQLite."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.webchat.chat import WEB_CHAT, setup_web_chat
from bot.core.service import ChatService
from bot.messages import Button, Reply
from tests.support import ROOT, settings_for

WAGES = "包工头跑了，工钱一直不给咋个办"


@pytest.fixture
async def server(tmp_path):
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path)}))
    app = web.Application()
    setup_web_chat(app, service)
    server = TestServer(app)
    await server.start_server()
    yield server
    await server.close()
    await service.close()


class Phone:
    """One villager's browser: its own cookie jar, talking to the server like the page's script does."""

    def __init__(self, server: TestServer):
        self.server = server
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sent = 0

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def open_page(self) -> aiohttp.ClientResponse:
        async with self.session.get(self.url("/")) as response:
            await response.read()
            return response

    @property
    def villager_id(self) -> str:
        return next(c.value for c in self.session.cookie_jar if c.key == "mingbai_id")

    async def post(self, payload, headers: dict | None = None) -> tuple[int, dict]:
        body = json.dumps(payload, ensure_ascii=False).encode()  # as the browser's JSON.stringify sends it
        headers = {**({"X-Mingbai": "1"} if headers is None else headers), "Content-Type": "application/json"}
        async with self.session.post(self.url("/api/message"), data=body, headers=headers) as response:
            return response.status, await response.json()

    async def says(self, text: str | None = None, *, action: str | None = None, message_id: str | None = None) -> dict:
        self.sent += 1
        payload = {"text": text} if text is not None else {"action": action}
        status, body = await self.post({**payload, "id": message_id or f"m{self.sent}"})
        assert status == 200, body
        return body

    async def get(self, path: str) -> dict:
        async with self.session.get(self.url(path)) as response:
            assert response.status == 200
            return await response.json()

    async def close(self) -> None:
        await self.session.close()


@pytest.fixture
async def phone(server):
    phone = Phone(server)
    await phone.open_page()
    yield phone
    await phone.close()


def actions(body: dict) -> list[str]:
    return [button["action"] for reply in body["replies"] for row in reply["buttons"] for button in row]


async def test_page_is_small_sets_a_private_cookie_and_loads_nothing_external(server):
    phone = Phone(server)
    response = await phone.open_page()
    cookie = response.cookies["mingbai_id"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and len(cookie.value) >= 16
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    async with phone.session.get(phone.url("/")) as again:
        html = await again.text()
        assert "mingbai_id" not in again.cookies  # a returning villager keeps their id
    assert "明白" in html and 'lang="zh-CN"' in html
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "tel:110" in links  # the header's call button: a link, nothing to load
    assets = sorted(link for link in links if not link.startswith("tel:"))
    assert assets == ["/static/chat.css", "/static/chat.js", "/static/favicon.svg"]
    total = len(html.encode())
    for path in assets:
        async with phone.session.get(phone.url(path)) as asset:
            assert asset.status == 200
            body = await asset.text()
        total += len(body.encode())
        body = body.replace('xmlns="http://www.w3.org/2000/svg"', "")  # the icon's namespace name, never fetched
        assert not re.search(r"(?:https?|wss?)://\w|@import|url\(", body), path
        assert "innerHTML" not in body and "insertAdjacentHTML" not in body  # replies are text, never HTML
    assert total < 30 * 1024
    await phone.close()


async def test_a_question_gets_the_faq_answer_with_its_buttons(phone):
    body = await phone.says(WAGES)
    [reply] = body["replies"]
    assert "12333" in reply["text"] or "仲裁" in reply["text"]
    assert {"handoff", "fb:up:labor.wage", "deadline:labor.wage"} <= set(actions(body))
    assert all(button["label"] for row in reply["buttons"] for button in row)
    assert body["lang"] == "zh"


async def test_pressing_a_follow_up_button_answers_that_question(phone, shipped_faq):
    follow = next(a for a in actions(await phone.says(WAGES)) if a.startswith("intent:"))
    [reply] = (await phone.says(action=follow))["replies"]
    assert reply["text"].startswith(shipped_faq[follow.split(":")[1]].short.zh.strip()[:20])


async def test_a_reload_keeps_the_conversation_and_another_villager_sees_none_of_it(server, phone):
    first = await phone.says(WAGES)
    follow = next(b for row in first["replies"][0]["buttons"] for b in row if b["action"].startswith("intent:"))
    second = await phone.says(action=follow["action"])
    await phone.open_page()  # the reload
    history = await phone.get("/api/history")
    shown = [(m["from"], m["text"]) for m in history["messages"]]
    assert shown == [("me", WAGES), ("bot", first["replies"][0]["text"]),
                     ("me", follow["label"]), ("bot", second["replies"][0]["text"])]
    assert history["messages"][-1]["buttons"] == second["replies"][0]["buttons"]  # still pressable

    stranger = Phone(server)
    await stranger.open_page()
    assert stranger.villager_id != phone.villager_id
    assert (await stranger.get("/api/history"))["messages"] == []
    await stranger.close()


async def test_choosing_english_is_remembered_for_the_interface(phone):
    body = await phone.says(action="lang:en")
    assert body["lang"] == "en" and "English" in body["replies"][0]["text"]
    assert (await phone.get("/api/history"))["lang"] == "en"


async def test_a_villager_who_writes_english_gets_the_page_in_english_too(phone):
    body = await phone.says(text="my boss has not paid my wages for three months")
    assert body["lang"] == "en" and "wage" in body["replies"][0]["text"].lower()
    assert (await phone.get("/api/history"))["lang"] == "en"


async def test_websocket_round_trip(phone):
    async with phone.session.ws_connect(phone.url("/ws")) as ws:
        await ws.send_json({"text": WAGES, "id": "w1"})
        answer = await ws.receive_json(timeout=10)
        assert answer["type"] == "replies" and answer["id"] == "w1"
        assert "handoff" in actions(answer)
        await ws.send_json({"text": "x" * 4001, "id": "w2"})
        refused = await ws.receive_json(timeout=10)
        assert refused == {"type": "error", "id": "w2", "error": refused["error"]} and "4000" in refused["error"]


async def test_push_reaches_an_open_socket_the_poll_and_the_history(server, phone):
    chat = server.app[WEB_CHAT]
    adviser = Reply("律师：<b>明天</b>上午给您打电话。\n请保持电话畅通。", ((Button("好的", "fb:up:labor.wage"),),))
    async with phone.session.ws_connect(phone.url("/ws")) as ws:
        await chat.push(phone.villager_id, adviser)
        pushed = await ws.receive_json(timeout=5)
    assert pushed["type"] == "push" and pushed["reply"]["text"] == adviser.text
    assert pushed["reply"]["buttons"] == [[{"label": "好的", "action": "fb:up:labor.wage"}]]
    assert (await phone.get("/api/poll?after=0"))["messages"] == [pushed]
    assert (await phone.get(f"/api/poll?after={pushed['seq']}"))["messages"] == []
    history = await phone.get("/api/history")
    assert history["messages"][-1]["text"] == adviser.text and history["seq"] == pushed["seq"]

    # A long poll waiting for the next message returns as soon as it is pushed, and only to its villager.
    waiting = asyncio.create_task(phone.get(f"/api/poll?after={pushed['seq']}&wait=20"))
    await asyncio.sleep(0.2)
    await chat.push("someone-else-entirely", Reply("不是给你的"))
    await chat.push(phone.villager_id, Reply("第二条"))
    later = await asyncio.wait_for(waiting, 5)
    assert [m["reply"]["text"] for m in later["messages"]] == ["第二条"]
    assert later["messages"][0]["seq"] > pushed["seq"]


async def test_a_socket_opened_later_gets_what_it_missed(server, phone):
    chat = server.app[WEB_CHAT]
    await chat.push(phone.villager_id, Reply("您不在时顾问来过消息"))
    async with phone.session.ws_connect(phone.url("/ws?after=0")) as ws:
        missed = await ws.receive_json(timeout=5)
    assert missed["reply"]["text"] == "您不在时顾问来过消息"


async def test_bodies_over_the_limit_and_overlong_text_are_refused_clearly(phone):
    status, body = await phone.post({"text": "工钱" * 10_000, "id": "big"})
    assert status == 413 and "太大" in body["error"]
    status, body = await phone.post({"text": "a" * 4001, "id": "long"})
    assert status == 400 and "4000" in body["error"] and "4,000" in body["error"]
    status, body = await phone.post({"text": "工" * 4000, "id": "longest-allowed"})  # 12 KB of UTF-8
    assert status == 200 and body["replies"]
    history = await phone.get("/api/history")
    assert [m["text"][:1] for m in history["messages"] if m["from"] == "me"] == ["工"]


async def test_posts_without_the_page_header_or_cookie_are_refused(server, phone):
    status, body = await phone.post({"text": WAGES, "id": "csrf"}, headers={})
    assert status == 403 and "聊天页面" in body["error"]
    assert (await phone.get("/api/history"))["messages"] == []  # nothing reached the core
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await phone.session.ws_connect(phone.url("/ws"), headers={"Origin": "http://evil.example"})
    assert refused.value.status == 403


async def test_posts_without_cookie_are_refused(server):
    async with aiohttp.ClientSession() as bare:
        async with bare.post(server.make_url("/api/message"), json={"text": WAGES}, headers={"X-Mingbai": "1"}) as response:
            assert response.status == 401 and "刷新" in (await response.json())["error"]


async def test_a_repeated_message_id_is_answered_once(server, phone):
    first, again = await asyncio.gather(phone.says(WAGES, message_id="same"), phone.says(WAGES, message_id="same"))
    third = await phone.says(WAGES, message_id="same")
    assert first == again == third and first["replies"]
    service = server.app[WEB_CHAT].service
    transcript = await service.call(service.store.transcript, f"web:{phone.villager_id}")
    assert [row["direction"] for row in transcript] == ["in", "out"]


async def test_unreadable_messages_get_a_readable_refusal(phone):
    for payload in ([1, 2], {"text": "   "}, {"text": "hi", "action": "topics"}, {"action": "topics", "id": "bad id!"}):
        status, body = await phone.post(payload)
        assert status == 400 and "没看懂" in body["error"], payload
    async with phone.session.post(phone.url("/api/message"), data=b"{not json", headers={"X-Mingbai": "1"}) as response:
        assert response.status == 400 and json.loads(await response.text())["error"]


async def test_deep_json_and_lone_surrogates_get_the_readable_refusal_on_post_and_socket(phone):
    bodies = [b"[" * 5000 + b"]" * 5000, b'{"text": "\\ud83d"}', b'{"text": "hi", "x": ' + b"[" * 100 + b"]" * 100 + b"}"]
    for raw in bodies:
        async with phone.session.post(phone.url("/api/message"), data=raw, headers={"X-Mingbai": "1"}) as response:
            assert response.status == 400 and "没看懂" in (await response.json())["error"], raw[:20]
    async with phone.session.ws_connect(phone.url("/ws")) as ws:
        for raw in bodies:
            await ws.send_str(raw.decode())
            reply = await ws.receive_json(timeout=5)
            assert reply["type"] == "error" and "没看懂" in reply["error"]
        await ws.send_str(json.dumps({"text": WAGES, "id": "after"}))
        assert (await ws.receive_json(timeout=10))["type"] == "replies", "the socket stays open for the next message"


async def test_a_poll_with_a_number_that_is_not_finite_returns_at_once(phone):
    for wait in ("nan", "inf", "-inf", "NaN"):
        started = asyncio.get_running_loop().time()
        assert (await phone.get(f"/api/poll?wait={wait}&after=0"))["messages"] == []
        assert asyncio.get_running_loop().time() - started < 5, wait


async def test_urgent_triage_the_eligibility_flow_and_handoff_work_on_the_web(server, phone):
    urgent = await phone.says("我刚被骗了，刚转了五千块")
    assert "110" in urgent["replies"][0]["text"] and "handoff:urgent" in actions(urgent)

    flow = await phone.says(action="flowstart:legal_aid_eligibility")
    assert "法律援助" in flow["replies"][0]["text"]
    step = await phone.says(action=next(a for a in actions(flow) if a.startswith("flow:")))
    assert step["replies"] and step["replies"][0]["text"] != flow["replies"][0]["text"]
    await phone.says("/cancel")

    handoff = await phone.says(action="handoff")
    assert "顾问" in handoff["replies"][0]["text"]
    service = server.app[WEB_CHAT].service
    [case] = await service.call(service.conversation.desk.queue)
    assert case.user_key == f"web:{phone.villager_id}" and case.status == "waiting"
