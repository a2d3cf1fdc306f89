"""The README documents every setting and every command (as datasette's docs tests do)."""

from __future__ import annotations

import pytest

from bot.cli import build_parser
from bot.settings import SETTINGS
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [name for name, _, _ in SETTINGS])
def test_setting_is_documented(name):
    assert f"`{name}`" in README


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return list(action.choices)


@pytest.mark.parametrize("command", _subcommands())
def test_command_is_documented(command):
    assert f"`mingbai {command}" in README


def test_setup_section_is_exactly_make_run_and_make_test():
    setup = README.split("## Set-up", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in setup.splitlines() if line.startswith("    ")]
    assert commands == ["make run", "make test"]
