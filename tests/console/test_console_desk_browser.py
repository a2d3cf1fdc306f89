"""A working day at the advisers' console, in a real headless Chromium at 1366×768 and on a 360×740 phone:
case titles, the whole conversation readable, alerts for new cases, filters and search, the team's rules
with transfer and the case log, templates by 「/」, and the phone's one-column layout (issue 15)."""

from __future__ import annotations

from playwright.async_api import expect

from bot.messages import Incoming
from tests.support.browser import chromium, screenshot_folder
from tests.support.console import PASSWORD, WAGES, WebVillager, browsers, site  # noqa: F401

SCREENSHOTS = screenshot_folder()
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}
#: Records what the page asks the browser for: desktop notifications and tones (headless Chromium plays no sound).
RECORD_ALERTS = """
window.__alerts = [];
window.Notification = class { constructor(title, options) { window.__alerts.push({kind: "notification", title,
  body: options && options.body}); }
  static requestPermission() { window.Notification.permission = "granted"; return Promise.resolve("granted"); } };
window.Notification.permission = "default";
const RealContext = window.AudioContext;
window.AudioContext = class extends RealContext { createOscillator() { const tone = super.createOscillator();
  const start = tone.start.bind(tone); tone.start = (when) => { window.__alerts.push({kind: "tone",
  frequency: tone.frequency.value}); start(when); }; return tone; } };
"""


async def log_in(page, url: str, name: str) -> None:
    await page.goto(url + "/login?next=/adviser")
    await page.fill("#name", name)
    await page.fill("#password", PASSWORD)
    await page.click("#enter")
    await expect(page.locator("#queue-panel")).to_be_visible()


async def desk(browser, url: str, name: str, size=LAPTOP, record_alerts: bool = False):
    context = await browser.new_context(**size)
    if record_alerts:
        await context.add_init_script(RECORD_ALERTS)
    page = await context.new_page()
    complaints: list[str] = []
    page.on("console", lambda message: message.type == "error" and "favicon" not in message.location.get("url", "")
            and complaints.append(message.text + " " + message.location.get("url", "")))
    page.complaints = complaints
    await log_in(page, url, name)
    return page


async def web_villager_with_a_wage_question(browsers) -> WebVillager:
    """Asks about wages, starts the legal-aid check, presses 劳动纠纷, leaves it, and asks for a person."""
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="flowstart:legal_aid_eligibility")
    await villager.says(action="flow:matter:labour")
    await villager.says(action="flow:exit")
    await villager.says("/where")
    await villager.says("我在犍为")
    await villager.says(action="handoff")
    return villager


async def test_a_case_is_titled_by_the_question_and_its_whole_conversation_reads_plainly(site, browsers):
    url = str(site.server.make_url("")).rstrip("/")
    await web_villager_with_a_wage_question(browsers)
    case = site.service.conversation.desk.case(1)
    intent_title = site.service.conversation.faq[case.intent].title.zh
    async with chromium() as browser:
        page = await desk(browser, url, "alice")
        item = page.locator(".case-item").first
        await expect(item.locator(".title")).to_have_text(f"#1 {intent_title} · {WAGES}")
        await expect(item).to_contain_text("网页")
        await expect(item).to_contain_text("犍为县")
        await expect(item).to_contain_text("等了")
        await item.click()
        context = page.locator("#context-list")
        await expect(context).to_contain_text(WAGES)
        await expect(context).to_contain_text("「劳动纠纷」")  # the label of the button pressed
        await expect(context).to_contain_text("「退出」")
        assert "[button]" not in await context.inner_text() and "**" not in await context.inner_text()
        answer = context.locator("details.answer").first
        await expect(answer).not_to_have_attribute("open", "")
        first_line = await answer.locator("summary").inner_text()
        await answer.locator("summary").click()
        assert len(await answer.inner_text()) > len(first_line)  # opened: the whole answer
        await expect(context.locator("strong").first).to_be_visible()  # bold rendered, not **
        await page.screenshot(path=str(SCREENSHOTS / "adviser-case-1366.png"))
        assert page.complaints == []


