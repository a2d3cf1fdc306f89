"""Two `mingbai run` on one database are one console to a guesser: the wrong logins one counts lock the other.

Each test starts two complete servers (their own ChatService, worker, console) on one database, the SQLite file
they share or one PostgreSQL database, and guesses through both over real HTTP.
"""

from __future__ import annotations

import contextlib

import pytest

from bot.console.auth import FREE_FAILURES
from tests.support.console import PASSWORD, Client, served_console
from tests.support.engines import ENGINES, database_url_of
from tests.support.faq_files import copy_shipped_faq


@pytest.fixture(params=ENGINES)
def database_url(request):
    return database_url_of(request)


@contextlib.asynccontextmanager
async def two_consoles(tmp_path, database_url):
    """Two servers on the same database (the same data folder, so the same SQLite file when there is no URL)."""
    faq, data = copy_shipped_faq(tmp_path / "faq"), tmp_path / "data"
    async with served_console(faq, data, database_url=database_url) as first, \
            served_console(faq, data, accounts=(), database_url=database_url) as second:
        clients = [Client(first), Client(second)]
        try:
            yield clients
        finally:
            for client in clients:
                await client.session.close()


async def test_wrong_passwords_on_one_console_lock_that_name_on_the_other(tmp_path, database_url):
    async with two_consoles(tmp_path, database_url) as (one, other):
        for guess in range(FREE_FAILURES["pair"]):  # the free tries, spread over both processes
            client = (one, other)[guess % 2]
            assert (await client.login("alice", f"guess{guess}"))[0] == 401
        for client in (one, other):
            status, body = await client.login("alice", PASSWORD)  # even the right password must wait, on both
            assert status == 429 and "分钟后再试" in body["error"]
        assert (await other.login("bob"))[0] == 200  # another name from that address is still let through


async def test_a_right_password_on_one_console_clears_that_names_count_on_the_other(tmp_path, database_url):
    async with two_consoles(tmp_path, database_url) as (one, other):
        for _ in range(FREE_FAILURES["pair"] - 1):
            assert (await one.login("alice", "guess"))[0] == 401
        assert (await other.login("alice"))[0] == 200  # alice herself, through the other process
        for _ in range(FREE_FAILURES["pair"] - 1):  # her count started afresh: as many free tries again
            assert (await one.login("alice", "guess"))[0] == 401
        assert (await other.login("alice"))[0] == 200
