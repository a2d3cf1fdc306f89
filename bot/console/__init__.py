"""The advisers' and admins' web console (/adviser, /admin); mount it with `setup_console`. The CLI manages its
accounts (`mingbai user ...`) and asks a running console to reload the FAQ (`mingbai faq reload`)."""

from bot.console.accounts import MIN_PASSWORD, Account, Accounts, hash_password
from bot.console.reload import PID_FILE, reload_command
from bot.console.state import CONSOLE, Console, setup_console

__all__ = ["CONSOLE", "MIN_PASSWORD", "PID_FILE", "Account", "Accounts", "Console", "hash_password",
           "reload_command", "setup_console"]
