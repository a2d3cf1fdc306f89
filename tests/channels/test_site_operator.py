"""Who runs the service (faq/site.yaml): the web chat says it under its header, in Chinese then English, on
the main page and a county's page; a reload changes it; a broken file is refused with file:line and the old
line keeps showing."""

from __future__ import annotations

import shutil

import aiohttp

from bot.content.folder import check_folder
from tests.support import ROOT
from tests.support.counties import faq_with_counties
from tests.support.webchat import served_web_chat

LESHAN = "operator:\n  zh: 乐山市司法局\n  en: Leshan Municipal Bureau of Justice\n"


def _faq(tmp_path, site: str | None):
    faq_dir = tmp_path / "faq"
    shutil.copytree(ROOT / "faq", faq_dir)
    if site is not None:
        (faq_dir / "site.yaml").write_text(site, encoding="utf-8")
    return faq_dir


async def _page(chat, path: str = "/") -> str:
    async with aiohttp.ClientSession() as session:
        async with session.get(chat.url(path)) as response:
            assert response.status == 200
            return await response.text()


async def test_the_page_names_who_runs_the_service_in_both_languages(tmp_path):
    async with served_web_chat(tmp_path / "data", _faq(tmp_path, LESHAN)) as chat:
        page = await _page(chat)
    assert '<p id="operator">本服务由乐山市司法局提供 <small lang="en">Run by Leshan Municipal Bureau of Justice</small></p>' in page
    assert page.index("</header>") < page.index('id="operator"') < page.index('id="log"')


async def test_the_shipped_faq_names_nobody(tmp_path):
    async with served_web_chat(tmp_path) as chat:
        page = await _page(chat)
    assert 'id="operator"' not in page and "本服务由" not in page


async def test_a_countys_page_names_the_operator_too(tmp_path):
    faq_dir = faq_with_counties(tmp_path / "faq")
    (faq_dir / "site.yaml").write_text(LESHAN, encoding="utf-8")
    async with served_web_chat(tmp_path / "data", faq_dir) as chat:
        page = await _page(chat, "/c/qianwei/")
    assert "犍为县法律服务（测试）" in page and "本服务由乐山市司法局提供" in page


async def test_a_reload_changes_the_line_and_a_broken_file_keeps_the_old_one(tmp_path):
    faq_dir = _faq(tmp_path, LESHAN)
    async with served_web_chat(tmp_path / "data", faq_dir) as chat:
        (faq_dir / "site.yaml").write_text("operator:\n  zh: 犍为县司法局\n  en: Qianwei County Bureau of Justice\n",
                                           encoding="utf-8")
        assert not [p for p in await chat.service.reload_faq() if p.severity == "error"]
        assert "本服务由犍为县司法局提供" in await _page(chat)
        (faq_dir / "site.yaml").write_text("operator:\n  zh: 犍为县司法局\n", encoding="utf-8")  # no English
        problems = [p for p in await chat.service.reload_faq() if p.severity == "error"]
        assert "本服务由犍为县司法局提供" in await _page(chat)
    [problem] = problems
    assert problem.file == str(faq_dir / "site.yaml") and problem.line == 1 and "`en:`" in problem.message


def test_faq_check_names_the_file_and_line_of_every_mistake(tmp_path):
    faq_dir = _faq(tmp_path, "operator:\n  zh: " + "司" * 41 + "\n  en: A bureau\nowner: 某某\n")
    _, problems = check_folder(faq_dir)
    found = sorted((p.line, p.message) for p in problems if p.file.endswith("site.yaml"))
    assert [line for line, _ in found] == [1, 4]
    assert "41 characters" in found[0][1] and "unknown field 'owner'" in found[1][1]
