"""Who may use the console, and the checks every console request passes.

A session is an unguessable token in an HttpOnly, SameSite=Strict cookie.
Every state-changing request must carry the header `X-Mingbai: 1` (as the
villager chat page's requests do) and, when the browser sends one, an Origin
of this site: a form or script on another site cannot add that header without
a CORS preflight we never grant, so it cannot act with an adviser's cookie.
Wrong logins are counted per name and address together, per name, and per
address (the client's, when a trusted proxy says it: `limits`). Past a few
free tries each key must wait, longer after every further failure, before the
password is even checked again. The pair is strict, so one guesser is slowed
at once; the name alone only much later (many addresses guessing one name); the
address alone far later still (many people behind one proxy). So a guesser
cannot lock an adviser out from elsewhere, nor everyone behind a shared
address. A success clears only its own name's counters. The counters are rows
in the database, so every `mingbai run` on it shares them and a restart keeps them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from functools import wraps
from typing import TYPE_CHECKING, Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.channels.webchat.limits import client_address, is_secure
from bot.console.accounts import ADMIN, DUMMY_HASH, Account, check_password
from bot.console.pages import NO_STORE, PAGE_HEADERS, SECTIONS, STATIC, json_response, refused_page
from bot.errors import Refused, StorageUnavailable
from bot.http import read_json as read_body

if TYPE_CHECKING:
    from bot.console.state import Console

log = logging.getLogger(__name__)

COOKIE = "mingbai_console"
CSRF_HEADER = "X-Mingbai"
BODY_LIMIT = 16 * 1024  # a reply of 4,000 Chinese characters is 12 KB
#: Failures allowed before each further try must wait: for one name from one address, for one name from
#: anywhere, and from one address for any names.
FREE_FAILURES = {"pair": 5, "name": 20, "address": 100}
FIRST_WAIT = 30.0  # seconds after the first failure past the free ones; doubles with each further one
FAILURE_WINDOW = 15 * 60  # a failure older than this is forgotten; also the longest wait

WRONG_LOGIN = "用户名或密码不对。"
TOO_MANY = "尝试次数太多，请 {minutes} 分钟后再试。"
OTHER_SITE = "请在明白顾问台的页面里操作。"
TOO_BIG = "内容太长了，请分几次发。"
UNREADABLE = "没看懂这个请求，请刷新页面后再试。"
LOGGED_OUT = "请先登录。"
ADMINS_ONLY = "这个页面只有管理员能看。"
STORAGE_DOWN = "数据库暂时无法写入，刚才的操作没有保存，请稍后再试。"

Handler = Callable[[web.Request, Account], Awaitable[web.StreamResponse]]


class LoginLimiter:
    """Recent failed logins per key (name and address, name, address), with a growing wait past the free ones.

    The failures are rows in the database (`store.login_failures`), so every `mingbai run` on it counts them
    together; each method takes that store and is a blocking call for the core's worker thread
    (`service.call(limiter.wait_seconds, failures, ...)`). `clock` is the wall clock, which processes share."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock

    @staticmethod
    def keys(name: str, address: str) -> dict[str, str]:
        return {"pair": f"pair:{name}\n{address}", "name": f"name:{name}", "address": f"address:{address}"}

    def wait_seconds(self, failures, name: str, address: str) -> float:
        """0 when a try is allowed now; otherwise how long until it is."""
        now = self.clock()
        keys = self.keys(name, address)
        recent = failures.counts(keys.values(), since=now - FAILURE_WINDOW)
        waits = [0.0]
        for kind, key in keys.items():
            count, latest = recent.get(key, (0, now))
            extra = count - FREE_FAILURES[kind]
            if extra >= 0:
                wait = min(FAILURE_WINDOW, FIRST_WAIT * 2 ** extra)
                waits.append(latest + wait - now)
        return max(waits)

    def failed(self, failures, name: str, address: str) -> None:
        """Count a failure under each key; failures past the window go (made-up names must not fill the table)."""
        now = self.clock()
        with failures.transaction():
            failures.purge_before(now - FAILURE_WINDOW)
            failures.add(self.keys(name, address).values(), now)

    def succeeded(self, failures, name: str, address: str) -> None:
        """The right password: that name starts afresh; the address keeps its count (F3: an attacker's own
        account must not buy more guesses at other names)."""
        keys = self.keys(name, address)
        failures.clear([keys["pair"], keys["name"]])


def check_same_site(request: web.Request) -> None:
    if request.headers.get(CSRF_HEADER) != "1":
        raise Refused(403, OTHER_SITE)
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise Refused(403, OTHER_SITE)


