"""The December 2026 security review's reproductions (shared/reviews/security_review_2026-12.md), as tests.

Each test is named after its finding and runs the review's steps over real HTTP against the real aiohttp
app, ChatService, HandoffDesk and Relay on a temp SQLite file (as `console_support` does); only Telegram
itself is a fake (the fake Bot API) or a recorder where the relay hands messages over. Behind a reverse
proxy, clients are told apart by X-Forwarded-For, which only a trusted proxy may set.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import sqlite3
import stat
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from bot.app import PathOnlyAccessLogger
from bot.channels.webchat.chat import setup_web_chat
from bot.channels.webchat.limits import BUSY_NETWORK, TOO_FAST, TOO_MANY_NEW, TRUSTED_PROXIES, trusted_networks
from bot.console import setup_console
from bot.console.auth import STORAGE_DOWN, LoginLimiter
from bot.console.unanswered import yaml_scalar
from bot.core.service import ChatService
from bot.handoff.relay import Relay
from bot.messages import Incoming
from bot.settings import Settings
from bot.storage.store import Store
from tests.support import ROOT, settings_for
from tests.support.console import HASH, PASSWORD, SAME_SITE, Site, TelegramBoundary, eventually
from tests.support.database import count_rows
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADMIN,
    ADVISERS,
    LI,
    ZHANG,
    adviser,
    card_of,
    fake,
    open_case,
    posts,
    running_with_advisers,
    settings,
    until,
)

PROXY = "127.0.0.1"  # the test client's own address: it plays the reverse proxy
ATTACKER, ALICE_HOME, ELSEWHERE = "203.0.113.9", "198.51.100.7", "192.0.2.44"


@contextlib.asynccontextmanager
async def running(data_dir: Path, *, trusted: tuple[str, ...] = (), limits: dict | None = None):
    """mingbai's web server (villager chat, console, relay) as `build_web_app` wires it, on `data_dir`."""
    settings = settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(data_dir)},
                                 config_file=data_dir.parent / "none.toml")
    service = ChatService.open(settings)
    relay = Relay(service.relay_port, settings.handoff_timeout)
    service.effect_listeners.append(lambda outcome: relay.wake())
    app = web.Application(client_max_size=64 * 1024)
    app[TRUSTED_PROXIES] = trusted_networks(trusted)
    relay.add_villager_channel("web", setup_web_chat(app, service, limits).push, keeps_transcript=True)
    telegram = TelegramBoundary()
    relay.add_villager_channel("telegram", telegram.send)
    console = setup_console(app, service, relay, settings.faq_dir, watch_seconds=None)
    server = TestServer(app)
    await server.start_server(access_log_class=PathOnlyAccessLogger)
    for name, role in (("alice", "adviser"), ("bob", "adviser"), ("root", "admin")):
        await service.call(console.accounts.save, name, role, HASH)
    task = asyncio.create_task(relay.run())
    try:
        yield Site(server, service, console, telegram, settings.faq_dir, data_dir)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.close()
        await service.close()


class Browser:
    """One browser, at `address` behind the proxy (sent as X-Forwarded-For), or directly when None."""

    def __init__(self, site: Site, address: str | None = None, cookies: dict | None = None):
        self.site, self.address = site, address
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), cookies=cookies)

    def headers(self, extra: dict | None = None) -> dict:
        return {**({"X-Forwarded-For": self.address} if self.address else {}), **(extra or {})}

    def url(self, path: str):
        return self.site.server.make_url(path)

    async def post(self, path: str, payload=None, headers: dict | None = None) -> tuple[int, dict]:
        body = json.dumps(payload or {}, ensure_ascii=False).encode()
        headers = self.headers({**SAME_SITE, "Content-Type": "application/json", **(headers or {})})
        async with self.session.post(self.url(path), data=body, headers=headers, allow_redirects=False) as response:
            return response.status, await response.json()

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.url(path), headers=self.headers(), allow_redirects=False) as response:
            return response.status, await response.text()

    async def login(self, name: str, password: str = PASSWORD) -> int:
        return (await self.post("/login", {"name": name, "password": password}))[0]

    async def act(self, case: int, action: str, payload=None) -> tuple[int, dict]:
        return await self.post(f"/adviser/api/cases/{case}/{action}", payload)

    async def state(self, case: int) -> dict:
        status, text = await self.get(f"/adviser/api/state?case={case}")
        assert status == 200, text
        return json.loads(text)["case"]

    async def says(self, text: str) -> tuple[int, dict]:
        return await self.post("/api/message", {"text": text})

    async def poll(self, after: int) -> list[dict]:
        status, text = await self.get(f"/api/poll?after={after}")
        assert status == 200, text
        return json.loads(text)["messages"]

    async def close(self) -> None:
        await self.session.close()


