"""The advisers' Telegram group: case cards, topics, commands, replies relayed to villagers."""
