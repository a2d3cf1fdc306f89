"""What every data command reads from the common options: the settings, and the database it says it uses."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from bot.settings import Settings


def settings_of(args) -> Settings:
    return dataclasses.replace(Settings.from_env(), faq_dir=args.faq)


def database_of(args) -> Path:
    """The database a command that touches data uses, said on stderr so nobody edits the wrong one. The same
    default as `mingbai run`: $MINGBAI_DATA_DIR (or mingbai.toml), else ./var, from the current directory."""
    path = settings_of(args).database
    print(f"mingbai: database {path.resolve()} (MINGBAI_DATA_DIR chooses another)", file=sys.stderr)
    return path
