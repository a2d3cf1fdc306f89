"""The README documents every setting and every command (as datasette's docs tests do)."""

from __future__ import annotations

import re

import pytest

from bot.cli import build_parser
from bot.settings import SETTINGS
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _plain(text: str) -> str:
    """A help text as the README and the code both write it: `code` and 'code' alike, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[`']", "", text)).strip()


@pytest.mark.parametrize("name, default, help_text", SETTINGS, ids=[name for name, _, _ in SETTINGS])
def test_setting_is_documented_as_the_code_has_it(name, default, help_text):
    row = re.search(rf"^\| `{name}` \| (.*?) \| (.*) \|$", README, re.M)
    assert row, f"README's settings table has no row for {name}"
    assert _plain(row.group(1)) == (default or "(none)"), f"README's default for {name} differs from bot/settings.py"
    assert _plain(row.group(2)) == _plain(help_text), f"README's help for {name} differs from bot/settings.py"


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


def test_every_test_file_the_docs_point_to_exists():
    """The README's reliability table and the architecture map send readers to test files by path; a moved or
    renamed test must take its references along."""
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "faq" / "README.md"]
    named = {path for document in documents for path in re.findall(r"tests/[a-z_/]+\.py", document.read_text("utf-8"))}
    assert named, "the docs name no test file: has the reliability table moved?"
    assert sorted(path for path in named if not (ROOT / path).exists()) == []
