"""The database: users and their conversation state, messages, unanswered questions, feedback; and the
other stores, which share its connection (cases, accounts, reviews, statistics, Telegram's tables, failed
console logins, WeChat's shared token and nonces).

One `Store` owns one connection, to an SQLite file or to PostgreSQL (`bot.storage.database.connect`). It is
synchronous on purpose: the async side runs every call on the core's single worker thread (`CoreWorker` in
`bot.core.service`), which keeps its writes serialised and off the event loop.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.privacy import redact, redact_values
from bot.storage.accounts import AccountStore
from bot.storage.cases import CaseStore
from bot.storage.database import connect
from bot.storage.limits import LoginFailures
from bot.storage.migrations import apply_all
from bot.storage.reviews import Reviews
from bot.storage.stats import Statistics
from bot.storage.tables import Tables, storage_errors
from bot.storage.telegram import TelegramInbox, TelegramLedger, TelegramOutbox
from bot.storage.wechat import WeChatStore

#: The tables of this store keyed by the villager's `user_key` (besides `users`): forgotten and exported whole.
VILLAGER_TABLES = ("messages", "unanswered", "feedback", "processed", "fragments")
#: Notices (bot.storage.notices) of a villager's data deleted, and of a message pushed to a web villager
FORGET_NOTICE, PUSH_NOTICE = "forget", "web.push"
RECENT_PAGE = 500
KEEP_ANSWERS_SECONDS = 86400  # how long the answer to a message is kept with its dedupe mark  # messages read at a time by `recent_messages`, newest first


@dataclass
class UserState:
    """What the bot remembers about one villager between messages."""

    key: str
    lang: str | None = None  # chosen with /lang; None: follow how they write
    last_intent: str | None = None
    fallback_streak: int = 0  # fallbacks in a row; two offer a human more insistently
    awaiting: str | None = None  # what the bot just asked for, e.g. "forget", "where", "deadline:labor.wage"
    flow: dict | None = None  # the guided flow in progress: {"id": ..., "step": ..., "answers": {...}}
    place: str | None = None  # county or township set with /where
    county: str | None = None  # the county cell serving them (faq/counties/<id>.yaml), when counties are configured
    extra: dict = field(default_factory=dict)


class Store(Tables):
    """Everything mingbai remembers, in one database: users and the transcript here, every other kind of record
    in the store object named for it (`store.cases`, `store.accounts` ...)."""

    def __init__(self, target: Path | str):
        """Open the database `target` names (an SQLite file's path, or a postgresql:// URL) and bring its schema
        up to this release's."""
        with storage_errors():  # a database that cannot be opened or upgraded is a StorageError too
            super().__init__(connect(target))
            try:
                apply_all(self.db)
            except BaseException:
                self.db.close()
                raise
        #: The SQLite file, or None on PostgreSQL
        self.path = self.db.path
        self.origin = self.db.origin  # this process, in its notices (bot.storage.notices)
        self.telegram_inbox, self.telegram_outbox = TelegramInbox(self.db), TelegramOutbox(self.db)
        self.telegram_ledger = TelegramLedger(self.db)
        self.statistics, self.reviews = Statistics(self.db), Reviews(self.db)
        self.accounts, self.cases = AccountStore(self.db), CaseStore(self.db)
        self.login_failures, self.wechat = LoginFailures(self.db), WeChatStore(self.db)

    def close(self) -> None:
        self.db.close()

    # --- users -----------------------------------------------------------------------------

    def user(self, key: str) -> UserState:
        row = self.db.row("select * from users where key = ?", [key])
        if row is None:
            return UserState(key)
        return UserState(
            key=key, lang=row["lang"], last_intent=row["last_intent"], fallback_streak=row["fallback_streak"] or 0,
            awaiting=row["awaiting"], flow=json.loads(row["flow"]) if row["flow"] else None, place=row["place"],
            county=row.get("county"), extra=json.loads(row["extra"]) if row["extra"] else {},
        )

    def has_user(self, key: str) -> bool:
        """True once the villager's state was saved (they wrote), until /forget."""
        return self.db.exists("select 1 from users where key = ?", [key])

    def save_user(self, state: UserState) -> None:
        now = time.time()
        record = {
            "key": state.key, "platform": state.key.split(":", 1)[0], "lang": state.lang,
            "last_intent": state.last_intent, "fallback_streak": state.fallback_streak, "awaiting": state.awaiting,
            "flow": json.dumps(state.flow, ensure_ascii=False) if state.flow else None, "place": state.place,
            "county": state.county, "extra": json.dumps(redact_values(state.extra), ensure_ascii=False) if state.extra else None,
            "updated_at": now,
        }
        with self.db.transaction():
            if not self.has_user(state.key):
                record["created_at"] = now
            self.db.upsert("users", record, key=("key",))

    # --- messages, feedback, unanswered ----------------------------------------------------

    def log_message(self, user_key: str, direction: str, text: str, *, intent: str | None = None,
                    score: float | None = None, decision: str | None = None) -> int:
        return self.db.insert("messages", {
            "user_key": user_key, "direction": direction, "text": redact(text), "intent": intent,
            "score": score, "decision": decision, "created_at": time.time()})

    def transcript(self, user_key: str, limit: int = 50) -> list[dict]:
        rows = self.db.rows("select direction, text, intent, decision, created_at from messages where user_key = ? "
                            "order by id desc limit ?", [user_key, limit])
        return rows[::-1]

    def message(self, message_id: int) -> dict | None:
        """The villager, text and time of one stored message; None once it is deleted."""
        return self.db.row("select user_key, text, created_at from messages where id = ?", [message_id])

    def message_time(self, message_id: int) -> float:
        """When the message `log_message` numbered `message_id` was stored."""
        return self.db.value("select created_at from messages where id = ?", [message_id])

    def last_message_time(self, user_key: str, decision: str) -> float | None:
        """When the villager's newest message with this `decision` was stored; None when they have none."""
        return self.db.value("select max(created_at) from messages where user_key = ? and decision = ?",
                             [user_key, decision])

    def recent_messages(self, since: float) -> list[tuple[str, str, float, str | None]]:
        """(user_key, text, created_at, decision) of everyone's messages, newest first by row id, up to the first
        one older than `since`: only the last stretch of the table is read, a page at a time by the primary key."""
        recent, below = [], None
        while True:
            page = self.db.rows("select id, user_key, text, created_at, decision from messages"
                                + ("" if below is None else " where id < ?") + " order by id desc limit ?",
                                [*([] if below is None else [below]), RECENT_PAGE])
            for row in page:
                if row["created_at"] < since:
                    return recent
                recent.append((row["user_key"], row["text"], row["created_at"], row["decision"]))
            if len(page) < RECENT_PAGE:
                return recent
            below = page[-1]["id"]

    def messages_before(self, user_key: str, moment: float, limit: int) -> list[dict]:
        """The villager's last `limit` messages (direction and text) before `moment`, oldest first."""
        rows = self.db.rows("select direction, text from messages where user_key = ? and created_at < ? "
                            "order by id desc limit ?", [user_key, moment, limit])
        return rows[::-1]

    def record_unanswered(self, user_key: str, text: str, best_intent: str | None, score: float, reason: str) -> None:
        self.db.insert("unanswered", {"user_key": user_key, "text": redact(text), "best_intent": best_intent,
                                      "score": score, "reason": reason, "created_at": time.time()})

    def unanswered(self, limit: int = 200) -> list[dict]:
        return self.db.rows("select * from unanswered order by id desc limit ?", [limit])

    def record_feedback(self, user_key: str, intent: str, helpful: bool) -> None:
        self.db.insert("feedback", {"user_key": user_key, "intent": intent, "helpful": int(helpful),
                                    "created_at": time.time()})

    # --- fragments typed in a burst (bot.core.bursts) -----------------------------------------

    def add_fragment(self, user_key: str, text: str, message_key: str | None) -> None:
        """Keep a fragment until its burst is answered; inside the caller's transaction, with its dedupe mark."""
        self.db.execute("insert into fragments (user_key, message_key, text, created_at) values (?, ?, ?, ?)",
                        [user_key, message_key, redact(text), time.time()])

    def fragments(self, user_key: str) -> list[str]:
        """The fragments waiting to be read, oldest first."""
        return self.db.values("select text from fragments where user_key = ? order by id", [user_key])

    def take_fragments(self, user_key: str) -> list[str]:
        """The fragments waiting, oldest first, and none left: they are being answered (in the caller's transaction)."""
        texts = self.fragments(user_key)
        self.db.execute("delete from fragments where user_key = ?", [user_key])
        return texts

    def newest_fragment_key(self, user_key: str) -> str | None:
        """The message key of the villager's newest waiting fragment (None: none waits, or it had no key)."""
        return self.db.value("select message_key from fragments where user_key = ? order by id desc limit 1",
                             [user_key])

    def fragment_waiting(self, message_key: str) -> bool:
        """True when this message was stored as a fragment and not answered yet (a redelivery after a restart)."""
        return self.db.exists("select 1 from fragments where message_key = ?", [message_key])

    # --- one villager at a time, whichever process has their message --------------------------

    def notify(self, kind: str, payload: str) -> None:
        """Tell the other processes on the database (`bot.storage.notices`), when the caller's transaction
        commits; `payload` is ids, never a villager's words."""
        self.db.notify(kind, payload)

    def lock_villager(self, user_key: str) -> None:
        """Inside the caller's transaction, first: wait until no other process is handling this villager, and
        keep them until the transaction ends. Their messages are then handled one at a time and in turn by
        several `mingbai run` on one PostgreSQL; one SQLite file has one writer at a time anyway."""
        self.db.lock(f"villager:{user_key}")

    # --- duplicates and deletion -----------------------------------------------------------

    def claim_message(self, key: str, user_key: str) -> bool:
        """True the first time message `key` is seen; False for a redelivery. Kept per villager, so /forget removes
        it. Call it inside the caller's transaction: the claim commits or rolls back together with the handling of
        the message, so a crash never leaves a message claimed but unanswered."""
        return self.db.execute("insert into processed (key, user_key, created_at) values (?, ?, ?) "
                               "on conflict do nothing", [key, user_key, time.time()]) == 1

    def keep_answer(self, key: str, answer: str) -> None:
        """The answer to the message claimed as `key` (JSON of its replies, masked), in the caller's transaction."""
        self.db.execute("update processed set answer = ? where key = ?", [redact(answer), key])

    def kept_answers(self, user_key: str, limit: int) -> list[str]:
        """The villager's last `limit` kept answers, as `keep_answer` was given them, oldest first."""
        return self.db.values("select answer from processed where user_key = ? and answer is not null "
                              "order by created_at desc limit ?", [user_key, limit])[::-1]

    def kept_answer(self, key: str) -> str | None:
        """What `keep_answer` kept for the message, if it was answered in the last day."""
        return self.db.value("select answer from processed where key = ?", [key])

    # --- a villager's rights: /forget and export, over every table that holds their data ----------

    def forget_villager(self, user_key: str, at: float | None = None) -> None:
        """/forget and `mingbai forget`: delete everything stored about one villager, in one transaction (inside
        the caller's, when there is one), from every owner that holds some of it: their state (county and
        WeChat's bookkeeping included), transcript, unanswered questions, feedback, dedupe marks and fragments
        (here); what they said in cases, their call-back numbers and the advisers' read marks (`cases`); the
        names of their cases' topics, made of their words (`telegram_ledger`); and what still waits to be sent
        to their Telegram chat (`telegram_outbox`).

        Kept on purpose: the cases themselves, anonymised and closed (at `at` if they were open), so the
        service's statistics stay true; and a block, which protects advisers (forgetting must not lift it).
        A new table that holds villager data joins here (tests/storage/test_forget_everything.py walks every table)."""
        at = time.time() if at is None else at
        with self.transaction():
            forgotten_cases = self.cases.forget(user_key, at)
            self.telegram_ledger.forget_topic_names(forgotten_cases)
            platform, _, villager_id = user_key.partition(":")
            if platform == "telegram" and villager_id.lstrip("-").isdigit():  # a private chat's id is the user's
                self.telegram_outbox.forget_chat(int(villager_id))
            for table in VILLAGER_TABLES:
                self.db.execute(f"delete from {table} where user_key = ?", [user_key])
            self.db.execute("delete from users where key = ?", [user_key])
            self.notify(FORGET_NOTICE, user_key)  # other processes drop what they hold of them in memory

    def export_villager(self, user_key: str) -> dict:
        """Everything stored about one villager, for `mingbai export` (their right to see it): their state, each
        of their tables' rows, their cases with events and call-back numbers, whether they are blocked, and the
        messages still waiting to be sent to their Telegram chat."""
        user = self.user(user_key)
        tables = {table: self.db.rows(f"select * from {table} where user_key = ? order by created_at", [user_key])
                  for table in VILLAGER_TABLES}
        platform, _, villager_id = user_key.partition(":")
        waiting = self.telegram_outbox.payloads(int(villager_id)) \
            if platform == "telegram" and villager_id.lstrip("-").isdigit() else []
        return {"user": {"key": user.key, "lang": user.lang, "place": user.place, "county": user.county,
                         "flow": user.flow, "last_intent": user.last_intent, "awaiting": user.awaiting,
                         "extra": user.extra},
                **tables, "cases": self.cases.export(user_key), "blocked": self.cases.blocked(user_key)[0],
                "waiting_to_send": waiting}

    def scrub(self) -> None:
        """After /forget has committed: make sure the deleted text is gone from the database's files too (SQLite
        keeps it in the write-ahead log until a checkpoint)."""
        self.db.scrub()

    def purge_older_than(self, days: int) -> int:
        """Delete messages, unanswered questions and feedback older than `days` (the privacy promise)."""
        cutoff = time.time() - days * 86400
        removed = 0
        with self.db.transaction():
            for table in VILLAGER_TABLES:
                removed += self.db.execute(f"delete from {table} where created_at < ?", [cutoff])
            # the state of a villager silent for that long still holds their last question: it goes too
            removed += self.db.execute("update users set extra = null where updated_at < ? and extra is not null",
                                       [cutoff])
            # answers are kept for retries, which come within minutes (keep_answer)
            self.db.execute("update processed set answer = null where created_at < ? and answer is not null",
                            [time.time() - KEEP_ANSWERS_SECONDS])
        return removed
