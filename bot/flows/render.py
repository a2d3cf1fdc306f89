"""What a villager sees during a flow: a question with its buttons, or a result.

Every result ends the same way whatever the flow file says (the legal basis,
the general-information reminder, a button to a human adviser), so an admin's
edit can never drop them.
"""

from __future__ import annotations

from bot.messages import Button, Reply
from bot.flows.model import Flow, Result, Step
from intents.faq import BASIS_LABEL, DISCLAIMER, Text

HANDOFF_ACTION = "handoff"
HANDOFF_LABEL = {"zh": "找人工咨询", "en": "Talk to a person"}
UNCLEAR = {
    "zh": "没太明白，请点下面的按钮或直接回答：",
    "en": "Sorry, I didn't quite get that. Please tap a button below or just answer:",
}
CHOICE_HINT = {"zh": "（点按钮，或回复序号）", "en": "(Tap a button or reply with its number.)"}
BRING_LABEL = {"zh": "申请时带上：", "en": "What to bring: "}
SHORT_LABEL = 6  # labels up to this many characters share a row of three


def action(step: Step, option_id: str) -> str:
    """The button payload: naming the step lets a press on an old message be recognised as stale."""
    return f"flow:{step.id}:{option_id}"


def question(step: Step, lang: str, *, before: str = "") -> Reply:
    """The question with its buttons, after `before` (an intro or the re-ask prefix, with its own line break)."""
    text = step.ask(lang)
    if step.is_choice:
        text = f"{text}\n{CHOICE_HINT[lang]}"
    text = before + text
    labels = [
        f"{index}. {option.label(lang)}" if step.is_choice else option.label(lang)
        for index, option in enumerate(step.options, start=1)
    ]
    buttons = [Button(label, action(step, option.id)) for label, option in zip(labels, step.options)]
    width = 3 if all(len(label) <= SHORT_LABEL for label in labels) else 1
    rows = tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))
    return Reply(text, rows)


def handoff_button(lang: str) -> tuple[tuple[Button, ...], ...]:
    return ((Button(HANDOFF_LABEL[lang], HANDOFF_ACTION),),)


def result(flow: Flow, outcome: Result, answers: dict, facts: dict[str, str], lang: str) -> Reply:
    """The verdict, why, what to bring, the next step and the law, then the offer of a human."""
    fill = _Facts(facts)
    notes = [note for note in flow.notes if outcome.show_notes and str(answers.get(note.step)) in note.answers]
    parts = [
        f"{outcome.headline(lang).format_map(fill)}\n{outcome.why(lang).format_map(fill)}",
        *(note.text(lang) for note in notes),
        f"{BRING_LABEL[lang]}{outcome.bring(lang).format_map(fill)}",
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
