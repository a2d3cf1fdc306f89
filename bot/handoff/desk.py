"""Handoff cases: a villager waiting for, or talking with, a human adviser.

Every case and every message relayed through it is written here *before* it
is sent anywhere, with its delivery status, so a crash or a failed send loses
nothing: the relay (`bot.handoff.relay`) delivers what is pending and marks
it. One open case per villager; asking again adds to it.

The desk is synchronous and runs on the core's worker thread, like the store.
Advisers are identified as "<platform>:<id>" ("telegram:1234", "web:alice").

The rules for advisers are here too, so the web console and the Telegram
advisers' group follow the same ones: a claimed case is its claimer's; only
they reply to it, and only they (or an admin) transfer or close it. Notes stay
open to the whole team. Every action is in the case's log with who did it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import sqlite_utils

from bot.errors import CaseClosed, CaseNotFound, CaseTaken, NotClaimed, NotYours
from bot.privacy import phone_numbers, redact

WAITING, CLAIMED, CLOSED = "waiting", "claimed", "closed"
#: Where an event goes: to the villager, to the advisers, or nowhere (notes, system records).
TO_VILLAGER, TO_ADVISERS, NOWHERE = "villager", "advisers", "none"
PENDING, SENT, FAILED = "pending", "sent", "failed"
#: The texts of the system events an adviser's action leaves in the case's log (the event's author is who did it).
CLAIMED_TEXT, TRANSFERRED_TEXT = "claimed", "transferred back to the queue"
#: The start of the system event of a transfer to a named colleague: "transferred to web:li".
HANDED_TEXT = "transferred to "
#: Words with which a villager asks to be phoned (with a number in the same message): 请打给我 13812345678.
CALL_ME = re.compile(r"打给我|给我打|打电话给我|打我电话|回电|回个电话|回我电话|联系我|call me", re.I)


@dataclass(frozen=True)
class Case:
    id: int
    user_key: str
    intent: str | None
    urgent: bool
    status: str
    adviser: str | None
    created_at: float
    claimed_at: float | None
    closed_at: float | None
    summary: str | None
    rating: int | None
    topic_chat: str | None
    topic_id: int | None
    card_message_id: int | None
    danger: str | None = None  # the emergency the villager signalled ("poison", "self_harm", "violence", "fraud_now")
    county: str | None = None  # the county whose advisers handle it; None: the default group

    @property
    def platform(self) -> str:
        return self.user_key.split(":", 1)[0]

    @property
    def villager_id(self) -> str:
        return self.user_key.split(":", 1)[1]


@dataclass(frozen=True)
class Event:
    """One thing said or done in a case, with where it must go and whether it got there."""

    id: int
    case_id: int
    kind: str  # "villager", "adviser", "note", "system", "rating"
    author: str | None
    text: str
    media_kind: str | None
    media_ref: str | None
    destination: str
    delivery: str
    attempts: int
    created_at: float


class HandoffDesk:
    """Cases and their events in SQLite; the one place that changes a case."""

    def __init__(self, db: sqlite_utils.Database, clock=time.time):
        self.db = db
        self.clock = clock

    # --- reading ---------------------------------------------------------------------------

    def case(self, case_id: int) -> Case:
        row = next(self.db["cases"].rows_where("id = ?", [case_id]), None)
        if row is None:
            raise CaseNotFound(case_id)
        return _case(row)

    def open_case_for(self, user_key: str) -> Case | None:
        row = next(self.db["cases"].rows_where("user_key = ? and status != ?", [user_key, CLOSED]), None)
        return _case(row) if row else None


    def queue(self, counties: tuple[str, ...] = ()) -> list[Case]:
        """Open cases, urgent first, then oldest first: the order advisers should take them. With `counties`,
        only those counties' cases (an adviser of a county sees its cases; the city's team, every case)."""
        where, args = "status != ?", [CLOSED]
        if counties:
            where += f" and county in ({', '.join('?' for _ in counties)})"
            args += list(counties)
        rows = self.db["cases"].rows_where(where, args, order_by="urgent desc, created_at asc")
        return [_case(row) for row in rows]

    def find(self, *, status: str = "open", adviser: str | None = None, since: float | None = None,
             words: str = "", limit: int = 200) -> list[Case]:
        """Cases for the console's filters: "open" (urgent first, oldest first, like `queue`) or "closed"
        (newest first), only `adviser`'s, only unassigned (adviser=""), closed since `since`; `words` is a case
        number, the end of a villager's id, or words anyone wrote in the case or its summary."""
        where, values = ["status != ?" if status == "open" else "status = ?"], [CLOSED]
        if adviser is not None:
            where.append("coalesce(adviser, '') = ?")
            values.append(adviser)
        if since is not None:
            where.append("closed_at >= ?")
            values.append(since)
        words = words.strip()
        if words:
            number = words.lstrip("#")
            like = "%" + words.replace("%", "").replace("_", "") + "%"
            where.append("(id = ? or user_key like ? or summary like ? or id in "
                         "(select case_id from case_events where text like ? and kind != 'system'))")
            values += [int(number) if number.isdigit() else -1, like, like, like]
        order = "urgent desc, created_at asc" if status == "open" else "closed_at desc"
        rows = self.db["cases"].rows_where(" and ".join(where), values, order_by=order, limit=limit)
        return [_case(row) for row in rows]

    def cases_of(self, user_key: str) -> list[Case]:
        """Every case of one villager, oldest first (the console links a case to the earlier ones)."""
        return [_case(row) for row in self.db["cases"].rows_where("user_key = ?", [user_key], order_by="id")]

    def unread(self, adviser: str, case_ids: list[int]) -> dict[int, int]:
        """How many villager messages of each case `adviser` has not seen yet (opened the case since)."""
        if not case_ids:
            return {}
        marks = ", ".join("?" for _ in case_ids)
        rows = self.db.query(
            f"select e.case_id, count(*) as n from case_events e left join case_reads r "
            f"on r.case_id = e.case_id and r.adviser = ? where e.case_id in ({marks}) and e.kind = 'villager' "
            f"and e.id > coalesce(r.event_id, 0) group by e.case_id", [adviser, *case_ids])
        return {row["case_id"]: row["n"] for row in rows}

    def mark_read(self, adviser: str, case_id: int) -> None:
        last = next(self.db.query("select max(id) as id from case_events where case_id = ?", [case_id]))["id"]
        self.db["case_reads"].upsert({"adviser": adviser, "case_id": case_id, "event_id": last or 0},
                                     pk=("adviser", "case_id"))

    def position(self, case_id: int) -> int:
        """1 for the next case an adviser should take; 0 once claimed."""
        waiting = [case.id for case in self.queue() if case.status == WAITING]
        return waiting.index(case_id) + 1 if case_id in waiting else 0

    def events(self, case_id: int) -> list[Event]:
        return [_event(row) for row in self.db["case_events"].rows_where("case_id = ?", [case_id], order_by="id")]

    def pending(self, destination: str) -> list[Event]:
        rows = self.db["case_events"].rows_where("destination = ? and delivery = ?", [destination, PENDING], order_by="id")
        return [_event(row) for row in rows]

    # --- villager side ---------------------------------------------------------------------

    def open_case(self, user_key: str, intent: str | None, urgent: bool, danger: str | None = None,
                  county: str | None = None) -> tuple[Case, bool]:
        """The villager's open case, creating it if needed; True when it is new. A danger makes it urgent;
        `county` is whose advisers take it (a case opened before the county was known gets it then)."""
        urgent = urgent or danger is not None
        existing = self.open_case_for(user_key)
        if existing:
            changes = {"urgent": 1} if urgent and not existing.urgent else {}
            if danger and existing.danger != danger:
                changes["danger"] = danger
            if county and not existing.county:
                changes["county"] = county
            if changes:
                self.db["cases"].update(existing.id, changes)
            return self.case(existing.id), False
        case_id = self.db["cases"].insert(
            {"user_key": user_key, "intent": intent, "urgent": int(urgent), "status": WAITING,
             "created_at": self.clock(), "danger": danger, "county": county}
        ).last_pk
        self._add(case_id, "opened", None, "", TO_ADVISERS)
        return self.case(case_id), True

    def from_villager(self, case_id: int, text: str, media_kind: str | None = None, media_ref: str | None = None) -> int:
        """Relay a villager's message to the advisers, masked. A message asking to be called back keeps its
        number apart (`callback_number`), for the adviser handling the case only."""
        numbers = phone_numbers(text) if text and CALL_ME.search(text) else []
        if numbers:
            self.db["case_callbacks"].upsert({"case_id": case_id, "phone": numbers[-1], "created_at": self.clock()},
                                             pk="case_id")
        return self._add(case_id, "villager", None, text, TO_ADVISERS, media_kind, media_ref)

    def callback_number(self, case_id: int, adviser: str) -> str | None:
        """The number the villager gave to be called back, for the adviser who holds the case; None for anyone
        else, and once the case is closed."""
        case = self.case(case_id)
        if case.status != CLAIMED or case.adviser != adviser:
            return None
        row = next(self.db["case_callbacks"].rows_where("case_id = ?", [case_id]), None)
        return row["phone"] if row else None

    def wants_callback(self, case_id: int) -> bool:
        return self.db["case_callbacks"].count_where("case_id = ?", [case_id]) > 0

    def rate(self, case_id: int, rating: int, comment: str | None = None) -> None:
        self.db["cases"].update(case_id, {"rating": max(1, min(5, rating)), "rating_comment": redact(comment) if comment else None})

    def adviser_replied(self, case_id: int) -> bool:
        """True once an adviser has written to the villager in this case."""
        return self.db["case_events"].count_where("case_id = ? and kind = 'adviser'", [case_id]) > 0

    def withdrawn(self, case_id: int) -> bool:
        """True for a case the villager ended before any adviser replied: nothing to rate, not a closed case."""
        case = self.case(case_id)
        closed_by = next(self.db["case_events"].rows_where("case_id = ? and kind = 'closed'", [case_id], limit=1), None)
        return case.status == CLOSED and bool(closed_by) and closed_by["author"] == "villager" \
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
            self.db["cases"].update(case_id, {"status": CLAIMED, "adviser": adviser, "claimed_at": self.clock()})
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
        changes = {"status": CLAIMED, "adviser": to, "claimed_at": self.clock()} if to else \
            {"status": WAITING, "adviser": None, "claimed_at": None}
        with self.db.atomic():
            self.db["cases"].update(case_id, changes)
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
        row = next(self.db["advisers"].rows_where("id = ?", [adviser]), None)
        return row["display_name"] if row else "法律顾问"

    def holder_name(self, adviser: str | None) -> str:
        """Who holds a case, for other advisers: the display name, or the adviser's id when none was chosen
        (villagers see every such adviser as 法律顾问, colleagues must tell them apart)."""
        row = next(self.db["advisers"].rows_where("id = ?", [adviser]), None) if adviser else None
        return row["display_name"] if row else (adviser or "—")

    def adviser_named(self, name: str) -> str | None:
        """The adviser whose display name is `name` (for 「/transfer 王律师」), when exactly one has it."""
        rows = list(self.db["advisers"].rows_where("display_name = ?", [name.strip()], limit=2))
        return rows[0]["id"] if len(rows) == 1 else None

    def set_display_name(self, adviser: str, name: str) -> None:
        self.db["advisers"].upsert({"id": adviser, "display_name": name.strip()[:40]}, pk="id")

    def block(self, user_key: str, adviser: str) -> None:
        self.db["blocked"].upsert({"user_key": user_key, "blocked_by": adviser, "told": 0, "created_at": self.clock()}, pk="user_key")

    def unblock(self, user_key: str) -> None:
        self.db.execute("delete from blocked where user_key = ?", [user_key])

    def blocked(self, user_key: str) -> tuple[bool, bool]:
        """(is blocked, has already been told so)."""
        row = next(self.db["blocked"].rows_where("user_key = ?", [user_key]), None)
        return (row is not None, bool(row and row["told"]))

    def mark_told_blocked(self, user_key: str) -> None:
        self.db["blocked"].update(user_key, {"told": 1})

    # --- topics and delivery ---------------------------------------------------------------

    def set_topic(self, case_id: int, chat: str, topic_id: int | None, card_message_id: int | None) -> None:
        self.db["cases"].update(case_id, {"topic_chat": chat, "topic_id": topic_id, "card_message_id": card_message_id})

    def mark_sent(self, event_id: int) -> None:
        self.db["case_events"].update(event_id, {"delivery": SENT, "delivered_at": self.clock()})

    def mark_attempt_failed(self, event_id: int, error: str, final: bool) -> None:
        row = self.db["case_events"].get(event_id)
        self.db["case_events"].update(event_id, {"attempts": row["attempts"] + 1, "last_error": error[:200],
                                                 "delivery": FAILED if final else PENDING})

    def system_message(self, case_id: int, text: str, destination: str) -> int:
        return self._add(case_id, "system", None, text, destination)

    def overdue(self, older_than: float) -> list[Case]:
        """Waiting cases nobody has claimed for `older_than` seconds and that were not yet reminded."""
        rows = self.db["cases"].rows_where("status = ? and reminded = 0 and created_at <= ?",
                                           [WAITING, self.clock() - older_than], order_by="urgent desc, created_at")
        return [_case(row) for row in rows]

    def mark_reminded(self, case_id: int) -> None:
        self.db["cases"].update(case_id, {"reminded": 1})


    def forget(self, user_key: str) -> None:
        """/forget: delete everything the villager said in cases; keep the cases themselves, anonymised,
        closed and without comments, so the service's statistics stay true. A block stays: it protects advisers."""
        ids = [row["id"] for row in self.db["cases"].rows_where("user_key = ?", [user_key], select="id")]
        with self.db.atomic():
            for case_id in ids:
                self.db.execute("delete from case_events where case_id = ?", [case_id])
                self.db.execute("delete from case_reads where case_id = ?", [case_id])
                self.db.execute("delete from case_callbacks where case_id = ?", [case_id])
                self.db["cases"].update(case_id, {
                    "user_key": f"forgotten:{case_id}", "rating_comment": None, "summary": None,
                    "status": CLOSED, "closed_at": self.db["cases"].get(case_id)["closed_at"] or self.clock(),
                })


    def export(self, user_key: str) -> list[dict]:
        cases = list(self.db.query("select * from cases where user_key = ? order by id", [user_key]))
        for case in cases:
            callback = next(self.db["case_callbacks"].rows_where("case_id = ?", [case["id"]]), None)
            case["callback_number"] = callback["phone"] if callback else None
            case["events"] = list(self.db.query(
                "select kind, text, media_kind, created_at from case_events where case_id = ? and kind != 'note' "
                "order by id", [case["id"]]))
        return cases

    # --- internals -------------------------------------------------------------------------

    def _add(self, case_id: int, kind: str, author: str | None, text: str, destination: str,
             media_kind: str | None = None, media_ref: str | None = None) -> int:
        return self.db["case_events"].insert(
            {"case_id": case_id, "kind": kind, "author": author, "text": redact(text or ""), "media_kind": media_kind,
             "media_ref": media_ref, "destination": destination,
             "delivery": PENDING if destination != NOWHERE else SENT, "attempts": 0, "created_at": self.clock()}
        ).last_pk

    def _close(self, case_id: int, by: str, summary: str | None, notify: str) -> Case:
        case = self.case(case_id)
        if case.status == CLOSED:
            raise CaseClosed(case_id)
        summary = redact(summary) if summary else summary
        self.db["cases"].update(case_id, {"status": CLOSED, "closed_at": self.clock(), "summary": summary})
        self.db.execute("delete from case_callbacks where case_id = ?", [case_id])  # it was given for this case
        self._add(case_id, "closed", by, summary or "", notify)
        return self.case(case_id)


def _case(row: dict) -> Case:
    return Case(
        id=row["id"], user_key=row["user_key"], intent=row["intent"], urgent=bool(row["urgent"]),
        status=row["status"], adviser=row["adviser"], created_at=row["created_at"], claimed_at=row["claimed_at"],
        closed_at=row["closed_at"], summary=row["summary"], rating=row["rating"], topic_chat=row["topic_chat"],
        topic_id=row["topic_id"], card_message_id=row["card_message_id"], danger=row.get("danger"),
        county=row.get("county"),
    )


def _event(row: dict) -> Event:
    return Event(
        id=row["id"], case_id=row["case_id"], kind=row["kind"], author=row["author"], text=row["text"],
        media_kind=row["media_kind"], media_ref=row["media_ref"], destination=row["destination"],
        delivery=row["delivery"], attempts=row["attempts"], created_at=row["created_at"],
    )
