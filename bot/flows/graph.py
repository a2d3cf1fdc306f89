"""How a flow's steps connect, checked before a villager can walk into a dead end.

A `next` that names nothing would strand a villager mid-flow; a step nothing
leads to is an admin's edit that silently does nothing; a loop of automatic
checks would never answer. Each is reported at the line that causes it.
"""

from __future__ import annotations

from bot.flows.model import Flow, Step
from bot.flows.reading import Reader


def check_graph(flow: Flow, reader: Reader) -> None:
    known = set(flow.steps) | set(flow.results)
    for step in flow.steps.values():
        for option in step.options:
            if option.next and option.next not in known:
                reader.error(option.line, f"step {step.id} option {option.id}: next {option.next!r} is not the id of any step or result")
        for target in [step.next, *step.exits.values()]:
            if target and target not in known:
                reader.error(step.line, f"step {step.id}: {target!r} is not the id of any step or result")
        _check_inputs(flow, step, reader)
    for note in flow.notes:
        step = flow.steps.get(note.step)
        if step is None or not step.options:
            reader.error(note.line, f"note.if: {note.step!r} is not a question with options")
            continue
        for answer in note.answers:
            if step.option(answer) is None:
                reader.error(note.line, f"note.if: step {note.step} has no option {answer!r}")
    if flow.start in known:
        _check_reachable(flow, reader)
    _check_check_loops(flow, reader)


def _check_inputs(flow: Flow, step: Step, reader: Reader) -> None:
    for name, source_id in step.inputs.items():
        source = flow.steps.get(source_id)
        if source is None or source.number != name.replace("income", "money"):
            kind = name.replace("income", "money")
            reader.error(step.line, f"step {step.id}.{name}: {source_id!r} is not a question with `number: {kind}`")


def _check_reachable(flow: Flow, reader: Reader) -> None:
    seen, queue = {flow.start}, [flow.start]
    while queue:
        step = flow.steps.get(queue.pop())
        for target in step.targets() if step else ():
            if target not in seen:
                seen.add(target)
                queue.append(target)
    for item in [*flow.steps.values(), *flow.results.values()]:
        if item.id not in seen:
            kind = "step" if item.id in flow.steps else "result"
            reader.error(item.line, f"{kind} {item.id}: can never be reached from `start: {flow.start}`; link it with a `next:` or remove it")


def _check_check_loops(flow: Flow, reader: Reader) -> None:
    """Automatic checks run one after another without asking; a loop of them would never end."""
    checks = {step.id: step for step in flow.steps.values() if step.check}

    def loop_from(step_id: str, path: list[str]) -> list[str] | None:
        if step_id in path:
            return path[path.index(step_id):] + [step_id]
        for target in checks[step_id].exits.values():
            if target in checks and (found := loop_from(target, path + [step_id])):
                return found
        return None

    for step_id, step in checks.items():
        if loop := loop_from(step_id, []):
            reader.error(step.line, f"step {step_id}: the checks {' -> '.join(loop)} go round in a loop")
            return
