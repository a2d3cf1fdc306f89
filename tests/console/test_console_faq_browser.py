"""The admin dashboard's FAQ browser over real HTTP, and on a phone in Chromium: search, review dates,
how often each answer was given and its 👍/👎, everything in Chinese, problems Chinese first and the
broken file first (review bug 14), and admin pages that fit a 360 px screen."""

from __future__ import annotations

import html
import re
import time

from playwright.async_api import expect

from tests.support import ROOT
from tests.support.browser import PHONE, chromium, screenshot_folder
from tests.support.console import PASSWORD, WAGES, WebVillager, browsers, site  # noqa: F401

WAGE_TITLE = "工资被拖欠、包工头跑了怎么办？"


def intent_block(page: str, intent_id: str) -> str:
    """The HTML of one intent's entry in the browser (its <details> element)."""
    match = re.search(rf'<details class="intent[^"]*" id="intent-{re.escape(intent_id)}"[^>]*>.*?</details>', page, re.S)
    assert match, f"{intent_id} is not on the page"
    return match.group(0)


def edit(site, name: str, old: str, new: str) -> None:
    path = site.faq_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def test_search_finds_intents_by_title_example_and_id(site, browsers):
    admin = await browsers("root")
    by_title = html.unescape((await admin.get("/admin/faq?q=包工头"))[1])
    assert 'id="intent-labor.wage"' in by_title and 'id="intent-family.divorce"' not in by_title
    assert "找到 " in by_title and "（「包工头」）" in by_title
    by_example = (await admin.get("/admin/faq?q=" + "欠薪打啥子电话"))[1]  # one of labor.wage's examples
    assert 'id="intent-labor.wage"' in by_example and 'id="intent-fraud.scammed"' not in by_example
    assert intent_block(by_example, "labor.wage").split(">", 1)[0].endswith(" open")  # a narrow search opens it
    assert by_title.count('<details class="intent') > 3 and '" open>' not in by_title  # a wide one stays folded
    by_id = (await admin.get("/admin/faq?q=family.divorce"))[1]
    assert 'id="intent-family.divorce"' in by_id and 'id="intent-labor.wage"' not in by_id
    nothing = (await admin.get("/admin/faq?q=火星移民"))[1]
    assert "没有找到这样的问题" in nothing and '<details class="intent' not in nothing
    everything = (await admin.get("/admin/faq"))[1]
    assert everything.count('<details class="intent') == len(site.service.conversation.faq)


async def test_each_intent_shows_its_reviewer_and_due_date_and_an_overdue_one_stands_out(site, browsers):
    admin = await browsers("root")
    wage = intent_block((await admin.get("/admin/faq"))[1], "labor.wage")
    assert "审核人：mingbai FAQ team" in wage and "下次审核：2027-06-30" in wage and "已过期" not in wage

    edit(site, "labor.yaml", "review_due: 2027-06-30", "review_due: 2020-01-31")  # labor.wage's, the first
    page = (await admin.get("/admin/faq"))[1]
    wage = intent_block(page, "labor.wage")
    assert wage.startswith('<details class="intent overdue"') and "下次审核：2020-01-31（已过期" in wage
    assert "审核已过期" in wage and "审核已过期" not in intent_block(page, "labor.contract")
    files = html.unescape(page[page.index('<table class="files">'):page.index("</table>")])
    warning = files[files.index("<code>labor.yaml</code>"):]
    assert "⚠ 1 个提醒" in warning  # the check warns too, Chinese first
    line = (ROOT / "faq" / "labor.yaml").read_text(encoding="utf-8").splitlines().index("    review_due: 2027-06-30") + 1
    assert warning.index("审核日期已经过了") < warning.index(f"labor.yaml:{line}: labor.wage.review_due: 2020-01-31 has passed")


async def test_answers_and_votes_are_counted_per_intent_for_the_chosen_period(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="fb:up:labor.wage")
    other = await (await browsers(kind=WebVillager)).start()
    await other.says(WAGES)
    await other.says(action="fb:down:labor.wage")
    twenty_days_ago = time.time() - 20 * 86400
    await site.service.call(lambda db: db.insert("messages",
        {"user_key": "web:earlier", "direction": "in", "text": "（示例）", "decision": "answer",
         "intent": "labor.wage", "created_at": twenty_days_ago}), site.service.store.db)

    admin = await browsers("root")
    month = intent_block((await admin.get("/admin/faq?days=30"))[1], "labor.wage")
    assert "最近 30 天回答 3 次 · 👍 1 · 👎 1" in month
    week = (await admin.get("/admin/faq?days=7"))[1]
    assert "最近 7 天回答 2 次 · 👍 1 · 👎 1" in intent_block(week, "labor.wage")
    assert "回答 0 次 · 👍 0 · 👎 0" in intent_block(week, "family.divorce")
    assert '<a href="/admin/faq?days=7" aria-current=page>最近 7 天</a>' in week  # the statistics page's periods


