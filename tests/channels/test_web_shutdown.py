"""Stopping the server (SIGTERM, as systemd does) does not wait for phones: a villager's long poll is answered at
once, the process exits cleanly and says each step of its shutdown in its log. A real `mingbai run` on SQLite."""

from __future__ import annotations

import asyncio

from tests.support.processes import WebVillager, start_process

POLL_WAIT = 25  # the page's longest poll (routes.MAX_POLL_WAIT): a shutdown that waited for it would take this long


async def test_sigterm_answers_a_waiting_long_poll_and_exits_cleanly(tmp_path):
    server = await start_process("A", tmp_path / "A", None)
    try:
        await server.wait_until_up()
        async with WebVillager.opened() as villager:
            await villager.open_page(server)
            polling = asyncio.create_task(villager.poll(server, wait=POLL_WAIT))
            await asyncio.sleep(1)  # the poll is waiting on the server
            stopping = asyncio.create_task(server.stop())
            pushed = await asyncio.wait_for(polling, POLL_WAIT / 2)
            assert pushed == [], "the poll ends empty: nothing was pushed, the page simply asks again"
            assert await stopping == 0
        log = server.log()
        assert "stopping: the web server" in log and log.rstrip().endswith("stopped"), log
    finally:
        await server.kill()
