"""A villager talking to the conversation core directly, as the core tests use it."""

from __future__ import annotations

from bot.messages import Incoming


class Villager:
    """Sends messages as one user and keeps what came back."""

    def __init__(self, service, user_id="42"):
        self.service, self.user_id, self.count = service, user_id, 0

    @property
    def key(self) -> str:
        return f"test:{self.user_id}"

    async def says(self, text=None, *, action=None, content="text"):
        self.count += 1
        incoming = Incoming("test", self.user_id, text=text, action=action, content=content,
                            message_id=f"{self.user_id}:m{self.count}")  # per villager: two may share a service
        return (await self.service.handle(incoming)).replies

    async def presses(self, action):
        return await self.says(action=action)


def actions(replies):
    return [button.action for reply in replies for button in reply.all_buttons()]
