"""Backups and restores on a real PostgreSQL server, through `python -m bot.cli` as a deployment runs them with
MINGBAI_DATABASE_URL set: a dump taken while a villager keeps writing, restored into a fresh database, holds every
message written before it began and is one moment of the conversation; `mingbai restore` refuses while the
database is in use and refuses a file that is not a mingbai dump without touching the database; the password in
the URL is never printed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from bot.storage import pg_backup
from bot.storage.backup import BackupError, backup as sqlite_backup
from bot.storage.cases import NOWHERE
from bot.storage.store import Store
from tests.support import ROOT

PASSWORD = "s3cret-Pw"  # the test cluster trusts every connection, so any password opens it; none may be printed
VILLAGER = "web:writer"
OLD_RELEASE = ROOT / "tests" / "data" / "database_df12123.sql"


def with_password(url: str) -> str:
    return url.replace("postgres@", f"postgres:{PASSWORD}@")


def mingbai(folder: Path, *arguments: str, url: str | None = None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MINGBAI_", "TELEGRAM_")) or key == "MINGBAI_CACHE_DIR"}
    env.update(MINGBAI_DATA_DIR=str(folder / "data"), MINGBAI_FAQ_DIR=str(ROOT / "faq"), PYTHONPATH=str(ROOT))
    if url:
        env["MINGBAI_DATABASE_URL"] = with_password(url)
    run = subprocess.run([sys.executable, "-m", "bot.cli", *arguments], env=env, cwd=folder, capture_output=True,
                         text=True, timeout=120)
    assert PASSWORD not in run.stdout + run.stderr
    return run


def _fill(url: str, rows: int) -> None:
    """Old conversations, a case with its events: what a dump must carry besides the new messages."""
    store = Store(url)
    with psycopg.connect(url) as db, db.cursor() as cursor:
        cursor.executemany("insert into messages (user_key, direction, text, created_at) values (%s, 'in', %s, %s)",
                           [(f"web:old{n % 500}", "以前的问题" * 40, time.time() - 86400) for n in range(rows)])
    case = store.cases.create("web:old1", "labor.wage", urgent=True, danger=None, county=None, at=time.time())
    for text in ("村民：老板欠我三个月工资", "律师：请保留工资条和考勤记录"):
        store.cases.add_event(case, "message", None, text, NOWHERE, None, None, at=time.time())
    store.close()


class Writer(threading.Thread):
    """A villager who keeps writing, each message in its own transaction, remembering what was committed."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.store, self.written, self.stop = Store(url), [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            text = f"第{len(self.written) + 1}问：老板欠我工资不给怎么办"
            self.store.log_message(VILLAGER, "in", text)
            self.written.append(text)
        self.store.close()


def _messages(url: str, user_key: str) -> list[str]:
    with psycopg.connect(url) as db:
        return [text for (text,) in db.execute("select text from messages where user_key = %s order by id",
                                               [user_key])]


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as db:
        return db.execute(f"select count(*) from {table}").fetchone()[0]


@pytest.mark.timeout(180)
def test_a_dump_taken_while_a_villager_writes_restored_into_a_fresh_database_holds_every_message(
        tmp_path, postgres_url, postgres_cluster):
    _fill(postgres_url, 40_000)
    writer = Writer(postgres_url)
    writer.start()
    while len(writer.written) < 20:
        time.sleep(0.01)
    before = list(writer.written)
    started = time.monotonic()
    made = mingbai(tmp_path, "backup", str(tmp_path / "backups"), url=postgres_url)
    took = time.monotonic() - started
    during = len(writer.written) - len(before)
    time.sleep(0.2)  # and the conversation goes on after it
    writer.stop.set()
    writer.join()
    assert made.returncode == 0, made.stderr
    assert during > 0, "no message was written while the dump ran: it was not taken mid-conversation"
    [dump] = (tmp_path / "backups").iterdir()
    assert pg_backup.BACKUP_FILE.fullmatch(dump.name) and oct(dump.stat().st_mode & 0o777) == "0o600"
    assert f"wrote {dump}:" in made.stdout and "pg_restore read it whole" in made.stdout
    assert "cases 1" in made.stdout and "case_events 2" in made.stdout
    print(f"pg_dump of {_count(postgres_url, 'messages')} messages: {took:.1f} s, {dump.stat().st_size} bytes")

    checked = mingbai(tmp_path, "backup", "--verify", str(dump))  # no database needed to check a dump
    assert checked.returncode == 0, checked.stderr
    assert "schema: this release's" in checked.stdout and checked.stdout.endswith(made.stdout[len("wrote "):])

    fresh = postgres_cluster.new_database()  # how the README says to check a restore: into a scratch database
    try:
        restored = mingbai(tmp_path, "restore", str(dump), url=fresh)
        assert restored.returncode == 0, restored.stderr
        assert "restored" in restored.stdout and "kept as" not in restored.stdout  # the new database was empty
        kept = _messages(fresh, VILLAGER)
        assert kept[:len(before)] == before, "a message written before the backup is missing"
        assert kept == writer.written[:len(kept)], "the backup is not one moment of the conversation"
        assert _count(fresh, "messages") - len(kept) == 40_000
        assert f"messages {40_000 + len(kept)}," in made.stdout  # what `backup` said it wrote
        store = Store(fresh)
        [case] = store.cases.cases_of("web:old1")
        assert [event.text for event in store.cases.events(case.id)] == ["村民：老板欠我三个月工资",
                                                                        "律师：请保留工资条和考勤记录"]
        store.log_message(VILLAGER, "in", "恢复以后还能继续问吗")  # the restored database numbers new rows
        store.close()
    finally:
        postgres_cluster.drop_database(fresh)


