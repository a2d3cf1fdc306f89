"""Channels translate between a platform (Telegram, web, WeChat, terminal) and the core's messages."""
