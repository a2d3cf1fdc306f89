"""The handle every store shares on the one database: an SQLite file (the embedded default) or PostgreSQL
(`MINGBAI_DATABASE_URL`), behind the same methods.

The stores write their SQL once, in the standard SQL both engines speak, with `?` placeholders. What the two
really differ in lives in the two engines (`bot.storage.sqlite`, `bot.storage.postgres`): connecting, the
placeholders, the auto-numbered `id` column and the column types, nested transactions, locks between
processes, the case-insensitive `like`, and their drivers' errors, which `tables.storage_errors` turns into
mingbai's own. Rows come back as plain dicts and lists, never as a cursor, so nothing of the driver escapes.
"""

from __future__ import annotations

import contextlib
import functools
import re
import secrets
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

Params = Sequence[Any]
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
#: Each engine, when imported, adds its driver's base error and a test of whether an error means the database
#: cannot be used now (`StorageUnavailable`) rather than a bug or a broken constraint (`StorageError`).
DRIVER_ERRORS: list[tuple[type[BaseException], Callable[[BaseException], bool]]] = []


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def without_password(url: str) -> str:
    """The URL as it may be printed and logged."""
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", url)


def describe(target: str | Path) -> str:
    """The database as a person would name it: the file's full path, or the URL without its password."""
    return without_password(str(target)) if is_postgres_url(target) else str(Path(target).resolve())


def connect(target: str | Path) -> "Database":
    """The database `target` names: a postgresql:// URL, or the path of an SQLite file (":memory:" for none)."""
    if is_postgres_url(target):
        from bot.storage.postgres import PostgresDatabase  # psycopg is imported only by a deployment that uses it

        return PostgresDatabase(str(target))
    from bot.storage.sqlite import SQLiteDatabase

    return SQLiteDatabase(target)


