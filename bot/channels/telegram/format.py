"""Telegram objects to the core's neutral messages and back, with no I/O.

Kept apart from the Application wiring so every rule a villager notices (who
is being spoken to in a group, how a long answer is split, what a button
sends back) can be read in one place.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatType, InlineKeyboardButtonLimit, MessageLimit
from telegram.ext import filters

from bot.messages import Button, Incoming, Reply

PLATFORM = "telegram"
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted by Telegram in UTF-16 code units
MAX_CALLBACK_DATA = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64 bytes

#: Message attributes in the order they are checked (an animation also carries `document`) and the core's kind.
CONTENT = (("text", "text"), ("photo", "photo"), ("voice", "voice"), ("audio", "voice"), ("sticker", "sticker"),
           ("venue", "location"), ("location", "location"), ("animation", "video"), ("video", "video"),
           ("video_note", "video"), ("document", "document"), ("contact", "contact"))
_BOLD = re.compile(r"\*\*(.+?)\*\*")
#: Files a villager and an adviser can pass to each other as they are (Telegram file_ids work in every chat of one bot).
MEDIA_KINDS = ("photo", "voice", "document")
MAX_CAPTION = MessageLimit.CAPTION_LENGTH  # 1024


@dataclass(frozen=True)
class Outgoing:
    """One sendMessage: HTML text and, on the last part of a reply, its keyboard."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None


# --- in -------------------------------------------------------------------------------------


def villager_id(chat_id: int, bot: str = "") -> str:
    """The villager's id in the core: the chat id for the default bot ("4242"), the county's id before it for a
    county's own bot ("qianwei:4242"), so the same person on two bots is two conversations, each answered by its bot.

    >>> villager_id(4242), villager_id(4242, "qianwei"), chat_of("qianwei:4242"), chat_of("4242")
    ('4242', 'qianwei:4242', ('qianwei', 4242), ('', 4242))
    """
    return f"{bot}:{chat_id}" if bot else str(chat_id)


def chat_of(villager: str) -> tuple[str, int]:
    """(bot, chat id) of a villager id made by `villager_id`."""
    bot, _, chat = villager.rpartition(":")
    return bot, int(chat)


def to_incoming(update: Update, me: User, bot: str = "") -> Incoming | None:
    """The core's view of an update, or None when the villager channel should stay silent. `bot` is the county
    whose own bot received it ('' for the default bot): the villager is that bot's, and bound to that county."""
    incoming = _to_incoming(update, me)
    if incoming is None or not bot:
        return incoming
    return replace(incoming, user_id=villager_id(int(incoming.user_id), bot), county=bot,
                   message_id=f"{bot}:{incoming.message_id}" if incoming.message_id else None)


def _to_incoming(update: Update, me: User) -> Incoming | None:
    if update.callback_query:
        return _from_callback(update)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    if filters.StatusUpdate.ALL.check_update(update):  # joins, pins, title changes: nobody asked anything
        return None
    kind = content_kind(message)
    text = message.text if kind == "text" else message.caption
    if message.chat.type != ChatType.PRIVATE:
        if not addressed(message, text, me):
            return None
        text = without_mention(text, me.username) if text is not None else None
    return Incoming(platform=PLATFORM, user_id=str(message.chat.id), text=text, content=kind,
                    message_id=f"{message.chat.id}:{message.message_id}", media=media_ref(message, kind))


def _from_callback(update: Update) -> Incoming | None:
    query = update.callback_query
    if query.data is None or update.effective_chat is None:
        return None
    return Incoming(platform=PLATFORM, user_id=str(update.effective_chat.id), action=query.data,
                    message_id=f"callback:{query.id}")


def content_kind(message: Message) -> str:
    return next((kind for attribute, kind in CONTENT if getattr(message, attribute)), "other")


