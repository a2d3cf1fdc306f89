"""The console's login limit counts across the processes behind a load balancer: a password guesser gains nothing
by having the tries spread over two `mingbai run` processes on one database.

On one process the console allows 5 wrong passwords for a name from an address before it makes the next try wait
(bot/console/auth.py); with two processes the same number holds for the whole service, not for each process. (The
web chat's message limits stay per process, as the README says: they only get looser, and nothing breaks.)
"""

from __future__ import annotations

import aiohttp

from tests.support.processes import SAME_SITE, add_adviser, mingbai_processes

FREE_WRONG_PASSWORDS = 5  # bot/console/auth.py FREE_FAILURES["pair"]


async def log_in(session: aiohttp.ClientSession, process, password: str) -> int:
    async with session.post(process.base + "/login", json={"name": "alice", "password": password},
                            headers=SAME_SITE) as response:
        return response.status


async def test_wrong_passwords_spread_over_both_processes_count_together(tmp_path, postgres_url):
    add_adviser("alice", tmp_path / "admin", postgres_url)
    async with mingbai_processes(tmp_path, postgres_url) as (a, b):
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            for attempt in range(FREE_WRONG_PASSWORDS):
                assert await log_in(session, (a, b)[attempt % 2], f"guess {attempt}") == 401
            assert [await log_in(session, process, "guess again") for process in (a, b)] == [429, 429], \
                "past the free tries, every process makes the guesser wait"
