"""The villager chat page: a second way into the same conversation core, for phones with a browser.

A villager is an anonymous id in a cookie, so a reload keeps the conversation
and nobody has to sign up. This module turns page requests into `Incoming`
messages and replies into JSON; `web_routes` speaks HTTP and WebSocket, and
`web_live` carries messages pushed later (an adviser's answer) to open pages.

Two things make a slow, flaky connection safe: the page numbers every message
it sends, and a repeated number gets the first answer again instead of a second
one (the core itself also refuses to handle a redelivered message twice).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from aiohttp import web

from bot.channels.web_live import LiveLines
from bot.channels.web_routes import add_routes
from bot.core.messages import Incoming, Reply
from bot.core.service import ChatService

PLATFORM = "web"
REMEMBERED_VILLAGERS = 5000  # button labels and latest replies kept in memory, most recent villagers first
REMEMBERED_ANSWERS = 2000  # enough for retries, which come within minutes
HISTORY_LIMIT = 100


def reply_json(reply: Reply) -> dict:
    return {
        "text": reply.text,
        "buttons": [[{"label": button.label, "action": button.action} for button in row] for row in reply.buttons],
    }


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

    def __init__(self, service: ChatService):
        self.service = service
        self.lines = LiveLines()
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

    async def answer(self, user_id: str, *, text: str | None = None, action: str | None = None,
                     message_id: str | None = None) -> dict:
        """The replies to one message; the same message id always gets the same answer, handled once."""
        if not message_id:
            return await self._answer(user_id, text, action, None)
        key = (user_id, message_id)
        if key in self._answers:
            return self._answers[key]
        if key in self._pending:  # the same message again while the first is still being answered
            return await asyncio.shield(self._pending[key])
        future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            result = await self._answer(user_id, text, action, message_id)
            self._answers.touch(key, lambda: result)
            future.set_result(result)
            return result
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved here, so an unawaited failure is not reported twice
            raise
        finally:
            del self._pending[key]

    async def _answer(self, user_id: str, text: str | None, action: str | None, message_id: str | None) -> dict:
        incoming = Incoming(PLATFORM, user_id, text=text, action=action,
                            message_id=f"{user_id}:{message_id}" if message_id else None)
        outcome = await self.service.handle(incoming)
        replies = [reply_json(reply) for reply in outcome.replies]
        if replies:
            memory = self._memory(user_id)
            memory["tail"] = list(replies)
            for reply in outcome.replies:
                for button in reply.all_buttons():
                    memory["labels"][button.action] = button.label
            if len(memory["labels"]) > 300:
                memory["labels"] = dict(list(memory["labels"].items())[-200:])
        lang = await self._run(self._language, incoming.user_key)
        return {"replies": replies, "lang": lang}

    def _language(self, user_key: str) -> str:
        return self.service.store.user(user_key).lang or "zh"

    async def push(self, user_id: str, reply: Reply) -> None:
        """Deliver a message to a villager now (e.g. from an adviser) and keep it in their transcript.

        It goes to every open page of theirs and to the queue the poll endpoint
        drains. Queueing and the transcript write are started together, before
        any await, so a history read sees the message exactly when its number
        is at or below the history's `seq`.
        """
        shown = reply_json(reply)
        message = self.lines.enqueue(user_id, shown)
        recorded = self._run(self.service.store.log_message, f"{PLATFORM}:{user_id}", "out", reply.text)
        memory = self._memory(user_id)
        memory["tail"].append(shown)
        for button in reply.all_buttons():
            memory["labels"][button.action] = button.label
        await self.lines.send(user_id, message)
        await recorded

    async def history(self, user_id: str) -> dict:
        """This villager's conversation, for a page that was just (re)loaded."""
        seq = self.lines.latest(user_id)  # read together with submitting the transcript read: see push()
        key = f"{PLATFORM}:{user_id}"
        rows, lang = await self._run(self._read_history, key)
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
            for message, remembered in zip(messages[-len(tail):], tail):
                message["buttons"] = remembered["buttons"]
        return {"messages": messages, "lang": lang, "seq": seq}

    def _read_history(self, user_key: str) -> tuple[list[dict], str]:
        return self.service.store.transcript(user_key, HISTORY_LIMIT), self._language(user_key)

    async def close(self) -> None:
        await self.lines.close()


WEB_CHAT = web.AppKey("web_chat", WebChat)


def setup_web_chat(app: web.Application, service: ChatService) -> WebChat:
    """Add the chat page and its API to `app`; the returned WebChat is also stored under `WEB_CHAT`."""
    chat = WebChat(service)
    app[WEB_CHAT] = chat
    add_routes(app, chat)

    async def close_sockets(_app: web.Application) -> None:
        await chat.close()

    app.on_shutdown.append(close_sockets)
    return chat
