"""What is stored: `mingbai stats`, `forget`, `export`, `purge` and the console accounts (`mingbai user ...`)."""

from __future__ import annotations

import argparse
import json

from bot.cli.options import database_of, settings_of
from bot.settings import RETENTION_DAYS


def command_stats(args) -> int:
    from bot.storage.stats import format_statistics

    store = _open_store(args)
    figures = store.statistics.service(days=args.days, county=args.county)
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else format_statistics(figures))
    return 0


def _open_store(args):
    from bot.storage.store import Store

    return Store(database_of(args))


def command_forget(args) -> int:
    store = _open_store(args)
    store.forget_villager(args.user)
    store.scrub()  # the deleted text leaves the write-ahead log now, not at the next checkpoint
    print(f"deleted the data of {args.user} (closed cases kept anonymised for statistics)")
    return 0


def command_export(args) -> int:
    print(json.dumps(_open_store(args).export_villager(args.user), ensure_ascii=False, indent=1))
    return 0


def command_purge(args) -> int:
    store = _open_store(args)
    print(f"deleted {store.purge_older_than(args.older_than)} records older than {args.older_than} days")
    return 0


def command_user_add(args) -> int:
    from bot.cli.users import add_user_command

    settings, database = settings_of(args), database_of(args)
    counties = None
    if args.county:  # only the county files are read: a valid id is all that is checked here
        from bot.content.counties import FOLDER, Counties
        from bot.content.places import Places

        counties = Counties.load(settings.faq_dir / FOLDER, Places.load(settings.faq_dir / "places.yaml")[0])[0]
    return add_user_command(database, args.name, args.role, display_name=args.display_name,
                            counties=tuple(args.county or ()), known_counties=counties)


def command_user_name(args) -> int:
    from bot.cli.users import name_user_command

    return name_user_command(settings_of(args).database, args.name, args.display_name)


def command_user_remove(args) -> int:
    from bot.cli.users import remove_user_command

    return remove_user_command(database_of(args), args.name)


def add_commands(commands: argparse._SubParsersAction) -> None:
    stats = commands.add_parser("stats", help="service statistics from the database")
    stats.add_argument("--days", type=int, default=30)
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.add_argument("--county", metavar="ID", help="only this county's villagers and cases (faq/counties/ID.yaml)")
    stats.set_defaults(handler=command_stats)
    user = commands.add_parser("user", help="web console accounts for advisers and admins").add_subparsers(
        dest="user_command", required=True)
    add = user.add_parser("add", help="create an account, or reset its password and role (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", choices=("adviser", "admin"), required=True)
    add.add_argument("--county", action="append", metavar="ID",
                     help="a county (faq/counties/ID.yaml) whose cases this adviser sees; repeat for several")
    add.add_argument("--display-name", help="the name villagers see when this adviser replies, e.g. 王律师")
    add.set_defaults(handler=command_user_add)
    name = user.add_parser("name", help="change the name villagers see for an adviser, e.g. 王律师")
    name.add_argument("name")
    name.add_argument("display_name")
    name.set_defaults(handler=command_user_name)
    remove = user.add_parser("remove", help="delete an account and end its sessions")
    remove.add_argument("name")
    remove.set_defaults(handler=command_user_remove)
    forget = commands.add_parser("forget", help="delete one villager's data, e.g. telegram:12345 or web:<id>")
    forget.add_argument("user")
    forget.set_defaults(handler=command_forget)
    export = commands.add_parser("export", help="print one villager's stored data as JSON")
    export.add_argument("user")
    export.set_defaults(handler=command_export)
    purge = commands.add_parser("purge", help="apply the retention policy: delete conversations older than N days")
    purge.add_argument("--older-than", type=int, default=RETENTION_DAYS, metavar="DAYS")
    purge.set_defaults(handler=command_purge)
