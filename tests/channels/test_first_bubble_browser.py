"""The first answer bubble fits one 360×740 phone screen with its buttons, for every intent (issue 14).

Real headless Chromium against a real server and core: each intent's first example from the loaded FAQ is
asked by a new villager, and the first answer (bubble and buttons) must lie wholly between the sticky header
and the reply box once the page has scrolled to it, as the villager sees it without scrolling."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.support.browser import PHONE, chromium
from tests.support.webchat import served_web_chat

pytestmark = pytest.mark.timeout(400)  # 42 questions, each from a new villager


@pytest.fixture
async def server(tmp_path):
    async with served_web_chat(tmp_path, MINGBAI_OFFICE_HOURS="Mon-Sun 00:00-23:59") as chat:
        yield chat.server

async def first_answer_box(browser, url: str, question: str, opening: str) -> dict:
    """Ask `question` as a new villager; the box of the answer that starts with `opening` (an urgent question's
    answer comes after the danger notice), scrolled to as the page scrolls to an answer, the visible chat area
    between the sticky header and the reply box, and whether that answer was found."""
    context = await browser.new_context(**PHONE)
    try:
        page = await context.new_page()
        await page.goto(url)
        await expect(page.locator(".msg.bot").first).to_contain_text("明白")
        await page.fill("#text", question)
        await page.click("#send")
        await expect(page.locator(".msg.me .state")).to_have_text("已送达")
        return await page.evaluate("""(opening) => {
            // the answer that starts with the intent's first bubble, else (a case opening) the first reply
            const replies = Array.from(document.querySelectorAll(".msg.me ~ .msg.bot"));
            const node = replies.find((reply) => reply.innerText.includes(opening)) || replies[0];
            node.scrollIntoView({block: "start"});
            const box = node.getBoundingClientRect();
            const top = document.querySelector('header').getBoundingClientRect().bottom;
            const bottom = document.querySelector('#ask').getBoundingClientRect().top;
            return {top: box.top, bottom: box.bottom, free_top: top, free_bottom: bottom,
                    answered: node.innerText.includes(opening)};
        }""", opening)
    finally:
        await context.close()


async def test_every_intents_first_bubble_and_its_buttons_fit_one_phone_screen(server, shipped_faq):
    url = str(server.make_url("/"))
    misfits, asked = [], 0
    async with chromium() as browser:
        for intent in shipped_faq:
            question = intent.examples["zh"][0]
            opening = intent.first_bubble("zh").replace("**", "").split("\n")[0][:12]
            box = await first_answer_box(browser, url, question, opening)
            asked += 1
            # the intent's own answer, except where asking opens a case at once (its reply says so instead)
            assert box["answered"] or intent.handoff == "start", f"{intent.id}: 「{question}」 got another answer"
            height, free = box["bottom"] - box["top"], box["free_bottom"] - box["free_top"]
            if box["top"] < box["free_top"] - 0.5 or box["bottom"] > box["free_bottom"] + 0.5:
                misfits.append(f"{intent.id}: {height:.0f} px in {free:.0f} px")
    assert asked == len(shipped_faq) >= 38
    assert not misfits, f"{len(misfits)} of {asked} first answers do not fit one 360×740 screen:\n" + "\n".join(misfits)
