"""Handoff cases: a villager waiting for, or talking with, a human adviser.

Every case and every message relayed through it is written (`bot.storage.cases`) *before* it
is sent anywhere, with its delivery status, so a crash or a failed send loses
nothing: the relay (`bot.handoff.relay`) delivers what is pending and marks
it. One open case per villager; asking again adds to it.

The desk is synchronous and runs on the core's worker thread, like the store.
Advisers are identified as "<platform>:<id>" ("telegram:1234", "web:alice").

The rules for advisers are here, so the web console and the Telegram
advisers' group follow the same ones: a claimed case is its claimer's; only
they reply to it, and only they (or an admin) transfer or close it. Notes stay
open to the whole team. Every action is in the case's log with who did it.
"""

from __future__ import annotations

import re
import time

from bot.errors import CaseClosed, CaseNotFound, CaseTaken, NotClaimed, NotYours
from bot.privacy import phone_numbers

# The case's record types and states are imported from here by the channels and the console, which know cases
# through the desk, not storage.
from bot.storage.cases import CLAIMED, CLOSED, NOWHERE, TO_ADVISERS, TO_VILLAGER, WAITING, Case, CaseStore, Event

#: The texts of the system events an adviser's action leaves in the case's log (the event's author is who did it).
CLAIMED_TEXT, TRANSFERRED_TEXT = "claimed", "transferred back to the queue"
#: The start of the system event of a transfer to a named colleague: "transferred to web:li".
HANDED_TEXT = "transferred to "
#: Words with which a villager asks to be phoned (with a number in the same message): 请打给我 13812345678.
CALL_ME = re.compile(r"打给我|给我打|打电话给我|打我电话|回电|回个电话|回我电话|联系我|call me", re.I)


