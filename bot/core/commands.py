"""Slash commands (/start, /help, ...): the same on every channel that lets villagers type them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import replies
from bot.core.texts import COMMANDS, label, text
from bot.messages import Button, Reply

if TYPE_CHECKING:
    from bot.core.conversation import Conversation, Turn

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
            (Button(label("where", lang), "cmd:where"), Button(label(f"lang_{other}", lang), f"lang:{other}")),
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
        buttons = ((Button(label("lang_zh", turn.lang), "lang:zh"), Button(label("lang_en", turn.lang), "lang:en")),)
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
