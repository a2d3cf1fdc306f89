"""The conversation core as a villager meets it, on any channel: real FAQ, real SQLite file."""

from __future__ import annotations

import sqlite3

from bot.core.service import ChatService
from bot.messages import Incoming
from tests.support import ROOT, settings_for
from tests.support.core import Villager, actions


async def test_question_gets_answer_with_basis_and_buttons(service):
    [reply] = await Villager(service).says("包工头跑了，工钱一直不给咋个办")
    assert "12333" in reply.text or "仲裁" in reply.text
    assert "依据：" in reply.text and "12348" in reply.text.splitlines()[-1]
    assert {"fb:up:labor.wage", "fb:down:labor.wage", "handoff", "deadline:labor.wage"} <= set(actions([reply]))
    assert any(a.startswith("intent:") for a in actions([reply]))


async def test_follow_up_button_answers_that_intent(service, shipped_faq):
    villager = Villager(service)
    first = await villager.says("包工头跑了，工钱一直不给咋个办")
    follow = next(a for a in actions(first) if a.startswith("intent:"))
    [reply] = await villager.presses(follow)
    assert reply.text.startswith(shipped_faq[follow.split(":")[1]].short.zh.strip()[:20])


async def test_out_of_scope_falls_back_then_insists(service, settings):
    villager = Villager(service)
    [first] = await villager.says("明天下不下雨")
    assert "12348" in first.text and "handoff" in actions([first])
    [second] = await villager.says("猪肉好多钱一斤")
    assert second.text != first.text and "找人工" in second.text
    unanswered = sqlite3.connect(settings.database).execute("select text, reason from unanswered").fetchall()
    assert ("明天下不下雨", "fallback") in unanswered


async def test_clarify_offers_candidates_as_buttons(service):
    replies = await Villager(service).says("钱")
    assert replies[0].text.startswith("您是想问")
    offered = [a for a in actions(replies) if a.startswith("intent:")]
    assert len(offered) >= 2


async def test_english_question_gets_english_answer(service):
    [reply] = await Villager(service).says("my boss has not paid my wages for months")
    assert "Legal basis:" in reply.text and "依据" not in reply.text


async def test_english_answers_name_the_human_button_as_it_reads(service):
    villager = Villager(service)
    await villager.says("/lang en")
    for intent in ("chat.greeting", "chat.thanks", "chat.help"):
        [reply] = await villager.presses(f"intent:{intent}")
        [button] = [b for b in reply.all_buttons() if b.action == "handoff"]
        assert "Talk to a person" in button.label and '"Talk to a person"' in reply.text
        assert "找人工" not in reply.text


async def test_scam_answer_puts_110_first_and_also_sends_the_villager_to_the_bank(service):
    replies = await Villager(service).presses("intent:fraud.scammed")
    answer = next(r for r in replies if "依据：" in r.text)
    assert "110" in answer.text.splitlines()[0]
    assert "转出钱的银行" in answer.text and "止付" in answer.text


async def test_lang_command_switches_language(service):
    villager = Villager(service)
    await villager.says("/lang en")
    [reply] = await villager.says("/help")
    assert reply.text.startswith("How to use")


async def test_danger_words_put_110_first_even_mid_flow(service):
    villager = Villager(service)
    await villager.presses("flowstart:legal_aid_eligibility")
    replies = await villager.says("他正在打我")
    assert "110" in replies[0].text.splitlines()[0]
    assert "handoff:urgent" in actions(replies)
    assert any("点「退出」" in r.text for r in replies), "the flow is kept and the villager told how to continue"


async def test_suicide_risk_gives_12356(service):
    replies = await Villager(service).says("活不下去了，想喝农药")
    assert "12356" in replies[0].text.splitlines()[0]


async def test_urgent_intent_opens_with_emergency_step_and_priority_handoff(service):
    replies = await Villager(service).says("我遭骗了，被骗了两万块钱")
    assert "110" in replies[0].text.splitlines()[0]
    assert "handoff:urgent" in actions(replies)


async def test_human_request_opens_one_handoff(service, settings):
    villager = Villager(service)
    [reply] = await villager.says("/human")
    assert "人工" in reply.text
    await villager.presses("handoff")
    rows = sqlite3.connect(settings.database).execute("select user_key, status from cases").fetchall()
    assert rows == [("test:42", "waiting")]


async def test_deadline_calculator_from_an_answer(service):
    villager = Villager(service)
    await villager.says("包工头跑了，工钱一直不给咋个办")
    [ask] = await villager.presses("deadline:labor.wage")
    assert "哪天离开（离职）" in ask.text and "退出" in ask.text  # the leaving date starts the year (FAQ `ask:`)
    [unclear] = await villager.says("不记得了")
    assert "没看懂" in unclear.text
    [answer] = await villager.says("去年三月")
    assert "劳动争议调解仲裁法" in answer.text


