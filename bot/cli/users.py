"""`mingbai user add|name|remove`: the web console's accounts, from the command line.

The password is asked for twice, never taken from the command line; the rules for names, roles and passwords
are the console's own (`bot.console.accounts`), so an account made here is one the console accepts.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from bot.console.accounts import MIN_PASSWORD, Account, Accounts, hash_password
from bot.errors import AccountError
from bot.handoff.desk import HandoffDesk
from bot.storage.store import Store


def add_user_command(database: Path, name: str, role: str, prompt=getpass.getpass, *,
                     display_name: str | None = None, counties: tuple[str, ...] = (), known_counties=None) -> int:
    """`mingbai user add NAME --role adviser|admin [--display-name 王律师] [--county ID ...]`: asks for the password
    twice, never on the command line. The display name is what villagers see when this adviser replies (the login
    name until one is chosen, here, with `mingbai user name`, or by the adviser in the console). A county must be
    one of `known_counties` (faq/counties/), or the adviser would see nothing."""
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
        new = Accounts(store.accounts).save(name, role, hash_password(password), tuple(counties))
        if display_name:
            HandoffDesk(store.cases).set_display_name(Account(name, role).adviser_id, display_name)
        shown = HandoffDesk(store.cases).holder_name(Account(name, role).adviser_id)
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
    store = Store(database)
    try:
        found = Accounts(store.accounts).credentials(name)
        if found and display_name.strip():
            HandoffDesk(store.cases).set_display_name(found[0].adviser_id, display_name)
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
    store = Store(database)
    try:
        removed = Accounts(store.accounts).remove(name)
    finally:
        store.close()
    print(f"removed {name!r}" if removed else f"mingbai user remove: no account {name!r}",
          file=sys.stdout if removed else sys.stderr)
    return 0 if removed else 1