async def test_a_new_case_rings_and_notifies_and_an_urgent_one_louder(site, browsers):
    url = str(site.server.make_url("")).rstrip("/")
    async with chromium() as browser:
        page = await desk(browser, url, "alice", record_alerts=True)
        await page.click("#alerts-on")  # the adviser allows notifications
        await expect(page.locator("#alerts-on")).to_be_hidden()
        await page.evaluate("window.__alerts = []")
        villager = await (await browsers(kind=WebVillager)).start()
        await villager.says(WAGES)
        await villager.says(action="handoff")
        await expect(page.locator(".case-item")).to_have_count(1)
        alerts = await page.wait_for_function("window.__alerts.length >= 2 && window.__alerts")
        alerts = await alerts.json_value()
        assert {"kind": "tone", "frequency": 660} in alerts
        [notice] = [alert for alert in alerts if alert["kind"] == "notification"]
        assert notice["title"] == "新求助 #1" and WAGES[:10] in notice["body"]

        await page.evaluate("window.__alerts = []")
        await site.service.handle(Incoming("telegram", "99", text="我刚喝了农药"))
        await site.service.handle(Incoming("telegram", "99", text="/human"))
        await expect(page.locator(".case-item.urgent")).to_have_count(1)
        alerts = await (await page.wait_for_function(
            "window.__alerts.filter(a => a.kind === 'tone').length >= 3 && window.__alerts")).json_value()
        assert [a["frequency"] for a in alerts if a["kind"] == "tone"] == [988, 988, 988]  # three high tones
        assert any(a["kind"] == "notification" and a["title"].startswith("🆘 紧急求助") for a in alerts)
        assert page.complaints == []


async def test_unread_counts_and_an_overdue_case_stand_out(site, browsers):
    url = str(site.server.make_url("")).rstrip("/")
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(action="handoff")
    await villager.says("还在吗")
    await villager.says("有人吗")
    site.console.relay.handoff_timeout = 0  # every waiting case is past MINGBAI_HANDOFF_TIMEOUT
    async with chromium() as browser:
        page = await desk(browser, url, "alice")
        item = page.locator(".case-item").first
        await expect(item.locator(".badge.unread")).to_have_text("2 条新消息")
        await expect(item.locator(".badge.overdue")).to_have_text("超时")
        await item.click()
        await expect(page.locator(".case-item .badge.unread")).to_have_count(0)  # read once opened
        await villager.says("我再说一句")
        other = await desk(browser, url, "bob")
        await expect(other.locator(".case-item .badge.unread")).to_have_text("3 条新消息")  # bob has read none


async def test_filters_and_search_find_cases_and_a_closed_case_stays_readable(site, browsers):
    url = str(site.server.make_url("")).rstrip("/")
    first = await (await browsers(kind=WebVillager)).start()
    await first.says(WAGES)
    await first.says(action="handoff")
    await first.says("包工头姓刘，在县城")
    second = await (await browsers(kind=WebVillager)).start()
    await second.says(action="handoff")
    alice = await browsers("alice")
    await alice.act(1, "claim")
    await alice.act(1, "close", {"summary": "已告知去劳动仲裁"})
    await alice.act(2, "claim")
    async with chromium() as browser:
        page = await desk(browser, url, "alice")
        await expect(page.locator(".case-item")).to_have_count(1)  # open: only #2
        await page.click("#filters [data-filter=closed_today]")
        await expect(page.locator(".case-item")).to_have_count(1)
        await expect(page.locator(".case-item .title")).to_contain_text("#1")
        await page.click("#filters [data-filter=unassigned]")
        await expect(page.locator(".case-item")).to_have_count(0)
        await page.click("#filters [data-filter=mine]")
        await expect(page.locator(".case-item .title")).to_contain_text("#2")
        await page.click("#filters [data-filter=closed]")
        await page.fill("#search", "姓刘")
        await expect(page.locator(".case-item")).to_have_count(1)
        await page.locator(".case-item").click()
        await expect(page.locator("#events")).to_contain_text("包工头姓刘，在县城")  # closed, still readable
        await expect(page.locator("#events")).to_contain_text("结案：已告知去劳动仲裁")
        await expect(page.locator("#send")).to_be_disabled()
        await page.fill("#search", "#2")
        await page.click("#filters [data-filter=open]")
        await expect(page.locator(".case-item")).to_have_count(1)
        await expect(page.locator(".case-item .title")).to_contain_text("#2")
        await page.fill("#search", "没有这种话")
        await expect(page.locator("#queue-empty")).to_be_visible()


