"""Which of WeChat's requests for one message answers it, and how: passively, or later through the API.

WeChat waits 5 seconds for a reply and otherwise drops the connection and
sends the same message again, three times in all (engineering notes §4.3).
So for each message (keyed by MsgId, or sender and time for events):

- the core handles it once, however many requests arrive: a retry awaits the
  handling already under way instead of starting a second one;
- only the newest request may answer, since WeChat has given up on the older;
- the newest answers passively if the answer is ready within `reply_seconds`
  and its connection is still open; otherwise it says "success", which stops
  the retries, and the answer goes out through the customer-service API;
- that choice is made once: a retry after "success" gets "success", and a
  retry after a passive reply (which got lost on the way) gets it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Awaitable, Callable, Coroutine

from bot.channels.wechat.format import Understood, render, shortened
from bot.core.texts import text
from bot.messages import Outcome

log = logging.getLogger(__name__)

REMEMBERED = 2000  # messages whose delivery is remembered for WeChat's retries (they come within seconds)
#: When handling failed; the villager's language is unknown then, so Chinese.
TROUBLE = text("wechat_trouble", "zh")


@dataclass
class _Delivery:
    task: asyncio.Task  # the handling, resulting in the messages to send
    attempts: int = 0  # requests WeChat has made for this message so far
    how: str | None = None  # "passive" or "api", once decided


class Deliveries:
    """The in-flight and recent messages of the WeChat channel, and the answers' way out."""

    def __init__(self, answer: Callable[[Understood], Awaitable[Outcome]],
                 send: Callable[[str, list[str]], Awaitable[bool]], reply_seconds: float, *, can_send: bool = True):
        self._answer, self._send, self.reply_seconds, self.can_send = answer, send, reply_seconds, can_send
        self._recent: OrderedDict[str, _Delivery] = OrderedDict()
        self._background: set[asyncio.Task] = set()

    async def respond(self, understood: Understood, connected: Callable[[], bool],
                      admitted: Awaitable[bool]) -> tuple[str | None, list[str]]:
        """For one request: (the passive reply or None for "success", the messages to send after it). The message
        is handled only once `admitted` says True (the replay guard's verdict on its first request)."""
        key = understood.incoming.message_id
        delivery = self._recent.get(key)
        if delivery is None:
            delivery = _Delivery(asyncio.create_task(self._messages(understood, admitted), name=f"wechat:{key}"))
            self._recent[key] = delivery
            while len(self._recent) > REMEMBERED:
                self._recent.popitem(last=False)
        delivery.attempts += 1
        attempt = delivery.attempts
        await asyncio.wait({delivery.task}, timeout=self.reply_seconds)
        if attempt != delivery.attempts:  # WeChat retried meanwhile: the newer request answers
            return None, []
        if delivery.task.done() and delivery.how != "api" and connected():
            messages = self._result(delivery.task)
            first_time, delivery.how = delivery.how is None, "passive"
            if not messages:
                return None, []
            return messages[0], messages[1:] if first_time else []
        if delivery.how is None:
            delivery.how = "api"
            self.later(self._send_when_ready(understood.incoming.user_id, delivery.task))
        return None, []

    async def _messages(self, understood: Understood, admitted: Awaitable[bool]) -> list[str]:
        if not await admitted:
            return []  # a replay: nothing handled, nothing sent
        outcome = await self._answer(understood)
        messages = render(outcome.replies, understood.heard)
        return messages if self.can_send else shortened(messages)

    @staticmethod
    def _result(task: asyncio.Task) -> list[str]:
        if task.cancelled():
            return []
        if task.exception() is not None:
            log.error("wechat: handling a message failed", exc_info=task.exception())
            return [TROUBLE]
        return task.result()

    async def _send_when_ready(self, open_id: str, task: asyncio.Task) -> None:
        await asyncio.wait({task})
        messages = self._result(task)
        if messages and await self._send(open_id, messages):
            log.info("wechat: a slow answer went out through the customer-service API")

    def later(self, coroutine: Coroutine) -> None:
        """Run `coroutine` in the background, kept until it ends so shutdown can stop it."""
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Stop what is still running: unsent messages are lost, as on any restart."""
        tasks = list(self._background) + [delivery.task for delivery in self._recent.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
