"""The Telegram channel: PTB's Application for villagers, and (in `advisers/`) the advisers' group.

What `bot.app` mounts: the villagers' Application and its sender, the webhook routes, and the advisers' handlers
for the groups the settings name.
"""

import os

# PTB 22 gives time periods such as RetryAfter.retry_after as an int with a PTBDeprecationWarning, and as a
# datetime.timedelta (what they become in PTB 23) once PTB_TIMEDELTA is set: mingbai reads the timedelta. Set
# before any PTB object is made (the imports below make some), since RetryAfter reads its own value when created.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.channels.telegram.advisers.cards import served_chats  # noqa: E402
from bot.channels.telegram.advisers.group import add_adviser_handlers  # noqa: E402
from bot.channels.telegram.application import build_application, run_telegram, villager_sender  # noqa: E402
from bot.channels.telegram.inbox import requeue  # noqa: E402
from bot.channels.telegram.webhook import webhook_routes  # noqa: E402

__all__ = ["add_adviser_handlers", "build_application", "requeue", "run_telegram", "served_chats",
           "villager_sender", "webhook_routes"]
