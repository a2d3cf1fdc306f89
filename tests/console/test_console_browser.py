"""The console in a real headless Chromium: a villager on a phone, an adviser and an admin at desks,
all against one real server, core, desk and relay (see `console_support`)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.support.browser import PHONE, chromium, screenshot_folder
from tests.support.console import PASSWORD, WAGES, site  # noqa: F401
from tests.support.console_pages import log_in, seed_two_weeks_of_questions

SCREENSHOTS = screenshot_folder()
DESK = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}
LOST_PHONE = "手机掉了咋办嘛"


async def test_a_villager_asks_for_a_human_and_is_answered_live_from_the_console(site):
    url = lambda path: str(site.server.make_url(path))  # noqa: E731
    service = site.service
    await service.call(seed_two_weeks_of_questions, service.store.db, service.conversation.faq)
    async with chromium() as browser:
        phone = await (await browser.new_context(**PHONE)).new_page()
        await phone.goto(url("/"))
        bot = phone.locator(".msg.bot")
        await expect(bot.first).to_contain_text("明白")
        for question in (LOST_PHONE, WAGES):
            await phone.fill("#text", question)
            await phone.click("#send")
            await expect(phone.locator(".msg.me .bubble").last).to_have_text(question)
        await phone.locator(".msg.bot").last.locator("button[data-action='handoff']").click()
        await expect(bot.last).to_contain_text("顾问")

        desk = await (await browser.new_context(**DESK)).new_page()
        complaints: list[str] = []  # script errors and CSP refusals would show here
        desk.on("console", lambda message: message.type == "error" and complaints.append(message.text))
        await log_in(desk, url("/adviser"), "alice")
        await expect(desk).to_have_url(url("/adviser"))
        case = desk.locator(".case-item").first
        await expect(case).to_contain_text("#1")
        await expect(case).to_contain_text("等了")
        await case.click()
        await expect(desk.locator("#context-list")).to_contain_text(WAGES)  # what the bot was asked before
        await desk.click("#claim")
        await expect(desk.locator("#case-meta")).to_contain_text("已接手")
        await desk.fill("#text", "您好，我是法律顾问。请问老板欠了多少钱、欠了多久？")
        await desk.click("#send")
        pushed = phone.locator(".msg.pushed .bubble")
        await expect(pushed.last).to_have_text("👩‍⚖️ alice：您好，我是法律顾问。请问老板欠了多少钱、欠了多久？")

        await phone.fill("#text", "欠了八千，快一年了，有欠条")
        await phone.click("#send")
        await expect(desk.locator(".event.villager").last).to_contain_text("欠了八千，快一年了，有欠条")  # no reload
        await desk.select_option("#template", index=2)
        await expect(desk.locator("#text")).not_to_have_value("")
        template_text = await desk.locator("#text").input_value()
        await desk.click("#send")
        await expect(pushed.last).to_have_text("👩‍⚖️ alice：" + template_text)
        await expect(desk.locator(".event.adviser .delivery").last).to_have_text("已送达")
        await desk.fill("#text", "村民有欠条，可走支付令")
        await desk.click("#note")
        await expect(desk.locator(".event.note").last).to_contain_text("支付令")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await desk.screenshot(path=str(SCREENSHOTS / "adviser.png"))
        # the note never reached the villager (who may also have been told that alice took the case)
        await expect(phone.locator(".msg.pushed .bubble", has_text="alice：")).to_have_count(2)

        admin = await (await browser.new_context(**DESK)).new_page()
        admin.on("console", lambda message: message.type == "error" and complaints.append(message.text))
        await log_in(admin, url("/admin"), "root")
        await expect(admin.locator("h1")).to_have_text("服务统计")
        await expect(admin.locator("svg.chart")).to_have_count(5)
        figures = (await (await admin.request.get(url("/admin/api/stats"))).json())
        await expect(admin.locator(".cards div").first).to_contain_text(str(figures["questions"]))
        await admin.screenshot(path=str(SCREENSHOTS / "admin.png"), full_page=True)

        await admin.click("text=没答上的问题")
        await expect(admin.locator(".question-group").first).to_contain_text(LOST_PHONE)
        await expect(admin.locator(".question-group .add-example").first).to_have_attribute("data-text", LOST_PHONE)

        labor = site.faq_dir / "labor.yaml"
        labor.write_text(labor.read_text(encoding="utf-8").replace("  - id: labor.wage", "  - id: Labor Wage", 1),
                         encoding="utf-8")
        await admin.click("text=问答库")
        await expect(admin.locator(".files")).to_contain_text("✗ 3 个错误")
        await admin.click("#reload")
        result = admin.locator("#reload-result")
        await expect(result).to_contain_text("重新载入被拒绝")
        await expect(result).to_contain_text("labor.yaml:6: intent id 'Labor Wage'")
        await result.scroll_into_view_if_needed()
        await admin.screenshot(path=str(SCREENSHOTS / "admin-faq.png"))
        assert "labor.wage" in service.conversation.faq  # the old FAQ is still the one answering
        assert complaints == []
