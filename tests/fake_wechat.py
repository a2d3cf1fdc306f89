"""A small, real WeChat for tests: it pushes signed XML to the bot and serves the API the bot calls.

Like WeChat's servers (engineering notes §4) it signs every push, encrypts in
safe mode, gives up on a reply after `timeout` seconds and sends the same
message again (`attempts` in all), and shows the villager "该公众号暂时无法提供
服务" when a reply is broken or never comes. Its API hands out expiring access
tokens and takes customer-service messages only from followers who wrote
within 48 hours, five per message. Everything is written independently of
wechatpy (hashlib, ElementTree, `cryptography`), so the bot's use of wechatpy
is checked, not echoed.

`seen(open_id)` is what a villager's phone shows; `problems` is everything
real WeChat would have refused, which a test expects to stay empty.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import os
import struct
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"
MAX_BYTES = 2048


class Clock:
    """Wall-clock time that a test can move forward; shared by the fake and the bot."""

    def __init__(self):
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def cdata_xml(fields: dict) -> str:
    inner = "".join(f"<{name}>{value}</{name}>" if isinstance(value, int) else f"<{name}><![CDATA[{value}]]></{name}>"
                    for name, value in fields.items())
    return f"<xml>{inner}</xml>"


@dataclass
class Push:
    """How WeChat's push of one message went."""

    status: int | None  # of the last attempt; None when every attempt timed out
    body: str  # the last attempt's raw answer
    attempts: int
    seconds: float  # from the first attempt to the last answer
    reply: str | None  # the passive reply's text, if the bot gave one


