"""The import rules that keep the data flow one-directional: channels translate, the core decides, storage remembers.

Read from the source with `ast` (nothing is imported), so a rule broken anywhere, even inside a function, fails
here with the module and the import that broke it. `RATCHET` lists the crossings that exist today and are due
to go; the test also fails when one of them is gone, so the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

PLATFORM_LIBRARIES = {"telegram": "bot.channels.telegram", "httpx": "bot.channels.telegram",
                      "wechatpy": "bot.channels.wechat", "xmltodict": "bot.channels.wechat"}

#: (importer, imported): crossings known today, each with what removes it.
RATCHET: dict[tuple[str, str], str] = {}  # empty: the relay's ChatService import went with bot/core/relay_port.py


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports() -> dict[str, set[str]]:
    found = {}
    for folder in ("bot", "intents"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            names = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module)
            found[_module_name(path)] = names
    return found


IMPORTS = _imports()


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _crossings(importers: str, forbidden: list[str]) -> set[tuple[str, str]]:
    return {(module, name) for module, names in IMPORTS.items() if _within(module, importers)
            for name in names if any(_within(name, bad) for bad in forbidden)}


RULES = {
    "intents/ is a library: it knows nothing of the bot, the platforms or storage":
        ("intents", ["bot", "telegram", "aiohttp", "sqlite_utils", "psycopg"]),
    "bot.messages, the types every layer shares, imports nothing of the bot": ("bot.messages", ["bot"]),
    "storage remembers; it does not call back into the layers above it":
        ("bot.storage", ["bot.core", "bot.handoff", "bot.channels", "bot.console", "bot.flows", "bot.content"]),
    "the core decides without knowing any platform or web framework":
        ("bot.core", ["bot.channels", "bot.console", "aiohttp", "telegram", "wechatpy"]),
    "the handoff desk and relay know no platform and not the core's service":
        ("bot.handoff", ["bot.channels", "bot.console", "aiohttp", "telegram", "bot.core.service"]),
    "channels and the console reach storage through the core, never directly":
        ("bot.channels", ["bot.storage"]),
    "the console reaches storage through the core, never directly": ("bot.console", ["bot.storage"]),
    "the core and the channels know nothing of the console": ("bot.channels", ["bot.console"]),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_layer_rule(rule):
    importers, forbidden = RULES[rule]
    broken = sorted(_crossings(importers, forbidden) - set(RATCHET))
    assert not broken, f"{rule}; broken by: " + ", ".join(f"{a} imports {b}" for a, b in broken)


def test_each_platform_library_is_imported_by_its_own_channel_only():
    broken = sorted((module, name) for module, names in IMPORTS.items() for name in names
                    for library, home in PLATFORM_LIBRARIES.items()
                    if _within(name, library) and not _within(module, home))
    assert not broken, ", ".join(f"{a} imports {b}" for a, b in broken)


def test_only_the_cli_starts_the_app():
    importers = sorted(module for module, names in IMPORTS.items() if "bot.app" in names and not _within(module, "bot.cli"))
    assert not importers, f"only bot.cli may import bot.app (the composition root); found in {importers}"


def test_nothing_but_the_cli_itself_imports_the_cli():
    importers = sorted(module for module, names in IMPORTS.items()
                       if any(_within(name, "bot.cli") for name in names) and not _within(module, "bot.cli"))
    assert not importers, f"bot.cli is the entry point, not a library; imported by {importers}"


def test_the_ratchet_only_lists_crossings_that_still_exist():
    everywhere = {(module, name) for module, names in IMPORTS.items() for name in names}
    gone = sorted(crossing for crossing in RATCHET if crossing not in everywhere)
    assert not gone, f"remove these from RATCHET, they are fixed: {gone}"