class HandoffDesk:
    """The one place that changes a case, over the store's case tables (`CaseStore`)."""

    def __init__(self, cases: CaseStore, clock=time.time):
        self.cases = cases
        self.clock = clock

    # --- reading ---------------------------------------------------------------------------

    def case(self, case_id: int) -> Case:
        case = self.cases.case(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def open_case_for(self, user_key: str) -> Case | None:
        return self.cases.open_case_of(user_key)

    def queue(self, counties: tuple[str, ...] = ()) -> list[Case]:
        """Open cases, urgent first, then oldest first: the order advisers should take them. With `counties`,
        only those counties' cases (an adviser of a county sees its cases; the city's team, every case)."""
        return self.cases.open_cases(counties)

    def find(self, *, status: str = "open", adviser: str | None = None, since: float | None = None,
             words: str = "", limit: int = 200) -> list[Case]:
        """Cases for the console's filters: "open" (urgent first, oldest first, like `queue`) or "closed"
        (newest first), only `adviser`'s, only unassigned (adviser=""), closed since `since`; `words` is a case
        number, the end of a villager's id, or words anyone wrote in the case or its summary."""
        return self.cases.find(status=status, adviser=adviser, since=since, words=words, limit=limit)

    def cases_of(self, user_key: str) -> list[Case]:
        """Every case of one villager, oldest first (the console links a case to the earlier ones)."""
        return self.cases.cases_of(user_key)

    def unread(self, adviser: str, case_ids: list[int]) -> dict[int, int]:
        """How many villager messages of each case `adviser` has not seen yet (opened the case since)."""
        return self.cases.unread(adviser, case_ids)

    def mark_read(self, adviser: str, case_id: int) -> None:
        self.cases.mark_read(adviser, case_id)

    def position(self, case_id: int) -> int:
        """1 for the next case an adviser should take; 0 once claimed."""
        waiting = [case.id for case in self.queue() if case.status == WAITING]
        return waiting.index(case_id) + 1 if case_id in waiting else 0

    def events(self, case_id: int) -> list[Event]:
        return self.cases.events(case_id)

    def pending(self, destination: str) -> list[Event]:
        return self.cases.pending(destination)

    # --- villager side ---------------------------------------------------------------------

    def open_case(self, user_key: str, intent: str | None, urgent: bool, danger: str | None = None,
                  county: str | None = None) -> tuple[Case, bool]:
        """The villager's open case, creating it if needed; True when it is new. A danger makes it urgent;
        `county` is whose advisers take it (a case opened before the county was known gets it then)."""
        urgent = urgent or danger is not None
        existing = self.open_case_for(user_key)
        if existing:
            self.cases.amend(existing.id, urgent=urgent and not existing.urgent,
                             danger=danger if danger and existing.danger != danger else None,
                             county=county if county and not existing.county else None)
            return self.case(existing.id), False
        case_id = self.cases.create(user_key, intent, urgent, danger, county, self.clock())
        self._add(case_id, "opened", None, "", TO_ADVISERS)
        return self.case(case_id), True

    def from_villager(self, case_id: int, text: str, media_kind: str | None = None, media_ref: str | None = None) -> int:
        """Relay a villager's message to the advisers, masked. A message asking to be called back keeps its
        number apart (`callback_number`), for the adviser handling the case only."""
        numbers = phone_numbers(text) if text and CALL_ME.search(text) else []
        if numbers:
            self.cases.keep_callback(case_id, numbers[-1], self.clock())
        return self._add(case_id, "villager", None, text, TO_ADVISERS, media_kind, media_ref)

    def callback_number(self, case_id: int, adviser: str) -> str | None:
        """The number the villager gave to be called back, for the adviser who holds the case; None for anyone
        else, and once the case is closed."""
        case = self.case(case_id)
        if case.status != CLAIMED or case.adviser != adviser:
            return None
        return self.cases.callback(case_id)

    def wants_callback(self, case_id: int) -> bool:
        return self.cases.has_callback(case_id)

    def rate(self, case_id: int, rating: int, comment: str | None = None) -> None:
        self.cases.set_rating(case_id, max(1, min(5, rating)), comment)

    def adviser_replied(self, case_id: int) -> bool:
        """True once an adviser has written to the villager in this case."""
        return self.cases.adviser_wrote(case_id)

    def withdrawn(self, case_id: int) -> bool:
        """True for a case the villager ended before any adviser replied: nothing to rate, not a closed case."""
        case = self.case(case_id)
        return case.status == CLOSED and self.cases.closed_by(case_id) == "villager" \
            and not self.adviser_replied(case_id)

    def close_by_villager(self, case_id: int) -> None:
        self._close(case_id, "villager", None, notify=TO_ADVISERS)

    # --- adviser side ----------------------------------------------------------------------

    def claim(self, case_id: int, adviser: str) -> Case:
        case = self.case(case_id)
        if case.status == CLOSED:
            raise CaseClosed(case_id)
        if case.status == CLAIMED and case.adviser != adviser:
            raise CaseTaken(case_id, case.adviser, self.holder_name(case.adviser))
        if case.status == WAITING:
            self.cases.set_holder(case_id, adviser, self.clock())
            self._add(case_id, "system", adviser, CLAIMED_TEXT, NOWHERE)
        return self.case(case_id)

    def may_manage(self, case: Case, adviser: str, admin: bool = False) -> bool:
        """Whether `adviser` may transfer or close `case`: anyone while it waits, then its claimer or an admin."""
        return case.status != CLAIMED or case.adviser == adviser or admin

    def from_adviser(self, case_id: int, adviser: str, text: str, media_kind: str | None = None,
                     media_ref: str | None = None, *, claims: bool = True, admin: bool = False) -> int:
        """Relay an adviser's message to the villager. On a waiting case the first one claims it, unless the
        surface asks first (`claims=False` raises NotClaimed: the console's 接手 is a deliberate step).
        Into a colleague's case only an admin writes, without taking it over."""
        case = self.case(case_id)
        if case.status == CLOSED:
            raise CaseClosed(case_id)
        if case.status == WAITING and not claims:
            raise NotClaimed(case_id)
        if case.status == CLAIMED and case.adviser != adviser:
            if not admin:
                raise CaseTaken(case_id, case.adviser, self.holder_name(case.adviser))
        else:
            self.claim(case_id, adviser)
        return self._add(case_id, "adviser", adviser, text, TO_VILLAGER, media_kind, media_ref)

    def note(self, case_id: int, adviser: str, text: str) -> int:
        """A note for the advisers, on any open or closed case (the team shares them), signed by its author."""
        self.case(case_id)
        return self._add(case_id, "note", adviser, text, NOWHERE)

    def transfer(self, case_id: int, adviser: str, *, admin: bool = False, to: str | None = None,
                 note: str | None = None) -> Case:
        """Back to the queue, or `to` a named colleague (who then holds it): by its claimer, or by an admin.
        The log says who, to whom and whose it was; a `note` for the next adviser is kept as a note."""
        case = self.case(case_id)
        if case.status == CLOSED:
            raise CaseClosed(case_id)
        if not self.may_manage(case, adviser, admin):
            raise NotYours(case_id, case.adviser, self.holder_name(case.adviser), "transfer")
        text = f"{HANDED_TEXT}{to}" if to else TRANSFERRED_TEXT
        if case.adviser not in (None, adviser):
            text += f" (from {case.adviser})"
        with self.cases.transaction():
            self.cases.set_holder(case_id, to, self.clock())
            self._add(case_id, "system", adviser, text, NOWHERE)
            if note and note.strip():
                self._add(case_id, "note", adviser, note.strip(), NOWHERE)
        return self.case(case_id)

    def close(self, case_id: int, adviser: str, summary: str | None, *, admin: bool = False) -> Case:
        """Close the case; the villager is thanked and asked for a rating (an event the relay delivers).
        A claimed case only by its claimer or an admin."""
        case = self.case(case_id)
        if case.status != CLOSED and not self.may_manage(case, adviser, admin):
            raise NotYours(case_id, case.adviser, self.holder_name(case.adviser), "close")
        return self._close(case_id, adviser, summary, notify=TO_VILLAGER)

    def display_name(self, adviser: str | None) -> str:
        """The name villagers see for an adviser ("telegram:1234", "web:wang") when they join or reply: the one
        chosen with `mingbai user add --display-name`, `mingbai user name`, the console or /setname; 法律顾问
        for an adviser who never chose one. The one place the villager side asks for it."""
        if not adviser:
            return "—"
        name = self.cases.display_name(adviser)
        return name if name is not None else "法律顾问"

    def holder_name(self, adviser: str | None) -> str:
        """Who holds a case, for other advisers: the display name, or the adviser's id when none was chosen
        (villagers see every such adviser as 法律顾问, colleagues must tell them apart)."""
        name = self.cases.display_name(adviser) if adviser else None
        return name if name is not None else (adviser or "—")

    def has_display_name(self, adviser: str) -> bool:
        return self.cases.display_name(adviser) is not None

    def adviser_named(self, name: str) -> str | None:
        """The adviser whose display name is `name` (for 「/transfer 王律师」), when exactly one has it."""
        ids = self.cases.advisers_named(name.strip())
        return ids[0] if len(ids) == 1 else None

    def set_display_name(self, adviser: str, name: str) -> None:
        self.cases.set_display_name(adviser, name.strip()[:40])

    def block(self, user_key: str, adviser: str) -> None:
        self.cases.block(user_key, adviser, self.clock())

    def unblock(self, user_key: str) -> None:
        self.cases.unblock(user_key)

    def blocked(self, user_key: str) -> tuple[bool, bool]:
        """(is blocked, has already been told so)."""
        return self.cases.blocked(user_key)

    def mark_told_blocked(self, user_key: str) -> None:
        self.cases.mark_told_blocked(user_key)

    # --- topics and delivery ---------------------------------------------------------------

    def set_topic(self, case_id: int, chat: str, topic_id: int | None, card_message_id: int | None) -> None:
        self.cases.set_topic(case_id, chat, topic_id, card_message_id)

    def mark_sent(self, event_id: int) -> None:
        self.cases.mark_sent(event_id, self.clock())

    def mark_attempt_failed(self, event_id: int, error: str, final: bool) -> None:
        self.cases.mark_attempt_failed(event_id, error, final)

    def system_message(self, case_id: int, text: str, destination: str) -> int:
        return self._add(case_id, "system", None, text, destination)

    def overdue(self, older_than: float) -> list[Case]:
        """Waiting cases nobody has claimed for `older_than` seconds and that were not yet reminded."""
        return self.cases.overdue(self.clock() - older_than)

    def mark_reminded(self, case_id: int) -> None:
        self.cases.mark_reminded(case_id)

    # --- internals -------------------------------------------------------------------------

    def _add(self, case_id: int, kind: str, author: str | None, text: str, destination: str,
             media_kind: str | None = None, media_ref: str | None = None) -> int:
        return self.cases.add_event(case_id, kind, author, text, destination, media_kind, media_ref, self.clock())

    def _close(self, case_id: int, by: str, summary: str | None, notify: str) -> Case:
        case = self.case(case_id)
        if case.status == CLOSED:
            raise CaseClosed(case_id)
        self.cases.set_closed(case_id, self.clock(), summary)
        self._add(case_id, "closed", by, summary or "", notify)
        return self.case(case_id)
