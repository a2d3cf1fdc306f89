"""The chat page's own controls on a 360×740 phone in real headless Chromium, against a real server and core:
the favicon (and no failed request on the page), 「大字」 large type remembered across a reload, and the screen
cleared after the villager deletes their data."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.support.browser import phone_page, screenshot_folder
from tests.support.database import count_rows
from tests.support.webchat import served_web_chat

WAGES = "包工头跑了，工钱一直不给咋个办"


@pytest.fixture
async def server(tmp_path):
    async with served_web_chat(tmp_path) as chat:
        yield chat.server, chat.service

@pytest.fixture
async def page(server):
    async with phone_page() as page:
        yield page

async def opened(page, server) -> None:
    await page.goto(str(server[0].make_url("/")))
    await expect(page.locator(".msg.bot").first).to_contain_text("明白")


async def ask(page, text: str) -> None:
    await page.fill("#text", text)
    await page.click("#send")


async def test_the_page_has_a_favicon_and_no_request_fails(server, page):
    failed, errors = [], []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    await opened(page, server)
    await page.wait_for_timeout(500)  # the browser asks for the icon after the page
    href = await page.locator("link[rel=icon]").get_attribute("href")
    icon = await page.request.get(str(server[0].make_url(href)))
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert (await icon.text()).startswith("<svg")
    fallback = await page.request.get(str(server[0].make_url("/favicon.ico")))  # what browsers ask every page for
    assert fallback.status == 200 and fallback.headers["content-type"].startswith("image/svg+xml")
    assert not failed and not errors, (failed, errors)


def font_px(page, selector: str):
    return page.locator(selector).first.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)")


async def test_large_type_makes_text_and_buttons_larger_and_is_remembered(server, page):
    await opened(page, server)
    await ask(page, WAGES)
    await expect(page.locator(".msg.bot").last).to_contain_text("工资被拖欠")
    toggle = page.locator("header #big")
    await expect(toggle).to_be_visible()
    assert await toggle.text_content() == "大字" and await toggle.get_attribute("aria-pressed") == "false"
    before = (await font_px(page, ".msg.bot .bubble p"), await font_px(page, ".msg.bot .buttons button"))
    height = (await page.locator(".msg.bot .buttons button").first.bounding_box())["height"]

    await toggle.click()
    after = (await font_px(page, ".msg.bot .bubble p"), await font_px(page, ".msg.bot .buttons button"))
    assert after[0] >= before[0] * 1.3 and after[1] >= before[1] * 1.2, (before, after)
    assert after[0] >= 24
    assert (await page.locator(".msg.bot .buttons button").first.bounding_box())["height"] > height * 1.15
    assert await toggle.get_attribute("aria-pressed") == "true"

    await page.reload()  # remembered on this phone
    await expect(page.locator(".msg.bot").last).to_contain_text("工资被拖欠")
    assert await font_px(page, ".msg.bot .bubble p") == after[0]
    await page.locator("header #big").click()  # and pressed again, back to normal, also remembered
    await page.reload()
    await expect(page.locator(".msg.bot").last).to_contain_text("工资被拖欠")
    assert await font_px(page, ".msg.bot .bubble p") == before[0]


async def test_after_deleting_their_data_the_screen_is_cleared_and_says_so(server, page):
    _, service = server
    await opened(page, server)
    await ask(page, WAGES)
    await expect(page.locator(".msg.bot").last).to_contain_text("工资被拖欠")
    await ask(page, "/forget")
    await page.locator(".msg.bot").last.locator("button", has_text="确定删除").click()
    log = page.locator("#log")
    await expect(log).to_contain_text("已删除您的全部记录")
    await expect(log).to_contain_text("这个页面上的对话也清空了")
    text = await log.inner_text()
    assert "包工头跑了" not in text and "工资被拖欠" not in text and "/forget" not in text
    assert count_rows(service.store.path, "users") == 0

    await page.reload()  # and nothing comes back
    await expect(page.locator(".msg.bot").first).to_contain_text("明白")
    assert "包工头跑了" not in await log.inner_text()


async def test_the_reply_box_is_one_line_grows_with_a_long_question_and_shrinks_after_sending(server, page):
    await opened(page, server)
    box = page.locator("#text")
    one_line = (await box.bounding_box())["height"]
    await box.fill("")
    await box.press_sequentially("我在工地上干了大半年，结账的时候老板说没得钱，喊我们等，现在人都找不到了，这个钱找哪个要")
    assert (await box.bounding_box())["height"] > one_line * 1.5  # the villager sees what they wrote
    await page.click("#send")
    await expect(page.locator(".msg.me .state").last).to_have_text("已送达")
    assert (await box.bounding_box())["height"] == one_line


async def test_the_110_call_stays_on_screen_when_the_safety_note_has_scrolled_away(server, page):
    await opened(page, server)
    for question in (WAGES, "老板不给工资我可以去哪里投诉", "打工受伤了老板不管咋办"):
        await ask(page, question)
        await expect(page.locator(".msg.me .state").last).to_have_text("已送达")
    await page.locator(".msg.bot").last.scroll_into_view_if_needed()
    await expect(page.locator("#note")).not_to_be_in_viewport()  # the welcome's 110 line is gone by now
    call = page.locator("header #sos")
    await expect(call).to_be_in_viewport()
    assert await call.get_attribute("href") == "tel:110"
    assert await call.get_attribute("aria-label") == "遇到危险请马上打110"
    box, header = await call.bounding_box(), await page.locator("header").bounding_box()
    assert box["x"] + box["width"] <= 360 and box["height"] >= 40  # on the phone's screen, a thumb's size
    await expect(page.locator("header h1")).to_be_visible()
    await page.screenshot(path=str(screenshot_folder() / "chat-sos.png"))
    assert header["y"] == 0
