"""The admin dashboard: statistics, the FAQ files and their reload, unanswered questions.

Admins only; an adviser who follows a link here gets a plain refusal. The
figures come from the store's statistics (the same numbers as `mingbai stats`
and the advisers' /stats), the FAQ view from the files on disk, and the
unanswered questions from the store, grouped for reading.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.console import learning, reports
from bot.console.accounts import ADMIN, Account
from bot.console.admin_pages import PERIODS, advisers_body, faq_body, statistics_body, unanswered_body
from bot.console.auth import Refused, guarded, read_json
from bot.console.faq_files import describe, describe_chinese_first, explain, inspect
from bot.console.pages import json_response, page
from bot.console.unanswered import group_questions

if TYPE_CHECKING:
    from bot.console.state import Console

log = logging.getLogger(__name__)
UNANSWERED_SHOWN = 500
CONTEXT_SHOWN = 100  # the newest questions get their conversation context


def _days(request: web.Request) -> int:
    value = request.query.get("days", "30")
    return int(value) if value.isdigit() and int(value) in PERIODS else 30


def add_admin_routes(app: web.Application, console: "Console") -> None:
    service = console.service

    async def figures(days: int, county: str | None = None) -> dict:
        return await service.call(service.store.statistics.service, days, None, county)

    @guarded(console, ADMIN, api=False)
    async def statistics(request: web.Request, account: Account) -> web.Response:
        counties = service.conversation.counties
        body = statistics_body(await figures(_days(request), _county(request, counties)), service.conversation.faq,
                               console.time.today(), [(county.id, county.name) for county in counties])
        return page("服务统计", account, "/admin", body)

    @guarded(console, ADMIN, api=True)
    async def statistics_json(request: web.Request, account: Account) -> web.Response:
        return json_response(await figures(_days(request), _county(request, service.conversation.counties)))

    @guarded(console, ADMIN, api=False)
    async def faq(request: web.Request, account: Account) -> web.Response:
        days, query = _days(request), request.query.get("q", "")[:100]
        report = await asyncio.to_thread(inspect, console.faq_dir)
        usage = await service.call(service.store.statistics.intent_usage, days)
        reloader = console.reloader
        body = faq_body(report, console.faq_dir, len(service.conversation.faq), reloader.loaded_at, reloader.last,
                        usage, days, query, console.time.today(), console.time)
        return page("问答库", account, "/admin/faq", body)

    @guarded(console, ADMIN, api=True)
    async def reload(request: web.Request, account: Account) -> web.Response:
        attempt = await console.reloader.reload("管理页面")
        log.info("console: %s reloaded the FAQ: %s", account.name, "ok" if attempt.ok else "refused")
        return json_response({
            "ok": attempt.ok, "intents": len(service.conversation.faq),
            "problems": [{"file": p.file, "line": p.line, "message": p.message, "severity": p.severity,
                          "text": describe(console.faq_dir, p),
                          "explanation": explain(p)}
                         for p in attempt.problems],
        })  # a refused reload is an answer, not a failed request: "ok" says which

    @guarded(console, ADMIN, api=False)
    async def unanswered(request: web.Request, account: Account) -> web.Response:
        rows, done, log_rows = await service.call(_unanswered_rows, service.store)
        normalise = service.conversation.matcher.normalise
        waiting = [row for row in rows if row["id"] not in done]
        flagged = [row for row in rows if done.get(row["id"]) == learning.NEW_INTENT]
        groups = await asyncio.to_thread(group_questions, waiting, normalise)
        flagged_groups = await asyncio.to_thread(group_questions, flagged, normalise)
        body = unanswered_body(groups, flagged_groups, service.conversation.faq, len(waiting), log_rows, console.time)
        return page("没答上的问题", account, "/admin/unanswered", body)

    @guarded(console, ADMIN, api=True)
    async def add_example(request: web.Request, account: Account) -> web.Response:
        data = await read_json(request)
        intent, text, ids = data.get("intent"), data.get("text"), _ids(data)
        if not isinstance(intent, str) or not isinstance(text, str):
            raise Refused(400, "请选一个问题，并写好例句。")
        try:
            added = await asyncio.to_thread(learning.add_example, console.faq_dir, service.conversation.faq, intent,
                                            text)
        except learning.ExampleRefused as refused:
            return json_response({"ok": False, "problems": refused.problems})
        attempt = await console.reloader.reload("加为例句")
        if not attempt.ok:  # another file changed since the check: leave the files as they were
            await asyncio.to_thread(added.undo)
            return json_response({"ok": False, "problems": ["重新载入被拒绝，例句没有写入："] +
                                  [describe_chinese_first(console.faq_dir, problem) for problem in attempt.errors]})
        await service.call(service.store.reviews.add, ids, learning.ADDED, account.name, intent, " ".join(text.split()))
        log.info("console: %s added an example to %s (%s:%d)", account.name, intent, added.file, added.line)
        return json_response({"ok": True, "file": added.file, "line": added.line})

    @guarded(console, ADMIN, api=True)
    async def review(request: web.Request, account: Account) -> web.Response:
        data = await read_json(request)
        action, ids = data.get("action"), _ids(data)
        if action not in (learning.IGNORED, learning.NEW_INTENT) or not ids:
            raise Refused(400, "没有这个操作。")
        await service.call(service.store.reviews.add, ids, action, account.name)
        return json_response({"ok": True})

    app.router.add_get("/admin", statistics)
    app.router.add_get("/admin/api/stats", statistics_json)
    app.router.add_get("/admin/faq", faq)
    app.router.add_post("/admin/api/faq/reload", reload)
    @guarded(console, ADMIN, api=False)
    async def advisers(request: web.Request, account: Account) -> web.Response:
        start, end = _date_range(request, console.time.today())
        counties = service.conversation.counties
        county = _county(request, counties)
        rows = await service.call(reports.adviser_statistics, service.store.cases, start, end, console.desk.holder_name,
                                  county, console.time)
        choices = [(c.id, c.name) for c in counties]
        return page("顾问统计", account, "/admin/advisers", advisers_body(rows, start, end, choices, county))

    @guarded(console, ADMIN, api=False)
    async def export(request: web.Request, account: Account) -> web.Response:
        start, end = _date_range(request, console.time.today())
        cases, faq, counties = service.store.cases, service.conversation.faq, service.conversation.counties
        county = _county(request, counties)
        if request.match_info["what"] == "cases":
            topic = lambda intent: faq[intent].title.zh if intent in faq else (intent or "")  # noqa: E731
            text = await service.call(reports.cases_csv, cases, start, end, console.desk.holder_name, topic, county,
                                      _county_names(counties), console.time)
        else:
            rows = await service.call(reports.adviser_statistics, cases, start, end, console.desk.holder_name, county,
                                      console.time)
            text = reports.advisers_csv(rows)
        log.info("console: %s exported %s for %s..%s%s", account.name, request.match_info["what"], start, end,
                 f" ({county})" if county else "")
        name = f"mingbai-{request.match_info['what']}-{f'{county}-' if county else ''}{start}-{end}.csv"
        return web.Response(text=text, content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    app.router.add_get("/admin/unanswered", unanswered)
    app.router.add_get("/admin/advisers", advisers)
    app.router.add_get(r"/admin/export/{what:cases|advisers}.csv", export)
    app.router.add_post("/admin/api/unanswered/example", add_example)
    app.router.add_post("/admin/api/unanswered/review", review)


def _date_range(request: web.Request, today: dt.date) -> tuple[dt.date, dt.date]:
    """`?from=2026-11-01&to=2026-11-30`; by default this month so far (`today` in the console's zone). A reversed
    range is put right."""

    def day(name: str, default: dt.date) -> dt.date:
        try:
            return dt.date.fromisoformat(request.query.get(name, "")[:10])
        except ValueError:
            return default

    start, end = day("from", today.replace(day=1)), day("to", today)
    return (start, end) if start <= end else (end, start)


def _county(request: web.Request, counties) -> str | None:
    """`?county=ID`: one county's cases only. An unknown id is refused rather than widened to every case."""
    county = request.query.get("county") or None
    if county and counties.get(county) is None:
        raise Refused(404, "没有这个县。No such county.")
    return county


def _county_names(counties):
    """County id -> its name, for the cases CSV's 县 column; None (no such column) without counties."""
    return (lambda ident: getattr(counties.get(ident), "name", "")) if counties else None


def _ids(data: dict) -> list[int]:
    ids = data.get("ids")
    return [ident for ident in ids if isinstance(ident, int)][:UNANSWERED_SHOWN] if isinstance(ids, list) else []


CONTEXT_BEFORE = 4  # messages before an unanswered question, to see what the villager meant


def _unanswered_rows(store) -> tuple[list[dict], dict[int, str], list[dict]]:
    """The latest unanswered questions, each with the few messages before it; what was done with them; the log."""
    rows = store.unanswered(UNANSWERED_SHOWN)
    for row in rows[:CONTEXT_SHOWN]:
        row["context"] = store.messages_before(row["user_key"], row["created_at"], CONTEXT_BEFORE)
    return rows, store.reviews.latest_actions(), store.reviews.history()
