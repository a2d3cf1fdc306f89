"""Every setting mingbai reads, in one table: name, default and help.

The table drives `Settings.from_env`, the README's configuration section and a
test that keeps the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: (environment variable, default, help)
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("MINGBAI_FAQ_DIR", "faq", "Folder of FAQ files (intents, lexicon, flows)."),
    ("MINGBAI_DATA_DIR", "var", "Folder for the SQLite database and other state."),
)


@dataclass(frozen=True)
class Settings:
    faq_dir: Path
    data_dir: Path

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        values = {name: environ.get(name, default) for name, default, _ in SETTINGS}
        return cls(faq_dir=Path(values["MINGBAI_FAQ_DIR"]), data_dir=Path(values["MINGBAI_DATA_DIR"]))
