"""The wheel a bureau would install carries everything `mingbai run` serves (the pages and their scripts)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from tests.support import ROOT


def _clean_source(into):
    """The project's files as a fresh clone has them: no egg-info or build folder left by an editable install."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name)
    return into


def test_the_wheel_holds_the_chat_page_and_the_console(tmp_path):
    source = _clean_source(tmp_path / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("mingbai-*.whl")
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    # Serve "/" from the unpacked wheel alone (not the checkout): the page the villager opens must be there.
    script = (
        "import asyncio, aiohttp\n"
        "from aiohttp import web\n"
        "from aiohttp.test_utils import TestServer\n"
        "from types import SimpleNamespace\n"
        "import bot.channels.webchat.routes as routes\n"
        "from bot.content.site import Site\n"
        "assert 'site' in routes.__file__, routes.__file__\n"
        "async def main():\n"
        "    app = web.Application()\n"
        "    routes.add_routes(app, SimpleNamespace(service=SimpleNamespace(site=Site())))  # the page needs no core\n"
        "    server = TestServer(app)\n"
        "    await server.start_server()\n"
        "    async with aiohttp.ClientSession() as session:\n"
        "        async with session.get(server.make_url('/')) as page:\n"
        "            body = await page.text()\n"
        "        async with session.get(server.make_url('/static/chat.js')) as script:\n"
        "            print(page.status, script.status, '明白' in body)\n"
        "    await server.close()\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"})
    assert result.stdout.split() == ["200", "200", "True"], result.stderr
    names = zipfile.ZipFile(wheel).namelist()
    for page in ("bot/console/static/adviser.html", "bot/console/static/login.html", "bot/channels/webchat/static/chat.css"):
        assert page in names
