"""HTTP and WebSocket endpoints of the villager chat page, and the checks every request passes.

Requests are refused before the core sees them when they are too big, come
from another site, are not something the page would send, or come too fast
(`limits`: per villager, per address, new villagers per address); refusals
carry a message a villager can read (Chinese first), because the page shows it
as is.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from bot.channels.webchat.limits import client_address, is_secure
from bot.core.texts import both, text
from bot.http import Refused, decode_json, finite_number, read_json as read_body
from bot.settings import RETENTION_DAYS
from intents.faq import Text

if TYPE_CHECKING:
    from bot.channels.webchat.chat import WebChat
    from bot.content.site import Site

STATIC = Path(__file__).parent / "static"
COOKIE = "mingbai_id"
COUNTY_COOKIE = "mingbai_county"  # set by a county's page (/c/<id>/): that county's advisers and offices
COOKIE_DAYS = RETENTION_DAYS  # as long as the conversation itself is kept
CSRF_HEADER = "X-Mingbai"
# 4,000 Chinese characters are 12 KB of UTF-8; the body limit leaves room so the clearer
# "too long" message, not a bare 413, is what a villager who wrote too much sees.
BODY_LIMIT = 16 * 1024
MAX_TEXT = 4000
MAX_POLL_WAIT = 25.0  # below common proxy timeouts

_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_COUNTY = re.compile(r"[a-z][a-z0-9_-]{1,31}")

TOO_LONG = f"{text('web_too_long', 'zh', limit=str(MAX_TEXT))}\n{text('web_too_long', 'en', limit=f'{MAX_TEXT:,}')}"
TOO_BIG = both("web_too_big")
UNREADABLE = both("web_unreadable")
NO_COOKIE = both("web_no_cookie")
OTHER_SITE = both("web_other_site")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def refuse(error: Refused) -> web.Response:
    return web.json_response({"error": str(error)}, status=error.status)


def villager(request: web.Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if _ID.fullmatch(value) else None


def bound_county(request: web.Request) -> str | None:
    """The county whose page the villager opened (the core ignores an id that is not configured)."""
    value = request.cookies.get(COUNTY_COOKIE, "")
    return value if _COUNTY.fullmatch(value) else None


def county_page(page: bytes, service: Text) -> bytes:
    """The chat page under a county's own service name: in the header (Chinese, English below it) and the title.
    The header loses its `data-t`, so the page's script, which translates its own texts, leaves the name alone."""
    zh, en = html.escape(service.zh), html.escape(service.en)
    text = page.decode("utf-8").replace("<title>明白 · 法律小帮手</title>", f"<title>{zh} · 明白</title>", 1)
    header = f'<h1 id="service">{zh}<small lang="en">{en}</small></h1>'
    text = text.replace('<h1 data-t="title">明白 · 法律小帮手</h1>', header, 1)
    return text.encode("utf-8")


def with_operator(page: bytes, site: Site) -> bytes:
    """The page with the line saying who runs the service under its header (faq/site.yaml), in both languages
    (the script translates only what carries `data-t`, so the line stays as written)."""
    if site.operator is None:
        return page
    zh = html.escape(text("web_operator", "zh", name=site.operator.zh))
    en = html.escape(text("web_operator", "en", name=site.operator.en))
    line = f'<p id="operator">{zh} <small lang="en">{en}</small></p>'
    return page.decode("utf-8").replace("</header>", "</header>\n" + line, 1).encode("utf-8")


def parse_message(data: object) -> dict:
    """{text} or {action}, with an optional client message id, into keyword arguments for WebChat.answer."""
    if not isinstance(data, dict):
        raise Refused(400, UNREADABLE)
    text, action, message_id = data.get("text"), data.get("action"), data.get("id")
    if message_id is not None and not (isinstance(message_id, str) and _MESSAGE_ID.fullmatch(message_id)):
        raise Refused(400, UNREADABLE)
    if isinstance(action, str) and 0 < len(action) <= 200 and text is None:
        return {"action": action, "message_id": message_id}
    if isinstance(text, str) and text.strip() and action is None:
        if len(text) > MAX_TEXT:
            raise Refused(400, TOO_LONG)
        return {"text": text.strip(), "message_id": message_id}
    raise Refused(400, UNREADABLE)


async def read_json(request: web.Request) -> object:
    return await read_body(request, limit=BODY_LIMIT, too_big=TOO_BIG, unreadable=UNREADABLE)


