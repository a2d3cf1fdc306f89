"""Live delivery to villagers on the web: their open WebSockets, and a queue the poll endpoint drains.

An adviser's message has to reach a villager whose phone connection comes and
goes, so every pushed message goes both to the villager's open sockets and to a
short queue kept for them. Each message carries a sequence number the page
remembers: the socket and the polling fallback may overlap without a message
showing twice, and a page that reconnects asks only for what it missed. The
numbers are given by `WebChat.push`: when the message was written to the
transcript, so they keep growing when the server restarts, and the queue
rebuilt from the transcript at start-up (`restore`) has the same numbers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web

log = logging.getLogger(__name__)

MAX_QUEUED = 50  # per villager; an adviser rarely sends more before the villager is back
KEEP_SECONDS = 24 * 3600  # a villager offline for longer reads it in the history instead


@dataclass
class _Line:
    """One villager's live connection state."""

    sockets: set[web.WebSocketResponse] = field(default_factory=set)
    queue: deque[tuple[int, float, dict]] = field(default_factory=lambda: deque(maxlen=MAX_QUEUED))
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0

    def idle(self) -> bool:
        return not self.sockets and not self.queue and not self.waiting


class LiveLines:
    """Open sockets and queued pushes for every villager, kept in memory on the event loop."""

    def __init__(self) -> None:
        self._lines: dict[str, _Line] = {}
        self._closing = False  # set on shutdown: a long poll then returns at once, and its page asks elsewhere

    def _line(self, user_id: str) -> _Line:
        return self._lines.setdefault(user_id, _Line())

    def _forget_if_idle(self, user_id: str) -> None:
        line = self._lines.get(user_id)
        if line is not None and line.idle():
            del self._lines[user_id]

    def attach(self, user_id: str, socket: web.WebSocketResponse) -> None:
        self._line(user_id).sockets.add(socket)

    def detach(self, user_id: str, socket: web.WebSocketResponse) -> None:
        line = self._lines.get(user_id)
        if line is not None:
            line.sockets.discard(socket)
            self._forget_if_idle(user_id)

    def pending(self, user_id: str, after: int) -> list[dict]:
        line = self._lines.get(user_id)
        if line is None:
            return []
        return [message for seq, _, message in line.queue if seq > after]

    def enqueue(self, user_id: str, reply: dict, seq: int) -> dict:
        """Queue a message under its number and wake the polls waiting for it."""
        self._prune()
        message = {"type": "push", "seq": seq, "reply": reply}
        line = self._line(user_id)
        line.queue.append((seq, time.monotonic(), message))
        line.changed.set()
        line.changed = asyncio.Event()
        return message

    def restore(self, user_id: str, reply: dict, seq: int, queued_at: float) -> None:
        """Put back a message queued before a restart (`queued_at` on this process's monotonic clock)."""
        message = {"type": "push", "seq": seq, "reply": reply}
        self._line(user_id).queue.append((seq, queued_at, message))

    def forget(self, user_id: str) -> None:
        """/forget: drop what is queued for this villager; their open pages stay connected."""
        line = self._lines.get(user_id)
        if line is not None:
            line.queue.clear()
            self._forget_if_idle(user_id)

    async def send(self, user_id: str, message: dict) -> int:
        """Send to every open socket of this villager; returns how many took it."""
        line = self._lines.get(user_id)
        delivered = 0
        for socket in list(line.sockets if line else ()):
            try:
                await socket.send_json(message)
                delivered += 1
            except (ConnectionError, RuntimeError):  # closing under us: the queue still holds it
                log.debug("web push: a socket was closing")
        return delivered

    async def wait(self, user_id: str, after: int, timeout: float) -> list[dict]:
        """What is queued after `after`, waiting up to `timeout` seconds for something to arrive (long poll)."""
        found = self.pending(user_id, after)
        if found or timeout <= 0 or self._closing:
            return found
        line = self._line(user_id)
        line.waiting += 1
        try:
            async with asyncio.timeout(timeout):
                await line.changed.wait()
        except TimeoutError:
            pass
        finally:
            line.waiting -= 1
            self._forget_if_idle(user_id)
        return self.pending(user_id, after)

    def _prune(self) -> None:
        cutoff = time.monotonic() - KEEP_SECONDS
        for user_id, line in list(self._lines.items()):
            while line.queue and line.queue[0][1] < cutoff:
                line.queue.popleft()
            self._forget_if_idle(user_id)

    async def close(self) -> None:
        """Close every socket and end every long poll on shutdown, so the server does not wait for phones to hang
        up (a poll that arrives later returns at once too)."""
        self._closing = True
        for line in list(self._lines.values()):
            for socket in list(line.sockets):
                await socket.close(code=1001, message=b"server shutdown")
            line.changed.set()
