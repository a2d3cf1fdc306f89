"""Understanding what a villager asks: the FAQ model, normalising, matching and evaluating.

This package is pure: text in, scored candidates out. It never imports `bot`,
`telegram` or `aiohttp`, so every channel and tool can share it.
"""
