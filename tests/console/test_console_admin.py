"""The admin dashboard over real HTTP: FAQ reload (button, watcher, SIGHUP, `mingbai faq reload`),
unanswered questions, statistics, and creating accounts from the command line."""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3

from bot.cli.users import add_user_command
from bot.console.accounts import check_password
from bot.console.reload import FaqReloader, reload_command
from bot.messages import Incoming
from bot.storage.stats import service_statistics
from tests.support.console import WAGES, WebVillager, browsers, eventually, site  # noqa: F401

BROKEN_ID = ("  - id: labor.wage", "  - id: Labor Wage")  # line 6 of labor.yaml
NEW_ANSWER = ("工资被拖欠，可以投诉", "【新版】工资被拖欠，可以投诉", 2)  # the short first bubble and the full answer


def edit(site, change: tuple) -> None:
    """Replace text in labor.yaml: (old, new) once, or (old, new, count)."""
    old, new, count = (*change, 1)[:3]
    labor = site.faq_dir / "labor.yaml"
    labor.write_text(labor.read_text(encoding="utf-8").replace(old, new, count), encoding="utf-8")


async def answer_to(site, text: str, villager: str = "asker") -> str:
    outcome = await site.service.handle(Incoming("test", villager, text=text))
    return outcome.replies[0].text


async def test_a_broken_faq_edit_is_refused_with_file_and_line_while_the_old_faq_answers(site, browsers):
    admin = await browsers("root")
    page = (await admin.get("/admin/faq"))[1]
    assert "所有文件都通过检查" in page and "<code>labor.yaml</code></td><td><span class=\"good\">✓ 通过" in page
    assert 'id="intent-labor.wage"' in page and "工资被拖欠，可以投诉" in page  # answers as the files say

    edit(site, BROKEN_ID)
    status, body = await admin.post("/admin/api/faq/reload")
    assert status == 200 and not body["ok"]
    assert any(p["text"].startswith("labor.yaml:6: intent id 'Labor Wage'") for p in body["problems"])
    page = html.unescape((await admin.get("/admin/faq"))[1])
    assert "重新载入被拒绝" in page and "仍在用上一版" in page and "labor.yaml:6: intent id 'Labor Wage'" in page
    assert "✗ 3 个错误" in page and "因为 labor.yaml 出错" in page and "required intent labor.wage is defined in no file" in page
    assert "12333" in await answer_to(site, WAGES)  # the old FAQ keeps answering

    edit(site, (BROKEN_ID[1], BROKEN_ID[0]))
    edit(site, NEW_ANSWER)
    status, body = await admin.post("/admin/api/faq/reload")
    assert status == 200 and body["ok"] and body["intents"] == len(site.service.conversation.faq)
    assert "重新载入成功" in (await admin.get("/admin/faq"))[1]
    assert "【新版】" in await answer_to(site, WAGES, "another")


async def test_the_file_watcher_swaps_in_a_valid_edit_and_refuses_a_broken_one(site):
    reloader = FaqReloader(site.service, site.faq_dir)
    watching = asyncio.create_task(reloader.watch(0.1))
    try:
        edit(site, BROKEN_ID)
        refused = await eventually(lambda: asyncio.sleep(0, reloader.last))
        assert not refused.ok and refused.source == "文件变动"
        edit(site, (BROKEN_ID[1], BROKEN_ID[0]))
        edit(site, NEW_ANSWER)
        await eventually(lambda: asyncio.sleep(0, reloader.last.ok))
    finally:
        watching.cancel()
    assert "【新版】" in await answer_to(site, WAGES)


async def test_mingbai_faq_reload_checks_the_files_then_signals_the_server(site, capsys):
    edit(site, BROKEN_ID)
    assert reload_command(site.faq_dir, site.data_dir) == 1
    assert "labor.yaml:6:" in capsys.readouterr().err and site.console.reloader.last is None  # nothing was sent

    edit(site, (BROKEN_ID[1], BROKEN_ID[0]))
    edit(site, NEW_ANSWER)
    assert reload_command(site.faq_dir, site.data_dir) == 0  # SIGHUP to this very process
    attempt = await eventually(lambda: asyncio.sleep(0, site.console.reloader.last))
    assert attempt.ok and attempt.source == "SIGHUP"
    assert "【新版】" in await answer_to(site, WAGES)


