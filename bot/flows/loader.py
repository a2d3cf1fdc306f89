"""Turning one flow file (faq/flows/<id>.yaml) into a `Flow`, reporting every problem by line.

Field shapes are checked here; how the steps connect (dangling `next`,
unreachable steps, loops of checks) is checked in `bot.flows.graph` once the
whole file is read.
"""

from __future__ import annotations

import string
from pathlib import Path

from bot.flows.graph import check_graph
from bot.flows.model import CHECKS, NUMBER_KINDS, PLACEHOLDERS, VERDICTS, Flow, Note, Option, Result, Step
from bot.flows.reading import BOOLEAN_HINT, Reader
from intents.faq_loader import Problem
from intents.yaml_lines import LineDict

FLOW_FIELDS = {"id", "title", "intro", "start", "steps", "results", "notes", "footer", "footer_sources"}
STEP_FIELDS = {"id", "ask", "options", "number", "next", "check", "income", "people", *{e for c in CHECKS.values() for e in c}}
OPTION_FIELDS = {"id", "label", "words", "next", "value"}
RESULT_FIELDS = {"id", "verdict", "headline", "why", "bring", "sources", "show_notes"}
NOTE_FIELDS = {"if", "text", "sources"}
#: Telegram allows 64 bytes of button data; a button's action is `flow:<step>:<option>`.
MAX_ACTION_BYTES = 64


def read_flow(path: Path, problems: list[Problem]) -> Flow | None:
    """The flow in `path`, or None if it has errors (they are added to `problems`)."""
    reader = Reader(path, problems)
    before = len(problems)
    raw = reader.load(path)
    if raw is None:
        return None
    reader.unknown_fields(raw, FLOW_FIELDS, path.name)
    flow_id, start = reader.ident(raw, "id", path.name), reader.ident(raw, "start", path.name)
    title, intro = reader.text(raw, "title", path.name), reader.text(raw, "intro", path.name)
    footer = reader.text(raw, "footer", path.name)
    footer_sources = reader.sources(raw, "footer_sources", path.name, required=False)
    steps = [s for item in reader.items(raw, "steps", path.name) if isinstance(item, LineDict) and (s := _step(reader, item))]
    results = [r for item in reader.items(raw, "results", path.name) if isinstance(item, LineDict) and (r := _result(reader, item))]
    notes = [n for item in _optional_items(reader, raw, "notes", path.name) if (n := _note(reader, item))]
    ids = _unique_ids(reader, steps, results)
    if start and start not in ids:
        reader.error(raw.line_of("start"), f"start: {start!r} is not the id of any step")
    if len(problems) > before or None in (flow_id, start, title, intro, footer):
        return None
    flow = Flow(flow_id, title, intro, start, {s.id: s for s in steps}, {r.id: r for r in results},
                footer, footer_sources, tuple(notes), str(path))
    check_graph(flow, reader)
    return None if len(problems) > before else flow


def _optional_items(reader: Reader, raw: LineDict, key: str, where: str) -> list[LineDict]:
    if key not in raw:
        return []
    return [item for item in reader.items(raw, key, where) if isinstance(item, LineDict)]


def _unique_ids(reader: Reader, steps: list[Step], results: list[Result]) -> set[str]:
    seen: dict[str, int] = {}
    for item in [*steps, *results]:
        if item.id in seen:
            reader.error(item.line, f"{item.id}: the id is used twice (first at line {seen[item.id]}); ids must be unique")
        seen.setdefault(item.id, item.line)
    return set(seen)


def _step(reader: Reader, raw: LineDict) -> Step | None:
    step_id = reader.ident(raw, "id", "step")
    if step_id is None:
        return None
    where = f"step {step_id}"
    reader.unknown_fields(raw, STEP_FIELDS, where)
    if "check" in raw:
        return _check_step(reader, raw, step_id, where)
    ask = reader.text(raw, "ask", where)
    number = raw.get("number")
    if number is not None and number not in NUMBER_KINDS:
        reader.error(raw.line_of("number"), f"{where}.number: {number!r} is not one of {', '.join(NUMBER_KINDS)}")
    options_raw = _optional_items(reader, raw, "options", where)
    options = [o for item in options_raw if (o := _option(reader, item, step_id, number is not None))]
    if number is None and not options_raw:
        reader.error(raw.line, f"{where}: a question needs `options:` (answer buttons) or `number: people|money`")
    if number is not None and not isinstance(raw.get("next"), str):
        reader.error(raw.line_of("next"), f"{where}: a number question needs `next:` (where a typed number leads)")
    if len({o.id for o in options}) < len(options):
        reader.error(raw.line_of("options"), f"{where}.options: two options have the same id")
    return Step(step_id, ask, tuple(options), number, raw.get("next"), line=raw.line)


