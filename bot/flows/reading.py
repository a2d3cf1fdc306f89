"""Reading one admin-edited YAML file while collecting every problem with its line.

Flow files are edited by lawyers and clerks; a problem is only useful as
`file:line: what is wrong and what to write instead`, and one bad field should
not hide the next one, so readers record problems and carry on.
"""

from __future__ import annotations

from pathlib import Path

from intents.faq import LANGUAGES, Text
from intents.faq_loader import Problem
from intents.yaml_lines import LineDict, LineList, YamlError, load_yaml

#: PyYAML reads unquoted yes/no/on/off as true/false; admins must quote them.
BOOLEAN_HINT = 'write it in quotes, e.g. "yes" or "no" (plain yes/no are read as true/false)'


class Reader:
    """Problems for one file, plus helpers that check the shapes every flow file uses."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.file = str(path)
        self.problems = problems

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def load(self, path: Path) -> LineDict | None:
        """The file's top-level mapping, or None after reporting why it cannot be read."""
        try:
            raw = load_yaml(path)
        except YamlError as error:
            self.error(error.line, error.message)
            return None
        if not isinstance(raw, LineDict):
            self.error(getattr(raw, "line", 1), "the file must be a set of `name: value` lines (see faq/flows/README.md)")
            return None
        return raw

    def unknown_fields(self, raw: LineDict, allowed: set[str], where: str) -> None:
        for key in raw:
            if key not in allowed:
                hint = BOOLEAN_HINT if isinstance(key, bool) else f"allowed: {', '.join(sorted(allowed))}"
                self.error(raw.line_of(key), f"{where}: unknown field `{key}` ({hint})")

    def ident(self, raw: LineDict, key: str, where: str) -> str | None:
        """A required id-like string: steps, options and results are referred to by it."""
        value = raw.get(key)
        if isinstance(value, bool):
            self.error(raw.line_of(key), f"{where}.{key}: {BOOLEAN_HINT}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(raw.line_of(key), f"{where}: missing field `{key}` (a short name such as `matter`)")
            return None
        return value.strip()

    def text(self, parent: LineDict, key: str, where: str) -> Text | None:
        """A {zh, en} pair of non-empty strings: a villager must be able to read it in both."""
        value = parent.get(key)
        if value is None:
            self.error(parent.line, f"{where}: missing field `{key}` (needs `zh:` and `en:`)")
            return None
        if not isinstance(value, LineDict):
            self.error(parent.line_of(key), f"{where}.{key}: must have `zh:` and `en:` lines below it")
            return None
        texts = {}
        for lang in LANGUAGES:
            entry = value.get(lang)
            if isinstance(entry, (int, float)) and not isinstance(entry, bool):
                entry = str(entry)
            if not isinstance(entry, str) or not entry.strip():
                self.error(value.line_of(lang), f"{where}.{key}.{lang}: empty or missing text")
                return None
            texts[lang] = entry.strip()
        return Text(**texts)

    def sources(self, parent: LineDict, key: str, where: str, *, required: bool) -> tuple[Text, ...]:
        """The law and article behind a result: never shown to a villager without one."""
        items = parent.get(key)
        if items is None and not required:
            return ()
        if items is not None and not isinstance(items, LineList):
            self.error(parent.line_of(key), f"{where}.{key}: must be a list of `- zh: ... en: ...` items")
            return ()
        if not items:
            if not required:
                return ()
            self.error(parent.line_of(key), f"{where}: needs `{key}` (the law and article, e.g. 《法律援助法》第32条)")
            return ()
        found = []
        for index, item in enumerate(items):
            holder = LineDict(source=item)
            holder.line, holder.key_lines = items.line_of(index), {"source": items.line_of(index)}
            source = self.text(holder, "source", f"{where}.{key}[{index + 1}]")
            if source:
                found.append(source)
        return tuple(found)

    def words(self, parent: LineDict, where: str) -> tuple[str, ...]:
        """Typed words that pick an option, under `zh:` and `en:` lists."""
        value = parent.get("words")
        if value is None:
            return ()
        if not isinstance(value, LineDict) or not all(isinstance(value.get(lang, []), list) for lang in value):
            self.error(parent.line_of("words"), f"{where}.words: needs `zh:` and/or `en:` lists of words")
            return ()
        return tuple(str(word) for lang in LANGUAGES for word in value.get(lang, []) if str(word).strip())

    def items(self, parent: LineDict, key: str, where: str) -> LineList:
        """A list of mappings such as `steps:`; reports anything else."""
        value = parent.get(key)
        if not isinstance(value, LineList):
            self.error(parent.line_of(key), f"{where}: needs a `{key}:` list")
            return LineList()
        for index, item in enumerate(value):
            if not isinstance(item, LineDict):
                self.error(value.line_of(index), f"{where}.{key}: item {index + 1} must be a block of `name: value` lines")
        return value
