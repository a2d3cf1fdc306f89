"""Running the bot: `mingbai run` (every channel) and `mingbai chat` (this terminal)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from bot.cli.options import database_of, settings_of
from bot.errors import SettingsError


def command_chat(args) -> int:
    import asyncio

    from bot.channels.terminal import chat
    from bot.core.service import ChatService

    async def session() -> None:  # the terminal reads a line only after answering the last: no burst to wait for
        database_of(args)
        service = ChatService.open(dataclasses.replace(settings_of(args), burst_seconds=0.0))
        try:
            await chat(service)
        finally:
            await service.close()

    asyncio.run(session())
    return 0


def command_run(args) -> int:
    import asyncio

    from bot.app import serve
    from bot.privacy import RedactingFilter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines contain the bot token
    try:
        asyncio.run(serve(settings_of(args)))
    except SettingsError as error:  # e.g. a county file naming a token variable that is not set
        print(f"mingbai: {error}", file=sys.stderr)
        return 2
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("chat", help="talk to the bot in this terminal (to try FAQ edits)").set_defaults(handler=command_chat)
    commands.add_parser("run", help="start every configured channel (web chat; Telegram with a token)").set_defaults(handler=command_run)
