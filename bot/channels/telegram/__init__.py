"""The Telegram channel: PTB's Application for villagers, and (in `advisers/`) the advisers' group."""
