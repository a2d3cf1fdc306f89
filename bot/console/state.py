"""Mounting the advisers' and admins' web console on the server that already runs the villager chat.

The console has no case logic of its own: every adviser action is a
`HandoffDesk` call on the core's worker thread (the same desk the Telegram
advisers' group uses), followed by `relay.wake()`, and the relay delivers to
the villager on whatever channel they came from. The console only reads
cases, FAQ files, unanswered questions and statistics, and shows them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.console.accounts import SESSION_SECONDS, Account, Accounts
from bot.console.auth import LoginLimiter, add_login_routes
from bot.console.reload import PID_FILE, FaqReloader
from bot.console.times import ConsoleTime
from bot.core.service import ChatService
from bot.handoff.desk import HandoffDesk
from bot.handoff.relay import Relay

log = logging.getLogger(__name__)


@dataclass
class Console:
    service: ChatService
    relay: Relay
    faq_dir: Path
    reloader: FaqReloader
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    accounts: Accounts | None = None  # set when the server starts
    session_seconds: int = SESSION_SECONDS
    time: ConsoleTime = field(default_factory=ConsoleTime)  # every shown time in MINGBAI_TIMEZONE

    @property
    def desk(self) -> HandoffDesk:
        return self.service.conversation.desk

    def default_display_name(self, account: Account) -> None:
        """Villagers see the username until the adviser chooses a name in the console (worker thread)."""
        if not self.desk.has_display_name(account.adviser_id):
            self.desk.set_display_name(account.adviser_id, account.name)


CONSOLE = web.AppKey("console", Console)


def setup_console(app: web.Application, service: ChatService, relay: Relay, faq_dir: Path, *,
                  watch_seconds: float | None = 2.0, pid_file: Path | None = None,
                  timezone: str = "Asia/Shanghai") -> Console:
    """Add /login, /logout, /adviser, /admin and their JSON endpoints to `app`.

    While the server runs, the FAQ folder is watched (every `watch_seconds`;
    None turns it off), SIGHUP reloads it, and a pid file (by default next to
    the SQLite database; `mingbai run` puts it in MINGBAI_DATA_DIR) lets `mingbai faq reload` find this process. Times are shown in `timezone`
    (MINGBAI_TIMEZONE), labelled.
    """
    from bot.console.admin import add_admin_routes
    from bot.console.adviser import add_adviser_routes

    console = Console(service, relay, Path(faq_dir), FaqReloader(service, Path(faq_dir)),
                      time=ConsoleTime(ZoneInfo(timezone)))
    app[CONSOLE] = console
    add_login_routes(app, console)
    add_adviser_routes(app, console)
    add_admin_routes(app, console)
    pid_path = pid_file or (Path(service.store.path).parent / PID_FILE if service.store.path else None)

    async def running(_app: web.Application):
        console.accounts = Accounts(service.store.accounts)
        async with console.reloader.triggers(watch_seconds, pid_path):
            yield

    app.cleanup_ctx.append(running)
    return console
