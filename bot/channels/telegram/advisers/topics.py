"""A case's place in the advisers' Telegram group: its forum topic and its card, kept in step with the case.

Everything here is driven by saved state (the desk's topic and card ids; the ledger's card fingerprint, topic
name and closed flag), so it can run again after any failure or restart and do only what is still missing:
create the topic, post the card, edit the card when the case changed, rename the topic when the case became
urgent, close it when the case closed. A topic an adviser closed by hand is reopened; one they deleted (or a
card they deleted) is made again. A group without topics gets a plain card instead, and reply threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from telegram import LinkPreviewOptions
from telegram.error import BadRequest, TelegramError

from bot.channels.telegram.advisers.budget import NORMAL, PRIORITY, Budget, BudgetSpent
from bot.channels.telegram.advisers.cards import (
    ICON_NORMAL,
    ICON_URGENT,
    CardFacts,
    card,
    read_facts,
    route,
    served_chats,
    signature,
    topic_name,
)
from bot.channels.telegram.inbox import PARTS
from bot.handoff.desk import CLOSED, Case

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
#: createForumTopic refusals that mean "use reply threads here": topics off, or the bot may not manage them.
NO_TOPICS = ("not a forum", "not enough rights", "chat_admin_required", "topics")


def topic_gone(error: BadRequest) -> bool:
    """Telegram's ways of saying a topic was deleted or closed by hand: then it is made again or reopened."""
    text = error.message.lower()
    return any(sign in text for sign in ("thread not found", "topic_deleted", "topic_closed", "topic_id_invalid"))


