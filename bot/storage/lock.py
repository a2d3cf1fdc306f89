"""Who has the database open, so that `mingbai restore` never swaps the file under a running bot.

Every `Store` holds a shared lock on `<database>.lock` for as long as it is open (`mingbai run`, `mingbai chat`,
a `mingbai stats` for its second); `mingbai restore` takes that lock exclusively, without waiting, and holds it
while it replaces the file. The kernel drops a lock when its process ends, `kill -9` included, so a crashed bot
leaves nothing stale behind, as a pid file would. The lock is on a file of its own, not on the database: SQLite
locks the database with POSIX locks, which `flock` does not disturb on a local disk but would on NFS.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from bot.errors import MingbaiError

LOCK_MODE = 0o600  # as private as the database beside it


class DatabaseInUse(MingbaiError):
    """A restore was asked for while a mingbai process has the database open."""


class RestoreUnderway(MingbaiError):
    """The database was opened while `mingbai restore` is replacing it."""


def lock_file(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _locked(database: Path, mode: int) -> int | None:
    """An open descriptor of the lock file holding `mode`, or None when another process's lock is in the way."""
    descriptor = os.open(lock_file(database), os.O_RDWR | os.O_CREAT, LOCK_MODE)
    try:
        fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def hold_shared(database: Path) -> int:
    """Mark the database as in use until the returned descriptor is closed (by `release`)."""
    descriptor = _locked(database, fcntl.LOCK_SH)
    if descriptor is None:
        raise RestoreUnderway(f"{database} is being replaced by `mingbai restore` right now; start again when it "
                              "has finished (it says so)")
    return descriptor


def release(descriptor: int) -> None:
    os.close(descriptor)


@contextlib.contextmanager
def exclusive(database: Path):
    """The database to ourselves for the duration, or DatabaseInUse saying what to do."""
    descriptor = _locked(database, fcntl.LOCK_EX)
    if descriptor is None:
        raise DatabaseInUse(f"{database} is in use by a running mingbai (`mingbai run`, or another mingbai command "
                            "on this database): stop the bot first (e.g. `systemctl stop mingbai`), then run "
                            "`mingbai restore` again")
    try:
        yield
    finally:
        release(descriptor)