@pytest.fixture
async def browsers():
    opened: list[Browser] = []

    def open_browser(site: Site, address: str | None = None, cookies: dict | None = None) -> Browser:
        opened.append(Browser(site, address, cookies))
        return opened[-1]

    yield open_browser
    for browser in opened:
        await browser.close()


# --- F2, F3: the console's login limiter ---------------------------------------------------------


async def test_F2_five_wrong_passwords_slow_that_name_from_that_address_and_lock_out_no_one_else(tmp_path, browsers):
    async with running(tmp_path / "data", trusted=(PROXY,)) as site:
        attacker = browsers(site, ATTACKER)
        assert [await attacker.login("alice", f"wrong{n}") for n in range(5)] == [401] * 5
        status, body = await attacker.post("/login", {"name": "alice", "password": PASSWORD})
        assert status == 429 and "分钟后再试" in body["error"]  # this guesser, on this name: wait
        assert await browsers(site, ALICE_HOME).login("alice") == 200  # alice herself, from home: not locked out
        assert await attacker.login("root") == 200  # an account never attacked, even from the attacker's address


async def test_F2_a_forwarded_address_is_believed_only_from_the_trusted_proxy(tmp_path, browsers):
    async with running(tmp_path / "data") as site:  # no MINGBAI_TRUSTED_PROXY
        for n in range(5):
            assert await browsers(site, f"203.0.113.{n}").login("alice", "wrong") == 401
        assert await browsers(site, ALICE_HOME).login("alice") == 429  # a spoofed header changes nothing


async def test_F2_the_wait_grows_with_each_failure_past_the_free_ones(tmp_path, browsers):
    now = [1000.0]
    async with running(tmp_path / "data", trusted=(PROXY,)) as site:
        site.console.limiter = LoginLimiter(clock=lambda: now[0])
        attacker = browsers(site, ATTACKER)
        for _ in range(5):
            assert await attacker.login("alice", "wrong") == 401
        waits = []
        for _ in range(3):
            waited = 0
            while await attacker.login("alice", "wrong") == 429:
                now[0] += 10
                waited += 10
            waits.append(waited)  # the try that was let through failed again
        assert waits == [30, 60, 120]
        now[0] += 15 * 60 + 1  # a quarter of an hour later every failure is forgotten
        assert await attacker.login("alice") == 200


async def test_F2_guesses_at_one_name_from_many_addresses_are_limited_per_name(tmp_path, browsers):
    async with running(tmp_path / "data", trusted=(PROXY,)) as site:
        for n in range(20):
            assert await browsers(site, f"203.0.113.{n // 5}").login("alice", "wrong") == 401
        assert await browsers(site, ELSEWHERE).login("alice", "wrong") == 429
        assert await browsers(site, ELSEWHERE).login("bob") == 200


async def test_F3_a_success_clears_only_its_own_names_counter_not_the_addresss(tmp_path, browsers):
    async with running(tmp_path / "data", trusted=(PROXY,)) as site:
        attacker = browsers(site, ATTACKER)
        names = [f"user{n}" for n in range(25)] + ["alice", "root"]
        guesses = [name for round_ in range(4) for name in names][:100]  # 100 wrong guesses, at most 4 per name
        for number, name in enumerate(guesses, start=1):
            assert await attacker.login(name, "wrong") == 401, number
            if number % 20 == 0 and number < 100:
                assert await attacker.login("bob") == 200  # the attacker's own account: clears bob's count only
        assert await attacker.login("carol", "wrong") == 429  # the address's (loose) limit held
        assert await attacker.login("bob") == 429  # for everyone at that address, until the wait is over
        assert await browsers(site, ELSEWHERE).login("alice") == 200


