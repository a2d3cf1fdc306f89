"""The WeChat Official Account (公众号) channel: WeChat's server pushes XML to one path on our aiohttp server.

One message's way through: signature check (403 when wrong, nothing else
done) → decrypt in safe mode (安全模式) → parse (400 when broken) → the core,
once per MsgId however often WeChat retries → a passive reply if the answer is
ready within `reply_seconds` (WeChat waits 5 s), else "success" at once and
the answer through the customer-service API (客服消息). Protocol details:
engineering notes §4. `wechatpy` does the signatures, crypto and reply XML;
`wechat_delivery` decides which request answers, `wechat_api` makes the calls.
"""

from __future__ import annotations

import asyncio
import binascii
import hmac
import logging
import os
import struct
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Mapping
from xml.parsers.expat import ExpatError

from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from bot.channels import wechat_api
from bot.channels.wechat_api import WeChatApi
from bot.channels.wechat_delivery import Deliveries
from bot.channels.wechat_format import (PLATFORM, MalformedMessage, Understood, passive_xml, plain, read_message,
                                        split, understand)
from bot.core.messages import Incoming, Outcome
from bot.core.service import ChatService

log = logging.getLogger(__name__)

#: (name, default, help), in the form of bot.settings.SETTINGS.
WECHAT_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("MINGBAI_WECHAT_TOKEN", "", "Token from the WeChat console (服务器配置). Without it, WeChat is not mounted."),
    ("MINGBAI_WECHAT_APPID", "", "AppID of the official account: for answers sent later (slow or long) and adviser messages."),
    ("MINGBAI_WECHAT_SECRET", "", "AppSecret of the official account, with MINGBAI_WECHAT_APPID."),
    ("MINGBAI_WECHAT_AES_KEY", "", "EncodingAESKey from the console, for safe mode (安全模式); needs the AppID."),
    ("MINGBAI_WECHAT_PATH", "/wechat", "Path WeChat posts to: the console's server URL is https://<your host><path>."),
    ("MINGBAI_WECHAT_API_BASE", "https://api.weixin.qq.com", "WeChat API base URL (a proxy, or a test fake)."),
    ("MINGBAI_WECHAT_REPLY_SECONDS", "4", "Seconds to wait for an answer before replying 'success' and sending it "
     "through the customer-service API; keep it under WeChat's 5."),
)


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    app_id: str = ""
    secret: str = ""
    aes_key: str = ""
    path: str = "/wechat"
    api_base: str = "https://api.weixin.qq.com"
    reply_seconds: float = 4.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "WeChatSettings":
        environ = os.environ if environ is None else environ
        values = {name: str(environ.get(name, default)) for name, default, _ in WECHAT_SETTINGS}
        return cls(token=values["MINGBAI_WECHAT_TOKEN"], app_id=values["MINGBAI_WECHAT_APPID"],
                   secret=values["MINGBAI_WECHAT_SECRET"], aes_key=values["MINGBAI_WECHAT_AES_KEY"],
                   path=values["MINGBAI_WECHAT_PATH"], api_base=values["MINGBAI_WECHAT_API_BASE"],
                   reply_seconds=float(values["MINGBAI_WECHAT_REPLY_SECONDS"]))


def setup_wechat(app: web.Application, service: ChatService, settings=None) -> "WeChatChannel | None":
    """Mount the channel on `app`, or return None when no WeChat token is configured.

    `settings` is a WeChatSettings; anything else (e.g. bot.settings.Settings)
    means "read the MINGBAI_WECHAT_* variables from the environment".
    """
    config = settings if isinstance(settings, WeChatSettings) else WeChatSettings.from_env()
    if not config.token:
        return None
    channel = WeChatChannel(service, config)
    channel.mount(app)
    return channel


