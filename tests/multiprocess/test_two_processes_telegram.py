"""Two `mingbai run` processes on one PostgreSQL database and one Telegram bot token: only one of them (the
leader) polls Telegram, as Telegram allows one getUpdates at a time per bot (409 Conflict otherwise), and when the
leader is killed with kill -9 another takes over, so Telegram villagers keep being answered, each message once.

Real parts: `python -m bot.cli run` subprocesses (tests/support/processes.py) against the fake Bot API
(tests/support/telegram/), on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import asyncio

from tests.support.processes import free_port, mingbai_processes, start_process
from tests.support.telegram.bots import CHAT, DEBT, HELP, STARTS, WAGES, fake, starts  # noqa: F401  (fixture)

TAKEOVER_SECONDS = 20  # a process killed with kill -9 leaves its lock to PostgreSQL to release


def telegram(fake) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url,
            "TELEGRAM_BASE_FILE_URL": fake.base_file_url}


async def answered_once(fake, expected: list[str], timeout: float) -> None:
    """The villager's chat shows exactly the answers `expected` (their beginnings), in order, within `timeout`
    seconds, and nothing more a moment later."""
    await fake.wait_for_messages(CHAT, len(expected), timeout=timeout)
    await asyncio.sleep(1.5)  # room for a second answer to show
    assert starts(fake) == expected


async def test_only_one_process_polls_telegram_and_each_message_is_answered_once(fake, tmp_path, postgres_url):
    async with mingbai_processes(tmp_path, postgres_url, **telegram(fake)):
        fake.push_text(CHAT, WAGES)
        await answered_once(fake, [STARTS[WAGES]], timeout=15)
        fake.push_text(CHAT, HELP)
        await answered_once(fake, [STARTS[WAGES], STARTS[HELP]], timeout=10)
        await asyncio.sleep(2)  # a few more polls of each process
    assert fake.overlapping_polls == 0, f"{fake.overlapping_polls} getUpdates while another was polling"


async def test_when_the_polling_process_is_killed_another_takes_over(fake, tmp_path, postgres_url):
    """Whichever of A and B polls, killing A and then (after C started) B kills a poller at least once: the
    villager is still answered, once, after each kill."""
    async with mingbai_processes(tmp_path, postgres_url, **telegram(fake)) as (a, b):
        fake.push_text(CHAT, WAGES)
        await answered_once(fake, [STARTS[WAGES]], timeout=15)
        await a.kill()
        fake.push_text(CHAT, DEBT)
        await answered_once(fake, [STARTS[WAGES], STARTS[DEBT]], timeout=TAKEOVER_SECONDS)
        c = await start_process("C", tmp_path / "C", postgres_url, **telegram(fake))
        try:
            await c.wait_until_up()
            await b.kill()  # B polled since A's death (or before): now C must
            fake.push_text(CHAT, HELP)
            await answered_once(fake, [STARTS[WAGES], STARTS[DEBT], STARTS[HELP]], timeout=TAKEOVER_SECONDS)
        finally:
            await c.stop()


async def test_an_update_telegram_posts_to_the_process_that_does_not_lead_is_answered_by_the_one_that_does(
        fake, tmp_path, postgres_url):
    """Webhook mode behind a load balancer: Telegram POSTs to the one URL it was given, and the balancer may hand
    the update to a process where the bot does not run. Here A leads (it started alone) and every POST reaches B:
    B stores the update, and A, told by the inbox's notice, answers it, once."""
    port_of_b = free_port()
    webhook = {**telegram(fake), "MINGBAI_WEBHOOK_URL": f"http://127.0.0.1:{port_of_b}",
               "MINGBAI_WEBHOOK_SECRET": "s3cret-Token_1"}
    a = await start_process("A", tmp_path / "A", postgres_url, **webhook)
    try:
        await a.wait_until_up()
        while not fake.webhook:  # A leads: it told Telegram where to POST
            await asyncio.sleep(0.1)
        b = await start_process("B", tmp_path / "B", postgres_url, port=port_of_b, **webhook)
        try:
            await b.wait_until_up()
            fake.push_text(CHAT, WAGES)
            await answered_once(fake, [STARTS[WAGES]], timeout=15)
        finally:
            await b.stop()
    finally:
        await a.stop()
    assert fake.webhook_deliveries == [200]
