"""The admins' learning loop on the unanswered page, in a real Chromium (1366×768 and a 360×740 phone) against
the real server: 「加为例句」 writes one line into the intent's YAML file, keeping everything else as it was,
and the reload takes it; an example that would break the FAQ is refused with file:line; 「忽略」 and
「需要新问答」; the log of who did what."""

from __future__ import annotations

import difflib
import re

from playwright.async_api import expect

from bot.console.learning import ExampleRefused, insert_example
from bot.messages import Incoming
from tests.support import ROOT
from tests.support.browser import chromium, screenshot_folder
from tests.support.console import PASSWORD, browsers, site  # noqa: F401

SCREENSHOTS = screenshot_folder()
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}
QUESTION = "包工头卷起铺盖走人了，我们的血汗钱咋个整"
WEATHER = "明天下雨不"


def test_an_example_is_one_new_line_at_the_lists_indentation_and_nothing_else_changes():
    labor = (ROOT / "faq" / "labor.yaml").read_text(encoding="utf-8")
    new, line = insert_example(labor, 6, "工钱: 老板说下个月 #再给", "labor.yaml")
    added = [change for change in difflib.ndiff(labor.splitlines(), new.splitlines()) if change[:2] in ("+ ", "- ")]
    assert added == ['+         - "工钱: 老板说下个月 #再给"']  # quoted: a colon or # must not change its meaning
    assert new.splitlines()[line - 1] == '        - "工钱: 老板说下个月 #再给"'
    previous = new.splitlines()[line - 2]
    assert previous.startswith("        - ") and previous[10:] in labor  # right after the last example
    try:
        insert_example(labor, 7, "随便", "labor.yaml")  # line 7 is a title, not the start of an intent
    except ExampleRefused as refused:
        assert refused.problems[0].startswith("labor.yaml:7: ")
    else:
        raise AssertionError("an example was inserted at a line that does not start an intent")


async def unanswered(site, text: str, villager: str) -> None:
    """A villager greets the bot, then asks `text`, which the bot could not answer (as the core records it)."""
    store, key = site.service.store, f"test:{villager}"
    await site.service.handle(Incoming("test", villager, text="你好"))
    await site.service.call(store.record_unanswered, key, text, "labor.wage", 0.31, "fallback")
    await site.service.call(store.log_message, key, "in", text)


async def open_unanswered(browser, url: str, size=LAPTOP):
    page = await (await browser.new_context(**size)).new_page()
    complaints: list[str] = []
    page.on("console", lambda message: message.type == "error" and "favicon" not in message.location.get("url", "")
            and complaints.append(message.text))
    page.complaints = complaints
    await page.goto(url + "/login?next=/admin/unanswered")
    await page.fill("#name", "root")
    await page.fill("#password", PASSWORD)
    await page.click("#enter")
    await expect(page.locator("h1")).to_have_text("没答上的问题")
    return page


async def test_add_as_example_writes_the_intents_file_and_the_reloaded_bot_answers(site):
    url = str(site.server.make_url("")).rstrip("/")
    await unanswered(site, QUESTION, "v1")
    labor = site.faq_dir / "labor.yaml"
    before = labor.read_text(encoding="utf-8")
    async with chromium() as browser:
        page = await open_unanswered(browser, url)
        group = page.locator(".question-group", has_text=QUESTION)
        await expect(group.locator("details.context")).to_contain_text("村民：你好")  # the conversation before it
        await group.locator("select.intent-choice").select_option("labor.wage")
        await group.locator(f".add-example[data-text='{QUESTION}']").click()
        await expect(group.locator(".result")).to_contain_text("已加为例句：labor.yaml 第", timeout=60_000)
        await expect(group.locator(".result")).to_contain_text("问答库已重新载入")
        await page.screenshot(path=str(SCREENSHOTS / "admin-unanswered-1366.png"), full_page=True)
        after = labor.read_text(encoding="utf-8")
        changes = [c for c in difflib.ndiff(before.splitlines(), after.splitlines()) if c[:2] in ("+ ", "- ")]
        assert changes == [f"+         - {QUESTION}"]  # the comments and layout are the admin's, untouched
        assert QUESTION in site.service.conversation.faq["labor.wage"].examples["zh"]  # reloaded
        outcome = await site.service.handle(Incoming("test", "v2", text=QUESTION))
        assert outcome.replies[0].text.startswith("工资被拖欠")
        await page.reload()
        await expect(page.locator(".question-group", has_text=QUESTION)).to_have_count(0)  # handled
        await expect(page.locator(".review-log")).to_contain_text(f"root 把「{QUESTION}」加为「工资被拖欠")
        assert page.complaints == []


async def test_an_example_that_would_break_the_faq_is_refused_with_file_and_line_and_nothing_is_written(site):
    url = str(site.server.make_url("")).rstrip("/")
    taken = site.service.conversation.faq["labor.wage"].examples["zh"][0]  # already labor.wage's
    await unanswered(site, taken, "v1")
    family = sorted(site.faq_dir.glob("family.yaml"))[0]
    before = family.read_text(encoding="utf-8")
    family_intent = next(i for i in site.service.conversation.faq.intents.values() if i.group == "family")
    async with chromium() as browser:
        page = await open_unanswered(browser, url, size=PHONE)
        group = page.locator(".question-group", has_text=taken)
        await group.locator("select.intent-choice").select_option(family_intent.id)
        await group.locator(".add-example").first.click()
        result = group.locator(".result.problem")
        await expect(result).to_contain_text("问答库就通不过检查，所以没有写入", timeout=60_000)
        await expect(result).to_contain_text("is also an example of")
        said = await result.inner_text()
        assert "labor.yaml:6: " in said and "family.yaml:" in said and "/tmp" not in said  # file:line, the admin's
        # each problem in Chinese first, the loader's English after it: labor.yaml:6: 同一句例句…（… is also an example of …）
        assert re.search(r"labor\.yaml:6: 同一句例句只能写在一个问题下面[^（\n]*（[^）\n]*is also an example of", said), said
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360  # the admin page fits a phone
        await page.screenshot(path=str(SCREENSHOTS / "admin-unanswered-refused-360.png"), full_page=True)
        assert page.complaints == []
    assert family.read_text(encoding="utf-8") == before
    assert taken not in site.service.conversation.faq[family_intent.id].examples["zh"]


async def test_ignore_and_needs_a_new_answer_take_questions_off_the_list_and_are_logged(site):
    url = str(site.server.make_url("")).rstrip("/")
    await unanswered(site, WEATHER, "v1")
    await unanswered(site, "村里修路占了我家的地，补偿标准是好多", "v2")
    async with chromium() as browser:
        page = await open_unanswered(browser, url)
        await page.locator(".question-group", has_text=WEATHER).locator(".review[data-action=ignored]").click()
        await expect(page.locator(".question-group", has_text=WEATHER)).to_have_count(0)
        road = page.locator(".question-group", has_text="修路")
        await road.locator(".review[data-action=new_intent]").click()
        await expect(page.locator("h2", has_text="等着写新问答的问题")).to_be_visible()
        await expect(page.locator(".question-group", has_text="修路").locator(".review")).to_have_count(0)
        log = page.locator(".review-log")
        await expect(log).to_contain_text("root 忽略了 1 个问题")
        await expect(log).to_contain_text("root 标记 1 个问题需要新问答")
        assert page.complaints == []
