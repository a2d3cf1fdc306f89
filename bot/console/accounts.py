"""Adviser and admin accounts and their login sessions: the rules over their rows (`bot.storage.accounts`).

Passwords are kept only as scrypt hashes (standard library, salted, slow on
purpose) so a copied database does not give away logins; session tokens are
kept only as SHA-256 digests for the same reason. Like the store and the desk,
`Accounts` is synchronous and runs on the core's worker thread; the slow
hashing itself is done elsewhere (`hash_password`/`check_password` touch no
database), so a login never holds up villagers' messages.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from bot.errors import AccountError

ADVISER, ADMIN = "adviser", "admin"
ROLES = (ADVISER, ADMIN)
SESSION_SECONDS = 12 * 3600  # one working day; then log in again
MIN_PASSWORD = 10
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,31}")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # ~50 ms and 16 MiB per check


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    counties: tuple[str, ...] = ()  # the counties an adviser serves; none: every case (one county, or the city)

    @property
    def adviser_id(self) -> str:
        """How the desk knows this person: the same form as a Telegram adviser's "telegram:<id>"."""
        return f"web:{self.name}"

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def case_counties(self) -> tuple[str, ...]:
        """Whose cases this account sees: its counties' only, or every case (an admin, or no county given)."""
        return () if self.is_admin else self.counties


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **_SCRYPT)
    return f"scrypt:{_SCRYPT['n']}:{_SCRYPT['r']}:{_SCRYPT['p']}:{salt.hex()}:{digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored`; takes the same time whether or not it does."""
    try:
        _, n, r, p, salt, digest = stored.split(":")
        computed = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                  dklen=len(digest) // 2, maxmem=64 * 1024 * 1024)
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


#: Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The console's accounts and sessions, with their rules, over the store's `AccountStore` (worker thread)."""

    def __init__(self, rows, clock=time.time):
        self.rows = rows  # bot.storage.accounts.AccountStore, the store's accounts
        self.clock = clock

    def save(self, name: str, role: str, password_hash: str, counties: tuple[str, ...] = ()) -> bool:
        """Create the account, or replace its role, password and counties; True when it is new."""
        if not _NAME.fullmatch(name):
            raise AccountError("name: 2-32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
        if role not in ROLES:
            raise AccountError(f"role must be one of: {', '.join(ROLES)}")
        new = not self.rows.exists(name)
        self.rows.save(name, role, password_hash, counties, self.clock())
        if not new:  # a changed password or role ends the sessions started with the old one
            self.rows.end_sessions_of(name)
        return new

    def remove(self, name: str) -> bool:
        return self.rows.remove(name)

    def credentials(self, name: str) -> tuple[Account, str] | None:
        row = self.rows.account(name)
        return (_account(row), row["password"]) if row else None

    def start_session(self, name: str) -> str:
        now, token = self.clock(), secrets.token_urlsafe(32)
        self.rows.add_session(_digest(token), name, now, now + SESSION_SECONDS)
        return token

    def session(self, token: str) -> Account | None:
        """The account a live session token belongs to; the role is read afresh on every request."""
        row = self.rows.session_account(_digest(token), self.clock())
        return _account(row) if row else None

    def end_session(self, token: str) -> None:
        self.rows.end_session(_digest(token))


def _account(row: dict) -> Account:
    return Account(row["name"], row["role"], tuple(filter(None, (row.get("counties") or "").split(","))))
