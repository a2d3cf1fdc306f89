"""The async front of the conversation core, shared by every channel.

The core blocks (SQLite, matching), so each message is handled on one worker
thread: the event loop stays free for other chats, SQLite sees one writer,
and messages are handled in the order they arrive. A message redelivered by
its platform (same platform and message id) is answered once only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.core.conversation import Conversation
from bot.core.messages import Incoming, Outcome
from bot.flows.engine import Flows
from bot.handoff.desk import HandoffDesk
from bot.handoff.hours import OfficeHours
from bot.places import Places
from bot.settings import Settings
from bot.storage.store import Store
from intents.faq_loader import FaqError, load_faq
from intents.matcher import Matcher

log = logging.getLogger(__name__)
RETENTION_DAYS = 180


def _errors(problems) -> list:
    return [problem for problem in problems if problem.severity == "error"]


def load_content(faq_dir: Path) -> tuple[tuple | None, list]:
    """FAQ, matcher, flows and places from `faq_dir`, or None and every problem when any file is broken."""
    faq, problems = load_faq(faq_dir)
    flows, flow_problems = Flows.load(faq_dir / "flows")
    places, place_problems = Places.load(faq_dir / "places.yaml")
    problems = problems + flow_problems + place_problems
    if _errors(problems):
        return None, problems
    return (faq, Matcher(faq), flows, places), problems


class ChatService:
    """Owns the FAQ, the matcher, the store and the worker thread; channels call `handle`."""

    def __init__(self, conversation: Conversation, faq_dir: Path):
        self.conversation = conversation
        self.settings_faq_dir = faq_dir
        self.store = conversation.store
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mingbai-core")
        self.effect_listeners: list = []  # called with each Outcome that has effects (e.g. the relay's wake)

    @classmethod
    def open(cls, settings: Settings, clock=time.time) -> "ChatService":
        """Everything the core needs, from settings; `clock` is injectable so tests can jump in time."""
        content, problems = load_content(settings.faq_dir)
        if content is None:
            raise FaqError(_errors(problems))
        faq, matcher, flows, places = content
        store = Store(settings.database)
        removed = store.purge_older_than(RETENTION_DAYS)
        if removed:
            log.info("privacy: deleted %d records older than %d days", removed, RETENTION_DAYS)
        desk = HandoffDesk(store.db, clock)
        conversation = Conversation(faq, matcher, store, flows, places, desk, retention_days=RETENTION_DAYS,
                                    hours=OfficeHours.parse(settings.office_hours))
        return cls(conversation, settings.faq_dir)

    async def handle(self, incoming: Incoming) -> Outcome:
        outcome = await asyncio.get_running_loop().run_in_executor(self._worker, self._handle_once, incoming)
        if outcome.effects:
            for listener in self.effect_listeners:
                listener(outcome)
        return outcome

    def _handle_once(self, incoming: Incoming) -> Outcome:
        if incoming.message_id and not self.store.first_time(f"{incoming.platform}:{incoming.message_id}", incoming.user_key):
            log.info("duplicate %s message ignored", incoming.platform)
            return Outcome(())
        return self.conversation.handle(incoming)

    def submit(self, function, *args) -> asyncio.Future:
        """Queue a blocking function (store or desk work) on the core's worker thread, in order with messages."""
        return asyncio.get_running_loop().run_in_executor(self._worker, function, *args)

    async def call(self, function, *args):
        return await self.submit(function, *args)

    async def reload_faq(self) -> list:
        """Swap in the FAQ files as they are now, only if they all validate; returns the problems found.

        The new matcher is built on a spare thread while the old FAQ keeps answering; the swap itself
        runs on the worker, between two messages.
        """
        content, problems = await asyncio.to_thread(load_content, self.settings_faq_dir)
        if content is None:
            log.warning("FAQ reload refused: %d problem(s); the previous FAQ keeps serving", len(_errors(problems)))
            return problems
        await self.call(self.conversation.replace_content, *content)
        log.info("FAQ reloaded: %d intents", len(content[0]))
        return problems

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._worker, self.store.close)
        self._worker.shutdown(wait=True)
