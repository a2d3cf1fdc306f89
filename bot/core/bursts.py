"""Messages typed in a burst (老板 / 跑了 / 欠我工钱 / 咋办) read together and answered once.

On a phone a villager often sends one question as several short messages; answered one by one, they get four
replies, two of them "没看懂". So `ChatService.handle` stores such a fragment as it arrives (table `fragments`,
in the transaction of its dedupe mark) and waits `window` seconds for the next one. A newer message ends the
wait of the one before: a fragment takes the wait over, anything else is handled at once with the fragments.
The message whose window closes with nothing newer answers the whole burst, read as one message (its
`Incoming.parts`); the channel requests of the earlier fragments get no reply. Hence:

- one answer per burst on every channel, in the villager's order (fragments are stored on the core's one
  worker thread in arrival order, and the newest message's number decides who answers);
- nothing lost in a crash: a fragment stored but not yet answered stays in the table; its redelivery (the
  Telegram inbox after a restart, a WeChat or page retry) takes up the wait again, and otherwise it is read with
  the villager's next message;
- emergencies never wait (`Conversation.may_wait` reads the fragment with those before it), nor do buttons,
  commands, a button's number, or messages while a flow, a question of the bot or an adviser's case is open;
- WeChat answers within its 5 seconds: keep the window below MINGBAI_WECHAT_REPLY_SECONDS, so the last
  fragment's answer is ready for the passive reply (the earlier fragments' requests get "success").

This module is the waiting itself (on the event loop); the storage and the decision are in `ChatService`.
"""

from __future__ import annotations

import asyncio

from bot.waiting import set_within


class Bursts:
    """Per villager, the newest message's number and the event that ends its wait when a newer one arrives."""

    def __init__(self, window: float):
        self.window = window
        self._newest: dict[str, tuple[int, asyncio.Event]] = {}

    def arrived(self, user_key: str, number: int, waits: bool) -> None:
        """Message `number` (counted on the worker thread, so in arrival order) was stored: whoever waited
        before it stands down; if it `waits`, it is now the one waiting."""
        current = self._newest.get(user_key)
        if current is not None and current[0] > number:
            return  # a newer message got here first; this one answers nothing
        if current is not None:
            current[1].set()
        if waits:
            self._newest[user_key] = (number, asyncio.Event())
        else:
            self._newest.pop(user_key, None)

    async def last_of_burst(self, user_key: str, number: int) -> bool:
        """Wait out the window; True when no newer message came meanwhile, so this one answers the burst."""
        entry = self._newest.get(user_key)
        if entry is None or entry[0] != number:
            return False
        try:
            return not await set_within(entry[1], self.window)
        finally:
            if self._newest.get(user_key) is entry:
                del self._newest[user_key]
