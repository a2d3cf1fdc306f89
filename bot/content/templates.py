"""Advisers' canned replies from faq/templates.yaml, shared by the Telegram group and the web console."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from intents.faq import Text
from intents.faq_loader import Problem
from intents.yaml_lines import LineDict, YamlError, load_yaml

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Templates:
    texts: dict[str, Text]
    titles: dict[str, str] = field(default_factory=dict)  # what advisers call a template (`title:`), by name

    def names(self) -> list[str]:
        return sorted(self.texts)

    def title(self, name: str) -> str:
        """The template's Chinese title for advisers' menus (「问候」), its name when the file gives none."""
        return self.titles.get(name, name)

    def get(self, name: str, lang: str) -> str | None:
        template = self.texts.get(name.strip().lower())
        return template(lang) if template else None

    @classmethod
    def load(cls, path: Path) -> tuple["Templates", list[Problem]]:
        """Every valid template, and a `file:line` problem for each broken one."""
        if not path.exists():
            return cls({}), []
        try:
            raw = load_yaml(path)
        except YamlError as error:
            return cls({}), [Problem(str(path), error.line, error.message)]
        entries = raw.get("templates") if isinstance(raw, LineDict) else None
        if not isinstance(entries, LineDict):
            return cls({}), [Problem(str(path), getattr(raw, "line", 1), "needs a `templates:` mapping of name -> {zh, en}")]
        texts, titles, problems = {}, {}, []
        for name, value in entries.items():
            line = entries.line_of(name)
            if not isinstance(name, str) or not _NAME.match(name):
                problems.append(Problem(str(path), line, f"template name {name!r}: use lower-case letters, digits and _"))
            elif not isinstance(value, dict) or not isinstance(value.get("zh"), str) or not value["zh"].strip():
                problems.append(Problem(str(path), line, f"template {name}: needs a `zh:` text"))
            else:
                english = value.get("en") if isinstance(value.get("en"), str) else value["zh"]
                texts[name] = Text(value["zh"].strip(), english.strip())
                if isinstance(value.get("title"), str) and value["title"].strip():
                    titles[name] = value["title"].strip()
        return cls(texts, titles), problems
