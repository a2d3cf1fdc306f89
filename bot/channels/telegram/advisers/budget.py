"""The advisers' desk's bookkeeping: how much it may still send to each group (`Budget`), and what it has
already sent (the ledger, `bot.storage.telegram.TelegramLedger`).

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