async def test_the_browser_speaks_chinese_and_renders_bold_after_escaping(site, browsers):
    edit(site, "labor.yaml", "工资被拖欠，可以投诉，也可以申请劳动仲裁", "<b>工资</b>被拖欠，可以投诉，也可以申请劳动仲裁")
    edit(site, "labor.yaml", "1. 留证据：", "1. <script>alert(1)</script>留证据：")
    admin = await browsers("root")
    page = (await admin.get("/admin/faq"))[1]
    badges = " ".join(re.findall(r"<span class=badge>(.*?)</span>", page))
    assert "转人工：" not in page and "priority" not in badges and "start" not in badges and "offer" not in badges
    assert "<span class=badge>紧急时优先转人工</span>" in intent_block(page, "family.domestic_violence")
    assert "<span class=badge>直接转人工</span>" in intent_block(page, "handoff.request")
    wage = intent_block(page, "labor.wage")
    assert "<span class=badge>可转人工</span>" in wage
    follow_ups = wage[wage.index("接着可以问："):]
    assert "没签劳动合同、合同到期怎么办？</a>" in follow_ups
    assert ">labor.contract<" not in follow_ups and 'href="#intent-labor.contract"' in follow_ups
    assert "**" not in wage and "<strong>12348</strong>" in wage
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in wage


async def test_a_yaml_error_lists_the_broken_file_first_with_a_chinese_explanation(site, browsers):
    edit(site, "labor.yaml", "    urgent: false\n", "    urgent: false : : [\n")  # labor.wage's, line 10
    admin = await browsers("root")
    page = html.unescape((await admin.get("/admin/faq"))[1])
    table = page[page.index('<table class="files">'):page.index("</table>")]
    rows = re.findall(r"<tr><td><code>(.*?)</code></td><td>(.*?)</td></tr>", table, re.S)
    assert rows[0][0] == "labor.yaml" and "✗" in rows[0][1]
    explanation, technical = rows[0][1].index("格式坏了"), rows[0][1].index("labor.yaml:10: not valid YAML")
    assert explanation < technical  # Chinese first, then file:line
    innocent = dict(rows)["social.yaml"]
    assert "✗" not in innocent and "因为 labor.yaml 出错" in innocent
    assert "请先改 <code>labor.yaml</code>" in page

    status, body = await admin.post("/admin/api/faq/reload")
    assert status == 200 and not body["ok"]
    broken = next(p for p in body["problems"] if p["text"].startswith("labor.yaml:10:"))
    assert "格式坏了" in broken["explanation"]
    page = html.unescape((await admin.get("/admin/faq"))[1])
    result = page[page.index('id="reload-result"'):]
    assert result.index("格式坏了") < result.index("labor.yaml:10: not valid YAML")


async def test_admin_pages_fit_a_phone_and_the_search_works_there(site):
    url = lambda path: str(site.server.make_url(path))  # noqa: E731
    async with chromium() as browser:
        phone = await (await browser.new_context(**PHONE)).new_page()
        complaints: list[str] = []  # script errors, CSP refusals, and anything but the favicon not found
        phone.on("pageerror", lambda error: complaints.append(str(error)))
        phone.on("console", lambda message: message.type == "error" and not message.text.startswith(
            "Failed to load resource") and complaints.append(message.text))
        phone.on("response", lambda response: response.status >= 400 and not response.url.endswith(
            "/favicon.ico") and complaints.append(f"{response.status} {response.url}"))
        await phone.goto(url("/admin/faq"))
        await phone.fill("#name", "root")
        await phone.fill("#password", PASSWORD)
        await phone.click("#enter")
        await expect(phone.locator("h1")).to_have_text("问答库")
        for path in ("/admin/faq", "/admin", "/admin/unanswered", "/admin/advisers"):
            await phone.goto(url(path))
            width = await phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} scrolls sideways: {width}px wide"
            for link in await phone.locator(".top nav a").all():  # every section in sight, none cut off
                box = await link.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"{path}: {await link.inner_text()} cut off"
        await phone.goto(url("/admin"))
        first, second = [await card.bounding_box() for card in await phone.locator(".cards div").all()][:2]
        assert first["y"] == second["y"]  # the statistics' figures two to a row, not one long column
        await phone.goto(url("/admin/faq"))
        cell = phone.locator("table.files td").first
        row = phone.locator("table.files tr").nth(1)
        assert (await cell.bounding_box())["width"] > 300  # a stacked row, not a squeezed column
        await expect(row).to_be_visible()
        await phone.fill("#faq-query", "包工头")
        await phone.click("form.faq-search button")
        await expect(phone.locator("#found")).to_contain_text("找到")
        wage = phone.locator("#intent-labor\\.wage")
        await expect(wage).to_contain_text(WAGE_TITLE)
        await wage.locator("summary").click()
        await expect(wage.locator(".answer strong").first).to_be_visible()
        await expect(wage).to_contain_text("审核人")
        assert await phone.evaluate("document.documentElement.scrollWidth") <= 360
        await phone.screenshot(path=str(screenshot_folder() / "admin-faq-phone.png"))
        assert complaints == []
