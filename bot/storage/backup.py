"""Backups of the SQLite file while the bot runs, their check, and putting one back (`mingbai backup`, `restore`).

`backup` copies the database with SQLite's online backup API, in steps of PAGES_PER_STEP pages, from inside one
read transaction. In WAL mode a reader never blocks the writer, so the bot keeps answering; and because the
snapshot is held across the steps, the copy is the database as it was at one instant, and the bot's commits
between steps do not restart it (without the transaction SQLite starts a copy again whenever another connection
writes, which on a busy bot may be forever). The copy is written under a hidden temporary name, checked with
`PRAGMA integrity_check`, flushed to disk and only then renamed, so a file with a backup's name is always a whole,
checked backup.

`restore` refuses while any mingbai process has the database open (`bot.storage.lock`), checks the source
before it touches anything (an SQLite file, intact, mingbai's tables, not from a newer release), upgrades a
backup of an older release with this release's migrations, and keeps the file it replaces beside it as
`<database>.before-restore-<time>`.

The three public functions take a PostgreSQL URL (or, for `verify`, a pg_dump file) too and hand it to
bot.storage.pg_backup, so the CLI says `backup` whatever the engine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bot.errors import MingbaiError
from bot.storage import lock, migrations
from bot.storage.database import is_postgres_url
from bot.storage.sqlite import FOLDER_MODE, SQLiteDatabase, private_file

PAGES_PER_STEP = 1024  # 4 MB with SQLite's 4 KB pages per step, so other threads and the disk get turns between
#: The tables whose row counts say what a backup holds: villagers, their conversations, cases, accounts.
MAIN_TABLES = ("users", "messages", "unanswered", "feedback", "cases", "case_events", "console_accounts")
BACKUP_FILE = re.compile(r"mingbai-\d{8}T\d{6}Z\.sqlite")  # the names `backup` gives in a folder; --keep prunes them
SQLITE_HEADER = b"SQLite format 3\x00"
PGDUMP_HEADER = b"PGDMP"  # pg_dump's custom format (bot.storage.pg_backup), refused here with what to do instead
FILE_SUFFIXES = (".sqlite", ".db")  # a DEST named so is a file; any other DEST is a folder


class BackupError(MingbaiError):
    """A backup that cannot be made, read or put back; the message says which file and what to do."""


@dataclass(frozen=True)
class Contents:
    """What a backup file holds, as `mingbai backup` and `restore` print it."""

    path: Path | str  # a backup file, or a database (a restored file, a PostgreSQL URL without its password)
    size: int
    rows: dict[str, int]
    newest_message: float | None
    pending: tuple[str, ...]  # this release's migrations the file lacks (a restore applies them)
    checked: str = "integrity ok"  # how it was checked, in a few words

    def describe(self) -> str:
        newest = (dt.datetime.fromtimestamp(self.newest_message).strftime("%Y-%m-%d %H:%M:%S")
                  if self.newest_message else "none")
        schema = (f"from an older release: a restore applies {len(self.pending)} migration(s) ({', '.join(self.pending)})"
                  if self.pending else "this release's")
        return "\n".join([
            f"{self.path}: {_size(self.size)}, {self.checked}",
            "  rows: " + ", ".join(f"{table} {count}" for table, count in self.rows.items()),
            f"  newest message: {newest} (local time)",
            f"  schema: {schema}",
        ])


@dataclass(frozen=True)
class Restored:
    contents: Contents  # of the database now in place
    kept: Path | None  # the replaced database, or None when there was none
    upgraded: tuple[str, ...]  # the migrations applied to the backup on its way in


# --- backup ---------------------------------------------------------------------------------------


def backup(database: Path | str, destination: Path, *, keep: int | None = None,
           now: float | None = None) -> tuple[Contents, list[Path]]:
    """Copy `database` to `destination` (a file named *.sqlite or *.db, else a folder to put a
    `mingbai-<UTC time>.sqlite` in; with `keep` always a folder, whose backups beyond the newest `keep` are then
    deleted). Returns what the copy holds and the files pruned. A PostgreSQL URL is dumped by pg_backup."""
    if is_postgres_url(database):
        from bot.storage import pg_backup

        return pg_backup.backup(database, destination, keep=keep, now=now)
    if not database.is_file():
        raise BackupError(f"no database at {database}: nothing to back up (is MINGBAI_DATA_DIR right?)")
    if keep is not None and destination.suffix in FILE_SUFFIXES and not destination.is_dir():
        raise BackupError(f"--keep prunes a folder of backups, and {destination} names a file: give a folder")
    target = _target(destination, now or time.time(), folder=keep is not None)
    if target.resolve() == database.resolve():
        raise BackupError(f"{target} is the database itself: give another file or a folder")
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(descriptor)  # created 0600: the copy holds villagers' conversations
    partial = Path(name)
    try:
        source = _read_only(database)
        try:
            _copy(source, partial)
        finally:
            source.close()
        contents = verify(partial, shown_as=f"the copy of {database}")
        flush(partial)
        os.replace(partial, target)
        flush(target.parent)
    finally:
        _remove_database(partial)  # only after a failure is anything left under that name
    return replace(contents, path=target), prune(target.parent, keep) if keep else []


def _target(destination: Path, moment: float, folder: bool) -> Path:
    """A name ending in .sqlite or .db is the file to write; anything else is a folder, made when missing."""
    if folder or destination.is_dir() or destination.suffix not in FILE_SUFFIXES:
        destination.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        stamp = dt.datetime.fromtimestamp(moment, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        return destination / f"mingbai-{stamp}.sqlite"
    destination.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    return destination


def prune(folder: Path, keep: int, named: re.Pattern = BACKUP_FILE) -> list[Path]:
    """Delete the backups in `folder` beyond the newest `keep` (only files named as `backup` names them)."""
    backups = sorted(path for path in folder.iterdir() if named.fullmatch(path.name))  # the name sorts by time
    removed = backups[:-keep] if keep > 0 else backups
    for path in removed:
        path.unlink()
    return removed


def _copy(source: sqlite3.Connection, path: Path) -> None:
    """The whole of `source` into a new file at `path`, as one snapshot, in steps; left as one file (no -wal)."""
    target = sqlite3.connect(path)
    try:
        source.execute("begin")
        source.execute("select count(*) from sqlite_master")  # the snapshot starts with the first read
        source.backup(target, pages=PAGES_PER_STEP)
        source.execute("commit")
        target.execute("pragma journal_mode = delete")  # a backup is a single file; a restored one gets WAL back
    except sqlite3.DatabaseError as error:
        raise BackupError(f"could not copy the database: {error}") from error
    finally:
        target.close()


def flush(path: Path) -> None:
    """Onto the disk, not only into the page cache: a power cut after the rename must not leave an empty file."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- checks -----------------------------------------------------------------------------------------


