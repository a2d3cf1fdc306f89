"""The advisers' console: the queue, one case's conversation, and the actions on it.

The page polls `/adviser/api/state` every few seconds, so a villager's new
message shows without a reload. Actions go straight to the `HandoffDesk` on
the core's worker thread, then wake the relay, which delivers to the villager
on their own channel: a Telegram villager is answered from the web exactly as
from the advisers' group, under the same rules (the desk's `CaseError`s).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.core.texts import DANGER_LABELS
from bot.errors import CaseError, CaseNotFound
from bot.handoff.desk import CLAIMED_TEXT, TRANSFERRED_TEXT
from bot.console.accounts import ADVISER, Account
from bot.console.auth import Refused, guarded, read_json
from bot.console.pages import json_response, static_page

if TYPE_CHECKING:
    from bot.handoff.desk import Case, Event
    from bot.console.state import Console

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # Telegram's limit is 4,096 with the adviser's name in front
MAX_SUMMARY = 1000
CONTEXT_MESSAGES = 12  # what the villager and the bot said just before asking for a human
PLATFORMS = {"web": "网页", "telegram": "Telegram", "wechat": "微信"}
STATUSES = {"waiting": "等待接手", "claimed": "已接手", "closed": "已结案"}
MEDIA = {"photo": "照片", "voice": "语音", "document": "文件", "video": "视频", "sticker": "表情", "location": "位置"}
SYSTEM_TEXTS = {CLAIMED_TEXT: "接手了这个求助", TRANSFERRED_TEXT: "已转回队列，等待其他顾问接手",
                "reminder: still waiting": "提醒：等待太久了"}


def case_error_text(error: CaseError) -> str:
    """The desk says why in Chinese first; the console is in Chinese."""
    return error.zh


def _text(data: dict, key: str, limit: int, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise Refused(400, "请先写内容。")
    if len(value) > limit:
        raise Refused(400, f"太长了：最多 {limit} 个字。")
    return value.strip() or None


# --- reading (worker thread) ----------------------------------------------------------------

def _summary(console: "Console", account: Account, case: "Case", now: float) -> dict:
    desk, faq = console.desk, console.service.conversation.faq
    last = next((e for e in reversed(desk.events(case.id)) if e.kind == "villager"), None)
    since = case.claimed_at if case.status == "claimed" and case.claimed_at else case.created_at
    return {
        "id": case.id, "urgent": case.urgent, "danger": DANGER_LABELS.get(case.danger, case.danger) if case.danger else None, "status": case.status, "status_label": STATUSES.get(case.status, case.status),
        "platform": PLATFORMS.get(case.platform, case.platform), "villager": "村民 …" + case.villager_id[-4:],
        "topic": faq[case.intent].title.zh if case.intent in faq else "（没有话题）",
        "seconds": max(0, int(now - since)), "adviser": desk.holder_name(case.adviser) if case.adviser else None,
        "mine": case.adviser == account.adviser_id,
        "may_manage": desk.may_manage(case, account.adviser_id, account.is_admin),  # transfer and close
        "last": (last.text or f"[{MEDIA.get(last.media_kind, '文件')}]")[:60] if last else "",
    }


def _event(desk, event: "Event") -> dict:
    """One line of the case's log: who (the adviser who acted, for their actions) and what."""
    system = event.kind in ("opened", "system") and not event.author
    who = "村民" if event.kind == "villager" else "系统" if system else desk.holder_name(event.author)
    text = event.text
    if event.kind == "opened":
        text = "村民请求人工帮助"
    elif event.kind == "system":
        base, _, previous = text.partition(" (from ")
        text = SYSTEM_TEXTS.get(base, text)
        if base in SYSTEM_TEXTS and previous:  # an admin took it off someone else
            text += f"（原由 {desk.holder_name(previous.rstrip(')'))} 接手）"
    elif event.kind == "closed":
        who = "村民" if event.author == "villager" else who
        text = ("结案：" + text) if text else "结束了对话"
    elif not text and event.media_kind:
        text = f"[{MEDIA.get(event.media_kind, '文件')}]"
    return {"id": event.id, "kind": event.kind, "who": who, "text": text, "at": event.created_at,
            "delivery": event.delivery if event.kind == "adviser" else None}


