"""What the tests share besides fixtures: fakes of the platforms, running servers, a browser, FAQ files.

`ROOT` is the repository; `SHARED` the read-only shared/ folder beside it (or $MINGBAI_SHARED); `settings_for`
the settings a test's service runs with.
"""

import os
from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MINGBAI_SHARED", ROOT.parent / "shared"))
#: Tests get each message answered at once: the burst window (2.5 s in production) only where a test sets it.
NO_BURST_WINDOW = {"MINGBAI_BURST_SECONDS": "0"}


def settings_for(environ: dict[str, str], config_file: Path | None = None) -> Settings:
    """`Settings.from_env(environ)` as a test's service uses them: no burst window unless `environ` sets one."""
    return Settings.from_env({**NO_BURST_WINDOW, **environ}, config_file)
