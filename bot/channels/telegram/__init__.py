"""The Telegram channel: PTB's Application for villagers, and (in `advisers/`) the advisers' group.

What `bot.app` mounts: the villagers' Application and its sender, the webhook routes, and the advisers' handlers
for the groups the settings name.
"""

from bot.channels.telegram.advisers.cards import adviser_chats
from bot.channels.telegram.advisers.group import add_adviser_handlers
from bot.channels.telegram.application import build_application, run_telegram, villager_sender
from bot.channels.telegram.webhook import webhook_routes

__all__ = ["add_adviser_handlers", "adviser_chats", "build_application", "run_telegram", "villager_sender",
           "webhook_routes"]
