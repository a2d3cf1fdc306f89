"""Real `mingbai run` processes on one database, and the clients that talk to them as villagers and advisers do.

Several processes on one PostgreSQL database behind a load balancer must behave as one service. The tests start
each process as a county would (`python -m bot.cli run`, its own data folder and port, the same
MINGBAI_DATABASE_URL), then play the load balancer themselves: every request names the process it goes to.

- `mingbai_process` / `MingbaiProcess`: one server; `kill()` is kill -9, `stop()` is SIGTERM and a wait.
- `add_adviser`: a console account made with the real `mingbai user add`.
- `WebVillager`: what the chat page does (chat.js): one `mingbai_id` cookie, sent by hand to whichever process
  a request goes to, numbered messages, `/api/history`, the long poll and the WebSocket.
- `ConsoleAdviser`: what the adviser console does (console/adviser.py): log in, read the state, reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

import aiohttp

from tests.support import ROOT

START_SECONDS = 60  # the first start of a session fits the matcher's models (later ones read them from the cache)
STOP_SECONDS = 30
PASSWORD = "correct horse battery"
SAME_SITE = {"X-Mingbai": "1"}
#: Every test villager comes from 127.0.0.1: the per-address limits would stop the tests themselves.
NO_LIMITS = "villager=1000,address=100000,new_ids=100000"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(data_dir: Path, port: int, database_url: str | None, burst_seconds: float,
                **extra: str) -> dict[str, str]:
    """The environment of a `mingbai` command: the caller's without any MINGBAI_* or TELEGRAM_* setting, then this
    process's own data folder and port, the shipped FAQ and the shared database (SQLite in `data_dir` when None);
    `extra` adds or overrides settings (e.g. MINGBAI_WEB_LIMITS)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MINGBAI_", "TELEGRAM_"))}
    if "MINGBAI_CACHE_DIR" in os.environ:  # the session's fitted models (tests/conftest.py), not ~/.cache
        env["MINGBAI_CACHE_DIR"] = os.environ["MINGBAI_CACHE_DIR"]
    env.update({"MINGBAI_DATA_DIR": str(data_dir), "MINGBAI_FAQ_DIR": str(ROOT / "faq"),
                "MINGBAI_WEB_PORT": str(port), "MINGBAI_BURST_SECONDS": str(burst_seconds),
                "MINGBAI_WEB_LIMITS": NO_LIMITS, "PYTHONPATH": str(ROOT), **extra})
    if database_url:
        env["MINGBAI_DATABASE_URL"] = database_url
    return env


@dataclass
class MingbaiProcess:
    """One running `mingbai run`: its name in the test (A, B), data folder, port and log (stdout and stderr)."""

    name: str
    data_dir: Path
    port: int
    log_file: Path
    process: asyncio.subprocess.Process

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def log(self, lines: int = 40) -> str:
        """The end of what the process printed, for an assertion's message."""
        if not self.log_file.exists():
            return "(no output)"
        text = self.log_file.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"

    async def kill(self) -> None:
        """kill -9: no shutdown code runs, as when the machine or the OOM killer takes the process."""
        if self.running:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM, as systemd or the load balancer's host stops it, and wait for a clean exit."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except asyncio.TimeoutError:
            raise AssertionError(f"mingbai {self.name} did not exit within {STOP_SECONDS} s of SIGTERM; the last step "
                                 f"it logged is where it hangs:\n{self.log()}") from None

    async def wait_until_up(self, timeout: float = START_SECONDS) -> None:
        """Until `GET /` answers 200; an exit or a timeout is an error carrying the process's output."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if not self.running:
                    raise RuntimeError(f"mingbai {self.name} exited ({self.process.returncode}) before serving:\n"
                                       f"{self.log()}")
                with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                    async with session.get(self.base + "/", timeout=aiohttp.ClientTimeout(total=2)) as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"mingbai {self.name} did not serve GET / within {timeout:.0f} s:\n{self.log()}")


async def start_process(name: str, folder: Path, database_url: str | None, burst_seconds: float = 0,
                        port: int | None = None, **extra: str) -> MingbaiProcess:
    """Start `python -m bot.cli run` in `folder` (its data folder and working directory), on `port` (a free one
    when None); not yet waited for."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_file = folder / "mingbai.log"
    env = environment(folder, port, database_url, burst_seconds, **extra)
    with log_file.open("ab") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=folder, env=env,
                                                       stdout=log, stderr=log, start_new_session=True)
    return MingbaiProcess(name, folder, port, log_file, process)


