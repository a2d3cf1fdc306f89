"""The work that must run in one process at a time when several `mingbai run` share one PostgreSQL database.

The relay (it sends each adviser's message once, reminds once), each Telegram bot's getUpdates loop and outbox
(Telegram allows one poller per token, and a message must leave once) and their timers run in the leader only.
The leader is the process holding PostgreSQL's session advisory lock `mingbai.leader`, on a connection of its own;
the others try again every RETRY_SECONDS. When the leader dies (kill -9, a lost host), PostgreSQL ends its
session and drops the lock, and the next process to try takes over: its relay finds the events still pending and
its Telegram outbox the rows still unsent, so nothing is lost. A leader that loses its own connection stops its
work at once, as another process may be taking over.

A leader cut off by the network (no kill, no closed socket) must stop before another can start: it checks its
connection every CHECK_SECONDS and stops when a check fails or takes longer than that, so within about 4 s; the
server is told to drop a session whose client stopped answering after about 11 s of TCP keepalives (SERVER_SIDE
below; PostgreSQL's default would be two hours), and only then is the lock free for another process.

On one SQLite file there is one process: it leads from the start.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

LOCK = "mingbai.leader"
RETRY_SECONDS = 2.0  # how often a process that does not lead tries the lock
CHECK_SECONDS = 2.0  # how often the leader checks that its connection (and so its lock) is still there
#: The server drops the leader's session 5 + 3 × 2 = 11 s after its client went silent, freeing the lock
SERVER_SIDE = "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3"

Work = Callable[[], list[Awaitable]]


class Leadership:
    """Runs `work` while this process leads; `url` None (SQLite) leads at once and for good."""

    def __init__(self, url: str | None):
        self.url = url
        self.leading = asyncio.Event()  # set while this process is the leader

    async def lead(self, work: Work) -> None:
        """Forever: wait to lead, run `work()`'s coroutines as tasks while leading, stop them when no longer."""
        if self.url is None:
            self.leading.set()
            await _run_until(work(), asyncio.Event().wait())
            return
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True,
                                                                 options=SERVER_SIDE) as connection:
                    await self._wait_for_lock(connection)
                    log.info("this process leads: the relay and Telegram run here")
                    self.leading.set()
                    await _run_until(work(), _lost(connection))
                    log.warning("leadership lost: the relay and Telegram stop here")
            except psycopg.Error as error:
                log.warning("leadership: the database connection failed (%s); again in %.0f s", error, RETRY_SECONDS)
            finally:
                self.leading.clear()
            await asyncio.sleep(RETRY_SECONDS)

    @staticmethod
    async def _wait_for_lock(connection) -> None:
        while True:
            cursor = await connection.execute("select pg_try_advisory_lock(hashtextextended(%s, 0))", [LOCK])
            if (await cursor.fetchone())[0]:
                return
            await asyncio.sleep(RETRY_SECONDS)


async def _lost(connection) -> None:
    """Returns when the leader's connection, and with it the lock, is gone."""
    import psycopg

    while True:
        await asyncio.sleep(CHECK_SECONDS)
        try:
            async with asyncio.timeout(CHECK_SECONDS):  # not wait_for, which can swallow a cancellation
                await connection.execute("select 1")
        except (psycopg.Error, TimeoutError):
            return


async def _run_until(work: list[Awaitable], stop: Awaitable) -> None:
    """Run the work as tasks until `stop` returns (or this is cancelled), then cancel them and wait for them.
    Gathered, so a cancellation of this coroutine while it waits for them (a shutdown just as leadership was lost)
    still ends it, instead of being taken for one of theirs."""
    tasks = [asyncio.ensure_future(job) for job in work]
    try:
        await stop
    finally:
        for task in tasks:
            task.cancel()
        for task, outcome in zip(tasks, await asyncio.gather(*tasks, return_exceptions=True), strict=True):
            if isinstance(outcome, Exception):
                log.error("leader's work %s failed", task.get_name(), exc_info=outcome)
