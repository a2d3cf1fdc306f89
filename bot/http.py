"""What every HTTP surface (villager chat, advisers' console) does with a request body: bounded, JSON, or refused."""

from __future__ import annotations

import json
import math

from aiohttp import web

from bot.errors import Refused

MAX_JSON_DEPTH = 20  # no request of ours nests deeper than a few levels


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
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, unreadable) from None
    return decode_json(text, unreadable) if body else None


def decode_json(text: str, unreadable: str) -> object:
    """JSON that is safe to hand on: not nested past Python's recursion limit, and no lone surrogate
    (\\ud83d) in any string, which no encoder downstream (OpenCC, SQLite, logging) can take."""
    try:
        data = json.loads(text)
        _check_strings(data)
    except (ValueError, RecursionError, UnicodeEncodeError):
        raise Refused(400, unreadable) from None
    return data


def _check_strings(value: object, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(value, str):
        value.encode("utf-8")  # raises on a lone surrogate
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, depth + 1)
            _check_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item, depth + 1)


def finite_number(value: str | None, default: float) -> float:
    """A query-string number, or `default` when it is missing, not a number, or not finite (nan, inf)."""
    try:
        number = float(value) if value is not None else default
    except ValueError:
        return default
    return number if math.isfinite(number) else default
