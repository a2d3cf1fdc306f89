"""`mingbai run`: every configured channel on one aiohttp server and one conversation core.

With no configuration at all this serves the web chat on 127.0.0.1:8080 with
the shipped FAQ and a SQLite file under ./var; a Telegram token adds Telegram
(long polling, or webhooks on the same server when MINGBAI_WEBHOOK_URL is set).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.channels.webchat.chat import setup_web_chat
from bot.channels.webchat.limits import TRUSTED_PROXIES, trusted_networks
from bot.channels.wechat.channel import setup_wechat
from bot.core.service import ChatService
from bot.handoff.relay import Relay
from bot.settings import Settings
from bot.console import setup_console

log = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 64 * 1024


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")


def _escape(found: re.Match) -> str:
    char = found.group()
    return "\\\\" if char == "\\" else f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """`text` with control characters, line separators and the backslash itself written as escapes, so a
    request cannot start a forged line in the log: "/x<newline>2099-01-01 ..." is logged as "/x\\x0a2099-01-01 ..."."""
    return _CONTROL.sub(_escape, text)


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access lines without query strings (WeChat puts the villager's OpenID there), control characters escaped."""

    def log(self, request, response, elapsed: float) -> None:
        self.logger.info("%s %s %s %.0fms", printable(request.method), printable(request.path), response.status,
                         elapsed * 1000)


def build_web_app(settings: Settings, service: ChatService, relay: Relay) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[TRUSTED_PROXIES] = trusted_networks(settings.trusted_proxy)
    web_chat = setup_web_chat(app, service, settings.web_limits, settings.quick_exit_url)
    relay.add_villager_channel("web", web_chat.push, keeps_transcript=True)
    wechat = setup_wechat(app, service, settings)
    if wechat:
        relay.add_villager_channel("wechat", wechat.send_reply)
    setup_console(app, service, relay, settings.faq_dir, timezone=settings.timezone)
    return app


async def serve(settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or cancellation), then close every channel cleanly."""
    service = ChatService.open(settings)
    relay = Relay(service, settings.handoff_timeout)
    service.effect_listeners.append(lambda outcome: relay.wake())
    app = build_web_app(settings, service, relay)
    tasks = [asyncio.create_task(relay.run(), name="relay")]
    if settings.telegram_token:
        from bot.channels.telegram.application import build_application, run_telegram, villager_sender
        from bot.channels.telegram.advisers.group import add_adviser_handlers
        from bot.channels.telegram.advisers.cards import adviser_chats
        from bot.channels.telegram.webhook import webhook_routes

        application = build_application(settings, service)
        if adviser_chats(settings, service.conversation.counties):  # the default group, routes, counties' groups
            add_adviser_handlers(application, settings, service, relay)
        if settings.webhook_url:
            app.add_routes(webhook_routes(application, settings))
        relay.add_villager_channel("telegram", villager_sender(application))
        tasks.append(asyncio.create_task(run_telegram(application, settings), name="telegram"))
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    base = f"http://{settings.web_host}:{settings.web_port}"
    print(f"mingbai: web chat on {base}/ (FAQ {settings.faq_dir}, data {settings.database.resolve()})")
    print(f"mingbai: adviser console {base}/adviser, admin dashboard {base}/admin")
    if not await service.call(service.store.accounts.any):
        print("mingbai: no console account yet; create the first one, in this directory, with\n"
              "         mingbai user add NAME --role admin   (an adviser: --role adviser)")
    if not settings.telegram_token:
        print("mingbai: Telegram is off; set TELEGRAM_BOT_TOKEN (see README) to add it.")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    if ready:
        ready.set()
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await runner.cleanup()
        await service.close()
