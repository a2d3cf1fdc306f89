"""A small, real Telegram Bot API server for tests.

PTB talks to it over HTTP exactly as it would to api.telegram.org, so tests
exercise the real `Application`, its updater, rate limiter and request layer.
It keeps Telegram's semantics where a bot could get them wrong: getUpdates
confirms by offset and long-polls, getUpdates conflicts with a webhook,
messages carry integer dates, text over 4,096 characters and callback_data
over 64 bytes are refused with 400, and a 429 carries `retry_after`.

Use it as `async with FakeTelegram() as fake:` and point PTB at
`fake.base_url` / `fake.base_file_url`. Users act with `push_text`,
`push_callback` or `push_update`; what the bot said is in `sent(chat_id)`.
Every 400 the fake answers is also kept in `errors`, so a test can assert
the bot never broke the protocol.

Faults: `fail_next`, `drop_next`, `stall_next` (see `tests.fake_telegram_faults`); `unconfirmed` counts
the updates the bot has not yet confirmed with an offset; `overlapping_polls` the getUpdates calls made while another
was still waiting (two bot instances on one token, which Telegram refuses with 409).
Redelivery: `push_update(update)` with an update returned earlier hands the
same update_id out again. After setWebhook, pushed updates are POSTed to the
webhook with its secret instead (statuses in `webhook_deliveries`).

Several bots: `fake.add_bot(token, username)` is another bot on the same
server, as Telegram serves every bot at one address. Each bot has what a
bot has of its own: updates numbered from 1 (so two bots' update ids
collide, as they do on Telegram), its chats with users, its groups' members
and topics; a user writes to one bot with that bot's `push_text`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import defaultdict

import aiohttp
from aiohttp import web

from tests.support.telegram.api import BotApiMethods, ProtocolError, utf16_len
from tests.support.telegram.faults import FaultMethods
from tests.support.telegram.forum import ForumMethods

#: Parameters PTB JSON-encodes in form bodies; every other value stays a string (so "123" typed stays text).
JSON_PARAMS = {"reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
               "link_preview_options", "reply_parameters", "drop_pending_updates", "show_alert", "disable_notification"}
INT_PARAMS = {"chat_id", "from_chat_id", "message_id", "message_thread_id", "offset", "limit", "timeout", "user_id",
              "icon_color", "cache_time", "max_connections"}


def text_entities(text: str) -> list[dict]:
    """The entities Telegram attaches to typed text: a leading /command and @mentions (PTB's filters rely on them)."""
    entities = []
    if match := re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text):
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(match.group())})
    for match in re.finditer(r"(?<![/\w])@[A-Za-z0-9_]{5,32}", text):
        entities.append({"type": "mention", "offset": utf16_len(text[:match.start()]), "length": utf16_len(match.group())})
    return entities


