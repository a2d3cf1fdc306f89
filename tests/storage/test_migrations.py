"""A database made by an earlier release upgrades in place: every row kept, every new column there."""

from __future__ import annotations

import sqlite3

from bot.handoff.desk import HandoffDesk
from bot.storage import migrations
from bot.storage.store import Store
from tests.support import ROOT

#: `sqlite3 .dump` of a database made by the release at df12123 (a villager, a message, a case and its events).
OLD_RELEASE = ROOT / "tests" / "data" / "database_df12123.sql"
#: ... and by the last release whose steps sqlite-utils recorded, in `_sqlite_migrations` (ec094af).
SQLITE_UTILS_RELEASE = ROOT / "tests" / "data" / "database_ec094af.sql"


def _old_database(path, dump=OLD_RELEASE):
    connection = sqlite3.connect(path)
    connection.executescript(dump.read_text(encoding="utf-8"))
    connection.close()
    return path


def _schema(path) -> dict[str, list[tuple]]:
    """Each table's columns as (name, type, not null, default, place in the primary key)."""
    with sqlite3.connect(path) as db:
        tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table'")]
        return {table: sorted(tuple(column[1:]) for column in db.execute(f"pragma table_info({table})"))
                for table in tables}


def test_a_df12123_database_upgrades_and_keeps_its_rows(tmp_path):
    store = Store(_old_database(tmp_path / "mingbai.sqlite"))
    assert store.transcript("web:old1")[0]["text"] == "老板欠我工钱"
    desk = HandoffDesk(store.cases)
    [case] = desk.queue()
    assert case.user_key == "web:old1" and case.danger is None
    assert [event.text for event in desk.events(case.id) if event.kind == "villager"] == ["还在吗"]
    desk.open_case("web:old1", "labor.wage", urgent=True, danger="violence")  # the column a later release added
    assert desk.case(case.id).danger == "violence" and desk.case(case.id).urgent
    assert not migrations.pending(store.db)
    assert ("mingbai.cases", "danger_kind") in migrations.applied(store.db)


def test_opening_again_applies_nothing_twice(tmp_path):
    path = tmp_path / "mingbai.sqlite"
    first = Store(path)
    recorded = first.db.value("select count(*) from schema_migrations")
    first.close()
    again = Store(path)
    assert recorded > 0 and again.db.value("select count(*) from schema_migrations") == recorded
    assert not migrations.pending(again.db)


def test_a_database_whose_steps_sqlite_utils_recorded_keeps_its_rows_and_runs_no_step_again(tmp_path):
    old = _old_database(tmp_path / "old.sqlite", SQLITE_UTILS_RELEASE)
    store = Store(old)
    assert store.transcript("web:last1")[0]["text"] == "邻居占了我家宅基地"
    assert [case.intent for case in store.cases.cases_of("web:last1")] == ["land.homestead"]
    assert not migrations.pending(store.db)
    store.close()
    fresh = Store(tmp_path / "fresh.sqlite")
    fresh.close()
    assert _schema(old) == _schema(tmp_path / "fresh.sqlite")  # the same tables, columns, types and keys
