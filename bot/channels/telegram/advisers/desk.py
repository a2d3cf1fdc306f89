"""Showing cases to advisers in their Telegram group: the Relay's `AdviserDesk` for Telegram.

Each case gets a forum topic named after it, opened by a card (who, what the bot understood, the last
messages, [认领 Claim] [关闭 Close]); `topics` keeps both in step with the case. Here, the case's
events go into that topic (or, in a group without topics, as replies to the card): the villager's text,
photos, voice and documents, the villager leaving, delivery problems; a reminder goes to the whole group.

A busy morning must not stall anyone: a villager's burst of messages is held a moment and posted once,
every call to a group is paid from its `Budget`, and when that is spent the events go back to the relay
(`BudgetSpent`), the card says how many wait, and the ledger (`bot.storage.telegram`) makes sure nothing is
posted twice.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import ReplyParameters
from telegram.error import BadRequest

from bot.channels.telegram.advisers.budget import BudgetSpent, Settling
from bot.channels.telegram.advisers.cards import Post, plan_posts, reminder_text, topic_link
from bot.channels.telegram.advisers.topics import NO_PREVIEW, CaseTopics, topic_gone
from bot.channels.telegram.format import split_text
from bot.errors import DeliveryError
from bot.handoff.desk import Case, Event
from bot.handoff.relay import FIRST_RETRY_SECONDS

log = logging.getLogger(__name__)
SETTLE_SECONDS = 0.8  # a villager's message waits this long for the rest of a burst ...
MAX_HOLD_SECONDS = 3.0  # ... but never longer than this


class TelegramAdviserDesk(CaseTopics):
    """The relay's `AdviserDesk` for Telegram (`deliver`), and what the group's handlers need (`refresh`)."""

    # --- the relay's side -------------------------------------------------------------------

    async def deliver(self, case: Case, events: list[Event]) -> None:
        chat = self.chat_for(case)
        if chat is None or chat not in self.chats():
            return  # no Telegram group for this case (the web console shows it), or another bot's group
        await self._started()
        try:
            self._hold_for_burst(events)
            async with self._locks[case.id]:
                await self._deliver(case, chat, events)
        except (Settling, BudgetSpent) as deferred:
            self._wake_relay(deferred.retry_after, events)
            raise

    async def _deliver(self, case: Case, chat: int, events: list[Event]) -> None:
        done = await self.service.call(self.ledger.posted, [event.id for event in events])
        todo = [event for event in events if event.id not in done]
        try:
            case = await self._ensure_card(case, chat)
            opened = [event.id for event in todo if event.kind == "opened"]
            if opened:
                await self.service.call(self.ledger.record, case.id, opened, chat, [case.card_message_id])
            for post in plan_posts(case, [event for event in todo if event.kind != "opened"], self.bot_key):
                case = await self._publish(case, chat, post)
            await self._refresh(case.id, chat, queued=0)
        except BudgetSpent:
            done = await self.service.call(self.ledger.posted, [event.id for event in events])
            await self._show_queued(case.id, chat, sum(1 for event in events if event.id not in done))
            raise

    async def _started(self, patience: float = 3.0) -> None:
        """At start-up the relay may run before PTB's Application has started: give it a moment."""
        for _ in range(int(patience / 0.05)):
            if self.application.running:
                return
            await asyncio.sleep(0.05)
        raise DeliveryError("the Telegram application is not running")

    def _hold_for_burst(self, events: list[Event]) -> None:
        times = [event.created_at for event in events if event.kind == "villager"]
        now = self.desk.clock()
        if times and now - max(times) < SETTLE_SECONDS and now - min(times) < MAX_HOLD_SECONDS:
            raise Settling(SETTLE_SECONDS - (now - max(times)))

    def _wake_relay(self, retry_after: float, events: list[Event]) -> None:
        """Wake the relay when it will retry: after `retry_after`, or after its own backoff if it ignores that."""
        backoff = FIRST_RETRY_SECONDS * 2 ** max(event.attempts for event in events)
        loop = asyncio.get_running_loop()
        for delay in {min(retry_after, 600.0), backoff}:
            loop.call_later(delay + 0.05, self.relay.wake)

    # --- what the handlers use -------------------------------------------------------------

    async def refresh(self, case_id: int) -> None:
        """Bring the card (and topic) up to date after an adviser acted in the group."""
        case = await self.service.call(self.desk.case, case_id)
        chat = self.chat_for(case)
        if chat in self.chats() and case.card_message_id:
            async with self._locks[case_id]:
                try:
                    await self._refresh(case_id, chat, queued=0, force=True)
                except BudgetSpent:  # re-creating a vanished card must wait: the next delivery does it
                    log.info("advisers' group %s: card of case %d waits for the budget", chat, case_id)

    async def _publish(self, case: Case, chat: int, post: Post) -> Case:
        if post.reminder:  # to the whole group (its General topic), linking to the case
            plain = case.topic_id is None
            text = reminder_text(case, self.desk.clock(), topic_link(chat, case.topic_id))
            await self._charge(chat, case)
            reply = ReplyParameters(case.card_message_id, allow_sending_without_reply=True) if plain else None
            message = await self.bot.send_message(chat, text, parse_mode="HTML", reply_parameters=reply,
                                                  link_preview_options=NO_PREVIEW)
            await self.service.call(self.ledger.record, case.id, post.event_ids, chat, [message.message_id])
            return case
        parts = [] if post.media else split_text(post.text)
        for attempt in range(2):
            await self._charge(chat, case, count=max(1, len(parts)))
            try:
                messages = await self._send_post(case, chat, post, parts)
                break
            except BadRequest as error:
                if case.topic_id is None or not topic_gone(error) or attempt:
                    raise
                case = await self._restore_topic(case, chat, error)
        await self.service.call(self.ledger.record, case.id, post.event_ids, chat, [m.message_id for m in messages])
        return case

    async def _send_post(self, case: Case, chat: int, post: Post, parts: list[str]) -> list:
        thread = case.topic_id
        reply = None if thread else ReplyParameters(case.card_message_id, allow_sending_without_reply=True)
        if post.media:
            kind, file_id = post.media
            send = getattr(self.bot, f"send_{kind}")  # send_photo, send_voice, send_document: by file_id
            return [await send(chat, file_id, caption=post.text, message_thread_id=thread, reply_parameters=reply)]
        return [await self.bot.send_message(chat, part, message_thread_id=thread, reply_parameters=reply,
                                            link_preview_options=NO_PREVIEW) for part in parts]