class FakeWeChat:
    def __init__(self, token: str, app_id: str = "wx0123456789abcdef", secret: str = "fake-secret", *,
                 aes_key: str | None = None, account: str = "gh_mingbai", timeout: float = 5.0, attempts: int = 3,
                 clock: Clock | None = None):
        self.token, self.app_id, self.secret, self.aes_key = token, app_id, secret, aes_key
        self.account, self.timeout, self.attempts, self.clock = account, timeout, attempts, clock or Clock()
        self.bot_url = ""
        self.lose_replies = 0  # answers to drop as if the network lost them (WeChat then retries)
        self.problems: list[str] = []
        self.sent: list[dict] = []  # customer-service messages accepted
        self.token_fetches = 0
        self.token_lifetime = 7200
        self._seen: dict[str, list[str]] = defaultdict(list)
        self._tokens: dict[str, float] = {}
        self._followers: set[str] = set()
        self._last_wrote: dict[str, float] = {}
        self._quota: dict[str, int] = defaultdict(int)
        self._busy: dict[str, asyncio.Event] = {}
        self._ids = itertools.count(int(time.time()) * 1000)
        self._server: TestServer | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        self._server = TestServer(app)
        await self._server.start_server()
        self._session = aiohttp.ClientSession()

    @property
    def api_base(self) -> str:
        return str(self._server.make_url("")).rstrip("/")

    async def close(self) -> None:
        await self._session.close()
        await self._server.close()

    def seen(self, open_id: str) -> list[str]:
        return list(self._seen[open_id])

    def revoke_tokens(self) -> None:
        """What happens when another server fetches a token for the same account: ours stops working."""
        self._tokens.clear()

    # --- WeChat → bot -------------------------------------------------------------------------

    def signed_query(self, **extra: str) -> dict[str, str]:
        timestamp, nonce = str(int(self.clock())), os.urandom(6).hex()
        return {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}

    async def verify(self, echostr: str, *, token: str | None = None) -> tuple[int, str]:
        """The console's handshake; `token` signs with another token, as a stranger would."""
        timestamp, nonce = str(int(self.clock())), "1234"
        query = {"signature": sign(token or self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                 "echostr": echostr}
        async with self._session.get(self.bot_url, params=query) as response:
            return response.status, await response.text()

    async def post_raw(self, body: bytes | str, query: dict[str, str] | None = None) -> tuple[int, str]:
        async with self._session.post(self.bot_url, params=self.signed_query() if query is None else query, data=body) as response:
            return response.status, await response.text()

    async def text(self, open_id: str, content: str) -> Push:
        return await self.push(open_id, {"MsgType": "text", "Content": content, "MsgId": next(self._ids)})

    async def voice(self, open_id: str, recognition: str | None) -> Push:
        fields = {"MsgType": "voice", "MediaId": "media-1", "Format": "amr", "MsgId": next(self._ids)}
        if recognition is not None:
            fields["Recognition"] = recognition
        return await self.push(open_id, fields)

    async def event(self, open_id: str, event: str) -> Push:
        if event == "subscribe":
            self._followers.add(open_id)
        elif event == "unsubscribe":
            self._followers.discard(open_id)
        return await self.push(open_id, {"MsgType": "event", "Event": event})

    async def push(self, open_id: str, fields: dict) -> Push:
        """Post one message like WeChat: signed, retried on a timeout or a lost answer, the reply shown."""
        if fields["MsgType"] != "event":
            self._followers.add(open_id)
            self._last_wrote[open_id], self._quota[open_id] = self.clock(), 0
        xml = cdata_xml({"ToUserName": self.account, "FromUserName": open_id, "CreateTime": int(self.clock()),
                         **fields})
        self._busy[open_id] = done = asyncio.Event()
        started, status, body, attempt = time.monotonic(), None, "", 0
        try:
            for attempt in range(1, self.attempts + 1):
                query, data = self._wrap(xml)
                try:
                    async with self._session.post(self.bot_url, params=query, data=data,
                                                  timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                        status, body = response.status, await response.text()
                except asyncio.TimeoutError:
                    status, body = None, ""
                    continue
                if self.lose_replies:
                    self.lose_replies -= 1
                    status, body = None, ""
                    continue
                break
            reply = self._show(open_id, status, body)
        finally:
            done.set()
        return Push(status, body, attempt, time.monotonic() - started, reply)

    def _wrap(self, xml: str) -> tuple[dict[str, str], str]:
        if not self.aes_key:
            return self.signed_query(), xml
        query = self.signed_query(encrypt_type="aes")
        encrypted = self.encrypt(xml)
        query["msg_signature"] = sign(self.token, query["timestamp"], query["nonce"], encrypted)
        return query, cdata_xml({"ToUserName": self.account, "Encrypt": encrypted})

    def _show(self, open_id: str, status: int | None, body: str) -> str | None:
        if status == 200 and body in ("", "success"):
            return None
        try:
            if status != 200:
                raise ValueError(f"HTTP {status}")
            reply = ET.fromstring(body)
            if self.aes_key:
                reply = ET.fromstring(self._opened(reply))
            fields = {child.tag: child.text or "" for child in reply}
            assert fields.get("MsgType") == "text", fields
            assert (fields.get("ToUserName"), fields.get("FromUserName")) == (open_id, self.account), fields
            assert fields.get("CreateTime", "").isdigit() and fields.get("Content"), fields
            assert len(fields["Content"].encode()) <= MAX_BYTES, "passive reply over 2048 bytes"
        except (ValueError, AssertionError, ET.ParseError) as error:
            self.problems.append(f"passive reply refused: {error}")
            self._seen[open_id].append(UNAVAILABLE)
            return None
        self._seen[open_id].append(fields["Content"])
        return fields["Content"]

    # --- safe mode (AES-256-CBC, key from EncodingAESKey, IV its first 16 bytes, PKCS#7 to 32) --

    def _cipher(self) -> Cipher:
        key = base64.b64decode(self.aes_key + "=")
        return Cipher(algorithms.AES(key), modes.CBC(key[:16]))

    def encrypt(self, xml: str) -> str:
        message = xml.encode()
        plain = os.urandom(16) + struct.pack(">I", len(message)) + message + self.app_id.encode()
        padding = 32 - len(plain) % 32
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([padding]) * padding) + encryptor.finalize()).decode()

    def _opened(self, envelope: ET.Element) -> str:
        fields = {child.tag: child.text or "" for child in envelope}
        expected = sign(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        if fields.get("MsgSignature") != expected:
            raise ValueError("encrypted reply with a wrong MsgSignature")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(base64.b64decode(fields["Encrypt"])) + decryptor.finalize()
        plain = plain[: -plain[-1]]
        length = struct.unpack(">I", plain[16:20])[0]
        if plain[20 + length:].decode() != self.app_id:
            raise ValueError("encrypted reply for another AppID")
        return plain[20 : 20 + length].decode()

    # --- the API the bot calls ------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("grant_type") != "client_credential" or query.get("appid") != self.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        self.token_fetches += 1
        token = f"TOKEN-{self.token_fetches}-{os.urandom(4).hex()}"
        self._tokens[token] = self.clock() + self.token_lifetime
        return web.json_response({"access_token": token, "expires_in": self.token_lifetime})

    async def _custom_send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        if token not in self._tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        if self.clock() >= self._tokens[token]:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        try:
            payload = json.loads(await request.text())
            open_id, content = payload["touser"], payload["text"]["content"]
            assert payload["msgtype"] == "text" and isinstance(content, str) and content
        except (ValueError, KeyError, TypeError, AssertionError):
            self.problems.append("custom send: malformed body")
            return web.json_response({"errcode": 40003, "errmsg": "invalid openid or body"})
        wrote = self._last_wrote.get(open_id)
        if open_id not in self._followers or wrote is None or self.clock() - wrote > 48 * 3600:
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"})
        if self._quota[open_id] >= 5:
            return web.json_response({"errcode": 45047, "errmsg": "out of response count limit"})
        if len(content.encode()) > MAX_BYTES:
            self.problems.append("custom send over 2048 bytes")
            return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        if open_id in self._busy:  # WeChat shows the passive reply it already holds before a later message
            await self._busy[open_id].wait()
        self._quota[open_id] += 1
        self.sent.append(payload)
        self._seen[open_id].append(content)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def until_sent(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.sent) < count:
            assert time.monotonic() < deadline, f"only {len(self.sent)} of {count} customer-service messages arrived"
            await asyncio.sleep(0.02)
