"""`mingbai run`: every configured channel on one aiohttp server and one conversation core.

With no configuration at all this serves the web chat on 127.0.0.1:8080 with
the shipped FAQ and a SQLite file under ./var; a Telegram token adds Telegram
(long polling, or webhooks on the same server when MINGBAI_WEBHOOK_URL is set).
A county file naming its own bot's or Official Account's variables (`channels:`)
adds that bot or account beside the default ones, with the secrets read here.
Several processes on one PostgreSQL database (MINGBAI_DATABASE_URL) serve the
web chat, WeChat and the console alike; the relay and Telegram run in one of them
at a time, the leader (`bot.storage.Leadership`), and the others are told at once
of what each writes (`bot.storage.Notices`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import signal
from dataclasses import dataclass
from typing import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.channels.webchat import TRUSTED_PROXIES, setup_web_chat, trusted_networks
from bot.channels.wechat import WeChatSettings, setup_wechat, wechat_sender
from bot.console import PID_FILE, setup_console
from bot.content.counties import FOLDER as COUNTIES, Counties
from bot.core.service import ChatService
from bot.errors import SettingsError
from bot.handoff.relay import Relay
from bot.settings import Settings
from bot.storage import INBOX_NOTICE, RELAY_NOTICE, Leadership, describe

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


def county_bot_tokens(settings: Settings, counties: Counties) -> dict[str, str]:
    """County id -> its own Telegram bot's token, read from the variable its file names (`telegram_token_env`)."""
    tokens = {county.id: settings.named(county.channels.telegram_token) for county in counties
              if county.channels.telegram_token}
    _check_set(settings, counties, "telegram_token")
    seen = {settings.telegram_token: "the default bot (TELEGRAM_BOT_TOKEN)"} if settings.telegram_token else {}
    for county_id, token in tokens.items():
        other = seen.setdefault(token, f"county {county_id}")
        if other != f"county {county_id}":
            raise SettingsError(f"county {county_id}'s Telegram token is also {other}'s: one bot serves one county "
                                f"(make another bot with @BotFather)")
    return tokens


def county_accounts(settings: Settings, counties: Counties) -> list[WeChatSettings]:
    """Each county's own Official Account, from the variables its file names, on MINGBAI_WECHAT_PATH/<county>."""
    for kind in ("wechat_token", "wechat_appid", "wechat_secret", "wechat_aes_key"):
        _check_set(settings, counties, kind)
    accounts = []
    for county in counties:
        names = county.channels
        if names.wechat_token:
            value = lambda name: settings.named(name) if name else ""  # noqa: E731 - an optional variable
            accounts.append(WeChatSettings(
                token=value(names.wechat_token), app_id=value(names.wechat_appid), secret=value(names.wechat_secret),
                aes_key=value(names.wechat_aes_key), path=f"{settings.wechat_path.rstrip('/')}/{county.id}",
                api_base=settings.wechat_api_base, reply_seconds=settings.wechat_reply_seconds, county=county.id))
    return accounts


def _check_set(settings: Settings, counties: Counties, kind: str) -> None:
    """Every variable the county files name for `kind` holds a value, or one message naming each that does not."""
    missing = [(county.id, getattr(county.channels, kind)) for county in counties
               if getattr(county.channels, kind) and not settings.named(getattr(county.channels, kind))]
    if missing:
        lines = [f"{settings.faq_dir / COUNTIES / county_id}.yaml names {name} (`{kind}_env`), but {name} is not set"
                 for county_id, name in missing]
        raise SettingsError("; ".join(lines) + ". Set it in the environment or mingbai.toml (the value from "
                            "@BotFather or the WeChat console), or take the line out of the county file")


def build_web_app(settings: Settings, service: ChatService, relay: Relay) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[TRUSTED_PROXIES] = trusted_networks(settings.trusted_proxy)
    web_chat = setup_web_chat(app, service, settings.web_limits, settings.quick_exit_url)
    relay.add_villager_channel("web", web_chat.push, keeps_transcript=True)
    accounts = [setup_wechat(app, service, settings)]
    accounts += [setup_wechat(app, service, account) for account in county_accounts(settings,
                                                                                     service.conversation.counties)]
    if any(accounts):
        relay.add_villager_channel("wechat", wechat_sender([account for account in accounts if account]))
    setup_console(app, service, relay, settings.faq_dir, timezone=settings.timezone,
                  pid_file=settings.data_dir / PID_FILE)
    return app


