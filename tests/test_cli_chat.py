"""`mingbai chat`: an admin tries the FAQ in a terminal (it stopped with a NameError when the CLI became a package;
ruff found it)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import ROOT


def test_chat_answers_in_the_terminal_and_names_its_database(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], input="/help\n", cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "MINGBAI_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "怎么用" in result.stdout and "Ctrl-D" in result.stdout
    assert str(tmp_path / "mingbai.sqlite") in result.stderr
