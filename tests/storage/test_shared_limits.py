"""The rows several processes share for limits and WeChat (`store.login_failures`, `store.wechat`), on both
engines: failures counted in a window and purged after it, a nonce's first push kept, the token's refresh taken
by one process at a time."""

from __future__ import annotations

import pytest

from bot.storage.store import Store
from tests.support.engines import ENGINES, database_of


@pytest.fixture(params=ENGINES)
def stores(request, tmp_path):
    """Two stores (two processes' connections) on one database."""
    target = database_of(request, tmp_path)
    first, second = Store(target), Store(target)
    yield first, second
    first.close()
    second.close()


def test_failures_are_counted_per_key_in_the_window_across_connections_and_purged_after_it(stores):
    one, other = stores
    one.login_failures.add(["name:alice", "address:1.2.3.4"], at=100.0)
    other.login_failures.add(["name:alice"], at=160.5)
    assert other.login_failures.counts(["name:alice", "address:1.2.3.4", "name:bob"], since=0) == {
        "name:alice": (2, 160.5), "address:1.2.3.4": (1, 100.0)}
    assert one.login_failures.counts(["name:alice"], since=150) == {"name:alice": (1, 160.5)}
    assert one.login_failures.purge_before(150) == 2
    other.login_failures.clear(["name:alice"])
    assert one.login_failures.counts(["name:alice", "address:1.2.3.4"], since=0) == {}


def test_a_nonce_keeps_its_first_push_until_purged(stores):
    one, other = stores
    assert one.wechat.first_digest("n1", "body-a", at=10.0) == "body-a"
    assert other.wechat.first_digest("n1", "body-b", at=11.0) == "body-a"
    assert other.wechat.forget_nonces_before(10.5) == 1
    assert other.wechat.first_digest("n1", "body-b", at=12.0) == "body-b"


def test_the_token_row_carries_the_refresh_and_a_stale_token_is_dropped_only_if_still_current(stores):
    one, other = stores
    with one.transaction():
        one.wechat.lock_token("wx1")
        assert one.wechat.token("wx1") is None
        one.wechat.start_refresh("wx1", until=30.0)
    assert other.wechat.token("wx1") == {"token": None, "expires_at": 0.0, "refreshing_until": 30.0}
    one.wechat.save_token("wx1", "T1", expires_at=7200.0)
    assert other.wechat.token("wx1") == {"token": "T1", "expires_at": 7200.0, "refreshing_until": 0.0}
    other.wechat.drop_token("wx1", "T0")  # an older token's refusal changes nothing
    assert one.wechat.token("wx1")["expires_at"] == 7200.0
    other.wechat.drop_token("wx1", "T1")
    assert one.wechat.token("wx1")["expires_at"] == 0.0
    one.wechat.start_refresh("wx1", until=50.0)
    one.wechat.end_refresh("wx1")
    assert other.wechat.token("wx1")["refreshing_until"] == 0.0
