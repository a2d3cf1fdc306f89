"""Shared fixtures: the shipped FAQ and its matcher (built once per session), and a core on a fresh SQLite file."""

from __future__ import annotations

import os

import pytest

from bot.core.service import ChatService
from bot.settings import Settings
from intents.faq_loader import read_faq
from intents.matcher import Matcher
from tests.support import ROOT


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory):
    """Fitted models go to a folder of this run (subprocesses inherit it), not to the user's ~/.cache/mingbai."""
    os.environ["MINGBAI_CACHE_DIR"] = str(tmp_path_factory.mktemp("model-cache"))


@pytest.fixture(scope="session")
def shipped_faq():
    return read_faq(ROOT / "faq")


@pytest.fixture(scope="session")
def matcher(shipped_faq):
    return Matcher(shipped_faq)


@pytest.fixture
def settings(tmp_path):
    """The shipped FAQ and a database of the test's own; modules that need other settings define their own."""
    return Settings.from_env({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path)})


@pytest.fixture
async def service(settings):
    service = ChatService.open(settings)
    yield service
    await service.close()


@pytest.fixture(autouse=True)
def answer_at_once(monkeypatch):
    """Tests get each message answered at once, without the burst window (MINGBAI_BURST_SECONDS, 2.5 s in
    production), unless they set the window themselves (tests/test_bursts.py does)."""
    from_env = Settings.from_env.__func__

    def without_window(cls, environ=None, config_file=None):
        environ = dict(os.environ if environ is None else environ)
        environ.setdefault("MINGBAI_BURST_SECONDS", "0")
        return from_env(cls, environ, config_file)

    monkeypatch.setattr(Settings, "from_env", classmethod(without_window))
