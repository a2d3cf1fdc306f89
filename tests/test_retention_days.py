"""The 180-day promise is one constant (review F3): the start-up purge, `mingbai purge`'s default, /privacy and
the web chat's cookie read RETENTION_DAYS, found where importing it loads neither the core nor the matcher."""

from __future__ import annotations

import subprocess
import sys

from bot.channels.webchat.routes import COOKIE_DAYS
from bot.cli import build_parser
from bot.settings import RETENTION_DAYS
from tests.support import ROOT
from tests.support.core import Villager


def test_purge_defaults_to_the_retention_period_and_the_cookie_lasts_as_long():
    assert build_parser().parse_args(["purge"]).older_than == RETENTION_DAYS == COOKIE_DAYS == 180


async def test_privacy_tells_the_villager_the_same_period(service):
    [reply] = await Villager(service).says("/privacy")
    assert f"{RETENTION_DAYS}" in reply.text


def test_the_constant_comes_without_the_core_or_the_matcher():
    """bot/settings.py, where the CLI and the web chat find it, loads neither (the core did, with its models)."""
    probe = "import sys, bot.settings; print(sorted(m for m in ('bot.core.service', 'intents.matcher') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