# --- F9: a claimed case is its claimer's -----------------------------------------------------------


async def test_F9_only_the_claimer_or_an_admin_transfers_or_closes_and_every_action_is_logged(tmp_path, browsers):
    async with running(tmp_path / "data") as site:
        await site.service.handle(Incoming("telegram", "77", text="/human"))
        alice, bob, root = browsers(site), browsers(site), browsers(site)
        for browser, name in ((alice, "alice"), (bob, "bob"), (root, "root")):
            assert await browser.login(name) == 200
        assert (await alice.act(1, "claim"))[0] == 200

        assert await bob.act(1, "reply", {"text": "我来"}) == (409, {"error": "这个求助已经由 alice 接手了。"})
        for action, verb in (("transfer", "转回队列"), ("close", "结案")):
            status, body = await bob.act(1, action, {})
            assert status == 409 and body["error"] == f"这个求助由 alice 接手，只有 alice 或管理员可以{verb}。"
        assert (await bob.act(1, "claim"))[0] == 409
        status, state = await bob.act(1, "note", {"text": "我认识这个村民，可以帮忙"})  # notes stay the team's
        assert status == 200
        case = state["case"]
        assert case["adviser"] == "alice" and not case["mine"] and not case["may_manage"]  # bob sees who holds it
        # nothing of bob's reached the villager: only that alice took the case
        assert [reply.text for _, reply in site.telegram.sent] in ([], ["👩‍⚖️ alice已经接手您的问题，会在这里回复您。"])

        status, state = await root.act(1, "transfer")  # an admin may
        assert status == 200 and state["case"]["status"] == "waiting"
        assert (await bob.act(1, "claim"))[0] == 200
        assert (await alice.act(1, "close", {}))[0] == 409
        assert (await bob.act(1, "close", {"summary": "已解答"}))[0] == 200
        log = [(event["who"], event["text"]) for event in (await alice.state(1))["events"]
               if "已经接手您的问题" not in event["text"]]  # what the villager was told, when the relay passed
    assert log == [
        ("系统", "村民请求人工帮助"), ("alice", "接手了这个求助"), ("bob", "我认识这个村民，可以帮忙"),
        ("root", "已转回队列，等待其他顾问接手（原由 alice 接手）"), ("bob", "接手了这个求助"), ("bob", "结案：已解答"),
    ]


async def test_F9_the_telegram_group_follows_the_same_rules(fake, settings):
    settings = dataclasses.replace(settings, admins=(ADMIN,))
    zhang, li, admin = adviser(fake, ZHANG, "Zhang"), adviser(fake, LI, "Li"), fake.user(ADMIN, "Admin")
    async with running_with_advisers(settings) as bot:
        thread, card = await open_case(fake)
        fake.push_callback(ADVISERS, card["message_id"], "case:claim:1", user=li)
        await until(lambda: "处理中" in card_of(fake, 1)["text"])
        fake.push_in_topic(ADVISERS, thread, zhang, text="/transfer")
        fake.push_in_topic(ADVISERS, thread, zhang, text="/close 我来结")
        await until(lambda: len([post for post in posts(fake, thread) if "或管理员可以" in post]) == 2)
        refused = [post for post in posts(fake, thread) if "或管理员可以" in post]
        fake.push_callback(ADVISERS, card["message_id"], "case:close:1", user=zhang)
        await until(lambda: len(fake.answered_callbacks) == 2)
        case = await bot.service.call(bot.service.conversation.desk.case, 1)
        fake.push_in_topic(ADVISERS, thread, admin, text="/transfer")
        await until(lambda: "等待认领" in card_of(fake, 1)["text"], what="the admin's transfer")
    holder = f"telegram:{LI}"  # Li chose no display name: colleagues see the account id
    assert refused == [f"⚠️ 这个求助由 {holder} 接手，只有 {holder} 或管理员可以转回队列。 Case #1 is {holder}'s: "
                       "only they or an admin may transfer it.",
                       f"⚠️ 这个求助由 {holder} 接手，只有 {holder} 或管理员可以结案。 Case #1 is {holder}'s: "
                       "only they or an admin may close it."]
    assert "只有" in fake.answered_callbacks[1]["text"] and fake.answered_callbacks[1]["show_alert"]
    assert case.status == "claimed" and case.adviser == holder


