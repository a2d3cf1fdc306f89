"""What is local to the villager: their county (which advisers, which offices) and its additions to answers.

The county is remembered from `/where`, from a channel bound to a county (its
web chat page `/c/<id>/`, its own Telegram bot or WeChat account), or from one question asked when it
matters: before a handoff, so the case reaches that county's advisers. An
urgent handoff is never held up by that question. With no counties configured
none of this shows: no question, no hint, the default advisers as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.content.places import KINDS
from bot.core.texts import label, text
from bot.messages import Button, Reply

if TYPE_CHECKING:
    from bot.content.counties import County
    from bot.core.conversation import Conversation, Turn
    from bot.storage.store import UserState

#: The button payload for a county (county:<id>); county:none is 「不清楚」.
ACTION, UNSURE = "county", "none"
#: What the bot waits for after asking the county before a handoff.
AWAITING_HANDOFF = "county:handoff"


def bind(conversation: "Conversation", turn: "Turn") -> None:
    """A channel bound to a county (its web chat page, its own Telegram bot or WeChat account) gives the villager
    that county while they have none, as `/where` would; a county the villager chose themselves (`/where`, the
    county question) stands, so someone who writes to 犍为's bot but says they live in 井研 gets 井研's offices."""
    county = conversation.counties.get(turn.incoming.county)
    if county is not None and county_of(conversation, turn.user) is None:
        turn.user.county = county.id


def county_of(conversation: "Conversation", user: "UserState") -> "County | None":
    """The villager's county, if it is (still) configured; else the one their /where place lies in (a place
    given before the counties were configured)."""
    return conversation.counties.get(user.county) or conversation.counties.of_area(conversation.places, user.place)


def named_in(conversation: "Conversation", message: str) -> tuple[str | None, "County | None"]:
    """(area, county) a villager's words name: "我在犍为" -> (犍为县, its county); a township's county too."""
    area = conversation.places.find_area(message)
    county = conversation.counties.find(message) or conversation.counties.of_area(conversation.places, area)
    return area or (county.name if county else None), county


def should_ask(conversation: "Conversation", turn: "Turn", urgent: bool) -> bool:
    """Ask the county before a handoff only when counties exist, it is unknown, nothing is urgent, and no case is
    open already (asking again for a person then only rejoins it)."""
    return (bool(conversation.counties) and not urgent and county_of(conversation, turn.user) is None
            and conversation.desk.open_case_for(turn.user.key) is None)


def ask(conversation: "Conversation", turn: "Turn") -> None:
    """Which county? One button each (two a row), and 「不清楚」, which goes to the default advisers."""
    turn.user.awaiting = AWAITING_HANDOFF
    buttons = [Button(county.label(turn.lang), f"{ACTION}:{county.id}") for county in conversation.counties]
    rows = [tuple(buttons[index:index + 2]) for index in range(0, len(buttons), 2)]
    rows.append((Button(label("county_unsure", turn.lang), f"{ACTION}:{UNSURE}"),))
    turn.say(Reply(text("county_ask", turn.lang), tuple(rows)))


def addition(conversation: "Conversation", user: "UserState", intent_id: str, lang: str) -> str | None:
    """The villager's county's local line after this answer, if it has one."""
    if not conversation.counties:
        return None
    county = county_of(conversation, user)
    found = county.additions.get(intent_id) if county else None
    return found(lang) if found else None


def place_line(conversation: "Conversation", user: "UserState", intent_id: str, lang: str) -> str | None:
    """Where to go, for answers that send the villager to an office (the intent's `office:`, e.g. the legal aid
    centre): that office for their place (or county), or, when counties are configured and neither is known,
    how to tell us."""
    office = _office_of(conversation, intent_id)
    if office is None:
        return None
    if place := _place_of(conversation, user):
        return conversation.places.describe(place, office, lang)
    return text("county_hint", lang, office=KINDS[office](lang)) if conversation.counties else None


def asks_for_county(conversation: "Conversation", user: "UserState", intent_id: str) -> bool:
    """The answer names a local office, counties are configured, and where the villager is is not known."""
    return (_office_of(conversation, intent_id) is not None and bool(conversation.counties)
            and not _place_of(conversation, user))


def _office_of(conversation: "Conversation", intent_id: str) -> str | None:
    return conversation.faq[intent_id].office if intent_id in conversation.faq else None


def _place_of(conversation: "Conversation", user: "UserState") -> str | None:
    """Where the villager said they are (/where), else their county's name."""
    county = county_of(conversation, user)
    return user.place or (county.name if county else None)
