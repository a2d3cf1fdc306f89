"""The admins' learning loop: a question the bot could not answer becomes an example of an intent, in its
YAML file, without an admin opening the file.

「加为例句」 inserts one line into the intent's `examples: zh:` list, at the indentation of the items already
there, so the file's comments, order and layout stay as the admin wrote them (a YAML dump would lose them).
The edited folder is checked in a copy first, exactly as a reload checks it; only a folder that validates,
with the new example read back under the right intent, is written and reloaded. Anything else is refused
with the `file:line` problems, and the file is left alone.

「忽略」 and 「需要新问答」 mark unanswered questions as reviewed; every action is logged with who did it
(the store's review log, `bot.storage.reviews`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.console.faq_files import describe_chinese_first
from bot.console.unanswered import yaml_scalar
from bot.content.folder import check_folder
from bot.errors import MingbaiError

ADDED, IGNORED, NEW_INTENT = "added", "ignored", "new_intent"
ACTIONS = {ADDED: "加为例句", IGNORED: "忽略", NEW_INTENT: "需要新问答"}
MAX_EXAMPLE = 200
_KEY = re.compile(r"^(\s*)(-\s+)?([A-Za-z_]+):\s*(#.*)?$")  # "    examples:", "  zh:", with no value on the line
_ITEM = re.compile(r"^(\s*)-\s")


class ExampleRefused(MingbaiError):
    """An example that cannot be added: `problems` are `file:line: what is wrong`, Chinese first."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Added:
    file: str  # relative to the FAQ folder
    line: int
    path: Path
    previous: str  # the file before, to put back if the reload is refused after all (another file changed)

    def undo(self) -> None:
        self.path.write_text(self.previous, encoding="utf-8")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _meaningful(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def insert_example(text: str, intent_line: int, example: str, name: str) -> tuple[str, int]:
    """`text` with "- example" added as the last item of the `examples: zh:` list of the intent whose
    `- id:` is on `intent_line` (1-based); the new text and the new line's number. `name` is for problems."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    start = intent_line - 1
    if not 0 <= start < len(lines) or not _ITEM.match(lines[start]):
        raise ExampleRefused([f"{name}:{intent_line}: 找不到这个问题的开头 (the intent does not start here)"])
    item_indent = _indent(lines[start])
    end = next((i for i in range(start + 1, len(lines))
                if _meaningful(lines[i]) and _indent(lines[i]) <= item_indent), len(lines))

    def key(name_wanted: str, begin: int, stop: int, deeper_than: int) -> int | None:
        for i in range(begin, stop):
            match = _KEY.match(lines[i])
            if match and match.group(3) == name_wanted and _indent(lines[i]) > deeper_than:
                return i
        return None

    examples = key("examples", start, end, item_indent - 1)
    zh = key("zh", examples + 1, end, _indent(lines[examples])) if examples is not None else None
    if zh is None:
        raise ExampleRefused([f"{name}:{intent_line}: 这个问题没有逐行写的 examples: zh: 列表，请在文件里手工添加 "
                              "(no block list under examples: zh:)"])
    last, item_column = None, None
    for i in range(zh + 1, end):
        if not _meaningful(lines[i]):
            continue
        if _indent(lines[i]) <= _indent(lines[zh]):
            break
        if _ITEM.match(lines[i]) and (item_column is None or _indent(lines[i]) == item_column):
            item_column = _indent(lines[i])
        last = i  # an item, or the continuation of one
    if last is None:
        raise ExampleRefused([f"{name}:{zh + 1}: examples: zh: 下面还没有例句，请在文件里手工添加第一条 (empty list)"])
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += newline
    lines.insert(last + 1, " " * item_column + "- " + yaml_scalar(example) + newline)
    return "".join(lines), last + 2


def add_example(faq_dir: Path, faq, intent_id: str, example: str) -> Added:
    """Write `example` into `intent_id`'s file if the folder still validates with it (blocking: a spare thread).
    The caller reloads the FAQ afterwards."""
    example = " ".join(example.split())
    if not example or len(example) > MAX_EXAMPLE:
        raise ExampleRefused([f"例句要有内容，最多 {MAX_EXAMPLE} 个字 (1-{MAX_EXAMPLE} characters)"])
    if intent_id not in faq:
        raise ExampleRefused([f"没有这个问题：{intent_id} (no such intent)"])
    intent = faq[intent_id]
    if example in intent.examples.get("zh", ()):
        raise ExampleRefused([f"「{example}」已经是「{intent.title.zh}」的例句了 (already an example)"])
    path = Path(intent.file)
    name = path.resolve().relative_to(faq_dir.resolve()).as_posix()
    old = path.read_text(encoding="utf-8")
    new, line = insert_example(old, intent.line, example, name)
    _check_in_a_copy(faq_dir, name, new, intent_id, example)
    temporary = path.with_name(f".{path.name}.adding")
    temporary.write_text(new, encoding="utf-8")
    os.replace(temporary, path)  # the watcher and a reload never see half a file
    return Added(name, line, path, old)


def _check_in_a_copy(faq_dir: Path, name: str, new: str, intent_id: str, example: str) -> None:
    with tempfile.TemporaryDirectory(prefix="mingbai-faq-") as scratch:
        copy = Path(scratch) / "faq"
        shutil.copytree(faq_dir, copy, ignore=shutil.ignore_patterns(".*"))
        (copy / name).write_text(new, encoding="utf-8")
        faq, problems = check_folder(copy)
        errors = [describe_chinese_first(copy, problem).replace(f"{copy}{os.sep}", "")  # the folder's paths
                  for problem in problems if problem.severity == "error"]
        if errors:
            raise ExampleRefused(["加了这条例句，问答库就通不过检查，所以没有写入："] + errors)
        if intent_id not in faq or example not in faq[intent_id].examples.get("zh", ()):
            raise ExampleRefused([f"{name}: 例句没有落在「{intent_id}」下面，所以没有写入 (not read back)"])
