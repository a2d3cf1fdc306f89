"""The villager's page on a 360×740 phone in real headless Chromium, against a real server, core and relay:
快速离开, a burst of fragments answered once with 已送达 on each, a person from inside the deadline prompt,
stale buttons (and every reply of an answer shown), the adviser-joined notice, no commands."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from bot.settings import Settings
from tests.support.browser import phone_page, screenshot_folder
from tests.support.webchat import served_web_chat

WAGES = "包工头跑了，工钱一直不给咋个办"
NEUTRAL = "https://www.baidu.com/"


@pytest.fixture
async def world(tmp_path):
    async with served_web_chat(tmp_path, with_relay=True, MINGBAI_BURST_SECONDS="1.5",
                               MINGBAI_OFFICE_HOURS="Mon-Sun 00:00-23:59") as chat:
        yield chat.server, chat.service, chat.relay

@pytest.fixture
async def page(world):
    async with phone_page() as page:
        await page.route("https://www.baidu.com/**", lambda route: route.fulfill(
            body="<html><title>百度一下</title><body>天气</body></html>", content_type="text/html"))
        yield page


async def opened(page, world) -> None:
    await page.goto(str(world[0].make_url("/")))
    await expect(page.locator(".msg.bot").first).to_contain_text("明白")
    await page.wait_for_function("() => document.querySelector('#status').hidden")


async def ask(page, text: str) -> None:
    await page.fill("#text", text)
    await page.click("#send")


async def test_quick_exit_leaves_at_once_and_a_reopened_page_shows_nothing_but_how_to_delete(world, page):
    server, service, _ = world
    await opened(page, world)
    await ask(page, "他又打我了，我想带娃儿走")
    await expect(page.locator(".msg.bot").last).to_contain_text("110")
    await expect(page.locator("#leave")).to_be_visible()
    assert (await page.locator("#leave").bounding_box())["y"] < 60  # in the header, one tap at the top
    await page.click("#leave")
    await page.wait_for_url(NEUTRAL)
    await page.go_back()
    assert "127.0.0.1" not in page.url  # Back does not bring the chat back

    await page.goto(str(server.make_url("/")))
    notice = page.locator(".msg.system", has_text="已经从这个页面上拿掉了")
    await expect(notice).to_be_visible()
    assert "带娃儿走" not in await page.locator("#log").inner_text()
    [key] = service.store.db.values("select key from users")
    assert any("带娃儿走" in row["text"] for row in service.store.transcript(key))  # still stored for advisers
    await page.screenshot(path=str(screenshot_folder() / "chat-quick-exit.png"))

    await notice.locator("button", has_text="删除我的全部记录").click()
    await page.locator(".msg.bot").last.locator("button", has_text="确定删除").click()
    await expect(page.locator(".msg.bot").last).to_contain_text("已删除")
    assert not any("带娃儿走" in row["text"] for row in service.store.transcript(key))


async def test_fragments_typed_fast_get_one_answer_and_each_says_delivered(world, page):
    await opened(page, world)
    for text in ("老板", "跑了", "欠我工钱", "咋办"):
        await ask(page, text)
        await page.wait_for_timeout(200)
    mine = page.locator(".msg.me")
    await expect(mine.nth(3).locator(".state")).to_have_text("发送中…")  # the last piece waits for more
    await expect(page.locator(".msg.bot").last).to_contain_text("工资被拖欠", timeout=10_000)
    await page.wait_for_timeout(2000)  # room for a second answer to show
    assert await page.locator(".msg.bot").count() == 2  # the welcome and one answer
    for n in range(4):
        await expect(mine.nth(n).locator(".state")).to_have_text("已送达")


async def test_asking_for_a_person_inside_the_deadline_prompt_reaches_a_person(world, page):
    server, service, _ = world
    await opened(page, world)
    await ask(page, WAGES)
    await page.locator(".msg.bot").last.locator("button", has_text="算一算").click()
    await expect(page.locator(".msg.bot").last).to_contain_text("可以这样写")
    await ask(page, "算了，我想找个真人问问")
    await expect(page.locator(".msg.bot").last).to_contain_text("人工")
    assert len(service.conversation.desk.queue()) == 1


async def test_an_old_button_says_it_expired_and_nothing_names_a_command(world, page):
    await opened(page, world)
    await ask(page, "钱")
    await expect(page.locator(".msg.bot").last).to_contain_text("您是想问")
    old_none = page.locator(".msg.bot").nth(await page.locator(".msg.bot").count() - 1).locator("button", has_text="都不是")
    await ask(page, WAGES)
    await expect(page.locator(".msg.me").last.locator(".state")).to_have_text("已送达")
    await expect(page.locator(".msg.bot").last).to_contain_text("工资被拖欠，可以投诉")
    await old_none.click()
    await expect(page.locator(".msg.bot").last).to_contain_text("已经过期")
    await ask(page, "/help")
    await expect(page.locator(".msg.bot").last).to_contain_text("怎么用")
    text = await page.locator("#log").inner_text()
    assert "/topics" not in text and "/human" not in text and "/cancel" not in text
    await page.locator(".msg.bot").last.locator("button", has_text="我们保存什么").click()
    await expect(page.locator(".msg.bot").last).to_contain_text("180天后自动删除")


async def test_the_villager_sees_which_adviser_took_the_case(world, page):
    _, service, relay = world
    await opened(page, world)
    await ask(page, WAGES)
    await expect(page.locator(".msg.bot").last).to_contain_text("工资被拖欠")
    await page.locator(".msg.bot").last.locator("button", has_text="找人工").click()
    await expect(page.locator(".msg.bot").last).to_contain_text("您排在第1位")
    labels = await page.locator(".msg.bot").nth(1).locator("button").all_text_contents()
    assert sum("真人" in label or "人工" in label for label in labels) == 1  # one way to a person
    desk = service.conversation.desk
    [case] = desk.queue()
    await service.call(desk.set_display_name, "zhang", "王律师")
    await service.call(desk.claim, case.id, "zhang")
    await relay.run_once()
    await relay.run_once()
    await expect(page.locator(".msg.pushed").last).to_have_text("👩‍⚖️ 王律师已经接手您的问题，会在这里回复您。")


def test_the_quick_exit_address_is_a_setting_checked_at_start():
    assert Settings.from_env({"MINGBAI_QUICK_EXIT_URL": "https://weather.example.cn/"}).quick_exit_url == \
        "https://weather.example.cn/"
    with pytest.raises(ValueError, match="MINGBAI_QUICK_EXIT_URL"):
        Settings.from_env({"MINGBAI_QUICK_EXIT_URL": "javascript:alert(1)"})
