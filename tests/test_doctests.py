"""The examples in docstrings are run, so an example that no longer holds fails the build."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tests.support import ROOT


def _modules_with_examples() -> list[str]:
    paths = [path for package in ("bot", "intents") for path in sorted((ROOT / package).rglob("*.py"))
             if ">>> " in path.read_text(encoding="utf-8")]
    return [".".join(path.relative_to(ROOT).with_suffix("").parts) for path in paths]


MODULES = _modules_with_examples()


def test_there_are_examples_to_run():
    assert {"bot.privacy", "intents.normalise", "intents.scorers"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed, f"{name}: {result.failed} of {result.attempted} examples fail"