def _same_site(request: web.Request) -> bool:
    """A WebSocket carries cookies but no custom header: check its Origin instead."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def _after(request: web.Request) -> int:
    value = request.query.get("after", "0")
    return int(value) if value.isdigit() and len(value) < 20 else 0


DEFAULT_QUICK_EXIT = "https://www.baidu.com/"


def add_routes(app: web.Application, chat: "WebChat", quick_exit_url: str = DEFAULT_QUICK_EXIT) -> None:
    page = (STATIC / "chat.html").read_bytes()

    def page_response(request: web.Request, body: bytes) -> web.Response:
        response = web.Response(body=body, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS)
        if villager(request) is None:
            response.set_cookie(COOKIE, secrets.token_urlsafe(18), max_age=COOKIE_DAYS * 86400, path="/",
                                httponly=True, samesite="Lax", secure=is_secure(request))
        return response

    async def show_page(request: web.Request) -> web.Response:
        return page_response(request, with_operator(page, chat.service.site))

    async def show_county_page(request: web.Request) -> web.Response:
        """/c/<id>/: the same chat, bound to one county (its advisers, offices and local additions)."""
        county = chat.service.conversation.counties.get(request.match_info["county"])
        if county is None:
            raise web.HTTPNotFound(text=both("web_no_county"))
        body = county_page(page, county.service) if county.service else page
        response = page_response(request, with_operator(body, chat.service.site))
        response.set_cookie(COUNTY_COOKIE, county.id, max_age=COOKIE_DAYS * 86400, path="/", httponly=True,
                            samesite="Lax", secure=is_secure(request))
        return response

    async def admit(request: web.Request, user_id: str, message: dict) -> None:
        """Count the message against the limits (a page retrying an answered one is not counted again)."""
        if not chat.repeat(user_id, message["message_id"]):
            await chat.limits.check(user_id, client_address(request))

    async def post_message(request: web.Request) -> web.Response:
        try:
            if request.headers.get(CSRF_HEADER) != "1":
                raise Refused(403, OTHER_SITE)
            user_id = villager(request)
            if user_id is None:
                raise Refused(401, NO_COOKIE)
            message = parse_message(await read_json(request))
            await admit(request, user_id, message)
        except Refused as error:
            return refuse(error)
        return web.json_response(await chat.answer(user_id, **message, county=bound_county(request)))

    async def leave(request: web.Request) -> web.Response:
        """快速离开. The page sends it as a beacon, which carries no custom header: its Origin must be ours."""
        from_page = request.headers.get(CSRF_HEADER) == "1" or (request.headers.get("Origin") and _same_site(request))
        user_id = villager(request)
        if not from_page:
            return refuse(Refused(403, OTHER_SITE))
        if user_id is not None:
            await chat.leave(user_id)
        return web.json_response({"ok": True})

    async def away(request: web.Request) -> web.Response:
        """Where 快速离开 lands: straight on to a neutral site, leaving no chat page in the tab's history."""
        raise web.HTTPSeeOther(quick_exit_url, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def get_history(request: web.Request) -> web.Response:
        user_id = villager(request)
        if user_id is None:
            return refuse(Refused(401, NO_COOKIE))
        return web.json_response(await chat.history(user_id), headers={"Cache-Control": "no-store"})

    async def poll(request: web.Request) -> web.Response:
        user_id = villager(request)
        if user_id is None:
            return refuse(Refused(401, NO_COOKIE))
        wait = min(max(finite_number(request.query.get("wait"), 0.0), 0.0), MAX_POLL_WAIT)
        messages = await chat.lines.wait(user_id, _after(request), wait)
        return web.json_response({"messages": messages}, headers={"Cache-Control": "no-store"})

    async def socket(request: web.Request) -> web.WebSocketResponse:
        user_id = villager(request)
        if user_id is None or not _same_site(request):
            raise web.HTTPForbidden(text=OTHER_SITE)
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=BODY_LIMIT)
        await ws.prepare(request)
        chat.lines.attach(user_id, ws)
        answering: set[asyncio.Task] = set()

        async def answer(message: dict) -> None:
            reply = await chat.answer(user_id, **message, county=bound_county(request))
            with contextlib.suppress(ConnectionError):  # the page went away: it asks again over HTTP, same id
                await ws.send_json({"type": "replies", "id": message["message_id"], **reply})

        try:
            for message in chat.lines.pending(user_id, _after(request)):
                await ws.send_json(message)
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                data = None
                try:
                    data = decode_json(frame.data, UNREADABLE)
                    message = parse_message(data)
                    await admit(request, user_id, message)
                except (ValueError, Refused) as error:
                    reason = str(error) if isinstance(error, Refused) else UNREADABLE
                    sent_id = data.get("id") if isinstance(data, dict) else None
                    await ws.send_json({"type": "error", "id": sent_id, "error": reason})
                    continue
                # Answered side by side, so the next message is read while this one waits for the rest of a
                # burst; tasks start in the order made and each reaches the core's queue in its first step.
                task = asyncio.create_task(answer(message))
                answering.add(task)
                task.add_done_callback(answering.discard)
        finally:
            chat.lines.detach(user_id, ws)
            await asyncio.gather(*answering, return_exceptions=True)
        return ws

    async def icon(request: web.Request) -> web.FileResponse:
        """/favicon.ico, which browsers ask for on every page of the site (the console's too): the page's SVG icon."""
        return web.FileResponse(STATIC / "favicon.svg", headers={"Content-Type": "image/svg+xml",
                                                                 "Cache-Control": "max-age=86400"})

    app.router.add_get("/", show_page)
    app.router.add_get("/favicon.ico", icon)
    app.router.add_get(r"/c/{county:[a-z][a-z0-9_-]{1,31}}/", show_county_page)
    app.router.add_post("/api/message", post_message)
    app.router.add_post("/api/leave", leave)
    app.router.add_get("/away", away)
    app.router.add_get("/api/history", get_history)
    app.router.add_get("/api/poll", poll)
    app.router.add_get("/ws", socket)
    app.router.add_static("/static/", STATIC, show_index=False)
