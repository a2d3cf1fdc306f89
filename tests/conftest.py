"""Shared fixtures: the shipped FAQ and its matcher are built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from intents.faq_loader import read_faq
from intents.matcher import Matcher

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MINGBAI_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shipped_faq():
    return read_faq(ROOT / "faq")


@pytest.fixture(scope="session")
def matcher(shipped_faq):
    return Matcher(shipped_faq)
