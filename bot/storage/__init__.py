"""What mingbai remembers, in one SQLite file or on PostgreSQL: every SQL statement of the service is in this package.

`Store` (store.py) opens the database (database.py: the one handle, with its two engines sqlite.py and
postgres.py), applies the migrations and holds one object per kind of record: users and
the transcript itself, `cases`, `accounts`, `reviews`, `statistics`, `telegram_inbox`, `telegram_outbox` and
`telegram_ledger`. Callers elsewhere use those objects' named methods and `store.transaction()`; none of them
sees the database handle (tests/storage/test_storage_boundary.py).

Above it, the core and the handoff desk use the names below; the CLI opens a `Store`, prints statistics, and
backs the database up or restores it (`backup`, `verify`, `restore`), and names it (`describe`). Several
processes on one PostgreSQL database tell each other what they wrote (`Notices`) and agree on the one that runs
the relay and Telegram (`Leadership`).
"""

from bot.storage.backup import backup, restore, verify
from bot.storage.cases import (
    CLAIMED,
    CLOSED,
    NOWHERE,
    RELAY_NOTICE,
    TO_ADVISERS,
    TO_VILLAGER,
    WAITING,
    Case,
    CaseStore,
    Event,
)
from bot.storage.database import describe
from bot.storage.leadership import Leadership
from bot.storage.notices import Notices
from bot.storage.stats import format_statistics
from bot.storage.store import FORGET_NOTICE, PUSH_NOTICE, Store, UserState
from bot.storage.telegram import INBOX_NOTICE

__all__ = ["CLAIMED", "CLOSED", "FORGET_NOTICE", "INBOX_NOTICE", "NOWHERE", "PUSH_NOTICE", "RELAY_NOTICE", "TO_ADVISERS",
           "TO_VILLAGER", "WAITING", "Case", "CaseStore", "Event", "Leadership", "Notices", "Store", "UserState",
           "backup", "describe", "format_statistics", "restore", "verify"]
