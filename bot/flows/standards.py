"""Reading faq/flows/income_standards.yaml: each county's hardship figure and its source.

The figure decides a villager's result, so a figure without a source, or a
figure that is not a positive number, is refused rather than shown.
"""

from __future__ import annotations

from pathlib import Path

from bot.flows.model import NO_FIGURE, Standard, Standards
from bot.flows.reading import Reader
from intents.faq_loader import Problem
from intents.yaml_lines import LineDict

FILE_NAME = "income_standards.yaml"
STANDARD_FIELDS = {"name", "also", "monthly_income_per_person", "source", "note"}


def load_standards(directory: Path, problems: list[Problem]) -> Standards:
    """Every county's standard; without the file, only a `default` with no figure."""
    path = directory / FILE_NAME
    if not path.exists():
        problems.append(Problem(str(path), 0, f"missing {FILE_NAME}: income questions will be skipped", "warning"))
        return Standards({"default": NO_FIGURE})
    reader = Reader(path, problems)
    raw = reader.load(path)
    if raw is None:
        return Standards({"default": NO_FIGURE})
    reader.unknown_fields(raw, {"standards"}, FILE_NAME)
    table = raw.get("standards")
    if not isinstance(table, LineDict):
        reader.error(raw.line_of("standards"), "needs a `standards:` block with a `default:` entry")
        return Standards({"default": NO_FIGURE})
    by_key = {}
    for key, entry in table.items():
        standard = _standard(reader, str(key), entry, table.line_of(key))
        if standard:
            by_key[standard.key] = standard
    if "default" not in table:
        reader.error(table.line, "standards: needs a `default:` entry, used for every county not listed")
        by_key["default"] = NO_FIGURE
    return Standards(by_key)


def _standard(reader: Reader, key: str, entry, line: int) -> Standard | None:
    where = f"standards.{key}"
    if not isinstance(entry, LineDict):
        reader.error(line, f"{where}: needs `name:`, `monthly_income_per_person:` and `source:` lines below it")
        return None
    reader.unknown_fields(entry, STANDARD_FIELDS, where)
    name = reader.text(entry, "name", where)
    figure = _figure(reader, entry, where)
    source = reader.text(entry, "source", where) if entry.get("source") is not None else None
    if figure is not None and source is None:
        reader.error(entry.line_of("monthly_income_per_person"), f"{where}: a figure needs its `source:` (zh and en): villagers are shown where it comes from")
        return None
    note = reader.text(entry, "note", where) if "note" in entry else None
    also = entry.get("also", [])
    if not isinstance(also, list):
        reader.error(entry.line_of("also"), f"{where}.also: must be a list of other names, e.g. [犍为, Qianwei]")
        also = []
    if name is None:
        return None
    return Standard(key, name, figure, source, note, tuple(str(item) for item in also))


def _figure(reader: Reader, entry: LineDict, where: str) -> float | None:
    figure = entry.get("monthly_income_per_person")
    if figure is None:
        return None
    if isinstance(figure, bool) or not isinstance(figure, (int, float)) or figure <= 0:
        reader.error(entry.line_of("monthly_income_per_person"),
                     f"{where}.monthly_income_per_person: must be a number of yuan such as 1500, or null when unknown")
        return None
    return float(figure)
