"""The console's failed logins (`login_failures`), one row per key and failure, in the shared database.

Several `mingbai run` processes on one database count a guesser's failures together, so N processes do not
give N times the tries. The rules (which keys, how many free tries, how long a wait) are
`bot.console.auth.LoginLimiter`'s; this store only counts rows. Times are wall-clock seconds (`time.time`):
processes share them, a monotonic clock they would not.

It holds no villager data: a key is an adviser's (or a guessed) login name and the address it came from, and
rows older than the limiter's window are purged, so /forget and export have nothing to do here.
"""

from __future__ import annotations

from typing import Iterable

from bot.storage.tables import Tables


class LoginFailures(Tables):
    """Failed logins as (key, at) rows."""

    def add(self, keys: Iterable[str], at: float) -> None:
        """One failure at `at`, counted under each key, in one transaction."""
        with self.db.transaction():
            for key in keys:
                self.db.execute("insert into login_failures (key, at) values (?, ?)", [key, at])

    def counts(self, keys: Iterable[str], since: float) -> dict[str, tuple[int, float]]:
        """(how many, the latest at) of each key's failures at or after `since`; a key without any is left out."""
        keys = list(keys)
        rows = self.db.rows(f"select key, count(*) as failures, max(at) as latest from login_failures "
                            f"where key in ({', '.join('?' for _ in keys)}) and at >= ? group by key",
                            [*keys, since])
        return {row["key"]: (row["failures"], row["latest"]) for row in rows}

    def clear(self, keys: Iterable[str]) -> None:
        """Forget every failure under these keys (a right password)."""
        keys = list(keys)
        self.db.execute(f"delete from login_failures where key in ({', '.join('?' for _ in keys)})", keys)

    def purge_before(self, moment: float) -> int:
        """Delete the failures older than `moment` (past the window they no longer count); how many went."""
        return self.db.execute("delete from login_failures where at < ?", [moment])
