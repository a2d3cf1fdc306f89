"""A Mermaid picture of a flow, generated from its file so the picture cannot drift from it.

faq/flows/README.md shows the output for the eligibility check; a test fails
when the file changes and the README was not regenerated with

    .venv/bin/python -m bot.flows.diagram faq/flows legal_aid_eligibility
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.flows.model import Flow, Step

VERDICT_STYLES = {
    "likely_eligible": "fill:#d4f4d4,stroke:#2a7a2a",
    "likely_not": "fill:#f8d7d7,stroke:#a33",
    "depends": "fill:#fff2c2,stroke:#a80",
}


def _quote(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _node(step: Step, lang: str) -> str:
    if step.check:
        return f"    {step.id}{{{_quote(step.check)}}}"
    return f"    {step.id}[{_quote(_first_sentence(step.ask(lang)))}]"


def _first_sentence(text: str) -> str:
    """The question itself, without its explanations and examples, so the picture stays readable."""
    line = text.splitlines()[0]
    ends = [line.index(mark) + 1 for mark in "?？" if mark in line]
    return line[: min(ends)] if ends else line


def _edges(step: Step, lang: str) -> list[str]:
    edges = [
        f"    {step.id} -->|{_quote(option.label(lang))}| {option.next}" for option in step.options if option.next
    ]
    if step.next:
        edges.append(f"    {step.id} -->|{_quote('a number' if lang == 'en' else '数字')}| {step.next}")
    edges += [f"    {step.id} -->|{_quote(exit_name)}| {target}" for exit_name, target in step.exits.items()]
    return edges


def mermaid(flow: Flow, lang: str = "en") -> str:
    """The flow as a Mermaid flowchart: questions as boxes, checks as diamonds, results as rounded boxes."""
    lines = ["flowchart TD"]
    for step in flow.steps.values():
        lines.append(_node(step, lang))
    for result in flow.results.values():
        lines.append(f"    {result.id}([{_quote(result.headline(lang))}]):::{result.verdict}")
    for step in flow.steps.values():
        lines += _edges(step, lang)
    lines += [f"    classDef {verdict} {style}" for verdict, style in VERDICT_STYLES.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    from bot.flows.engine import Flows

    directory, flow_id = Path(argv[0]), argv[1]
    flows, problems = Flows.load(directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    if flow_id not in flows.ids():
        return 1
    print(mermaid(flows.flow(flow_id), argv[2] if len(argv) > 2 else "en"), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
