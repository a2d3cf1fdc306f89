"""Waiting for an asyncio.Event with a time limit: in one place, because of a Python 3.11 trap.

`asyncio.wait_for(event.wait(), seconds)` swallows a cancellation that arrives just as the event is set (fixed
in 3.12). A loop that waits that way and is woken as the server shuts down runs on, and the process never
exits: the relay did, when a new leader's first deliveries woke it at SIGTERM. `asyncio.timeout` does not.
"""

from __future__ import annotations

import asyncio
import contextlib


async def set_within(event: asyncio.Event, seconds: float) -> bool:
    """True when `event` is set within `seconds` (at once if it already is), False when the time ran out."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()
