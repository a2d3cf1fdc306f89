"""Notices between the `mingbai run` processes that share one PostgreSQL database (LISTEN/NOTIFY).

A process that writes something another process must act on at once (an adviser's reply for a villager whose page
is open on another process, an event the relay must deliver, a /forget) sends a notice from inside the writing
transaction (`store.notify(kind, payload)`); PostgreSQL hands it to every listening process when that transaction
commits, and never when it rolls back. Payloads are ids, never a villager's words: they cross the network, and a
notice holds 8000 bytes at most. A process ignores its own notices (it has acted already).

One SQLite file has one process: there is nothing to listen to, and `start` does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections import defaultdict
from typing import Callable

from bot.waiting import set_within

log = logging.getLogger(__name__)

CHANNEL = "mingbai"  # one PostgreSQL channel; the kind of notice is in its text
RETRY_SECONDS = 2.0  # after the listening connection is lost


def notice_text(origin: str, kind: str, payload: str) -> str:
    """What travels: the sending process, the kind, the payload (ids)."""
    return f"{origin} {kind} {payload}"


class Notices:
    """This process's listener: handlers by kind, called on the event loop with the payload of each notice another
    process sent."""

    def __init__(self, url: str | None, origin: str):
        self.url, self.origin = url, origin
        self._handlers: dict[str, list[Callable]] = defaultdict(list)
        self._task: asyncio.Task | None = None
        self._handling: set[asyncio.Future] = set()  # handlers' tasks, kept until they end
        self.listening = asyncio.Event()  # set while the listening connection is up (tests wait for it)

    def subscribe(self, kind: str, handler: Callable[[str], object]) -> None:
        """Call `handler(payload)` for every notice of `kind` from another process (a coroutine is run as a task)."""
        self._handlers[kind].append(handler)

    async def start(self) -> None:
        if self.url and self._task is None:
            self._task = asyncio.create_task(self._listen(), name="notices")
            await set_within(self.listening, 10)  # no server yet: the task keeps trying

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as connection:
                    await connection.execute(f"listen {CHANNEL}")
                    self.listening.set()
                    async for notice in connection.notifies():
                        self._dispatch(notice.payload)
            except psycopg.Error as error:
                self.listening.clear()
                log.warning("notices: the listening connection failed (%s); again in %.0f s", error, RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    def _dispatch(self, text: str) -> None:
        origin, kind, payload = (text.split(" ", 2) + ["", ""])[:3]
        if origin == self.origin:
            return
        for handler in self._handlers.get(kind, ()):
            try:
                result = handler(payload)
                if inspect.isawaitable(result):
                    future = asyncio.ensure_future(result)
                    self._handling.add(future)
                    future.add_done_callback(self._handling.discard)
            except Exception:  # noqa: BLE001 - one handler's bug must not stop the notices of the others
                log.exception("notices: the handler of %r failed", kind)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
