"""The two WeChat API calls mingbai makes (access token, customer-service message) and whom they can reach.

wechatpy's API client is synchronous (`requests`) and hard-codes
api.weixin.qq.com, so these calls are made here with aiohttp: the event loop
never blocks, and the base URL can point at a local fake in tests.

The customer-service API (客服消息) may only write to a villager who wrote to
us in the last 48 hours and still follows the account (engineering notes §4.4).
Both facts are kept in the villager's state by the core (`VillagerNotes`), so they
survive a restart and disappear with everything else on /forget.

WeChat keeps one live access token per account: fetching one invalidates the
last within 5 minutes. So every `mingbai run` on one database uses the token
kept there (`store.wechat`), and one of them fetches a new one: inside a
transaction holding the AppID's lock it reads the row again and, if the token
is still stale and nobody has taken the refresh, takes it (a lease, written and
committed before the fetch: the HTTP call never runs inside a transaction, which
would hold the database's write lock or the worker's connection through it).
The others wait for the new token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Awaitable, Callable, Protocol

import aiohttp

from bot.errors import StorageError, WeChatApiError

log = logging.getLogger(__name__)

TOKEN_PATH = "/cgi-bin/token"
SEND_PATH = "/cgi-bin/message/custom/send"
#: Fetch a new token this long before the old one expires; WeChat keeps the old one valid for 5 minutes.
REFRESH_MARGIN = 300.0
DEFAULT_EXPIRES = 7200
#: How long the process that took the refresh has to write the new token before another may fetch one; longer
#: than a fetch can take (the session's timeout is 10 s).
FETCH_LEASE = 15.0
WAIT_STEP = 0.1  # seconds between looks at the token while another process fetches it
#: The token was replaced (someone else fetched one), is malformed, or has expired: fetch a new one and retry once.
STALE_TOKEN = frozenset({40001, 40014, 42001})
#: The villager is out of reach: 48 hours passed, they unfollowed (45015), or the quota per message is used (45047).
OUT_OF_REACH = frozenset({45015, 45047})
WINDOW_SECONDS = 48 * 3600
LAST_WROTE = "wechat_last_wrote"  # keys in UserState.extra
INACTIVE = "inactive"


class WeChatApi:
    """Sends customer-service text messages with the access token every process shares.

    `tokens` is the store of that token (`store.wechat`), `run` queues a blocking call on the core's worker
    thread (`service.submit`), where every store call runs."""

    def __init__(self, base_url: str, app_id: str, secret: str, tokens, run: Callable[..., Awaitable], *,
                 clock: Callable[[], float] = time.time):
        self.base_url, self.app_id, self.secret, self.clock = base_url.rstrip("/"), app_id, secret, clock
        self.tokens, self.run = tokens, run
        self.session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()  # this process's calls wait here, not in the database

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def close(self) -> None:
        if self.session:
            await self.session.close()

    async def access_token(self) -> str:
        """The shared token; a new one fetched shortly before it expires, by one process at a time."""
        async with self._lock:
            for _ in range(int(FETCH_LEASE / WAIT_STEP) + 1):
                try:
                    token, fetch = await self.run(self._claim)
                except StorageError as error:
                    raise WeChatApiError(-1, f"the shared access token cannot be read ({error})") from error
                if token is not None:
                    return token
                if fetch:
                    return await self._fetch()
                await asyncio.sleep(WAIT_STEP)  # another process is fetching it
            raise WeChatApiError(-1, "another process took the access token's refresh and wrote no token")

    def _claim(self) -> tuple[str | None, bool]:
        """On the worker: (the stored token, False) while it is fresh; (None, True) when this process is to fetch
        the new one; (None, False) while another process is fetching it."""
        now = self.clock()
        with self.tokens.transaction():
            self.tokens.lock_token(self.app_id)
            row = self.tokens.token(self.app_id)
            if row and row["token"] and now < row["expires_at"] - REFRESH_MARGIN:
                return row["token"], False
            if row and row["refreshing_until"] > now:
                return None, False
            self.tokens.start_refresh(self.app_id, now + FETCH_LEASE)
            return None, True

    async def _fetch(self) -> str:
        """Fetch a token and store it for every process; on failure hand the refresh back at once."""
        params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.secret}
        try:
            data = await self._call("GET", TOKEN_PATH, params)
            if not isinstance(data.get("access_token"), str):
                raise WeChatApiError(-1, "token answer without access_token")
            token, expires_at = data["access_token"], self.clock() + int(data.get("expires_in") or DEFAULT_EXPIRES)
            await self.run(self.tokens.save_token, self.app_id, token, expires_at)
        except BaseException:
            await asyncio.shield(self.run(self.tokens.end_refresh, self.app_id))
            raise
        log.info("wechat: fetched a new access token")
        return token

    async def send_text(self, open_id: str, content: str) -> None:
        """One customer-service text message; raises WeChatApiError when WeChat refuses it."""
        body = json.dumps({"touser": open_id, "msgtype": "text", "text": {"content": content}}, ensure_ascii=False)
        for attempt in (1, 2):
            token = await self.access_token()
            try:
                await self._call("POST", SEND_PATH, {"access_token": token}, body.encode("utf-8"))
                return
            except WeChatApiError as error:
                if error.errcode not in STALE_TOKEN or attempt == 2:
                    raise
                # unless another call or process has already replaced it
                await self.run(self.tokens.drop_token, self.app_id, token)

    async def _call(self, method: str, path: str, params: dict, body: bytes | None = None) -> dict:
        if self.session is None:
            raise WeChatApiError(-1, "the WeChat channel is not started")
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else None
        try:
            async with self.session.request(method, self.base_url + path, params=params, data=body,
                                            headers=headers) as response:
                if response.status != 200:
                    raise WeChatApiError(-response.status, f"HTTP {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise WeChatApiError(-1, f"{type(error).__name__} calling {path}") from error
        if not isinstance(data, dict):
            raise WeChatApiError(-1, f"unexpected answer from {path}")
        if data.get("errcode"):
            raise WeChatApiError(int(data["errcode"]), str(data.get("errmsg", "")))
        return data


# --- whom the API can reach: blocking calls into the core, run on its worker thread ----------


class VillagerNotes(Protocol):
    """What this module needs of the core (`Conversation`): a channel's notes in the villager's state."""

    def channel_notes(self, user_key: str, *names: str) -> dict: ...

    def note(self, user_key: str, kept: dict | None = None, dropped: tuple[str, ...] = ()) -> None: ...

    def offer_choices(self, user_key: str, actions: list[str]) -> None: ...


def note_wrote(notes: VillagerNotes, user_key: str, when: float) -> None:
    """A message from the villager opens (or renews) the 48-hour window."""
    notes.note(user_key, {LAST_WROTE: when}, dropped=(INACTIVE,))


def note_subscription(notes: VillagerNotes, user_key: str, subscribed: bool, when: float) -> None:
    """Unfollowing marks the villager inactive: nothing can reach them until they follow again."""
    if subscribed:
        notes.note(user_key, dropped=(INACTIVE,))
    else:
        notes.note(user_key, {INACTIVE: when})


def reachable(notes: VillagerNotes, user_key: str, now: float) -> bool:
    kept = notes.channel_notes(user_key, LAST_WROTE, INACTIVE)
    last_wrote = kept.get(LAST_WROTE)
    return INACTIVE not in kept and last_wrote is not None and now - float(last_wrote) < WINDOW_SECONDS
