"""Per-adviser statistics and the CSV exports for a date range (the justice bureau's monthly report), in a
real Chromium at 1366×768 against the real server."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from tests.support.browser import chromium
from tests.support.console import PASSWORD, WAGES, WebVillager, browsers, site  # noqa: F401

LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN", "accept_downloads": True}


async def test_per_adviser_figures_and_csv_exports_for_a_date_range(site, browsers):
    await site.service.call(site.console.desk.set_display_name, "web:alice", "王律师")
    for number in range(3):
        villager = await (await browsers(kind=WebVillager)).start()
        await villager.says(WAGES)
        await villager.says(action="handoff")
        if number < 2:
            alice = await browsers("alice")
            await alice.act(number + 1, "claim")
            await alice.act(number + 1, "close", {"summary": "已解答"})
            await villager.says(action=f"rate:{number + 1}:{4 + number}")
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # MINGBAI_TIMEZONE's today
    url = str(site.server.make_url("")).rstrip("/")
    async with chromium() as browser:
        page = await (await browser.new_context(**LAPTOP)).new_page()
        await page.goto(url + "/login?next=/admin/advisers")
        await page.fill("#name", "root")
        await page.fill("#password", PASSWORD)
        await page.click("#enter")
        await expect(page.locator("h1")).to_have_text("顾问统计")
        row = page.locator("table.advisers tbody tr")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("王律师")
        await expect(row.locator("td").nth(1)).to_have_text("2")
        await expect(row).to_contain_text("4.5 ★（2 次）")
        async with page.expect_download() as download:
            await page.click("text=案件明细")
        path = await (await download.value).path()
        text = Path(path).read_text(encoding="utf-8-sig")  # closed at once: warnings are errors
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["案件号"] for r in rows] == ["1", "2", "3"]
        assert [r["顾问"] for r in rows] == ["王律师", "王律师", ""] and rows[2]["状态"] == "等待接手"
        assert rows[0]["评分"] == "4" and rows[0]["渠道"] == "网页" and rows[0]["开始（北京时间）"].startswith(today)
        assert WAGES not in text and "web:" not in text  # no villager's words or ids
        await page.fill("input[name=from]", "2020-01-01")
        await page.fill("input[name=to]", "2020-01-31")
        await page.click("form.range button")
        await expect(page.locator("main")).to_contain_text("这段时间没有顾问接手过求助")
    status, advisers = await (await browsers("root")).get(f"/admin/export/advisers.csv?from={today}&to={today}")
    assert status == 200 and advisers.lstrip("\ufeff").splitlines()[1].startswith("王律师,2,2,")
