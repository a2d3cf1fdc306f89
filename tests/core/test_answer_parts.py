"""「🎒 要带什么」 and 「⚖️ 法律依据」 beside 「📖 详细说明」: the papers the answer names and every legal source, each
one tap away, where the intent has that content (`bring` in the FAQ, `sources`); on Telegram as inline buttons,
on WeChat as numbered choices. The FAQ loader checks `bring` with file:line problems."""

from __future__ import annotations

import re

import pytest

from bot.core import replies
from intents.faq_loader import load_faq
from tests.support.core import Villager, actions
from tests.support.faq_files import ROOT, valid_intent, write_group
from tests.support.telegram.bots import CHAT, fake, labels, press, running_bot, settings  # noqa: F401
from tests.support.wechat_world import World, option

SHIPPED = load_faq(ROOT / "faq")[0]
WITH_BRING = [intent for intent in SHIPPED if intent.bring is not None]


def plain(text: str) -> str:
    return text.replace("**", "")


def test_the_shipped_faq_has_what_to_bring_for_the_answers_that_name_papers():
    assert {"labor.wage", "civil.debt", "legal_aid.apply", "fraud.scammed", "family.domestic_violence"} <= \
        {intent.id for intent in WITH_BRING}


@pytest.mark.parametrize("intent", WITH_BRING, ids=lambda i: i.id)
def test_what_to_bring_only_gathers_what_the_answer_says(intent):
    """Restructured, not new: each item of the list (zh) is worded so in the answer too."""
    answer = plain(intent.answer.zh)
    items = [re.sub(r"^(起诉时带|报案带|带|和)", "", item) for item in re.split(r"[、，；。：（）]", plain(intent.bring.zh))]
    missing = [item for item in items if item and item not in answer]
    assert not missing, f"{intent.id}: not in the answer: {missing}"


def test_the_wage_answer_has_the_three_parts_side_by_side():
    reply = replies.answer(SHIPPED, SHIPPED["labor.wage"], "zh")
    row = next(row for row in reply.buttons if row[0].action == "more:labor.wage")
    assert [button.label for button in row] == ["📖 详细说明", "🎒 要带什么", "⚖️ 法律依据"]


def test_an_answer_without_a_list_has_no_what_to_bring_button():
    intent = next(intent for intent in SHIPPED if intent.kind == "legal" and intent.bring is None)
    assert not [a for a in actions([replies.answer(SHIPPED, intent, "zh")]) if a.startswith("bring:")]
    assert f"basis:{intent.id}" in actions([replies.answer(SHIPPED, intent, "zh")])


async def test_pressing_what_to_bring_and_legal_basis_shows_each_part_with_the_others_beside(service):
    villager, wage = Villager(service), SHIPPED["labor.wage"]
    await villager.says("老板欠我工资不给怎么办")
    [bring] = await villager.presses("bring:labor.wage")
    assert bring.text.startswith("🎒 要带什么\n" + wage.bring.zh.strip())
    assert actions([bring]) == ["more:labor.wage", "basis:labor.wage", "handoff"]
    [basis] = await villager.presses("basis:labor.wage")
    assert all(f"• {source.zh.strip()}" in basis.text for source in wage.sources) and "12348" in basis.text
    assert actions([basis])[:2] == ["more:labor.wage", "bring:labor.wage"]
    [details] = await villager.presses("more:labor.wage")
    assert actions([details])[:2] == ["bring:labor.wage", "basis:labor.wage"]
    await villager.presses("lang:en")
    [english] = await villager.presses("bring:labor.wage")
    assert english.text.startswith("🎒 What to bring\n" + wage.bring.en.strip())


async def test_a_what_to_bring_button_for_an_answer_that_has_none_says_it_expired(service):
    intent = next(intent for intent in SHIPPED if intent.kind == "legal" and intent.bring is None)
    [reply] = await Villager(service).presses(f"bring:{intent.id}")
    assert "过期" in reply.text


# --- the loader -------------------------------------------------------------------------------


def test_the_loader_refuses_a_bring_on_a_chat_intent_too_long_or_in_one_language_at_its_line(tmp_path):
    def problems(**changes) -> list:
        path = write_group(tmp_path, "mediation", [valid_intent(**changes)])
        return [(p, path.read_text(encoding="utf-8").splitlines()[p.line - 1]) for p in load_faq(tmp_path)[1]
                if "bring" in p.message]

    assert problems(bring={"zh": "身份证。", "en": "Your ID."}) == []
    [(chat, line)] = problems(kind="chat", bring={"zh": "身份证。", "en": "Your ID."})
    assert "only a legal answer" in chat.message and line.strip() == "bring:"
    [(long, line)] = problems(bring={"zh": "证" * 301, "en": "Papers."})
    assert "301 characters" in long.message and line.strip().startswith("zh:")
    [(half, line)] = problems(bring={"zh": "身份证。"})
    assert "bring.en: empty or missing" in half.message


# --- Telegram and WeChat ----------------------------------------------------------------------


async def test_telegram_shows_the_parts_as_inline_buttons_in_one_row(fake, settings):
    async with running_bot(settings):
        fake.push_text(CHAT, "老板欠我工资不给怎么办")
        [answer] = await fake.wait_for_messages(CHAT, 1)
        rows = answer["reply_markup"]["inline_keyboard"]
        assert [b["text"] for b in next(row for row in rows if "详细说明" in row[0]["text"])] == \
            ["📖 详细说明", "🎒 要带什么", "⚖️ 法律依据"]
        messages = await press(fake, answer, "要带什么", expect=2)
    assert messages[1]["text"].startswith("🎒 要带什么\n" + plain(SHIPPED["labor.wage"].bring.zh.strip())[:20])
    assert "⚖️ 法律依据" in labels(messages[1])


async def test_wechat_offers_the_parts_as_numbered_choices_and_a_digit_shows_one(tmp_path):
    async with World(tmp_path) as world:
        first = (await world.fake.text("oParts", "包工头跑了，工钱一直不给咋个办")).reply
        assert "🎒 要带什么" in first and "⚖️ 法律依据" in first
        bring = (await world.fake.text("oParts", option(first, "要带什么"))).reply
        assert bring.startswith("🎒 要带什么\n欠条、结算单")
        basis = (await world.fake.text("oParts", option(bring, "法律依据"))).reply
        assert basis.startswith("依据：\n• ") and "12348" in basis


def test_every_shipped_part_fits_one_telegram_message():
    from bot.channels.telegram.format import to_calls

    for intent in (intent for intent in SHIPPED if intent.kind == "legal"):
        for part in ("basis",) + (("bring",) if intent.bring else ()):
            for lang in ("zh", "en"):
                [call] = to_calls((replies.part_of_answer(intent, part, lang),))
                assert len(call["html"]) < 4096, (intent.id, part, lang)
