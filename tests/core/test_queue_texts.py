"""What a waiting villager is told: their place in the queue once, and again only when it changes; who took
their case, by the adviser's display name; at night no "everyone is busy". The real core, desk and relay on
SQLite, a recording villager channel, a clock the test moves."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.service import ChatService
from bot.handoff.relay import Relay
from bot.messages import Incoming
from bot.settings import Settings
from tests.support import ROOT, settings_for
from tests.support.fakes import Clock, RecordingChannel

BEIJING = ZoneInfo("Asia/Shanghai")  # MINGBAI_TIMEZONE's default, whatever this machine's clock says
WEDNESDAY_NOON = dt.datetime(2026, 11, 25, 12, tzinfo=BEIJING).timestamp()
WEDNESDAY_NIGHT = dt.datetime(2026, 11, 25, 22, tzinfo=BEIJING).timestamp()


@pytest.fixture
def clock():
    return Clock(WEDNESDAY_NOON)


@pytest.fixture
async def bot(tmp_path, clock):
    settings = settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path),
                                  "MINGBAI_OFFICE_HOURS": "Mon-Fri 09:00-17:30", "MINGBAI_HANDOFF_TIMEOUT": "600"})
    service = ChatService.open(settings, clock=clock)
    relay = Relay(service.relay_port, settings.handoff_timeout, clock=clock)
    phone = RecordingChannel()
    relay.add_villager_channel("test", phone.send)
    yield service, relay, phone
    await service.close()


async def say(service, user: str, text: str) -> str:
    return "\n".join(reply.text for reply in (await service.handle(Incoming("test", user, text=text))).replies)


async def test_the_place_in_the_queue_is_said_once_and_again_when_it_changes(bot):
    service, relay, phone = bot
    assert "您排在第1位，下一个就轮到您" in await say(service, "a", "/human")
    opened = await say(service, "b", "/human")
    assert "您排在第2位，前面还有1位" in opened and "包括您" not in opened
    for message in ("我的工钱被拖欠了", "老板叫张三", "在县城工地"):
        assert await say(service, "b", message) == ""  # relayed to the advisers; no queue line after each one
    await relay.run_once()
    assert phone.of("b") == []  # nothing changed
    desk = service.conversation.desk
    first = next(case for case in desk.queue() if case.user_key == "test:a")
    desk.claim(first.id, "zhang")
    await relay.run_once()
    await relay.run_once()
    assert phone.of("b") == ["您排在第1位，下一个就轮到您。"]  # once, when it changed


async def test_the_villager_is_told_the_advisers_display_name_when_the_case_is_taken(bot):
    service, relay, phone = bot
    await say(service, "a", "/human")
    desk = service.conversation.desk
    [case] = desk.queue()
    desk.set_display_name("zhang", "王律师")
    desk.claim(case.id, "zhang")
    await relay.run_once()
    await relay.run_once()
    assert phone.of("a") == ["👩‍⚖️ 王律师已经接手您的问题，会在这里回复您。"]
    desk.from_adviser(case.id, "zhang", "您好，请说说情况")
    await relay.run_once()
    assert phone.of("a")[1:] == ["👩‍⚖️ 王律师：您好，请说说情况"]


async def test_an_adviser_whose_first_message_takes_the_case_is_not_announced_twice(bot):
    service, relay, phone = bot
    await say(service, "a", "/human")
    desk = service.conversation.desk
    [case] = desk.queue()
    desk.from_adviser(case.id, "li", "您好")  # no display name chosen: 法律顾问
    await relay.run_once()
    await relay.run_once()
    assert phone.of("a") == ["👩‍⚖️ 法律顾问：您好"]


async def test_at_night_the_ten_minute_notice_does_not_say_everyone_is_busy(bot, clock):
    service, relay, phone = bot
    clock.now = WEDNESDAY_NIGHT
    opened = await say(service, "a", "/human")
    assert "下班时间" in opened
    clock.now += 601
    await relay.run_once()
    assert not [text for text in phone.of("a") if "都在忙" in text]


async def test_a_case_opened_before_closing_time_hears_about_the_hours_not_busy_advisers(bot, clock):
    service, relay, phone = bot
    clock.now = dt.datetime(2026, 11, 25, 17, 25, tzinfo=BEIJING).timestamp()
    assert "下班时间" not in await say(service, "a", "/human")
    clock.now += 601  # 17:35: the office has closed meanwhile
    await relay.run_once()
    [notice] = phone.of("a")
    assert "下班时间" in notice and "都在忙" not in notice


async def test_in_office_hours_the_ten_minute_notice_is_still_honest_about_the_wait(bot, clock):
    service, relay, phone = bot
    await say(service, "a", "/human")
    clock.now += 601
    await relay.run_once()
    assert any("都在忙" in text for text in phone.of("a"))


async def test_office_hours_are_read_in_the_configured_time_zone_not_the_servers(tmp_path, clock):
    """Noon in Beijing is 04:00 in London: the same moment is in hours for one office and not the other."""
    settings = settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path),
                                  "MINGBAI_TIMEZONE": "Europe/London"})
    service = ChatService.open(settings, clock=clock)
    try:
        assert "下班时间" in await say(service, "a", "/human")
    finally:
        await service.close()
    with pytest.raises(ValueError, match="MINGBAI_TIMEZONE"):
        Settings.from_env({"MINGBAI_TIMEZONE": "Beijing"})