def media_ref(message: Message, kind: str | None = None) -> str | None:
    """"photo:<file_id>" for a photo, voice message or document, so an adviser can be shown the file itself.

    The kind travels inside the reference because a captioned photo reaches the handoff desk as text
    with the reference beside it; `split_media` reads both forms.
    """
    kind = kind or content_kind(message)
    if kind not in MEDIA_KINDS or not getattr(message, kind):
        return None  # e.g. an animation (which also carries `document`) or an audio file: not passed on as is
    item = message.photo[-1] if kind == "photo" else getattr(message, kind)  # the largest photo size comes last
    return f"{kind}:{item.file_id}"


def split_media(kind: str | None, ref: str | None) -> tuple[str | None, str | None]:
    """(kind, file_id) from a stored media reference, whether or not it carries its kind ("photo:<id>")."""
    if not ref:
        return kind, None
    prefix, separator, file_id = ref.partition(":")
    if separator and prefix in MEDIA_KINDS:  # Telegram file_ids never contain ":"
        return prefix, file_id
    return kind, ref


def addressed(message: Message, text: str | None, me: User) -> bool:
    """In a group the bot answers a command, a mention of it, or a reply to one of its own messages."""
    if text and text.startswith("/"):
        target = text.split(maxsplit=1)[0].partition("@")[2]
        return not target or target.lower() == me.username.lower()
    if text and f"@{me.username}".lower() in text.lower():
        return True
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.from_user.id != me.id:
        return False
    # In a forum topic every message "replies" to the topic's first message; that is not addressing the bot.
    return not (message.is_topic_message and reply.message_id == message.message_thread_id)


def without_mention(text: str, username: str) -> str:
    """The question without "@bot" (and "/start@bot" as "/start"); a bare mention is a greeting: /start."""
    stripped = re.sub(rf"@{re.escape(username)}\b", "", text, flags=re.IGNORECASE).strip()
    return stripped or "/start"


# --- out ------------------------------------------------------------------------------------


def to_outgoing(reply: Reply) -> list[Outgoing]:
    """A reply as Telegram messages: long text split at line breaks, the buttons under the last part."""
    parts = split_text(reply.text)
    if not parts:
        return []
    last = Outgoing(render_html(parts[-1]), keyboard(reply.buttons))
    return [Outgoing(render_html(part)) for part in parts[:-1]] + [last]


def to_calls(replies) -> list[dict]:
    """The Bot API calls that show these replies, as plain JSON the outbox stores: one dict per message,
    {"kind": "text"|"photo"|"voice"|"document", "html", "keyboard" (InlineKeyboardMarkup dict or None),
    "file_id"}. An adviser's file carries the reply as its caption when it fits, else the text follows it."""
    calls = []
    for reply in replies:
        kind, file_id = split_media(reply.media_kind, reply.media_ref)
        parts = to_outgoing(reply)
        if kind in MEDIA_KINDS and file_id:
            fits = len(parts) == 1 and utf16_len(reply.text) <= MAX_CAPTION
            caption, markup = (parts[0].html, parts[0].keyboard) if fits else (None, None)
            calls.append(_call(kind, caption, markup, file_id))
            if fits:
                continue
        calls += [_call("text", part.html, part.keyboard) for part in parts]
    return calls


def _call(kind: str, html_text: str | None, markup: InlineKeyboardMarkup | None, file_id: str | None = None) -> dict:
    return {"kind": kind, "html": html_text, "keyboard": markup.to_dict() if markup else None, "file_id": file_id}


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    for button in (button for row in rows for button in row):
        size = len(button.action.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA:
            raise ValueError(f"button action {button.action!r} is {size} bytes; Telegram's callback_data "
                             f"takes 1-{MAX_CALLBACK_DATA} bytes, so shorten the action in the core")
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
                                 for row in rows])


def render_html(text: str) -> str:
    """The core marks emphasis as **bold** (as the FAQ files do); Telegram shows it with parse_mode HTML."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut at line breaks (a single overlong line is cut anywhere)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _cut(line, limit):
            joined = f"{current}\n{piece}" if current else piece
            if utf16_len(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


def _cut(line: str, limit: int) -> list[str]:
    pieces, current, size = [], [], 0
    for char in line:
        width = utf16_len(char)
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return pieces


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
