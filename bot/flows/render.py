"""What a villager sees during a flow: a question with its buttons, or a result.

Every result ends the same way whatever the flow file says (the legal basis,
the general-information reminder, a button to a human adviser), so an admin's
edit can never drop them.
"""

from __future__ import annotations

from bot.core import texts
from bot.flows.model import Flow, Result, Step
from bot.messages import Button, Reply
from intents.faq import BASIS_LABEL, DISCLAIMER, Text

HANDOFF_ACTION = "handoff"
SHORT_LABEL = 6  # labels up to this many characters share a row of three


def action(step: Step, option_id: str) -> str:
    """The button payload: naming the step lets a press on an old message be recognised as stale."""
    return f"flow:{step.id}:{option_id}"


def question(step: Step, lang: str, *, before: str = "") -> Reply:
    """The question with its buttons, after `before` (an intro or the re-ask prefix, with its own line break)."""
    text = step.ask(lang)
    if step.is_choice:
        text = f"{text}\n{texts.text('flow_choice_hint', lang)}"
    text = before + text
    labels = [
        f"{index}. {option.label(lang)}" if step.is_choice else option.label(lang)
        for index, option in enumerate(step.options, start=1)
    ]
    buttons = [Button(label, action(step, option.id)) for label, option in zip(labels, step.options, strict=True)]
    width = 3 if all(len(label) <= SHORT_LABEL for label in labels) else 1
    rows = tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))
    return Reply(text, rows)


def handoff_button(lang: str) -> tuple[tuple[Button, ...], ...]:
    return ((Button(texts.label("human", lang), HANDOFF_ACTION),),)


def result(flow: Flow, outcome: Result, answers: dict, facts: dict[str, str], lang: str) -> Reply:
    """The verdict, why, what to bring, the next step and the law, then the offer of a human."""
    fill = _Facts(facts)
    notes = [note for note in flow.notes if outcome.show_notes and str(answers.get(note.step)) in note.answers]
    parts = [
        f"{outcome.headline(lang).format_map(fill)}\n{outcome.why(lang).format_map(fill)}",
        *(note.text(lang) for note in notes),
        f"{texts.text('flow_bring', lang)}{outcome.bring(lang).format_map(fill)}",
        flow.footer(lang),
        _basis([*outcome.sources, *(s for note in notes for s in note.sources), *flow.footer_sources], lang),
    ]
    return Reply("\n\n".join(parts), handoff_button(lang))


def _basis(sources: list[Text], lang: str) -> str:
    unique = list(dict.fromkeys(source(lang) for source in sources))
    separator = "；" if lang == "zh" else "; "
    return f"{BASIS_LABEL[lang]}{separator.join(unique)}\n{DISCLAIMER[lang]}"


class _Facts(dict):
    """Placeholders with nothing known yet read as a dash, never as '{standard}'."""

    def __missing__(self, key: str) -> str:
        return "—"