async def read_json(request: web.Request) -> dict:
    """The body as a JSON object (an empty body is an empty object)."""
    data = await read_body(request, limit=BODY_LIMIT, too_big=TOO_BIG, unreadable=UNREADABLE)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Refused(400, UNREADABLE)
    return data


def refusal(error: Refused) -> web.Response:
    return json_response({"error": str(error), **error.extra}, status=error.status)


async def current_account(console: "Console", request: web.Request) -> Account | None:
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 100:
        return None
    return await console.service.call(console.accounts.session, token)


def guarded(console: "Console", role: str, *, api: bool) -> Callable[[Handler], Callable]:
    """Wrap a handler: logged in, allowed for `role`, same-site for writes; the answer is never cached."""

    def wrap(handler: Handler):
        @wraps(handler)
        async def guarded_handler(request: web.Request) -> web.StreamResponse:
            try:
                account = await current_account(console, request)
            except StorageUnavailable as error:
                log.error("console: storage failed reading a session (%s)", error)
                return refusal(Refused(503, STORAGE_DOWN))
            if account is None:
                if api:
                    return refusal(Refused(401, LOGGED_OUT))
                raise web.HTTPFound(f"/login?next={request.path}")
            if role == ADMIN and not account.is_admin:
                return refusal(Refused(403, ADMINS_ONLY)) if api else refused_page(account, ADMINS_ONLY)
            try:
                if request.method != "GET":
                    check_same_site(request)
                response = await handler(request, account)
            except Refused as error:
                return refusal(error)
            except StorageUnavailable as error:  # disk full, file unwritable: say so, in JSON
                log.error("console: storage failed on %s (%s)", request.path, error)
                if not api:
                    return refused_page(account, STORAGE_DOWN, status=503)
                return refusal(Refused(503, STORAGE_DOWN))
            response.headers.update(NO_STORE)
            return response

        return guarded_handler

    return wrap


def _next_page(account: Account, wanted: str) -> str:
    """Back where the login was asked for, if that is a console page; never to another site."""
    if wanted in {path for path, _, _ in SECTIONS} and (account.is_admin or wanted == "/adviser"):
        return wanted
    return "/admin" if account.is_admin else "/adviser"


def add_login_routes(app: web.Application, console: "Console") -> None:
    login_page = (STATIC / "login.html").read_text(encoding="utf-8")

    async def show_login(request: web.Request) -> web.Response:
        return web.Response(text=login_page, content_type="text/html", headers=PAGE_HEADERS)

    async def log_in(request: web.Request) -> web.Response:
        try:
            check_same_site(request)
            data = await read_json(request)
            name, password = data.get("name"), data.get("password")
            if not isinstance(name, str) or not isinstance(password, str) or len(name) > 64 or len(password) > 256:
                raise Refused(400, WRONG_LOGIN)
            name, address = name.strip().lower(), client_address(request)
            failures = console.service.store.login_failures
            if (wait := await console.service.call(console.limiter.wait_seconds, failures, name, address)) > 0:
                log.warning("console: login refused, too many failures (from %s)", address)
                raise Refused(429, TOO_MANY.format(minutes=max(1, math.ceil(wait / 60))))
            found = await console.service.call(console.accounts.credentials, name)
            matches = await asyncio.to_thread(check_password, password, found[1] if found else DUMMY_HASH)
            if not (found and matches):
                await console.service.call(console.limiter.failed, failures, name, address)
                raise Refused(401, WRONG_LOGIN)
            await console.service.call(console.limiter.succeeded, failures, name, address)
            account = found[0]
            token = await console.service.call(console.accounts.start_session, account.name)
            await console.service.call(console.default_display_name, account)
        except Refused as error:
            return refusal(error)
        except StorageUnavailable as error:  # the session cannot be written: say so, in JSON
            log.error("console: storage failed during a login (%s)", error)
            return refusal(Refused(503, STORAGE_DOWN))
        log.info("console: %s logged in", account.name)
        response = json_response({"next": _next_page(account, str(data.get("next") or ""))})
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=is_secure(request), path="/",
                            max_age=console.session_seconds)
        return response

    async def log_out(request: web.Request) -> web.Response:
        try:
            check_same_site(request)
        except Refused as error:
            return refusal(error)
        token = request.cookies.get(COOKIE, "")
        try:
            if token and len(token) <= 100:
                await console.service.call(console.accounts.end_session, token)
        except StorageUnavailable as error:
            log.error("console: storage failed during a logout (%s)", error)
            return refusal(Refused(503, STORAGE_DOWN))
        response = json_response({"next": "/login"})
        response.del_cookie(COOKIE, path="/")
        return response

    app.router.add_get("/login", show_login)
    app.router.add_post("/login", log_in)
    app.router.add_post("/logout", log_out)
    app.router.add_static("/console/static/", STATIC, show_index=False)
