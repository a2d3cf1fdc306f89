"""Reading faq/out_of_scope.yaml: the questions mingbai must not answer from its FAQ.

Two lists, because the bot says different things: `legal` questions the FAQ
does not cover get a human adviser and 12348 at once; `other` (not legal)
questions get a polite word on what mingbai can help with.
"""

from __future__ import annotations

from pathlib import Path

from intents.faq import OutOfScope
from intents.faq_reader import IntentReader
from intents.problems import Problem
from intents.yaml_lines import UNREADABLE, LineDict, load_reported

OUT_OF_SCOPE_FILE = "out_of_scope.yaml"
SIDES = ("legal", "other")


def read_out_of_scope(directory: Path, problems: list[Problem]) -> OutOfScope:
    path = directory / OUT_OF_SCOPE_FILE
    if not path.exists():
        return OutOfScope()
    reader = IntentReader(path, problems)
    raw = load_reported(path, reader.error)
    if raw is UNREADABLE:
        return OutOfScope()
    if not isinstance(raw, LineDict):
        reader.error(1, "out_of_scope.yaml needs `legal:` and `other:` lists of questions")
        return OutOfScope()
    for unknown in sorted(set(raw) - set(SIDES), key=str):
        reader.error(raw.line_of(unknown), f"unknown list `{unknown}`; use `legal:` or `other:`")
    sides = {side: reader.text_list(raw, side, listed="a list of questions, one `- ...` line each", entry="a question")
             for side in SIDES}
    return OutOfScope(**sides)
