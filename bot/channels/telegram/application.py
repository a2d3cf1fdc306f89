"""The Telegram channel: PTB's Application in front of the conversation core.

Each update becomes one `Incoming`; each `Reply` one or more Bot API calls with an inline keyboard (rules in
`format`). Receiving (inbox, getUpdates loop, start-up retries) is in `inbox`, sending (the
outbox) in `outbox`, the webhook route in `webhook`. Here:

- different chats are handled concurrently, one chat's updates strictly in arrival order (`ChatOrder`), so a
  fast second message never overtakes the first; an update is marked done in the inbox once handled;
- the core's answer and the messages that carry it are written together (`ChatService.handle(record=...)`),
  then the outbox's sender delivers them;
- an update delivered twice is answered once (its update_id in the inbox and here, its message id again in
  the core, which also survives restarts);
- an error in one update is logged without its text and the bot carries on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.channels.telegram.advisers.cards import adviser_chats
from bot.channels.telegram.format import chat_of, to_calls, to_incoming, villager_id
from bot.channels.telegram.inbox import PARTS, TelegramParts, handled, parts, poll, requeue, until_reachable
from bot.channels.telegram.outbox import Sender, send_outcome
from bot.channels.telegram.webhook import register_webhook, webhook_routes
from bot.core.texts import COMMANDS
from bot.errors import DeliveryError
from bot.handoff.desk import TO_ADVISERS
from bot.messages import Outcome
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.service import ChatService

__all__ = ["build_application", "run_telegram", "send_outcome", "villager_sender", "webhook_routes"]

log = logging.getLogger(__name__)
MAX_RETRIES = 5  # 429s PTB's rate limiter waits out itself (advisers' desk too); the outbox waits out more
POLL_TIMEOUT = 30  # seconds one getUpdates long poll may wait for news
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


class ChatOrder(BaseUpdateProcessor):
    """Runs updates of different chats concurrently, and those of one chat one after another in arrival order.

    PTB starts one task per update in the order updates arrive, and each task reaches
    `do_process_update` before its first pause, so chaining each chat's updates here keeps
    their order without holding other chats up. A chat's next update starts when the one
    before has finished, or earlier when its handler calls `release` (the core has queued the
    villager's message, so the next cannot overtake it, and a burst of fragments can be read
    together while the first waits). It is also the one place that sees every update finish,
    whichever handler stopped it or failed, so it calls `on_done` there (the inbox marks the
    update handled); an update interrupted by a crash is not marked.
    """

    def __init__(self, max_concurrent_updates: int = 256, on_done=None):
        super().__init__(max_concurrent_updates)
        self._last: dict[int, asyncio.Future] = {}
        self._turns: dict[int, asyncio.Future] = {}  # update id -> its chat's next update may start
        self.on_done = on_done  # async (update), once the Application has finished with it

    async def do_process_update(self, update: object, coroutine) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else None
        previous = self._last.get(key) if key is not None else None
        mine = asyncio.get_running_loop().create_future()
        if key is not None:
            self._last[key] = mine
        if isinstance(update, Update):
            self._turns[update.update_id] = mine
        try:
            if previous is not None:
                await previous
            await coroutine
            await self._done(update)
        finally:
            coroutine.close()  # no-op once awaited; silences "never awaited" if we were cancelled while waiting
            if isinstance(update, Update):
                self._turns.pop(update.update_id, None)
            if not mine.done():
                mine.set_result(None)
            if key is not None and self._last.get(key) is mine:
                del self._last[key]

    def release(self, update: Update) -> None:
        """The chat's next update may start now: this one's message is queued in the core."""
        turn = self._turns.get(update.update_id)
        if turn is not None and not turn.done():
            turn.set_result(None)

    async def _done(self, update: object) -> None:
        try:
            if self.on_done is not None and isinstance(update, Update):
                await self.on_done(update)
        except Exception as error:  # noqa: BLE001 - at worst the update is looked at again after a restart
            log.error("Telegram update %s not marked done: %s", update.update_id, type(error).__name__)

    async def initialize(self) -> None:
        """Nothing to set up: the chains live only while updates are in flight."""

    async def shutdown(self) -> None:
        """Nothing to free: Application.stop() has already waited for every update."""


class RecentIds:
    """The last few thousand update ids, to drop an update Telegram delivers twice (bounded memory)."""

    def __init__(self, size: int = 5000):
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


class VillagerChannel:
    """Hands villagers' updates to the core and queues what it says in the outbox; ignores the advisers' groups."""

    def __init__(self, settings: Settings, shared: TelegramParts, order: ChatOrder):
        self.service, self.shared, self.order = shared.service, shared, order
        self.settings = settings
        self.seen = RecentIds()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.seen.first_time(update.update_id):
            log.info("Telegram update %s delivered again; ignored", update.update_id)
            return
        chat = update.effective_chat
        if chat is None or chat.id in adviser_chats(self.settings, self.service.conversation.counties):
            return
        if update.callback_query:
            await self._stop_spinner(update)
        incoming = to_incoming(update, context.bot.bot, self.shared.bot)
        if incoming is None:
            return
        message = update.effective_message
        thread = message.message_thread_id if message is not None and message.is_topic_message else None

        def record(outcome: Outcome) -> None:  # on the core's worker, inside the transaction of the answer
            self.shared.outbox.add(chat.id, thread, to_calls(outcome.replies))

        outcome = await self.service.handle(incoming, record=record, received=lambda: self.order.release(update))
        if any(effect.kind == "unsaved" for effect in outcome.effects):  # storage down: no outbox, send directly
            await send_outcome(context.bot, chat.id, outcome, thread)
        elif outcome.replies:
            self.shared.sender.wake(chat.id)

    async def _stop_spinner(self, update: Update) -> None:
        """Answer the button press at once; a stale query (e.g. after a restart) is not worth failing for."""
        try:
            await update.callback_query.answer()
        except TelegramError as error:
            log.info("Telegram callback query %s not answered: %s", update.update_id, type(error).__name__)

    async def undeliverable(self, row: dict, error: Exception) -> None:
        """A message that will never arrive (e.g. the villager blocked the bot): advisers on an open case are told."""
        desk = self.service.conversation.desk
        villager = villager_id(row["chat_id"], self.shared.bot)
        await self.service.call(_tell_advisers, desk, villager, type(error).__name__)


def _tell_advisers(desk, villager: str, reason: str) -> None:
    case = desk.open_case_for(f"telegram:{villager}")
    if case is not None:  # the relay posts it to the advisers on its next pass
        desk.system_message(case.id, f"⚠️ 有消息未能送达村民（{reason}）。A message could not reach the villager.",
                            TO_ADVISERS)


def villager_sender(*applications: Application):
    """How the relay reaches a Telegram villager: `relay.add_villager_channel("telegram", villager_sender(*apps))`,
    with every bot's Application: a reply leaves through the bot the villager wrote to (their id says which).

    The reply is written to that bot's outbox and the relay is done with it: the outbox retries it and keeps it in
    order with the chat's other messages, and tells the advisers if it can never be delivered."""
    by_bot = {parts(application).bot: application for application in applications}

    async def send(villager: str, reply) -> None:
        bot, chat = chat_of(villager)
        if bot not in by_bot:
            raise DeliveryError(f"county {bot}'s Telegram bot is not running (its token is set at start-up)")
        shared = parts(by_bot[bot])
        await shared.service.call(shared.outbox.add, chat, None, to_calls((reply,)))
        shared.sender.wake(chat)

    return send


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log which update failed and why, never what the villager wrote; the bot goes on with the next one."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Telegram update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)