def _groups(page: str) -> list[dict]:
    found = []
    for section in re.findall(r'<section class="group question-group"[^>]*>(.*?)</section>', page, re.S):
        found.append({
            "heading": html.unescape(re.search(r"<h3>(.*?)</h3>", section).group(1)),
            "texts": [html.unescape(t) for t in re.findall(r'<span class="question">(.*?)</span>', section)],
            "to_add": [html.unescape(t) for t in re.findall(r'class="add-example"[^>]*data-text="(.*?)"', section)],
            "reasons": html.unescape(" ".join(re.findall(r"<span class=badge>(.*?)</span>", section))),
        })
    return found


async def test_unanswered_questions_are_grouped_with_their_closest_intent_ready_to_add(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    for question in ("手机丢了怎么办", "高铁票怎么买", "我的手机掉了咋个办", "高铁票咋个买", "手机掉了咋办嘛"):
        await villager.says(question)
    unhappy = await (await browsers(kind=WebVillager)).start()
    await unhappy.says(WAGES)
    await unhappy.says(action="fb:down:labor.wage")
    groups = _groups((await (await browsers("root")).get("/admin/unanswered"))[1])
    phones, pensions, wages = groups
    assert phones["heading"].startswith("3 次 · 最接近：") and sorted(phones["texts"]) == sorted(
        ["手机丢了怎么办", "我的手机掉了咋个办", "手机掉了咋办嘛"])
    assert phones["to_add"] == phones["texts"] and "没答上 3" in phones["reasons"]  # each with 「加为例句」
    assert pensions["heading"].startswith("2 次") and sorted(pensions["texts"]) == ["高铁票咋个买", "高铁票怎么买"]
    faq = site.service.conversation.faq
    assert wages["heading"] == f"1 次 · 最接近：{faq['labor.wage'].title.zh}（labor.wage）"
    assert "答了没帮上 1" in wages["reasons"]


async def test_the_statistics_page_shows_the_figures_of_bot_stats_as_charts(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says("手机掉了咋办嘛")
    await villager.says(action="handoff")
    adviser = await browsers("alice")
    await adviser.act(1, "claim")
    await adviser.act(1, "close", {"summary": "已解答"})
    await villager.says(action="rate:1:4")
    figures = await site.service.call(service_statistics, site.service.store.db, 30)
    admin = await browsers("root")
    assert (await admin.get("/admin/api/stats"))[1] and figures["questions"] == 2
    status, page = await admin.get("/admin?days=30")
    assert status == 200 and page.count("<svg") == 5
    cards = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))
    assert cards["问题"] == "2" and cards["直接回答"] == "50%" and cards["没答上"] == "50%" and cards["转人工"] == "1"
    assert cards["满意度平均"] == "4 ★" and cards["接手用时（中位数）"].endswith("分钟")
    stars = re.search(r'aria-label="满意度分布".*?</svg>', page, re.S).group(0)
    assert re.findall(r'class="value"[^>]*>(\d+)<', stars) == ["0", "0", "0", "1", "0"]
    assert site.service.conversation.faq["labor.wage"].title.zh[:10] in page  # the top intent, by its title


def test_user_add_asks_twice_and_keeps_only_a_salted_scrypt_hash(tmp_path, capsys):
    database = tmp_path / "data" / "mingbai.sqlite"
    assert add_user_command(database, "wang", "admin", prompt=lambda _: "short") == 2
    answers = iter(["a long enough secret", "a different secret!"])
    assert add_user_command(database, "wang", "admin", prompt=lambda _: next(answers)) == 2
    assert add_user_command(database, "Wang Wei", "admin", prompt=lambda _: "a long enough secret") == 2
    assert add_user_command(database, "wang", "boss", prompt=lambda _: "a long enough secret") == 2
    assert add_user_command(database, "wang", "admin", prompt=lambda _: "a long enough secret") == 0
    assert add_user_command(database, "li", "adviser", prompt=lambda _: "a long enough secret") == 0
    rows = dict(sqlite3.connect(database).execute("select name, password from console_accounts").fetchall())
    assert rows["wang"].startswith("scrypt:") and "secret" not in rows["wang"] and rows["wang"] != rows["li"]
    assert check_password("a long enough secret", rows["wang"]) and not check_password("a long enough secreT", rows["wang"])
    assert "added admin 'wang'" in capsys.readouterr().out
