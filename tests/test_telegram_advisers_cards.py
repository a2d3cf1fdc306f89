"""A Telegram case card says what the case is about: the villager's question, where they are, the buttons they
pressed by their labels (issue 15), through the real PTB Application and the fake Bot API."""

from __future__ import annotations

from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS, CHAT, card_of, fake, running_with_advisers, settings, until,
)


async def test_the_card_titles_the_case_by_the_question_and_shows_the_county_and_button_labels(fake, settings):
    async with running_with_advisers(settings):
        for text in ("老板跑了，欠我三个月工钱", "/where", "我在犍为"):
            before = len(fake.sent(CHAT))
            fake.push_text(CHAT, text)
            await fake.wait_for_messages(CHAT, before + 1)
        before = len(fake.sent(CHAT))
        fake.push_callback(CHAT, fake.sent(CHAT)[-1]["message_id"], "flowstart:legal_aid_eligibility")
        await fake.wait_for_messages(CHAT, before + 1)
        fake.push_text(CHAT, "/human")
        card = await until(lambda: card_of(fake, 1), what="the card of case #1")
    text = card["text"]
    assert "📝 " in text and "老板跑了，欠我三个月工钱" in text.split("\n")[1]  # the title line
    assert "📍 犍为县" in text
    assert "「法律援助资格自测」" in text and "[button]" not in text and "flowstart" not in text
    topic = fake.topics[ADVISERS][card["message_thread_id"]]
    assert topic["name"].startswith("#1 ") and "老板跑了，欠我三个月工钱" in topic["name"]