class CaseTopics:
    """The topic-and-card half of `TelegramAdviserDesk` (which adds delivering events into them)."""

    def __init__(self, application, settings, service, relay, budget: Budget | None = None, county_bots=frozenset()):
        self.application, self.settings, self.service, self.relay = application, settings, service, relay
        self.county_bots = frozenset(county_bots)  # counties whose own bot serves their groups
        self.desk = service.conversation.desk
        self.budget = budget or Budget()
        self.ledger = service.store.telegram_ledger
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._plain_chats: set[int] = set()  # groups where topics are off: cards with reply threads

    @property
    def bot(self):
        return self.application.bot

    @property
    def bot_key(self) -> str:
        """'' for the default bot, else the county whose own bot this desk speaks through."""
        return self.application.bot_data[PARTS].bot

    def chats(self) -> set[int]:
        """The advisers' groups this bot serves (read again each time: a reload may change the county files)."""
        return served_chats(self.settings, self.service.conversation.counties, self.bot_key, self.county_bots)

    def chat_for(self, case: Case) -> int | None:
        return route(self.settings, case, self.service.conversation.counties)

    async def _facts(self, case_id: int) -> CardFacts:
        return await self.service.call(read_facts, self.service.conversation, case_id)

    async def _charge(self, chat: int, case: Case, count: int = 1, force: bool = False) -> None:
        """Pay for `count` calls to the group: from the reserve for an urgent case; `force` when an adviser
        is waiting for the answer (counted, never refused)."""
        if force:
            self.budget.spend(chat, count)
        else:
            await self.budget.take(chat, PRIORITY if case.urgent else NORMAL, count)

    async def _ensure_card(self, case: Case, chat: int) -> Case:
        """The case's topic and card, created if missing (or gone); a second try if the topic vanished meanwhile."""
        for attempt in range(2):
            if case.card_message_id:
                return case
            if case.topic_id is None and chat not in self._plain_chats:
                case = await self._create_topic(case, chat)
            facts = await self._facts(case.id)
            text, markup = card(facts)
            await self._charge(chat, case)
            try:
                message = await self.bot.send_message(chat, text, parse_mode="HTML", reply_markup=markup,
                                                      message_thread_id=case.topic_id,
                                                      link_preview_options=NO_PREVIEW)
            except BadRequest as error:
                if case.topic_id is None or not topic_gone(error) or attempt:
                    raise
                case = await self._forget_topic(case, chat)
                continue
            await self.service.call(self.desk.set_topic, case.id, str(chat), case.topic_id, message.message_id)
            await self.service.call(self.ledger.save_card, case.id, {
                "chat": chat, "topic_id": case.topic_id, "card_message_id": message.message_id,
                "card": signature(text, markup), "queued": 0})
            case = await self.service.call(self.desk.case, case.id)
        return case

    async def _create_topic(self, case: Case, chat: int) -> Case:
        facts = await self._facts(case.id)
        name = topic_name(facts)
        await self._charge(chat, case)
        try:
            colour = ICON_URGENT if case.urgent else ICON_NORMAL
            topic = await self.bot.create_forum_topic(chat, name, icon_color=colour)
        except BadRequest as error:
            if not any(sign in error.message.lower() for sign in NO_TOPICS):
                raise
            log.warning("advisers' group %s: no forum topics (%s); cases use reply threads", chat, error.message)
            self._plain_chats.add(chat)  # until a restart: an admin may turn topics on meanwhile
            return case
        await self.service.call(self.desk.set_topic, case.id, str(chat), topic.message_thread_id, None)
        await self.service.call(self.ledger.save_card, case.id, {
            "chat": chat, "topic_id": topic.message_thread_id, "card_message_id": None, "topic_name": name,
            "topic_closed": 0})
        return await self.service.call(self.desk.case, case.id)

    async def _forget_topic(self, case: Case, chat: int) -> Case:
        log.warning("advisers' group %s: the topic of case %d is gone; creating it again", chat, case.id)
        await self.service.call(self.desk.set_topic, case.id, str(chat), None, None)
        return await self.service.call(self.desk.case, case.id)

    async def _restore_topic(self, case: Case, chat: int, error: BadRequest) -> Case:
        if "closed" in error.message.lower():  # an adviser closed it by hand: open it again
            await self._charge(chat, case)
            try:
                await self.bot.reopen_forum_topic(chat, case.topic_id)
                return case
            except BadRequest:
                pass
        return await self._ensure_card(await self._forget_topic(case, chat), chat)

    async def _refresh(self, case_id: int, chat: int, queued: int, force: bool = False) -> None:
        """Edit the card, rename the topic and close it, each only if it changed (all driven by saved state)."""
        case = await self.service.call(self.desk.case, case_id)
        if not case.card_message_id:
            return
        state = await self.service.call(self.ledger.card_state, case_id)
        facts = await self._facts(case_id)
        text, markup = card(facts, queued)
        if signature(text, markup) != state["card"]:
            await self._charge(chat, case, force=force)
            try:  # without reply_markup the keyboard goes: wanted only once the case is closed
                await self.bot.edit_message_text(text, chat, case.card_message_id, parse_mode="HTML",
                                                 reply_markup=markup, link_preview_options=NO_PREVIEW)
            except BadRequest as error:
                reason = error.message.lower()
                if "not found" in reason and case.status != CLOSED:  # deleted by hand, maybe with its topic
                    await self.service.call(self.desk.set_topic, case.id, str(chat), case.topic_id, None)
                    await self._ensure_card(await self.service.call(self.desk.case, case_id), chat)
                    return
                if "not found" not in reason and "not modified" not in reason:
                    raise
            await self.service.call(self.ledger.save_card, case_id,
                                    {"card": signature(text, markup), "queued": queued})
        rename = case.topic_id and case.status != CLOSED and topic_name(facts) != state["topic_name"]
        close = case.topic_id and case.status == CLOSED and not state["topic_closed"]
        if rename or close:
            await self._charge(chat, case, force=force)
            try:
                if rename:
                    await self.bot.edit_forum_topic(chat, case.topic_id, name=topic_name(facts))
                else:
                    await self.bot.close_forum_topic(chat, case.topic_id)
            except BadRequest as error:
                if rename and topic_gone(error):
                    await self._ensure_card(await self._forget_topic(case, chat), chat)
                    return
                if not topic_gone(error) and "not_modified" not in error.message.lower():
                    raise  # (a topic closed or deleted by hand needs no closing)
            await self.service.call(self.ledger.save_card, case_id,
                                    {"topic_name": topic_name(facts)} if rename else {"topic_closed": 1})

    async def _show_queued(self, case_id: int, chat: int, waiting: int) -> None:
        """Say on the card that messages wait (one edit when the queue starts, from the reserve, if any is left)."""
        state = await self.service.call(self.ledger.card_state, case_id)
        case = await self.service.call(self.desk.case, case_id)
        if waiting and not state["queued"] and case.card_message_id:
            try:
                await self.budget.take(chat, PRIORITY)
            except BudgetSpent:
                return
            text, markup = card(await self._facts(case_id), waiting)
            try:
                await self.bot.edit_message_text(text, chat, case.card_message_id, parse_mode="HTML",
                                                 reply_markup=markup, link_preview_options=NO_PREVIEW)
            except TelegramError as error:  # the events are pending anyway; the notice is a courtesy
                log.info("advisers' group %s: queue notice for case %d not shown: %s", chat, case_id, error)
                return
            await self.service.call(self.ledger.save_card, case_id,
                                    {"card": signature(text, markup), "queued": waiting})
