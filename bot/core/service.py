"""The async front of the conversation core, shared by every channel.

The core blocks (SQLite, matching), so each message is handled on one worker
thread: the event loop stays free for other chats, SQLite sees one writer,
and messages are handled in the order they arrive (only short urgent
bookkeeping, such as noting that a Telegram message went out, goes first).
Fragments typed in a burst wait a moment for the rest and are answered once
(`bot.core.bursts`). A message redelivered by its platform (same platform and message id) is
answered once only; a channel with an outbox (Telegram) writes the replies
in the same transaction as that dedupe mark, so a crash can neither lose
them nor have the message handled a second time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import queue
import threading
import time
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Awaitable, Callable

from bot.content.folder import errors_of, load_content
from bot.content.site import Site
from bot.content.templates import Templates
from bot.core.bursts import Bursts
from bot.core.conversation import Conversation
from bot.core.relay_port import RelayPort
from bot.errors import StorageUnavailable
from bot.handoff.desk import HandoffDesk
from bot.handoff.hours import OfficeHours
from bot.messages import Button, Incoming, Outcome, Reply
from bot.settings import RETENTION_DAYS, Settings
from bot.storage import FORGET_NOTICE, PUSH_NOTICE, Notices, Store
from intents.faq_loader import FaqError

log = logging.getLogger(__name__)
MAX_NOTICE_BYTES = 7000  # PostgreSQL carries 8000 bytes a notice


class CoreWorker(Executor):
    """The core's one thread: jobs run one at a time in the order submitted, except that urgent ones go ahead of
    those still waiting (never of the one running). Recording that a Telegram message went out is such a job:
    until it is written, a crash would send the message again, so it must not queue behind a burst of messages."""

    def __init__(self, name: str = "mingbai-core"):
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()  # keeps equal priorities in submission order
        self._closed = False
        # a daemon, so that a service nobody closed (a test that failed half-way) cannot keep Python from exiting
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._put(1, fn, args, kwargs)

    def submit_urgent(self, fn, /, *args) -> Future:
        return self._put(0, fn, args, {})

    def _put(self, priority: int, fn, args, kwargs) -> Future:
        if self._closed:
            raise RuntimeError("cannot schedule new work after shutdown")
        future: Future = Future()
        self._jobs.put((priority, next(self._order), future, fn, args, kwargs))
        return future

    def _run(self) -> None:
        while True:
            _, _, future, fn, args, kwargs = self._jobs.get()
            if future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - handed to whoever awaits the job
                future.set_exception(error)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop after the jobs already submitted."""
        self._closed = True
        self._jobs.put((2, next(self._order), None, None, (), {}))
        if wait:
            self._thread.join()


@dataclasses.dataclass(frozen=True)
class _Arrival:
    """What became of a message on the worker: `number` counts arrivals (None for a duplicate); `outcome` is
    None while it waits, stored as a fragment, for the rest of its burst."""

    number: int | None
    outcome: Outcome | None


def _dedupe_key(incoming: Incoming) -> str | None:
    """The platform's own id of the message (a redelivery has the same), or None when it gives none."""
    return f"{incoming.platform}:{incoming.message_id}" if incoming.message_id else None


def _replies_json(outcome: Outcome) -> str:
    """An answer's replies as they are kept with the message's dedupe mark (`_replies` reads them back)."""
    return json.dumps([{"text": reply.text, "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons],
                        "media_kind": reply.media_kind, "media_ref": reply.media_ref} for reply in outcome.replies],
                      ensure_ascii=False)


def _replies(kept: str | None) -> tuple[Reply, ...]:
    return tuple(Reply(reply["text"], tuple(tuple(Button(label, action) for label, action in row)
                                            for row in reply["buttons"]), reply["media_kind"], reply["media_ref"])
                 for reply in json.loads(kept or "[]"))


def _read_as_one(incoming: Incoming, parts: list[str]) -> Incoming:
    """The fragments of a burst as one typed message from the same villager."""
    return dataclasses.replace(incoming, text="\n".join(parts), action=None, content="text", media=None,
                               message_id=None, parts=tuple(parts))


