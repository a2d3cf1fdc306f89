"""Who may use the console, and the checks every console request passes.

A session is an unguessable token in an HttpOnly, SameSite=Strict cookie.
Every state-changing request must carry the header `X-Mingbai: 1` (as the
villager chat page's requests do) and, when the browser sends one, an Origin
of this site: a form or script on another site cannot add that header without
a CORS preflight we never grant, so it cannot act with an adviser's cookie.
Wrong logins are counted per address and per name; the sixth within a quarter
of an hour is refused before the password is even checked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from functools import wraps
from typing import TYPE_CHECKING, Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.web_requests import Refused
from bot.web_requests import read_json as read_body

from bot.web.accounts import ADMIN, DUMMY_HASH, Account, check_password
from bot.web.pages import NO_STORE, PAGE_HEADERS, STATIC, json_response, refused_page

if TYPE_CHECKING:
    from bot.web.console import Console

log = logging.getLogger(__name__)

COOKIE = "mingbai_console"
CSRF_HEADER = "X-Mingbai"
BODY_LIMIT = 16 * 1024  # a reply of 4,000 Chinese characters is 12 KB
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60
MAX_TRACKED = 10_000

WRONG_LOGIN = "用户名或密码不对。"
TOO_MANY = "尝试次数太多，请 {minutes} 分钟后再试。"
OTHER_SITE = "请在明白顾问台的页面里操作。"
TOO_BIG = "内容太长了，请分几次发。"
UNREADABLE = "没看懂这个请求，请刷新页面后再试。"
LOGGED_OUT = "请先登录。"
ADMINS_ONLY = "这个页面只有管理员能看。"

Handler = Callable[[web.Request, Account], Awaitable[web.StreamResponse]]


class LoginLimiter:
    """Recent failed logins per key (an address, a name); in memory, which is enough for one server."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] < self.clock() - FAILURE_WINDOW:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return deque()
        return failures

    def wait_minutes(self, *keys: str) -> int:
        """0 when another attempt is allowed; otherwise the minutes until the oldest failure expires."""
        waits = [self._recent(key)[0] + FAILURE_WINDOW - self.clock() for key in keys
                 if len(self._recent(key)) >= MAX_FAILURES]
        return max(1, round(max(waits) / 60)) if waits else 0

    def failed(self, *keys: str) -> None:
        if len(self._failures) > MAX_TRACKED:  # made-up names must not fill the memory
            for key in list(self._failures):
                self._recent(key)
        for key in keys:
            self._failures[key].append(self.clock())

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)


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
    return json_response({"error": str(error)}, status=error.status)


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
            account = await current_account(console, request)
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
            response.headers.update(NO_STORE)
            return response

        return guarded_handler

    return wrap


def _next_page(account: Account, wanted: str) -> str:
    """Back where the login was asked for, if that is a console page; never to another site."""
    if wanted in ("/adviser", "/admin", "/admin/faq", "/admin/unanswered") and (account.is_admin or wanted == "/adviser"):
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
            name = name.strip().lower()
            keys = (f"address:{request.remote}", f"name:{name}")
            if minutes := console.limiter.wait_minutes(*keys):
                log.warning("console: login refused, too many failures from %s", request.remote)
                raise Refused(429, TOO_MANY.format(minutes=minutes))
            found = await console.service.call(console.accounts.credentials, name)
            matches = await asyncio.to_thread(check_password, password, found[1] if found else DUMMY_HASH)
            if not (found and matches):
                console.limiter.failed(*keys)
                raise Refused(401, WRONG_LOGIN)
        except Refused as error:
            return refusal(error)
        console.limiter.succeeded(*keys)
        account = found[0]
        token = await console.service.call(console.accounts.start_session, account.name)
        await console.service.call(console.default_display_name, account)
        log.info("console: %s logged in", account.name)
        response = json_response({"next": _next_page(account, str(data.get("next") or ""))})
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=request.secure, path="/",
                            max_age=console.session_seconds)
        return response

    async def log_out(request: web.Request) -> web.Response:
        try:
            check_same_site(request)
        except Refused as error:
            return refusal(error)
        token = request.cookies.get(COOKIE, "")
        if token and len(token) <= 100:
            await console.service.call(console.accounts.end_session, token)
        response = json_response({"next": "/login"})
        response.del_cookie(COOKIE, path="/")
        return response

    app.router.add_get("/login", show_login)
    app.router.add_post("/login", log_in)
    app.router.add_post("/logout", log_out)
    app.router.add_static("/console/static/", STATIC, show_index=False)