@contextlib.asynccontextmanager
async def mingbai_processes(folder: Path, database_url: str | None, names=("A", "B"), burst_seconds: float = 0,
                            **extra: str) -> AsyncIterator[list[MingbaiProcess]]:
    """One `mingbai run` per name, each in `folder/<name>`, on one database, all serving; at exit each still running
    is stopped with SIGTERM (and killed if it does not stop)."""
    processes = []
    try:
        for name in names:
            processes.append(await start_process(name, folder / name, database_url, burst_seconds, **extra))
        await asyncio.gather(*(process.wait_until_up() for process in processes))
        yield processes
    finally:
        for process in processes:
            if process.running:
                try:
                    await process.stop()
                except asyncio.TimeoutError:
                    await process.kill()


def add_adviser(name: str, data_dir: Path, database_url: str | None, role: str = "adviser") -> None:
    """`mingbai user add NAME --role adviser` as an admin types it (the password twice), on the shared database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = environment(data_dir, 0, database_url, 0)
    # getpass reads the terminal; without one (a new session) it falls back to stdin
    done = subprocess.run([sys.executable, "-m", "bot.cli", "user", "add", name, "--role", role],
                          input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, text=True, cwd=data_dir, env=env,
                          timeout=120, start_new_session=True)
    assert done.returncode == 0, f"mingbai user add {name} failed ({done.returncode}):\n{done.stdout}{done.stderr}"


class Refusal(AssertionError):
    """A request the page would have shown as an error (status and body)."""


@dataclass
class Pushed:
    """What a page received after the fact (an adviser's message): its number and text."""

    seq: int
    text: str


@dataclass
class WebVillager:
    """One phone with the chat page open: its cookie goes to whichever process a request is sent to.

    The page numbers its messages and sends an unanswered one again under the same number; `says` does what one
    send does, `send` only starts it (for a burst typed faster than the answers come)."""

    session: aiohttp.ClientSession
    cookie: str = ""
    seq: int = 0  # the newest push seen, as the page keeps it
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    @contextlib.asynccontextmanager
    async def opened(cls) -> AsyncIterator["WebVillager"]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            yield cls(session)

    def new_id(self) -> str:
        return f"m{next(self._ids)}"

    def headers(self, **more: str) -> dict[str, str]:
        return {"Cookie": f"mingbai_id={self.cookie}", **more} if self.cookie else dict(more)

    async def open_page(self, process: MingbaiProcess) -> dict:
        """What loading the page does: GET / (which gives a new villager the cookie), the history, and /start when
        there is none (the welcome). Returns the history, or the welcome's answer for a new villager."""
        async with self.session.get(process.base + "/", headers=self.headers()) as response:
            assert response.status == 200, await response.text()
            if not self.cookie:
                self.cookie = response.cookies["mingbai_id"].value
        history = await self.history(process)
        self.seq = history["seq"]
        return history if history["messages"] else await self.says(process, "/start")

    async def post(self, process: MingbaiProcess, payload: dict) -> dict:
        async with self.session.post(process.base + "/api/message", json=payload,
                                     headers=self.headers(**SAME_SITE)) as response:
            body = await response.json()
            if response.status != 200:
                raise Refusal(f"{process.name} refused {payload}: {response.status} {body}")
            return body

    async def says(self, process: MingbaiProcess, text: str | None = None, action: str | None = None,
                   message_id: str | None = None) -> dict:
        """Send one message (typed text or a pressed button's action) and return the answer {replies, lang}."""
        payload = {"text": text} if text is not None else {"action": action}
        return await self.post(process, {**payload, "id": message_id or self.new_id()})

    def send(self, process: MingbaiProcess, text: str, message_id: str | None = None) -> tuple[str, asyncio.Task]:
        """Start sending `text` without waiting for its answer: (its id, the task that returns the answer)."""
        message_id = message_id or self.new_id()
        return message_id, asyncio.create_task(self.says(process, text, message_id=message_id))

    async def history(self, process: MingbaiProcess) -> dict:
        async with self.session.get(process.base + "/api/history", headers=self.headers()) as response:
            body = await response.json()
            assert response.status == 200, body
            return body

    async def transcript(self, process: MingbaiProcess) -> list[tuple[str, str]]:
        """The conversation as a reloaded page shows it: (who, text), "me" or "bot"."""
        return [(message["from"], message["text"]) for message in (await self.history(process))["messages"]]

    async def poll(self, process: MingbaiProcess, wait: float = 5) -> list[Pushed]:
        """One long poll, as the page's fallback makes it: pushes after the newest seen, waiting up to `wait` s."""
        url = f"{process.base}/api/poll?wait={wait}&after={self.seq}"
        async with self.session.get(url, headers=self.headers(),
                                    timeout=aiohttp.ClientTimeout(total=wait + 10)) as response:
            body = await response.json()
            assert response.status == 200, body
        return self._seen(body["messages"])

    async def poll_until(self, process: MingbaiProcess, words: str, timeout: float) -> Pushed:
        """The page's long-poll loop on `process`, until a push containing `words` arrives (within `timeout` s);
        other pushes on the way (an adviser took the case) are seen and passed."""
        deadline = time.monotonic() + timeout
        received: list[Pushed] = []
        while (left := deadline - time.monotonic()) > 0:
            received += await self.poll(process, wait=left)
            if found := next((push for push in received if words in push.text), None):
                return found
        raise AssertionError(f"no push with {words!r} on {process.name} within {timeout} s; received {received}")

    def _seen(self, messages: list[dict]) -> list[Pushed]:
        fresh = [message for message in messages if message.get("type") == "push" and message["seq"] > self.seq]
        if fresh:
            self.seq = max(message["seq"] for message in fresh)
        return [Pushed(message["seq"], message["reply"]["text"]) for message in fresh]

    @contextlib.asynccontextmanager
    async def live_page(self, process: MingbaiProcess) -> AsyncIterator["LivePage"]:
        """The page's WebSocket (/ws?after=seq) to `process`, open for the block; pushes collect in the result."""
        url = f"{process.base}/ws?after={self.seq}"
        async with self.session.ws_connect(url, headers=self.headers(Origin=process.base)) as ws:
            page = LivePage(self, ws)
            reading = asyncio.create_task(page.read())
            try:
                yield page
            finally:
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reading


@dataclass
class LivePage:
    """An open page's socket: every push it received, in order."""

    villager: WebVillager
    ws: aiohttp.ClientWebSocketResponse
    pushed: list[Pushed] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self) -> None:
        async for frame in self.ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                self.pushed += self.villager._seen([json.loads(frame.data)])
                self.arrived.set()

    async def wait_for(self, words: str, timeout: float) -> Pushed:
        """The first push containing `words`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((push for push in self.pushed if words in push.text), None)
            if found:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(f"no push with {words!r} within {timeout} s; received {self.pushed}")
            self.arrived.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), deadline - time.monotonic())


@dataclass
class ConsoleAdviser:
    """An adviser's browser on the console of one process (its `mingbai_console` cookie is valid on every process
    of the database, since sessions are stored there)."""

    session: aiohttp.ClientSession
    cookie: str = ""

    @classmethod
    @contextlib.asynccontextmanager
    async def opened(cls) -> AsyncIterator["ConsoleAdviser"]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            yield cls(session)

    def headers(self, **more: str) -> dict[str, str]:
        return {"Cookie": f"mingbai_console={self.cookie}", **more} if self.cookie else dict(more)

    async def log_in(self, process: MingbaiProcess, name: str, password: str = PASSWORD) -> None:
        async with self.session.post(process.base + "/login", json={"name": name, "password": password},
                                     headers=self.headers(**SAME_SITE)) as response:
            body = await response.json()
            assert response.status == 200, f"login on {process.name}: {response.status} {body}"
            self.cookie = response.cookies["mingbai_console"].value

    async def state(self, process: MingbaiProcess, case: int | None = None) -> dict:
        url = process.base + "/adviser/api/state" + (f"?case={case}" if case else "")
        async with self.session.get(url, headers=self.headers()) as response:
            body = await response.json()
            assert response.status == 200, f"state on {process.name}: {response.status} {body}"
            return body

    async def act(self, process: MingbaiProcess, case: int, action: str, payload: dict) -> dict:
        async with self.session.post(f"{process.base}/adviser/api/cases/{case}/{action}", json=payload,
                                     headers=self.headers(**SAME_SITE)) as response:
            body = await response.json()
            assert response.status == 200, f"{action} on {process.name}: {response.status} {body}"
            return body

    async def reply(self, process: MingbaiProcess, case: int, text: str) -> dict:
        """「接手并发送」: claim the case and send `text` to the villager."""
        return await self.act(process, case, "reply", {"text": text, "claim": True})