def verify(path: Path, shown_as: str | None = None) -> Contents:
    """Check a backup file without changing it: SQLite, intact, mingbai's, not from a newer release. Problems
    name the file as `shown_as` when its own name would mean nothing to the reader (a temporary copy). A pg_dump
    file is checked by pg_backup: the file says which engine made it, the configured database plays no part."""
    from bot.storage import pg_backup

    if path.is_file() and pg_backup.is_pgdump(path):
        return pg_backup.verify(path, shown_as)
    connection = _read_only(path)
    try:
        _check_integrity(connection, shown_as or path)
        pending = _pending_migrations(connection, shown_as or path)
        return Contents(path, path.stat().st_size, _rows(connection), _newest_message(connection), pending)
    finally:
        connection.close()


def _read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header.startswith(PGDUMP_HEADER):
        raise BackupError(f"{path} is a PostgreSQL backup (pg_dump), and this mingbai keeps its data in SQLite: "
                          "restore it with MINGBAI_DATABASE_URL naming the PostgreSQL database to put it in")
    if header != SQLITE_HEADER:
        raise BackupError(f"{path} is not an SQLite database (it is {'empty' if not header else 'something else'}), "
                          "so not a mingbai backup")
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened: {error}") from error


def _check_integrity(connection: sqlite3.Connection, path: Path | str) -> None:
    try:
        problems = [row[0] for row in connection.execute("pragma integrity_check(5)")]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged and cannot be used: {error}") from error
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged and cannot be used: {'; '.join(problems)}")


def _pending_migrations(connection: sqlite3.Connection, path: Path | str) -> tuple[str, ...]:
    """This release's migrations the file has not had; BackupError when it is not mingbai's or from a newer one."""
    db = SQLiteDatabase(path, connection=connection)
    if not {"users", "messages"} <= db.table_names():
        raise BackupError(f"{path} is an SQLite database but not mingbai's (it has no users or messages table)")
    return pending_after(migrations.applied(db), path)


