"""The neutral messages that pass between channels and the conversation core.

A channel turns a platform update into an `Incoming`, hands it to the core, and
turns the `Outcome` back into platform messages. Nothing here knows Telegram,
the web or WeChat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: What a villager can send besides text; each gets a helpful reply, never an exception.
CONTENT_KINDS = ("text", "photo", "voice", "sticker", "location", "document", "video", "contact", "other")


@dataclass(frozen=True)
class Incoming:
    """One thing a villager did: typed text, pressed a button, or sent other content."""

    platform: str  # "telegram", "web", "wechat", "terminal"
    user_id: str  # the platform's id for this villager (a chat id, a cookie id, an OpenID)
    text: str | None = None  # what they typed, commands included ("/start")
    action: str | None = None  # the payload of the button they pressed
    content: str = "text"  # one of CONTENT_KINDS
    message_id: str | None = None  # the platform's id for this message, if any
    media: str | None = None  # the platform's reference to a photo, voice or document, for relaying to an adviser
    county: str | None = None  # the county the channel is bound to (a county's web chat page, /c/<id>/), if any
    parts: tuple[str, ...] = ()  # messages typed in a burst and read as one (bot.core.bursts): `text` joins them

    def __post_init__(self):
        if self.content not in CONTENT_KINDS:  # the core has a reply for each kind, and only for those
            raise ValueError(f"content {self.content!r} is not one of {', '.join(CONTENT_KINDS)}")

    @property
    def user_key(self) -> str:
        """The villager's id across mingbai: platform-qualified, so ids never collide."""
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Button:
    """A choice under a reply. `action` comes back as Incoming.action when pressed."""

    label: str
    action: str


@dataclass(frozen=True)
class Reply:
    """One message to the villager: text, then rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    media_kind: str | None = None  # "photo", "voice", "document": an adviser's file relayed to the villager
    media_ref: str | None = None  # the platform's reference to it (e.g. a Telegram file_id)

    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True)
class Effect:
    """Something the core asks the rest of mingbai to do, beyond replying (e.g. open a handoff case)."""

    kind: str  # "handoff"
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """Everything the core decided for one Incoming."""

    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
