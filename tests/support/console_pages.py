"""The console's pages as the browser tests use them: an adviser logging in, and earlier days' questions for the
charts to draw."""

from __future__ import annotations

import random
import time

from playwright.async_api import expect

from tests.support.console import PASSWORD


def seed_two_weeks_of_questions(db, faq) -> None:
    """Earlier days' questions, so the charts have a history to draw (the store only writes 'now')."""
    chooser = random.Random(7)
    intents = ["labor.wage", "fraud.scammed", "family.divorce", "civil.debt", "dispute.land"]
    rows = []
    for days_ago in range(1, 14):
        for _ in range(chooser.randint(3, 12)):
            decision = chooser.choice(["answer"] * 6 + ["clarify", "fallback"])
            rows.append({"user_key": "web:seed", "direction": "in", "text": "（示例）", "decision": decision,
                         "intent": chooser.choice(intents) if decision == "answer" else None,
                         "created_at": time.time() - days_ago * 86400})
    with db.transaction():
        for row in rows:
            db.insert("messages", row)


async def log_in(page, url: str, name: str) -> None:
    await page.goto(url)
    await expect(page.locator("h1")).to_contain_text("登录")
    await page.fill("#name", name)
    await page.fill("#password", PASSWORD)
    await page.click("#enter")
