"""Backups and restores with real files and real processes: `mingbai backup` taken while a `mingbai run` answers
villagers on the web chat, restored, holds every message answered before it began; `mingbai restore` refuses
while the bot runs, and refuses a file that is not a sound mingbai backup without touching the database."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bot.storage import migrations
from bot.storage.backup import BackupError, backup, prune, restore, verify
from bot.storage.lock import DatabaseInUse, exclusive
from bot.storage.store import Store
from tests.support import ROOT
from tests.support.telegram.bots import free_port

OLD_RELEASE = ROOT / "tests" / "data" / "database_df12123.sql"
QUESTION = "老板欠我工资不给怎么办"
LIMITS = "villager=10000,address=100000,new_ids=60"  # villagers here talk as fast as the bot answers


def _env(data_dir: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MINGBAI_", "TELEGRAM_")) or key == "MINGBAI_CACHE_DIR"}
    env.update(MINGBAI_DATA_DIR=str(data_dir), MINGBAI_FAQ_DIR=str(ROOT / "faq"), MINGBAI_BURST_SECONDS="0",
               PYTHONPATH=str(ROOT), **extra)
    return env


def mingbai(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *arguments], env=_env(data_dir), cwd=data_dir.parent,
                          capture_output=True, text=True, timeout=60)


async def mingbai_async(data_dir: Path, *arguments: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", *arguments, env=_env(data_dir),
                                                   cwd=data_dir.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


@contextlib.asynccontextmanager
async def running_bot(data_dir: Path, log_file: Path):
    """`python -m bot.cli run` (web chat only, no rate limit to speak of) in a subprocess; yields it and its base
    URL once it answers."""
    port = free_port()
    with log_file.open("ab") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=data_dir.parent,
                                                       env=_env(data_dir, MINGBAI_WEB_PORT=str(port),
                                                                MINGBAI_WEB_LIMITS=LIMITS),
                                                       stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as probe:
                for _ in range(600):
                    with contextlib.suppress(aiohttp.ClientError):
                        async with probe.get(base + "/") as response:
                            if response.status == 200:
                                break
                    assert process.returncode is None, f"the bot exited (log: {log_file})"
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError(f"the bot did not start (log: {log_file})")
            yield process, base
        finally:
            if process.returncode is None:
                process.terminate()
                await process.wait()


class WebVillager:
    """One phone on the web chat: its cookie, and every message the bot answered (so it is committed)."""

    def __init__(self, base: str, number: int):
        self.base, self.number = base, number
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.answered: list[str] = []

    async def start(self) -> "WebVillager":
        async with self.session.get(self.base + "/") as response:
            await response.read()
        return self

    @property
    def key(self) -> str:
        return "web:" + next(c.value for c in self.session.cookie_jar if c.key == "mingbai_id")

    async def says(self, text: str) -> None:
        payload = {"text": text, "id": f"m{len(self.answered)}"}
        async with self.session.post(self.base + "/api/message", json=payload, headers={"X-Mingbai": "1"}) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["replies"]
        self.answered.append(text)

    async def keeps_talking(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.says(f"{self.number}号村民第{len(self.answered) + 1}问：{QUESTION}")


def _fill(database: Path, rows: int) -> None:
    """Old conversations, so the copy takes several steps of the backup API while the villagers write."""
    store = Store(database)
    store.close()
    with sqlite3.connect(database) as db:
        db.executemany("insert into messages (user_key, direction, text, created_at) values (?, 'in', ?, ?)",
                       [(f"web:old{n % 500}", "以前的问题" * 40, time.time() - 86400) for n in range(rows)])


def _incoming(database: Path) -> dict[str, list[str]]:
    with sqlite3.connect(database) as db:
        rows = db.execute("select user_key, text from messages where direction = 'in' and user_key not like 'web:old%' "
                          "order by id").fetchall()
    by_villager: dict[str, list[str]] = {}
    for key, text in rows:
        by_villager.setdefault(key, []).append(text)
    return by_villager


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.timeout(120)
async def test_a_backup_taken_mid_conversation_and_restored_holds_every_message_sent_before_it(tmp_path):
    data, folder = tmp_path / "data", tmp_path / "backups"
    _fill(data / "mingbai.sqlite", 40_000)  # about 10 MB: three steps of 1,024 pages
    async with running_bot(data, tmp_path / "bot.log") as (_, base):
        villagers = [await WebVillager(base, number).start() for number in range(1, 6)]
        stop = asyncio.Event()
        talking = [asyncio.create_task(villager.keeps_talking(stop)) for villager in villagers]
        try:
            while min(len(villager.answered) for villager in villagers) < 3:
                await asyncio.sleep(0.05)
            before = {villager.key: list(villager.answered) for villager in villagers}
            code, out, err = await mingbai_async(data, "backup", str(folder))
            during = {villager.key: len(villager.answered) - len(before[villager.key]) for villager in villagers}
            await asyncio.sleep(0.3)  # and the conversation goes on after it
        finally:
            stop.set()
            await asyncio.gather(*talking)
        after = {villager.key: list(villager.answered) for villager in villagers}
        for villager in villagers:
            await villager.session.close()
        assert code == 0, err
    assert sum(during.values()) > 0, "no villager was answered while the backup ran: it was not taken mid-conversation"
    [copy] = folder.iterdir()
    assert f"wrote {copy}:" in out and "integrity ok" in out and "messages " in out
    assert oct(copy.stat().st_mode & 0o777) == "0o600"  # villagers' conversations: the owner's only

    scratch = tmp_path / "scratch"  # how the README says to check a restore: into a scratch data folder
    restored = mingbai(scratch, "restore", str(copy))
    assert restored.returncode == 0, restored.stderr
    in_backup = _incoming(scratch / "mingbai.sqlite")
    for key, sent in before.items():
        kept = in_backup[key]
        assert kept[:len(sent)] == sent, f"{key}: a message answered before the backup is missing"
        assert kept == after[key][:len(kept)], f"{key}: the backup is not one moment of the conversation"
    with sqlite3.connect(scratch / "mingbai.sqlite") as db:  # each question with the bot's answer: one snapshot
        directions = dict(db.execute("select direction, count(*) from messages where user_key not like 'web:old%' "
                                     "group by direction").fetchall())
    assert directions["in"] <= directions["out"]


@pytest.mark.timeout(90)
async def test_restore_is_refused_while_the_bot_runs_and_works_once_it_is_stopped(tmp_path):
    data = tmp_path / "data"
    async with running_bot(data, tmp_path / "bot.log") as (process, base):
        villager = await WebVillager(base, 1).start()
        await villager.says(QUESTION)
        made = mingbai(data, "backup", str(tmp_path / "copy.sqlite"))
        assert made.returncode == 0, made.stderr
        await villager.says("借钱不还怎么办")  # after the backup: the restore will take it back
        refused = mingbai(data, "restore", str(tmp_path / "copy.sqlite"))
        assert refused.returncode == 1
        assert "in use by a running mingbai" in refused.stderr and "stop the bot first" in refused.stderr
        assert not list(data.glob("*.before-restore-*"))
        await villager.says("离婚孩子归谁")  # the bot did not notice
        key = villager.key
        await villager.session.close()
        process.terminate()
        assert await process.wait() == 0
    restored = mingbai(data, "restore", str(tmp_path / "copy.sqlite"))
    assert restored.returncode == 0, restored.stderr
    [kept] = data.glob("mingbai.sqlite.before-restore-*")
    assert f"kept as {kept}" in restored.stdout
    assert _incoming(data / "mingbai.sqlite")[key] == [QUESTION]
    assert _incoming(kept)[key] == [QUESTION, "借钱不还怎么办", "离婚孩子归谁"]
    assert not Path(f"{data / 'mingbai.sqlite'}-wal").exists()  # no log of the old file beside the new one


def _sqlite_but_not_mingbai(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("create table photos (name text)")


def _cut_in_half(path: Path) -> None:
    _good_backup(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _scribbled(path: Path) -> None:
    _good_backup(path)
    raw = bytearray(path.read_bytes())
    raw[4096 * 3: 4096 * 6] = b"\xa5" * (4096 * 3)  # pages of the tables' b-trees
    path.write_bytes(bytes(raw))


def _from_a_newer_release(path: Path) -> None:
    _good_backup(path)
    with sqlite3.connect(path) as db:
        db.execute("insert into schema_migrations (migration_set, name, applied_at) "
                   "values ('mingbai.core', 'from_the_future', '2030-01-01')")


def _good_backup(path: Path) -> None:
    store = Store(path.with_name("source.sqlite"))
    with store.transaction():
        for number in range(2000):
            store.log_message(f"web:{number % 50}", "in", f"问题{number}" * 10)
    store.close()
    backup(path.with_name("source.sqlite"), path)


@pytest.mark.parametrize("make, said", [
    (lambda path: path.write_text("村民名单\n张三\n", encoding="utf-8"), "is not an SQLite database (it is something else)"),
    (lambda path: path.write_bytes(b""), "is not an SQLite database (it is empty)"),
    (_sqlite_but_not_mingbai, "is an SQLite database but not mingbai's"),
    (_cut_in_half, "is damaged and cannot be used"),
    (_scribbled, "is damaged and cannot be used"),
    (_from_a_newer_release, "was made by a newer mingbai (schema steps this release does not know: "
                            "mingbai.core/from_the_future); upgrade mingbai first"),
], ids=["text", "empty", "foreign", "truncated", "scribbled", "newer"])
def test_a_file_that_is_not_a_sound_backup_is_refused_and_the_database_is_untouched(tmp_path, make, said):
    data = tmp_path / "data"
    store = Store(data / "mingbai.sqlite")
    store.log_message("web:1", "in", QUESTION)
    store.close()
    before = _digest(data / "mingbai.sqlite")
    source = tmp_path / "incoming" / "backup.sqlite"
    source.parent.mkdir()
    make(source)
    run = mingbai(data, "restore", str(source))
    assert run.returncode == 1
    assert said in run.stderr and f"{data / 'mingbai.sqlite'} is unchanged" in run.stderr, run.stderr
    assert _digest(data / "mingbai.sqlite") == before
    assert sorted(path.name for path in data.iterdir()) == ["mingbai.sqlite", "mingbai.sqlite.lock"]
    with pytest.raises(BackupError) as checked:  # `mingbai backup --verify` says the same
        verify(source)
    assert said in str(checked.value)


def test_a_backup_of_an_older_release_is_upgraded_on_its_way_in(tmp_path):
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.executescript(OLD_RELEASE.read_text(encoding="utf-8"))
    assert "schema: from an older release: a restore applies" in verify(old).describe()
    restored = restore(old, tmp_path / "data" / "mingbai.sqlite")
    assert "mingbai.cases/county" in restored.upgraded and restored.kept is None
    assert not restored.contents.pending
    store = Store(tmp_path / "data" / "mingbai.sqlite")
    assert store.transcript("web:old1")[0]["text"] == "老板欠我工钱"
    assert not migrations.pending(store.db)
    store.close()


def test_restore_is_refused_while_any_store_has_the_database_open(tmp_path):
    database = tmp_path / "data" / "mingbai.sqlite"
    copy = tmp_path / "copy.sqlite"
    store = Store(database)
    backup(database, copy)
    with pytest.raises(DatabaseInUse, match="stop the bot first"):
        restore(copy, database)
    store.close()
    assert restore(copy, database).kept is not None


def test_a_mingbai_started_during_a_restore_says_so_and_stops(tmp_path):
    data = tmp_path / "data"
    Store(data / "mingbai.sqlite").close()
    with exclusive(data / "mingbai.sqlite"):  # what `mingbai restore` holds while it replaces the file
        run = mingbai(data, "stats")
    assert run.returncode == 1 and "is being replaced by `mingbai restore` right now" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_failed_backup_leaves_no_file_and_keep_prunes_only_backups(tmp_path):
    database, folder = tmp_path / "data" / "mingbai.sqlite", tmp_path / "backups"
    Store(database).close()
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup", encoding="utf-8")
    made = [backup(database, folder, keep=2, now=1_800_000_000 + day * 86400)[0].path for day in range(4)]
    assert sorted(folder.iterdir()) == sorted([*made[2:], folder / "notes.txt"])
    assert prune(folder, 1) == [made[2]]
    with pytest.raises(BackupError, match="give a folder"):
        backup(database, tmp_path / "one.sqlite", keep=3)
    _scribbled(database)  # the database itself is damaged: the copy fails its check and is not kept
    with pytest.raises(BackupError, match=f"the copy of {database} is damaged"):
        backup(database, folder, now=1_900_000_000)
    assert sorted(path.name for path in folder.iterdir()) == [made[3].name, "notes.txt"]