async def test_where_names_the_office_in_later_answers(service):
    villager = Villager(service)
    [ask] = await villager.says("/where")
    [done] = await villager.says("我在市中区")
    assert "市中区" in done.text
    [answer] = await villager.says("去哪里申请法律援助，要带什么材料")
    assert "📍" in answer.text


async def test_digit_presses_the_numbered_button(service):
    villager = Villager(service)
    await villager.says("/lang")
    [reply] = await villager.says("2")
    assert reply.text.startswith("OK, I will reply in English")


async def test_sticker_and_voice_get_a_polite_reply(service):
    villager = Villager(service)
    [sticker] = await villager.says(content="sticker")
    [voice] = await villager.says(content="voice")
    assert "文字" in sticker.text and "语音" in voice.text


async def test_redelivered_message_is_answered_once(service):
    incoming = Incoming("test", "7", text="你好", message_id="same")
    assert (await service.handle(incoming)).replies
    assert (await service.handle(incoming)).replies == ()


async def test_flow_resumes_after_restart(settings):
    first = ChatService.open(settings)
    villager = Villager(first)
    start = await villager.presses("flowstart:legal_aid_eligibility")
    await first.close()
    second = ChatService.open(settings)
    villager.service = second
    option = next(a for a in actions(start) if a.startswith("flow:"))
    replies = await villager.presses(option)
    assert replies and replies[0].text != start[0].text
    await second.close()


async def test_forget_deletes_everything_after_confirming(service, settings):
    villager = Villager(service)
    await villager.says("我电话13812345678，老板欠我工资")
    [confirm] = await villager.says("/forget")
    assert {"forget:yes", "forget:no"} == set(actions([confirm]))
    await villager.presses("forget:yes")
    database = sqlite3.connect(settings.database)
    for table, column in (("messages", "user_key"), ("users", "key"), ("unanswered", "user_key")):
        assert database.execute(f"select count(*) from {table} where {column} = 'test:42'").fetchone() == (0,)


async def test_stored_messages_have_numbers_masked(service, settings):
    await Villager(service).says("我电话13812345678，老板欠我工资")
    stored = sqlite3.connect(settings.database).execute("select text from messages where direction='in'").fetchone()[0]
    assert "13812345678" not in stored and "[手机号]" in stored


async def test_faq_reload_swaps_only_a_valid_faq(tmp_path):
    from tests.support.faq_files import copy_shipped_faq

    faq_dir = copy_shipped_faq(tmp_path / "faq")
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(faq_dir), "MINGBAI_DATA_DIR": str(tmp_path)}))
    villager = Villager(service)
    chat = faq_dir / "chat.yaml"
    chat.write_text(chat.read_text(encoding="utf-8").replace("follow_ups: [", "follow_ups: [no.such, ", 1), encoding="utf-8")
    problems = await service.reload_faq()
    assert any("names no intent" in p.message and p.file == str(chat) for p in problems)
    [still] = await villager.says("包工头跑了，工钱一直不给咋个办")
    assert "依据" in still.text, "the old FAQ keeps serving"
    labor = faq_dir / "labor.yaml"
    labor.write_text(labor.read_text(encoding="utf-8").replace("工资被拖欠，可以投诉", "【新版】工资被拖欠，可以投诉", 2), encoding="utf-8")
    chat.write_text((ROOT / "faq" / "chat.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert [p for p in await service.reload_faq() if p.severity == "error"] == []
    [fresh] = await villager.says("包工头又跑了，工钱还是不给")
    assert fresh.text.startswith("【新版】")
    await service.close()


async def test_not_helpful_records_the_question_that_was_answered(service, settings):
    villager = Villager(service)
    await villager.says("明天下不下雨")
    await villager.says("包工头跑了，工钱一直不给咋个办")
    await villager.presses("fb:down:labor.wage")
    rows = sqlite3.connect(settings.database).execute("select text, reason from unanswered order by id").fetchall()
    assert rows[-1] == ("包工头跑了，工钱一直不给咋个办", "not_helpful")


async def test_children_after_a_divorce_get_the_custody_and_visiting_rules(service):
    """Custody and visits belong to the divorce answer (its scope: "children and property"), not to child support."""
    for user, question in enumerate(("离婚后娃儿跟她，她一直不让我去看娃儿，我该咋办", "我们要离婚了，两个人都想要孩子，法院会把孩子判给谁")):
        villager = Villager(service, user_id=f"custody-{user}")
        [first] = await villager.says(question)
        assert "more:family.divorce" in actions([first]), question
        [details] = await villager.presses("more:family.divorce")
        assert "探望权" in details.text and "满8岁" in details.text and "第1086条" in details.text
