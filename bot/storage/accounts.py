"""The web console's accounts and login sessions (`console_accounts`, `console_sessions`).

Rows only: the rules (valid names and roles, hashing, session lifetimes) are `bot.console.accounts.Accounts`'s.
A password is stored as the hash it is given, a session as the digest of its token. Runs on the core's worker
thread, like every store.
"""

from __future__ import annotations

from bot.storage.tables import Tables


class AccountStore(Tables):
    """Accounts and sessions, as rows."""

    def exists(self, name: str) -> bool:
        return self.db["console_accounts"].count_where("name = ?", [name]) > 0

    def any(self) -> bool:
        """True once a first account was made."""
        return self.db["console_accounts"].count > 0

    def names(self) -> list[str]:
        """Every account's name, in alphabetical order."""
        return [row["name"] for row in self.db["console_accounts"].rows_where(order_by="name", select="name")]

    def save(self, name: str, role: str, password_hash: str, counties: tuple[str, ...], created_at: float) -> None:
        """Create the account, or replace its role, password and counties."""
        self.db["console_accounts"].upsert({"name": name, "role": role, "password": password_hash,
                                            "counties": ",".join(counties) or None, "created_at": created_at},
                                           pk="name")

    def remove(self, name: str) -> bool:
        """The account and its sessions; True when there was one."""
        self.end_sessions_of(name)
        return self.db.execute("delete from console_accounts where name = ?", [name]).rowcount > 0

    def account(self, name: str) -> dict | None:
        """The account's row (name, role, password hash, counties)."""
        return next(self.db["console_accounts"].rows_where("name = ?", [name]), None)

    def add_session(self, digest: str, name: str, created_at: float, expires_at: float) -> None:
        """A new session, after the expired ones are deleted."""
        self.db.execute("delete from console_sessions where expires_at < ?", [created_at])
        self.db["console_sessions"].insert({"token": digest, "name": name, "created_at": created_at,
                                            "expires_at": expires_at})

    def session_account(self, digest: str, now: float) -> dict | None:
        """The account (name, role, counties) of a session that is still live at `now`."""
        rows = self.db.query(
            "select a.name, a.role, a.counties from console_sessions s join console_accounts a on a.name = s.name "
            "where s.token = ? and s.expires_at > ?", [digest, now])
        return next(iter(rows), None)

    def end_session(self, digest: str) -> None:
        self.db.execute("delete from console_sessions where token = ?", [digest])

    def end_sessions_of(self, name: str) -> None:
        self.db.execute("delete from console_sessions where name = ?", [name])
