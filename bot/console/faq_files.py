"""The FAQ folder as the files say now, for the admin page: each file, its problems, its intents.

This reads the files afresh on every visit (about 0.1 s, on a spare thread)
rather than showing what the bot is serving: after an edit the admin sees
what the edit says and whether it validates, and the page says separately
which version the bot is answering from. It runs every check that a reload
runs (intents, lexicon, flows, places, templates) so "valid here" means
"would be swapped in".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.core.service import check_folder
from intents.faq import Group, Intent
from intents.faq_loader import Problem

WHOLE_FOLDER = "（整个问答库）"
KNOWN_SUFFIXES = (".yaml", ".yml", ".txt")


@dataclass
class FileStatus:
    name: str  # relative to the FAQ folder, e.g. "labor.yaml", "flows/legal_aid_eligibility.yaml"
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity != "error"]


@dataclass
class FaqReport:
    files: list[FileStatus]
    groups: list[tuple[Group, list[Intent]]]

    @property
    def errors(self) -> list[Problem]:
        return [problem for status in self.files for problem in status.errors]

    def status(self, name: str) -> FileStatus | None:
        return next((status for status in self.files if status.name == name), None)


def relative(directory: Path, file: str) -> str:
    """A problem's file, relative to the FAQ folder; the folder itself for whole-FAQ problems."""
    path, root = Path(file).resolve(), directory.resolve()
    if path == root:
        return WHOLE_FOLDER
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return file


def describe(directory: Path, problem: Problem) -> str:
    """`labor.yaml:6: message`: the way `mingbai faq check` says it, with the path an admin edits."""
    where = relative(directory, problem.file)
    suffix = "（提醒）" if problem.severity != "error" else ""
    return f"{where}:{problem.line}: {problem.message}{suffix}"


def inspect(directory: Path) -> FaqReport:
    faq, problems = check_folder(directory)
    names = sorted(path.relative_to(directory).as_posix() for path in directory.rglob("*")
                   if path.is_file() and path.suffix in KNOWN_SUFFIXES)
    statuses = {name: FileStatus(name) for name in names}
    for problem in problems:
        name = relative(directory, problem.file)
        statuses.setdefault(name, FileStatus(name)).problems.append(problem)
    files = sorted(statuses.values(), key=lambda status: (status.name != WHOLE_FOLDER, not status.errors, status.name))
    groups = [(group, [faq[intent_id] for intent_id in group.intent_ids]) for group in faq.groups]
    return FaqReport(files, groups)
