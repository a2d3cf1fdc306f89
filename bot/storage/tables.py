"""What every store object is: a handle on the one database, and the transaction that spans them all."""

from __future__ import annotations

import contextlib

import sqlite_utils


class Tables:
    """Some of the database's tables. Each store (users and transcript, cases, accounts ...) is one; they share
    one connection, so a transaction begun through any of them holds the writes of all."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def transaction(self) -> contextlib.AbstractContextManager:
        """`with store.transaction():` everything written inside commits together or not at all; nested, it is a
        savepoint inside the caller's transaction. The one way code outside bot/storage asks for atomicity."""
        return self.db.atomic()
