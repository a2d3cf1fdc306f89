"""The advisers' console over real HTTP: logins, sessions, CSRF, limits, and every action on a case.

Everything runs for real (see `console_support`): the only stand-in is the
recorder where the relay hands messages to Telegram.
"""

from __future__ import annotations

import asyncio
import json

from bot.messages import Incoming
from tests.support.console import PASSWORD, SAME_SITE, WAGES, Client, WebVillager, browsers, eventually, site  # noqa: F401

# --- accounts and security ----------------------------------------------------------------------


async def test_login_gives_a_private_strict_cookie_and_logout_ends_it(browsers):
    adviser = await browsers()
    async with adviser.session.post(adviser.url("/login"), json={"name": "Alice ", "password": PASSWORD},
                                    headers=SAME_SITE) as response:
        assert response.status == 200 and (await response.json())["next"] == "/adviser"
        cookie = response.cookies["mingbai_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and len(cookie.value) >= 32
    status, page = await adviser.get("/adviser")
    assert status == 200 and "排队的求助" in page and "退出" in page and "统计" not in page  # no admin links
    assert (await adviser.state())["me"] == {"id": "web:alice", "name": "alice", "display": "alice"}
    assert (await adviser.post("/logout"))[0] == 200
    assert (await adviser.get("/adviser/api/state"))[0] == 401


async def test_wrong_passwords_are_refused_and_the_sixth_fast_try_is_rate_limited(browsers):
    attacker = await browsers()
    for _ in range(5):
        status, body = await attacker.login("alice", "guess")
        assert status == 401 and body["error"] == "用户名或密码不对。"
    status, body = await attacker.login("alice", PASSWORD)  # even the right password, now
    assert status == 429 and "分钟后再试" in body["error"]
    assert (await attacker.login("nobody", "guess"))[0] == 401  # another name from this address is still checked
    assert (await attacker.get("/adviser"))[0] == 302


async def test_logged_out_visitors_and_villagers_see_no_console(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(action="handoff")
    async with villager.session.get(villager.url("/adviser"), allow_redirects=False) as response:
        assert response.status == 302 and response.headers["Location"] == "/login?next=/adviser"
    for path in ("/adviser/api/state?case=1", "/admin/api/stats"):
        status, text = await villager.get(path)
        assert status == 401 and "请先登录" in text and "村民" not in text
    assert (await villager.act(1, "reply", {"text": "冒充顾问"}))[0] == 401


async def test_an_adviser_cannot_reach_admin_pages(browsers):
    adviser, admin = await browsers("alice"), await browsers("root")
    for path in ("/admin", "/admin/faq", "/admin/unanswered", "/admin/api/stats"):
        status, text = await adviser.get(path)
        assert status == 403 and "只有管理员" in text, path
        assert (await admin.get(path))[0] == 200, path
    assert (await adviser.post("/admin/api/faq/reload"))[0] == 403


async def test_writes_without_the_header_or_from_another_origin_change_nothing(site, browsers):
    await site.service.handle(Incoming("telegram", "77", text="/human"))
    adviser = await browsers("alice")
    status, body = await adviser.act(1, "claim", headers={})
    assert status == 403 and "页面" in body["error"]
    assert (await adviser.act(1, "claim", headers={**SAME_SITE, "Origin": "https://evil.example"}))[0] == 403
    stranger = await browsers()
    assert (await stranger.post("/login", {"name": "alice", "password": PASSWORD}, headers={}))[0] == 403
    assert (await adviser.state(1))["case"]["status"] == "waiting"


async def test_request_bodies_are_bounded(site, browsers):
    await site.service.handle(Incoming("telegram", "77", text="/human"))
    adviser = await browsers("alice")
    status, body = await adviser.act(1, "reply", {"text": "工钱" * 10_000})
    assert status == 413 and "太长" in body["error"]
    status, body = await adviser.act(1, "reply", {"text": "a" * 4001})
    assert status == 400 and "4000" in body["error"]
    assert (await adviser.post("/login", raw=b"{" + b" " * 20_000 + b"}"))[0] == 413
    assert (await adviser.act(1, "reply", raw=b"[not json"))[0] == 400
    assert [e["kind"] for e in (await adviser.state(1))["case"]["events"]] == ["opened"]


# --- the adviser console ------------------------------------------------------------------------


async def test_the_queue_puts_urgent_cases_first_and_shows_how_long_they_waited(site, browsers):
    await site.service.handle(Incoming("web", "calm-villager-0001", action="handoff"))
    await asyncio.sleep(1.1)
    await site.service.handle(Incoming("telegram", "555", text="他正在打我"))  # danger words
    await site.service.handle(Incoming("telegram", "555", action="handoff:urgent"))
    queue = (await (await browsers("alice")).state())["queue"]
    assert [(c["id"], c["urgent"], c["platform"]) for c in queue] == [(2, True, "Telegram"), (1, False, "网页")]
    assert queue[1]["seconds"] >= 1 and queue[1]["status_label"] == "等待接手"


async def test_claim_and_reply_reach_the_web_villager_live_under_the_advisers_name(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="handoff")
    await villager.says("老板欠了我三个月的工钱")
    adviser = await browsers("alice")
    case = (await adviser.state(1))["case"]
    assert [e["text"] for e in case["events"]] == ["村民请求人工帮助", "老板欠了我三个月的工钱"]
    assert WAGES in [row["text"] for row in case["context"]]  # what they asked the bot before
    assert {t["name"] for t in case["templates"]} >= {"greeting", "evidence"}

    status, state = await adviser.act(1, "claim")
    assert status == 200 and state["case"]["status"] == "claimed" and state["case"]["mine"]
    assert [r["text"] for r in await villager.pushed()] == ["👩‍⚖️ alice已经接手您的问题，会在这里回复您。"]
    await adviser.act(1, "reply", {"text": "您好，请问您有欠条吗？"})
    assert [r["text"] for r in await villager.pushed()] == ["👩‍⚖️ alice：您好，请问您有欠条吗？"]
    await adviser.post("/adviser/api/name", {"name": "张律师"})
    await adviser.act(1, "reply", {"text": "明天打电话给您"})
    assert [r["text"] for r in await villager.pushed()] == ["👩‍⚖️ 张律师：明天打电话给您"]
    delivered = await eventually(lambda: _deliveries(adviser, 1, ["sent", "sent"]))
    assert delivered

    await villager.says("有欠条，是去年写的")  # appears on the console without any adviser action
    events = (await adviser.state(1))["case"]["events"]
    assert (events[-1]["who"], events[-1]["text"]) == ("村民", "有欠条，是去年写的")


async def _deliveries(adviser: Client, case: int, expected: list[str]) -> bool:
    events = (await adviser.state(case))["case"]["events"]
    return [e["delivery"] for e in events if e["kind"] == "adviser"] == expected


async def test_a_private_note_never_reaches_the_villager(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(action="handoff")
    adviser = await browsers("alice")
    status, state = await adviser.act(1, "note", {"text": "村民情绪激动，先安抚"})
    assert status == 200 and state["case"]["events"][-1]["kind"] == "note"
    assert await villager.pushed(wait=0.5) == []
    history = json.loads((await villager.get("/api/history"))[1])
    assert not any("安抚" in message["text"] for message in history["messages"])


async def test_a_claimed_case_refuses_others_until_it_is_transferred(site, browsers):
    await site.service.handle(Incoming("telegram", "77", text="/human"))
    alice, bob = await browsers("alice"), await browsers("bob")
    await alice.act(1, "claim")
    status, body = await bob.act(1, "reply", {"text": "我来"})
    assert status == 409 and body["error"] == "这个求助已经由 alice 接手了。"
    status, state = await alice.act(1, "transfer")
    assert state["case"]["status"] == "waiting" and state["case"]["events"][-1]["text"].startswith("已转回队列")
    status, state = await bob.act(1, "claim")
    assert status == 200 and state["case"]["adviser"] == "bob"


async def test_closing_with_a_summary_asks_the_villager_for_a_rating(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(action="handoff")
    adviser = await browsers("alice")
    await adviser.act(1, "claim")
    assert "已经接手" in (await villager.pushed())[0]["text"]
    status, state = await adviser.act(1, "close", {"summary": "已告知去劳动仲裁"})
    assert status == 200 and state["case"]["status"] == "closed" and state["case"]["summary"] == "已告知去劳动仲裁"
    [rating] = await villager.pushed()
    assert "打个分" in rating["text"]
    assert [b["action"] for row in rating["buttons"] for b in row] == [f"rate:1:{n}" for n in range(1, 6)]
    await villager.says(action="rate:1:5")
    assert (await adviser.state(1))["case"]["rating"] == 5
    assert (await adviser.act(1, "reply", {"text": "还在吗"}))[0] == 409


async def test_a_telegram_villager_is_answered_from_the_web(site, browsers):
    await site.service.handle(Incoming("telegram", "4242", text="/human"))
    await site.service.handle(Incoming("telegram", "4242", text="我被骗了两千块"))
    adviser = await browsers("alice")
    [case] = (await adviser.state())["queue"]
    assert case["platform"] == "Telegram" and case["last"] == "我被骗了两千块"
    status, refused = await adviser.act(case["id"], "reply", {"text": "请先报警，打110"})
    assert status == 409 and refused["needs_claim"] and not site.telegram.sent  # 接手 first, never silently
    await adviser.act(case["id"], "reply", {"text": "请先报警，打110", "claim": True})
    sent = await eventually(lambda: asyncio.sleep(0, site.telegram.sent))
    assert [(who, reply.text) for who, reply in sent] == [("4242", "👩‍⚖️ alice：请先报警，打110")]
