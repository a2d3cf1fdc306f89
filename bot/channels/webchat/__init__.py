"""The villagers' web chat: the page, its HTTP and WebSocket routes, and the live lines to open pages.

What `bot.app` mounts (`setup_web_chat`, the trusted proxies), and the client-address rules the console's login
limiter shares (`client_address`, `is_secure`: they belong in `bot/http.py`, review J5).
"""

from bot.channels.webchat.chat import setup_web_chat
from bot.channels.webchat.limits import TRUSTED_PROXIES, client_address, is_secure, trusted_networks

__all__ = ["TRUSTED_PROXIES", "client_address", "is_secure", "setup_web_chat", "trusted_networks"]
