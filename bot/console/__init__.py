"""The advisers' and admins' web console (/adviser, /admin); mount it with `setup_console`."""

from bot.console.state import CONSOLE, Console, setup_console

__all__ = ["CONSOLE", "Console", "setup_console"]
