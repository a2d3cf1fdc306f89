"""Backups: `mingbai backup DEST [--keep N]`, `mingbai backup --verify FILE` and `mingbai restore SRC`, with SQLite's
online backup API (bot.storage.backup) or, when MINGBAI_DATABASE_URL is set, pg_dump (bot.storage.pg_backup)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.options import database_of, settings_of
from bot.errors import MingbaiError


def command_backup(args) -> int:
    from bot.storage import backup, verify

    if (args.dest is None) == (args.verify is None):
        print("mingbai: give either DEST (to make a backup) or --verify FILE (to check one)", file=sys.stderr)
        return 2
    try:
        if args.verify:  # an SQLite file or a pg_dump: the file says which, the configured database plays no part
            print(verify(args.verify).describe())
            return 0
        contents, pruned = backup(database_of(args), args.dest, keep=args.keep)
    except MingbaiError as error:
        print(f"mingbai: {error}", file=sys.stderr)
        return 1
    print(f"wrote {contents.describe()}")
    for path in pruned:
        print(f"deleted {path} (older than the newest {args.keep})")
    return 0


def command_restore(args) -> int:
    from bot.storage import describe, restore

    database = database_of(args)
    try:  # on PostgreSQL the dump of the database it replaces goes to the data folder, as the SQLite file's copy does
        restored = restore(args.source, database, keep_in=settings_of(args).data_dir)
    except MingbaiError as error:
        print(f"mingbai: {error}; {describe(database)} is unchanged", file=sys.stderr)
        return 1
    print(f"restored {args.source} as {restored.contents.describe()}")
    if restored.upgraded:
        print(f"brought to this release's schema: {', '.join(restored.upgraded)}")
    if restored.kept:
        print(f"the database it replaced is kept as {restored.kept}: delete it once the restore is checked "
              "(it holds villagers' conversations too)")
    return 0


def _keep(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("keep at least 1")
    return number


def add_commands(commands: argparse._SubParsersAction) -> None:
    backup = commands.add_parser("backup", help="copy the database while the bot runs, checked; or check a copy")
    backup.add_argument("dest", nargs="?", type=Path, metavar="DEST",
                        help="a folder (made if missing) for mingbai-<UTC time>.sqlite (.pgdump on PostgreSQL), "
                             "or a file name ending .sqlite or .db (.pgdump)")
    backup.add_argument("--keep", type=_keep, metavar="N",
                        help="DEST is a folder: keep only its newest N backups (bounds how long forgotten data lasts)")
    backup.add_argument("--verify", type=Path, metavar="FILE",
                        help="check a backup (.sqlite or .pgdump) instead: integrity, schema, what it holds; "
                             "changes nothing")
    backup.set_defaults(handler=command_backup)
    restore = commands.add_parser("restore", help="put a backup in place of the database (stop the bot first)")
    restore.add_argument("source", type=Path, metavar="SRC")
    restore.set_defaults(handler=command_restore)
