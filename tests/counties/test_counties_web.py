"""County cells over real HTTP: a county's web chat page (/c/<id>/) under its service name binds the villager
to the county, and in the console each county's adviser sees only their county's cases while an admin sees all.
Accounts are made with the real `mingbai user add --county`."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys

import pytest

from tests.support import ROOT
from tests.support.console import PASSWORD, Client, WebVillager, eventually, served_console
from tests.support.counties import faq_with_counties


@pytest.fixture
async def county_site(tmp_path):
    accounts = (("qw", "adviser", ("qianwei",)), ("jy", "adviser", ("jingyan",)), ("city", "admin", ()))
    async with served_console(faq_with_counties(tmp_path / "faq"), tmp_path / "data", accounts) as served:
        yield served


@pytest.fixture
async def clients(county_site):
    opened: list[Client] = []

    async def open_client(kind=Client, login: str | None = None):
        client = kind(county_site)
        opened.append(client)
        if login:
            assert (await client.login(login, PASSWORD))[0] == 200
        return client

    yield open_client
    for client in opened:
        await client.session.close()


async def _asks_for_a_person(villager: WebVillager, path: str) -> dict:
    status, page = await villager.get(path)
    assert status == 200
    return await villager.says("/human")


async def test_a_countys_page_shows_its_service_name_and_its_villagers_reach_its_advisers(county_site, clients):
    villager = await clients(WebVillager)
    status, page = await villager.get("/c/qianwei/")
    assert status == 200 and '<h1 id="service">犍为县法律服务（测试）<small lang="en">Qianwei legal service (test)</small>' in page
    assert "<title>犍为县法律服务（测试） · 明白</title>" in page
    answer = await villager.says("/human")
    assert "哪个县" not in answer["replies"][0]["text"]  # the page already said which county
    case = await county_site.service.call(county_site.console.desk.open_case_for, "web:" + _cookie(villager))
    assert case.county == "qianwei"
    plain = await clients(WebVillager)
    status, page = await plain.get("/")
    assert "犍为" not in page  # the city's own page is unchanged
    assert "哪个县" in (await plain.says("/human"))["replies"][0]["text"]


def _cookie(client: Client) -> str:
    return next(cookie.value for cookie in client.session.cookie_jar if cookie.key == "mingbai_id")


async def test_an_unknown_countys_page_is_a_plain_404(clients):
    status, text = await (await clients(WebVillager)).get("/c/nowhere/")
    assert status == 404 and "没有这个县" in text


async def test_each_countys_adviser_sees_only_their_cases_and_the_city_admin_sees_all(county_site, clients):
    for path in ("/c/qianwei/", "/c/jingyan/", "/c/jingyan/"):
        await _asks_for_a_person(await clients(WebVillager), path)
    qw, jy, city = (await clients(login="qw")), (await clients(login="jy")), (await clients(login="city"))
    queue = {name: [case["id"] for case in (await client.state())["queue"]]
             for name, client in (("qw", qw), ("jy", jy), ("city", city))}
    assert queue == {"qw": [1], "jy": [2, 3], "city": [1, 2, 3]}
    assert (await qw.state(case=2))["case"] is None  # another county's case, even by its number
    assert (await jy.state(case=2))["case"]["id"] == 2


async def test_an_adviser_of_a_county_answers_a_villager_of_that_county(county_site, clients):
    villager = await clients(WebVillager)
    await _asks_for_a_person(villager, "/c/jingyan/")
    jy, qw = (await clients(login="jy")), (await clients(login="qw"))
    status, _ = await qw.act(1, "reply", {"text": "犍为的顾问", "claim": True})
    assert status == 404  # another county's case cannot be taken by its number either
    status, _ = await jy.act(1, "reply", {"text": "您好，井研的顾问在。", "claim": True})
    assert status == 200
    pushed = await eventually(villager.pushed)
    assert "井研的顾问在" in pushed[0]["text"]


def test_user_add_with_a_county_checks_it_against_the_county_files(tmp_path):
    faq_dir = faq_with_counties(tmp_path / "faq")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "MINGBAI_FAQ_DIR": str(faq_dir),
           "MINGBAI_DATA_DIR": str(tmp_path / "data")}

    def add(*arguments: str) -> subprocess.CompletedProcess:
        # getpass reads the terminal; without one it falls back to stdin
        return subprocess.run([sys.executable, "-m", "bot.cli", "user", "add", *arguments], input=f"{PASSWORD}\n{PASSWORD}\n",
                              capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, start_new_session=True)

    wrong = add("wang", "--role", "adviser", "--county", "jianwei")
    assert wrong.returncode == 2 and "no county jianwei (known: jingyan, qianwei)" in wrong.stderr
    right = add("wang", "--role", "adviser", "--county", "qianwei", "--county", "jingyan")
    assert right.returncode == 0, right.stderr
    assert "adviser 'wang' for qianwei, jingyan" in right.stdout
    with contextlib.closing(sqlite3.connect(tmp_path / "data" / "mingbai.sqlite")) as db:
        assert db.execute("select counties from console_accounts where name = 'wang'").fetchone()[0] == "qianwei,jingyan"
