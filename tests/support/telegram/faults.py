"""What can go wrong between a bot and Telegram, on demand, for `tests.fake_telegram.FakeTelegram`.

Each fault applies to the next calls of one Bot API method, in the order they were asked for:

- `fail_next(method, status=429, retry_after=1, times=1, chat_id=None)`: Telegram answers with that error (a 429
  carries `parameters.retry_after`; a 403 says the user blocked the bot), to calls for `chat_id` only if given;
- `drop_next(method, times=1, after=False)`: the connection closes without an answer. Before Telegram handled
  the call by default; with `after=True` once it has (a message *was* delivered, and the bot cannot know);
- `stall_next(method, seconds, times=1)`: Telegram answers only after `seconds`, so the bot's read timeout
  fires first (what a getUpdates stuck on a dead connection looks like).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

from aiohttp import web

from tests.support.telegram.api import ProtocolError


@dataclass(frozen=True)
class Fault:
    kind: str  # "status", "drop" or "stall"
    status: int = 0
    retry_after: int | None = None
    after: bool = False
    seconds: float = 0.0
    chat_id: int | None = None  # only calls for this chat

    def error(self) -> ProtocolError:
        if self.status == 429:
            return ProtocolError(429, f"Too Many Requests: retry after {self.retry_after}", self.retry_after)
        descriptions = {403: "Forbidden: bot was blocked by the user", 502: "Bad Gateway"}
        return ProtocolError(self.status, descriptions.get(self.status, "Internal Server Error"))


class FaultMethods:
    """Mixed into FakeTelegram: `_handle` asks `_next_fault` before each call and acts on the answer."""

    def _init_faults(self) -> None:
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self.dropped: list[str] = []  # methods whose connection was dropped, in order

    def fail_next(self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1,
                  chat_id: int | None = None) -> None:
        """The next `times` calls of `method` (for `chat_id`, if given) fail: 429 with retry_after, or any status."""
        self._faults[method] += [Fault("status", status, retry_after if status == 429 else None,
                                       chat_id=chat_id)] * times

    def drop_next(self, method: str, times: int = 1, after: bool = False) -> None:
        self._faults[method] += [Fault("drop", after=after)] * times

    def stall_next(self, method: str, seconds: float, times: int = 1) -> None:
        self._faults[method] += [Fault("stall", seconds=seconds)] * times

    def _next_fault(self, method: str, params: dict) -> Fault | None:
        for index, fault in enumerate(self._faults[method]):
            if fault.chat_id is None or fault.chat_id == params.get("chat_id"):
                return self._faults[method].pop(index)
        return None

    async def _before_call(self, fault: Fault | None) -> None:
        """Raise the error a status fault stands for; hold a stalled call back."""
        if fault is None:
            return
        if fault.kind == "stall":
            await asyncio.sleep(fault.seconds)
        elif fault.kind == "status":
            raise fault.error()

    def _drop(self, request: web.Request, method: str) -> web.Response:
        """Close the connection without answering; aiohttp writes nothing to a closed transport."""
        self.dropped.append(method)
        request.transport.abort()
        return web.Response(status=204)
