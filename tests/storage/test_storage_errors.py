"""A database that cannot be written surfaces as mingbai's own `StorageUnavailable`, never as the driver's error,
and each caller turns it into what its user should see: the villager still gets the FAQ's answer with the notice
that nothing was saved; an adviser's login is refused with 503 and the console's sentence.

The lock is real: a second connection to the same file holds SQLite's write lock (what `mingbai backup`, a
`sqlite3` shell or a stuck second process would do), and the store waits for it only briefly here.
"""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from bot.console.auth import STORAGE_DOWN
from bot.errors import StorageError, StorageUnavailable
from bot.storage.store import Store, UserState
from tests.support.console import WAGES, Client, WebVillager, site  # noqa: F401 - the fixture


@contextlib.contextmanager
def write_locked(path):
    """Another connection holds the write lock on the database file until the block ends."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def impatient(store: Store) -> None:
    """Wait 0.1 s for a lock instead of the production 10 s, so a test needs no patience."""
    store.db.execute("PRAGMA busy_timeout = 100")


def test_a_locked_database_raises_storage_unavailable_with_sqlites_error_as_the_cause(tmp_path):
    store = Store(tmp_path / "mingbai.db")
    impatient(store)
    with write_locked(store.path), pytest.raises(StorageUnavailable) as raised:
        store.save_user(UserState("web:locked"))
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError) and "locked" in str(raised.value)
    with write_locked(store.path), pytest.raises(StorageUnavailable):
        with store.transaction():
            store.log_message("web:locked", "in", "你好")
    store.save_user(UserState("web:locked"))  # the lock is gone: the same write succeeds
    assert store.has_user("web:locked")
    store.close()


def test_a_broken_rule_is_a_storage_error_but_not_unavailable(tmp_path):
    """A duplicate key is a bug, not a busy moment: callers that answer "try later" do not catch it."""
    store = Store(tmp_path / "mingbai.db")
    store.accounts.add_session("digest", "alice", 0.0, 9e9)
    with pytest.raises(StorageError) as raised:
        store.accounts.add_session("digest", "alice", 0.0, 9e9)
    assert not isinstance(raised.value, StorageUnavailable)
    assert isinstance(raised.value.__cause__, sqlite3.IntegrityError)
    store.close()


def test_a_file_that_is_not_a_database_is_unavailable_when_opened(tmp_path):
    path = tmp_path / "mingbai.db"
    path.write_bytes(b"this is not an SQLite file" * 100)
    with pytest.raises(StorageUnavailable):
        Store(path)


async def test_the_web_villager_still_gets_the_answer_and_is_told_nothing_was_saved(site):
    await site.service.call(impatient, site.service.store)
    villager = await WebVillager(site).start()
    with write_locked(site.service.store.path):
        body = await villager.says(WAGES)
    texts = [reply["text"] for reply in body["replies"]]
    assert "依据" in texts[0], "reading still works: the FAQ's answer"
    assert "没能保存" in texts[-1] and "12348" in texts[-1]
    assert not await site.service.call(site.service.store.has_user, "web:" + _web_id(villager)), "nothing was kept"
    body = await villager.says(WAGES)  # the lock is gone: answered and kept as usual
    assert all("没能保存" not in reply["text"] for reply in body["replies"])
    await villager.session.close()


async def test_an_adviser_login_while_the_database_is_locked_is_refused_with_503_and_says_why(site):
    await site.service.call(impatient, site.service.store)
    with write_locked(site.service.store.path):
        adviser = Client(site)
        status, body = await adviser.login("alice")
    assert status == 503 and body["error"] == STORAGE_DOWN
    assert (await adviser.login("alice"))[0] == 200, "and works once the database is free"
    await adviser.session.close()


def _web_id(client: Client) -> str:
    [cookie] = [cookie for cookie in client.session.cookie_jar if cookie.key == "mingbai_id"]
    return cookie.value