# --- F10: the access log -----------------------------------------------------------------------------


async def test_F10_a_newline_in_the_path_cannot_forge_a_log_line(tmp_path, browsers, caplog):
    forged = "/x%0a2099-01-01%2000:00:00,000%20INFO%20bot.web.auth:%20console:%20admin1%20logged%20in"
    async with running(tmp_path / "data") as site:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            async with aiohttp.ClientSession() as session:
                async with session.get(URL(str(site.server.make_url("/")) + forged[1:], encoded=True)) as response:
                    assert response.status == 404
    [line] = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert "\n" not in line and line.startswith("GET /x\\x0a2099-01-01 00:00:00,000 INFO") and " 404 " in line


# --- F11: the villager API's limits ---------------------------------------------------------------------


async def test_F11_new_ids_from_one_address_are_capped(tmp_path, browsers):
    async with running(tmp_path / "data") as site:
        async def one(number: int) -> tuple[int, dict]:  # a made-up id, no visit to / first
            return await browsers(site, cookies={"mingbai_id": f"flood{number:011d}"}).says("欠" * 4000)

        results = []
        for start in range(0, 200, 50):
            results += await asyncio.gather(*(one(number) for number in range(start, start + 50)))
        users = count_rows(site.service.store.path, "users")
    assert [status for status, _ in results].count(200) == 60 == users
    assert {(status, body["error"]) for status, body in results if status != 200} == {(429, TOO_MANY_NEW)}
    assert TOO_MANY_NEW.startswith("您所在的网络上新开的对话太多了")  # Chinese first, polite


async def test_F11_one_cookie_is_limited_over_http_and_websocket_and_a_retry_is_not_counted(tmp_path, browsers):
    async with running(tmp_path / "data") as site:
        villager = browsers(site, cookies={"mingbai_id": "aaaaaaaaaaaaaaaa"})
        results = []
        for _ in range(4):  # 200 messages, 50 at a time
            results += await asyncio.gather(*(villager.says("欠" * 4000) for _ in range(50)))
        assert [status for status, _ in results].count(200) == 20
        assert {(status, body["error"]) for status, body in results if status != 200} == {(429, TOO_FAST)}
        async with villager.session.ws_connect(villager.url("/ws")) as ws:
            await ws.send_json({"text": "还有一个问题", "id": "w1"})
            assert await ws.receive_json(timeout=5) == {"type": "error", "id": "w1", "error": TOO_FAST}

        patient = browsers(site, cookies={"mingbai_id": "bbbbbbbbbbbbbbbb"})
        for _ in range(25):  # the page retrying one message: answered from memory, not counted again
            status, _ = await patient.post("/api/message", {"text": "老板欠工资", "id": "same-id"})
            assert status == 200
        assert (await patient.post("/api/message", {"text": "第二个问题", "id": "next-id"}))[0] == 200


async def test_F11_one_address_is_limited_far_more_loosely_than_one_villager(tmp_path, browsers):
    async with running(tmp_path / "data", trusted=(PROXY,)) as site:
        statuses = []
        for number in range(7):  # seven villagers of one village, behind one mobile network address
            villager = browsers(site, ATTACKER, cookies={"mingbai_id": f"village{number:09d}"})
            statuses += [status for status, _ in await asyncio.gather(*(villager.says("老板欠工资") for _ in range(20)))]
        assert statuses.count(200) == 120
        status, body = await browsers(site, ATTACKER, cookies={"mingbai_id": "village-eighth-01"}).says("还在吗")
        assert (status, body["error"]) == (429, BUSY_NETWORK)
        assert (await browsers(site, ELSEWHERE, cookies={"mingbai_id": "another-village-1"}).says("还在吗"))[0] == 200


