"""Delivering what the desk wrote down: adviser replies to villagers, villager messages to advisers.

Events are in SQLite (pending) before the relay touches them, so a crash or a
failed send only delays them. Each event is retried with exponential backoff
and, after `MAX_ATTEMPTS`, marked failed and reported to the advisers. Events
of one case go out in order: a later one waits while an earlier one is
pending. The relay also tells villagers whose case waited too long, whose
place in the queue changed, or whose case an adviser took.

Channels register how to reach a villager (`add_villager_channel`); adviser
surfaces such as the Telegram advisers' group register as `AdviserDesk`s. The
web console reads cases straight from SQLite and needs no registration.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Awaitable, Callable, Protocol

from bot.errors import DeliveryDeferred, DeliveryError, DeliveryFailed
from bot.handoff.desk import TO_ADVISERS, TO_VILLAGER, Case, Event
from bot.messages import Reply
from bot.waiting import set_within

if TYPE_CHECKING:
    from bot.core.relay_port import RelayPort

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 1.0
TICK_SECONDS = 5.0

VillagerSender = Callable[[str, Reply], Awaitable[None]]


class AdviserDesk(Protocol):
    async def deliver(self, case: Case, events: list[Event]) -> None:
        """Show these events of one case to the advisers (in order), or raise DeliveryError."""


class Relay:
    def __init__(self, core: "RelayPort", handoff_timeout: float, clock: Callable[[], float] = time.time):
        self.core = core  # what the relay may ask of the core (`ChatService.relay_port`), nothing more
        self.handoff_timeout = handoff_timeout
        self.clock = clock
        self._villager_channels: dict[str, VillagerSender] = {}
        self._channels_keeping_transcript: set[str] = set()
        self._adviser_desks: list[AdviserDesk] = []
        self._retry_at: dict[int, float] = {}
        self._wake = asyncio.Event()

    def add_villager_channel(self, platform: str, send: VillagerSender, *, keeps_transcript: bool = False) -> None:
        """How to reach villagers on `platform`; unless the channel records what it sends in the
        transcript itself (the web chat does, to keep reloads consistent), the relay records it."""
        self._villager_channels[platform] = send
        if keeps_transcript:
            self._channels_keeping_transcript.add(platform)

    def add_adviser_desk(self, desk: AdviserDesk) -> None:
        self._adviser_desks.append(desk)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled: at once when woken, otherwise every few seconds."""
        while True:
            try:
                await self.run_once()
            except Exception:  # never let one bad event stop every later delivery
                log.exception("relay pass failed")
            await set_within(self._wake, TICK_SECONDS)
            self._wake.clear()

    async def run_once(self) -> None:
        reminded = await self.core.remind_overdue(self.handoff_timeout)
        if reminded:
            log.info("handoff: %d waiting case(s) passed the timeout", reminded)
        await self.core.tell_case_progress()
        await self._deliver_to_villagers()
        await self._deliver_to_advisers()

    # --- villagers -------------------------------------------------------------------------

    async def _deliver_to_villagers(self) -> None:
        blocked_cases: set[int] = set()
        for event in await self.core.pending(TO_VILLAGER):
            if event.case_id in blocked_cases or self._retry_at.get(event.id, 0) > self.clock():
                blocked_cases.add(event.case_id)
                continue
            platform, villager_id, reply = await self.core.villager_delivery(event)
            send = self._villager_channels.get(platform)
            try:
                if send is None:
                    raise DeliveryError(f"no {platform} channel is running")
                await send(villager_id, reply)
            except Exception as error:  # noqa: BLE001 - every failure is recorded and retried
                blocked_cases.add(event.case_id)
                await self._failed(event, error, "villager")
            else:
                await self.core.mark_sent(event.id)
                self._retry_at.pop(event.id, None)
                if platform not in self._channels_keeping_transcript:
                    key = f"{platform}:{villager_id}"
                    await self.core.record_sent(key, reply.text)

    # --- advisers --------------------------------------------------------------------------

    async def _deliver_to_advisers(self) -> None:
        events = await self.core.pending(TO_ADVISERS)
        if not self._adviser_desks:  # the web console reads them from SQLite
            for event in events:
                await self.core.mark_sent(event.id)
            return
        by_case: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            by_case[event.case_id].append(event)
        cases = [await self.core.case(case_id) for case_id in by_case]
        for case in sorted(cases, key=lambda c: not c.urgent):  # urgent cases take the group's budget first
            case_events = by_case[case.id]
            if any(self._retry_at.get(e.id, 0) > self.clock() for e in case_events):
                continue
            try:
                for adviser_desk in self._adviser_desks:
                    await adviser_desk.deliver(case, case_events)
            except DeliveryDeferred as deferred:  # budget spent or a burst still arriving: wait, not a failure
                later = self.clock() + deferred.retry_after
                for event in case_events:
                    self._retry_at[event.id] = later
            except Exception as error:  # noqa: BLE001
                for event in case_events:
                    await self._failed(event, error, "advisers")
            else:
                for event in case_events:
                    await self.core.mark_sent(event.id)

    async def _failed(self, event: Event, error: Exception, audience: str) -> None:
        final = isinstance(error, DeliveryFailed) or event.attempts + 1 >= MAX_ATTEMPTS
        log.warning("handoff: delivery to %s failed for case %d (attempt %d): %s",
                    audience, event.case_id, event.attempts + 1, type(error).__name__)
        await self.core.mark_attempt_failed(event.id, str(error), final)
        if final:
            self._retry_at.pop(event.id, None)
            if audience == "villager":
                note = f"⚠️ 消息未能送达村民（{type(error).__name__}）：{event.text[:60]}"
                await self.core.tell_advisers(event.case_id, note)
        else:
            self._retry_at[event.id] = self.clock() + FIRST_RETRY_SECONDS * 2 ** event.attempts
