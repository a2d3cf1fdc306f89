"""Shared fixtures: the shipped FAQ and its matcher are built once per test session."""

from __future__ import annotations

import pytest

from intents.faq_loader import read_faq
from intents.matcher import Matcher
from tests.support import ROOT



@pytest.fixture(scope="session")
def shipped_faq():
    return read_faq(ROOT / "faq")


@pytest.fixture(scope="session")
def matcher(shipped_faq):
    return Matcher(shipped_faq)
