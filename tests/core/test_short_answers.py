"""The first bubble of every legal answer: what to do now and who to call, short enough for one phone screen,
with one legal-basis line and the 12348 reminder; 「📖 详细说明」 shows the whole answer as before."""

from __future__ import annotations

import re

import pytest

from bot.content.counties import Counties
from bot.core import replies
from intents.faq_loader import load_faq
from intents.faq_reader import SHORT_LIMIT
from tests.support.faq_files import ROOT, valid_intent, write_group

SHIPPED = load_faq(ROOT / "faq")[0]
LEGAL = [intent for intent in SHIPPED if intent.kind == "legal"]


def plain(text: str) -> str:
    return text.replace("**", "")


def details_action(reply) -> str:
    return next(b.action for row in reply.buttons for b in row if b.action.startswith("more:"))


@pytest.mark.parametrize("intent", LEGAL, ids=lambda i: i.id)
def test_first_bubble_is_short_and_keeps_basis_and_12348(intent):
    reply = replies.answer(SHIPPED, intent, "zh")
    assert intent.short is not None, f"{intent.id}: a legal intent needs `short`"
    assert len(plain(intent.short.zh).strip()) <= SHORT_LIMIT
    assert len(plain(reply.text)) <= 280  # short + one basis line + one reminder line
    assert len(plain(reply.text)) < len(plain(intent.full_answer("zh")))
    assert "\n依据：《" in reply.text or "\n依据：最高法" in reply.text
    assert "12348" in reply.text.splitlines()[-1]
    english = replies.answer(SHIPPED, intent, "en")
    assert "Legal basis: " in english.text and "12348" in english.text.splitlines()[-1]


@pytest.mark.parametrize("intent", LEGAL, ids=lambda i: i.id)
def test_short_adds_no_number_the_answer_does_not_have(intent):
    for lang in ("zh", "en"):
        new = set(re.findall(r"\d+", intent.short(lang))) - set(re.findall(r"\d+", intent.answer(lang)))
        assert not new, f"{intent.id}.short.{lang}: {new} are not in the answer"


@pytest.mark.parametrize("intent", LEGAL, ids=lambda i: i.id)
def test_details_button_shows_the_full_answer(intent):
    first = replies.answer(SHIPPED, intent, "zh")
    action = details_action(first)
    assert action == f"more:{intent.id}" and first.buttons[1 if intent.urgent else 0][0].label == "📖 详细说明"
    details = replies.details(intent, "zh")
    assert details.text == intent.full_answer("zh")
    assert any(b.action == f"fb:up:{intent.id}" for row in details.buttons for b in row)


@pytest.mark.parametrize("intent", [i for i in LEGAL if i.urgent], ids=lambda i: i.id)
def test_urgent_first_line_is_the_emergency_step(intent):
    for lang in ("zh", "en"):
        first_line = replies.answer(SHIPPED, intent, lang).text.splitlines()[0]
        assert any(number in first_line for number in ("110", "120", "96110")), first_line
    assert replies.answer(SHIPPED, intent, "zh").buttons[0][0].action == "handoff:urgent"


def test_pressing_details_shows_the_whole_answer():
    from bot.core.buttons import Buttons

    said = []

    class Turn:
        lang = "zh"
        user = None

        def say(self, reply):
            said.append(reply)

    class Core:
        faq = SHIPPED
        counties = Counties()  # none: no local additions

    Buttons(Core()).press(Turn(), "more:labor.wage")
    assert plain(said[0].text).startswith(plain(SHIPPED["labor.wage"].answer.zh).strip()[:40])
    assert "《劳动争议调解仲裁法》第6条、第9条、第21条、第27条" in said[0].text  # every source, in full


def _check(tmp_path, **changes):
    write_group(tmp_path, "mediation", [valid_intent(**changes)])
    return load_faq(tmp_path)[1]


def test_validator_requires_short_for_a_legal_intent_with_its_line(tmp_path):
    intent = valid_intent()
    del intent["short"]
    path = write_group(tmp_path, "mediation", [intent])
    problems = [p for p in load_faq(tmp_path)[1] if p.severity == "error"]
    assert any("missing field `short`" in p.message and p.file == str(path) and p.line > 0 for p in problems)


def test_validator_refuses_a_short_that_cannot_fit_a_phone_screen_at_its_line(tmp_path):
    problems = _check(tmp_path, short={"zh": "调" * (SHORT_LIMIT + 1), "en": "Mediation."})
    [problem] = [p for p in problems if "short.zh" in p.message]
    lines = (tmp_path / "mediation.yaml").read_text(encoding="utf-8").splitlines()
    assert f"{SHORT_LIMIT + 1} characters" in problem.message and lines[problem.line - 1].strip().startswith("zh:")
    assert not [p for p in _check(tmp_path, short={"zh": "调" * SHORT_LIMIT, "en": "Mediation."}) if "short" in p.message]


def test_validator_wants_the_emergency_step_first_in_an_urgent_short(tmp_path):
    answer = {"zh": "马上打110！\n然后……", "en": "Call 110 now!\nThen ..."}
    problems = _check(tmp_path, urgent=True, handoff="priority", answer=answer,
                      short={"zh": "先留证据。\n打110。", "en": "Call 110 now."})
    assert any("short.zh: an urgent answer must start with the emergency step" in p.message for p in problems)


def test_a_chat_intent_needs_no_short_and_is_answered_whole():
    greeting = SHIPPED["chat.greeting"]
    assert greeting.short is None and replies.answer(SHIPPED, greeting, "zh").text == greeting.full_answer("zh")
