"""The villager's side of a handoff, as the conversation core sees it.

While a case is open the bot stops answering from the FAQ and relays what the
villager sends (text, photos, voice) to the advisers; `/end` or a button
closes it, and a 1-5 rating follows. Blocked senders are told once, then
ignored. Delivery itself is `bot.handoff.relay`'s job: here events are only
written down, before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.messages import Button, Effect, Reply
from bot.core.texts import text
from bot.errors import CaseError
from bot.handoff.desk import CLOSED, TO_VILLAGER, Case, Event, HandoffDesk
from bot.handoff.hours import OfficeHours

if TYPE_CHECKING:
    from bot.content.counties import County
    from bot.core.conversation import Turn

QUEUE_NOTICE_EVERY = 300  # seconds between "you are number N in the queue" notices
RELAY = Effect("relay")


class CaseWork:
    def __init__(self, desk: HandoffDesk, clock, hours: OfficeHours | None = None):
        self.desk = desk
        self.clock = clock
        self.hours = hours

    def blocked(self, turn: "Turn") -> bool:
        """True when the sender is blocked; they are told politely the first time only."""
        is_blocked, told = self.desk.blocked(turn.user.key)
        if is_blocked and not told:
            self.desk.mark_told_blocked(turn.user.key)
            turn.say(Reply(text("blocked", turn.lang)))
        return is_blocked

    def start(self, turn: "Turn", urgent: bool, danger: str | None = None, advice: str | None = None,
              county: "County | None" = None) -> None:
        """Open (or rejoin) the villager's case and tell them where they stand; `advice` (what to write while
        waiting) comes with a new case. A `county` case goes to that county's advisers, with their hours."""
        user = turn.user
        case, new = self.desk.open_case(user.key, user.last_intent, urgent, danger, county.id if county else None)
        hours = county.hours if county and county.hours else self.hours
        turn.effects.append(Effect("handoff", {"case": case.id, "urgent": case.urgent}))
        key = "handoff_urgent" if urgent else ("handoff_started" if new else "handoff_waiting")
        position = self.desk.position(case.id)
        message = text(key, turn.lang)
        if position:
            message += "\n" + text("queue_position", turn.lang, position=str(position))
        if new and hours and not hours.open_at(dt.datetime.fromtimestamp(self.clock())):
            shown = hours.chinese() if turn.lang != "en" else hours.label
            message += "\n\n" + text("out_of_hours", turn.lang, hours=shown)
        if new and advice:
            message += "\n\n" + advice
        turn.say(Reply(message, (_end_row(turn.lang),)))

    def remind_overdue(self, case: Case, lang: str) -> None:
        """Nobody took the case in time: tell the villager honestly (12348, leave details) and remind advisers."""
        self.desk.system_message(case.id, text("timeout", lang), TO_VILLAGER)
        self.desk.system_message(case.id, "reminder: still waiting", "advisers")
        self.desk.mark_reminded(case.id)

    def relay(self, turn: "Turn", case: Case) -> None:
        """Write down what the villager sent, for the advisers; tell them where they are in the queue now and then."""
        incoming = turn.incoming
        media_kind = incoming.content if incoming.media or not incoming.text else None  # a captioned photo stays a photo
        self.desk.from_villager(case.id, incoming.text or "", media_kind, incoming.media)
        turn.effects.append(RELAY)
        turn.logged = {"decision": "relayed"}
        if case.status == CLOSED or case.adviser:
            return
        last = turn.user.extra.get("queue_notice_at", 0)
        if self.clock() - last >= QUEUE_NOTICE_EVERY:
            turn.user.extra["queue_notice_at"] = self.clock()
            position = self.desk.position(case.id)
            turn.say(Reply(text("queue_position", turn.lang, position=str(position)), (_end_row(turn.lang),)))

    def end(self, turn: "Turn") -> None:
        case = self.desk.open_case_for(turn.user.key)
        if case is None:
            turn.say(Reply(text("no_case", turn.lang)))
            return
        replied = self.desk.adviser_replied(case.id)
        self.desk.close_by_villager(case.id)
        turn.effects.append(RELAY)
        # nobody answered: the request is withdrawn, and there is no service to rate
        turn.say(rating_request(case.id, turn.lang) if replied else Reply(text("case_withdrawn", turn.lang)))

    def _own_case(self, turn: "Turn", case_id: str) -> Case | None:
        """The case, if it is this villager's: a forged button must never touch someone else's case."""
        if not case_id.isdigit():
            return None
        try:
            case = self.desk.case(int(case_id))
        except CaseError:
            return None
        return case if case.user_key == turn.user.key else None

    def rate(self, turn: "Turn", argument: str) -> None:
        case_id, _, score = argument.partition(":")
        case = self._own_case(turn, case_id)
        if (case is None or not score.isdigit() or case.status != CLOSED or case.rating is not None
                or self.desk.withdrawn(case.id)):  # an old or second star never overwrites a rating and its comment
            turn.say(Reply(text("stale_button", turn.lang)))
            return
        self.desk.rate(case.id, int(score))
        turn.user.awaiting = f"comment:{case_id}"
        turn.say(Reply(text("rating_thanks", turn.lang)))

    def comment(self, turn: "Turn", case_id: str, message: str) -> None:
        case = self._own_case(turn, case_id)
        if case is None:
            return
        self.desk.rate(case.id, case.rating or 0, message[:500])
        turn.say(Reply(text("comment_thanks", turn.lang)))


def rating_request(case_id: int, lang: str) -> Reply:
    stars = tuple(Button("⭐" * n, f"rate:{case_id}:{n}") for n in range(1, 6))
    return Reply(text("case_closed", lang), (stars[:3], stars[3:]))


def villager_reply(event: Event, adviser_name: str, lang: str) -> Reply:
    """What the villager sees for an event the relay delivers to them."""
    if event.kind == "adviser":
        body = event.text or text("adviser_sent_media", lang)
        shown = f"👩‍⚖️ {adviser_name}：{body}" if lang != "en" else f"👩‍⚖️ {adviser_name}: {body}"
        return Reply(shown, media_kind=event.media_kind, media_ref=event.media_ref)
    if event.kind == "closed":
        return rating_request(event.case_id, lang)
    return Reply(event.text)


def _end_row(lang: str) -> tuple[Button, ...]:
    return (Button(text("end_button", lang), "end"),)