def test_restore_is_refused_while_a_store_is_connected_and_keeps_a_dump_of_what_it_replaces(tmp_path, postgres_url):
    store = Store(postgres_url)
    store.log_message(VILLAGER, "in", "老板欠我工资不给怎么办")
    made = mingbai(tmp_path, "backup", "copy.pgdump", url=postgres_url)
    assert made.returncode == 0, made.stderr
    store.log_message(VILLAGER, "in", "借钱不还怎么办")  # after the backup: the restore takes it back
    refused = mingbai(tmp_path, "restore", "copy.pgdump", url=postgres_url)
    assert refused.returncode == 1
    assert "is in use: 1 other connection(s) to it" in refused.stderr
    assert "stop every mingbai process on every host first" in refused.stderr and "is unchanged" in refused.stderr
    store.close()
    restored = mingbai(tmp_path, "restore", "copy.pgdump", url=postgres_url)
    assert restored.returncode == 0, restored.stderr
    assert _messages(postgres_url, VILLAGER) == ["老板欠我工资不给怎么办"]
    [kept] = (tmp_path / "data").glob("before-restore-*.pgdump")
    assert f"kept as {kept}" in restored.stdout
    assert "messages 2" in pg_backup.verify(kept).describe()


def test_a_backup_of_an_older_schema_is_upgraded_and_tables_it_lacks_keep_nothing_from_after_it(tmp_path, postgres_url):
    store = Store(postgres_url)
    store.log_message(VILLAGER, "in", "老板欠我工资不给怎么办")
    store.close()
    with psycopg.connect(postgres_url) as db:  # as a release before the call-back numbers made it
        db.execute("drop table case_callbacks")
        db.execute("delete from schema_migrations where name = 'callback_numbers'")
    old = pg_backup.backup(postgres_url, tmp_path / "old.pgdump")[0]
    assert "a restore applies 1 migration(s) (mingbai.cases/callback_numbers)" in old.describe()
    store = Store(postgres_url)  # the current release, with a number given after the backup
    case = store.cases.create(VILLAGER, None, urgent=False, danger=None, county=None, at=time.time())
    store.cases.keep_callback(case, "13812345678", at=time.time())
    store.close()
    restored = pg_backup.restore(tmp_path / "old.pgdump", postgres_url, keep_in=tmp_path / "data")
    assert restored.upgraded == ("mingbai.cases/callback_numbers",)
    assert _count(postgres_url, "case_callbacks") == 0 and _count(postgres_url, "cases") == 0
    assert _messages(postgres_url, VILLAGER) == ["老板欠我工资不给怎么办"]


