"""Who is asking, and how often: the client's address and sliding-window limits, for every HTTP surface.

The server listens on 127.0.0.1 and has no TLS, so in production it sits behind
a reverse proxy and every request comes from the proxy's address. Only when the
proxy is named in MINGBAI_TRUSTED_PROXY are its X-Forwarded-For and
X-Forwarded-Proto believed; from anyone else they are ignored, so a client
cannot pick its own address to slip past a limit.

The villager chat is anonymous (an id in a cookie), so its limits are per
cookie, per address (far looser: a village may share one mobile network
address), and on how many ids never seen before one address may start. They
are kept in memory, which is enough for one server; a restart forgets them.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict, deque
from typing import Awaitable, Callable, Iterable

from aiohttp import web

from bot.core.texts import both
from bot.http import Refused
from bot.settings import DEFAULT_WEB_LIMITS

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
TRUSTED_PROXIES = web.AppKey("trusted_proxies", tuple)
MAX_KEYS = 20_000  # counters kept at most; made-up ids or addresses must not fill the memory

MESSAGE_WINDOW = 60.0
NEW_ID_WINDOW = 3600.0

TOO_FAST = both("web_too_fast")
BUSY_NETWORK = both("web_busy_network")
TOO_MANY_NEW = both("web_too_many_new")


def trusted_networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _address(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:5123"
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _from_trusted_proxy(request: web.Request) -> bool:
    proxies = request.app.get(TRUSTED_PROXIES, ())
    remote = _address(request.remote or "")
    return bool(proxies) and remote is not None and any(remote in network for network in proxies)


def client_address(request: web.Request) -> str:
    """The client's address: the peer's, or behind a trusted proxy the nearest address in X-Forwarded-For
    that is not itself one of the trusted proxies (what the proxy saw; anything further left may be forged)."""
    remote = request.remote or "unknown"
    if not _from_trusted_proxy(request):
        return remote
    proxies = request.app[TRUSTED_PROXIES]
    hops = [hop for line in request.headers.getall("X-Forwarded-For", []) for hop in line.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        if not any(address in network for network in proxies):
            return str(address)
    return remote


def is_secure(request: web.Request) -> bool:
    """HTTPS as the browser sees it: directly, or as a trusted proxy says in X-Forwarded-Proto."""
    if request.secure:
        return True
    if not _from_trusted_proxy(request):
        return False
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().lower()
    return proto == "https"


class Throttle:
    """At most `limit` events per `window` seconds for each key, in a sliding window; limit 0 means no limit."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        cutoff = self.clock() - self.window
        while events and events[0] <= cutoff:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def full(self, key: str) -> bool:
        return bool(self.limit) and len(self._recent(key)) >= self.limit

    def add(self, key: str) -> None:
        if not self.limit:
            return
        events = self._events.setdefault(key, deque())
        self._events.move_to_end(key)
        events.append(self.clock())
        if len(self._events) > MAX_KEYS:
            for old in list(self._events)[: len(self._events) // 10]:  # the least recently used tenth
                del self._events[old]


class VillagerLimits:
    """The web chat's limits; `known(user_id)` says whether the server has seen that villager id before."""

    def __init__(self, known: Callable[[str], Awaitable[bool]], limits: dict[str, int] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        limits = {**DEFAULT_WEB_LIMITS, **(limits or {})}
        self.known = known
        self.per_villager = Throttle(limits["villager"], MESSAGE_WINDOW, clock)
        self.per_address = Throttle(limits["address"], MESSAGE_WINDOW, clock)
        self.new_ids = Throttle(limits["new_ids"], NEW_ID_WINDOW, clock)
        self._active: OrderedDict[str, None] = OrderedDict()  # ids known to be old, so the database is not asked

    async def check(self, user_id: str, address: str) -> None:
        """Count one message, or refuse it (429) with a reason the villager can read."""
        new = user_id not in self._active and not await self.known(user_id)
        # From here on no await: the checks and the counting happen together, whatever runs concurrently.
        new = new and user_id not in self._active  # a concurrent first message of the same id counted it already
        if new and self.new_ids.full(address):
            raise Refused(429, TOO_MANY_NEW)
        if self.per_villager.full(user_id):
            raise Refused(429, TOO_FAST)
        if self.per_address.full(address):
            raise Refused(429, BUSY_NETWORK)
        if new:
            self.new_ids.add(address)
        self.per_villager.add(user_id)
        self.per_address.add(address)
        self._active[user_id] = None
        self._active.move_to_end(user_id)
        while len(self._active) > MAX_KEYS:
            self._active.popitem(last=False)

    def forget(self, user_id: str) -> None:
        """After /forget the id is new again to the server, and its counters go too."""
        self._active.pop(user_id, None)
