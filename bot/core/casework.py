"""The villager's side of a handoff, as the conversation core sees it.

While a case is open the bot stops answering from the FAQ and relays what the
villager sends (text, photos, voice) to the advisers; `/end` or a button
closes it, and a 1-5 rating follows. The villager hears their place in the
queue once and again only when it changes, and the adviser's name when one
takes the case. Blocked senders are told once, then ignored. Delivery itself is `bot.handoff.relay`'s job: here events are only
written down, before anything is sent.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from bot.core.texts import text
from bot.errors import CaseError
from bot.handoff.desk import CLAIMED, CLAIMED_TEXT, CLOSED, TO_VILLAGER, WAITING, Case, Event, HandoffDesk
from bot.handoff.hours import OfficeHours
from bot.messages import Button, Effect, Reply

if TYPE_CHECKING:
    from bot.content.counties import County
    from bot.core.conversation import Turn
    from bot.storage.store import Store

RELAY = Effect("relay")


def queue_line(position: int, lang: str) -> str:
    """Where the villager stands: 第1位 is the next case an adviser takes."""
    if position <= 1:
        return text("queue_next", lang)
    return text("queue_position", lang, position=str(position), ahead=str(position - 1))


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
        hours = self._hours_of(county)
        turn.effects.append(Effect("handoff", {"case": case.id, "urgent": case.urgent}))
        key = "handoff_urgent" if urgent else ("handoff_started" if new else "handoff_waiting")
        position = self.desk.position(case.id)
        message = text(key, turn.lang)
        if position:
            message += "\n" + queue_line(position, turn.lang)
            user.extra["queue_told"] = {"case": case.id, "position": position}
        if new and hours and not hours.open_at(self.clock()):
            message += "\n\n" + _off_duty(hours, turn.lang)
        if new and advice:
            message += "\n\n" + advice
        turn.say(Reply(message, (_end_row(turn.lang),)))

    def _hours_of(self, county: "County | None") -> OfficeHours | None:
        """A county's own advisers' hours when its file gives them, read like the service's in MINGBAI_TIMEZONE."""
        if county is None or county.hours is None:
            return self.hours
        return dataclasses.replace(county.hours, zone=self.hours.zone) if self.hours else county.hours

    def remind_overdue(self, case: Case, lang: str, county: "County | None" = None) -> None:
        """Nobody took the case in time: remind advisers, and tell the villager honestly. In office hours that
        everyone is busy (12348, leave details); after hours that advisers are off duty, unless the villager
        was told so when the case opened (nobody is "busy" at night). The hours are those of the advisers who
        take the case: its `county`'s own, when its file gives them."""
        hours = self._hours_of(county)
        if hours is None or hours.open_at(self.clock()):
            self.desk.system_message(case.id, text("timeout", lang), TO_VILLAGER)
        elif hours.open_at(case.created_at):
            self.desk.system_message(case.id, _off_duty(hours, lang), TO_VILLAGER)
        self.desk.system_message(case.id, "reminder: still waiting", "advisers")
        self.desk.mark_reminded(case.id)

    def tell_progress(self, store: "Store", language_of) -> int:
        """For every open case: the villager's new place in the queue when it changed, and the adviser's name
        when one took the case (not when their first message, signed with the name, did). Written as events
        for the relay to deliver; what was told is kept in the villager's state. Returns how many notices."""
        told = 0
        waiting = [case for case in self.desk.queue() if case.status == WAITING]
        for position, case in enumerate(waiting, start=1):
            told += self._tell_position(store, case, position, language_of)
        for case in self.desk.queue():
            if case.status == CLAIMED:
                told += self._tell_joined(store, case, language_of)
        return told

    def _tell_position(self, store: "Store", case: Case, position: int, language_of) -> int:
        with store.transaction():  # the villager's state, read and written back while no other process changes it
            store.lock_villager(case.user_key)
            return self._tell_position_locked(store, case, position, language_of)

    def _tell_position_locked(self, store: "Store", case: Case, position: int, language_of) -> int:
        user = store.user(case.user_key)
        before = user.extra.get("queue_told") or {}
        if before.get("case") == case.id and before.get("position") == position:
            return 0
        user.extra["queue_told"] = {"case": case.id, "position": position}
        store.save_user(user)
        if before.get("case") != case.id:  # a case from an older build, never told: its start said enough
            return 0
        self.desk.system_message(case.id, queue_line(position, language_of(case.user_key)), TO_VILLAGER)
        return 1

    def _tell_joined(self, store: "Store", case: Case, language_of) -> int:
        with store.transaction():  # as in _tell_position
            store.lock_villager(case.user_key)
            return self._tell_joined_locked(store, case, language_of)

    def _tell_joined_locked(self, store: "Store", case: Case, language_of) -> int:
        events = self.desk.events(case.id)
        claim = next((event for event in reversed(events) if event.kind == "system" and event.text == CLAIMED_TEXT), None)
        user = store.user(case.user_key)
        if claim is None or user.extra.get("joined_told") == claim.id:
            return 0
        user.extra["joined_told"] = claim.id
        user.extra.pop("queue_told", None)
        store.save_user(user)
        if any(event.kind == "adviser" and event.id > claim.id for event in events):
            return 0  # their message came with the claim, signed 👩‍⚖️ 王律师：…
        name = self.desk.display_name(case.adviser)
        self.desk.system_message(case.id, text("adviser_joined", language_of(case.user_key), name=name), TO_VILLAGER)
        return 1

    def relay(self, turn: "Turn", case: Case) -> None:
        """Write down what the villager sent, for the advisers (their place in the queue is told only when it
        changes, by `tell_progress`, not after every message)."""
        incoming = turn.incoming
        media_kind = incoming.content if incoming.media or not incoming.text else None  # a captioned photo stays a photo
        self.desk.from_villager(case.id, incoming.text or "", media_kind, incoming.media)
        turn.effects.append(RELAY)
        turn.logged = {"decision": "relayed"}

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


def _off_duty(hours: OfficeHours, lang: str) -> str:
    """Advisers are off duty now, and their hours, in the villager's language."""
    return text("out_of_hours", lang, hours=hours.chinese() if lang != "en" else hours.label)
