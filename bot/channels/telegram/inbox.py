"""Receiving Telegram updates so that a crash loses none: the inbox, our own getUpdates loop, start-up retries.

Telegram forgets an update once getUpdates is called with a higher offset, and PTB's Updater asks for the next
batch as soon as it has queued one, so a kill -9 loses every update fetched but not yet answered (engineering
notes §9). So the channel builds its Application without an Updater, and:

- each batch goes into SQLite (`telegram_inbox`, `bot.storage.telegram.TelegramInbox`, one transaction) before the next getUpdates confirms it; the
  webhook route likewise answers Telegram only after the write (`webhook`);
- an update is marked done, and its text dropped, once the Application has finished with it (`ChatOrder`);
- on start, the updates stored but not done are handled first;
- an update handed out again (not yet confirmed before a crash, a webhook retry) is in the inbox already and is
  not queued twice; one handled but not marked done before a crash is handled again, and the core's dedupe on
  its message id (whose mark commits together with the replies in the outbox) keeps it from being answered twice.

The offset is not stored: after a restart getUpdates starts at Telegram's oldest unconfirmed update, which the
inbox recognises; a stored offset would leave the bot deaf when Telegram restarts its update ids (it does after a
week without updates). Failures in the loop (network, 5xx, 429, a conflict) are waited out with backoff: the loop
never ends by itself. Start-up calls are retried the same way until Telegram answers; only a refusal (such as a
rejected token) stops the channel.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import Application

from bot.channels.telegram.outbox import Sender, backoff, retry_after_seconds, worth_logging

log = logging.getLogger(__name__)
PARTS = "mingbai.telegram"  # key of the channel's parts in application.bot_data


@dataclass
class TelegramParts:
    """What the channel's pieces share; the webhook route and the relay's sender find it on the Application."""

    service: object  # bot.core.service.ChatService
    inbox: object  # bot.storage.telegram.TelegramInbox, the store's telegram_inbox
    outbox: object  # bot.storage.telegram.TelegramOutbox, the store's telegram_outbox
    sender: Sender
    bot: str = ""  # which bot: '' the default (TELEGRAM_BOT_TOKEN), else the county whose own bot this is
    #: ids of the updates on this process's queue and not yet handled, so none is queued twice
    queued: set[int] = field(default_factory=set)


async def enqueue(application: Application, update: Update) -> None:
    """Hand a stored update to the Application, unless it is already waiting on its queue."""
    queued = parts(application).queued
    if update.update_id not in queued:
        queued.add(update.update_id)
        await application.update_queue.put(update)


def handled(application: Application, update_id: int) -> None:
    """The Application is done with an update (its replies are in the outbox)."""
    parts(application).queued.discard(update_id)


def parts(application: Application) -> TelegramParts:
    return application.bot_data[PARTS]


def transient(error: BaseException) -> bool:
    """A failure that waiting can cure: a 429, a 5xx, a network failure or timeout (not a refusal such as 400)."""
    return isinstance(error, RetryAfter) or (isinstance(error, NetworkError) and not isinstance(error, BadRequest))


def _wait(error: BaseException, failures: int) -> float:
    return retry_after_seconds(error) if isinstance(error, RetryAfter) else backoff(failures)


async def until_reachable(what: str, call):
    """`await call()` until Telegram answers it, waiting longer after each transient failure (never giving up)."""
    failures = 0
    while True:
        try:
            result = await call()
        except Exception as error:
            if not transient(error):
                raise
            failures += 1
            if worth_logging(failures):
                log.warning("Telegram %s failed %d time(s) (%s); retrying in %.1fs", what, failures,
                            type(error).__name__, _wait(error, failures))
            await asyncio.sleep(_wait(error, failures))
            continue
        if failures:
            log.info("Telegram %s succeeded after %d failure(s)", what, failures)
        return result


async def requeue(application: Application) -> int:
    """Queue the updates stored but not handled, oldest first, that are not on the queue already: at start, those
    an earlier run left; later, those another process's webhook route stored (several processes on one
    PostgreSQL, where this one leads). Returns how many were queued."""
    shared = parts(application)
    raws = [raw for raw in await shared.service.call(shared.inbox.pending) if raw["update_id"] not in shared.queued]
    for raw in raws:
        await enqueue(application, Update.de_json(raw, application.bot))
    if raws:
        log.info("Telegram: %d stored update(s) queued", len(raws))
    return len(raws)


def poll_grace(timeout: float) -> float:
    """How much longer than its long-poll timeout a getUpdates may take before the connection counts as stalled."""
    return max(2.0, timeout / 3)


async def poll(application: Application, *, timeout: float, allowed_updates: list[str]) -> None:
    """Fetch updates until cancelled; each batch is in the inbox before the next call confirms it."""
    shared, offset, failures = parts(application), None, 0
    while True:
        try:
            updates = await application.bot.get_updates(offset=offset, timeout=timeout, allowed_updates=allowed_updates,
                                                        read_timeout=poll_grace(timeout))
            fresh = set(await shared.service.call(shared.inbox.store, [update.to_dict() for update in updates]))
        except Exception as error:  # noqa: BLE001 - the loop must outlive every failure; nothing was confirmed
            failures += 1
            if worth_logging(failures):
                level = logging.WARNING if transient(error) else logging.ERROR
                log.log(level, "Telegram getUpdates failed %d time(s) in a row (%s); next try in %.1fs", failures,
                        type(error).__name__, _wait(error, failures))
            await asyncio.sleep(_wait(error, failures))
            continue
        if failures:
            log.info("Telegram getUpdates works again after %d failure(s)", failures)
            failures = 0
        if updates:
            offset = max(update.update_id for update in updates) + 1
        for update in updates:
            if update.update_id in fresh:
                await enqueue(application, update)
