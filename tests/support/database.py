"""Reading the database file as a test sees it: through a connection of its own, not the service's store."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


def count_rows(path: Path | str, table: str, where: str = "1 = 1", args: tuple | list = ()) -> int:
    """How many rows of `table` match `where`, as committed (WAL lets this read while the service writes)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(f"select count(*) from {table} where {where}", list(args)).fetchone()[0]


def every_table(path: Path | str) -> dict[str, list[dict]]:
    """Every table of the file (SQLite's own and the migrations' record left out) with all its rows."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        names = [name for (name,) in db.execute("select name from sqlite_master where type = 'table' and name not "
                                                "like 'sqlite%' and name != '_sqlite_migrations' order by name")]
        return {name: [dict(row) for row in db.execute(f'select * from "{name}"')] for name in names}
