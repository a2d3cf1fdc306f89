"""The limits that protect the service count across the processes behind a load balancer: a password guesser or a
flooding script gains nothing by having its requests spread over two `mingbai run` processes on one database.

On one process the console allows 5 wrong passwords for a name from an address before it makes the next try wait
(bot/console/auth.py), and the web chat a number of messages a minute per villager (MINGBAI_WEB_LIMITS); with two
processes the same numbers must hold for the whole service, not for each process.
"""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.processes import SAME_SITE, Refusal, WebVillager, add_adviser, mingbai_processes

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


async def test_a_villagers_message_limit_holds_across_both_processes(tmp_path, postgres_url):
    async with mingbai_processes(tmp_path, postgres_url, MINGBAI_WEB_LIMITS="villager=4") as (a, b):
        async with WebVillager.opened() as villager:
            await villager.open_page(a)  # the welcome (/start) is the first message of the minute
            for index in range(3):
                await villager.says((b, a)[index % 2], "借钱不还怎么办")
            with pytest.raises(Refusal, match=" 429 "):  # the fifth message in a minute, on either process
                await villager.says(b, "借钱不还怎么办")
