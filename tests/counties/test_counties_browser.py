"""A county's web chat page (/c/<id>/) in a real headless Chromium on a phone screen: its service name shows,
stays when the villager switches language, and a request for a person goes to that county without a question."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.support.browser import PHONE, chromium, screenshot_folder
from tests.support.counties import faq_with_counties
from tests.support.webchat import served_web_chat


@pytest.fixture
async def county_chat(tmp_path):
    async with served_web_chat(tmp_path, faq_with_counties(tmp_path / "faq")) as chat:
        yield chat.server, chat.service

async def test_a_countys_page_carries_its_name_in_both_languages_and_its_cases(county_chat):
    server, service = county_chat
    async with chromium() as browser:
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        await page.goto(str(server.make_url("/c/qianwei/")))
        header = page.locator("header h1")
        await expect(header).to_have_text("犍为县法律服务（测试）Qianwei legal service (test)")
        await expect(header).to_be_in_viewport()  # in the sticky header, not scrolled away with the welcome
        await page.screenshot(path=str(screenshot_folder() / "chat-county.png"))
        await page.click("#lang")
        await expect(page.locator("#send")).to_have_text("Send")
        await expect(header).to_have_text("犍为县法律服务（测试）Qianwei legal service (test)")
        await page.fill("#text", "/human")
        await page.click("#send")
        await expect(page.locator(".msg.bot").last).to_contain_text("adviser")
        villager = next(c["value"] for c in await context.cookies() if c["name"] == "mingbai_id")
        await context.close()
    case = await service.call(service.conversation.desk.open_case_for, f"web:{villager}")
    assert case.county == "qianwei"