def test_F11_the_limits_are_a_setting_documented_with_the_trusted_proxy(tmp_path):
    none = tmp_path / "none.toml"
    assert Settings.from_env({}, none).web_limits == {"villager": 20, "address": 120, "new_ids": 60}
    assert Settings.from_env({"MINGBAI_WEB_LIMITS": "address=0, new_ids=500"}, none).web_limits == {
        "villager": 20, "address": 0, "new_ids": 500}
    assert Settings.from_env({"MINGBAI_TRUSTED_PROXY": "127.0.0.1, 10.0.0.0/8"}, none).trusted_proxy == (
        "127.0.0.1/32", "10.0.0.0/8")
    with pytest.raises(ValueError, match="MINGBAI_WEB_LIMITS"):
        Settings.from_env({"MINGBAI_WEB_LIMITS": "villagers=20"}, none)
    with pytest.raises(ValueError, match="MINGBAI_TRUSTED_PROXY"):
        Settings.from_env({"MINGBAI_TRUSTED_PROXY": "my-proxy"}, none)
    configuration = (ROOT / "README.md").read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ")[0]
    assert "`MINGBAI_WEB_LIMITS`" in configuration and "`MINGBAI_TRUSTED_PROXY`" in configuration


# --- F12, F13: pushed messages across a restart, and /forget ---------------------------------------------


async def _claimed_web_case(site: Site, browsers, cookie: str) -> tuple[Browser, Browser]:
    villager = browsers(site, cookies={"mingbai_id": cookie})
    assert (await villager.post("/api/message", {"action": "handoff"}))[0] == 200
    alice = browsers(site)
    assert await alice.login("alice") == 200
    assert (await alice.act(1, "claim"))[0] == 200
    return villager, alice


async def _delivered(alice: Browser, count: int) -> bool:
    events = (await alice.state(1))["events"]
    return [e["delivery"] for e in events if e["kind"] == "adviser"] == ["sent"] * count


async def _queued(villager: Browser, count: int) -> bool:
    return len(await villager.poll(0)) == count


async def _pushes(villager: Browser, count: int) -> list[dict] | None:
    """The messages pushed to the villager, once there are `count` of them."""
    messages = await villager.poll(0)
    return messages if len(messages) >= count else None


async def test_F12_a_page_reconnecting_after_a_restart_gets_the_adviser_message_it_missed(tmp_path, browsers):
    data, cookie = tmp_path / "data", "restartvillager01"
    async with running(data) as site:
        villager, alice = await _claimed_web_case(site, browsers, cookie)
        await alice.act(1, "reply", {"text": "第一条回复"})
        joined, first = await eventually(lambda: _pushes(villager, 2))
        assert "alice已经接手" in joined["reply"]["text"] and first["reply"]["text"] == "👩‍⚖️ alice：第一条回复"
        seen = first["seq"]
        await alice.act(1, "reply", {"text": "第二条回复"})
        assert await eventually(lambda: _delivered(alice, 2))  # the console says 已送达 ...
    async with running(data) as site:  # ... and then the server is gone and back
        villager = browsers(site, cookies={"mingbai_id": cookie})
        [second] = await villager.poll(seen)
        assert second["reply"]["text"] == "👩‍⚖️ alice：第二条回复" and second["seq"] > seen
        async with villager.session.ws_connect(villager.url(f"/ws?after={seen}")) as ws:
            assert await ws.receive_json(timeout=5) == second
        assert await villager.poll(second["seq"]) == []
        status, text = await villager.get("/api/history")
        history = json.loads(text)
    assert history["seq"] == second["seq"] and history["messages"][-1]["text"] == "👩‍⚖️ alice：第二条回复"


