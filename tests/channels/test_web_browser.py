"""The chat page in a real headless Chromium on a 360-pixel phone screen, against a real server and core."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from bot.channels.webchat.chat import WEB_CHAT
from bot.messages import Reply
from tests.support.browser import phone_page, screenshot_folder
from tests.support.webchat import served_web_chat

WAGES = "包工头跑了，工钱一直不给咋个办"
SCREENSHOT = screenshot_folder() / "chat.png"


@pytest.fixture
async def server(tmp_path):
    async with served_web_chat(tmp_path) as chat:
        yield chat.server

@pytest.fixture
async def phone(server):
    async with phone_page() as page:
        yield page

async def villager_id(page) -> str:
    return next(c["value"] for c in await page.context.cookies() if c["name"] == "mingbai_id")


async def test_a_villager_asks_presses_a_button_reloads_and_switches_to_english(server, phone, shipped_faq):
    page = phone
    await page.goto(str(server.make_url("/")))
    bot = page.locator(".msg.bot")
    await expect(bot.first).to_contain_text("明白")  # the welcome, sent for a new villager

    await page.fill("#text", WAGES)
    await page.click("#send")
    await expect(page.locator(".msg.me .bubble").last).to_have_text(WAGES)
    await expect(bot.last.locator("strong", has_text="12333")).to_be_visible()  # the FAQ's **bold**
    assert "**" not in await bot.last.inner_text()
    call = bot.last.locator("a.call", has_text="12333").first  # a hotline is one tap from a call
    assert await call.get_attribute("href") == "tel:12333"
    follow = bot.last.locator("button[data-action^='intent:']").first
    await expect(follow).to_be_hidden()  # the related questions wait behind 「相关问题」, so the answer fits
    await bot.last.locator("button", has_text="相关问题").click()
    label, action = await follow.text_content(), await follow.get_attribute("data-action")
    await follow.click()
    await expect(page.locator(".msg.me .bubble").last).to_have_text(label)
    expected = shipped_faq[action.split(":", 1)[1]].short.zh.strip().replace("**", "")[:20]
    await expect(bot.last.locator(".bubble")).to_contain_text(expected)

    # Readable on a 360 px phone: nothing wider than the screen, large type, buttons as wide as the bubble.
    layout = await page.evaluate("""() => ({
        width: document.documentElement.scrollWidth,
        font: parseFloat(getComputedStyle(document.querySelector('.msg.bot .bubble')).fontSize),
        button: Math.max(...[...document.querySelectorAll('.buttons button')].map(b => b.getBoundingClientRect().width)),
        bubble: document.querySelector('.msg.bot .bubble').getBoundingClientRect().width })""")
    assert layout["width"] <= 360 and layout["font"] >= 18
    assert layout["button"] >= layout["bubble"] - 2 and layout["bubble"] > 300

    await page.reload()
    await expect(page.locator(".msg.me .bubble").first).to_have_text(WAGES)
    await expect(page.locator(".msg.me .bubble").last).to_have_text(label)
    await expect(bot.last.locator(".bubble")).to_contain_text(expected)
    await expect(bot).to_have_count(3)  # the welcome and two answers, not a second welcome
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.locator(".msg.me .bubble").first.evaluate("node => node.scrollIntoView({block: 'start'})")
    await page.screenshot(path=str(SCREENSHOT))
    await page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    await page.screenshot(path=str(SCREENSHOT.with_name("chat-buttons.png")))

    await expect(page.locator("#send")).to_have_text("发送")
    await page.click("#lang")
    await expect(page.locator("#send")).to_have_text("Send")
    await expect(page.locator("h1")).to_have_text("Mingbai · legal helper")
    await expect(page.locator("#text")).to_have_attribute("placeholder", "Type your question here…")
    await expect(bot.last).to_contain_text("English")
    await page.reload()
    await expect(page.locator("#lang")).to_have_text("中文")  # the choice survives a reload
    await expect(page.locator("#send")).to_have_text("Send")


async def test_an_advisers_message_arrives_live_and_shows_as_text(server, phone):
    page = phone
    await page.goto(str(server.make_url("/")))
    await expect(page.locator(".msg.bot").first).to_contain_text("明白")
    await page.wait_for_function("() => document.querySelector('#status').hidden")
    await page.wait_for_timeout(300)  # the socket opens after the welcome
    hostile = "顾问：<img src=x onerror=\"document.title='hacked'\">\n明天上午打电话给您"
    await server.app[WEB_CHAT].push(await villager_id(page), Reply(hostile))
    pushed = page.locator(".msg.pushed .bubble")
    await expect(pushed).to_have_text(hostile)
    assert await page.locator(".msg.pushed img").count() == 0
    assert (await pushed.inner_text()).splitlines()[-1] == "明天上午打电话给您"  # line breaks kept


async def test_without_websockets_the_page_falls_back_to_polling(server, phone):
    page = phone
    await page.route_web_socket("**/ws*", lambda socket: socket.close())  # a proxy that blocks WebSockets
    await page.goto(str(server.make_url("/")))
    await expect(page.locator(".msg.bot").first).to_contain_text("明白")
    await expect(page.locator("#status")).to_contain_text("重新连接")
    await page.wait_for_timeout(3500)  # two failed attempts, then polling starts
    await server.app[WEB_CHAT].push(await villager_id(page), Reply("顾问：收到您的情况了。"))
    await expect(page.locator(".msg.pushed .bubble")).to_have_text("顾问：收到您的情况了。", timeout=10_000)
    await page.fill("#text", WAGES)  # sending still works, over plain HTTP
    await page.click("#send")
    await expect(page.locator(".msg.bot").last).to_contain_text("12333")
