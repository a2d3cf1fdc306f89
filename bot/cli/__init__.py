"""The `mingbai` command: run the bot, try and measure the FAQ, and look after the data, from a terminal.

One module per family of subcommands (`matching`, `faq`, `serving`, `data`, `backup`), each adding its own parsers;
`options` holds what they share. Settings are read only by the commands that need them, so `--help` works
even when one is wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import backup, data, faq, matching, serving
from bot.errors import MingbaiError, SettingsError
from bot.settings import Settings
from intents.faq_loader import FaqError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mingbai", description="明白 mingbai: legal guidance chatbot for villagers")
    parser.add_argument("--faq", type=Path, help="FAQ folder (default: $MINGBAI_FAQ_DIR or ./faq)")
    commands = parser.add_subparsers(dest="command", required=True)
    for family in (matching, faq, serving, data, backup):
        family.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # --help works even when a setting is wrong
    try:
        if args.faq is None:
            args.faq = Settings.from_env().faq_dir
        return args.handler(args)
    except SettingsError as error:  # one line, no traceback: the admin fixes a setting, not the code
        where = " (in the environment or mingbai.toml)" if error.setting else ""
        print(f"mingbai: {error}{where}", file=sys.stderr)
        return 2
    except FaqError as error:
        print(f"mingbai: {error}\nRun `mingbai faq check` for the full list.", file=sys.stderr)
        return 1
    except MingbaiError as error:  # e.g. the database is being restored: said plainly, not as a traceback
        print(f"mingbai: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `mingbai answer ... | head`: the reader has seen enough
        sys.stderr.close()
        return 0
