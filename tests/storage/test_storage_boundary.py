"""All SQL lives in bot/storage: outside it no module touches the database handle, runs a query or opens a
transaction of its own; it calls the stores' named methods and `store.transaction()`.

Read from the source with `ast`, like tests/test_layers.py, so a query slipped into any function fails here with
the file and line. This is what lets a second backend (PostgreSQL) be added behind bot/storage alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

#: Calls that are the database's, whatever the object is called.
DATABASE_CALLS = {"execute", "executemany", "executescript", "query", "atomic", "rows_where", "count_where",
                  "insert_all", "upsert", "upsert_all", "table_names", "enable_wal"}


def _outside_storage() -> list[Path]:
    return [path for path in sorted((ROOT / "bot").rglob("*.py")) if "storage" not in path.relative_to(ROOT).parts]


def _is_db(node: ast.AST) -> bool:
    """`db` or `<anything>.db`: the database handle itself."""
    return (isinstance(node, ast.Name) and node.id == "db") or (isinstance(node, ast.Attribute) and node.attr == "db")


def _uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "db":
            found.append((node.lineno, "reaches for .db"))
        elif isinstance(node, ast.Subscript) and _is_db(node.value):
            found.append((node.lineno, "indexes a table of db[...]"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DATABASE_CALLS:
            found.append((node.lineno, f"calls .{node.func.attr}()"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for driver in {name.split(".")[0] for name in names} & {"sqlite_utils", "psycopg"}:
                found.append((node.lineno, f"imports {driver}"))
    return found


def test_no_module_outside_storage_touches_the_database():
    broken = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in _outside_storage()
              for line, what in _uses(ast.parse(path.read_text(encoding="utf-8")))]
    assert not broken, "SQL belongs in bot/storage (give the store a named method):\n" + "\n".join(broken)


def _imports_sqlite3(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(alias.name == "sqlite3" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "sqlite3":
            return True
    return False


def test_no_module_outside_storage_imports_sqlite3():
    """Storage raises `bot.errors.StorageError` in place of the driver's errors, so nothing else needs sqlite3."""
    importers = [str(path.relative_to(ROOT)) for path in _outside_storage() if _imports_sqlite3(path)]
    assert not importers, f"sqlite3 belongs in bot/storage (catch bot.errors.StorageError): {importers}"


def test_the_check_sees_a_query_and_a_transaction_written_outside_storage():
    """The check itself: the shapes of access that were spread over the channels and the console are caught."""
    sample = ast.parse(
        "def f(service):\n"
        "    with service.store.db.atomic():\n"
        "        service.store.db.execute('delete from x')\n"
        "    rows = db['messages'].rows_where('id = ?', [1])\n"
        "    ledger.query('select 1')\n"
        "import sqlite_utils\n")
    assert {what for _, what in _uses(sample)} == {"reaches for .db", "calls .atomic()", "calls .execute()",
                                                   "indexes a table of db[...]", "calls .rows_where()",
                                                   "calls .query()", "imports sqlite_utils"}