async def test_F13_forget_empties_the_live_queue_and_memory_and_leaves_no_text_in_the_files(tmp_path, browsers):
    async with running(tmp_path / "data") as site:
        villager, alice = await _claimed_web_case(site, browsers, "forgetvillager001")
        for text in ("您好，第一条", "请准备好欠条", "明天给您打电话"):
            await alice.act(1, "reply", {"text": text})
        assert await eventually(lambda: _delivered(alice, 3))
        assert len(await villager.poll(0)) == 4  # that alice took the case, then her three messages
        await alice.act(1, "close", {"summary": "已解答"})
        assert await eventually(lambda: _queued(villager, 5))  # the request for a rating went out too
        assert (await villager.says("/forget"))[0] == 200
        status, body = await villager.says("是")
        assert status == 200 and "删除" in body["replies"][0]["text"]
        assert await villager.poll(0) == []
        async with villager.session.ws_connect(villager.url("/ws?after=0")) as ws:
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive_json(timeout=0.5)
        history = json.loads((await villager.get("/api/history"))[1])
        assert history["messages"] == [] and history["seq"] == 0
        files = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("mingbai.sqlite*"))
    left = {text: files.count(text.encode()) for text in ("请准备好欠条", "明天给您打电话")}
    assert left == {"请准备好欠条": 0, "明天给您打电话": 0}  # I3: secure_delete, and the WAL emptied after /forget


# --- F14: storage failing under the console ----------------------------------------------------------------


async def test_F14_console_writes_and_logins_say_in_json_that_storage_failed(tmp_path, browsers):
    async with running(tmp_path / "data") as site:
        await site.service.handle(Incoming("telegram", "77", text="/human"))
        alice = browsers(site)
        assert await alice.login("alice") == 200
        db = site.service.store.db
        await site.service.call(db.execute, "PRAGMA query_only = ON")  # every write fails, as on a full disk
        try:
            assert await alice.act(1, "reply", {"text": "您好", "claim": True}) == (503, {"error": STORAGE_DOWN})
            assert await browsers(site).post("/login", {"name": "bob", "password": PASSWORD}) == (
                503, {"error": STORAGE_DOWN})
            assert (await alice.state(1))["status"] == "waiting"  # reading still works
        finally:
            await site.service.call(db.execute, "PRAGMA query_only = OFF")
        assert (await alice.act(1, "reply", {"text": "您好", "claim": True}))[0] == 200  # and writing again, once storage is back
        assert await browsers(site).login("bob") == 200


# --- F15: file permissions ---------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_F15_the_data_folder_and_its_files_are_the_services_alone(tmp_path):
    data = tmp_path / "fresh" / "data"
    async with running(data) as site:
        await site.service.handle(Incoming("web", "modevillager0001", text="老板欠工资"))
        files = {path.name: _mode(path) for path in data.iterdir()}
    assert _mode(data) == 0o700
    assert files == {"mingbai.sqlite": 0o600, "mingbai.sqlite-wal": 0o600, "mingbai.sqlite-shm": 0o600,
                     "mingbai.pid": 0o600, "mingbai.sqlite.lock": 0o600}


def test_F15_an_existing_database_is_made_private(tmp_path):
    path = tmp_path / "mingbai.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("create table t (x)")
    path.chmod(0o644)
    store = Store(path)
    store.close()
    assert _mode(path) == 0o600


# --- INFO rows fixed on the way ----------------------------------------------------------------------------


async def test_I1_cookies_are_secure_when_the_trusted_proxy_says_https(tmp_path, browsers):
    async with running(tmp_path / "data", trusted=(PROXY,)) as site:
        https = {"X-Forwarded-For": ALICE_HOME, "X-Forwarded-Proto": "https"}
        async with browsers(site).session.get(site.server.make_url("/"), headers=https) as response:
            assert response.cookies["mingbai_id"]["secure"]
        async with browsers(site).session.post(site.server.make_url("/login"), headers={**https, **SAME_SITE},
                                               json={"name": "alice", "password": PASSWORD}) as response:
            assert response.status == 200 and response.cookies["mingbai_console"]["secure"]
    async with running(tmp_path / "other") as site:  # no trusted proxy: the header is anyone's to send
        async with browsers(site).session.get(site.server.make_url("/"), headers=https) as response:
            assert not response.cookies["mingbai_id"]["secure"]


@pytest.mark.parametrize("question", ["=", "<<", "2024-01-01", "0x10", "3.14", "yes", "~", "a\x1bb", "key: value",
                                      '工资"拖欠"', "老板欠钱 怎么办"])
def test_I4_copy_as_yaml_reads_back_as_the_same_question(question):
    assert yaml.safe_load(f"- {yaml_scalar(question)}") == [question]
