"""Adviser and admin accounts and their login sessions, in the same SQLite file as the cases.

Passwords are kept only as scrypt hashes (standard library, salted, slow on
purpose) so a copied database does not give away logins; session tokens are
kept only as SHA-256 digests for the same reason. Like the store and the desk,
`Accounts` is synchronous and runs on the core's worker thread; the slow
hashing itself is done elsewhere (`hash_password`/`check_password` touch no
database), so a login never holds up villagers' messages.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import re
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

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
    def __init__(self, db: sqlite_utils.Database, clock=time.time):
        self.db = db
        self.clock = clock

    def save(self, name: str, role: str, password_hash: str, counties: tuple[str, ...] = ()) -> bool:
        """Create the account, or replace its role, password and counties; True when it is new."""
        if not _NAME.fullmatch(name):
            raise AccountError("name: 2-32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
        if role not in ROLES:
            raise AccountError(f"role must be one of: {', '.join(ROLES)}")
        new = not self.db["console_accounts"].count_where("name = ?", [name])
        self.db["console_accounts"].upsert({"name": name, "role": role, "password": password_hash,
                                            "counties": ",".join(counties) or None, "created_at": self.clock()},
                                           pk="name")
        if not new:  # a changed password or role ends the sessions started with the old one
            self.db.execute("delete from console_sessions where name = ?", [name])
        return new

    def remove(self, name: str) -> bool:
        self.db.execute("delete from console_sessions where name = ?", [name])
        return self.db.execute("delete from console_accounts where name = ?", [name]).rowcount > 0

    def credentials(self, name: str) -> tuple[Account, str] | None:
        row = next(self.db["console_accounts"].rows_where("name = ?", [name]), None)
        return (_account(row), row["password"]) if row else None

    def start_session(self, name: str) -> str:
        now = self.clock()
        self.db.execute("delete from console_sessions where expires_at < ?", [now])
        token = secrets.token_urlsafe(32)
        self.db["console_sessions"].insert({"token": _digest(token), "name": name, "created_at": now,
                                            "expires_at": now + SESSION_SECONDS})
        return token

    def session(self, token: str) -> Account | None:
        """The account a live session token belongs to; the role is read afresh on every request."""
        rows = self.db.query(
            "select a.name, a.role, a.counties from console_sessions s join console_accounts a on a.name = s.name "
            "where s.token = ? and s.expires_at > ?", [_digest(token), self.clock()])
        row = next(iter(rows), None)
        return _account(row) if row else None

    def end_session(self, token: str) -> None:
        self.db.execute("delete from console_sessions where token = ?", [_digest(token)])


def _account(row: dict) -> Account:
    return Account(row["name"], row["role"], tuple(filter(None, (row.get("counties") or "").split(","))))


def add_user_command(database: Path, name: str, role: str, prompt=getpass.getpass, *,
                     display_name: str | None = None, counties: tuple[str, ...] = (), known_counties=None) -> int:
    """`mingbai user add NAME --role adviser|admin [--display-name 王律师] [--county ID ...]`: asks for the password
    twice, never on the command line. The display name is what villagers see when this adviser replies (the login
    name until one is chosen, here, with `mingbai user name`, or by the adviser in the console). A county must be
    one of `known_counties` (faq/counties/), or the adviser would see nothing."""
    from bot.handoff.desk import HandoffDesk
    from bot.storage.store import Store

    unknown = [county for county in counties if known_counties is None or known_counties.get(county) is None]
    if unknown:
        known = ", ".join(county.id for county in known_counties or ()) or "none configured in faq/counties/"
        print(f"mingbai user add: no county {', '.join(unknown)} (known: {known})", file=sys.stderr)
        return 2
    if display_name is not None and not display_name.strip():
        print("mingbai user add: --display-name is empty", file=sys.stderr)
        return 2

    password = prompt(f"Password for {name}: ")
    if len(password) < MIN_PASSWORD:
        print(f"mingbai user add: the password needs at least {MIN_PASSWORD} characters", file=sys.stderr)
        return 2
    if prompt("Repeat the password: ") != password:
        print("mingbai user add: the two passwords differ; nothing changed", file=sys.stderr)
        return 2
    store = Store(database)
    try:
        new = Accounts(store.db).save(name, role, hash_password(password), tuple(counties))
        if display_name:
            HandoffDesk(store.db).set_display_name(Account(name, role).adviser_id, display_name)
        shown = HandoffDesk(store.db).holder_name(Account(name, role).adviser_id)
    except AccountError as error:
        print(f"mingbai user add: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    seen = f"villagers see {shown!r}" if shown != Account(name, role).adviser_id else \
        f"villagers see {name!r} until a name is chosen (mingbai user name {name} 王律师)"
    serves = f" for {', '.join(counties)}" if counties else ""
    print(f"{'added' if new else 'updated'} {role} {name!r}{serves} in {database}; they log in at /login; {seen}")
    return 0


def name_user_command(database: Path, name: str, display_name: str) -> int:
    """`mingbai user name NAME 王律师`: the name villagers see when this console adviser replies."""
    from bot.handoff.desk import HandoffDesk
    from bot.storage.store import Store

    store = Store(database)
    try:
        found = Accounts(store.db).credentials(name)
        if found and display_name.strip():
            HandoffDesk(store.db).set_display_name(found[0].adviser_id, display_name)
    finally:
        store.close()
    if not found or not display_name.strip():
        print(f"mingbai user name: no account {name!r}" if not found else "mingbai user name: the name is empty",
              file=sys.stderr)
        return 1
    print(f"villagers now see {display_name.strip()!r} for {name!r}")
    return 0


def remove_user_command(database: Path, name: str) -> int:
    """`mingbai user remove NAME`: the account and its open sessions go at once."""
    from bot.storage.store import Store

    store = Store(database)
    try:
        removed = Accounts(store.db).remove(name)
    finally:
        store.close()
    print(f"removed {name!r}" if removed else f"mingbai user remove: no account {name!r}",
          file=sys.stdout if removed else sys.stderr)
    return 0 if removed else 1