def pending_after(applied: set[tuple[str, str]], path: Path | str) -> tuple[str, ...]:
    """This release's migrations missing from `applied` (a backup's record of its schema steps); BackupError when
    the backup has steps this release does not know, i.e. it was made by a newer one."""
    mingbais = {(step_set, name) for step_set, name in applied if step_set.startswith("mingbai.")}
    known = {(steps.name, name) for steps in migrations.SETS for name in steps.names()}
    if unknown := sorted(mingbais - known):
        raise BackupError(f"{path} was made by a newer mingbai (schema steps this release does not know: "
                          f"{', '.join(f'{s}/{n}' for s, n in unknown)}); upgrade mingbai first, then restore it")
    return tuple(f"{steps.name}/{name}" for steps in migrations.SETS for name in steps.names()
                 if (steps.name, name) not in applied)


def _rows(connection: sqlite3.Connection) -> dict[str, int]:
    tables = SQLiteDatabase("backup", connection=connection).table_names()
    return {table: connection.execute(f"select count(*) from [{table}]").fetchone()[0]
            for table in MAIN_TABLES if table in tables}


def _newest_message(connection: sqlite3.Connection) -> float | None:
    return connection.execute("select max(created_at) from messages").fetchone()[0]


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


# --- restore ------------------------------------------------------------------------------------------


def restore(source: Path, database: Path | str, *, now: float | None = None, keep_in: Path | None = None) -> Restored:
    """Put the backup `source` in place of `database`, keeping the replaced file; refused while it is in use. A
    PostgreSQL URL is restored by pg_backup, which keeps a dump of the replaced database in `keep_in`."""
    if is_postgres_url(database):
        from bot.storage import pg_backup

        return pg_backup.restore(source, database, keep_in=keep_in or source.parent, now=now)
    database.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    with lock.exclusive(database):
        staged = database.with_name(database.name + ".restoring")
        _remove_database(staged)  # a restore interrupted before
        private_file(staged)
        try:
            pending = upgraded_copy(source, staged)
            contents = verify(staged)
            flush(staged)
            kept = _set_aside(database, now or time.time())
            os.replace(staged, database)
            flush(database.parent)
        finally:
            _remove_database(staged)
    return Restored(replace(contents, path=database), kept, pending)


def upgraded_copy(source: Path, staged: Path) -> tuple[str, ...]:
    """Check the backup `source` (SQLite, intact, mingbai's, not from a newer release) and copy it to `staged`
    with this release's schema; returns the migrations the copy needed. Also the first step of moving an SQLite
    deployment's data into PostgreSQL (bot.storage.pg_backup)."""
    connection = _read_only(source)
    try:
        _check_integrity(connection, source)
        pending = _pending_migrations(connection, source)
        _copy(connection, staged)
    finally:
        connection.close()
    if pending:
        _upgrade(staged)
    return pending


def _upgrade(path: Path) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        migrations.apply_all(SQLiteDatabase(path, connection=connection))
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the backup could not be brought to this release's schema: {error}") from error
    finally:
        connection.close()


def _set_aside(database: Path, moment: float) -> Path | None:
    """Keep the database about to be replaced as `<database>.before-restore-<UTC time>`, with anything its
    write-ahead log still held, and leave no -wal or -shm behind for the restored file to be confused with."""
    if not database.exists():
        return None
    stamp = dt.datetime.fromtimestamp(moment, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    kept = database.with_name(f"{database.name}.before-restore-{stamp}")
    with contextlib.suppress(sqlite3.DatabaseError):  # a damaged database: its -wal is kept beside it instead
        connection = sqlite3.connect(database)
        try:
            connection.execute("pragma wal_checkpoint(truncate)")
        finally:
            connection.close()
    try:
        os.link(database, kept)  # the database keeps its name until the rename replaces it: never a moment without
    except OSError:
        shutil.copy2(database, kept)
    for suffix in ("-wal", "-shm"):
        journal = Path(f"{database}{suffix}")
        if journal.exists():
            os.replace(journal, f"{kept}{suffix}")
    return kept


def _remove_database(path: Path) -> None:
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        file.unlink(missing_ok=True)
