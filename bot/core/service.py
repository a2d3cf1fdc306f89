"""The async front of the conversation core, shared by every channel.

The core blocks (SQLite, matching), so each message is handled on one worker
thread: the event loop stays free for other chats, SQLite sees one writer,
and messages are handled in the order they arrive. A message redelivered by
its platform (same platform and message id) is answered once only.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from bot.core.conversation import Conversation
from bot.core.messages import Incoming, Outcome
from bot.flows.engine import Flows
from bot.places import Places
from bot.settings import Settings
from bot.storage.store import Store
from intents.faq_loader import FaqError, read_faq
from intents.matcher import Matcher

log = logging.getLogger(__name__)
RETENTION_DAYS = 180


def _fatal(problems) -> None:
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        raise FaqError(errors)


class ChatService:
    """Owns the FAQ, the matcher, the store and the worker thread; channels call `handle`."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.store = conversation.store
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mingbai-core")

    @classmethod
    def open(cls, settings: Settings) -> "ChatService":
        faq = read_faq(settings.faq_dir)
        flows, flow_problems = Flows.load(settings.faq_dir / "flows")
        _fatal(flow_problems)
        places, place_problems = Places.load(settings.faq_dir / "places.yaml")
        _fatal(place_problems)
        store = Store(settings.database)
        removed = store.purge_older_than(RETENTION_DAYS)
        if removed:
            log.info("privacy: deleted %d records older than %d days", removed, RETENTION_DAYS)
        conversation = Conversation(faq, Matcher(faq), store, flows, places, retention_days=RETENTION_DAYS)
        return cls(conversation)

    async def handle(self, incoming: Incoming) -> Outcome:
        return await asyncio.get_running_loop().run_in_executor(self._worker, self._handle_once, incoming)

    def _handle_once(self, incoming: Incoming) -> Outcome:
        if incoming.message_id and not self.store.first_time(f"{incoming.platform}:{incoming.message_id}"):
            log.info("duplicate %s message ignored", incoming.platform)
            return Outcome(())
        return self.conversation.handle(incoming)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._worker, self.store.close)
        self._worker.shutdown(wait=True)
