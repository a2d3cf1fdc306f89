"""A county's own advisers' hours (`hours:` in faq/counties/<id>.yaml) decide what a villager of that county is
told when nobody took their case in time, as they decide it when the case opens: "off duty" after the county's
hours even while MINGBAI_OFFICE_HOURS is open, "busy" within them even while it is closed. The real ChatService
on a real SQLite file, with its clock moved."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.core.service import ChatService
from bot.handoff.desk import TO_VILLAGER
from bot.settings import Settings
from tests.support.core import Villager
from tests.support.counties import faq_with_counties

WAITED = 1800  # seconds before the reminder


def _at(hour: int, minute: int = 0) -> float:
    return dt.datetime(2026, 12, 2, hour, minute, tzinfo=dt.timezone.utc).timestamp()  # a Wednesday


@pytest.mark.parametrize("county_hours, service_hours, opened, reminded, told", [
    ("Mon-Sun 09:00-17:00", "Mon-Sun 00:00-23:59", _at(16, 30), _at(17, 30), "off duty"),
    ("Mon-Sun 00:00-23:59", "Mon-Fri 09:00-17:30", _at(19, 30), _at(20, 30), "busy"),
], ids=["after-the-countys-hours", "within-the-countys-hours"])
async def test_the_overdue_reminder_judges_by_the_countys_hours(tmp_path, county_hours, service_hours, opened,
                                                                reminded, told):
    faq_dir = faq_with_counties(tmp_path / "faq")
    county_file = faq_dir / "counties" / "qianwei.yaml"
    county_file.write_text(county_file.read_text(encoding="utf-8").replace("hours: Mon-Sun 00:00-23:59",
                                                                           f"hours: {county_hours}"), encoding="utf-8")
    base = Settings.from_env({}, config_file=tmp_path / "none.toml")
    settings = dataclasses.replace(base, faq_dir=faq_dir, data_dir=tmp_path / "data", timezone="UTC",
                                   office_hours=service_hours)
    now = [opened]
    service = ChatService.open(settings, clock=lambda: now[0])
    try:
        villager = Villager(service)
        await villager.says("/where 犍为")
        [started] = await villager.says("/human")
        assert "下班时间" not in started.text  # the county's advisers are on duty when the case opens
        desk = service.conversation.desk
        case = desk.open_case_for(villager.key)
        assert case.county == "qianwei"
        now[0] = reminded
        assert await service.call(service.conversation.remind_overdue, WAITED) == 1
        [notice] = [event.text for event in desk.events(case.id)
                    if event.destination == TO_VILLAGER and event.kind == "system" and event.created_at >= reminded]
    finally:
        await service.close()
    if told == "off duty":
        assert "现在是下班时间（顾问工作时间：" in notice and "09:00-17:00" in notice
    else:
        assert notice.startswith("顾问们暂时都在忙") and "下班" not in notice
