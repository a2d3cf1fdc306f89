"""Every store behaves the same on both engines: the SQLite file and a real PostgreSQL server.

Each test runs twice (`store` is parametrised), so a statement PostgreSQL refuses (a type, a placeholder, an
SQLite-only function) or reads differently (case in `like`, 64-bit Telegram ids, rounding) fails here, with the
engine in the test's name. What only PostgreSQL has (locks between processes, several writers at once) is at the
end.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from bot.errors import StorageError, StorageUnavailable
from bot.handoff.desk import HandoffDesk
from bot.storage import migrations
from bot.storage.store import Store, UserState
from tests.support.engines import ENGINES, database_of

SUPERGROUP = -1001234567890123  # Telegram's supergroup ids pass 2**31 (and 2**40)


@pytest.fixture(params=ENGINES)
def target(request, tmp_path):
    """Where a test's database is: a file of its own, or an empty PostgreSQL database of its own."""
    return database_of(request, tmp_path)


@pytest.fixture
def store(target):
    store = Store(target)
    yield store
    store.close()


def test_a_villagers_state_and_transcript_come_back_as_written_and_numbers_masked(store):
    store.save_user(UserState("web:1", lang="zh", awaiting="where", flow={"id": "legal_aid", "step": 2},
                              place="犍为县", county="jianwei", extra={"last": "欠薪"}))
    store.save_user(UserState("web:1", lang="zh", fallback_streak=1, county="jianwei"))
    state = store.user("web:1")
    assert (state.lang, state.fallback_streak, state.awaiting, state.flow, state.county) == ("zh", 1, None, None,
                                                                                              "jianwei")
    first = store.log_message("web:1", "in", "我电话13812345678，老板欠我工钱", intent="labor.wage", score=0.91,
                              decision="answer")
    store.log_message("web:1", "out", "可以申请劳动仲裁")
    assert [row["text"] for row in store.transcript("web:1")] == ["我电话[手机号]，老板欠我工钱", "可以申请劳动仲裁"]
    assert store.message_time(first) <= time.time()
    assert store.last_message_time("web:1", "answer") == store.message_time(first)
    assert [user for user, *_ in store.recent_messages(time.time() - 60)] == ["web:1", "web:1"]
    assert store.has_user("web:1") and not store.has_user("web:2")


def test_a_message_is_claimed_once_and_a_rolled_back_transaction_leaves_nothing(store):
    assert store.claim_message("web:m1", "web:1") and not store.claim_message("web:m1", "web:1")
    with pytest.raises(RuntimeError), store.transaction():
        store.log_message("web:1", "in", "写了一半")
        store.add_fragment("web:1", "老板", "web:m2")
        raise RuntimeError("the process stopped half-way")
    assert store.transcript("web:1") == [] and store.fragments("web:1") == []
    with store.transaction():
        store.add_fragment("web:1", "老板", "web:m2")
        with pytest.raises(RuntimeError), store.transaction():  # a savepoint inside
            store.add_fragment("web:1", "跑了", "web:m3")
            raise RuntimeError
    assert store.take_fragments("web:1") == ["老板"] and not store.fragment_waiting("web:m2")


def test_cases_are_queued_found_regardless_of_case_and_forgotten_with_the_villager(store):
    desk = HandoffDesk(store.cases, clock=lambda: 1000.0)
    calm = desk.open_case("web:1", "labor.wage", urgent=False)[0].id
    urgent = desk.open_case("web:2", "family.violence", urgent=True, danger="violence")[0].id
    assert [case.id for case in store.cases.open_cases()] == [urgent, calm]
    store.cases.add_event(calm, "villager", None, "Boss ran off with my WAGES", "advisers", None, None, 1001.0)
    assert [case.id for case in store.cases.find(status="open", adviser=None, since=None, words="wages", limit=10)] \
        == [calm]
    store.cases.set_holder(calm, "lawyer_li", 1002.0)
    store.cases.keep_callback(calm, "13812345678", 1003.0)
    store.cases.mark_read("lawyer_li", calm)
    assert store.cases.unread("lawyer_li", [calm]) == {}
    store.cases.set_rating(calm, 5, "很好")
    store.forget_villager("web:1", at=2000.0)
    forgotten = store.cases.case(calm)
    assert forgotten.user_key == f"forgotten:{calm}" and forgotten.status == "closed" and forgotten.closed_at == 2000.0
    assert store.cases.events(calm) == [] and store.cases.callback(calm) is None
    assert store.export_villager("web:1")["cases"] == []
    assert store.export_villager("web:2")["cases"][0]["danger"] == "violence"


