"""A newcomer's first minutes: every data command says which database it uses (the same default as
`mingbai run`), `mingbai run` prints where the consoles are and how to create the first account, and the
withdrawn requests show on the dashboard and in Telegram's /stats."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import os
import subprocess
import sys

from bot.app import serve
from bot.channels.telegram.advisers.cards import stats_text
from bot.console.admin_pages import statistics_body
from bot.handoff.desk import HandoffDesk
from bot.storage.stats import service_statistics
from bot.storage.store import Store
from intents.faq_loader import read_faq
from tests.support import ROOT, settings_for
from tests.support.telegram.bots import free_port


def mingbai(cwd, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MINGBAI_")}
    environment.update(PYTHONPATH=str(ROOT), MINGBAI_FAQ_DIR=str(ROOT / "faq"), **env)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=environment)


def test_data_commands_say_which_database_they_use(tmp_path):
    default = mingbai(tmp_path, "stats")
    assert f"mingbai: database {tmp_path / 'var' / 'mingbai.sqlite'}" in default.stderr  # what `mingbai run` uses
    chosen = mingbai(tmp_path, "user", "remove", "nobody", MINGBAI_DATA_DIR=str(tmp_path / "elsewhere"))
    assert f"mingbai: database {tmp_path / 'elsewhere' / 'mingbai.sqlite'}" in chosen.stderr
    assert "database" in mingbai(tmp_path, "export", "web:x").stderr


async def test_run_prints_the_console_addresses_and_how_to_create_the_first_account(tmp_path, capsys):
    port = free_port()
    settings = dataclasses.replace(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"),
                                                      "MINGBAI_DATA_DIR": str(tmp_path)}), web_port=port)
    ready = asyncio.Event()
    task = asyncio.create_task(serve(settings, ready))
    await asyncio.wait_for(ready.wait(), 60)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    printed = capsys.readouterr().out
    assert f"http://127.0.0.1:{port}/adviser" in printed and f"http://127.0.0.1:{port}/admin" in printed
    assert "mingbai user add NAME --role admin" in printed


def test_a_withdrawn_request_shows_on_the_dashboard_and_in_telegram_stats(tmp_path):
    store = Store(tmp_path / "mingbai.sqlite")
    desk = HandoffDesk(store.cases)
    case, _ = desk.open_case("web:a", "labor.wage", urgent=False)
    desk.close_by_villager(case.id)  # ended before any adviser replied
    figures = service_statistics(store.db, days=30)
    assert figures["withdrawn"] == 1 and figures["today"]["withdrawn"] == 1
    page = statistics_body(figures, read_faq(ROOT / "faq"), dt.date.today())
    assert "撤回" in page and "撤回 1 个" in page
    assert "撤回 withdrawn 1" in stats_text(figures)
    store.close()
