"""What the relay may ask of the core, and nothing more: the narrow seam between bot/handoff/relay.py and
ChatService (httpx's one-method transport is the model).

Each method runs its step on the core's worker thread, between two villagers' messages, as every write does;
the relay holds a `RelayPort` and never reaches through the service to the conversation, the desk or the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handoff.desk import TO_ADVISERS, Case, Event
from bot.messages import Reply

if TYPE_CHECKING:
    from bot.core.service import ChatService


class RelayPort:
    def __init__(self, service: "ChatService"):
        self._call = service.call
        self._conversation = service.conversation
        self._desk = service.conversation.desk
        self._store = service.store

    async def remind_overdue(self, older_than: float) -> int:
        """Tell villagers and advisers about cases waiting longer than `older_than` seconds; how many there were."""
        return await self._call(self._conversation.remind_overdue, older_than)

    async def tell_case_progress(self) -> int:
        return await self._call(self._conversation.tell_case_progress)

    async def pending(self, destination: str) -> list[Event]:
        return await self._call(self._desk.pending, destination)

    async def case(self, case_id: int) -> Case:
        return await self._call(self._desk.case, case_id)

    async def villager_delivery(self, event: Event) -> tuple[str, str, Reply]:
        """(platform, villager id, reply) for an event the villager must get."""
        return await self._call(self._conversation.villager_delivery, event)

    async def mark_sent(self, event_id: int) -> None:
        await self._call(self._desk.mark_sent, event_id)

    async def record_sent(self, user_key: str, text: str) -> None:
        """The transcript's copy of what a channel that keeps none sent the villager."""
        await self._call(self._store.log_message, user_key, "out", text)

    async def mark_attempt_failed(self, event_id: int, error: str, final: bool) -> None:
        await self._call(self._desk.mark_attempt_failed, event_id, error, final)

    async def tell_advisers(self, case_id: int, note: str) -> None:
        """A system line in the case for the advisers (a message that could not reach the villager)."""
        await self._call(self._desk.system_message, case_id, note, TO_ADVISERS)
