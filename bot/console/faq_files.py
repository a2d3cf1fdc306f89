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

from bot.content.folder import check_folder
from intents.faq import Group, Intent
from intents.faq_loader import Problem

WHOLE_FOLDER = "（整个问答库）"
KNOWN_SUFFIXES = (".yaml", ".yml", ".txt")
#: Problems that follow from another file's error: an intent a broken file would have defined is missing.
FOLLOWS_FROM_ELSEWHERE = ("is defined in no file", "names no intent")

#: (pattern in the loader's English message, what it means in Chinese), first match wins. The admins are
#: clerks, not programmers: they read this line first and the technical `file:line` message after it.
EXPLANATIONS = (
    ("not valid YAML", "这个文件的格式坏了（常见原因：缩进不齐、少了引号或冒号），整个文件读不出来。"),
    ("is defined in no file", "必需的问题找不到了，多半是它所在的文件出错、读不出来。"),
    ("names no intent", "「接着可以问」里写的问题不存在，多半是它所在的文件出错、读不出来。"),
    ("has passed", "审核日期已经过了：请按现行法律重新审核这个回答，再写一个新的日期。"),
    ("emergency step", "紧急问题的回答第一行必须是报警求救的办法（110 / 96110 / 120）。"),
    ("`priority` goes with `urgent: true`", "紧急和转人工不配套：紧急的问题要写 urgent: true 和 handoff: priority，"
                                           "不紧急的不能写 priority。"),
    (".flow:", "自测流程（flow）的编号写错了：要写 faq/flows/ 里某个流程的 id，比如 legal_aid_eligibility。"),
    (".handoff:", "转人工方式只能是 offer（可转人工）、priority（紧急时优先转人工）或 start（直接转人工）。"),
    ("is not one of", "这一项只能写规定的几个值之一。"),
    ("must be true or false", "这一项只能写 true（是）或 false（否）。"),
    ("an FAQ file needs", "文件开头要有 group:、title: 和 intents: 列表。"),
    ("must start with the file's group", "问题编号要以这个文件的 group 开头，比如 labor.wage 写在 labor.yaml 里。"),
    ("intent id", "问题编号（id）写法不对：只能用小写英文字母、数字和点，比如 labor.wage。"),
    ("missing field `reviewed_by`", "缺少审核人（reviewed_by）：每个回答都要写明谁审核过。"),
    ("review_due", "审核日期（review_due）要写成 2027-06-30 这样的日期。"),
    ("missing field", "缺少必填的一项。"),
    ("unknown field", "有一项的名字写错了，或者缩进错了。"),
    ("must have `zh:` and `en:`", "这一项要有中文（zh:）和英文（en:）两行。"),
    ("needs `zh:` and `en:`", "这一项要有中文（zh:）和英文（en:）两行。"),
    ("is also an example of", "同一句例句只能写在一个问题下面：这句已经是另一个问题的例句了。"),
    ("empty", "这一项是空的，要写上文字。"),
    (".examples", "例句（问法）写法不对：要一条一条列出来。"),
    (".sources", "法律依据（sources）写法不对：每条要有中文和英文。"),
    (".follow_ups", "「接着可以问」（follow_ups）写法不对。"),
    (".deadline", "期限（deadline）写法不对。"),
    ("duplicate", "有重复的内容。"),
)
OTHERWISE = "文件里有一处写法不对，请看下面的说明改正。"


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

    @property
    def own_errors(self) -> list[Problem]:
        """Errors in this file itself, not ones that another broken file causes here."""
        return [problem for problem in self.errors if not follows_from_elsewhere(problem)]


@dataclass
class FaqReport:
    files: list[FileStatus]
    groups: list[tuple[Group, list[Intent]]]

    @property
    def errors(self) -> list[Problem]:
        return [problem for status in self.files for problem in status.errors]

    def status(self, name: str) -> FileStatus | None:
        return next((status for status in self.files if status.name == name), None)

    @property
    def broken(self) -> list[str]:
        """The files with errors of their own: the ones to fix first (the others' errors may just follow)."""
        return [status.name for status in self.files if status.own_errors]


def follows_from_elsewhere(problem: Problem) -> bool:
    return any(marker in problem.message for marker in FOLLOWS_FROM_ELSEWHERE)


def explain(problem: Problem) -> str:
    """A short Chinese line saying what kind of mistake the loader's English message is about."""
    return next((chinese for pattern, chinese in EXPLANATIONS if pattern in problem.message),
                OTHERWISE)


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


def describe_chinese_first(directory: Path, problem: Problem) -> str:
    """`labor.yaml:6: <what it means, in Chinese>（<the loader's English message>）`: for admins who read
    Chinese, with the exact message kept for whoever fixes the file."""
    where = relative(directory, problem.file)
    return f"{where}:{problem.line}: {explain(problem)}（{problem.message}）"


def inspect(directory: Path) -> FaqReport:
    faq, problems = check_folder(directory)
    names = sorted(path.relative_to(directory).as_posix() for path in directory.rglob("*")
                   if path.is_file() and path.suffix in KNOWN_SUFFIXES)
    statuses = {name: FileStatus(name) for name in names}
    for problem in problems:
        name = relative(directory, problem.file)
        statuses.setdefault(name, FileStatus(name)).problems.append(problem)
    files = sorted(statuses.values(), key=_order)
    groups = [(group, [faq[intent_id] for intent_id in group.intent_ids]) for group in faq.groups]
    return FaqReport(files, groups)


def _order(status: FileStatus) -> tuple:
    """Broken files first (bug 14: a YAML error used to list the whole FAQ and innocent files before the
    file that caused it), then errors that follow from them, then warnings, then the files that pass."""
    if status.own_errors:
        rank = 0
    elif status.errors:
        rank = 1 if status.name == WHOLE_FOLDER else 2
    else:
        rank = 3 if status.warnings else 4
    return rank, status.name
