"""What every store object is: a handle on the one database, the transaction that spans them all, and the one
place where the driver's errors become mingbai's (`bot.errors.StorageError`)."""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Iterator

from bot.errors import StorageError, StorageUnavailable
from bot.storage.database import DRIVER_ERRORS, Database


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Raise the driver's errors (sqlite3's, psycopg's) as `StorageUnavailable` (the database cannot be used now:
    locked past the timeout, disk full, read-only, damaged, the server unreachable) or as `StorageError`
    (everything else: a broken constraint or a bug in the SQL, which retrying cannot help). Each engine says
    which of its errors are which (`database.DRIVER_ERRORS`), so callers never change."""
    try:
        yield
    except Exception as error:
        for driver_error, unavailable in DRIVER_ERRORS:
            if isinstance(error, driver_error):
                raise (StorageUnavailable if unavailable(error) else StorageError)(str(error)) from error
        raise


def _translating(method):
    @functools.wraps(method)
    def translated(*args, **kwargs):
        with storage_errors():
            return method(*args, **kwargs)

    return translated


class Tables:
    """Some of the database's tables. Each store (users and transcript, cases, accounts ...) is one; they share
    one connection, so a transaction begun through any of them holds the writes of all.

    Every public method of a store raises `StorageError`, never the driver's error: each subclass's methods are
    wrapped once, here, when the class is made (a store's methods return lists and values, never a lazy cursor,
    so nothing of the driver's escapes after the method has returned)."""

    def __init__(self, db: Database):
        self.db = db

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if inspect.isgeneratorfunction(member):
                raise TypeError(f"{cls.__name__}.{name}: a store method returns its rows, not a generator")
            if inspect.isfunction(member) and not name.startswith("_"):
                setattr(cls, name, _translating(member))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """`with store.transaction():` everything written inside commits together or not at all; nested, it is a
        savepoint inside the caller's transaction. The one way code outside bot/storage asks for atomicity. A
        write that fails inside it, or the commit, raises `StorageError` after the rollback."""
        with storage_errors(), self.db.transaction():
            yield