def test_a_restore_psql_stops_in_changes_nothing(tmp_path, postgres_url):
    store = Store(postgres_url)
    store.log_message(VILLAGER, "in", "老板欠我工资不给怎么办")
    store.close()
    pg_backup.backup(postgres_url, tmp_path / "copy.pgdump")
    store = Store(postgres_url)
    store.log_message(VILLAGER, "in", "借钱不还怎么办")
    store.close()
    with psycopg.connect(postgres_url) as db:  # not mingbai's: a table and a view someone added for reports
        db.execute("create table notes (text text)")
        db.execute("insert into notes values ('月报')")
        db.execute("create view busy as select user_key, count(*) from messages group by user_key")
    run = mingbai(tmp_path, "restore", "copy.pgdump", url=postgres_url)
    assert run.returncode == 1
    assert "psql could not restore copy.pgdump into postgresql://postgres:***@" in run.stderr
    assert "(nothing was changed)" in run.stderr and '"busy" is not a table' in run.stderr
    assert _messages(postgres_url, VILLAGER) == ["老板欠我工资不给怎么办", "借钱不还怎么办"]
    assert _count(postgres_url, "notes") == 1


def _not_mingbais(path: Path, postgres_cluster) -> None:
    url = postgres_cluster.new_database()
    try:
        with psycopg.connect(url) as db:
            db.execute("create table photos (name text)")
        subprocess.run([str(pg_backup.program("pg_dump")), "--format=custom", f"--file={path}", url], check=True)
    finally:
        postgres_cluster.drop_database(url)


def _cut_short(path: Path, postgres_cluster) -> None:
    url = postgres_cluster.new_database()
    try:
        _fill(url, 2000)
        pg_backup.backup(url, path)
    finally:
        postgres_cluster.drop_database(url)
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])


def _from_a_newer_release(path: Path, postgres_cluster) -> None:
    url = postgres_cluster.new_database()
    try:
        Store(url).close()
        with psycopg.connect(url) as db:
            db.execute("insert into schema_migrations (migration_set, name, applied_at) "
                       "values ('mingbai.core', 'from_the_future', '2030-01-01')")
        subprocess.run([str(pg_backup.program("pg_dump")), "--format=custom", f"--file={path}", url], check=True)
    finally:
        postgres_cluster.drop_database(url)


@pytest.mark.parametrize("make, name, said", [
    (lambda path, _: path.write_text("村民名单\n张三\n", encoding="utf-8"), "backup.pgdump",
     "is not a PostgreSQL dump in pg_dump's custom format (it is something else)"),
    (_not_mingbais, "backup.pgdump", "is a PostgreSQL dump but not mingbai's (it has no messages, "
                                     "schema_migrations, users table)"),
    (_cut_short, "backup.pgdump", "is damaged and cannot be used"),
    (_from_a_newer_release, "backup.pgdump", "was made by a newer mingbai (schema steps this release does not "
                                             "know: mingbai.core/from_the_future); upgrade mingbai first"),
], ids=["text", "foreign", "truncated", "newer"])
def test_a_file_that_is_not_a_mingbai_dump_is_refused_and_the_database_is_untouched(
        tmp_path, postgres_url, postgres_cluster, make, name, said):
    store = Store(postgres_url)
    store.log_message(VILLAGER, "in", "老板欠我工资不给怎么办")
    store.close()
    source = tmp_path / name
    make(source, postgres_cluster)
    run = mingbai(tmp_path, "restore", name, url=postgres_url)
    assert run.returncode == 1
    assert said in run.stderr and "is unchanged" in run.stderr, run.stderr
    assert _messages(postgres_url, VILLAGER) == ["老板欠我工资不给怎么办"]
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").glob("before-restore-*"))
    if name.endswith(".pgdump"):
        with pytest.raises(BackupError) as checked:  # `mingbai backup --verify` says the same
            pg_backup.verify(source)
        assert said in str(checked.value)