class WeChatChannel:
    """Answers WeChat villagers through the core, and lets advisers write to them (`push`)."""

    def __init__(self, service: ChatService, settings: WeChatSettings, *, clock: Callable[[], float] = time.time):
        if settings.aes_key and not settings.app_id:
            raise ValueError("MINGBAI_WECHAT_AES_KEY (safe mode) needs MINGBAI_WECHAT_APPID as well")
        self.service, self.settings, self.clock = service, settings, clock
        self.api = WeChatApi(settings.api_base, settings.app_id, settings.secret, clock=self._now) \
            if settings.app_id and settings.secret else None
        try:
            self.crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None
        except (AssertionError, binascii.Error) as error:
            raise ValueError("MINGBAI_WECHAT_AES_KEY must be the 43-character EncodingAESKey from the console") from error
        self.deliveries = Deliveries(self._answer, self._send, settings.reply_seconds, can_send=self.api is not None)
        #: Called with every Outcome that carries effects (e.g. a handoff), so the rest of mingbai can act on it.
        self.on_effects: Callable[[Incoming, Outcome], Awaitable[None]] | None = None

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

    def _run(self, function, *args):
        """Blocking store calls go to the core's single worker: SQLite sees one thread, in order."""
        return asyncio.get_running_loop().run_in_executor(self.service._worker, function, *args)

    # --- HTTP -------------------------------------------------------------------------------

    def _signed(self, query: Mapping[str, str]) -> bool:
        """WeChat's signature: SHA1 of token, timestamp and nonce sorted (wechatpy's signer), compared in constant time."""
        signature, timestamp, nonce = query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
        if not (signature and timestamp and nonce):
            return False
        signer = WeChatSigner()
        signer.add_data(self.settings.token, timestamp, nonce)
        return hmac.compare_digest(signer.signature, signature)

    async def verify(self, request: web.Request) -> web.Response:
        """The handshake when the server URL is saved in the console: echo `echostr` if the signature is ours."""
        if not self._signed(request.query):
            log.warning("wechat: verification with a wrong signature refused")
            raise web.HTTPForbidden(text="signature mismatch")
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        if not self._signed(query):
            log.warning("wechat: message with a wrong signature refused")
            raise web.HTTPForbidden(text="signature mismatch")
        safe = query.get("encrypt_type") == "aes"
        body = await request.read()
        try:
            message = read_message(self._decrypt(body, query) if safe else body)
        except InvalidSignatureException:
            log.warning("wechat: encrypted message with a wrong msg_signature refused")
            raise web.HTTPForbidden(text="msg_signature mismatch")
        except (MalformedMessage, InvalidAppIdException, ExpatError, KeyError, TypeError, ValueError,
                struct.error) as error:
            log.warning("wechat: unreadable message refused (%s)", type(error).__name__)
            raise web.HTTPBadRequest(text="malformed message")
        understood = understand(message)
        if understood.subscribed is False:
            await self._run(wechat_api.note_subscription, self.service.store, self._key(message.open_id), False,
                            self._now())
        if understood.incoming is None:
            return web.Response(text="success")
        connected = lambda: request.transport is not None and not request.transport.is_closing()  # noqa: E731
        first, rest = await self.deliveries.respond(understood, connected)
        if first is None:
            return web.Response(text="success")
        xml = passive_xml(first, message)
        if safe:
            xml = self.crypto.encrypt_message(xml, query.get("nonce", ""))
        response = web.Response(text=xml, content_type="application/xml")
        if rest:  # the rest goes out after the passive reply is on its way, so the parts arrive in order
            await response.prepare(request)
            await response.write_eof()
            self.deliveries.later(self._send(message.open_id, rest))
        return response

    def _decrypt(self, body: bytes, query: Mapping[str, str]) -> str:
        if self.crypto is None:
            raise MalformedMessage("an encrypted message, but MINGBAI_WECHAT_AES_KEY is not set")
        return self.crypto.decrypt_message(body, query.get("msg_signature", ""), query.get("timestamp", ""),
                                           query.get("nonce", ""))

    # --- the core and the API -----------------------------------------------------------------

    @staticmethod
    def _key(open_id: str) -> str:
        return f"{PLATFORM}:{open_id}"

    async def _answer(self, understood: Understood) -> Outcome:
        """Handle one message in the core (called once per MsgId); remember what the API needs to reach them."""
        incoming = understood.incoming
        if understood.wrote:
            await self._run(wechat_api.note_wrote, self.service.store, incoming.user_key, self._now())
        elif understood.subscribed:
            await self._run(wechat_api.note_subscription, self.service.store, incoming.user_key, True, self._now())
        outcome = await self.service.handle(incoming)
        if outcome.effects and self.on_effects:
            try:
                await self.on_effects(incoming, outcome)
            except Exception:  # a failing handoff must not cost the villager their answer
                log.exception("wechat: acting on effects failed")
        return outcome

    async def _send(self, open_id: str, parts: list[str]) -> bool:
        """Customer-service messages, in order; False at the first one WeChat refuses."""
        if self.api is None:
            log.warning("wechat: %d message(s) not sent: no AppID/secret", len(parts))
            return False
        for part in parts:
            try:
                await self.api.send_text(open_id, part)
            except wechat_api.WeChatApiError as error:
                log.warning("wechat: customer-service message refused (%s)", error)
                return False
        return True

    async def push(self, open_id: str, text: str) -> bool:
        """Write to a villager outside a reply (an adviser's message); False when WeChat won't let us any more."""
        if not await self._run(wechat_api.reachable, self.service.store, self._key(open_id), self._now()):
            return False
        return await self._send(open_id, split(plain(text)))
