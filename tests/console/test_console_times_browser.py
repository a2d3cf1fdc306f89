"""The console on a server whose MINGBAI_TIMEZONE is not the server's nor the browser's zone: every time an
adviser or admin reads (the case log, the FAQ page, the CSV export) is in MINGBAI_TIMEZONE and says which
zone it is; and the dashboard's charts are legible on a 360-pixel phone. Real Chromium, real server."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from tests.support.browser import PHONE, chromium
from tests.support.console import WAGES, WebVillager, browsers, served_console  # noqa: F401
from tests.support.console_pages import log_in, seed_two_weeks_of_questions
from tests.support.faq_files import copy_shipped_faq

ZONE = "Pacific/Kiritimati"  # UTC+14: neither this machine's zone nor the browser's (Beijing, below)
IN_BEIJING = {**PHONE, "timezone_id": "Asia/Shanghai"}


@pytest.fixture
async def site(tmp_path):
    async with served_console(copy_shipped_faq(tmp_path / "faq"), tmp_path / "data", timezone=ZONE) as served:
        yield served


def in_zone(timestamp: float, pattern: str, zone: str = ZONE) -> str:
    return dt.datetime.fromtimestamp(timestamp, ZoneInfo(zone)).strftime(pattern)


async def test_the_case_log_shows_times_in_the_services_zone_whatever_the_phones_zone(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="handoff")
    state = await (await browsers("alice")).state(1)
    opened = state["case"]["events"][0]["at"]
    assert in_zone(opened, "%H:%M") != in_zone(opened, "%H:%M", "Asia/Shanghai")
    async with chromium() as browser:
        page = await (await browser.new_context(**IN_BEIJING)).new_page()
        await log_in(page, str(site.server.make_url("/adviser")), "alice")
        await expect(page.locator("#zone")).to_have_text(f"时间均为{ZONE}")
        await page.locator("#queue li").first.click()
        first = page.locator("#events .event time").first
        await expect(first).to_contain_text(in_zone(opened, "%H:%M"))


async def test_admin_pages_and_the_export_give_times_in_the_services_zone_labelled(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="handoff")
    admin = await browsers("root")
    status, page = await admin.get("/admin/faq")
    loaded = in_zone(site.console.reloader.loaded_at, "%Y-%m-%d %H:%M:%S")
    assert status == 200 and f"载入于 {loaded} {ZONE}" in page

    [case] = site.console.desk.queue()
    today = in_zone(case.created_at, "%Y-%m-%d")
    status, text = await admin.get(f"/admin/export/cases.csv?from={today}&to={today}")
    [row] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row[f"开始（{ZONE}）"] == in_zone(case.created_at, "%Y-%m-%d %H:%M")
    status, text = await admin.get("/admin/export/cases.csv")  # by default: this month so far, in the zone
    assert len(list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))) == 1

    state = json.loads((await admin.get("/adviser/api/state?filter=open"))[1])
    assert state["zone"] == {"id": ZONE, "label": ZONE}


async def test_the_dashboards_chart_labels_are_at_least_12_px_on_a_phone(site):
    service = site.service
    await service.call(seed_two_weeks_of_questions, service.store.db, service.conversation.faq)
    async with chromium() as browser:
        page = await (await browser.new_context(**PHONE)).new_page()
        await log_in(page, str(site.server.make_url("/admin?days=30")), "root")
        await expect(page.locator("svg.chart")).to_have_count(5)
        sizes = await page.evaluate("""() => [...document.querySelectorAll('svg.chart text')].map((text) => ({
            text: text.textContent, kind: text.getAttribute('class'),
            px: parseFloat(getComputedStyle(text).fontSize) * text.ownerSVGElement.getScreenCTM().a,
            left: text.getBoundingClientRect().left - text.ownerSVGElement.getBoundingClientRect().left,
            right: text.getBoundingClientRect().right - text.ownerSVGElement.getBoundingClientRect().right }))""")
        assert {size["kind"] for size in sizes} >= {"label", "value"}
        small = [size for size in sizes if size["px"] < 12]
        assert not small, small[:5]
        cut = [size for size in sizes if size["left"] < 0 or size["right"] > 0]  # none cut off at the chart's edges
        assert not cut, cut[:5]
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
