"""The folder where start-up work is kept between runs: fitted models and jieba's dictionary.

$MINGBAI_CACHE_DIR, else $XDG_CACHE_HOME/mingbai, else ~/.cache/mingbai;
MINGBAI_CACHE_DIR=off turns it off. Every file in it is named by the hash of
what it was made from, so a stale file is never read, and a missing,
unwritable or damaged folder only costs the work the file would have saved.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path | None:
    configured = os.environ.get("MINGBAI_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mingbai"

