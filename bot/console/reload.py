"""Swapping in edited FAQ files while the bot keeps answering: from the admin page, SIGHUP or a file watcher.

Every trigger ends in `FaqReloader.reload`, which lets `ChatService.reload_faq`
decide: the new files are used only when every one of them validates,
otherwise the old FAQ keeps serving. The last attempt, good or bad, is kept so
the admin page can show what happened even when the watcher or a signal
started it. `mingbai faq reload` checks the files itself, then asks the
running server by SIGHUP, found through a pid file in the data folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from intents.faq_loader import Problem

if TYPE_CHECKING:
    from bot.core.service import ChatService

log = logging.getLogger(__name__)
PID_FILE = "mingbai.pid"
WATCHED = (".yaml", ".yml", ".txt")


@dataclass(frozen=True)
class Attempt:
    at: float
    source: str  # "管理页面", "SIGHUP", "文件变动"
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class FaqReloader:
    service: "ChatService"
    faq_dir: Path
    loaded_at: float = field(default_factory=time.time)
    last: Attempt | None = None

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()
        self._seen = self._snapshot()  # the files as the FAQ was loaded; the watcher compares with this

    async def reload(self, source: str) -> Attempt:
        """One reload at a time; the advisers' templates are part of the files and swap in with the rest."""
        async with self._lock:
            attempt = Attempt(time.time(), source, tuple(await self.service.reload_faq()))
            if attempt.ok:
                self.loaded_at = attempt.at
            else:
                log.warning("FAQ reload (%s) refused: %d error(s)", source, len(attempt.errors))
            self.last = attempt
            return attempt

    def _snapshot(self) -> dict[str, tuple[int, int]]:
        found = {}
        for path in self.faq_dir.rglob("*"):
            if path.suffix in WATCHED and path.is_file():
                with contextlib.suppress(OSError):
                    stat = path.stat()
                    found[str(path)] = (stat.st_mtime_ns, stat.st_size)
        return found

    async def watch(self, interval: float) -> None:
        """Reload after the files change and then stay unchanged for one interval (an editor's save settles)."""
        while True:
            await asyncio.sleep(interval)
            now = self._snapshot()
            if now == self._seen:
                continue
            await asyncio.sleep(interval)
            settled = self._snapshot()
            if settled != now:
                continue
            self._seen = settled
            await self.reload("文件变动")

    @contextlib.asynccontextmanager
    async def triggers(self, watch_seconds: float | None, pid_file: Path | None):
        """While the server runs: the watcher, SIGHUP, and the pid file `mingbai faq reload` reads."""
        tasks: set[asyncio.Task] = set()
        if watch_seconds:
            tasks.add(asyncio.create_task(self.watch(watch_seconds), name="faq-watcher"))
        loop = asyncio.get_running_loop()

        def on_sighup() -> None:
            task = asyncio.create_task(self.reload("SIGHUP"))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        listening = False
        with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, on_sighup)
            listening = True
        if pid_file and listening:  # only a process that handles SIGHUP may be sent one
            _write_private(pid_file, f"{os.getpid()} {_started(os.getpid())}\n")
        try:
            yield
        finally:
            if listening:
                loop.remove_signal_handler(signal.SIGHUP)
            for task in list(tasks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if pid_file and listening and _read_pid(pid_file) == os.getpid():
                pid_file.unlink(missing_ok=True)


def _write_private(path: Path, text: str) -> None:
    """Like `write_text`, but readable by this user only, as everything in the data folder."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(descriptor, 0o600)
        file.write(text)


def _started(pid: int) -> str:
    """The process's start time from /proc, so a stale pid file never signals an unrelated process."""
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    return "-"


def _read_pid(pid_file: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid, started = pid_file.read_text(encoding="utf-8").split()[:2]
        if started == "-" or _started(int(pid)) == started:
            return int(pid)
    return None


def reload_command(faq_dir: Path, data_dir: Path) -> int:
    """`mingbai faq reload`: check the files here, then ask the running server to swap them in."""
    from bot.content.folder import load_content  # the matcher and its models are for this command, not every importer

    content, problems = load_content(faq_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    if content is None:
        print(f"mingbai faq reload: {faq_dir} has errors; the running bot keeps its current FAQ", file=sys.stderr)
        return 1
    pid = _read_pid(data_dir / PID_FILE)
    if pid is None:
        print(f"mingbai faq reload: the files are valid, but no server is running with data in {data_dir}")
        return 1
    os.kill(pid, signal.SIGHUP)
    print(f"mingbai faq reload: the files are valid; asked the server (pid {pid}) to reload; see /admin/faq")
    return 0
