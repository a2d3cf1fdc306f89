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

from bot.console.accounts import ADVISER, Account
from bot.console.auth import Refused, guarded, read_json
from bot.console.pages import json_response, static_page
from bot.errors import CaseError, CaseNotFound, NoSuchAdviser, NotClaimed, StorageUnavailable
from bot.handoff import views
from bot.handoff.desk import CLAIMED_TEXT, HANDED_TEXT, TRANSFERRED_TEXT

if TYPE_CHECKING:
    from bot.console.state import Console
    from bot.handoff.desk import Case, Event

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # Telegram's limit is 4,096 with the adviser's name in front
MAX_SUMMARY = 1000
CONTEXT_MESSAGES = 30  # read back from a case's start to find the villager's question for its title
MAX_TRANSCRIPT = 2000  # everything since the villager's first message, within reason
MAX_EVENTS = 1000
MAX_SEARCH = 60
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

#: The console's filters: what `HandoffDesk.find` is asked for each (the adviser filled in where "mine").
FILTERS = ("open", "mine", "unassigned", "closed_today", "closed")


def _serves(account: Account, case: "Case") -> bool:
    """An adviser of some counties sees and acts on their cases only; an admin, or an adviser of none, on all."""
    return not account.case_counties or case.county in account.case_counties


def _find(console: "Console", account: Account, which: str, words: str, now: float) -> list["Case"]:
    desk = console.desk
    if which == "mine":
        return desk.find(adviser=account.adviser_id, words=words)
    if which == "unassigned":
        return [case for case in desk.find(adviser="", words=words)]
    if which == "closed_today":
        return desk.find(status="closed", since=console.time.midnight(now), words=words)
    if which == "closed":
        return desk.find(status="closed", words=words, limit=100)
    return desk.find(words=words)


