"""Backups: `mingbai backup DEST [--keep N]`, `mingbai backup --verify FILE` and `mingbai restore SRC`, with SQLite's
online backup API (bot.storage.backup) or, when MINGBAI_DATABASE_URL is set, pg_dump (bot.storage.pg_backup)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.options import database_of, settings_of
from bot.errors import MingbaiError


def command_backup(args) -> int:
    from bot.storage import pg_backup
    from bot.storage.backup import backup, verify
    from bot.storage.database import is_postgres_url

    if (args.dest is None) == (args.verify is None):
        print("mingbai: give either DEST (to make a backup) or --verify FILE (to check one)", file=sys.stderr)
        return 2
    try:
        if args.verify:  # the file says which engine made it; the configured database plays no part
            check = pg_backup.verify if args.verify.is_file() and pg_backup.is_pgdump(args.verify) else verify
            print(check(args.verify).describe())
            return 0
        database = database_of(args)
        make = pg_backup.backup if is_postgres_url(database) else backup
        contents, pruned = make(database, args.dest, keep=args.keep)
    except MingbaiError as error:
        print(f"mingbai: {error}", file=sys.stderr)
        return 1
    print(f"wrote {contents.describe()}")
    for path in pruned:
        print(f"deleted {path} (older than the newest {args.keep})")
    return 0


def command_restore(args) -> int:
    from bot.storage.backup import restore
    from bot.storage.database import describe, is_postgres_url
    from bot.storage.pg_backup import restore as restore_postgres

    database = database_of(args)
    try:
        if is_postgres_url(database):
            restored = restore_postgres(args.source, database, keep_in=settings_of(args).data_dir)
        else:
            restored = restore(args.source, database)
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
                        help="a folder (made if missing) for mingbai-<UTC time>.sqlite (.pgdump on PostgreSQL), or a file "
                             "name ending .sqlite or .db (.pgdump)")
    backup.add_argument("--keep", type=_keep, metavar="N",
                        help="DEST is a folder: keep only its newest N backups (bounds how long forgotten data lasts)")
    backup.add_argument("--verify", type=Path, metavar="FILE",
                        help="check a backup (.sqlite or .pgdump) instead: integrity, schema, what it holds; changes nothing")
    backup.set_defaults(handler=command_backup)
    restore = commands.add_parser("restore", help="put a backup in place of the database (stop the bot first)")
    restore.add_argument("source", type=Path, metavar="SRC")
    restore.set_defaults(handler=command_restore)
