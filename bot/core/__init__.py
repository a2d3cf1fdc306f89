"""The conversation core: one place that decides what to say, whatever the channel."""
