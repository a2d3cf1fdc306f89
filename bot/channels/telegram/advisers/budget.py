"""The advisers' desk's bookkeeping: how much it may still send to each group (`Budget`), and what it has
already sent (`Ledger`).

Telegram lets a bot send about 20 messages a minute to one group, and every topic of a supergroup shares
that allowance. PTB's AIORateLimiter enforces it by *waiting*, which would stall the relay for every other
villager on a busy morning. So the desk spends its own budget first and, when it is spent, gives the events
back to the relay (`BudgetSpent`, a DeliveryDeferred) to try again later. Every call with the group's
chat id is counted, as PTB's limiter counts them, so that limiter never has to wait.

The ledger lives in the same SQLite file as the cases. Because the relay hands a failed batch back whole,
the desk must know which of its events already reached the group: those are never posted twice, even after
a restart. It also maps the group's messages back to cases (reply threading, closed topics) and remembers
what each card shows, to edit a card only when it changes. It holds ids and fingerprints, no message text.
"""

from __future__ import annotations

import asyncio
import time

import sqlite_utils

from bot.errors import DeliveryDeferred

NORMAL, PRIORITY = "normal", "priority"  # a priority send (an urgent case, a queue notice) may use the reserve


class BudgetSpent(DeliveryDeferred):
    """Nothing more may be sent to this group for `retry_after` seconds; the relay keeps the events pending."""

    def __init__(self, chat: int, retry_after: float):
        super().__init__(f"Telegram group {chat}: sending budget spent, next slot in {retry_after:.1f}s", retry_after)


class Settling(DeliveryDeferred):
    """A villager's burst of messages is still arriving: come back in a moment and post it all at once."""

    def __init__(self, retry_after: float):
        super().__init__("a villager's burst of messages is still arriving", retry_after)


class Budget:
    """A token bucket per group chat: `per_minute` sends per `period` seconds, `reserve` of them kept back
    for urgent cases and queue notices. A send waits at most `max_wait` for a token, then gives up."""

    def __init__(self, per_minute: int = 20, period: float = 60.0, reserve: int = 4, max_wait: float = 0.5,
                 clock=time.monotonic):
        self.capacity, self.rate = float(per_minute), per_minute / period
        self.reserve, self.max_wait, self.clock = reserve, max_wait, clock
        self._tokens: dict[int, float] = {}
        self._updated: dict[int, float] = {}

    def available(self, chat: int) -> float:
        now = self.clock()
        tokens = self._tokens.get(chat, self.capacity)
        tokens = min(self.capacity, tokens + (now - self._updated.get(chat, now)) * self.rate)
        self._tokens[chat], self._updated[chat] = tokens, now
        return tokens

    async def take(self, chat: int, priority: str = NORMAL, count: int = 1) -> None:
        """`count` sends' worth, or BudgetSpent when they would take longer than `max_wait` to come."""
        floor = 0 if priority == PRIORITY else self.reserve
        missing = floor + count - self.available(chat)
        if missing > 0:
            wait = missing / self.rate
            if wait > self.max_wait:
                raise BudgetSpent(chat, wait)
            await asyncio.sleep(wait)
            self.available(chat)
        self._tokens[chat] -= count

    def spend(self, chat: int, count: int = 1) -> None:
        """Count calls that must happen anyway (an answer to an adviser's command, a membership lookup)."""
        self._tokens[chat] = self.available(chat) - count


class Ledger:
    """What the desk posted, in two tables of its own. Synchronous: run it on the core's worker thread."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    # --- posts ---

    def posted(self, event_ids: list[int]) -> set[int]:
        marks = ",".join("?" * len(event_ids))
        rows = self.db.execute(f"select event_id from telegram_posts where event_id in ({marks})", event_ids) \
            if event_ids else []
        return {row[0] for row in rows}

    def record(self, case_id: int, event_ids: list[int | None], chat: int, message_ids: list[int]) -> None:
        with self.db.atomic():
            self.db["telegram_posts"].insert_all(
                [{"case_id": case_id, "event_id": event_id, "chat": chat, "message_id": message_id}
                 for event_id in (event_ids or [None]) for message_id in message_ids])

    def case_of_message(self, chat: int, message_id: int) -> int | None:
        row = self.db.execute("select case_id from telegram_posts where chat = ? and message_id = ? limit 1",
                              [chat, message_id]).fetchone()
        if row:
            return row[0]
        row = self.db.execute("select case_id from telegram_cases where chat = ? and card_message_id = ?",
                              [chat, message_id]).fetchone()
        return row[0] if row else None

    # --- topics and cards ---

    def case_of_topic(self, chat: int, topic_id: int) -> int | None:
        """The case (closed ones too) whose topic this is."""
        row = self.db.execute("select case_id from telegram_cases where chat = ? and topic_id = ? "
                              "order by case_id desc limit 1", [chat, topic_id]).fetchone()
        return row[0] if row else None

    def card_state(self, case_id: int) -> dict:
        row = next(self.db["telegram_cases"].rows_where("case_id = ?", [case_id]), None)
        return row or {"case_id": case_id, "card": None, "topic_name": None, "queued": 0, "topic_closed": 0}

    def save_card(self, case_id: int, values: dict) -> None:
        self.db["telegram_cases"].upsert({"case_id": case_id, **values}, pk="case_id")
