"""Slash commands (/start, /help, ...): the same on every channel that lets villagers type them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import replies
from bot.messages import Button, Reply
from bot.core.texts import label, text

if TYPE_CHECKING:
    from bot.core.conversation import Conversation, Turn

#: Commands a villager can send, with what each does (shown by /help and registered with Telegram).
COMMANDS = {
    "start": ("开始，看看能问什么", "Start: what I can help with"),
    "help": ("怎么用", "How to use this bot"),
    "topics": ("按话题浏览常见问题", "Browse common questions"),
    "human": ("找真人法律顾问", "Talk to a human adviser"),
    "end": ("结束和顾问的对话", "End the conversation with an adviser"),
    "where": ("告诉我您在哪个县、乡镇", "Tell me your county or township"),
    "lang": ("切换语言 中文/English", "Switch language"),
    "cancel": ("退出当前问答", "Leave the current questions"),
    "privacy": ("我们保存什么", "What we store"),
    "forget": ("删除我的全部记录", "Delete all my data"),
}


class Commands:
    """Runs one command for a turn of the conversation."""

    def __init__(self, conversation: "Conversation"):
        self.conversation = conversation

    def run(self, turn: "Turn", message: str) -> None:
        word, _, argument = message[1:].partition(" ")
        name = word.split("@", 1)[0].lower()  # "/start@mingbai_bot" in groups
        handler = getattr(self, f"_{name}", None) if name in COMMANDS else None
        (handler or self._help)(turn, argument.strip())

    def _start(self, turn: "Turn", argument: str) -> None:
        turn.say(replies.welcome(self.conversation.faq, turn.lang))

    def _help(self, turn: "Turn", argument: str) -> None:
        """How to use the bot, with a button for each thing a command does (typing the commands still works,
        but villagers should not have to know them)."""
        lang = turn.lang
        other = "en" if lang != "en" else "zh"
        rows = (
            (Button(label("topics", lang), "topics"), replies.human_row(lang)[0]),
            (Button(label("where", lang), "cmd:where"), Button("English" if other == "en" else "中文", f"lang:{other}")),
            (Button(label("privacy", lang), "cmd:privacy"), Button(label("forget", lang), "cmd:forget")),
        )
        turn.say(Reply(text("help", lang), rows))

    def _topics(self, turn: "Turn", argument: str) -> None:
        turn.say(replies.topics(self.conversation.faq, turn.lang))

    def _human(self, turn: "Turn", argument: str) -> None:
        self.conversation.start_handoff(turn, urgent=False)

    def _end(self, turn: "Turn", argument: str) -> None:
        self.conversation.casework.end(turn)

    def _lang(self, turn: "Turn", argument: str) -> None:
        if argument in ("zh", "en"):
            self.conversation.on_action(turn, f"lang:{argument}")
            return
        buttons = ((Button("中文", "lang:zh"), Button("English", "lang:en")),)
        turn.say(Reply(text("lang_choose", turn.lang), buttons))

    def _cancel(self, turn: "Turn", argument: str) -> None:
        user = turn.user
        busy = bool(user.flow or user.awaiting)
        user.flow, user.awaiting = None, None
        turn.say(Reply(text("cancelled" if busy else "nothing_to_cancel", turn.lang)))

    def _privacy(self, turn: "Turn", argument: str) -> None:
        days = str(self.conversation.retention_days)
        turn.say(Reply(text("privacy", turn.lang, days=days), ((Button(label("forget", turn.lang), "cmd:forget"),),)))

    def _forget(self, turn: "Turn", argument: str) -> None:
        self.conversation.buttons.ask_forget(turn)

    def _where(self, turn: "Turn", argument: str) -> None:
        if argument:
            self.conversation.set_place(turn, argument)
            return
        turn.user.awaiting = "where"
        turn.say(Reply(text("where_ask", turn.lang), ((Button(label("exit", turn.lang), "exit"),),)))
