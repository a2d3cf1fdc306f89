"""The villager chat page: a second way into the same conversation core, for phones with a browser.

A villager is an anonymous id in a cookie, so a reload keeps the conversation
and nobody has to sign up. This module turns page requests into `Incoming`
messages and replies into JSON; `routes` speaks HTTP and WebSocket, and
`live` carries messages pushed later (an adviser's answer) to open pages.

Two things make a slow, flaky connection safe: the page numbers every message
it sends, and a repeated number gets the first answer again instead of a second
one (the core itself also refuses to handle a redelivered message twice).
A pushed message is written to the transcript before it is queued, numbered by
when it was written, so after a restart the queue is rebuilt from the
transcript with the same numbers and a page that reconnects still gets what it
missed. `/forget` empties the villager's queue and everything kept in memory.
A quick exit (快速离开) keeps the conversation off the page from then on: it
stays stored, for advisers and for /export, but a reopened page starts empty.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, defaultdict

from aiohttp import web

from bot.channels.webchat.limits import VillagerLimits
from bot.channels.webchat.live import KEEP_SECONDS, MAX_QUEUED, LiveLines
from bot.channels.webchat.routes import DEFAULT_QUICK_EXIT, add_routes
from bot.core.service import ChatService
from bot.messages import Incoming, Reply

PLATFORM = "web"
REMEMBERED_VILLAGERS = 5000  # button labels and latest replies kept in memory, most recent villagers first
REMEMBERED_ANSWERS = 2000  # enough for retries, which come within minutes
HISTORY_LIMIT = 100
MAX_LABELS, KEPT_LABELS = 300, 200  # button labels remembered per villager: past the first, the newest of the second
HIDDEN_BEFORE = "web_hidden_before"  # UserState.extra: the page shows nothing older (a quick exit)
PUSHED = "pushed"  # the transcript's `decision` for a message pushed to the villager (an adviser's), not a reply


def push_number(created_at: float) -> int:
    """A pushed message's number: when its transcript row was written, in microseconds (so a page's number
    from an earlier version, in milliseconds, is always lower)."""
    return int(created_at * 1_000_000)


def reply_json(reply: Reply) -> dict:
    return {
        "text": reply.text,
        "buttons": [[{"label": button.label, "action": button.action} for button in row] for row in reply.buttons],
    }


def _remember_labels(memory: dict, shown: list[dict]) -> None:
    """The labels of the buttons under messages shown (as `reply_json` gives them), so that a pressed one reads as
    its label in the history; the newest KEPT_LABELS once there are more than MAX_LABELS."""
    for reply in shown:
        for row in reply["buttons"]:
            for button in row:
                memory["labels"][button["action"]] = button["label"]
    if len(memory["labels"]) > MAX_LABELS:
        memory["labels"] = dict(list(memory["labels"].items())[-KEPT_LABELS:])


class _Recent(OrderedDict):
    """A dict that forgets its least recently used entries, so memory stays bounded."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def touch(self, key, default_factory):
        if key in self:
            self.move_to_end(key)
        else:
            self[key] = default_factory()
            while len(self) > self.size:
                self.popitem(last=False)
        return self[key]


