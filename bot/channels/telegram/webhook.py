"""Webhook mode: Telegram POSTs each update to our aiohttp server instead of being polled.

The route checks the secret Telegram was given at setWebhook, writes the
update to the inbox (`bot.storage.telegram.TelegramInbox`) and only then answers 200: an
update Telegram was told we have is in SQLite, and one we could not store is
answered 500, so Telegram sends it again. The Application then handles it like
a polled one; a redelivered update is recognised in the inbox and not queued
twice. With several processes on one PostgreSQL the Application runs in the
leader only: a route in another process stores the update, and the inbox's
notice has the leader queue it (`inbox.requeue`). Anyone can POST to a public URL, so without the right secret nothing is
stored. PTB's own `run_webhook` needs tornado and compares the secret with
`!=`; this needs neither. A county's own bot has its own path,
WEBHOOK_PATH/<county> (same secret), so each update lands in its bot's inbox.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram.inbox import enqueue, parts
from bot.settings import Settings

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(bot: str = "") -> str:
    """Where Telegram POSTs one bot's updates: WEBHOOK_PATH for the default bot, WEBHOOK_PATH/<county> for a
    county's own."""
    return f"{WEBHOOK_PATH}/{bot}" if bot else WEBHOOK_PATH


def webhook_routes(application: Application, settings: Settings) -> list[web.RouteDef]:
    """The POST route to mount on mingbai's aiohttp server, at the bot's `webhook_path`."""
    secret = settings.webhook_secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            log.warning("Telegram webhook: request without the right secret refused")
            return web.Response(status=403)
        try:
            raw = await request.json()
            update = Update.de_json(raw, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("Telegram webhook: body is not an update")
            return web.Response(status=400)
        shared = parts(application)
        try:
            fresh = await shared.service.call(shared.inbox.store, [raw])
        except Exception as error:  # noqa: BLE001 - not stored, so not acknowledged: Telegram will retry
            log.error("Telegram webhook: update %s not stored (%s)", update.update_id, type(error).__name__)
            return web.Response(status=500)
        if fresh and application.running:  # else the leader, another process on the database, is told (inbox)
            await enqueue(application, update)
        return web.Response(text="ok")

    return [web.post(webhook_path(parts(application).bot), receive)]


def webhook_url(settings: Settings, bot: str = "") -> str:
    """MINGBAI_WEBHOOK_URL as given, or with WEBHOOK_PATH added when it names only the host; a county's own bot
    gets /<county> after it."""
    url = urlsplit(settings.webhook_url)
    if url.path in ("", "/"):
        url = url._replace(path=webhook_path(bot))
    elif bot:
        url = url._replace(path=f"{url.path.rstrip('/')}/{bot}")
    return urlunsplit(url)


async def register_webhook(application: Application, settings: Settings, allowed_updates: list[str]) -> None:
    """Tell Telegram where to POST updates, and the secret to send with them (its format was checked with the
    other settings)."""
    await application.bot.set_webhook(url=webhook_url(settings, parts(application).bot),
                                      secret_token=settings.webhook_secret,
                                      allowed_updates=allowed_updates)
