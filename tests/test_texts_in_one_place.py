"""Every sentence a villager sees comes from bot/core/texts.py (or faq/ data): a Chinese literal written anywhere
else in a villager-facing module fails here, with the module, the line and the function that holds it.

Read from the source with `ast`, like tests/test_layers.py. Docstrings, comments and the problems admins read
(the `error(...)` of a file reader, `Problem(...)`) are not villager wording. What remains is either moved to
texts.py or listed in `ALLOWED` with the reason it is not a sentence for the villager.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support import ROOT

CJK = re.compile(r"[\u3400-\u9fff]")  # ideographs: punctuation alone (「」：；) is not wording
VILLAGER_FACING = ("bot/core", "bot/flows", "bot/channels", "bot/content", "bot/handoff")
#: Where wording belongs, and the parts of the villager-facing packages that face advisers or admins instead.
NOT_CHECKED = {
    "bot/core/texts.py": "the one table of villager wording",
    "bot/channels/telegram/advisers": "the advisers' Telegram group, not villagers",
    "bot/handoff/views.py": "what the adviser surfaces show of a case",
    "bot/flows/diagram.py": "the admins' Mermaid diagram of a flow",
}
#: (module, function or constant): why a Chinese literal there is not villager wording.
ALLOWED = {
    ("bot/core/deadlines.py", "*"): "the words villagers type for a date (去年年底, 三个月前, 农历) that parse_when reads, "
                                     "and how a date or span is written (2025年5月3日, 大约4个月); the sentences are in texts.py",
    ("bot/flows/understand.py", "*"): "the numerals and units villagers type (两千五, 3口人) that typed answers are read with",
    ("bot/content/places.py", "KINDS"): "the kinds of office faq/places.yaml's `kind:` takes, with their names",
    ("bot/content/places.py", "_SUFFIXES"): "the suffixes villagers leave out of a place's name (我在犍为)",
    ("bot/content/places.py", "_aliases"): "a place-name suffix (市) dropped when places are compared",
    ("bot/flows/model.py", "NO_FIGURE"): "the province's name while no income standard is configured: data, as in the "
                                         "income_standards.yaml it stands in for",
    ("bot/handoff/hours.py", "OfficeHours.chinese"): "how office hours are written (周一至周五 09:00-17:00)",
    ("bot/handoff/desk.py", "CALL_ME"): "the words a villager uses to ask to be called back",
    ("bot/handoff/desk.py", "HandoffDesk.display_name"): "the adviser's name when none was chosen (法律顾问); moves to "
                                                         "texts.py when the desk's SQL move to bot/storage settles",
    ("bot/handoff/relay.py", "*"): "the advisers' notice that a message did not reach the villager",
    ("bot/channels/telegram/application.py", "_tell_advisers"): "the advisers' notice that a message did not reach "
                                                                "the villager (a twin of the relay's, review G4)",
    ("bot/channels/terminal.py", "*"): "`mingbai chat`, the admins' and developers' terminal, not a villager channel",
    ("bot/channels/webchat/routes.py", "county_page"): "the static chat page's own title, which a county's page replaces",
}


def _checked(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return relative.startswith(VILLAGER_FACING) and not any(
        relative == place or relative.startswith(place + "/") for place in NOT_CHECKED)


def _is_problem_for_admins(call: ast.Call) -> bool:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return name in ("error", "warning", "Problem")


def _literals(tree: ast.Module):
    """(line, where, text) of each Chinese string constant outside docstrings and admins' problems; `where` is
    the enclosing top-level name (a constant, a function, or Class.method)."""
    found = []

    def visit(node, where: str, skip: bool) -> None:
        body = getattr(node, "body", None)
        docstring = body[0] if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                                      and body and isinstance(body[0], ast.Expr)
                                      and isinstance(body[0].value, ast.Constant)) else None
        for child in ast.iter_child_nodes(node):
            name = where
            if isinstance(node, ast.Module):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = child.name
                elif isinstance(child, (ast.Assign, ast.AnnAssign)):
                    target = child.targets[0] if isinstance(child, ast.Assign) else child.target
                    name = getattr(target, "id", "?")
            elif isinstance(node, ast.ClassDef) and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{node.name}.{child.name}"
            if child is docstring:
                continue
            inner_skip = skip or (isinstance(child, ast.Call) and _is_problem_for_admins(child))
            if (isinstance(child, ast.Constant) and isinstance(child.value, str) and CJK.search(child.value)
                    and not inner_skip):
                found.append((child.lineno, name, child.value))
            visit(child, name, inner_skip)

    visit(tree, "", False)
    return found


def _stray_wording() -> list[str]:
    stray = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if not _checked(path):
            continue
        module = path.relative_to(ROOT).as_posix()
        for line, where, value in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            if (module, where) not in ALLOWED and (module, "*") not in ALLOWED:
                stray.append(f"{module}:{line} in {where or 'the module'}: {value[:40]!r}")
    return stray


def test_villager_wording_is_written_in_texts_py_only():
    stray = _stray_wording()
    assert not stray, ("Chinese written outside bot/core/texts.py; put the sentence in texts.py (or faq/), or, if it "
                       "is not a sentence for the villager, list it in ALLOWED with the reason:\n" + "\n".join(stray))


def test_the_check_finds_a_sentence_written_in_a_channel():
    source = 'GREETING = "您好"\n\ndef f():\n    """文档"""\n    reader.error(1, "例如 犍为县")\n    return "请稍等"\n'
    assert [(line, where) for line, where, _ in _literals(ast.parse(source))] == [(1, "GREETING"), (6, "f")]


def test_every_allowance_still_names_chinese_that_is_there():
    """An entry whose literal has moved to texts.py goes, so the list only shrinks."""
    used = set()
    for path in sorted((ROOT / "bot").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for _, where, _ in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            used |= {(module, where), (module, "*")}
    assert sorted(set(ALLOWED) - used) == []