def test_telegrams_tables_keep_64_bit_ids_and_take_an_update_once(store):
    inbox = store.telegram_inbox.of_bot("jianwei")
    assert inbox.store([{"update_id": 2**40, "message": {"text": "你好"}}]) == [2**40]
    assert inbox.store([{"update_id": 2**40, "message": {"text": "你好"}}]) == []
    assert [raw["update_id"] for raw in inbox.pending()] == [2**40]
    inbox.done(2**40)
    assert inbox.pending() == []
    outbox = store.telegram_outbox
    outbox.add(SUPERGROUP, 7, [{"method": "sendMessage", "text": "第一条"}, {"method": "sendMessage", "text": "第二条"}])
    assert outbox.chats() == [SUPERGROUP]
    row = outbox.next_row(SUPERGROUP)
    outbox.postpone(row["id"], 5.0, uncertain=True)
    assert (outbox.next_row(SUPERGROUP)["attempts"], outbox.next_row(SUPERGROUP)["uncertain"]) == (1, 1)
    outbox.remove(row["id"])
    assert [payload["text"] for payload in outbox.payloads(SUPERGROUP)] == ["第二条"]
    store.telegram_ledger.record(41, [5, 6], SUPERGROUP, [2**33])
    assert store.telegram_ledger.posted([5, 6, 7]) == {5, 6}
    assert store.telegram_ledger.case_of_message(SUPERGROUP, 2**33) == 41
    store.telegram_ledger.save_card(41, {"chat": SUPERGROUP, "topic_id": 99, "topic_name": "欠薪"})
    assert store.telegram_ledger.case_of_topic(SUPERGROUP, 99) == 41


def test_accounts_reviews_and_statistics_read_the_same(store):
    store.accounts.save("li", "adviser", "hash", ("jianwei", "qianwei"), 1.0)
    store.accounts.add_session("digest", "li", 1.0, time.time() + 60)
    assert store.accounts.session_account("digest", time.time())["counties"] == "jianwei,qianwei"
    assert store.accounts.names() == ["li"] and store.accounts.any()
    store.reviews.clock = lambda: 1000.9  # two actions in the same second are one line
    store.reviews.add([1, 2], "example", "admin", intent="labor.wage", example="老板不给钱")
    store.reviews.clock = lambda: 1001.2
    store.reviews.add([3], "ignore", "admin")
    assert [(line["action"], line["questions"]) for line in store.reviews.history()] == [("ignore", 1), ("example", 2)]
    assert store.reviews.latest_actions() == {1: "example", 2: "example", 3: "ignore"}
    store.log_message("web:1", "in", "欠薪", intent="labor.wage", decision="answer")
    store.record_feedback("web:1", "labor.wage", helpful=True)
    figures = store.statistics.service(days=7)
    assert figures["questions"] == 1 and figures["top_intents"] == [("labor.wage", 1)]
    assert store.statistics.intent_usage(7) == {"labor.wage": {"answered": 1, "up": 1, "down": 0}}


def test_a_duplicate_key_is_a_storage_error_not_unavailable(store):
    store.accounts.add_session("digest", "alice", 0.0, 9e9)
    with pytest.raises(StorageError) as raised:
        store.accounts.add_session("digest", "alice", 0.0, 9e9)
    assert not isinstance(raised.value, StorageUnavailable)


def test_opening_again_applies_no_step_twice(target):
    Store(target).close()
    again = Store(target)
    assert not migrations.pending(again.db)
    assert again.db.value("select count(*) from schema_migrations") == sum(len(steps.steps) for steps in
                                                                           migrations.SETS)
    again.close()


# --- PostgreSQL: what several processes on one database need ------------------------------------------


def test_an_unreachable_server_is_unavailable_and_says_where(postgres_cluster):
    with pytest.raises(StorageUnavailable) as raised:
        Store("postgresql://postgres@127.0.0.1:9/mingbai")
    assert isinstance(raised.value.__cause__, psycopg.OperationalError)


def test_processes_starting_together_on_a_new_database_apply_the_schema_once(postgres_url):
    opened, failures = [], []

    def start():
        try:
            opened.append(Store(postgres_url))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(opened) == 4
    assert opened[0].db.value("select count(*) from schema_migrations") == sum(len(steps.steps) for steps in
                                                                               migrations.SETS)
    for store in opened:
        store.close()


def test_a_villagers_lock_holds_a_second_process_until_the_first_commits(postgres_url):
    first, second = Store(postgres_url), Store(postgres_url)
    order = []
    holding = threading.Event()

    def other_process():
        holding.wait()
        with second.transaction():
            second.lock_villager("web:1")
            order.append("second")

    thread = threading.Thread(target=other_process)
    thread.start()
    with first.transaction():
        first.lock_villager("web:1")
        holding.set()
        time.sleep(0.3)  # the other process is waiting on the lock by now
        second_villager = Store(postgres_url)
        with second_villager.transaction():
            second_villager.lock_villager("web:2")  # another villager is not held up
        second_villager.close()
        order.append("first")
    thread.join()
    assert order == ["first", "second"]
    first.close()
    second.close()


def test_two_processes_claiming_one_message_at_once_answer_it_once(postgres_url):
    stores = [Store(postgres_url) for _ in range(2)]
    claimed, start = [], threading.Barrier(2)

    def claim(store):
        start.wait()
        with store.transaction():
            claimed.append(store.claim_message("web:same", "web:1"))
            time.sleep(0.1)

    threads = [threading.Thread(target=claim, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == [False, True]
    for store in stores:
        store.close()
