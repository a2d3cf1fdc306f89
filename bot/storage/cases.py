"""Handoff cases and what is said and done in them, as rows: `cases`, `case_events`, `case_reads`,
`case_callbacks`, `advisers` (the names villagers see) and `blocked`.

The rules (who may claim, reply, transfer or close; when a villager asks to be called back) are the handoff
desk's (`bot.handoff.desk.HandoffDesk`), which is the one caller; here each method reads or writes what its
name says. Texts are masked (`bot.privacy.redact`) here, before they are stored. Synchronous, on the core's
worker thread, like every store.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.privacy import redact
from bot.storage.tables import Tables

WAITING, CLAIMED, CLOSED = "waiting", "claimed", "closed"
#: Where an event goes: to the villager, to the advisers, or nowhere (notes, system records).
TO_VILLAGER, TO_ADVISERS, NOWHERE = "villager", "advisers", "none"
PENDING, SENT, FAILED = "pending", "sent", "failed"
RELAY_NOTICE = "relay"  # the notice (bot.storage.notices) that an event waits to be delivered
#: The order advisers should take open cases in: urgent first, then oldest first.
QUEUE_ORDER = "urgent desc, created_at asc"


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


class CaseStore(Tables):
    """The case tables. Timestamps come from the caller (the desk's clock)."""

    # --- cases -----------------------------------------------------------------------------

    def case(self, case_id: int) -> Case | None:
        row = self.db.row("select * from cases where id = ?", [case_id])
        return _case(row) if row else None

    def open_case_of(self, user_key: str) -> Case | None:
        row = self.db.row("select * from cases where user_key = ? and status != ? limit 1", [user_key, CLOSED])
        return _case(row) if row else None

    def open_cases(self, counties: tuple[str, ...] = ()) -> list[Case]:
        """Open cases in queue order; with `counties`, only those counties' cases."""
        where, args = "status != ?", [CLOSED]
        if counties:
            where += f" and county in ({', '.join('?' for _ in counties)})"
            args += list(counties)
        return [_case(row) for row in self.db.rows(f"select * from cases where {where} order by {QUEUE_ORDER}", args)]

    def find(self, *, status: str, adviser: str | None, since: float | None, words: str, limit: int) -> list[Case]:
        """Open cases in queue order, or closed ones newest first, narrowed as `HandoffDesk.find` says."""
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
            like, pattern = self.db.like, "%" + words.replace("%", "").replace("_", "") + "%"  # case ignored
            where.append(f"(id = ? or user_key {like} ? or summary {like} ? or id in "
                         f"(select case_id from case_events where text {like} ? and kind != 'system'))")
            values += [int(number) if number.isdigit() else -1, pattern, pattern, pattern]
        order = QUEUE_ORDER if status == "open" else "closed_at desc"
        rows = self.db.rows(f"select * from cases where {' and '.join(where)} order by {order} limit ?", [*values, limit])
        return [_case(row) for row in rows]

    def cases_of(self, user_key: str) -> list[Case]:
        """Every case of one villager, oldest first."""
        return [_case(row) for row in self.db.rows("select * from cases where user_key = ? order by id", [user_key])]

    def opened_between(self, begin: float, stop: float, county: str | None = None) -> list[dict]:
        """The rows of the cases opened from `begin` until before `stop` (only `county`'s, when given), by number
        (the monthly reports)."""
        of_county = " and county = ?" if county else ""
        return self.db.rows(f"select * from cases where created_at >= ? and created_at < ?{of_county} order by id",
                            [begin, stop, *([county] if county else [])])

    def overdue(self, created_before: float) -> list[Case]:
        """Waiting cases opened before `created_before` and not yet reminded, urgent first, then oldest first."""
        rows = self.db.rows("select * from cases where status = ? and reminded = 0 and created_at <= ? "
                            "order by urgent desc, created_at", [WAITING, created_before])
        return [_case(row) for row in rows]

    def create(self, user_key: str, intent: str | None, urgent: bool, danger: str | None, county: str | None,
               at: float) -> int:
        """A new waiting case; returns its number."""
        return self.db.insert("cases", {"user_key": user_key, "intent": intent, "urgent": int(urgent), "status": WAITING,
                                        "created_at": at, "danger": danger, "county": county})

    def amend(self, case_id: int, *, urgent: bool = False, danger: str | None = None,
              county: str | None = None) -> None:
        """Make the case urgent, note its danger, or give it its county (only what is given changes)."""
        changes = {"urgent": 1} if urgent else {}
        if danger:
            changes["danger"] = danger
        if county:
            changes["county"] = county
        if changes:
            self.db.update("cases", {"id": case_id}, changes)

    def set_holder(self, case_id: int, adviser: str | None, at: float | None) -> None:
        """Claimed by `adviser` at `at`; with None, back to waiting for anyone."""
        changes = {"status": CLAIMED, "adviser": adviser, "claimed_at": at} if adviser else \
            {"status": WAITING, "adviser": None, "claimed_at": None}
        self.db.update("cases", {"id": case_id}, changes)

    def set_closed(self, case_id: int, at: float, summary: str | None) -> None:
        """Closed, with the adviser's summary; a number given for a call-back goes (it was for this case)."""
        self.db.update("cases", {"id": case_id}, {"status": CLOSED, "closed_at": at,
                                                  "summary": redact(summary) if summary else summary})
        self.db.execute("delete from case_callbacks where case_id = ?", [case_id])

    def set_rating(self, case_id: int, rating: int, comment: str | None) -> None:
        self.db.update("cases", {"id": case_id}, {"rating": rating, "rating_comment": redact(comment) if comment else None})

    def set_topic(self, case_id: int, chat: str, topic_id: int | None, card_message_id: int | None) -> None:
        self.db.update("cases", {"id": case_id},
                       {"topic_chat": chat, "topic_id": topic_id, "card_message_id": card_message_id})

    def mark_reminded(self, case_id: int) -> None:
        self.db.update("cases", {"id": case_id}, {"reminded": 1})

    # --- events ----------------------------------------------------------------------------

    def add_event(self, case_id: int, kind: str, author: str | None, text: str, destination: str,
                  media_kind: str | None, media_ref: str | None, at: float) -> int:
        """An event, pending delivery unless it goes nowhere; returns its id. A pending one is noticed by every
        process on the database, so the relay delivers it at once wherever it runs."""
        event_id = self.db.insert("case_events", {
            "case_id": case_id, "kind": kind, "author": author, "text": redact(text or ""), "media_kind": media_kind,
            "media_ref": media_ref, "destination": destination,
            "delivery": PENDING if destination != NOWHERE else SENT, "attempts": 0, "created_at": at})
        if destination != NOWHERE:
            self.db.notify(RELAY_NOTICE, str(case_id))  # the relay may run in another process (bot.storage.leadership)
        return event_id

    def events(self, case_id: int) -> list[Event]:
        return [_event(row) for row in self.db.rows("select * from case_events where case_id = ? order by id", [case_id])]

    def pending(self, destination: str) -> list[Event]:
        rows = self.db.rows("select * from case_events where destination = ? and delivery = ? order by id",
                            [destination, PENDING])
        return [_event(row) for row in rows]

    def adviser_wrote(self, case_id: int) -> bool:
        """True once an adviser has written to the villager in this case."""
        return self.db.exists("select 1 from case_events where case_id = ? and kind = 'adviser'", [case_id])

    def closed_by(self, case_id: int) -> str | None:
        """Who closed the case (the author of its first closing event: "villager" or an adviser); None if open."""
        row = self.db.row("select author from case_events where case_id = ? and kind = 'closed' order by id limit 1",
                          [case_id])
        return row["author"] if row else None

    def mark_sent(self, event_id: int, at: float) -> None:
        self.db.update("case_events", {"id": event_id}, {"delivery": SENT, "delivered_at": at})

    def mark_attempt_failed(self, event_id: int, error: str, final: bool) -> None:
        self.db.execute("update case_events set attempts = attempts + 1, last_error = ?, delivery = ? where id = ?",
                        [error[:200], FAILED if final else PENDING, event_id])

    # --- what each adviser has read ---------------------------------------------------------

    def unread(self, adviser: str, case_ids: list[int]) -> dict[int, int]:
        """How many villager messages of each case `adviser` has not seen yet."""
        if not case_ids:
            return {}
        marks = ", ".join("?" for _ in case_ids)
        rows = self.db.rows(
            f"select e.case_id, count(*) as n from case_events e left join case_reads r "
            f"on r.case_id = e.case_id and r.adviser = ? where e.case_id in ({marks}) and e.kind = 'villager' "
            f"and e.id > coalesce(r.event_id, 0) group by e.case_id", [adviser, *case_ids])
        return {row["case_id"]: row["n"] for row in rows}

    def mark_read(self, adviser: str, case_id: int) -> None:
        last = self.db.value("select max(id) from case_events where case_id = ?", [case_id])
        self.db.upsert("case_reads", {"adviser": adviser, "case_id": case_id, "event_id": last or 0},
                       key=("adviser", "case_id"))

    # --- call-back numbers -----------------------------------------------------------------

    def keep_callback(self, case_id: int, phone: str, at: float) -> None:
        """The number the villager asked to be called back on (one per case, the latest)."""
        self.db.upsert("case_callbacks", {"case_id": case_id, "phone": phone, "created_at": at}, key=("case_id",))

    def callback(self, case_id: int) -> str | None:
        return self.db.value("select phone from case_callbacks where case_id = ?", [case_id])

    def has_callback(self, case_id: int) -> bool:
        return self.db.exists("select 1 from case_callbacks where case_id = ?", [case_id])

    # --- advisers' names and blocked villagers ---------------------------------------------

    def display_name(self, adviser: str) -> str | None:
        """The name an adviser chose for villagers to see; None when they never chose one."""
        return self.db.value("select display_name from advisers where id = ?", [adviser])

    def advisers_named(self, name: str, limit: int = 2) -> list[str]:
        """The ids of (up to `limit`) advisers whose display name is `name`."""
        return self.db.values("select id from advisers where display_name = ? order by id limit ?", [name, limit])

    def set_display_name(self, adviser: str, name: str) -> None:
        self.db.upsert("advisers", {"id": adviser, "display_name": name}, key=("id",))

    def block(self, user_key: str, adviser: str, at: float) -> None:
        self.db.upsert("blocked", {"user_key": user_key, "blocked_by": adviser, "told": 0, "created_at": at},
                       key=("user_key",))

    def unblock(self, user_key: str) -> None:
        self.db.execute("delete from blocked where user_key = ?", [user_key])

    def blocked(self, user_key: str) -> tuple[bool, bool]:
        """(is blocked, has already been told so)."""
        row = self.db.row("select told from blocked where user_key = ?", [user_key])
        return (row is not None, bool(row and row["told"]))

    def mark_told_blocked(self, user_key: str) -> None:
        self.db.update("blocked", {"user_key": user_key}, {"told": 1})

    # --- a villager's rights: their part of Store.forget_villager and Store.export_villager ----

    def forget(self, user_key: str, at: float) -> list[int]:
        """The case part of `Store.forget_villager`: delete everything the villager said in cases, their call-back
        numbers and the advisers' read marks; keep the cases themselves, anonymised, closed (at `at` if they were
        open) and without comments. Returns the cases' numbers."""
        ids = self.db.values("select id from cases where user_key = ? order by id", [user_key])
        with self.db.transaction():
            for case_id in ids:
                for table in ("case_events", "case_reads", "case_callbacks"):
                    self.db.execute(f"delete from {table} where case_id = ?", [case_id])
                self.db.execute("update cases set user_key = ?, rating_comment = null, summary = null, status = ?, "
                                "closed_at = coalesce(closed_at, ?) where id = ?",
                                [f"forgotten:{case_id}", CLOSED, at, case_id])
        return ids

    def export(self, user_key: str) -> list[dict]:
        """The villager's cases as stored, each with its call-back number and its events except advisers' notes."""
        cases = self.db.rows("select * from cases where user_key = ? order by id", [user_key])
        for case in cases:
            case["callback_number"] = self.callback(case["id"])
            case["events"] = self.db.rows(
                "select kind, text, media_kind, created_at from case_events where case_id = ? and kind != 'note' "
                "order by id", [case["id"]])
        return cases


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
