"""Problems found in admins' files, reported as `file:line: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something wrong in an FAQ file, as `file:line: message`."""

    file: str
    line: int
    message: str
    severity: str = "error"  # or "warning": reported, fatal only with --strict

    def __str__(self) -> str:
        suffix = " (warning)" if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {self.message}{suffix}"


class FaqError(Exception):
    """The FAQ has errors; `problems` lists them all. The previous FAQ should keep serving."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        listing = "\n".join(str(problem) for problem in problems)
        super().__init__(f"the FAQ has {len(problems)} problem(s):\n{listing}")
