"""The embedded engine: one SQLite file in WAL mode, private to the service, marked in use while it is open.

The connection is in autocommit mode and `transaction()` says BEGIN IMMEDIATE itself: the write lock is taken
when the transaction starts, so a second process (`mingbai forget` beside `mingbai run`) waits its turn within
the timeout instead of failing half-way through, and nothing is left in a transaction nobody commits.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
from pathlib import Path
from typing import Iterator, Sequence

from bot.storage import lock
from bot.storage.database import DRIVER_ERRORS, Database, Params

#: The data folder and the database files are the service's alone: villagers' conversations are in them.
FOLDER_MODE, FILE_MODE = 0o700, 0o600
BUSY_TIMEOUT = 10  # seconds a statement waits for another process's write lock before StorageUnavailable


def _unavailable(error: BaseException) -> bool:
    """BUSY or LOCKED past the timeout, FULL, READONLY, IOERR, CANTOPEN are `OperationalError`; CORRUPT and
    NOTADB plain `DatabaseError`: the database cannot be used now. Anything else is a constraint or a bug."""
    return isinstance(error, sqlite3.OperationalError) or type(error) is sqlite3.DatabaseError


DRIVER_ERRORS.append((sqlite3.Error, _unavailable))


def private_file(path: Path) -> None:
    """Create `path` readable and writable by this user only, or make an existing one of ours so."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        with contextlib.suppress(PermissionError):  # someone else's file: SQLite will say what it can do with it
            os.chmod(path, FILE_MODE)


class SQLiteDatabase(Database):
    dialect = "sqlite"
    types = {str: "TEXT", int: "INTEGER", float: "REAL"}  # the names sqlite-utils 4 gave the tables

    def __init__(self, path: Path | str, *, connection: sqlite3.Connection | None = None):
        """Open (creating it privately) the file at `path`, or wrap an open `connection` (backups' checks)."""
        self.path = Path(path)
        self.where = str(path)
        self._in_use = None  # the lock `mingbai restore` checks (bot.storage.lock), held while the file is open
        self._savepoints = itertools.count()
        if connection is not None:
            self.conn = connection
            return
        in_memory = str(path) == ":memory:"
        if not in_memory:
            if not self.path.parent.exists():
                self.path.parent.mkdir(mode=FOLDER_MODE, parents=True)
            self._in_use = lock.hold_shared(self.path)
            # SQLite gives the -wal and -shm files the database file's mode, so they are private too.
            for file in (self.path, *(Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm"))):
                if file == self.path or file.exists():
                    private_file(file)
        try:
            self.conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT,
                                        isolation_level=None)
            self.conn.execute("PRAGMA secure_delete = ON")  # deleted text is overwritten, not left in free pages
            if not in_memory:
                self.conn.execute("PRAGMA journal_mode = wal")
        except BaseException:
            self.close()
            raise

    def _cursor(self, sql: str, params: Params):
        return self.conn.execute(sql, params)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:  # an error may already have ended it
                    self.conn.execute("ROLLBACK")
                raise
            return
        savepoint = f"mingbai_{next(self._savepoints)}"
        self.conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")

    def lock(self, name: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the file's one write lock for the transaction."""

    def table_names(self) -> set[str]:
        return set(self.values("select name from sqlite_master where type = 'table'"))

    def columns(self, table: str) -> list[str]:
        return [row["name"] for row in self.rows(f"pragma table_info({table})")]

    def _autonumbered_id(self) -> str:
        return "INTEGER PRIMARY KEY"

    def set_primary_key(self, table: str, columns: Sequence[str]) -> None:
        """SQLite cannot change a table's key in place: a copy with the new key replaces the table (its indexes
        go with the old one; the migration that asks recreates those it needs)."""
        info = self.rows(f"pragma table_info({table})")
        definitions = [_column_definition(row) for row in info]
        names = ", ".join(f'"{row["name"]}"' for row in info)
        keys = ", ".join(f'"{column}"' for column in columns)
        with self.transaction():
            self.execute(f"create table {table}__new ({', '.join(definitions)}, primary key ({keys}))")
            self.execute(f"insert into {table}__new ({names}) select {names} from {table}")
            self.execute(f"drop table {table}")
            self.execute(f"alter table {table}__new rename to {table}")

    def scrub(self) -> None:
        """Copy the write-ahead log into the database and empty it, so deleted text does not stay in the -wal
        file until the next automatic checkpoint (SQLite's own PRAGMA)."""
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        if getattr(self, "conn", None) is not None:
            self.conn.close()
        if self._in_use is not None:
            lock.release(self._in_use)
            self._in_use = None


def _column_definition(column: dict) -> str:
    """A column as `pragma table_info` describes it, written back as `create table` takes it."""
    definition = f'"{column["name"]}" {column["type"]}'
    if column["dflt_value"] is not None:
        definition += f"{' not null' if column['notnull'] else ''} default {column['dflt_value']}"
    return definition
