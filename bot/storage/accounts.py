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
        return self.db.exists("select 1 from console_accounts where name = ?", [name])

    def any(self) -> bool:
        """True once a first account was made."""
        return self.db.exists("select 1 from console_accounts")

    def names(self) -> list[str]:
        """Every account's name, in alphabetical order."""
        return self.db.values("select name from console_accounts order by name")

    def save(self, name: str, role: str, password_hash: str, counties: tuple[str, ...], created_at: float) -> None:
        """Create the account, or replace its role, password and counties."""
        self.db.upsert("console_accounts", {"name": name, "role": role, "password": password_hash,
                                            "counties": ",".join(counties) or None, "created_at": created_at},
                       key=("name",))

    def remove(self, name: str) -> bool:
        """The account and its sessions; True when there was one."""
        self.end_sessions_of(name)
        return self.db.execute("delete from console_accounts where name = ?", [name]) > 0

    def account(self, name: str) -> dict | None:
        """The account's row (name, role, password hash, counties)."""
        return self.db.row("select * from console_accounts where name = ?", [name])

    def add_session(self, digest: str, name: str, created_at: float, expires_at: float) -> None:
        """A new session, after the expired ones are deleted."""
        self.db.execute("delete from console_sessions where expires_at < ?", [created_at])
        self.db.execute("insert into console_sessions (token, name, created_at, expires_at) values (?, ?, ?, ?)",
                        [digest, name, created_at, expires_at])

    def session_account(self, digest: str, now: float) -> dict | None:
        """The account (name, role, counties) of a session that is still live at `now`."""
        return self.db.row(
            "select a.name, a.role, a.counties from console_sessions s join console_accounts a on a.name = s.name "
            "where s.token = ? and s.expires_at > ?", [digest, now])

    def end_session(self, digest: str) -> None:
        self.db.execute("delete from console_sessions where token = ?", [digest])

    def end_sessions_of(self, name: str) -> None:
        self.db.execute("delete from console_sessions where name = ?", [name])
