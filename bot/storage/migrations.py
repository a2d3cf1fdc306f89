"""The database schema, as named steps applied in order at start-up (sqlite-utils `Migrations`).

Every table of mingbai is created here, not in the constructors of the
classes that use it, so a column added in a later release reaches a database
that an earlier release made: a step runs once and is recorded in
`_sqlite_migrations`. A new change is a new step at the end of its set; an
applied step is never edited. The first step of each set uses
`if_not_exists`, so a database made before migrations existed (df12123)
adopts the sets without losing a row.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

core = Migrations("mingbai.core")  # villagers, transcript, unanswered questions, feedback, dedupe marks
cases = Migrations("mingbai.cases")  # handoff cases and their events
telegram = Migrations("mingbai.telegram")  # the Telegram inbox, outbox and the advisers' group ledger
console = Migrations("mingbai.console")  # web console accounts and sessions


@core(name="initial_tables")
def _core_tables(db: Database) -> None:
    db["users"].create(
        {"key": str, "platform": str, "lang": str, "last_intent": str, "fallback_streak": int,
         "awaiting": str, "flow": str, "place": str, "extra": str, "created_at": float, "updated_at": float},
        pk="key", if_not_exists=True, defaults={"fallback_streak": 0},
    )
    db["messages"].create(
        {"id": int, "user_key": str, "direction": str, "text": str, "intent": str, "score": float,
         "decision": str, "created_at": float},
        pk="id", if_not_exists=True,
    )
    db["messages"].create_index(["user_key", "id"], if_not_exists=True)
    db["unanswered"].create(
        {"id": int, "user_key": str, "text": str, "best_intent": str, "score": float, "reason": str,
         "created_at": float},
        pk="id", if_not_exists=True,
    )
    db["feedback"].create({"id": int, "user_key": str, "intent": str, "helpful": int, "created_at": float},
                          pk="id", if_not_exists=True)
    db["processed"].create({"key": str, "user_key": str, "created_at": float}, pk="key", if_not_exists=True)


@core(name="fragments")
def _core_fragments(db: Database) -> None:
    """Messages typed in a burst, stored as they arrive and read together once the villager stops typing
    (`bot.core.bursts`); a row lives only until its burst is answered."""
    db["fragments"].create({"id": int, "user_key": str, "message_key": str, "text": str, "created_at": float},
                           pk="id", if_not_exists=True)
    db["fragments"].create_index(["user_key", "id"], if_not_exists=True)
    db["fragments"].create_index(["message_key"], if_not_exists=True)


@cases(name="initial_tables")
def _case_tables(db: Database) -> None:
    db["cases"].create(
        {"id": int, "user_key": str, "intent": str, "urgent": int, "status": str, "adviser": str,
         "created_at": float, "claimed_at": float, "closed_at": float, "summary": str, "rating": int,
         "rating_comment": str, "topic_chat": str, "topic_id": int, "card_message_id": int, "reminded": int},
        pk="id", if_not_exists=True, defaults={"reminded": 0},
    )
    db["cases"].create_index(["user_key", "status"], if_not_exists=True)
    db["case_events"].create(
        {"id": int, "case_id": int, "kind": str, "author": str, "text": str, "media_kind": str,
         "media_ref": str, "destination": str, "delivery": str, "attempts": int, "last_error": str,
         "created_at": float, "delivered_at": float},
        pk="id", if_not_exists=True, defaults={"attempts": 0},
    )
    db["case_events"].create_index(["destination", "delivery"], if_not_exists=True)
    db["advisers"].create({"id": str, "display_name": str}, pk="id", if_not_exists=True)
    db["blocked"].create({"user_key": str, "blocked_by": str, "told": int, "created_at": float},
                         pk="user_key", if_not_exists=True)


@cases(name="danger_kind")
def _case_danger(db: Database) -> None:
    """The emergency a villager signalled (poison, self_harm, violence, fraud_now), shown to advisers."""
    if "danger" not in db["cases"].columns_dict:
        db["cases"].add_column("danger", str)


@cases(name="county")
def _case_county(db: Database) -> None:
    """The county whose advisers handle the case (faq/counties/<id>.yaml); empty: the default group, as before."""
    if "county" not in db["cases"].columns_dict:
        db["cases"].add_column("county", str)
    db["cases"].create_index(["county", "status"], if_not_exists=True)


@cases(name="adviser_reads")
def _case_reads(db: Database) -> None:
    """How far each adviser has read each case, for the console's unread counts (ids only, no text)."""
    db["case_reads"].create({"adviser": str, "case_id": int, "event_id": int}, pk=("adviser", "case_id"),
                            if_not_exists=True)


