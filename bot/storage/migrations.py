"""The database schema, as named steps applied in order at start-up, the same on SQLite and PostgreSQL.

Every table of mingbai is created here, not in the constructors of the
classes that use it, so a column added in a later release reaches a database
that an earlier release made: a step runs once and is recorded in
`schema_migrations`. A new change is a new step at the end of its set; an
applied step is never edited. The first step of each set uses
`if not exists`, so a database made before migrations existed (df12123)
adopts the sets without losing a row. The steps speak mingbai's column types
(str, int, float); each engine names them (`Database.create_table`).

Releases before PostgreSQL recorded the steps through sqlite-utils, in
`_sqlite_migrations`: a file of theirs has that record adopted, once, as
`schema_migrations`, so no step runs twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from bot.storage.database import Database

RECORD = "schema_migrations"
SQLITE_UTILS_RECORD = "_sqlite_migrations"  # where sqlite-utils kept the record, in the first releases


@dataclass
class Migrations:
    """One named set of steps, in the order they were written."""

    name: str
    steps: list[tuple[str, Callable[[Database], None]]] = field(default_factory=list)

    def __call__(self, *, name: str):
        def register(step: Callable[[Database], None]):
            if name in self.names():
                raise ValueError(f"migration {name!r} is already in set {self.name!r}")
            self.steps.append((name, step))
            return step

        return register

    def names(self) -> list[str]:
        return [name for name, _ in self.steps]


core = Migrations("mingbai.core")  # villagers, transcript, unanswered questions, feedback, dedupe marks
cases = Migrations("mingbai.cases")  # handoff cases and their events
telegram = Migrations("mingbai.telegram")  # the Telegram inbox, outbox and the advisers' group ledger
console = Migrations("mingbai.console")  # web console accounts and sessions
wechat = Migrations("mingbai.wechat")  # what the WeChat channel's processes share: access token, nonces


@core(name="initial_tables")
def _core_tables(db: Database) -> None:
    db.create_table("users",
        {"key": str, "platform": str, "lang": str, "last_intent": str, "fallback_streak": int,
         "awaiting": str, "flow": str, "place": str, "extra": str, "created_at": float, "updated_at": float},
        pk="key", defaults={"fallback_streak": 0},
    )
    db.create_table("messages",
        {"id": int, "user_key": str, "direction": str, "text": str, "intent": str, "score": float,
         "decision": str, "created_at": float},
        pk="id",
    )
    db.create_index("messages", ["user_key", "id"])
    db.create_table("unanswered",
        {"id": int, "user_key": str, "text": str, "best_intent": str, "score": float, "reason": str,
         "created_at": float},
        pk="id",
    )
    db.create_table("feedback", {"id": int, "user_key": str, "intent": str, "helpful": int, "created_at": float},
        pk="id")
    db.create_table("processed", {"key": str, "user_key": str, "created_at": float}, pk="key")


@core(name="fragments")
def _core_fragments(db: Database) -> None:
    """Messages typed in a burst, stored as they arrive and read together once the villager stops typing
    (`bot.core.bursts`); a row lives only until its burst is answered."""
    db.create_table("fragments", {"id": int, "user_key": str, "message_key": str, "text": str, "created_at": float},
        pk="id")
    db.create_index("fragments", ["user_key", "id"])
    db.create_index("fragments", ["message_key"])


@cases(name="initial_tables")
def _case_tables(db: Database) -> None:
    db.create_table("cases",
        {"id": int, "user_key": str, "intent": str, "urgent": int, "status": str, "adviser": str,
         "created_at": float, "claimed_at": float, "closed_at": float, "summary": str, "rating": int,
         "rating_comment": str, "topic_chat": str, "topic_id": int, "card_message_id": int, "reminded": int},
        pk="id", defaults={"reminded": 0},
    )
    db.create_index("cases", ["user_key", "status"])
    db.create_table("case_events",
        {"id": int, "case_id": int, "kind": str, "author": str, "text": str, "media_kind": str,
         "media_ref": str, "destination": str, "delivery": str, "attempts": int, "last_error": str,
         "created_at": float, "delivered_at": float},
        pk="id", defaults={"attempts": 0},
    )
    db.create_index("case_events", ["destination", "delivery"])
    db.create_table("advisers", {"id": str, "display_name": str}, pk="id")
    db.create_table("blocked", {"user_key": str, "blocked_by": str, "told": int, "created_at": float},
        pk="user_key")


@cases(name="danger_kind")
def _case_danger(db: Database) -> None:
    """The emergency a villager signalled (poison, self_harm, violence, fraud_now), shown to advisers."""
    db.add_column("cases", "danger", str)


@cases(name="county")
def _case_county(db: Database) -> None:
    """The county whose advisers handle the case (faq/counties/<id>.yaml); empty: the default group, as before."""
    db.add_column("cases", "county", str)
    db.create_index("cases", ["county", "status"])


@cases(name="adviser_reads")
def _case_reads(db: Database) -> None:
    """How far each adviser has read each case, for the console's unread counts (ids only, no text)."""
    db.create_table("case_reads", {"adviser": str, "case_id": int, "event_id": int}, pk=("adviser", "case_id"),)


