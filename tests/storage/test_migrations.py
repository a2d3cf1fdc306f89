"""A database made by an earlier release upgrades in place: every row kept, every new column there."""

from __future__ import annotations

import sqlite3

from bot.handoff.desk import HandoffDesk
from bot.storage.migrations import SETS
from bot.storage.store import Store
from tests.support import ROOT

#: `sqlite3 .dump` of a database made by the release at df12123 (a villager, a message, a case and its events).
OLD_RELEASE = ROOT / "tests" / "data" / "database_df12123.sql"


def _old_database(path):
    connection = sqlite3.connect(path)
    connection.executescript(OLD_RELEASE.read_text(encoding="utf-8"))
    connection.close()
    return path


def test_a_df12123_database_upgrades_and_keeps_its_rows(tmp_path):
    store = Store(_old_database(tmp_path / "mingbai.sqlite"))
    assert store.transcript("web:old1")[0]["text"] == "老板欠我工钱"
    desk = HandoffDesk(store.cases)
    [case] = desk.queue()
    assert case.user_key == "web:old1" and case.danger is None
    assert [event.text for event in desk.events(case.id) if event.kind == "villager"] == ["还在吗"]
    desk.open_case("web:old1", "labor.wage", urgent=True, danger="violence")  # the column a later release added
    assert desk.case(case.id).danger == "violence" and desk.case(case.id).urgent
    assert all(not migrations.pending(store.db) for migrations in SETS)
    assert ("mingbai.cases", "danger_kind") in {(row["migration_set"], row["name"]) for row in store.db["_sqlite_migrations"].rows}


def test_opening_again_applies_nothing_twice(tmp_path):
    path = tmp_path / "mingbai.sqlite"
    first = Store(path)
    recorded = first.db["_sqlite_migrations"].count
    first.close()
    again = Store(path)
    assert recorded > 0 and again.db["_sqlite_migrations"].count == recorded
    assert all(not migrations.pending(again.db) for migrations in SETS)
