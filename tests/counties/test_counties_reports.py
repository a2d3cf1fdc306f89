"""Figures and exports per county and together: the console's CSV exports and statistics for one county
(`?county=ID`) or all, a county adviser kept out of the exports, and `/stats` in a county's Telegram group
counting that county's cases while the default group counts everyone's. Real servers, real SQLite files, the
real PTB Application against the fake Bot API."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest

from tests.support.console import Client, WebVillager, served_console
from tests.support.counties import QIANWEI_GROUP, faq_with_counties
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS,
    CHAT,
    OTHER_VILLAGER,
    THIRD_VILLAGER,
    ZHANG,
    adviser,
    fake,
    running_with_advisers,
    settings,
    until,
)

ACCOUNTS = (("qw", "adviser", ("qianwei",)), ("jy", "adviser", ("jingyan",)), ("city", "admin", ()))


@pytest.fixture
async def county_site(tmp_path):
    async with served_console(faq_with_counties(tmp_path / "faq"), tmp_path / "data", ACCOUNTS) as served:
        opened: list[Client] = []

        async def client(kind=Client, login: str | None = None) -> Client:
            opened.append(kind(served))
            if login:
                assert (await opened[-1].login(login))[0] == 200
            return opened[-1]

        for page in ("/c/qianwei/", "/c/qianwei/", "/c/jingyan/"):  # two cases in 犍为, one in 井研
            villager = await client(WebVillager)
            assert (await villager.get(page))[0] == 200
            await villager.says("/human")
        yield client
        for opened_client in opened:
            await opened_client.session.close()


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


async def test_the_case_export_is_per_county_or_together_and_county_advisers_get_none(county_site):
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # MINGBAI_TIMEZONE's today
    city = await county_site(login="city")
    status, together = await city.get(f"/admin/export/cases.csv?from={today}&to={today}")
    assert status == 200 and [row["县"] for row in _rows(together)] == ["犍为县", "犍为县", "井研县"]
    status, qianwei = await city.get(f"/admin/export/cases.csv?from={today}&to={today}&county=qianwei")
    assert status == 200 and [row["县"] for row in _rows(qianwei)] == ["犍为县", "犍为县"]
    status, jingyan = await city.get(f"/admin/export/cases.csv?from={today}&to={today}&county=jingyan")
    assert [row["案件号"] for row in _rows(jingyan)] == ["3"]
    status, refused = await city.get("/admin/export/cases.csv?county=emeishan")
    assert status == 404 and "案件号" not in refused  # an unknown county is not widened to every case
    for account in ("qw", "jy"):  # a county's adviser: the exports are the bureau's (admins'), not theirs
        county_adviser = await county_site(login=account)
        for query in ("", "?county=qianwei", "?county=jingyan"):
            for what in ("cases", "advisers"):
                status, text = await county_adviser.get(f"/admin/export/{what}.csv{query}")
                assert status == 403 and "案件号" not in text and "犍为" not in text


async def test_the_dashboards_figures_and_adviser_page_for_one_county(county_site):
    city = await county_site(login="city")
    status, text = await city.get("/admin/api/stats?county=qianwei")
    figures = json.loads(text)
    assert status == 200 and figures["county"] == "qianwei" and sum(figures["handoffs_per_day"].values()) == 2
    everyone = json.loads((await city.get("/admin/api/stats"))[1])
    assert sum(everyone["handoffs_per_day"].values()) == 3
    assert {county: n["handoffs"] for county, n in everyone["per_county"].items()} == {"qianwei": 2, "jingyan": 1}
    status, page = await city.get("/admin?county=qianwei")
    assert status == 200 and '<a href="/admin?days=30&amp;county=qianwei" aria-current=page>犍为县</a>' in page
    assert '<div><dt>转人工</dt><dd>2</dd></div>' in page and 'href="/admin?days=7&amp;county=qianwei"' in page
    status, page = await city.get("/admin/advisers?county=jingyan")
    assert status == 200 and '<option value="jingyan" selected>井研县</option>' in page
    assert "/admin/export/cases.csv?" in page and "&amp;county=jingyan" in page


async def test_stats_in_a_countys_group_counts_its_cases_and_the_default_group_everyones(fake, settings, tmp_path):
    settings = dataclasses.replace(settings, faq_dir=faq_with_counties(tmp_path / "faq"))
    zhang = adviser(fake, ZHANG, "Zhang")  # a member of the default group and of 犍为's
    fake.set_member(QIANWEI_GROUP, ZHANG, "member")
    async with running_with_advisers(settings):
        for chat, where in ((CHAT, "/where 犍为"), (OTHER_VILLAGER, "/where 犍为"), (THIRD_VILLAGER, "/where 井研")):
            fake.push_text(chat, where)
            await fake.wait_for_messages(chat, 1)
            fake.push_text(chat, "/human")
            await fake.wait_for_messages(chat, 2)
        fake.push_text(QIANWEI_GROUP, "/stats", zhang)
        fake.push_text(ADVISERS, "/stats", zhang)
        county = await until(lambda: next((m["text"] for m in fake.sent(QIANWEI_GROUP) if "📊" in m.get("text", "")),
                                          None), what="/stats in 犍为's group")
        default = await until(lambda: next((m["text"] for m in fake.sent(ADVISERS) if "📊" in m.get("text", "")), None),
                              what="/stats in the default group")
    assert county.startswith("📊 犍为县 · 今天 today") and "转人工 handoffs 2" in county
    assert default.startswith("📊 今天 today") and "转人工 handoffs 3" in default