@cases(name="callback_numbers")
def _callback_numbers(db: Database) -> None:
    """The number a villager gave to be called back in an open case: apart from every masked text, shown only
    to the adviser handling the case, deleted when the case closes or the villager uses /forget."""
    db["case_callbacks"].create({"case_id": int, "phone": str, "created_at": float}, pk="case_id", if_not_exists=True)


@telegram(name="initial_tables")
def _telegram_tables(db: Database) -> None:
    db["telegram_inbox"].create({"update_id": int, "raw": str, "status": str, "created_at": float},
                                pk="update_id", if_not_exists=True)
    db["telegram_inbox"].create_index(["status", "update_id"], if_not_exists=True)
    db["telegram_outbox"].create({"id": int, "chat_id": int, "thread_id": int, "payload": str, "attempts": int,
                                  "uncertain": int, "next_try_at": float, "created_at": float}, pk="id",
                                 if_not_exists=True, defaults={"attempts": 0, "uncertain": 0, "next_try_at": 0.0})
    db["telegram_outbox"].create_index(["chat_id", "id"], if_not_exists=True)
    db["telegram_cases"].create({"case_id": int, "chat": int, "topic_id": int, "card_message_id": int,
                                 "card": str, "topic_name": str, "queued": int, "topic_closed": int},
                                pk="case_id", if_not_exists=True, defaults={"queued": 0, "topic_closed": 0})
    db["telegram_cases"].create_index(["chat", "topic_id"], if_not_exists=True)
    db["telegram_posts"].create({"id": int, "case_id": int, "event_id": int, "chat": int, "message_id": int},
                                pk="id", if_not_exists=True)
    db["telegram_posts"].create_index(["event_id"], if_not_exists=True)
    db["telegram_posts"].create_index(["chat", "message_id"], if_not_exists=True)


@console(name="initial_tables")
def _console_tables(db: Database) -> None:
    db["console_accounts"].create({"name": str, "role": str, "password": str, "created_at": float},
                                  pk="name", if_not_exists=True)
    db["console_sessions"].create({"token": str, "name": str, "created_at": float, "expires_at": float},
                                  pk="token", if_not_exists=True)


@core(name="user_county")
def _user_county(db: Database) -> None:
    """The villager's county (from /where, a question at handoff, or a county's web chat page), remembered."""
    if "county" not in db["users"].columns_dict:
        db["users"].add_column("county", str)


@console(name="account_counties")
def _account_counties(db: Database) -> None:
    """The counties an adviser's account serves, comma-separated ids; empty: every county (the city's team)."""
    if "counties" not in db["console_accounts"].columns_dict:
        db["console_accounts"].add_column("counties", str)


@console(name="unanswered_reviews")
def _unanswered_reviews(db: Database) -> None:
    """What admins did with unanswered questions (加为例句, 忽略, 需要新问答), and who: the learning loop's log.
    It holds the question's id, not its text; an example is kept as it was written into the FAQ."""
    db["unanswered_reviews"].create({"id": int, "unanswered_id": int, "action": str, "intent": str, "example": str,
                                     "by": str, "at": float}, pk="id", if_not_exists=True)
    db["unanswered_reviews"].create_index(["unanswered_id"], if_not_exists=True)


@telegram(name="bots")
def _telegram_bots(db: Database) -> None:
    """Several bots in one process (a county's own bot, faq/counties/<id>.yaml `channels:`): each has its own
    update_id sequence, so the inbox is keyed by bot and update id, and each outbox row names the bot that sends
    it (a villager's reply leaves through the bot they wrote to). '' is the default bot (TELEGRAM_BOT_TOKEN)."""
    if "bot" not in db["telegram_inbox"].columns_dict:
        db["telegram_inbox"].add_column("bot", str, not_null_default="")
        db["telegram_inbox"].transform(pk=("bot", "update_id"))
    db["telegram_inbox"].create_index(["bot", "status", "update_id"], if_not_exists=True)
    if "bot" not in db["telegram_outbox"].columns_dict:
        db["telegram_outbox"].add_column("bot", str, not_null_default="")
    db["telegram_outbox"].create_index(["bot", "chat_id", "id"], if_not_exists=True)


SETS = (core, cases, telegram, console)


def apply_all(db: Database) -> None:
    """Bring the database up to this release's schema (does nothing when it already is)."""
    for migrations in SETS:
        migrations.apply(db)
