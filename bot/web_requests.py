"""What every HTTP surface (villager chat, advisers' console) does with a request body: bounded, JSON, or refused."""

from __future__ import annotations

import json

from aiohttp import web


class Refused(Exception):
    """A request that cannot be done; `status` and a message its reader understands go back to the page."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


async def read_json(request: web.Request, *, limit: int, too_big: str, unreadable: str) -> object:
    """The body as JSON, reading no more than `limit` bytes whatever the client claims (413 past it, 400 if not JSON)."""
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, too_big)
    body = bytearray()
    async for chunk in request.content.iter_chunked(4096):
        body += chunk
        if len(body) > limit:
            raise Refused(413, too_big)
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, unreadable) from None
