"""The Telegram outbox: every message to a villager is a row in SQLite (`bot.storage.telegram`) before anything is sent.

PTB sends a message once and forgets it on failure: a 5xx is never retried, a 429 only as often as the rate
limiter allows, and a crash between the core's decision and the send loses the reply (engineering notes §9).
Here the villager channel writes an answer's messages (`to_calls`) in the same transaction as the core's
decision (`ChatService.handle(record=...)`), and the relay's adviser messages are written here too. `Sender`
then delivers them:

- one task per chat with rows, oldest row first, so one chat's messages keep their order while other chats
  go on;
- a row is deleted in the worker call right after Telegram accepted it, so no text or chat id is kept once sent;
- a 429 is retried after its retry_after; a 5xx, a refused connection, a timeout or a dropped connection with
  exponential backoff (FIRST_RETRY doubling up to MAX_BACKOFF), for up to MAX_AGE;
- a 403 (the villager blocked the bot), a 400 and other refusals are final: the row is dropped, logged without
  its text, and `on_undeliverable` tells the advisers when the villager has an open case.

Duplicates, honestly: Telegram has no idempotency key. When Telegram answered (with any status) or no connection
was made, we know whether the message went out, and retrying cannot duplicate it. When the request was sent but
the answer was lost (a read or write timeout, a connection dropped mid-request), it may or may not have arrived.
It is retried anyway (a missing answer hurts a villager more than a repeated one), but at most UNCERTAIN_RETRIES
times: such a loss can show that one message twice (UNCERTAIN_RETRIES + 1 times at worst). A crash in the instant
between Telegram's answer and the row's deletion also sends that one message again after the restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time

import httpx
from telegram import InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram.format import MEDIA_KINDS, to_calls
from bot.waiting import set_within

log = logging.getLogger(__name__)
FIRST_RETRY = 0.25  # seconds before the first retry; doubled after each failure
MAX_BACKOFF = 30.0
MAX_AGE = 86400.0  # a message still undelivered after a day is given up
UNCERTAIN_RETRIES = 2  # retries after failures that leave open whether the message arrived
STOP_GRACE = 5.0  # seconds a stop waits for messages being sent
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
RETRY, UNCERTAIN, FINAL = "retry", "uncertain", "final"
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)  # the request never reached Telegram


def classify(error: BaseException) -> str:
    """RETRY when the message surely did not arrive and may later, UNCERTAIN when it may have arrived, else FINAL."""
    if isinstance(error, RetryAfter):
        return RETRY
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):  # includes TimedOut
        cause = error.__cause__  # PTB raises a 5xx without one, a network failure from the httpx error
        return RETRY if cause is None or isinstance(cause, NEVER_SENT) else UNCERTAIN
    return FINAL


def retry_after_seconds(error: RetryAfter) -> float:
    """Telegram's wait in seconds: a timedelta (bot/channels/telegram/__init__.py opts in), or the int PTB 22
    still gives when PTB_TIMEDELTA was set to false outside mingbai."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def backoff(failures: int) -> float:
    return min(MAX_BACKOFF, FIRST_RETRY * 2 ** max(0, failures - 1))


def worth_logging(failures: int) -> bool:
    """The 1st, 2nd, 4th, 8th... failure in a row: an outage shows in the log without a line every few seconds."""
    return failures & (failures - 1) == 0


