"""Reading the database as a test sees it: through a connection of its own, not the service's store; the SQLite
file's path or a PostgreSQL URL alike."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

#: The migrations' record (this release's, and sqlite-utils' in older files): not data
RECORDS = ("schema_migrations", "_sqlite_migrations")


def count_rows(database: Path | str, table: str, where: str = "1 = 1", args: tuple | list = ()) -> int:
    """How many rows of `table` match `where` (with ? placeholders), as committed."""
    return len(_rows(database, f"select 1 from {table} where {where}", args))


def every_table(database: Path | str) -> dict[str, list[dict]]:
    """Every table of the database (SQLite's own and the migrations' record left out) with all its rows."""
    if _is_url(database):
        names = [row["table_name"] for row in _rows(database, "select table_name from information_schema.tables "
                                                              "where table_schema = current_schema()")]
    else:
        names = [row["name"] for row in _rows(database, "select name from sqlite_master where type = 'table' and "
                                                        "name not like 'sqlite%'")]
    return {name: _rows(database, f'select * from "{name}"') for name in sorted(names) if name not in RECORDS}


def _is_url(database: Path | str) -> bool:
    return isinstance(database, str) and database.startswith("postgresql://")


def _rows(database: Path | str, sql: str, args: tuple | list = ()) -> list[dict]:
    if _is_url(database):
        with psycopg.connect(database, row_factory=dict_row) as db:
            return db.execute(sql.replace("?", "%s"), list(args)).fetchall()
    with contextlib.closing(sqlite3.connect(database)) as db:  # WAL lets this read while the service writes
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, list(args))]
