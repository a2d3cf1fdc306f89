"""A small, real WeChat for tests: it pushes signed XML to the bot and serves the API the bot calls.

Like WeChat (engineering notes §4) it signs every push, encrypts in safe mode, gives up on a reply
after `timeout` seconds and sends the message again (`attempts` in all), and shows "该公众号暂时无法
提供服务" for a broken or missing reply. Its API hands out expiring tokens and takes customer-service
messages only for followers who wrote within 48 hours, five per message; a new token leaves the
older ones five minutes. Written without wechatpy
(hashlib, ElementTree, `cryptography`), so the bot's use of wechatpy is checked, not echoed.
`seen[open_id]` is what a villager's phone shows; `problems`, what real WeChat would have refused.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
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

from tests.support.fakes import Clock

UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"
MAX_BYTES = 2048
OLD_TOKEN_GRACE = 300  # seconds an access token stays valid after a newer one was fetched


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def cdata_xml(fields: dict) -> str:
    inner = "".join(f"<{name}>{value}</{name}>" if isinstance(value, int) else
                    f"<{name}><![CDATA[{value.replace(']]>', ']]]]><![CDATA[>')}]]></{name}>" for name, value in fields.items())
    return f"<xml>{inner}</xml>"


@dataclass
class Push:
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
        self.refused: list[int] = []  # errcodes of customer-service messages refused
        self.token_fetches, self.token_lifetime = 0, 7200
        self.seen: dict[str, list[str]] = defaultdict(list)  # by OpenID: what each villager's phone shows
        self._tokens: dict[str, float] = {}
        self._followers: set[str] = set()
        self._last_wrote: dict[str, float] = {}
        self._quota: dict[str, int] = defaultdict(int)
        self._busy: dict[str, asyncio.Event] = {}
        self._server: TestServer | None = None
        self._session: aiohttp.ClientSession | None = None  # both set by start()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        self._server = TestServer(app)
        await self._server.start_server()
        self.api_base = str(self._server.make_url("")).rstrip("/")
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self._session.close()
        await self._server.close()

    def revoke_tokens(self) -> None:  # as when another server fetches a token for this account
        self._tokens.clear()

    # --- WeChat → bot -------------------------------------------------------------------------

    def signed_query(self, token: str | None = None, **extra: str) -> dict[str, str]:  # another token: a stranger
        timestamp, nonce = str(int(self.clock())), os.urandom(6).hex()
        return {"signature": sign(token or self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                **extra}

    async def verify(self, echostr: str, *, token: str | None = None) -> tuple[int, str]:  # saving the server URL
        async with self._session.get(self.bot_url, params=self.signed_query(token, echostr=echostr)) as response:
            return response.status, await response.text()

    async def post_raw(self, body: str, query: dict[str, str] | None = None) -> tuple[int, str]:
        query = self.signed_query() if query is None else query
        async with self._session.post(self.bot_url, params=query, data=body) as response:
            return response.status, await response.text()

    async def text(self, open_id: str, content: str) -> Push:
        return await self.push(open_id, {"MsgType": "text", "Content": content})

    async def voice(self, open_id: str, recognition: str | None) -> Push:
        heard = {} if recognition is None else {"Recognition": recognition}
        return await self.push(open_id, {"MsgType": "voice", "MediaId": "m1", "Format": "amr", **heard})

    async def event(self, open_id: str, event: str) -> Push:
        (self._followers.add if event == "subscribe" else self._followers.discard)(open_id)
        return await self.push(open_id, {"MsgType": "event", "Event": event})

    async def push(self, open_id: str, fields: dict) -> Push:
        """Post one message like WeChat: signed, retried on a timeout or a lost answer, the reply shown."""
        if fields["MsgType"] != "event":
            fields = {**fields, "MsgId": int.from_bytes(os.urandom(7), "big")}  # a 64-bit number
            self._followers.add(open_id)
            self._last_wrote[open_id], self._quota[open_id] = self.clock(), 0
        xml = cdata_xml({"ToUserName": self.account, "FromUserName": open_id, "CreateTime": int(self.clock()),
                         **fields})
        self._busy[open_id] = done = asyncio.Event()
        started, status, body, attempt = time.monotonic(), None, "", 0
        try:
            while attempt < self.attempts and status is None:
                attempt += 1
                query, data = self._wrap(xml)
                with contextlib.suppress(asyncio.TimeoutError):
                    async with self._session.post(self.bot_url, params=query, data=data,
                                                  timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                        status, body = response.status, await response.text()
                if status is not None and self.lose_replies:
                    self.lose_replies, status, body = self.lose_replies - 1, None, ""
            return Push(status, body, attempt, time.monotonic() - started, self._show(open_id, status, body))
        finally:
            done.set()

    def _wrap(self, xml: str) -> tuple[dict[str, str], str]:
        if not self.aes_key:
            return self.signed_query(), xml
        query, encrypted = self.signed_query(encrypt_type="aes"), self.encrypt(xml)
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
            addressed = {"MsgType": "text", "ToUserName": open_id, "FromUserName": self.account}
            assert addressed.items() <= fields.items() and fields.get("CreateTime", "").isdigit(), fields
            assert 0 < len(fields.get("Content", "").encode()) <= MAX_BYTES, "empty, or over 2048 bytes"
        except (ValueError, AssertionError, ET.ParseError) as error:
            self.problems.append(f"passive reply refused: {error}")
            self.seen[open_id].append(UNAVAILABLE)
            return None
        self.seen[open_id].append(fields["Content"])
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
        length, plain = struct.unpack(">I", plain[16:20])[0], plain[20 : -plain[-1]]
        if plain[length:].decode() != self.app_id:
            raise ValueError("encrypted reply for another AppID")
        return plain[:length].decode()

    # --- the API the bot calls ------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        asked = tuple(request.query.get(name) for name in ("grant_type", "appid", "secret"))
        if asked != ("client_credential", self.app_id, self.secret):
            return web.json_response({"errcode": 40125, "errmsg": "invalid appid or appsecret"})
        self.token_fetches += 1
        for older in self._tokens:  # as WeChat does: a new token leaves the older ones 5 minutes at most
            self._tokens[older] = min(self._tokens[older], self.clock() + OLD_TOKEN_GRACE)
        token = f"TOKEN-{self.token_fetches}-{os.urandom(4).hex()}"
        self._tokens[token] = self.clock() + self.token_lifetime
        return web.json_response({"access_token": token, "expires_in": self.token_lifetime})

    async def _custom_send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        if token not in self._tokens:
            return self._refuse(40001, "invalid credential, access_token is invalid")
        if self.clock() >= self._tokens[token]:
            return self._refuse(42001, "access_token expired")
        try:
            payload = json.loads(await request.text())
            open_id, content = payload["touser"], payload["text"]["content"]
            assert payload["msgtype"] == "text" and isinstance(content, str) and content
        except (ValueError, KeyError, TypeError, AssertionError):
            self.problems.append("custom send: malformed body")
            return self._refuse(40003, "invalid openid or body")
        if open_id not in self._followers or self.clock() - self._last_wrote.get(open_id, 0) > 48 * 3600:
            return self._refuse(45015, "response out of time limit or subscription is canceled")
        if self._quota[open_id] >= 5:
            return self._refuse(45047, "out of response count limit")
        if len(content.encode()) > MAX_BYTES:
            self.problems.append("custom send over 2048 bytes")
            return self._refuse(45002, "content size out of limit")
        if open_id in self._busy:  # WeChat shows the passive reply it already holds before a later message
            await self._busy[open_id].wait()
        self._quota[open_id] += 1
        self.sent.append(payload)
        self.seen[open_id].append(content)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def _refuse(self, errcode: int, errmsg: str) -> web.Response:  # errmsg as WeChat words it
        self.refused.append(errcode)
        return web.json_response({"errcode": errcode, "errmsg": errmsg})

    async def until_sent(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.sent) < count:
            assert time.monotonic() < deadline, f"only {len(self.sent)} of {count} customer-service messages arrived"
            await asyncio.sleep(0.02)