@cases(name="callback_numbers")
def _callback_numbers(db: Database) -> None:
    """The number a villager gave to be called back in an open case: apart from every masked text, shown only
    to the adviser handling the case, deleted when the case closes or the villager uses /forget."""
    db.create_table("case_callbacks", {"case_id": int, "phone": str, "created_at": float}, pk="case_id")


@telegram(name="initial_tables")
def _telegram_tables(db: Database) -> None:
    db.create_table("telegram_inbox", {"update_id": int, "raw": str, "status": str, "created_at": float},
        pk="update_id")
    db.create_index("telegram_inbox", ["status", "update_id"])
    db.create_table("telegram_outbox", {"id": int, "chat_id": int, "thread_id": int, "payload": str, "attempts": int,
                                        "uncertain": int, "next_try_at": float, "created_at": float},
                    pk="id", defaults={"attempts": 0, "uncertain": 0, "next_try_at": 0.0})
    db.create_index("telegram_outbox", ["chat_id", "id"])
    db.create_table("telegram_cases", {"case_id": int, "chat": int, "topic_id": int, "card_message_id": int,
         "card": str, "topic_name": str, "queued": int, "topic_closed": int},
        pk="case_id", defaults={"queued": 0, "topic_closed": 0})
    db.create_index("telegram_cases", ["chat", "topic_id"])
    db.create_table("telegram_posts", {"id": int, "case_id": int, "event_id": int, "chat": int, "message_id": int},
        pk="id")
    db.create_index("telegram_posts", ["event_id"])
    db.create_index("telegram_posts", ["chat", "message_id"])


@console(name="initial_tables")
def _console_tables(db: Database) -> None:
    db.create_table("console_accounts", {"name": str, "role": str, "password": str, "created_at": float},
        pk="name")
    db.create_table("console_sessions", {"token": str, "name": str, "created_at": float, "expires_at": float},
        pk="token")


@core(name="user_county")
def _user_county(db: Database) -> None:
    """The villager's county (from /where, a question at handoff, or a county's web chat page), remembered."""
    db.add_column("users", "county", str)


@console(name="account_counties")
def _account_counties(db: Database) -> None:
    """The counties an adviser's account serves, comma-separated ids; empty: every county (the city's team)."""
    db.add_column("console_accounts", "counties", str)


@console(name="unanswered_reviews")
def _unanswered_reviews(db: Database) -> None:
    """What admins did with unanswered questions (加为例句, 忽略, 需要新问答), and who: the learning loop's log.
    It holds the question's id, not its text; an example is kept as it was written into the FAQ."""
    db.create_table("unanswered_reviews", {"id": int, "unanswered_id": int, "action": str, "intent": str, "example": str,
         "by": str, "at": float}, pk="id")
    db.create_index("unanswered_reviews", ["unanswered_id"])


