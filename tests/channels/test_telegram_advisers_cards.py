"""A Telegram case card says what the case is about: the villager's question, where they are, the buttons they
pressed by their labels; and a case is handed to a named colleague with /transfer 王律师 (issue 15), through
the real PTB Application and the fake Bot API."""

from __future__ import annotations

from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS,
    CHAT,
    LI,
    ZHANG,
    adviser,
    card_of,
    fake,
    open_case,
    posts,
    running_with_advisers,
    settings,
    until,
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


async def test_transfer_to_a_named_colleague_makes_the_case_theirs_and_keeps_the_note(fake, settings):
    zhang, li = adviser(fake, ZHANG, "Zhang"), adviser(fake, LI, "Li")
    async with running_with_advisers(settings) as bots:
        thread, card = await open_case(fake)
        fake.push_in_topic(ADVISERS, thread, li, text="/setname 李律师")
        await until(lambda: any("李律师" in post for post in posts(fake, thread)), what="li's name")
        fake.push_callback(ADVISERS, card["message_id"], "case:claim:1", user=zhang)
        await until(lambda: "处理中" in card_of(fake, 1)["text"])
        fake.push_in_topic(ADVISERS, thread, zhang, text="/transfer 王律师")
        await until(lambda: any("没有叫 王律师 的顾问" in post for post in posts(fake, thread)), what="the refusal")
        fake.push_in_topic(ADVISERS, thread, zhang, text="/transfer 李律师 村民明天上午有空")
        await until(lambda: "李律师 处理中" in card_of(fake, 1)["text"], what="the card showing li")
        desk = bots.service.conversation.desk
        case = await bots.service.call(desk.case, 1)
        events = await bots.service.call(desk.events, 1)
    assert case.adviser == f"telegram:{LI}" and case.status == "claimed"
    assert any(post.startswith("↪️ 案件 #1 已转交给 李律师") for post in posts(fake, thread))
    assert [(e.kind, e.author, e.text) for e in events][-2:] == [
        ("system", f"telegram:{ZHANG}", f"transferred to telegram:{LI}"),
        ("note", f"telegram:{ZHANG}", "村民明天上午有空")]
