"""The WeChat Official Account (公众号) channel: WeChat's server pushes XML to one path on our aiohttp server.

One message's way through: signature check (403 when wrong, nothing else
done) → decrypt in safe mode (安全模式) → parse (400 when broken) → the core,
once per MsgId however often WeChat retries → a passive reply if the answer is
ready within `reply_seconds` (WeChat waits 5 s), else "success" at once and
the answer through the customer-service API (客服消息). Protocol details:
engineering notes §4. `wechatpy` does the signatures, crypto and reply XML;
`delivery` decides which request answers, `api` makes the calls.

A county may have an Official Account of its own (faq/counties/<id>.yaml `channels:`): another channel on its
own path (MINGBAI_WECHAT_PATH/<county>) with its own token, AppID and secret. Its villagers are that account's
("wechat:qianwei:<OpenID>": an OpenID is one account's), bound to the county, and answered through its API.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Callable

from aiohttp import web
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat import api
from bot.channels.wechat.api import OUT_OF_REACH, WeChatApi
from bot.channels.wechat.delivery import Deliveries
from bot.channels.wechat.format import PLATFORM, Understood, open_push, passive_xml, render, signed, understand
from bot.channels.wechat.replay import ReplayGuard
from bot.core.service import ChatService
from bot.errors import DeliveryError, DeliveryFailed, MalformedMessage, StorageError, WeChatApiError, WrongSignature
from bot.messages import Outcome, Reply
from bot.settings import Settings

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class WeChatSettings:
    token: str
    app_id: str = ""
    secret: str = ""
    aes_key: str = ""
    path: str = "/wechat"
    api_base: str = "https://api.weixin.qq.com"
    reply_seconds: float = 4.0
    county: str = ""  # '' the default account (MINGBAI_WECHAT_*), else the county whose own account this is

    @classmethod
    def from_settings(cls, settings: Settings) -> "WeChatSettings":
        return cls(token=settings.wechat_token, app_id=settings.wechat_appid, secret=settings.wechat_secret,
                   aes_key=settings.wechat_aes_key, path=settings.wechat_path, api_base=settings.wechat_api_base,
                   reply_seconds=settings.wechat_reply_seconds)


def setup_wechat(app: web.Application, service: ChatService, settings: Settings | WeChatSettings) -> "WeChatChannel | None":
    """Mount the channel on `app`, or return None when no WeChat token is configured."""
    config = settings if isinstance(settings, WeChatSettings) else WeChatSettings.from_settings(settings)
    if not config.token:
        return None
    if service.bursts.window >= config.reply_seconds:
        log.warning("wechat: MINGBAI_BURST_SECONDS (%.1f) is not below MINGBAI_WECHAT_REPLY_SECONDS (%.1f): answers "
                    "will go through the customer-service API instead of the passive reply", service.bursts.window,
                    config.reply_seconds)
    channel = WeChatChannel(service, config)
    channel.mount(app)
    return channel


class WeChatChannel:
    """Answers WeChat villagers through the core; the relay and advisers reach them with `send_reply` or `push`."""

    def __init__(self, service: ChatService, settings: WeChatSettings, *, clock: Callable[[], float] = time.time):
        self.service, self.settings, self.clock = service, settings, clock
        self.api = WeChatApi(settings.api_base, settings.app_id, settings.secret, service.store.wechat, self._run,
                             clock=self._now) if settings.app_id and settings.secret else None
        # the key and its AppID were checked with the other settings (bot/settings.py)
        self.crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None
        self.deliveries = Deliveries(self._answer, self._send, settings.reply_seconds, can_send=self.api is not None)
        self.replays = ReplayGuard(service.store.wechat, self._now)

    def _now(self) -> float:
        return self.clock()  # looked up on each call, so a test can move the clock of a running channel

    def mount(self, app: web.Application) -> None:
        app.router.add_get(self.settings.path, self.verify)
        app.router.add_post(self.settings.path, self.receive)
        app.cleanup_ctx.append(self._lifetime)

    async def _lifetime(self, app: web.Application):
        if self.api:
            await self.api.start()
        else:
            log.warning("wechat: no AppID/secret: slow answers, long answers and adviser messages cannot be sent")
        yield
        await self.deliveries.close()
        if self.api:
            await self.api.close()

    def _run(self, function, *args) -> asyncio.Future:
        """Blocking store calls go to the core's single worker: SQLite sees one thread, in order with messages."""
        return self.service.submit(function, *args)

    # --- HTTP -------------------------------------------------------------------------------

    async def verify(self, request: web.Request) -> web.Response:
        """The handshake when the server URL is saved in the console: echo `echostr` if the signature is ours."""
        if not signed(self.settings.token, request.query):
            log.warning("wechat: verification with a wrong signature refused")
            raise web.HTTPForbidden(text="signature mismatch")
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.StreamResponse:
        """One push from WeChat; always answered in time, with a passive reply or "success"."""
        body = await request.read()
        try:
            message = open_push(self.settings.token, self.crypto, request.query, body)
        except WrongSignature as error:
            log.warning("wechat: push with a wrong %s refused", error)
            raise web.HTTPForbidden(text="signature mismatch") from None
        except MalformedMessage as error:
            log.warning("wechat: unreadable push refused (%s)", error)
            raise web.HTTPBadRequest(text="malformed message") from None
        # Checked on the worker (the nonces are shared by every process), ahead of queued work but alongside
        # the handling: a busy worker must not cost the passive reply's seconds. A refused push is not handled.
        admitted = asyncio.create_task(self.service.call_first(
            self.replays.fresh, request.query.get("timestamp", ""), request.query.get("nonce", ""), body))
        understood = self._bound(understand(message))
        if understood.incoming is None or understood.subscribed is False:  # bookkeeping only: no seconds to save
            await self._admit(admitted)
        if understood.subscribed is False:
            await self._run(api.note_subscription, self.service.conversation, self._key(message.open_id), False,
                            self._now())
        if understood.incoming is None:
            return web.Response(text="success")
        first, rest = await self.deliveries.respond(understood, lambda: self._connected(request), admitted)
        if admitted.done():
            await self._admit(admitted)  # a replay refused in time is told so
        if first is None:
            return web.Response(text="success")
        xml = passive_xml(first, message)
        if request.query.get("encrypt_type") == "aes":
            xml = self.crypto.encrypt_message(xml, request.query.get("nonce", ""))
        response = web.Response(text=xml, content_type="application/xml")
        if rest:  # the rest goes out after the passive reply is on its way, so the parts arrive in order
            await response.prepare(request)
            await response.write_eof()
            self.deliveries.later(self._send(message.open_id, rest))
        return response

    @staticmethod
    async def _admit(admitted: asyncio.Task) -> None:
        """Refuse the request if the replay guard refused its push, or could not tell."""
        try:
            fresh = await admitted
        except StorageError as error:
            log.error("wechat: storage failed checking a push's nonce (%s)", error)
            raise web.HTTPServiceUnavailable(text="storage unavailable") from None
        if not fresh:
            log.warning("wechat: stale or replayed push refused")
            raise web.HTTPForbidden(text="stale or replayed request")

    @staticmethod
    def _connected(request: web.Request) -> bool:
        """False once WeChat hung up: a passive reply written then would be lost, so it goes by the API instead."""
        return request.transport is not None and not request.transport.is_closing()

    # --- the core and the API -----------------------------------------------------------------

    def _villager(self, open_id: str) -> str:
        """The villager's id in the core: the OpenID, after the county for a county's own account."""
        return f"{self.settings.county}:{open_id}" if self.settings.county else open_id

    def _key(self, open_id: str) -> str:
        return f"{PLATFORM}:{self._villager(open_id)}"

    def _bound(self, understood: Understood) -> Understood:
        """On a county's own account the villager is the account's, and bound to the county."""
        incoming, county = understood.incoming, self.settings.county
        if incoming is None or not county:
            return understood
        return replace(understood, incoming=replace(incoming, user_id=self._villager(incoming.user_id), county=county,
                                                    message_id=f"{county}:{incoming.message_id}"))

    async def _answer(self, understood: Understood) -> Outcome:
        """Handle one message in the core (called once per MsgId); remember what the API needs to reach them."""
        incoming = understood.incoming
        if understood.wrote:
            await self._run(api.note_wrote, self.service.conversation, incoming.user_key, self._now())
        elif understood.subscribed:
            await self._run(api.note_subscription, self.service.conversation, incoming.user_key, True, self._now())
        return await self.service.handle(incoming, answer_again=True)  # a retry on another process gets the answer

    async def _send(self, open_id: str, parts: list[str]) -> bool:
        """Customer-service messages, in order; False at the first one WeChat refuses."""
        try:
            await self._send_or_raise(open_id, parts)
            return True
        except WeChatApiError as error:
            log.warning("wechat: customer-service message refused (%s)", error)
            return False

    async def _send_or_raise(self, open_id: str, parts: list[str]) -> None:
        """`open_id` bare or as the core knows the villager (after a county's id): OpenIDs hold no ":"."""
        if self.api is None:
            raise WeChatApiError(-1, "no AppID/secret: MINGBAI_WECHAT_APPID and MINGBAI_WECHAT_SECRET are unset")
        for part in parts:
            await self.api.send_text(open_id.rpartition(":")[2], part)

    async def send_reply(self, open_id: str, reply: Reply) -> None:
        """The relay's way to a WeChat villager: `relay.add_villager_channel("wechat", channel.send_reply)`.

        Raises DeliveryError, or DeliveryFailed when WeChat will not let us reach them again
        until they write (48 hours passed, unfollowed, quota used). Its choices
        become the ones a digit answers, as the core does for its own replies.
        """
        key = self._key(open_id)
        if not await self._run(api.reachable, self.service.conversation, key, self._now()):
            raise DeliveryFailed("the villager has not written for 48 hours, or unfollowed")
        if reply.buttons:
            actions = [button.action for button in reply.all_buttons()]
            await self._run(self.service.conversation.offer_choices, key, actions)
        try:
            await self._send_or_raise(open_id, render((reply,)))
        except WeChatApiError as error:
            out_of_reach = error.errcode in OUT_OF_REACH or self.api is None
            raise (DeliveryFailed if out_of_reach else DeliveryError)(str(error)) from error


def wechat_sender(channels: list[WeChatChannel]):
    """How the relay reaches a WeChat villager: `relay.add_villager_channel("wechat", wechat_sender(channels))`, with
    the default account's channel and each county's own: a reply leaves through the account the villager follows."""
    by_county = {channel.settings.county: channel for channel in channels}

    async def send(villager: str, reply: Reply) -> None:
        county, _, open_id = villager.rpartition(":")
        if county not in by_county:
            raise DeliveryError(f"county {county}'s WeChat account is not running (it is set up at start-up)")
        await by_county[county].send_reply(open_id, reply)

    return send