def _summary(console: "Console", account: Account, case: "Case", now: float, unread: int = 0) -> dict:
    desk, conversation = console.desk, console.service.conversation
    rows = [row for row in console.service.store.transcript(case.user_key, CONTEXT_MESSAGES)
            if row["created_at"] <= case.created_at]
    last = next((e for e in reversed(desk.events(case.id)) if e.kind == "villager"), None)
    since = case.claimed_at if case.status == "claimed" and case.claimed_at else case.created_at
    waited = max(0, int((case.closed_at or now) - case.created_at))
    place = conversation.store.user(case.user_key).place if not case.user_key.startswith("forgotten:") else None
    return {
        "id": case.id, "urgent": case.urgent, "danger": views.danger(case), "status": case.status,
        "status_label": STATUSES.get(case.status, case.status), "platform": views.platform(case),
        "villager": "村民 …" + case.villager_id[-4:], "place": place,
        "title": views.title(case, views.question(rows, case.intent), conversation.faq),
        "topic": conversation.faq[case.intent].title.zh if case.intent in conversation.faq else "（没有话题）",
        "seconds": max(0, int(now - since)), "waited": waited,
        "overdue": case.status == "waiting" and waited >= console.relay.handoff_timeout,
        "adviser": desk.holder_name(case.adviser) if case.adviser else None, "unread": unread,
        "mine": case.adviser == account.adviser_id,
        "may_manage": desk.may_manage(case, account.adviser_id, account.is_admin),  # transfer and close
        "may_reply": case.status != "closed" and (case.adviser in (None, account.adviser_id) or account.is_admin),
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
        if base.startswith(HANDED_TEXT):
            text = f"转交给 {desk.holder_name(base[len(HANDED_TEXT):])}"
        else:
            text = SYSTEM_TEXTS.get(base, text)
        if (base in SYSTEM_TEXTS or base.startswith(HANDED_TEXT)) and previous:  # taken off someone else
            text += f"（原由 {desk.holder_name(previous.rstrip(')'))} 接手）"
    elif event.kind == "closed":
        who = "村民" if event.author == "villager" else who
        text = ("结案：" + text) if text else "结束了对话"
    elif not text and event.media_kind:
        text = f"[{MEDIA.get(event.media_kind, '文件')}]"
    return {"id": event.id, "kind": event.kind, "who": who, "text": text, "at": event.created_at,
            "delivery": event.delivery if event.kind == "adviser" else None}


def _colleagues(console: "Console", account: Account) -> list[dict]:
    """The console's advisers a case can be handed to, by the name colleagues know them by."""
    names = console.service.store.accounts.names()
    return [{"id": f"web:{name}", "name": console.desk.holder_name(f"web:{name}")}
            for name in names if f"web:{name}" != account.adviser_id]


def _case_view(console: "Console", account: Account, case: "Case", now: float) -> dict:
    desk, conversation, store = console.desk, console.service.conversation, console.service.store
    lang = conversation.language_of(case.user_key)
    rows = [row for row in store.transcript(case.user_key, MAX_TRANSCRIPT) if row["created_at"] < case.created_at]
    earlier = [row for row in desk.cases_of(case.user_key) if row.id != case.id]
    templates = console.service.templates
    return {
        **_summary(console, account, case, now), "rating": case.rating, "summary": case.summary, "lang": lang,
        "context": views.readable(rows, conversation.faq, conversation.flows),
        "events": [_event(desk, event) for event in desk.events(case.id)][-MAX_EVENTS:],
        "earlier": [{"id": other.id, "title": views.title(other, None, conversation.faq),
                     "status_label": STATUSES.get(other.status, other.status), "at": other.created_at}
                    for other in earlier],
        "templates": [{"name": name, "title": templates.title(name), "text": templates.get(name, lang)}
                      for name in templates.names()],
        "colleagues": _colleagues(console, account),
        # the number the villager gave to be called back: for the adviser handling the case only
        "callback": desk.callback_number(case.id, account.adviser_id),
        "wants_callback": desk.wants_callback(case.id),
    }


def read_state(console: "Console", account: Account, case_id: int | None, which: str = "open",
               words: str = "") -> dict:
    desk = console.desk
    now = desk.clock()
    try:
        case = desk.case(case_id) if case_id else None
    except CaseNotFound:
        case = None
    if case and not _serves(account, case):
        case = None  # another county's case: its advisers' business
    if case:  # read first: the case on screen has no unread messages
        try:
            desk.mark_read(account.adviser_id, case.id)
        except StorageUnavailable:  # a full disk: the case stays readable, only its unread count lags
            log.warning("console: could not record that %s read case %d", account.adviser_id, case.id)
    listed = [listed_case for listed_case in _find(console, account, which, words, now) if _serves(account, listed_case)]
    unread = desk.unread(account.adviser_id, [listed_case.id for listed_case in listed])
    queue = [_summary(console, account, listed_case, now, unread.get(listed_case.id, 0)) for listed_case in listed]
    shown = {item["id"]: item for item in queue}
    return {
        "me": {"id": account.adviser_id, "name": account.name, "display": desk.display_name(account.adviser_id)},
        "filter": which, "timeout": console.relay.handoff_timeout, "queue": queue,
        "zone": {"id": console.time.zone.key, "label": console.time.label},  # the page shows times in it
        # every open case, however the list is filtered: the page rings for the new ones
        "alerts": [{key: (shown.get(other.id) or _summary(console, account, other, now))[key]
                    for key in ("id", "urgent", "status", "title")} for other in desk.queue(account.case_counties)],
        "case": _case_view(console, account, case, now) if case else None,
    }


# --- actions (worker thread) ----------------------------------------------------------------

def _claim(console, case_id, account, data):
    console.desk.claim(case_id, account.adviser_id)


def _reply(console, case_id, account, data):
    """A reply to a waiting case is refused (NotClaimed) unless the adviser chose 「接手并发送」."""
    text = _text(data, "text", MAX_TEXT)
    if data.get("claim") is True:
        console.desk.claim(case_id, account.adviser_id)
    console.desk.from_adviser(case_id, account.adviser_id, text, claims=False, admin=account.is_admin)


def _note(console, case_id, account, data):
    console.desk.note(case_id, account.adviser_id, _text(data, "text", MAX_TEXT))


def _transfer(console, case_id, account, data):
    """Back to the queue, or to a colleague ("to": "web:NAME", one of the console's accounts), with a note."""
    to = data.get("to") or None
    if to is not None and (not isinstance(to, str) or to not in {c["id"] for c in _colleagues(console, account)}):
        raise NoSuchAdviser(case_id, str(to)[:40])
    console.desk.transfer(case_id, account.adviser_id, admin=account.is_admin, to=to,
                          note=_text(data, "note", MAX_SUMMARY, required=False))


def _close(console, case_id, account, data):
    console.desk.close(case_id, account.adviser_id, _text(data, "summary", MAX_SUMMARY, required=False),
                       admin=account.is_admin)


def _within_reach(console: "Console", case_id: int, account: Account) -> bool:
    """False for another county's case; a missing case is left to the action, which says so."""
    try:
        return _serves(account, console.desk.case(case_id))
    except CaseNotFound:
        return True


ACTIONS = {"claim": _claim, "reply": _reply, "note": _note, "transfer": _transfer, "close": _close}


def add_adviser_routes(app: web.Application, console: "Console") -> None:
    service = console.service

    @guarded(console, ADVISER, api=False)
    async def show(request: web.Request, account: Account) -> web.Response:
        return static_page("adviser.html", account, "/adviser")

    def listing(request: web.Request) -> tuple[str, str]:
        """The list the page shows: its filter and search words."""
        which = request.query.get("filter", "open")
        return (which if which in FILTERS else "open"), request.query.get("q", "")[:MAX_SEARCH]

    @guarded(console, ADVISER, api=True)
    async def state(request: web.Request, account: Account) -> web.Response:
        case = request.query.get("case", "")
        case_id = int(case) if case.isdigit() and len(case) < 12 else None
        return json_response(await service.call(read_state, console, account, case_id, *listing(request)))

    @guarded(console, ADVISER, api=True)
    async def act(request: web.Request, account: Account) -> web.Response:
        action = ACTIONS.get(request.match_info["action"])
        case = request.match_info["case"]
        if action is None or len(case) > 12:
            raise Refused(404, "没有这个操作。")
        data = await read_json(request)
        if not await service.call(_within_reach, console, int(case), account):
            raise Refused(404, "没有这个求助。")  # another county's case, as if it did not exist
        try:
            await service.call(action, console, int(case), account, data)
        except CaseError as error:
            extra = {"needs_claim": True} if isinstance(error, NotClaimed) else {}
            raise Refused(409, case_error_text(error), **extra) from None
        log.info("console: %s did %s on case %s", account.adviser_id, request.match_info["action"], case)
        console.relay.wake()
        return json_response(await service.call(read_state, console, account, int(case), *listing(request)))

    @guarded(console, ADVISER, api=True)
    async def rename(request: web.Request, account: Account) -> web.Response:
        name = _text(await read_json(request), "name", 40)
        await service.call(console.desk.set_display_name, account.adviser_id, name)
        return json_response(await service.call(read_state, console, account, None))

    app.router.add_get("/adviser", show)
    app.router.add_get("/adviser/api/state", state)
    app.router.add_post(r"/adviser/api/cases/{case:\d+}/{action}", act)
    app.router.add_post("/adviser/api/name", rename)