async def test_only_the_claimer_transfers_to_a_named_colleague_with_a_note_and_the_log_says_who(site, browsers):
    url = str(site.server.make_url("")).rstrip("/")
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="handoff")
    await site.service.call(site.console.desk.set_display_name, "web:bob", "王律师")
    async with chromium() as browser:
        alice = await desk(browser, url, "alice")
        bob = await desk(browser, url, "bob")
        await alice.locator(".case-item").first.click()
        await alice.click("#claim")
        await expect(alice.locator("#case-meta")).to_contain_text("顾问：alice")
        await bob.locator(".case-item").first.click()
        await expect(bob.locator("#case-meta")).to_contain_text("顾问：alice")
        for action in ("#claim", "#transfer", "#close"):
            await expect(bob.locator(action)).to_be_hidden()  # alice's case: bob may only add notes
        await expect(bob.locator("#send")).to_be_disabled()

        await alice.click("#transfer")
        await alice.select_option("#transfer-to", label="王律师")
        await alice.fill("#transfer-note", "村民有欠条，明天上午给他回电话")
        await alice.click("#confirm-transfer")
        log = alice.locator("#events")
        await expect(log).to_contain_text("转交给 王律师")
        await expect(log.locator(".event.note").last).to_contain_text("村民有欠条，明天上午给他回电话")
        await expect(alice.locator("#transfer")).to_be_hidden()
        await expect(bob.locator("#transfer")).to_be_visible()  # now bob's
        await expect(bob.locator("#case-meta")).to_contain_text("顾问：王律师")
        who = await log.locator(".event.system .who strong, .event.note .who strong").all_inner_texts()
        # claimed, the villager told an adviser joined (by the system), transferred, the note: each by who did it
        assert who == ["alice", "系统", "alice", "alice"]
        await bob.click("#transfer")
        await bob.select_option("#transfer-to", value="")
        await bob.click("#confirm-transfer")
        await expect(bob.locator("#events .event.system").last).to_contain_text("已转回队列")
        await expect(bob.locator("#claim")).to_be_visible()
        assert alice.complaints == bob.complaints == []


async def test_replying_before_claiming_asks_first_and_templates_come_by_slash_and_enter_sends(site, browsers):
    url = str(site.server.make_url("")).rstrip("/")
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="handoff")
    async with chromium() as browser:
        page = await desk(browser, url, "alice")
        await page.locator(".case-item").first.click()
        menu = page.locator("#template option")
        await expect(menu).to_have_count(6)
        titles = [text.split("：")[0] for text in await menu.all_inner_texts()][1:]
        assert sorted(titles) == sorted(["问候", "保存证据", "12348热线", "法律援助", "结束语"])  # not keys like evidence
        await page.fill("#text", "您好")
        await page.press("#text", "Shift+Enter")
        await page.type("#text", "我看一下")
        assert await page.locator("#text").input_value() == "您好\n我看一下"
        await page.press("#text", "Enter")
        await expect(page.locator("#claim-first")).to_be_visible()  # not claimed silently
        assert await villager.pushed(wait=0.3) == []
        await page.click("#claim-send")
        await expect(page.locator("#claim-first")).to_be_hidden()
        [reply] = await villager.pushed()
        assert reply["text"] == "👩‍⚖️ alice：您好\n我看一下"

        await page.type("#text", "/证据")
        options = page.locator("#template-menu li")
        await expect(options).to_have_count(1)
        await expect(options.first).to_contain_text("保存证据")
        await page.press("#text", "Enter")  # picks the template, does not send
        evidence = await page.locator("#text").input_value()
        assert evidence.startswith("请先把相关证据保存好")
        await page.press("#text", "Enter")
        [reply] = await villager.pushed()
        assert reply["text"] == "👩‍⚖️ alice：" + evidence
        for number in range(40):  # a long conversation: it scrolls, the actions and the reply box do not
            await site.service.call(site.console.desk.from_villager, 1, f"第{number}条：事情是这样的，" * 4)
        await expect(page.locator("#events .event.villager")).to_have_count(40)
        await expect(page.locator(".case-item .badge.unread")).to_have_count(0)  # the case on screen is read
        await expect(page.locator("#compose")).to_be_in_viewport(ratio=1)
        await expect(page.locator("#case-head > .actions")).to_be_in_viewport(ratio=1)
        await expect(page.locator("#events .event.villager").last).to_be_in_viewport()
        await page.screenshot(path=str(SCREENSHOTS / "adviser-reply-1366.png"))
        assert page.complaints == []


async def test_on_a_phone_the_list_then_the_case_then_back(site, browsers):
    url = str(site.server.make_url("")).rstrip("/")
    await web_villager_with_a_wage_question(browsers)
    async with chromium() as browser:
        page = await desk(browser, url, "alice", size=PHONE)
        await expect(page.locator("#pick")).to_be_hidden()  # no 「从左边选」 on a phone
        item = page.locator(".case-item").first
        await expect(item).to_be_visible()
        await item.click()
        await expect(page.locator("#queue-panel")).to_be_hidden()
        await expect(page.locator("#case-title")).to_contain_text("#1")
        await expect(page.locator("#compose")).to_be_in_viewport()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360  # nothing scrolls sideways
        await page.screenshot(path=str(SCREENSHOTS / "adviser-phone-360.png"))
        await page.click("#back")
        await expect(page.locator("#queue-panel")).to_be_visible()
        await expect(page.locator("#case-panel")).to_be_hidden()
        assert page.complaints == []