class Sender:
    """Delivers the outbox (the store's `telegram_outbox`, a `bot.storage.telegram.TelegramOutbox`): one task
    per chat with rows, started by `wake(chat)` once rows are committed."""

    def __init__(self, bot, service, outbox, on_undeliverable=None, clock=time.time):
        self.bot, self.service, self.outbox, self.clock = bot, service, outbox, clock
        self.on_undeliverable = on_undeliverable  # async (row, error): a message that will never arrive
        self.running = False
        self._tasks: dict[int, asyncio.Task] = {}
        self._again: set[int] = set()  # chats woken while their task was already running
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Begin delivering, first what an earlier run left in the outbox."""
        self.running = True
        self._stopping.clear()
        for chat in await self.service.call(self.outbox.chats):
            self.wake(chat)

    def wake(self, chat_id: int) -> None:
        if not self.running:
            return  # the rows wait in SQLite for start()
        if chat_id in self._tasks:
            self._again.add(chat_id)
        else:
            self._tasks[chat_id] = asyncio.create_task(self._drain(chat_id), name=f"telegram-send-{chat_id}")

    async def stop(self) -> None:
        """Finish the messages that are due (for up to STOP_GRACE); those waiting for a retry stay for next time."""
        self.running = False
        self._stopping.set()
        tasks = list(self._tasks.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _drain(self, chat_id: int) -> None:
        try:
            while True:
                self._again.discard(chat_id)
                row = await self.service.call_first(self.outbox.next_row, chat_id)
                if row is None:
                    if chat_id in self._again:
                        continue
                    return
                wait = row["next_try_at"] - self.clock()
                if wait > 0:
                    if self._stopping.is_set():
                        return
                    await set_within(self._stopping, wait)
                    continue
                await self._attempt(row)
        except Exception as error:  # noqa: BLE001 - e.g. SQLite failing: the rows stay, and are tried again soon
            log.error("Telegram chat %s: sending interrupted (%s)", chat_id, type(error).__name__)
            asyncio.get_running_loop().call_later(MAX_BACKOFF, self.wake, chat_id)
        finally:
            self._tasks.pop(chat_id, None)

    async def _attempt(self, row: dict) -> None:
        try:
            await perform(self.bot, row["chat_id"], row["thread_id"], json.loads(row["payload"]))
        except Exception as error:  # noqa: BLE001 - every failure is classified below
            await self._failed(row, error)
        else:  # until this is written a crash would send it again, so it goes ahead of the core's queue
            await self.service.call_first(self.outbox.remove, row["id"])

    async def _failed(self, row: dict, error: Exception) -> None:
        verdict, attempts, name = classify(error), row["attempts"] + 1, type(error).__name__
        too_old = self.clock() - row["created_at"] > MAX_AGE
        if too_old or (verdict == UNCERTAIN and row["uncertain"] >= UNCERTAIN_RETRIES):
            verdict = FINAL
        if verdict == FINAL:
            log.warning("Telegram chat %s: message %s not delivered after %d attempt(s) (%s); given up",
                        row["chat_id"], row["id"], attempts, name, exc_info=None if isinstance(error, TelegramError)
                        else error)
            await self.service.call(self.outbox.remove, row["id"])
            if self.on_undeliverable is not None:
                await self.on_undeliverable(row, error)
            return
        wait = retry_after_seconds(error) if isinstance(error, RetryAfter) else backoff(attempts)
        if worth_logging(attempts):
            log.warning("Telegram chat %s: message %s failed %d time(s) (%s%s); next try in %.1fs", row["chat_id"],
                        row["id"], attempts, name, ", it may have arrived" if verdict == UNCERTAIN else "", wait)
        await self.service.call(self.outbox.postpone, row["id"], self.clock() + wait, verdict == UNCERTAIN)


async def perform(bot, chat_id: int, thread_id: int | None, call: dict):
    """One stored call (`to_calls`) made for real; returns Telegram's Message."""
    markup = InlineKeyboardMarkup.de_json(call["keyboard"], bot) if call.get("keyboard") else None
    if call["kind"] == "text":
        return await bot.send_message(chat_id, call["html"], parse_mode="HTML", reply_markup=markup,
                                      link_preview_options=NO_PREVIEW, message_thread_id=thread_id)
    if call["kind"] not in MEDIA_KINDS:
        raise ValueError(f"outbox call of unknown kind {call['kind']!r}")
    return await getattr(bot, f"send_{call['kind']}")(chat_id, call["file_id"], caption=call["html"], parse_mode="HTML",
                                                      reply_markup=markup, message_thread_id=thread_id)


async def send_outcome(bot, chat_id: int, outcome, thread: int | None = None) -> None:
    """Send an outcome at once, bypassing the outbox (no retries): for tools and tests of the formatting."""
    for call in to_calls(outcome.replies):
        await perform(bot, chat_id, thread, call)