def _check_step(reader: Reader, raw: LineDict, step_id: str, where: str) -> Step:
    check = raw.get("check")
    exits, inputs = {}, {}
    if check not in CHECKS:
        reader.error(raw.line_of("check"), f"{where}.check: {check!r} is not one of {', '.join(CHECKS)}")
    for name in CHECKS.get(check, ()):
        if isinstance(raw.get(name), str):
            exits[name] = raw[name]
        else:
            hint = f' (and {BOOLEAN_HINT})' if name in ("yes", "no") else ""
            reader.error(raw.line, f"{where}: needs `\"{name}\": <step or result id>`{hint}")
    if check == "income_below_standard":
        for name in ("income", "people"):
            if not isinstance(raw.get(name), str):
                reader.error(raw.line, f"{where}: needs `{name}: <id of the number question that asks it>`")
            else:
                inputs[name] = raw[name]
    return Step(step_id, check=check, exits=exits, inputs=inputs, line=raw.line)


def _option(reader: Reader, raw: LineDict, step_id: str, in_number_step: bool) -> Option | None:
    option_id = reader.ident(raw, "id", f"step {step_id} option")
    if option_id is None:
        return None
    where = f"step {step_id} option {option_id}"
    reader.unknown_fields(raw, OPTION_FIELDS, where)
    label = reader.text(raw, "label", where)
    value = raw.get("value")
    if value is not None and (not in_number_step or isinstance(value, bool) or not isinstance(value, (int, float))):
        reader.error(raw.line_of("value"), f"{where}.value: only options of a `number:` question have a value, and it must be a number")
    if not isinstance(raw.get("next"), str) and value is None:
        reader.error(raw.line, f"{where}: needs `next:` (the step or result it leads to)")
    if len(f"flow:{step_id}:{option_id}".encode()) > MAX_ACTION_BYTES:
        reader.error(raw.line, f"{where}: step and option ids are too long for a button; shorten them")
    if label is None:
        return None
    return Option(option_id, label, reader.words(raw, where), raw.get("next"), value, raw.line)


def _result(reader: Reader, raw: LineDict) -> Result | None:
    result_id = reader.ident(raw, "id", "result")
    if result_id is None:
        return None
    where = f"result {result_id}"
    reader.unknown_fields(raw, RESULT_FIELDS, where)
    verdict = raw.get("verdict")
    if verdict not in VERDICTS:
        reader.error(raw.line_of("verdict"), f"{where}.verdict: {verdict!r} is not one of {', '.join(VERDICTS)}")
    texts = {key: reader.text(raw, key, where) for key in ("headline", "why", "bring")}
    for key, text in texts.items():
        _check_placeholders(reader, raw, key, text, where)
    sources = reader.sources(raw, "sources", where, required=True)
    if None in texts.values() or not sources:
        return None
    return Result(result_id, verdict, texts["headline"], texts["why"], texts["bring"], sources,
                  bool(raw.get("show_notes", False)), raw.line)


def _check_placeholders(reader: Reader, raw: LineDict, key: str, text, where: str) -> None:
    for lang in ("zh", "en"):
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text(lang)) if name is not None} if text else set()
        except ValueError:
            names = {"{"}
        for name in names - set(PLACEHOLDERS):
            reader.error(raw.line_of(key), f"{where}.{key}.{lang}: {{{name}}} is not a known value "
                                           f"(use {', '.join(PLACEHOLDERS)}; write {{{{ }}}} for a brace)")


def _note(reader: Reader, raw: LineDict) -> Note | None:
    reader.unknown_fields(raw, NOTE_FIELDS, "note")
    condition = raw.get("if")
    if not isinstance(condition, LineDict) or len(condition) != 1:
        reader.error(raw.line_of("if"), "note.if: needs one `{step id: option id}` (or a list of option ids)")
        return None
    [(step_id, answers)] = condition.items()
    answers = tuple(str(a) for a in answers) if isinstance(answers, list) else (str(answers),)
    text = reader.text(raw, "text", f"note if {step_id}")
    sources = reader.sources(raw, "sources", f"note if {step_id}", required=False)
    return Note(str(step_id), answers, text, sources, raw.line) if text else None