class ChatService:
    """Owns the FAQ, the matcher, the store and the worker thread; channels call `handle`."""

    def __init__(self, conversation: Conversation, faq_dir: Path, templates: Templates, burst_seconds: float = 0.0,
                 site: Site | None = None, database_url: str = ""):
        self.conversation = conversation
        self.settings_faq_dir = faq_dir
        # the advisers' canned replies: one copy for the Telegram group and the console, swapped by reload_faq
        self.templates = templates
        self.site = site or Site()  # who runs the service (faq/site.yaml), swapped by reload_faq too
        self.store = conversation.store
        self._worker = CoreWorker()
        self._arrivals = itertools.count(1)  # numbered on the worker thread, so in the order messages are stored
        self.bursts = Bursts(burst_seconds)
        self.effect_listeners: list = []  # called with each Outcome that has effects (e.g. the relay's wake)
        #: what other processes on the same PostgreSQL tell this one (started by `mingbai run`)
        self.notices = Notices(database_url or None, self.store.origin)

    @classmethod
    def open(cls, settings: Settings, clock=time.time) -> "ChatService":
        """Everything the core needs, from settings; `clock` is injectable so tests can jump in time."""
        content, problems = load_content(settings.faq_dir)
        if content is None:
            raise FaqError(errors_of(problems))
        store = Store(settings.database)
        removed = store.purge_older_than(RETENTION_DAYS)
        if removed:
            log.info("privacy: deleted %d records older than %d days", removed, RETENTION_DAYS)
        desk = HandoffDesk(store.cases, clock)
        hours = OfficeHours.parse(settings.office_hours, settings.timezone)
        conversation = Conversation(content.faq, content.matcher, store, content.flows, content.places, desk,
                                    retention_days=RETENTION_DAYS, hours=hours, today=hours.today,
                                    counties=content.counties)
        return cls(conversation, settings.faq_dir, content.templates, settings.burst_seconds, content.site,
                   settings.database_url)

    async def handle(self, incoming: Incoming, record: Callable[[Outcome], None] | None = None,
                     received: Callable[[], None] | None = None, answer_again: bool = False) -> Outcome:
        """The core's answer to `incoming`: empty for a fragment whose burst a later message answers. `record`,
        if given, is called with the answer on the worker thread inside the transaction that keeps it (a
        channel's outbox writes what it will send). `received`, if given, is called as soon as the message is
        queued on the worker, in order: a channel that passes a villager's messages one at a time passes the
        next one then, rather than after the answer, so a burst can be read together. A message answered
        before gets nothing, or with `answer_again` the answer kept with its dedupe mark: for a channel whose
        platform retries where the first answer may never have arrived (a page, WeChat; not Telegram, whose
        outbox holds the replies), for instance on another process after the first one died."""
        loop = asyncio.get_running_loop()
        arriving = loop.run_in_executor(self._worker, self._arrive, incoming, record, answer_again)
        if received is not None:
            received()
        arrival = await arriving
        outcome = arrival.outcome
        if arrival.number is not None:
            self.bursts.arrived(incoming.user_key, arrival.number, waits=outcome is None)
        if outcome is None:
            if not await self.bursts.last_of_burst(incoming.user_key, arrival.number):
                return Outcome(())
            outcome = await loop.run_in_executor(self._worker, self._answer_burst, incoming, record)
        if outcome.effects:
            for listener in self.effect_listeners:
                listener(outcome)
        return outcome

    def _arrive(self, incoming: Incoming, record: Callable[[Outcome], None] | None, answer_again: bool) -> _Arrival:
        """Claim a message (a redelivery is answered once), then keep it as a fragment of a burst or handle it
        now, with the fragments before it. The dedupe mark, the fragment or the core's changes (state,
        transcript, cases) and what `record` writes commit together or not at all: after a crash a redelivered
        message is new (nothing of it was kept), a fragment still waiting, or answered, its replies in the outbox."""
        number = next(self._arrivals)
        try:
            with self.store.transaction():
                self.store.lock_villager(incoming.user_key)  # another process may have their previous message
                key = _dedupe_key(incoming)
                if key and not self.store.claim_message(key, incoming.user_key):
                    if self.store.fragment_waiting(key):  # stored, then the process stopped: wait for more again
                        return _Arrival(number, None)
                    log.info("duplicate %s message ignored", incoming.platform)
                    return _Arrival(None, Outcome(_replies(self.store.kept_answer(key) if answer_again else None)))
                earlier = self.store.fragments(incoming.user_key)
                if self.bursts.window > 0 and self.conversation.may_wait(incoming, earlier):
                    self.store.add_fragment(incoming.user_key, incoming.text.strip(), key)
                    return _Arrival(number, None)
                outcome = self._with_fragments(incoming)
                if key:
                    self.store.keep_answer(key, _replies_json(outcome))
                if record is not None:
                    record(outcome)
                return _Arrival(number, outcome)
        except StorageUnavailable as error:  # disk full, file unwritable, locked past the timeout
            log.error("storage failed (%s); answering without saving", error)
            return _Arrival(number, self.conversation.answer_without_storage(incoming))

    def _with_fragments(self, incoming: Incoming) -> Outcome:
        """A message that does not wait, with the fragments typed just before it: typed text (an emergency) is
        read together with them; a button, a command or a photo comes after their answer."""
        earlier = self.store.take_fragments(incoming.user_key)
        if not earlier:
            return self.conversation.handle(incoming)
        message = (incoming.text or "").strip()
        if incoming.content == "text" and not incoming.action and message and not message.startswith("/"):
            return self.conversation.handle(_read_as_one(incoming, earlier + [message]))
        first = self.conversation.handle(_read_as_one(incoming, earlier))
        then = self.conversation.handle(incoming)
        return Outcome(first.replies + then.replies, first.effects + then.effects)

    def _answer_burst(self, incoming: Incoming, record: Callable[[Outcome], None] | None) -> Outcome:
        """The window closed after `incoming`: answer every fragment waiting, as one message (nothing, when a
        message in between took them, or the villager used /forget, or a newer fragment is waiting: it reached
        another process on the same database, whose window answers the burst)."""
        key = _dedupe_key(incoming)
        try:
            with self.store.transaction():
                self.store.lock_villager(incoming.user_key)
                if key and self.store.newest_fragment_key(incoming.user_key) not in (key, None):
                    return Outcome(())
                parts = self.store.take_fragments(incoming.user_key)
                if not parts:
                    return Outcome(())
                outcome = self.conversation.handle(_read_as_one(incoming, parts))
                if key:
                    self.store.keep_answer(key, _replies_json(outcome))
                if record is not None:
                    record(outcome)
                return outcome
        except StorageUnavailable as error:
            log.error("storage failed (%s); answering without saving", error)
            return self.conversation.answer_without_storage(incoming)

    async def recent_answers(self, user_key: str, limit: int) -> list[tuple[Reply, ...]]:
        """The villager's last `limit` answers still kept (see `handle`'s `answer_again`), oldest first: what a channel that
        redraws a conversation needs of the buttons the transcript does not keep."""
        kept = await self.call(self.store.kept_answers, user_key, limit)
        return [_replies(answer) for answer in kept]

    # --- several processes on one database (bot.storage.notices) ---------------------------------

    def announce_push(self, message_id: int, buttons: list) -> None:
        """On the worker, inside the transaction that stored message `message_id` pushed to a villager: the
        other processes show it on the villager's pages open there, with its buttons (which the transcript
        does not keep; left out if they would not fit in a notice)."""
        notice = json.dumps({"id": message_id, "buttons": buttons}, ensure_ascii=False)
        self.store.notify(PUSH_NOTICE, notice if len(notice.encode()) < MAX_NOTICE_BYTES
                          else json.dumps({"id": message_id, "buttons": []}))

    def when_pushed_elsewhere(self, handler: Callable[[int, list], Awaitable]) -> None:
        """`handler(message_id, buttons)` for each message another process pushed to a villager."""
        def pushed(notice: str):
            pushed = json.loads(notice)
            return handler(pushed["id"], pushed["buttons"])

        self.notices.subscribe(PUSH_NOTICE, pushed)

    def when_forgotten_elsewhere(self, handler: Callable[[str], None]) -> None:
        """`handler(user_key)` for each villager whose data another process deleted (/forget, `mingbai forget`)."""
        self.notices.subscribe(FORGET_NOTICE, handler)

    def submit(self, function, *args) -> asyncio.Future:
        """Queue a blocking function (store or desk work) on the core's worker thread, in order with messages."""
        return asyncio.get_running_loop().run_in_executor(self._worker, function, *args)

    @property
    def relay_port(self) -> RelayPort:
        """What the relay may ask of the core (bot/core/relay_port.py), and nothing more."""
        return RelayPort(self)

    async def call(self, function, *args):
        return await self.submit(function, *args)

    async def call_first(self, function, *args):
        """Like `call`, but ahead of the work still waiting: for quick bookkeeping whose delay has a cost."""
        return await asyncio.wrap_future(self._worker.submit_urgent(function, *args))

    async def reload_faq(self) -> list:
        """Swap in the FAQ files as they are now, only if they all validate; returns the problems found.

        The new matcher is built on a spare thread while the old FAQ keeps answering; the swap itself
        runs on the worker, between two messages.
        """
        content, problems = await asyncio.to_thread(load_content, self.settings_faq_dir)
        if content is None:
            log.warning("FAQ reload refused: %d problem(s); the previous FAQ keeps serving", len(errors_of(problems)))
            return problems
        await self.call(self.conversation.replace_content, content)
        self.templates, self.site = content.templates, content.site
        log.info("FAQ reloaded: %d intents", len(content.faq))
        return problems

    async def close(self) -> None:
        await self.notices.close()
        await asyncio.get_running_loop().run_in_executor(self._worker, self.store.close)
        self._worker.shutdown(wait=True)
