"""County cells on Telegram: each county's cases open in its own advisers' group, a case without a county in the
default group (MINGBAI_ADVISER_CHAT) as before, and an adviser answering in a county's group reaches the villager.
The real PTB Application, ChatService and Relay against the fake Bot API."""

from __future__ import annotations

import dataclasses

from tests.support.counties import JINGYAN_GROUP, QIANWEI_GROUP, faq_with_counties
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS,
    CHAT,
    OTHER_VILLAGER,
    THIRD_VILLAGER,
    ZHANG,
    fake,
    running_with_advisers,
    settings,
    until,
)


def _cards(fake, group: int) -> list[dict]:
    return [m for m in fake.sent(group) if "📌" in m.get("text", "")]


async def _ask_for_a_person(fake, chat: int, county_button: str) -> None:
    before = len(fake.sent(chat))
    fake.push_text(chat, "/human")
    [question] = (await fake.wait_for_messages(chat, before + 1))[before:]
    assert "哪个县" in question["text"]
    fake.push_callback(chat, question["message_id"], county_button)
    await fake.wait_for_messages(chat, before + 2)


async def test_each_countys_cases_go_to_its_group_and_the_rest_to_the_default_group(fake, settings, tmp_path):
    settings = dataclasses.replace(settings, faq_dir=faq_with_counties(tmp_path / "faq"))
    async with running_with_advisers(settings):
        await _ask_for_a_person(fake, CHAT, "county:qianwei")
        await _ask_for_a_person(fake, OTHER_VILLAGER, "county:jingyan")
        await _ask_for_a_person(fake, THIRD_VILLAGER, "county:none")
        await until(lambda: _cards(fake, QIANWEI_GROUP) and _cards(fake, JINGYAN_GROUP) and _cards(fake, ADVISERS),
                    what="a card in each group")
    assert [("案件 #1" in card["text"]) for card in _cards(fake, QIANWEI_GROUP)] == [True]
    assert [("案件 #2" in card["text"]) for card in _cards(fake, JINGYAN_GROUP)] == [True]
    assert [("案件 #3" in card["text"]) for card in _cards(fake, ADVISERS)] == [True]
    assert len(fake.topics[QIANWEI_GROUP]) == len(fake.topics[JINGYAN_GROUP]) == len(fake.topics[ADVISERS]) == 1


async def test_an_adviser_in_a_countys_group_answers_its_villager(fake, settings, tmp_path):
    settings = dataclasses.replace(settings, faq_dir=faq_with_counties(tmp_path / "faq"))
    fake.set_member(QIANWEI_GROUP, ZHANG, "member")
    zhang = fake.user(ZHANG, "Zhang")
    async with running_with_advisers(settings):
        fake.push_text(CHAT, "/where 犍为")
        await fake.wait_for_messages(CHAT, 1)
        fake.push_text(CHAT, "/human")  # the county is known: no question
        await fake.wait_for_messages(CHAT, 2)
        card = await until(lambda: next(iter(_cards(fake, QIANWEI_GROUP)), None), what="the card in 犍为's group")
        fake.push_in_topic(QIANWEI_GROUP, card["message_thread_id"], zhang, text="您好，犍为的顾问在。")
        received = await fake.wait_for_messages(CHAT, 3)
    assert "哪个县" not in received[1]["text"]
    assert received[2]["text"] == "👩‍⚖️ 法律顾问：您好，犍为的顾问在。"
    assert _cards(fake, ADVISERS) == []
