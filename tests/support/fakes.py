"""Small fakes every test module shares: a clock a test moves by hand, and a channel that records what
reached the villager."""

from __future__ import annotations

import time

from bot.messages import Reply


class Clock:
    """The time as the code under test reads it (`clock()`), moved by the test.

    `Clock(start)` stands still at `start` until the test sets `now` or calls `advance`; `Clock()` follows the
    wall clock, ahead by what `advance` added (the WeChat fake and the bot both read it, and real seconds pass)."""

    def __init__(self, start: float | None = None):
        self.now = start
        self._ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self._ahead if self.now is None else self.now

    def advance(self, seconds: float) -> None:
        if self.now is None:
            self._ahead += seconds
        else:
            self.now += seconds


class RecordingChannel:
    """A villager channel for the relay (`relay.add_villager_channel("telegram", channel.send)`): it records what
    reached each villager, and raises the exceptions in `failures` first, one per send."""

    def __init__(self):
        self.received: list[tuple[str, Reply]] = []
        self.failures: list[Exception] = []

    async def send(self, villager_id: str, reply: Reply) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.received.append((villager_id, reply))

    def of(self, villager: str) -> list[str]:
        """The texts that reached `villager`, in order."""
        return [reply.text for who, reply in self.received if who == villager]