@telegram(name="bots")
def _telegram_bots(db: Database) -> None:
    """Several bots in one process (a county's own bot, faq/counties/<id>.yaml `channels:`): each has its own
    update_id sequence, so the inbox is keyed by bot and update id, and each outbox row names the bot that sends
    it (a villager's reply leaves through the bot they wrote to). '' is the default bot (TELEGRAM_BOT_TOKEN)."""
    if "bot" not in db.columns("telegram_inbox"):
        db.add_column("telegram_inbox", "bot", str, not_null_default="")
        db.set_primary_key("telegram_inbox", ("bot", "update_id"))
    db.create_index("telegram_inbox", ["bot", "status", "update_id"])
    db.add_column("telegram_outbox", "bot", str, not_null_default="")
    db.create_index("telegram_outbox", ["bot", "chat_id", "id"])


@console(name="login_failures")
def _login_failures(db: Database) -> None:
    """Failed logins, one row per key (name and address, name, address) and failure, so every process on the
    database counts them together (bot/console/auth.py); old rows are purged by time."""
    db.create_table("login_failures", {"id": int, "key": str, "at": float}, pk="id")
    db.create_index("login_failures", ["key", "at"])
    db.create_index("login_failures", ["at"])


@wechat(name="initial_tables")
def _wechat_tables(db: Database) -> None:
    """The access token every process uses (one fetch for all, WeChat keeps only the newest), and the nonces of
    recent pushes (a replay to any process is refused)."""
    db.create_table("wechat_tokens", {"app_id": str, "token": str, "expires_at": float, "refreshing_until": float},
        pk="app_id", defaults={"expires_at": 0.0, "refreshing_until": 0.0})
    db.create_table("wechat_nonces", {"nonce": str, "digest": str, "seen_at": float}, pk="nonce")
    db.create_index("wechat_nonces", ["seen_at"])


@core(name="kept_answers")
def _kept_answers(db: Database) -> None:
    """The answer given to each message, with its dedupe mark: a page or WeChat retrying it on another process
    (the first died before the reply left) gets that answer, not silence; emptied a day later by the purge."""
    db.add_column("processed", "answer", str)


SETS = (core, cases, telegram, console, wechat)


def apply_all(db: Database) -> None:
    """Bring the database up to this release's schema (does nothing when it already is); one process at a time
    (several `mingbai run` starting together on one PostgreSQL)."""
    with db.exclusive("mingbai.migrations"):
        _keep_record(db)
        done = applied(db)
        for migrations in SETS:
            for name, step in migrations.steps:
                if (migrations.name, name) in done:
                    continue
                with db.transaction():
                    step(db)
                    db.execute(f"insert into {RECORD} (migration_set, name, applied_at) values (?, ?, ?)",
                               [migrations.name, name, str(dt.datetime.now(dt.timezone.utc))])


def applied(db: Database) -> set[tuple[str, str]]:
    """(set, step) of every step the database has had, in either record."""
    tables = db.table_names()
    record = RECORD if RECORD in tables else SQLITE_UTILS_RECORD if SQLITE_UTILS_RECORD in tables else None
    if record is None:
        return set()
    return {(row["migration_set"], row["name"]) for row in db.rows(f"select migration_set, name from {record}")}


def pending(db: Database) -> list[str]:
    """This release's steps the database lacks, as `set/step`."""
    done = applied(db)
    return [f"{migrations.name}/{name}" for migrations in SETS for name in migrations.names()
            if (migrations.name, name) not in done]


def _keep_record(db: Database) -> None:
    """Make the record of applied steps, adopting sqlite-utils' record of a file from an earlier release."""
    tables = db.table_names()
    if RECORD in tables:
        return
    with db.transaction():
        db.create_table(RECORD, {"migration_set": str, "name": str, "applied_at": str}, pk=("migration_set", "name"))
        if SQLITE_UTILS_RECORD in tables:
            db.execute(f"insert into {RECORD} (migration_set, name, applied_at) "
                       f"select migration_set, name, applied_at from {SQLITE_UTILS_RECORD}")
            db.execute(f"drop table {SQLITE_UTILS_RECORD}")
