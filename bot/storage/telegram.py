"""The Telegram channel's own tables: updates received (`telegram_inbox`), messages still to send
(`telegram_outbox`), and what the advisers' desk posted to the group (`telegram_posts`, `telegram_cases`).

Why each exists is told where it is used: `bot.channels.telegram.inbox` (a crash loses no update),
`bot.channels.telegram.outbox` (a crash or a 5xx loses no reply) and `bot.channels.telegram.advisers.budget`
(nothing is posted to the group twice). Synchronous, like every store: run on the core's worker thread.
"""

from __future__ import annotations

import json
import time

from bot.storage.tables import Tables

INBOX_NOTICE = "telegram.inbox"  # the notice (bot.storage.notices) that a bot's inbox has new updates
KEEP_DONE_DAYS = 2  # Telegram keeps an unconfirmed update for 24 h, so a redelivery is recognised for longer


class OneBot(Tables):
    """Rows of one bot: '' is the default bot (TELEGRAM_BOT_TOKEN), a county id that county's own bot. Bots number
    their updates independently and a villager's reply must leave through the bot they wrote to, so every row
    names its bot and each bot's channel sees only its own (`store.telegram_inbox.of_bot("qianwei")`)."""

    def __init__(self, db, bot: str = ""):
        super().__init__(db)
        self.bot = bot

    def of_bot(self, bot: str):
        """The same table for another bot."""
        return type(self)(self.db, bot)


class TelegramInbox(OneBot):
    """Updates received, in table `telegram_inbox`, keyed by (bot, update_id)."""

    def store(self, raws: list[dict]) -> list[int]:
        """Write a batch in one transaction; returns the ids of the updates not seen before (those to handle)."""
        fresh, now = [], time.time()
        with self.db.transaction():
            for raw in raws:
                if self.db.execute("insert into telegram_inbox (bot, update_id, raw, status, created_at) "
                                   "values (?, ?, ?, 'pending', ?) on conflict do nothing",
                                   [self.bot, raw["update_id"], json.dumps(raw, ensure_ascii=False), now]) == 1:
                    fresh.append(raw["update_id"])
            if fresh:  # the bot may run in another process on the database, which must queue them (the leader)
                self.db.notify(INBOX_NOTICE, self.bot)
        return fresh

    def pending(self) -> list[dict]:
        return [json.loads(raw) for raw in self.db.values(
            "select raw from telegram_inbox where bot = ? and status = 'pending' order by update_id", [self.bot])]

    def done(self, update_id: int) -> None:
        """Handled: the id stays (to recognise a redelivery), what the villager wrote goes."""
        self.db.execute("update telegram_inbox set status = 'done', raw = null where bot = ? and update_id = ?",
                        [self.bot, update_id])

    def purge(self, days: float = KEEP_DONE_DAYS) -> int:
        return self.db.execute("delete from telegram_inbox where bot = ? and status = 'done' and created_at < ?",
                               [self.bot, time.time() - days * 86400])


class TelegramOutbox(OneBot):
    """The messages still to send, in table `telegram_outbox`; each row leaves through its own bot."""

    def add(self, chat_id: int, thread_id: int | None, calls: list[dict]) -> None:
        """Queue messages for a chat; inside a caller's transaction they commit (or vanish) with it."""
        now = time.time()
        with self.db.transaction():
            for call in calls:
                self.db.execute("insert into telegram_outbox (bot, chat_id, thread_id, payload, attempts, uncertain, "
                                "next_try_at, created_at) values (?, ?, ?, ?, 0, 0, 0, ?)",
                                [self.bot, chat_id, thread_id, json.dumps(call, ensure_ascii=False), now])

    def chats(self) -> list[int]:
        return self.db.values("select distinct chat_id from telegram_outbox where bot = ?", [self.bot])

    def next_row(self, chat_id: int) -> dict | None:
        return self.db.row("select * from telegram_outbox where bot = ? and chat_id = ? order by id limit 1",
                           [self.bot, chat_id])

    def remove(self, row_id: int) -> None:
        self.db.execute("delete from telegram_outbox where id = ?", [row_id])

    def payloads(self, chat_id: int) -> list[dict]:
        """What still waits to be sent to a chat, oldest first (a villager's export)."""
        return [json.loads(payload) for payload in self.db.values(
            "select payload from telegram_outbox where chat_id = ? order by id", [chat_id])]

    def forget_chat(self, chat_id: int) -> None:
        """/forget: what still waits to be sent to the villager's chat goes (the replies to /forget come after)."""
        self.db.execute("delete from telegram_outbox where chat_id = ?", [chat_id])

    def postpone(self, row_id: int, until: float, uncertain: bool) -> None:
        self.db.execute("update telegram_outbox set attempts = attempts + 1, uncertain = uncertain + ?, "
                        "next_try_at = ? where id = ?", [int(uncertain), until, row_id])


class TelegramLedger(Tables):
    """What the advisers' desk posted to the group, and what each case's card and topic show: ids and
    fingerprints, no message text."""

    # --- posts ---

    def posted(self, event_ids: list[int]) -> set[int]:
        if not event_ids:
            return set()
        marks = ",".join("?" * len(event_ids))
        return set(self.db.values(f"select event_id from telegram_posts where event_id in ({marks})", event_ids))

    def record(self, case_id: int, event_ids: list[int | None], chat: int, message_ids: list[int]) -> None:
        with self.db.transaction():
            for event_id in event_ids or [None]:
                for message_id in message_ids:
                    self.db.insert("telegram_posts", {"case_id": case_id, "event_id": event_id, "chat": chat,
                                                      "message_id": message_id})

    def case_of_message(self, chat: int, message_id: int) -> int | None:
        posted = self.db.value("select case_id from telegram_posts where chat = ? and message_id = ? limit 1",
                               [chat, message_id])
        if posted is not None:
            return posted
        return self.db.value("select case_id from telegram_cases where chat = ? and card_message_id = ? limit 1",
                             [chat, message_id])

    # --- topics and cards ---

    def case_of_topic(self, chat: int, topic_id: int) -> int | None:
        """The case (closed ones too) whose topic this is."""
        return self.db.value("select case_id from telegram_cases where chat = ? and topic_id = ? "
                             "order by case_id desc limit 1", [chat, topic_id])

    def card_state(self, case_id: int) -> dict:
        row = self.db.row("select * from telegram_cases where case_id = ?", [case_id])
        return row or {"case_id": case_id, "card": None, "topic_name": None, "queued": 0, "topic_closed": 0}

    def save_card(self, case_id: int, values: dict) -> None:
        self.db.upsert("telegram_cases", {"case_id": case_id, **values}, key=("case_id",))

    def forget_topic_names(self, case_ids: list[int]) -> None:
        """/forget: a topic's name is made of the villager's first words; the ids stay (the case stays)."""
        for case_id in case_ids:
            self.db.execute("update telegram_cases set topic_name = null where case_id = ?", [case_id])
