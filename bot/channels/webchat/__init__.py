"""The villagers' web chat: the page, its HTTP and WebSocket routes, and the live lines to open pages."""
