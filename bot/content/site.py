"""Who runs this service, from faq/site.yaml: a villager should see whose service they are trusting.

The web chat shows it under its header (「本服务由乐山市司法局提供」). Without the file, or with no
`operator:` in it, the page shows no such line: the shipped FAQ cannot know which bureau deploys it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from intents.faq import Text
from intents.faq_loader import Problem
from intents.yaml_lines import LineDict, YamlError, load_yaml

FILE = "site.yaml"
FIELDS = ("operator",)
NAME_LIMIT = 40  # characters: a bureau's name on one line of a phone screen


@dataclass(frozen=True)
class Site:
    operator: Text | None = None  # 「乐山市司法局」 / "Leshan Municipal Bureau of Justice"

    @classmethod
    def load(cls, path: Path) -> tuple["Site", list[Problem]]:
        """The file's settings, and a `file:line` problem for each thing wrong in it."""
        if not path.exists():
            return cls(), []
        try:
            raw = load_yaml(path)
        except YamlError as error:
            return cls(), [Problem(str(path), error.line, error.message)]
        if raw is None:
            return cls(), []
        if not isinstance(raw, LineDict):
            return cls(), [Problem(str(path), getattr(raw, "line", 1), "needs a mapping, e.g. `operator: {zh: 乐山市司法局, "
                                   "en: Leshan Municipal Bureau of Justice}`")]
        problems = [Problem(str(path), raw.line_of(key), f"unknown field {key!r} (known: {', '.join(FIELDS)})")
                    for key in raw if key not in FIELDS]
        operator = raw.get("operator")
        if operator is None:
            return cls(), problems
        line = raw.line_of("operator")
        if not isinstance(operator, dict) or not all(isinstance(operator.get(lang), str) and operator[lang].strip()
                                                     for lang in ("zh", "en")):
            return cls(), problems + [Problem(str(path), line, "operator: needs `zh:` and `en:`, the name of who runs "
                                              "the service (e.g. 乐山市司法局 / Leshan Municipal Bureau of Justice)")]
        name = Text(operator["zh"].strip(), operator["en"].strip())
        if len(name.zh) > NAME_LIMIT:
            return cls(), problems + [Problem(str(path), line, f"operator.zh: {len(name.zh)} characters; at most "
                                              f"{NAME_LIMIT}, so that it fits one line of a phone screen")]
        return cls(name), problems
