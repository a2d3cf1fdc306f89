"""The Bot API methods of `tests.fake_telegram.FakeTelegram`, with the checks Telegram makes.

Each `api_<Method>` takes the request's decoded parameters and returns the
`result`, or raises `ProtocolError` with the status and description Telegram
would send. Unknown extra parameters are accepted, as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from html.parser import HTMLParser

SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
             "tg-spoiler", "span"}
MAX_TEXT = 4096


class ProtocolError(Exception):
    """What Telegram would answer with a non-2xx status."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


class _VisibleText(HTMLParser):
    """Collects what a user would see of an HTML-formatted message, and refuses what Telegram can't parse."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in HTML_TAGS:
            raise ProtocolError(400, f"Bad Request: can't parse entities: unsupported start tag \"{tag}\"")
        self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            raise ProtocolError(400, f"Bad Request: can't parse entities: unmatched end tag \"{tag}\"")

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    if (parse_mode or "").upper() != "HTML":
        return text
    parser = _VisibleText()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise ProtocolError(400, "Bad Request: can't parse entities: unclosed tag")
    return "".join(parser.parts)


def check_keyboard(markup: dict | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                raise ProtocolError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ProtocolError(400, "Bad Request: text buttons are unallowed in the inline keyboard")


class BotApiMethods:
    """Mixed into FakeTelegram, whose state (`_pending`, `_messages`, `webhook`, ...) these methods use."""

    async def api_getMe(self, **_):
        return self.me

    async def api_getUpdates(self, offset: int = 0, limit: int = 100, timeout: int = 0, **_):
        if self.webhook.get("url"):
            raise ProtocolError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                     "use deleteWebhook to delete the webhook first")
        self._confirm(offset)
        if not self._pending and timeout:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout), self._changed:
                    await self._changed.wait_for(lambda: bool(self._pending))
        batch = self._pending[:limit]
        self._delivered.update(id(update) for update in batch)
        return batch

    def _confirm(self, offset: int) -> None:
        """Forget what the bot confirmed: updates it was given whose id is below `offset` (or all but the last -offset)."""
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset or id(u) not in self._delivered]
        self._delivered &= {id(u) for u in self._pending}

    async def api_setWebhook(self, url: str = "", secret_token: str | None = None, drop_pending_updates=False, **params):
        if url and not (url.startswith("https://") or url.startswith("http://127.0.0.1")):
            raise ProtocolError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret_token is not None and not SECRET_TOKEN.fullmatch(secret_token):
            raise ProtocolError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret_token, **params}
        pending, self._pending = ([] if drop_pending_updates else self._pending), []
        for update in pending:
            self.push_update(update)
        return True

    async def api_deleteWebhook(self, drop_pending_updates=False, **_):
        self.webhook = {}
        if drop_pending_updates:
            self._pending = []
        return True

    async def api_getWebhookInfo(self, **_):
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    async def api_sendMessage(self, chat_id: int, text: str = "", reply_markup=None, parse_mode=None, **params):
        shown = visible_text(text, parse_mode)
        if not shown.strip():
            raise ProtocolError(400, "Bad Request: message text is empty")
        if utf16_len(shown) > MAX_TEXT:
            raise ProtocolError(400, "Bad Request: message is too long")
        check_keyboard(reply_markup)
        return await self._post(chat_id, {"text": shown}, reply_markup, params)

    async def api_editMessageText(self, chat_id: int, message_id: int, text: str, reply_markup=None, parse_mode=None,
                                  **_):
        message = self._find(chat_id, message_id)
        shown = visible_text(text, parse_mode)
        check_keyboard(reply_markup)
        if message.get("text") == shown and message.get("reply_markup") == reply_markup:
            raise ProtocolError(400, "Bad Request: message is not modified: specified new message content and "
                                     "reply markup are exactly the same as a current content and reply markup")
        message["text"] = shown
        self._set_markup(message, reply_markup)
        message["edit_date"] = int(time.time())
        return message

    async def api_editMessageReplyMarkup(self, chat_id: int, message_id: int, reply_markup=None, **_):
        message = self._find(chat_id, message_id)
        check_keyboard(reply_markup)
        self._set_markup(message, reply_markup)
        return message

    async def api_answerCallbackQuery(self, callback_query_id: str, **params):
        if callback_query_id not in self._open_queries:
            raise ProtocolError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._open_queries.discard(callback_query_id)
        self.answered_callbacks.append({"callback_query_id": callback_query_id, **params})
        return True

    async def api_setMyCommands(self, commands, language_code: str = "", **_):
        if not isinstance(commands, list) or len(commands) > 100:
            raise ProtocolError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")) or not command.get("description"):
                raise ProtocolError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[language_code] = commands
        return True

    async def api_getMyCommands(self, language_code: str = "", **_):
        return self.commands.get(language_code, [])

    async def api_sendChatAction(self, chat_id: int, action: str, **_):
        return True

    async def api_sendPhoto(self, chat_id: int, photo, reply_markup=None, **params):
        size = {"file_id": self._file_id(photo, "photo"), "file_unique_id": "p", "width": 800, "height": 600}
        return await self._post_file(chat_id, {"photo": [size]}, reply_markup, params)

    async def api_sendVoice(self, chat_id: int, voice, reply_markup=None, **params):
        fields = {"voice": {"file_id": self._file_id(voice, "voice"), "file_unique_id": "v", "duration": 3}}
        return await self._post_file(chat_id, fields, reply_markup, params)

    async def api_sendDocument(self, chat_id: int, document, reply_markup=None, **params):
        name = document.get("filename") if isinstance(document, dict) else "file"
        fields = {"document": {"file_id": self._file_id(document, "doc"), "file_unique_id": "d", "file_name": name}}
        return await self._post_file(chat_id, fields, reply_markup, params)

    def _file_id(self, sent, prefix: str) -> str:
        """A file sent again by file_id keeps it (one bot's file_ids work in all its chats); an upload gets one."""
        return sent if isinstance(sent, str) else f"{prefix}{self._next_id()}"

    async def _post_file(self, chat_id: int, fields: dict, reply_markup, params: dict) -> dict:
        caption = params.pop("caption", None)
        if caption is not None:
            fields["caption"] = visible_text(caption, params.pop("parse_mode", None))
            if utf16_len(fields["caption"]) > 1024:
                raise ProtocolError(400, "Bad Request: message caption is too long")
        check_keyboard(reply_markup)
        return await self._post(chat_id, fields, reply_markup, params)

    async def api_getFile(self, file_id: str, **_):
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": 10, "file_path": f"files/{file_id}"}

    async def api_copyMessage(self, chat_id: int, from_chat_id: int, message_id: int, reply_markup=None, **params):
        source = self._inbox.get((from_chat_id, message_id)) or self._find(from_chat_id, message_id)
        fields = {k: v for k, v in source.items() if k in ("text", "photo", "voice", "document", "sticker", "caption")}
        message = await self._post(chat_id, fields, reply_markup, params)
        return {"message_id": message["message_id"]}

    # --- shared by the methods ------------------------------------------------------------

    async def _post(self, chat_id: int, fields: dict, reply_markup, params: dict) -> dict:
        """Record a message from the bot in a chat, wake whoever waits for it, and return it as Telegram would."""
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id),
                   "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
                   **{k: v for k, v in fields.items() if v is not None}}
        if params.get("message_thread_id"):
            message.update(message_thread_id=params["message_thread_id"], is_topic_message=True)
        self._set_markup(message, reply_markup)
        self._messages[chat_id].append(message)
        async with self._changed:
            self._changed.notify_all()
        return message

    def _find(self, chat_id: int, message_id: int) -> dict:
        for message in self._messages[chat_id]:
            if message["message_id"] == message_id:
                return message
        raise ProtocolError(400, "Bad Request: message to edit not found")

    @staticmethod
    def _set_markup(message: dict, reply_markup) -> None:
        """Inline keyboards stay with the message; a send or edit without one leaves none (as Telegram does)."""
        if reply_markup and "inline_keyboard" in reply_markup:
            message["reply_markup"] = reply_markup
        else:
            message.pop("reply_markup", None)

    @staticmethod
    def _chat(chat_id: int) -> dict:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "村民"}
        return {"id": chat_id, "type": "supergroup", "title": "群"}
