"""Launch the system's Chromium for browser tests, headless and offline.

Playwright's own browser download does not work on our machines, so the tests
drive Debian's `chromium` package instead. The flags keep it from trying to
reach update and sync hosts it cannot reach (engineering notes §10). A missing
browser is an error with the fix in it, never a skipped test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from playwright.async_api import Browser, Page, async_playwright

from tests.support import ROOT

CHROMIUM = Path(os.environ.get("MINGBAI_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = "apt-get update && apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji"


def _fonts(pattern: str) -> str:
    if not shutil.which("fc-list"):
        return ""
    return subprocess.run(["fc-list", pattern, "family"], capture_output=True, text=True).stdout


def _check_prerequisites() -> None:
    if not CHROMIUM.exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM} (set MINGBAI_CHROMIUM, or run: {INSTALL_HINT})")
    if "CJK" not in _fonts(":lang=zh"):
        raise RuntimeError(f"no Chinese font installed: Chinese would render as empty boxes (run: {INSTALL_HINT})")
    if not _fonts("Noto Color Emoji").strip():  # the FAQ's buttons carry emoji (👍 🙋): boxes without it
        raise RuntimeError(f"no emoji font installed (run: {INSTALL_HINT})")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium with a fresh profile, closed afterwards."""
    _check_prerequisites()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


#: A small phone: what most villagers hold.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}


@asynccontextmanager
async def phone_page() -> AsyncIterator[Page]:
    """A page in a fresh Chromium on the PHONE screen, closed afterwards."""
    async with chromium() as browser:
        context = await browser.new_context(**PHONE)
        try:
            yield await context.new_page()
        finally:
            await context.close()


def screenshot_folder() -> Path:
    """Where browser tests save their screenshots: docs/screenshots/ when MINGBAI_SCREENSHOTS=1
    (to refresh the README's pictures), otherwise a scratch folder, so a test run leaves the tree clean."""
    if os.environ.get("MINGBAI_SCREENSHOTS") == "1":
        folder = ROOT / "docs" / "screenshots"
    else:
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / "mingbai-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