def read_state(console: "Console", account: Account, case_id: int | None) -> dict:
    desk, store = console.desk, console.service.store
    now = desk.clock()
    state = {
        "me": {"id": account.adviser_id, "name": account.name, "display": desk.display_name(account.adviser_id)},
        "queue": [_summary(console, account, case, now) for case in desk.queue()],
        "case": None,
    }
    try:
        case = desk.case(case_id) if case_id else None
    except CaseNotFound:
        case = None
    if case:
        lang = console.service.conversation.language_of(case.user_key)
        earlier = [row for row in store.transcript(case.user_key, 100) if row["created_at"] < case.created_at]
        templates = console.reloader.templates
        state["case"] = {
            **_summary(console, account, case, now), "rating": case.rating, "summary": case.summary, "lang": lang,
            "context": [{"from": "村民" if row["direction"] == "in" else "机器人", "text": row["text"]}
                        for row in earlier[-CONTEXT_MESSAGES:]],
            "events": [_event(desk, event) for event in desk.events(case.id)][-300:],
            "templates": [{"name": name, "text": templates.get(name, lang)} for name in templates.names()],
        }
    return state


# --- actions (worker thread) ----------------------------------------------------------------

def _claim(console, case_id, account, data):
    console.desk.claim(case_id, account.adviser_id)


def _reply(console, case_id, account, data):
    console.desk.from_adviser(case_id, account.adviser_id, _text(data, "text", MAX_TEXT))


def _note(console, case_id, account, data):
    console.desk.note(case_id, account.adviser_id, _text(data, "text", MAX_TEXT))


def _transfer(console, case_id, account, data):
    console.desk.transfer(case_id, account.adviser_id, admin=account.is_admin)


def _close(console, case_id, account, data):
    console.desk.close(case_id, account.adviser_id, _text(data, "summary", MAX_SUMMARY, required=False),
                       admin=account.is_admin)


ACTIONS = {"claim": _claim, "reply": _reply, "note": _note, "transfer": _transfer, "close": _close}


def add_adviser_routes(app: web.Application, console: "Console") -> None:
    service = console.service

    @guarded(console, ADVISER, api=False)
    async def show(request: web.Request, account: Account) -> web.Response:
        return static_page("adviser.html", account, "/adviser")

    @guarded(console, ADVISER, api=True)
    async def state(request: web.Request, account: Account) -> web.Response:
        case = request.query.get("case", "")
        case_id = int(case) if case.isdigit() and len(case) < 12 else None
        return json_response(await service.call(read_state, console, account, case_id))

    @guarded(console, ADVISER, api=True)
    async def act(request: web.Request, account: Account) -> web.Response:
        action = ACTIONS.get(request.match_info["action"])
        case = request.match_info["case"]
        if action is None or len(case) > 12:
            raise Refused(404, "没有这个操作。")
        data = await read_json(request)
        try:
            await service.call(action, console, int(case), account, data)
        except CaseError as error:
            raise Refused(409, case_error_text(error)) from None
        log.info("console: %s did %s on case %s", account.adviser_id, request.match_info["action"], case)
        console.relay.wake()
        return json_response(await service.call(read_state, console, account, int(case)))

    @guarded(console, ADVISER, api=True)
    async def rename(request: web.Request, account: Account) -> web.Response:
        name = _text(await read_json(request), "name", 40)
        await service.call(console.desk.set_display_name, account.adviser_id, name)
        return json_response(await service.call(read_state, console, account, None))

    app.router.add_get("/adviser", show)
    app.router.add_get("/adviser/api/state", state)
    app.router.add_post(r"/adviser/api/cases/{case:\d+}/{action}", act)
    app.router.add_post("/adviser/api/name", rename)
