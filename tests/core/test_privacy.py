"""Identifying numbers never reach the database in clear, however they are typed; purge and export reach every copy."""

from __future__ import annotations

import sqlite3

import pytest

from bot.core.service import ChatService
from bot.messages import Incoming
from bot.privacy import redact
from tests.support import ROOT, settings_for


@pytest.mark.parametrize("typed, placeholder", [
    ("13812345678", "[手机号]"), ("１３８１２３４５６７８", "[手机号]"), ("138.1234.5678", "[手机号]"),
    ("1 3 8 1 2 3 4 5 6 7 8", "[手机号]"), ("一三八一二三四五六七八", "[手机号]"), ("幺三八一二三四五六七八", "[手机号]"),
    ("+86 138-1234-5678", "[手机号]"), ("6222  0212  3456  7890", "[银行卡号]"), ("6222021234567890123", "[银行卡号]"),
    ("110101199003071234", "[身份证号]"), ("11010119900307123X", "[身份证号]"), ("110101900307123", "[身份证号]"),
    ("110101 19900307 1234", "[身份证号]"),
])
def test_every_way_of_typing_a_number_is_masked(typed, placeholder):
    masked = redact(f"我的号码是{typed}，请回电")
    assert masked == f"我的号码是{placeholder}，请回电"


@pytest.mark.parametrize("text", ["欠了我2000块 2025年5月3日", "去年借了30000元", "一二三", "两千五百块", "拨打12348"])
def test_amounts_dates_and_hotlines_are_left_alone(text):
    assert redact(text) == text


def _every_stored_text(database) -> str:
    connection = sqlite3.connect(database)
    texts = []
    for (table,) in connection.execute("select name from sqlite_master where type = 'table'"):
        for row in connection.execute(f"select * from [{table}]"):
            texts += [str(value) for value in row if value is not None]
    return "\n".join(texts)


async def test_nothing_stored_anywhere_holds_the_numbers(tmp_path):
    settings = settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path)})
    service = ChatService.open(settings)
    try:
        said = "我电话13812345678 身份证110101199003071234 老板欠工资"
        await service.handle(Incoming("web", "v1", text=said))
        await service.handle(Incoming("web", "v1", action="fb:down:labor.wage"))
        await service.handle(Incoming("web", "v1", text="/human"))
        desk = service.conversation.desk
        [case] = desk.queue()
        await service.call(desk.claim, case.id, "alice")
        await service.call(desk.close, case.id, "alice", "村民电话 13912345678 身份证 110101199003071234")
        stored = _every_stored_text(settings.database)
        for number in ("13812345678", "110101199003071234", "13912345678"):
            assert number not in stored
        exported = service.store.export_villager("web:v1")
        assert exported["user"]["extra"]["last_question"].startswith("我电话[手机号]")
    finally:
        await service.close()


async def test_purge_reaches_the_last_question_kept_in_the_users_state(tmp_path):
    settings = settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path)})
    service = ChatService.open(settings)
    try:
        await service.handle(Incoming("web", "v2", text="老板欠我三个月工钱不给"))
        assert service.store.user("web:v2").extra.get("last_question")
        service.store.purge_older_than(-1)  # everything is older than "tomorrow"
        assert not service.store.user("web:v2").extra.get("last_question")
        assert "工钱" not in _every_stored_text(settings.database)
    finally:
        await service.close()
