"""The admin dashboard: statistics, the FAQ files and their reload, unanswered questions.

Admins only; an adviser who follows a link here gets a plain refusal. The
figures come from `bot.storage.stats.service_statistics` (the same numbers as
`mingbai stats` and the advisers' /stats), the FAQ view from the files on
disk, and the unanswered questions from the store, grouped for reading.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.storage.stats import service_statistics
from bot.console.accounts import ADMIN, Account
from bot.console.admin_pages import PERIODS, faq_body, statistics_body, unanswered_body
from bot.console.auth import guarded
from bot.console.faq_files import describe, inspect
from bot.console.pages import json_response, page
from bot.console.unanswered import group_questions

if TYPE_CHECKING:
    from bot.console.state import Console

log = logging.getLogger(__name__)
UNANSWERED_SHOWN = 500


def _days(request: web.Request) -> int:
    value = request.query.get("days", "30")
    return int(value) if value.isdigit() and int(value) in PERIODS else 30


def add_admin_routes(app: web.Application, console: "Console") -> None:
    service = console.service

    async def figures(days: int) -> dict:
        return await service.call(service_statistics, service.store.db, days)

    @guarded(console, ADMIN, api=False)
    async def statistics(request: web.Request, account: Account) -> web.Response:
        body = statistics_body(await figures(_days(request)), service.conversation.faq, dt.date.today())
        return page("服务统计", account, "/admin", body)

    @guarded(console, ADMIN, api=True)
    async def statistics_json(request: web.Request, account: Account) -> web.Response:
        return json_response(await figures(_days(request)))

    @guarded(console, ADMIN, api=False)
    async def faq(request: web.Request, account: Account) -> web.Response:
        report = await asyncio.to_thread(inspect, console.faq_dir)
        reloader = console.reloader
        body = faq_body(report, console.faq_dir, len(service.conversation.faq), reloader.loaded_at, reloader.last)
        return page("问答库", account, "/admin/faq", body)

    @guarded(console, ADMIN, api=True)
    async def reload(request: web.Request, account: Account) -> web.Response:
        attempt = await console.reloader.reload("管理页面")
        log.info("console: %s reloaded the FAQ: %s", account.name, "ok" if attempt.ok else "refused")
        return json_response({
            "ok": attempt.ok, "intents": len(service.conversation.faq),
            "problems": [{"file": p.file, "line": p.line, "message": p.message, "severity": p.severity,
                          "text": describe(console.faq_dir, p)}
                         for p in attempt.problems],
        })  # a refused reload is an answer, not a failed request: "ok" says which

    @guarded(console, ADMIN, api=False)
    async def unanswered(request: web.Request, account: Account) -> web.Response:
        rows = await service.call(service.store.unanswered, UNANSWERED_SHOWN)
        normalise = service.conversation.matcher.normalise
        groups = await asyncio.to_thread(group_questions, rows, normalise)
        return page("没答上的问题", account, "/admin/unanswered", unanswered_body(groups, service.conversation.faq, len(rows)))

    app.router.add_get("/admin", statistics)
    app.router.add_get("/admin/api/stats", statistics_json)
    app.router.add_get("/admin/faq", faq)
    app.router.add_post("/admin/api/faq/reload", reload)
    app.router.add_get("/admin/unanswered", unanswered)
