"""What every data command reads from the common options: the settings, and the database it says it uses."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from bot.settings import Settings


def settings_of(args) -> Settings:
    return dataclasses.replace(Settings.from_env(), faq_dir=args.faq)


def database_of(args) -> Path | str:
    """The database a command that touches data uses, said on stderr so nobody edits the wrong one. The same
    as `mingbai run`'s: $MINGBAI_DATABASE_URL (PostgreSQL) if set, else the SQLite file in $MINGBAI_DATA_DIR
    (or mingbai.toml), else ./var, from the current directory."""
    from bot.storage import describe  # the CLI imports storage only for commands that use it

    database = settings_of(args).database
    print(f"mingbai: database {describe(database)} (MINGBAI_DATABASE_URL or MINGBAI_DATA_DIR chooses another)",
          file=sys.stderr)
    return database