def test_an_sqlite_deployments_backup_moves_into_postgresql_with_every_row_and_numbering_going_on(
        tmp_path, postgres_url):
    old = tmp_path / "old.sqlite"  # from a release before the call-back numbers: upgraded on its way
    with sqlite3.connect(old) as db:
        db.executescript(OLD_RELEASE.read_text(encoding="utf-8"))
    source = Store(old)
    source.log_message(VILLAGER, "in", "我电话13812345678，老板欠我工资不给怎么办")
    case = source.cases.create(VILLAGER, "labor.wage", urgent=True, danger=None, county=None, at=time.time())
    source.cases.add_event(case, "message", None, "请保留工资条", NOWHERE, None, None, at=time.time())
    source.close()
    sqlite_backup(old, tmp_path / "backup.sqlite")
    with sqlite3.connect(tmp_path / "backup.sqlite") as db:
        db.execute("delete from schema_migrations where name = 'callback_numbers'")
        db.execute("drop table case_callbacks")
        counts = {table: db.execute(f"select count(*) from {table}").fetchone()[0]
                  for table in ("users", "messages", "cases", "case_events")}
    tried = Store(postgres_url)  # a PostgreSQL deployment tried out once: what it has is kept in a dump
    tried.log_message("web:tryout", "in", "试一试")
    tried.close()
    moved = mingbai(tmp_path, "restore", "backup.sqlite", url=postgres_url)
    assert moved.returncode == 0, moved.stderr
    assert "brought to this release's schema: mingbai.cases/callback_numbers" in moved.stdout
    [kept] = (tmp_path / "data").glob("before-restore-*.pgdump")
    assert f"kept as {kept}" in moved.stdout and "messages 1," in pg_backup.verify(kept).describe()
    assert _messages(postgres_url, "web:tryout") == []
    assert {table: _count(postgres_url, table) for table in counts} == counts
    store = Store(postgres_url)
    assert store.transcript(VILLAGER)[0]["text"] == "我电话[手机号]，老板欠我工资不给怎么办"
    assert [event.text for event in store.cases.events(case)] == ["请保留工资条"]
    assert store.cases.create(VILLAGER, None, urgent=False, danger=None, county=None, at=time.time()) == case + 1
    store.log_message(VILLAGER, "in", "又来问了")  # the messages' numbering goes on past the copied ids
    store.close()


def test_an_sqlite_backup_postgresql_cannot_take_changes_nothing(tmp_path, postgres_url):
    source = Store(tmp_path / "source.sqlite")
    source.log_message(VILLAGER, "in", "老板欠我工资不给怎么办")
    source.close()
    with sqlite3.connect(tmp_path / "source.sqlite") as db:  # SQLite keeps any value in any column; PostgreSQL not
        db.execute("insert into users (key, fallback_streak) values ('web:odd', 'many')")
    store = Store(postgres_url)
    store.log_message("web:here", "in", "已经在这里的问题")
    store.close()
    run = mingbai(tmp_path, "restore", "source.sqlite", url=postgres_url)
    assert run.returncode == 1
    assert "source.sqlite could not be copied into postgresql://postgres:***@" in run.stderr
    assert "(nothing was changed)" in run.stderr and "bigint" in run.stderr
    assert _messages(postgres_url, "web:here") == ["已经在这里的问题"]
    assert _messages(postgres_url, VILLAGER) == []


def test_a_dump_is_refused_by_an_sqlite_deployment(tmp_path, postgres_url):
    Store(postgres_url).close()
    pg_backup.backup(postgres_url, tmp_path / "copy.pgdump")
    run = mingbai(tmp_path, "restore", "copy.pgdump")  # no MINGBAI_DATABASE_URL: the SQLite file in data/
    assert run.returncode == 1
    assert "is a PostgreSQL backup (pg_dump), and this mingbai keeps its data in SQLite" in run.stderr


def test_keep_prunes_only_dumps_and_a_failed_dump_leaves_nothing_nor_the_password(tmp_path, postgres_url):
    Store(postgres_url).close()
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup", encoding="utf-8")
    (folder / "mingbai-20200101T000000Z.sqlite").write_bytes(b"")  # an SQLite deployment's: not ours to prune
    made = [pg_backup.backup(postgres_url, folder, keep=2, now=1_800_000_000 + day * 86400)[0].path
            for day in range(4)]
    assert sorted(folder.iterdir()) == sorted([*made[2:], folder / "mingbai-20200101T000000Z.sqlite",
                                               folder / "notes.txt"])
    with pytest.raises(BackupError, match="give a folder"):
        pg_backup.backup(postgres_url, tmp_path / "one.pgdump", keep=3)
    with pytest.raises(BackupError, match="names an SQLite file, and this mingbai keeps its data in PostgreSQL"):
        pg_backup.backup(postgres_url, tmp_path / "one.sqlite")
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_database"
    run = mingbai(tmp_path, "backup", "backups", "--keep", "2", url=missing)
    assert run.returncode == 1
    assert "pg_dump could not dump postgresql://postgres:***@" in run.stderr and "no_such_database" in run.stderr
    assert len(list(folder.iterdir())) == 4 and not list(folder.glob(".*"))  # as before: no partial dump


def test_a_missing_pg_dump_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(pg_backup, "VERSIONED_FOLDERS", tmp_path)  # a machine without the client package
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump not found .*apt-get install postgresql-client"):
        pg_backup.program("pg_dump")