class FakeTelegram(FaultMethods, ForumMethods, BotApiMethods):
    """The Bot API of one bot, in memory, on 127.0.0.1 and a free port; its methods are in `BotApiMethods`
    (and topics and membership in `ForumMethods`)."""

    def __init__(self, token: str = "123456:TEST-token", username: str = "mingbai_test_bot"):
        self.token = token
        self.me = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "明白", "username": username,
                   "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.calls: list[tuple[str, dict]] = []
        self.overlapping_polls = 0  # getUpdates calls made while another was waiting (see `_polling`)
        self._polls: list[web.Request] = []  # getUpdates calls waiting now
        self.errors: list[tuple[str, str]] = []
        self.answered_callbacks: list[dict] = []
        self.webhook: dict = {}
        self.commands: dict[str, list[dict]] = {}  # the "/" menu, by language_code ("" for everyone)
        self.webhook_deliveries: list[int] = []
        self._pending: list[dict] = []  # updates not yet confirmed by an offset
        self._delivered: set[int] = set()  # ids (object identity) of pending updates already handed out
        self._inbox: dict[tuple[int, int], dict] = {}  # users' messages, for copyMessage
        self._open_queries: set[str] = set()  # callback queries not answered yet
        self._messages: dict[int, list[dict]] = defaultdict(list)
        self._changed = asyncio.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()
        self._bots: dict[str, FakeTelegram] = {token: self}  # every bot this server answers for, by token
        self._server: FakeTelegram = self  # the bot whose server this one shares
        self.port = 0
        self._init_forum()
        self._init_faults()

    # --- server ---------------------------------------------------------------------------

    async def __aenter__(self) -> "FakeTelegram":
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        for bot in self._bots.values():
            for task in bot._tasks:
                task.cancel()
            if bot._session:
                await bot._session.close()
        await self._runner.cleanup()

    def add_bot(self, token: str, username: str) -> "FakeTelegram":
        """Another bot on this server (its own updates, ids, chats and members), at the same base URL."""
        bot = FakeTelegram(token, username)
        bot._server = self
        self._bots[token] = bot
        return bot

    @property
    def errors_of_every_bot(self) -> list[tuple[str, str]]:
        return [error for bot in self._bots.values() for error in bot.errors]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/file/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        bot = self._bots.get(request.match_info["token"])
        if bot is None:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        return await bot._answer(request)

    async def _answer(self, request: web.Request) -> web.Response:
        """One Bot API call to this bot."""
        method = request.match_info["method"]
        params = await read_params(request)
        self.calls.append((method, params))
        if method == "getUpdates":
            with self._polling(request):
                return await self._dispatch(request, method, params)
        return await self._dispatch(request, method, params)

    @contextlib.contextmanager
    def _polling(self, request: web.Request):
        """Count a getUpdates that starts while another is still waiting on a live connection: two bot instances
        polling one token (Telegram answers one of them 409 Conflict; here only counted, in `overlapping_polls`).
        A poll whose caller died (kill -9) no longer counts: its connection is closed."""
        if any(other.transport is not None and not other.transport.is_closing() for other in self._polls):
            self.overlapping_polls += 1
        self._polls.append(request)
        try:
            yield
        finally:
            self._polls.remove(request)

    async def _dispatch(self, request: web.Request, method: str, params: dict) -> web.Response:
        fault = self._next_fault(method, params)
        if fault is not None and fault.kind == "drop" and not fault.after:
            return self._drop(request, method)
        try:
            await self._before_call(fault)
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ProtocolError(404, "Not Found: method not found")
            result = await handler(**params)
        except TypeError as error:  # a required parameter is missing
            self.errors.append((method, str(error)))
            return web.json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}, status=400)
        except ProtocolError as error:
            if error.status == 400:
                self.errors.append((method, error.description))
            body = {"ok": False, "error_code": error.status, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return web.json_response(body, status=error.status)
        if fault is not None and fault.kind == "drop":
            return self._drop(request, method)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=b"fake file " + request.match_info["path"].encode())

    # --- what users do --------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "村民", language_code: str = "zh-hans") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}

    def message(self, chat_id: int, user: dict | None = None, **fields) -> dict:
        """A user's message: in a private chat for a positive chat_id, else in a supergroup (sent by user 777)."""
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id),
                   "from": user or self.user(chat_id if chat_id > 0 else 777), **fields}
        self._inbox[(chat_id, message["message_id"])] = message
        return message

    def push_text(self, chat_id: int, text: str, user: dict | None = None, **fields) -> dict:
        entities = text_entities(text)
        extra = {"entities": entities} if entities else {}
        return self.push_update({"message": self.message(chat_id, user, text=text, **extra, **fields)})

    def push_callback(self, chat_id: int, message_id: int, data: str, user: dict | None = None) -> dict:
        """A user presses a button under one of the bot's messages."""
        query_id = str(self._next_id())
        self._open_queries.add(query_id)
        query = {"id": query_id, "from": user or self.user(chat_id if chat_id > 0 else 777),
                 "message": dict(self._find(chat_id, message_id)), "chat_instance": str(chat_id), "data": data}
        return self.push_update({"callback_query": query})

    def push_update(self, raw: dict) -> dict:
        """Queue an update, or POST it to the webhook if one is set.

        An update that already carries an update_id is a redelivery (as after a crash before confirming, or a
        webhook retry): it is handed out again even if that id was confirmed.
        """
        update = {"update_id": next(self._update_ids), **raw}
        if self.webhook.get("url"):
            self._spawn(self._deliver(update))
        else:
            self._pending.append(update)
            self._spawn(self._wake())
        return update

    async def _deliver(self, update: dict) -> None:
        self._session = self._session or aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret_token"]} \
            if self.webhook.get("secret_token") else {}
        try:
            async with self._session.post(self.webhook["url"], json=update, headers=headers) as response:
                self.webhook_deliveries.append(response.status)
        except aiohttp.ClientError:
            self.webhook_deliveries.append(0)

    # --- what tests check -----------------------------------------------------------------

    def sent(self, chat_id: int) -> list[dict]:
        """The bot's messages in a chat, oldest first, as they look now (edits applied)."""
        return list(self._messages[chat_id])

    async def wait_for_messages(self, chat_id: int, n: int, timeout: float = 5.0) -> list[dict]:
        """Wait until the chat holds at least `n` bot messages; fail with what did arrive."""
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(lambda: len(self._messages[chat_id]) >= n)
        except TimeoutError:
            texts = [m.get("text", "")[:60] for m in self._messages[chat_id]]
            raise AssertionError(f"chat {chat_id}: wanted {n} messages within {timeout}s, got {texts}") from None
        return self.sent(chat_id)

    @property
    def unconfirmed(self) -> int:
        return len(self._pending)

    def called(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]

    def _next_id(self) -> int:
        return next(self._ids)

    async def _wake(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def read_params(request: web.Request) -> dict:
    """Query string plus a JSON, form-urlencoded or multipart body, decoded the way PTB encodes it."""
    params = {key: decode(key, value) for key, value in request.query.items()}
    if request.content_type == "application/json":
        params.update(await request.json())
        return params
    if request.can_read_body:
        for key, value in (await request.post()).items():
            params[key] = {"filename": value.filename, "size": len(value.file.read())} \
                if isinstance(value, web.FileField) else decode(key, value)
    return params


def decode(key: str, value: str):
    if key in JSON_PARAMS:
        return json.loads(value)
    if key in INT_PARAMS and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value
