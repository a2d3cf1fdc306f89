"""The fake Telegram Bot API (server, api, faults, forum) and running bots against it (bots)."""