def build_application(settings: Settings, service: "ChatService", county: str = "", token: str = "") -> Application:
    """The PTB Application for villagers, without PTB's Updater: updates come from our own getUpdates loop or the
    webhook route, both through the inbox; replies leave through the outbox.

    With `county` and its `token` it is that county's own bot: its villagers are bound to the county and answered
    by this bot, with its own inbox rows (its own update ids), outbox rows and rate limiter (Telegram's limits are
    per bot). Without, the default bot of TELEGRAM_BOT_TOKEN."""
    token = token if county else settings.telegram_token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is empty: get a token from @BotFather, or leave Telegram off")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry URLs, and URLs carry the token
    order = ChatOrder()
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES))
        .concurrent_updates(order)
        .job_queue(None)
        .updater(None)
        .build()
    )
    inbox, outbox = service.store.telegram_inbox.of_bot(county), service.store.telegram_outbox.of_bot(county)
    shared = TelegramParts(service, inbox, outbox, Sender(application.bot, service, outbox), county)
    application.bot_data[PARTS] = shared
    channel = VillagerChannel(settings, shared, order)
    shared.sender.on_undeliverable = channel.undeliverable
    def done(update: Update):  # handled: marked in the inbox
        handled(application, update.update_id)
        return service.call(shared.inbox.done, update.update_id)

    order.on_done = done
    application.add_handler(TypeHandler(Update, channel.on_update))
    application.add_error_handler(log_error)
    return application


async def run_telegram(application: Application, settings: Settings, *, poll_timeout: float = POLL_TIMEOUT) -> None:
    """Receive updates (our getUpdates loop, or the webhook route) and send the outbox until cancelled, then stop
    cleanly. Start-up waits for Telegram to answer, however long that takes."""
    shared = parts(application)
    try:
        await until_reachable("getMe", application.initialize)
        await register_commands(application)
        if settings.webhook_url:
            await until_reachable("setWebhook", lambda: register_webhook(application, settings, ALLOWED_UPDATES))
        else:
            await until_reachable("deleteWebhook", application.bot.delete_webhook)
        await shared.service.call(shared.inbox.purge)
        await application.start()
        try:
            await shared.sender.start()
            await requeue(application)
            log.info("Telegram channel running (%s%s)", "webhook" if settings.webhook_url else "long polling",
                     f", county {shared.bot}'s own bot" if shared.bot else "")
            if settings.webhook_url:
                await asyncio.Event().wait()
            else:
                await poll(application, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
        finally:
            await application.stop()  # handles what is queued; its replies are in the outbox
            await shared.sender.stop()
            log.info("Telegram channel stopped")
    finally:
        await application.shutdown()
        await application.bot.shutdown()  # when getMe never succeeded, the Application had nothing to shut down


async def register_commands(application: Application) -> None:
    """The core's commands in Telegram's "/" menu, in Chinese and for English-language clients."""
    for language, index in ((None, 0), ("en", 1)):
        commands = [BotCommand(name, texts[index]) for name, texts in COMMANDS.items()]
        try:
            await application.bot.set_my_commands(commands, language_code=language)
        except TelegramError as error:  # a missing menu is no reason not to start
            log.warning("Telegram command menu not set: %s", type(error).__name__)
