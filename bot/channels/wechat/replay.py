"""Refusing replayed WeChat pushes (security review F1).

WeChat's signature covers only token, timestamp and nonce, not the body: a
captured URL would otherwise let anyone post any body as any villager, for
ever. So a push must be recent (its timestamp within `WINDOW` of our clock),
and a nonce, once seen, may only come back with the very same body: that is
WeChat retrying a push it got no answer to (the MsgId dedupe then answers it
once); a different body under a used nonce is a replay. The nonces are kept in the
database (`store.wechat`), so a replay sent to another `mingbai run` on it is
refused too.
"""

from __future__ import annotations

import hashlib
from typing import Callable

WINDOW = 300  # seconds either side of our clock; WeChat's own retries come within 15 s


class ReplayGuard:
    """`nonces` is the store that remembers them (`store.wechat`); `fresh` is a blocking call for the core's
    worker thread, like every store call."""

    def __init__(self, nonces, clock: Callable[[], float]):
        self._nonces, self._clock = nonces, clock

    def fresh(self, timestamp: str, nonce: str, body: bytes) -> bool:
        """True for a push that is recent and not a replay; remembers its nonce for the window."""
        now = self._clock()
        try:
            sent = int(timestamp)
        except ValueError:
            return False
        if abs(now - sent) > WINDOW:
            return False
        self._nonces.forget_nonces_before(now - 2 * WINDOW)  # a nonce that old comes with a refused timestamp
        digest = hashlib.sha256(body).hexdigest()
        return self._nonces.first_digest(nonce, digest, now) == digest
