"""mingbai's running parts: channels, conversation core, handoff, storage and the CLI."""
