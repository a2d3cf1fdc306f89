"""The admins' review log of unanswered questions (`unanswered_reviews`): which were added as an example of an
intent, ignored or flagged as needing a new one, by whom and when (`bot.console.learning` does the adding)."""

from __future__ import annotations

import time

from bot.storage.database import Database
from bot.storage.tables import Tables


class Reviews(Tables):
    """The review log, on the core's worker thread."""

    def __init__(self, db: Database, clock=time.time):
        super().__init__(db)
        self.clock = clock

    def add(self, ids: list[int], action: str, by: str, intent: str | None = None, example: str | None = None) -> None:
        """Mark unanswered questions `ids` as handled by `by`: added to `intent` as `example`, ignored, or flagged
        (with no ids, the action is logged on its own)."""
        now = self.clock()
        rows = [{"unanswered_id": ident, "action": action, "intent": intent, "example": example, "by": by, "at": now}
                for ident in ids] or [{"unanswered_id": None, "action": action, "intent": intent, "example": example,
                                       "by": by, "at": now}]
        with self.db.transaction():
            for row in rows:
                self.db.insert("unanswered_reviews", row)

    def latest_actions(self) -> dict[int, str]:
        """The latest action on each reviewed unanswered question."""
        rows = self.db.rows("select unanswered_id, action from unanswered_reviews where unanswered_id is not null "
                            "order by id")
        return {row["unanswered_id"]: row["action"] for row in rows}

    def history(self, limit: int = 50) -> list[dict]:
        """Who added which example to which intent, newest first (one line per action, not per question)."""
        # "by" is quoted: a reserved word in standard SQL. One line per second: floor(at), in both engines (a cast
        # truncates in SQLite but rounds in PostgreSQL).
        return self.db.rows(
            'select action, intent, example, "by", max(at) as at, count(*) as questions from unanswered_reviews '
            'group by action, intent, example, "by", floor(at) order by at desc limit ?', [limit])
