"""The Telegram channel: PTB's Application in front of the conversation core.

Each update becomes one `Incoming`; each `Reply` becomes one or more
sendMessage calls with an inline keyboard. The rules for that translation are
in `telegram_format`; the webhook route is in `telegram_webhook`. Here:

- different chats are handled concurrently, one chat's updates strictly in
  arrival order (`ChatOrder`), so a fast second message never overtakes the
  first;
- an update delivered twice is answered once (its update_id here, its
  message id again in the core, which also survives restarts);
- 429s are retried by PTB's rate limiter instead of dropping a reply;
- an error in one update is logged without its text and the bot carries on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.channels.telegram_format import to_incoming, to_outgoing
from bot.channels.telegram_webhook import register_webhook, webhook_routes
from bot.core.commands import COMMANDS
from bot.core.messages import Outcome
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.service import ChatService

__all__ = ["build_application", "run_telegram", "webhook_routes"]

log = logging.getLogger(__name__)
MAX_RETRIES = 5  # a reply held back by a 429 is retried this often before it is given up
POLL_TIMEOUT = 30  # seconds one getUpdates long poll may wait for news
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class ChatOrder(BaseUpdateProcessor):
    """Runs updates of different chats concurrently, and those of one chat one after another in arrival order.

    PTB starts one task per update in the order updates arrive, and each task reaches
    `do_process_update` before its first pause, so chaining each chat's updates here keeps
    their order without holding other chats up.
    """

    def __init__(self, max_concurrent_updates: int = 256):
        super().__init__(max_concurrent_updates)
        self._last: dict[int, asyncio.Future] = {}

    async def do_process_update(self, update: object, coroutine) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        previous = self._last.get(chat.id)
        mine = self._last[chat.id] = asyncio.get_running_loop().create_future()
        try:
            if previous is not None:
                await previous
            await coroutine
        finally:
            coroutine.close()  # no-op once awaited; silences "never awaited" if we were cancelled while waiting
            mine.set_result(None)
            if self._last.get(chat.id) is mine:
                del self._last[chat.id]

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
    """Hands villagers' updates to the core and sends back what it says; ignores the advisers' group."""

    def __init__(self, settings: Settings, service: "ChatService"):
        self.service = service
        self.adviser_chat = settings.adviser_chat.strip()
        self.seen = RecentIds()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.seen.first_time(update.update_id):
            log.info("Telegram update %s delivered again; ignored", update.update_id)
            return
        chat = update.effective_chat
        if chat is None or str(chat.id) == self.adviser_chat:
            return
        if update.callback_query:
            await self._stop_spinner(update)
        incoming = to_incoming(update, context.bot.bot)
        if incoming is None:
            return
        outcome = await self.service.handle(incoming)
        message = update.effective_message
        thread = message.message_thread_id if message is not None and message.is_topic_message else None
        await send_outcome(context.bot, chat.id, outcome, thread)

    async def _stop_spinner(self, update: Update) -> None:
        """Answer the button press at once; a stale query (e.g. after a restart) is not worth failing for."""
        try:
            await update.callback_query.answer()
        except TelegramError as error:
            log.info("Telegram callback query %s not answered: %s", update.update_id, type(error).__name__)


async def send_outcome(bot, chat_id: int, outcome: Outcome, thread: int | None = None) -> None:
    for reply in outcome.replies:
        for part in to_outgoing(reply):
            await bot.send_message(chat_id, part.html, parse_mode="HTML", reply_markup=part.keyboard,
                                   link_preview_options=NO_PREVIEW, message_thread_id=thread)


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log which update failed and why, never what the villager wrote; the bot goes on with the next one."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Telegram update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)


def build_application(settings: Settings, service: "ChatService") -> Application:
    """The PTB Application for villagers: long polling, or no updater when a webhook feeds it."""
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is empty: get a token from @BotFather, or leave Telegram off")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry URLs, and URLs carry the token
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES))
        .concurrent_updates(ChatOrder())
        .job_queue(None)
    )
    if settings.webhook_url:
        builder = builder.updater(None)
    application = builder.build()
    application.add_handler(TypeHandler(Update, VillagerChannel(settings, service).on_update))
    application.add_error_handler(log_error)
    return application


async def run_telegram(application: Application, settings: Settings, *, poll_timeout: float = POLL_TIMEOUT) -> None:
    """Receive updates (long polling, or the webhook route) until cancelled, then stop cleanly."""
    async with application:
        await register_commands(application)
        if settings.webhook_url:
            await register_webhook(application, settings, ALLOWED_UPDATES)
        else:
            await application.updater.start_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES,
                                                    bootstrap_retries=3)
        await application.start()
        log.info("Telegram channel running (%s)", "webhook" if settings.webhook_url else "long polling")
        try:
            await asyncio.Event().wait()
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()
            log.info("Telegram channel stopped")


async def register_commands(application: Application) -> None:
    """The core's commands in Telegram's "/" menu, in Chinese and for English-language clients."""
    for language, index in ((None, 0), ("en", 1)):
        commands = [BotCommand(name, texts[index]) for name, texts in COMMANDS.items()]
        try:
            await application.bot.set_my_commands(commands, language_code=language)
        except TelegramError as error:  # a missing menu is no reason not to start
            log.warning("Telegram command menu not set: %s", type(error).__name__)