class Database(ABC):
    """One connection, used from one thread at a time (the core's worker thread, or a command's main thread)."""

    #: "sqlite" or "postgresql"
    dialect: str
    #: A `like` that ignores case: SQLite's `like` does for ASCII, PostgreSQL needs `ilike`.
    like: str = "like"
    #: The database's name for mingbai's column types.
    types: dict[type, str]
    #: Where the data lives, as a person would name it (the file, or the server and database without password).
    where: str

    # --- the driver: each engine's own -----------------------------------------------------

    @abstractmethod
    def _cursor(self, sql: str, params: Params):
        """Run one statement and return the driver's cursor (its `description`, `rowcount`, `fetchall`)."""

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager:
        """Everything written inside commits together or not at all; nested, a savepoint."""

    @abstractmethod
    def lock(self, name: str) -> None:
        """Inside a transaction: wait until no other process holds `name`, then hold it until the transaction
        ends (one villager's messages are handled by one process at a time)."""

    @abstractmethod
    def table_names(self) -> set[str]: ...

    @abstractmethod
    def columns(self, table: str) -> list[str]: ...

    @abstractmethod
    def _autonumbered_id(self) -> str:
        """The column definition of an `id` the database numbers itself."""

    @abstractmethod
    def set_primary_key(self, table: str, columns: Sequence[str]) -> None:
        """Make `columns` the table's primary key, keeping every row."""

    @abstractmethod
    def close(self) -> None: ...

    # --- reading ---------------------------------------------------------------------------

    def rows(self, sql: str, params: Params = ()) -> list[dict]:
        """Every row the query returns, as dicts keyed by column name."""
        cursor = self._cursor(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def row(self, sql: str, params: Params = ()) -> dict | None:
        """The first row the query returns, or None."""
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None when there is no row."""
        rows = self._cursor(sql, params).fetchall()
        return rows[0][0] if rows else None

    def values(self, sql: str, params: Params = ()) -> list:
        """The first column of every row."""
        return [values[0] for values in self._cursor(sql, params).fetchall()]

    def exists(self, sql: str, params: Params = ()) -> bool:
        """True when the query returns a row."""
        return bool(self._cursor(f"select exists ({sql})", params).fetchall()[0][0])

    # --- writing ---------------------------------------------------------------------------

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        return self._cursor(sql, params).rowcount

    def insert(self, table: str, record: dict) -> int:
        """Add a row to a table with an auto-numbered `id`; returns that id."""
        columns = list(record)
        return self._cursor(f"insert into {table} ({column_list(columns)}) values ({_marks(columns)}) returning id",
                            list(record.values())).fetchall()[0][0]

    def upsert(self, table: str, record: dict, key: Sequence[str]) -> None:
        """Insert the row, or, when one with the same `key` columns exists, set the record's other columns."""
        columns = list(record)
        changed = [column for column in columns if column not in key]
        on_conflict = (f"do update set {', '.join(f'{_quoted(c)} = excluded.{_quoted(c)}' for c in changed)}"
                       if changed else "do nothing")
        self._cursor(f"insert into {table} ({column_list(columns)}) values ({_marks(columns)}) "
                     f"on conflict ({column_list(key)}) {on_conflict}", list(record.values()))

    def update(self, table: str, where: dict, changes: dict) -> int:
        """Set `changes` in the rows whose columns equal `where`; the number of rows changed."""
        setting = ", ".join(f"{_quoted(column)} = ?" for column in changes)
        matching = " and ".join(f"{_quoted(column)} = ?" for column in where)
        return self.execute(f"update {table} set {setting} where {matching}", [*changes.values(), *where.values()])

    # --- schema, for the migrations ---------------------------------------------------------

    def create_table(self, table: str, columns: dict[str, type], pk: str | tuple[str, ...],
                     defaults: dict[str, Any] | None = None) -> None:
        """`create table if not exists`, with mingbai's column types in this database's names; an int `id` that
        is the whole key is numbered by the database."""
        defaults = defaults or {}
        keys = (pk,) if isinstance(pk, str) else pk
        definitions = []
        for column, kind in columns.items():
            if keys == ("id",) and column == "id" and kind is int:
                definitions.append(f"{_quoted(column)} {self._autonumbered_id()}")
                continue
            definition = f"{_quoted(column)} {self.types[kind]}"
            if column in defaults:
                definition += f" default {_literal(defaults[column])}"
            definitions.append(definition)
        if keys != ("id",) or columns.get("id") is not int:
            definitions.append(f"primary key ({column_list(keys)})")
        self.execute(f"create table if not exists {table} ({', '.join(definitions)})")

    def add_column(self, table: str, column: str, kind: type, not_null_default: Any = None) -> None:
        """Add a column unless the table has it (a database from before migrations may)."""
        if column in self.columns(table):
            return
        definition = f"{_quoted(column)} {self.types[kind]}"
        if not_null_default is not None:
            definition += f" not null default {_literal(not_null_default)}"
        self.execute(f"alter table {table} add column {definition}")

    def create_index(self, table: str, columns: Sequence[str]) -> None:
        """An index named as sqlite-utils named the first ones, so a database made by then keeps its own."""
        self.execute(f"create index if not exists idx_{table}_{'_'.join(columns)} on {table} ({column_list(columns)})")

    # --- the deployment ---------------------------------------------------------------------

    def scrub(self) -> None:  # noqa: B027 - most engines need nothing
        """After a deletion has committed: do what the engine needs so deleted text is gone from its files."""

    @functools.cached_property
    def origin(self) -> str:
        """This process among those on the database: its own notices are not meant for itself."""
        return secrets.token_hex(6)

    def notify(self, kind: str, payload: str) -> None:  # noqa: B027 - one SQLite file has one process
        """Tell the other processes on this database (`bot.storage.notices`), when the caller's transaction
        commits (at once when there is none); `payload` is ids, never a villager's words."""

    @contextlib.contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold `name` against every other process for the duration (outside any transaction): migrations run
        in one process at a time. SQLite serialises writers by itself."""
        yield


def _quoted(name: str) -> str:
    return f'"{name}"'  # standard SQL, both engines: a column may be a reserved word ("by")


def column_list(columns: Sequence[str]) -> str:
    return ", ".join(_quoted(column) for column in columns)


def _marks(columns: Sequence[str]) -> str:
    return ", ".join("?" for _ in columns)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)
