"""YAML loading that remembers line numbers, so every problem can be reported as `file:line`.

Admins edit the FAQ by hand; "missing field `answer`" is useless without the
line it belongs to. PyYAML's safe loader forgets positions once it builds
Python objects, so this loader keeps them on the mappings it returns.
"""

from __future__ import annotations

from pathlib import Path

import yaml


class LineDict(dict):
    """A mapping from a YAML file that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from a YAML file that knows the line of each item."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineConstruction:
    def construct_mapping(self, node, deep=False):
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            self.construct_object(key, deep=True): key.start_mark.line + 1 for key, _ in node.value
        }
        return mapping

    def construct_sequence(self, node, deep=False):
        sequence = LineList(super().construct_sequence(node, deep=True))
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [item.start_mark.line + 1 for item in node.value]
        return sequence


class _LineLoader(_LineConstruction, yaml.SafeLoader):
    """Pure Python: slow, but its messages say exactly what is wrong and where."""


#: libyaml's parser when PyYAML has it: the same documents, read five times faster (a third of the start-up's
#: FAQ reading); a file it refuses is read again by `_LineLoader` for the message.
_FastLineLoader = type("_FastLineLoader", (_LineConstruction, yaml.CSafeLoader), {}) if yaml.__with_libyaml__ else None

for _loader in filter(None, (_LineLoader, _FastLineLoader)):
    _loader.add_constructor("tag:yaml.org,2002:map", _loader.construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:seq", _loader.construct_sequence)


class YamlError(ValueError):
    """A file that is not valid YAML; `line` is where the parser gave up."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def load_yaml(path: Path):
    """Parse one YAML file into LineDict / LineList / scalars, or raise YamlError."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlError(path, 1, f"not UTF-8 text ({error.reason}); save the file as UTF-8") from error
    if _FastLineLoader is not None:
        try:
            return yaml.load(text, Loader=_FastLineLoader)  # noqa: S506 - a CSafeLoader subclass
        except yaml.YAMLError:
            pass  # the pure loader below says why
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or str(error)
        raise YamlError(path, line, f"not valid YAML: {reason}; check indentation and quotes") from error
    except yaml.reader.ReaderError as error:  # a control character, e.g. pasted from a Word document
        line = text[: error.position].count("\n") + 1
        raise YamlError(path, line, f"character {error.character:#x} is not allowed in YAML; delete it") from error


#: What `load_reported` returns for a file that is not YAML (its problem already reported).
UNREADABLE = object()


def load_reported(path: Path, report) -> object:
    """The file's YAML, or UNREADABLE after calling report(line, message) with why it could not be read."""
    try:
        return load_yaml(path)
    except YamlError as error:
        report(error.line, error.message)
        return UNREADABLE
