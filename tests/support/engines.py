"""Both database engines for a test: the SQLite file and the throwaway PostgreSQL server (tests/support/postgres.py).

A test or fixture parametrised with `ENGINES` asks `database_of(request, tmp_path)` for its database; the
PostgreSQL one is an empty database of its own, dropped after the test.
"""

from __future__ import annotations

from pathlib import Path

ENGINES = ("sqlite", "postgresql")


def database_of(request, tmp_path: Path) -> Path | str:
    """The database of the engine the test is parametrised with (`request.param`)."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return tmp_path / "mingbai.sqlite"


def database_url_of(request) -> str:
    """MINGBAI_DATABASE_URL for the engine: a fresh PostgreSQL database, or '' for the SQLite file."""
    return request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
