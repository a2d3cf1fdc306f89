"""Each package's public names are a decision (review I5, after httpx's tests/test_exported_members.py): its
`__all__` is pinned here, every name in it exists, and the rest of the bot imports nothing else from it.

The last check is read from the source with `ast`, like tests/test_layers.py: `from bot.storage.cases import
_case` in the core, or the web chat's `_memory` in the console, fails with the file and line. A name that is
needed becomes public in the package's `__init__.py` and here, in the same commit.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from tests.support import ROOT

PUBLIC = {
    "intents": {"BASIS_LABEL", "DISCLAIMER", "LANGUAGES", "CaseFileError", "Danger", "Deadline", "Decision", "Faq",
                "FaqError", "Group", "Intent", "LineDict", "LineList", "Matcher", "Problem", "Text", "YamlError",
                "evaluate", "format_report", "load_faq", "load_yaml", "read_cases", "read_faq"},
    "bot.storage": {"CLAIMED", "CLOSED", "Case", "CaseStore", "Event", "FORGET_NOTICE", "INBOX_NOTICE", "Leadership", "NOWHERE",
                    "Notices", "PUSH_NOTICE", "RELAY_NOTICE", "Store", "TO_ADVISERS", "TO_VILLAGER", "UserState",
                    "WAITING", "backup", "describe", "format_statistics", "restore", "verify"},
    "bot.console": {"CONSOLE", "MIN_PASSWORD", "PID_FILE", "Account", "Accounts", "Console", "hash_password", "reload_command",
                    "setup_console"},
    "bot.channels.telegram": {"add_adviser_handlers", "served_chats", "build_application", "requeue", "run_telegram",
                              "villager_sender", "webhook_routes"},
    "bot.channels.webchat": {"TRUSTED_PROXIES", "client_address", "is_secure", "setup_web_chat", "trusted_networks"},
    "bot.channels.wechat": {"WeChatSettings", "setup_wechat", "wechat_sender"},
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_the_public_names_are_the_pinned_ones_and_each_exists(package):
    module = importlib.import_module(package)
    assert set(module.__all__) == PUBLIC[package] and len(module.__all__) == len(PUBLIC[package])
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, f"{package}.__all__ names what it does not have: {missing}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _names_taken(package: str) -> list[str]:
    """`file:line: name` for each name a module of bot/ outside `package` imports from it or its submodules,
    and each `import package.x` (which reaches past the public names)."""
    taken = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        importer = _module_name(path)
        if _inside(importer, package):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and node.module and _inside(node.module, package):
                taken += [f"{where}: {alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                taken += [f"{where}: import {alias.name}" for alias in node.names if _inside(alias.name, package)]
    return taken


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_the_rest_of_the_bot_imports_only_public_names(package):
    private = [line for line in _names_taken(package) if line.rsplit(": ", 1)[1] not in PUBLIC[package]]
    assert not private, f"names taken from {package} that are not in its __all__:\n" + "\n".join(private)
