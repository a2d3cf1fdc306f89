"""`mingbai chat`, the admins' terminal for trying FAQ edits, in a real subprocess: it names its database and
answers a typed question from the FAQ."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import ROOT


def test_chat_answers_a_typed_question_in_the_terminal(tmp_path):
    env = {**{key: value for key, value in os.environ.items() if not key.startswith("MINGBAI_")},
           "MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT),
           "MINGBAI_CACHE_DIR": os.environ["MINGBAI_CACHE_DIR"]}
    run = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], input="老板欠我工资不给怎么办\n", env=env,
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"database {tmp_path / 'data' / 'mingbai.sqlite'}" in run.stderr
    assert "工资被拖欠" in run.stdout  # the answer (the greeting before it says 工钱被拖欠)