def start_telegram(settings: Settings, service: ChatService, relay: Relay, app: web.Application,
                   county_bots: dict[str, str]) -> list[Callable[[], Awaitable]]:
    """The default bot (with TELEGRAM_BOT_TOKEN) and each county's own, one Application each (its own getUpdates
    loop, inbox rows, outbox and rate limiter); each serves its advisers' groups, and the relay reaches a villager
    through the bot they wrote to. Returns what runs each bot, for the leader to start (`Leadership`)."""
    from bot.channels.telegram import (
        add_adviser_handlers,
        build_application,
        requeue,
        run_telegram,
        served_chats,
        villager_sender,
        webhook_routes,
    )

    counties, runs, applications = service.conversation.counties, [], []
    bots = ([("", settings.telegram_token)] if settings.telegram_token else []) + sorted(county_bots.items())
    for county, token in bots:
        application = build_application(settings, service, county, token)
        if served_chats(settings, counties, county, set(county_bots)):  # it has advisers' groups to serve
            add_adviser_handlers(application, settings, service, relay, county_bots=set(county_bots))
        if settings.webhook_url:
            app.add_routes(webhook_routes(application, settings))
        applications.append(application)
        runs.append(functools.partial(run_telegram, application, settings))
    relay.add_villager_channel("telegram", villager_sender(*applications))
    by_bot = {county: application for (county, _token), application in zip(bots, applications, strict=True)}

    async def stored_elsewhere(bot: str) -> None:  # another process's webhook route stored updates of `bot`
        application = by_bot.get(bot)
        if application is not None and application.running:  # this process leads: it queues them
            await requeue(application)

    service.notices.subscribe(INBOX_NOTICE, stored_elsewhere)
    return runs


@dataclass(frozen=True)
class Running:
    """What `running` started: the core, the relay, the port the web server listens on, the counties' own bots."""

    service: ChatService
    relay: Relay
    port: int
    county_bots: tuple[str, ...]


@contextlib.asynccontextmanager
async def running(settings: Settings):
    """Every configured channel, the relay and the web server, started; on exit all closed cleanly. A setting that
    cannot be used (a county naming a token variable that is unset) is a SettingsError before anything starts."""
    service = ChatService.open(settings)
    try:
        bots = county_bot_tokens(settings, service.conversation.counties)
        relay = Relay(service.relay_port, settings.handoff_timeout)
        service.effect_listeners.append(lambda outcome: relay.wake())
        app = build_web_app(settings, service, relay)
    except (SettingsError, ValueError):
        await service.close()
        raise
    telegram = start_telegram(settings, service, relay, app, bots) if settings.telegram_token or bots else []
    service.notices.subscribe(RELAY_NOTICE, lambda _case: relay.wake())  # an event written by another process
    leadership = Leadership(settings.database_url or None)
    tasks = [asyncio.create_task(leadership.lead(lambda: [relay.run(), *(run() for run in telegram)]), name="leader")]
    await service.notices.start()
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger)
    try:
        await runner.setup()
        await web.TCPSite(runner, settings.web_host, settings.web_port).start()
        yield Running(service, relay, runner.addresses[0][1], tuple(sorted(bots)))
    finally:  # each step logged, so a shutdown that hangs says where
        log.info("stopping: the leader's work (relay, Telegram)")
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        log.info("stopping: the web server")
        await runner.cleanup()
        log.info("stopping: the conversation core and storage")
        await service.close()
        log.info("stopped")


async def serve(settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or cancellation), then close every channel cleanly."""
    async with running(settings) as world:
        base = f"http://{settings.web_host}:{world.port}"
        print(f"mingbai: web chat on {base}/ (FAQ {settings.faq_dir}, data {describe(settings.database)})")
        print(f"mingbai: adviser console {base}/adviser, admin dashboard {base}/admin")
        if not await world.service.call(world.service.store.accounts.any):
            print("mingbai: no console account yet; create the first one, in this directory, with\n"
                  "         mingbai user add NAME --role admin   (an adviser: --role adviser)")
        if world.county_bots:
            besides = "beside the default bot" if settings.telegram_token else "(TELEGRAM_BOT_TOKEN unset: no default bot)"
            print(f"mingbai: Telegram: the own bot of {', '.join(world.county_bots)} {besides}")
        elif not settings.telegram_token:
            print("mingbai: Telegram is off; set TELEGRAM_BOT_TOKEN (see README) to add it.")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        if ready:
            ready.set()
        await stop.wait()
