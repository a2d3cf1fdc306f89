"""Refusing replayed WeChat pushes (security review F1).

WeChat's signature covers only token, timestamp and nonce, not the body: a
captured URL would otherwise let anyone post any body as any villager, for
ever. So a push must be recent (its timestamp within `WINDOW` of our clock),
and a nonce, once seen, may only come back with the very same body: that is
WeChat retrying a push it got no answer to (the MsgId dedupe then answers it
once); a different body under a used nonce is a replay.
"""

from __future__ import annotations

import hashlib
from typing import Callable

WINDOW = 300  # seconds either side of our clock; WeChat's own retries come within 15 s


class ReplayGuard:
    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self._seen: dict[str, tuple[float, str]] = {}  # nonce -> (when first seen, body digest)

    def fresh(self, timestamp: str, nonce: str, body: bytes) -> bool:
        """True for a push that is recent and not a replay; remembers its nonce for the window."""
        now = self._clock()
        try:
            sent = int(timestamp)
        except ValueError:
            return False
        if abs(now - sent) > WINDOW:
            return False
        self._forget_older_than(now - 2 * WINDOW)
        digest = hashlib.sha256(body).hexdigest()
        first = self._seen.setdefault(nonce, (now, digest))
        return first[1] == digest

    def _forget_older_than(self, moment: float) -> None:
        for nonce in [nonce for nonce, (seen, _) in self._seen.items() if seen < moment]:
            del self._seen[nonce]
