"""The frame every console page shares: header, navigation and the headers that keep pages private.

Console pages show villagers' words, so they are never cached and never framed,
and they load nothing from other sites (a strict Content-Security-Policy:
scripts and styles only from /console/static/, no inline script or style).
Everything put into HTML here goes through `esc`.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.console.accounts import Account

STATIC = Path(__file__).parent / "static"
NO_STORE = {"Cache-Control": "no-store"}
PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

#: (path, label, admins only)
SECTIONS = (
    ("/adviser", "顾问台", False),
    ("/admin", "统计", True),
    ("/admin/faq", "问答库", True),
    ("/admin/unanswered", "没答上的问题", True),
    ("/admin/advisers", "顾问统计", True),
)


def json_response(data: object, status: int = 200) -> web.Response:
    """JSON with Chinese as it is (a third of the bytes of \\u escapes), never cached."""
    return web.json_response(data, status=status, headers=NO_STORE, dumps=functools.partial(json.dumps, ensure_ascii=False))


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def nav(account: "Account", active: str) -> str:
    links = []
    for path, label, admins_only in SECTIONS:
        if admins_only and not account.is_admin:
            continue
        current = ' aria-current="page"' if path == active else ""
        links.append(f'<a href="{path}"{current}>{esc(label)}</a>')
    role = "管理员" if account.is_admin else "顾问"
    return (
        '<header class="top"><strong class="brand">明白 · 后台</strong>'
        f'<nav>{"".join(links)}</nav>'
        f'<span class="who">{esc(account.name)}（{role}）</span>'
        '<button type="button" id="logout">退出</button></header>'
    )


def document(title: str, account: "Account", active: str, body: str, scripts: tuple[str, ...] = ("console.js",)) -> str:
    tags = "".join(f'<script src="/console/static/{name}" defer></script>' for name in scripts)
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)} · 明白</title><link rel="stylesheet" href="/console/static/console.css">{tags}'
        f'</head><body>{nav(account, active)}<main class="page">{body}</main></body></html>'
    )


def page(title: str, account: "Account", active: str, body: str, **options) -> web.Response:
    return web.Response(text=document(title, account, active, body, **options), content_type="text/html",
                        headers=PAGE_HEADERS)


def refused_page(account: "Account", message: str, status: int = 403) -> web.Response:
    body = f'<h1>不能打开</h1><p class="problem">{esc(message)}</p><p><a href="/adviser">回到顾问台</a></p>'
    response = page("不能打开", account, "", body)
    response.set_status(status)
    return response


def static_page(name: str, account: "Account", active: str) -> web.Response:
    """A page kept as a file under static/ (the adviser console), with the shared header put in."""
    text = (STATIC / name).read_text(encoding="utf-8").replace("<!--nav-->", nav(account, active))
    return web.Response(text=text, content_type="text/html", headers=PAGE_HEADERS)