class WebChat:
    """Answers web villagers through the core, and pushes later messages to their open pages."""

    def __init__(self, service: ChatService, limits: dict[str, int] | None = None):
        self.service = service
        self.lines = LiveLines()
        self.limits = VillagerLimits(self._known, limits)
        self._answers: _Recent = _Recent(REMEMBERED_ANSWERS)  # (villager, message id) -> answer
        self._pending: dict[tuple[str, str], asyncio.Future] = {}
        # The transcript keeps texts only: remember, per villager, the labels of buttons we showed
        # (to show a pressed button in the history) and the buttons under the latest messages.
        self._seen: _Recent = _Recent(REMEMBERED_VILLAGERS)

    def _run(self, function, *args):
        """Blocking store calls go to the core's single worker: SQLite sees one thread, in order."""
        return self.service.submit(function, *args)

    def _memory(self, user_id: str) -> dict:
        return self._seen.touch(user_id, lambda: {"labels": {}, "tail": []})

    async def _known(self, user_id: str) -> bool:
        """True when the server already has this villager (a row in `users`)."""
        return await self._run(self.service.store.has_user, f"{PLATFORM}:{user_id}")

    def repeat(self, user_id: str, message_id: str | None) -> bool:
        """True when this message was answered (or is being answered) already: the page retrying."""
        return bool(message_id) and ((user_id, message_id) in self._answers or (user_id, message_id) in self._pending)

    async def answer(self, user_id: str, *, text: str | None = None, action: str | None = None,
                     message_id: str | None = None, county: str | None = None) -> dict:
        """The replies to one message; the same message id always gets the same answer, handled once.
        `county` is the county whose page the villager opened, if any."""
        if not message_id:
            return await self._answer(user_id, text, action, None, county)
        key = (user_id, message_id)
        if key in self._answers:
            return self._answers[key]
        if key in self._pending:  # the same message again while the first is still being answered
            return await asyncio.shield(self._pending[key])
        future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            result = await self._answer(user_id, text, action, message_id, county)
            self._answers.touch(key, lambda: result)
            future.set_result(result)
            return result
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved here, so an unawaited failure is not reported twice
            raise
        finally:
            del self._pending[key]

    async def _answer(self, user_id: str, text: str | None, action: str | None, message_id: str | None,
                      county: str | None = None) -> dict:
        incoming = Incoming(PLATFORM, user_id, text=text, action=action,
                            message_id=f"{user_id}:{message_id}" if message_id else None, county=county)
        outcome = await self.service.handle(incoming, answer_again=True)  # a page retries a lost answer
        unsaved = any(effect.kind == "unsaved" for effect in outcome.effects)
        lang, known = await self._run(self._after_answer, incoming.user_key)
        if not known and not unsaved:  # the villager's data was just deleted (/forget): so is what memory holds
            await self._forget(user_id)  # and `forgotten` tells the page to clear its screen too
            return {"replies": [reply_json(reply) for reply in outcome.replies], "lang": lang, "forgotten": True}
        replies = [reply_json(reply) for reply in outcome.replies]
        if replies:
            memory = self._memory(user_id)
            memory["tail"] = list(replies)
            _remember_labels(memory, replies)
        return {"replies": replies, "lang": lang}

    def _language(self, user_key: str) -> str:
        """The core's own rule (a /lang choice, else the language the villager writes in), so the page's
        labels follow the answers."""
        return self.service.conversation.language_of(user_key)

    def _after_answer(self, user_key: str) -> tuple[str, bool]:
        """(language, whether the villager is still stored) after the core handled a message (worker thread)."""
        return self._language(user_key), self.service.store.has_user(user_key)

    async def _forget(self, user_id: str) -> None:
        """After /forget: nothing of theirs stays in memory, and the deleted text leaves the write-ahead log."""
        self.drop_memory_of(user_id)
        await self._run(self.service.store.scrub)

    def drop_memory_of(self, user_id: str) -> None:
        """Nothing of the villager's stays in this process's memory (their /forget, here or in another process)."""
        self.lines.forget(user_id)
        self._seen.pop(user_id, None)
        for key in [key for key in self._answers if key[0] == user_id]:
            del self._answers[key]
        self.limits.forget(user_id)

    def forgotten_elsewhere(self, user_key: str) -> None:
        """A notice from another process on the database: this villager used /forget there."""
        platform, _, user_id = user_key.partition(":")
        if platform == PLATFORM:
            self.drop_memory_of(user_id)

    async def push(self, user_id: str, reply: Reply) -> None:
        """Deliver a message to a villager now (e.g. from an adviser) and keep it in their transcript.

        It is written to the transcript first and numbered by that write (see
        `push_number`); then it goes to every open page of theirs and to the
        queue the poll endpoint drains. A history read (on the same worker
        thread) either sees the row and returns a number at or above it, or
        does not see it and returns a lower one: the page shows it once.
        """
        shown = reply_json(reply)
        seq = await self._run(self._record_push, f"{PLATFORM}:{user_id}", reply.text, shown["buttons"])
        await self._show(user_id, shown, seq)

    async def _show(self, user_id: str, shown: dict, seq: int) -> None:
        """A pushed message to the villager's open pages and their poll queue, its buttons remembered."""
        message = self.lines.enqueue(user_id, shown, seq)
        memory = self._memory(user_id)
        memory["tail"].append(shown)
        _remember_labels(memory, [shown])
        await self.lines.send(user_id, message)

    def _record_push(self, user_key: str, text: str, buttons: list[dict]) -> int:
        """Keep the message in the transcript and tell the other processes on the database (the villager's page
        may be open on one of them): the row's id, and the buttons, which the transcript does not keep."""
        store = self.service.store
        with store.transaction():
            row_id = store.log_message(user_key, "out", text, decision=PUSHED)
            self.service.announce_push(row_id, buttons)
        return push_number(store.message_time(row_id))

    async def pushed_elsewhere(self, message_id: int, buttons: list) -> None:
        """Another process on the database pushed a message to a web villager (the relay runs there): shown on
        their pages open here, in the same order and under the same number."""
        row = await self._run(self.service.store.message, message_id)
        if row is None or not row["user_key"].startswith(f"{PLATFORM}:"):  # forgotten meanwhile
            return
        user_id = row["user_key"].split(":", 1)[1]
        await self._show(user_id, {"text": row["text"], "buttons": buttons}, push_number(row["created_at"]))

    async def restore_queues(self) -> int:
        """At start-up: the pushes of the last day back in the villagers' queues, under their own numbers,
        so a page that reconnects after a restart gets what it had not received. Returns how many."""
        recent = await self._run(self._recent_pushes)
        now, monotonic = time.time(), time.monotonic()
        for user_id, rows in recent.items():
            for text, created_at in rows:
                self.lines.restore(user_id, {"text": text, "buttons": []}, push_number(created_at),
                                   monotonic - (now - created_at))
        return sum(len(rows) for rows in recent.values())

    def _recent_pushes(self) -> dict[str, list[tuple[str, float]]]:
        since, found = time.time() - KEEP_SECONDS, defaultdict(list)
        for user_key, text, created_at, decision in self.service.store.recent_messages(since):  # the last day only
            if decision == PUSHED and user_key.startswith(f"{PLATFORM}:") and len(found[user_key]) < MAX_QUEUED:
                found[user_key].append((text, created_at))
        return {key.split(":", 1)[1]: list(reversed(pushes)) for key, pushes in found.items() if pushes}

    async def leave(self, user_id: str) -> None:
        """快速离开: from now on a reopened page shows nothing said before; nothing is deleted."""
        self._seen.pop(user_id, None)
        await self._run(self._hide_before, f"{PLATFORM}:{user_id}", time.time())

    def _hide_before(self, user_key: str, moment: float) -> None:
        store = self.service.store
        with store.transaction():  # under their lock: a message another process handles meanwhile keeps its state
            store.lock_villager(user_key)
            if store.has_user(user_key):  # a villager who never wrote has nothing to hide
                user = store.user(user_key)
                user.extra[HIDDEN_BEFORE] = moment
                store.save_user(user)

    async def history(self, user_id: str) -> dict:
        """This villager's conversation, for a page that was just (re)loaded (since a quick exit, if any:
        `hidden` says that older messages were left out)."""
        key = f"{PLATFORM}:{user_id}"
        rows, lang, seq, hidden_before = await self._run(self._read_history, key)
        if rows and user_id not in self._seen:  # answered by another process, or before a restart
            self._recall(user_id, await self.service.recent_answers(key, HISTORY_LIMIT))
        shown = [row for row in rows if row["created_at"] > hidden_before]
        hidden, rows = len(shown) < len(rows), shown
        if not rows:  # new, or used /forget: keep nothing about them in memory either
            self._seen.pop(user_id, None)
        memory = self._seen.get(user_id) or {"labels": {}, "tail": []}
        messages = []
        for row in rows:
            if row["direction"] == "out":
                messages.append({"from": "bot", "text": row["text"], "buttons": []})
            elif row["text"].startswith("[button] "):
                label = memory["labels"].get(row["text"][len("[button] "):])
                if label:
                    messages.append({"from": "me", "text": label})
            elif row["text"] != "/start":  # the page sends /start itself; the villager did not type it
                messages.append({"from": "me", "text": row["text"]})
        tail = memory["tail"]
        if tail and len(messages) >= len(tail) and all(m["from"] == "bot" for m in messages[-len(tail):]):
            for message, remembered in zip(messages[-len(tail):], tail, strict=True):
                message["buttons"] = remembered["buttons"]
        return {"messages": messages, "lang": lang, "seq": seq, "hidden": hidden}

    def _recall(self, user_id: str, answers: list[tuple[Reply, ...]]) -> None:
        """The buttons memory of a villager, from the answers kept with their messages (oldest first): the label
        of every button shown, and the buttons under the latest answer."""
        memory = self._memory(user_id)
        for replies in answers:
            _remember_labels(memory, [reply_json(reply) for reply in replies])
        if answers:
            memory["tail"] = [reply_json(reply) for reply in answers[-1]]

    def _read_history(self, user_key: str) -> tuple[list[dict], str, int, float]:
        """The transcript, the language, the number of the newest push in it (see `push`), and the moment of
        the last quick exit (0: none)."""
        store = self.service.store
        newest = store.last_message_time(user_key, PUSHED)
        hidden_before = float(store.user(user_key).extra.get(HIDDEN_BEFORE, 0))
        return (store.transcript(user_key, HISTORY_LIMIT), self._language(user_key), push_number(newest or 0),
                hidden_before)

    async def close(self) -> None:
        await self.lines.close()


WEB_CHAT = web.AppKey("web_chat", WebChat)


def setup_web_chat(app: web.Application, service: ChatService, limits: dict[str, int] | None = None,
                   quick_exit_url: str = DEFAULT_QUICK_EXIT) -> WebChat:
    """Add the chat page and its API to `app`; the returned WebChat is also stored under `WEB_CHAT`.
    `limits` overrides the default message limits (see `limits`); 快速离开 leads to `quick_exit_url`."""
    chat = WebChat(service, limits)
    app[WEB_CHAT] = chat
    add_routes(app, chat, quick_exit_url)

    service.when_pushed_elsewhere(chat.pushed_elsewhere)  # several processes on one PostgreSQL
    service.when_forgotten_elsewhere(chat.forgotten_elsewhere)

    async def restore(_app: web.Application) -> None:
        await chat.restore_queues()

    app.on_startup.append(restore)

    async def close_sockets(_app: web.Application) -> None:
        await chat.close()

    app.on_shutdown.append(close_sockets)
    return chat
